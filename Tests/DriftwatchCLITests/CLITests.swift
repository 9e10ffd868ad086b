import Foundation
import Testing

/// Runs the built `driftwatch` binary as a user does and checks exit codes, stdout and stderr.
struct CLI {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let binary: URL = {
        // The test bundle sits in the same build directory as the executable.
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "driftwatch")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return repo.appendingPathComponent(".build/debug/driftwatch")
    }()

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = repo
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

@Suite("driftwatch CLI", .serialized)
struct CLITests {
    static let train = "baselines/examples/iris_train.csv"
    static let production = "baselines/examples/iris_production.csv"

    @Test("build, list, show, export, compare on the shipped Iris example; exit 1 only with --fail-on-drift")
    func example() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("b.sqlite").path
        let build = try CLI.run([
            "baseline", "build", "--db", db, "--model", "iris", "--data", Self.train, "--format", "json",
        ])
        #expect(build.status == 0, "\(build.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(build.stdout.utf8)) as! [String: Any]
        let record = summary["baseline"] as! [String: Any]
        #expect(record["version"] as? String == "1" && record["rows"] as? Int == 3000)

        let again = try CLI.run([
            "baseline", "build", "--db", db, "--model", "iris", "--data", Self.train, "--version", "v2",
        ])
        #expect(again.status == 0 && again.stdout.contains("baseline iris version v2"))
        let list = try CLI.run(["baseline", "list", "--db", db])
        #expect(list.status == 0 && list.stdout.contains("iris") && list.stdout.contains("v2"))
        let show = try CLI.run(["baseline", "show", "--db", db, "--model", "iris", "--version", "1"])
        #expect(show.status == 0 && show.stdout.contains("petal_length"))

