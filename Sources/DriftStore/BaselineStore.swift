import Crypto
import DriftCore
import Foundation
import GRDB

/// Metadata of a stored baseline (what `baseline list` shows).
public struct BaselineRecord: Sendable, Equatable, Codable {
    public let id: Int64
    public let model: String
    public let version: String
    public let createdAt: Date
    /// The input file's name.
    public let source: String
    public let rows: Int
    public let features: Int
    /// "sha256:" + hex digest over the metadata, the profile JSON and the samples.
    public let checksum: String
    /// Bytes of profile JSON plus samples.
    public let sizeBytes: Int
    /// Set by `list` when the checksum does not match the content (what is wrong).
    public var damage: String? = nil

    enum CodingKeys: String, CodingKey {
        case id, model, version, createdAt = "created_at", source, rows, features, checksum, sizeBytes = "size_bytes",
            damage
    }
}

/// A baseline read back and verified.
public struct StoredBaseline: Sendable {
    public let record: BaselineRecord
    public let profile: BaselineProfile
}

/// Versioned, immutable baselines in SQLite (GRDB `DatabasePool`, WAL mode).
///
/// One row per baseline: metadata, the profile as JSON (sorted keys, readable and diffable), the
/// numeric features' sorted samples as one blob of little-endian doubles, and a SHA-256 checksum
/// over all of it, verified on every load. A trigger refuses updates: a version never changes once
/// written; delete it and build a new one. Versions are per model: given (`--version`) or the next
/// integer after the largest integer version.
public final class BaselineStore: Sendable {
    public let path: String
    let pool: DatabasePool

    /// Allowed model and version names: letters, digits, `_ . : -`, 1 to 128 characters.
    public static func validateName(_ name: String, what: String) throws {
        let ok =
            !name.isEmpty && name.utf8.count <= 128
            && name.unicodeScalars.allSatisfy { c in
                (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9")
                    || "_.:-".unicodeScalars.contains(c)
            }
        if !ok {
            throw StoreError.invalidName("\(what) \"\(name)\" must be 1–128 characters of letters, digits, _ . : -")
        }
    }

    /// How a command opens the store.
    public enum OpenMode: Sendable {
        /// Creates the file when absent (`baseline build`); applies migrations.
        case create
        /// An existing store, written to (the sidecar's checkpoints, `baseline delete`); applies
        /// migrations.
        case readWrite
        /// An existing store, never written (`list`, `show`, `export`, `compare`, `check-config`):
        /// SQLite opens it read-only, no migration runs, and a store that is not already a complete
        /// Driftwatch store is refused instead of initialised.
        case readOnly
    }

    public convenience init(path: String, create: Bool) throws {
        try self.init(path: path, mode: create ? .create : .readWrite)
    }

    /// Opens the database as `mode` says and runs SQLite's `quick_check`, so a damaged or foreign
    /// file is refused here with a clear error. Except in `create` mode the file must exist and
    /// start with SQLite's header: SQLite would take an empty or truncated file for a new
    /// database and write a fresh one over it.
    public init(path: String, mode: OpenMode) throws {
        self.path = path
        if mode != .create {
            guard FileManager.default.fileExists(atPath: path) else { throw StoreError.missingDatabase(path: path) }
            try Self.checkHeader(path)
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.readonly = mode == .readOnly
        do {
            pool = try DatabasePool(path: path, configuration: config)
            if mode == .readOnly {
                let complete = try pool.read { db in try Self.migrator.hasCompletedMigrations(db) }
                guard complete else {
                    throw StoreError.corrupt(
                        path: path,
                        reason: "not a complete Driftwatch store (tables missing or from another version); "
                            + "a read-only command does not initialise it")
                }
            } else {
                try Self.migrator.migrate(pool)
            }
            let check = try pool.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
            guard check == ["ok"] else {
                throw StoreError.corrupt(path: path, reason: check.prefix(3).joined(separator: "; "))
            }
        } catch let error as DatabaseError {
            throw Self.map(error, path: path)
        }
    }

    /// Refuses a file that does not begin with "SQLite format 3\0" (an empty file included).
    static func checkHeader(_ path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError.database("cannot read \(path)")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 100)) ?? Data()
        let magic = Data("SQLite format 3\0".utf8)
        guard head.count == 100, head.prefix(16) == magic else {
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? head.count
            throw StoreError.corrupt(
                path: path,
                reason: size == 0
                    ? "the file is empty (0 bytes)"
                    : "no SQLite header (the file is \(size) bytes: truncated or not a database)")
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1 baselines") { db in
            try db.execute(
                sql: """
                    CREATE TABLE baseline (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        model TEXT NOT NULL,
                        version TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        source TEXT NOT NULL,
                        rows INTEGER NOT NULL,
                        features INTEGER NOT NULL,
                        format INTEGER NOT NULL,
                        profile_json BLOB NOT NULL,
                        samples BLOB NOT NULL,
                        checksum TEXT NOT NULL,
                        UNIQUE (model, version)
                    );
                    CREATE TRIGGER baseline_immutable BEFORE UPDATE ON baseline
                    BEGIN SELECT RAISE(ABORT, 'baselines are immutable'); END;
                    """)
        }
        registerCheckpointMigrations(&m)
        registerAlertMigrations(&m)
        registerCheckpointPartMigrations(&m)
        return m
    }

