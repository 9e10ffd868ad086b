/// The state of one value after typing against the schema.
public enum ValueState: UInt8, Sendable {
    /// A usable value (finite number, or a category label).
    case present
    /// Empty field, null, NaN, absent key: counted in the missing ratio, never tested.
    case missing
    /// Wrong type or ±inf: counted in the invalid ratio, never tested.
    case invalid
}

/// An invalid value and where it was, kept as an example for error messages.
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

/// One record typed against a schema: a value and a state per numeric slot and per categorical slot
/// (slots in `Schema.numericIndices` / `categoricalIndices` order). Reused from row to row.
public struct TypedRow: Sendable {
    /// The schema the slots follow.
    public let schema: Schema
    /// 1-based line of the record in its input (0 when not from a file).
    public var line: Int = 0
    /// Numeric values; meaningful only where the state is `present`.
    public var numbers: [Double]
    public var numberStates: [ValueState]
    /// Category labels; meaningful only where the state is `present`.
    public var categories: [String]
    public var categoryStates: [ValueState]
    /// Why values of this record were invalid (usually empty).
    public var invalid: [InvalidValue] = []

    public init(schema: Schema) {
        self.schema = schema
        numbers = [Double](repeating: .nan, count: schema.numericCount)
        numberStates = [ValueState](repeating: .missing, count: schema.numericCount)
        categories = [String](repeating: "", count: schema.categoricalCount)
        categoryStates = [ValueState](repeating: .missing, count: schema.categoricalCount)
    }

    /// Sets every value to missing.
    public mutating func reset(line: Int) {
        self.line = line
        for i in numberStates.indices { numberStates[i] = .missing; numbers[i] = .nan }
        for i in categoryStates.indices { categoryStates[i] = .missing }
        invalid.removeAll(keepingCapacity: true)
    }
}

/// Typing rules shared by every input format.
enum ValueTyping {
    /// A text field for a numeric feature.
    @inline(__always)
    static func numeric(_ bytes: UnsafeBufferPointer<UInt8>, slot: Int, feature: String, into row: inout TypedRow) {
        switch NumberParser.parse(bytes) {
        case .value(let v):
            row.numbers[slot] = v
            row.numberStates[slot] = .present
        case .missing:
            row.numberStates[slot] = .missing
        case .infinite:
            row.numberStates[slot] = .invalid
            row.invalid.append(InvalidValue(line: row.line, feature: feature, reason: NumberParser.outOfRangeReason))
        case .notANumber:
            row.numberStates[slot] = .invalid
            let text = String(decoding: bytes.prefix(40), as: UTF8.self)
            row.invalid.append(InvalidValue(line: row.line, feature: feature, reason: "\"\(text)\" is not a number"))
        }
    }

    /// A text field for a categorical feature: empty is missing, anything else is the label.
    @inline(__always)
    static func categorical(_ bytes: UnsafeBufferPointer<UInt8>, slot: Int, into row: inout TypedRow) {
        if bytes.isEmpty {
            row.categoryStates[slot] = .missing
        } else {
            row.categories[slot] = String(decoding: bytes, as: UTF8.self)
            row.categoryStates[slot] = .present
        }
    }

    /// A JSON value for a numeric feature: numbers are values; null and the strings "NaN"/"nan"
    /// are missing; booleans, other strings, arrays and objects are invalid.
    static func numeric(_ value: JSONValue, slot: Int, feature: String, into row: inout TypedRow) {
        switch value {
        // JSON lines are decoded by Foundation, not NumberParser: the same range rule, applied here.
        case .number(let v) where NumberParser.inRange(v):
            row.numbers[slot] = v
            row.numberStates[slot] = .present
        case .null:
            row.numberStates[slot] = .missing
        case .string(let s) where NumberParser.missingTokens.contains(s) || s.isEmpty:
            row.numberStates[slot] = .missing
        case .number:
            row.numberStates[slot] = .invalid
            row.invalid.append(InvalidValue(line: row.line, feature: feature, reason: NumberParser.outOfRangeReason))
        default:
            row.numberStates[slot] = .invalid
            row.invalid.append(InvalidValue(line: row.line, feature: feature,
                                            reason: "expected a number, found \(value.typeName)"))
        }
    }

    /// A JSON value for a categorical feature: strings are labels, booleans become "true"/"false",
    /// integral numbers their decimal digits ("3", not "3.0"); null and "" are missing; arrays and
    /// objects are invalid.
    static func categorical(_ value: JSONValue, slot: Int, feature: String, into row: inout TypedRow) {
        switch value {
        case .string(let s) where !s.isEmpty:
            row.categories[slot] = s
            row.categoryStates[slot] = .present
        case .bool(let b):
            row.categories[slot] = b ? "true" : "false"
            row.categoryStates[slot] = .present
        case .number(let v) where NumberParser.inRange(v):
            row.categories[slot] = label(v)
            row.categoryStates[slot] = .present
        case .number:
            row.categoryStates[slot] = .invalid
            row.invalid.append(InvalidValue(line: row.line, feature: feature, reason: NumberParser.outOfRangeReason))
        case .null, .string:
            row.categoryStates[slot] = .missing
        case .array, .object:
            row.categoryStates[slot] = .invalid
            row.invalid.append(InvalidValue(line: row.line, feature: feature,
                                            reason: "expected a label, found \(value.typeName)"))
        }
    }

    /// The label of a number used as a category: integers without a fraction part.
    static func label(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}
