import DriftRecords
import Foundation
import Testing

/// Issue 14's defects in the CLI: damaged stores, extreme numbers, header-level errors.
@Suite("driftwatch CLI on hostile files", .serialized)
struct HostileFileTests {
    static func python(_ script: String) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script]
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    @Test(
        "defect 9: a store truncated to 0 or 1 bytes is refused by every read command and never rewritten",
        arguments: [0, 1, 99])
    func truncatedStore(_ size: Int) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("b.sqlite").path
        #expect(try CLI.run(["baseline", "build", "--db", db, "--model", "m", "--data", CLITests.train]).status == 0)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: db))
        try handle.truncate(atOffset: UInt64(size))
        try handle.close()
        for wal in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + wal) }
        for args in [
            ["baseline", "list", "--db", db], ["baseline", "show", "--db", db, "--model", "m"],
            ["compare", "--db", db, "--model", "m", "--data", CLITests.production],
        ] {
            let r = try CLI.run(args)
            #expect(r.status == 2, "\(args)")
            #expect(
                r.stderr.contains("\(db) is not a usable baseline database: ")
                    && r.stderr.contains(size == 0 ? "empty (0 bytes)" : "no SQLite header"),
                "\(r.stderr)")
            let now = try FileManager.default.attributesOfItem(atPath: db)[.size] as! Int
            #expect(now == size, "\(args[1]) rewrote the store")
        }
    }

    @Test("defect 9: list verifies every checksum: the damaged version is listed as DAMAGED and named; exit 2")
    func damagedMetadata() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("b.sqlite").path
        for _ in 0..<2 {
            #expect(
                try CLI.run(["baseline", "build", "--db", db, "--model", "m", "--data", CLITests.train]).status == 0)
        }
        // Edit version 1's row count behind the store's back (its trigger refuses updates).
        let edit = """
            import sqlite3; c = sqlite3.connect('\(db)')
            c.execute('DROP TRIGGER IF EXISTS baseline_immutable')
            for (name,) in c.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall(): c.execute('DROP TRIGGER ' + name)
            c.execute("UPDATE baseline SET rows = rows + 1 WHERE version = '1'"); c.commit()
            """
        #expect(try Self.python(edit) == 0)
        let r = try CLI.run(["baseline", "list", "--db", db])
        #expect(r.status == 2)
        let lines = r.stdout.split(separator: "\n")
        #expect(
            lines.count == 3 && lines.filter { $0.contains("DAMAGED") }.count == 1
                && lines.first { $0.contains("DAMAGED") }!.contains(" 1 "))
        #expect(r.stderr.contains("baseline \"m\" version \"1\" is damaged"), "\(r.stderr)")
        let j = try CLI.run(["baseline", "list", "--db", db, "--format", "json"])
        let records = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as! [[String: Any]]
        #expect(
            j.status == 2 && records.count == 2
                && records.filter { $0["damage"] != nil }.map { $0["version"] as? String } == ["1"])
    }

    @Test(
        "defect 7: numbers near 1e308 are invalid values, counted: build and compare --format json succeed, text has no -nan"
    )
    func extremeNumbers() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("b.sqlite").path
        var train = "x,y\n"
        for i in 0..<400 { train += "\(Double(i % 37)),\(Double(i % 11))\n" }
        train += "1.7976931348623157e308,1\n-1.7e308,2\n"
        let t = dir.appendingPathComponent("train.csv")
        try train.write(to: t, atomically: true, encoding: .utf8)
        let build = try CLI.run(["baseline", "build", "--db", db, "--model", "m", "--data", t.path])
        #expect(build.status == 0, "\(build.stderr)")
        var current = "x,y\n"
        for i in 0..<300 { current += "\(Double(i % 37)),\(i == 7 ? "1e155" : "\(Double(i % 11))")\n" }
        current += "1e200,3\n"
        let c = dir.appendingPathComponent("current.csv")
        try current.write(to: c, atomically: true, encoding: .utf8)
        let json = try CLI.run(["compare", "--db", db, "--model", "m", "--data", c.path, "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        #expect((report["multivariate"] as? [String: Any])?["available"] as? Bool == true)
        let text = try CLI.run(["compare", "--db", db, "--model", "m", "--data", c.path])
        #expect(text.status == 0 && !text.stdout.lowercased().contains("nan"), "\(text.stdout)")
    }

    @Test(
        "defect 7 via JSON lines (decoded by Foundation, not NumberParser): the same range rule, counted invalid with its line"
    )
    func extremeNumbersJSONLines() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("b.sqlite").path
        var train = ""
        for i in 0..<400 {
            train += "{\"features\":{\"x\":\(Double(i % 37)),\"y\":\(Double(i % 11)),\"c\":\"k\(i % 3)\"}}\n"
        }
        // Lines 401-403: two values near 1e308 (their variance overflows), one beyond 1e100 as a category.
        train += "{\"features\":{\"x\":1.7976931348623157e308,\"y\":1,\"c\":\"k0\"}}\n"
        train += "{\"features\":{\"x\":-1.7e308,\"y\":1e200,\"c\":\"k1\"}}\n"
        train += "{\"features\":{\"x\":1,\"y\":2,\"c\":1e200}}\n"
        let t = dir.appendingPathComponent("train.jsonl")
        try train.write(to: t, atomically: true, encoding: .utf8)
        let build = try CLI.run([
            "baseline", "build", "--db", db, "--model", "m", "--data", t.path, "--categorical", "c",
        ])
        #expect(build.status == 0, "\(build.stderr)")
        #expect(
            build.stdout.contains("train.jsonl:401 field \"x\": number out of range"),
            "\(build.stdout)\n\(build.stderr)")
        let show = try CLI.run(["baseline", "export", "--db", db, "--model", "m"])
        #expect(show.status == 0, "\(show.stderr)")
        let export = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
        let features = (export?["profile"] as? [String: Any])?["features"] as? [[String: Any]] ?? []
        func invalid(_ name: String) -> Int? {
            let f = features.first { $0["name"] as? String == name }
            return ((f?["numeric"] ?? f?["categorical"]) as? [String: Any])?["invalid"] as? Int
        }
        #expect(invalid("x") == 2 && invalid("y") == 1 && invalid("c") == 1, "\(["x", "y", "c"].map(invalid))")

        var current = ""
        for i in 0..<300 {
            current +=
                "{\"features\":{\"x\":\(Double(i % 37)),\"y\":\(i == 7 ? "1e155" : "\(Double(i % 11))"),\"c\":\"k\(i % 3)\"}}\n"
        }
        let c = dir.appendingPathComponent("current.jsonl")
        try current.write(to: c, atomically: true, encoding: .utf8)
        let json = try CLI.run(["compare", "--db", db, "--model", "m", "--data", c.path, "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        #expect((report["multivariate"] as? [String: Any])?["available"] as? Bool == true)
        let examples = report["invalid_examples"] as? [[String: Any]] ?? []
        #expect(
            examples.count == 1 && examples.first?["line"] as? Int == 8 && examples.first?["feature"] as? String == "y",
            "\(examples)")
    }

    @Test("defect 10: header-level CSV and JSON-lines errors name the line")
    func headerErrors() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("b.sqlite").path
        let long = String(repeating: "a", count: 200)
        let csv = dir.appendingPathComponent("long.csv")
        try "\(long),b\n1,2\n".write(to: csv, atomically: true, encoding: .utf8)
        let r1 = try CLI.run(["baseline", "build", "--db", db, "--model", "m", "--data", csv.path])
        #expect(
            r1.status == 2 && r1.stderr.contains("long.csv:1: cannot infer a schema: feature 1 name is longer"),
            "\(r1.stderr)")
        let jsonl = dir.appendingPathComponent("long.jsonl")
        try "\n\n{\"features\":{\"\(long)\":1}}\n".write(to: jsonl, atomically: true, encoding: .utf8)
        let r2 = try CLI.run(["baseline", "build", "--db", db, "--model", "m", "--data", jsonl.path])
        #expect(r2.status == 2 && r2.stderr.contains("long.jsonl:3: cannot infer a schema"), "\(r2.stderr)")
    }
}