    static func map(_ error: DatabaseError, path: String) -> StoreError {
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return .corrupt(path: path, reason: error.message ?? "\(error.resultCode)")
        default:
            return .database(error.message ?? "\(error)")
        }
    }

    func mapErrors<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DatabaseError { throw Self.map(error, path: path) }
    }

    // MARK: writing

    /// Stores a baseline and returns its record. `version` nil takes the next integer version.
    public func save(
        _ profile: BaselineProfile, model: String, version: String?, source: String,
        createdAt: Date
    ) throws -> BaselineRecord {
        try Self.validateName(model, what: "model")
        if let version { try Self.validateName(version, what: "version") }
        let json = try Self.encoder.encode(profile)
        let samples = Self.encodeSamples(profile)
        let created = createdAt.timeIntervalSince1970
        return try mapErrors {
            try pool.write { db in
                let chosen: String
                if let version {
                    if try Bool.fetchOne(
                        db, sql: "SELECT 1 FROM baseline WHERE model = ? AND version = ?",
                        arguments: [model, version]) == true
                    {
                        throw StoreError.duplicateVersion(model: model, version: version)
                    }
                    chosen = version
                } else {
                    let existing = try String.fetchAll(
                        db, sql: "SELECT version FROM baseline WHERE model = ?", arguments: [model])
                    chosen = String((existing.compactMap { Int($0) }.max() ?? 0) + 1)
                }
                let checksum = Self.checksum(
                    model: model, version: chosen, createdAt: created, source: source,
                    rows: profile.rows, json: json, samples: samples)
                try db.execute(
                    sql: """
                        INSERT INTO baseline (model, version, created_at, source, rows, features, format, profile_json, samples, checksum)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        model, chosen, created, source, profile.rows, profile.features.count,
                        profile.format, json, samples, checksum,
                    ])
                return BaselineRecord(
                    id: db.lastInsertedRowID, model: model, version: chosen,
                    createdAt: Date(timeIntervalSince1970: created), source: source, rows: profile.rows,
                    features: profile.features.count, checksum: checksum,
                    sizeBytes: json.count + samples.count)
            }
        }
    }

    /// Deletes one version. Returns false when there was none.
    @discardableResult
    public func delete(model: String, version: String) throws -> Bool {
        try mapErrors {
            try pool.write { db in
                try db.execute(
                    sql: "DELETE FROM baseline WHERE model = ? AND version = ?", arguments: [model, version])
                return db.changesCount > 0
            }
        }
    }

    // MARK: reading

    private static let recordColumns =
        "id, model, version, created_at, source, rows, features, checksum, length(profile_json) + length(samples) AS size"

    private static func record(_ row: Row) -> BaselineRecord {
        BaselineRecord(
            id: row["id"], model: row["model"], version: row["version"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]), source: row["source"],
            rows: row["rows"], features: row["features"], checksum: row["checksum"], sizeBytes: row["size"])
    }

    /// Baselines, newest first within each model; all models when `model` is nil. Each record's
    /// checksum is verified (its content is read for that); a damaged one has `damage` set.
    public func list(model: String? = nil) throws -> [BaselineRecord] {
        try mapErrors {
            try pool.read { db in
                let columns = "\(Self.recordColumns), profile_json, samples"
                let rows: [Row]
                if let model {
                    rows = try Row.fetchAll(
                        db, sql: "SELECT \(columns) FROM baseline WHERE model = ? ORDER BY id DESC",
                        arguments: [model])
                } else {
                    rows = try Row.fetchAll(db, sql: "SELECT \(columns) FROM baseline ORDER BY model, id DESC")
                }
                return rows.map { row in
                    var record = Self.record(row)
                    if !Self.verify(record, json: row["profile_json"] ?? Data(), samples: row["samples"] ?? Data()) {
                        record.damage =
                            StoreError.checksumMismatch(model: record.model, version: record.version).description
                    }
                    return record
                }
            }
        }
    }

    static func verify(_ record: BaselineRecord, json: Data, samples: Data) -> Bool {
        checksum(
            model: record.model, version: record.version, createdAt: record.createdAt.timeIntervalSince1970,
            source: record.source, rows: record.rows, json: json, samples: samples) == record.checksum
    }

    /// Loads and verifies a baseline: `version` nil (or "latest") is the most recently stored one.
    /// Throws `notFound`, `checksumMismatch`, or `corrupt` when the content does not decode.
    public func load(model: String, version: String? = nil) throws -> StoredBaseline {
        let wanted = version == "latest" ? nil : version
        // Verified and decoded inside the read, straight from SQLite's buffers: no copy of the
        // blobs (a 1M-row baseline's samples are 7 MB; each copy cost fresh pages).
        let stored: StoredBaseline? = try mapErrors {
            try pool.read { db in
                let rows =
                    if let wanted {
                        try Row.fetchCursor(
                            db,
                            sql:
                                "SELECT \(Self.recordColumns), profile_json, samples FROM baseline WHERE model = ? AND version = ?",
                            arguments: [model, wanted])
                    } else {
                        try Row.fetchCursor(
                            db,
                            sql:
                                "SELECT \(Self.recordColumns), profile_json, samples FROM baseline WHERE model = ? ORDER BY id DESC LIMIT 1",
                            arguments: [model])
                    }
                guard let row = try rows.next() else { return nil }
                let record = Self.record(row)
                return try row.withUnsafeData(named: "profile_json") { json in
                    try row.withUnsafeData(named: "samples") { samples in
                        try decode(record, json: json ?? Data(), samples: samples ?? Data())
                    }
                }
            }
        }
        guard let stored else { throw StoreError.notFound(model: model, version: wanted) }
        return stored
    }

    private func decode(_ record: BaselineRecord, json: Data, samples: Data) throws -> StoredBaseline {
        guard Self.verify(record, json: json, samples: samples) else {
            throw StoreError.checksumMismatch(model: record.model, version: record.version)
        }
        var profile: BaselineProfile
        do {
            profile = try JSONDecoder().decode(BaselineProfile.self, from: json)
        } catch {
            throw StoreError.corrupt(
                path: path, reason: "baseline \(record.model) version \(record.version) does not decode: \(error)")
        }
        try Self.decodeSamples(samples, into: &profile, path: path, model: record.model, version: record.version)
        return StoredBaseline(record: record, profile: profile)
    }

    // MARK: encoding

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }

    /// The numeric features' samples, in schema order, as little-endian doubles.
    static func encodeSamples(_ profile: BaselineProfile) -> Data {
        let total = profile.features.reduce(0) { $0 + ($1.numeric?.sample.count ?? 0) }
        var data = Data(count: total * 8)
        data.withUnsafeMutableBytes { raw in
            var offset = 0
            for f in profile.features {
                guard let n = f.numeric else { continue }
                n.sample.withUnsafeBufferPointer { b in
                    for (i, v) in b.enumerated() {
                        raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: offset + 8 * i, as: UInt64.self)
                    }
                }
                offset += 8 * n.sample.count
            }
        }
        return data
    }

    static func decodeSamples(
        _ data: Data, into profile: inout BaselineProfile, path: String, model: String,
        version: String
    ) throws {
        let expected = profile.features.reduce(0) { $0 + ($1.numeric?.sampleCount ?? 0) }
        guard data.count == expected * 8 else {
            throw StoreError.corrupt(
                path: path,
                reason:
                    "baseline \(model) version \(version): sample blob has \(data.count) bytes, expected \(expected * 8)"
            )
        }
        var offset = 0
        try data.withUnsafeBytes { raw in
            for i in profile.features.indices {
                guard let n = profile.features[i].numeric else { continue }
                var values = [Double](repeating: 0, count: n.sampleCount)
                for k in 0..<n.sampleCount {
                    let bits = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8 * k, as: UInt64.self))
                    values[k] = Double(bitPattern: bits)
                }
                offset += 8 * n.sampleCount
                guard values.allSatisfy(\.isFinite), zip(values, values.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                    throw StoreError.corrupt(
                        path: path,
                        reason:
                            "baseline \(model) version \(version): sample of \(profile.features[i].name) is not sorted and finite"
                    )
                }
                profile.features[i].numeric?.sample = values
            }
        }
    }

    /// SHA-256 over the metadata and content, each part length-prefixed.
    static func checksum(
        model: String, version: String, createdAt: Double, source: String, rows: Int,
        json: Data, samples: Data
    ) -> String {
        var h = SHA256()
        func part(_ d: Data) {
            withUnsafeBytes(of: UInt64(d.count).littleEndian) { h.update(bufferPointer: $0) }
            h.update(data: d)
        }
        part(Data(model.utf8))
        part(Data(version.utf8))
        part(withUnsafeBytes(of: createdAt.bitPattern.littleEndian) { Data($0) })
        part(Data(source.utf8))
        part(withUnsafeBytes(of: Int64(rows).littleEndian) { Data($0) })
        part(json)
        part(samples)
        return Self.format(h)
    }
}
