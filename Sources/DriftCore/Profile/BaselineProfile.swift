import DriftRecords
import DriftStats

/// The spread of one statistic over contiguous chunks of the reference, each chunk compared with
/// the whole reference (NannyML's data-driven thresholds, computed once at build time). A current
/// window is "unusual for this feature" when its statistic exceeds `upper` = mean + 3σ. The band
/// is calibrated for windows of about `chunkRows` rows: smaller windows are noisier.
public struct ChunkBand: Sendable, Equatable, Codable {
    /// The statistic of each chunk, in input order.
    public let values: [Double]
    public let mean: Double
    /// Population standard deviation of `values` (as NannyML, `np.std`).
    public let standardDeviation: Double
    /// Median number of values per chunk.
    public let chunkRows: Int

    public init(values: [Double], chunkRows: Int) {
        self.values = values
        self.chunkRows = chunkRows
        let n = Double(max(values.count, 1))
        let m = values.reduce(0, +) / n
        mean = m
        standardDeviation = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / n).squareRoot()
    }

    /// mean + 3σ.
    public var upper: Double { mean + 3 * standardDeviation }

    private enum CodingKeys: String, CodingKey {
        case values, mean, standardDeviation = "standard_deviation", chunkRows = "chunk_rows", upper
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        values = try c.decode([Double].self, forKey: .values)
        mean = try c.decode(Double.self, forKey: .mean)
        standardDeviation = try c.decode(Double.self, forKey: .standardDeviation)
        chunkRows = try c.decode(Int.self, forKey: .chunkRows)
        guard (values + [mean, standardDeviation]).allSatisfy(\.isFinite), standardDeviation >= 0, chunkRows >= 0 else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "invalid chunk band"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(values, forKey: .values)
        try c.encode(mean, forKey: .mean)
        try c.encode(standardDeviation, forKey: .standardDeviation)
        try c.encode(chunkRows, forKey: .chunkRows)
        try c.encode(upper, forKey: .upper)
    }
}

/// Reference profile of a numeric feature.
public struct NumericProfile: Sendable, Equatable, Codable {
    /// Finite values.
    public var count: Int
    public var missing: Int
    /// Infinite or wrongly typed values.
    public var invalid: Int
    /// Smallest and largest finite value (nil when there is none).
    public var minimum: Double?
    public var maximum: Double?
    public var mean: Double?
    /// Sample variance (divisor n − 1).
    public var variance: Double?
    /// Quantile bins (nil when the feature has no value).
    public var bins: NumericBins?
    /// Fraction of the reference sample in each bin.
    public var binFractions: [Double]
    /// Values in the stored sample (`sample` is stored apart from this JSON, as binary).
    public var sampleCount: Int
    /// Whether the sample holds every reference value (else a uniform sample of rows).
    public var sampleIsExact: Bool
    /// Data-driven bands by test name ("psi", "ks").
    public var bands: [String: ChunkBand]
    /// The sorted reference sample used by KS (not part of the Codable form; see `sampleCount`).
    public var sample: [Double] = []

    private enum CodingKeys: String, CodingKey {
        case count, missing, invalid, minimum, maximum, mean, variance, bins
        case binFractions = "bin_fractions", sampleCount = "sample_count", sampleIsExact = "sample_is_exact", bands
    }

    public init(
        count: Int, missing: Int, invalid: Int, minimum: Double?, maximum: Double?, mean: Double?,
        variance: Double?, bins: NumericBins?, binFractions: [Double], sample: [Double],
        sampleIsExact: Bool, bands: [String: ChunkBand]
    ) {
        self.count = count
        self.missing = missing
        self.invalid = invalid
        self.minimum = minimum
        self.maximum = maximum
        self.mean = mean
        self.variance = variance
        self.bins = bins
        self.binFractions = binFractions
        self.sample = sample
        self.sampleCount = sample.count
        self.sampleIsExact = sampleIsExact
        self.bands = bands
    }
}

/// Reference profile of a categorical feature: the `top` most frequent categories and the rest
/// folded into `__other__`.
public struct CategoricalProfile: Sendable, Equatable, Codable {
    public var count: Int
    public var missing: Int
    public var invalid: Int
    /// Most frequent categories, by count descending then name.
    public var categories: [String]
    /// Count of each of `categories`.
    public var counts: [Int]
    /// Values of every other category.
    public var otherCount: Int
    /// Distinct categories seen (a lower bound when `distinctIsExact` is false).
    public var distinctCount: Int
    /// False when more distinct categories appeared than the builder tracks.
    public var distinctIsExact: Bool
    /// Data-driven bands by test name ("psi", "tvd").
    public var bands: [String: ChunkBand]

