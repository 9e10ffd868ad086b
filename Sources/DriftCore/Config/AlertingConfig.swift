import Foundation

/// A generic webhook receiver. It gets the JSON Alertmanager's `webhook_config` sends (version
/// "4"), so any receiver written for Alertmanager works.
public struct WebhookConfig: Sendable, Equatable {
    public var url: String
    /// The `receiver` label in metrics and in the payload (default: `webhook:HOST:PORT/PATH`).
    public var name: String?
    /// Extra request headers (e.g. `Authorization`). Never stored in the outbox: applied at send time.
    public var headers: [String: String] = [:]
    /// Secret for the `X-Driftwatch-Signature: sha256=HEX` header (HMAC-SHA256 of the body).
    public var hmacSecret: String?
    /// Environment variable holding the HMAC secret (preferred over `hmac_secret` in the file).
    public var hmacSecretEnv: String?
    /// Re-send an unchanged firing group this often (as Alertmanager's `repeat_interval`).
    public var repeatInterval = 4 * 3600.0

    public init(url: String) { self.url = url }

    /// The receiver's stable label.
    public var receiver: String {
        if let name, !name.isEmpty { return name }
        return "webhook:" + AlertingConfig.endpoint(url)
    }
}

/// Thresholds of the alerts that are not drift verdicts (those come from the evaluation settings).
public struct AlertThresholds: Sendable, Equatable {
    /// P99 of the logged model latency over this (seconds) fires `DriftwatchModelLatencyHigh`.
    public var latencyP99 = 0.05
    /// Share of logged requests whose status matches `error_statuses`.
    public var errorRatio = 0.05
    /// PromQL regex of the logged statuses that count as errors.
    public var errorStatuses = "error|failed|failure|timeout|5[0-9][0-9]"
    /// Share of incoming events refused (rejected / (accepted + rejected)).
    public var rejectedRatio = 0.01
    /// Missing ratio above the baseline's by this much.
    public var missingRatioIncrease = 0.1
    /// Invalid ratio (wrong type, out of range) above the baseline's by this much. 0.01 as
    /// `rejected_ratio`: such records were refused (and counted there) before wrong types became
    /// invalid values of kept records.
    public var invalidRatioIncrease = 0.01
    /// Share of a categorical feature's values in categories the baseline never saw.
    public var unseenRatio = 0.05
    /// Share of a numeric feature's values outside the baseline's [min, max].
    public var outOfRangeRatio = 0.05
    /// No evaluation for this many `evaluate_every` periods fires `DriftwatchEvaluationStale`.
    public var staleEvaluations = 3
    /// Traffic at zero for this long (after traffic in the 6 hours before) fires `DriftwatchNoTraffic`.
    public var noTrafficFor = 600.0

    public init() {}
}

/// Alerting: the thresholds and timings shared by the generated Prometheus rules and the
/// sidecar's own alert engine, and the receivers the sidecar pushes to directly.
public struct AlertingConfig: Sendable, Equatable {
    /// Alertmanager base URLs (`POST BASE/api/v2/alerts`).
    public var alertmanagers: [String] = []
    public var webhooks: [WebhookConfig] = []
    /// How long a condition must hold before its alert fires (`for:` in the rules).
    public var forDuration = 60.0
    /// Clean evaluations in a row before a firing alert resolves (direct delivery).
    public var resolveAfter = 3
    /// Firing alerts are re-sent to Alertmanager this often (as Prometheus does).
    public var resendInterval = 60.0
    /// Resolved alerts are re-sent to Alertmanager for this long (as Prometheus does: 15m).
    public var resolvedRetention = 900.0
    /// A firing alert whose condition cannot be judged (too little data) for this long resolves.
    public var inconclusiveResolveAfter = 900.0
    /// A notification that could not be delivered for this long is dropped (counted as `expired`).
    public var giveUpAfter = 3600.0
    /// Longest wait between delivery attempts (exponential backoff from 1s, with jitter).
    public var maxBackoff = 30.0
    /// Per-request deadline (connect + answer), so one dead receiver cannot hold up the others.
    public var timeout = 5.0
    /// Base URL of this sidecar as receivers should link to it (`generatorURL`, `externalURL`);
    /// default `http://LISTEN`.
    public var externalURL: String?
    /// The runbook link pattern; `{alertname}` is replaced (`{alertname_lower}`: lowercased).
    public var runbookURL = "https://github.com/driftwatch/driftwatch/blob/main/docs/runbooks.md#{alertname_lower}"
    /// Labels added to every alert (both paths), e.g. `team: ml`.
    public var labels: [String: String] = [:]
    /// The Prometheus job that scrapes the sidecar (used by `DriftwatchSidecarDown`).
    public var job = "driftwatch"
    public var thresholds = AlertThresholds()

