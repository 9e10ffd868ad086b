import ArgumentParser
import DriftCore
import DriftRecords
import DriftServer
import DriftStats
import Foundation

/// Replays example data into a running sidecar, switching to drifted data after a while, so a new
/// user sees `/metrics` move. Rows of the CSV files become record-contract events: `prediction`
/// and `score` at the top level, the other columns under `features`, plus a synthetic
/// `latency_ms` (log-normal, median 12 ms; 1.8× slower once drifted) and `status` (1% `error`).
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Send example traffic to a sidecar, with drift injected after a while.")

    @Option(help: "The sidecar's base URL.") var target: String = "http://127.0.0.1:9464"
    @Option(help: "Model name to put in each event (default: none, the sidecar's only model).") var model: String?
    @Option(help: "CSV of normal traffic.") var data = "baselines/examples/iris_train.csv"
    @Option(name: .customLong("drift-data"), help: "CSV of drifted traffic.") var driftData =
        "baselines/examples/iris_production.csv"
    @Option(name: .customLong("drift-after"), help: "When to switch to the drifted data (e.g. 30s, 2m).")
    var driftAfter = "20s"
    @Option(help: "Events per second.") var rate = 500.0
    @Option(help: "Events per request.") var batch = 50
    @Option(help: "Stop after this long (e.g. 90s; default: run until interrupted).") var duration: String?
    @Option(help: "Seed of the row order and synthetic latencies.") var seed: UInt64 = 42

    func run() throws {
        guard let switchAt = ConfigValues.seconds(driftAfter) else {
            throw CLIError("--drift-after: \"\(driftAfter)\" is not a duration")
        }
        let stopAt = try duration.map { d -> Double in
            guard let s = ConfigValues.seconds(d) else { throw CLIError("--duration: \"\(d)\" is not a duration") }
            return s
        }
        guard rate > 0, batch >= 1 else { throw CLIError("--rate and --batch must be positive") }
        let normal = try readRows(data), drifted = try readRows(driftData)
        let client: LoopbackHTTPClient
        do { client = try LoopbackHTTPClient(url: target) } catch { throw CLIError("--target: \(error)") }
        var headers: [(String, String)] = []
        if let t = ProcessInfo.processInfo.environment["DRIFTWATCH_INGEST_TOKEN"], !t.isEmpty {
            headers.append(("Authorization", "Bearer \(t)"))
        }
        var rng = SplitMix64(seed: seed)
        let start = Date()
        var sent = 0, accepted = 0, rejected = 0, lastReport = 0.0
        print(
            "simulate: \(rate) events/s to \(target) in batches of \(batch); drift after \(ConfigValues.format(seconds: switchAt))"
        )
        while true {
            let elapsed = Date().timeIntervalSince(start)
            if let stopAt, elapsed >= stopAt { break }
            let drifting = elapsed >= switchAt
            let rows = drifting ? drifted : normal
            var body = [UInt8]()
            body.append(UInt8(ascii: "["))
            for i in 0..<batch {
                if i > 0 { body.append(UInt8(ascii: ",")) }
                let row = rows.values[Int(rng.next() % UInt64(rows.values.count))]
                body.append(contentsOf: event(header: rows.header, row: row, drifting: drifting, rng: &rng).utf8)
            }
            body.append(UInt8(ascii: "]"))
            do {
                let (status, reply) = try client.request("POST", "/v1/events", body: body, headers: headers)
                if status == 202, let obj = try? JSONSerialization.jsonObject(with: Data(reply)) as? [String: Any] {
                    accepted += obj["accepted"] as? Int ?? 0
                    rejected += obj["rejected"] as? Int ?? 0
                } else {
                    print("simulate: HTTP \(status): \(String(decoding: reply.prefix(300), as: UTF8.self))")
                }
            } catch {
                print("simulate: \(error); retrying in 1s")
                Thread.sleep(forTimeInterval: 1)
                continue
            }
            sent += batch
            if elapsed - lastReport >= 5 {
                print(
                    "simulate: \(Int(elapsed))s sent \(sent) (accepted \(accepted), rejected \(rejected)), "
                        + "\(drifting ? "DRIFTED data" : "normal data")"
                )
                lastReport = elapsed
            }
            let due = Double(sent) / rate
            let now = Date().timeIntervalSince(start)
            if due > now { Thread.sleep(forTimeInterval: due - now) }
        }
        print("simulate: done, sent \(sent) events (accepted \(accepted), rejected \(rejected))")
    }

    struct Rows {
        let header: [String]
        let values: [[String]]
    }

    func readRows(_ path: String) throws -> Rows {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw CLIError("\(path): cannot read the file")
        }
        var parser = CSVParser()
        var header: [String] = []
        var values: [[String]] = []
        do {
            try parser.feed([UInt8](bytes)) { r in
                if header.isEmpty { header = r.strings } else { values.append(r.strings) }
            }
            try parser.finish { r in values.append(r.strings) }
        } catch { throw CLIError("\(path): \(error)") }
        guard !values.isEmpty else { throw CLIError("\(path): no data rows") }
        return Rows(header: header, values: values)
    }

    func event(header: [String], row: [String], drifting: Bool, rng: inout SplitMix64) -> String {
        var features: [String] = []
        var top: [String] = []
        if let model { top.append("\"model\":\(quote(model))") }
        for (k, name) in header.enumerated() where k < row.count {
            let v = row[k]
            let json = v.isEmpty ? "null" : (Double(v) != nil ? v : quote(v))
            if name == "prediction" || name == "score" {
                top.append("\(quote(name)):\(json)")
            } else {
                features.append("\(quote(name)):\(json)")
            }
        }
        // Log-normal latency: median 12 ms (21.6 ms once drifted), σ = 0.5.
        let u1 = max(rng.nextUnit(), 1e-12), u2 = rng.nextUnit()
        let z = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        let latency = (drifting ? 21.6 : 12.0) * exp(0.5 * z)
        top.append("\"latency_ms\":\(String(format: "%.3f", latency))")
        top.append("\"status\":\"\(rng.nextUnit() < 0.01 ? "error" : "ok")\"")
        return "{\"features\":{\(features.joined(separator: ","))},\(top.joined(separator: ","))}"
    }

    func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}
