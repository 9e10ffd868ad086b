import DriftAlerting
import DriftCore
import Foundation
import Testing

/// The alert state machine, driven by hand-made observations and times (no clock, no sockets).
@Suite("Alert engine")
struct AlertEngineTests {
    static let drift: AlertLabels = [
        "alertname": "DriftwatchFeatureDrift", "model": "iris", "feature": "petal_length",
        "severity": "warning", "source": "sidecar",
    ]
    static let other: AlertLabels = [
        "alertname": "DriftwatchDatasetDrift", "model": "iris", "severity": "critical", "source": "sidecar",
    ]

    static func settings(
        for pending: Double = 60, resolveAfter: Int = 3, webhooks: [String: Double] = [:]
    ) -> AlertEngine.Settings {
        .init(
            forDuration: pending, resolveAfter: resolveAfter, resendInterval: 60, resolvedRetention: 900,
            evaluationInterval: 15, webhooks: webhooks, sendsToAlertmanagers: true)
    }

    static func firing(_ labels: AlertLabels...) -> AlertObservation {
        AlertObservation(
            conditions: labels.map { AlertCondition(labels: $0, annotations: ["summary": "s"], value: 0.3) })
    }

    static let clean = AlertObservation(conditions: [])

    static func sent(_ actions: [AlertAction]) -> [AlertInstance] {
        actions.flatMap { if case .sendToAlertmanagers(let a) = $0 { return a } else { return [] } }
    }

    static func notices(_ actions: [AlertAction]) -> [AlertGroupNotice] {
        actions.compactMap { if case .notifyWebhook(let n) = $0 { return n } else { return nil } }
    }

