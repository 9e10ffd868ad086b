#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Multivariate drift by PCA reconstruction error, as NannyML's data-reconstruction drift.
///
/// **Fit** on an n×p reference (rows observations, columns numeric features):
/// 1. standardise each column with the reference mean and *population* σ (divisor n, as sklearn's
///    `StandardScaler`); a column with σ ≤ 10·ε·max(1, |mean|) is constant and gets σ = 1;
/// 2. eigendecompose the covariance of the standardised data (LAPACK `dsyevd`) and keep the
///    leading k components, k the smallest count whose cumulative explained-variance ratio
///    reaches `varianceThreshold` (default 0.65; sklearn's `PCA(n_components=0.65)` requires the
///    ratio to *exceed* it — the two differ only at exact equality);
/// 3. split the reference rows into `chunkCount` contiguous chunks (sizes as `np.array_split`),
///    take each chunk's mean reconstruction error, and set bounds mean ± 3σ of those values
///    (population σ, as NannyML).
///
/// **Score**: per row z = (x − mean)/σ, error = ‖z − V·Vᵀz‖₂ (V the p×k components); a window's
/// value is the mean error over its rows, and it drifts when outside [lower, upper]. Correlations
/// that break (even with unchanged marginals) raise the error.
///
/// The model is a value type; `Codable` round-trips it bit-identically, so a baseline stores it.
public struct PCAReconstructionModel: Sendable, Equatable, Codable {
    public let featureCount: Int
    public let means: [Double]
    public let scales: [Double]
    /// Mean of the standardised reference (≈ 0; kept so reconstruction centres exactly as fitted).
    public let standardizedMeans: [Double]
    /// p×k matrix whose columns are the kept principal directions (unit vectors).
    public let components: Matrix
    /// Explained-variance ratio of every component, descending.
    public let explainedVarianceRatio: [Double]
    public let varianceThreshold: Double
    public let chunkCount: Int
    /// Mean reconstruction error of each reference chunk.
    public let referenceChunkValues: [Double]
    public let chunkMean: Double
    public let chunkStandardDeviation: Double

    public var componentCount: Int { components.columns }
    /// chunkMean − 3σ.
    public var lowerBound: Double { chunkMean - 3 * chunkStandardDeviation }
    /// chunkMean + 3σ.
    public var upperBound: Double { chunkMean + 3 * chunkStandardDeviation }

    /// Fits the model. Throws `insufficientSamples` for fewer than max(2, chunkCount) rows or no
    /// columns, `nonFinite` for NaN/inf, `invalidArgument` for a threshold outside (0, 1].
    public init(reference x: Matrix, varianceThreshold: Double = 0.65, chunkCount: Int = 10) throws {
        guard x.columns >= 1 else { throw StatsError.insufficientSamples("no numeric features") }
        guard x.rows >= max(2, chunkCount) else {
            throw StatsError.insufficientSamples("\(x.rows) rows; need at least \(max(2, chunkCount))")
        }
        guard varianceThreshold > 0 && varianceThreshold <= 1 else {
            throw StatsError.invalidArgument("variance threshold \(varianceThreshold) outside (0, 1]")
        }
        guard chunkCount >= 1 else { throw StatsError.invalidArgument("chunk count \(chunkCount) < 1") }
        try ColumnStatistics.requireFinite(x, side: "reference")
        let n = x.rows, p = x.columns
        let means = ColumnStatistics.means(x)
        var centered = ColumnStatistics.centered(x, means: means)
        var scales = [Double](repeating: 1, count: p)
        centered.storage.withUnsafeMutableBufferPointer { b in
            for c in 0..<p {
                var ss = 0.0
                for r in 0..<n { ss += b[r + c * n] * b[r + c * n] }
                let sd = (ss / Double(n)).squareRoot()
                let constant = sd <= 10 * Double.ulpOfOne * max(1, abs(means[c]))
                scales[c] = constant ? 1 : sd
                let s = scales[c]
                for r in 0..<n { b[r + c * n] /= s }
            }
        }
        let zMeans = ColumnStatistics.means(centered)
        let zCentered = ColumnStatistics.centered(centered, means: zMeans)
        var covariance = try zCentered.gram()
        for i in 0..<covariance.storage.count { covariance.storage[i] /= Double(n - 1) }
        let (values, vectors) = try covariance.symmetricEigen()
        let clipped = values.map { max($0, 0) }
        let total = clipped.reduce(0, +)
        var ratios = [Double](repeating: 0, count: p)
        var k = 0
        if total > 0 {
            ratios = clipped.map { $0 / total }
            var cumulative = 0.0
            k = p
            for (i, r) in ratios.enumerated() {
                cumulative += r
                if cumulative >= varianceThreshold { k = i + 1; break }
            }
        }
        self.featureCount = p
        self.means = means
        self.scales = scales
        self.standardizedMeans = zMeans
        self.components = vectors.leadingColumns(k)
        self.explainedVarianceRatio = ratios
        self.varianceThreshold = varianceThreshold
        self.chunkCount = chunkCount
        // Reference chunk values from the standardised reference itself.
        let errors = try Self.errors(standardizedCentered: zCentered, components: components)
        var chunkValues: [Double] = []
        let base = n / chunkCount, extra = n % chunkCount
        var start = 0
        for chunk in 0..<chunkCount {
            let size = base + (chunk < extra ? 1 : 0)
            var s = 0.0
            for r in start..<(start + size) { s += errors[r] }
            chunkValues.append(s / Double(size))
            start += size
        }
        self.referenceChunkValues = chunkValues
        let mean = chunkValues.reduce(0, +) / Double(chunkCount)
        let variance = chunkValues.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(chunkCount)
        self.chunkMean = mean
        self.chunkStandardDeviation = variance.squareRoot()
    }

