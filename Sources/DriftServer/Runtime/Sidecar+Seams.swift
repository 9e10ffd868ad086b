import DriftCore
import DriftRecords

// The sidecar as each service sees it (Services/ServiceSeams.swift).
extension Sidecar: TailSink, EvaluationHost, CheckpointHost, DiskProbeHost {
    func tailPosition(model: Int, source: String) -> TailPosition? { runtimes[model].tailPosition(source) }
    var modelCount: Int { runtimes.count }
    func evaluate(model: Int) { evaluate(runtimes[model]) }
    func waitForEvaluation(model: Int) async {
        let runtime = runtimes[model]
        await runtime.evaluationDue.wait(seconds: runtime.nextDeadline - clock())
    }
    var checkpointPeriod: Double { config.checkpointEvery }
}

extension Sidecar: RouteHost {
    var ingestToken: String? { config.ingestToken }
    var maxBodyBytes: Int { config.maxBodyBytes }
    func accept(_ parsed: ParsedEvents) throws { try accept(parsed, tail: nil) }
    func recordRejected(_ reason: RejectReason) { metrics.recordRejected(model: fallbackModel, reason) }
    func ingestStarted() { inFlight.add(1, ordering: .relaxed) }
    func ingestFinished() { inFlight.subtract(1, ordering: .relaxed) }
    func latestReports() -> [DriftReport] { runtimes.compactMap(\.latestReport) }
    func latestReport(model name: String) -> ModelDrift {
        guard let runtime = byName[name] else { return .unknownModel }
        guard let report = runtime.latestReport else { return .notEvaluated(every: runtime.config.evaluateEvery) }
        return .report(report)
    }
    func renderMetrics() -> [UInt8] { metrics.render() }
}
