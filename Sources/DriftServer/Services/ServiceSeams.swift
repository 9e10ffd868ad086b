import DriftCore
import DriftRecords

// What each background service needs of the running sidecar, and nothing more. `Sidecar` is the
// one implementation in production (Runtime/Sidecar+Seams.swift); tests drive a service against a
// small in-memory one (a tailer whose journal fails, say) without opening a store.

/// What a tailer needs: the record parser, ingest of a parsed chunk with the position after it
/// (one journal entry holds both), and the journaled position of a source.
protocol TailSink: Sendable {
    var parser: EventParser { get }
    /// Journals and inserts every model's batch, or throws and keeps nothing.
    func accept(_ parsed: ParsedEvents, tail: (model: Int, position: TailPosition)?) throws
    /// The latest journaled position of `source` in model `model`'s state.
    func tailPosition(model: Int, source: String) -> TailPosition?
}

/// What the evaluation service drives: each model's evaluation ticks, when its monitor wants them.
protocol EvaluationHost: Sendable {
    /// The configured models.
    var modelCount: Int { get }
    /// One evaluation tick of model `model`: when one is due, expire, evaluate, publish, alert.
    func evaluate(model: Int)
    /// Waits until model `model`'s next deadline, or less when its window fills first.
    func waitForEvaluation(model: Int) async
}

/// What the checkpoint service drives.
protocol CheckpointHost: Sendable {
    /// Seconds between checkpoint ticks.
    var checkpointPeriod: Double { get }
    /// One checkpoint tick for every model (`full`: write whatever the journal holds; shutdown).
    func checkpointAll(full: Bool)
}

/// What the probe service drives: the disk probes, on its own thread.
protocol DiskProbeHost: Sendable {
    func probeDisks()
}
