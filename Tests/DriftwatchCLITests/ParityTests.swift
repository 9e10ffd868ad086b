#if canImport(Glibc)
import Glibc
#endif
import DriftServer
import Foundation
import Testing

/// The property behind "`compare` runs the sidecar's evaluation": on the same records, the report
/// of `driftwatch compare` equals the sidecar's `GET /v1/drift/MODEL` (rows, every count and ratio,
/// every statistic and p-value, the multivariate value, the dataset verdict), edge records
/// included. Seeded random records, each field drawn from a menu of edge cases.
@Suite("compare = the sidecar's /v1/drift on the same records", .serialized)
struct ParityTests {
    /// A seeded generator of JSON-lines records for the Iris example's schema.
    struct Records {
        var state: UInt64
        init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
        mutating func pick<T>(_ xs: [T]) -> T { xs[Int(next() % UInt64(xs.count))] }

        /// A numeric value: usually a full-precision float, sometimes an edge case.
        mutating func numeric(_ mean: Double) -> String? {
            let v = mean + (unit() - 0.5) * 2
            guard unit() < 0.12 else { return "\(v)" }
            return pick([
                nil, "null", "\"NaN\"", "\"nan\"", "\"\"", "\"3.5\"", "\" 4\"", "true", "false", "[1]", "{\"a\":1}",
                "1e308", "-1.7976931348623157e308", "-0.0", "5", "0.1e1", "\"NA\"", "\"abc\"",
            ])
        }

        mutating func categorical(_ labels: [String]) -> String? {
            guard unit() < 0.12 else { return "\"\(pick(labels))\"" }
            return pick([
                nil, "null", "\"\"", "3", "2.5", "true", "[\"eu\"]", "{\"x\":\"eu\"}", "\"mars\"", "\"EU\"", "1e308",
            ])
        }

        /// One line (possibly blank, malformed or not an object).
        mutating func line(shift: Double) -> String {
            var features: [(String, String)] = []
            let means = [
                ("sepal_length", 5.8 + shift), ("sepal_width", 3.0), ("petal_length", 3.7 + shift),
                ("petal_width", 1.2),
            ]
            for (name, mean) in means { if let v = numeric(mean) { features.append((name, v)) } }
            if let v = categorical(["eu", "us", "apac"]) { features.append(("region", v)) }
            if unit() < 0.05 { features.append(("extra_\(next() % 3)", "1")) }
            var envelope: [(String, String)] = []
            if let p = categorical(["setosa", "versicolor", "virginica"]) { envelope.append(("prediction", p)) }
            if let s = numeric(0.8) { envelope.append(("score", s)) }
            if unit() < 0.5 { envelope.append(("latency_ms", "\(Int(unit() * 40))")) }
            let object = { (pairs: [(String, String)]) in
                "{" + pairs.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
            }
            let roll = unit()
            switch roll {
            case ..<0.01: return ""
            case ..<0.02: return "[1,2]"
            case ..<0.03: return "{\"features\": {\"sepal_length\": 5"
            case ..<0.04: return "{\"features\": [1, 2]}"
            case ..<0.05: return object([("model", "\"other\""), ("features", object(features))])
            case ..<0.06: return object([("model", "\"iris\""), ("features", object(features))] + envelope)
            case ..<0.07: return object([("latency_ms", "\"slow\""), ("features", object(features))])
            case ..<0.09: return object(features + envelope)  // flat: no "features" object
            case ..<0.10: return object(envelope)  // no features at all
            default: return object([("features", object(features))] + envelope)
            }
        }
    }

