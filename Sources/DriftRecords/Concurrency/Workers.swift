import Dispatch

/// Where parallel work runs, chosen at the edge and passed in: no parser, builder or evaluator
/// reaches for a thread pool or reads the core count on its own. `count` workers, the calling
/// thread included; `start` runs a job on another thread. The executables and the sidecar pass
/// `.dispatch(cores)`; tests pass what they test (`.inline` runs everything in order on the
/// calling thread).
public struct Workers: Sendable {
    public let count: Int
    private let start: @Sendable (@escaping @Sendable () -> Void) -> Void

    public init(count: Int, start: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void) {
        self.count = Swift.max(1, count)
        self.start = start
    }

    /// One worker: the calling thread.
    public static let inline = Workers(count: 1) { job in job() }

    /// `count` workers on Dispatch's global concurrent queue.
    public static func dispatch(_ count: Int) -> Workers {
        Workers(count: count) { job in DispatchQueue.global().async(execute: job) }
    }

    /// Runs `job` on another thread, or here when there is one worker.
    public func async(_ job: @escaping @Sendable () -> Void) {
        if count > 1 { start(job) } else { job() }
    }

    /// Runs `body(0)`, …, `body(k − 1)` at once, k = min(`copies`, `count`): `body(0)` on the
    /// calling thread, the others on other threads; returns when every one has returned.
    public func together(_ copies: Int, _ body: (Int) -> Void) {
        let k = Swift.max(1, Swift.min(copies, count))
        guard k > 1 else { return body(0) }
        withoutActuallyEscaping(body) { body in
            // The jobs reach `body` through an unretained reference to a box this call keeps alive
            // until every job has left the group: a job that Dispatch releases a little later
            // holds no reference to `body`, which must not outlive this call.
            let box = Box(body)
            nonisolated(unsafe) let shared = Unmanaged.passUnretained(box)
            let group = DispatchGroup()
            for i in 1..<k {
                group.enter()
                start {
                    shared._withUnsafeGuaranteedRef { $0.run(i) }  // no retain: nothing outlives the group
                    group.leave()
                }
            }
            withExtendedLifetime(box) {
                box.run(0)
                group.wait()
            }
        }
    }

    private final class Box {
        let run: (Int) -> Void
        init(_ run: @escaping (Int) -> Void) { self.run = run }
    }
}
