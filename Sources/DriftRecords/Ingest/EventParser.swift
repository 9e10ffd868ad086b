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
///
/// The same shape names an invalid value of an accepted record (`ParsedEvents.invalid`; `kind` is
/// then `wrong_type`): the record was kept, that value counted invalid.
public struct RecordError: Sendable, Equatable, Codable {
    public let index: Int
    /// 1-based line in the body (JSON lines only).
    public var line: Int?
    public let field: String
    public let reason: String
    public let kind: RejectReason
    public init(index: Int, line: Int? = nil, field: String, reason: String, kind: RejectReason) {
        self.index = index
        self.line = line
        self.field = field
        self.reason = reason
        self.kind = kind
    }
    enum CodingKeys: String, CodingKey { case index, line, field, reason, kind = "code" }
}

/// A body's events split by model, and the records refused.
public struct ParsedEvents: Sendable {
    /// Per configured model (same order as the parser's models).
    public var batches: [EventBatch]
    public var errors: [RecordError] = []
    /// Invalid values of accepted records (the first 100): each counted invalid in its feature.
    public var invalid: [RecordError] = []
    /// Per model: invalid values of accepted records by feature name (all of them; names from
    /// the schema), for `driftwatch_feature_invalid_values_total`.
    public var invalidValues: [[String: Int]]
    /// Records of models the parser was not given, skipped (`OtherModels.skip`).
    public var skipped = 0
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
        invalidValues = Array(repeating: [:], count: schemas.count)
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

/// Parses record-contract JSON (DESIGN.md "Record (ingest) contract") and types every value
/// against the target model's schema: the one parser of HTTP ingest, the tailed log, and the
/// JSON-lines input of `compare` and `baseline build`.
///
/// Per record: the feature values are the `features` object or, when a record has none, its
/// top-level keys other than the envelope's (`model`, `timestamp`, `request_id`, `latency_ms`,
/// `status`): a flat object, as `pandas.DataFrame.to_json(orient="records", lines=True)` writes.
/// A flat record with no key naming a schema feature is refused (`missing_features`). `model`
/// defaults to the only configured model. `prediction` and `score` are typed as features when the
/// schema has them (a value under `features` wins); `prediction` is also the class counted in the
/// golden signals (strings, booleans, integral numbers). Values are typed by `FieldTyping` (the
/// rule table is there): a wrong type is counted invalid in its feature, never refusing the
/// record. `latency_ms` (a number ≥ 0), `status` (string or integer) and `timestamp` (string or
/// number) are envelope fields: a wrong type there refuses the record (`wrong_type`). Feature keys
/// outside the schema are counted and ignored. A JSON array body that is not well-formed JSON is
/// refused whole (`malformed_json`, with the byte offset); in NDJSON each line stands alone.
public struct EventParser: Sendable {
    public let models: [(name: String, schema: Schema)]
    public let defaultModel: Int?
    /// Longest category label accepted (longer ones are invalid values).
    public var maxLabelBytes = FieldTyping.maxLabelBytes
    /// What a record naming a model not in `models` gets.
    public enum OtherModels: Sendable {
        /// Refused, `unknown_model` (the sidecar: the producer is misconfigured).
        case reject
        /// Skipped and counted in `ParsedEvents.skipped` (`compare` on a multi-model log).
        case skip
    }
    public var otherModels = OtherModels.reject
    private let lookup: [[String: Int]]
    private let featureNames: [[String]]
    private let predictionIndex: [Int?]
    private let scoreIndex: [Int?]
    private let modelIndex: [String: Int]

