import DriftAlerting
import DriftCore
import Foundation

private typealias C = MetricCatalog
private typealias N = NotificationOutcome

/// A Prometheus rule file (`groups:`), encodable to YAML in the rule-file format.
public struct RuleFile: Sendable, Equatable, Encodable {
    public var groups: [RuleGroup]
}

public struct RuleGroup: Sendable, Equatable, Encodable {
    public var name: String
    public var rules: [Rule]
}

/// A recording rule (`record`) or an alerting rule (`alert`). Encodes its keys in the usual
/// order (`alert`/`record`, `expr`, `for`, `labels`, `annotations`) and maps sorted by key, so the
/// generated file is stable.
public struct Rule: Sendable, Equatable, Encodable {
    public var record: String?
    public var alert: String?
    public var expr: String
    public var `for`: String?
    public var labels: [String: String]?
    public var annotations: [String: String]?

    enum CodingKeys: String, CodingKey { case record, alert, expr, `for`, labels, annotations }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(record, forKey: .record)
        try c.encodeIfPresent(alert, forKey: .alert)
        try c.encode(expr, forKey: .expr)
        try c.encodeIfPresent(self.for, forKey: .for)
        try c.encodeIfPresent(labels.map(SortedMap.init), forKey: .labels)
        try c.encodeIfPresent(annotations.map(SortedMap.init), forKey: .annotations)
    }
}

/// A string map encoded with its keys in sorted order.
struct SortedMap: Encodable {
    let map: [String: String]
    init(_ map: [String: String]) { self.map = map }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        for (k, v) in map.sorted(by: { $0.key < $1.key }) { try c.encode(v, forKey: AnyKey(k)) }
    }
}

/// A `monitoring.coreos.com/v1` `PrometheusRule` object holding the same groups.
public struct PrometheusRuleObject: Sendable, Equatable, Encodable {
    public struct Metadata: Sendable, Equatable, Encodable {
        public var name: String
        public var namespace: String?
        public var labels: [String: String]

        enum CodingKeys: String, CodingKey { case name, namespace, labels }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encodeIfPresent(namespace, forKey: .namespace)
            try c.encode(SortedMap(labels), forKey: .labels)
        }
    }
    public struct Spec: Sendable, Equatable, Encodable {
        public var groups: [RuleGroup]
    }
    public var apiVersion = "monitoring.coreos.com/v1"
    public var kind = "PrometheusRule"
    public var metadata: Metadata
    public var spec: Spec
}

/// Derives Prometheus recording and alerting rules from a sidecar configuration, so the rules
/// judge with the thresholds the sidecar is configured with (`driftwatch rules`).
///
/// Groups: `driftwatch-recording` (fleet-wide aggregates dashboards and alerts share), one
/// `driftwatch-model-NAME` group per model (drift, data quality, golden signals, evaluation
/// health), and `driftwatch-sidecar` (scrape target down, alert delivery). Every alert carries
/// `severity`, `source: prometheus`, `model` (where it has one; `feature` comes from the series)
/// and the configured extra labels; annotations `summary`, `description` and `runbook_url`.
public enum PrometheusRules {
    /// Pending time of the golden-signal and ingest alerts (short spikes do not page).
    public static let signalFor = 300.0

    public static func generate(_ config: SidecarConfig) -> RuleFile {
        var groups = [recording(config.alerting)]
        for m in config.models { groups.append(modelGroup(m, config.alerting)) }
        groups.append(sidecarGroup(config.alerting))
        return RuleFile(groups: groups)
    }

    public static func kubernetes(
        _ file: RuleFile, name: String, namespace: String?, labels: [String: String]
    ) -> PrometheusRuleObject {
        var l = ["app.kubernetes.io/name": "driftwatch", "app.kubernetes.io/component": "alerting-rules"]
        l.merge(labels) { _, new in new }
        return PrometheusRuleObject(
            metadata: .init(name: name, namespace: namespace, labels: l), spec: .init(groups: file.groups))
    }

    static func recording(_ a: AlertingConfig) -> RuleGroup {
        var rules: [Rule] = []
        for q in ["50", "90", "99"] {
            rules.append(
                record(
                    "driftwatch:model_latency_seconds:p\(q)_5m",
                    "histogram_quantile(0.\(q), sum by (model, le) (rate(\(C.latency.bucket)[5m])))"))
        }
        rules.append(record("driftwatch:model_requests:rate5m", "sum by (model) (rate(\(C.requests.name)[5m]))"))
        rules.append(
            record(
                "driftwatch:model_errors:ratio_rate5m",
                "sum by (model) (rate(\(C.requests.name){status=~\(quoted(a.thresholds.errorStatuses))}[5m]))"
                    + " / sum by (model) (rate(\(C.requests.name)[5m]))"))
        rules.append(record("driftwatch:events_ingested:rate5m", "sum by (model) (rate(\(C.ingested.name)[5m]))"))
        rules.append(
            record(
                "driftwatch:events_rejected:ratio_rate5m",
                "sum by (model) (rate(\(C.rejected.name)[5m])) / (sum by (model) (rate(\(C.ingested.name)[5m]))"
                    + " + sum by (model) (rate(\(C.rejected.name)[5m])))"))
        rules.append(record("driftwatch:feature_psi:max", "max by (model, feature) (\(C.psi.name))"))
        return RuleGroup(name: "driftwatch-recording", rules: rules)
    }

