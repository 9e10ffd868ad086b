// libFuzzer targets (issue 14): built by scripts/fuzz.sh with -sanitize=fuzzer,address over the
// DriftStats and DriftCore sources and EventJournal.swift. One binary; FUZZ_TARGET picks the
// target. Each checks invariants with an oracle, not only "no crash"; a violation aborts, and
// libFuzzer keeps the input.
import DriftConfig
import DriftCore
import DriftRecords
import DriftStats
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum Target: String { case events, table, checkpoint, journal, config }

nonisolated(unsafe) var target = Target.events

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> Int32 {
    let env = ProcessInfo.processInfo.environment
    guard let name = env["FUZZ_TARGET"], let t = Target(rawValue: name) else {
        report("set FUZZ_TARGET to events, table, checkpoint, journal or config")
        exit(2)
    }
    target = t
    // Seeds that only the code can make (valid checkpoints and journal payloads) go into the
    // writable corpus directory before libFuzzer reads it.
    if let dir = env["FUZZ_SEEDS"] { Seeds.write(t, to: dir) }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    switch target {
    case .events: EventsTarget.run(bytes)
    case .table: TableTarget.run(bytes)
    case .checkpoint: CheckpointTarget.run(bytes)
    case .journal: JournalTarget.run(bytes)
    case .config: ConfigTarget.run(bytes)
    }
    return 0
}

func report(_ line: String) {
    let text = line + "\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
}

/// Aborts (libFuzzer saves the input) when an invariant does not hold.
func invariant(_ ok: Bool, _ what: @autoclosure () -> String) {
    guard !ok else { return }
    report("invariant violated: \(what())")
    abort()
}

enum Fixture {
    /// x, y numeric; c categorical; prediction (categorical) and score (numeric) roles.
    static let schema = try! Schema(features: [
        FeatureSpec(name: "x", kind: .numeric),
        FeatureSpec(name: "y", kind: .numeric),
        FeatureSpec(name: "c", kind: .categorical),
        FeatureSpec(name: "prediction", kind: .categorical, role: .prediction),
        FeatureSpec(name: "score", kind: .numeric, role: .score),
    ])
    static let other = try! Schema(features: [FeatureSpec(name: "z", kind: .numeric)])

    static let baseline: BaselineProfile = {
        var b = try! BaselineBuilder(schema: schema)
        var g = SplitMix64(seed: 7)
        var batch = EventBatch(schema: schema)
        for i in 0..<400 {
            let x = g.nextUnit() * 10, y = g.nextUnit() * 10 - 5, score = g.nextUnit()
            batch.append(numbers: [x, y, score], categories: [["a", "b", "c"][i % 3], ["yes", "no"][i % 2]])
        }
        b.add(batch)
        return try! b.finish()
    }()

    static let evaluator = try! Evaluator(
        baseline: baseline, model: "m", baselineVersion: "1", settings: EvaluationSettings())

    static func window(mode: WindowMode) -> WindowConfig {
        var w = WindowConfig()
        w.mode = mode
        w.maxRecords = 64
        w.maxAge = 600
        return w
    }

    static func events(_ n: Int, seed: UInt64) -> EventBatch {
        var batch = EventBatch(schema: schema)
        var g = SplitMix64(seed: seed)
        for i in 0..<n {
            batch.append(
                numbers: [g.nextUnit() * 12, i % 5 == 0 ? .nan : g.nextUnit(), g.nextUnit()],
                categories: [["a", "b", "new"][i % 3], i % 4 == 0 ? nil : "yes"],
                latency: Double(i) / 1000, status: i % 7 == 0 ? "error" : "ok", prediction: "yes")
        }
        return batch
    }
}

