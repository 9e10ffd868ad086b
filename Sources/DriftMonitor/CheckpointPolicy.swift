/// When a model's window checkpoint is rewritten: a pure decision (no clock, no I/O); the sidecar
/// performs it.
///
/// The journal already holds every acknowledged event since the last checkpoint, and replaying
/// it into the checkpointed window reproduces the window exactly: inserts happen in journal order
/// at their journaled times, a sliding window's expiry is a function of the time alone (applied
/// again at the next tick), and a tumbling window's reservoir draws from the generator state the
/// checkpoint stores. So a checkpoint tick that only saw events need not rewrite the window: the
/// journal segments since the last full checkpoint are kept instead (`keepJournal`). A full
/// checkpoint is written once `fullEvery` events (twice the window's `max_records`) have been
/// journaled since the last one, which bounds both the journal kept on disk and the replay at
/// start to two windows' worth of events, and at once when the journal no longer replays to the
/// window: after a tumbling reset, after a start that could not restore the stored checkpoint,
/// or after a full one failed.
///
/// Bytes written: a full checkpoint (≈ the window: 13.6 MB at 100k × 15 numeric) per 2 ×
/// `max_records` events, i.e. about half the journal's own volume, instead of a full window every
/// `checkpoint_every` (`driftwatch-bench checkpoint` prints both per day: 0.58 GB instead of
/// 117.5 GB at 100 events/s and 10 s).
public struct CheckpointPolicy: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// Nothing changed since the last checkpoint.
        case none
        /// The journal since the last full checkpoint covers the changes: keep it, write nothing.
        case keepJournal
        /// Rotate the journal and write the whole window; segments before it can then go.
        case writeFull
    }

    /// Events journaled since the last full checkpoint at which the next one is due.
    public let fullEvery: Int
    public private(set) var eventsSinceFull = 0
    /// Set when replaying the journal onto the last full checkpoint would not give the window.
    public private(set) var fullRequired = false

    public init(fullEvery: Int) {
        precondition(fullEvery >= 1, "fullEvery must be positive")
        self.fullEvery = fullEvery
    }

    /// The sidecar's policy for a window of `windowRecords` (`max_records`): a full checkpoint
    /// every two windows' worth of events.
    public init(windowRecords: Int) { self.init(fullEvery: 2 * max(1, windowRecords)) }

    /// After a start: `journalCovers` whether the stored checkpoint (or none) plus the journal
    /// replayed give the window (false when a checkpoint was there but not restored), and how many
    /// events the journal replayed.
    public mutating func started(journalCovers: Bool, replayed: Int) {
        eventsSinceFull = replayed
        fullRequired = !journalCovers
    }

    /// Events were journaled and inserted (an entry without events counts as one).
    public mutating func journaled(_ events: Int) { eventsSinceFull += events }

    /// A tumbling window was reset: the journal since the checkpoint belongs to the old window.
    public mutating func windowReset() { fullRequired = true }

    /// What the checkpoint tick should do; `changed` whether anything changed since the last tick
    /// that was saved. At `shutdown` the window is written whenever the journal holds anything
    /// since the last full checkpoint, so the next start replays nothing.
    public func decide(changed: Bool, shutdown: Bool = false) -> Action {
        if shutdown && (eventsSinceFull > 0 || fullRequired) { return .writeFull }
        guard changed else { return .none }
        return fullRequired || eventsSinceFull >= fullEvery ? .writeFull : .keepJournal
    }

    /// A full checkpoint of the window as of now is being written (call under the same lock as
    /// `journaled`, so later events count toward the next one).
    public mutating func fullStarted() {
        eventsSinceFull = 0
        fullRequired = false
    }

    /// Writing the full checkpoint failed: the next tick writes one again.
    public mutating func fullFailed() { fullRequired = true }
}
