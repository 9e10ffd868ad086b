import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An input error: which line, column (1-based field position, CSV only) and field, and why. The
/// executable prefixes the file name.
public struct InputError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int?
    public let column: Int?
    public let field: String?
    public let message: String

    public init(line: Int? = nil, column: Int? = nil, field: String? = nil, message: String) {
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    public var description: String {
        var parts: [String] = []
        if let line { parts.append("line \(line)") }
        if let column { parts.append("column \(column)") }
        if let field { parts.append("field \"\(field)\"") }
        return parts.isEmpty ? message : parts.joined(separator: ", ") + ": " + message
    }
}

/// Input formats of `baseline build` and `compare`.
public enum TableFormat: String, Sendable, CaseIterable {
    /// RFC 4180 CSV with a header row.
    case csv
    /// One JSON object per line: the record contract (`features` object) or flat objects.
    case jsonl

    /// The format a file name implies (`.csv`, `.jsonl`, `.ndjson`, `.json`), if any.
    public static func guess(fileName: String) -> TableFormat? {
        let lower = fileName.lowercased()
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json") { return .jsonl }
        return nil
    }
}

/// Streams CSV or JSON-lines bytes into `EventBatch`es for a schema, given or inferred from the
/// first rows (which are buffered, then replayed): what `compare` feeds the sidecar's window and
/// `baseline build` its profile. Memory is bounded by the inference sample and one chunk.
///
/// One typing path: JSON lines go through the sidecar's `EventParser` (so a record `compare`
/// refuses, the sidecar refuses, and a value it counts invalid the sidecar counts invalid), CSV
/// fields through the same `FieldTyping` rule. A JSON line that the record contract refuses is
/// counted by reason (`rejected`, first examples with their line) and the rest is read on;
/// records of other models are skipped (`skippedOtherModels`). CSV structure errors (a row with
/// the wrong number of fields, a bad header) end the input with an `InputError`.
public struct TableReader {
    public let format: TableFormat
    /// The model whose records are read (JSON lines with a `model` field).
    public let model: String
    public private(set) var schema: Schema?
    /// Records typed so far (accepted: refused and skipped ones not included).
    public private(set) var rows = 0
    /// Input columns that are not in the schema (CSV header names; JSON keys, first 100).
    public private(set) var unknownColumns: [String] = []
    /// Schema features that the input does not have (CSV: no such header column).
    public private(set) var absentFeatures: [String] = []
    /// JSON lines refused by the record contract, by reason.
    public private(set) var rejected: [RejectReason: Int] = [:]
    /// The first refused lines (line, field, reason).
    public private(set) var rejectedExamples: [RecordError] = []
    /// JSON lines of other models, skipped.
    public private(set) var skippedOtherModels = 0
    /// The first invalid values (counted invalid in their feature).
    public private(set) var invalidExamples: [InvalidValue] = []
    /// Longest line accepted (JSON lines).
    public var maxLineBytes = 16 << 20
    /// Events per batch handed to the sink (CSV, while the schema is inferred; later a batch per
    /// piece of a chunk).
    public var batchSize = 8192
    /// Where the pieces of each chunk are parsed at once, one piece per worker: CSV cut at record
    /// boundaries (`CSVSplit`), JSON lines at line feeds. Batches reach the sink in input order,
    /// and the result (rows, errors and their lines, refusals, invalid examples) is the same for
    /// every count.
    public var workers = Workers.inline
    var parallelism: Int { workers.count }
    /// Pending bytes below which a chunk is parsed as one piece (not worth a hand-off).
    public var minPieceBytes = 1 << 16

    private var inference: SchemaInference
    private var csv = CSVParser()
    private var header: [String]?
    private var typer: CSVRowTyper?
    private var bufferedText: [(line: Int, fields: [String?])] = []
    /// CSV once the header and schema are known: whole records are cut into pieces (`CSVSplit`)
    /// and typed by `parallelism` workers; this is the unfinished last record.
    private var piecePending: [UInt8]?
    /// CSV: the physical line on which the next piece to be taken starts.
    private var pieceLine = 1
    /// Pieces being typed (CSV) or parsed (JSON lines) on other threads, taken in input order.
    private var csvWork: OrderedWork<CSVRowTyper.Piece>?
    private var jsonWork: OrderedWork<ParsedEvents>?
    private var parser: EventParser?
    // JSON lines: the unfinished last line, and the line number of the next byte.
    private var pending: [UInt8] = []
    private var line = 1
    private var bufferedLines: [(line: Int, bytes: [UInt8])] = []
    private var unknownSet: Set<String> = []
    /// JSON lines: records (non-blank lines) parsed so far, so refusals carry their index in the file.
    private var recordsParsed = 0

