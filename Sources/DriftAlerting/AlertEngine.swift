import Foundation

/// A label set, as Prometheus and Alertmanager see it.
public typealias AlertLabels = [String: String]

/// One condition an evaluation found true (an alert that should be active).
public struct AlertCondition: Sendable, Equatable {
    public var labels: AlertLabels
    public var annotations: [String: String]
    /// The number the annotations quote (PSI, a share, a ratio).
    public var value: Double

    public init(labels: AlertLabels, annotations: [String: String], value: Double) {
        self.labels = labels
        self.annotations = annotations
        self.value = value
    }
}

/// What one evaluation says about the alerts: the conditions that hold, and the label sets it
/// could not judge (too little data): those neither fire nor count as clean.
public struct AlertObservation: Sendable, Equatable {
    public var conditions: [AlertCondition]
    public var inconclusive: Set<String>

    public init(conditions: [AlertCondition], inconclusive: Set<String> = []) {
        self.conditions = conditions
        self.inconclusive = inconclusive
    }
}

/// The lifecycle of one alert: pending (condition holds, `for` not yet elapsed), firing, resolved
/// (kept for re-sending, then forgotten).
public enum AlertState: String, Sendable, Codable, CaseIterable {
    case pending, firing, resolved
}

/// One alert instance as it goes out: Alertmanager's v2 `postableAlert` fields plus its state.
public struct AlertInstance: Sendable, Equatable, Codable {
    public var fingerprint: String
    public var labels: AlertLabels
    public var annotations: [String: String]
    public var state: AlertState
    public var value: Double
    /// When the alert began firing (Prometheus sends `FiredAt` as `startsAt`).
    public var startsAt: Double
    /// Firing: now + 4 × max(evaluation interval, resend interval); resolved: the resolve time.
    public var endsAt: Double

    public init(
        fingerprint: String, labels: AlertLabels, annotations: [String: String], state: AlertState, value: Double,
        startsAt: Double, endsAt: Double
    ) {
        self.fingerprint = fingerprint
        self.labels = labels
        self.annotations = annotations
        self.state = state
        self.value = value
        self.startsAt = startsAt
        self.endsAt = endsAt
    }
}

/// A webhook notification for one model's group of alerts.
public struct AlertGroupNotice: Sendable, Equatable {
    public var receiver: String
    /// Firing when any alert of the group fires, else resolved.
    public var firing: Bool
    /// The firing alerts and those resolved since the receiver's last notice.
    public var alerts: [AlertInstance]

    public init(receiver: String, firing: Bool, alerts: [AlertInstance]) {
        self.receiver = receiver
        self.firing = firing
        self.alerts = alerts
    }
}

/// What the I/O layer must do after an observation.
public enum AlertAction: Sendable, Equatable {
    /// POST these alerts to every Alertmanager (`/api/v2/alerts`).
    case sendToAlertmanagers([AlertInstance])
    /// POST a webhook payload to one receiver.
    case notifyWebhook(AlertGroupNotice)
    /// An alert changed state (for logs and metrics).
    case transition(fingerprint: String, alertname: String, from: AlertState?, to: AlertState?)
}

/// The alert state machine of one model, a value type: inputs are an observation and the time,
/// outputs are actions; no clock, no sockets. It follows Prometheus's rule semantics (pending for
/// `for`, then firing; re-send firing alerts every `resend_interval` with a validity of
/// 4 × max(evaluation interval, resend interval); keep re-sending resolved alerts for 15 minutes)
/// and adds resolve hysteresis: a firing alert resolves only after `resolve_after` clean
/// evaluations in a row. An evaluation that cannot judge a condition (too little data) neither
/// fires nor counts as clean; after `resolve_inconclusive_after` of only such evaluations the
/// alert resolves. Alerts are deduplicated by label set (its fingerprint).
public struct AlertEngine: Sendable, Equatable {
    public struct Settings: Sendable, Equatable {
        public var forDuration: Double
        public var resolveAfter: Int
        public var resendInterval: Double
        public var resolvedRetention: Double
        /// A firing alert whose condition stays inconclusive (too little data) this long resolves.
        public var inconclusiveResolveAfter: Double
        public var evaluationInterval: Double
        /// Webhook receivers and their repeat intervals.
        public var webhooks: [String: Double]
        public var sendsToAlertmanagers: Bool

