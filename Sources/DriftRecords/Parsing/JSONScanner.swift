/// A strict, allocation-light JSON scanner over bytes (RFC 8259), for the ingest hot path.
///
/// It does not build a tree: callers walk objects key by key and either read a scalar or `skip`
/// the value (validated, not materialised). Nesting is capped (`maxDepth`) so hostile input cannot
/// exhaust the stack; every failure is a `JSONScanError` with the byte offset.
struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var position: Int
    let end: Int
    static let maxDepth = 64

    init(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        position = start
        self.end = end ?? bytes.count
    }

    /// A scalar (or a container's kind) at the cursor.
    enum Token: Equatable {
        case null, bool(Bool), number(Double), string(String), arrayStart, objectStart
        /// A number that overflows a Double (`1e999`).
        case infinite
    }

    struct Failure: Error, Equatable {
        let offset: Int
        let message: String
    }

    @inline(__always) mutating func skipWhitespace() {
        while position < end {
            let b = bytes[position]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { position += 1 } else { return }
        }
    }

    var atEnd: Bool { position >= end }

    @inline(__always) func peek() -> UInt8? { position < end ? bytes[position] : nil }

    func fail(_ message: String) -> Failure { Failure(offset: position, message: message) }

    mutating func expect(_ byte: UInt8, _ what: String) throws {
        skipWhitespace()
        guard position < end, bytes[position] == byte else {
            throw fail(
                position < end
                    ? "expected \(what), found \(describe(bytes[position]))" : "expected \(what), found end of input")
        }
        position += 1
    }

    func describe(_ b: UInt8) -> String {
        b >= 0x20 && b < 0x7F ? "'\(Character(UnicodeScalar(b)))'" : "byte 0x\(String(b, radix: 16))"
    }

    /// Iterates an object's members: calls `body` with each key, the cursor on its value; `body`
    /// must consume the value (read or skip). Expects the cursor on `{`.
    mutating func object(depth: Int = 0, _ body: (inout JSONScanner, String) throws -> Void) throws {
        guard depth < Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth) levels") }
        try expect(UInt8(ascii: "{"), "'{'")
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { position += 1; return }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a member name in quotes") }
            let key = try string()
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            try body(&self, key)
            skipWhitespace()
            guard let b = peek() else { throw fail("unterminated object") }
            position += 1
            if b == UInt8(ascii: "}") { return }
            guard b == UInt8(ascii: ",") else { position -= 1; throw fail("expected ',' or '}', found \(describe(b))") }
        }
    }

    /// Iterates an array's elements, the cursor on each; `body` must consume it. Expects `[`.
    mutating func array(depth: Int = 0, _ body: (inout JSONScanner, Int) throws -> Void) throws {
        guard depth < Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth) levels") }
        try expect(UInt8(ascii: "["), "'['")
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { position += 1; return }
        var index = 0
        while true {
            skipWhitespace()
            try body(&self, index)
            index += 1
            skipWhitespace()
            guard let b = peek() else { throw fail("unterminated array") }
            position += 1
            if b == UInt8(ascii: "]") { return }
            guard b == UInt8(ascii: ",") else { position -= 1; throw fail("expected ',' or ']', found \(describe(b))") }
        }
    }

    /// Reads a scalar; for containers returns their start token without consuming them.
    mutating func token() throws -> Token {
        skipWhitespace()
        guard let b = peek() else { throw fail("expected a value, found end of input") }
        switch b {
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "{"): return .objectStart
        case UInt8(ascii: "["): return .arrayStart
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let v = try number()
            return v.isFinite ? .number(v) : .infinite
        default: throw fail("unexpected \(describe(b))")
        }
    }

    /// Skips one value of any kind, validating it.
    mutating func skip(depth: Int = 0) throws {
        switch try token() {
        case .objectStart: try object(depth: depth + 1) { s, _ in try s.skip(depth: depth + 1) }
        case .arrayStart: try array(depth: depth + 1) { s, _ in try s.skip(depth: depth + 1) }
        default: break
        }
    }

    /// Reads a value of any kind (containers skipped) and names its JSON type.
    mutating func typeName() throws -> String {
        switch try token() {
        case .objectStart: try skip(); return "object"
        case .arrayStart: try skip(); return "array"
        case .null: return "null"
        case .bool: return "boolean"
        case .number, .infinite: return "number"
        case .string: return "string"
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard end - position >= n else { throw fail("invalid literal") }
        let w = word.utf8Start
        for i in 0..<n where bytes[position + i] != w[i] { throw fail("invalid literal") }
        position += n
    }

    /// A JSON number (strict grammar), correctly rounded.
    mutating func number() throws -> Double {
        let start = position
        if peek() == UInt8(ascii: "-") { position += 1 }
        guard let first = peek(), first >= 0x30 && first <= 0x39 else { throw fail("invalid number") }
        position += 1
        if first != 0x30 { while let d = peek(), d >= 0x30 && d <= 0x39 { position += 1 } }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard let d = peek(), d >= 0x30 && d <= 0x39 else {
                throw fail("invalid number: digits expected after '.'")
            }
            while let d = peek(), d >= 0x30 && d <= 0x39 { position += 1 }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            position += 1
            if let s = peek(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { position += 1 }
            guard let d = peek(), d >= 0x30 && d <= 0x39 else { throw fail("invalid number: exponent digits expected") }
            while let d = peek(), d >= 0x30 && d <= 0x39 { position += 1 }
        }
        switch NumberParser.parse(UnsafeBufferPointer(rebasing: bytes[start..<position])) {
        case .value(let v): return v
        case .infinite: return .infinity
        default: throw Failure(offset: start, message: "invalid number")
        }
    }

    /// A JSON string (cursor on the opening quote), escapes decoded, UTF-8 validated.
    mutating func string() throws -> String {
        position += 1
        let start = position
        var simple = true
        var high: UInt8 = 0
        while position < end {
            let b = bytes[position]
            if b == UInt8(ascii: "\"") {
                if simple {
                    let s = UnsafeBufferPointer(rebasing: bytes[start..<position])
                    position += 1
                    guard let str = Self.utf8String(s, ascii: high < 0x80) else {
                        throw Failure(offset: start, message: "string is not valid UTF-8")
                    }
                    return str
                }
                break
            }
            high |= b
            if b == UInt8(ascii: "\\") { simple = false; position += 2; continue }
            if b < 0x20 { throw fail("control character in string") }
            position += 1
        }
        guard position < end else { throw Failure(offset: start - 1, message: "unterminated string") }
        // Slow path: decode escapes.
        var out: [UInt8] = []
        out.reserveCapacity(position - start)
        var i = start
        let stop = position
        while i < stop {
            let b = bytes[i]
            guard b == UInt8(ascii: "\\") else { out.append(b); i += 1; continue }
            guard i + 1 < stop else { throw Failure(offset: i, message: "invalid escape") }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(at: i, stop: stop)
                i += 4
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    guard i + 6 <= stop, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw Failure(offset: i, message: "unpaired surrogate in \\u escape")
                    }
                    let low = try hex4(at: i + 2, stop: stop)
                    guard low >= 0xDC00 && low < 0xE000 else {
                        throw Failure(offset: i, message: "unpaired surrogate in \\u escape")
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    throw Failure(offset: i, message: "unpaired surrogate in \\u escape")
                }
                guard let u = Unicode.Scalar(scalar) else { throw Failure(offset: i, message: "invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: throw Failure(offset: i - 1, message: "invalid escape \\\(Character(UnicodeScalar(e)))")
            }
        }
        position += 1
        let decoded = out.withUnsafeBufferPointer { Self.utf8String($0, ascii: false) }
        guard let str = decoded else { throw Failure(offset: start, message: "string is not valid UTF-8") }
        return str
    }

    /// A string from UTF-8 bytes, nil when they are not valid UTF-8. Avoids
    /// `String(validating:as:)`, which is not specialized here and spent most of its time
    /// instantiating generic metadata (≈30% of ingest CPU in a `perf` profile): ASCII needs no
    /// check; otherwise decoding with repair and comparing the bytes detects any repair.
    static func utf8String(_ bytes: UnsafeBufferPointer<UInt8>, ascii: Bool) -> String? {
        let s = String(decoding: bytes, as: UTF8.self)
        if ascii { return s }
        return s.utf8.elementsEqual(bytes) ? s : nil
    }

    private func hex4(at i: Int, stop: Int) throws -> UInt32 {
        guard i + 4 <= stop else { throw Failure(offset: i, message: "invalid \\u escape") }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = bytes[i + k]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: throw Failure(offset: i + k, message: "invalid \\u escape")
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }
}
