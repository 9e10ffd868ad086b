import Synchronization

/// A one-slot signal a task waits on with a timeout. `signal()` is cheap from any thread (the
/// ingest path: a lock, and at most one resume); `wait(seconds:)` returns at the signal, the
/// timeout or cancellation, whichever comes first. A signal while nobody waits is kept for the
/// next wait, so a window that fills between two waits is not missed. One waiter at a time.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        /// The current wait's number; a timeout or cancellation names the wait it ends, so a late
        /// one cannot end the next wait.
        var wait: UInt64 = 0
        /// A wait ended (timeout, cancellation) before its continuation was installed.
        var ended: UInt64 = 0
    }
    private let state = Mutex(State())

    init() {}

    func signal() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { s in
            guard let w = s.waiter else {
                s.pending = true
                return nil
            }
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }

    /// Waits until `signal()`, `seconds` (capped at an hour) or cancellation.
    func wait(seconds: Double) async {
        let id: UInt64 = state.withLock { s in
            s.wait &+= 1
            return s.wait
        }
        let timeout = Swift.max(0, Swift.min(seconds, 3600))
        let timer = Task { [self] in
            try? await Task.sleep(for: .milliseconds(Int64(timeout * 1000)))
            end(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.pending || s.ended == id {
                        s.pending = false
                        return true
                    }
                    s.waiter = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            end(id)
        }
        timer.cancel()
    }

    /// Ends wait `id` if it is still the one waiting (or marks it ended, if it has not yet begun).
    private func end(_ id: UInt64) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { s in
            guard s.wait == id else { return nil }
            guard let w = s.waiter else {
                s.ended = id
                return nil
            }
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }
}