        public init(
            forDuration: Double, resolveAfter: Int, resendInterval: Double, resolvedRetention: Double,
            inconclusiveResolveAfter: Double = 900, evaluationInterval: Double, webhooks: [String: Double],
            sendsToAlertmanagers: Bool
        ) {
            self.forDuration = forDuration
            self.inconclusiveResolveAfter = inconclusiveResolveAfter
            self.resolveAfter = resolveAfter
            self.resendInterval = resendInterval
            self.resolvedRetention = resolvedRetention
            self.evaluationInterval = evaluationInterval
            self.webhooks = webhooks
            self.sendsToAlertmanagers = sendsToAlertmanagers
        }

        public init(_ alerting: AlertingConfig, evaluationInterval: Double) {
            self.init(
                forDuration: alerting.forDuration, resolveAfter: alerting.resolveAfter,
                resendInterval: alerting.resendInterval, resolvedRetention: alerting.resolvedRetention,
                inconclusiveResolveAfter: alerting.inconclusiveResolveAfter, evaluationInterval: evaluationInterval,
                webhooks: Dictionary(
                    alerting.webhooks.map { ($0.receiver, $0.repeatInterval) }, uniquingKeysWith: { a, _ in a }),
                sendsToAlertmanagers: !alerting.alertmanagers.isEmpty)
        }
    }

    /// One tracked alert.
    public struct Tracked: Sendable, Equatable, Codable {
        public var labels: AlertLabels
        public var annotations: [String: String]
        public var value: Double
        public var state: AlertState
        public var activeAt: Double
        public var firedAt: Double?
        public var resolvedAt: Double?
        public var lastSentAt: Double?
        /// Clean evaluations in a row while firing.
        public var clean: Int
        /// Since when the condition has been inconclusive in a row (nil: it was judged last time).
        public var inconclusiveSince: Double?
    }

    /// The persistent part (saved to SQLite so a restart neither re-waits `for` nor forgets).
    public struct State: Sendable, Equatable, Codable {
        public var alerts: [String: Tracked] = [:]
        /// Per webhook receiver: when it was last notified, and which fingerprints were firing then.
        public var webhookSentAt: [String: Double] = [:]
        public var webhookFiring: [String: [String]] = [:]
        public init() {}
    }

    public var settings: Settings
    public private(set) var state: State

    public init(settings: Settings, state: State = State()) {
        self.settings = settings
        self.state = state
    }

    /// Folds one evaluation in at time `now` (seconds) and says what to send.
    public mutating func observe(_ observation: AlertObservation, at now: Double) -> [AlertAction] {
        var actions: [AlertAction] = []
        var seen = Set<String>()
        for c in observation.conditions {
            let fp = AlertFingerprint.of(c.labels)
            guard seen.insert(fp).inserted else { continue }
            if var a = state.alerts[fp], a.state != .resolved {
                a.value = c.value
                a.annotations = c.annotations
                a.clean = 0
                a.inconclusiveSince = nil
                if a.state == .pending && now - a.activeAt >= settings.forDuration {
                    a.state = .firing
                    a.firedAt = now
                    actions.append(
                        .transition(
                            fingerprint: fp, alertname: c.labels["alertname"] ?? "", from: .pending, to: .firing))
                }
                state.alerts[fp] = a
            } else {
                let firing = settings.forDuration <= 0
                state.alerts[fp] = Tracked(
                    labels: c.labels, annotations: c.annotations, value: c.value,
                    state: firing ? .firing : .pending, activeAt: now, firedAt: firing ? now : nil,
                    resolvedAt: nil, lastSentAt: nil, clean: 0)
                actions.append(
                    .transition(
                        fingerprint: fp, alertname: c.labels["alertname"] ?? "", from: nil,
                        to: firing ? .firing : .pending))
            }
        }
        for fp in state.alerts.keys.sorted() where !seen.contains(fp) {
            guard var a = state.alerts[fp] else { continue }
            let name = a.labels["alertname"] ?? ""
            switch a.state {
            case .pending:
                state.alerts[fp] = nil
                actions.append(.transition(fingerprint: fp, alertname: name, from: .pending, to: nil))
            case .firing:
                if observation.inconclusive.contains(fp) {
                    // No evidence either way: hold, but not forever (traffic may have stopped;
                    // DriftwatchNoTraffic covers that).
                    let since = a.inconclusiveSince ?? now
                    a.inconclusiveSince = since
                    if now - since >= settings.inconclusiveResolveAfter {
                        a.state = .resolved
                        a.resolvedAt = now
                        actions.append(.transition(fingerprint: fp, alertname: name, from: .firing, to: .resolved))
                    }
                    state.alerts[fp] = a
                    continue
                }
                a.inconclusiveSince = nil
                a.clean += 1
                if a.clean >= settings.resolveAfter {
                    a.state = .resolved
                    a.resolvedAt = now
                    actions.append(.transition(fingerprint: fp, alertname: name, from: .firing, to: .resolved))
                }
                state.alerts[fp] = a
            case .resolved:
                if now - (a.resolvedAt ?? now) >= settings.resolvedRetention {
                    state.alerts[fp] = nil
                    actions.append(.transition(fingerprint: fp, alertname: name, from: .resolved, to: nil))
                }
            }
        }
        if settings.sendsToAlertmanagers {
            let due = alertmanagerDue(at: now)
            if !due.isEmpty { actions.append(.sendToAlertmanagers(due)) }
        }
        for receiver in settings.webhooks.keys.sorted() {
            if let notice = webhookDue(receiver, at: now) { actions.append(.notifyWebhook(notice)) }
        }
        return actions
    }

