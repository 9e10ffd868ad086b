import Foundation

/// The JSON bodies the sidecar POSTs, built from alert instances (pure: bytes out).
public enum AlertPayloads {
    /// Alertmanager v2 `POST /api/v2/alerts`: an array of `postableAlert`
    /// (`labels`, `annotations`, `startsAt`, `endsAt`, `generatorURL`).
    public static func alertmanager(_ alerts: [AlertInstance], generatorURL: String) throws -> Data {
        struct Postable: Encodable {
            let labels: AlertLabels
            let annotations: [String: String]
            let startsAt: String
            let endsAt: String
            let generatorURL: String
        }
        return try encoder.encode(
            alerts.map {
                Postable(
                    labels: $0.labels, annotations: $0.annotations, startsAt: timestamp($0.startsAt),
                    endsAt: timestamp($0.endsAt), generatorURL: generatorURL)
            })
    }

    /// The body Alertmanager's `webhook_config` sends (version "4"), so receivers written for
    /// Alertmanager work unchanged. The group is one model (`groupLabels: {model}`); firing
    /// alerts carry `endsAt: "0001-01-01T00:00:00Z"` as Alertmanager's do.
    public static func webhook(
        _ notice: AlertGroupNotice, model: String, externalURL: String, generatorURL: String
    ) throws -> Data {
        struct Alert: Encodable {
            let status: String
            let labels: AlertLabels
            let annotations: [String: String]
            let startsAt: String
            let endsAt: String
            let generatorURL: String
            let fingerprint: String
        }
        struct Message: Encodable {
            let version = "4"
            let groupKey: String
            let truncatedAlerts = 0
            let status: String
            let receiver: String
            let groupLabels: AlertLabels
            let commonLabels: AlertLabels
            let commonAnnotations: [String: String]
            let externalURL: String
            let alerts: [Alert]
        }
        let alerts = notice.alerts.map { a in
            Alert(
                status: a.state == .resolved ? "resolved" : "firing", labels: a.labels, annotations: a.annotations,
                startsAt: timestamp(a.startsAt),
                endsAt: a.state == .resolved ? timestamp(a.endsAt) : "0001-01-01T00:00:00Z",
                generatorURL: generatorURL, fingerprint: a.fingerprint)
        }
        let message = Message(
            groupKey: "{}:{model=\"\(model)\"}", status: notice.firing ? "firing" : "resolved",
            receiver: notice.receiver, groupLabels: ["model": model],
            commonLabels: common(notice.alerts.map(\.labels)),
            commonAnnotations: common(notice.alerts.map(\.annotations)),
            externalURL: externalURL, alerts: alerts)
        return try encoder.encode(message)
    }

    /// The pairs every map shares (Alertmanager's `commonLabels` / `commonAnnotations`).
    static func common(_ maps: [[String: String]]) -> [String: String] {
        guard var out = maps.first else { return [:] }
        for m in maps.dropFirst() { out = out.filter { m[$0.key] == $0.value } }
        return out
    }

    /// RFC 3339 in UTC with milliseconds (`2026-11-21T10:00:00.000Z`).
    public static func timestamp(_ seconds: Double) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date(timeIntervalSince1970: seconds))
    }

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
}
