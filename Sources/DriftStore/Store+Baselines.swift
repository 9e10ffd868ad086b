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

extension Store {
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