    /// Alerts Prometheus would send now: firing ones whose last send is `resend_interval` old (or
    /// never sent), and resolved ones not sent since they resolved, or re-sent on the same cadence.
    mutating func alertmanagerDue(at now: Double) -> [AlertInstance] {
        var out: [AlertInstance] = []
        for fp in state.alerts.keys.sorted() {
            guard var a = state.alerts[fp], a.state != .pending else { continue }
            let resolvedSinceSend = a.state == .resolved && (a.lastSentAt.map { $0 < (a.resolvedAt ?? now) } ?? true)
            let resendDue = a.lastSentAt.map { now - $0 >= settings.resendInterval } ?? true
            guard resolvedSinceSend || resendDue else { continue }
            a.lastSentAt = now
            state.alerts[fp] = a
            out.append(instance(fp, a, at: now))
        }
        return out
    }

    /// A webhook notice when the receiver's view of the group changed (an alert began firing or
    /// resolved since its last notice), or when a firing group's repeat interval has passed.
    mutating func webhookDue(_ receiver: String, at now: Double) -> AlertGroupNotice? {
        let firing = state.alerts.filter { $0.value.state == .firing }.keys.sorted()
        let before = state.webhookFiring[receiver] ?? []
        let changed = firing != before
        let repeatDue =
            !firing.isEmpty
            && (state.webhookSentAt[receiver].map { now - $0 >= settings.webhooks[receiver] ?? .infinity } ?? true)
        guard changed || repeatDue else { return nil }
        let resolved = before.filter { !firing.contains($0) }.compactMap { fp in
            state.alerts[fp].map { instance(fp, $0, at: now) }
        }
        let alerts = firing.compactMap { fp in state.alerts[fp].map { instance(fp, $0, at: now) } } + resolved
        state.webhookSentAt[receiver] = now
        state.webhookFiring[receiver] = firing
        guard !alerts.isEmpty else { return nil }
        return AlertGroupNotice(receiver: receiver, firing: !firing.isEmpty, alerts: alerts)
    }

    func instance(_ fp: String, _ a: Tracked, at now: Double) -> AlertInstance {
        let validity = 4 * max(settings.evaluationInterval, settings.resendInterval)
        let ends = a.state == .resolved ? (a.resolvedAt ?? now) : now + validity
        return AlertInstance(
            fingerprint: fp, labels: a.labels, annotations: a.annotations, state: a.state, value: a.value,
            startsAt: a.firedAt ?? a.activeAt, endsAt: ends)
    }

    /// Alerts by name and state (pending/firing), for `driftwatch_alerts`.
    public func counts() -> [String: [AlertState: Int]] {
        var out: [String: [AlertState: Int]] = [:]
        for a in state.alerts.values where a.state != .resolved {
            out[a.labels["alertname"] ?? "", default: [:]][a.state, default: 0] += 1
        }
        return out
    }
}

/// Prometheus's label-set fingerprint (`model.LabelSet.Fingerprint`): FNV-1a 64 over the label
/// names in sorted order, each name and value followed by the separator byte 0xff; printed as
/// 16 hex digits, as Alertmanager's webhook does.
public enum AlertFingerprint {
    public static func of(_ labels: AlertLabels) -> String {
        var h: UInt64 = 14_695_981_039_346_656_037
        func add(_ byte: UInt8) {
            h ^= UInt64(byte)
            h = h &* 1_099_511_628_211
        }
        for (name, value) in labels.sorted(by: { $0.key < $1.key }) {
            for b in name.utf8 { add(b) }
            add(0xff)
            for b in value.utf8 { add(b) }
            add(0xff)
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
