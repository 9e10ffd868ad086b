@testable import DriftCore
@testable import DriftRecords
import DriftStats
import Foundation
import Synchronization
import Testing

/// Random CSV text over a grammar of awkward fields: quoted fields with delimiters, escaped
/// quotes and line breaks, literal quotes inside unquoted fields, CRLF, lone CR, blank lines.
private func randomCSV(seed: UInt64, records: Int, columns: Int = 3) -> [UInt8] {
    var g = SplitMix64(seed: seed)
    let menu = [
        "1.5", "-3e-7", "", "abc", "\"q,uoted\"", "\"two\nlines\"", "\"esc \"\"x\"\"\"", "a\"b", "NA", "\"\"", "x y",
    ]
    let breaks = ["\n", "\r\n", "\r", "\n\n"]
    var out = ""
    for _ in 0..<records {
        out += (0..<columns).map { _ in menu[Int(g.next() % UInt64(menu.count))] }.joined(separator: ",")
        out += breaks[Int(g.next() % UInt64(breaks.count))]
    }
    return Array(out.utf8)
}

private func records(_ bytes: some Collection<UInt8>, firstLine: Int = 1) throws -> [(Int, [String])] {
    var out: [(Int, [String])] = []
    var fields: [CSVField] = []
    _ = try Array(bytes).withUnsafeBufferPointer { b in
        try CSVParser.parseWhole(b, firstLine: firstLine, fields: &fields) { out.append(($0.line, $0.strings)) }
    }
    return out
}

@Suite("Parallel CSV: split at record boundaries, typed per piece")
struct ParallelCSVTests {
    @Test("pieces end where the streaming parser's records end, for any piece count", arguments: 0..<40)
    func splitMatchesStreamingParser(seed: Int) throws {
        let text = randomCSV(seed: UInt64(seed), records: 1 + seed * 3)
        // Cut the text anywhere: the split must see only the complete records before the cut.
        let cut = text.count * (seed % 7 + 1) / 8
        let prefix = Array(text[..<cut])
        var streaming = CSVParser()
        var expected: [(Int, [String])] = []
        try streaming.feed(prefix) { expected.append(($0.line, $0.strings)) }
        let unparsed = streaming.takeRemainder().bytes
        for pieces in [1, 2, 3, 5] {
            let ends = prefix.withUnsafeBufferPointer { CSVSplit.pieces($0, pieces: pieces) }
            #expect(ends.count <= pieces)
            #expect(zip(ends, ends.dropFirst()).allSatisfy { $0 < $1 })
            var got: [(Int, [String])] = []
            var start = 0, line = 1
            for end in ends {
                let part = try records(prefix[start..<end], firstLine: line)
                got += part
                var fields: [CSVField] = []
                line = try Array(prefix[start..<end]).withUnsafeBufferPointer { b in
                    try CSVParser.parseWhole(b, firstLine: line, fields: &fields) { _ in }
                }
                start = end
            }
            #expect(got.map(\.1) == expected.map(\.1), "seed \(seed), \(pieces) pieces")
            #expect(got.map(\.0) == expected.map(\.0), "lines, seed \(seed), \(pieces) pieces")
            // And the rest really is no complete record: the streaming parser kept it unparsed.
            #expect(unparsed == Array(prefix[(ends.last ?? 0)...]))
        }
    }

    @Test("without quotes the split uses line feeds only, and a text of one line without a break has no piece")
    func plainText() {
        let text = Array("a,b\n1,2\n3,4\n5,6".utf8)
        let ends = text.withUnsafeBufferPointer { CSVSplit.pieces($0, pieces: 2) }
        #expect(ends == [8, 12])  // the cut after the first break past the middle; "5,6" is not complete
        #expect(Array("no break".utf8).withUnsafeBufferPointer { CSVSplit.pieces($0, pieces: 3) } == [])
        // A final CR may be the first half of CRLF: not an end yet.
        #expect(Array("a\"x\",b\r".utf8).withUnsafeBufferPointer { CSVSplit.pieces($0, pieces: 2) } == [])
    }

    /// A CSV for a two-numeric, one-categorical schema with invalid values sprinkled in.
    private static func table(rows: Int, seed: UInt64, badAt: Int? = nil) -> [UInt8] {
        var g = SplitMix64(seed: seed)
        var out = "x,c,y\n"
        for r in 0..<rows {
            if r == badAt { out += "1,2\n"; continue }
            let x = ["1.25", "", "abc", "7e400", "-0.5", "\"3\""][Int(g.next() % 6)]
            let c = ["red", "", "\"bl,ue\"", "green", String(repeating: "z", count: 1100)][Int(g.next() % 5)]
            out += "\(x),\(c),\(Double(g.next() % 1000) / 8)\n"
        }
        return Array(out.utf8)
    }

    private static let schema = try! Schema(features: [
        FeatureSpec(name: "x", kind: .numeric), FeatureSpec(name: "c", kind: .categorical),
        FeatureSpec(name: "y", kind: .numeric),
    ])

