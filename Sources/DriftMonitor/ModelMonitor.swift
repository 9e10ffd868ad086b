import DriftAlerting
import DriftCore
import DriftRecords

/// One model's state and every decision about it, as a value (time passed in, no I/O): the
/// window, the tail positions, the evaluation schedule, the checkpoint policy, the unknown feature
/// keys seen, the latest report and the model's alert engine. The sidecar
/// keeps one per model behind a lock and performs what it returns; `compare` feeds a whole file
/// through one and takes the final evaluation. Tested directly (`ModelMonitorTests`), without
/// sockets, clocks or files.
///
/// Inputs and what they return:
/// - `accept(_:tail:unknown:at:)`: a batch the journal now holds (write-ahead: the caller
///   journals first, and calls this only when the append succeeded). Inserts it; returns true
///   when a tumbling window just filled (the caller wakes the evaluation: it is due now).
/// - `evaluationTick(now:force:)` → `Evaluation?`: nil until an evaluation is due (the schedule
///   of `evaluate_every` on a fixed grid, or a tumbling window that has run its course); then
///   expires a sliding window's old events and hands over a copy to evaluate (O(1): the ring is
///   shared copy-on-write); a tumbling window that has run its course (full, or `max_age`
///   elapsed) is handed over one last time and reset. `nextDeadline` says when to tick again.
/// - `evaluated(_:of:observation:at:)` → `Outcome`: the report of an evaluation it handed over,
///   with its alert conditions (`AlertObservation(report:alerting:)`: pure, but ~0.6 ms for a
///   15-feature report, so the caller builds it outside the model's lock, which ingest takes).
///   Keeps the report as the published one (with its notes) and folds the conditions into the
///   model's alert engine; returns the
///   report to publish and the alert step to commit (outbox messages and the engine's new state,
///   one transaction), then `alertsCommitted(_:)`. Until then the engine keeps its state, so a
///   failed commit is produced again by the next evaluation.
/// - `checkpointTick(shutdown:)` → `CheckpointAction`: nothing, keep the journal, or write the
///   window in full (`CheckpointPolicy`); then `checkpointSaved(_:)` or `checkpointFailed()`.
public struct ModelMonitor: Sendable {
    public private(set) var window: StreamWindow
    /// Latest position per tailed source, as journaled.
    public private(set) var tails: [String: TailPosition]
    /// A few feature keys not in the schema (report notes; never labels).
    public private(set) var unknownFeatureNames: Set<String> = []
    public private(set) var policy: CheckpointPolicy
    /// Counts changes to the window and tail positions (ingest, expiry, a tumbling reset);
    /// `checkpointed` is its value at the last tick that saved them (in full or by keeping the
    /// journal). They start one apart, so the first tick after a start always asks the policy
    /// (which writes in full when the start could not restore the stored checkpoint).
    var changes: UInt64 = 1
    var checkpointed: UInt64 = 0
    /// Seconds between evaluations (`evaluate_every`; infinite: only when forced or complete).
    public let evaluateEvery: Double
    /// When the next scheduled evaluation is due (a grid: `first + k × evaluateEvery`, so the
    /// evaluations' own duration does not stretch the period).
    public private(set) var nextEvaluation: Double
    /// When the last evaluation was handed over (−∞: none yet).
    public private(set) var lastEvaluation = -Double.infinity
    /// The least time between two evaluations that a closing tumbling window brings (the floor of
    /// `evaluate_every`): a small window filling at a high rate costs at most ten evaluations a
    /// second, not one per fill; the window keeps its uniform reservoir meanwhile.
    public static let minimumGap = 0.1

    /// The latest evaluated report, with the monitor's notes (`/v1/drift`; nil before the first).
    public private(set) var latestReport: DriftReport?
    /// The model's alert engine (nil: no alerts, as in `compare`).
    public private(set) var alertEngine: AlertEngine?
    /// Counts alert steps: a commit applies only to the engine state it was computed from.
    var alertSteps: UInt64 = 0