    private enum CodingKeys: String, CodingKey {
        case count, missing, invalid, categories, counts, otherCount = "other_count"
        case distinctCount = "distinct_count", distinctIsExact = "distinct_is_exact", bands
    }

    /// Counts on the bins `categories` + `__other__`.
    public var binCounts: [Int] { counts + [otherCount] }
}

/// One feature of a baseline.
public struct FeatureProfile: Sendable, Equatable, Codable {
    public var name: String
    public var kind: FeatureKind
    public var role: FeatureRole
    public var numeric: NumericProfile?
    public var categorical: CategoricalProfile?
}

/// The fitted multivariate model and what it was fitted on.
public struct MultivariateProfile: Sendable, Equatable, Codable {
    /// Numeric features the model uses, in column order.
    public var features: [String]
    /// Value used for a missing input of each feature (the reference mean).
    public var imputation: [Double]
    /// Reference rows the model was fitted on.
    public var rows: Int
    public var model: PCAReconstructionModel
}

/// Settings a baseline was built with.
public struct BuildSettings: Sendable, Equatable, Codable {
    /// Quantile bins per numeric feature.
    public var binCount = 10
    /// Rows kept for KS samples, chunk bands and the PCA model (exact below this many rows).
    public var sampleCapacity = 100_000
    /// Reference chunks for the data-driven bands and the PCA bounds.
    public var chunkCount = 10
    /// Categories kept per categorical feature (the rest fold into `__other__`).
    public var topCategories = 1_000
    /// Distinct categories tracked per feature while building; later new ones count as `__other__`.
    public var maxTrackedCategories = 100_000
    /// Seed of the row sample.
    public var seed: UInt64 = 0x5EED_D81F
    /// Explained-variance share kept by the PCA model.
    public var varianceThreshold = 0.65
    /// Values (rows × numeric and categorical features) the row sample may hold: wide data keeps
    /// fewer rows (`effectiveSampleCapacity`) so memory and the stored baseline stay bounded
    /// (64 MiB of samples by default) instead of growing with columns × `sampleCapacity`.
    public var maxSampleValues = 8_388_608
    /// Numeric features above which the PCA model is not fitted (with a note): its fit costs
    /// sample rows × features² + features³, its scoring window rows × features × components.
    public var maxMultivariateFeatures = 500

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case binCount = "bin_count", sampleCapacity = "sample_capacity", chunkCount = "chunk_count"
        case topCategories = "top_categories", maxTrackedCategories = "max_tracked_categories", seed
        case varianceThreshold = "variance_threshold", maxSampleValues = "max_sample_values"
        case maxMultivariateFeatures = "max_multivariate_features"
    }

    /// Baselines stored before the width limits existed decode with the defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        binCount = try c.decode(Int.self, forKey: .binCount)
        sampleCapacity = try c.decode(Int.self, forKey: .sampleCapacity)
        chunkCount = try c.decode(Int.self, forKey: .chunkCount)
        topCategories = try c.decode(Int.self, forKey: .topCategories)
        maxTrackedCategories = try c.decode(Int.self, forKey: .maxTrackedCategories)
        seed = try c.decode(UInt64.self, forKey: .seed)
        varianceThreshold = try c.decode(Double.self, forKey: .varianceThreshold)
        maxSampleValues = try c.decodeIfPresent(Int.self, forKey: .maxSampleValues) ?? maxSampleValues
        maxMultivariateFeatures =
            try c.decodeIfPresent(Int.self, forKey: .maxMultivariateFeatures) ?? maxMultivariateFeatures
    }

    /// Rows the sample keeps for a schema this wide: `sampleCapacity`, lowered so that rows ×
    /// features ≤ `maxSampleValues` (never below 2 × `chunkCount` rows).
    public func effectiveSampleCapacity(width: Int) -> Int {
        min(sampleCapacity, max(2 * chunkCount, maxSampleValues / max(1, width)))
    }

    /// Checks every setting is in its domain.
    public func validate() throws {
        func require(_ ok: Bool, _ what: String) throws {
            if !ok { throw SchemaError("invalid build setting: \(what)") }
        }
        try require(binCount >= 1 && binCount <= 1_000, "bin_count must be in 1...1000")
        try require(sampleCapacity >= 100 && sampleCapacity <= 10_000_000, "sample_capacity must be in 100...10000000")
        try require(chunkCount >= 2 && chunkCount <= 100, "chunk_count must be in 2...100")
        try require(topCategories >= 1 && topCategories <= 100_000, "top_categories must be in 1...100000")
        try require(maxTrackedCategories >= topCategories, "max_tracked_categories must be ≥ top_categories")
        try require(varianceThreshold > 0 && varianceThreshold <= 1, "variance_threshold must be in (0, 1]")
        try require(
            maxSampleValues >= 1_000 && maxSampleValues <= 1_000_000_000,
            "max_sample_values must be in 1000...1000000000")
        try require(
            maxMultivariateFeatures >= 2 && maxMultivariateFeatures <= 10_000,
            "max_multivariate_features must be in 2...10000")
    }
}