        let exportPath = dir.appendingPathComponent("export.json").path
        let export = try CLI.run([
            "baseline", "export", "--db", db, "--model", "iris", "--version", "1", "--output", exportPath,
        ])
        #expect(export.status == 0)
        let exported =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: exportPath))) as! [String: Any]
        let features = (exported["profile"] as! [String: Any])["features"] as! [[String: Any]]
        #expect(
            features.map { $0["name"] as! String } == [
                "sepal_length", "sepal_width", "petal_length", "petal_width", "region", "prediction", "score",
            ])

        let compare = try CLI.run([
            "compare", "--db", db, "--model", "iris", "--version", "1", "--data", Self.production, "--format", "json",
        ])
        #expect(compare.status == 0, "\(compare.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(compare.stdout.utf8)) as! [String: Any]
        for key in ["model", "baseline_version", "rows", "features", "multivariate", "dataset"] {
            #expect(report[key] != nil, "\(key)")
        }
        #expect(report["rows"] as? Int == 1000)
        let byName = Dictionary(
            uniqueKeysWithValues: (report["features"] as! [[String: Any]]).map { ($0["name"] as! String, $0) })
        #expect(byName["petal_length"]?["status"] as? String == "drift")
        let region = byName["region"]!
        #expect(((region["quality"] as! [String: Any])["unseen_ratio"] as! Double) > 0.05)
        #expect((region["tests"] as! [String: Any])["chi2"] != nil)
        #expect((report["dataset"] as! [String: Any])["drift"] as? Bool == true)

        let failing = try CLI.run([
            "compare", "--db", db, "--model", "iris", "--data", Self.production, "--fail-on-drift", "--format", "text",
        ])
        #expect(failing.status == 1)
        #expect(failing.stdout.contains("DRIFT"))
        // The training data against its own baseline: no dataset drift, exit 0 even with --fail-on-drift.
        let same = try CLI.run([
            "compare", "--db", db, "--model", "iris", "--data", Self.train, "--fail-on-drift", "--format", "json",
        ])
        #expect(same.status == 0)

        let delete = try CLI.run(["baseline", "delete", "--db", db, "--model", "iris", "--version", "v2"])
        #expect(delete.status == 0)
        #expect(try CLI.run(["baseline", "show", "--db", db, "--model", "iris", "--version", "v2"]).status == 2)
    }

    @Test("usage and input errors exit 2 and name file, line, column")
    func errors() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("b.sqlite").path
        let bad = dir.appendingPathComponent("bad.csv")
        try "a,b\n1,2\n3\n".write(to: bad, atomically: true, encoding: .utf8)
        let r1 = try CLI.run(["baseline", "build", "--db", db, "--model", "m", "--data", bad.path])
        #expect(r1.status == 2)
        #expect(r1.stderr.contains("bad.csv:3:2: expected 2 fields as in the header, found 1"), "\(r1.stderr)")

        let quote = dir.appendingPathComponent("quote.csv")
        try "a,b\n1,\"open\n2,3\n".write(to: quote, atomically: true, encoding: .utf8)
        let r2 = try CLI.run(["baseline", "build", "--db", db, "--model", "m", "--data", quote.path])
        #expect(r2.status == 2 && r2.stderr.contains("quote.csv:2:2: quoted field is not closed"), "\(r2.stderr)")

        let jsonl = dir.appendingPathComponent("bad.jsonl")
        try "{\"features\":{\"x\":1}}\n{\"features\":{\"x\":2}\n".write(to: jsonl, atomically: true, encoding: .utf8)
        let r3 = try CLI.run(["baseline", "build", "--db", db, "--model", "m", "--data", jsonl.path])
        #expect(r3.status == 2 && r3.stderr.contains("bad.jsonl:2: malformed JSON"), "\(r3.stderr)")

        #expect(try CLI.run(["compare", "--db", db, "--model", "m", "--data", Self.production, "--bogus"]).status == 2)
        let r4 = try CLI.run([
            "compare", "--db", dir.appendingPathComponent("none.sqlite").path, "--model", "m", "--data",
            Self.production,
        ])
        #expect(r4.status == 2 && r4.stderr.contains("no baseline database"))

        let garbage = dir.appendingPathComponent("garbage.sqlite")
        try Data(repeating: 0x42, count: 4096).write(to: garbage)
        let r5 = try CLI.run(["compare", "--db", garbage.path, "--model", "m", "--data", Self.production])
        #expect(r5.status == 2 && r5.stderr.contains("is not a usable baseline database"), "\(r5.stderr)")

        let ok = try CLI.run(["baseline", "build", "--db", db, "--model", "m", "--data", Self.train])
        #expect(ok.status == 0)
        let r6 = try CLI.run(["compare", "--db", db, "--model", "nope", "--data", Self.production])
        #expect(r6.status == 2 && r6.stderr.contains("no baseline for model \"nope\""))
        let settings = dir.appendingPathComponent("s.yaml")
        try "thresholds:\n  psi: 0.2\nfeatures:\n  petal_lenght: {ignore: true}\n".write(
            to: settings, atomically: true, encoding: .utf8)
        let r7 = try CLI.run([
            "compare", "--db", db, "--model", "m", "--data", Self.production, "--settings", settings.path,
        ])
        #expect(r7.status == 2 && r7.stderr.contains("features.petal_lenght: no such feature"), "\(r7.stderr)")
        // Misspelt keys at every depth are errors naming the key (they were ignored).
        for (text, key) in [
            ("thresholds:\n  psy: 0.2\n", "thresholds.psy: unknown key"),
            ("min_sample: 10\n", "min_sample: unknown key"),
            ("features:\n  petal_length: {ignre: true}\n", "features.petal_length.ignre: unknown key"),
        ] {
            try text.write(to: settings, atomically: true, encoding: .utf8)
            let r = try CLI.run([
                "compare", "--db", db, "--model", "m", "--data", Self.production, "--settings", settings.path,
            ])
            #expect(r.status == 2 && r.stderr.contains("s.yaml: \(key)"), "\(r.stderr)")
        }
    }

    @Test("JSON lines in the record contract, an explicit YAML schema, and invalid values counted")
    func jsonLinesAndSchema() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("b.sqlite").path
        var lines: [String] = []
        for i in 0..<400 {
            let x = Double(i % 40) / 4
            let value = i == 17 ? "\"oops\"" : "\(x)"
            lines.append(
                "{\"model\":\"m\",\"features\":{\"x\":\(value),\"kind\":\"\(i % 2 == 0 ? "a" : "b")\"},\"prediction\":\(i % 3),\"score\":0.5}"
            )
        }
        let data = dir.appendingPathComponent("train.jsonl")
        try lines.joined(separator: "\n").write(to: data, atomically: true, encoding: .utf8)
        let schema = dir.appendingPathComponent("schema.yaml")
        try """
        features:
          - {name: x, kind: numeric}
          - {name: kind, kind: categorical}
          - {name: prediction, kind: categorical, role: prediction}
        """.write(to: schema, atomically: true, encoding: .utf8)
        let build = try CLI.run([
            "baseline", "build", "--db", db, "--model", "m", "--data", data.path, "--schema", schema.path, "--format",
            "json",
        ])
        #expect(build.status == 0, "\(build.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(build.stdout.utf8)) as! [String: Any]
        let features = summary["features"] as! [[String: Any]]
        #expect(features.map { $0["name"] as! String } == ["x", "kind", "prediction"])
        #expect(features[0]["invalid"] as? Int == 1 && features[0]["count"] as? Int == 399)
        #expect(features[2]["categories"] as? Int == 3)
        #expect((summary["notes"] as! [String]).contains { $0.contains("train.jsonl:18 field \"x\"") })

        let badSchema = dir.appendingPathComponent("bad.yaml")
        try "features:\n  - {name: x, kind: numbr}\n".write(to: badSchema, atomically: true, encoding: .utf8)
        let r = try CLI.run([
            "baseline", "build", "--db", db, "--model", "m", "--data", data.path, "--schema", badSchema.path,
        ])
        #expect(r.status == 2 && r.stderr.contains("bad.yaml"), "\(r.stderr)")
    }
}

