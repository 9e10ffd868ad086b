import Hummingbird
import HummingbirdCore
import Prometheus

/// Hummingbird's connection gate with the sidecar's metrics: at most `limit` connections are
/// served at once; while that many are open the server stops accepting (new connections wait in
/// the kernel's accept queue, not in our descriptors), and resumes as one closes. With the idle
/// timeout this bounds what idle or slow clients can hold: before, 1 100 idle connections against
/// a 1 024-descriptor limit left no descriptor for the next accept, the store or the journal.
struct ConnectionLimit: AvailableConnectionsDelegate {
    let limit: Int
    let open: Gauge
    let paused: Counter
    private var count = 0

    init(limit: Int, metrics: SidecarMetrics) {
        self.limit = limit
        open = metrics.connections
        paused = metrics.acceptPaused
        metrics.connectionsLimit.set(Double(limit))
    }

    mutating func connectionOpened() {
        count += 1
        open.set(Double(count))
    }

    mutating func connectionClosed() {
        count -= 1
        open.set(Double(count))
    }

    func isAcceptingNewConnections() -> Bool {
        if count < limit { return true }
        paused.increment()
        return false
    }
}
