import DriftCore
import Foundation

extension AlertObservation {
    /// The direct-path conditions of one report (the alerts of `AlertCatalog.direct`), with the
    /// same thresholds the generated Prometheus rules use:
    /// - `DriftwatchFeatureDrift`: the feature's verdict is `drift` (value: its PSI, else KS D);
    /// - `DriftwatchDatasetDrift`: the dataset verdict is drift (value: the drifted share);
    /// - `DriftwatchMultivariateDrift`: the reconstruction error is outside the baseline band;
    /// - `DriftwatchMissingValuesIncrease`: missing ratio − baseline's > `missing_ratio_increase`;
    /// - `DriftwatchInvalidValues`: invalid ratio − baseline's > `invalid_ratio_increase`;
    /// - `DriftwatchUnseenCategories`: unseen ratio > `unseen_ratio` (categorical);
    /// - `DriftwatchOutOfRange`: out-of-range ratio > `out_of_range_ratio` (numeric).
    ///
    /// Features with `insufficient_data` (and the dataset or multivariate test when they have no
    /// verdict) are inconclusive: an alert already firing there neither resolves nor re-arms.
    /// Ignored features raise nothing.
    public init(report: DriftReport, alerting: AlertingConfig) {
        var conditions: [AlertCondition] = []
        var inconclusive = Set<String>()
        let t = alerting.thresholds
        func labels(_ d: AlertDefinition, feature: String? = nil) -> AlertLabels {
            var l = alerting.labels
            l["alertname"] = d.name
            l["severity"] = d.severity.rawValue
            l["model"] = report.model
            l["source"] = "sidecar"
            if let feature { l["feature"] = feature }
            return l
        }
        func check(_ d: AlertDefinition, feature: String? = nil, when holds: Bool?, value: Double) {
            let l = labels(d, feature: feature)
            guard let holds else {
                inconclusive.insert(AlertFingerprint.of(l))
                return
            }
            guard holds else { return }
            conditions.append(
                AlertCondition(
                    labels: l,
                    annotations: [
                        "summary": AlertCatalog.render(d.summary, labels: l, value: value),
                        "description": AlertCatalog.render(d.description, labels: l, value: value),
                        "runbook_url": alerting.runbook(for: d.name),
                    ],
                    value: value))
        }
        for f in report.features where f.ignored != true {
            let judged = f.status != .insufficientData
            let q = f.quality
            check(
                AlertCatalog.featureDrift, feature: f.name, when: judged ? f.status == .drift : nil,
                value: f.tests.psi?.value ?? f.tests.ks?.statistic ?? .nan)
            let increase = q.missingRatio - q.baselineMissingRatio
            check(
                AlertCatalog.missingRatioHigh, feature: f.name,
                when: report.rows > 0 ? increase > t.missingRatioIncrease : nil, value: increase)
            let invalid = q.invalidRatio - q.baselineInvalidRatio
            check(
                AlertCatalog.invalidValues, feature: f.name,
                when: report.rows > 0 ? invalid > t.invalidRatioIncrease : nil, value: invalid)
            if let u = q.unseenRatio {
                check(
                    AlertCatalog.unseenCategories, feature: f.name, when: f.count > 0 ? u > t.unseenRatio : nil,
                    value: u)
            }
            if let o = q.outOfRangeRatio {
                check(
                    AlertCatalog.outOfRange, feature: f.name, when: f.count > 0 ? o > t.outOfRangeRatio : nil, value: o)
            }
        }
        let d = report.dataset
        check(AlertCatalog.datasetDrift, when: d.status == .insufficientData ? nil : d.drift, value: d.share)
        let m = report.multivariate
        let mJudged = m.available && m.status != .insufficientData
        check(AlertCatalog.multivariateDrift, when: mJudged ? m.drift : nil, value: m.value ?? .nan)
        self.init(conditions: conditions, inconclusive: inconclusive)
    }
}
