import DriftCore
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

    /// Resolves `hmac_secret_env` from the environment.
    package mutating func resolveSecrets(_ env: [String: String]) throws {
        for i in webhooks.indices {
            guard let name = webhooks[i].hmacSecretEnv else { continue }
            guard let value = env[name], !value.isEmpty else {
                throw ConfigError(
                    key: "alerting.webhooks[\(i)].hmac_secret_env", "environment variable \(name) is not set")
            }
            webhooks[i].hmacSecret = value
        }
    }
}

extension AlertingConfig: ConfigSection, Decodable {
    package static var table: [ConfigKey<AlertingConfig>] {
        [
            .custom(
                "alertmanagers",
                read: { c, root in root.alertmanagers = try c.value([String].self, "alertmanagers") ?? [] },
                check: { root, key in
                    for (i, u) in root.alertmanagers.enumerated() {
                        if let problem = ConfigRule.httpURL(u) { throw ConfigError(key: "\(key)[\(i)]", problem) }
                    }
                }, show: { $0.alertmanagers.map(ConfigValues.redact) }),
            .sections("webhooks", \.webhooks),
            .duration("for", \.forDuration, rule: ConfigRule.atMostAWeek),
            .value("resolve_after", \.resolveAfter, rule: ConfigRule.within(1...1000)),
            .duration(
                "resend_interval", \.resendInterval,
                rule: { ConfigRule.atLeast(1, "1s")($0) ?? ConfigRule.atMostAWeek($0) }),
            .duration("give_up_after", \.giveUpAfter, rule: ConfigRule.atMostAWeek),
            .duration(
                "max_backoff", \.maxBackoff, rule: { ConfigRule.atLeast(1, "1s")($0) ?? ConfigRule.atMostAWeek($0) }),
            .duration("timeout", \.timeout, rule: { $0 >= 0.1 && $0 <= 300 ? nil : "must be in 100ms…5m" }),
            .duration("resolve_inconclusive_after", \.inconclusiveResolveAfter, rule: ConfigRule.atMostAWeek),
            .optional("external_url", \.externalURL, rule: ConfigRule.httpURL, show: { $0 ?? "(http://listen)" }),
            .value("runbook_url", \.runbookURL),
            .custom(
                "labels", read: { c, root in root.labels = try c.value([String: String].self, "labels") ?? [:] },
                check: { root, key in
                    let reserved: Set = ["alertname", "severity", "model", "feature", "source"]
                    for name in root.labels.keys.sorted() {
                        if name.range(of: "^[a-zA-Z_][a-zA-Z0-9_]*$", options: .regularExpression) == nil
                            || name.hasPrefix("__")
                        {
                            throw ConfigError(key: "\(key).\(name)", "not a valid Prometheus label name")
                        }
                        if reserved.contains(name) {
                            throw ConfigError(
                                key: "\(key).\(name)",
                                "is set by Driftwatch itself (reserved: \(reserved.sorted().joined(separator: ", ")))")
                        }
                    }
                }, show: { $0.labels }),
            .value(
                "job", \.job,
                rule: {
                    $0.range(of: "^[^\"\\\\]+$", options: .regularExpression) != nil
                        ? nil : "must be non-empty, without quotes or backslashes"
                }),
            .section("thresholds", \.thresholds),
        ]
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        try read(from: decoder)
    }

    package func checkAcross(at path: String) throws {
        var receivers = Set(alertmanagers.map(Self.alertmanagerReceiver))
        guard receivers.count == alertmanagers.count else {
            throw ConfigError(key: "\(path).alertmanagers", "an Alertmanager is listed twice")
        }
        for (i, w) in webhooks.enumerated() where !receivers.insert(w.receiver).inserted {
            throw ConfigError(
                key: "\(path).webhooks[\(i)]", "receiver \"\(w.receiver)\" is used twice (give it a distinct `name`)")
        }
        guard giveUpAfter >= timeout else {
            throw ConfigError(key: "\(path).give_up_after", "must be at least the timeout")
        }
    }
}

extension AlertThresholds: ConfigSection, Decodable {
    package static var table: [ConfigKey<AlertThresholds>] {
        [
            .duration(
                "latency_p99", \.latencyP99, rule: { ConfigRule.positive($0) ?? ConfigRule.atMostAWeek($0) }),
            .value("error_ratio", \.errorRatio, rule: ConfigRule.positive),
            .value(
                "error_statuses", \.errorStatuses,
                rule: { pattern in
                    // Prometheus uses RE2: no lookaround, no backreferences.
                    let re2Unsupported = ["(?=", "(?!", "(?<=", "(?<!", "\\1", "\\2"]
                    return (try? NSRegularExpression(pattern: pattern)) != nil
                        && !re2Unsupported.contains(where: pattern.contains)
                        ? nil : "not a valid RE2 regular expression"
                }),
            .value("rejected_ratio", \.rejectedRatio, rule: ConfigRule.positive),
            .value("missing_ratio_increase", \.missingRatioIncrease, rule: ConfigRule.positive),
            .value("invalid_ratio_increase", \.invalidRatioIncrease, rule: ConfigRule.positive),
            .value("unseen_ratio", \.unseenRatio, rule: ConfigRule.positive),
            .value("out_of_range_ratio", \.outOfRangeRatio, rule: ConfigRule.positive),
            .value("stale_evaluations", \.staleEvaluations, rule: ConfigRule.within(1...1000)),
            .duration("no_traffic_for", \.noTrafficFor, rule: ConfigRule.atMostAWeek),
        ]
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        try read(from: decoder)
    }
}

extension WebhookConfig: ConfigSection, Decodable {
    package static var table: [ConfigKey<WebhookConfig>] {
        [
            .value("url", \.url, rule: ConfigRule.httpURL, show: ConfigValues.redact),
            .custom("name", read: { c, root in root.name = try c.value(String.self, "name") }, show: { $0.receiver }),
            .value("headers", \.headers, show: { $0.keys.sorted() }),  // values may be credentials
            .optional("hmac_secret", \.hmacSecret, show: { $0 == nil ? "(none)" : "(set, redacted)" }),
            .optional("hmac_secret_env", \.hmacSecretEnv, show: { $0 ?? "(none)" }),
            .duration(
                "repeat_interval", \.repeatInterval,
                rule: { ConfigRule.atLeast(1, "1s")($0) ?? ConfigRule.atMostAWeek($0) }),
        ]
    }

    public init(from decoder: any Decoder) throws {
        // A bare string is the URL.
        if let url = try? decoder.singleValueContainer().decode(String.self) {
            self.init(url: url)
            return
        }
        let c = try decoder.container(keyedBy: AnyKey.self)
        guard let u = try c.value(String.self, "url") else {
            throw ConfigError(key: keyPathString(decoder.codingPath + [AnyKey("url")]), "required")
        }
        self.init(url: u)
        try read(from: decoder)
    }
}
