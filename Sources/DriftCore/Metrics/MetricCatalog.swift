/// One metric family the sidecar publishes: its name, type, labels and HELP text.
///
/// `MetricCatalog` is the single list: the sidecar's registry makes its descriptors from it
/// (DriftServer), the generated Prometheus rules take their metric names from it
/// (`PrometheusRules`), and the README's metric reference is printed from it (`driftwatch
/// metrics`), so none of them can drift from the others.
import DriftRecords

public struct MetricFamily: Sendable, Equatable {
    public enum Kind: String, Sendable { case counter, gauge, histogram }

    public let name: String
    public let kind: Kind
    public let labels: [String]
    public let help: String
    /// The section of the reference it belongs to.
    public let group: String

    /// The series name of a histogram's buckets.
    public var bucket: String { name + "_bucket" }
}

/// What happened to one alert delivery attempt or notification (the `outcome` label of
/// `driftwatch_notifications_total`).
public enum NotificationOutcome: String, CaseIterable, Sendable {
    /// The receiver answered 2xx.
    case delivered
    /// The attempt failed (connection, timeout, 5xx, 408, 429): it will be retried.
    case failed
    /// The receiver refused it for good (other 4xx): dropped.
    case rejected
    /// Older than `give_up_after`: dropped.
    case expired
    /// An Alertmanager message whose alerts' `endsAt` has passed: newer re-sends replace it
    /// (delivering it late would resolve firing alerts in Alertmanager): dropped.
    case superseded
}

public enum MetricCatalog {
    private static let feature = ["model", "feature"]
    private static let model = ["model"]
    private static func f(
        _ name: String, _ kind: MetricFamily.Kind, _ labels: [String], _ group: String, _ help: String
    ) -> MetricFamily {
        MetricFamily(name: name, kind: kind, labels: labels, help: help, group: group)
    }