    /// Receives every typed batch with the schema it follows.
    public typealias Sink = (_ batch: EventBatch, _ schema: Schema) throws -> Void

    /// Notes from schema inference.
    public var notes: [String] { inference.notes }

    /// Records refused in all.
    public var rejectedCount: Int { rejected.values.reduce(0, +) }

    /// - Parameters:
    ///   - schema: the schema to type against; `nil` infers one from the first rows.
    public init(
        format: TableFormat, schema: Schema?, model: String = "model",
        inference options: SchemaInference.Options = .init()
    ) {
        self.format = format
        self.model = model
        self.inference = SchemaInference(options: options)
        if let schema { bind(schema) }
    }

    private mutating func bind(_ schema: Schema) {
        self.schema = schema
        var p = EventParser(models: [(model, schema)])
        p.otherModels = .skip
        parser = p
    }

    /// Parses a chunk and calls `sink` with the records typed so far.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ sink: Sink) throws {
        switch format {
        case .csv:
            if piecePending != nil { return try feedPieces(chunk.bindMemory(to: UInt8.self), final: false, sink) }
            var parser = csv
            csv = CSVParser()
            defer { csv = parser }
            try mapCSVError { try parser.feed(chunk) { record in try csvRecord(record, sink) } }
            try flushTyper(sink, force: true)
            if typer != nil && bufferedText.isEmpty {
                // Header and schema known: from here on, whole records are cut into pieces.
                let rest = parser.takeRemainder()
                piecePending = rest.bytes
                pieceLine = rest.line
            }
        case .jsonl:
            let bytes = chunk.bindMemory(to: UInt8.self)
            guard let lastBreak = bytes.lastIndex(of: 0x0A) else {
                pending.append(contentsOf: bytes)
                try checkPending()
                return
            }
            if pending.isEmpty {
                try lines(UnsafeBufferPointer(rebasing: bytes[..<(lastBreak + 1)]), sink)
            } else {
                // The unfinished line ends at this chunk's first break: its whole length is known now.
                if pending.count + bytes.firstIndex(of: 0x0A)! > maxLineBytes {
                    throw InputError(line: line, message: "line longer than \(maxLineBytes) bytes")
                }
                pending.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[..<(lastBreak + 1)]))
                let whole = pending
                pending = []
                try whole.withUnsafeBufferPointer { try lines($0, sink) }
            }
            pending.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[(lastBreak + 1)...]))
            try checkPending()
        }
    }

    public mutating func feed(_ chunk: [UInt8], _ sink: Sink) throws {
        try chunk.withUnsafeBytes { try feed($0, sink) }
    }

    /// Ends the input: the last record, and the schema if it was still being inferred.
    public mutating func finish(_ sink: Sink) throws {
        switch format {
        case .csv:
            if piecePending != nil {
                try feedPieces(UnsafeBufferPointer(start: nil, count: 0), final: true, sink)
            } else {
                var parser = csv
                defer { csv = parser }
                try mapCSVError { try parser.finish { record in try csvRecord(record, sink) } }
            }
            if header == nil { throw InputError(line: 1, message: "the input is empty: a CSV needs a header row") }
        case .jsonl:
            if !pending.isEmpty {
                let whole = pending
                pending = []
                try whole.withUnsafeBufferPointer { try lines($0, sink) }
            }
        }
        if schema == nil { try fixSchema(sink) }
        try jsonWork?.drain { try takeParsed($0, sink) }
        try flushTyper(sink, force: true)
    }


    // MARK: CSV

    private mutating func csvRecord(_ record: CSVRecord, _ sink: Sink) throws {
        guard let header else {
            let names = record.strings
            for (i, name) in names.enumerated() {
                if name.isEmpty {
                    throw InputError(line: record.line, column: i + 1, message: "empty column name in the header")
                }
                if let j = names[..<i].firstIndex(of: name) {
                    throw InputError(
                        line: record.line, column: i + 1, field: name,
                        message: "duplicate column name (also column \(j + 1))")
                }
            }
            header = names
            if schema != nil { bindCSV() }
            return
        }
        if typer != nil {
            try typer!.type(record)
            try flushTyper(sink)
            return
        }
        try CSVRowTyper.checkWidth(record, header.count)
        if schema == nil {
            var fields: [String?] = []
            fields.reserveCapacity(record.count)
            for i in 0..<record.count {
                let text: String? = record.isEmpty(i) ? nil : record.string(i)
                inference.observe(text: text, column: header[i])
                fields.append(text)
            }
            bufferedText.append((record.line, fields))
            if bufferedText.count >= inference.options.sampleRows { try fixSchema(sink) }
            return
        }
    }

    /// Hands the serial typer's batch to the sink when full (or `force`).
    private mutating func flushTyper(_ sink: Sink, force: Bool = false) throws {
        guard let schema, let t = typer, t.batch.count >= (force ? 1 : batchSize) else { return }
        let done = typer!.take()
        rows += done.rows
        for e in done.invalid where invalidExamples.count < 20 { invalidExamples.append(e) }
        try sink(done.batch, schema)
    }

    /// Whole records of `pending + chunk` (all of it when `final`) cut into `parallelism` pieces,
    /// each typed on another thread (`OrderedWork`); typed pieces are taken in input order, by
    /// this call or a later one, so the sink (the window's inserts) runs while the next pieces
    /// are typed, with no barrier per chunk. The unfinished last record is kept; the last call
    /// takes everything.
    private mutating func feedPieces(_ chunk: UnsafeBufferPointer<UInt8>, final: Bool, _ sink: Sink) throws {
        guard var pending = piecePending, let schema, let typer else { return }
        piecePending = nil
        defer { piecePending = pending }
        pending.append(contentsOf: chunk)
        let delimiter = csv.delimiter
        let workers = max(1, parallelism)
        let concurrent = workers > 1 && pending.count >= minPieceBytes
        var ends = pending.withUnsafeBufferPointer {
            CSVSplit.pieces($0, delimiter: delimiter, pieces: concurrent ? workers : 1)
        }
        if final && ends.last != pending.count && !pending.isEmpty {
            ends.append(pending.count)  // the last record, unterminated (or an unclosed quote: an error)
        }
        // The pieces share this buffer (copy-on-write, no copy) until they are typed; the
        // unfinished record moves to a fresh one, sized for the next chunk.
        let buffer = pending
        if let consumed = ends.last {
            var rest: [UInt8] = []
            rest.reserveCapacity(buffer.count - consumed + chunk.count)
            rest.append(contentsOf: buffer[consumed...])
            pending = rest
        }
        if csvWork == nil { csvWork = OrderedWork(depth: workers + 1, workers: self.workers) }
        let work = csvWork!
        var from = 0
        for end in ends {
            let range = from..<end
            from = end
            try work.submit(
                concurrent: concurrent,
                {
                    buffer.withUnsafeBufferPointer {
                        typer.typePiece(UnsafeBufferPointer(rebasing: $0[range]), delimiter: delimiter)
                    }
                }, take: { try takePiece($0, schema, sink) })
        }
        if final {
            try work.drain { try takePiece($0, schema, sink) }
            pending = []
        } else if pending.count > csv.maxRecordBytes {
            try work.drain { try takePiece($0, schema, sink) }  // the line the record starts on
            throw InputError(
                line: pieceLine, message: "record longer than \(csv.maxRecordBytes) bytes (unbalanced quote?)")
        }
    }

    /// A typed piece, in input order: its lines made file-wide, its rows to the sink.
    private mutating func takePiece(_ piece: CSVRowTyper.Piece, _ schema: Schema, _ sink: Sink) throws {
        let shift = pieceLine - 1
        for e in piece.invalid where invalidExamples.count < 20 {
            invalidExamples.append(InvalidValue(line: e.line + shift, feature: e.feature, reason: e.reason))
        }
        if let error = piece.error {
            throw InputError(
                line: error.line.map { $0 + shift }, column: error.column, field: error.field, message: error.message)
        }
        pieceLine += piece.lines
        rows += piece.batch.count
        if !piece.batch.isEmpty { try sink(piece.batch, schema) }
    }

    private mutating func bindCSV() {
        guard let header, let schema else { return }
        let position = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        typer = CSVRowTyper(
            schema: schema, fieldCount: header.count,
            numericColumns: schema.numericIndices.map { position[schema.features[$0].name] ?? -1 },
            categoricalColumns: schema.categoricalIndices.map { position[schema.features[$0].name] ?? -1 })
        absentFeatures = schema.features.map(\.name).filter { position[$0] == nil }
        unknownColumns = header.filter { schema.index(of: $0) == nil }
    }

    // MARK: JSON lines

    private mutating func checkPending() throws {
        if pending.count > maxLineBytes {
            throw InputError(line: line, message: "line longer than \(maxLineBytes) bytes")
        }
    }

    /// Whole lines (the last one may lack its line break only at the end of the input).
    private mutating func lines(_ body: UnsafeBufferPointer<UInt8>, _ sink: Sink) throws {
        var body = body
        if line == 1, body.count >= 3, body[0] == 0xEF, body[1] == 0xBB, body[2] == 0xBF {
            body = UnsafeBufferPointer(rebasing: body[3...])  // a UTF-8 byte order mark
        }
        let first = line
        line += Self.lineFeeds(body)
        guard schema != nil else {
            var start = 0
            var n = first
            while start < body.count {
                let stop = body[start...].firstIndex(of: 0x0A) ?? body.count
                let text = UnsafeBufferPointer(rebasing: body[start..<stop])
                if schema == nil {
                    // Blank lines are skipped, as the parser skips them.
                    guard text.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else {
                        start = stop + 1
                        n += 1
                        continue
                    }
                    observe(text)
                    bufferedLines.append((n, Array(text)))
                    if bufferedLines.count >= inference.options.sampleRows { try fixSchema(sink) }
                } else {
                    try parse(text, firstLine: n, sink)
                }
                start = stop + 1
                n += 1
            }
            return
        }
        try parse(body, firstLine: first, sink)
    }

    /// Parses whole lines through the sidecar's `EventParser`. A body of at least `minPieceBytes`
    /// is copied, cut at line feeds into `parallelism` pieces and each parsed on another thread
    /// (`OrderedWork`); parsed pieces are taken in input order, by this call or a later one, with
    /// record indexes made file-wide (shifted by the records before), so rows, refusals, invalid
    /// examples and their lines are the same for any cut.
    private mutating func parse(_ body: UnsafeBufferPointer<UInt8>, firstLine: Int, _ sink: Sink) throws {
        guard let parser else { return }
        let concurrent = parallelism > 1 && body.count >= minPieceBytes
        let workers = concurrent ? parallelism : 1
        // Piece ends: after the first line feed at or past each equal share of the bytes.
        var ends: [Int] = []
        var firstLines = [firstLine]
        var from = 0
        for k in 1..<workers {
            let target = Swift.max(from, body.count * k / workers)
            guard let lf = body[target...].firstIndex(of: 0x0A), lf + 1 < body.count else { break }
            ends.append(lf + 1)
            firstLines.append(firstLines.last! + Self.lineFeeds(UnsafeBufferPointer(rebasing: body[from..<(lf + 1)])))
            from = lf + 1
        }
        ends.append(body.count)
        // A piece handed to another thread reads its own copy (the caller reuses its buffer).
        let owned: [UInt8] = concurrent ? Array(body) : []
        nonisolated(unsafe) let borrowed = body  // read only by pieces run inline, within this call
        if jsonWork == nil { jsonWork = OrderedWork(depth: 2 * Swift.max(1, parallelism), workers: self.workers) }
        let work = jsonWork!
        for i in ends.indices {
            let range = (i == 0 ? 0 : ends[i - 1])..<ends[i]
            let first = firstLines[i]
            try work.submit(
                concurrent: concurrent,
                {
                    let run = { (b: UnsafeBufferPointer<UInt8>) in
                        // NDJSON never throws a body error: each line stands alone.
                        (try? parser.parse(
                            UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: b[range])), format: .ndjson,
                            firstLine: first))
                            ?? ParsedEvents(schemas: [parser.models[0].schema])
                    }
                    return concurrent ? owned.withUnsafeBufferPointer(run) : run(borrowed)
                }, take: { try takeParsed($0, sink) })
        }
    }

    /// A parsed piece of JSON lines, in input order.
    private mutating func takeParsed(_ parsed: ParsedEvents, _ sink: Sink) throws {
        for (reason, n) in parsed.rejected[0] { rejected[reason, default: 0] += n }
        for e in parsed.errors where rejectedExamples.count < 20 {
            rejectedExamples.append(
                RecordError(
                    index: e.index + recordsParsed, line: e.line, field: e.field,
                    reason: e.reason, kind: e.kind))
        }
        for e in parsed.invalid where invalidExamples.count < 20 {
            let feature = e.field.hasPrefix("features.") ? String(e.field.dropFirst(9)) : e.field
            invalidExamples.append(InvalidValue(line: e.line ?? 0, feature: feature, reason: e.reason))
        }
        skippedOtherModels += parsed.skipped
        for name in parsed.unknownFeatureNames[0].sorted() where unknownSet.count < 100 {
            if unknownSet.insert(name).inserted { unknownColumns.append(name) }
        }
        let b = parsed.batches[0]
        rows += b.count
        recordsParsed += parsed.accepted + parsed.rejectedCount + parsed.skipped
        if !b.isEmpty, let parser { try sink(b, parser.models[0].schema) }
    }

    /// Line feeds in `bytes` (`memchr` steps).
    static func lineFeeds(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard var p = UnsafeRawPointer(bytes.baseAddress) else { return 0 }
        let end = p + bytes.count
        var n = 0
        while p < end, let hit = memchr(p, 0x0A, end - p) {
            n += 1
            p = UnsafeRawPointer(hit) + 1
        }
        return n
    }

    /// Inference: the values of one line's features (the `features` object's members, or a flat
    /// object's non-envelope keys; `prediction` and `score` beside them), by JSON type.
    private mutating func observe(_ text: UnsafeBufferPointer<UInt8>) {
        var s = JSONScanner(text)
        s.skipWhitespace()
        guard s.peek() == UInt8(ascii: "{") else { return }
        var found: [(String, JSONScanner.Token)] = []
        var nested: [String] = []
        var featuresAt: Int?
        var extra: [(String, Int)] = []
        do {
            let start = s.position
            var otherModel = false
            try s.object { s, key in
                if key == "model" {
                    let t = try s.token()
                    if case .string(let m) = t {
                        otherModel = m != model
                    } else {
                        try s.skipContainer(t)
                        otherModel = true  // refused by the parser: not this model's evidence either
                    }
                    return
                }
                if key == "features", s.peek() == UInt8(ascii: "{") { featuresAt = s.position }
                if key == "prediction" || key == "score" { extra.append((key, s.position)) }
                try s.skip(depth: 1)
            }
            // Another model's record says nothing about this model's schema (the parser skips it).
            if otherModel { return }
            func member(_ s: inout JSONScanner, _ key: String, depth: Int) throws {
                let token = try s.token()
                if token == .objectStart || token == .arrayStart {
                    nested.append(key); try s.skip(depth: depth)
                } else {
                    found.append((key, token))
                }
            }
            if let at = featuresAt {
                var r = JSONScanner(text, from: at)
                var seen: Set<String> = []
                try r.object(depth: 1) { r, key in
                    seen.insert(key); try member(&r, key, depth: 2)
                }
                for (key, at) in extra where !seen.contains(key) {
                    var r = JSONScanner(text, from: at)
                    try member(&r, key, depth: 2)
                }
            } else {
                var r = JSONScanner(text, from: start)
                try r.object { r, key in
                    switch key {
                    case "model", "timestamp", "request_id", "latency_ms", "status", "features": try r.skip(depth: 1)
                    default: try member(&r, key, depth: 1)
                    }
                }
            }
        } catch {
            return  // refused when the line is typed
        }
        for (key, token) in found { inference.observe(token: token, column: key) }
        for key in nested { inference.observe(nested: key) }
    }

    // MARK: inference

    private mutating func fixSchema(_ sink: Sink) throws {
        if format == .csv, let header { for name in header { inference.column(name) } }
        let inferred: Schema
        do {
            inferred = try inference.schema()
        } catch let error as SchemaError {
            // The header (CSV) or the first record (JSON lines) is where the columns come from.
            let line = format == .csv ? 1 : bufferedLines.first?.line
            throw InputError(line: line, message: "cannot infer a schema: \(error.message)")
        }
        bind(inferred)
        switch format {
        case .csv:
            bindCSV()
            let buffered = bufferedText
            bufferedText = []
            for (line, fields) in buffered {
                typer!.typeFields(line: line) { column, body in
                    var text = fields[column] ?? ""
                    text.withUTF8 { body($0) }
                }
                try flushTyper(sink)
            }
            try flushTyper(sink, force: true)
        case .jsonl:
            let buffered = bufferedLines
            bufferedLines = []
            for (line, bytes) in buffered { try bytes.withUnsafeBufferPointer { try parse($0, firstLine: line, sink) } }
        }
        try flushTyper(sink, force: true)
    }

    private func mapCSVError(_ body: () throws -> Void) throws {
        do { try body() } catch let e as CSVError {
            throw InputError(line: e.line, column: e.column, message: e.message)
        }
    }
}
