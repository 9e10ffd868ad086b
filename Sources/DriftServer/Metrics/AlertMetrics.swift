import DriftAlerting
import DriftCore
import Prometheus
import Synchronization

/// Alerting metrics, registered up front (labels from the configuration and the alert catalog,
/// never from input): `driftwatch_alerts{model,alertname,state}`,
/// `driftwatch_notifications_total{receiver,outcome}`, `driftwatch_alert_outbox_notifications`
/// and `driftwatch_alert_outbox_oldest_age_seconds` {receiver}.
final class AlertMetrics: Sendable {
    typealias Outcome = NotificationOutcome

    private let alerts: [String: [String: [AlertState: Gauge]]]
    private let notifications: [String: [Outcome: Counter]]
    private let depth: [String: Gauge]
    private let oldest: [String: Gauge]

    init(registry r: PrometheusCollectorRegistry, models: [String], receivers: [String]) {
        var alerts: [String: [String: [AlertState: Gauge]]] = [:]
        for m in models {
            for def in AlertCatalog.direct {
                for s in [AlertState.pending, .firing] {
                    alerts[m, default: [:]][def.name, default: [:]][s] = r.makeGauge(
                        descriptor: MetricCatalog.alerts.descriptor,
                        labels: [("model", m), ("alertname", def.name), ("state", s.rawValue)])
                }
            }
        }
        self.alerts = alerts
        var n: [String: [Outcome: Counter]] = [:], depth: [String: Gauge] = [:], oldest: [String: Gauge] = [:]
        for rcv in receivers {
            for o in Outcome.allCases {
                n[rcv, default: [:]][o] = r.makeCounter(
                    descriptor: MetricCatalog.notifications.descriptor,
                    labels: [("receiver", rcv), ("outcome", o.rawValue)])
            }
            depth[rcv] = r.makeGauge(
                descriptor: MetricCatalog.outboxDepth.descriptor,
                labels: [("receiver", rcv)])
            oldest[rcv] = r.makeGauge(
                descriptor: MetricCatalog.outboxAge.descriptor,
                labels: [("receiver", rcv)])
        }
        notifications = n
        self.depth = depth
        self.oldest = oldest
    }

    func setCounts(model: String, _ counts: [String: [AlertState: Int]]) {
        guard let byName = alerts[model] else { return }
        for (name, gauges) in byName {
            for (state, g) in gauges { g.set(Double(counts[name]?[state] ?? 0)) }
        }
    }

    func count(_ receiver: String, _ outcome: Outcome) {
        notifications[receiver]?[outcome]?.increment()
    }

    func setOutbox(_ receiver: String, count: Int, oldestAge: Double) {
        depth[receiver]?.set(Double(count))
        oldest[receiver]?.set(oldestAge)
    }
}
