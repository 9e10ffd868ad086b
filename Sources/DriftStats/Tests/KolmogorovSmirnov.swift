#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Result of a two-sample Kolmogorov–Smirnov test.
public struct KSResult: Sendable, Equatable, Codable {
    /// How the p-value was computed.
    public enum Method: String, Sendable, Codable {
        /// Exact null distribution of D (lattice-path counting).
        case exact
        /// scipy's asymptotic form: `kstwo.sf(D, round(n·m/(n+m)))`.
        case asymptotic
    }
    /// D = sup |F_ref − F_cur| over the pooled sample.
    public let statistic: Double
    /// Two-sided p-value.
    public let pValue: Double
    /// Method used for `pValue`.
    public let method: Method
    /// Sizes of the two samples.
    public let referenceCount: Int
    public let currentCount: Int
}

/// Two-sample Kolmogorov–Smirnov test, matching `scipy.stats.ks_2samp(x, y, method="auto")`
/// (two-sided) to the last bit of the statistic; p-values agree to ~1e-14 relative on the exact
/// path and ~1e-11 on the asymptotic one (scipy's one-sided Smirnov sum uses double-double
/// arithmetic; ours sums log-space terms in double).
///
/// **Statistic.** D = max over the pooled sample of |F₁(v) − F₂(v)| with right-continuous ECDFs:
/// at each distinct value both ECDFs jump past *all* copies of that value, so ties across the two
/// samples never create a spurious gap (scipy evaluates `searchsorted(side="right")` at every
/// pooled point; a merge walk over the sorted samples visits the same points).
///
/// **p-value** (`method = "auto"`): exact when max(n, m) ≤ 10 000 — Hodges' lattice-path treatment
/// of the Drion/Gnedenko/Korolyuk formula; for n = m the alternating series
/// 2·Σ (−1)^{k+1} C(2n, n−kh)/C(2n, n) in Horner form, otherwise the probability of leaving the
/// band |i/n − j/m| < h/lcm(n, m), with D rounded to the lattice value h/lcm. If the exact value is
/// not a valid probability (rounding past 1), it falls back to the asymptotic form like scipy. For
/// larger samples: `KolmogorovDistribution.survival(D, round(n·m/(n+m)))`, the one-sample
/// two-sided distribution (Simard & L'Ecuyer 2011), not the Kolmogorov limit.
///
/// **Edge cases.** Either sample empty → `StatsError.emptySample`; NaN or ±inf anywhere →
/// `StatsError.nonFinite` (filter them first: by contract they are missing/invalid values, never
/// tested). n = 1 is allowed. Identical samples give D = 0 and p = 1; disjoint samples D = 1.
public enum KolmogorovSmirnov {
    /// Largest sample size for which "auto" uses the exact distribution (scipy's `MAX_AUTO_N`).
    public static let maxExactSize = 10_000

    /// Tests two unsorted samples (both are copied and sorted).
    public static func test(_ reference: [Double], _ current: [Double]) throws -> KSResult {
        try requireFinite(reference, side: "reference")
        try requireFinite(current, side: "current")
        let r = FastSort.sorted(reference)
        let c = FastSort.sorted(current)
        return try testSorted(r, c)
    }

    /// Tests a reference that is **already sorted ascending** (baselines store it sorted) against an
    /// unsorted current window; only the window is sorted. Throws `StatsError.unsorted` if the
    /// reference is not sorted.
    public static func test(sortedReference: [Double], current: [Double]) throws -> KSResult {
        try requireFinite(current, side: "current")
        let c = FastSort.sorted(current)
        return try testSorted(sortedReference, c)
    }

    /// Tests two samples that are both sorted ascending.
    public static func testSorted(_ reference: [Double], _ current: [Double]) throws -> KSResult {
        guard !reference.isEmpty else { throw StatsError.emptySample(side: "reference") }
        guard !current.isEmpty else { throw StatsError.emptySample(side: "current") }
        try checkSorted(reference, side: "reference")
        try checkSorted(current, side: "current")
        let d = statisticSorted(reference, current)
        let (statistic, p, method) = pValue(statistic: d, n1: reference.count, n2: current.count)
        return KSResult(
            statistic: statistic, pValue: p, method: method,
            referenceCount: reference.count, currentCount: current.count)
    }

    /// The statistic D alone (no p-value) for two ascending samples, as `testSorted` computes it.
    /// Throws on an empty, unsorted or non-finite sample.
    public static func statistic(sorted reference: [Double], _ current: [Double]) throws -> Double {
        guard !reference.isEmpty else { throw StatsError.emptySample(side: "reference") }
        guard !current.isEmpty else { throw StatsError.emptySample(side: "current") }
        try checkSorted(reference, side: "reference")
        try checkSorted(current, side: "current")
        return statisticSorted(reference, current)
    }

    static func checkSorted(_ values: [Double], side: String) throws {
        try values.withUnsafeBufferPointer { buffer in
            guard let first = buffer.first, first.isFinite else {
                if buffer.isEmpty { return }
                throw StatsError.nonFinite(side: side)
            }
            var previous = first
            for v in buffer.dropFirst() {
                if !(v >= previous) {
                    if !v.isFinite { throw StatsError.nonFinite(side: side) }
                    throw StatsError.unsorted(side: side)
                }
                previous = v
            }
            if !previous.isFinite { throw StatsError.nonFinite(side: side) }
        }
    }

