@testable import DriftAlerting
@testable import DriftConfig
@testable import DriftCore
import Foundation
import Testing

/// Configuration values, strict keys, validation messages that name the key.
@Suite("Sidecar config")
struct SidecarConfigTests {
    func decode(_ json: String) throws -> SidecarConfig {
        let c = try JSONDecoder().decode(SidecarConfig.self, from: Data(json.utf8))
        try c.validate()
        return c
    }

    func error(_ json: String) -> String {
        do { _ = try decode(json); return "no error" } catch { return "\(error)" }
    }

    @Test("durations and sizes")
    func values() {
        #expect(
            ConfigValues.seconds("30s") == 30 && ConfigValues.seconds("10m") == 600
                && ConfigValues.seconds("1h") == 3600)
        #expect(
            ConfigValues.seconds("250ms") == 0.25 && ConfigValues.seconds("1m30s") == 90
                && ConfigValues.seconds("15") == 15)
        #expect(
            ConfigValues.seconds("10 minutes") == nil && ConfigValues.seconds("") == nil
                && ConfigValues.seconds("-5s") == nil)
        #expect(
            ConfigValues.bytes("8MiB") == 8 << 20 && ConfigValues.bytes("512KiB") == 512 << 10
                && ConfigValues.bytes("10MB") == 10_000_000)
        #expect(ConfigValues.bytes("lots") == nil)
        #expect(ConfigValues.format(seconds: 90) == "1m30s" && ConfigValues.format(seconds: 0.25) == "250ms")
    }

    @Test("a full config decodes with defaults for omitted keys")
    func full() throws {
        let c = try decode(
            """
            {"listen": "0.0.0.0:9500", "store": "s.sqlite", "checkpoint_every": "5s", "max_body_bytes": "1MiB",
             "models": [{"name": "iris", "baseline": 3, "window": {"mode": "tumbling", "max_records": 500, "max_age": "1m"},
                         "evaluate_every": "2s", "min_samples": 50, "thresholds": {"psi": 0.2},
                         "features": {"x": {"ignore": true}}},
                        {"name": "other"}],
             "sources": [{"kind": "tail", "path": "/tmp/p.jsonl", "model": "iris", "poll_interval": "100ms"}],
             "alerting": {"alertmanagers": ["http://127.0.0.1:9093"], "webhooks": [{"url": "https://h/x"}]}}
            """)
        #expect(
            c.listenHost == "0.0.0.0" && c.listenPort == 9500 && c.checkpointEvery == 5 && c.maxBodyBytes == 1 << 20)
        #expect(c.journalPath == "s.sqlite.journal")
        let m = c.models[0]
        #expect(m.baseline == "3" && m.window.mode == .tumbling && m.window.maxRecords == 500 && m.window.maxAge == 60)
        #expect(m.evaluateEvery == 2 && m.evaluation.minSamples == 50 && m.evaluation.thresholds[effect: .psi] == 0.2)
        #expect(m.evaluation.features["x"]?.ignore == true)
        #expect(
            c.models[1].window.maxRecords == 10_000 && c.models[1].window.maxAge == 600
                && c.models[1].evaluateEvery == 15)
        #expect(c.sources[0].pollInterval == 0.1 && c.sources[0].startAt == .beginning)
        #expect(c.defaultModel == nil)
    }

    @Test("errors name the key")
    func errors() {
        #expect(error(#"{"models": []}"#).hasPrefix("models:"))
        #expect(error(#"{"models": [{"name": "a", "windw": {}}]}"#).hasPrefix("models[0].windw: unknown key"))
        #expect(
            error(#"{"models": [{"name": "a", "window": {"max_age": "10 minutes"}}]}"#).hasPrefix(
                "models[0].window.max_age:"))
        #expect(
            error(#"{"models": [{"name": "a", "window": {"max_records": 0}}]}"#).hasPrefix(
                "models[0].window.max_records:"))
        #expect(
            error(#"{"models": [{"name": "a", "window": {"max_bytes": "512KiB"}}]}"#).hasPrefix(
                "models[0].window.max_bytes: must be at least 1MiB"))
        #expect(
            error(#"{"models": [{"name": "a", "window": {"max_bytes": "lots"}}]}"#).hasPrefix(
                "models[0].window.max_bytes:"))
        #expect(error(#"{"models": [{"name": "a"}, {"name": "a"}]}"#).hasPrefix("models[1].name: duplicate"))
        #expect(error(#"{"models": [{"name": "a b"}]}"#).hasPrefix("models[0].name:"))
        #expect(
            error(#"{"models": [{"name": "a"}], "sources": [{"path": "/x", "model": "b"}]}"#).hasPrefix(
                "sources[0].model:"))
        #expect(
            error(#"{"models": [{"name": "a"}], "sources": [{"kind": "kafka", "path": "/x", "model": "a"}]}"#)
                .hasPrefix("sources[0].kind:"))
        #expect(
            error(#"{"models": [{"name": "a"}], "alerting": {"alertmanagers": ["ftp://x"]}}"#).hasPrefix(
                "alerting.alertmanagers[0]:"))
        #expect(error(#"{"models": [{"name": "a"}], "listen": "nonsense"}"#).hasPrefix("listen:"))
        #expect(error(#"{"models": [{"name": "a", "thresholds": {"significance": 2}}]}"#).contains("significance"))
        // Misspelt keys inside a model's evaluation were ignored (the default applied silently).
        #expect(
            error(#"{"models": [{"name": "a", "thresholds": {"psy": 0.2}}]}"#).hasPrefix(
                "models[0].thresholds.psy: unknown key"))
        #expect(
            error(#"{"models": [{"name": "a", "features": {"x": {"ignre": true}}}]}"#).hasPrefix(
                "models[0].features.x.ignre: unknown key"))
    }

    @Test("environment variables override secrets and endpoints")
    func environment() throws {
        let c = try decode(#"{"models": [{"name": "a"}], "ingest_token": "file-token"}"#)
        let e = try c.applying(environment: [
            "DRIFTWATCH_INGEST_TOKEN": "env-token", "DRIFTWATCH_ALERTMANAGERS": "http://a:9093, http://b:9093",
            "DRIFTWATCH_LISTEN": "127.0.0.1:1234",
        ])
        #expect(
            e.ingestToken == "env-token" && e.alerting.alertmanagers == ["http://a:9093", "http://b:9093"]
                && e.listenPort == 1234)
        #expect(throws: ConfigError.self) { try c.applying(environment: ["DRIFTWATCH_LISTEN": "x"]) }
        #expect(try c.applying(environment: [:]).ingestToken == "file-token")
    }

    @Test("alerting: timings, thresholds, webhooks with headers and an HMAC secret from the environment")
    func alerting() throws {
        let c = try decode(
            """
            {"models": [{"name": "a"}],
             "alerting": {"alertmanagers": ["http://am:9093/"], "for": "2s", "resolve_after": 2, "resend_interval": "30s",
                          "labels": {"team": "ml"}, "thresholds": {"latency_p99": "100ms", "unseen_ratio": 0.2},
                          "webhooks": ["http://h:8080/plain",
                                       {"url": "https://h/x", "name": "oncall", "headers": {"Authorization": "Bearer t"},
                                        "hmac_secret_env": "HOOK_SECRET", "repeat_interval": "1h"}]}}
            """)
        let a = c.alerting
        #expect(a.forDuration == 2 && a.resolveAfter == 2 && a.resendInterval == 30 && a.labels == ["team": "ml"])
        #expect(a.thresholds.latencyP99 == 0.1 && a.thresholds.unseenRatio == 0.2 && a.thresholds.errorRatio == 0.05)
        #expect(
            a.webhooks.map(\.receiver) == ["webhook:h:8080/plain", "oncall"] && a.webhooks[1].repeatInterval == 3600)
        #expect(AlertingConfig.alertmanagerReceiver(a.alertmanagers[0]) == "alertmanager:am:9093")
        #expect(try c.applying(environment: ["HOOK_SECRET": "s3"]).alerting.webhooks[1].hmacSecret == "s3")
        #expect(throws: ConfigError.self) { try c.applying(environment: [:]) }
        #expect(
            error(#"{"models": [{"name": "a"}], "alerting": {"labels": {"severity": "x"}}}"#).hasPrefix(
                "alerting.labels.severity:"))
        #expect(
            error(#"{"models": [{"name": "a"}], "alerting": {"resolve_after": 0}}"#).hasPrefix(
                "alerting.resolve_after:"))
        #expect(
            error(#"{"models": [{"name": "a"}], "alerting": {"thresholds": {"unseen": 1}}}"#).hasPrefix(
                "alerting.thresholds.unseen:"))
        #expect(
            error(
                #"{"models": [{"name": "a"}], "alerting": {"webhooks": [{"url": "http://h/a"}, {"url": "http://h/a"}]}}"#
            )
            .hasPrefix("alerting.webhooks[1]:"))
    }
}

