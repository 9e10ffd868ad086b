/// A feature's verdict.
import DriftRecords

public enum FeatureStatus: String, Sendable, Codable {
    case ok
    /// Significant without effect, or effect without significance.
    case warning
    case drift
    /// Fewer present values than the minimum sample size; statistics are still reported.
    case insufficientData = "insufficient_data"
}

/// A distance test's result.
public struct DistanceResult: Sendable, Equatable, Codable {
    public var value: Double
    public var threshold: Double
    /// "fixed", or "baseline" when the threshold is the baseline's chunk band.
    public var thresholdSource: ThresholdSource
    /// value ≥ threshold.
    public var drift: Bool

    enum CodingKeys: String, CodingKey { case value, threshold, thresholdSource = "threshold_source", drift }
}

/// The KS test's result: a p-value test whose statistic D is also an effect size.
public struct KSReport: Sendable, Equatable, Codable {
    public var statistic: Double
    public var pValue: Double
    public var pAdjusted: Double
    /// Significance level.
    public var threshold: Double
    /// Effect floor on D.
    public var statisticThreshold: Double
    public var statisticThresholdSource: ThresholdSource
    /// "exact" or "asymptotic" (as scipy's `ks_2samp(method="auto")`).
    public var method: String
    public var referenceCount: Int
    public var currentCount: Int
    /// Significant and D ≥ its floor.
    public var drift: Bool

    enum CodingKeys: String, CodingKey {
        case statistic, pValue = "p_value", pAdjusted = "p_adjusted", threshold
        case statisticThreshold = "statistic_threshold", statisticThresholdSource = "statistic_threshold_source"
        case method, referenceCount = "reference_count", currentCount = "current_count", drift
    }
}

/// The chi-square test's result, or why it does not apply.
public struct ChiSquareReport: Sendable, Equatable, Codable {
    public var applicable: Bool
    public var statistic: Double?
    public var df: Int?
    public var pValue: Double?
    public var pAdjusted: Double?
    public var threshold: Double
    /// Why the test does not apply (e.g. a single category).
    public var reason: String?
    public var drift: Bool

    enum CodingKeys: String, CodingKey {
        case applicable, statistic, df, pValue = "p_value", pAdjusted = "p_adjusted", threshold, reason, drift
    }
}

/// Results of the tests a feature ran (absent keys were not run or not defined). Distances are
/// encoded each under its test's name (`psi`, `tvd`, ...), beside `ks` and `chi2`.
public struct FeatureTests: Sendable, Equatable, Codable {
    public var ks: KSReport?
    public var chi2: ChiSquareReport?
    /// The distance tests' results by test.
    public var distances: [DriftTest: DistanceResult] = [:]

    public init() {}

    public var psi: DistanceResult? { distances[.psi] }

    /// Whether any test gave a result (chi-square only when it applied).
    public var isEmpty: Bool { ks == nil && chi2?.applicable != true && distances.isEmpty }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        ks = try c.decodeIfPresent(KSReport.self, forKey: AnyKey(DriftTest.ks.rawValue))
        chi2 = try c.decodeIfPresent(ChiSquareReport.self, forKey: AnyKey(DriftTest.chi2.rawValue))
        for info in DriftTestRegistry.distances {
            distances[info.test] = try c.decodeIfPresent(DistanceResult.self, forKey: AnyKey(info.test.rawValue))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encodeIfPresent(ks, forKey: AnyKey(DriftTest.ks.rawValue))
        try c.encodeIfPresent(chi2, forKey: AnyKey(DriftTest.chi2.rawValue))
        for info in DriftTestRegistry.distances {
            try c.encodeIfPresent(distances[info.test], forKey: AnyKey(info.test.rawValue))
        }
    }
}

/// A label's share of the current values.
public struct LabelShare: Sendable, Equatable, Codable {
    public var value: String
    public var share: Double

    public init(value: String, share: Double) {
        self.value = value
        self.share = share
    }
}

/// Data quality of a feature in the window, next to the baseline's.
public struct FeatureQuality: Sendable, Equatable, Codable {
    public var missingRatio: Double
    public var baselineMissingRatio: Double
    /// Share of present values outside the baseline's [min, max] (numeric).
    public var outOfRangeRatio: Double?
    /// Share of rows whose value had the wrong type or was ±inf.
    public var invalidRatio: Double
    public var baselineInvalidRatio: Double
    /// Share of present values whose category the baseline never saw (categorical). When the
    /// baseline folded rare categories into `__other__` (`baseline_categories_complete` false),
    /// this is the share outside its top categories.
    public var unseenRatio: Double?
    public var baselineCategoriesComplete: Bool?
    /// The most frequent unseen categories (at most 5).
    public var unseenTop: [LabelShare]?

