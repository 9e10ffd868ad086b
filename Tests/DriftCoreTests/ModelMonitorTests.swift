import DriftMonitor
import DriftAlerting
import DriftCore
import DriftRecords
import DriftStats
import Testing

/// The per-model machine on its own: time is a number, the journal and the store are what the
/// test does with the actions.
@Suite("ModelMonitor")
struct ModelMonitorTests {
    static let baseline = StreamWindowTests.baseline

    static func monitor(_ mode: WindowMode, records: Int, maxAge: Double?) -> ModelMonitor {
        var config = WindowConfig()
        config.mode = mode
        config.maxRecords = records
        config.maxAge = maxAge
        return ModelMonitor(window: StreamWindow(baseline: baseline, config: config, start: 0))
    }

    static func full(_ action: ModelMonitor.CheckpointAction) -> (window: StreamWindow, changes: UInt64)? {
        if case .writeFull(let w, _, let c) = action { return (w, c) }
        return nil
    }

    @Test("sliding: a tick expires events older than max_age; the window handed over is the one left")
    func slidingExpiry() {
        var m = Self.monitor(.sliding, records: 1_000, maxAge: 60)
        m.accept(StreamWindowTests.events(0..<10), at: 0)
        m.accept(StreamWindowTests.events(10..<25), at: 100)
        #expect(m.evaluationTick(now: 59, force: true)!.window.rows == 25)
        let e = m.evaluationTick(now: 130, force: true)!  // 130 − 60 = 70: the events of t = 0 are out
        #expect(e.window.rows == 15 && !e.final && m.window.rows == 15)
        #expect(m.evaluationTick(now: 161, force: true)!.window.rows == 0)
    }

    @Test("tumbling: handed over one last time when full or when max_age has run, then reset")
    func tumbling() {
        var byCount = Self.monitor(.tumbling, records: 10, maxAge: nil)
        byCount.accept(StreamWindowTests.events(0..<9), at: 1)
        #expect(!byCount.evaluationTick(now: 2, force: true)!.final)
        byCount.accept(StreamWindowTests.events(9..<10), at: 3)
        let last = byCount.evaluationTick(now: 4, force: true)!
        #expect(last.final && last.window.rows == 10 && byCount.window.rows == 0 && byCount.window.start == 4)
        // The journal since the last checkpoint belongs to the old window: the next tick writes in full.
        #expect(Self.full(byCount.checkpointTick())?.window.rows == 0)

        var byAge = Self.monitor(.tumbling, records: 1_000, maxAge: 60)
        byAge.accept(StreamWindowTests.events(0..<50), at: 10)
        #expect(!byAge.evaluationTick(now: 59.9, force: true)!.final)
        let e = byAge.evaluationTick(now: 60, force: true)!
        #expect(e.final && e.window.rows == 50 && byAge.window.rows == 0)
    }

    @Test(
        "schedule: due on a fixed grid of evaluate_every (missed ticks skipped), at once when a tumbling window fills")
    func schedule() {
        var config = WindowConfig()
        config.maxRecords = 10
        config.maxAge = nil
        var m = ModelMonitor(
            window: StreamWindow(baseline: Self.baseline, config: config, start: 100), evaluateEvery: 15,
            firstEvaluation: 100)
        #expect(m.nextDeadline == 100)
        let r1 = m.evaluationTick(now: 99.9)
        #expect(r1 == nil)
        let r2 = m.evaluationTick(now: 100)
        #expect(r2 != nil && m.nextEvaluation == 115)
        let r3 = m.evaluationTick(now: 114.9)
        #expect(r3 == nil)
        // An evaluation that took 0.3 s does not stretch the period: due at 115, then 130.
        let r4 = m.evaluationTick(now: 115.3)
        #expect(r4 != nil && m.nextEvaluation == 130)
        // A stall of 50 s: one tick at 180.1 (not four to catch up), next on the grid at 190.
        let r5 = m.evaluationTick(now: 180.1)
        #expect(r5 != nil && m.nextEvaluation == 190)
        let r6 = m.evaluationTick(now: 181)
        #expect(r6 == nil)
        let r7 = m.evaluationTick(now: 181, force: true)
        #expect(r7 != nil && m.nextEvaluation == 190)
        // A sliding window never completes: a full one evicts, and nothing is due early.
        let sliding = m.accept(StreamWindowTests.events(0..<25), at: 182)
        #expect(!sliding && m.window.rows == 10)
        // A tumbling window by count: the insert that fills it says the evaluation is due now.
        config.mode = .tumbling
        var t = ModelMonitor(
            window: StreamWindow(baseline: Self.baseline, config: config, start: 0), evaluateEvery: 15,
            firstEvaluation: 0)
        _ = t.evaluationTick(now: 0)
        let r8 = t.accept(StreamWindowTests.events(0..<9), at: 1)
        #expect(!r8)
        let r9 = t.evaluationTick(now: 2)
        #expect(r9 == nil)
        let r10 = t.accept(StreamWindowTests.events(9..<12), at: 3)
        #expect(r10)
        let again = t.accept(StreamWindowTests.events(12..<13), at: 3.5)
        #expect(!again)  // said once
        let last = t.evaluationTick(now: 3.6)
        #expect(last?.final == true && last?.window.rows == 13 && t.window.rows == 0 && t.nextEvaluation == 15)
        // A window that fills again within minimumGap (0.1 s) of that evaluation waits for the gap.
        let refill = t.accept(StreamWindowTests.events(13..<23), at: 3.65)
        #expect(refill && t.nextDeadline == 3.6 + ModelMonitor.minimumGap)
        let early = t.evaluationTick(now: 3.65)
        #expect(early == nil)
        let gapped = t.evaluationTick(now: 3.6 + ModelMonitor.minimumGap)
        #expect(gapped?.final == true && gapped?.window.rows == 10 && t.nextDeadline == 15)
        // By age: the deadline is the window's close when that comes before the schedule.
        config.maxAge = 40
        var byAge = ModelMonitor(
            window: StreamWindow(baseline: Self.baseline, config: config, start: 0), evaluateEvery: 100,
            firstEvaluation: 1_000)
        #expect(byAge.nextDeadline == 40)
        let r11 = byAge.evaluationTick(now: 39)
        #expect(r11 == nil)
        let r12 = byAge.evaluationTick(now: 40)
        #expect(r12?.final == true && byAge.nextDeadline == 80)
    }