/// Everything the evaluator needs to judge a window: per-feature profiles, the multivariate model,
/// and the schema that bounds every exported label. Immutable once built.
public struct BaselineProfile: Sendable, Equatable, Codable {
    /// Version of this layout (bumped on incompatible changes).
    public static let currentFormat = 1

    public var format: Int
    public var schema: Schema
    /// Rows read (including rows with missing values).
    public var rows: Int
    /// In schema order.
    public var features: [FeatureProfile]
    public var multivariate: MultivariateProfile?
    public var settings: BuildSettings
    /// What the builder noticed (inference decisions, skipped multivariate model, ...).
    public var notes: [String]

    private enum CodingKeys: String, CodingKey { case format, schema, rows, features, multivariate, settings, notes }

    public init(
        schema: Schema, rows: Int, features: [FeatureProfile], multivariate: MultivariateProfile?,
        settings: BuildSettings, notes: [String]
    ) {
        format = Self.currentFormat
        self.schema = schema
        self.rows = rows
        self.features = features
        self.multivariate = multivariate
        self.settings = settings
        self.notes = notes
    }

    /// Decodes and checks the parts agree (features match the schema, counts add up, categorical
    /// counts align), so a damaged baseline is refused on load rather than misread.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(Int.self, forKey: .format)
        guard format == Self.currentFormat else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription:
                        "baseline format \(format) is not supported (this build reads format \(Self.currentFormat))"))
        }
        schema = try c.decode(Schema.self, forKey: .schema)
        rows = try c.decode(Int.self, forKey: .rows)
        features = try c.decode([FeatureProfile].self, forKey: .features)
        multivariate = try c.decodeIfPresent(MultivariateProfile.self, forKey: .multivariate)
        settings = try c.decode(BuildSettings.self, forKey: .settings)
        notes = try c.decode([String].self, forKey: .notes)
        func fail(_ why: String) -> DecodingError {
            .dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "inconsistent baseline: \(why)"))
        }
        guard rows >= 0, features.count == schema.features.count else {
            throw fail("feature list does not match the schema")
        }
        for (f, spec) in zip(features, schema.features) {
            guard f.name == spec.name, f.kind == spec.kind else {
                throw fail("feature \(f.name) does not match the schema")
            }
            switch f.kind {
            case .numeric:
                guard let n = f.numeric, f.categorical == nil, n.count + n.missing + n.invalid <= rows,
                    n.binFractions.count == (n.bins?.count ?? 0), n.sampleCount <= n.count
                else { throw fail("numeric profile of \(f.name)") }
            case .categorical:
                guard let k = f.categorical, f.numeric == nil, k.categories.count == k.counts.count,
                    Set(k.categories).count == k.categories.count, k.count + k.missing + k.invalid <= rows,
                    k.counts.allSatisfy({ $0 >= 0 }), k.otherCount >= 0
                else { throw fail("categorical profile of \(f.name)") }
            }
        }
        if let m = multivariate {
            guard m.features.count == m.model.featureCount, m.imputation.count == m.features.count,
                m.features.allSatisfy({ schema.index(of: $0).map { schema.features[$0].kind == .numeric } ?? false })
            else { throw fail("multivariate model features") }
        }
    }

    /// The profile of the feature called `name`.
    public func feature(named name: String) -> FeatureProfile? {
        schema.index(of: name).map { features[$0] }
    }
}
