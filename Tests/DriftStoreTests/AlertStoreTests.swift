import DriftStore
import Foundation
import Testing

/// The alert outbox: atomic commit with the engine state, per-receiver order, retries, drops.
@Suite("Alert outbox")
struct AlertStoreTests {

    @Test("state and notifications commit together; heads are per receiver and oldest first")
    func orderAndState() throws {
        let path = temporaryPath()
        defer { remove(path) }
        let s = try Store(path: path, create: true)
        try s.commitAlerts(
            model: "iris", state: Data("s1".utf8),
            messages: [.init(receiver: "am", body: Data("1".utf8)), .init(receiver: "hook", body: Data("2".utf8))],
            at: 100)
        try s.commitAlerts(
            model: "iris", state: Data("s2".utf8), messages: [.init(receiver: "am", body: Data("3".utf8))], at: 110)
        #expect(try s.alertState(model: "iris") == Data("s2".utf8))
        #expect(try s.alertState(model: "other") == nil)
        let head = try #require(try s.outboxHead(receiver: "am"))
        #expect(head.body == Data("1".utf8) && head.createdAt == 100 && head.attempts == 0 && head.nextAttemptAt == 100)
        #expect(try s.outboxDepth(now: 130)["am"]?.count == 2 && s.outboxDepth(now: 130)["am"]?.oldestAge == 30)

        // A failed attempt keeps the message at the head (a later one never overtakes it).
        try s.rescheduleNotification(id: head.id, attempts: 1, nextAttemptAt: 150, error: "connection refused")
        let retried = try #require(try s.outboxHead(receiver: "am"))
        #expect(
            retried.id == head.id && retried.attempts == 1 && retried.nextAttemptAt == 150
                && retried.lastError == "connection refused")

        try s.deleteNotification(id: head.id)
        #expect(try s.outboxHead(receiver: "am")?.body == Data("3".utf8))
        #expect(try s.outboxHead(receiver: "hook")?.body == Data("2".utf8))
    }

    @Test("notifications of receivers no longer configured are dropped and counted")
    func dropUnknown() throws {
        let path = temporaryPath()
        defer { remove(path) }
        let s = try Store(path: path, create: true)
        try s.commitAlerts(
            model: "iris", state: Data(),
            messages: [
                .init(receiver: "old", body: Data()), .init(receiver: "old", body: Data()),
                .init(receiver: "am", body: Data()),
            ], at: 1)
        #expect(try s.dropNotifications(keeping: ["am"]) == ["old": 2])
        #expect(try s.outboxHead(receiver: "old") == nil && s.outboxHead(receiver: "am") != nil)
    }
}