    @Test(
        "checkpoints: journal until 2 × max_records events, then in full; a failure writes again; shutdown writes what the journal holds"
    )
    func checkpoints() {
        var m = Self.monitor(.sliding, records: 100, maxAge: nil)
        m.started(journalCovers: true, replayed: 0)
        #expect(Self.full(m.checkpointTick()) == nil)  // the first tick asks, nothing is owed
        m.accept(StreamWindowTests.events(0..<150), at: 1)
        #expect(Self.full(m.checkpointTick()) == nil)  // 150 < 200: the journal covers it
        #expect(Self.full(m.checkpointTick()) == nil)  // nothing changed
        m.accept(StreamWindowTests.events(150..<200), at: 2)
        let first = Self.full(m.checkpointTick())
        #expect(first?.window.rows == 100)
        m.checkpointFailed()
        let again = try! #require(Self.full(m.checkpointTick()))
        m.checkpointSaved(again.changes)
        #expect(Self.full(m.checkpointTick()) == nil)
        #expect(Self.full(m.checkpointTick(shutdown: true)) == nil)  // nothing journaled since
        m.accept(StreamWindowTests.events(200..<201), at: 3)
        #expect(Self.full(m.checkpointTick(shutdown: true))?.window.rows == 100)
        // A start that could not restore the stored checkpoint owes a full one at the first tick.
        var restarted = Self.monitor(.sliding, records: 100, maxAge: nil)
        restarted.started(journalCovers: false, replayed: 0)
        #expect(Self.full(restarted.checkpointTick()) != nil)
    }

    @Test(
        "tail positions and unknown keys ride along; an entry without events still counts toward the next full checkpoint"
    )
    func tails() {
        var m = Self.monitor(.sliding, records: 1, maxAge: nil)
        let empty = EventBatch(schema: StreamWindowTests.schema)
        for i in 0..<2 {
            m.accept(empty, tail: TailPosition(source: "log", device: 1, inode: 2, offset: Int64(i * 10)), at: 1)
        }
        #expect(m.tails["log"]?.offset == 10 && m.window.rows == 0)
        #expect(Self.full(m.checkpointTick())?.window.rows == 0)
        m.accept(empty, unknown: Set((0..<30).map { "k\($0)" }), at: 2)
        #expect(m.unknownFeatureNames.count == 20)
    }

