import DriftCore
import DriftRecords
import DriftStats
import Testing

/// Parses `text` fed in chunks of `chunk` bytes; returns (line, fields) per record.
private func parse(_ text: String, chunk: Int = 1 << 20) throws -> [(Int, [String])] {
    var parser = CSVParser()
    var out: [(Int, [String])] = []
    let bytes = Array(text.utf8)
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + chunk)
        try parser.feed(Array(bytes[start..<end])) { out.append(($0.line, $0.strings)) }
        start = end
    }
    try parser.finish { out.append(($0.line, $0.strings)) }
    return out
}

@Suite("CSV parser (RFC 4180)")
struct CSVParserTests {
    static let tricky =
        "\u{FEFF}name,note,value\r\n" + "a,\"hello, world\",1\r\n" + "b,\"she said \"\"hi\"\"\",2\r\n" + "\r\n"
        + "c,\"two\nlines\",3\n" + "d,,\n" + "e,\"\",5"

    @Test("quotes, escaped quotes, embedded delimiters and line breaks, CRLF, blank lines, BOM, no final newline")
    func rfc4180() throws {
        let records = try parse(Self.tricky)
        #expect(
            records.map(\.1) == [
                ["name", "note", "value"],
                ["a", "hello, world", "1"],
                ["b", "she said \"hi\"", "2"],
                ["c", "two\nlines", "3"],
                ["d", "", ""],
                ["e", "", "5"],
            ])
        // Physical start lines: the blank line 4 is skipped, the record on line 5 spans two lines.
        #expect(records.map(\.0) == [1, 2, 3, 5, 7, 8])
    }

    @Test("every chunk size gives the same records", arguments: [1, 2, 3, 5, 7, 16, 64])
    func chunking(size: Int) throws {
        let whole = try parse(Self.tricky)
        let chunked = try parse(Self.tricky, chunk: size)
        #expect(chunked.map(\.1) == whole.map(\.1))
        #expect(chunked.map(\.0) == whole.map(\.0))
    }

    @Test("an unterminated quote is an error naming the line where the record starts")
    func unterminated() throws {
        #expect(throws: CSVError(line: 2, column: 2, message: "quoted field is not closed before the end of the input"))
        {
            _ = try parse("a,b\nx,\"open\nstill open\n")
        }
    }

    @Test("text after a closing quote is an error naming line and column")
    func textAfterQuote() throws {
        #expect(throws: CSVError(line: 3, column: 1, message: "unexpected text after the closing quote")) {
            _ = try parse("a,b\n1,2\n\"x\"y,3\n")
        }
    }

    @Test("a lone CR ends a record; quotes inside unquoted fields are literal")
    func leniencies() throws {
        let records = try parse("a,b\r1,x\"y\r2,3")
        #expect(records.map(\.1) == [["a", "b"], ["1", "x\"y"], ["2", "3"]])
    }
}

@Suite("Number parsing")
struct NumberParserTests {
    @Test("agrees bit for bit with Double(String) on random decimal text")
    func correctlyRounded() {
        var g = SplitMix64(seed: 0xD1F7)
        for _ in 0..<50_000 {
            let mantissa = UInt64.random(in: 0...UInt64(1) << 60, using: &g)
            let digits = String(mantissa)
            let point = Int.random(in: 0...digits.count, using: &g)
            var text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
            if Bool.random(using: &g) { text += "e\(Int.random(in: -30...30, using: &g))" }
            if Bool.random(using: &g) { text = "-" + text }
            guard case .value(let v) = NumberParser.parse(text) else {
                Issue.record("\(text) did not parse")
                continue
            }
            #expect(v.bitPattern == Double(text)!.bitPattern, "\(text)")
        }
    }

    @Test("missing tokens, infinities, and text")
    func classes() {
        for t in ["", "  ", "NA", "NaN", "nan", "null", "None", "#N/A"] {
            #expect(NumberParser.parse(t) == .missing, "\(t)")
        }
        for t in ["inf", "-Infinity", "1e999"] { #expect(NumberParser.parse(t) == .infinite, "\(t)") }
        for t in ["abc", "1,5", "0x1p3", "1e", "--1", "."] { #expect(NumberParser.parse(t) == .notANumber, "\(t)") }
        #expect(NumberParser.parse(" 2.5 ") == .value(2.5))
        #expect(NumberParser.parse("1e-400") == .value(0))
        #expect(NumberParser.parse("12345678901234567890123") == .value(12345678901234567890123.0))
    }
}