    public init(models: [(name: String, schema: Schema)]) {
        self.models = models
        defaultModel = models.count == 1 ? 0 : nil
        featureNames = models.map { m in m.schema.features.map(\.name) }
        lookup = models.map { m in
            Dictionary(uniqueKeysWithValues: m.schema.features.enumerated().map { ($1.name, $0) })
        }
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

    /// Parses a body. In NDJSON, `firstLine` is the body's first line number in its file (errors
    /// name lines from it).
    public func parse(
        _ body: UnsafeRawBufferPointer, format: EventFormat, firstLine: Int = 1
    ) throws(BodyError) -> ParsedEvents {
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
                        try record(&s, index: index, line: nil, into: &out, scratch: &scratch, lineEnd: false)
                    }
                } else {
                    try record(&s, index: 0, line: nil, into: &out, scratch: &scratch, lineEnd: false)
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
            var line = firstLine
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
                        try record(&s, index: index, line: line, into: &out, scratch: &scratch, lineEnd: true)
                    } catch let f as JSONScanner.Failure {
                        reject(
                            &out, index: index, line: line, model: nil, field: "",
                            "malformed JSON at byte \(f.offset - start) of the line: \(f.message)", .malformedJSON)
                    } catch {
                        reject(&out, index: index, line: line, model: nil, field: "", "\(error)", .malformedJSON)
                    }
                    index += 1
                }
                start = stop + 1
                line += 1
            }
        }
        return out
    }

    /// Per-record scratch, reused.
    struct Scratch {
        var numbers: [Double] = []
        var categories: [String?] = []
        var categoryInvalid: [Bool] = []
        /// The record's invalid values (field, reason, feature index), reported once it is kept.
        var invalid: [(field: String, reason: String, feature: Int)] = []

        /// Every slot missing, for a record of `schema`.
        mutating func reset(_ schema: Schema) {
            if numbers.count == schema.numericCount {
                for k in numbers.indices { numbers[k] = .nan }
            } else {
                numbers = Array(repeating: .nan, count: schema.numericCount)
            }
            if categories.count == schema.categoricalCount {
                for k in categories.indices { categories[k] = nil; categoryInvalid[k] = false }
            } else {
                categories = Array(repeating: nil, count: schema.categoricalCount)
                categoryInvalid = Array(repeating: false, count: schema.categoricalCount)
            }
            invalid.removeAll(keepingCapacity: true)
        }
    }

    private func reject(
        _ out: inout ParsedEvents, index: Int, line: Int?, model: Int?, field: String, _ reason: String,
        _ kind: RejectReason
    ) {
        let m = model ?? defaultModel ?? 0
        if !out.rejected.isEmpty { out.rejected[m][kind, default: 0] += 1 }
        if out.errors.count < 100 {
            out.errors.append(RecordError(index: index, line: line, field: field, reason: reason, kind: kind))
        }
    }

    /// Keys of the envelope, never read as flat feature values.
    private static func isEnvelope(_ key: String) -> Bool {
        switch key {
        case "model", "timestamp", "request_id", "latency_ms", "status", "features", "prediction", "score": return true
        default: return false
        }
    }

    /// One record; the cursor on its value. Syntax errors propagate (they end the body or the line);
    /// a well-formed record with a bad envelope is refused here. With `lineEnd` (NDJSON), anything
    /// but blanks after the value is a syntax error, thrown before the record is kept or refused, so
    /// a line is counted once either way.
    private func record(
        _ s: inout JSONScanner, index: Int, line: Int?, into out: inout ParsedEvents,
        scratch: inout Scratch, lineEnd: Bool
    ) throws {
        func requireLineEnd(_ s: inout JSONScanner) throws {
            guard lineEnd else { return }
            s.skipWhitespace()
            if !s.atEnd { throw s.fail("unexpected data after the JSON value") }
        }
        func refuse(_ model: Int?, _ field: String, _ reason: String, _ kind: RejectReason) {
            reject(&out, index: index, line: line, model: model, field: field, reason, kind)
        }
        s.skipWhitespace()
        guard s.peek() == UInt8(ascii: "{") else {
            let type = try s.typeName()
            try requireLineEnd(&s)
            refuse(nil, "", "expected a JSON object, found \(type)", .notAnObject)
            return
        }
        let recordStart = s.position
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
                if otherModels == .skip { out.skipped += 1; return }
                let known = models.map(\.name).joined(separator: ", ")
                refuse(nil, "model", "unknown model \"\(modelName.prefix(64))\" (configured: \(known))", .unknownModel)
                return
            }
            model = m
        } else if let modelType {
            refuse(nil, "model", "expected a string, found \(modelType)", .wrongType)
            return
        } else if let d = defaultModel {
            model = d
        } else {
            refuse(nil, "model", "required when several models are configured", .unknownModel)
            return
        }
        // The envelope first: a wrong type there refuses the record before any value is typed.
        var latency = Double.nan
        if let at = latencyAt {
            var p = JSONScanner(s.bytes, from: at, to: end)
            switch try p.token() {
            case .number(let v) where v >= 0: latency = v / 1000
            case .null: break
            case let t:
                refuse(model, "latency_ms", "expected a number ≥ 0, found \(t.describe)", .wrongType)
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
                refuse(model, "status", "expected a short string or an integer, found \(t.describe)", .wrongType)
                return
            }
        }
        if let at = timestampAt {
            var p = JSONScanner(s.bytes, from: at, to: end)
            switch try p.token() {
            case .string, .number, .null: break
            case let t:
                refuse(
                    model, "timestamp", "expected an RFC 3339 string or epoch seconds, found \(t.describe)", .wrongType)
                return
            }
        }
        let schema = models[model].schema
        scratch.reset(schema)
        var unknown = 0
        var matched = 0
        let names = featureNames[model]
        var expected = 0
        // Producers usually write features in one order: try the schema's next name before
        // hashing the key.
        func feature(_ r: inout JSONScanner, _ key: String, prefix: StaticString, depth: Int) throws {
            let hinted: Int? = expected < names.count && names[expected] == key ? expected : lookup[model][key]
            guard let i = hinted else {
                unknown += 1
                if out.unknownFeatureNames[model].count < 20 {
                    out.unknownFeatureNames[model].insert(String(key.prefix(64)))
                }
                try r.skip(depth: depth)
                return
            }
            expected = i + 1
            matched += 1
            try value(&r, feature: i, prefix: prefix, key: key, schema: schema, scratch: &scratch, depth: depth)
        }
        if let featuresAt {
            var r = JSONScanner(s.bytes, from: featuresAt, to: end)
            guard r.peek() == UInt8(ascii: "{") else {
                let type = try r.typeName()
                refuse(model, "features", "expected an object, found \(type)", .missingFeatures)
                return
            }
            try r.object(depth: 1) { r, key in try feature(&r, key, prefix: "features.", depth: 2) }
        } else {
            // A flat object: its other top-level keys are the features.
            var r = JSONScanner(s.bytes, from: recordStart, to: end)
            try r.object { r, key in
                if Self.isEnvelope(key) { try r.skip(depth: 1); return }
                try feature(&r, key, prefix: "", depth: 1)
            }
        }
        // prediction / score join the features when the schema has them (a value under
        // `features` wins).
        var predictionClass: String?
        if let at = predictionAt {
            var p = JSONScanner(s.bytes, from: at, to: end)
            switch try p.token() {
            case .string(let v) where !v.isEmpty: predictionClass = String(v.prefix(maxLabelBytes))
            case .bool(let b): predictionClass = b ? "true" : "false"
            case .number(let v) where v == v.rounded() && abs(v) < 1e15: predictionClass = String(Int64(v))
            case let t:
                // No class. Where the schema has a `prediction` feature the value is typed below
                // (a container is an invalid value); elsewhere it is an envelope field.
                if (t == .objectStart || t == .arrayStart) && predictionIndex[model] == nil {
                    refuse(model, "prediction", "expected a label or a number, found \(t.typeName)", .wrongType)
                    return
                }
            }
            if let i = predictionIndex[model], !scratch.isSet(schema.slot(of: i), kind: schema.features[i].kind) {
                var p = JSONScanner(s.bytes, from: at, to: end)
                matched += 1
                try value(&p, feature: i, prefix: "", key: "prediction", schema: schema, scratch: &scratch, depth: 1)
            }
        }
        if let at = scoreAt, let i = scoreIndex[model],
            !scratch.isSet(schema.slot(of: i), kind: schema.features[i].kind)
        {
            var p = JSONScanner(s.bytes, from: at, to: end)
            matched += 1
            try value(&p, feature: i, prefix: "", key: "score", schema: schema, scratch: &scratch, depth: 1)
        }
        if featuresAt == nil && matched == 0 {
            refuse(
                model, "features", "required: a \"features\" object, or feature keys at the top level", .missingFeatures
            )
            return
        }
        out.unknownFeatures[model] += unknown
        for bad in scratch.invalid {
            out.invalidValues[model][names[bad.feature], default: 0] += 1
            if out.invalid.count < 100 {
                out.invalid.append(
                    RecordError(index: index, line: line, field: bad.field, reason: bad.reason, kind: .wrongType))
            }
        }
        let categoryInvalid = scratch.categoryInvalid
        out.batches[model].append(
            numbers: scratch.numbers, categories: scratch.categories,
            invalidSlots: categoryInvalid.indices.lazy.filter { categoryInvalid[$0] },
            latency: latency, status: status, prediction: predictionClass)
    }

    /// Types the value at the cursor into feature `i`'s slot (`FieldTyping`'s rule); an invalid
    /// value is marked and its reason kept under `prefix + key` (joined only then: building the
    /// field name for every value cost an allocation per value on the ingest path).
    /// `depth` is the value's nesting depth, as the first pass checked it (containers are skipped at it).
    private func value(
        _ r: inout JSONScanner, feature i: Int, prefix: StaticString, key: String, schema: Schema,
        scratch: inout Scratch, depth: Int
    ) throws {
        let slot = schema.slot(of: i)
        let token = try r.token()
        if token == .objectStart || token == .arrayStart { try r.skip(depth: depth) }
        // A key given twice: the last value stands, and only its problem (if any) is reported and
        // counted. At most one entry per feature, so this stays O(features).
        if !scratch.invalid.isEmpty { scratch.invalid.removeAll { $0.feature == i } }
        switch schema.features[i].kind {
        case .numeric:
            switch FieldTyping.numeric(token) {
            case .value(let v): scratch.numbers[slot] = v
            case .missing: scratch.numbers[slot] = .nan
            case .invalid(let why):
                scratch.numbers[slot] = EventBatch.invalid
                scratch.invalid.append(("\(prefix)" + key, why, i))
            }
        case .categorical:
            switch FieldTyping.categorical(token, maxLabelBytes: maxLabelBytes) {
            case .label(let l): scratch.categories[slot] = l; scratch.categoryInvalid[slot] = false
            case .missing: scratch.categories[slot] = nil; scratch.categoryInvalid[slot] = false
            case .invalid(let why):
                scratch.categories[slot] = nil
                scratch.categoryInvalid[slot] = true
                scratch.invalid.append(("\(prefix)" + key, why, i))
            }
        }
    }
}

extension EventParser.Scratch {
    /// Whether the slot holds a value or an invalid one (not missing).
    func isSet(_ slot: Int, kind: FeatureKind) -> Bool {
        switch kind {
        case .numeric: return !numbers[slot].isNaN || EventBatch.isInvalid(numbers[slot])
        case .categorical: return categories[slot] != nil || categoryInvalid[slot]
        }
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
