import DriftCore
import Foundation

/// How urgent an alert is (the `severity` label).
public enum AlertSeverity: String, Sendable, Codable {
    case info, warning, critical
}

/// What an alert is about, which decides its labels.
public enum AlertScope: Sendable {
    /// One feature of one model: labels `model`, `feature`.
    case feature
    /// One model: label `model`.
    case model
    /// The sidecar process or its delivery (no `model` label).
    case sidecar
}

/// One alert Driftwatch knows: its name, severity, scope, whether the sidecar also evaluates it
/// itself (direct delivery) and its annotation templates. The templates use Prometheus's syntax
/// (`{{ $labels.feature }}`, `{{ $value | printf "%.3f" }}`, `{{ $value | humanizePercentage }}`);
/// the sidecar renders the same few forms itself, so both paths say the same thing.
///
/// One table answers "which alerts exist, who evaluates them, and when do they fire"; the
/// conditions are in `PrometheusRules` (PromQL) and `AlertEngine+Report` (the direct path).
public struct AlertDefinition: Sendable {
    public let name: String
    public let severity: AlertSeverity
    public let scope: AlertScope
    /// Evaluated by the sidecar from each report (else only by the Prometheus rules).
    public let direct: Bool
    public let summary: String
    public let description: String
}

public enum AlertCatalog {
    public static let featureDrift = AlertDefinition(
        name: "DriftwatchFeatureDrift", severity: .warning, scope: .feature, direct: true,
        summary: "Feature {{ $labels.feature }} of model {{ $labels.model }} drifted from its training baseline",
        description:
            "{{ $labels.feature }} drifted: its distribution test is significant after multiple-testing correction and its effect size "
            + "reaches the floor (PSI, or KS D where PSI does not run: {{ $value | printf \"%.3f\" }})."
    )
    public static let datasetDrift = AlertDefinition(
        name: "DriftwatchDatasetDrift", severity: .critical, scope: .model, direct: true,
        summary: "Model {{ $labels.model }}: most of its input drifted",
        description:
            "{{ $value | humanizePercentage }} of the evaluated features of {{ $labels.model }} drifted, at or over the dataset threshold."
    )
    public static let multivariateDrift = AlertDefinition(
        name: "DriftwatchMultivariateDrift", severity: .warning, scope: .model, direct: true,
        summary: "Model {{ $labels.model }}: the joint distribution of its features drifted",
        description:
            "The PCA reconstruction error of the window is {{ $value | printf \"%.3f\" }}, outside the band of the baseline's own chunks."
    )
    public static let missingRatioHigh = AlertDefinition(
        name: "DriftwatchMissingValuesIncrease", severity: .warning, scope: .feature, direct: true,
        summary: "Feature {{ $labels.feature }} of model {{ $labels.model }} is missing more often than in training",
        description:
            "The missing ratio of {{ $labels.feature }} is {{ $value | humanizePercentage }} above its baseline's.")
    public static let invalidValues = AlertDefinition(
        name: "DriftwatchInvalidValues", severity: .warning, scope: .feature, direct: true,
        summary: "Feature {{ $labels.feature }} of model {{ $labels.model }} gets values of the wrong type",
        description:
            "{{ $value | humanizePercentage }} more of the values of {{ $labels.feature }} are invalid (wrong type or out of range) than in "
            + "its baseline; the records are kept, those values are not tested."
    )
    public static let unseenCategories = AlertDefinition(
        name: "DriftwatchUnseenCategories", severity: .warning, scope: .feature, direct: true,
        summary: "Feature {{ $labels.feature }} of model {{ $labels.model }} has categories training never saw",
        description:
            "{{ $value | humanizePercentage }} of the values of {{ $labels.feature }} are in categories absent from the baseline."
    )
    public static let outOfRange = AlertDefinition(
        name: "DriftwatchOutOfRange", severity: .warning, scope: .feature, direct: true,
        summary: "Feature {{ $labels.feature }} of model {{ $labels.model }} is outside its training range",
        description:
            "{{ $value | humanizePercentage }} of the values of {{ $labels.feature }} are outside the baseline's [min, max]."
    )
    public static let latencyHigh = AlertDefinition(
        name: "DriftwatchModelLatencyHigh", severity: .warning, scope: .model, direct: false,
        summary: "Model {{ $labels.model }}: P99 latency over its SLO",
        description: "The P99 of the logged model latency over 5m is {{ $value | humanizeDuration }}.")
    public static let errorRateHigh = AlertDefinition(
        name: "DriftwatchModelErrorRateHigh", severity: .warning, scope: .model, direct: false,
        summary: "Model {{ $labels.model }}: error rate high",
        description: "{{ $value | humanizePercentage }} of the logged requests over 5m have an error status.")
    public static let noTraffic = AlertDefinition(
        name: "DriftwatchNoTraffic", severity: .warning, scope: .model, direct: false,
        summary: "Model {{ $labels.model }}: no events arrive any more",
        description:
            "No event for {{ $labels.model }} was ingested in the last 5m, after traffic earlier in the last 6h.")
    public static let sidecarDown = AlertDefinition(
        name: "DriftwatchSidecarDown", severity: .critical, scope: .sidecar, direct: false,
        summary: "Driftwatch sidecar {{ $labels.instance }} is down",
        description:
            "Prometheus cannot scrape {{ $labels.instance }} (job {{ $labels.job }}): drift is not being watched there."
    )
    public static let evaluationStale = AlertDefinition(
        name: "DriftwatchEvaluationStale", severity: .warning, scope: .model, direct: false,
        summary: "Model {{ $labels.model }}: no drift evaluation lately",
        description:
            "The last evaluation of {{ $labels.model }} on {{ $labels.instance }} was {{ $value | humanizeDuration }} ago."
    )
    public static let baselineMissing = AlertDefinition(
        name: "DriftwatchBaselineMissing", severity: .critical, scope: .model, direct: false,
        summary: "Model {{ $labels.model }}: no sidecar publishes a baseline",
        description:
            "No scraped sidecar reports a loaded baseline for {{ $labels.model }} (\(MetricCatalog.baselineInfo.name) is absent)."
    )
    public static let eventsRejected = AlertDefinition(
        name: "DriftwatchEventsRejected", severity: .warning, scope: .model, direct: false,
        summary: "Model {{ $labels.model }}: incoming events are refused",
        description:
            "{{ $value | humanizePercentage }} of the events sent for {{ $labels.model }} over 5m were rejected (see "
            + "\(MetricCatalog.rejected.name) by reason)."
    )
    public static let deliveryStuck = AlertDefinition(
        name: "DriftwatchAlertDeliveryStuck", severity: .warning, scope: .sidecar, direct: false,
        summary: "Driftwatch cannot deliver alerts to {{ $labels.receiver }}",
        description:
            "The oldest undelivered notification for {{ $labels.receiver }} on {{ $labels.instance }} is {{ $value | humanizeDuration }} old."
    )
    public static let notificationsDropped = AlertDefinition(
        name: "DriftwatchNotificationsDropped", severity: .warning, scope: .sidecar, direct: false,
        summary: "Driftwatch dropped notifications for {{ $labels.receiver }}",
        description:
            "{{ $value | printf \"%.0f\" }} notifications for {{ $labels.receiver }} were dropped in the last hour (refused, or "
            + "undeliverable past give_up_after)."
    )

