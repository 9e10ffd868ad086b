/// A value typed for a numeric feature.
public enum TypedNumber: Sendable, Equatable {
    case value(Double)
    case missing
    /// Counted invalid, never tested; the reason names the problem for the record's error.
    case invalid(String)
}

/// A value typed for a categorical feature.
public enum TypedLabel: Sendable, Equatable {
    case label(String)
    case missing
    case invalid(String)
}

/// The one typing rule of the record contract, for every input: HTTP ingest, the tailed log,
/// `compare` and `baseline build` (CSV fields and JSON values alike).
///
/// | feature     | value                                             | becomes                      |
/// |-------------|---------------------------------------------------|------------------------------|
/// | numeric     | number with \|x\| ≤ 1e100 (JSON), numeric text (CSV) | the value                 |
/// | numeric     | absent key, `null`, `""`, a missing token (`NA`, `NaN`, `null`, `None`…) as a JSON string or CSV text | missing |
/// | numeric     | ±inf, \|x\| > 1e100, a boolean, any other string (also `"3.5"`: JSON strings are not numbers), an array, an object | invalid |
/// | categorical | non-empty string / CSV text up to `maxLabelBytes` | the label                    |
/// | categorical | boolean                                           | `"true"` / `"false"`         |
/// | categorical | number with \|x\| ≤ 1e100                            | its digits (`3`, not `3.0`)  |
/// | categorical | absent key, `null`, `""`                          | missing                      |
/// | categorical | a longer label, ±inf, \|x\| > 1e100, an array, an object | invalid                    |
///
/// Missing values count in the missing ratio and invalid ones in the invalid ratio
/// (`driftwatch_feature_invalid_ratio`, `driftwatch_feature_invalid_values_total`); neither enters
/// a test, and neither refuses the record: a bad value costs that value, not its good
/// neighbours. What refuses a record is its envelope (DESIGN.md "Record (ingest) contract"): not
/// an object, malformed JSON, no feature key at all, an unknown `model`, or a wrong type in a
/// field that is not a feature (`model`, `latency_ms`, `status`, `timestamp`).
public enum FieldTyping {
    /// Longest category label accepted, in bytes.
    public static let maxLabelBytes = 1024

    /// A JSON value for a numeric feature (containers: the caller skips them).
    @inline(__always)
    static func numeric(_ token: JSONScanner.Token) -> TypedNumber {
        switch token {
        case .number(let v) where NumberParser.inRange(v): return .value(v)
        case .null: return .missing
        case .string(let t) where t.isEmpty || NumberParser.missingTokens.contains(t): return .missing
        case .number, .infinite: return .invalid(NumberParser.outOfRangeReason)
        default: return .invalid("expected a number, found \(token.describe)")
        }
    }

    /// A text field (CSV) for a numeric feature.
    @inline(__always)
    public static func numeric(text bytes: UnsafeBufferPointer<UInt8>) -> TypedNumber {
        switch NumberParser.parse(bytes) {
        case .value(let v): return .value(v)
        case .missing: return .missing
        case .infinite: return .invalid(NumberParser.outOfRangeReason)
        case .notANumber: return .invalid("\"\(String(decoding: bytes.prefix(40), as: UTF8.self))\" is not a number")
        }
    }

    /// A JSON value for a categorical feature (containers: the caller skips them).
    @inline(__always)
    static func categorical(_ token: JSONScanner.Token, maxLabelBytes: Int = maxLabelBytes) -> TypedLabel {
        switch token {
        case .string(let t):
            if t.isEmpty { return .missing }
            return t.utf8.count <= maxLabelBytes ? .label(t) : .invalid("label longer than \(maxLabelBytes) bytes")
        case .bool(let b): return .label(b ? "true" : "false")
        case .number(let v) where NumberParser.inRange(v): return .label(label(v))
        case .number, .infinite: return .invalid(NumberParser.outOfRangeReason)
        case .null: return .missing
        case .objectStart, .arrayStart: return .invalid("expected a label, found \(token.describe)")
        }
    }

    /// A text field (CSV) for a categorical feature: nil when the bytes are the label, else
    /// `.missing` or `.invalid` (the label itself is not made: readers code labels by their
    /// bytes, `EventBatch.labelCode`).
    @inline(__always)
    public static func categoricalProblem(
        text bytes: UnsafeBufferPointer<UInt8>, maxLabelBytes: Int = maxLabelBytes
    ) -> TypedLabel? {
        if bytes.isEmpty { return .missing }
        guard bytes.count <= maxLabelBytes else { return .invalid("label longer than \(maxLabelBytes) bytes") }
        return nil
    }

    /// The label of a number used as a category: integers without a fraction part.
    public static func label(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}

/// An invalid value and where it was, kept as an example for error messages and reports.
public struct InvalidValue: Sendable, Equatable, Codable {
    public let line: Int
    public let feature: String
    public let reason: String
    public init(line: Int, feature: String, reason: String) {
        self.line = line
        self.feature = feature
        self.reason = reason
    }
}
