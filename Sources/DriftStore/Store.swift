import Crypto
import DriftCore
import Foundation
import GRDB

/// The Driftwatch store: one SQLite database (GRDB `DatabasePool`, WAL mode) holding the
/// baselines (`Store+Baselines.swift`) and, for the sidecar, window checkpoints and tail offsets
/// (`Store+Checkpoints.swift`) and the alert engine's state with its outbox (`Store+Alerts.swift`);
/// the schema's history is `Migrations.swift`.
///
/// Baselines are versioned and immutable. One row per baseline: metadata, the profile as JSON (sorted keys, readable and diffable), the
/// numeric features' sorted samples as one blob of little-endian doubles, and a SHA-256 checksum
/// over all of it, verified on every load. A trigger refuses updates: a version never changes once
/// written; delete it and build a new one. Versions are per model: given (`--version`) or the next
/// integer after the largest integer version.
public final class Store: Sendable {
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
}