    public init() {}

    /// Whether the sidecar delivers alerts itself.
    public var directDelivery: Bool { !alertmanagers.isEmpty || !webhooks.isEmpty }

    /// `HOST:PORT/PATH` of a URL (no scheme, no credentials): a receiver label that is safe to show.
    public static func endpoint(_ url: String) -> String {
        guard let c = URLComponents(string: url), let host = c.host else { return url }
        let port = c.port.map { ":\($0)" } ?? ""
        let path = c.path == "/" ? "" : c.path
        return host + port + path
    }

    /// Every receiver's label: Alertmanagers, then webhooks.
    public var receiverNames: [String] { alertmanagers.map(Self.alertmanagerReceiver) + webhooks.map(\.receiver) }

    /// The Alertmanager receiver label for a base URL.
    public static func alertmanagerReceiver(_ url: String) -> String { "alertmanager:" + endpoint(url) }

    /// The runbook URL of one alert.
    public func runbook(for alertname: String) -> String {
        runbookURL.replacingOccurrences(of: "{alertname_lower}", with: alertname.lowercased())
            .replacingOccurrences(of: "{alertname}", with: alertname)
    }

    func validate() throws {
        for (i, u) in alertmanagers.enumerated() where !SidecarConfig.isHTTPURL(u) {
            throw ConfigError(key: "alerting.alertmanagers[\(i)]", "\"\(u)\" is not an http(s) URL")
        }
        var receivers = Set(alertmanagers.map(Self.alertmanagerReceiver))
        guard receivers.count == alertmanagers.count else {
            throw ConfigError(key: "alerting.alertmanagers", "an Alertmanager is listed twice")
        }
        for (i, w) in webhooks.enumerated() {
            guard SidecarConfig.isHTTPURL(w.url) else {
                throw ConfigError(key: "alerting.webhooks[\(i)].url", "\"\(w.url)\" is not an http(s) URL")
            }
            guard receivers.insert(w.receiver).inserted else {
                throw ConfigError(
                    key: "alerting.webhooks[\(i)]",
                    "receiver \"\(w.receiver)\" is used twice (give it a distinct `name`)")
            }
            guard w.repeatInterval >= 1 else {
                throw ConfigError(key: "alerting.webhooks[\(i)].repeat_interval", "must be at least 1s")
            }
        }
        let week = 7 * 86400.0
        for (key, v) in [
            ("for", forDuration), ("resend_interval", resendInterval), ("give_up_after", giveUpAfter),
            ("max_backoff", maxBackoff), ("resolve_inconclusive_after", inconclusiveResolveAfter),
            ("thresholds.no_traffic_for", thresholds.noTrafficFor), ("thresholds.latency_p99", thresholds.latencyP99),
        ]
        where v > week {
            throw ConfigError(key: "alerting.\(key)", "must be at most 7d")
        }
        for (i, w) in webhooks.enumerated() where w.repeatInterval > week {
            throw ConfigError(key: "alerting.webhooks[\(i)].repeat_interval", "must be at most 7d")
        }
        guard resolveAfter >= 1 && resolveAfter <= 1000 else {
            throw ConfigError(key: "alerting.resolve_after", "must be in 1…1000")
        }
        guard resendInterval >= 1 else { throw ConfigError(key: "alerting.resend_interval", "must be at least 1s") }
        guard timeout >= 0.1 && timeout <= 300 else {
            throw ConfigError(key: "alerting.timeout", "must be in 100ms…5m")
        }
        guard maxBackoff >= 1 else { throw ConfigError(key: "alerting.max_backoff", "must be at least 1s") }
        guard giveUpAfter >= timeout else {
            throw ConfigError(key: "alerting.give_up_after", "must be at least the timeout")
        }
        if let e = externalURL, !SidecarConfig.isHTTPURL(e) {
            throw ConfigError(key: "alerting.external_url", "\"\(e)\" is not an http(s) URL")
        }
        for name in labels.keys
        where name.range(of: "^[a-zA-Z_][a-zA-Z0-9_]*$", options: .regularExpression) == nil || name.hasPrefix("__") {
            throw ConfigError(key: "alerting.labels.\(name)", "not a valid Prometheus label name")
        }
        let reserved: Set = ["alertname", "severity", "model", "feature", "source"]
        for name in labels.keys where reserved.contains(name) {
            throw ConfigError(
                key: "alerting.labels.\(name)",
                "is set by Driftwatch itself (reserved: \(reserved.sorted().joined(separator: ", ")))")
        }
        guard job.range(of: "^[^\"\\\\]+$", options: .regularExpression) != nil else {
            throw ConfigError(key: "alerting.job", "must be non-empty, without quotes or backslashes")
        }
        let t = thresholds
        for (key, v) in [
            ("latency_p99", t.latencyP99), ("error_ratio", t.errorRatio), ("rejected_ratio", t.rejectedRatio),
            ("missing_ratio_increase", t.missingRatioIncrease), ("invalid_ratio_increase", t.invalidRatioIncrease),
            ("unseen_ratio", t.unseenRatio),
            ("out_of_range_ratio", t.outOfRangeRatio),
        ] where !(v > 0 && v.isFinite) {
            throw ConfigError(key: "alerting.thresholds.\(key)", "must be a positive number")
        }
        guard t.staleEvaluations >= 1 else {
            throw ConfigError(key: "alerting.thresholds.stale_evaluations", "must be at least 1")
        }
        // Prometheus uses RE2: no lookaround, no backreferences.
        let re2Unsupported = ["(?=", "(?!", "(?<=", "(?<!", "\\1", "\\2"]
        guard (try? NSRegularExpression(pattern: t.errorStatuses)) != nil,
            !re2Unsupported.contains(where: t.errorStatuses.contains)
        else {
            throw ConfigError(key: "alerting.thresholds.error_statuses", "not a valid RE2 regular expression")
        }
        guard t.staleEvaluations <= 1000 else {
            throw ConfigError(key: "alerting.thresholds.stale_evaluations", "must be at most 1000")
        }
    }