/// The ingest parser (JSONScanner + EventParser) on any body, JSON or NDJSON, one or two models.
enum EventsTarget {
    static let single = EventParser(models: [("m", Fixture.schema)])
    static let two = EventParser(models: [("m", Fixture.schema), ("n", Fixture.other)])

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let mode = input.first else { return }
        let body = UnsafeRawBufferPointer(rebasing: input.dropFirst())
        let parser = mode & 2 == 0 ? single : two
        let format: EventFormat = mode & 1 == 0 ? .json : .ndjson
        let parsed: ParsedEvents
        do { parsed = try parser.parse(body, format: format) } catch {
            invariant(format == .json, "an NDJSON body is never refused whole")
            return
        }
        checkValues(parsed, parser: parser)
        let indices = parsed.errors.map(\.index)
        invariant(
            zip(indices, indices.dropFirst()).allSatisfy { $0 < $1 },
            "each record is rejected at most once, in order: \(indices)")
        invariant(
            parsed.errors.count == min(parsed.rejectedCount, 100),
            "\(parsed.errors.count) errors listed for \(parsed.rejectedCount) rejections")
        guard format == .ndjson else {
            // Oracle: Foundation's parser on the same body (when it reads it) sees as many records.
            if let top = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) {
                let records = (top as? [Any])?.count ?? 1
                invariant(
                    parsed.accepted + parsed.rejectedCount == records,
                    "\(parsed.accepted) accepted + \(parsed.rejectedCount) rejected of \(records) records")
            }
            return
        }
        // Oracle: each non-blank line is one record, accepted or rejected, exactly as on its own.
        let lines = body.split(separator: 0x0A, omittingEmptySubsequences: false)
            .filter { line in line.contains { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0D) } }
        invariant(
            parsed.accepted + parsed.rejectedCount == lines.count,
            "\(parsed.accepted) accepted + \(parsed.rejectedCount) rejected of \(lines.count) lines")
        invariant(indices.allSatisfy { $0 < lines.count }, "an error index beyond the lines")
        var accepted = 0, rejected = 0
        for line in lines {
            let alone = Array(line).withUnsafeBytes { try? parser.parse($0, format: .ndjson) }
            accepted += alone?.accepted ?? 0
            rejected += alone?.rejectedCount ?? 0
        }
        invariant(
            accepted == parsed.accepted && rejected == parsed.rejectedCount,
            "lines parsed alone: \(accepted)/\(rejected), together: \(parsed.accepted)/\(parsed.rejectedCount)")
    }

    /// What the window and the journal may receive: numbers missing or within the range rule,
    /// latencies missing or finite and ≥ 0, labels within their length limit.
    static func checkValues(_ parsed: ParsedEvents, parser: EventParser) {
        for batch in parsed.batches {
            invariant(
                batch.numbers.allSatisfy { $0.isNaN || NumberParser.inRange($0) }, "an out-of-range number was accepted"
            )
            invariant(
                batch.latencies.allSatisfy { $0.isNaN || ($0.isFinite && $0 >= 0) },
                "a negative or infinite latency was accepted")
            invariant(
                batch.categories.allSatisfy { ($0?.utf8.count ?? 0) <= parser.maxLabelBytes },
                "an over-long label was accepted")
            invariant(batch.numbers.count == batch.count * batch.numericWidth, "batch storage does not match its count")
        }
    }
}

/// The CSV and JSON-lines readers (TableReader), inferring or with a fixed schema. Oracle: the same
/// bytes fed in small chunks, split into parallel pieces, give exactly what they give in one piece.
enum TableTarget {
    struct Outcome: Equatable {
        var rows: [String] = []
        var refused: [String] = []
        var invalid: [String] = []
        var error: String?
    }

    static func read(_ body: [UInt8], format: TableFormat, schema: Schema?, chunk: Int, parallelism: Int = 1) -> Outcome
    {
        var reader = TableReader(format: format, schema: schema)
        reader.workers = .dispatch(parallelism)
        reader.minPieceBytes = 1  // cut even tiny chunks into pieces
        var out = Outcome()
        func sink(_ batch: EventBatch, _ schema: Schema) {
            invariant(
                batch.numericWidth == schema.numericCount && batch.categoricalWidth == schema.categoricalCount,
                "a batch of another width than its schema")
            invariant(
                batch.numbers.allSatisfy { $0.isNaN || NumberParser.inRange($0) },
                "a present number outside the range rule")
            let invalid = Set(batch.invalidCategories)
            invariant(invalid.allSatisfy { batch.categories[$0] == nil }, "an invalid label with a value")
            for e in 0..<batch.count {
                let numbers = (0..<batch.numericWidth).map { k in
                    let v = batch.number(e, k)
                    return EventBatch.isInvalid(v) ? "invalid" : v.isNaN ? "missing" : "\(v.bitPattern)"
                }
                let labels = (0..<batch.categoricalWidth).map { k in
                    batch.category(e, k)
                        ?? (invalid.contains(e * batch.categoricalWidth + k) ? "<invalid>" : "<missing>")
                }
                out.rows.append("\(numbers) \(labels)")
            }
        }
        do {
            var start = 0
            while start < body.count {
                let end = min(body.count, start + chunk)
                try reader.feed(Array(body[start..<end]), sink)
                start = end
            }
            try reader.finish(sink)
        } catch {
            out.error = "\(error)"
        }
        out.refused = reader.rejectedExamples.map { "\($0.line ?? -1) \($0.field) \($0.reason)" }
        out.invalid = reader.invalidExamples.map { "\($0.line) \($0.feature) \($0.reason)" }
        return out
    }

