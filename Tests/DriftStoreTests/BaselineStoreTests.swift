import DriftCore
import DriftRecords
import DriftStats
@testable import DriftStore
import Foundation
import GRDB
import Testing

private func sampleProfile(rows: Int = 500, seed: UInt64 = 1) throws -> BaselineProfile {
    let schema = try Schema(features: [
        FeatureSpec(name: "x", kind: .numeric),
        FeatureSpec(name: "y", kind: .numeric),
        FeatureSpec(name: "c", kind: .categorical),
    ])
    var builder = try BaselineBuilder(schema: schema)
    var g = SplitMix64(seed: seed)
    var batch = EventBatch(schema: schema)
    for i in 0..<rows {
        let x = g.nextUnit()
        let y = x + g.nextUnit()
        batch.append(numbers: [x, i % 10 == 0 ? .nan : y], categories: [["a", "b", "c"][i % 3]])
    }
    builder.add(batch)
    return try builder.finish()
}

@Suite("Baseline store (SQLite via GRDB)")
struct BaselineStoreTests {
    @Test("save and load round-trip the whole profile, samples included; versions auto-increment")
    func roundTrip() throws {
        let path = temporaryPath()
        defer { remove(path) }
        let store = try Store(path: path, create: true)
        let profile = try sampleProfile()
        let created = Date(timeIntervalSince1970: 1_795_000_000.25)
        let first = try store.save(profile, model: "iris", version: nil, source: "train.csv", createdAt: created)
        let second = try store.save(
            try sampleProfile(seed: 2), model: "iris", version: nil, source: "train2.csv", createdAt: created)
        #expect(first.version == "1" && second.version == "2")
        #expect(first.checksum.hasPrefix("sha256:") && first.checksum.count == 7 + 64)
        let loaded = try store.load(model: "iris", version: "1")
        #expect(loaded.profile == profile)
        #expect(loaded.profile.features[0].numeric?.sample == profile.features[0].numeric?.sample)
        #expect(loaded.record == first)
        #expect(try store.load(model: "iris").record.version == "2")
        #expect(try store.load(model: "iris", version: "latest").record.version == "2")
        #expect(try store.list().map(\.version) == ["2", "1"])
        // Reopening sees the same data (WAL committed).
        let reopened = try Store(path: path, create: false)
        #expect(try reopened.load(model: "iris", version: "1").profile == profile)
        let mode = try DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test("explicit versions are unique; rows are immutable; delete removes one version")
    func immutability() throws {
        let path = temporaryPath()
        defer { remove(path) }
        let store = try Store(path: path, create: true)
        let profile = try sampleProfile()
        _ = try store.save(profile, model: "m", version: "2026-11", source: "a.csv", createdAt: Date())
        #expect(throws: StoreError.duplicateVersion(model: "m", version: "2026-11")) {
            _ = try store.save(profile, model: "m", version: "2026-11", source: "b.csv", createdAt: Date())
        }
        #expect(
            throws: StoreError.invalidName("model \"bad name\" must be 1–128 characters of letters, digits, _ . : -")
        ) {
            _ = try store.save(profile, model: "bad name", version: nil, source: "b.csv", createdAt: Date())
        }
        let db = try DatabaseQueue(path: path)
        #expect(throws: DatabaseError.self) {
            try db.write { try $0.execute(sql: "UPDATE baseline SET rows = 1") }
        }
        #expect(try store.delete(model: "m", version: "2026-11"))
        #expect(try !store.delete(model: "m", version: "2026-11"))
        #expect(throws: StoreError.notFound(model: "m", version: nil)) { _ = try store.load(model: "m") }
    }

    @Test("a flipped byte in the stored samples is caught by the checksum")
    func tampering() throws {
        let path = temporaryPath()
        defer { remove(path) }
        let store = try Store(path: path, create: true)
        _ = try store.save(try sampleProfile(), model: "m", version: "1", source: "a.csv", createdAt: Date())
        let db = try DatabaseQueue(path: path)
        try db.write { db in
            try db.execute(sql: "DROP TRIGGER baseline_immutable")
            let blob = try Data.fetchOne(db, sql: "SELECT samples FROM baseline")!
            var bytes = [UInt8](blob)
            bytes[100] ^= 0x01
            try db.execute(sql: "UPDATE baseline SET samples = ?", arguments: [Data(bytes)])
        }
        #expect(throws: StoreError.checksumMismatch(model: "m", version: "1")) { _ = try store.load(model: "m") }
    }

    @Test("a truncated or foreign file is refused with a clear error, never read")
    func corruptFiles() throws {
        let path = temporaryPath()
        defer { remove(path) }
        do {
            let store = try Store(path: path, create: true)
            for i in 0..<3 {
                _ = try store.save(
                    try sampleProfile(rows: 5_000, seed: UInt64(i)), model: "m", version: nil, source: "a.csv",
                    createdAt: Date())
            }
        }
        // Checkpoint the WAL into the main file, then cut the file in half.
        try DatabaseQueue(path: path).writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(size / 2))
        try handle.close()
        do {
            let store = try Store(path: path, create: false)
            _ = try store.load(model: "m", version: "1")
            Issue.record("a truncated database was read")
        } catch let error as StoreError {
            guard case .corrupt = error else { Issue.record("unexpected \(error)"); return }
        }
        let foreign = temporaryPath()
        defer { remove(foreign) }
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: foreign))
        #expect {
            _ = try Store(path: foreign, create: false)
        } throws: { error in
            guard case StoreError.corrupt(let p, _) = error else { return false }
            return p == foreign
        }
        #expect(throws: StoreError.missingDatabase(path: "/nonexistent/x.sqlite")) {
            _ = try Store(path: "/nonexistent/x.sqlite", create: false)
        }
    }

    @Test(
        "checkpoints are stored in parts and load joined; a whole-blob row of the old layout still loads; a flipped byte in a part is refused"
    )
    func checkpointParts() throws {
        let path = temporaryPath()
        defer { remove(path) }
        let store = try Store(path: path, create: true)
        var g = SplitMix64(seed: 7)
        let bytes = (0..<2_500_000).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        try store.saveCheckpoint(
            model: "m", baselineVersion: "3", window: bytes, nextSegment: 12, tails: [],
            at: Date(timeIntervalSince1970: 100))
        let db = try DatabaseQueue(path: path)
        let sizes = try db.read { db in
            try Int.fetchAll(
                db, sql: "SELECT length(bytes) FROM window_checkpoint_part WHERE model = 'm' ORDER BY part")
        }
        #expect(sizes == [1 << 20, 1 << 20, 2_500_000 - (2 << 20)])
        let cp = try #require(try store.loadCheckpoint(model: "m"))
        #expect(cp.window == bytes && cp.nextSegment == 12 && cp.baselineVersion == "3")
        // A smaller checkpoint replaces every part of the previous one.
        try store.saveCheckpoint(model: "m", baselineVersion: "3", nextSegment: 13, tails: [], at: Date()) { emit in
            try emit([1, 2]); try emit([3])
        }
        #expect(try store.loadCheckpoint(model: "m")?.window == [1, 2, 3])
        #expect(try db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM window_checkpoint_part") } == 2)
        // The layout before parts: the whole window in `window`, with its SHA-256 (sha256sum of
        // the three bytes 01 02 03, computed outside this code).
        try db.write { db in
            try db.execute(sql: "DELETE FROM window_checkpoint_part")
            try db.execute(
                sql: "UPDATE window_checkpoint SET window = x'010203', checksum = ?",
                arguments: ["sha256:039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81"])
        }
        #expect(try store.loadCheckpoint(model: "m")?.window == [1, 2, 3])
        // Damage in a part fails the checksum over the joined parts.
        try store.saveCheckpoint(
            model: "m", baselineVersion: "3", window: bytes, nextSegment: 14, tails: [], at: Date())
        try db.write { db in
            try db.execute(sql: "UPDATE window_checkpoint_part SET bytes = zeroblob(length(bytes)) WHERE part = 1")
        }
        #expect { _ = try store.loadCheckpoint(model: "m") } throws: { error in
            guard case StoreError.corrupt(_, let reason) = error else { return false }
            return reason.contains("checksum")
        }
        try store.deleteCheckpoint(model: "m")
        #expect(try store.loadCheckpoint(model: "m") == nil)
        #expect(try db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM window_checkpoint_part") } == 0)
    }

    @Test(
        "a store last opened before the checkpoint-parts migration upgrades in place and its whole-blob checkpoint loads"
    )
    func upgradeFromV3() throws {
        let path = temporaryPath()
        defer { remove(path) }
        // The schema as the previous release left it: migrations up to "v3 alerts", and a
        // checkpoint row holding the whole window (bytes 01 02 03; sha256sum computed outside).
        do {
            let old = try DatabaseQueue(path: path)
            try Store.migrator.migrate(old, upTo: "v3 alerts")
            try old.write { db in
                #expect(try !db.tableExists("window_checkpoint_part"))
                try db.execute(
                    sql: """
                        INSERT INTO window_checkpoint (model, baseline_version, window, next_segment, created_at, checksum)
                        VALUES ('m', '2', x'010203', 7, 100, 'sha256:039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81')
                        """)
            }
        }
        let store = try Store(path: path, create: false)
        let cp = try #require(try store.loadCheckpoint(model: "m"))
        #expect(cp.window == [1, 2, 3] && cp.nextSegment == 7 && cp.baselineVersion == "2")
        // The next checkpoint is written in parts and replaces the whole-blob row.
        try store.saveCheckpoint(
            model: "m", baselineVersion: "2", window: [4, 5], nextSegment: 8, tails: [], at: Date())
        #expect(try store.loadCheckpoint(model: "m")?.window == [4, 5])
        let db = try DatabaseQueue(path: path)
        #expect(try db.read { db in try Int.fetchOne(db, sql: "SELECT length(window) FROM window_checkpoint") } == 0)
    }
}
