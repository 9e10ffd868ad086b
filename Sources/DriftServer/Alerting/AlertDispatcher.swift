import AsyncHTTPClient
import Crypto
import DriftCore
import DriftStore
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Delivers the outbox: one worker per receiver, so a dead or slow receiver never holds up the
/// others. Each worker sends its receiver's oldest notification when due (order kept per
/// receiver); 2xx removes it, 4xx other than 408/429 drops it as `rejected`, anything else
/// (refused connection, timeout, 5xx) retries with exponential backoff from 1s up to
/// `max_backoff`, with jitter; past `give_up_after` it is dropped as `expired`. A message to
/// Alertmanager older than its alerts' validity is dropped as `superseded`: the engine re-sends
/// firing and resolved alerts every `resend_interval`, and a late stale message would make
/// Alertmanager resolve an alert that still fires (Prometheus never retries old batches either).
///
/// async-http-client keeps retrying a refused connection until the request's deadline, so every
/// request gets the deadline `timeout`, and the connect timeout is bounded by it too.
struct AlertDispatcher: Service {
    let center: AlertCenter
    /// How often an idle worker looks at the outbox.
    var poll: Duration = .milliseconds(200)

    func run() async throws {
        let config = center.config
        let timeout = TimeAmount.milliseconds(Int64(config.timeout * 1000))
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                                configuration: .init(timeout: .init(connect: timeout, read: timeout)))
        let receivers = center.receivers
        do {
            let dropped = try center.store.dropNotifications(keeping: Set(config.receiverNames))
            for (r, n) in dropped { center.logger.warning("dropped \(n) queued notifications of \(r), no longer configured") }
        } catch {
            center.logger.error("outbox: \(error)")
        }
        await withTaskGroup(of: Void.self) { group in
            for r in receivers {
                group.addTask { await work(receiver: r.name, url: r.url, webhook: r.webhook, client: client, timeout: timeout) }
            }
        }
        try? await client.shutdown()
    }

    private func work(receiver: String, url: String, webhook: WebhookConfig?, client: HTTPClient, timeout: TimeAmount) async {
        let store = center.store, metrics = center.metrics, config = center.config
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = Date().timeIntervalSince1970
            var item: OutboxItem?
            do {
                item = try store.outboxHead(receiver: receiver)
                let depth = try store.outboxDepth(now: now)[receiver]
                metrics.setOutbox(receiver, count: depth?.count ?? 0, oldestAge: depth?.oldestAge ?? 0)
            } catch {
                center.logger.error("outbox unreadable: \(error)", metadata: ["receiver": "\(receiver)"])
            }
            guard let head = item, head.nextAttemptAt <= now else {
                guard await idle() else { return }
                continue
            }
            let age = now - head.createdAt
            let stale = webhook == nil && age > center.alertmanagerValidity[head.model, default: 4 * config.resendInterval]
            if age > config.giveUpAfter || stale {
                do {
                    try store.deleteNotification(id: head.id)
                } catch {
                    center.logger.error("outbox update failed: \(error)", metadata: ["receiver": "\(receiver)"])
                    guard await idle() else { return }
                    continue
                }
                if age > config.giveUpAfter {
                    metrics.count(receiver, .expired)
                    center.logger.error("notification \(head.id) for \(receiver) expired after \(head.attempts) attempts (last error: \(head.lastError ?? "none"))")
                } else {
                    metrics.count(receiver, .superseded)
                }
                continue
            }
            let result = await send(head, url: url, webhook: webhook, client: client, timeout: timeout)
            do {
                switch result {
                case .delivered:
                    try store.deleteNotification(id: head.id)
                    metrics.count(receiver, .delivered)
                case .rejected(let why):
                    try store.deleteNotification(id: head.id)
                    metrics.count(receiver, .rejected)
                    center.logger.error("\(receiver) refused notification \(head.id): \(why)")
                case .failed(let why):
                    metrics.count(receiver, .failed)
                    let attempts = head.attempts + 1
                    let next = Date().timeIntervalSince1970 + Self.backoff(attempt: attempts, max: config.maxBackoff)
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

    enum Result { case delivered, rejected(String), failed(String) }

    private func send(_ item: OutboxItem, url: String, webhook: WebhookConfig?, client: HTTPClient, timeout: TimeAmount) async -> Result {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "driftwatch")
        if let webhook {
            for (name, value) in webhook.headers { request.headers.replaceOrAdd(name: name, value: value) }
            if let secret = webhook.hmacSecret {
                request.headers.replaceOrAdd(name: "X-Driftwatch-Signature", value: "sha256=" + Self.signature(item.body, secret: secret))
            }
        }
        request.body = .bytes(ByteBuffer(bytes: item.body))
        do {
            let response = try await client.execute(request, timeout: timeout)
            let text = (try? await response.body.collect(upTo: 16 << 10)).map { String(buffer: $0) } ?? ""
            let code = Int(response.status.code)
            switch code {
            case 200..<300: return .delivered
            case 408, 429: return .failed("HTTP \(code)")
            case 400..<500: return .rejected("HTTP \(code): \(text.prefix(300))")
            default: return .failed("HTTP \(code): \(text.prefix(300))")
            }
        } catch {
            return .failed("\(error)")
        }
    }

    /// HMAC-SHA256 of the body, hex.
    static func signature(_ body: Data, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Seconds before retry `attempt` (1, 2, ...): min(2^(attempt-1), max) scaled by a random
    /// factor in [0.5, 1] ("equal jitter"), so receivers coming back are not hit in lockstep.
    static func backoff(attempt: Int, max cap: Double) -> Double {
        let base = min(pow(2, Double(min(attempt - 1, 30))), cap)
        return base * Double.random(in: 0.5...1)
    }
}
