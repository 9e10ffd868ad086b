import Foundation

/// What `/readyz` knows about the disks, from probes that run off the request path.
///
/// The probes (a write transaction on the SQLite store, a 4 KiB file in each journal directory)
/// can wait: SQLite's writer is held by a checkpoint for ~100 ms at 100k × 15, longer when the
/// disk is slow, and a hung volume blocks a `write` indefinitely. Run in the request handler they
/// held one of the two cooperative threads and made the probe itself time out (Kubernetes'
/// default is 1 s), marking a healthy pod unready. Now `ProbeService` runs them on a thread of
/// their own every `DiskProbes.interval` and records the outcome here; `/readyz` only reads it.
/// A probe that has not finished after `stuckAfter` makes the pod unready (the disk is not
/// answering), so a hung volume is still reported, within seconds.
///
/// A value type with time passed in: the decisions are tested without disks or clocks.
struct DiskProbes: Sendable, Equatable {
    /// Seconds between the end of one probe and the start of the next.
    static let interval = 2.0
    /// A probe running longer than this (seconds) makes the pod unready.
    static let stuckAfter = 5.0

    struct Outcome: Sendable, Equatable {
        /// Whether a write transaction could start on the store.
        var storeWritable: Bool
        /// Nil when every journal directory took the probe file; else what failed.
        var journalProblem: String?
        /// When the probe finished (clock seconds).
        var at: Double
    }

    private(set) var last: Outcome?
    private(set) var runningSince: Double?

    mutating func started(at now: Double) { runningSince = now }

    mutating func finished(_ outcome: Outcome) {
        last = outcome
        runningSince = nil
    }

    /// The store and journal checks as `/readyz` prints them, and whether they pass.
    func status(now: Double) -> (ok: Bool, store: String, journal: String?) {
        if let since = runningSince, now - since > Self.stuckAfter {
            let waited = String(format: "%.1f", now - since)
            return (false, "probe unanswered for \(waited) s", "probe unanswered for \(waited) s")
        }
        guard let last else { return (false, "not probed yet", "not probed yet") }
        return (
            last.storeWritable && last.journalProblem == nil, last.storeWritable ? "writable" : "not writable",
            last.journalProblem
        )
    }
}
