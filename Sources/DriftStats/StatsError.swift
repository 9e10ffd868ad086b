/// Why a statistic could not be computed. Every public function of `DriftStats` that can refuse its
/// input throws one of these instead of returning NaN or trapping.
public enum StatsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A sample that must be non-empty was empty (`side` names which: "reference", "current", ...).
    case emptySample(side: String)
    /// NaN or ±infinity in a sample. By contract callers filter these first (DriftCore counts them as
    /// missing or invalid); the numerics refuse them rather than produce a meaningless number.
    case nonFinite(side: String)
    /// Input that must be sorted ascending was not.
    case unsorted(side: String)
    /// Arrays that must have equal length (or matrices equal width) did not.
    case sizeMismatch(String)
    /// A chi-square test with fewer than two non-empty categories: there is nothing to compare.
    case singleCategory
    /// A count, probability or parameter outside its domain (message says which).
    case invalidArgument(String)
    /// Too few observations for the test (message says how many are needed).
    case insufficientSamples(String)
    /// The pooled covariance is singular or nearly so: `feature` (0-based column) is constant or a
    /// linear combination of the columns before it.
    case singularCovariance(feature: Int)

    public var description: String {
        switch self {
        case .emptySample(let side): return "the \(side) sample is empty"
        case .nonFinite(let side): return "the \(side) sample contains NaN or infinite values"
        case .unsorted(let side): return "the \(side) sample is not sorted ascending"
        case .sizeMismatch(let why): return "size mismatch: \(why)"
        case .singleCategory: return "fewer than two non-empty categories: the test does not apply"
        case .invalidArgument(let why): return "invalid argument: \(why)"
        case .insufficientSamples(let why): return "insufficient samples: \(why)"
        case .singularCovariance(let feature):
            return "covariance is singular: feature \(feature) is constant or collinear with earlier features"
        }
    }
}

@inline(__always)
func requireFinite(_ values: UnsafeBufferPointer<Double>, side: String) throws {
    for v in values where !v.isFinite { throw StatsError.nonFinite(side: side) }
}

@inline(__always)
func requireFinite(_ values: [Double], side: String) throws {
    try values.withUnsafeBufferPointer { try requireFinite($0, side: side) }
}

/// Σ counts, refusing negative counts and Int overflow. `what` names the counts in the message
/// ("negative category count", "bin counts overflow").
func checkedTotal(_ counts: [Int], what: String) throws -> Int {
    var sum = 0
    for c in counts {
        guard c >= 0 else { throw StatsError.invalidArgument("negative \(what) count") }
        let (s, overflow) = sum.addingReportingOverflow(c)
        if overflow { throw StatsError.invalidArgument("\(what) counts overflow") }
        sum = s
    }
    return sum
}
