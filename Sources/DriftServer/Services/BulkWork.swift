import NIOPosix
import ServiceLifecycle

/// Where the sidecar's bulk CPU work runs: evaluations (13–15 ms at 100k × 15) and checkpoints
/// (encoding and writing ~11 MB). Injected into the services that need it (no global pool).
///
/// `BulkWork.thread()` is the sidecar's: one dedicated thread. Swift's cooperative pool has one
/// thread per core and also runs every request handler; work that holds one of those threads for
/// tens of milliseconds halves (or, with an evaluation and a checkpoint at once, stops) request
/// handling on 2 cores. On its own thread the kernel shares the CPU with it instead, and
/// evaluations and checkpoints never overlap, so their temporary memory does not add up.
/// (Checkpoints are also serialized by `Sidecar.checkpointAll` itself, which journal pruning
/// outside the model lock relies on.) Costs of one thread: a checkpoint (~100 ms at 100k × 15,
/// longer if SQLite is busy) delays evaluations by as much, and the window is encoded inside the
/// checkpoint's write transaction (`ProbeService`'s store probe waits behind it; `/readyz` reads
/// the probes' last outcome and does not).
///
/// `BulkWork.inline` runs the work on the calling task (tests drive the services with it).
struct BulkWork: Sendable {
    /// Runs `work`; throws when the executor no longer takes work (shut down, or the task is
    /// cancelled).
    let run: @Sendable (_ work: @escaping @Sendable () -> Void) async throws -> Void
    /// Stops the executor once every service that uses it has returned.
    let shutdown: @Sendable () async -> Void

    static func thread() -> BulkWork {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return BulkWork(
            run: { work in try await pool.runIfActive(work) },
            shutdown: { try? await pool.shutdownGracefully() })
    }

    static let inline = BulkWork(
        run: { work in
            try Task.checkCancellation()
            work()
        }, shutdown: {})
}

/// Owns a `BulkWork` for the service group: listed first, so the group stops it last (after the
/// checkpointer's final checkpoint), when it shuts the executor down.
struct BulkWorkService: Service {
    let bulk: BulkWork

    func run() async throws {
        try? await gracefulShutdown()
        await bulk.shutdown()
    }
}
