import DriftCore
import Logging
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

/// What the HTTP routes need (`buildRouter`): the ingest path's limits, parser and journal, the
/// published reports, the metrics page and the readiness checks. Nothing here waits on SQLite's
/// writer or a disk (`/readyz` reads the disk probes' last outcome).
protocol RouteHost: Sendable {
    var parser: EventParser { get }
    /// The bearer token `POST /v1/events` requires, if any.
    var ingestToken: String? { get }
    /// The largest request body accepted, in bytes.
    var maxBodyBytes: Int { get }
    /// Journals and inserts every model's batch, or throws and keeps nothing (`IngestFailure`
    /// names the models whose part stays journaled).
    func accept(_ parsed: ParsedEvents) throws
    /// Counts a request refused before any record was read.
    func recordRejected(_ reason: RejectReason)
    /// Brackets one ingest request (readiness reports ingest saturated beyond a limit).
    func ingestStarted()
    func ingestFinished()
    /// The latest report of every model that has been evaluated.
    func latestReports() -> [DriftReport]
    /// The latest report of one model by name.
    func latestReport(model name: String) -> ModelDrift
    /// The `/metrics` page.
    func renderMetrics() -> [UInt8]
    /// `/readyz`: ready, and the state of each check.
    func readiness() -> (ready: Bool, checks: [String: String])
    var logger: Logger { get }
}

/// One model's latest report, as `GET /v1/drift/{model}` answers it.
enum ModelDrift {
    case unknownModel
    /// Configured, not evaluated yet; evaluated every `every` seconds.
    case notEvaluated(every: Double)
    case report(DriftReport)
}