    private static func read(
        _ bytes: [UInt8], chunk: Int, parallelism: Int
    ) -> (rows: [String], invalid: [InvalidValue], error: InputError?) {
        var reader = TableReader(format: .csv, schema: schema)
        reader.workers = .dispatch(parallelism)
        reader.minPieceBytes = 1
        var rows: [String] = []
        let sink: TableReader.Sink = { batch, _ in
            for e in 0..<batch.count {
                rows.append("\((0..<2).map { batch.number(e, $0).bitPattern }) \(batch.category(e, 0) ?? "-")")
            }
        }
        do {
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + chunk)
                try reader.feed(Array(bytes[start..<end]), sink)
                start = end
            }
            try reader.finish(sink)
        } catch let e as InputError {
            return (rows, reader.invalidExamples, e)
        } catch {
            Issue.record("unexpected \(error)")
        }
        return (rows, reader.invalidExamples, nil)
    }

    @Test(
        "any parallelism and chunk size give the same rows, invalid examples and lines as one serial piece",
        arguments: [(1, 7), (2, 64), (3, 1000), (4, 4096), (8, 333)])
    func parallelEqualsSerial(parallelism: Int, chunk: Int) {
        let bytes = Self.table(rows: 3000, seed: UInt64(chunk))
        let serial = Self.read(bytes, chunk: bytes.count, parallelism: 1)
        let parallel = Self.read(bytes, chunk: chunk, parallelism: parallelism)
        #expect(serial.error == nil && parallel.error == nil)
        #expect(serial.rows.count == 3000)
        #expect(parallel.rows == serial.rows)
        #expect(parallel.invalid == serial.invalid)
        #expect(serial.invalid.count == 20)
        #expect(
            zip(serial.invalid, serial.invalid.dropFirst()).allSatisfy { $0.line <= $1.line }
                && serial.invalid[0].line >= 2)
    }

    @Test("an error names the same line and column whatever the parallelism; rows before it are a prefix")
    func errorLines() throws {
        let bytes = Self.table(rows: 2000, seed: 9, badAt: 1234)
        let serial = Self.read(bytes, chunk: bytes.count, parallelism: 1)
        // The same rows up to the bad one (the generator draws nothing for it).
        let good = Self.read(Self.table(rows: 2000, seed: 9), chunk: 1 << 20, parallelism: 1).rows.prefix(1234)
        let expected = InputError(line: 1236, column: 3, message: "expected 3 fields as in the header, found 2")
        #expect(serial.error == expected)
        #expect(serial.rows.count <= 1234 && Array(good.prefix(serial.rows.count)) == serial.rows)
        for (parallelism, chunk) in [(2, 100), (3, 5000), (5, 17)] {
            let parallel = Self.read(bytes, chunk: chunk, parallelism: parallelism)
            #expect(parallel.error == expected)
            #expect(parallel.rows.count <= 1234 && Array(good.prefix(parallel.rows.count)) == parallel.rows)
        }
    }
}

@Suite("Label table")
struct LabelTableTests {
    @Test("codes are dense in first-seen order, per slot, and the same from bytes and from a String")
    func codes() {
        var t = LabelTable()
        var codes: [Int32] = []
        for i in 0..<5000 {
            let label = "l\(i % 700)"
            codes.append(Array(label.utf8).withUnsafeBufferPointer { t.code(slot: i % 2, bytes: $0) })
        }
        // 700 labels × the 2 slots they appear in (i % 700 and i % 2 have the same parity: 350 each).
        #expect(t.count == 700)
        #expect(codes.prefix(700) == ArraySlice((0..<700).map(Int32.init)))
        #expect(codes.dropFirst(700).allSatisfy { $0 < 700 })
        #expect(t.strings[0] == "l0" && t.strings[699] == "l699")
        #expect(t.code(slot: 0, label: "l0") == 0)
        #expect(t.code(slot: 1, label: "l0") == 700)  // the same bytes in another slot: another code
        #expect(t.code(slot: 0, label: "é😀 long label over fifteen bytes") == 701)
        #expect(
            Array("é😀 long label over fifteen bytes".utf8).withUnsafeBufferPointer { t.code(slot: 0, bytes: $0) } == 701
        )
        #expect(Array("".utf8).withUnsafeBufferPointer { t.code(slot: 0, bytes: $0) } == 702)
    }

    @Test("a batch built from labels or from codes holds the same events")
    func batchForms() {
        var a = EventBatch(numericWidth: 1, categoricalWidth: 2)
        var b = EventBatch(numericWidth: 1, categoricalWidth: 2)
        let rows: [[String?]] = [["x", "y"], [nil, "x"], ["x", nil], ["zz", "y"]]
        for r in rows {
            a.append(numbers: [1], categories: r)
            var codes: [Int32] = []
            for (k, l) in r.enumerated() {
                codes.append(
                    l.map { s in Array(s.utf8).withUnsafeBufferPointer { b.labelCode(slot: k, bytes: $0) } } ?? -1)
            }
            [1.0].withUnsafeBufferPointer { n in codes.withUnsafeBufferPointer { c in b.append(numbers: n, codes: c) } }
        }
        #expect(a == b)
        #expect(a.categories == rows.flatMap { $0 })
        var c = EventBatch(numericWidth: 1, categoricalWidth: 2)
        c.append(contentsOf: a)
        c.append(contentsOf: b)
        #expect(c.categories == rows.flatMap { $0 } + rows.flatMap { $0 })
        #expect(c.labels.count == 4)  // distinct (slot, label) pairs: (0, x) (1, y) (1, x) (0, zz)
    }
}

