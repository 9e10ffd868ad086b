import DriftCore
import ServiceLifecycle

/// Evaluates each model every `evaluate_every`, off the ingest path (one task per model).
struct EvaluatorService: Service {
    let sidecar: Sidecar
    let bulk: BulkWork

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for runtime in sidecar.runtimes {
                group.addTask {
                    let period = Duration.milliseconds(Int64(runtime.config.evaluateEvery * 1000))
                    while !Task.isCancelled && !Task.isShuttingDownGracefully {
                        do { try await bulk.run { sidecar.evaluate(runtime) } } catch { break }
                        do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: period) } } catch {
                            break
                        }
                    }
                }
            }
        }
    }
}