    @Test(
        "restart: the checkpointed window plus the journal replayed gives the window the sidecar had, evaluation for evaluation",
        arguments: [WindowMode.sliding, .tumbling])
    func restart(mode: WindowMode) throws {
        var live = Self.monitor(mode, records: 500, maxAge: 600)
        var journal: [(EventBatch, Double)] = []
        var checkpoint: [UInt8]?
        var g = SplitMix64(seed: 4)
        var start = 0, t = 0.0
        for _ in 0..<48 {
            let n = Int(g.next() % 90) + 1
            let batch = StreamWindowTests.slice(StreamWindowTests.events(0..<3_000, seed: 8), start..<(start + n))
            start += n
            t += g.nextUnit() * 30
            journal.append((batch, t))
            live.accept(batch, at: t)
            _ = live.evaluationTick(now: t, force: true)
            if case .writeFull(let w, _, let changes) = live.checkpointTick() {
                checkpoint = w.checkpoint()
                journal.removeAll()  // the rotated segments are pruned once it is saved
                live.checkpointSaved(changes)
            }
        }
        #expect(checkpoint != nil && !journal.isEmpty, "the run must end with a full checkpoint and journal after it")
        var restored = ModelMonitor(
            window: try StreamWindow(restoring: checkpoint!, baseline: Self.baseline, config: live.window.config))
        for (batch, time) in journal { restored.replay(batch, tail: nil, at: time) }
        restored.started(journalCovers: true, replayed: journal.reduce(0) { $0 + $1.0.count })
        let a = live.evaluationTick(now: t + 1, force: true)!.window,
            b = restored.evaluationTick(now: t + 1, force: true)!.window
        #expect(a.rows == b.rows && a.count == b.count && a.start == b.start)
        let evaluator = try Evaluator(baseline: Self.baseline, model: "m", baselineVersion: "1", settings: .init())
        let ra = try evaluator.evaluate(a.snapshot()), rb = try evaluator.evaluate(b.snapshot())
        #expect(ra.features == rb.features && ra.multivariate == rb.multivariate && ra.rows == rb.rows)
    }

    static func sentAlerts(_ step: ModelMonitor.AlertStep?) -> Set<String> {
        var out = Set<String>()
        for case .sendToAlertmanagers(let alerts) in step?.actions ?? [] {
            for a in alerts where a.state == .firing {
                out.insert("\(a.labels["alertname"] ?? "")/\(a.labels["feature"] ?? "")")
            }
        }
        return out
    }

    @Test(
        "evaluated: the report comes back with the monitor's notes and is kept; the alert step changes the engine only once committed"
    )
    func evaluatedAndAlerts() throws {
        var alerting = AlertingConfig()
        alerting.forDuration = 0
        alerting.resendInterval = 3600
        alerting.alertmanagers = ["http://127.0.0.1:9093"]
        let engine = AlertEngine(settings: .init(alerting, evaluationInterval: 10))
        var m = ModelMonitor(
            window: Self.monitor(.sliding, records: 5_000, maxAge: nil).window, alerts: engine)
        let evaluator = try Evaluator(baseline: Self.baseline, model: "m", baselineVersion: "1", settings: .init())
        // x in [-2, 12) against a baseline in [0, 10); c brings an unseen category in a quarter of its values.
        m.accept(StreamWindowTests.events(0..<3_000), unknown: ["zz"], at: 1)

        func step(_ m: inout ModelMonitor, at t: Double) throws -> ModelMonitor.Outcome {
            let tick = m.evaluationTick(now: t, force: true)
            let e = try #require(tick)
            let report = try evaluator.evaluate(e.window.snapshot())
            return m.evaluated(
                report, of: e, observation: AlertObservation(report: report, alerting: alerting), at: t)
        }
        let first = try step(&m, at: 10)
        #expect(first.report.notes.contains("feature keys not in the baseline schema (counted, ignored): zz"))
        #expect(m.latestReport?.notes == first.report.notes && m.latestReport?.rows == 3_000)
        let sent = Self.sentAlerts(first.alerts)
        #expect(sent.contains("DriftwatchUnseenCategories/c") && sent.contains("DriftwatchOutOfRange/x"), "\(sent)")
        // Not committed (the outbox write failed, say): the engine is as it was, and the next
        // evaluation produces the same sends again.
        #expect(m.alertEngine?.state == engine.state)
        let second = try step(&m, at: 20)
        #expect(Self.sentAlerts(second.alerts) == sent)
        // Committed: the engine moves on; the step before it, committed late, changes nothing.
        m.alertsCommitted(try #require(second.alerts))
        let firing = try #require(m.alertEngine?.state)
        #expect(firing.alerts.values.filter { $0.state == .firing }.count == sent.count)
        m.alertsCommitted(try #require(first.alerts))
        #expect(m.alertEngine?.state == firing)
        // Firing already and not due for a resend: nothing to send.
        let third = try step(&m, at: 30)
        #expect(Self.sentAlerts(third.alerts).isEmpty)

        // Without an engine (compare): the report is kept, no alert step.
        var plain = Self.monitor(.tumbling, records: 5_000, maxAge: nil)
        plain.accept(StreamWindowTests.events(0..<3_000), at: 1)
        let only = try step(&plain, at: 10)
        #expect(only.alerts == nil && plain.latestReport?.rows == 3_000 && plain.alertEngine == nil)
    }
}
