import DriftConfig
import DriftCore
import DriftRecords
@testable import DriftServer
import DriftStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Regression tests for issue 14's defects: requests an attacker (or a broken client) sends, and
/// disks that fail. Each failed before its fix.
@Suite("Hostile input")
struct HostileInputTests {
    static func post(
        _ client: some TestClientProtocol, _ body: String, type: String? = "application/x-ndjson",
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let type { headers[.contentType] = type }
        return try await client.execute(
            uri: "/v1/events", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    /// Every sample line of an exposition, checked as Prometheus's text parser reads the value
    /// (Go's `strconv.ParseFloat`: decimal, or Inf/Infinity with an optional sign, or NaN without one).
    static func unparseableSamples(_ text: String) -> [String] {
        text.split(separator: "\n").filter { !$0.hasPrefix("#") }.filter { line in
            guard let value = line.split(separator: " ").last else { return true }
            let v = value.lowercased()
            if ["nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"].contains(v) { return false }
            guard v.allSatisfy({ "0123456789.e+-".contains($0) }), let d = Double(v) else { return true }
            return !d.isFinite
        }.map(String.init)
    }

    @Test(
        "defect 1: an empty, blank or ';' Content-Type is refused with 415 (the route used to crash)",
        arguments: ["", ";", ";;", "   ", " ; charset=utf-8"])
    func blankMediaType(_ type: String) async throws {
        let f = try Fixture()
        defer { f.cleanup() }
        try await withApp(f) { sidecar, client in
            let r = try await Self.post(client, #"{"features":{"x":1}}"#, type: type)
            #expect(r.status == .unsupportedMediaType)
            let ok = try await Self.post(client, #"{"features":{"x":1}}"#, type: "application/json")
            #expect(ok.status == .accepted && sidecar.runtimes[0].windowRows == 1)
        }
    }

    @Test("media types: parameters, case and blanks; an absent Content-Type is JSON")
    func mediaTypes() {
        #expect(IngestHeaders.format(contentType: nil) == .json)
        #expect(IngestHeaders.format(contentType: "Application/X-NDJSON ; charset=utf-8") == .ndjson)
        #expect(IngestHeaders.format(contentType: "application/json;") == .json)
        #expect(IngestHeaders.format(contentType: "") == nil && IngestHeaders.format(contentType: ";") == nil)
        #expect(IngestHeaders.format(contentType: "text/csv") == nil)
    }

    @Test("defect 10: the bearer scheme is case-insensitive (RFC 9110 §11.1); the token is not")
    func bearerScheme() async throws {
        var f = try Fixture()
        f.config.ingestToken = "s3cret"
        defer { f.cleanup() }
        try await withApp(f) { _, client in
            for auth in ["bearer s3cret", "BEARER s3cret", "Bearer   s3cret", "Bearer s3cret "] {
                let r = try await Self.post(client, #"{"features":{"x":1}}"#, headers: [.authorization: auth])
                #expect(r.status == .accepted, "\(auth)")
            }
            for auth in ["Bearer S3CRET", "Basic s3cret", "Bearers3cret", "s3cret", "Bearer s3cret x"] {
                let r = try await Self.post(client, #"{"features":{"x":1}}"#, headers: [.authorization: auth])
                #expect(r.status == .unauthorized, "\(auth)")
            }
        }
        #expect(IngestHeaders.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!IngestHeaders.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
    }

    @Test("defect 3: an NDJSON line with trailing data is one rejected record, never accepted and rejected")
    func trailingData() async throws {
        let f = try Fixture()
        defer { f.cleanup() }
        try await withApp(f) { sidecar, client in
            let body = "{\"features\":{\"x\":1}} x\n{}{}\n[1]]\n{\"features\":{\"x\":2}}  \n"
            let r = try await Self.post(client, body)
            let o = try RouterTests.object(r)
            #expect(r.status == .accepted && o["accepted"] as? Int == 1 && o["rejected"] as? Int == 3)
            let indices = (o["errors"] as! [[String: Any]]).map { $0["index"] as! Int }
            #expect(indices == [0, 1, 2])
            #expect(sidecar.runtimes[0].windowRows == 1)
            let text = String(decoding: sidecar.metrics.render(), as: UTF8.self)
            #expect(text.contains("driftwatch_events_ingested_total{model=\"m\"} 1\n"))
            #expect(text.contains("driftwatch_events_rejected_total{model=\"m\",reason=\"malformed_json\"} 3\n"))
        }
    }

    @Test(
        "defect 2: a finite extreme value is out of range like ±inf; /metrics always parses; the multivariate gauge stays finite"
    )
    func extremeValues() async throws {
        let f = try Fixture()
        defer { f.cleanup() }
        try await withApp(f) { sidecar, client in
            let body =
                Fixture.events(500) + """
                    {"features":{"x":1.7976931348623157e308,"y":1}}
                    {"features":{"x":-1e101,"y":1}}
                    {"features":{"x":1,"y":1e100}}

                    """
            let r = try await Self.post(client, body)
            let o = try RouterTests.object(r)
            // Kept, with x counted invalid (FieldTyping): the records' good values still count.
            #expect(o["accepted"] as? Int == 503 && o["rejected"] as? Int == 0)
            let invalid = o["invalid"] as! [[String: Any]]
            #expect(invalid.map { $0["index"] as! Int } == [500, 501])
            #expect(invalid.map { $0["line"] as! Int } == [501, 502])
            #expect(
                invalid.allSatisfy { $0["field"] as? String == "features.x" && $0["code"] as? String == "wrong_type" })
            sidecar.evaluate(sidecar.runtimes[0])
            let report = try #require(sidecar.runtimes[0].latestReport)
            #expect(
                report.features[0].quality.invalidRatio == 2.0 / 503 && report.features[1].quality.invalidRatio == 0)
            #expect(report.features[0].count == 501 && report.features[1].count == 503)
            #expect(report.multivariate.available && report.multivariate.value?.isFinite == true)
            let text = String(decoding: sidecar.metrics.render(), as: UTF8.self)
            #expect(Self.unparseableSamples(text) == [])
            #expect(text.contains("driftwatch_feature_invalid_values_total{model=\"m\",feature=\"x\"} 2\n"))
            #expect(text.contains("driftwatch_feature_invalid_values_total{model=\"m\",feature=\"y\"} 0\n"))
            #expect(text.contains("driftwatch_feature_invalid_ratio{model=\"m\",feature=\"x\"} \(2.0 / 503)\n"))
        }
    }

    @Test("a NaN with its sign bit set renders as NaN, not -nan (Prometheus refuses the scrape over it)")
    func negativeNaN() async throws {
        let f = try Fixture()
        defer { f.cleanup() }
        let sidecar = try f.open()
        let negativeNaN = -Double.nan
        #expect(negativeNaN.sign == .minus && "\(negativeNaN)" == "-nan")
        sidecar.metrics.models["m"]!.multivariate.set(negativeNaN)
        let text = String(decoding: sidecar.metrics.render(), as: UTF8.self)
        #expect(text.contains("driftwatch_multivariate_drift_value{model=\"m\"} NaN\n"))
        #expect(Self.unparseableSamples(text) == [])
        var bytes = Array("a -nan\nb{x=\"-nan\"} 1\nc -nan\n".utf8)
        SidecarMetrics.canonicalizeNaN(&bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "a NaN\nb{x=\"-nan\"} 1\nc NaN\n")
    }

    @Test("defect 11: a burst of junk statuses cannot take the error statuses' series")
    func statusCap() async throws {
        let f = try Fixture()
        defer { f.cleanup() }
        try await withApp(f) { sidecar, client in
            let junk = (0..<50).map { "{\"features\":{\"x\":1},\"status\":\"junk\($0)\"}" }.joined(separator: "\n")
            _ = try await Self.post(client, junk)
            _ = try await Self.post(
                client, "{\"features\":{\"x\":1},\"status\":\"error\"}\n{\"features\":{\"x\":1},\"status\":\"timeout\"}"
            )
            // 100 distinct 5xx codes, over the cap of 20: the rest fold into "error", still errors.
            let codes = (500..<600).map { "{\"features\":{\"x\":1},\"status\":\"\($0)\"}" }.joined(separator: "\n")
            _ = try await Self.post(client, codes)
            let text = String(decoding: sidecar.metrics.render(), as: UTF8.self)
            #expect(text.contains("driftwatch_model_requests_total{model=\"m\",status=\"timeout\"} 1\n"))
            #expect(text.contains("driftwatch_model_requests_total{model=\"m\",status=\"__other__\"} 30\n"))
            var errors = 0, series = 0
            for line in text.split(separator: "\n") where line.hasPrefix("driftwatch_model_requests_total{") {
                series += 1
                let status = line.split(separator: "\"")[3]
                if status.range(of: "^(?:error|failed|failure|timeout|5[0-9][0-9])$", options: .regularExpression)
                    != nil
                {
                    errors += Int(line.split(separator: " ").last!)!
                }
            }
            #expect(errors == 102)
            // ok, unknown, error, failed, failure, timeout, 20 junk, __other__, 20 codes.
            #expect(series == 6 + 20 + 1 + 20)
        }
    }

    @Test("LabelCap: reserved values, the error pattern's literals and its fold")
    func labelCap() {
        var cap = LabelCap.statuses(errorPattern: "error|failed|5[0-9][0-9]", cap: 2)
        #expect(cap.reserved == ["ok", "unknown", "error", "failed"] && cap.errorOverflow == "error")
        #expect(cap.label(for: "a") == "a" && cap.label(for: "b") == "b" && cap.label(for: "c") == "__other__")
        #expect(cap.label(for: "500") == "500" && cap.label(for: "501") == "501" && cap.label(for: "502") == "error")
        #expect(cap.label(for: "ok") == "ok" && cap.label(for: "a") == "a" && cap.label(for: "500") == "500")
        var custom = LabelCap.statuses(errorPattern: "5..|fatal", cap: 1)
        #expect(custom.errorOverflow == "fatal")
        #expect(custom.label(for: "503") == "503" && custom.label(for: "504") == "fatal")
    }
}

/// Two models over one store, for requests that span both.
struct TwoModelFixture {
    let base: Fixture
    var config: SidecarConfig

    init() throws {
        base = try Fixture()
        let store = try Store(path: base.config.store, create: false)
        let profile = try store.load(model: "m").profile
        _ = try store.save(profile, model: "n", version: nil, source: "test", createdAt: Date())
        config = base.config
        var n = config.models[0]
        n.name = "n"
        config.models.append(n)
    }

    func open() throws -> Sidecar {
        var f = base
        f.config = config
        return try f.open()
    }

    func journalDirectory(_ model: String) -> String { config.journalPath + "/" + model }

    static func events(_ n: Int, models: [String], x: Double = 1) -> String {
        (0..<n).map { i in "{\"model\":\"\(models[i % models.count])\",\"features\":{\"x\":\(x),\"y\":2,\"c\":\"a\"}}\n"
        }.joined()
    }
}

@Suite("Wide baselines in the sidecar")
struct WideWindowTests {
    @Test("defect 8: a window too big for window.max_bytes is refused at start with the figure, naming the key")
    func windowBytes() throws {
        var f = try Fixture(windowRecords: 100_000)
        defer { f.cleanup() }
        // The fixture's schema has 2 numeric and 2 categorical features:
        // 100 000 × (16 + 16·2 + 4·2) = 5 600 000 bytes.
        f.config.models[0].window.maxBytes = 5_599_999
        do {
            _ = try f.open()
            Issue.record("opened a window above max_bytes")
        } catch let e as ConfigError {
            #expect(
                "\(e)".hasPrefix(
                    "models[0].window.max_records: 100000 records × 2 numeric and 2 categorical features need 5.3 MiB, above "
                        + "window.max_bytes (5.3 MiB)"
                ), "\(e)")
        }
        f.config.models[0].window.maxBytes = 5_600_000
        _ = try f.open()
    }
}

@Suite("Journal failures")
struct JournalFailureTests {
    /// Points model `n`'s next journal segment at /dev/full (every write fails with ENOSPC, and it
    /// cannot be truncated) and rotates to it with a full checkpoint.
    static func failNextSegment(_ f: TwoModelFixture, _ sidecar: Sidecar) throws {
        let dir = f.journalDirectory("n")
        let current = try #require(EventJournal.segments(in: dir).last)
        try FileManager.default.createSymbolicLink(
            atPath: dir + "/" + EventJournal.name(current + 1), withDestinationPath: "/dev/full")
        sidecar.checkpointAll(full: true)
    }

    @Test("defect 5: a 503 keeps nothing of the request, across models and across a restart; defect 6: /readyz says so")
    func allOrNothing() async throws {
        let f = try TwoModelFixture()
        defer { f.base.cleanup() }
        do {
            let sidecar = try f.open()
            let app = Application(router: buildRouter(sidecar))
            try await app.test(.router) { client in
                let first = try await HostileInputTests.post(client, TwoModelFixture.events(10, models: ["m", "n"]))
                #expect(first.status == .accepted)
                try Self.failNextSegment(f, sidecar)
                // m's entry is journaled first, then n's append fails: m's must be taken back.
                let refused = try await HostileInputTests.post(
                    client, TwoModelFixture.events(10, models: ["m", "n"], x: 5))
                #expect(refused.status == .serviceUnavailable)
                #expect((try RouterTests.object(refused)["error"] as? String)?.contains("nothing was kept") == true)
                #expect(sidecar.runtimes.map(\.windowRows) == [5, 5])
                let text = String(decoding: sidecar.metrics.render(), as: UTF8.self)
                #expect(text.contains("driftwatch_events_ingested_total{model=\"m\"} 5\n"))
                let ready = try await client.execute(uri: "/readyz", method: .get)
                #expect(ready.status == .serviceUnavailable)
                #expect(
                    ((try RouterTests.object(ready)["checks"] as? [String: String])?["journal"])?.contains(
                        "append failed") == true)
                // The torn segment is left behind: the next append starts a new one and succeeds.
                let retry = try await HostileInputTests.post(
                    client, TwoModelFixture.events(4, models: ["m", "n"], x: 7))
                #expect(retry.status == .accepted && sidecar.runtimes.map(\.windowRows) == [7, 7])
            }
        }
        // Restart without a final checkpoint: the journal replays 5 + 2 per model, not the refused 5.
        let reopened = try f.open()
        #expect(reopened.runtimes.map(\.windowRows) == [7, 7])
        let window = reopened.runtimes[0].takeWindow(now: Date().timeIntervalSince1970, force: true)!.window
        let xs = (0..<window.rows).map { window.snapshot().number(sampledRow: $0, slot: 0) }
        #expect(!xs.contains(5))
    }

    @Test("the readiness probe names a journal directory that takes no file")
    func probe() throws {
        #expect(EventJournal.probe(directory: "/dev/null")?.contains("cannot create") == true)
        let dir = NSTemporaryDirectory() + "probe-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(EventJournal.probe(directory: dir) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    /// A 64 KiB tmpfs (root only: CI runs as root) filled until a journal write fails part-way.
    @Test(
        "defect 4: after ENOSPC mid-entry, entries acknowledged once space returns survive replay",
        .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func fullDisk() throws {
        let mount = NSTemporaryDirectory() + "journal-tmpfs-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        defer { _ = try? Self.run("/bin/umount", [mount]); try? FileManager.default.removeItem(atPath: mount) }
        try #require(try Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mount]) == 0)
        let dir = mount + "/m"
        var batch = EventBatch(numericWidth: 2, categoricalWidth: 1)
        for i in 0..<40 {
            batch.append(numbers: [Double(i), 1], categories: ["a"], latency: 0.01, status: "ok", prediction: "p")
        }
        var acknowledged = 0
        do {
            var journal = try EventJournal(directory: dir)
            var failed = false
            for _ in 0..<10_000 {
                do {
                    try journal.append(EventJournal.Entry(time: 1, tail: nil, batch: batch))
                    acknowledged += 1
                } catch {
                    failed = true
                    break
                }
            }
            try #require(failed, "the tmpfs never filled")
            // Space returns (the tmpfs grows), and appends go on in the same segment.
            try #require(try Self.run("/bin/mount", ["-o", "remount,size=256k", mount]) == 0)
            for _ in 0..<10 {
                try journal.append(EventJournal.Entry(time: 2, tail: nil, batch: batch))
                acknowledged += 1
            }
        }
        var replayed = 0
        let problems = try EventJournal.replay(directory: dir, from: 0) { _ in replayed += 1 }
        #expect(problems == [])
        #expect(replayed == acknowledged)
    }

    static func run(_ path: String, _ args: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }
}