    @Test("pending until `for` has elapsed, then firing; startsAt is the firing time, endsAt now + 4 x max(15s, 1m)")
    func pendingThenFiring() {
        var e = AlertEngine(settings: Self.settings())
        #expect(Self.sent(e.observe(Self.firing(Self.drift), at: 1000)).isEmpty)
        #expect(Self.sent(e.observe(Self.firing(Self.drift), at: 1045)).isEmpty)
        #expect(e.counts()["DriftwatchFeatureDrift"]?[.pending] == 1)
        let actions = e.observe(Self.firing(Self.drift), at: 1060)
        let out = Self.sent(actions)
        #expect(out.count == 1)
        #expect(out.first?.state == .firing && out.first?.startsAt == 1060 && out.first?.endsAt == 1060 + 240)
        #expect(
            actions.contains(
                .transition(
                    fingerprint: AlertFingerprint.of(Self.drift), alertname: "DriftwatchFeatureDrift",
                    from: .pending, to: .firing)))
    }

    @Test("one noisy evaluation never fires: the pending alert is dropped when the condition clears")
    func noise() {
        var e = AlertEngine(settings: Self.settings())
        _ = e.observe(Self.firing(Self.drift), at: 0)
        var all: [AlertAction] = []
        for t in stride(from: 15.0, through: 300, by: 15) { all += e.observe(Self.clean, at: t) }
        #expect(Self.sent(all).isEmpty)
        #expect(e.state.alerts.isEmpty)
    }

    @Test("firing alerts are re-sent every resend_interval, not every evaluation")
    func resend() {
        var e = AlertEngine(settings: Self.settings(for: 0))
        var sendTimes: [Double] = []
        for t in stride(from: 0.0, through: 180, by: 15)
        where !Self.sent(e.observe(Self.firing(Self.drift), at: t)).isEmpty {
            sendTimes.append(t)
        }
        #expect(sendTimes == [0, 60, 120, 180])
    }

    @Test("resolve hysteresis: resolved only after 3 clean evaluations in a row; a relapse resets the count")
    func hysteresis() {
        var e = AlertEngine(settings: Self.settings(for: 0, resolveAfter: 3))
        _ = e.observe(Self.firing(Self.drift), at: 0)
        _ = e.observe(Self.clean, at: 15)
        _ = e.observe(Self.clean, at: 30)
        _ = e.observe(Self.firing(Self.drift), at: 45)  // relapse
        _ = e.observe(Self.clean, at: 60)
        _ = e.observe(Self.clean, at: 75)
        #expect(e.counts()["DriftwatchFeatureDrift"]?[.firing] == 1)
        let out = Self.sent(e.observe(Self.clean, at: 90))
        #expect(out.count == 1 && out.first?.state == .resolved && out.first?.endsAt == 90 && out.first?.startsAt == 0)
        #expect(e.counts()["DriftwatchFeatureDrift"] == nil)
    }

    @Test("resolved alerts are re-sent for 15 minutes, then forgotten")
    func resolvedRetention() {
        var e = AlertEngine(settings: Self.settings(for: 0, resolveAfter: 1))
        _ = e.observe(Self.firing(Self.drift), at: 0)
        var resolvedSends: [Double] = []
        for t in stride(from: 30.0, through: 1200, by: 30) {
            for a in Self.sent(e.observe(Self.clean, at: t)) where a.state == .resolved {
                #expect(a.endsAt == 30)
                resolvedSends.append(t)
            }
        }
        #expect(resolvedSends.first == 30 && resolvedSends.last! < 30 + 900 && resolvedSends.count == 15)
        #expect(e.state.alerts.isEmpty)
    }

    @Test("an inconclusive evaluation (too little data) neither resolves nor counts as clean")
    func inconclusive() {
        var e = AlertEngine(settings: Self.settings(for: 0, resolveAfter: 2))
        _ = e.observe(Self.firing(Self.drift), at: 0)
        let unsure = AlertObservation(conditions: [], inconclusive: [AlertFingerprint.of(Self.drift)])
        for t in stride(from: 15.0, through: 150, by: 15) { _ = e.observe(unsure, at: t) }
        #expect(e.counts()["DriftwatchFeatureDrift"]?[.firing] == 1)
        _ = e.observe(Self.clean, at: 165)
        #expect(e.counts()["DriftwatchFeatureDrift"]?[.firing] == 1)
        _ = e.observe(Self.clean, at: 180)
        #expect(e.counts()["DriftwatchFeatureDrift"] == nil)
    }

    @Test("an alert inconclusive for resolve_inconclusive_after (900s) in a row resolves")
    func inconclusiveTimeout() {
        var e = AlertEngine(settings: Self.settings(for: 0, resolveAfter: 2))
        _ = e.observe(Self.firing(Self.drift), at: 0)
        let unsure = AlertObservation(conditions: [], inconclusive: [AlertFingerprint.of(Self.drift)])
        _ = e.observe(unsure, at: 100)  // inconclusive since 100
        _ = e.observe(Self.firing(Self.drift), at: 200)  // judged again: the clock restarts
        var resolvedAt: Double?
        for t in stride(from: 300.0, through: 1500, by: 100) {
            for a in Self.sent(e.observe(unsure, at: t)) where a.state == .resolved { resolvedAt = resolvedAt ?? t }
        }
        #expect(resolvedAt == 1200)
    }

    @Test("alerts are deduplicated by label set; label order does not matter")
    func dedup() {
        var e = AlertEngine(settings: Self.settings(for: 0))
        var reordered = AlertLabels()
        for (k, v) in Self.drift.sorted(by: { $0.key > $1.key }) { reordered[k] = v }
        let out = Self.sent(e.observe(Self.firing(Self.drift, reordered, Self.other), at: 0))
        #expect(out.count == 2)
        #expect(Set(out.map(\.fingerprint)).count == 2)
    }

    @Test("webhooks: notified when the firing set changes and when the repeat interval passes; resolved alerts once")
    func webhook() {
        var e = AlertEngine(settings: Self.settings(for: 0, resolveAfter: 1, webhooks: ["hook": 3600]))
        let first = Self.notices(e.observe(Self.firing(Self.drift), at: 0))
        #expect(first.count == 1 && first[0].firing && first[0].alerts.map(\.labels) == [Self.drift])
        #expect(Self.notices(e.observe(Self.firing(Self.drift), at: 60)).isEmpty)
        let grown = Self.notices(e.observe(Self.firing(Self.drift, Self.other), at: 120))
        #expect(grown.count == 1 && grown[0].alerts.count == 2)
        let repeated = Self.notices(e.observe(Self.firing(Self.drift, Self.other), at: 120 + 3600))
        #expect(repeated.count == 1 && repeated[0].alerts.count == 2)
        let resolved = Self.notices(e.observe(Self.clean, at: 3800))
        #expect(resolved.count == 1 && !resolved[0].firing && resolved[0].alerts.allSatisfy { $0.state == .resolved })
        #expect(Self.notices(e.observe(Self.clean, at: 3900)).isEmpty)
    }

    @Test("the state survives encoding: a restored engine neither re-waits `for` nor re-sends early")
    func restore() throws {
        var e = AlertEngine(settings: Self.settings())
        _ = e.observe(Self.firing(Self.drift), at: 0)
        _ = e.observe(Self.firing(Self.drift), at: 60)  // fires and is sent
        let data = try JSONEncoder().encode(e.state)
        var restored = AlertEngine(
            settings: Self.settings(), state: try JSONDecoder().decode(AlertEngine.State.self, from: data))
        #expect(restored == e)
        #expect(Self.sent(restored.observe(Self.firing(Self.drift), at: 90)).isEmpty)
        let out = Self.sent(restored.observe(Self.firing(Self.drift), at: 120))
        #expect(out.count == 1 && out[0].startsAt == 60)
    }

    @Test("fingerprints follow Prometheus's FNV-1a label-set hash")
    func fingerprint() {
        // FNV-1a 64 offset basis for the empty set; the other value computed by hand with Python
        // from the algorithm (sorted names, name 0xff value 0xff).
        #expect(AlertFingerprint.of([:]) == "cbf29ce484222325")
        #expect(AlertFingerprint.of(Self.drift) == "52a9bf9841dac73f")
    }

    @Test("annotation templates render as Prometheus's printf, humanizePercentage and humanizeDuration do")
    func templates() {
        #expect(AlertCatalog.humanizeDuration(180) == "3m 0s")
        #expect(AlertCatalog.humanizeDuration(3723) == "1h 2m 3s")
        // Beyond Int64 seconds (an extreme multivariate value reached this and trapped).
        #expect(AlertCatalog.humanizeDuration(1e200) == "1e+200s" && AlertCatalog.humanizeDuration(-1e19) == "-1e+19s")
        #expect(AlertCatalog.humanizeDuration(12.5) == "12.5s")
        #expect(AlertCatalog.humanizeDuration(0.0995) == "99.5ms")
        #expect(AlertCatalog.humanizeDuration(90061) == "1d 1h 1m 1s")
        let text = AlertCatalog.render(
            "{{ $labels.feature }}: {{ $value | printf \"%.3f\" }} / {{ $value | humanizePercentage }}",
            labels: ["feature": "x"], value: 0.047619047619)
        #expect(text == "x: 0.048 / 4.762%")
    }

    @Test("Alertmanager and webhook bodies carry the fields receivers read")
    func payloads() throws {
        let a = AlertInstance(
            fingerprint: AlertFingerprint.of(Self.drift), labels: Self.drift, annotations: ["summary": "s"],
            state: .firing, value: 0.3, startsAt: 0, endsAt: 240.5)
        let am =
            try JSONSerialization.jsonObject(
                with: AlertPayloads.alertmanager([a], generatorURL: "http://h:1/v1/drift/iris")) as? [[String: Any]]
        #expect(am?.first?["startsAt"] as? String == "1970-01-01T00:00:00.000Z")
        #expect(am?.first?["endsAt"] as? String == "1970-01-01T00:04:00.500Z")
        #expect(am?.first?["generatorURL"] as? String == "http://h:1/v1/drift/iris")
        #expect((am?.first?["labels"] as? [String: String]) == Self.drift)
        var r = a
        r.state = .resolved
        r.labels["feature"] = "sepal_width"
        let notice = AlertGroupNotice(receiver: "hook", firing: true, alerts: [a, r])
        let body =
            try JSONSerialization.jsonObject(
                with: AlertPayloads.webhook(
                    notice, model: "iris", externalURL: "http://h:1",
                    generatorURL: "http://h:1/v1/drift/iris")) as? [String: Any]
        #expect(
            body?["version"] as? String == "4" && body?["status"] as? String == "firing"
                && body?["receiver"] as? String == "hook")
        #expect(body?["groupKey"] as? String == "{}:{model=\"iris\"}")
        var common = Self.drift
        common["feature"] = nil
        #expect((body?["commonLabels"] as? [String: String]) == common)
        let alerts = body?["alerts"] as? [[String: Any]]
        #expect(alerts?.map { $0["status"] as? String } == ["firing", "resolved"])
        #expect(alerts?.first?["endsAt"] as? String == "0001-01-01T00:00:00Z")
        #expect(alerts?.first?["fingerprint"] as? String == "52a9bf9841dac73f")
    }

    @Test("a report's verdicts become conditions with rendered annotations; too little data is inconclusive")
    func fromReport() throws {
        let baseline = try VerdictTests.build(20_000, seed: 3)
        var alerting = AlertingConfig()
        alerting.labels = ["team": "ml"]
        let drifted = try VerdictTests.evaluate(baseline, n: 5000, seed: 4, shift: 1.0)
        let psi = try #require(drifted.features[0].tests.psi?.value)
        let obs = AlertObservation(report: drifted, alerting: alerting)
        let drift = try #require(obs.conditions.first { $0.labels["alertname"] == "DriftwatchFeatureDrift" })
        #expect(
            drift.labels == [
                "alertname": "DriftwatchFeatureDrift", "severity": "warning", "model": "m", "feature": "x",
                "source": "sidecar", "team": "ml",
            ])
        #expect(drift.value == psi)
        #expect(
            drift.annotations["description"]?.contains(String(format: "where PSI does not run: %.3f)", psi)) == true)
        #expect(drift.annotations["runbook_url"]?.hasSuffix("#driftwatchfeaturedrift") == true)
        #expect(
            !obs.conditions.contains {
                $0.labels["feature"] == "c" && $0.labels["alertname"] == "DriftwatchFeatureDrift"
            })

        // Invalid values (wrong types no longer refuse their record): over invalid_ratio_increase
        // (0.01) above the baseline's raises DriftwatchInvalidValues, with the increase as value.
        var invalid = drifted
        invalid.features[0].quality.invalidRatio = 0.05
        invalid.features[1].quality.invalidRatio = 0.009
        let byInvalid = AlertObservation(report: invalid, alerting: alerting).conditions.filter {
            $0.labels["alertname"] == "DriftwatchInvalidValues"
        }
        #expect(byInvalid.map { $0.labels["feature"] } == ["x"] && byInvalid.first?.value == 0.05)
        #expect(
            byInvalid.first?.annotations["description"]?.hasPrefix("5% more of the values of x are invalid") == true)
        #expect(!obs.conditions.contains { $0.labels["alertname"] == "DriftwatchInvalidValues" })

        let small = try VerdictTests.evaluate(baseline, n: 50, seed: 5, shift: 1.0)  // under min_samples (100)
        let unsure = AlertObservation(report: small, alerting: alerting)
        #expect(!unsure.conditions.contains { $0.labels["alertname"] == "DriftwatchFeatureDrift" })
        #expect(unsure.inconclusive.contains(AlertFingerprint.of(drift.labels)))
    }
}
