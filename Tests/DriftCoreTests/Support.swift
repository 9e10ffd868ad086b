import DriftCore
import DriftRecords
import Foundation
import Testing

enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// Decoded with `JSONDecoder`: on Linux `JSONSerialization` does not round decimal text
    /// correctly (17056.920000000002 reads as 17056.920000000006), `JSONDecoder` does.
    static func expected() throws -> JSONValue {
        let data = try Data(contentsOf: directory.appendingPathComponent("core_expected.json"))
        return try JSONDecoder().decode(JSONValue.self, from: data)
    }
}

/// What a value became, as a test reads it from an `EventBatch`.
enum ValueState: Equatable { case present, missing, invalid }

/// One typed record, read back from a batch.
struct Row {
    var numbers: [Double]
    var numberStates: [ValueState]
    var categories: [String?]
    var categoryStates: [ValueState]
}

extension EventBatch {
    /// The events as rows.
    var rows: [Row] {
        let invalid = Set(invalidCategories)
        return (0..<count).map { e in
            let n = (0..<numericWidth).map { number(e, $0) }
            return Row(
                numbers: n,
                numberStates: n.map { $0.isNaN ? (EventBatch.isInvalid($0) ? .invalid : .missing) : .present },
                categories: (0..<categoricalWidth).map { category(e, $0) },
                categoryStates: (0..<categoricalWidth).map { k in
                    category(e, k) != nil ? .present : invalid.contains(e * categoricalWidth + k) ? .invalid : .missing
                })
        }
    }
}

/// Feeds `bytes` to a reader in chunks of `chunk` bytes and collects the typed rows.
func readRows(
    _ bytes: [UInt8], format: TableFormat, schema: Schema? = nil, chunk: Int = 1 << 20,
    options: SchemaInference.Options = .init()
) throws -> (TableReader, [Row]) {
    var reader = TableReader(format: format, schema: schema, model: "m", inference: options)
    var rows: [Row] = []
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + chunk)
        try reader.feed(Array(bytes[start..<end])) { batch, _ in rows += batch.rows }
        start = end
    }
    try reader.finish { batch, _ in rows += batch.rows }
    return (reader, rows)
}

/// Feeds `bytes` to a reader in chunks and collects the batches (and the schema they follow).
func readBatches(
    _ bytes: [UInt8], format: TableFormat, schema: Schema? = nil, chunk: Int = 1 << 20,
    options: SchemaInference.Options = .init()
) throws -> (reader: TableReader, batches: [EventBatch], schema: Schema) {
    var reader = TableReader(format: format, schema: schema, model: "m", inference: options)
    var batches: [EventBatch] = []
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + chunk)
        try reader.feed(Array(bytes[start..<end])) { batch, _ in batches.append(batch) }
        start = end
    }
    try reader.finish { batch, _ in batches.append(batch) }
    return (reader, batches, try #require(reader.schema))
}

/// A baseline built from `bytes` (schema inferred unless given).
func buildBaseline(
    _ bytes: [UInt8], format: TableFormat, schema: Schema? = nil, chunk: Int = 1 << 20,
    settings: BuildSettings = BuildSettings()
) throws -> BaselineProfile {
    let (_, batches, schema) = try readBatches(bytes, format: format, schema: schema, chunk: chunk)
    var builder = try BaselineBuilder(schema: schema, settings: settings)
    for b in batches { builder.add(b) }
    return try builder.finish()
}

/// A JSON value as decoded by `JSONDecoder` (fixtures of expected values).
enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let d = try? c.decode(Double.self) { self = .number(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let o = try? c.decode([String: JSONValue].self) { self = .object(o); return }
        self = .array(try c.decode([JSONValue].self))
    }
}

func relativeError(_ a: Double, _ b: Double) -> Double {
    a == b ? 0 : abs(a - b) / max(abs(a), abs(b), 1e-300)
}

extension JSONValue {
    subscript(_ key: String) -> JSONValue {
        if case .object(let o) = self, let v = o[key] { return v }
        return .null
    }
    var double: Double { if case .number(let v) = self { return v }; return .nan }
    var int: Int { Int(double) }
    var array: [JSONValue] { if case .array(let a) = self { return a }; return [] }
    var doubles: [Double] { array.map(\.double) }
    var ints: [Int] { array.map(\.int) }
    var strings: [String] {
        array.map {
            if case .string(let s) = $0 { return s }; return ""
        }
    }
}
