/// Sample quantiles.
public enum Quantiles {
    /// The q-quantile of an ascending sample by numpy's default "linear" method (Hyndman & Fan
    /// type 7): virtual index h = (n − 1)·q, result x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]), with
    /// numpy's two-sided lerp (`b − (b − a)(1 − t)` for t ≥ ½) so results are bit-identical to
    /// `np.quantile(x, q)`.
    ///
    /// - Throws: `emptySample` when `sorted` is empty, `invalidArgument` unless 0 ≤ q ≤ 1.
    public static func linear(sorted: [Double], _ q: Double) throws -> Double {
        guard !sorted.isEmpty else { throw StatsError.emptySample(side: "quantile input") }
        guard q >= 0 && q <= 1 else { throw StatsError.invalidArgument("quantile \(q) outside [0, 1]") }
        return linearUnchecked(sorted: sorted, q)
    }

    /// Several quantiles of one ascending sample.
    public static func linear(sorted: [Double], _ qs: [Double]) throws -> [Double] {
        try qs.map { try linear(sorted: sorted, $0) }
    }

    @inline(__always)
    static func linearUnchecked(sorted x: [Double], _ q: Double) -> Double {
        let n = x.count
        let h = Double(n - 1) * q
        let lowerIndex = h.rounded(.down)
        let t = h - lowerIndex
        let lo = min(max(Int(lowerIndex), 0), n - 1)
        let hi = min(lo + 1, n - 1)
        let a = x[lo], b = x[hi]
        let diff = b - a
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t
    }

    /// The probabilities `np.linspace(0, 1, count + 1)`: i · (1/count), the last one exactly 1.
    public static func evenlySpacedProbabilities(_ count: Int) -> [Double] {
        guard count > 0 else { return [0] }
        let step = 1.0 / Double(count)
        var qs = (0...count).map { Double($0) * step }
        qs[count] = 1
        return qs
    }
}
