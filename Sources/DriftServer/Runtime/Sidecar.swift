import DriftConfig
import DriftCore
import DriftRecords
import DriftStore
import Foundation
import Logging
import Synchronization

/// Everything the running sidecar shares: configuration, store, per-model runtimes, the parser,
/// the metrics. Built once by `Sidecar.open`; the HTTP routes and the services use it.
public final class Sidecar: Sendable {
    public let config: SidecarConfig
    let store: Store
    let runtimes: [ModelRuntime]
    let byName: [String: ModelRuntime]
    let parser: EventParser
    let metrics: SidecarMetrics
    /// Direct alerting (engines and outbox); runs even without receivers, for `driftwatch_alerts`.
    let alerts: AlertCenter
    let logger: Logger
    /// Ingest requests being handled now (readiness: saturated above `maxInFlight`).
    let inFlight = Atomic<Int>(0)
    let maxInFlight = 512
    /// Whether the last checkpoint failed (readiness).
    let checkpointFailing = Atomic<Bool>(false)
    /// When a journal append last failed (clock seconds, as bit pattern; 0: never). Readiness stays
    /// false for `journalFailureHold` after one, then the directory probe decides.
    let journalFailedAt = Atomic<UInt64>(0)
    static let journalFailureHold = 10.0
    private let checkpointing = Mutex(())
    /// The disk probes' last outcome (`ProbeService` runs them; `/readyz` reads this only).
    let diskProbes = Mutex(DiskProbes())
    let clock: @Sendable () -> Double

    /// Opens the store, loads and checks every model's baseline, restores windows from the
    /// checkpoints and the journal. Throws with a message naming the model or key at fault.
    /// `clock` is the time every decision is given; `workers`, where an evaluation tests its
    /// features at once (on the evaluation thread and the others).
    public static func open(
        config: SidecarConfig, logger: Logger,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        workers: Workers = .dispatch(ProcessInfo.processInfo.activeProcessorCount)
    ) throws -> Sidecar {
        let store = try Store(path: config.store, create: false)
        let tails = try store.tailPositions()
        var runtimes: [ModelRuntime] = []
        for (i, m) in config.models.enumerated() {
            let stored: StoredBaseline
            do {
                stored = try store.load(model: m.name, version: m.baseline)
            } catch let e as StoreError {
                throw ConfigError(
                    key: "models[\(i)].baseline",
                    "\(e) (build it with `driftwatch baseline build --db \(config.store) --model \(m.name) --data FILE`)"
                )
            }
            var evaluator: Evaluator
            do {
                evaluator = try Evaluator(
                    baseline: stored.profile, model: m.name, baselineVersion: stored.record.version,
                    settings: m.evaluation)
            } catch let e as SchemaError {
                throw ConfigError(key: "models[\(i)]", e.message)
            }
            evaluator.workers = workers
            let need = m.window.bytes(schema: stored.profile.schema)
            guard need <= m.window.maxBytes else {
                let s = stored.profile.schema
                throw ConfigError(
                    key: "models[\(i)].window.max_records",
                    "\(m.window.maxRecords) records × \(s.numericCount) numeric and \(s.categoricalCount) categorical features "
                        + "need \(ConfigValues.format(bytes: need)), above window.max_bytes (\(ConfigValues.format(bytes: m.window.maxBytes))): "
                        + "lower max_records or raise max_bytes")
            }
            let engine = AlertCenter.restoreEngine(model: m, alerting: config.alerting, store: store, logger: logger)
            let (runtime, notes) = try ModelRuntime.open(
                config: m, evaluator: evaluator, store: store,
                journalDirectory: config.journalPath + "/" + m.name,
                storedTails: tails, alerts: (engine, config.alerting), now: clock())
            for n in notes { logger.info("\(n)", metadata: ["model": "\(m.name)"]) }
            runtimes.append(runtime)
        }
        let sidecar = Sidecar(config: config, store: store, runtimes: runtimes, logger: logger, clock: clock)
        sidecar.probeDisks()  // readiness is known before the first request
        return sidecar
    }

    private init(
        config: SidecarConfig, store: Store, runtimes: [ModelRuntime], logger: Logger,
        clock: @escaping @Sendable () -> Double
    ) {
        self.config = config
        self.store = store
        self.runtimes = runtimes
        byName = Dictionary(uniqueKeysWithValues: runtimes.map { ($0.name, $0) })
        parser = EventParser(models: runtimes.map { ($0.name, $0.schema) })
        metrics = SidecarMetrics(
            models: runtimes.map { ($0.config, $0.schema, $0.baselineVersion, $0.predictionClasses) },
            errorStatuses: config.alerting.thresholds.errorStatuses,
            alertReceivers: config.alerting.receiverNames)
        alerts = AlertCenter(
            config: config, store: store, models: runtimes.map(\.config), metrics: metrics.alerts, logger: logger)
        for runtime in runtimes { metrics.alerts.setCounts(model: runtime.name, runtime.alertCounts) }
        self.logger = logger
        self.clock = clock
    }

    /// The model label for refusals that belong to no record (body too large, bad media type):
    /// the first configured model (labels stay within the configured set).
    var fallbackModel: String { runtimes[0].name }

