import DriftCore
import DriftRecords
import Foundation

// The keys of each section, one declaration each (`ConfigKey`): what `check-config` knows, reads,
// checks and prints. `config/driftwatch.example.yaml` documents them.

extension SidecarConfig: ConfigSection, Decodable {
    package static var table: [ConfigKey<SidecarConfig>] {
        [
            .custom(
                "listen",
                read: { c, root in
                    guard let l = try c.value(String.self, "listen") else { return }
                    guard let (h, p) = Self.hostPort(l) else {
                        throw ConfigError(key: "listen", "expected host:port, found \"\(l)\"")
                    }
                    root.listenHost = h
                    root.listenPort = p
                }, show: { "\($0.listenHost):\($0.listenPort)" }),
            .value("store", \.store),
            .custom(
                "journal", read: { c, root in root.journal = try c.value(String.self, "journal") ?? root.journal },
                show: { $0.journalPath }),
            .duration("checkpoint_every", \.checkpointEvery, rule: ConfigRule.atLeast(0.1, "100ms")),
            .size("max_body_bytes", \.maxBodyBytes, rule: { $0 >= 1024 ? nil : "must be at least 1KiB" }),
            .duration("idle_timeout", \.idleTimeout, rule: Self.secondToDay),
            .duration("body_timeout", \.bodyTimeout, rule: Self.secondToDay),
            .value("max_connections", \.maxConnections, rule: ConfigRule.within(1...100_000)),
            .optional("ingest_token", \.ingestToken, show: { $0 == nil ? "(none)" : "(set, redacted)" }),
            .sections("models", \.models),
            .sections("sources", \.sources),
            .section("alerting", \.alerting),
            .value(
                "log_level", \.logLevel,
                rule: { Self.logLevels.contains($0) ? nil : "must be one of \(Self.logLevels.joined(separator: ", "))" }
            ),
        ]
    }

    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    static func secondToDay(_ v: Double) -> String? { (1...86_400).contains(v) ? nil : "must be from 1s to 1d" }

    public init(from decoder: any Decoder) throws {
        self.init()
        try read(from: decoder)
    }

    package func checkAcross(at path: String) throws {
        guard !models.isEmpty else { throw ConfigError(key: "models", "at least one model is required") }
        var names = Set<String>()
        for (i, m) in models.enumerated() where !names.insert(m.name).inserted {
            throw ConfigError(key: "models[\(i)].name", "duplicate model \"\(m.name)\"")
        }
        for (i, s) in sources.enumerated() where !names.contains(s.model) {
            throw ConfigError(
                key: "sources[\(i)].model",
                "\"\(s.model)\" is not a configured model (\(models.map(\.name).joined(separator: ", ")))")
        }
        if Set(sources.map(\.path)).count != sources.count {
            throw ConfigError(key: "sources", "a path is tailed twice")
        }
    }
}

extension ModelConfig: ConfigSection, Decodable {
    package static var table: [ConfigKey<ModelConfig>] {
        [
            .value(
                "name", \.name,
                rule: {
                    $0.range(of: "^[A-Za-z0-9_.:-]{1,128}$", options: .regularExpression) != nil
                        ? nil : "\"\($0)\" must be 1–128 characters of A–Z a–z 0–9 _ . : -"
                }),
            .custom(
                "baseline",
                read: { c, root in
                    if let b = try? c.value(Int.self, "baseline") {
                        root.baseline = String(b)
                    } else {
                        root.baseline = try c.value(String.self, "baseline") ?? root.baseline
                    }
                }, show: { $0.baseline }),
            .section("window", \.window),
            .duration("evaluate_every", \.evaluateEvery, rule: ConfigRule.atLeast(0.1, "100ms")),
            .value("max_prediction_classes", \.maxPredictionClasses, rule: ConfigRule.within(1...1000)),
        ]
    }

    /// The evaluation settings sit in the model's entry; their keys are `EvaluationSettings`'s.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        guard let name = try c.value(String.self, "name") else {
            throw ConfigError(key: keyPathString(decoder.codingPath + [AnyKey("name")]), "required")
        }
        self.init(name: name)
        try read(from: decoder, extraKeys: EvaluationSettings.keys)
        evaluation = try EvaluationSettings(from: decoder)
    }

    package func checkAcross(at path: String) throws {
        do { try evaluation.validate() } catch let e as SchemaError { throw ConfigError(key: path, e.message) }
    }

    /// The table's keys and the evaluation's, as the entry holds them.
    func summaryWithEvaluation() -> [String: Any] {
        var out = summary()
        let encoded = (try? JSONEncoder().encode(evaluation)).flatMap { try? JSONSerialization.jsonObject(with: $0) }
        for (k, v) in encoded as? [String: Any] ?? [:] { out[k] = Self.integral(v) }
        return out
    }

    /// Whole numbers as integers (JSONSerialization hands every number back as a Double, which
    /// YAML would print as `1e+2`).
    static func integral(_ v: Any) -> Any {
        switch v {
        case let d as Double where d == d.rounded() && abs(d) < 1e15: return Int(d)
        case let a as [Any]: return a.map(integral)
        case let o as [String: Any]: return o.mapValues(integral)
        default: return v
        }
    }
}

extension SourceConfig: ConfigSection, Decodable {
    package static var table: [ConfigKey<SourceConfig>] {
        [
            .custom(
                "kind",
                read: { c, _ in
                    let kind = try c.value(String.self, "kind") ?? "tail"
                    guard kind == "tail" else {
                        throw ConfigError(
                            key: keyPathString(c.codingPath + [AnyKey("kind")]),
                            "unknown source kind \"\(kind)\" (known: tail)")
                    }
                }, show: { _ in "tail" }),
            .value("path", \.path, rule: { $0.isEmpty ? "must not be empty" : nil }),
            .value("model", \.model),
            .duration("poll_interval", \.pollInterval, rule: ConfigRule.atLeast(0.01, "10ms")),
            .value("start_at", \.startAt, show: { $0.rawValue }),
        ]
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        guard let p = try c.value(String.self, "path") else {
            throw ConfigError(key: keyPathString(decoder.codingPath + [AnyKey("path")]), "required")
        }
        guard let m = try c.value(String.self, "model") else {
            throw ConfigError(key: keyPathString(decoder.codingPath + [AnyKey("model")]), "required")
        }
        self.init(path: p, model: m)
        try read(from: decoder)
    }
}

extension SidecarConfig {
    /// The effective configuration (secrets redacted), for `check-config`: every key of every
    /// section's table, and each model's evaluation settings.
    public func effectiveSummary() -> [String: Any] {
        var out = summary()
        out["models"] = models.map { $0.summaryWithEvaluation() }
        return out
    }
}