/// The configuration's tables: one declaration per key serves decoding, unknown-key refusal,
/// checks and `check-config`'s summary.
@Suite("Config tables")
struct ConfigTableTests {
    static let full = """
        {"models": [{"name": "a", "window": {"mode": "tumbling"}}],
         "sources": [{"path": "/tmp/p.jsonl", "model": "a"}],
         "alerting": {"alertmanagers": ["http://am:9093"], "webhooks": [{"url": "https://h/x", "hmac_secret": "s"}]}}
        """

    @Test("the summary shows exactly the keys each section reads, at every depth; secrets are redacted")
    func summaryKeys() throws {
        let c = try JSONDecoder().decode(SidecarConfig.self, from: Data(Self.full.utf8))
        try c.validate()
        let s = c.effectiveSummary()
        #expect(Set(s.keys) == Set(SidecarConfig.table.map(\.name)))
        let model = try #require((s["models"] as? [[String: Any]])?.first)
        #expect(Set(model.keys) == Set(ModelConfig.table.map(\.name) + EvaluationSettings.keys))
        #expect(Set(try #require(model["window"] as? [String: Any]).keys) == Set(WindowConfig.table.map(\.name)))
        let source = try #require((s["sources"] as? [[String: Any]])?.first)
        #expect(Set(source.keys) == Set(SourceConfig.table.map(\.name)))
        let alerting = try #require(s["alerting"] as? [String: Any])
        #expect(Set(alerting.keys) == Set(AlertingConfig.table.map(\.name)))
        let thresholds = try #require(alerting["thresholds"] as? [String: Any])
        #expect(Set(thresholds.keys) == Set(AlertThresholds.table.map(\.name)))
        let hook = try #require((alerting["webhooks"] as? [[String: Any]])?.first)
        #expect(Set(hook.keys) == Set(WebhookConfig.table.map(\.name)))
        #expect(hook["hmac_secret"] as? String == "(set, redacted)")
    }