    enum CodingKeys: String, CodingKey {
        case missingRatio = "missing_ratio", baselineMissingRatio = "baseline_missing_ratio"
        case outOfRangeRatio = "out_of_range_ratio", invalidRatio = "invalid_ratio"
        case baselineInvalidRatio = "baseline_invalid_ratio", unseenRatio = "unseen_ratio"
        case baselineCategoriesComplete = "baseline_categories_complete", unseenTop = "unseen_top"
    }
}

/// One feature's part of the report.
public struct FeatureReport: Sendable, Equatable, Codable {
    public var name: String
    public var kind: FeatureKind
    public var role: FeatureRole
    /// Present (tested) values in the window.
    public var count: Int
    public var status: FeatureStatus
    public var drift: Bool
    /// True when the feature is configured out of the verdict.
    public var ignored: Bool?
    public var quality: FeatureQuality
    public var tests: FeatureTests
    /// Why some statistics are missing (no reference values, no current values, ...).
    public var note: String?
    /// The baseline's and the window's shares on the baseline's bins (what PSI compares), for plots.
    public var histogram: FeatureHistogram?
}

extension FeatureStatus {
    /// Report order: drift 0, warning 1, ok 2, insufficient data 3.
    public var severityRank: Int {
        switch self {
        case .drift: 0
        case .warning: 1
        case .ok: 2
        case .insufficientData: 3
        }
    }
}

extension FeatureReport {
    /// The effect size the reports show beside PSI: KS D (numeric) or total variation (categorical).
    public var effectSize: Double? { tests.ks?.statistic ?? tests.distances[.tvd]?.value }
    /// The corrected p-value of the feature's distribution test (KS or chi-square).
    public var adjustedPValue: Double? { tests.ks?.pAdjusted ?? tests.chi2?.pAdjusted }
    /// Share of the window outside what the baseline saw: out of range (numeric) or unseen (categorical).
    public var outsideBaselineRatio: Double? { kind == .numeric ? quality.outOfRangeRatio : quality.unseenRatio }
}

/// A feature's binned distributions: the baseline's shares and the window's on the same bins.
public struct FeatureHistogram: Sendable, Equatable, Codable {
    /// Numeric: the interior edges; bins are right-closed as PSI's: bin 0 is (−∞, `edges[0]`],
    /// bin i is (`edges[i-1]`, `edges[i]`], the last is above the last edge.
    public var edges: [Double]?
    /// Numeric: the smallest and largest value seen in the baseline or the window (where the
    /// open outer bins end when drawn).
    public var range: [Double]?
    /// Categorical: the baseline's categories; one more bin follows them: every other value
    /// (the baseline's untracked tail and the window's unseen categories).
    public var categories: [String]?
    public var baseline: [Double]
    public var current: [Double]

    public init(
        edges: [Double]? = nil, range: [Double]? = nil, categories: [String]? = nil, baseline: [Double],
        current: [Double]
    ) {
        self.edges = edges
        self.range = range
        self.categories = categories
        self.baseline = baseline
        self.current = current
    }
}

/// The multivariate (PCA reconstruction) result.
public struct MultivariateReport: Sendable, Equatable, Codable {
    public var method: String
    public var available: Bool
    public var value: Double?
    public var lower: Double?
    public var upper: Double?
    public var drift: Bool
    public var status: FeatureStatus?
    public var features: Int?
    public var components: Int?
    public var rows: Int?
    public var reason: String?
}

/// The dataset verdict.
public struct DatasetReport: Sendable, Equatable, Codable {
    public var driftedFeatures: Int
    /// Features with a verdict (not ignored, not `insufficient_data`).
    public var evaluatedFeatures: Int
    public var share: Double
    public var threshold: Double
    public var drift: Bool
    public var status: FeatureStatus

    enum CodingKeys: String, CodingKey {
        case driftedFeatures = "drifted_features", evaluatedFeatures = "evaluated_features", share, threshold, drift,
            status
    }
}

/// Everything one evaluation found: the value the sidecar publishes, `compare` prints and alerts
/// are derived from. Keys follow DESIGN.md's `compare --format json` contract.
public struct DriftReport: Sendable, Equatable, Codable {
    public var model: String
    public var baselineVersion: String
    /// Rows in the window.
    public var rows: Int
    /// Whether tests used every row (false: a uniform sample of `sampled_rows`).
    public var exact: Bool
    public var sampledRows: Int
    public var features: [FeatureReport]
    public var multivariate: MultivariateReport
    public var dataset: DatasetReport
    /// The settings used (every threshold appears here and next to each statistic).
    public var settings: EvaluationSettings
    /// Invalid values seen (first 20), with line and feature.
    public var invalidExamples: [InvalidValue]
    public var notes: [String]

    enum CodingKeys: String, CodingKey {
        case model, baselineVersion = "baseline_version", rows, exact, sampledRows = "sampled_rows", features
        case multivariate, dataset, settings, invalidExamples = "invalid_examples", notes
    }
}
