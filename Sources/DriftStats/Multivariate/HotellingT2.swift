/// Result of a two-sample Hotelling's T² test.
public struct HotellingResult: Sendable, Equatable, Codable {
    public let t2: Double
    /// The F statistic (n₁+n₂−p−1)/(p(n₁+n₂−2)) · T².
    public let f: Double
    public let df1: Int
    public let df2: Int
    public let pValue: Double
}

/// Two-sample Hotelling's T² test for a shift of the mean vector.
///
/// With sample means x̄, ȳ and pooled covariance S = ((n₁−1)S₁ + (n₂−1)S₂)/(n₁+n₂−2):
/// T² = n₁n₂/(n₁+n₂) · (x̄−ȳ)ᵀ S⁻¹ (x̄−ȳ), solved through the Cholesky factor of S (LAPACK
/// `dpotrf`/`dpotrs`), never an explicit inverse. Under H₀ (equal means, equal covariances,
/// normality) F = (n₁+n₂−p−1)/(p(n₁+n₂−2)) · T² ~ F(p, n₁+n₂−p−1); the p-value is its survival
/// function. Reference: Hotelling (1931); Johnson & Wichern, *Applied Multivariate Statistical
/// Analysis*, §6.3. For p = 1, T² is the square of the pooled two-sample t statistic.
///
/// Degenerate input gives a typed error, never NaN: a constant feature, or one that is a linear
/// combination of earlier ones (pivot of the Cholesky factor below 1e-10 of the variance), throws
/// `singularCovariance(feature:)` naming the column; n₁ + n₂ < p + 2 throws `insufficientSamples`.
public enum HotellingT2 {
    /// Relative pivot below which the pooled covariance counts as singular.
    public static let singularityTolerance = 1e-10

    public static func twoSample(_ x: Matrix, _ y: Matrix) throws -> HotellingResult {
        guard x.columns == y.columns else {
            throw StatsError.sizeMismatch("\(x.columns) vs \(y.columns) features")
        }
        let p = x.columns, n1 = x.rows, n2 = y.rows
        guard p >= 1 else { throw StatsError.insufficientSamples("no features") }
        guard n1 >= 1 else { throw StatsError.emptySample(side: "reference") }
        guard n2 >= 1 else { throw StatsError.emptySample(side: "current") }
        guard n1 + n2 >= p + 2 else {
            throw StatsError.insufficientSamples("n1 + n2 = \(n1 + n2); need at least p + 2 = \(p + 2)")
        }
        let (mx, gx) = ColumnStatistics.meansAndCenteredGram(x)
        let (my, gy) = ColumnStatistics.meansAndCenteredGram(y)
        // NaN/inf input makes the sums non-finite; scanning only then saves a pass over the data.
        for (side, m, means, gram) in [("reference", x, mx, gx), ("current", y, my, gy)]
        where !(means + gram.storage).allSatisfy(\.isFinite) {
            try ColumnStatistics.requireFinite(m, side: side)
            throw StatsError.invalidArgument("\(side) values too large: their squares overflow")
        }
        var pooled = Matrix(rows: p, columns: p)
        let dof = Double(n1 + n2 - 2)
        for i in 0..<(p * p) { pooled.storage[i] = (gx.storage[i] + gy.storage[i]) / dof }
        let factor: CholeskyFactor
        do {
            factor = try pooled.cholesky()
        } catch LinearAlgebraError.notPositiveDefinite(let minor) {
            throw StatsError.singularCovariance(feature: minor - 1)
        } catch {
            throw StatsError.invalidArgument("pooled covariance: \(error)")
        }
        for i in 0..<p {
            let pivot = factor.lower[i, i]
            if !(pivot * pivot > singularityTolerance * pooled[i, i]) || pooled[i, i] == 0 {
                throw StatsError.singularCovariance(feature: i)
            }
        }
        let difference = zip(mx, my).map { $0 - $1 }
        guard let solved = try? factor.solve(difference) else {
            throw StatsError.invalidArgument("pooled covariance solve failed")
        }
        var quadratic = 0.0
        for i in 0..<p { quadratic += difference[i] * solved[i] }
        let dn1 = Double(n1), dn2 = Double(n2), dp = Double(p)
        let t2 = dn1 * dn2 / (dn1 + dn2) * quadratic
        let df2 = n1 + n2 - p - 1
        let f = Double(df2) / (dp * dof) * t2
        let pValue = FDistribution.survival(f, d1: dp, d2: Double(df2))
        return HotellingResult(t2: t2, f: f, df1: p, df2: df2, pValue: pValue)
    }
}
