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