    /// Resolves `hmac_secret_env` from the environment.
    mutating func resolveSecrets(_ env: [String: String]) throws {
        for i in webhooks.indices {
            guard let name = webhooks[i].hmacSecretEnv else { continue }
            guard let value = env[name], !value.isEmpty else {
                throw ConfigError(
                    key: "alerting.webhooks[\(i)].hmac_secret_env", "environment variable \(name) is not set")
            }
            webhooks[i].hmacSecret = value
        }
    }

    func effectiveSummary() -> [String: Any] {
        let t = thresholds
        return [
            "alertmanagers": alertmanagers.map(SidecarConfig.redact),
            "webhooks": webhooks.map { w -> [String: Any] in
                [
                    "url": SidecarConfig.redact(w.url), "receiver": w.receiver, "headers": w.headers.keys.sorted(),
                    "hmac": w.hmacSecret == nil ? "(none)" : "(set, redacted)",
                    "repeat_interval": ConfigValues.format(seconds: w.repeatInterval),
                ]
            },
            "for": ConfigValues.format(seconds: forDuration), "resolve_after": resolveAfter,
            "resend_interval": ConfigValues.format(seconds: resendInterval),
            "give_up_after": ConfigValues.format(seconds: giveUpAfter),
            "timeout": ConfigValues.format(seconds: timeout),
            "max_backoff": ConfigValues.format(seconds: maxBackoff),
            "resolve_inconclusive_after": ConfigValues.format(seconds: inconclusiveResolveAfter),
            "external_url": externalURL ?? "(http://listen)", "runbook_url": runbookURL, "labels": labels, "job": job,
            "thresholds": [
                "latency_p99": ConfigValues.format(seconds: t.latencyP99), "error_ratio": t.errorRatio,
                "error_statuses": t.errorStatuses, "rejected_ratio": t.rejectedRatio,
                "missing_ratio_increase": t.missingRatioIncrease, "invalid_ratio_increase": t.invalidRatioIncrease,
                "unseen_ratio": t.unseenRatio,
                "out_of_range_ratio": t.outOfRangeRatio, "stale_evaluations": t.staleEvaluations,
                "no_traffic_for": ConfigValues.format(seconds: t.noTrafficFor),
            ],
        ]
    }
}

