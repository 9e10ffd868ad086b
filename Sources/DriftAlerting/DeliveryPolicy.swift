/// Every decision about one queued notification, as pure functions of its record, the time and a
/// jitter draw (no clock, no randomness, no I/O); the dispatcher reads the outbox, sends, and
/// performs what these return.
///
/// Per receiver the oldest notification goes first (order kept). Before a send: a message older
/// than `giveUpAfter` is dropped as `expired`; a message to Alertmanager older than its alerts'
/// validity is dropped as `superseded` (the engine re-sends firing and resolved alerts every
/// `resend_interval`, and a late stale message would make Alertmanager resolve an alert that
/// still fires; Prometheus never retries old batches either); one whose retry time has not come
/// waits. After a send: 2xx removes it (`delivered`); 4xx other than 408 and 429 removes it
/// (`rejected`: sending it again cannot succeed); anything else (refused connection, timeout,
/// 408, 429, 5xx) retries after min(2^(attempts−1), `maxBackoff`) seconds scaled by a factor in
/// [0.5, 1] ("equal jitter"), so receivers coming back are not hit in lockstep.
public struct DeliveryPolicy: Sendable, Equatable {
    public var giveUpAfter: Double
    public var maxBackoff: Double

    public init(giveUpAfter: Double, maxBackoff: Double) {
        self.giveUpAfter = giveUpAfter
        self.maxBackoff = maxBackoff
    }

    /// What to do with the receiver's oldest notification now.
    public enum Decision: Sendable, Equatable {
        case send
        /// Not due yet (backing off).
        case wait
        /// Past `giveUpAfter`: drop it.
        case expire
        /// Older than the alerts' validity at Alertmanager: drop it.
        case supersede
    }

    /// - Parameters:
    ///   - createdAt: when the message was queued; `nextAttemptAt` when it may be sent.
    ///   - validity: how long its alerts stay valid at the receiver (Alertmanager), nil for
    ///     webhooks (never superseded).
    public func decide(createdAt: Double, nextAttemptAt: Double, validity: Double?, now: Double) -> Decision {
        let age = now - createdAt
        if age > giveUpAfter { return .expire }
        if let validity, age > validity { return .supersede }
        return nextAttemptAt <= now ? .send : .wait
    }

    /// How a send ended.
    public enum Outcome: Sendable, Equatable {
        case delivered
        /// The receiver refused it for good (a 4xx other than 408/429).
        case rejected(String)
        /// Worth retrying (no answer, 408, 429, 5xx).
        case failed(String)

        /// The outcome of an HTTP answer with `status` (and the start of its body for the reason).
        public static func http(status: Int, body: String) -> Outcome {
            switch status {
            case 200..<300: return .delivered
            case 408, 429: return .failed("HTTP \(status)")
            case 400..<500: return .rejected("HTTP \(status): \(body.prefix(300))")
            default: return .failed("HTTP \(status): \(body.prefix(300))")
            }
        }
    }

    /// What to do with the record after a send.
    public enum Step: Sendable, Equatable {
        /// Delete it (delivered or rejected).
        case remove
        /// Keep it: attempt `attempts` failed, the next one at `nextAttemptAt`.
        case retry(attempts: Int, nextAttemptAt: Double)
    }

    /// - Parameters:
    ///   - attempts: attempts before this one; `jitter` a uniform draw in [0, 1].
    public func after(_ outcome: Outcome, attempts: Int, now: Double, jitter: Double) -> Step {
        switch outcome {
        case .delivered, .rejected: return .remove
        case .failed:
            let n = attempts + 1
            return .retry(attempts: n, nextAttemptAt: now + backoff(attempt: n, jitter: jitter))
        }
    }

    /// Seconds before retry `attempt` (1, 2, ...): min(2^(attempt−1), maxBackoff) × (0.5 + jitter/2).
    public func backoff(attempt: Int, jitter: Double) -> Double {
        let base = min(Double(1 << min(max(attempt, 1) - 1, 30)), maxBackoff)
        return base * (0.5 + min(max(jitter, 0), 1) / 2)
    }
}
