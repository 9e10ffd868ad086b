/// Column-wise helpers over an n×p data matrix (rows are observations, columns features).
enum ColumnStatistics {
    /// Mean of each column (two-pass friendly: plain sum / n).
    static func means(_ x: Matrix) -> [Double] {
        let n = x.rows
        return (0..<x.columns).map { c in
            var s = 0.0
            x.storage.withUnsafeBufferPointer { b in
                for r in 0..<n { s += b[r + c * n] }
            }
            return s / Double(n)
        }
    }

    /// `x` with `means` subtracted from each column.
    static func centered(_ x: Matrix, means: [Double]) -> Matrix {
        var out = x
        let n = x.rows
        out.storage.withUnsafeMutableBufferPointer { b in
            for c in 0..<x.columns {
                let mu = means[c]
                for r in 0..<n { b[r + c * n] -= mu }
            }
        }
        return out
    }

    static func requireFinite(_ x: Matrix, side: String) throws {
        for v in x.storage where !v.isFinite { throw StatsError.nonFinite(side: side) }
    }
}