extension AlertingConfig: Decodable {
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys([
            "alertmanagers", "webhooks", "for", "resolve_after", "resend_interval", "give_up_after",
            "max_backoff", "timeout", "resolve_inconclusive_after", "external_url", "runbook_url", "labels", "job",
            "thresholds",
        ])
        let c = try decoder.container(keyedBy: AnyKey.self)
        self.init()
        alertmanagers = try c.value([String].self, "alertmanagers") ?? []
        webhooks = try c.value([WebhookConfig].self, "webhooks") ?? []
        forDuration = try c.duration("for") ?? forDuration
        resolveAfter = try c.value(Int.self, "resolve_after") ?? resolveAfter
        resendInterval = try c.duration("resend_interval") ?? resendInterval
        giveUpAfter = try c.duration("give_up_after") ?? giveUpAfter
        timeout = try c.duration("timeout") ?? timeout
        maxBackoff = try c.duration("max_backoff") ?? maxBackoff
        inconclusiveResolveAfter = try c.duration("resolve_inconclusive_after") ?? inconclusiveResolveAfter
        externalURL = try c.value(String.self, "external_url")
        runbookURL = try c.value(String.self, "runbook_url") ?? runbookURL
        labels = try c.value([String: String].self, "labels") ?? [:]
        job = try c.value(String.self, "job") ?? job
        thresholds = try c.value(AlertThresholds.self, "thresholds") ?? thresholds
    }
}

extension AlertThresholds: Decodable {
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys([
            "latency_p99", "error_ratio", "error_statuses", "rejected_ratio", "missing_ratio_increase",
            "invalid_ratio_increase", "unseen_ratio", "out_of_range_ratio", "stale_evaluations", "no_traffic_for",
        ])
        let c = try decoder.container(keyedBy: AnyKey.self)
        self.init()
        latencyP99 = try c.duration("latency_p99") ?? latencyP99
        errorRatio = try c.value(Double.self, "error_ratio") ?? errorRatio
        errorStatuses = try c.value(String.self, "error_statuses") ?? errorStatuses
        rejectedRatio = try c.value(Double.self, "rejected_ratio") ?? rejectedRatio
        missingRatioIncrease = try c.value(Double.self, "missing_ratio_increase") ?? missingRatioIncrease
        invalidRatioIncrease = try c.value(Double.self, "invalid_ratio_increase") ?? invalidRatioIncrease
        unseenRatio = try c.value(Double.self, "unseen_ratio") ?? unseenRatio
        outOfRangeRatio = try c.value(Double.self, "out_of_range_ratio") ?? outOfRangeRatio
        staleEvaluations = try c.value(Int.self, "stale_evaluations") ?? staleEvaluations
        noTrafficFor = try c.duration("no_traffic_for") ?? noTrafficFor
    }
}

extension WebhookConfig: Decodable {
    public init(from decoder: any Decoder) throws {
        // A bare string is the URL.
        if let url = try? decoder.singleValueContainer().decode(String.self) {
            self.init(url: url)
            return
        }
        try decoder.rejectUnknownKeys(["url", "name", "headers", "hmac_secret", "hmac_secret_env", "repeat_interval"])
        let c = try decoder.container(keyedBy: AnyKey.self)
        guard let u = try c.value(String.self, "url") else {
            throw ConfigError(key: keyPathString(decoder.codingPath + [AnyKey("url")]), "required")
        }
        self.init(url: u)
        name = try c.value(String.self, "name")
        headers = try c.value([String: String].self, "headers") ?? [:]
        hmacSecret = try c.value(String.self, "hmac_secret")
        hmacSecretEnv = try c.value(String.self, "hmac_secret_env")
        repeatInterval = try c.duration("repeat_interval") ?? repeatInterval
    }
}
