import DriftMonitor
import DriftCore
import ServiceLifecycle

/// Runs each model's evaluation ticks off the ingest path (one task per model): at the deadline
/// its `ModelMonitor` names (every `evaluate_every`, on a fixed grid), or at once when ingest
/// fills a tumbling window.
struct EvaluatorService: Service {
    let host: any EvaluationHost
    let bulk: BulkWork

    func run() async throws {
        let host = self.host
        await withTaskGroup(of: Void.self) { group in
            for model in 0..<host.modelCount {
                group.addTask {
                    while !Task.isCancelled && !Task.isShuttingDownGracefully {
                        do { try await bulk.run { host.evaluate(model: model) } } catch { break }
                        await cancelWhenGracefulShutdown { await host.waitForEvaluation(model: model) }
                    }
                }
            }
        }
    }
}
