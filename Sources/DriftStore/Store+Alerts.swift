import DriftCore
import Foundation
import GRDB

/// A notification waiting in the outbox.
public struct OutboxItem: Sendable, Equatable {
    public let id: Int64
    /// The receiver label (`alertmanager:HOST:PORT`, `webhook:...` or a webhook's name).
    public let receiver: String
    public let model: String
    public let body: Data
    public let createdAt: Double
    public let attempts: Int
    public let nextAttemptAt: Double
    public let lastError: String?
}

/// A notification to enqueue.
public struct OutboxMessage: Sendable, Equatable {
    public let receiver: String
    public let body: Data
    public init(receiver: String, body: Data) {
        self.receiver = receiver
        self.body = body
    }
}

/// The alert engines' states and the durable alert outbox, in the same SQLite database.
///
/// An evaluation's new engine state and the notifications it produced are written in one
/// transaction, so after a crash either both exist or neither: an alert is never marked sent
/// without its notification queued. A notification leaves the outbox only when its receiver
/// answered 2xx (`delete`), refused it for good, or it aged past `give_up_after`. Headers and
/// secrets are not stored: they are applied at send time from the configuration.
extension Store {
    /// Saves a model's alert-engine state and enqueues its notifications, atomically.
    public func commitAlerts(model: String, state: Data, messages: [OutboxMessage], at now: Double) throws {
        try mapErrors {
            try pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO alert_state (model, state, updated_at) VALUES (?, ?, ?)
                        ON CONFLICT(model) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
                        """, arguments: [model, state, now])
                for m in messages {
                    try db.execute(
                        sql: """
                            INSERT INTO alert_outbox (receiver, model, body, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)
                            """, arguments: [m.receiver, model, m.body, now, now])
                }
            }
        }
    }

    /// The saved engine state of a model, if any.
    public func alertState(model: String) throws -> Data? {
        try mapErrors {
            try pool.read { db in
                try Data.fetchOne(db, sql: "SELECT state FROM alert_state WHERE model = ?", arguments: [model])
            }
        }
    }

    /// The oldest waiting notification of a receiver (deliveries to one receiver stay in order:
    /// a resolve never overtakes the firing message before it).
    public func outboxHead(receiver: String) throws -> OutboxItem? {
        try mapErrors {
            try pool.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT * FROM alert_outbox WHERE receiver = ? ORDER BY id LIMIT 1", arguments: [receiver]
                )
                .map(Self.outboxItem)
            }
        }
    }

    /// Drops the notifications of receivers no longer configured; returns how many per receiver.
    public func dropNotifications(keeping receivers: Set<String>) throws -> [String: Int] {
        try mapErrors {
            try pool.write { db in
                var dropped: [String: Int] = [:]
                for row in try Row.fetchAll(
                    db, sql: "SELECT receiver, COUNT(*) AS n FROM alert_outbox GROUP BY receiver")
                {
                    let r: String = row["receiver"]
                    guard !receivers.contains(r) else { continue }
                    dropped[r] = row["n"]
                    try db.execute(sql: "DELETE FROM alert_outbox WHERE receiver = ?", arguments: [r])
                }
                return dropped
            }
        }
    }

    /// Notifications waiting and the age of the oldest, per receiver.
    public func outboxDepth(now: Double) throws -> [String: (count: Int, oldestAge: Double)] {
        try mapErrors {
            try pool.read { db in
                var out: [String: (Int, Double)] = [:]
                for row in try Row.fetchAll(
                    db,
                    sql: "SELECT receiver, COUNT(*) AS n, MIN(created_at) AS oldest FROM alert_outbox GROUP BY receiver"
                ) {
                    out[row["receiver"]] = (row["n"], now - (row["oldest"] as Double))
                }
                return out
            }
        }
    }

    /// Removes a delivered (or abandoned) notification.
    public func deleteNotification(id: Int64) throws {
        try mapErrors {
            try pool.write { db in try db.execute(sql: "DELETE FROM alert_outbox WHERE id = ?", arguments: [id]) }
        }
    }

    /// Records a failed attempt and when to try again.
    public func rescheduleNotification(id: Int64, attempts: Int, nextAttemptAt: Double, error: String) throws {
        try mapErrors {
            try pool.write { db in
                try db.execute(
                    sql: "UPDATE alert_outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
                    arguments: [attempts, nextAttemptAt, String(error.prefix(500)), id])
            }
        }
    }

    static func outboxItem(_ row: Row) -> OutboxItem {
        OutboxItem(
            id: row["id"], receiver: row["receiver"], model: row["model"], body: row["body"],
            createdAt: row["created_at"],
            attempts: row["attempts"], nextAttemptAt: row["next_attempt_at"], lastError: row["last_error"])
    }
}