@Suite("Ordered work")
struct OrderedWorkTests {
    /// A box the work items record into (what ran at once), behind a lock.
    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var running = 0
        private(set) var most = 0
        func enter() { lock.lock(); running += 1; most = max(most, running); lock.unlock() }
        func leave() { lock.lock(); running -= 1; lock.unlock() }
    }

    @Test("outputs are taken in submission order, at most depth items run at once, every item is taken")
    func order() {
        let work = OrderedWork<Int>(depth: 3, workers: .dispatch(3))
        let tally = Tally()
        var taken: [Int] = []
        for i in 0..<200 {
            work.submit(
                concurrent: true,
                {
                    tally.enter()
                    defer { tally.leave() }
                    // Later items finish first now and then: order must come from the queue, not timing.
                    if i % 7 == 0 { usleep(UInt32(200 + (i % 3) * 300)) }
                    return i * i
                }, take: { taken.append($0) })
        }
        work.drain { taken.append($0) }
        #expect(taken == (0..<200).map { $0 * $0 })
        #expect(tally.most <= 3)
        #expect(work.isEmpty)
    }

    @Test("an item run inline waits for the earlier ones; an error from take stops the caller, not the others")
    func inlineAndErrors() throws {
        struct Stop: Error {}
        let work = OrderedWork<Int>(depth: 4, workers: .dispatch(4))
        var taken: [Int] = []
        for i in 0..<5 {
            work.submit(
                concurrent: true,
                {
                    usleep(500); return i
                }, take: { taken.append($0) })
        }
        work.submit(concurrent: false, { 99 }, take: { taken.append($0) })
        #expect(taken == [0, 1, 2, 3, 4, 99])
        // Held until all three are submitted, so none is taken by a later submit.
        let gate = DispatchSemaphore(value: 0)
        for i in 0..<3 {
            work.submit(
                concurrent: true,
                {
                    gate.wait(); return i
                }, take: { taken.append($0) })
        }
        for _ in 0..<3 { gate.signal() }
        #expect(throws: Stop.self) {
            try work.drain { v in
                if v == 1 { throw Stop() }; taken.append(v)
            }
        }
        work.drain { taken.append($0) }
        #expect(taken == [0, 1, 2, 3, 4, 99, 0, 2])
    }
}

@Suite("Workers")
struct WorkersTests {
    @Test("together runs each copy once, the first on the calling thread, the rest at once; inline runs one copy here")
    func together() {
        let tally = OrderedWorkTests.Tally()
        let ran = Mutex([Int]())
        let caller = Thread.current
        let onCaller = Mutex(false)
        // Each copy waits (10 s at most, so copies run one after another fail instead of hanging)
        // until all three have entered: only copies that run at once are all inside together.
        let arrived = DispatchSemaphore(value: 0), go = DispatchSemaphore(value: 0)
        Workers.dispatch(3).together(5) { i in
            tally.enter()
            ran.withLock { $0.append(i) }
            if i == 0 { onCaller.withLock { $0 = Thread.current == caller } }
            arrived.signal()
            if i == 0 {
                for _ in 0..<3 { _ = arrived.wait(timeout: .now() + 10) }
                for _ in 0..<3 { go.signal() }
            }
            _ = go.wait(timeout: .now() + 10)
            tally.leave()
        }
        #expect(ran.withLock { $0.sorted() } == [0, 1, 2] && onCaller.withLock { $0 } && tally.most == 3)
        var inline: [Int] = []
        Workers.inline.together(4) { inline.append($0) }
        #expect(inline == [0])
    }

    @Test("an evaluation on 4 workers gives the report of one worker")
    func evaluatorWorkers() throws {
        var window = StreamWindow(baseline: StreamWindowTests.baseline, config: WindowConfig(), start: 0)
        window.insert(StreamWindowTests.events(0..<4_000), at: 1)
        var serial = try Evaluator(
            baseline: StreamWindowTests.baseline, model: "m", baselineVersion: "1", settings: .init())
        serial.workers = .inline
        var parallel = serial
        parallel.workers = .dispatch(4)
        let a = try serial.evaluate(window.snapshot()), b = try parallel.evaluate(window.snapshot())
        #expect(a.features == b.features && a.multivariate == b.multivariate && a.dataset == b.dataset)
    }
}
