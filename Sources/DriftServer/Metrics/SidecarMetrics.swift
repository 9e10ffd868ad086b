import DriftConfig
import DriftCore
import DriftRecords
import Foundation
import Prometheus
import Synchronization

private typealias C = MetricCatalog

extension MetricFamily {
    /// A descriptor with HELP text (`MetricNameDescriptor` is not Sendable: made where used).
    var descriptor: MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}

/// Every metric the sidecar publishes (DESIGN.md "Metrics contract" plus operational ones),
/// registered up front from the configuration and the baselines' schemas, so label values never
/// come from requests: feature names and tests from the schema, reasons from a closed enum,
/// statuses and prediction classes capped per model (the rest become `__other__`).
///
/// Drift gauges are written by `publish(_:)` while holding `publication`, and `/metrics` renders
/// while holding it too: a scrape sees one evaluation or the next, never a mix.
final class SidecarMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let publication = Mutex<Void>(())
    let models: [String: ModelMetrics]
    /// Distinct logged statuses counted by name per model; the rest are `__other__`.
    static let maxStatuses = 20

    static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    static let evaluationBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    struct FeatureGauges: Sendable {
        /// Features whose plan runs PSI.
        let psi: (value: Gauge, threshold: Gauge)?
        /// Numeric features whose plan runs KS only (no NaN series for tests that cannot apply).
        let ks: (statistic: Gauge, pValue: Gauge, pAdjusted: Gauge, threshold: Gauge)?
        /// Categorical features whose plan runs chi-square only.
        let chi2: (statistic: Gauge, pValue: Gauge, pAdjusted: Gauge)?
        /// Features with a p-value test.
        let significance: Gauge?
        let missingRatio, baselineMissingRatio, invalidRatio, baselineInvalidRatio: Gauge
        let invalidValues: Counter
        /// Categorical features only.
        let unseenRatio: Gauge?
        /// Numeric features only.
        let outOfRangeRatio: Gauge?
        let drift: [DriftTest: Gauge]
        let status: Gauge
    }

    final class ModelMetrics: Sendable {
        let ingested: Counter
        let rejected: [RejectReason: Counter]
        let unknownFeatures: Counter
        let latency: ValueHistogram
        let statuses: CappedCounters
        let classes: CappedCounters
        let features: [String: FeatureGauges]
        let datasetShare, datasetShareThreshold, datasetDrift, multivariate, multivariateLower, multivariateUpper,
            multivariateDrift: Gauge
        let windowSamples, windowAge, lastEvaluation, lastCheckpoint: Gauge
        let evaluationDuration, checkpointDuration: ValueHistogram
        let evaluations, evaluationErrors, checkpointBytes: Counter
        let windowLatency: [Gauge]
        let name: String
        let registry: PrometheusCollectorRegistry

        init(
            registry r: PrometheusCollectorRegistry, model: ModelConfig, schema: Schema, baselineVersion: String,
            predictionClasses: [String], errorStatuses: String
        ) {
            name = model.name
            registry = r
            let m = [("model", model.name)]
            ingested = r.makeCounter(descriptor: C.ingested.descriptor, labels: m)
            rejected = Dictionary(
                uniqueKeysWithValues: RejectReason.allCases.map { reason in
                    (
                        reason,
                        r.makeCounter(
                            descriptor: C.rejected.descriptor,
                            labels: m + [("reason", reason.rawValue)])
                    )
                })
            unknownFeatures = r.makeCounter(descriptor: C.unknownFeatures.descriptor, labels: m)
            latency = r.makeValueHistogram(
                descriptor: C.latency.descriptor,
                labels: m, buckets: SidecarMetrics.latencyBuckets)
            statuses = CappedCounters(
                registry: r, family: C.requests, labels: m, label: "status",
                cap: LabelCap.statuses(errorPattern: errorStatuses, cap: SidecarMetrics.maxStatuses))
            classes = CappedCounters(
                registry: r, family: C.predictions, labels: m, label: "class",
                cap: LabelCap(reserved: predictionClasses, cap: model.maxPredictionClasses))
            var features: [String: FeatureGauges] = [:]
            for spec in schema.features {
                let fl = m + [("feature", spec.name)]
                let plan = model.evaluation.plan(for: spec)
                var drift: [DriftTest: Gauge] = [:]
                for t in plan.tests {
                    drift[t] = r.makeGauge(
                        descriptor: C.featureDrift.descriptor,
                        labels: fl + [("test", t.rawValue)])
                }
                features[spec.name] = FeatureGauges(
                    psi: plan.tests.contains(.psi)
                        ? (
                            r.makeGauge(descriptor: C.psi.descriptor, labels: fl),
                            r.makeGauge(descriptor: C.psiThreshold.descriptor, labels: fl)
                        ) : nil,
                    ks: spec.kind == .numeric && plan.tests.contains(.ks)
                        ? (
                            r.makeGauge(descriptor: C.ksStatistic.descriptor, labels: fl),
                            r.makeGauge(descriptor: C.ksPValue.descriptor, labels: fl),
                            r.makeGauge(descriptor: C.ksPAdjusted.descriptor, labels: fl),
                            r.makeGauge(descriptor: C.ksStatisticThreshold.descriptor, labels: fl)
                        ) : nil,
                    chi2: spec.kind == .categorical && plan.tests.contains(.chi2)
                        ? (
                            r.makeGauge(descriptor: C.chi2Statistic.descriptor, labels: fl),
                            r.makeGauge(descriptor: C.chi2PValue.descriptor, labels: fl),
                            r.makeGauge(descriptor: C.chi2PAdjusted.descriptor, labels: fl)
                        ) : nil,
                    significance: plan.tests.contains(.ks) || plan.tests.contains(.chi2)
                        ? r.makeGauge(descriptor: C.significance.descriptor, labels: fl) : nil,
                    missingRatio: r.makeGauge(descriptor: C.missing.descriptor, labels: fl),
                    baselineMissingRatio: r.makeGauge(descriptor: C.baselineMissing.descriptor, labels: fl),
                    invalidRatio: r.makeGauge(descriptor: C.invalid.descriptor, labels: fl),
                    baselineInvalidRatio: r.makeGauge(descriptor: C.baselineInvalid.descriptor, labels: fl),
                    invalidValues: r.makeCounter(descriptor: C.invalidValues.descriptor, labels: fl),
                    unseenRatio: spec.kind == .categorical
                        ? r.makeGauge(descriptor: C.unseen.descriptor, labels: fl) : nil,
                    outOfRangeRatio: spec.kind == .numeric
                        ? r.makeGauge(descriptor: C.outOfRange.descriptor, labels: fl) : nil,
                    drift: drift,
                    status: r.makeGauge(descriptor: C.status.descriptor, labels: fl))
            }
            self.features = features
            datasetShare = r.makeGauge(descriptor: C.datasetShare.descriptor, labels: m)
            datasetShareThreshold = r.makeGauge(descriptor: C.datasetShareThreshold.descriptor, labels: m)
            datasetDrift = r.makeGauge(descriptor: C.datasetDrift.descriptor, labels: m)
            multivariate = r.makeGauge(descriptor: C.multivariate.descriptor, labels: m)
            multivariateLower = r.makeGauge(descriptor: C.multivariateLower.descriptor, labels: m)
            multivariateUpper = r.makeGauge(descriptor: C.multivariateUpper.descriptor, labels: m)
            multivariateDrift = r.makeGauge(descriptor: C.multivariateDrift.descriptor, labels: m)
            windowSamples = r.makeGauge(descriptor: C.windowSamples.descriptor, labels: m)
            windowAge = r.makeGauge(descriptor: C.windowAge.descriptor, labels: m)
            r.makeGauge(descriptor: C.windowCapacity.descriptor, labels: m).set(Double(model.window.maxRecords))
            lastEvaluation = r.makeGauge(descriptor: C.lastEvaluation.descriptor, labels: m)
            lastCheckpoint = r.makeGauge(descriptor: C.lastCheckpoint.descriptor, labels: m)
            evaluationDuration = r.makeValueHistogram(
                descriptor: C.evaluationDuration.descriptor,
                labels: m, buckets: SidecarMetrics.evaluationBuckets)
            checkpointDuration = r.makeValueHistogram(
                descriptor: C.checkpointDuration.descriptor,
                labels: m, buckets: SidecarMetrics.evaluationBuckets)
            evaluations = r.makeCounter(descriptor: C.evaluations.descriptor, labels: m)
            checkpointBytes = r.makeCounter(descriptor: C.checkpointBytes.descriptor, labels: m)
            evaluationErrors = r.makeCounter(descriptor: C.evaluationErrors.descriptor, labels: m)
            // Not a summary: promtool reserves the label name "quantile" for summaries.
            windowLatency = ["50", "90", "99"].map { p in
                r.makeGauge(
                    descriptor: C.windowLatency.descriptor,
                    labels: m + [("percentile", p)])
            }
            r.makeGauge(
                descriptor: C.baselineInfo.descriptor,
                labels: m + [("version", baselineVersion)]
            ).set(1.0)
        }

        func status(_ label: String) -> Counter { statuses.counter(for: label) }
        func predictionClass(_ label: String) -> Counter { classes.counter(for: label) }
    }

    /// Counters of one family keyed by a request-supplied label, bounded by a `LabelCap`; the
    /// reserved values' series exist (at 0) from the start.
    final class CappedCounters: Sendable {
        private struct State: Sendable {
            var cap: LabelCap
            var counters: [String: Counter]
        }
        private let state: Mutex<State>
        private let registry: PrometheusCollectorRegistry
        private let family: MetricFamily
        private let labels: [(String, String)]
        private let label: String

        init(
            registry: PrometheusCollectorRegistry, family: MetricFamily, labels: [(String, String)], label: String,
            cap: LabelCap
        ) {
            self.registry = registry
            self.family = family
            self.labels = labels
            self.label = label
            var counters: [String: Counter] = [:]
            for value in cap.reserved {
                counters[value] = registry.makeCounter(descriptor: family.descriptor, labels: labels + [(label, value)])
            }
            state = Mutex(State(cap: cap, counters: counters))
        }

        func counter(for value: String) -> Counter {
            state.withLock { s in
                if let c = s.counters[value] { return c }
                let key = s.cap.label(for: value)
                if let c = s.counters[key] { return c }
                let c = registry.makeCounter(descriptor: family.descriptor, labels: labels + [(label, key)])
                s.counters[key] = c
                return c
            }
        }
    }

    let alerts: AlertMetrics
    /// The HTTP server's connections (`ConnectionLimit`).
    let connections: Gauge
    let connectionsLimit: Gauge
    let acceptPaused: Counter

    /// `models`: each model's config, schema, baseline version and prediction classes (their
    /// series are kept whatever the logged labels); `errorStatuses`: the alerting rules' pattern.
    init(models: [(ModelConfig, Schema, String, [String])], errorStatuses: String, alertReceivers: [String]) {
        alerts = AlertMetrics(registry: registry, models: models.map(\.0.name), receivers: alertReceivers)
        connections = registry.makeGauge(descriptor: C.connections.descriptor)
        connectionsLimit = registry.makeGauge(descriptor: C.connectionsLimit.descriptor)
        acceptPaused = registry.makeCounter(descriptor: C.acceptPaused.descriptor)
        var out: [String: ModelMetrics] = [:]
        for (config, schema, version, classes) in models {
            out[config.name] = ModelMetrics(
                registry: registry, model: config, schema: schema, baselineVersion: version,
                predictionClasses: classes, errorStatuses: errorStatuses)
        }
        self.models = out
    }

    /// Counts an accepted batch's golden signals (once per distinct label, not per event).
    func recordAccepted(model: String, batch: EventBatch, unknownFeatures: Int, invalidValues: [String: Int] = [:]) {
        guard let m = models[model] else { return }
        m.ingested.increment(by: Int64(batch.count))
        if unknownFeatures > 0 { m.unknownFeatures.increment(by: Int64(unknownFeatures)) }
        var statuses: [String: Int64] = [:], classes: [String: Int64] = [:]
        for e in 0..<batch.count {
            let l = batch.latencies[e]
            if !l.isNaN { m.latency.record(l) }
            statuses[batch.statuses[e] ?? "unknown", default: 0] += 1
            if let p = batch.predictions[e] { classes[p, default: 0] += 1 }
        }
        for (s, n) in statuses { m.status(s).increment(by: n) }
        for (c, n) in classes { m.predictionClass(c).increment(by: n) }
        // Counted by the parser as it typed them (no pass over the batch's values).
        for (feature, n) in invalidValues { m.features[feature]?.invalidValues.increment(by: Int64(n)) }
    }

    func recordRejected(model: String, _ reason: RejectReason, count: Int = 1) {
        models[model]?.rejected[reason]?.increment(by: Int64(count))
    }

    /// Writes a report's statistics into the gauges, atomically with respect to scrapes.
    func publish(
        _ report: DriftReport, windowRows: Int, windowAge: Double, latency: [Double]?, duration: Double, at now: Double
    ) {
        guard let m = models[report.model] else { return }
        publication.withLock { _ in
            for f in report.features {
                guard let g = m.features[f.name] else { continue }
                g.psi?.value.set(f.tests.psi?.value ?? .nan)
                if let ks = g.ks {
                    ks.statistic.set(f.tests.ks?.statistic ?? .nan)
                    ks.pValue.set(f.tests.ks?.pValue ?? .nan)
                    ks.pAdjusted.set(f.tests.ks?.pAdjusted ?? .nan)
                    ks.threshold.set(f.tests.ks?.statisticThreshold ?? .nan)
                }
                if let chi2 = g.chi2 {
                    chi2.statistic.set(f.tests.chi2?.statistic ?? .nan)
                    chi2.pValue.set(f.tests.chi2?.pValue ?? .nan)
                    chi2.pAdjusted.set(f.tests.chi2?.pAdjusted ?? .nan)
                }
                g.psi?.threshold.set(f.tests.psi?.threshold ?? .nan)
                g.significance?.set(f.tests.ks?.threshold ?? f.tests.chi2?.threshold ?? .nan)
                g.missingRatio.set(f.quality.missingRatio)
                g.baselineMissingRatio.set(f.quality.baselineMissingRatio)
                g.invalidRatio.set(f.quality.invalidRatio)
                g.baselineInvalidRatio.set(f.quality.baselineInvalidRatio)
                g.unseenRatio?.set(f.quality.unseenRatio ?? .nan)
                g.outOfRangeRatio?.set(f.quality.outOfRangeRatio ?? .nan)
                for (test, gauge) in g.drift { gauge.set(f.drift(test) ? 1.0 : 0.0) }
                let status: Double = [.ok: 0, .warning: 1, .drift: 2, .insufficientData: -1][f.status] ?? -1
                g.status.set(to: status)
            }
            m.datasetShare.set(report.dataset.share)
            m.datasetShareThreshold.set(report.dataset.threshold)
            m.datasetDrift.set(report.dataset.drift ? 1.0 : 0.0)
            m.multivariate.set(report.multivariate.value ?? .nan)
            m.multivariateLower.set(report.multivariate.lower ?? .nan)
            m.multivariateUpper.set(report.multivariate.upper ?? .nan)
            m.multivariateDrift.set(report.multivariate.drift ? 1.0 : 0.0)
            m.windowSamples.set(Double(windowRows))
            m.windowAge.set(windowAge)
            for (i, g) in m.windowLatency.enumerated() { g.set(latency?[i] ?? .nan) }
            m.lastEvaluation.set(now)
            m.evaluationDuration.record(duration)
            m.evaluations.increment()
        }
    }

    /// The exposition text, rendered while no evaluation is being published.
    func render() -> [UInt8] {
        var text = publication.withLock { _ in registry.emitToBuffer() }
        Self.canonicalizeNaN(&text)
        return text
    }

    /// swift-prometheus writes a sample with `"\(value)"`, which spells a NaN whose sign bit is
    /// set (what `0 * inf` and `inf - inf` produce on x86) as `-nan`; Prometheus's parser refuses
    /// that token and with it the whole scrape, so every series of the target goes stale. Each
    /// sample value ends its line, so ` -nan\n` can only be a value: it becomes ` NaN\n`.
    static func canonicalizeNaN(_ text: inout [UInt8]) {
        let bad = Array(" -nan\n".utf8)
        guard text.count >= bad.count else { return }
        var out: [UInt8]? = nil
        var i = 0, copied = 0
        while i <= text.count - bad.count {
            if text[i] == bad[0] && text[i + 1] == bad[1] && text[i + 2] == bad[2] && text[i + 3] == bad[3]
                && text[i + 4] == bad[4] && text[i + 5] == bad[5]
            {
                if out == nil { out = []; out!.reserveCapacity(text.count) }
                out!.append(contentsOf: text[copied..<i])
                out!.append(contentsOf: Array(" NaN\n".utf8))
                i += bad.count
                copied = i
            } else {
                i += 1
            }
        }
        guard var result = out else { return }
        result.append(contentsOf: text[copied...])
        text = result
    }
}

extension FeatureReport {
    /// Whether `test` flagged this feature (p-value tests: significant after correction; distances:
    /// at or over their threshold), and the feature is not ignored.
    func drift(_ test: DriftTest) -> Bool {
        guard ignored != true, status != .insufficientData else { return false }
        switch test {
        case .ks: return tests.ks?.drift ?? false
        case .chi2: return tests.chi2?.drift ?? false
        default: return tests.distances[test]?.drift ?? false
        }
    }
}