    /// What an evaluation's report leads to.
    public struct Outcome: Sendable {
        /// The report to publish (gauges, `/v1/drift`), with the monitor's notes.
        public let report: DriftReport
        /// The alert engine's step to commit, or nil when nothing changed and nothing is to be sent.
        public let alerts: AlertStep?
    }

    /// One step of the alert engine: what to send, and the engine after it (whose state is
    /// stored with the messages). Pass it to `alertsCommitted(_:)` once committed.
    public struct AlertStep: Sendable {
        public let actions: [AlertAction]
        public let engine: AlertEngine
        let number: UInt64
    }

    /// The window to evaluate, and what goes with it.
    public struct Evaluation: Sendable {
        public let window: StreamWindow
        public let unknownFeatureNames: Set<String>
        /// A tumbling window's last evaluation before it was reset.
        public let final: Bool
    }

    /// What a checkpoint tick does.
    public enum CheckpointAction: Sendable {
        /// Nothing to save, or the journal kept since the last full checkpoint covers the changes.
        /// Durable as of now either way.
        case none
        /// Rotate the journal and write `window` (with the `tails` it covers); pass `changes` to
        /// `checkpointSaved(_:)` once written, or call `checkpointFailed()`.
        case writeFull(window: StreamWindow, tails: [TailPosition], changes: UInt64)
    }

    /// A monitor of `window`, evaluated every `evaluateEvery` seconds from `firstEvaluation`
    /// (the sidecar passes its start time: the first tick evaluates at once).
    /// With `alerts`, each evaluation's alert conditions are folded into that engine.
    public init(
        window: StreamWindow, tails: [String: TailPosition] = [:], evaluateEvery: Double = .infinity,
        firstEvaluation: Double = 0, alerts: AlertEngine? = nil
    ) {
        self.window = window
        self.tails = tails
        alertEngine = alerts
        self.evaluateEvery = evaluateEvery
        nextEvaluation = firstEvaluation
        policy = CheckpointPolicy(windowRecords: window.config.maxRecords)
    }

    // MARK: start

    /// A journal entry replayed at start (before any `accept`): inserted at its own time.
    public mutating func replay(_ batch: EventBatch, tail: TailPosition?, at time: Double) {
        if let tail { tails[tail.source] = tail }
        if !batch.isEmpty { window.insert(batch, at: time) }
    }

    /// The start is over: `journalCovers` whether the stored checkpoint (or none) plus the journal
    /// replayed give the window (false when a checkpoint was there but not restored), and how many
    /// events were replayed.
    public mutating func started(journalCovers: Bool, replayed: Int) {
        policy.started(journalCovers: journalCovers, replayed: replayed)
    }

    // MARK: ingest

    /// A journaled batch (and the tail position journaled with it): inserted at `now`. True when
    /// this batch completed a tumbling window (by count): its last evaluation is due now.
    @discardableResult
    public mutating func accept(
        _ batch: EventBatch, tail: TailPosition? = nil, unknown: Set<String> = [], at now: Double
    ) -> Bool {
        let wasComplete = window.isComplete(now: now)
        if !batch.isEmpty { window.insert(batch, at: now) }
        // A tail-only entry (a tailed chunk of refused lines) counts once, so a source that only
        // ever sends bad lines cannot grow the kept journal without bound.
        policy.journaled(max(1, batch.count))
        if let tail { tails[tail.source] = tail }
        changes &+= 1
        if !unknown.isEmpty && unknownFeatureNames.count < 20 { unknownFeatureNames.formUnion(unknown.prefix(20)) }
        return !wasComplete && window.isComplete(now: now)
    }

    // MARK: evaluation

