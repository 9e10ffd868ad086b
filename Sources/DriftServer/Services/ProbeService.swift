import Foundation
import ServiceLifecycle
import Synchronization

/// Runs the disk probes (`DiskProbeHost.probeDisks`, the sidecar's) every `DiskProbes.interval` on a thread of its own,
/// so `/readyz` never waits on SQLite's writer or a slow disk (see `DiskProbes`). A plain thread,
/// not a pool the service awaits: a probe stuck in a hung `write` must not hold up shutdown, so on
/// graceful shutdown the service returns at once and a stuck probe thread is left to the exit.
struct ProbeService: Service {
    let host: any DiskProbeHost

    func run() async throws {
        let stop = Arc(Atomic<Bool>(false))
        let host = self.host
        let thread = Thread {
            while !stop.value.load(ordering: .relaxed) {
                host.probeDisks()
                Thread.sleep(forTimeInterval: DiskProbes.interval)
            }
        }
        thread.name = "driftwatch-probes"
        thread.start()
        try? await gracefulShutdown()
        stop.value.store(true, ordering: .relaxed)
    }
}

/// A shared box for a non-copyable value (an `Atomic`) captured by a thread's closure.
final class Arc<T: ~Copyable>: Sendable where T: Sendable {
    let value: T
    init(_ value: consuming T) { self.value = value }
}