    @Test("an unknown key is refused at every depth, named by its path")
    func unknownEverywhere() {
        let cases: [(String, String)] = [
            (#"{"models": [{"name": "a"}], "bogus": 1}"#, "bogus"),
            (#"{"models": [{"name": "a", "bogus": 1}]}"#, "models[0].bogus"),
            (#"{"models": [{"name": "a", "window": {"bogus": 1}}]}"#, "models[0].window.bogus"),
            (#"{"models": [{"name": "a", "thresholds": {"bogus": 1}}]}"#, "models[0].thresholds.bogus"),
            (#"{"models": [{"name": "a", "features": {"x": {"bogus": 1}}}]}"#, "models[0].features.x.bogus"),
            (
                #"{"models": [{"name": "a"}], "sources": [{"path": "/p", "model": "a", "bogus": 1}]}"#,
                "sources[0].bogus"
            ),
            (#"{"models": [{"name": "a"}], "alerting": {"bogus": 1}}"#, "alerting.bogus"),
            (#"{"models": [{"name": "a"}], "alerting": {"thresholds": {"bogus": 1}}}"#, "alerting.thresholds.bogus"),
            (
                #"{"models": [{"name": "a"}], "alerting": {"webhooks": [{"url": "http://h", "bogus": 1}]}}"#,
                "alerting.webhooks[0].bogus"
            ),
        ]
        for (json, key) in cases {
            let message: String
            do {
                _ = try JSONDecoder().decode(SidecarConfig.self, from: Data(json.utf8))
                message = "no error"
            } catch { message = "\(error)" }
            #expect(message.hasPrefix("\(key): unknown key"), "\(json) → \(message)")
        }
    }

    @Test("every key of every table is documented in config/driftwatch.example.yaml")
    func documented() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/driftwatch.example.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        let names =
            SidecarConfig.table.map(\.name) + ModelConfig.table.map(\.name) + EvaluationSettings.keys
            + WindowConfig.table.map(\.name) + SourceConfig.table.map(\.name) + AlertingConfig.table.map(\.name)
            + AlertThresholds.table.map(\.name) + WebhookConfig.table.map(\.name) + Thresholds.keys
        for name in names { #expect(text.contains("\(name):"), "\(name) is not in the example config") }
    }
}
