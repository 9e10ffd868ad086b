import DriftMonitor
import DriftAlerting
import DriftConfig
import DriftCore
import DriftRecords
import DriftStore
import Foundation
import Synchronization

/// One monitored model in the running sidecar: its evaluator, its window and journal behind one
/// lock, and its latest published report.
///
/// The ingest path is `ingest(_:tail:now:)`: one journal append and one window insert under the
/// lock (no evaluation, no SQLite). Evaluation copies the window under the lock (copy-on-write:
/// O(1) until the next insert) and runs outside it.
final class ModelRuntime: Sendable {
    let config: ModelConfig
    let evaluator: Evaluator
    let journalDirectory: String
    /// The thresholds and labels each report's alert conditions are built with (nil: no alerts).
    let alerting: AlertingConfig?
    var name: String { config.name }
    var schema: Schema { evaluator.baseline.schema }
    var baselineVersion: String { evaluator.baselineVersion }
    /// The baseline's prediction classes (its most frequent, as profiled), whose counters are kept
    /// whatever labels requests bring.
    var predictionClasses: [String] {
        evaluator.baseline.features.first { $0.role == .prediction }?.categorical?.categories ?? []
    }

    /// The model's decisions (`ModelMonitor`) and its journal, behind one lock.
    struct State: ~Copyable {
        var monitor: ModelMonitor
        var journal: EventJournal
    }

    private let state: Mutex<State>
    private let published = Mutex<DriftReport?>(nil)
    /// Wakes the evaluation loop when the monitor says an evaluation is due before its deadline
    /// (a tumbling window filled).
    let evaluationDue = Wakeup()

    /// Restores the model: the checkpoint (when it matches the baseline version and window
    /// settings), then the journal segments after it; `alerts`: its restored alert engine and the
    /// config its conditions are built with. Returns the runtime and what happened.
    static func open(
        config: ModelConfig, evaluator: Evaluator, store: Store, journalDirectory: String,
        storedTails: [String: TailPosition], alerts: (engine: AlertEngine, config: AlertingConfig)? = nil, now: Double
    ) throws -> (ModelRuntime, [String]) {
        var notes: [String] = []
        var window = StreamWindow(baseline: evaluator.baseline, config: config.window, start: now)
        var firstSegment = 0
        // Whether the stored checkpoint (or none) plus the journal replayed give this window.
        var consistent = true
        do {
            if let cp = try store.loadCheckpoint(model: config.name) {
                // Segments before the checkpoint's are covered by it, restored or not.
                firstSegment = cp.nextSegment
                if cp.baselineVersion != evaluator.baselineVersion {
                    consistent = false
                    notes.append("checkpoint was for baseline version \(cp.baselineVersion); starting an empty window")
                } else {
                    do {
                        window = try StreamWindow(
                            restoring: cp.window, baseline: evaluator.baseline, config: config.window)
                        notes.append("restored \(window.rows) events from the checkpoint of \(cp.createdAt)")
                    } catch {
                        consistent = false
                        notes.append("checkpoint not restored (\(error)); starting an empty window")
                    }
                }
            }
        } catch {
            consistent = false
            notes.append("checkpoint unreadable (\(error)); replaying the whole journal")
        }
        var monitor = ModelMonitor(
            window: window, tails: storedTails, evaluateEvery: config.evaluateEvery, firstEvaluation: now,
            alerts: alerts?.engine)
        var replayed = 0
        let schemaWidths = (evaluator.baseline.schema.numericCount, evaluator.baseline.schema.categoricalCount)
        let problems = try EventJournal.replay(directory: journalDirectory, from: firstSegment) { entry in
            // An entry of another schema (the baseline changed) keeps only its tail position.
            let fits = (entry.batch.numericWidth, entry.batch.categoricalWidth) == schemaWidths
            monitor.replay(
                fits ? entry.batch : EventBatch(numericWidth: schemaWidths.0, categoricalWidth: schemaWidths.1),
                tail: entry.tail, at: entry.time)
            if fits { replayed += entry.batch.count }
        }
        if replayed > 0 { notes.append("replayed \(replayed) journaled events") }
        notes.append(contentsOf: problems)
        let journal = try EventJournal(directory: journalDirectory)
        monitor.started(journalCovers: consistent, replayed: replayed)
        let runtime = ModelRuntime(
            config: config, evaluator: evaluator, journalDirectory: journalDirectory,
            alerting: alerts?.config, state: State(monitor: monitor, journal: journal))
        return (runtime, notes)
    }

    private init(
        config: ModelConfig, evaluator: Evaluator, journalDirectory: String, alerting: AlertingConfig?,
        state: consuming State
    ) {
        self.config = config
        self.evaluator = evaluator
        self.journalDirectory = journalDirectory
        self.alerting = alerting
        self.state = Mutex(state)
    }

    /// Journals and inserts a batch. When this returns, the events are acknowledged (durable
    /// against a process kill). Throws when the journal cannot be written (nothing inserted).
    func ingest(_ batch: EventBatch, tail: TailPosition? = nil, unknownFeatures: Set<String> = [], now: Double) throws {
        try Self.ingest([Part(runtime: self, batch: batch, tail: tail, unknownFeatures: unknownFeatures)], now: now)
    }

    /// One model's share of a request.
    struct Part {
        let runtime: ModelRuntime
        let batch: EventBatch
        var tail: TailPosition? = nil
        var unknownFeatures: Set<String> = []
    }

