/// Types CSV records into an `EventBatch` by `FieldTyping` (the one typing rule): what
/// `TableReader` runs on its records, serially or as one worker per piece of a chunk. Labels are
/// coded from their bytes (`EventBatch.labelCode`): no `String` per value.
struct CSVRowTyper: Sendable {
    let schema: Schema
    /// Fields per record (the header's).
    let fieldCount: Int
    /// Per numeric / categorical slot: its CSV column (−1: not in the file).
    let numericColumns: [Int]
    let categoricalColumns: [Int]
    private(set) var batch: EventBatch
    /// Invalid values met (the first 20), with their lines.
    private(set) var invalid: [InvalidValue] = []
    private var numbers: [Double]
    private var codes: [Int32]
    private var invalidSlots: [Int] = []

    init(schema: Schema, fieldCount: Int, numericColumns: [Int], categoricalColumns: [Int]) {
        self.schema = schema
        self.fieldCount = fieldCount
        self.numericColumns = numericColumns
        self.categoricalColumns = categoricalColumns
        batch = EventBatch(schema: schema)
        numbers = Array(repeating: .nan, count: schema.numericCount)
        codes = Array(repeating: -1, count: schema.categoricalCount)
    }

    /// What one piece gave: its batch, invalid examples and the error that ended it (lines are
    /// counted from 1 at the piece's start), and the physical lines it spans.
    struct Piece: Sendable {
        var batch: EventBatch
        var invalid: [InvalidValue]
        var error: InputError?
        var lines: Int
    }

    /// Types a piece of whole records (`CSVSplit`) with a fresh batch; never throws: an error
    /// ends the piece and is returned with the rows before it.
    func typePiece(_ bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8) -> Piece {
        var worker = self
        worker.batch = EventBatch(schema: schema)
        worker.invalid = []
        var fields: [CSVField] = []
        do {
            let next = try CSVParser.parseWhole(bytes, delimiter: delimiter, firstLine: 1, fields: &fields) { record in
                try worker.type(record)
            }
            return Piece(batch: worker.batch, invalid: worker.invalid, error: nil, lines: next - 1)
        } catch let e as CSVError {
            return Piece(
                batch: worker.batch, invalid: worker.invalid,
                error: InputError(line: e.line, column: e.column, message: e.message), lines: 0)
        } catch let e as InputError {
            return Piece(batch: worker.batch, invalid: worker.invalid, error: e, lines: 0)
        } catch {
            return Piece(batch: worker.batch, invalid: worker.invalid, error: InputError(message: "\(error)"), lines: 0)
        }
    }

    /// The batch typed so far, its rows and invalid examples; the typer starts a new one.
    mutating func take() -> (batch: EventBatch, rows: Int, invalid: [InvalidValue]) {
        defer {
            batch = EventBatch(schema: schema)
            invalid = []
        }
        return (batch, batch.count, invalid)
    }

    static func checkWidth(_ record: borrowing CSVRecord, _ fieldCount: Int) throws {
        guard record.count == fieldCount else {
            throw InputError(
                line: record.line, column: min(record.count, fieldCount) + 1,
                message: "expected \(fieldCount) fields as in the header, found \(record.count)")
        }
    }

    mutating func type(_ record: CSVRecord) throws {
        try Self.checkWidth(record, fieldCount)
        typeFields(line: record.line) { column, body in record.withField(column, body) }
    }

    /// Types one row whose fields are read through `field` and appends it.
    mutating func typeFields(line: Int, field: (Int, (UnsafeBufferPointer<UInt8>) -> Void) -> Void) {
        invalidSlots.removeAll(keepingCapacity: true)
        for slot in numericColumns.indices {
            let column = numericColumns[slot]
            guard column >= 0 else { numbers[slot] = .nan; continue }
            var typed = TypedNumber.missing
            field(column) { bytes in
                // The fast path first; the typing rule (and the feature name) only when it fails.
                if case .value(let v) = NumberParser.parse(bytes) {
                    typed = .value(v)
                } else {
                    typed = FieldTyping.numeric(text: bytes)
                }
            }
            switch typed {
            case .value(let v): numbers[slot] = v
            case .missing: numbers[slot] = .nan
            case .invalid(let why):
                numbers[slot] = EventBatch.invalid
                note(line: line, feature: schema.features[schema.numericIndices[slot]].name, why)
            }
        }
        for slot in categoricalColumns.indices {
            let column = categoricalColumns[slot]
            guard column >= 0 else { codes[slot] = -1; continue }
            var problem: TypedLabel?
            field(column) { bytes in
                problem = FieldTyping.categoricalProblem(text: bytes)
                codes[slot] = problem == nil ? batch.labelCode(slot: slot, bytes: bytes) : -1
            }
            if case .invalid(let why) = problem {
                invalidSlots.append(slot)
                note(line: line, feature: schema.features[schema.categoricalIndices[slot]].name, why)
            }
        }
        numbers.withUnsafeBufferPointer { n in
            codes.withUnsafeBufferPointer { c in batch.append(numbers: n, codes: c, invalidSlots: invalidSlots) }
        }
    }

    private mutating func note(line: Int, feature: String, _ reason: String) {
        if invalid.count < 20 { invalid.append(InvalidValue(line: line, feature: feature, reason: reason)) }
    }
}
