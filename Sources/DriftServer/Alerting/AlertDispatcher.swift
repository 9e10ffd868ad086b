import AsyncHTTPClient
import Crypto
import DriftAlerting
import DriftCore
import DriftStore
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Delivers the outbox: one worker per receiver, so a dead or slow receiver never holds up the
/// others. Each worker reads its receiver's oldest notification, asks `DeliveryPolicy` what to do
/// (send, wait, expire, supersede; after a send: remove or retry when), and does it. The clock
/// and the jitter's random source are injected (`now`, `jitter`).
///
/// async-http-client keeps retrying a refused connection until the request's deadline, so every
/// request gets the deadline `timeout`, and the connect timeout is bounded by it too.
struct AlertDispatcher: Service {
    let center: AlertCenter
    /// How often an idle worker looks at the outbox.
    var poll: Duration = .milliseconds(200)
    var now: @Sendable () -> Double = { Date().timeIntervalSince1970 }
    /// A uniform draw in [0, 1] for the backoff's jitter.
    var jitter: @Sendable () -> Double = { Double.random(in: 0...1) }

    func run() async throws {
        let config = center.config
        let timeout = TimeAmount.milliseconds(Int64(config.timeout * 1000))
        let client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: .init(timeout: .init(connect: timeout, read: timeout)))
        let receivers = center.receivers
        do {
            let dropped = try center.store.dropNotifications(keeping: Set(config.receiverNames))
            for (r, n) in dropped {
                center.logger.warning("dropped \(n) queued notifications of \(r), no longer configured")
            }
        } catch {
            center.logger.error("outbox: \(error)")
        }
        await withTaskGroup(of: Void.self) { group in
            for r in receivers {
                group.addTask {
                    await work(receiver: r.name, url: r.url, webhook: r.webhook, client: client, timeout: timeout)
                }
            }
        }
        try? await client.shutdown()
    }

    private func work(
        receiver: String, url: String, webhook: WebhookConfig?, client: HTTPClient, timeout: TimeAmount
    ) async {
        let store = center.store, metrics = center.metrics, config = center.config
        let policy = DeliveryPolicy(giveUpAfter: config.giveUpAfter, maxBackoff: config.maxBackoff)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = self.now()
            var item: OutboxItem?
            do {
                item = try store.outboxHead(receiver: receiver)
                let depth = try store.outboxDepth(now: now)[receiver]
                metrics.setOutbox(receiver, count: depth?.count ?? 0, oldestAge: depth?.oldestAge ?? 0)
            } catch {
                center.logger.error("outbox unreadable: \(error)", metadata: ["receiver": "\(receiver)"])
            }
            guard let head = item else {
                guard await idle() else { return }
                continue
            }
            let validity =
                webhook == nil ? center.alertmanagerValidity[head.model, default: 4 * config.resendInterval] : nil
            let decision = policy.decide(
                createdAt: head.createdAt, nextAttemptAt: head.nextAttemptAt, validity: validity, now: now)
            switch decision {
            case .wait:
                guard await idle() else { return }
                continue
            case .expire, .supersede:
                do {
                    try store.deleteNotification(id: head.id)
                } catch {
                    center.logger.error("outbox update failed: \(error)", metadata: ["receiver": "\(receiver)"])
                    guard await idle() else { return }
                    continue
                }
                if decision == .expire {
                    metrics.count(receiver, .expired)
                    center.logger.error(
                        "notification \(head.id) for \(receiver) expired after \(head.attempts) attempts (last error: \(head.lastError ?? "none"))"
                    )
                } else {
                    metrics.count(receiver, .superseded)
                }
                continue
            case .send:
                break
            }
            let outcome = await send(head, url: url, webhook: webhook, client: client, timeout: timeout)
            // Counted before the outbox is updated, so a failing store does not hide the outcome.
            switch outcome {
            case .delivered: metrics.count(receiver, .delivered)
            case .rejected(let why):
                metrics.count(receiver, .rejected)
                center.logger.error("\(receiver) refused notification \(head.id): \(why)")
            case .failed: metrics.count(receiver, .failed)
            }
            do {
                switch policy.after(outcome, attempts: head.attempts, now: self.now(), jitter: jitter()) {
                case .remove:
                    try store.deleteNotification(id: head.id)
                case .retry(let attempts, let next):
                    guard case .failed(let why) = outcome else { break }
                    try store.rescheduleNotification(id: head.id, attempts: attempts, nextAttemptAt: next, error: why)
                    if attempts == 1 || attempts % 10 == 0 {
                        center.logger.warning("delivery to \(receiver) failed (attempt \(attempts)): \(why); retrying")
                    }
                }
            } catch {
                center.logger.error("outbox update failed: \(error)", metadata: ["receiver": "\(receiver)"])
                guard await idle() else { return }
            }
        }
    }

    /// Waits one poll period; false when the sidecar is shutting down.
    private func idle() async -> Bool {
        do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: poll) } } catch { return false }
        return true
    }

    private func send(
        _ item: OutboxItem, url: String, webhook: WebhookConfig?, client: HTTPClient,
        timeout: TimeAmount
    ) async -> DeliveryPolicy.Outcome {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "driftwatch")
        if let webhook {
            for (name, value) in webhook.headers { request.headers.replaceOrAdd(name: name, value: value) }
            if let secret = webhook.hmacSecret {
                request.headers.replaceOrAdd(
                    name: "X-Driftwatch-Signature", value: "sha256=" + Self.signature(item.body, secret: secret))
            }
        }
        request.body = .bytes(ByteBuffer(bytes: item.body))
        do {
            let response = try await client.execute(request, timeout: timeout)
            let text = (try? await response.body.collect(upTo: 16 << 10)).map { String(buffer: $0) } ?? ""
            return .http(status: Int(response.status.code), body: text)
        } catch {
            return .failed("\(error)")
        }
    }

    /// HMAC-SHA256 of the body, hex.
    static func signature(_ body: Data, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }
}
