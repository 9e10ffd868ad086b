import DriftAlerting
import DriftCore
import DriftMonitor
import DriftRecords
import DriftStats
import Foundation

/// `driftwatch-bench ingest`: the sidecar's per-request work without HTTP — `EventParser.parse`
/// of a body, then `ModelMonitor.accept` of the batch into a full sliding window (100k events) —
/// for a body of 1 event and of 1 000 events, on the synthetic benchmark's shape (9 numeric and
/// 6 categorical features, latency, status, prediction). Prints the median time per body and per
/// event. This is what separates a parser or window change from the HTTP stack's noise in
/// bench/sidecar.sh; build it at two commits to compare them (same output format). Then, on that
/// window with a drifted part, what an evaluation's alert step costs: building the report's alert
/// conditions (`AlertObservation`, outside the model's lock) and `ModelMonitor.evaluated` (under it,
/// where ingest waits).
func ingestBenchmark(minSeconds: Double) {
    let numeric = (0..<9).map { "n\($0)" }, categorical = (0..<6).map { "c\($0)" }
    let schema = try! Schema(
        features: numeric.map { FeatureSpec(name: $0, kind: .numeric) }
            + categorical.map { FeatureSpec(name: $0, kind: .categorical) })
    var g = SplitMix64(seed: 5)
    let labels = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    var builder = try! BaselineBuilder(schema: schema)
    var reference = EventBatch(schema: schema)
    for _ in 0..<20_000 {
        reference.append(
            numbers: numeric.map { _ in g.nextUnit() * 10 },
            categories: categorical.map { _ in labels[Int(g.next() % 8)] },
            latency: .nan, status: nil, prediction: nil)
    }
    builder.add(reference)
    let baseline = try! builder.finish()
    func event() -> String {
        let features =
            numeric.map { "\"\($0)\": \(String(format: "%.6f", g.nextUnit() * 10))" }
            + categorical.map { "\"\($0)\": \"\(labels[Int(g.next() % 8)])\"" }
        return
            "{\"features\": {\(features.joined(separator: ", "))}, \"prediction\": \"\(labels[Int(g.next() % 3)])\", "
            + "\"latency_ms\": \(String(format: "%.3f", g.nextUnit() * 40)), \"status\": \"ok\"}"
    }
    let single = Array(event().utf8)
    let thousand = Array(("[" + (0..<1_000).map { _ in event() }.joined(separator: ",") + "]").utf8)
    let parser = EventParser(models: [(name: "m", schema: schema)])
    var config = WindowConfig()
    config.maxRecords = 100_000
    config.maxAge = nil
    var monitor = ModelMonitor(window: StreamWindow(baseline: baseline, config: config, start: 0))
    // Fill the window so inserts evict, as in steady state.
    let fill = try! thousand.withUnsafeBytes { try parser.parse($0, format: .json) }
    for _ in 0..<100 { monitor.accept(fill.batches[0], at: 0) }
    var now = 1.0
    func time(_ body: [UInt8], events: Int) -> Measurement {
        measure("ingest_\(events)", "parse + accept, a body of \(events) event(s)", minSeconds: minSeconds) {
            let parsed = try! body.withUnsafeBytes { try parser.parse($0, format: .json) }
            precondition(parsed.accepted == events && parsed.errors.isEmpty, "benchmark body refused")
            now += 1
            monitor.accept(parsed.batches[0], at: now)
            return Double(monitor.window.count)
        }
    }
    // Many bodies per timed call for the one-event case (one call is under a microsecond).
    let reps = 1_000
    let one = measure("ingest_1", "parse + accept, a body of 1 event (x\(reps))", minSeconds: minSeconds) {
        for _ in 0..<reps {
            let parsed = try! single.withUnsafeBytes { try parser.parse($0, format: .json) }
            now += 1
            monitor.accept(parsed.batches[0], at: now)
        }
        return Double(monitor.window.count)
    }
    let batch = time(thousand, events: 1_000)
    // The alert step of an evaluation: a tenth of the window drifted (n0 shifted out of the
    // baseline's range, c0 an unseen label), so several conditions hold and are rendered.
    var drifted = EventBatch(schema: schema)
    for _ in 0..<10_000 {
        drifted.append(
            numbers: numeric.indices.map { $0 == 0 ? 15 + g.nextUnit() * 10 : g.nextUnit() * 10 },
            categories: categorical.indices.map { $0 == 0 ? "unseen" : labels[Int(g.next() % 8)] })
    }
    now += 1
    monitor.accept(drifted, at: now)
    var alerting = AlertingConfig()
    alerting.alertmanagers = ["http://127.0.0.1:9093"]
    let evaluator = try! Evaluator(baseline: baseline, model: "m", baselineVersion: "1", settings: .init())
    let tick = monitor.evaluationTick(now: now, force: true)!
    let report = try! evaluator.evaluate(tick.window.snapshot())
    let conditions = AlertObservation(report: report, alerting: alerting).conditions.count
    let observe = measure("alert_observation", "alert conditions of one report", minSeconds: minSeconds) {
        Double(AlertObservation(report: report, alerting: alerting).conditions.count)
    }
    let observation = AlertObservation(report: report, alerting: alerting)
    var step = 0.0
    let evaluated = measure("monitor_evaluated", "ModelMonitor.evaluated with an engine", minSeconds: minSeconds) {
        var m = ModelMonitor(
            window: StreamWindow(baseline: baseline, config: config, start: 0),
            alerts: AlertEngine(settings: .init(alerting, evaluationInterval: 10)))
        step += 10
        return Double(m.evaluated(report, of: tick, observation: observation, at: step).alerts?.actions.count ?? 0)
    }
    print("driftwatch-bench ingest — 9 numeric + 6 categorical features, full 100k sliding window")
    print(
        String(
            format: "1-event body:     %8.3f µs per body   (%.0f bodies/s on one core)",
            one.medianSeconds / Double(reps) * 1e6, Double(reps) / one.medianSeconds))
    print(
        String(
            format: "1000-event body:  %8.3f µs per body   %.3f µs per event (%.0f events/s on one core)",
            batch.medianSeconds * 1e6, batch.medianSeconds * 1e3, 1_000 / batch.medianSeconds))
    print(
        String(
            format: "alert step (%d conditions): building them %8.1f µs (outside the lock), "
                + "ModelMonitor.evaluated %6.1f µs (under it)",
            conditions, observe.medianSeconds * 1e6, evaluated.medianSeconds * 1e6))
}
