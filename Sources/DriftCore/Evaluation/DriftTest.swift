import DriftRecords
import DriftStats

/// The statistical tests a feature can run. `DriftTestRegistry` says what each one is.
public enum DriftTest: String, Sendable, Codable, CaseIterable, Hashable {
    case psi
    case ks
    case chi2
    case tvd
    case jensenShannon = "jensen_shannon"
    case hellinger
    case wasserstein
}

/// What a test's number means for the verdict.
public enum TestMeasure: String, Sendable, Codable {
    /// A p-value: significant below the (corrected) level.
    case pValue = "p_value"
    /// An effect size: drift at or above the threshold.
    case distance
}

/// What a distance test sees of a numeric feature.
public struct NumericDistanceInput: Sendable {
    /// The baseline's and the window's shares on the baseline's bins.
    public let referenceFractions: [Double]
    public let currentFractions: [Double]
    /// The baseline's row sample and the window's values, both sorted.
    public let sortedReference: [Double]
    public let sortedCurrent: [Double]
    /// The baseline's standard deviation (0 when constant or unknown).
    public let referenceStandardDeviation: Double
}

/// What a distance test sees of a categorical feature: counts on the baseline's categories and
/// `__other__` (same order on both sides).
public struct CategoricalDistanceInput: Sendable {
    public let referenceCounts: [Int]
    public let currentCounts: [Int]
}

/// A distance that is not defined for these inputs; `reason` becomes the feature's note.
public struct UndefinedDistance: Error, Sendable {
    public let reason: String
}

/// How a distance test computes its value, per kind (nil: the kind does not run it).
public struct DistanceRule: Sendable {
    public let numeric: (@Sendable (NumericDistanceInput) throws -> Double)?
    public let categorical: (@Sendable (CategoricalDistanceInput) throws -> Double)?
}

/// A test's effect floor: its key under `thresholds`, how reports name it, and its default.
public struct EffectThreshold: Sendable {
    public let key: String
    public let label: String
    public let defaultValue: Double
}

/// One row of the test registry.
public struct DriftTestInfo: Sendable {
    public let test: DriftTest
    public let kinds: Set<FeatureKind>
    public let measure: TestMeasure
    /// Default threshold: significance level for p-value tests, effect floor for distances.
    public let defaultThreshold: Double
    /// How the report and the HTML page name it.
    public let label: String
    public let summary: String
    /// The effect floor (distances, and KS's D); nil for a pure p-value test.
    public let effect: EffectThreshold?
    /// The computation of a distance test (nil for the p-value tests, which the evaluator runs
    /// itself because their p-values are corrected across features).
    public let distance: DistanceRule?
}

private func doubles(_ counts: [Int]) -> [Double] { counts.map(Double.init) }

