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

/// Streams CSV or JSON-lines bytes into `TypedRow`s for a schema, given or inferred from the first
/// rows (which are buffered, then replayed). Memory is bounded by the inference sample and one
/// chunk, whatever the input length.
public struct TableReader {
    public let format: TableFormat
    public private(set) var schema: Schema?
    /// Records typed so far.
    public private(set) var rows = 0
    /// Input columns that are not in the schema (CSV header names; JSON keys, first 100).
    public private(set) var unknownColumns: [String] = []
    /// Schema features that the input does not have (CSV: no such header column).
    public private(set) var absentFeatures: [String] = []

    private var inference: SchemaInference
    private var csv = CSVParser()
    private var json = JSONLinesParser()
    private var header: [String]?
    private var csvColumnOfSlot: (numeric: [Int], categorical: [Int]) = ([], [])
    private var bufferedText: [(line: Int, fields: [String?])] = []
    private var bufferedJSON: [JSONRecord] = []
    private var row: TypedRow?
    private var unknownSet: Set<String> = []

    /// Notes from schema inference.
    public var notes: [String] { inference.notes }

    /// - Parameters:
    ///   - schema: the schema to type against; `nil` infers one from the first rows.
    public init(format: TableFormat, schema: Schema?, inference options: SchemaInference.Options = .init()) {
        self.format = format
        self.schema = schema
        self.inference = SchemaInference(options: options)
        if let schema { row = TypedRow(schema: schema) }
    }

