/// Why a record (or a whole request) was refused. A closed set: it is the `reason` label of
/// `driftwatch_events_rejected_total`.
public enum RejectReason: String, Sendable, CaseIterable, Codable {
    case malformedJSON = "malformed_json"
    case notAnObject = "not_an_object"
    case missingFeatures = "missing_features"
    case wrongType = "wrong_type"
    case unknownModel = "unknown_model"
    case bodyTooLarge = "body_too_large"
    case unsupportedMediaType = "unsupported_media_type"
    case unauthorized
    /// The body did not arrive within `body_timeout` (408).
    case bodyTimeout = "body_timeout"
}

/// One refused record: its 0-based index in the request (array element or line), the field at
/// fault and why.
public struct RecordError: Sendable, Equatable, Codable {
    public let index: Int
    public let field: String
    public let reason: String
    public let kind: RejectReason
    public init(index: Int, field: String, reason: String, kind: RejectReason) {
        self.index = index
        self.field = field
        self.reason = reason
        self.kind = kind
    }
    enum CodingKeys: String, CodingKey { case index, field, reason, kind = "code" }
}

/// A body's events split by model, and the records refused.
public struct ParsedEvents: Sendable {
    /// Per configured model (same order as the parser's models).
    public var batches: [EventBatch]
    public var errors: [RecordError] = []
    /// Per model: rejected records by reason (the model is the record's own when known, else the
    /// default model's, else index 0).
    public var rejected: [[RejectReason: Int]]
    /// Per model: feature keys not in the schema (counted and ignored).
    public var unknownFeatures: [Int]
    /// Per model: a few of those keys, for the report's notes (never used as labels).
    public var unknownFeatureNames: [Set<String>]
    public var accepted: Int { batches.reduce(0) { $0 + $1.count } }

    /// Nothing parsed yet, for models with these schemas.
    public init(schemas: [Schema]) {
        batches = schemas.map { EventBatch(schema: $0) }
        rejected = Array(repeating: [:], count: schemas.count)
        unknownFeatures = Array(repeating: 0, count: schemas.count)
        unknownFeatureNames = Array(repeating: [], count: schemas.count)
    }
    public var rejectedCount: Int { rejected.reduce(0) { $0 + $1.values.reduce(0, +) } }
}

/// The body format of an ingest request.
public enum EventFormat: Sendable {
    /// A JSON object (one event) or an array of objects.
    case json
    /// One JSON object per line (`application/x-ndjson`); blank lines are skipped.
    case ndjson
}

/// Parses ingest bodies per the record contract (DESIGN.md "Record (ingest) contract") and types
/// every value against the target model's schema.
///
/// Per record: `features` (object) is required; `model` defaults to the only configured model.
/// `prediction` and `score` are typed as features when the schema has them; `prediction` is also
/// the class counted in the golden signals (strings, booleans, integral numbers). `latency_ms` (a
/// number ≥ 0), `status` (string or integer) and `timestamp` (string or number) are checked.
/// Numeric features take numbers; null, `""` and `"NaN"`-like strings are missing; anything else is
/// a `wrong_type` error that refuses the record (its good neighbours are kept). Categorical
/// features take strings, booleans and numbers. Feature keys outside the schema are counted and
/// ignored. A JSON array body that is not well-formed JSON is refused whole (`malformed_json`,
/// with the byte offset); in NDJSON each line stands alone.
public struct EventParser: Sendable {
    public let models: [(name: String, schema: Schema)]
    public let defaultModel: Int?
    /// Longest category label accepted.
    public var maxLabelBytes = 1024
    private let lookup: [[String: Int]]
    private let featureNames: [[String]]
    private let predictionIndex: [Int?]
    private let scoreIndex: [Int?]
    private let modelIndex: [String: Int]

    public init(models: [(name: String, schema: Schema)]) {
        self.models = models
        defaultModel = models.count == 1 ? 0 : nil
        featureNames = models.map { m in m.schema.features.map(\.name) }
        lookup = models.map { m in Dictionary(uniqueKeysWithValues: m.schema.features.enumerated().map { ($1.name, $0) }) }
        predictionIndex = models.map { $0.schema.index(of: "prediction") }
        scoreIndex = models.map { $0.schema.index(of: "score") }
        modelIndex = Dictionary(uniqueKeysWithValues: models.enumerated().map { ($1.name, $0) })
    }