/// `driftwatch rules`: the shipped rule files are exactly what the generator prints for the
/// example config (so they cannot go stale); promtool checks and unit-tests them in scripts/test.sh.
@Suite("Rules command")
struct RulesCommandTests {
    @Test("config/rules/ holds the current output for config/driftwatch.example.yaml")
    func shippedFilesAreCurrent() throws {
        for (args, file) in [
            ([String](), "driftwatch.rules.yaml"), (["--kubernetes"], "driftwatch.prometheusrule.yaml"),
        ] {
            let r = try CLI.run(["rules", "--config", "config/driftwatch.example.yaml"] + args)
            #expect(r.status == 0, "\(r.stderr)")
            let shipped = try String(
                contentsOf: CLI.repo.appendingPathComponent("config/rules/\(file)"), encoding: .utf8)
            #expect(r.stdout == shipped, "regenerate config/rules/\(file) with driftwatch rules")
        }
    }

    @Test("rules follow the configuration: thresholds, for, models, extra labels; bad configs exit 2 naming the key")
    func followsConfig() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("c.yaml")
        try """
        models:
          - {name: fraud, evaluate_every: 30s, dataset_drift_share: 0.3, features: {merchant.id: {ignore: true}}}
        alerting:
          for: 5m
          labels: {team: risk}
          job: sidecars
          thresholds: {latency_p99: 200ms, unseen_ratio: 0.25, error_statuses: '5\\d\\d|"error"'}
        """.write(to: config, atomically: true, encoding: .utf8)
        let r = try CLI.run(["rules", "--config", config.path])
        #expect(r.status == 0, "\(r.stderr)")
        // promtool (in CI; skipped where Prometheus is not installed) accepts the escaping.
        let promtool = "/usr/bin/promtool"
        if FileManager.default.isExecutableFile(atPath: promtool) {
            let out = dir.appendingPathComponent("rules.yaml")
            try r.stdout.write(to: out, atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: promtool)
            p.arguments = ["check", "rules", out.path]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "promtool check rules rejects the generated file")
        }
        #expect(r.stdout.contains("name: driftwatch-model-fraud"))
        #expect(r.stdout.contains("expr: driftwatch_dataset_drift_share{model=\"fraud\"} >= 0.3"))
        #expect(r.stdout.contains("expr: driftwatch:model_latency_seconds:p99_5m{model=\"fraud\"} > 0.2"))
        #expect(
            r.stdout.contains(#"expr: driftwatch_feature_unseen_ratio{model="fraud",feature!~"merchant\\.id"} > 0.25"#))
        #expect(r.stdout.contains("expr: time() - driftwatch_last_evaluation_timestamp_seconds{model=\"fraud\"} > 90"))
        #expect(r.stdout.contains("expr: up{job=\"sidecars\"} == 0"))
        #expect(r.stdout.contains("for: 5m") && r.stdout.contains("team: risk"))
        let k = try CLI.run([
            "rules", "--config", config.path, "--kubernetes", "--namespace", "ml", "--label", "release=prom",
        ])
        #expect(
            k.status == 0 && k.stdout.contains("kind: PrometheusRule") && k.stdout.contains("namespace: ml")
                && k.stdout.contains("release: prom"))

        try "models: [{name: a}]\nalerting: {thresholds: {latency: 1}}\n".write(
            to: config, atomically: true, encoding: .utf8)
        let bad = try CLI.run(["rules", "--config", config.path])
        #expect(bad.status == 2 && bad.stderr.contains("alerting.thresholds.latency"))
    }
}