    static func run(_ input: UnsafeRawBufferPointer) {
        guard input.count >= 2 else { return }
        let mode = input[0], chunk = Int(input[1]) + 1
        let body = Array(input.dropFirst(2))
        let format: TableFormat = mode & 1 == 0 ? .csv : .jsonl
        let schema: Schema? = mode & 2 == 0 ? nil : Fixture.schema
        let whole = read(body, format: format, schema: schema, chunk: max(1, body.count))
        // Small chunks, each cut into up to 4 pieces parsed at once (CSV at records, JSON lines at line feeds).
        let pieces = read(body, format: format, schema: schema, chunk: chunk, parallelism: 1 + Int(mode >> 2) % 4)
        if whole.error != nil || pieces.error != nil {
            // An error ends the input: rows handed over before it depend on where batches were
            // cut, so they need only be a prefix of one another; the error must be the same.
            let n = min(whole.rows.count, pieces.rows.count)
            invariant(
                whole.error == pieces.error && whole.rows.prefix(n) == pieces.rows.prefix(n),
                "chunks of \(chunk) bytes failed differently: \(whole.error ?? "-") / \(pieces.error ?? "-")")
            return
        }
        invariant(
            whole == pieces,
            "chunks of \(chunk) bytes read differently: \(whole.error ?? "-") / \(pieces.error ?? "-"), rows \(whole.rows.count) / "
                + "\(pieces.rows.count)"
        )
        let lines = whole.refused.compactMap { Int($0.prefix { $0 != " " }) }
        invariant(
            zip(lines, lines.dropFirst()).allSatisfy { $0 < $1 },
            "refused line numbers not increasing: \(lines.prefix(10))")
    }
}

/// Checkpoint restore on any bytes: refused with an error, or restored to a window whose own
/// checkpoint restores to the same bytes, and that evaluates and takes more events.
enum CheckpointTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        guard let mode = input.first else { return }
        let config = Fixture.window(mode: mode & 1 == 0 ? .sliding : .tumbling)
        guard
            var window = try? StreamWindow(
                restoring: Array(input.dropFirst()), baseline: Fixture.baseline, config: config)
        else { return }
        let bytes = window.checkpoint()
        guard let again = try? StreamWindow(restoring: bytes, baseline: Fixture.baseline, config: config) else {
            invariant(false, "a restored window's checkpoint is refused")
            return
        }
        invariant(again.checkpoint() == bytes, "checkpoint → restore → checkpoint changed the bytes")
        window.insert(Fixture.events(5, seed: UInt64(input.count)), at: window.start + 1)
        _ = try? Fixture.evaluator.evaluate(window.snapshot())
        _ = window.latencyQuantiles([0.5, 0.9, 0.99])
    }
}

