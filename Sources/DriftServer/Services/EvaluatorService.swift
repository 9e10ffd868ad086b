import DriftCore
import ServiceLifecycle

/// Evaluates each model every `evaluate_every`, off the ingest path (one task per model).
struct EvaluatorService: Service {
    let host: any EvaluationHost
    let bulk: BulkWork

    func run() async throws {
        let host = self.host
        await withTaskGroup(of: Void.self) { group in
            for (model, seconds) in host.evaluationPeriods.enumerated() {
                group.addTask {
                    let period = Duration.milliseconds(Int64(seconds * 1000))
                    while !Task.isCancelled && !Task.isShuttingDownGracefully {
                        do { try await bulk.run { host.evaluate(model: model) } } catch { break }
                        do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: period) } } catch {
                            break
                        }
                    }
                }
            }
        }
    }
}
