import DriftCore
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
    var name: String { config.name }
    var schema: Schema { evaluator.baseline.schema }
    var baselineVersion: String { evaluator.baselineVersion }
    /// The baseline's prediction classes (its most frequent, as profiled), whose counters are kept
    /// whatever labels requests bring.
    var predictionClasses: [String] {
        evaluator.baseline.features.first { $0.role == .prediction }?.categorical?.categories ?? []
    }

    struct State: ~Copyable {
        var window: StreamWindow
        var journal: EventJournal
        /// Latest position per tailed source, as journaled.
        var tails: [String: TailPosition]
        var unknownFeatureNames: Set<String> = []
        /// Counts changes to the window and tail positions (ingest, expiry, a tumbling reset);
        /// `checkpointed` is its value at the last tick that saved them (in full or by keeping the
        /// journal). Starts one apart, so the first tick after a start always asks the policy
        /// (which writes in full when the start could not restore the stored checkpoint).
        var changes: UInt64 = 1
        var checkpointed: UInt64 = 0
        /// Whether a tick rewrites the window or the journal covers it.
        var policy: CheckpointPolicy
    }

    private let state: Mutex<State>
    private let published = Mutex<DriftReport?>(nil)

    /// Restores the model: the checkpoint (when it matches the baseline version and window
    /// settings), then the journal segments after it. Returns the runtime and what happened.
    static func open(config: ModelConfig, evaluator: Evaluator, store: BaselineStore, journalDirectory: String,
                     storedTails: [String: TailPosition], now: Double) throws -> (ModelRuntime, [String]) {
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
                        window = try StreamWindow(restoring: cp.window, baseline: evaluator.baseline, config: config.window)
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
        var tails = storedTails
        var replayed = 0
        let schemaWidths = (evaluator.baseline.schema.numericCount, evaluator.baseline.schema.categoricalCount)
        let problems = try EventJournal.replay(directory: journalDirectory, from: firstSegment) { entry in
            if let t = entry.tail { tails[t.source] = t }
            guard (entry.batch.numericWidth, entry.batch.categoricalWidth) == schemaWidths else { return }
            window.insert(entry.batch, at: entry.time)
            replayed += entry.batch.count
        }
        if replayed > 0 { notes.append("replayed \(replayed) journaled events") }
        notes.append(contentsOf: problems)
        let journal = try EventJournal(directory: journalDirectory)
        var policy = CheckpointPolicy(windowRecords: config.window.maxRecords)
        policy.started(journalCovers: consistent, replayed: replayed)
        let runtime = ModelRuntime(config: config, evaluator: evaluator, journalDirectory: journalDirectory,
                                   state: State(window: window, journal: journal, tails: tails, policy: policy))
        return (runtime, notes)
    }

    private init(config: ModelConfig, evaluator: Evaluator, journalDirectory: String, state: consuming State) {
        self.config = config
        self.evaluator = evaluator
        self.journalDirectory = journalDirectory
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
                if !part.batch.isEmpty { s.window.insert(part.batch, at: now) }
                // A tail-only entry (a tailed chunk of refused lines) counts once, so a source
                // that only ever sends bad lines cannot grow the kept journal without bound.
                s.policy.journaled(max(1, part.batch.count))
                if let tail = part.tail { s.tails[tail.source] = tail }
                s.changes &+= 1
                let unknown = part.unknownFeatures
                if !unknown.isEmpty && s.unknownFeatureNames.count < 20 { s.unknownFeatureNames.formUnion(unknown.prefix(20)) }
            }
        }
        try step(0)
    }

    /// The latest journaled position of a tailed source.
    func tailPosition(_ source: String) -> TailPosition? { state.withLock { $0.tails[source] } }

    /// Expires old events, copies the window (and resets a completed tumbling window).
    func takeWindow(now: Double) -> (window: StreamWindow, unknown: Set<String>) {
        state.withLock { s in
            if s.window.expire(now: now) > 0 { s.changes &+= 1 }
            let copy = s.window
            if s.window.isComplete(now: now) {
                s.window.reset(now: now)
                s.changes &+= 1
                s.policy.windowReset()
            }
            return (copy, s.unknownFeatureNames)
        }
    }

    /// Events currently in the window.
    var windowRows: Int { state.withLock { $0.window.rows } }

    /// Evaluates a window copy (outside the lock) and publishes the report.
    func evaluate(_ window: StreamWindow, unknown: Set<String>) throws -> DriftReport {
        var report = try evaluator.evaluate(window.snapshot())
        if !unknown.isEmpty {
            report.notes.append("feature keys not in the baseline schema (counted, ignored): \(unknown.sorted().joined(separator: ", "))")
        }
        published.withLock { $0 = report }
        return report
    }

    var latestReport: DriftReport? { published.withLock { $0 } }

    /// What the checkpoint tick does (`CheckpointPolicy`). For a full checkpoint: rotates the
    /// journal and returns what it needs: the window, the first segment not covered, the tail
    /// positions covered, and the change count to pass to `checkpointed(_:)` once saved. Nil when
    /// nothing is to be written: nothing changed, or the journal kept since the last full
    /// checkpoint covers the changes (the state is durable as of now either way).
    func prepareCheckpoint(full: Bool = false) throws -> (window: StreamWindow, nextSegment: Int, tails: [TailPosition], changes: UInt64)? {
        try state.withLock { s in
            switch s.policy.decide(changed: s.changes != s.checkpointed, shutdown: full) {
            case .none:
                return nil
            case .keepJournal:
                s.checkpointed = s.changes
                return nil
            case .writeFull:
                s.policy.fullStarted()
                do {
                    let next = try s.journal.rotate()
                    return (s.window, next, Array(s.tails.values), s.changes)
                } catch {
                    s.policy.fullFailed()
                    throw error
                }
            }
        }
    }

    /// A full checkpoint could not be saved: the next tick writes one again.
    func checkpointFailed() {
        state.withLock { s in s.policy.fullFailed() }
    }

    /// Records that the state as of `changes` is saved.
    func checkpointed(_ changes: UInt64) {
        state.withLock { s in s.checkpointed = changes }
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
        retained.isEmpty ? "\(cause)" : "\(cause); the journal of \(retained.joined(separator: ", ")) could not be rolled back"
    }
}