    static func errors(standardizedCentered z: Matrix, components v: Matrix) throws -> [Double] {
        let m = z.rows, p = z.columns
        var residual = z
        if v.columns > 0 {
            let projected = try z.multiplied(by: v)  // m×k
            let reconstructed = try projected.multiplied(by: v, transposingOther: true)  // m×p
            for i in 0..<residual.storage.count { residual.storage[i] -= reconstructed.storage[i] }
        }
        var squared = [Double](repeating: 0, count: m)
        residual.storage.withUnsafeBufferPointer { b in
            squared.withUnsafeMutableBufferPointer { s in
                for c in 0..<p {
                    for r in 0..<m { s[r] += b[r + c * m] * b[r + c * m] }
                }
            }
        }
        return squared.map { $0.squareRoot() }
    }

    /// Reconstruction error of every row of `x` (m×p, same feature order as the reference).
    /// Throws `sizeMismatch` for another width and `nonFinite` for NaN/inf (impute or drop first).
    public func rowErrors(_ x: Matrix) throws -> [Double] {
        guard x.columns == featureCount else {
            throw StatsError.sizeMismatch("\(x.columns) features; the model has \(featureCount)")
        }
        try ColumnStatistics.requireFinite(x, side: "current")
        var z = x
        let m = x.rows
        z.storage.withUnsafeMutableBufferPointer { b in
            for c in 0..<featureCount {
                let mu = means[c], s = scales[c], zm = standardizedMeans[c]
                for r in 0..<m { b[r + c * m] = (b[r + c * m] - mu) / s - zm }
            }
        }
        return try Self.errors(standardizedCentered: z, components: components)
    }

    /// Mean reconstruction error of `x`, compared with the reference bounds.
    /// Throws `emptySample` for zero rows.
    public func evaluate(_ x: Matrix) throws -> PCAReconstructionResult {
        guard x.rows > 0 else { throw StatsError.emptySample(side: "current") }
        let errors = try rowErrors(x)
        let value = errors.reduce(0, +) / Double(errors.count)
        return PCAReconstructionResult(value: value, lower: lowerBound, upper: upperBound,
                                       drift: value < lowerBound || value > upperBound)
    }
}

/// A window's PCA reconstruction error against the reference bounds.
public struct PCAReconstructionResult: Sendable, Equatable, Codable {
    public let value: Double
    public let lower: Double
    public let upper: Double
    /// `value` outside [lower, upper].
    public let drift: Bool
}
