/// Streaming count, mean, variance, minimum and maximum (Welford's algorithm), mergeable across
/// shards or threads with Chan, Golub & LeVeque's pairwise update:
/// n = nₐ + n_b, δ = mean_b − meanₐ, mean = meanₐ + δ·n_b/n, M₂ = M₂ₐ + M₂_b + δ²·nₐ·n_b/n.
///
/// Non-finite values are the caller's to filter (they would poison the sums); `add` ignores NaN.
public struct RunningMoments: Sendable, Equatable, Codable {
    public private(set) var count: Int = 0
    public private(set) var mean: Double = 0
    /// Sum of squared deviations from the mean.
    public private(set) var m2: Double = 0
    public private(set) var minimum: Double = .infinity
    public private(set) var maximum: Double = -.infinity

    public init() {}

    /// Moments of a whole sample.
    public init<S: Sequence>(_ values: S) where S.Element == Double {
        for v in values { add(v) }
    }

    /// Adds one observation (NaN is ignored).
    public mutating func add(_ x: Double) {
        if x.isNaN { return }
        count += 1
        let delta = x - mean
        mean += delta / Double(count)
        m2 += delta * (x - mean)
        if x < minimum { minimum = x }
        if x > maximum { maximum = x }
    }

    /// Combines with moments of another, disjoint sample.
    public mutating func merge(_ other: RunningMoments) {
        if other.count == 0 { return }
        if count == 0 { self = other; return }
        let n = count + other.count
        let delta = other.mean - mean
        let dn = Double(n)
        mean += delta * Double(other.count) / dn
        m2 += other.m2 + delta * delta * Double(count) * Double(other.count) / dn
        count = n
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
    }

    /// Sample variance (divisor n − 1); NaN for fewer than two observations.
    public var variance: Double { count > 1 ? m2 / Double(count - 1) : .nan }
    /// Population variance (divisor n); NaN when empty.
    public var populationVariance: Double { count > 0 ? m2 / Double(count) : .nan }
    /// Sample standard deviation (divisor n − 1).
    public var standardDeviation: Double { variance.squareRoot() }
}
