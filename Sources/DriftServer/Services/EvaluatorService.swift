import DriftCore
import ServiceLifecycle

/// Evaluates each model every `evaluate_every`, off the ingest path (one task per model).
struct EvaluatorService: Service {
    let sidecar: Sidecar

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for runtime in sidecar.runtimes {
                group.addTask {
                    let period = Duration.milliseconds(Int64(runtime.config.evaluateEvery * 1000))
                    while !Task.isCancelled && !Task.isShuttingDownGracefully {
                        sidecar.evaluate(runtime)
                        do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: period) } } catch { break }
                    }
                }
            }
        }
    }
}

/// Checkpoints every window to SQLite every `checkpoint_every`, and once more on graceful
/// shutdown. It is the first service started, so the ServiceGroup stops it last: by then the HTTP
/// server has drained its in-flight requests and the tailers have stopped, so the final
/// checkpoint holds every acknowledged event.
struct CheckpointService: Service {
    let sidecar: Sidecar

    func run() async throws {
        let period = Duration.milliseconds(Int64(sidecar.config.checkpointEvery * 1000))
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: period) } } catch { break }
            if Task.isShuttingDownGracefully { break }
            sidecar.checkpointAll()
        }
        sidecar.checkpointAll()
        sidecar.logger.info("final checkpoint written")
    }
}