    /// A whole-body failure (malformed JSON array): refused whole.
    public struct BodyError: Error, Sendable, Equatable, CustomStringConvertible {
        public let offset: Int
        public let message: String
        public var description: String { "malformed JSON at byte \(offset): \(message)" }
    }

    public func parse(_ body: UnsafeRawBufferPointer, format: EventFormat) throws(BodyError) -> ParsedEvents {
        var out = ParsedEvents(schemas: models.map(\.schema))
        let bytes = body.bindMemory(to: UInt8.self)
        var scratch = Scratch()
        switch format {
        case .json:
            var s = JSONScanner(bytes)
            do {
                s.skipWhitespace()
                if s.peek() == UInt8(ascii: "[") {
                    try s.array { s, index in
                        try record(&s, index: index, into: &out, scratch: &scratch, lineEnd: false)
                    }
                } else {
                    try record(&s, index: 0, into: &out, scratch: &scratch, lineEnd: false)
                }
                s.skipWhitespace()
                guard s.atEnd else { throw s.fail("unexpected data after the JSON value") }
            } catch let f as JSONScanner.Failure {
                throw BodyError(offset: f.offset, message: f.message)
            } catch {
                throw BodyError(offset: s.position, message: "\(error)")
            }
        case .ndjson:
            var start = 0
            var index = 0
            let n = bytes.count
            while start < n {
                var stop = start
                while stop < n && bytes[stop] != 0x0A { stop += 1 }
                var s = JSONScanner(bytes, from: start, to: stop)
                s.skipWhitespace()
                if !s.atEnd {
                    do {
                        // The line's end is checked as soon as the value's extent is known, before
                        // the record is kept or refused: `{...} x` or `{}{}` is one malformed record.
                        try record(&s, index: index, into: &out, scratch: &scratch, lineEnd: true)
                    } catch let f as JSONScanner.Failure {
                        reject(&out, index: index, model: nil, field: "", "malformed JSON at byte \(f.offset - start) of the line: \(f.message)", .malformedJSON)
                    } catch {
                        reject(&out, index: index, model: nil, field: "", "\(error)", .malformedJSON)
                    }
                    index += 1
                }
                start = stop + 1
            }
        }
        return out
    }

    /// Per-record scratch, reused.
    struct Scratch {
        var numbers: [Double] = []
        var categories: [String?] = []
    }

    private func reject(_ out: inout ParsedEvents, index: Int, model: Int?, field: String, _ reason: String, _ kind: RejectReason) {
        let m = model ?? defaultModel ?? 0
        if !out.rejected.isEmpty { out.rejected[m][kind, default: 0] += 1 }
        if out.errors.count < 100 { out.errors.append(RecordError(index: index, field: field, reason: reason, kind: kind)) }
    }

