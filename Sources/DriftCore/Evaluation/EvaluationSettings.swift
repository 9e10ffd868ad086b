/// Where an effect threshold comes from.
import DriftRecords

public enum ThresholdSource: String, Sendable, Codable {
    /// The configured constant.
    case fixed
    /// The baseline's chunk band: mean + 3σ of the statistic over reference chunks ("unusual for
    /// this feature"); features or tests without a band fall back to the constant.
    case baseline
}

/// Correction of p-values for testing many features at once.
public enum MultipleTestingCorrection: String, Sendable, Codable {
    case benjaminiHochberg = "benjamini_hochberg"
    case bonferroni
    case none
}

/// Thresholds of the verdict. Any key may be omitted (its default applies). The keys are
/// `significance` and each test's effect key from `DriftTestRegistry` (`psi`, `ks_statistic`, ...).
public struct Thresholds: Sendable, Equatable, Codable {
    /// Level for p-value tests (KS, chi-square), applied after the correction.
    public var significance = 0.05
    /// Effect floors by test (every test with an `effect` row in the registry).
    private var effects: [DriftTest: Double]

    public init() {
        effects = Dictionary(uniqueKeysWithValues: DriftTestRegistry.effects.map { ($0.test, $0.effect!.defaultValue) })
    }

    /// Every key a thresholds mapping may hold.
    public static let keys = ["significance"] + DriftTestRegistry.effects.map { $0.effect!.key }

    /// The effect floor of `test` (the significance level for a test without one).
    public subscript(effect test: DriftTest) -> Double {
        get { effects[test] ?? significance }
        set { if effects[test] != nil { effects[test] = newValue } }
    }

    /// Replaces the threshold of `key`; false when the key is not a threshold.
    @discardableResult
    public mutating func set(_ key: String, _ value: Double) -> Bool {
        if key == "significance" {
            significance = value
            return true
        }
        guard let info = DriftTestRegistry.effects.first(where: { $0.effect!.key == key }) else { return false }
        effects[info.test] = value
        return true
    }

    /// Unknown keys are refused (a misspelt `psy: 0.2` used to be ignored, leaving the default).
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(Self.keys)
        let c = try decoder.container(keyedBy: AnyKey.self)
        self.init()
        for key in Self.keys {
            if let v = try c.decodeIfPresent(Double.self, forKey: AnyKey(key)) { set(key, v) }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(significance, forKey: AnyKey("significance"))
        for info in DriftTestRegistry.effects {
            try c.encode(self[effect: info.test], forKey: AnyKey(info.effect!.key))
        }
    }

    /// These thresholds with the keys of `override` replaced (unknown keys are left to `validate`).
    public func merged(with override: [String: Double]) -> Thresholds {
        var t = self
        for (key, value) in override { t.set(key, value) }
        return t
    }

    /// `significance` and every effect floor, in registry order, as (key, value).
    public var entries: [(key: String, value: Double)] {
        [("significance", significance)] + DriftTestRegistry.effects.map { ($0.effect!.key, self[effect: $0.test]) }
    }

    func validate(_ context: String) throws {
        guard significance > 0 && significance < 1 else {
            throw SchemaError("\(context)significance must be in (0, 1)")
        }
        for (name, v) in entries.dropFirst() {
            guard v.isFinite && v >= 0 else { throw SchemaError("\(context)\(name) must be a finite number ≥ 0") }
        }
    }
}

/// Per-feature changes to the evaluation.
public struct FeatureOverride: Sendable, Equatable, Codable {
    /// Tests to run instead of the kind's defaults.
    public var tests: [DriftTest]?
    /// Threshold keys (as in `Thresholds`) to replace.
    public var thresholds: [String: Double]?
    /// Leave the feature out of the verdict (its statistics are still reported).
    public var ignore: Bool?

    public init(tests: [DriftTest]? = nil, thresholds: [String: Double]? = nil, ignore: Bool? = nil) {
        self.tests = tests
        self.thresholds = thresholds
        self.ignore = ignore
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case tests, thresholds, ignore }

    /// Unknown keys are refused (`ignre: true` used to be ignored).
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tests = try c.decodeIfPresent([DriftTest].self, forKey: .tests)
        thresholds = try c.decodeIfPresent([String: Double].self, forKey: .thresholds)
        ignore = try c.decodeIfPresent(Bool.self, forKey: .ignore)
    }
}

