import DriftMonitor
import DriftCore
import Testing

/// When a checkpoint tick rewrites the window (issue 14, "durability cost"): no sockets, no clock.
@Suite("Checkpoint policy")
struct CheckpointPolicyTests {
    @Test("the journal covers ticks until max_records events have been journaled since the last full checkpoint")
    func everyWindowsWorth() {
        var p = CheckpointPolicy(fullEvery: 100)
        p.started(journalCovers: true, replayed: 0)
        #expect(p.decide(changed: false) == .none)
        p.journaled(99)
        #expect(p.decide(changed: true) == .keepJournal)
        p.journaled(1)
        #expect(p.decide(changed: true) == .writeFull)
        p.fullStarted()
        #expect(p.eventsSinceFull == 0 && p.decide(changed: true) == .keepJournal)
        // Events journaled while the full one is written count toward the next.
        p.journaled(250)
        #expect(p.decide(changed: true) == .writeFull)
    }

    @Test("a start counts the replayed events; a checkpoint that was there but not restored forces a full one")
    func starts() {
        var p = CheckpointPolicy(fullEvery: 100)
        p.started(journalCovers: true, replayed: 120)
        #expect(p.decide(changed: true) == .writeFull)
        var q = CheckpointPolicy(fullEvery: 100)
        q.started(journalCovers: false, replayed: 0)
        #expect(q.decide(changed: true) == .writeFull)
        #expect(q.decide(changed: false) == .none)
    }

    @Test("a tumbling reset or a failed full checkpoint forces the next; shutdown writes whatever the journal holds")
    func resetsFailuresShutdown() {
        var p = CheckpointPolicy(fullEvery: 1_000)
        p.started(journalCovers: true, replayed: 0)
        p.journaled(10)
        p.windowReset()
        #expect(p.decide(changed: true) == .writeFull)
        p.fullStarted()
        p.fullFailed()
        #expect(p.decide(changed: true) == .writeFull)
        p.fullStarted()
        #expect(p.decide(changed: false, shutdown: true) == .none)
        p.journaled(1)
        #expect(p.decide(changed: false, shutdown: true) == .writeFull)
        #expect(p.decide(changed: true) == .keepJournal)
    }
}