/// Which tests exist and when they fire — one table, as Evidently's registry. Adding a distance
/// test is a case of `DriftTest` and a row here (its threshold key, report key, metrics and HTML
/// row all follow from the row).
///
/// | test | kinds | measure | default | definition |
/// |---|---|---|---|---|
/// | `psi` | numeric, categorical | distance | 0.1 | Σ (c−r)·ln(c/r) on the baseline's bins |
/// | `ks` | numeric | p-value (and D as effect) | 0.05 (D ≥ 0.1) | two-sample KS, scipy `ks_2samp` |
/// | `chi2` | categorical | p-value | 0.05 | homogeneity of the 2×K table, scipy `chi2_contingency` |
/// | `tvd` | categorical | distance | 0.1 | ½ Σ \|c−r\| on the categories + `__other__` |
/// | `jensen_shannon` | numeric, categorical | distance | 0.1 | base-2 JS distance on the bins |
/// | `hellinger` | numeric, categorical | distance | 0.1 | Hellinger distance on the bins |
/// | `wasserstein` | numeric | distance | 0.1 | W₁ / reference σ (as Evidently's normed Wasserstein) |
///
/// Verdict: significance (any p-value test, after the multiple-testing correction across the
/// model's features) **and** effect (any distance at or above its threshold) → `drift`; one of the
/// two → `warning`. With only distances enabled, effect alone is drift; with only p-values,
/// significance alone is.
public enum DriftTestRegistry {
    public static let all: [DriftTestInfo] = [
        DriftTestInfo(
            test: .psi, kinds: [.numeric, .categorical], measure: .distance, defaultThreshold: 0.1, label: "PSI",
            summary: "population stability index on the baseline's bins",
            effect: EffectThreshold(key: "psi", label: "PSI", defaultValue: 0.1),
            distance: DistanceRule(
                numeric: {
                    try PopulationStabilityIndex.value(
                        referenceFractions: $0.referenceFractions, currentFractions: $0.currentFractions)
                },
                categorical: {
                    try PopulationStabilityIndex.value(
                        referenceCounts: $0.referenceCounts, currentCounts: $0.currentCounts)
                })),
        DriftTestInfo(
            test: .ks, kinds: [.numeric], measure: .pValue, defaultThreshold: 0.05, label: "KS",
            summary: "two-sample Kolmogorov–Smirnov; D is also an effect size (floor 0.1)",
            effect: EffectThreshold(key: "ks_statistic", label: "KS D", defaultValue: 0.1), distance: nil),
        DriftTestInfo(
            test: .chi2, kinds: [.categorical], measure: .pValue, defaultThreshold: 0.05, label: "χ²",
            summary: "chi-square test of homogeneity on categories + __other__", effect: nil, distance: nil),
        DriftTestInfo(
            test: .tvd, kinds: [.categorical], measure: .distance, defaultThreshold: 0.1, label: "TVD",
            summary: "total variation distance on categories + __other__",
            effect: EffectThreshold(key: "tvd", label: "TVD", defaultValue: 0.1),
            distance: DistanceRule(
                numeric: nil,
                categorical: { try Distances.totalVariation(doubles($0.referenceCounts), doubles($0.currentCounts)) })),
        DriftTestInfo(
            test: .jensenShannon, kinds: [.numeric, .categorical], measure: .distance, defaultThreshold: 0.1,
            label: "Jensen–Shannon", summary: "Jensen–Shannon distance (base 2) on the baseline's bins",
            effect: EffectThreshold(key: "jensen_shannon", label: "Jensen–Shannon", defaultValue: 0.1),
            distance: DistanceRule(
                numeric: { try Distances.jensenShannon($0.referenceFractions, $0.currentFractions) },
                categorical: { try Distances.jensenShannon(doubles($0.referenceCounts), doubles($0.currentCounts)) })),
        DriftTestInfo(
            test: .hellinger, kinds: [.numeric, .categorical], measure: .distance, defaultThreshold: 0.1,
            label: "Hellinger", summary: "Hellinger distance on the baseline's bins",
            effect: EffectThreshold(key: "hellinger", label: "Hellinger", defaultValue: 0.1),
            distance: DistanceRule(
                numeric: { try Distances.hellinger($0.referenceFractions, $0.currentFractions) },
                categorical: { try Distances.hellinger(doubles($0.referenceCounts), doubles($0.currentCounts)) })),
        DriftTestInfo(
            test: .wasserstein, kinds: [.numeric], measure: .distance, defaultThreshold: 0.1, label: "Wasserstein / σ",
            summary: "Wasserstein-1 distance divided by the reference standard deviation",
            effect: EffectThreshold(key: "wasserstein", label: "Wasserstein / σ", defaultValue: 0.1),
            distance: DistanceRule(
                numeric: {
                    guard $0.referenceStandardDeviation > 0 else {
                        throw UndefinedDistance(reason: "wasserstein not defined: the baseline is constant")
                    }
                    return try Distances.wasserstein(sorted: $0.sortedReference, $0.sortedCurrent)
                        / $0.referenceStandardDeviation
                },
                categorical: nil)),
    ]

    public static func info(_ test: DriftTest) -> DriftTestInfo {
        all.first { $0.test == test }!
    }

    /// The distance tests, in registry order.
    public static let distances: [DriftTestInfo] = all.filter { $0.distance != nil }

    /// The tests with an effect floor, in registry order (the effect keys of `thresholds`).
    public static let effects: [DriftTestInfo] = all.filter { $0.effect != nil }
}