    /// What `POST /v1/events` and the tailer do with a parsed body: journal and insert every
    /// model's batch as one (`ModelRuntime.ingest(_:now:)`), then count everything. Throws
    /// `IngestFailure` when a journal write fails: then nothing of the body was kept.
    func accept(_ parsed: ParsedEvents, tail: (model: Int, position: TailPosition)? = nil) throws {
        let now = clock()
        let parts = runtimes.enumerated().map { i, runtime in
            ModelRuntime.Part(
                runtime: runtime, batch: parsed.batches[i], tail: tail?.model == i ? tail?.position : nil,
                unknownFeatures: parsed.unknownFeatureNames[i])
        }
        do {
            try ModelRuntime.ingest(parts, now: now)
        } catch {
            journalFailedAt.store(now.bitPattern, ordering: .relaxed)
            throw error
        }
        for (i, runtime) in runtimes.enumerated() {
            metrics.recordAccepted(
                model: runtime.name, batch: parsed.batches[i], unknownFeatures: parsed.unknownFeatures[i],
                invalidValues: parsed.invalidValues[i])
            for (reason, n) in parsed.rejected[i] { metrics.recordRejected(model: runtime.name, reason, count: n) }
        }
    }

    /// One evaluation tick of a model: when its monitor says one is due, expire, copy, evaluate,
    /// publish, alert.
    func evaluate(_ runtime: ModelRuntime) {
        let now = clock()
        guard let evaluation = runtime.takeWindow(now: now) else { return }
        let window = evaluation.window
        let started = ContinuousClock.now
        do {
            let outcome = try runtime.evaluate(evaluation, now: clock)
            let seconds = (ContinuousClock.now - started) / .seconds(1)
            metrics.publish(
                outcome.report, windowRows: window.rows, windowAge: window.age(now: now),
                latency: window.latencyQuantiles([0.5, 0.9, 0.99]), duration: seconds, at: clock())
            if let step = outcome.alerts, alerts.commit(step, model: runtime.name, at: clock()) {
                runtime.alertsCommitted(step)
            }
        } catch {
            metrics.models[runtime.name]?.evaluationErrors.increment()
            logger.error("evaluation failed: \(error)", metadata: ["model": "\(runtime.name)"])
        }
    }

    /// One checkpoint tick for every model: the window is written to SQLite when its policy says so
    /// (always, with `full`, when the journal holds anything: shutdown), and the journal it then
    /// covers is pruned. One at a time (`checkpointing`): pruning happens outside the model lock,
    /// so two interleaved checkpoints could save a segment number the other had already pruned.
    func checkpointAll(full: Bool = false) {
        checkpointing.withLock { _ in checkpointAllLocked(full: full) }
    }

    private func checkpointAllLocked(full: Bool) {
        var failed = false
        for runtime in runtimes {
            do {
                let started = ContinuousClock.now
                // Nothing to write (nothing changed, or the kept journal covers it): durable as of now.
                guard let cp = try runtime.prepareCheckpoint(full: full) else {
                    metrics.models[runtime.name]?.lastCheckpoint.set(clock())
                    continue
                }
                var written = 0
                do {
                    try store.saveCheckpoint(
                        model: runtime.name, baselineVersion: runtime.baselineVersion, nextSegment: cp.nextSegment,
                        tails: cp.tails, at: Date(timeIntervalSince1970: clock())
                    ) { emit in
                        try cp.window.writeCheckpoint { part in
                            written += part.count
                            try emit(part)
                        }
                    }
                } catch {
                    runtime.checkpointFailed()
                    throw error
                }
                metrics.models[runtime.name]?.checkpointBytes.increment(by: Int64(written))
                runtime.checkpointed(cp.changes)
                runtime.pruneJournal(below: cp.nextSegment)
                metrics.models[runtime.name]?.lastCheckpoint.set(clock())
                metrics.models[runtime.name]?.checkpointDuration.record((ContinuousClock.now - started) / .seconds(1))
            } catch {
                failed = true
                logger.error("checkpoint failed: \(error)", metadata: ["model": "\(runtime.name)"])
            }
        }
        checkpointFailing.store(failed, ordering: .relaxed)
    }

    /// Readiness: baselines loaded (always, once open), the store writable, ingest not saturated,
    /// the last checkpoint written.
    func readiness() -> (ready: Bool, checks: [String: String]) {
        let now = clock()
        let disks = diskProbes.withLock { $0.status(now: now) }
        let inflight = inFlight.load(ordering: .relaxed)
        let checkpoint = !checkpointFailing.load(ordering: .relaxed)
        let journal = recentAppendFailure(now: now) ?? disks.journal
        let checks = [
            "baselines": "\(runtimes.count) loaded",
            "store": disks.store,
            "journal": journal ?? "writable",
            "ingest": inflight < maxInFlight ? "ok (\(inflight) in flight)" : "saturated (\(inflight) in flight)",
            "checkpoint": checkpoint ? "ok" : "failing",
        ]
        return (disks.ok && journal == nil && inflight < maxInFlight && checkpoint, checks)
    }

    /// Runs the disk probes now, on the calling thread (which may wait on SQLite's writer or a
    /// slow disk: `ProbeService` calls it on a thread of its own, `open` once before serving),
    /// and records the outcome for `/readyz`.
    func probeDisks() {
        diskProbes.withLock { $0.started(at: clock()) }
        let writable = store.probeWritable()
        var problem: String?
        for runtime in runtimes {
            if let p = EventJournal.probe(directory: runtime.journalDirectory) {
                problem = "\(runtime.name): \(p)"
                break
            }
        }
        let outcome = DiskProbes.Outcome(storeWritable: writable, journalProblem: problem, at: clock())
        diskProbes.withLock { $0.finished(outcome) }
    }

    /// What to say while a journal append failed less than `journalFailureHold` seconds ago.
    func recentAppendFailure(now: Double) -> String? {
        let failedAt = Double(bitPattern: journalFailedAt.load(ordering: .relaxed))
        guard failedAt > 0, now - failedAt < Self.journalFailureHold else { return nil }
        return "an append failed \(String(format: "%.1f", now - failedAt)) s ago"
    }

}