    /// Journals and inserts several models' batches as one: all or none. The models' locks are
    /// taken in the order given (callers pass them in configuration order, so two requests never
    /// wait on each other crosswise) and held until every journal append has succeeded; only then
    /// is anything inserted. When an append fails, the appends already made are truncated away
    /// before the locks are released, so a 503 keeps nothing. Should a truncation itself fail
    /// (the disk gone, not just full), the error says that those models' events may reappear
    /// after a restart.
    static func ingest(_ parts: [Part], now: Double) throws {
        let parts = parts.filter { !$0.batch.isEmpty || $0.tail != nil }
        guard !parts.isEmpty else { return }
        var due: [ModelRuntime] = []
        defer { for runtime in due { runtime.evaluationDue.signal() } }  // after the locks
        func step(_ k: Int) throws {
            guard k < parts.count else { return }
            let part = parts[k]
            try part.runtime.state.withLock { s in
                let mark = s.journal.mark
                do {
                    try s.journal.append(EventJournal.Entry(time: now, tail: part.tail, batch: part.batch))
                } catch {
                    throw IngestFailure(cause: error)
                }
                do {
                    try step(k + 1)
                } catch var failure as IngestFailure {
                    if !s.journal.rollback(to: mark) { failure.retained.append(part.runtime.name) }
                    throw failure
                }
                if s.monitor.accept(part.batch, tail: part.tail, unknown: part.unknownFeatures, at: now) {
                    due.append(part.runtime)
                }
            }
        }
        try step(0)
    }

    /// The latest journaled position of a tailed source.
    func tailPosition(_ source: String) -> TailPosition? { state.withLock { $0.monitor.tails[source] } }

    /// The monitor's evaluation tick: nil when none is due; else expiry, the window to evaluate (a
    /// completed tumbling one is reset after it is handed over).
    func takeWindow(now: Double, force: Bool = false) -> ModelMonitor.Evaluation? {
        state.withLock { s in s.monitor.evaluationTick(now: now, force: force) }
    }

    /// When the monitor wants its next evaluation tick.
    var nextDeadline: Double { state.withLock { $0.monitor.nextDeadline } }

    /// Events currently in the window.
    var windowRows: Int { state.withLock { $0.monitor.window.rows } }

    /// Evaluates a window the monitor handed over and builds the report's alert conditions (both
    /// outside the lock ingest takes), hands them back to the monitor (`evaluated`: notes, latest
    /// report, alert step) and publishes the report for `/v1/drift` (its own lock: readers never
    /// wait on ingest). `now` is the observation's time.
    func evaluate(_ evaluation: ModelMonitor.Evaluation, now: () -> Double) throws -> ModelMonitor.Outcome {
        let report = try evaluator.evaluate(evaluation.window.snapshot())
        let observation = alerting.map { AlertObservation(report: report, alerting: $0) }
        let at = now()
        let outcome = state.withLock { s in
            s.monitor.evaluated(report, of: evaluation, observation: observation, at: at)
        }
        published.withLock { $0 = outcome.report }
        return outcome
    }

    var latestReport: DriftReport? { published.withLock { $0 } }

    /// The alert step of an evaluation was committed: the monitor's engine moves on.
    func alertsCommitted(_ step: ModelMonitor.AlertStep) {
        state.withLock { s in s.monitor.alertsCommitted(step) }
    }

    /// The model's alert counts by alert and state (`driftwatch_alerts`), as its engine holds them.
    var alertCounts: [String: [AlertState: Int]] { state.withLock { $0.monitor.alertEngine?.counts() ?? [:] } }

    /// What the checkpoint tick does (`CheckpointPolicy`). For a full checkpoint: rotates the
    /// journal and returns what it needs: the window, the first segment not covered, the tail
    /// positions covered, and the change count to pass to `checkpointed(_:)` once saved. Nil when
    /// nothing is to be written: nothing changed, or the journal kept since the last full
    /// checkpoint covers the changes (the state is durable as of now either way).
    func prepareCheckpoint(
        full: Bool = false
    ) throws -> (window: StreamWindow, nextSegment: Int, tails: [TailPosition], changes: UInt64)? {
        try state.withLock { s in
            guard case .writeFull(let window, let tails, let changes) = s.monitor.checkpointTick(shutdown: full) else {
                return nil
            }
            do {
                return (window, try s.journal.rotate(), tails, changes)
            } catch {
                s.monitor.checkpointFailed()
                throw error
            }
        }
    }

    /// A full checkpoint could not be saved: the next tick writes one again.
    func checkpointFailed() {
        state.withLock { s in s.monitor.checkpointFailed() }
    }

    /// Records that the state as of `changes` is saved.
    func checkpointed(_ changes: UInt64) {
        state.withLock { s in s.monitor.checkpointSaved(changes) }
    }

    /// Deletes journal segments a saved checkpoint covers. Outside the lock: those segments are
    /// closed (rotated away), and unlinking one that holds a burst of batched ingest took up to
    /// 60 ms, during which every ingest request waited.
    func pruneJournal(below segment: Int) {
        EventJournal.prune(directory: journalDirectory, below: segment)
    }
}

/// A request's events could not all be journaled; nothing was inserted. `retained` names the models
/// whose journal still holds this request's entry (rolling it back failed): those events reappear
/// after a restart.
struct IngestFailure: Error, CustomStringConvertible {
    let cause: any Error
    var retained: [String] = []
    var description: String {
        retained.isEmpty
            ? "\(cause)" : "\(cause); the journal of \(retained.joined(separator: ", ")) could not be rolled back"
    }
}
