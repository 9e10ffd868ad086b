import DriftAlerting
import DriftCore
import Foundation

/// One monitored model.
public struct ModelConfig: Sendable, Equatable {
    public var name: String
    /// `latest` or a version of the stored baseline.
    public var baseline = "latest"
    public var window = WindowConfig()
    /// Seconds between evaluations.
    public var evaluateEvery = 15.0
    /// Tests, thresholds, min samples, correction and per-feature overrides (the keys of
    /// `compare --settings`, written inline in the model's entry).
    public var evaluation = EvaluationSettings()
    /// Distinct prediction classes counted by name besides the baseline's own (always kept); the
    /// rest are counted as `__other__`.
    public var maxPredictionClasses = 50
    public init(name: String) { self.name = name }
}

/// Where the position of a tailed file starts when no checkpoint exists.
public enum TailStart: String, Sendable, Codable {
    case beginning, end
}

/// A source of records besides HTTP ingest (which is always on).
public struct SourceConfig: Sendable, Equatable {
    /// Follow a JSON-lines file the model server appends to.
    public var path: String
    /// The model its records belong to (records may still name another configured model).
    public var model: String
    public var pollInterval = 0.25
    public var startAt: TailStart = .beginning
    public init(path: String, model: String) {
        self.path = path
        self.model = model
    }
    /// Stable identity of the source in checkpoints.
    public var id: String { "tail:\(path)" }
}

/// The sidecar's configuration (`driftwatch serve --config FILE`). Every key but `models` has a
/// default; `config/driftwatch.example.yaml` documents them all.
public struct SidecarConfig: Sendable, Equatable {
    public var listenHost = "127.0.0.1"
    public var listenPort = 9464
    public var store = "baselines/driftwatch.sqlite"
    /// Directory of the event journal (default: the store path + `.journal`).
    public var journal: String?
    /// Seconds between window checkpoints to SQLite (also written on SIGTERM).
    public var checkpointEvery = 10.0
    /// Largest accepted request body.
    public var maxBodyBytes = 8 << 20
    /// Seconds a connection may send nothing (between requests, or before its headers are
    /// complete) before it is closed.
    public var idleTimeout = 60.0
    /// Seconds a request body may take to arrive in full (408 after).
    public var bodyTimeout = 30.0
    /// Open connections served at once; further ones wait in the kernel's accept queue until one
    /// closes. Kept below the process's descriptor limit so the store, journal and probes always
    /// have descriptors.
    public var maxConnections = 512
    /// Bearer token required on `POST /v1/events` (nil: none). Prefer the environment variable.
    public var ingestToken: String?
    public var models: [ModelConfig] = []
    public var sources: [SourceConfig] = []
    public var alerting = AlertingConfig()
    public var logLevel = "info"

    public init() {}

    public var journalPath: String { journal ?? store + ".journal" }

    /// Environment variables that override secrets and endpoints: `DRIFTWATCH_INGEST_TOKEN`,
    /// `DRIFTWATCH_ALERTMANAGERS` and `DRIFTWATCH_WEBHOOKS` (comma-separated URLs),
    /// `DRIFTWATCH_LISTEN` (host:port), `DRIFTWATCH_STORE`.
    public static let environmentKeys = [
        "DRIFTWATCH_INGEST_TOKEN", "DRIFTWATCH_ALERTMANAGERS",
        "DRIFTWATCH_WEBHOOKS", "DRIFTWATCH_LISTEN", "DRIFTWATCH_STORE",
    ]

    /// This configuration with the environment's overrides applied (then validated again).
    public func applying(environment env: [String: String]) throws -> SidecarConfig {
        var c = self
        if let t = env["DRIFTWATCH_INGEST_TOKEN"], !t.isEmpty { c.ingestToken = t }
        if let a = env["DRIFTWATCH_ALERTMANAGERS"] { c.alerting.alertmanagers = Self.list(a) }
        if let w = env["DRIFTWATCH_WEBHOOKS"] { c.alerting.webhooks = Self.list(w).map { WebhookConfig(url: $0) } }
        if let l = env["DRIFTWATCH_LISTEN"] {
            guard let (h, p) = Self.hostPort(l) else {
                throw ConfigError(key: "DRIFTWATCH_LISTEN", "expected host:port, found \"\(l)\"")
            }
            c.listenHost = h
            c.listenPort = p
        }
        if let s = env["DRIFTWATCH_STORE"], !s.isEmpty { c.store = s }
        try c.alerting.resolveSecrets(env)
        try c.validate()
        return c
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func hostPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// Checks every key's own rule (from the sections' tables) and the rules across keys; each
    /// error names its key.
    public func validate() throws { try check(at: "") }

    /// The model a record without a `model` field belongs to: the only one, else none.
    public var defaultModel: String? { models.count == 1 ? models[0].name : nil }
}
