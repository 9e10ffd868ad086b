@testable import DriftServer
import Testing

/// `/readyz`'s view of the disks: the background probes' last outcome, and a probe that does not
/// come back counts as a failing disk (time passed in; no disks, no clock).
@Suite("Disk probes")
struct DiskProbesTests {
    @Test("before any probe: not ready; a passing probe: ready; a failing one names what failed")
    func outcomes() {
        var p = DiskProbes()
        #expect(p.status(now: 0) == (false, "not probed yet", "not probed yet"))
        p.started(at: 10)
        p.finished(.init(storeWritable: true, journalProblem: nil, at: 10.01))
        #expect(p.status(now: 11) == (true, "writable", nil))
        p.started(at: 12)
        p.finished(.init(storeWritable: false, journalProblem: "m: cannot write: No space left on device", at: 12.2))
        #expect(p.status(now: 13) == (false, "not writable", "m: cannot write: No space left on device"))
        // Recovery is the next probe's outcome, nothing sticky.
        p.started(at: 14)
        p.finished(.init(storeWritable: true, journalProblem: nil, at: 14.1))
        #expect(p.status(now: 15).ok)
    }

    @Test("a probe still running reports the last outcome until stuckAfter, then unready until it returns")
    func stuck() {
        var p = DiskProbes()
        p.started(at: 0)
        p.finished(.init(storeWritable: true, journalProblem: nil, at: 0.1))
        p.started(at: 2)  // e.g. waiting behind a checkpoint's transaction, or a hung volume
        #expect(p.status(now: 2 + DiskProbes.stuckAfter).ok)
        let late = p.status(now: 2 + DiskProbes.stuckAfter + 0.5)
        #expect(!late.ok && late.store == "probe unanswered for 5.5 s" && late.journal == "probe unanswered for 5.5 s")
        p.finished(.init(storeWritable: true, journalProblem: nil, at: 30))
        #expect(p.status(now: 30).ok)
    }
}