    /// D for two non-empty ascending samples: a merge walk that, at each distinct value, advances
    /// both samples past every copy of it, then compares i/n − j/m (computed as scipy does, as a
    /// difference of two quotients, so D is bit-identical).
    static func statisticSorted(_ a: [Double], _ b: [Double]) -> Double {
        let n1 = a.count, n2 = b.count
        let dn1 = Double(n1), dn2 = Double(n2)
        var i = 0, j = 0
        var maxDiff = 0.0, minDiff = 0.0
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                while i < n1 && j < n2 {
                    let v = min(a[i], b[j])
                    while i < n1 && a[i] <= v { i += 1 }
                    while j < n2 && b[j] <= v { j += 1 }
                    let diff = Double(i) / dn1 - Double(j) / dn2
                    if diff > maxDiff { maxDiff = diff }
                    if diff < minDiff { minDiff = diff }
                }
            }
        }
        // After one sample is exhausted the other's ECDF rises to 1; the gap only shrinks.
        let minS = min(max(-minDiff, 0), 1)
        return minS > maxDiff ? minS : maxDiff
    }

    /// Two-sided p-value of a statistic D for sample sizes n1, n2 with scipy's "auto" rule (for
    /// example when D was computed elsewhere). The result's `statistic` is the value actually used:
    /// the exact method rounds D to the lattice value h / lcm(n1, n2).
    /// - Throws: `invalidArgument` unless 0 ≤ D ≤ 1 and n1, n2 ≥ 1.
    public static func pValue(statistic d: Double, referenceCount n1: Int, currentCount n2: Int) throws -> KSResult {
        guard d >= 0 && d <= 1 else { throw StatsError.invalidArgument("KS statistic \(d) outside [0, 1]") }
        guard n1 >= 1 && n2 >= 1 else { throw StatsError.invalidArgument("sample sizes \(n1), \(n2) must be ≥ 1") }
        let (statistic, p, method) = pValue(statistic: d, n1: n1, n2: n2)
        return KSResult(statistic: statistic, pValue: p, method: method, referenceCount: n1, currentCount: n2)
    }

    /// Unchecked core of `pValue(statistic:referenceCount:currentCount:)`: 0 ≤ d ≤ 1, n1, n2 ≥ 1.
    static func pValue(statistic d: Double, n1: Int, n2: Int) -> (Double, Double, KSResult.Method) {
        if max(n1, n2) <= maxExactSize {
            let g = gcd(n1, n2)
            let lcm = (n1 / g) * n2
            let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
            let dExact = Double(h) / Double(lcm)
            if h == 0 { return (dExact, 1, .exact) }
            let prob: Double
            if n1 == n2 {
                prob = probabilityOutsideSquare(n: n1, h: h)
            } else {
                prob = probabilityOutsideBand(n1, n2, g: g, h: h)
            }
            if prob.isFinite && prob >= 0 && prob <= 1 { return (dExact, prob, .exact) }
            return (dExact, asymptoticPValue(dExact, n1, n2), .asymptotic)
        }
        return (d, asymptoticPValue(d, n1, n2), .asymptotic)
    }

    static func asymptoticPValue(_ d: Double, _ n1: Int, _ n2: Int) -> Double {
        let m = Double(max(n1, n2)), n = Double(min(n1, n2))
        let en = (m * n / (m + n)).rounded(.toNearestOrEven)
        let p = KolmogorovDistribution.survival(d, n: Int(en))
        return min(max(p, 0), 1)
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }

    /// P(D_{n,n} ≥ h/n) = 2 Σ_{k≥1} (−1)^{k+1} C(2n, n−kh)/C(2n, n), in the Horner form
    /// 2·A₀(1 − A₁(1 − A₂(…))) that avoids subtractive cancellation.
    static func probabilityOutsideSquare(n: Int, h: Int) -> Double {
        var p = 0.0
        var k = n / h
        while k >= 0 {
            var p1 = 1.0
            for j in 0..<h {
                p1 = Double(n - k * h - j) * p1 / Double(n + k * h + j + 1)
            }
            p = p1 * (1 - p)
            k -= 1
        }
        return 2 * p
    }

    /// Probability that a uniformly random lattice path from (0,0) to (m,n) leaves the band
    /// |x/m − y/n| < h/lcm(m, n) (Hodges 1958). Column-by-column recursion over the band, storing
    /// the *probability of having left* rather than path counts, so nothing overflows.
    static func probabilityOutsideBand(_ a: Int, _ b: Int, g: Int, h: Int) -> Double {
        let m = max(a, b), n = min(a, b)
        let mg = m / g, ng = n / g
        var minj = 0
        var maxj = min(Int((Double(h) / Double(mg)).rounded(.up)), n + 1)
        var curlen = maxj - minj
        let lenA = min(2 * maxj + 2, n + 1)
        var buffer = [Double](repeating: 1, count: max(lenA, n + 2))
        for idx in minj..<maxj { buffer[idx] = 0 }
        for i in 1...m {
            let lastminj = minj, lastlen = curlen
            minj = max(Int((Double(ng * i - h) / Double(mg)).rounded(.down)) + 1, 0)
            minj = min(minj, n)
            maxj = min(Int((Double(ng * i + h) / Double(mg)).rounded(.up)), n + 1)
            if maxj <= minj { return 1 }
            var val = minj == 0 ? 0.0 : 1.0
            let di = Double(i)
            for jj in 0..<(maxj - minj) {
                let j = jj + minj
                val = (buffer[jj + minj - lastminj] * di + val * Double(j)) / (di + Double(j))
                buffer[jj] = val
            }
            curlen = maxj - minj
            if lastlen > curlen {
                for idx in (maxj - minj)..<(maxj - minj + (lastlen - curlen)) { buffer[idx] = 1 }
            }
        }
        return buffer[maxj - minj - 1]
    }
}
