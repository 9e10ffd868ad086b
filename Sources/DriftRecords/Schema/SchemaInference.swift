/// Infers a schema from the first rows of an input.
///
/// Rules, per column (missing values ignored):
/// - every value a number → `numeric` (integer columns with few distinct values stay numeric);
///   otherwise (text, booleans, mixtures) → `categorical`; a column with no value at all →
///   `categorical` with a note;
/// - names in `categorical` are forced categorical, names in `exclude` are dropped;
/// - a column named `prediction` is the model's output: text or integers with at most
///   `maxClassCount` distinct values → a categorical class prediction, other numbers → a numeric
///   regression output; a numeric column named `score` is the model's score.
/// Values after the inspected rows that do not fit the inferred kind are counted as invalid.
public struct SchemaInference: Sendable {
    public struct Options: Sendable {
        public var categorical: Set<String> = []
        public var exclude: Set<String> = []
        /// Rows inspected before the schema is fixed.
        public var sampleRows: Int = 10_000
        /// Distinct integer values up to which a numeric `prediction` is a class label.
        public var maxClassCount: Int = 50
        public init() {}
    }

    /// What was seen in one column.
    struct Observation {
        var numbers = 0
        var nonIntegers = 0
        var texts = 0
        var bools = 0
        var nested = 0
        var distinct: Set<Double> = []
    }

    public let options: Options
    private(set) var columns: [String] = []
    private var observations: [String: Observation] = [:]
    /// Notes about the decisions (forced kinds, empty columns, excluded columns).
    public private(set) var notes: [String] = []

    public init(options: Options) { self.options = options }

    mutating func column(_ name: String) {
        if observations[name] == nil {
            observations[name] = Observation()
            columns.append(name)
        }
    }

    /// Observes a text field (CSV).
    mutating func observe(text: String?, column name: String) {
        column(name)
        guard let text, !text.isEmpty else { return }
        switch NumberParser.parse(text) {
        case .value(let v): observeNumber(v, name)
        case .infinite: observeNumber(.infinity, name)
        case .missing: return
        case .notANumber:
            let lower = text.lowercased()
            if lower == "true" || lower == "false" {
                observations[name]?.bools += 1
            } else {
                observations[name]?.texts += 1
            }
        }
    }

    /// Observes a JSON scalar.
    mutating func observe(token: JSONScanner.Token, column name: String) {
        column(name)
        switch token {
        case .null, .objectStart, .arrayStart: return
        case .number(let v): observeNumber(v, name)
        case .infinite: observeNumber(.infinity, name)
        case .bool: observations[name]?.bools += 1
        case .string(let s):
            if !s.isEmpty && !NumberParser.missingTokens.contains(s) { observations[name]?.texts += 1 }
        }
    }

    /// Observes a JSON array or object.
    mutating func observe(nested name: String) {
        column(name)
        observations[name]?.nested += 1
    }

    private mutating func observeNumber(_ v: Double, _ name: String) {
        observations[name]?.numbers += 1
        if v != v.rounded() || !v.isFinite { observations[name]?.nonIntegers += 1 }
        if observations[name]!.distinct.count <= options.maxClassCount { observations[name]?.distinct.insert(v) }
    }

    /// The schema for the columns seen so far, in order of first appearance.
    public mutating func schema() throws -> Schema {
        var specs: [FeatureSpec] = []
        for name in columns {
            if options.exclude.contains(name) { notes.append("column \"\(name)\" excluded"); continue }
            guard let o = observations[name] else { continue }
            if o.nested > 0 {
                notes.append("column \"\(name)\" holds arrays or objects; excluded")
                continue
            }
            let allNumbers = o.numbers > 0 && o.texts == 0 && o.bools == 0
            var kind: FeatureKind = allNumbers ? .numeric : .categorical
            var role = FeatureRole.feature
            if o.numbers + o.texts + o.bools == 0 {
                notes.append(
                    "column \"\(name)\" has no values in the first \(options.sampleRows) rows; treated as categorical")
            }
            if options.categorical.contains(name) { kind = .categorical }
            if name == "prediction" {
                role = .prediction
                if allNumbers && o.nonIntegers == 0 && o.distinct.count <= options.maxClassCount
                    && !options.categorical.contains(name)
                {
                    kind = .categorical
                    notes.append(
                        "column \"prediction\" holds \(o.distinct.count) integer classes; profiled as categorical")
                }
            } else if name == "score" && kind == .numeric {
                role = .score
            }
            specs.append(FeatureSpec(name: name, kind: kind, role: role))
        }
        for name in options.categorical.union(options.exclude).sorted() where observations[name] == nil {
            notes.append("column \"\(name)\" named on the command line is not in the input")
        }
        return try Schema(features: specs)
    }
}