    /// Every alert, in the order of the generated rules.
    public static let all: [AlertDefinition] = [
        featureDrift, datasetDrift, multivariateDrift, missingRatioHigh, invalidValues, unseenCategories, outOfRange,
        latencyHigh, errorRateHigh, noTraffic, evaluationStale, baselineMissing, eventsRejected,
        sidecarDown, deliveryStuck, notificationsDropped,
    ]

    /// The alerts the sidecar evaluates itself.
    public static var direct: [AlertDefinition] { all.filter(\.direct) }

    /// Renders the template forms Driftwatch's annotations use, for the direct path.
    public static func render(_ template: String, labels: [String: String], value: Double) -> String {
        var out = template
        for (name, v) in labels { out = out.replacingOccurrences(of: "{{ $labels.\(name) }}", with: v) }
        out = out.replacingOccurrences(of: "{{ $value | printf \"%.3f\" }}", with: String(format: "%.3f", value))
        out = out.replacingOccurrences(of: "{{ $value | printf \"%.0f\" }}", with: String(format: "%.0f", value))
        // Prometheus's humanizePercentage: the value × 100 with %.4g.
        out = out.replacingOccurrences(
            of: "{{ $value | humanizePercentage }}", with: String(format: "%.4g%%", value * 100))
        if out.contains("humanizeDuration") {
            out = out.replacingOccurrences(of: "{{ $value | humanizeDuration }}", with: humanizeDuration(value))
        }
        return out
    }

    /// Prometheus's `humanizeDuration` template function: `3m 0s`, `1h 2m 3s`, `12.5s`, `99.5ms`.
    public static func humanizeDuration(_ value: Double) -> String {
        guard value.isFinite else { return String(format: "%.4g", value) }
        // Whole seconds are taken as Int64; beyond it (3e11 years) only the magnitude is useful,
        // and the conversion would trap (an extreme multivariate value once crashed the sidecar here).
        guard value.magnitude < 9e18 else { return String(format: "%.4gs", value) }
        if value == 0 { return "0s" }
        var v = value
        if abs(v) >= 1 {
            let sign = v < 0 ? "-" : ""
            v = abs(v)
            let d = Int64(v)
            let (s, m, h, days) = (d % 60, (d / 60) % 60, (d / 3600) % 24, d / 86400)
            if days != 0 { return "\(sign)\(days)d \(h)h \(m)m \(s)s" }
            if h != 0 { return "\(sign)\(h)h \(m)m \(s)s" }
            if m != 0 { return "\(sign)\(m)m \(s)s" }
            return sign + String(format: "%.4gs", v)
        }
        var prefix = ""
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if abs(v) >= 1 { break }
            prefix = p
            v *= 1000
        }
        return String(format: "%.4g", v) + prefix + "s"
    }
}
