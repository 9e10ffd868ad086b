import DriftConfig
import DriftCore
import DriftRecords
@testable import DriftServer
import DriftStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Journal replay, checkpoints and the log tailer, without sockets or timers.
@Suite("Durability and tailing")
struct DurabilityTests {
    func ingest(_ sidecar: Sidecar, _ text: String) throws {
        let parsed = try Array(text.utf8).withUnsafeBytes { try sidecar.parser.parse($0, format: .ndjson) }
        try sidecar.accept(parsed)
    }

    @Test("acknowledged events come back after a crash (no checkpoint): the journal is replayed")
    func journalReplay() throws {
        let f = try Fixture()
        defer { f.cleanup() }
        do {
            let a = try f.open()
            try ingest(a, Fixture.events(700))
            try ingest(a, Fixture.events(300, seed: 2))
        }  // dropped without a checkpoint, as after SIGKILL
        let b = try f.open()
        #expect(b.runtimes[0].windowRows == 1000)
    }

    @Test("graceful shutdown of the checkpoint service writes the full window (bulk work injected, run inline)")
    func shutdownCheckpoint() async throws {
        let f = try Fixture()
        defer { f.cleanup() }
        let store = try Store(path: f.config.store, create: false)
        let a = try f.open()
        try ingest(a, Fixture.events(50))
        a.checkpointAll()  // a tick: the journal covers 50 events, nothing written
        #expect(try store.loadCheckpoint(model: "m") == nil)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: CheckpointService(host: a, bulk: .inline, logger: a.logger))],
                gracefulShutdownSignals: [], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(50))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let saved = try #require(try store.loadCheckpoint(model: "m"))
        let restored = try StreamWindow(
            restoring: saved.window, baseline: a.runtimes[0].evaluator.baseline,
            config: f.config.models[0].window)
        #expect(restored.rows == 50)
    }

    @Test("checkpoint + later journal: restored exactly once; journal segments covered are deleted")
    func checkpointThenJournal() throws {
        let f = try Fixture()
        defer { f.cleanup() }
        let journal = f.config.journalPath + "/m"
        do {
            let a = try f.open()
            try ingest(a, Fixture.events(400))
            a.checkpointAll()
            try ingest(a, Fixture.events(250, seed: 3))
            #expect(EventJournal.segments(in: journal).count == 1)  // the pre-checkpoint segment was pruned
        }
        let b = try f.open()
        #expect(b.runtimes[0].windowRows == 650)
        b.checkpointAll()
        let c = try f.open()
        #expect(c.runtimes[0].windowRows == 650)
    }

    @Test(
        "a tick writes the window only when the journal no longer covers it (after max_records events, at shutdown, after a failed restore)"
    )
    func incrementalCheckpoints() throws {
        var f = try Fixture(windowRecords: 100)
        f.config.models[0].window.maxAge = 60
        defer { f.cleanup() }
        let journal = f.config.journalPath + "/m"
        let now = Mutex(1000.0)
        let clock: @Sendable () -> Double = { now.withLock { $0 } }
        func createdAt() throws -> Date? {
            try Store(path: f.config.store, create: false).loadCheckpoint(model: "m")?.createdAt
        }
        func written(_ s: Sidecar) -> String? {
            String(decoding: s.metrics.render(), as: UTF8.self).split(separator: "\n")
                .first { $0.hasPrefix("driftwatch_checkpoint_written_bytes_total{model=\"m\"}") }.map {
                    String($0.split(separator: " ")[1])
                }
        }
        let a = try f.open(clock: clock)
        try ingest(a, Fixture.events(60))
        a.checkpointAll()  // 60 < 2 × 100 events since the (absent) full checkpoint: the journal covers them
        #expect(try createdAt() == nil)
        #expect(written(a) == "0")
        let segments = EventJournal.segments(in: journal)
        #expect(
            String(decoding: a.metrics.render(), as: UTF8.self).contains(
                "driftwatch_last_checkpoint_timestamp_seconds{model=\"m\"} 1000.0"))
        now.withLock { $0 = 1010 }
        try ingest(a, Fixture.events(150, seed: 2))
        a.checkpointAll()  // 210 ≥ 200: the window is written, older segments pruned
        #expect(try createdAt() == Date(timeIntervalSince1970: 1010))
        let full = Int(written(a) ?? "") ?? 0
        #expect(full > 100 * 8 * 3)  // at least time, latency and two numbers per record
        #expect(EventJournal.segments(in: journal).allSatisfy { $0 > segments.last! })
        now.withLock { $0 = 1020 }
        try ingest(a, Fixture.events(5, seed: 3))
        a.checkpointAll()
        #expect(try createdAt() == Date(timeIntervalSince1970: 1010) && written(a) == "\(full)")
        let before = a.runtimes[0].takeWindow(now: 1020, force: true)!.window.checkpoint()
        // Killed here (no shutdown checkpoint): the full checkpoint plus the journal give the same window.
        let b = try f.open(clock: clock)
        #expect(b.runtimes[0].takeWindow(now: 1020, force: true)!.window.checkpoint() == before)
        #expect(b.runtimes[0].windowRows == 100)
        // Shutdown writes it whole, so the next start replays nothing.
        now.withLock { $0 = 1030 }
        b.checkpointAll(full: true)
        #expect(try createdAt() == Date(timeIntervalSince1970: 1030))
        b.checkpointAll(full: true)  // nothing journaled since: no second write
        #expect(try createdAt() == Date(timeIntervalSince1970: 1030))
        let c = try f.open(clock: clock)
        #expect(c.runtimes[0].takeWindow(now: 1030, force: true)!.window.checkpoint() == before)
        // Expiry needs no write either: it is a function of the time, applied again after a restart.
        now.withLock { $0 = 1100 }
        c.evaluate(c.runtimes[0])
        #expect(c.runtimes[0].windowRows == 0)
        c.checkpointAll()
        #expect(try createdAt() == Date(timeIntervalSince1970: 1030))
        let d = try f.open(clock: clock)
        #expect(d.runtimes[0].takeWindow(now: 1100, force: true)!.window.rows == 0)
    }

    @Test(
        "entries that carry only a tail position (refused tailed lines) count toward the next full checkpoint: the journal stays bounded"
    )
    func tailOnlyEntriesBounded() throws {
        let f = try Fixture(windowRecords: 100)
        defer { f.cleanup() }
        func createdAt() throws -> Date? {
            try Store(path: f.config.store, create: false).loadCheckpoint(model: "m")?.createdAt
        }
        let a = try f.open(clock: { 1000 })
        let runtime = a.runtimes[0]
        for i in 0..<199 {
            try runtime.ingest(
                EventBatch(schema: runtime.schema),
                tail: TailPosition(source: "/log", device: 1, inode: 2, offset: Int64(i)), now: 1000)
        }
        a.checkpointAll()
        #expect(try createdAt() == nil)  // 199 < 2 × 100
        try runtime.ingest(
            EventBatch(schema: runtime.schema), tail: TailPosition(source: "/log", device: 1, inode: 2, offset: 199),
            now: 1000)
        a.checkpointAll()
        #expect(try createdAt() == Date(timeIntervalSince1970: 1000))
        #expect(EventJournal.segments(in: f.config.journalPath + "/m").count == 1)  // the older ones pruned
    }

    @Test("a tumbling reset makes the next tick write the window (the journal since belongs to the old one)")
    func tumblingResetWritesFull() throws {
        var f = try Fixture(windowRecords: 1000)
        f.config.models[0].window.mode = .tumbling
        f.config.models[0].window.maxAge = 60
        defer { f.cleanup() }
        let now = Mutex(1000.0)
        let clock: @Sendable () -> Double = { now.withLock { $0 } }
        func createdAt() throws -> Date? {
            try Store(path: f.config.store, create: false).loadCheckpoint(model: "m")?.createdAt
        }
        let a = try f.open(clock: clock)
        try ingest(a, Fixture.events(30))
        a.checkpointAll()
        #expect(try createdAt() == nil)
        now.withLock { $0 = 1061 }
        a.evaluate(a.runtimes[0])  // the window ran its course: reset
        #expect(a.runtimes[0].windowRows == 0)
        a.checkpointAll()
        #expect(try createdAt() == Date(timeIntervalSince1970: 1061))
        try ingest(a, Fixture.events(7, seed: 4))
        let b = try f.open(clock: clock)
        #expect(b.runtimes[0].windowRows == 7)
    }

    @Test("a torn last journal entry (killed mid-write) is dropped; the entries before it are kept")
    func tornEntry() throws {
        let f = try Fixture()
        defer { f.cleanup() }
        let journal = f.config.journalPath + "/m"
        do {
            let a = try f.open()
            try ingest(a, Fixture.events(100))
            try ingest(a, Fixture.events(50, seed: 4))
        }
        let seg = journal + "/" + EventJournal.name(EventJournal.segments(in: journal).last!)
        let data = FileManager.default.contents(atPath: seg)!
        try data.prefix(data.count - 10).write(to: URL(fileURLWithPath: seg))
        let b = try f.open()
        #expect(b.runtimes[0].windowRows == 100)
        // Garbage (CRC mismatch) is refused too.
        var bytes = [UInt8](FileManager.default.contents(atPath: seg)!)
        bytes[20] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: seg))
        let c = try f.open()
        #expect(c.runtimes[0].windowRows == 0)
    }

    @Test("a checkpoint for another baseline version is not restored")
    func versionChange() throws {
        let f = try Fixture()
        defer { f.cleanup() }
        do {
            let a = try f.open()
            try ingest(a, Fixture.events(100))
            a.checkpointAll()
        }
        try f.open().store.saveCheckpoint(
            model: "m", baselineVersion: "99", window: [1, 2, 3], nextSegment: 1000, tails: [], at: Date())
        #expect(try f.open().runtimes[0].windowRows == 0)
    }

    func append(_ path: String, _ text: String) throws {
        let h = FileHandle(forWritingAtPath: path)!
        h.seekToEndOfFile()
        h.write(Data(text.utf8))
        h.closeFile()
    }

    /// A tail sink in memory whose journal fails while `failing` is set; keeps the x of every
    /// accepted event and the last position.
    final class FlakySink: TailSink {
        let parser = EventParser(models: [("m", Fixture.schema)])
        struct State {
            var failing = false
            var attempts = 0
            var xs: [Double] = []
            var position: TailPosition?
        }
        let state = Mutex(State())

        func accept(_ parsed: ParsedEvents, tail: (model: Int, position: TailPosition)?) throws {
            try state.withLock { s in
                s.attempts += 1
                if s.failing { throw CocoaError(.fileWriteOutOfSpace) }
                let b = parsed.batches[0]
                for e in 0..<b.count { s.xs.append(b.number(e, 0)) }
                if let tail { s.position = tail.position }
            }
        }

        func tailPosition(model: Int, source: String) -> TailPosition? { state.withLock { $0.position } }
    }

    @Test(
        "tailing through a journal that fails: lines wait (at most one chunk read), are retried without new data, none lost or doubled"
    )
    func tailJournalFailure() throws {
        let dir = NSTemporaryDirectory() + "driftwatch-tail-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = dir + "/predictions.jsonl"
        func line(_ i: Int) -> String { "{\"features\":{\"x\":\(i),\"y\":0,\"c\":\"a\"}}\n" }
        FileManager.default.createFile(atPath: log, contents: Data((0..<5).map(line).joined().utf8))
        let sink = FlakySink()
        var t = FileTailer(source: SourceConfig(path: log, model: "m"), sink: sink, logger: Logger(label: "test"))
        while t.poll() {}
        #expect(sink.state.withLock { $0.xs } == [0, 1, 2, 3, 4])
        sink.state.withLock { $0.failing = true }
        try append(log, (5..<10).map(line).joined())
        var polls = 0
        while t.poll() { polls += 1 }
        // One read, one failed append; then every poll retries and stops (no busy loop).
        #expect(polls == 1 && t.blocked)
        let attempts = sink.state.withLock { $0.attempts }
        for _ in 0..<3 {
            let progressed = t.poll()
            #expect(!progressed)
        }
        #expect(sink.state.withLock { $0.attempts } == attempts + 3)
        // More lines while failing are not read into memory: the pending bytes stay as they were.
        let pendingBefore = t.pending.count
        try append(log, (10..<15).map(line).joined())
        let progressed = t.poll()
        #expect(!progressed && t.pending.count == pendingBefore)
        // The disk recovers: no new data is needed for the retry; every line once, in order.
        sink.state.withLock { $0.failing = false }
        while t.poll() {}
        #expect(sink.state.withLock { $0.xs } == (0..<15).map(Double.init))
        let size = try FileManager.default.attributesOfItem(atPath: log)[.size] as! Int
        #expect(sink.state.withLock { $0.position?.offset } == Int64(size) && !t.blocked)
        // Rename rotation while failing: the old file's unterminated last line is kept until journaled.
        try append(log, String(line(15).dropLast()))
        sink.state.withLock { $0.failing = true }
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        FileManager.default.createFile(atPath: log, contents: Data(line(16).utf8))
        while t.poll() {}
        sink.state.withLock { $0.failing = false }
        while t.poll() {}
        #expect(sink.state.withLock { $0.xs } == (0..<17).map(Double.init))
    }

    @Test("tailing: partial lines wait, rename rotation drains the old file, copytruncate restarts, restart resumes")
    func tail() throws {
        var f = try Fixture()
        defer { f.cleanup() }
        let log = f.dir + "/predictions.jsonl"
        f.config.sources = [SourceConfig(path: log, model: "m")]
        FileManager.default.createFile(atPath: log, contents: Data())
        let lines = Fixture.events(10).split(separator: "\n").map { String($0) + "\n" }
        do {
            let s = try f.open()
            var t = FileTailer(source: f.config.sources[0], sink: s, logger: s.logger)
            try append(log, lines[0] + lines[1] + String(lines[2].prefix(15)))
            while t.poll() {}
            #expect(s.runtimes[0].windowRows == 2)
            try append(log, String(lines[2].dropFirst(15)) + lines[3])
            while t.poll() {}
            #expect(s.runtimes[0].windowRows == 4)
            // Rename rotation: the old file gets one more (unterminated) line, then is renamed.
            try append(log, String(lines[4].dropLast()))
            try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
            FileManager.default.createFile(atPath: log, contents: Data((lines[5] + lines[6]).utf8))
            while t.poll() {}
            #expect(s.runtimes[0].windowRows == 7)
            // copytruncate: the file is emptied in place and written again.
            let h = FileHandle(forWritingAtPath: log)!
            h.truncateFile(atOffset: 0)
            h.closeFile()
            while t.poll() {}
            try append(log, lines[7])
            while t.poll() {}
            #expect(s.runtimes[0].windowRows == 8)
        }  // crash: no checkpoint; the journal holds events and positions
        try append(log, lines[8])
        let s = try f.open()
        #expect(s.runtimes[0].windowRows == 8)
        var t = FileTailer(source: f.config.sources[0], sink: s, logger: s.logger)
        while t.poll() {}
        #expect(s.runtimes[0].windowRows == 9)  // line 8 only: nothing re-read, nothing skipped
        s.checkpointAll()
        try append(log, lines[9])
        let s2 = try f.open()
        var t2 = FileTailer(source: f.config.sources[0], sink: s2, logger: s2.logger)
        while t2.poll() {}
        #expect(s2.runtimes[0].windowRows == 10)
    }
}
