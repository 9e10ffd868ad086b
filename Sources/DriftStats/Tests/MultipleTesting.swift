/// Corrections for testing many features at once.
public enum MultipleTesting {
    static func validate(_ p: [Double]) throws {
        for (i, v) in p.enumerated() where !(v >= 0 && v <= 1) {
            throw StatsError.invalidArgument("p-value \(i) is \(v), outside [0, 1]")
        }
    }

    /// Bonferroni-adjusted p-values: min(1, m·pᵢ). Controls the family-wise error rate.
    public static func bonferroni(_ p: [Double]) throws -> [Double] {
        try validate(p)
        let m = Double(p.count)
        return p.map { min(1, $0 * m) }
    }

    /// Benjamini–Hochberg adjusted p-values (q-values), controlling the false discovery rate:
    /// with p₍₁₎ ≤ … ≤ p₍ₘ₎, adj₍ᵢ₎ = min_{k ≥ i} min(1, p₍ₖ₎ · m/k), returned in the input order.
    /// Same as `scipy.stats.false_discovery_control(p, method="bh")`. A feature is significant at
    /// FDR q when its adjusted value is ≤ q. Ties receive equal adjusted values.
    public static func benjaminiHochberg(_ p: [Double]) throws -> [Double] {
        try validate(p)
        let m = p.count
        if m == 0 { return [] }
        let order = p.indices.sorted { p[$0] < p[$1] }
        var adjusted = [Double](repeating: 0, count: m)
        var running = Double.infinity
        for rank in stride(from: m, through: 1, by: -1) {
            let index = order[rank - 1]
            running = min(running, p[index] * (Double(m) / Double(rank)))
            adjusted[index] = min(max(running, 0), 1)
        }
        return adjusted
    }
}
