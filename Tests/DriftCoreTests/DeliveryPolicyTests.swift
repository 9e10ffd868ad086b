import DriftAlerting
import DriftCore
import Testing

/// The outbox's decisions with time and jitter as plain numbers.
@Suite("DeliveryPolicy")
struct DeliveryPolicyTests {
    let policy = DeliveryPolicy(giveUpAfter: 3_600, maxBackoff: 30)

    @Test(
        "before a send: wait until due, expire past give_up_after (before anything else), supersede past the alerts' validity (Alertmanager only)"
    )
    func decide() {
        #expect(policy.decide(createdAt: 100, nextAttemptAt: 100, validity: 240, now: 100) == .send)
        #expect(policy.decide(createdAt: 100, nextAttemptAt: 150, validity: 240, now: 149.9) == .wait)
        #expect(policy.decide(createdAt: 100, nextAttemptAt: 150, validity: 240, now: 150) == .send)
        // age 240: not over
        #expect(policy.decide(createdAt: 100, nextAttemptAt: 100, validity: 240, now: 340) == .send)
        #expect(policy.decide(createdAt: 100, nextAttemptAt: 100, validity: 240, now: 340.5) == .supersede)
        // even while backing off
        #expect(policy.decide(createdAt: 100, nextAttemptAt: 9_999, validity: 240, now: 341) == .supersede)
        // webhooks are never superseded
        #expect(policy.decide(createdAt: 100, nextAttemptAt: 100, validity: nil, now: 3_000) == .send)
        #expect(policy.decide(createdAt: 100, nextAttemptAt: 100, validity: nil, now: 3_700.5) == .expire)
        #expect(policy.decide(createdAt: 100, nextAttemptAt: 100, validity: 240, now: 3_700.5) == .expire)
    }

    @Test("HTTP answers: 2xx delivered, 408 and 429 retried, other 4xx rejected, 5xx retried")
    func outcomes() {
        #expect(DeliveryPolicy.Outcome.http(status: 200, body: "") == .delivered)
        #expect(DeliveryPolicy.Outcome.http(status: 204, body: "") == .delivered)
        #expect(DeliveryPolicy.Outcome.http(status: 408, body: "x") == .failed("HTTP 408"))
        #expect(DeliveryPolicy.Outcome.http(status: 429, body: "x") == .failed("HTTP 429"))
        #expect(DeliveryPolicy.Outcome.http(status: 400, body: "bad labels") == .rejected("HTTP 400: bad labels"))
        #expect(DeliveryPolicy.Outcome.http(status: 503, body: "down") == .failed("HTTP 503: down"))
        #expect(DeliveryPolicy.Outcome.http(status: 302, body: "") == .failed("HTTP 302: "))
        let long = String(repeating: "x", count: 1_000)
        guard case .rejected(let why) = DeliveryPolicy.Outcome.http(status: 404, body: long) else {
            Issue.record("not rejected"); return
        }
        #expect(why.count == "HTTP 404: ".count + 300)
    }

    @Test(
        "after a send: remove on delivered or rejected; a failure retries after 2^(n−1) s, capped, times 0.5 + jitter/2"
    )
    func after() {
        #expect(policy.after(.delivered, attempts: 3, now: 10, jitter: 0.3) == .remove)
        #expect(policy.after(.rejected("HTTP 400"), attempts: 0, now: 10, jitter: 0.3) == .remove)
        #expect(
            policy.after(.failed("refused"), attempts: 0, now: 10, jitter: 0)
                == .retry(attempts: 1, nextAttemptAt: 10.5))
        #expect(
            policy.after(.failed("refused"), attempts: 0, now: 10, jitter: 1) == .retry(attempts: 1, nextAttemptAt: 11))
        #expect(
            policy.after(.failed("refused"), attempts: 3, now: 10, jitter: 0.5)
                == .retry(attempts: 4, nextAttemptAt: 10 + 8 * 0.75))
        // 2^5 = 32 is over the 30 s cap; and no overflow however many attempts.
        #expect(policy.backoff(attempt: 6, jitter: 1) == 30 && policy.backoff(attempt: 6, jitter: 0) == 15)
        #expect(
            policy.backoff(attempt: 10_000, jitter: 1) == 30 && policy.backoff(attempt: Int.max, jitter: 0.5) == 22.5)
        #expect(policy.backoff(attempt: 1, jitter: -3) == 0.5 && policy.backoff(attempt: 1, jitter: 7) == 1)
    }
}
