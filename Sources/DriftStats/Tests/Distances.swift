#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Distances between distributions, for users who prefer them to PSI. Binned distances take counts
/// or fractions on the same bins as PSI (they are normalised to sum 1 first).
public enum Distances {
    static func normalised(_ p: [Double], side: String) throws -> [Double] {
        var total = 0.0
        for v in p {
            guard v.isFinite, v >= 0 else { throw StatsError.invalidArgument("\(side) weights must be finite and ≥ 0") }
            total += v
        }
        guard total.isFinite else { throw StatsError.invalidArgument("\(side) weights overflow") }
        guard total > 0 else { throw StatsError.emptySample(side: side) }
        return p.map { $0 / total }
    }

    /// Jensen–Shannon distance with base-2 logarithms, in [0, 1]:
    /// √(½ KL(p‖m) + ½ KL(q‖m)) / √ln 2 with m = (p + q)/2 and 0·log 0 = 0,
    /// as `scipy.spatial.distance.jensenshannon(p, q, base=2)`.
    /// Identical distributions give 0, disjoint supports 1. Throws on length mismatch or a zero total.
    public static func jensenShannon(_ p: [Double], _ q: [Double]) throws -> Double {
        guard p.count == q.count else { throw StatsError.sizeMismatch("\(p.count) vs \(q.count) bins") }
        let pn = try normalised(p, side: "first"), qn = try normalised(q, side: "second")
        var left = 0.0, right = 0.0
        for (a, b) in zip(pn, qn) {
            let m = (a + b) / 2
            if a > 0 { left += a * log(a / m) }
            if b > 0 { right += b * log(b / m) }
        }
        let js = max((left + right) / log(2.0), 0)
        return (js / 2).squareRoot()
    }

    /// Total variation distance in [0, 1]: ½ Σ |pᵢ − qᵢ| on normalised p and q (the largest
    /// difference in probability the two distributions give to any set of bins). Identical
    /// distributions give 0, disjoint supports 1. Throws on length mismatch or a zero total.
    public static func totalVariation(_ p: [Double], _ q: [Double]) throws -> Double {
        guard p.count == q.count else { throw StatsError.sizeMismatch("\(p.count) vs \(q.count) bins") }
        let pn = try normalised(p, side: "first"), qn = try normalised(q, side: "second")
        var s = 0.0
        for (a, b) in zip(pn, qn) { s += abs(a - b) }
        return min(s / 2, 1)
    }

    /// Hellinger distance in [0, 1]: √(½ Σ (√pᵢ − √qᵢ)²) on normalised p and q.
    public static func hellinger(_ p: [Double], _ q: [Double]) throws -> Double {
        guard p.count == q.count else { throw StatsError.sizeMismatch("\(p.count) vs \(q.count) bins") }
        let pn = try normalised(p, side: "first"), qn = try normalised(q, side: "second")
        var s = 0.0
        for (a, b) in zip(pn, qn) {
            let d = a.squareRoot() - b.squareRoot()
            s += d * d
        }
        return (s / 2).squareRoot()
    }

    /// Wasserstein-1 (earth mover's) distance between two samples: ∫ |F_u(t) − F_v(t)| dt, in the
    /// units of the data, as `scipy.stats.wasserstein_distance(u, v)`. Samples are copied and sorted.
    /// Throws on an empty sample or NaN/inf.
    public static func wasserstein(_ u: [Double], _ v: [Double]) throws -> Double {
        try requireFinite(u, side: "first")
        try requireFinite(v, side: "second")
        return try wasserstein(sorted: FastSort.sorted(u), FastSort.sorted(v))
    }

    /// Wasserstein-1 distance between two ascending samples.
    /// Throws on an empty sample, NaN/inf, or a sample that is not sorted.
    public static func wasserstein(sorted u: [Double], _ v: [Double]) throws -> Double {
        guard !u.isEmpty else { throw StatsError.emptySample(side: "first") }
        guard !v.isEmpty else { throw StatsError.emptySample(side: "second") }
        try KolmogorovSmirnov.checkSorted(u, side: "first")
        try KolmogorovSmirnov.checkSorted(v, side: "second")
        let n = u.count, m = v.count
        let dn = Double(n), dm = Double(m)
        var i = 0, j = 0
        var previous = min(u[0], v[0])
        var total = 0.0
        while i < n || j < m {
            let next: Double
            if i < n && j < m { next = min(u[i], v[j]) } else if i < n { next = u[i] } else { next = v[j] }
            total += abs(Double(i) / dn - Double(j) / dm) * (next - previous)
            while i < n && u[i] <= next { i += 1 }
            while j < m && v[j] <= next { j += 1 }
            previous = next
        }
        return total
    }
}
