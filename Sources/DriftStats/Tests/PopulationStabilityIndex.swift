#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Population Stability Index over fixed bins.
///
/// PSI = Σᵢ (cᵢ − rᵢ) · ln(cᵢ / rᵢ), where rᵢ and cᵢ are the reference and current fractions of bin
/// i. A fraction that is exactly 0 is replaced by 1e-4 (on each side independently, without
/// renormalising) before the sum, so an empty bin contributes a large but finite term.
/// Conventional reading: < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 major shift.
/// Bins come from `NumericBins` (reference quantiles) or `CategoricalBins` (categories +
/// `__other__`).
public enum PopulationStabilityIndex {
    /// The fraction that replaces an empty bin's 0.
    public static let emptyBinFraction = 1e-4

    /// PSI from per-bin counts. Both count vectors must have the same length and positive totals.
    /// - Throws: `sizeMismatch`, `emptySample` (a zero total), `invalidArgument` (negative count).
    public static func value(referenceCounts: [Int], currentCounts: [Int]) throws -> Double {
        guard referenceCounts.count == currentCounts.count else {
            throw StatsError.sizeMismatch(
                "\(referenceCounts.count) reference bins, \(currentCounts.count) current bins")
        }
        let rTotal = try checkedTotal(referenceCounts, what: "bin")
        let cTotal = try checkedTotal(currentCounts, what: "bin")
        guard rTotal > 0 else { throw StatsError.emptySample(side: "reference") }
        guard cTotal > 0 else { throw StatsError.emptySample(side: "current") }
        let rFractions = referenceCounts.map { Double($0) / Double(rTotal) }
        let cFractions = currentCounts.map { Double($0) / Double(cTotal) }
        return try value(referenceFractions: rFractions, currentFractions: cFractions)
    }

    /// PSI from per-bin fractions (each vector should sum to 1; zeros are replaced by 1e-4).
    public static func value(referenceFractions: [Double], currentFractions: [Double]) throws -> Double {
        guard referenceFractions.count == currentFractions.count else {
            throw StatsError.sizeMismatch(
                "\(referenceFractions.count) reference bins, \(currentFractions.count) current bins")
        }
        var sum = 0.0
        for (r0, c0) in zip(referenceFractions, currentFractions) {
            guard r0.isFinite, c0.isFinite, r0 >= 0, c0 >= 0 else {
                throw StatsError.invalidArgument("bin fraction outside [0, 1]")
            }
            let r = r0 == 0 ? emptyBinFraction : r0
            let c = c0 == 0 ? emptyBinFraction : c0
            sum += (c - r) * log(c / r)
        }
        return sum
    }
}