/// Journal replay over a segment made of a valid frame around the input (so the payload decoder
/// is reached past the CRC), or of the raw input; then an append after replay must come back.
enum JournalTarget {
    static let directory: String = {
        let d = NSTemporaryDirectory() + "driftwatch-fuzz-journal-\(getpid())"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    static func frame(_ payload: some Collection<UInt8>) -> [UInt8] {
        var w = BinaryWriter()
        w.u32(UInt32(payload.count))
        w.u32(CRC32.checksum(payload))
        w.raw(Array(payload))
        return w.bytes
    }

    /// Batches compared by their bytes (NaN, a missing value, is not == itself).
    static func encoded(_ batch: EventBatch) -> [UInt8] {
        var w = BinaryWriter()
        batch.encode(into: &w)
        return w.bytes
    }

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let mode = input.first else { return }
        for s in EventJournal.segments(in: directory) { unlink(directory + "/" + EventJournal.name(s)) }
        let body = Array(input.dropFirst())
        let file = mode & 1 == 0 ? frame(body) : body
        guard FileManager.default.createFile(atPath: directory + "/" + EventJournal.name(1), contents: Data(file))
        else { return }
        var first: [EventBatch] = []
        guard (try? EventJournal.replay(directory: directory, from: 1) { first.append($0.batch) }) != nil else {
            return
        }
        for batch in first {
            invariant(
                batch.numbers.count == batch.count * batch.numericWidth
                    && batch.categories.count == batch.count * batch.categoricalWidth
                    && batch.latencies.count == batch.count, "a replayed batch's storage does not match its count")
        }
        // Replay truncated any torn or corrupt tail: a second replay finds the same, cleanly.
        var second: [EventBatch] = []
        let problems =
            (try? EventJournal.replay(directory: directory, from: 1) { second.append($0.batch) }) ?? ["threw"]
        invariant(
            problems.isEmpty && second.map(encoded) == first.map(encoded),
            "replay after truncation differs: \(problems)")
        // An entry appended after recovery is never lost behind what was there.
        let appended = Fixture.events(3, seed: 1)
        do {
            var journal = try EventJournal(directory: directory)
            try journal.append(.init(time: 1, tail: nil, batch: appended))
        } catch {
            invariant(false, "append after replay failed: \(error)")
        }
        var third: [EventBatch] = []
        _ = try? EventJournal.replay(directory: directory, from: 1) { third.append($0.batch) }
        invariant(
            third.last.map(encoded) == encoded(appended) && third.count == first.count + 1,
            "the entry appended after recovery did not come back")
    }
}

/// The config decoder and validator (the YAML loader decodes the same Decodable; JSON is YAML).
enum ConfigTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        guard let config = try? JSONDecoder().decode(SidecarConfig.self, from: Data(input)) else { return }
        guard (try? config.validate()) != nil else { return }
        _ = config.effectiveSummary()
        for m in config.models {
            invariant(
                m.window.maxRecords >= 1 && m.evaluateEvery >= 0.1, "validate() passed \(m.name)'s window or interval")
            _ = m.window.bytes(schema: Fixture.schema)
        }
        invariant(config.checkpointEvery >= 0.1 && config.maxBodyBytes >= 1024, "validate() passed the server limits")
        _ = try? config.applying(environment: ["DRIFTWATCH_LOG_LEVEL": "debug", "DRIFTWATCH_LISTEN": "127.0.0.1:1"])
    }
}

/// Generated seeds (valid inputs only the code can write).
enum Seeds {
    static func write(_ t: Target, to dir: String) {
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func put(_ name: String, _ bytes: [UInt8]) {
            _ = FileManager.default.createFile(atPath: dir + "/gen-" + name, contents: Data(bytes))
        }
        switch t {
        case .checkpoint:
            for (i, mode) in [WindowMode.sliding, .tumbling].enumerated() {
                var w = StreamWindow(baseline: Fixture.baseline, config: Fixture.window(mode: mode), start: 1000)
                put("empty-\(mode)", [UInt8(i)] + w.checkpoint())
                w.insert(Fixture.events(40, seed: 2), at: 1001)
                w.insert(Fixture.events(40, seed: 3), at: 1002)
                put("full-\(mode)", [UInt8(i)] + w.checkpoint())
            }
        case .journal:
            var w = BinaryWriter()
            w.f64(1000)
            w.u8(1)
            TailPosition(source: "/var/log/model.jsonl", device: 1, inode: 2, offset: 300).encode(into: &w)
            Fixture.events(4, seed: 9).encode(into: &w)
            put("entry", [0] + w.bytes)
            put("two-frames-torn", [1] + JournalTarget.frame(w.bytes) + JournalTarget.frame(w.bytes).dropLast(3))
        case .events, .table, .config:
            break
        }
    }
}
