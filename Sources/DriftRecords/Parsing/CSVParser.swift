/// A structural error in CSV input: where (1-based physical line and field) and why.
public struct CSVError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "line \(line), column \(column): \(message)" }
}

/// One field of a record: a byte range of the parser's buffer, and whether it needs `""` → `"`.
public struct CSVField: Sendable {
    @usableFromInline var start: Int
    @usableFromInline var end: Int
    @usableFromInline var hasEscapedQuotes: Bool
}

/// A parsed record, valid only inside the callback that receives it (it points into the parser's
/// buffer). `line` is the 1-based physical line on which the record starts.
public struct CSVRecord {
    public let line: Int
    @usableFromInline let bytes: UnsafeBufferPointer<UInt8>
    @usableFromInline let fields: UnsafeBufferPointer<CSVField>

    public var count: Int { fields.count }

    /// Calls `body` with the field's bytes (unquoted and unescaped).
    @inlinable
    public func withField<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let f = fields[i]
        let raw = UnsafeBufferPointer(rebasing: bytes[f.start..<f.end])
        guard f.hasEscapedQuotes else { return try body(raw) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var k = 0
        while k < raw.count {
            out.append(raw[k])
            k += (raw[k] == 0x22 && k + 1 < raw.count && raw[k + 1] == 0x22) ? 2 : 1
        }
        return try out.withUnsafeBufferPointer(body)
    }

    /// The field as a string (invalid UTF-8 is repaired with U+FFFD).
    public func string(_ i: Int) -> String { withField(i) { String(decoding: $0, as: UTF8.self) } }

    /// Whether the field is empty (no bytes between the delimiters or quotes).
    public func isEmpty(_ i: Int) -> Bool { fields[i].start == fields[i].end }

    /// All fields as strings.
    public var strings: [String] { (0..<count).map(string) }
}

/// A streaming RFC 4180 parser: comma-separated fields, fields optionally in double quotes, `""`
/// for a quote inside a quoted field, quoted fields may hold delimiters and line breaks, records end
/// with LF or CRLF (a lone CR too). Feed it chunks of any size; it keeps only the unfinished last
/// record between chunks, so memory stays bounded by the longest record (capped by
/// `maxRecordBytes`).
///
/// Leniencies, as most readers (pandas, Python's csv) have them: a quote inside an unquoted field is
/// literal; blank lines are skipped; a UTF-8 byte-order mark at the start is dropped.
/// Errors: text after a closing quote, an unterminated quote at the end of input, a record longer
/// than `maxRecordBytes`.
public struct CSVParser {
    public let delimiter: UInt8
    public let maxRecordBytes: Int
    private var buffer: [UInt8] = []
    private var fields: [CSVField] = []
    private var line = 1
    private var atStart = true

    public init(delimiter: UInt8 = UInt8(ascii: ","), maxRecordBytes: Int = 16 << 20) {
        self.delimiter = delimiter
        self.maxRecordBytes = maxRecordBytes
    }