    /// One record; the cursor on its value. Syntax errors propagate (they end the body or the line);
    /// a well-formed record with bad content is rejected here. With `lineEnd` (NDJSON), anything but
    /// blanks after the value is a syntax error, thrown before the record is kept or refused, so a
    /// line is counted once either way.
    private func record(_ s: inout JSONScanner, index: Int, into out: inout ParsedEvents, scratch: inout Scratch,
                        lineEnd: Bool) throws {
        func requireLineEnd(_ s: inout JSONScanner) throws {
            guard lineEnd else { return }
            s.skipWhitespace()
            if !s.atEnd { throw s.fail("unexpected data after the JSON value") }
        }
        s.skipWhitespace()
        guard s.peek() == UInt8(ascii: "{") else {
            let type = try s.typeName()
            try requireLineEnd(&s)
            reject(&out, index: index, model: nil, field: "", "expected a JSON object, found \(type)", .notAnObject)
            return
        }
        // Pass 1: where the members are (values skipped), and the model.
        var featuresAt: Int?
        var predictionAt: Int?, scoreAt: Int?, latencyAt: Int?, statusAt: Int?, timestampAt: Int?
        var modelName: String?
        var modelType: String?
        try s.object { s, key in
            switch key {
            case "features": featuresAt = s.position
            case "prediction": predictionAt = s.position
            case "score": scoreAt = s.position
            case "latency_ms": latencyAt = s.position
            case "status": statusAt = s.position
            case "timestamp": timestampAt = s.position
            case "model":
                let at = s.position
                if case .string(let m) = try s.token() { modelName = m } else { modelType = try s.typeNameAt(at) }
                return
            default: break
            }
            try s.skip(depth: 1)
        }
        let end = s.position
        try requireLineEnd(&s)
        s.position = end
        let model: Int
        if let modelName {
            guard let m = modelIndex[modelName] else {
                let known = models.map(\.name).joined(separator: ", ")
                reject(&out, index: index, model: nil, field: "model", "unknown model \"\(modelName.prefix(64))\" (configured: \(known))", .unknownModel)
                return
            }
            model = m
        } else if let modelType {
            reject(&out, index: index, model: nil, field: "model", "expected a string, found \(modelType)", .wrongType)
            return
        } else if let d = defaultModel {
            model = d
        } else {
            reject(&out, index: index, model: nil, field: "model", "required when several models are configured", .unknownModel)
            return
        }
        guard let featuresAt else {
            reject(&out, index: index, model: model, field: "features", "required (an object of feature values)", .missingFeatures)
            return
        }
        let schema = models[model].schema
        // Reused between records (no allocation per record).
        if scratch.numbers.count == schema.numericCount {
            for k in scratch.numbers.indices { scratch.numbers[k] = .nan }
        } else {
            scratch.numbers = Array(repeating: .nan, count: schema.numericCount)
        }
        if scratch.categories.count == schema.categoricalCount {
            for k in scratch.categories.indices { scratch.categories[k] = nil }
        } else {
            scratch.categories = Array(repeating: nil, count: schema.categoricalCount)
        }
        var r = JSONScanner(s.bytes, from: featuresAt, to: end)
        guard r.peek() == UInt8(ascii: "{") else {
            let type = try r.typeName()
            reject(&out, index: index, model: model, field: "features", "expected an object, found \(type)", .missingFeatures)
            return
        }
        var failure: (String, String)?
        var unknown = 0
        let names = featureNames[model]
        var expected = 0
        try r.object(depth: 1) { r, key in
            // Producers usually write features in one order: try the schema's next name before
            // hashing the key.
            let hinted: Int? = expected < names.count && names[expected] == key ? expected : lookup[model][key]
            guard failure == nil, let i = hinted else {
                if failure == nil {
                    unknown += 1
                    if out.unknownFeatureNames[model].count < 20 { out.unknownFeatureNames[model].insert(String(key.prefix(64))) }
                }
                try r.skip(depth: 2)
                return
            }
            expected = i + 1
            if let problem = try value(&r, feature: i, schema: schema, scratch: &scratch) {
                failure = ("features.\(key)", problem)
            }
        }
        if let failure {
            reject(&out, index: index, model: model, field: failure.0, failure.1, .wrongType)
            return
        }
        // prediction / score join the features when the schema has them (a value under
        // `features` wins).
        var predictionClass: String?
        if let at = predictionAt {
            var p = JSONScanner(s.bytes, from: at, to: end)
            let token = try p.token()
            switch token {
            case .string(let v) where !v.isEmpty: predictionClass = String(v.prefix(maxLabelBytes))
            case .bool(let b): predictionClass = b ? "true" : "false"
            case .number(let v) where v == v.rounded() && abs(v) < 1e15: predictionClass = String(Int64(v))
            case .null, .number, .string: break
            default:
                reject(&out, index: index, model: model, field: "prediction", "expected a label or a number, found \(token.typeName)", .wrongType)
                return
            }
            if let i = predictionIndex[model] {
                var p = JSONScanner(s.bytes, from: at, to: end)
                if let problem = try value(&p, feature: i, schema: schema, scratch: &scratch, onlyIfMissing: true) {
                    reject(&out, index: index, model: model, field: "prediction", problem, .wrongType)
                    return
                }
            }
        }
        if let at = scoreAt, let i = scoreIndex[model] {
            var p = JSONScanner(s.bytes, from: at, to: end)
            if let problem = try value(&p, feature: i, schema: schema, scratch: &scratch, onlyIfMissing: true) {
                reject(&out, index: index, model: model, field: "score", problem, .wrongType)
                return
            }
        }
        var latency = Double.nan
        if let at = latencyAt {
            var p = JSONScanner(s.bytes, from: at, to: end)
            switch try p.token() {
            case .number(let v) where v >= 0: latency = v / 1000
            case .null: break
            case let t:
                reject(&out, index: index, model: model, field: "latency_ms", "expected a number ≥ 0, found \(t.describe)", .wrongType)
                return
            }
        }
        var status: String?
        if let at = statusAt {
            var p = JSONScanner(s.bytes, from: at, to: end)
            switch try p.token() {
            case .string(let v) where !v.isEmpty && v.utf8.count <= 64: status = v
            case .number(let v) where v == v.rounded() && abs(v) < 1e6: status = String(Int(v))
            case .null: break
            case let t:
                reject(&out, index: index, model: model, field: "status", "expected a short string or an integer, found \(t.describe)", .wrongType)
                return
            }
        }
        if let at = timestampAt {
            var p = JSONScanner(s.bytes, from: at, to: end)
            switch try p.token() {
            case .string, .number, .null: break
            case let t:
                reject(&out, index: index, model: model, field: "timestamp", "expected an RFC 3339 string or epoch seconds, found \(t.describe)", .wrongType)
                return
            }
        }
        out.unknownFeatures[model] += unknown
        out.batches[model].append(numbers: scratch.numbers, categories: scratch.categories, latency: latency,
                                  status: status, prediction: predictionClass)
    }

