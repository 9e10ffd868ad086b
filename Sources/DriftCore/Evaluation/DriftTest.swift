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

/// One row of the test registry.
public struct DriftTestInfo: Sendable {
    public let test: DriftTest
    public let kinds: Set<FeatureKind>
    public let measure: TestMeasure
    /// Default threshold: significance level for p-value tests, effect floor for distances.
    public let defaultThreshold: Double
    public let summary: String
}

/// Which tests exist and when they fire — one table, as Evidently's registry.
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
            test: .psi, kinds: [.numeric, .categorical], measure: .distance, defaultThreshold: 0.1,
            summary: "population stability index on the baseline's bins"),
        DriftTestInfo(
            test: .ks, kinds: [.numeric], measure: .pValue, defaultThreshold: 0.05,
            summary: "two-sample Kolmogorov–Smirnov; D is also an effect size (floor 0.1)"),
        DriftTestInfo(
            test: .chi2, kinds: [.categorical], measure: .pValue, defaultThreshold: 0.05,
            summary: "chi-square test of homogeneity on categories + __other__"),
        DriftTestInfo(
            test: .tvd, kinds: [.categorical], measure: .distance, defaultThreshold: 0.1,
            summary: "total variation distance on categories + __other__"),
        DriftTestInfo(
            test: .jensenShannon, kinds: [.numeric, .categorical], measure: .distance, defaultThreshold: 0.1,
            summary: "Jensen–Shannon distance (base 2) on the baseline's bins"),
        DriftTestInfo(
            test: .hellinger, kinds: [.numeric, .categorical], measure: .distance, defaultThreshold: 0.1,
            summary: "Hellinger distance on the baseline's bins"),
        DriftTestInfo(
            test: .wasserstein, kinds: [.numeric], measure: .distance, defaultThreshold: 0.1,
            summary: "Wasserstein-1 distance divided by the reference standard deviation"),
    ]

    public static func info(_ test: DriftTest) -> DriftTestInfo {
        all.first { $0.test == test }!
    }
}
