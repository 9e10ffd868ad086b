import DriftAlerting
import DriftCore
@testable import DriftServer
import DriftStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The sidecar's direct alerting in process: evaluation -> engine -> outbox (no receiver needed),
/// the alert metrics, the restored state, the signature and the backoff.
@Suite("Direct alerting")
struct AlertingTests {
    @Test("drifted data queues an Alertmanager message and a webhook notice; state and queue survive a reopen")
    func queue() async throws {
        var f = try Fixture()
        defer { f.cleanup() }
        f.config.alerting.alertmanagers = ["http://127.0.0.1:9/"]
        f.config.alerting.webhooks = [WebhookConfig(url: "http://127.0.0.1:9/hook")]
        f.config.alerting.forDuration = 0
        f.config.alerting.labels = ["team": "ml"]
        let sidecar = try f.open(clock: { 1_800_000_000 })
        let app = Application(router: buildRouter(sidecar))
        try await app.test(.router) { client in
            _ = try await client.execute(
                uri: "/v1/events", method: .post, headers: [.contentType: "application/x-ndjson"],
                body: ByteBuffer(string: Fixture.events(2000, shift: 3)))
            sidecar.evaluate(sidecar.runtimes[0])
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(text.contains(#"driftwatch_alerts{model="m",alertname="DriftwatchFeatureDrift",state="firing"} 1"#))
            #expect(
                text.contains(
                    #"driftwatch_notifications_total{receiver="alertmanager:127.0.0.1:9",outcome="delivered"} 0"#))
        }
        let am = try #require(try sidecar.store.outboxHead(receiver: "alertmanager:127.0.0.1:9"))
        let alerts = try #require(try JSONSerialization.jsonObject(with: am.body) as? [[String: Any]])
        let x = try #require(alerts.first { ($0["labels"] as? [String: String])?["feature"] == "x" })
        #expect(
            (x["labels"] as? [String: String]) == [
                "alertname": "DriftwatchFeatureDrift", "severity": "warning", "model": "m",
                "feature": "x", "source": "sidecar", "team": "ml",
            ])
        #expect(x["startsAt"] as? String == "2027-01-15T08:00:00.000Z")
        #expect(x["endsAt"] as? String == "2027-01-15T08:04:00.000Z")  // + 4 x max(15s, 1m)
        #expect(x["generatorURL"] as? String == "http://127.0.0.1:9464/v1/drift/m")
        let hook = try #require(try sidecar.store.outboxHead(receiver: "webhook:127.0.0.1:9/hook"))
        let notice = try #require(try JSONSerialization.jsonObject(with: hook.body) as? [String: Any])
        #expect(notice["status"] as? String == "firing" && notice["version"] as? String == "4")

        // Reopened (a restart): the engine remembers the alert fired, so nothing new is queued yet.
        let reopened = try f.open(clock: { 1_800_000_010 })
        let before = try reopened.store.outboxDepth(now: 1_800_000_010)
        reopened.evaluate(reopened.runtimes[0])
        #expect(
            try reopened.store.outboxDepth(now: 1_800_000_010)["alertmanager:127.0.0.1:9"]?.count
                == before["alertmanager:127.0.0.1:9"]?.count)
        // The restored state is what driftwatch_alerts shows from the start.
        #expect(
            String(decoding: reopened.metrics.render(), as: UTF8.self)
                .contains(#"driftwatch_alerts{model="m",alertname="DriftwatchFeatureDrift",state="firing"} 1"#))
    }

    @Test("webhook signature is HMAC-SHA256 of the body (value from Python's hmac module)")
    func signature() {
        #expect(
            AlertDispatcher.signature(Data(#"{"alerts":[]}"#.utf8), secret: "e2e-secret")
                == "69aff49f2ea80df0390548b01c3423ce449ba3af8ecd2b361646a79d3f7c5e99")
    }
}