    /// Parses the complete records in `chunk` (plus what was left from earlier chunks) and calls
    /// `body` for each.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ body: (borrowing CSVRecord) throws -> Void) throws {
        buffer.append(contentsOf: chunk)
        try parseBuffer(final: false, body)
    }

    public mutating func feed(_ chunk: [UInt8], _ body: (borrowing CSVRecord) throws -> Void) throws {
        try chunk.withUnsafeBytes { try feed($0, body) }
    }

    /// Ends the input: parses the last record (which may lack a line break).
    public mutating func finish(_ body: (borrowing CSVRecord) throws -> Void) throws {
        try parseBuffer(final: true, body)
    }

    private mutating func parseBuffer(final: Bool, _ body: (borrowing CSVRecord) throws -> Void) throws {
        if atStart && buffer.count >= 3 {
            if buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { buffer.removeFirst(3) }
            atStart = false
        } else if atStart && final {
            atStart = false
        }
        if atStart { return }
        var line = self.line
        var fields = self.fields
        self.fields = []
        defer { self.fields = fields }
        var consumed = try buffer.withUnsafeBufferPointer { b in
            try Self.records(in: b, delimiter: delimiter, final: final, line: &line, fields: &fields, body)
        }
        if !final && buffer.count - consumed > maxRecordBytes {
            throw CSVError(
                line: line, column: fields.count + 1,
                message: "record longer than \(maxRecordBytes) bytes (unbalanced quote?)")
        }
        if final { consumed = buffer.count }
        buffer.removeFirst(consumed)
        self.line = line
        if final { self.line = 1; atStart = true }
    }

    /// Parses `bytes` holding whole records only (as `CSVSplit` cuts them; no byte-order mark),
    /// the first on physical line `firstLine`, and returns the line after the last. What a worker
    /// of the parallel reader runs on its piece; `fields` is its scratch.
    public static func parseWhole(
        _ bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8 = UInt8(ascii: ","), firstLine: Int,
        fields: inout [CSVField], _ body: (borrowing CSVRecord) throws -> Void
    ) throws -> Int {
        var line = firstLine
        _ = try records(in: bytes, delimiter: delimiter, final: true, line: &line, fields: &fields, body)
        return line
    }

    /// The bytes not parsed yet (the start of an unfinished record) and the line they start on;
    /// the parser is left empty. For a reader switching to `parseWhole` on split pieces.
    public mutating func takeRemainder() -> (bytes: [UInt8], line: Int) {
        let rest = (buffer, line)
        buffer = []
        return rest
    }

    /// The offset of the first delimiter, LF or CR at or after `from` among the whole 8-byte
    /// words of `b` (or where those words end: the caller finishes byte by byte). A byte equal
    /// to `c` is found as a zero byte of `w ^ c·0x01…01`; the lowest flag of the classic
    /// zero-byte test is always a true zero (false flags appear only above one), so the lowest
    /// flag of the three tests is the first special byte.
    @inline(__always)
    static func firstSpecial(_ b: UnsafeBufferPointer<UInt8>, from: Int, delimiter: UInt8) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let d = UInt64(delimiter) &* ones, lf = 0x0A &* ones, cr = 0x0D &* ones
        guard let base = b.baseAddress else { return from }
        var k = from
        while k + 8 <= b.count {
            let w = UInt64(littleEndian: UnsafeRawPointer(base + k).loadUnaligned(as: UInt64.self))
            let x = w ^ d, y = w ^ lf, z = w ^ cr
            let flags = (((x &- ones) & ~x) | ((y &- ones) & ~y) | ((z &- ones) & ~z)) & highs
            if flags != 0 { return k + flags.trailingZeroBitCount / 8 }
            k += 8
        }
        return k
    }

    /// The records of `b` (all of it when `final`, else up to the last complete one), calling
    /// `body` for each; returns the bytes consumed.
    private static func records(
        in b: UnsafeBufferPointer<UInt8>, delimiter: UInt8, final: Bool, line: inout Int,
        fields: inout [CSVField], _ body: (borrowing CSVRecord) throws -> Void
    ) throws -> Int {
        var consumed = 0
        let n = b.count
        var p = 0
        records: while p < n {
            let recordStart = p
            let recordLine = line
            fields.removeAll(keepingCapacity: true)
            var pos = p
            while true {
                // One field starting at `pos`.
                if pos < n && b[pos] == 0x22 {
                    var k = pos + 1
                    var escaped = false
                    var linesInside = 0
                    var closed = false
                    while k < n {
                        let c = b[k]
                        if c == 0x22 {
                            if k + 1 < n && b[k + 1] == 0x22 { escaped = true; k += 2; continue }
                            if k + 1 == n && !final { break }
                            closed = true
                            break
                        }
                        if c == 0x0A { linesInside += 1 }
                        k += 1
                    }
                    if !closed {
                        if final {
                            throw CSVError(
                                line: recordLine, column: fields.count + 1,
                                message: "quoted field is not closed before the end of the input")
                        }
                        line = recordLine
                        break records
                    }
                    fields.append(CSVField(start: pos + 1, end: k, hasEscapedQuotes: escaped))
                    line += linesInside
                    pos = k + 1
                    if pos < n && b[pos] != delimiter && b[pos] != 0x0A && b[pos] != 0x0D {
                        throw CSVError(
                            line: line, column: fields.count,
                            message: "unexpected text after the closing quote")
                    }
                } else {
                    var k = pos
                    // Eight bytes at a time to the first delimiter or line break (SWAR).
                    k = Self.firstSpecial(b, from: k, delimiter: delimiter)
                    while k < n {
                        let c = b[k]
                        if c == delimiter || c == 0x0A || c == 0x0D { break }
                        k += 1
                    }
                    fields.append(CSVField(start: pos, end: k, hasEscapedQuotes: false))
                    pos = k
                }
                if pos >= n {
                    if !final { line = recordLine; break records }
                    p = n
                    break
                }
                let c = b[pos]
                if c == delimiter { pos += 1; continue }
                // End of record: LF, CRLF or a lone CR.
                if c == 0x0D {
                    if pos + 1 >= n && !final { line = recordLine; break records }
                    pos += (pos + 1 < n && b[pos + 1] == 0x0A) ? 2 : 1
                } else {
                    pos += 1
                }
                line += 1
                p = pos
                break
            }
            consumed = p
            // Blank line: one empty, unquoted field.
            if fields.count == 1 && fields[0].start == fields[0].end && (fields[0].start == recordStart) {
                continue
            }
            try fields.withUnsafeBufferPointer { f in
                try body(CSVRecord(line: recordLine, bytes: b, fields: f))
            }
        }
        return consumed
    }
}
