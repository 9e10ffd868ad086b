import DriftCore
import NIOPosix
import ServiceLifecycle

/// The one thread that runs the sidecar's bulk CPU work: evaluations (13–15 ms at 100k × 15) and
/// checkpoints (encoding and writing ~11 MB). Swift's cooperative pool has one thread per core
/// and also runs every request handler; work that holds one of those threads for tens of
/// milliseconds halves (or, with an evaluation and a checkpoint at once, stops) request handling
/// on 2 cores. On its own thread the kernel shares the CPU with it instead, and evaluations and
/// checkpoints never overlap, so their temporary memory does not add up.
///
/// (Checkpoints are also serialized by `Sidecar.checkpointAll` itself, which journal pruning
/// outside the model lock relies on.) Costs of one thread: a checkpoint (~100 ms at 100k × 15,
/// longer if SQLite is busy) delays evaluations by as much, and the window is encoded inside
/// the checkpoint's write transaction (`ProbeService`'s store probe waits behind it; `/readyz`
/// reads the probes' last outcome and does not).
let bulkWork: NIOThreadPool = {
    let pool = NIOThreadPool(numberOfThreads: 1)
    pool.start()
    return pool
}()

/// Evaluates each model every `evaluate_every`, off the ingest path (one task per model).
struct EvaluatorService: Service {
    let sidecar: Sidecar

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for runtime in sidecar.runtimes {
                group.addTask {
                    let period = Duration.milliseconds(Int64(runtime.config.evaluateEvery * 1000))
                    while !Task.isCancelled && !Task.isShuttingDownGracefully {
                        do { try await bulkWork.runIfActive { sidecar.evaluate(runtime) } } catch { break }
                        do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: period) } } catch { break }
                    }
                }
            }
        }
    }
}
