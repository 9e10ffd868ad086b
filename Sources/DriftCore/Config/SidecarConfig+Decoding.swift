import Foundation

/// Any string key, to list the keys a mapping holds.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { stringValue = String(intValue); self.intValue = intValue }
}

extension Decoder {
    /// Throws when the mapping holds a key outside `known` (a typo would otherwise be silently
    /// ignored and its default used).
    func rejectUnknownKeys(_ known: [String]) throws {
        let c = try container(keyedBy: AnyKey.self)
        for key in c.allKeys where !known.contains(key.stringValue) {
            throw ConfigError(
                key: keyPathString(codingPath + [key]),
                "unknown key (known here: \(known.joined(separator: ", ")))")
        }
    }
}

/// `models[0].window.max_age` from a coding path.
func keyPathString(_ codingPath: [any CodingKey]) -> String { ConfigError.keyPath(codingPath) }

extension ConfigError {
    /// A decoding path as users write it: `models[0].window.max_age` ("" for the top level).
    public static func keyPath(_ codingPath: [any CodingKey]) -> String {
        var out = ""
        for k in codingPath {
            if let i = k.intValue { out += "[\(i)]" } else { out += out.isEmpty ? k.stringValue : ".\(k.stringValue)" }
        }
        return out
    }
}

extension KeyedDecodingContainer where Key == AnyKey {
    func duration(_ key: String) throws -> Double? {
        guard contains(AnyKey(key)) else { return nil }
        if let n = try? decode(Double.self, forKey: AnyKey(key)) {
            guard n >= 0 && n <= ConfigValues.maxSeconds else {
                throw ConfigError(
                    key: keyPathString(codingPath + [AnyKey(key)]),
                    "must be from 0 to \(Int(ConfigValues.maxSeconds)) seconds")
            }
            return n
        }
        let text = try decode(String.self, forKey: AnyKey(key))
        guard let s = ConfigValues.seconds(text) else {
            throw ConfigError(
                key: keyPathString(codingPath + [AnyKey(key)]),
                "\"\(text)\" is not a duration (examples: 250ms, 30s, 10m, 1h)")
        }
        return s
    }

    func size(_ key: String) throws -> Int? {
        guard contains(AnyKey(key)) else { return nil }
        if let n = try? decode(Int.self, forKey: AnyKey(key)) { return n }
        let text = try decode(String.self, forKey: AnyKey(key))
        guard let b = ConfigValues.bytes(text) else {
            throw ConfigError(
                key: keyPathString(codingPath + [AnyKey(key)]), "\"\(text)\" is not a size (examples: 8MiB, 512KiB)")
        }
        return b
    }

    func value<T: Decodable>(_ type: T.Type, _ key: String) throws -> T? {
        try decodeIfPresent(type, forKey: AnyKey(key))
    }
}

extension SidecarConfig: Decodable {
    static let keys = [
        "listen", "store", "journal", "checkpoint_every", "max_body_bytes", "idle_timeout", "body_timeout",
        "max_connections", "ingest_token", "models",
        "sources", "alerting", "log_level",
    ]

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(Self.keys)
        let c = try decoder.container(keyedBy: AnyKey.self)
        self.init()
        if let l = try c.value(String.self, "listen") {
            guard let (h, p) = Self.hostPort(l) else {
                throw ConfigError(key: "listen", "expected host:port, found \"\(l)\"")
            }
            listenHost = h
            listenPort = p
        }
        store = try c.value(String.self, "store") ?? store
        journal = try c.value(String.self, "journal")
        checkpointEvery = try c.duration("checkpoint_every") ?? checkpointEvery
        maxBodyBytes = try c.size("max_body_bytes") ?? maxBodyBytes
        idleTimeout = try c.duration("idle_timeout") ?? idleTimeout
        bodyTimeout = try c.duration("body_timeout") ?? bodyTimeout
        maxConnections = try c.value(Int.self, "max_connections") ?? maxConnections
        ingestToken = try c.value(String.self, "ingest_token")
        models = try c.value([ModelConfig].self, "models") ?? []
        sources = try c.value([SourceConfig].self, "sources") ?? []
        alerting = try c.value(AlertingConfig.self, "alerting") ?? alerting
        logLevel = try c.value(String.self, "log_level") ?? logLevel
    }
}