    /// Parses a chunk and calls `sink` for every complete record.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ sink: (inout TypedRow) throws -> Void) throws {
        switch format {
        case .csv:
            var parser = csv
            csv = CSVParser()
            defer { csv = parser }
            try mapCSVError { try parser.feed(chunk) { record in try csvRecord(record, sink) } }
        case .jsonl:
            var parser = json
            json = JSONLinesParser()
            defer { json = parser }
            try mapJSONError { try parser.feed(chunk) { record in try jsonRecord(record, sink) } }
        }
    }

    public mutating func feed(_ chunk: [UInt8], _ sink: (inout TypedRow) throws -> Void) throws {
        try chunk.withUnsafeBytes { try feed($0, sink) }
    }

    /// Ends the input: the last record, and the schema if it was still being inferred.
    public mutating func finish(_ sink: (inout TypedRow) throws -> Void) throws {
        switch format {
        case .csv:
            var parser = csv
            defer { csv = parser }
            try mapCSVError { try parser.finish { record in try csvRecord(record, sink) } }
            if header == nil { throw InputError(line: 1, message: "the input is empty: a CSV needs a header row") }
        case .jsonl:
            var parser = json
            defer { json = parser }
            try mapJSONError { try parser.finish { record in try jsonRecord(record, sink) } }
        }
        if schema == nil { try fixSchema(sink) }
    }

    // MARK: CSV

    private mutating func csvRecord(_ record: borrowing CSVRecord, _ sink: (inout TypedRow) throws -> Void) throws {
        guard let header else {
            let names = record.strings
            for (i, name) in names.enumerated() {
                if name.isEmpty { throw InputError(line: record.line, column: i + 1, message: "empty column name in the header") }
                if let j = names[..<i].firstIndex(of: name) {
                    throw InputError(line: record.line, column: i + 1, field: name,
                                     message: "duplicate column name (also column \(j + 1))")
                }
            }
            header = names
            if schema != nil { bindCSV() }
            return
        }
        guard record.count == header.count else {
            throw InputError(line: record.line, column: min(record.count, header.count) + 1,
                             message: "expected \(header.count) fields as in the header, found \(record.count)")
        }
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
        guard var row = self.row, let schema else { return }
        self.row = nil
        defer { self.row = row }
        row.reset(line: record.line)
        let numericColumns = csvColumnOfSlot.numeric
        for slot in numericColumns.indices {
            let column = numericColumns[slot]
            if column < 0 { continue }
            record.withField(column) { bytes in
                // The fast path without the feature name; the name is looked up only for an error.
                if case .value(let v) = NumberParser.parse(bytes) {
                    row.numbers[slot] = v
                    row.numberStates[slot] = .present
                } else {
                    ValueTyping.numeric(bytes, slot: slot, feature: schema.features[schema.numericIndices[slot]].name,
                                        into: &row)
                }
            }
        }
        let categoricalColumns = csvColumnOfSlot.categorical
        for slot in categoricalColumns.indices {
            let column = categoricalColumns[slot]
            if column < 0 { continue }
            record.withField(column) { ValueTyping.categorical($0, slot: slot, into: &row) }
        }
        rows += 1
        try sink(&row)
    }

    private mutating func bindCSV() {
        guard let header, let schema else { return }
        let position = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        csvColumnOfSlot.numeric = schema.numericIndices.map { position[schema.features[$0].name] ?? -1 }
        csvColumnOfSlot.categorical = schema.categoricalIndices.map { position[schema.features[$0].name] ?? -1 }
        absentFeatures = schema.features.map(\.name).filter { position[$0] == nil }
        unknownColumns = header.filter { schema.index(of: $0) == nil }
    }

    // MARK: JSON lines

    private mutating func jsonRecord(_ record: JSONRecord, _ sink: (inout TypedRow) throws -> Void) throws {
        if schema == nil {
            for (key, value) in record.fields.sorted(by: { $0.key < $1.key }) {
                inference.observe(json: value, column: key)
            }
            bufferedJSON.append(record)
            if bufferedJSON.count >= inference.options.sampleRows { try fixSchema(sink) }
            return
        }
        try typeJSON(record, sink)
    }

    private mutating func typeJSON(_ record: JSONRecord, _ sink: (inout TypedRow) throws -> Void) throws {
        guard var row = self.row, let schema else { return }
        self.row = nil
        defer { self.row = row }
        row.reset(line: record.line)
        var matched = 0
        for (slot, index) in schema.numericIndices.enumerated() {
            let name = schema.features[index].name
            if let v = record.fields[name] {
                matched += 1
                ValueTyping.numeric(v, slot: slot, feature: name, into: &row)
            }
        }
        for (slot, index) in schema.categoricalIndices.enumerated() {
            let name = schema.features[index].name
            if let v = record.fields[name] {
                matched += 1
                ValueTyping.categorical(v, slot: slot, feature: name, into: &row)
            }
        }
        // Look for unknown keys only when the record has some (and while fewer than 100 are known).
        if matched < record.fields.count && unknownSet.count < 100 {
            for key in record.fields.keys where schema.index(of: key) == nil && unknownSet.count < 100 {
                if unknownSet.insert(key).inserted { unknownColumns.append(key) }
            }
        }
        rows += 1
        try sink(&row)
    }

    // MARK: inference

    private mutating func fixSchema(_ sink: (inout TypedRow) throws -> Void) throws {
        if format == .csv, let header { for name in header { inference.column(name) } }
        let inferred: Schema
        do {
            inferred = try inference.schema()
        } catch let error as SchemaError {
            // The header (CSV) or the first record (JSON lines) is where the columns come from.
            let line = format == .csv ? 1 : bufferedJSON.first?.line
            throw InputError(line: line, message: "cannot infer a schema: \(error.message)")
        }
        schema = inferred
        row = TypedRow(schema: inferred)
        switch format {
        case .csv:
            bindCSV()
            let buffered = bufferedText
            bufferedText = []
            for (line, fields) in buffered { try typeBuffered(line: line, fields: fields, sink) }
        case .jsonl:
            let buffered = bufferedJSON
            bufferedJSON = []
            for record in buffered { try typeJSON(record, sink) }
        }
    }

    private mutating func typeBuffered(line: Int, fields: [String?], _ sink: (inout TypedRow) throws -> Void) throws {
        guard var row = self.row, let schema else { return }
        self.row = nil
        defer { self.row = row }
        row.reset(line: line)
        for (slot, column) in csvColumnOfSlot.numeric.enumerated() where column >= 0 {
            let name = schema.features[schema.numericIndices[slot]].name
            var text = fields[column] ?? ""
            text.withUTF8 { ValueTyping.numeric($0, slot: slot, feature: name, into: &row) }
        }
        for (slot, column) in csvColumnOfSlot.categorical.enumerated() where column >= 0 {
            var text = fields[column] ?? ""
            text.withUTF8 { ValueTyping.categorical($0, slot: slot, into: &row) }
        }
        rows += 1
        try sink(&row)
    }

    private func mapCSVError(_ body: () throws -> Void) throws {
        do { try body() } catch let e as CSVError {
            throw InputError(line: e.line, column: e.column, message: e.message)
        }
    }

    private func mapJSONError(_ body: () throws -> Void) throws {
        do { try body() } catch let e as JSONLinesError {
            throw InputError(line: e.line, message: e.message)
        }
    }
}
