import Dispatch

/// Work items that run on other threads (`Workers`) while their outputs are taken on the
/// submitting thread in submission order: how `TableReader` parses the next pieces of a file
/// while the caller's sink inserts the previous ones, with no barrier per chunk (every core
/// stays busy). At most `depth` items are in flight: `submit` first takes every output already
/// done, then waits for the oldest while the queue is full, so memory stays bounded by `depth`
/// pieces. Each item owns what it reads (it captures its buffer), so an error thrown by `take`
/// leaves the others to finish harmlessly. One thread submits and takes.
final class OrderedWork<Output: Sendable> {
    private final class Slot: @unchecked Sendable {
        let done = DispatchGroup()
        /// Written by the worker before `done.leave()`, read after `done.wait()`.
        var output: Output?
    }

    let depth: Int
    let workers: Workers
    private var slots: [Slot] = []

    init(depth: Int, workers: Workers) {
        self.depth = max(1, depth)
        self.workers = workers
    }

    var isEmpty: Bool { slots.isEmpty }

    /// Starts `work` on another thread (`concurrent`), or runs it here after every earlier item was
    /// taken (not `concurrent`: a piece too small for a hand-off, or one core); `take` receives
    /// outputs in submission order.
    func submit(concurrent: Bool, _ work: @escaping @Sendable () -> Output, take: (Output) throws -> Void) rethrows {
        guard concurrent else {
            try drain(take)
            return try take(work())
        }
        try takeReady(take)
        while slots.count >= depth { try takeOldest(take) }
        let slot = Slot()
        slot.done.enter()
        workers.async {
            slot.output = work()
            slot.done.leave()
        }
        slots.append(slot)
    }

    /// Takes the outputs that are ready, oldest first, stopping at the first still running.
    func takeReady(_ take: (Output) throws -> Void) rethrows {
        while let first = slots.first, first.done.wait(timeout: .now()) == .success { try takeOldest(take) }
    }

    /// Waits for and takes every output.
    func drain(_ take: (Output) throws -> Void) rethrows {
        while !slots.isEmpty { try takeOldest(take) }
    }

    private func takeOldest(_ take: (Output) throws -> Void) rethrows {
        let slot = slots.removeFirst()
        slot.done.wait()
        try take(slot.output!)
    }
}