    /// When to tick again: the scheduled evaluation, or a tumbling window's close (by age, or
    /// already full by count) if sooner, but not within `minimumGap` of the last evaluation. (The
    /// insert that fills a window by count is announced by `accept`.)
    public var nextDeadline: Double {
        guard window.config.mode == .tumbling else { return nextEvaluation }
        let closes: Double
        if let age = window.config.maxAge {
            closes = window.start + age
        } else if window.isComplete(now: 0) {
            closes = -.infinity  // full (by count) already
        } else {
            return nextEvaluation
        }
        return Swift.min(nextEvaluation, Swift.max(closes, lastEvaluation + Self.minimumGap))
    }

    /// Nil when no evaluation is due at `now` (and `force` is false). Otherwise expires old events
    /// and hands over the window to evaluate; resets a completed tumbling window after handing it
    /// over. A scheduled evaluation moves the schedule to the next grid point after `now` (missed
    /// ones are skipped, not caught up); one that a complete window or `force` brought leaves it.
    public mutating func evaluationTick(now: Double, force: Bool = false) -> Evaluation? {
        let complete = window.isComplete(now: now)
        let scheduled = now >= nextEvaluation
        guard scheduled || force || (complete && now - lastEvaluation >= Self.minimumGap) else { return nil }
        lastEvaluation = now
        if scheduled {
            nextEvaluation =
                evaluateEvery.isFinite
                ? nextEvaluation + evaluateEvery * (((now - nextEvaluation) / evaluateEvery).rounded(.down) + 1)
                : .infinity
        }
        if window.expire(now: now) > 0 { changes &+= 1 }
        let copy = window
        if complete {
            window.reset(now: now)
            changes &+= 1
            policy.windowReset()
        }
        return Evaluation(window: copy, unknownFeatureNames: unknownFeatureNames, final: complete)
    }

    /// The report of `evaluation` (one this monitor handed over), evaluated at `now`: adds the
    /// monitor's notes, keeps it as the latest report, and runs the alert engine on the report's
    /// `observation` (none: no alert step).
    public mutating func evaluated(
        _ report: DriftReport, of evaluation: Evaluation, observation: AlertObservation? = nil, at now: Double
    ) -> Outcome {
        var report = report
        if !evaluation.unknownFeatureNames.isEmpty {
            report.notes.append(
                "feature keys not in the baseline schema (counted, ignored): "
                    + evaluation.unknownFeatureNames.sorted().joined(separator: ", "))
        }
        latestReport = report
        guard let engine = alertEngine, let observation else { return Outcome(report: report, alerts: nil) }
        var next = engine
        let actions = next.observe(observation, at: now)
        guard next != engine || !actions.isEmpty else { return Outcome(report: report, alerts: nil) }
        alertSteps &+= 1
        return Outcome(report: report, alerts: AlertStep(actions: actions, engine: next, number: alertSteps))
    }

    /// The alert step was committed (its messages are in the outbox with its state): the engine
    /// moves on. A step older than the latest one handed out changes nothing.
    public mutating func alertsCommitted(_ step: AlertStep) {
        guard step.number == alertSteps else { return }
        alertEngine = step.engine
    }

    // MARK: checkpoints

    /// What this checkpoint tick does; `shutdown` writes the window whenever the journal holds
    /// anything since the last full checkpoint.
    public mutating func checkpointTick(shutdown: Bool = false) -> CheckpointAction {
        switch policy.decide(changed: changes != checkpointed, shutdown: shutdown) {
        case .none:
            return .none
        case .keepJournal:
            checkpointed = changes
            return .none
        case .writeFull:
            // Later events count toward the next full checkpoint.
            policy.fullStarted()
            return .writeFull(window: window, tails: Array(tails.values), changes: changes)
        }
    }

    /// The full checkpoint of a tick was saved: the state as of `changes` is durable.
    public mutating func checkpointSaved(_ changes: UInt64) { checkpointed = changes }

    /// The full checkpoint (or the journal rotation before it) failed: the next tick writes one again.
    public mutating func checkpointFailed() { policy.fullFailed() }
}