    // Drift, per feature (labels from the baseline schema).
    public static let psi = f(
        "driftwatch_feature_psi", .gauge, feature, drift,
        "Population stability index of the feature against its baseline.")
    public static let psiThreshold = f(
        "driftwatch_feature_psi_threshold", .gauge, feature, drift,
        "PSI at or over which the feature counts as drifted (fixed, or the baseline's chunk band).")
    public static let ksStatistic = f(
        "driftwatch_feature_ks_statistic", .gauge, feature, drift,
        "Two-sample Kolmogorov-Smirnov statistic D (numeric features; the driftwatch_feature_ks_* series exist where KS runs)."
    )
    public static let ksStatisticThreshold = f(
        "driftwatch_feature_ks_statistic_threshold", .gauge, feature, drift,
        "Effect floor on the KS statistic D: drift needs D at or over it and a significant p-value.")
    public static let ksPValue = f(
        "driftwatch_feature_ks_p_value", .gauge, feature, drift,
        "Kolmogorov-Smirnov p-value, before multiple-testing correction.")
    public static let ksPAdjusted = f(
        "driftwatch_feature_ks_p_value_adjusted", .gauge, feature, drift,
        "Kolmogorov-Smirnov p-value after the multiple-testing correction across features.")
    public static let chi2Statistic = f(
        "driftwatch_feature_chi2_statistic", .gauge, feature, drift,
        "Chi-square homogeneity statistic (categorical features; the driftwatch_feature_chi2_* series exist where it runs)."
    )
    public static let chi2PValue = f(
        "driftwatch_feature_chi2_p_value", .gauge, feature, drift,
        "Chi-square p-value, before multiple-testing correction.")
    public static let chi2PAdjusted = f(
        "driftwatch_feature_chi2_p_value_adjusted", .gauge, feature, drift,
        "Chi-square p-value after the multiple-testing correction across features.")
    public static let significance = f(
        "driftwatch_feature_significance_level", .gauge, feature, drift,
        "Level the adjusted p-values are compared with (significant below it).")
    public static let featureDrift = f(
        "driftwatch_feature_drift", .gauge, feature + ["test"], drift,
        "1 when the test flags the feature as drifted, else 0.")
    public static let status = f(
        "driftwatch_feature_status", .gauge, feature, drift, "Verdict: 0 ok, 1 warning, 2 drift, -1 insufficient data.")
    // Data quality, per feature.
    public static let missing = f(
        "driftwatch_feature_missing_ratio", .gauge, feature, quality,
        "Share of the window's events missing the feature.")
    public static let baselineMissing = f(
        "driftwatch_feature_baseline_missing_ratio", .gauge, feature, quality,
        "Share of the baseline's rows missing the feature.")
    public static let invalid = f(
        "driftwatch_feature_invalid_ratio", .gauge, feature, quality,
        "Share of the window's events whose value for the feature was invalid (wrong type, out of range; counted, never tested)."
    )
    public static let baselineInvalid = f(
        "driftwatch_feature_baseline_invalid_ratio", .gauge, feature, quality,
        "Share of the baseline's rows with an invalid value for the feature.")
    public static let invalidValues = f(
        "driftwatch_feature_invalid_values_total", .counter, feature, quality,
        "Invalid values of accepted records (the record was kept, the value counted invalid).")
    public static let unseen = f(
        "driftwatch_feature_unseen_ratio", .gauge, feature, quality,
        "Share of the window's values in categories the baseline never saw (categorical features).")
    public static let outOfRange = f(
        "driftwatch_feature_out_of_range_ratio", .gauge, feature, quality,
        "Share of the window's values outside the baseline's [min, max] (numeric features).")
    public static let unknownFeatures = f(
        "driftwatch_unknown_features_total", .counter, model, quality,
        "Feature values whose key is not in the baseline schema (ignored).")
    // Drift, per model.
    public static let datasetShare = f(
        "driftwatch_dataset_drift_share", .gauge, model, dataset, "Share of evaluated features that drifted.")
    public static let datasetShareThreshold = f(
        "driftwatch_dataset_drift_share_threshold", .gauge, model, dataset,
        "Share of drifted features at which the dataset drifts.")
    public static let datasetDrift = f(
        "driftwatch_dataset_drift", .gauge, model, dataset,
        "1 when the dataset drifts (share of drifted features reaches the threshold).")
    public static let multivariate = f(
        "driftwatch_multivariate_drift_value", .gauge, model, dataset,
        "Mean PCA reconstruction error of the window's rows.")
    public static let multivariateLower = f(
        "driftwatch_multivariate_drift_lower_bound", .gauge, model, dataset,
        "Lower end of the band of the baseline's own chunks for the reconstruction error.")
    public static let multivariateUpper = f(
        "driftwatch_multivariate_drift_upper_bound", .gauge, model, dataset,
        "Upper end of the band of the baseline's own chunks for the reconstruction error.")
    public static let multivariateDrift = f(
        "driftwatch_multivariate_drift", .gauge, model, dataset,
        "1 when the reconstruction error is outside the baseline's band, else 0.")
    public static let baselineInfo = f(
        "driftwatch_baseline_info", .gauge, model + ["version"], dataset,
        "The baseline version the model is judged against (value 1).")
    // Window and evaluation.
    public static let windowSamples = f(
        "driftwatch_window_samples", .gauge, model, window, "Events in the current window.")
    public static let windowCapacity = f(
        "driftwatch_window_capacity_samples", .gauge, model, window, "Events the window holds at most (max_records).")
    public static let windowAge = f(
        "driftwatch_window_age_seconds", .gauge, model, window,
        "Age of the oldest event held (sliding) or of the window (tumbling).")
    public static let lastEvaluation = f(
        "driftwatch_last_evaluation_timestamp_seconds", .gauge, model, window,
        "Unix time of the last completed evaluation.")
    public static let lastCheckpoint = f(
        "driftwatch_last_checkpoint_timestamp_seconds", .gauge, model, window,
        "Unix time of the last window checkpoint to SQLite.")
    public static let evaluationDuration = f(
        "driftwatch_evaluation_duration_seconds", .histogram, model, window, "Time one evaluation of the window took.")
    public static let checkpointDuration = f(
        "driftwatch_checkpoint_duration_seconds", .histogram, model, window,
        "Time one checkpoint of the window took: encoding, the SQLite transaction, pruning the journal.")
    public static let checkpointBytes = f(
        "driftwatch_checkpoint_written_bytes_total", .counter, model, window,
        "Window bytes written by full checkpoints (ticks the journal covers write none).")
    public static let evaluations = f("driftwatch_evaluations_total", .counter, model, window, "Evaluations completed.")
    public static let evaluationErrors = f(
        "driftwatch_evaluation_errors_total", .counter, model, window, "Evaluations that failed.")
    // Golden signals, from the logged records.
    public static let latency = f(
        "driftwatch_model_latency_seconds", .histogram, model, golden, "Model-server latency logged with each event.")
    public static let windowLatency = f(
        "driftwatch_window_latency_seconds", .gauge, model + ["percentile"], golden,
        "Percentiles (P50, P90, P99) of the logged model latency over the window's events.")
    public static let requests = f(
        "driftwatch_model_requests_total", .counter, model + ["status"], golden,
        "Logged model requests by logged status (capped; the rest are __other__).")
    public static let predictions = f(
        "driftwatch_model_predictions_total", .counter, model + ["class"], golden,
        "Logged predictions by class (capped; the rest are __other__).")
    // Ingest.
    public static let ingested = f(
        "driftwatch_events_ingested_total", .counter, model, ingest, "Events accepted (acknowledged) for the model.")
    public static let rejected = f(
        "driftwatch_events_rejected_total", .counter, model + ["reason"], ingest,
        "Events or requests refused, by reason.")
    // HTTP server.
    public static let connections = f("driftwatch_http_connections", .gauge, [], http, "HTTP connections open now.")
    public static let connectionsLimit = f(
        "driftwatch_http_connections_limit", .gauge, [], http,
        "Connections served at once (max_connections); more wait in the kernel's accept queue.")
    public static let acceptPaused = f(
        "driftwatch_http_accept_paused_total", .counter, [], http,
        "Times accepting paused because max_connections connections were open.")
    // Alerting (direct delivery).
    public static let alerts = f(
        "driftwatch_alerts", .gauge, model + ["alertname", "state"], alerting,
        "Alerts the sidecar itself holds, by state (direct delivery).")
    public static let notifications = f(
        "driftwatch_notifications_total", .counter, ["receiver", "outcome"], alerting,
        "Alert notification attempts and their outcome, by receiver.")
    public static let outboxDepth = f(
        "driftwatch_alert_outbox_notifications", .gauge, ["receiver"], alerting, "Notifications waiting in the outbox.")
    public static let outboxAge = f(
        "driftwatch_alert_outbox_oldest_age_seconds", .gauge, ["receiver"], alerting,
        "Age of the oldest notification waiting in the outbox (0 when empty).")

