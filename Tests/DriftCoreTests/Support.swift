import DriftCore
import Foundation
import Testing

enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

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

/// Feeds `bytes` to a reader in chunks of `chunk` bytes and collects copies of the rows.
func readRows(_ bytes: [UInt8], format: TableFormat, schema: Schema? = nil, chunk: Int = 1 << 20,
              options: SchemaInference.Options = .init()) throws -> (TableReader, [TypedRow]) {
    var reader = TableReader(format: format, schema: schema, inference: options)
    var rows: [TypedRow] = []
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + chunk)
        try reader.feed(Array(bytes[start..<end])) { rows.append($0) }
        start = end
    }
    try reader.finish { rows.append($0) }
    return (reader, rows)
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
    var strings: [String] { array.map { if case .string(let s) = $0 { return s }; return "" } }
}
