/// Result of a chi-square test of homogeneity.
public struct ChiSquareResult: Sendable, Equatable, Codable {
    /// Pearson's statistic Σ (O − E)² / E over the 2×K table.
    public let statistic: Double
    /// K − 1, where K counts the categories with a non-zero total.
    public let degreesOfFreedom: Int
    /// P(χ²_df > statistic). May underflow to 0 for enormous statistics; see `logPValue`.
    public let pValue: Double
    /// log of the p-value, finite even where `pValue` underflows.
    public let logPValue: Double
}

/// Chi-square test of homogeneity between reference and current category counts, as
/// `scipy.stats.chi2_contingency(np.array([ref, cur]), correction=False)`.
///
/// The 2×K table has the reference counts in one row and the current counts in the other.
/// Expected counts E_rj = (row total r) · (column total j) / N; statistic Σ (O − E)² / E (compensated
/// summation); df = K − 1; p-value = Q(df/2, statistic/2), the regularized upper incomplete gamma.
///
/// - Columns that are zero in **both** rows are dropped first (they carry no information and would
///   make E = 0). A category present in only one row is an ordinary column: its contribution is
///   finite and it does not force p = 0 by itself.
/// - Fewer than two remaining columns: `StatsError.singleCategory` (the test does not apply).
/// - A row with total 0: `StatsError.emptySample`. Negative counts: `invalidArgument`.
/// - Unlike scipy, no continuity (Yates) correction is ever applied, also not for 2×2 tables.
public enum ChiSquareTest {
    public static func homogeneity(reference: [Int], current: [Int]) throws -> ChiSquareResult {
        guard reference.count == current.count else {
            throw StatsError.sizeMismatch(
                "\(reference.count) reference categories, \(current.count) current categories")
        }
        let rTotal = try checkedTotal(reference, what: "category")
        let cTotal = try checkedTotal(current, what: "category")
        guard !rTotal.addingReportingOverflow(cTotal).overflow else {
            throw StatsError.invalidArgument("category counts overflow")
        }
        let columns = zip(reference, current).count { $0.0 > 0 || $0.1 > 0 }
        guard rTotal > 0 else { throw StatsError.emptySample(side: "reference") }
        guard cTotal > 0 else { throw StatsError.emptySample(side: "current") }
        guard columns >= 2 else { throw StatsError.singleCategory }
        let total = Double(rTotal + cTotal)
        let rt = Double(rTotal), ct = Double(cTotal)
        // Neumaier-compensated sum of the 2K terms.
        var sum = 0.0, compensation = 0.0
        @inline(__always) func add(_ term: Double) {
            let t = sum + term
            if abs(sum) >= abs(term) { compensation += (sum - t) + term } else { compensation += (term - t) + sum }
            sum = t
        }
        for (r, c) in zip(reference, current) where r > 0 || c > 0 {
            let column = Double(r) + Double(c)
            let er = rt * column / total
            let ec = ct * column / total
            let dr = Double(r) - er, dc = Double(c) - ec
            add(dr * dr / er)
            add(dc * dc / ec)
        }
        let statistic = sum + compensation
        let df = columns - 1
        return ChiSquareResult(
            statistic: statistic, degreesOfFreedom: df,
            pValue: ChiSquareDistribution.survival(statistic, degreesOfFreedom: Double(df)),
            logPValue: ChiSquareDistribution.logSurvival(statistic, degreesOfFreedom: Double(df)))
    }
}