extension ModelConfig: Decodable {
    static let ownKeys = ["name", "baseline", "window", "evaluate_every", "max_prediction_classes"]

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(Self.ownKeys + EvaluationSettings.keys)
        let c = try decoder.container(keyedBy: AnyKey.self)
        guard let name = try c.value(String.self, "name") else {
            throw ConfigError(key: keyPathString(decoder.codingPath + [AnyKey("name")]), "required")
        }
        self.init(name: name)
        if let b = try? c.value(Int.self, "baseline") {
            baseline = String(b)
        } else {
            baseline = try c.value(String.self, "baseline") ?? baseline
        }
        window = try c.value(WindowConfig.self, "window") ?? window
        evaluateEvery = try c.duration("evaluate_every") ?? evaluateEvery
        maxPredictionClasses = try c.value(Int.self, "max_prediction_classes") ?? maxPredictionClasses
        evaluation = try EvaluationSettings(from: decoder)
    }
}

extension WindowConfig: Decodable {
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["mode", "max_records", "max_age", "seed", "max_bytes"])
        let c = try decoder.container(keyedBy: AnyKey.self)
        self.init()
        mode = try c.value(WindowMode.self, "mode") ?? mode
        maxRecords = try c.value(Int.self, "max_records") ?? maxRecords
        if c.contains(AnyKey("max_age")) {
            if (try? c.decodeNil(forKey: AnyKey("max_age"))) == true || (try? c.value(String.self, "max_age")) == "none"
            {
                maxAge = nil
            } else {
                maxAge = try c.duration("max_age")
            }
        }
        seed = try c.value(UInt64.self, "seed") ?? seed
        maxBytes = try c.size("max_bytes") ?? maxBytes
    }
}

extension SourceConfig: Decodable {
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["kind", "path", "model", "poll_interval", "start_at"])
        let c = try decoder.container(keyedBy: AnyKey.self)
        let kind = try c.value(String.self, "kind") ?? "tail"
        guard kind == "tail" else {
            throw ConfigError(
                key: keyPathString(decoder.codingPath + [AnyKey("kind")]),
                "unknown source kind \"\(kind)\" (known: tail)")
        }
        guard let p = try c.value(String.self, "path") else {
            throw ConfigError(key: keyPathString(decoder.codingPath + [AnyKey("path")]), "required")
        }
        guard let m = try c.value(String.self, "model") else {
            throw ConfigError(key: keyPathString(decoder.codingPath + [AnyKey("model")]), "required")
        }
        self.init(path: p, model: m)
        pollInterval = try c.duration("poll_interval") ?? pollInterval
        startAt = try c.value(TailStart.self, "start_at") ?? startAt
    }
}

extension SidecarConfig {
    /// The effective configuration as YAML-compatible JSON-like text (secrets redacted), for
    /// `check-config`.
    public func effectiveSummary() -> [String: Any] {
        var out: [String: Any] = [
            "listen": "\(listenHost):\(listenPort)", "store": store, "journal": journalPath,
            "checkpoint_every": ConfigValues.format(seconds: checkpointEvery), "max_body_bytes": maxBodyBytes,
            "idle_timeout": ConfigValues.format(seconds: idleTimeout),
            "body_timeout": ConfigValues.format(seconds: bodyTimeout),
            "max_connections": maxConnections,
            "ingest_token": ingestToken == nil ? "(none)" : "(set, redacted)", "log_level": logLevel,
        ]
        out["models"] = models.map { m -> [String: Any] in
            var w: [String: Any] = [
                "mode": m.window.mode.rawValue, "max_records": m.window.maxRecords,
                "max_bytes": m.window.maxBytes,
            ]
            w["max_age"] = m.window.maxAge.map { ConfigValues.format(seconds: $0) } ?? "none"
            let e = m.evaluation
            return [
                "name": m.name, "baseline": m.baseline, "window": w,
                "evaluate_every": ConfigValues.format(seconds: m.evaluateEvery),
                "max_prediction_classes": m.maxPredictionClasses,
                "numeric_tests": e.numericTests.map(\.rawValue),
                "categorical_tests": e.categoricalTests.map(\.rawValue),
                "threshold_source": e.thresholdSource.rawValue, "correction": e.correction.rawValue,
                "min_samples": e.minSamples, "dataset_drift_share": e.datasetDriftShare,
                "thresholds": Dictionary(uniqueKeysWithValues: e.thresholds.entries.map { ($0.key, $0.value) }),
                "features": e.features.keys.sorted(),
            ]
        }
        out["sources"] = sources.map { s -> [String: Any] in
            [
                "kind": "tail", "path": s.path, "model": s.model,
                "poll_interval": ConfigValues.format(seconds: s.pollInterval),
                "start_at": s.startAt.rawValue,
            ]
        }
        out["alerting"] = alerting.effectiveSummary()
        return out
    }

    /// A URL with any user-info password replaced.
    static func redact(_ url: String) -> String {
        guard var c = URLComponents(string: url), c.password != nil else { return url }
        c.password = "redacted"
        return c.string ?? url
    }
}
