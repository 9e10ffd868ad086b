import Foundation

/// A JSON value as decoded, keeping booleans apart from numbers (Foundation's strict decoder does not
/// read `1` as `true`), so a boolean in a numeric feature is a type error rather than 1.0.
public enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let d = try? c.decode(Double.self) { self = .number(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let o = try? c.decode([String: JSONValue].self) { self = .object(o); return }
        self = .array(try c.decode([JSONValue].self))
    }

    /// A short name of the value's JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// A line of JSON-lines input that is not a JSON object.
public struct JSONLinesError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let message: String
    public var description: String { "line \(line): \(message)" }
}

/// One decoded JSON-lines record: the feature values by name, and the line it came from.
///
/// Two shapes are accepted: the record contract of DESIGN.md (`{"features": {...}, "prediction":
/// ..., "score": ..., ...}`; `prediction` and `score` join the features under those names), or a
/// flat object whose keys are the columns.
public struct JSONRecord: Sendable {
    public let line: Int
    public var fields: [String: JSONValue]
    /// The `model` of a record-contract object, if given.
    public var model: String?

    /// Interprets a decoded object.
    public init(line: Int, object: [String: JSONValue]) throws {
        self.line = line
        if case .object(let features)? = object["features"] {
            var fields = features
            for key in ["prediction", "score"] {
                if let v = object[key], fields[key] == nil { fields[key] = v }
            }
            self.fields = fields
            if case .string(let m)? = object["model"] { model = m }
        } else if let f = object["features"] {
            throw JSONLinesError(line: line, message: "field \"features\" must be an object, not \(f.typeName)")
        } else {
            fields = object
        }
    }
}

/// Splits a byte stream into lines and decodes each non-blank line as a JSON object. Keeps only
/// the unfinished last line between chunks (capped by `maxLineBytes`).
public struct JSONLinesParser {
    public let maxLineBytes: Int
    private var pending: [UInt8] = []
    private var line = 0
    private let decoder = JSONDecoder()

    public init(maxLineBytes: Int = 16 << 20) { self.maxLineBytes = maxLineBytes }

    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ body: (JSONRecord) throws -> Void) throws {
        var start = 0
        let bytes = chunk.bindMemory(to: UInt8.self)
        while let nl = bytes[start...].firstIndex(of: 0x0A) {
            line += 1
            if pending.isEmpty {
                try decodeLine(UnsafeBufferPointer(rebasing: bytes[start..<nl]), body)
            } else {
                pending.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<nl]))
                let whole = pending
                pending.removeAll(keepingCapacity: true)
                try whole.withUnsafeBufferPointer { try decodeLine($0, body) }
            }
            start = nl + 1
        }
        pending.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        if pending.count > maxLineBytes {
            throw JSONLinesError(line: line + 1, message: "line longer than \(maxLineBytes) bytes")
        }
    }

    public mutating func feed(_ chunk: [UInt8], _ body: (JSONRecord) throws -> Void) throws {
        try chunk.withUnsafeBytes { try feed($0, body) }
    }

    /// Decodes a last line that has no line break.
    public mutating func finish(_ body: (JSONRecord) throws -> Void) throws {
        guard !pending.isEmpty else { return }
        line += 1
        let whole = pending
        pending.removeAll()
        try whole.withUnsafeBufferPointer { try decodeLine($0, body) }
    }

    private func decodeLine(_ raw: UnsafeBufferPointer<UInt8>, _ body: (JSONRecord) throws -> Void) throws {
        var lo = 0, hi = raw.count
        while lo < hi && (raw[lo] == 0x20 || raw[lo] == 0x09 || raw[lo] == 0x0D) { lo += 1 }
        while hi > lo && (raw[hi - 1] == 0x20 || raw[hi - 1] == 0x09 || raw[hi - 1] == 0x0D) { hi -= 1 }
        if lo == hi { return }
        if line == 1 && hi - lo >= 3 && raw[lo] == 0xEF && raw[lo + 1] == 0xBB && raw[lo + 2] == 0xBF { lo += 3 }
        guard raw[lo] == UInt8(ascii: "{") else {
            throw JSONLinesError(line: line, message: "expected a JSON object")
        }
        let value: JSONValue
        do {
            value = try decoder.decode(JSONValue.self, from: Data(UnsafeBufferPointer(rebasing: raw[lo..<hi])))
        } catch {
            throw JSONLinesError(line: line, message: "malformed JSON (\(Self.reason(error)))")
        }
        guard case .object(let object) = value else {
            throw JSONLinesError(line: line, message: "expected a JSON object")
        }
        try body(JSONRecord(line: line, object: object))
    }

    static func reason(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            if let underlying = context.underlyingError { return "\(underlying)" }
            return context.debugDescription
        }
        return "\(error)"
    }
}