    static func dataset(seed: UInt64, count: Int, shift: Double) -> String {
        var g = Records(seed: seed)
        var lines: [String] = []
        for _ in 0..<count { lines.append(g.line(shift: shift)) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Differences between two decoded JSON reports, by path (numbers equal to 1e-12 relative).
    static func differences(_ a: Any?, _ b: Any?, path: String = "", into out: inout [String]) {
        switch (a, b) {
        case let (x as [String: Any], y as [String: Any]):
            for key in Set(x.keys).union(y.keys).sorted() {
                differences(x[key], y[key], path: path + "." + key, into: &out)
            }
        case let (x as [Any], y as [Any]):
            if x.count != y.count { out.append("\(path): \(x.count) vs \(y.count) elements"); return }
            for i in x.indices { differences(x[i], y[i], path: "\(path)[\(i)]", into: &out) }
        case let (x as NSNumber, y as NSNumber):
            let u = x.doubleValue, v = y.doubleValue
            if u != v && !(abs(u - v) <= 1e-12 * max(abs(u), abs(v))) { out.append("\(path): \(x) vs \(y)") }
        case let (x as String, y as String):
            if x != y { out.append("\(path): \(x) vs \(y)") }
        case (nil, nil), (is NSNull, is NSNull): break
        default: out.append("\(path): \(a.map { "\($0)" } ?? "absent") vs \(b.map { "\($0)" } ?? "absent")")
        }
    }

    /// The parts of a report that must agree: everything but notes and invalid-value examples
    /// (which name file lines in one and request indices in the other).
    static func comparable(_ json: Data) throws -> [String: Any] {
        var o = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        o["notes"] = nil
        o["invalid_examples"] = nil
        return o
    }

    @Test(
        "random records with edge cases, drifted and not",
        arguments: [(UInt64(1), 0.0), (UInt64(2), 0.8), (UInt64(3), 0.3)])
    func parity(seed: UInt64, shift: Double) throws {
        var server = try SidecarProcessTests.Server()
        defer { try? FileManager.default.removeItem(at: server.dir) }
        let data = Self.dataset(seed: seed, count: 4_000, shift: shift)
        let file = server.dir.appendingPathComponent("current.jsonl")
        try data.write(to: file, atomically: true, encoding: .utf8)
        let compare = try CLI.run([
            "compare", "--db", server.dir.appendingPathComponent("s.sqlite").path, "--model", "iris",
            "--data", file.path, "--format", "json",
        ])
        #expect(compare.status == 0, "\(compare.stderr)")
        let offline = try Self.comparable(Data(compare.stdout.utf8))
        // The edge cases are there: refused lines, invalid and missing values.
        let notes =
            try #require(try JSONSerialization.jsonObject(with: Data(compare.stdout.utf8)) as? [String: Any])["notes"]
            as? [String]
        #expect(notes?.contains { $0.contains("records refused") } == true, "\(notes ?? [])")
        let features = try #require(offline["features"] as? [[String: Any]])
        let quality = features.compactMap { $0["quality"] as? [String: Any] }
        #expect(
            quality.contains { ($0["invalid_ratio"] as? Double ?? 0) > 0 }
                && quality.contains { ($0["missing_ratio"] as? Double ?? 0) > 0 })

        try server.start()
        defer {
            kill(server.process!.processIdentifier, SIGTERM)
            server.process!.waitUntilExit()
        }
        let client = try LoopbackHTTPClient(url: "http://127.0.0.1:\(server.port)")
        let post = try client.request("POST", "/v1/events", body: Array(data.utf8), contentType: "application/x-ndjson")
        #expect(post.status == 202, "\(String(decoding: post.body, as: UTF8.self).prefix(300))")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(post.body)) as? [String: Any])
        let rows = try #require(offline["rows"] as? Int)
        #expect(answer["accepted"] as? Int == rows && (answer["rejected"] as? Int ?? 0) > 0)
        #expect(rows > 3_000 && rows < 4_000)
        #expect(try server.rows(atLeast: rows) == rows)
        let online = try Self.comparable(Data(try client.request("GET", "/v1/drift/iris").body))
        var diffs: [String] = []
        Self.differences(offline, online, into: &diffs)
        #expect(
            diffs.isEmpty,
            "compare vs /v1/drift, \(diffs.count) differences:\n\(diffs.prefix(25).joined(separator: "\n"))")
    }

    @Test(
        "CSV and JSON lines of the same values give the same report (text fields and JSON numbers share one typing rule)"
    )
    func csvEqualsJSONLines() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("s.sqlite").path
        #expect(
            try CLI.run(["baseline", "build", "--db", db, "--model", "iris", "--data", CLITests.train]).status == 0)
        var g = Records(seed: 9)
        var csv = "sepal_length,sepal_width,petal_length,petal_width,region,prediction,score\n"
        var jsonl = ""
        for _ in 0..<3_000 {
            // Values both formats write alike: full-precision floats, missing, labels.
            var cells: [String] = [], pairs: [String] = []
            for (name, mean) in [
                ("sepal_length", 6.1), ("sepal_width", 3.0), ("petal_length", 4.0), ("petal_width", 1.2),
                ("score", 0.8),
            ] {
                if g.unit() < 0.05 { cells.append(""); pairs.append("\"\(name)\":null"); continue }
                let v = mean + (g.unit() - 0.5) * 2
                cells.append("\(v)"); pairs.append("\"\(name)\":\(v)")
            }
            for (name, labels) in [
                ("region", ["eu", "us", "apac", "mars"]), ("prediction", ["setosa", "versicolor", "virginica"]),
            ] {
                if g.unit() < 0.05 { cells.append(""); pairs.append("\"\(name)\":\"\""); continue }
                let l = g.pick(labels)
                cells.append(l); pairs.append("\"\(name)\":\"\(l)\"")
            }
            csv += [cells[0], cells[1], cells[2], cells[3], cells[5], cells[6], cells[4]].joined(separator: ",") + "\n"
            jsonl += "{" + pairs.joined(separator: ",") + "}\n"
        }
        let csvFile = dir.appendingPathComponent("c.csv"), jsonFile = dir.appendingPathComponent("c.jsonl")
        try csv.write(to: csvFile, atomically: true, encoding: .utf8)
        try jsonl.write(to: jsonFile, atomically: true, encoding: .utf8)
        let a = try CLI.run(["compare", "--db", db, "--model", "iris", "--data", csvFile.path, "--format", "json"])
        let b = try CLI.run(["compare", "--db", db, "--model", "iris", "--data", jsonFile.path, "--format", "json"])
        #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
        var diffs: [String] = []
        Self.differences(
            try Self.comparable(Data(a.stdout.utf8)), try Self.comparable(Data(b.stdout.utf8)), into: &diffs)
        #expect(diffs.isEmpty, "CSV vs JSON lines:\n\(diffs.prefix(25).joined(separator: "\n"))")
        #expect(try Self.comparable(Data(a.stdout.utf8))["rows"] as? Int == 3_000)
    }
}
