import DriftAlerting
import DriftConfig
import DriftCore
import DriftMonitor
import DriftStore
import Foundation
import Logging

/// The sidecar's direct alerting, as I/O: each model's `AlertEngine` lives in its `ModelMonitor`,
/// which decides; this class restores the engines' state at start and performs their steps: it
/// turns the actions into Alertmanager and webhook bodies and commits them to the SQLite outbox
/// together with the engine's new state (one transaction). Delivery itself is `AlertDispatcher`'s.
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
        alertmanagerValidity = Dictionary(
            models.map { ($0.name, 4 * max($0.evaluateEvery, config.alerting.resendInterval)) },
            uniquingKeysWith: { a, _ in a })
    }

    /// The engine of model `model` as the store last saw it (a fresh one when none was saved or
    /// the saved state cannot be read).
    static func restoreEngine(
        model: ModelConfig, alerting: AlertingConfig, store: Store, logger: Logger
    ) -> AlertEngine {
        let engine = AlertEngine(settings: .init(alerting, evaluationInterval: model.evaluateEvery))
        do {
            guard let data = try store.alertState(model: model.name) else { return engine }
            let restored = AlertEngine(
                settings: engine.settings, state: try decoder.decode(AlertEngine.State.self, from: data))
            logger.info(
                "restored alert state: \(restored.state.alerts.count) alerts", metadata: ["model": "\(model.name)"])
            return restored
        } catch {
            logger.warning(
                "alert state not restored (\(error)); starting with none", metadata: ["model": "\(model.name)"])
            return engine
        }
    }

    /// Every receiver the sidecar delivers to, with its POST URL.
    var receivers: [(name: String, url: String, webhook: WebhookConfig?)] {
        config.alertmanagers.map { base in
            let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
            return (AlertingConfig.alertmanagerReceiver(base), trimmed + "/api/v2/alerts", nil)
        } + config.webhooks.map { ($0.receiver, $0.url, $0) }
    }

    /// Performs an alert step of model `model`: queues what it says to send and stores the
    /// engine's new state, in one transaction. False on a store failure: the monitor's engine
    /// then keeps its previous state, so the next evaluation produces the sends again.
    func commit(_ step: ModelMonitor.AlertStep, model: String, at now: Double) -> Bool {
        let generatorURL = "\(externalURL)/v1/drift/\(model)"
        var messages: [OutboxMessage] = []
        do {
            for action in step.actions {
                switch action {
                case .sendToAlertmanagers(let alerts):
                    let body = try AlertPayloads.alertmanager(alerts, generatorURL: generatorURL)
                    for am in config.alertmanagers {
                        messages.append(
                            OutboxMessage(receiver: AlertingConfig.alertmanagerReceiver(am), body: body))
                    }
                case .notifyWebhook(let notice):
                    let body = try AlertPayloads.webhook(
                        notice, model: model, externalURL: externalURL, generatorURL: generatorURL)
                    messages.append(OutboxMessage(receiver: notice.receiver, body: body))
                case .transition(_, let name, let from, let to):
                    logger.info(
                        "alert \(name): \(from?.rawValue ?? "inactive") -> \(to?.rawValue ?? "inactive")",
                        metadata: ["model": "\(model)"])
                }
            }
            try store.commitAlerts(
                model: model, state: try Self.encoder.encode(step.engine.state), messages: messages, at: now)
            metrics.setCounts(model: model, step.engine.counts())
            return true
        } catch {
            logger.error(
                "alert state not saved: \(error); will retry at the next evaluation",
                metadata: ["model": "\(model)"])
            return false
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
