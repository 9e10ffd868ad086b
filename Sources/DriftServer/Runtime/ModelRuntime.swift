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

    struct State: ~Copyable {
        var window: StreamWindow
        var journal: EventJournal
        /// Latest position per tailed source, as journaled.
        var tails: [String: TailPosition]
        var unknownFeatureNames: Set<String> = []
        /// Counts changes to the window and tail positions (ingest, expiry, a tumbling reset);
        /// `checkpointed` is its value at the last checkpoint. Starts one apart, so the first
        /// checkpoint after a start always runs (it covers whatever the journal replayed).
        var changes: UInt64 = 1
        var checkpointed: UInt64 = 0
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
        do {
            if let cp = try store.loadCheckpoint(model: config.name) {
                // Segments before the checkpoint's are covered by it, restored or not.
                firstSegment = cp.nextSegment
                if cp.baselineVersion != evaluator.baselineVersion {
                    notes.append("checkpoint was for baseline version \(cp.baselineVersion); starting an empty window")
                } else {
                    do {
                        window = try StreamWindow(restoring: cp.window, baseline: evaluator.baseline, config: config.window)
                        notes.append("restored \(window.rows) events from the checkpoint of \(cp.createdAt)")
                    } catch {
                        notes.append("checkpoint not restored (\(error)); starting an empty window")
                    }
                }
            }
        } catch {
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
        let runtime = ModelRuntime(config: config, evaluator: evaluator, journalDirectory: journalDirectory,
                                   state: State(window: window, journal: journal, tails: tails))
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
        guard !batch.isEmpty || tail != nil else { return }
        try state.withLock { s in
            try s.journal.append(EventJournal.Entry(time: now, tail: tail, batch: batch))
            if !batch.isEmpty { s.window.insert(batch, at: now) }
            if let tail { s.tails[tail.source] = tail }
            s.changes &+= 1
            if !unknownFeatures.isEmpty && s.unknownFeatureNames.count < 20 { s.unknownFeatureNames.formUnion(unknownFeatures.prefix(20)) }
        }
    }

    /// The latest journaled position of a tailed source.
    func tailPosition(_ source: String) -> TailPosition? { state.withLock { $0.tails[source] } }

    /// Expires old events, copies the window (and resets a completed tumbling window).
    func takeWindow(now: Double) -> (window: StreamWindow, unknown: Set<String>) {
        state.withLock { s in
            if s.window.expire(now: now) > 0 { s.changes &+= 1 }
            let copy = s.window
            if s.window.isComplete(now: now) { s.window.reset(now: now); s.changes &+= 1 }
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

    /// Rotates the journal and returns what a checkpoint needs: the window, the first segment
    /// not covered, the tail positions covered, and the change count to pass to
    /// `checkpointed(_:)` once saved. Nil when nothing changed since the last checkpoint: the
    /// stored one is current, and rewriting it (~11 MB at 100k × 15) would only cost I/O.
    func prepareCheckpoint() throws -> (window: StreamWindow, nextSegment: Int, tails: [TailPosition], changes: UInt64)? {
        try state.withLock { s in
            guard s.changes != s.checkpointed else { return nil }
            let next = try s.journal.rotate()
            return (s.window, next, Array(s.tails.values), s.changes)
        }
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
