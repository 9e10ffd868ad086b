import DriftConfig
import DriftCore
import DriftRecords
@testable import DriftServer
import DriftStats
import DriftStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging

/// A temporary store with a baseline for model "m" (x, y numeric ~ U(0,10); c in a/b/c;
/// prediction in setosa/versicolor), and a sidecar config over it.
struct Fixture {
    let dir: String
    var config: SidecarConfig

    static let schema = try! Schema(features: [
        FeatureSpec(name: "x", kind: .numeric),
        FeatureSpec(name: "y", kind: .numeric),
        FeatureSpec(name: "c", kind: .categorical),
        FeatureSpec(name: "prediction", kind: .categorical, role: .prediction),
    ])

    init(windowRecords: Int = 10_000) throws {
        dir = NSTemporaryDirectory() + "driftwatch-server-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var builder = try BaselineBuilder(schema: Self.schema)
        var g = SplitMix64(seed: 5)
        var batch = EventBatch(schema: Self.schema)
        for i in 0..<3000 {
            let x = g.nextUnit() * 10, y = g.nextUnit() * 10
            batch.append(numbers: [x, y], categories: [["a", "b", "c"][i % 3], ["setosa", "versicolor"][i % 2]])
        }
        builder.add(batch)
        let store = try Store(path: dir + "/store.sqlite", create: true)
        _ = try store.save(try builder.finish(), model: "m", version: nil, source: "test", createdAt: Date())
        config = SidecarConfig()
        config.store = dir + "/store.sqlite"
        var m = ModelConfig(name: "m")
        m.window.maxRecords = windowRecords
        m.evaluation.minSamples = 10
        config.models = [m]
    }

    func open(clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws -> Sidecar {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try Sidecar.open(config: config, logger: logger, clock: clock)
    }

    /// NDJSON of `n` events; `shift` moves x.
    static func events(_ n: Int, seed: UInt64 = 1, shift: Double = 0) -> String {
        var g = SplitMix64(seed: seed)
        var out = ""
        for i in 0..<n {
            let x = g.nextUnit() * 10 + shift, y = g.nextUnit() * 10
            out +=
                "{\"features\":{\"x\":\(x),\"y\":\(y),\"c\":\"\(["a", "b", "c"][i % 3])\"},"
                + "\"prediction\":\"\(["setosa", "versicolor"][i % 2])\",\"latency_ms\":\(i % 50),"
                + "\"status\":\"\(i % 10 == 0 ? "error" : "ok")\"}\n"
        }
        return out
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: dir) }
}

/// The fixture's sidecar behind Hummingbird's router test client (no sockets).
func withApp(_ fixture: Fixture, _ body: @Sendable (Sidecar, any TestClientProtocol) async throws -> Void) async throws
{
    let sidecar = try fixture.open()
    let app = Application(router: buildRouter(sidecar))
    try await app.test(.router) { client in try await body(sidecar, client) }
}
