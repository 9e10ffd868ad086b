import Crypto
import DriftCore
import Foundation
import GRDB

/// A model's window as last checkpointed.
public struct WindowCheckpoint: Sendable, Equatable {
    public let model: String
    public let baselineVersion: String
    /// `StreamWindow.checkpoint()` bytes.
    public let window: [UInt8]
    /// Journal segments numbered from this one on hold events newer than the checkpoint.
    public let nextSegment: Int
    public let createdAt: Date
}

/// Window checkpoints and tail offsets, in the same SQLite database as the baselines.
///
/// A checkpoint replaces the model's previous one in one transaction together with the tail
/// positions it covers, so the window and the offsets never disagree. A SHA-256 over the window
/// bytes is verified on load: a damaged checkpoint is refused (the sidecar then starts empty and
/// replays its journal) rather than restoring nonsense.
extension BaselineStore {
    static func registerCheckpointMigrations(_ m: inout DatabaseMigrator) {
        m.registerMigration("v2 checkpoints") { db in
            try db.execute(sql: """
                CREATE TABLE window_checkpoint (
                    model TEXT PRIMARY KEY,
                    baseline_version TEXT NOT NULL,
                    window BLOB NOT NULL,
                    next_segment INTEGER NOT NULL,
                    created_at REAL NOT NULL,
                    checksum TEXT NOT NULL
                );
                CREATE TABLE tail_offset (
                    source TEXT PRIMARY KEY,
                    device INTEGER NOT NULL,
                    inode INTEGER NOT NULL,
                    offset INTEGER NOT NULL,
                    updated_at REAL NOT NULL
                );
                """)
        }
    }

    static func digest(_ bytes: [UInt8]) -> String {
        "sha256:" + SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Replaces the model's checkpoint and the given tail positions in one transaction.
    public func saveCheckpoint(model: String, baselineVersion: String, window: [UInt8], nextSegment: Int,
                               tails: [TailPosition], at date: Date) throws {
        let checksum = Self.digest(window)
        try mapErrors {
            try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO window_checkpoint (model, baseline_version, window, next_segment, created_at, checksum)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(model) DO UPDATE SET baseline_version = excluded.baseline_version,
                        window = excluded.window, next_segment = excluded.next_segment,
                        created_at = excluded.created_at, checksum = excluded.checksum
                    """, arguments: [model, baselineVersion, Data(window), nextSegment, date.timeIntervalSince1970, checksum])
                for t in tails {
                    try db.execute(sql: """
                        INSERT INTO tail_offset (source, device, inode, offset, updated_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(source) DO UPDATE SET device = excluded.device, inode = excluded.inode,
                            offset = excluded.offset, updated_at = excluded.updated_at
                        """, arguments: [t.source, Int64(bitPattern: t.device), Int64(bitPattern: t.inode), t.offset,
                                         date.timeIntervalSince1970])
                }
            }
        }
    }

    /// The model's checkpoint, verified; nil when there is none.
    public func loadCheckpoint(model: String) throws -> WindowCheckpoint? {
        try mapErrors {
            try pool.read { db in
                guard let row = try Row.fetchOne(db, sql: """
                    SELECT baseline_version, window, next_segment, created_at, checksum FROM window_checkpoint WHERE model = ?
                    """, arguments: [model]) else { return nil }
                let data: Data = row["window"]
                let bytes = [UInt8](data)
                guard Self.digest(bytes) == row["checksum"] as String else {
                    throw StoreError.corrupt(path: path, reason: "checkpoint of model \"\(model)\" fails its checksum")
                }
                return WindowCheckpoint(model: model, baselineVersion: row["baseline_version"], window: bytes,
                                        nextSegment: row["next_segment"],
                                        createdAt: Date(timeIntervalSince1970: row["created_at"]))
            }
        }
    }

    public func deleteCheckpoint(model: String) throws {
        try mapErrors { try pool.write { db in try db.execute(sql: "DELETE FROM window_checkpoint WHERE model = ?", arguments: [model]) } }
    }

    /// Every stored tail position by source id.
    public func tailPositions() throws -> [String: TailPosition] {
        try mapErrors {
            try pool.read { db in
                var out: [String: TailPosition] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT source, device, inode, offset FROM tail_offset") {
                    let source: String = row["source"]
                    out[source] = TailPosition(source: source, device: UInt64(bitPattern: row["device"]),
                                               inode: UInt64(bitPattern: row["inode"]), offset: row["offset"])
                }
                return out
            }
        }
    }

    /// Whether a write transaction can start now (readiness probe): takes SQLite's write lock and
    /// releases it.
    public func probeWritable() -> Bool {
        do {
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                try db.execute(sql: "ROLLBACK")
            }
            return true
        } catch {
            return false
        }
    }
}
