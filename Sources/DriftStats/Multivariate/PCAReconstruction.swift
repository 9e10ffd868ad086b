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

    private enum CodingKeys: String, CodingKey {
        case featureCount, means, scales, standardizedMeans, components, explainedVarianceRatio
        case varianceThreshold, chunkCount, referenceChunkValues, chunkMean, chunkStandardDeviation
    }

    /// Decodes and checks that every part agrees with `featureCount` (a corrupt stored model
    /// throws here instead of reading out of bounds when scoring).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        featureCount = try c.decode(Int.self, forKey: .featureCount)
        means = try c.decode([Double].self, forKey: .means)
        scales = try c.decode([Double].self, forKey: .scales)
        standardizedMeans = try c.decode([Double].self, forKey: .standardizedMeans)
        components = try c.decode(Matrix.self, forKey: .components)
        explainedVarianceRatio = try c.decode([Double].self, forKey: .explainedVarianceRatio)
        varianceThreshold = try c.decode(Double.self, forKey: .varianceThreshold)
        chunkCount = try c.decode(Int.self, forKey: .chunkCount)
        referenceChunkValues = try c.decode([Double].self, forKey: .referenceChunkValues)
        chunkMean = try c.decode(Double.self, forKey: .chunkMean)
        chunkStandardDeviation = try c.decode(Double.self, forKey: .chunkStandardDeviation)
        let p = featureCount
        guard p >= 1, means.count == p, scales.count == p, standardizedMeans.count == p,
            components.rows == p, components.columns <= p, explainedVarianceRatio.count == p,
            referenceChunkValues.count == chunkCount,
            (means + scales + standardizedMeans + components.storage).allSatisfy(\.isFinite),
            scales.allSatisfy({ $0 > 0 }), chunkMean.isFinite, chunkStandardDeviation.isFinite
        else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "PCA reconstruction model inconsistent with its \(p) features"))
        }
    }
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
        let deviations = ColumnStatistics.populationStandardDeviations(x, means: means)
        guard deviations.allSatisfy(\.isFinite) else {
            throw StatsError.invalidArgument("reference values too large: their squares overflow")
        }
        let scales = (0..<p).map { c in
            deviations[c] <= 10 * Double.ulpOfOne * max(1, abs(means[c])) ? 1 : deviations[c]
        }
        // Mean of the standardised columns (≈ 0; sklearn's PCA centres again by it).
        let zMeans: [Double] = x.storage.withUnsafeBufferPointer { b in
            (0..<p).map { c in
                var s = 0.0
                for r in 0..<n { s += (b[r + c * n] - means[c]) / scales[c] }
                return s / Double(n)
            }
        }
        var covariance = ColumnStatistics.gram(x, shift: means, scale: scales, offset: zMeans)
        for i in 0..<covariance.storage.count { covariance.storage[i] /= Double(n - 1) }
        guard covariance.storage.allSatisfy(\.isFinite) else {
            throw StatsError.invalidArgument("reference covariance overflows")
        }
        let values: [Double], vectors: Matrix
        do {
            (values, vectors) = try covariance.symmetricEigen()
        } catch let error as LinearAlgebraError {
            throw StatsError.invalidArgument("eigendecomposition failed: \(error)")
        }
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
        // Reference chunk values from the reference itself.
        let errors = Self.errors(x, means: means, scales: scales, standardizedMeans: zMeans, components: components)
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

    /// ‖z − V·Vᵀz‖₂ for every row, z = (x − means)/scales − standardizedMeans, block by block.
    static func errors(
        _ x: Matrix, means: [Double], scales: [Double], standardizedMeans: [Double], components v: Matrix
    ) -> [Double] {
        let p = x.columns, k = v.columns, block = ColumnStatistics.blockRows
        var result = [Double](repeating: 0, count: x.rows)
        var projection = [Double](repeating: 0, count: block * max(k, 1))
        var squared = [Double](repeating: 0, count: block)
        var done = 0
        v.storage.withUnsafeBufferPointer { vb in
            ColumnStatistics.forEachStandardizedBlock(x, shift: means, scale: scales, offset: standardizedMeans) {
                s, rows in
                projection.withUnsafeMutableBufferPointer { proj in
                    squared.withUnsafeMutableBufferPointer { sq in
                        // proj = Z·V (rows×k)
                        for j in 0..<k {
                            let pj = j * block
                            for r in 0..<rows { proj[pj + r] = 0 }
                            for c in 0..<p {
                                let w = vb[c + j * p], sc = c * block
                                for r in 0..<rows { proj[pj + r] += w * s[sc + r] }
                            }
                        }
                        // residual = Z − proj·Vᵀ, accumulated as squared row norms
                        for r in 0..<rows { sq[r] = 0 }
                        for c in 0..<p {
                            let sc = c * block
                            for j in 0..<k {
                                let w = vb[c + j * p], pj = j * block
                                for r in 0..<rows { s[sc + r] -= w * proj[pj + r] }
                            }
                            for r in 0..<rows { sq[r] += s[sc + r] * s[sc + r] }
                        }
                        for r in 0..<rows { result[done + r] = sq[r].squareRoot() }
                    }
                }
                done += rows
            }
        }
        return result
    }

    /// Reconstruction error of every row of `x` (m×p, same feature order as the reference).
    /// Throws `sizeMismatch` for another width and `nonFinite` for NaN/inf (impute or drop first).
    public func rowErrors(_ x: Matrix) throws -> [Double] {
        guard x.columns == featureCount else {
            throw StatsError.sizeMismatch("\(x.columns) features; the model has \(featureCount)")
        }
        try ColumnStatistics.requireFinite(x, side: "current")
        return Self.errors(
            x, means: means, scales: scales, standardizedMeans: standardizedMeans, components: components)
    }

    /// Mean reconstruction error of `x`, compared with the reference bounds.
    /// Throws `emptySample` for zero rows.
    public func evaluate(_ x: Matrix) throws -> PCAReconstructionResult {
        guard x.rows > 0 else { throw StatsError.emptySample(side: "current") }
        let errors = try rowErrors(x)
        let value = errors.reduce(0, +) / Double(errors.count)
        return PCAReconstructionResult(
            value: value, lower: lowerBound, upper: upperBound,
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