/// The README sections that are generated or executable: the metric reference is
/// `driftwatch metrics`' output, and the Python logging example writes records `compare` accepts.
@Suite("README")
struct ReadmeTests {
    static func readme() throws -> String {
        try String(contentsOf: CLI.repo.appendingPathComponent("README.md"), encoding: .utf8)
    }

    @Test("the metric reference is the current output of driftwatch metrics")
    func metricReference() throws {
        let text = try Self.readme()
        let begin = try #require(text.range(of: "<!-- metrics:begin -->\n")),
            end = try #require(text.range(of: "<!-- metrics:end -->"))
        let r = try CLI.run(["metrics"])
        #expect(r.status == 0)
        #expect(
            String(text[begin.upperBound..<end.lowerBound]) == r.stdout,
            "regenerate the README's metric reference with driftwatch metrics")
        let names = try CLI.run(["metrics", "--format", "names"]).stdout.split(separator: "\n")
        #expect(names.count == Set(names).count && names.allSatisfy { $0.hasPrefix("driftwatch_") })
    }

    @Test("the Python logging example writes records that compare reads")
    func pythonLogging() throws {
        let text = try Self.readme()
        let marker = try #require(text.range(of: "<!-- example:python-logging -->\n```python\n"))
        let close = try #require(text.range(of: "```", range: marker.upperBound..<text.endIndex))
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("predictions.jsonl").path
        let snippet = String(text[marker.upperBound..<close.lowerBound]).replacingOccurrences(
            of: "/var/log/model/predictions.jsonl", with: log)
        // Drive it with the example's rows, as a model server would after each prediction.
        let driver =
            snippet + """
                import csv
                for row in csv.DictReader(open("\(CLI.repo.path)/\(CLITests.production)")):
                    started = time.perf_counter()
                    features = {k: (v or None if k == "region" else float(v or "nan")) for k, v in row.items() if k not in ("prediction", "score")}
                    log_prediction(features, row["prediction"], float(row["score"]), started)
                """
        let script = dir.appendingPathComponent("driver.py")
        try driver.write(to: script, atomically: true, encoding: .utf8)
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", script.path]
        try python.run()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        #expect(
            first["status"] as? String == "ok" && (first["latency_ms"] as? Double ?? -1) >= 0
                && first["features"] is [String: Any])

        let db = dir.appendingPathComponent("b.sqlite").path
        #expect(
            try CLI.run(["baseline", "build", "--db", db, "--model", "iris", "--data", CLITests.train]).status == 0)
        let r = try CLI.run(["compare", "--db", db, "--model", "iris", "--data", log, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(report["rows"] as? Int == lines.count)
        #expect((report["invalid_examples"] as? [Any])?.isEmpty == true)
        #expect((report["notes"] as? [String] ?? []).isEmpty, "\(report["notes"] ?? "")")
        // The production file's empty numeric cells went through the snippet as NaN: missing.
        let features = report["features"] as? [[String: Any]] ?? []
        let missing = features.map { (($0["quality"] as? [String: Any])?["missing_ratio"] as? Double) ?? 0 }.reduce(
            0, +)
        #expect(missing > 0)
    }
}

@Suite("compare --format html")
struct CompareHTMLTests {
    @Test("writes one self-contained page; an unknown format exits 2")
    func html() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("b.sqlite").path, out = dir.appendingPathComponent("r.html").path
        #expect(
            try CLI.run(["baseline", "build", "--db", db, "--model", "iris", "--data", CLITests.train]).status == 0)
        let r = try CLI.run([
            "compare", "--db", db, "--model", "iris", "--data", CLITests.production, "--format", "html", "--output",
            out,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let page = try String(contentsOfFile: out, encoding: .utf8)
        #expect(page.hasPrefix("<!doctype html>") && page.hasSuffix("</html>\n"))
        #expect(page.contains("Drift report: <span class=\"name\">iris</span>") && page.contains(CLITests.production))
        // One section and one chart per feature of the Iris schema (7 columns).
        #expect(page.components(separatedBy: "<details class=\"feature\"").count - 1 == 7)
        #expect(page.components(separatedBy: "<svg ").count - 1 == 7)
        let bad = try CLI.run([
            "compare", "--db", db, "--model", "iris", "--data", CLITests.production, "--format", "pdf",
        ])
        #expect(bad.status == 2 && bad.stderr.contains("json, text or html"))
    }
}
