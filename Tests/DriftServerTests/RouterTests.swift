import DriftCore
@testable import DriftServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The HTTP interface, through Hummingbird's router test client (no sockets).
@Suite("HTTP routes")
struct RouterTests {
    static func object(_ r: TestResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as! [String: Any]
    }

    @Test("POST /v1/events: NDJSON, JSON array and single object are accepted with 202 and counts")
    func ingest() async throws {
        let f = try Fixture()
        defer { f.cleanup() }
        try await withApp(f) { sidecar, client in
            let nd = try await client.execute(
                uri: "/v1/events", method: .post, headers: [.contentType: "application/x-ndjson"],
                body: ByteBuffer(string: Fixture.events(300)))
            #expect(nd.status == .accepted)
            #expect(try Self.object(nd)["accepted"] as? Int == 300)
            let arr = try await client.execute(
                uri: "/v1/events", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(
                    string: #"[{"features":{"x":1}}, {"features":{"x":true}}, {"features":{"x":1},"status":[]}]"#))
            let o = try Self.object(arr)
            #expect(arr.status == .accepted && o["accepted"] as? Int == 2 && o["rejected"] as? Int == 1)
            // A wrong type in a feature: the record is kept, the value counted invalid.
            let invalid = (o["invalid"] as! [[String: Any]])[0]
            #expect(
                invalid["index"] as? Int == 1 && invalid["field"] as? String == "features.x"
                    && invalid["code"] as? String == "wrong_type")
            #expect(invalid["line"] == nil)
            // In the envelope: the record is refused.
            let err = (o["errors"] as! [[String: Any]])[0]
            #expect(
                err["index"] as? Int == 2 && err["field"] as? String == "status"
                    && err["code"] as? String == "wrong_type")
            let one = try await client.execute(
                uri: "/v1/events", method: .post, headers: [.contentType: "application/json; charset=utf-8"],
                body: ByteBuffer(string: #"{"features":{"c":"a"}}"#))
            #expect(try Self.object(one)["accepted"] as? Int == 1)
            #expect(sidecar.runtimes[0].windowRows == 303)
        }
    }

    @Test("415 on an unknown media type, 413 over the body limit, 400 on malformed JSON: nothing accepted, counted")
    func refusals() async throws {
        var f = try Fixture()
        f.config.maxBodyBytes = 4096
        defer { f.cleanup() }
        try await withApp(f) { sidecar, client in
            let t = try await client.execute(
                uri: "/v1/events", method: .post, headers: [.contentType: "text/csv"], body: ByteBuffer(string: "x\n1"))
            #expect(t.status == .unsupportedMediaType)
            let big = try await client.execute(
                uri: "/v1/events", method: .post, headers: [.contentType: "application/x-ndjson"],
                body: ByteBuffer(string: Fixture.events(100)))
            #expect(big.status == .contentTooLarge)
            #expect(try Self.object(big)["code"] as? String == "body_too_large")
            let bad = try await client.execute(
                uri: "/v1/events", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"[{"features":{"x":1}}, {"features""#))
            #expect(bad.status == .badRequest)
            #expect((try Self.object(bad)["error"] as? String)?.contains("byte") == true)
            #expect(sidecar.runtimes[0].windowRows == 0)
            let text = String(decoding: sidecar.metrics.render(), as: UTF8.self)
            for reason in ["unsupported_media_type", "body_too_large", "malformed_json"] {
                #expect(text.contains("driftwatch_events_rejected_total{model=\"m\",reason=\"\(reason)\"} 1"))
            }
        }
    }

    @Test("a bearer token is required when configured (401 without or with a wrong one)")
    func auth() async throws {
        var f = try Fixture()
        f.config.ingestToken = "s3cret"
        defer { f.cleanup() }
        try await withApp(f) { _, client in
            let body = ByteBuffer(string: #"{"features":{"x":1}}"#)
            let none = try await client.execute(
                uri: "/v1/events", method: .post, headers: [.contentType: "application/json"], body: body)
            #expect(none.status == .unauthorized && none.headers[.wwwAuthenticate] == "Bearer")
            let wrong = try await client.execute(
                uri: "/v1/events", method: .post,
                headers: [.contentType: "application/json", .authorization: "Bearer s3cre"], body: body)
            #expect(wrong.status == .unauthorized)
            let right = try await client.execute(
                uri: "/v1/events", method: .post,
                headers: [.contentType: "application/json", .authorization: "Bearer s3cret"], body: body)
            #expect(right.status == .accepted)
        }
    }

    @Test(
        "/metrics: exposition content type, HELP on every family, drift gauges after an evaluation; /v1/drift has the report"
    )
    func metricsAndDrift() async throws {
        let f = try Fixture()
        defer { f.cleanup() }
        try await withApp(f) { sidecar, client in
            let pending = try await client.execute(uri: "/v1/drift/m", method: .get)
            #expect(pending.status == .notFound)
            _ = try await client.execute(
                uri: "/v1/events", method: .post, headers: [.contentType: "application/x-ndjson"],
                body: ByteBuffer(string: Fixture.events(2000, shift: 3)))
            sidecar.evaluate(sidecar.runtimes[0])
            let m = try await client.execute(uri: "/metrics", method: .get)
            #expect(m.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            let text = String(buffer: m.body)
            let families = Set(
                text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
                    String(line.prefix { $0 != "{" && $0 != " " })
                        .replacingOccurrences(of: "_bucket", with: "").replacingOccurrences(of: "_sum", with: "")
                        .replacingOccurrences(of: "_count", with: "")
                })
            for family in families { #expect(text.contains("# HELP \(family) "), "no HELP for \(family)") }
            // Exactly the catalog's families (the README's metric reference), with its HELP and
            // TYPE; only the per-receiver ones are absent, as this sidecar has no receivers.
            let receiverFamilies: Set = [
                "driftwatch_notifications_total", "driftwatch_alert_outbox_notifications",
                "driftwatch_alert_outbox_oldest_age_seconds",
            ]
            #expect(families == Set(MetricCatalog.all.map(\.name)).subtracting(receiverFamilies))
            for m in MetricCatalog.all where families.contains(m.name) {
                #expect(text.contains("# HELP \(m.name) \(m.help)\n"), "HELP of \(m.name)")
                #expect(text.contains("# TYPE \(m.name) \(m.kind.rawValue)\n"), "TYPE of \(m.name)")
            }
            // Thresholds for the dashboard's lines: the defaults (PSI 0.1, KS D 0.1, α 0.05).
            #expect(text.contains("driftwatch_feature_psi_threshold{model=\"m\",feature=\"x\"} 0.1\n"))
            #expect(text.contains("driftwatch_feature_ks_statistic_threshold{model=\"m\",feature=\"x\"} 0.1\n"))
            #expect(text.contains("driftwatch_feature_significance_level{model=\"m\",feature=\"x\"} 0.05\n"))
            #expect(text.contains("driftwatch_window_capacity_samples{model=\"m\"} 10000"))
            #expect(text.contains("driftwatch_dataset_drift_share_threshold{model=\"m\"} 0.5\n"))
            // Series only where the test applies: KS for numeric, chi-square for categorical.
            #expect(text.contains("driftwatch_feature_chi2_p_value_adjusted{model=\"m\",feature=\"c\"}"))
            #expect(!text.contains("driftwatch_feature_chi2_statistic{model=\"m\",feature=\"x\"}"))
            #expect(!text.contains("driftwatch_feature_ks_statistic{model=\"m\",feature=\"c\"}"))
            #expect(!text.contains("driftwatch_feature_ks_p_value_adjusted{model=\"m\",feature=\"c\"}"))
            // x shifted by 3 on U(0, 10): drifts; y does not.
            #expect(text.contains("driftwatch_feature_drift{model=\"m\",feature=\"x\",test=\"ks\"} 1.0"))
            #expect(text.contains("driftwatch_feature_drift{model=\"m\",feature=\"y\",test=\"ks\"} 0.0"))
            #expect(text.contains("driftwatch_model_requests_total{model=\"m\",status=\"error\"} 200"))
            #expect(text.contains("driftwatch_model_predictions_total{model=\"m\",class=\"setosa\"} 1000"))
            #expect(text.contains("driftwatch_window_samples{model=\"m\"} 2000"))
            let d = try await client.execute(uri: "/v1/drift/m", method: .get)
            let report = try JSONDecoder().decode(DriftReport.self, from: Data(buffer: d.body))
            #expect(report.rows == 2000 && report.features.first { $0.name == "x" }?.drift == true)
            let all = try await client.execute(uri: "/v1/drift", method: .get)
            #expect(try JSONDecoder().decode([DriftReport].self, from: Data(buffer: all.body)).count == 1)
            let unknown = try await client.execute(uri: "/v1/drift/nope", method: .get)
            #expect(unknown.status == .notFound)
        }
    }

    @Test(
        "prediction classes are capped: beyond the limit they count as __other__; the baseline's own classes always keep theirs"
    )
    func classCap() async throws {
        var f = try Fixture()
        f.config.models[0].maxPredictionClasses = 3
        defer { f.cleanup() }
        try await withApp(f) { sidecar, client in
            let body = (0..<10).map { "{\"features\":{\"x\":1},\"prediction\":\"class\($0)\"}" }.joined(separator: "\n")
            _ = try await client.execute(
                uri: "/v1/events", method: .post, headers: [.contentType: "application/x-ndjson"],
                body: ByteBuffer(string: body))
            let text = String(decoding: sidecar.metrics.render(), as: UTF8.self)
            let classes = text.split(separator: "\n").filter { $0.hasPrefix("driftwatch_model_predictions_total{") }
            // The baseline's setosa and versicolor (at 0), class0…class2 under the cap, __other__.
            #expect(classes.count == 6)
            #expect(text.contains("class=\"__other__\"} 7"))
            #expect(text.contains("class=\"setosa\"} 0") && text.contains("class=\"versicolor\"} 0"))
            _ = try await client.execute(
                uri: "/v1/events", method: .post, headers: [.contentType: "application/x-ndjson"],
                body: ByteBuffer(string: "{\"features\":{\"x\":1},\"prediction\":\"setosa\"}"))
            #expect(String(decoding: sidecar.metrics.render(), as: UTF8.self).contains("class=\"setosa\"} 1\n"))
        }
    }

    @Test("/healthz and /readyz")
    func probes() async throws {
        let f = try Fixture()
        defer { f.cleanup() }
        try await withApp(f) { _, client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let r = try await client.execute(uri: "/readyz", method: .get)
            let ready = try Self.object(r)["ready"] as? Bool
            #expect(r.status == .ok && ready == true)
        }
    }
}