    static func modelGroup(_ m: ModelConfig, _ a: AlertingConfig) -> RuleGroup {
        let s = "{model=\"\(m.name)\"}"
        // Features configured out of the verdict raise nothing (as on the sidecar's own path).
        let ignored = m.evaluation.features.filter { $0.value.ignore == true }.keys.sorted()
        let f =
            ignored.isEmpty
            ? s : "{model=\"\(m.name)\",feature!~\(quoted(ignored.map(regexLiteral).joined(separator: "|")))}"
        let t = a.thresholds
        let drift = a.forDuration
        let rules = [
            // The value quoted is PSI, or KS D where PSI does not run, else NaN: the sidecar's
            // direct path quotes the same. (PSI alone on the left never fired for a feature whose
            // plan has no PSI: that series does not exist.)
            alert(
                AlertCatalog.featureDrift,
                "(\(C.psi.name)\(f) or \(C.ksStatistic.name)\(f) or \(C.status.name)\(f) * NaN)"
                    + " and \(C.status.name)\(f) == 2", drift, m, a),
            alert(
                AlertCatalog.datasetDrift, "\(C.datasetShare.name)\(s) >= \(num(m.evaluation.datasetDriftShare))",
                drift, m, a),
            alert(
                AlertCatalog.multivariateDrift, "\(C.multivariate.name)\(s) and \(C.multivariateDrift.name)\(s) == 1",
                drift, m, a),
            alert(
                AlertCatalog.missingRatioHigh,
                "\(C.missing.name)\(f) - \(C.baselineMissing.name)\(f) > \(num(t.missingRatioIncrease))", drift, m, a),
            alert(
                AlertCatalog.invalidValues,
                "\(C.invalid.name)\(f) - \(C.baselineInvalid.name)\(f) > \(num(t.invalidRatioIncrease))", drift, m, a),
            alert(AlertCatalog.unseenCategories, "\(C.unseen.name)\(f) > \(num(t.unseenRatio))", drift, m, a),
            alert(AlertCatalog.outOfRange, "\(C.outOfRange.name)\(f) > \(num(t.outOfRangeRatio))", drift, m, a),
            alert(
                AlertCatalog.latencyHigh, "driftwatch:model_latency_seconds:p99_5m\(s) > \(num(t.latencyP99))",
                signalFor, m, a),
            alert(
                AlertCatalog.errorRateHigh, "driftwatch:model_errors:ratio_rate5m\(s) > \(num(t.errorRatio))",
                signalFor, m, a),
            alert(
                AlertCatalog.noTraffic,
                "driftwatch:events_ingested:rate5m\(s) == 0 and on (model) sum by (model) (increase(\(C.ingested.name)\(s)[6h])) > 0",
                t.noTrafficFor, m, a),
            alert(
                AlertCatalog.evaluationStale,
                "time() - \(C.lastEvaluation.name)\(s) > \(num(Double(t.staleEvaluations) * m.evaluateEvery))", drift,
                m, a),
            alert(
                AlertCatalog.baselineMissing, "absent(\(C.baselineInfo.name){job=\"\(a.job)\",model=\"\(m.name)\"})",
                signalFor, m, a),
            alert(
                AlertCatalog.eventsRejected, "driftwatch:events_rejected:ratio_rate5m\(s) > \(num(t.rejectedRatio))",
                signalFor, m, a),
        ]
        return RuleGroup(name: "driftwatch-model-\(m.name)", rules: rules)
    }

    static func sidecarGroup(_ a: AlertingConfig) -> RuleGroup {
        let j = "job=\"\(a.job)\""
        return RuleGroup(
            name: "driftwatch-sidecar",
            rules: [
                alert(AlertCatalog.sidecarDown, "up{\(j)} == 0", 60, nil, a),
                alert(AlertCatalog.deliveryStuck, "\(C.outboxAge.name){\(j)} > 300", 60, nil, a),
                alert(
                    AlertCatalog.notificationsDropped,
                    "sum by (job, instance, receiver) "
                        + "(increase(\(C.notifications.name){\(j),outcome=~\"\(N.rejected.rawValue)|\(N.expired.rawValue)\"}[1h])) > 0",
                    0, nil, a),
            ])
    }

    static func record(_ name: String, _ expr: String) -> Rule {
        Rule(record: name, alert: nil, expr: expr, for: nil, labels: nil, annotations: nil)
    }

    static func alert(
        _ d: AlertDefinition, _ expr: String, _ pending: Double, _ m: ModelConfig?, _ a: AlertingConfig
    ) -> Rule {
        var labels = a.labels
        labels["severity"] = d.severity.rawValue
        labels["source"] = "prometheus"
        if let m { labels["model"] = m.name }
        return Rule(
            record: nil, alert: d.name, expr: expr, for: pending > 0 ? ConfigValues.format(seconds: pending) : nil,
            labels: labels,
            annotations: ["summary": d.summary, "description": d.description, "runbook_url": a.runbook(for: d.name)])
    }

    /// A PromQL double-quoted string literal.
    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// A regex matching exactly `s` (RE2 metacharacters escaped).
    static func regexLiteral(_ s: String) -> String {
        var out = ""
        for ch in s {
            if "\\.+*?()|[]{}^$".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    /// A threshold as PromQL reads it (no exponent for the usual ranges, no trailing zeros).
    static func num(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
        return String(v)
    }
}
