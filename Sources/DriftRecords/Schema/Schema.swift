/// How a feature's values are profiled and tested.
public enum FeatureKind: String, Sendable, Codable, CaseIterable {
    /// Real numbers: quantile bins, PSI, KS (and the optional distances).
    case numeric
    /// Labels: category counts (top K + `__other__`), PSI, total variation distance, chi-square.
    case categorical
}

/// What a column is to the model: an input, or one of its outputs.
public enum FeatureRole: String, Sendable, Codable, CaseIterable {
    /// A model input.
    case feature
    /// The model's class prediction (categorical) or regression output (numeric).
    case prediction
    /// The model's score or confidence (numeric).
    case score
}

/// One column of a model's schema.
public struct FeatureSpec: Sendable, Equatable, Hashable, Codable {
    public var name: String
    public var kind: FeatureKind
    public var role: FeatureRole

    public init(name: String, kind: FeatureKind, role: FeatureRole = .feature) {
        self.name = name
        self.kind = kind
        self.role = role
    }

    private enum CodingKeys: String, CodingKey { case name, kind, role }

    /// `role` may be omitted (it defaults to `feature`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        kind = try c.decode(FeatureKind.self, forKey: .kind)
        role = try c.decodeIfPresent(FeatureRole.self, forKey: .role) ?? .feature
    }
}

/// Why a schema was refused.
public struct SchemaError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The columns of a model, in order. A baseline stores its schema, and the schema is what bounds
/// every label the sidecar exports: feature names come from here, never from requests.
public struct Schema: Sendable, Equatable, Codable {
    /// Longest accepted feature name (they become Prometheus label values).
    public static let maxNameLength = 128

    public let features: [FeatureSpec]
    /// Positions (into `features`) of the numeric features, in order: the numeric "slots".
    public let numericIndices: [Int]
    /// Positions (into `features`) of the categorical features, in order.
    public let categoricalIndices: [Int]
    private let slotByIndex: [Int]
    private let indexByName: [String: Int]

    /// Validates: at least one feature, names non-empty, at most 128 bytes, printable, unique;
    /// at most one `prediction` and one `score` column, and `score` numeric.
    public init(features: [FeatureSpec]) throws {
        guard !features.isEmpty else { throw SchemaError("the schema has no features") }
        var seen: [String: Int] = [:]
        for (i, f) in features.enumerated() {
            guard !f.name.isEmpty else { throw SchemaError("feature \(i + 1) has an empty name") }
            guard f.name.utf8.count <= Self.maxNameLength else {
                throw SchemaError("feature \(i + 1) name is longer than \(Self.maxNameLength) bytes")
            }
            guard !f.name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
                throw SchemaError("feature \(i + 1) name contains control characters")
            }
            if let j = seen[f.name] {
                throw SchemaError("feature \"\(f.name)\" appears twice (columns \(j + 1) and \(i + 1))")
            }
            seen[f.name] = i
        }
        for role in [FeatureRole.prediction, .score] where features.filter({ $0.role == role }).count > 1 {
            throw SchemaError("more than one feature has role \(role.rawValue)")
        }
        if let s = features.first(where: { $0.role == .score }), s.kind != .numeric {
            throw SchemaError("the score feature \"\(s.name)\" must be numeric")
        }
        self.features = features
        numericIndices = features.indices.filter { features[$0].kind == .numeric }
        categoricalIndices = features.indices.filter { features[$0].kind == .categorical }
        var slots = [Int](repeating: 0, count: features.count)
        for (s, i) in numericIndices.enumerated() { slots[i] = s }
        for (s, i) in categoricalIndices.enumerated() { slots[i] = s }
        slotByIndex = slots
        indexByName = seen
    }

    private enum CodingKeys: String, CodingKey { case features }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let features = try c.decode([FeatureSpec].self, forKey: .features)
        do {
            try self.init(features: features)
        } catch let error as SchemaError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(features, forKey: .features)
    }

    public static func == (a: Schema, b: Schema) -> Bool { a.features == b.features }

    /// Position of the feature called `name`, if the schema has it.
    public func index(of name: String) -> Int? { indexByName[name] }

    /// Position of feature `index` among the features of its kind (its numeric or categorical slot).
    public func slot(of index: Int) -> Int { slotByIndex[index] }

    public var numericCount: Int { numericIndices.count }
    public var categoricalCount: Int { categoricalIndices.count }
}
