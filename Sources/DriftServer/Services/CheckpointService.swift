import Logging
import ServiceLifecycle

/// Runs a checkpoint tick every `checkpoint_every` (the window is written only when
/// `CheckpointPolicy` says the journal no longer covers it), and a full one on graceful shutdown,
/// so the next start replays nothing. It is the first service started, so the ServiceGroup stops
/// it last: by then the HTTP server has drained its in-flight requests and the tailers have
/// stopped, so the final checkpoint holds every acknowledged event.
struct CheckpointService: Service {
    let host: any CheckpointHost
    let bulk: BulkWork
    let logger: Logger

    func run() async throws {
        let host = self.host
        let period = Duration.milliseconds(Int64(host.checkpointPeriod * 1000))
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: period) } } catch { break }
            if Task.isShuttingDownGracefully { break }
            do { try await bulk.run { host.checkpointAll(full: false) } } catch { break }
        }
        // The final checkpoint runs even when the group was cancelled (a service failed, e.g.
        // the port was taken): the executor refuses a cancelled task, so then it runs here.
        do { try await bulk.run { host.checkpointAll(full: true) } } catch { host.checkpointAll(full: true) }
        logger.info("final checkpoint written")
    }
}