/// How a window is judged. Every field has the default DESIGN.md documents; the sidecar's config and
/// `compare`'s flags fill it.
public struct EvaluationSettings: Sendable, Equatable, Codable {
    public var numericTests: [DriftTest] = [.psi, .ks]
    public var categoricalTests: [DriftTest] = [.psi, .tvd, .chi2]
    public var thresholds = Thresholds()
    public var thresholdSource: ThresholdSource = .fixed
    public var correction: MultipleTestingCorrection = .benjaminiHochberg
    /// Present values below which a feature's verdict is `insufficient_data`.
    public var minSamples = 100
    /// Share of drifted features at which the dataset drifts.
    public var datasetDriftShare = 0.5
    public var features: [String: FeatureOverride] = [:]

    public init() {}

    /// The keys of an evaluation section (a model's entry in the sidecar config, `compare --settings`).
    public static let keys = CodingKeys.allCases.map(\.rawValue)

    enum CodingKeys: String, CodingKey, CaseIterable {
        case numericTests = "numeric_tests", categoricalTests = "categorical_tests", thresholds
        case thresholdSource = "threshold_source", correction, minSamples = "min_samples"
        case datasetDriftShare = "dataset_drift_share", features
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = EvaluationSettings()
        numericTests = try c.decodeIfPresent([DriftTest].self, forKey: .numericTests) ?? d.numericTests
        categoricalTests = try c.decodeIfPresent([DriftTest].self, forKey: .categoricalTests) ?? d.categoricalTests
        thresholds = try c.decodeIfPresent(Thresholds.self, forKey: .thresholds) ?? d.thresholds
        thresholdSource = try c.decodeIfPresent(ThresholdSource.self, forKey: .thresholdSource) ?? d.thresholdSource
        correction = try c.decodeIfPresent(MultipleTestingCorrection.self, forKey: .correction) ?? d.correction
        minSamples = try c.decodeIfPresent(Int.self, forKey: .minSamples) ?? d.minSamples
        datasetDriftShare = try c.decodeIfPresent(Double.self, forKey: .datasetDriftShare) ?? d.datasetDriftShare
        features = try c.decodeIfPresent([String: FeatureOverride].self, forKey: .features) ?? d.features
    }

    /// Decodes a standalone settings document (`compare --settings`), refusing keys that are not
    /// evaluation settings. (In the sidecar config the model's entry checks its keys itself.)
    public static func decodeDocument(from decoder: any Decoder) throws -> EvaluationSettings {
        try decoder.rejectUnknownKeys(keys)
        return try EvaluationSettings(from: decoder)
    }

    /// Checks values and that tests fit their kinds. With a schema, also that every overridden
    /// feature exists and its tests apply to its kind.
    public func validate(schema: Schema? = nil) throws {
        try thresholds.validate("thresholds.")
        guard minSamples >= 1 else { throw SchemaError("min_samples must be ≥ 1") }
        guard datasetDriftShare > 0 && datasetDriftShare <= 1 else {
            throw SchemaError("dataset_drift_share must be in (0, 1]")
        }
        for t in numericTests where !DriftTestRegistry.info(t).kinds.contains(.numeric) {
            throw SchemaError("numeric_tests: \(t.rawValue) does not apply to numeric features")
        }
        for t in categoricalTests where !DriftTestRegistry.info(t).kinds.contains(.categorical) {
            throw SchemaError("categorical_tests: \(t.rawValue) does not apply to categorical features")
        }
        for (name, o) in features.sorted(by: { $0.key < $1.key }) {
            for key in (o.thresholds ?? [:]).keys.sorted() where !Thresholds.keys.contains(key) {
                throw SchemaError(
                    "features.\(name).thresholds: unknown key \(key) (known: \(Thresholds.keys.joined(separator: ", ")))"
                )
            }
            try thresholds.merged(with: o.thresholds ?? [:]).validate("features.\(name).thresholds.")
            guard let schema else { continue }
            guard let i = schema.index(of: name) else {
                throw SchemaError("features.\(name): no such feature in the baseline")
            }
            let kind = schema.features[i].kind
            for t in o.tests ?? [] where !DriftTestRegistry.info(t).kinds.contains(kind) {
                throw SchemaError("features.\(name).tests: \(t.rawValue) does not apply to \(kind.rawValue) features")
            }
        }
    }

    /// The tests with an effect floor that some feature may run (the kinds' defaults and the
    /// overrides), in registry order: the floors worth showing beside a report.
    public var effectTestsInUse: [DriftTestInfo] {
        let used = Set(numericTests + categoricalTests + features.values.flatMap { $0.tests ?? [] })
        return DriftTestRegistry.effects.filter { used.contains($0.test) }
    }

    /// Tests and thresholds for one feature.
    public func plan(for spec: FeatureSpec) -> (tests: [DriftTest], thresholds: Thresholds, ignored: Bool) {
        let o = features[spec.name]
        let tests = o?.tests ?? (spec.kind == .numeric ? numericTests : categoricalTests)
        return (tests, thresholds.merged(with: o?.thresholds ?? [:]), o?.ignore ?? false)
    }
}
