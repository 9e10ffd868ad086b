import DriftAlerting
import DriftConfig
import DriftCore
import DriftStore
import Foundation
import Logging
import Synchronization

/// The sidecar's direct alerting: one `AlertEngine` per model, fed by each evaluation. The
/// engine decides; this class performs its actions: it turns them into Alertmanager and webhook
/// bodies and commits them to the SQLite outbox together with the engine's new state (one
/// transaction). Delivery itself is `AlertDispatcher`'s.
final class AlertCenter: Sendable {
    let config: AlertingConfig
    let store: Store
    let metrics: AlertMetrics
    let logger: Logger
    /// `externalURL` of webhook payloads; `generatorURL` is it + `/v1/drift/MODEL`.
    let externalURL: String
    /// Per model: how long a message to Alertmanager stays valid (its firing alerts' `endsAt` is
    /// creation + 4 × max(evaluate_every, resend_interval)).
    let alertmanagerValidity: [String: Double]
    /// One engine per model (one lock: an observation is cheap next to an evaluation).
    private let engines: Mutex<[String: AlertEngine]>

    init(config: SidecarConfig, store: Store, models: [ModelConfig], metrics: AlertMetrics, logger: Logger) {
        self.config = config.alerting
        self.store = store
        self.metrics = metrics
        self.logger = logger
        let host =
            config.listenHost == "0.0.0.0" || config.listenHost == "::"
            ? ProcessInfo.processInfo.hostName : config.listenHost
        externalURL =
            config.alerting.externalURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
            ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(config.listenPort)"
        var engines: [String: AlertEngine] = [:]
        for m in models {
            var engine = AlertEngine(settings: .init(config.alerting, evaluationInterval: m.evaluateEvery))
            do {
                if let data = try store.alertState(model: m.name) {
                    engine = AlertEngine(
                        settings: engine.settings, state: try Self.decoder.decode(AlertEngine.State.self, from: data))
                    logger.info(
                        "restored alert state: \(engine.state.alerts.count) alerts", metadata: ["model": "\(m.name)"])
                }
            } catch {
                logger.warning(
                    "alert state not restored (\(error)); starting with none", metadata: ["model": "\(m.name)"])
            }
            metrics.setCounts(model: m.name, engine.counts())
            engines[m.name] = engine
        }
        self.engines = Mutex(engines)
        alertmanagerValidity = Dictionary(
            models.map { ($0.name, 4 * max($0.evaluateEvery, config.alerting.resendInterval)) },
            uniquingKeysWith: { a, _ in a })
    }

    /// Every receiver the sidecar delivers to, with its POST URL.
    var receivers: [(name: String, url: String, webhook: WebhookConfig?)] {
        config.alertmanagers.map { base in
            let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
            return (AlertingConfig.alertmanagerReceiver(base), trimmed + "/api/v2/alerts", nil)
        } + config.webhooks.map { ($0.receiver, $0.url, $0) }
    }

    /// Runs the model's engine on a report; queues what it says to send. On a store failure the
    /// engine keeps its previous state, so the next evaluation produces the sends again.
    func observe(_ report: DriftReport, at now: Double) {
        let observation = AlertObservation(report: report, alerting: config)
        let generatorURL = "\(externalURL)/v1/drift/\(report.model)"
        engines.withLock { engines in
            guard var next = engines[report.model] else { return }
            let previous = next.state
            let actions = next.observe(observation, at: now)
            var messages: [OutboxMessage] = []
            do {
                for action in actions {
                    switch action {
                    case .sendToAlertmanagers(let alerts):
                        let body = try AlertPayloads.alertmanager(alerts, generatorURL: generatorURL)
                        for am in config.alertmanagers {
                            messages.append(
                                OutboxMessage(receiver: AlertingConfig.alertmanagerReceiver(am), body: body))
                        }
                    case .notifyWebhook(let notice):
                        let body = try AlertPayloads.webhook(
                            notice, model: report.model, externalURL: externalURL, generatorURL: generatorURL)
                        messages.append(OutboxMessage(receiver: notice.receiver, body: body))
                    case .transition(_, let name, let from, let to):
                        logger.info(
                            "alert \(name): \(from?.rawValue ?? "inactive") -> \(to?.rawValue ?? "inactive")",
                            metadata: ["model": "\(report.model)"])
                    }
                }
                if next.state != previous || !messages.isEmpty {
                    try store.commitAlerts(
                        model: report.model, state: try Self.encoder.encode(next.state), messages: messages, at: now)
                }
                engines[report.model] = next
                metrics.setCounts(model: report.model, next.counts())
            } catch {
                logger.error(
                    "alert state not saved: \(error); will retry at the next evaluation",
                    metadata: ["model": "\(report.model)"])
                return
            }
        }
    }

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return e
    }()

    private static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return d
    }()
}
