#if canImport(Glibc)
import Glibc
#endif
import DriftServer
import Foundation
import Synchronization
import Testing

/// `driftwatch serve` as a real process: SIGKILL mid-load loses no acknowledged event; SIGTERM
/// drains, checkpoints and exits 0.
struct CLIFailure: Error { let message: String }

@Suite("driftwatch serve process", .serialized)
struct SidecarProcessTests {
    struct Server {
        let dir: URL
        let port: Int
        var process: Process?
        let log: URL

        init() throws {
            dir = try CLI.temporaryDirectory()
            // Below Linux's ephemeral range (32768–60999): a port up there can be held as the
            // source port of a client connection another test has open, and bind then fails.
            port = 20000 + Int.random(in: 0..<12000)
            log = dir.appendingPathComponent("serve.log")
            let build = try CLI.run([
                "baseline", "build", "--db", dir.appendingPathComponent("s.sqlite").path, "--model", "iris",
                "--data", CLITests.train,
            ])
            precondition(build.status == 0, build.stderr)
            let config = """
                listen: 127.0.0.1:\(port)
                store: \(dir.appendingPathComponent("s.sqlite").path)
                checkpoint_every: 700ms
                models:
                  - name: iris
                    window: {max_records: 200000, max_age: none}
                    evaluate_every: 200ms
                """
            try config.write(to: dir.appendingPathComponent("c.yaml"), atomically: true, encoding: .utf8)
        }

        mutating func start() throws {
            let p = Process()
            p.executableURL = CLI.binary
            p.arguments = ["serve", "--config", dir.appendingPathComponent("c.yaml").path]
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let h = try FileHandle(forWritingTo: log)
            h.seekToEndOfFile()
            p.standardError = h
            p.standardOutput = h
            try p.run()
            process = p
            let client = try LoopbackHTTPClient(url: "http://127.0.0.1:\(port)")
            for _ in 0..<200 {
                if let r = try? client.request("GET", "/readyz"), r.status == 200 { return }
                usleep(50_000)
            }
            throw CLIFailure(message: "sidecar not ready: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        }

        /// Rows of the latest evaluation once it covers at least `atLeast` events (or the last seen).
        func rows(atLeast: Int) throws -> Int {
            let client = try LoopbackHTTPClient(url: "http://127.0.0.1:\(port)")
            var last = -1
            for _ in 0..<100 {
                let r = try client.request("GET", "/v1/drift/iris")
                if r.status == 200, let o = try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any],
                    let rows = o["rows"] as? Int
                {
                    last = rows
                    if rows >= atLeast { return rows }
                }
                usleep(100_000)
            }
            return last
        }
    }

    static func body(_ n: Int, seed: Int) -> [UInt8] {
        var s = "["
        for i in 0..<n {
            if i > 0 { s += "," }
            let x = Double((seed * 31 + i * 17) % 300) / 100 + 4.5
            s +=
                "{\"features\":{\"sepal_length\":\(x),\"sepal_width\":3.1,\"petal_length\":1.4,\"petal_width\":0.2,\"region\":\"eu\"},"
                + "\"prediction\":\"setosa\",\"score\":0.9,\"latency_ms\":5}"
        }
        return Array((s + "]").utf8)
    }

    @Test("SIGKILL mid-load: every acknowledged event is in the window after restart")
    func killMidLoad() throws {
        var server = try Server()
        defer { try? FileManager.default.removeItem(at: server.dir) }
        try server.start()
        let acked = Atomic<Int>(0)
        let batch = 50
        let port = server.port
        let loader = Thread {
            guard let client = try? LoopbackHTTPClient(url: "http://127.0.0.1:\(port)") else { return }
            var seed = 0
            while true {
                seed += 1
                guard let r = try? client.request("POST", "/v1/events", body: Self.body(batch, seed: seed)),
                    r.status == 202
                else { return }
                acked.add(batch, ordering: .sequentiallyConsistent)
            }
        }
        loader.start()
        usleep(1_600_000)  // past two checkpoints, so the restore combines a checkpoint and the journal
        kill(server.process!.processIdentifier, SIGKILL)
        server.process!.waitUntilExit()
        usleep(200_000)  // the loader sees the connection drop and stops
        let ackedBeforeKill = acked.load(ordering: .sequentiallyConsistent)
        #expect(server.process!.terminationReason == .uncaughtSignal)
        #expect(ackedBeforeKill > 1000, "load too small to mean anything: \(ackedBeforeKill)")
        try server.start()
        let rows = try server.rows(atLeast: ackedBeforeKill)
        // Every acknowledged event survived; at most the one batch in flight at the kill (journaled,
        // not yet answered) comes on top.
        #expect(
            rows >= ackedBeforeKill && rows <= ackedBeforeKill + batch, "acked \(ackedBeforeKill), restored \(rows)")
        kill(server.process!.processIdentifier, SIGTERM)
        server.process!.waitUntilExit()
        print(
            "kill mid-load: acknowledged \(ackedBeforeKill) events before SIGKILL, \(rows) in the window after restart")
    }

    @Test("SIGTERM: exit 0 after a final checkpoint; the next start restores the window from it")
    func gracefulShutdown() throws {
        var server = try Server()
        defer { try? FileManager.default.removeItem(at: server.dir) }
        try server.start()
        let client = try LoopbackHTTPClient(url: "http://127.0.0.1:\(server.port)")
        for seed in 0..<20 {
            #expect(try client.request("POST", "/v1/events", body: Self.body(100, seed: seed)).status == 202)
        }
        kill(server.process!.processIdentifier, SIGTERM)
        server.process!.waitUntilExit()
        let log = try String(contentsOf: server.log, encoding: .utf8)
        #expect(
            server.process!.terminationStatus == 0 && server.process!.terminationReason == .exit,
            "status \(server.process!.terminationStatus), log:\n\(log)")
        #expect(log.contains("final checkpoint written"))
        try server.start()
        #expect(try server.rows(atLeast: 2000) == 2000)
        #expect(
            try String(contentsOf: server.log, encoding: .utf8).contains("restored 2000 events from the checkpoint"))
        kill(server.process!.processIdentifier, SIGTERM)
        server.process!.waitUntilExit()
    }
}