    /// Types the value at the cursor into feature `i`'s slot; returns a problem, or nil.
    private func value(_ r: inout JSONScanner, feature i: Int, schema: Schema, scratch: inout Scratch,
                       onlyIfMissing: Bool = false) throws -> String? {
        let slot = schema.slot(of: i)
        let token = try r.token()
        switch schema.features[i].kind {
        case .numeric:
            if onlyIfMissing && !scratch.numbers[slot].isNaN { try r.skipContainer(token); return nil }
            switch token {
            case .number(let v): scratch.numbers[slot] = v
            case .null: scratch.numbers[slot] = .nan
            case .string(let t) where t.isEmpty || NumberParser.missingTokens.contains(t): scratch.numbers[slot] = .nan
            case .infinite: return NumberParser.outOfRangeReason
            default: try r.skipContainer(token); return "expected a number, found \(token.describe)"
            }
        case .categorical:
            if onlyIfMissing && scratch.categories[slot] != nil { try r.skipContainer(token); return nil }
            switch token {
            case .string(let t):
                guard t.utf8.count <= maxLabelBytes else { return "label longer than \(maxLabelBytes) bytes" }
                scratch.categories[slot] = t.isEmpty ? nil : t
            case .bool(let b): scratch.categories[slot] = b ? "true" : "false"
            case .number(let v): scratch.categories[slot] = ValueTyping.label(v)
            case .null: scratch.categories[slot] = nil
            case .infinite: return NumberParser.outOfRangeReason
            case .objectStart, .arrayStart: try r.skipContainer(token); return "expected a label, found \(token.describe)"
            }
        }
        return nil
    }
}

extension JSONScanner.Token {
    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number, .infinite: return "number"
        case .string: return "string"
        case .arrayStart: return "array"
        case .objectStart: return "object"
        }
    }

    /// The type, and the value when short (for error messages).
    var describe: String {
        switch self {
        case .string(let s): return "string \"\(s.prefix(40))\""
        case .bool(let b): return "boolean \(b)"
        case .number(let v): return "number \(v)"
        default: return typeName
        }
    }
}

extension JSONScanner {
    /// After `token()` returned a container start, skips the container.
    mutating func skipContainer(_ token: Token) throws {
        if token == .objectStart || token == .arrayStart { try skip(depth: 2) }
    }

    /// The type name of the value at `offset` (the cursor is left after it).
    mutating func typeNameAt(_ offset: Int) throws -> String {
        position = offset
        return try typeName()
    }
}
