import DriftCore
@testable import DriftServer
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The wake-up the evaluation loop waits on, and the loop itself driven by the monitor's schedule.
@Suite("Evaluation schedule")
struct EvaluationScheduleTests {
    static func elapsed(_ body: () async -> Void) async -> Double {
        let start = ContinuousClock.now
        await body()
        return (ContinuousClock.now - start) / .seconds(1)
    }

    @Test(
        "Wakeup: a kept signal ends the next wait at once, a timeout ends a wait, a signal ends it early, a stale timer ends nothing"
    )
    func wakeup() async throws {
        // Upper bounds are loose (the test pool may be saturated by other suites); each wait that
        // must end early has an hour's timeout, so ending at all is the proof.
        let w = Wakeup()
        w.signal()
        #expect(await Self.elapsed { await w.wait(seconds: 3600) } < 60)  // kept for the next wait
        #expect(await Self.elapsed { await w.wait(seconds: 0.2) } >= 0.15)  // a timeout
        async let waited = Self.elapsed { await w.wait(seconds: 3600) }
        try await Task.sleep(for: .milliseconds(100))
        w.signal()
        #expect(await waited < 60)
        // A wait ended by a kept signal leaves its 0.3 s timer running: that must not end the next.
        w.signal()
        await w.wait(seconds: 0.3)
        #expect(await Self.elapsed { await w.wait(seconds: 1) } >= 0.95)
        let task = Task { await Self.elapsed { await w.wait(seconds: 3600) } }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        #expect(await task.value < 60)
    }

    @Test(
        "the evaluation loop: first at start, then at the monitor's deadline; a tumbling window that fills is evaluated at once"
    )
    func tumblingFills() async throws {
        var f = try Fixture(windowRecords: 50)
        defer { f.cleanup() }
        f.config.models[0].window.mode = .tumbling
        f.config.models[0].window.maxAge = nil
        f.config.models[0].evaluateEvery = 3600  // only the fill can bring the second evaluation
        let sidecar = try f.open()
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: EvaluatorService(host: sidecar, bulk: .inline))],
                gracefulShutdownSignals: [], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var first: DriftReport?
            for _ in 0..<200 where first == nil {
                try await Task.sleep(for: .milliseconds(10))
                first = sidecar.runtimes[0].latestReport
            }
            #expect(first?.rows == 0)  // the start's evaluation, of the empty window
            let parsed = try Array(Fixture.events(60).utf8).withUnsafeBytes {
                try sidecar.parser.parse($0, format: .ndjson)
            }
            try sidecar.accept(parsed)
            var filled: DriftReport?
            for _ in 0..<300 where filled == nil {
                try await Task.sleep(for: .milliseconds(10))
                if let r = sidecar.runtimes[0].latestReport, r.rows > 0 { filled = r }
            }
            // All 60 events counted (the window keeps a sample of 50 beyond its size), then reset.
            #expect(filled?.rows == 60)
            #expect(sidecar.runtimes[0].windowRows == 0)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