    private static let drift = "Drift per feature"
    private static let quality = "Data quality"
    private static let dataset = "Drift per model"
    private static let window = "Window and evaluation"
    private static let golden = "Golden signals (from the logged records)"
    private static let ingest = "Ingest"
    private static let alerting = "Alerting (direct delivery)"
    private static let http = "HTTP server"

    /// Every family, in reference order.
    public static let all: [MetricFamily] = [
        psi, psiThreshold, ksStatistic, ksStatisticThreshold, ksPValue, ksPAdjusted, chi2Statistic, chi2PValue,
        chi2PAdjusted,
        significance, featureDrift, status,
        missing, baselineMissing, invalid, baselineInvalid, invalidValues, unseen, outOfRange, unknownFeatures,
        datasetShare, datasetShareThreshold, datasetDrift, multivariate, multivariateLower, multivariateUpper,
        multivariateDrift, baselineInfo,
        windowSamples, windowCapacity, windowAge, lastEvaluation, lastCheckpoint, evaluationDuration,
        checkpointDuration, checkpointBytes, evaluations, evaluationErrors,
        latency, windowLatency, requests, predictions,
        ingested, rejected,
        connections, connectionsLimit, acceptPaused,
        alerts, notifications, outboxDepth, outboxAge,
    ]

    /// Label values that are closed sets, for the reference.
    static let labelNotes: [String: String] = [
        "test": DriftTest.allCases.map(\.rawValue).joined(separator: ", "),
        "reason": RejectReason.allCases.map(\.rawValue).joined(separator: ", "),
        "state": "pending, firing",
        "outcome": NotificationOutcome.allCases.map(\.rawValue).joined(separator: ", "),
        "percentile": "50, 90, 99",
    ]

    /// The metric reference in Markdown (the README's "Metric reference" section).
    public static func markdown() -> String {
        var out = ""
        var group = ""
        for m in all {
            if m.group != group {
                group = m.group
                out +=
                    (out.isEmpty ? "" : "\n")
                    + "**\(group)**\n\n| metric | type | labels | meaning |\n| --- | --- | --- | --- |\n"
            }
            let labels = m.labels.map { l in labelNotes[l].map { "`\(l)` (\($0))" } ?? "`\(l)`" }.joined(
                separator: ", ")
            out +=
                "| `\(m.name)` | \(m.kind.rawValue) | \(labels) | \(m.help.replacingOccurrences(of: "|", with: "\\|")) |\n"
        }
        return out
    }
}
