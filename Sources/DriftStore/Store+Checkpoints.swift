import Crypto
import DriftCore
import DriftRecords
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
extension Store {
    static func digest(_ bytes: [UInt8]) -> String {
        var h = SHA256()
        h.update(data: bytes)
        return format(h)
    }

    /// `sha256:` and the hex digest (the form every checksum in the store takes).
    static func format(_ h: SHA256) -> String {
        "sha256:" + h.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Replaces the model's checkpoint and the given tail positions in one transaction.
    public func saveCheckpoint(
        model: String, baselineVersion: String, window: [UInt8], nextSegment: Int,
        tails: [TailPosition], at date: Date
    ) throws {
        try saveCheckpoint(
            model: model, baselineVersion: baselineVersion, nextSegment: nextSegment, tails: tails, at: date
        ) { emit in
            var offset = 0
            repeat {
                let end = min(window.count, offset + (1 << 20))
                try emit(Array(window[offset..<end]))
                offset = end
            } while offset < window.count
        }
    }

    /// Replaces the model's checkpoint and the given tail positions in one transaction. `write`
    /// produces the window bytes by calling its argument with consecutive parts (for example
    /// `StreamWindow.writeCheckpoint(emit:)`); each part is stored as it comes, so the whole
    /// window is never in memory twice.
    public func saveCheckpoint(
        model: String, baselineVersion: String, nextSegment: Int, tails: [TailPosition], at date: Date,
        write: (_ emit: ([UInt8]) throws -> Void) throws -> Void
    ) throws {
        try mapErrors {
            try pool.write { db in
                try db.execute(sql: "DELETE FROM window_checkpoint_part WHERE model = ?", arguments: [model])
                let insert = try db.cachedStatement(
                    sql: "INSERT INTO window_checkpoint_part (model, part, bytes) VALUES (?, ?, ?)")
                var hash = SHA256()
                var part = 0
                try write { bytes in
                    hash.update(data: bytes)
                    try insert.execute(arguments: [model, part, Data(bytes)])
                    part += 1
                }
                try db.execute(
                    sql: """
                        INSERT INTO window_checkpoint (model, baseline_version, window, next_segment, created_at, checksum)
                        VALUES (?, ?, x'', ?, ?, ?)
                        ON CONFLICT(model) DO UPDATE SET baseline_version = excluded.baseline_version,
                            window = excluded.window, next_segment = excluded.next_segment,
                            created_at = excluded.created_at, checksum = excluded.checksum
                        """,
                    arguments: [model, baselineVersion, nextSegment, date.timeIntervalSince1970, Self.format(hash)])
                for t in tails {
                    try db.execute(
                        sql: """
                            INSERT INTO tail_offset (source, device, inode, offset, updated_at) VALUES (?, ?, ?, ?, ?)
                            ON CONFLICT(source) DO UPDATE SET device = excluded.device, inode = excluded.inode,
                                offset = excluded.offset, updated_at = excluded.updated_at
                            """,
                        arguments: [
                            t.source, Int64(bitPattern: t.device), Int64(bitPattern: t.inode), t.offset,
                            date.timeIntervalSince1970,
                        ])
                }
            }
        }
    }

    /// The model's checkpoint, verified; nil when there is none.
    public func loadCheckpoint(model: String) throws -> WindowCheckpoint? {
        try mapErrors {
            try pool.read { db in
                guard
                    let row = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT baseline_version, window, next_segment, created_at, checksum FROM window_checkpoint WHERE model = ?
                            """, arguments: [model])
                else { return nil }
                let whole: Data = row["window"]
                var bytes = [UInt8](whole)
                if bytes.isEmpty {
                    // Stored in parts ("v4"); a "v2" row holds the whole window.
                    let parts = try Data.fetchCursor(
                        db, sql: "SELECT bytes FROM window_checkpoint_part WHERE model = ? ORDER BY part",
                        arguments: [model])
                    while let part = try parts.next() { bytes.append(contentsOf: part) }
                }
                guard Self.digest(bytes) == row["checksum"] as String else {
                    throw StoreError.corrupt(path: path, reason: "checkpoint of model \"\(model)\" fails its checksum")
                }
                return WindowCheckpoint(
                    model: model, baselineVersion: row["baseline_version"], window: bytes,
                    nextSegment: row["next_segment"],
                    createdAt: Date(timeIntervalSince1970: row["created_at"]))
            }
        }
    }

    public func deleteCheckpoint(model: String) throws {
        try mapErrors {
            try pool.write { db in
                try db.execute(sql: "DELETE FROM window_checkpoint WHERE model = ?", arguments: [model])
                try db.execute(sql: "DELETE FROM window_checkpoint_part WHERE model = ?", arguments: [model])
            }
        }
    }

    /// Every stored tail position by source id.
    public func tailPositions() throws -> [String: TailPosition] {
        try mapErrors {
            try pool.read { db in
                var out: [String: TailPosition] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT source, device, inode, offset FROM tail_offset") {
                    let source: String = row["source"]
                    out[source] = TailPosition(
                        source: source, device: UInt64(bitPattern: row["device"]),
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
