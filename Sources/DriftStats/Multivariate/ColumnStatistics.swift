/// Column-wise helpers over an n×p data matrix (rows are observations, columns features).
///
/// The heavy loops (Gram matrix, PCA reconstruction) walk the data in blocks of `blockRows` rows
/// that are standardised into a small column-major scratch buffer (≈40 KB for 20 features), so the
/// arithmetic runs from cache and the big matrix is read once per pass. Over a 100k×20 matrix this
/// is ~5× faster than reference-BLAS `dsyrk`/`dgemm`, whose column-at-a-time loops stream the whole
/// matrix from memory once per output column.
enum ColumnStatistics {
    static let blockRows = 256

    /// Mean of each column.
    static func means(_ x: Matrix) -> [Double] {
        let n = x.rows
        return x.storage.withUnsafeBufferPointer { b in
            (0..<x.columns).map { c in
                var s = 0.0
                for r in 0..<n { s += b[r + c * n] }
                return s / Double(n)
            }
        }
    }

    /// Population standard deviation of each column around `means` (two-pass).
    static func populationStandardDeviations(_ x: Matrix, means: [Double]) -> [Double] {
        let n = x.rows
        return x.storage.withUnsafeBufferPointer { b in
            (0..<x.columns).map { c in
                var ss = 0.0
                let mu = means[c]
                for r in 0..<n { let d = b[r + c * n] - mu; ss += d * d }
                return (ss / Double(n)).squareRoot()
            }
        }
    }

    /// Calls `body(block, rows)` for consecutive row blocks of `x`, each standardised as
    /// z = (x − shift) / scale − offset into a column-major scratch buffer with leading dimension
    /// `blockRows` (column c of the block starts at `c * blockRows`).
    static func forEachStandardizedBlock(
        _ x: Matrix, shift: [Double], scale: [Double], offset: [Double],
        _ body: (UnsafeMutableBufferPointer<Double>, Int) -> Void
    ) {
        let n = x.rows, p = x.columns, block = blockRows
        var scratch = [Double](repeating: 0, count: block * max(p, 1))
        x.storage.withUnsafeBufferPointer { data in
            scratch.withUnsafeMutableBufferPointer { s in
                var start = 0
                while start < n {
                    let rows = min(block, n - start)
                    for c in 0..<p {
                        let mu = shift[c], sc = scale[c], off = offset[c]
                        let src = c * n + start, dst = c * block
                        if sc == 1 && off == 0 {
                            // Centring only (no division: it is exact to skip, and much cheaper).
                            for r in 0..<rows { s[dst + r] = data[src + r] - mu }
                        } else {
                            for r in 0..<rows { s[dst + r] = (data[src + r] - mu) / sc - off }
                        }
                    }
                    body(s, rows)
                    start += rows
                }
            }
        }
    }

    /// Σ over rows of z zᵀ for z = (x − shift)/scale − offset: the p×p Gram matrix of the
    /// standardised data, both triangles filled.
    static func gram(_ x: Matrix, shift: [Double], scale: [Double], offset: [Double]) -> Matrix {
        let p = x.columns
        var gram = [Double](repeating: 0, count: p * p)
        gram.withUnsafeMutableBufferPointer { g in
            forEachStandardizedBlock(x, shift: shift, scale: scale, offset: offset) { s, rows in
                accumulateGram(g, s, rows: rows, p: p)
            }
        }
        var result = Matrix(uncheckedRows: p, columns: p, storage: gram)
        result.mirrorUpperToLower()
        return result
    }

    /// Column means and the Gram matrix of the centred data (x − means)ᵀ(x − means) in **one** pass
    /// over `x` (the pass is memory-bound, so one read instead of two halves the time).
    ///
    /// Shifted-data algorithm: accumulate the Gram matrix G and column sums s of y = x − x₀ with x₀
    /// the first row, then (x − μ)ᵀ(x − μ) = G − n·d·dᵀ with d = s/n and μ = x₀ + d. Because x₀ is
    /// an observation, |d| is of the order of the spread and the correction does not cancel
    /// catastrophically (Chan, Golub & LeVeque 1983).
    static func meansAndCenteredGram(_ x: Matrix) -> (means: [Double], gram: Matrix) {
        let n = x.rows, p = x.columns
        guard n > 0 else { return ([Double](repeating: .nan, count: p), Matrix(rows: p, columns: p)) }
        let shift = x.row(0)
        var sums = [Double](repeating: 0, count: p)
        let ones = [Double](repeating: 1, count: p), zeros = [Double](repeating: 0, count: p)
        var gram = [Double](repeating: 0, count: p * p)
        let block = blockRows
        gram.withUnsafeMutableBufferPointer { g in
            sums.withUnsafeMutableBufferPointer { sum in
                forEachStandardizedBlock(x, shift: shift, scale: ones, offset: zeros) { s, rows in
                    for i in 0..<p {
                        let ci = i * block
                        var t = 0.0
                        for r in 0..<rows { t += s[ci + r] }
                        sum[i] += t
                    }
                    accumulateGram(g, s, rows: rows, p: p)
                }
            }
        }
        let dn = Double(n)
        let d = sums.map { $0 / dn }
        for j in 0..<p {
            for i in 0...j { gram[i + j * p] -= dn * d[i] * d[j] }
        }
        var result = Matrix(uncheckedRows: p, columns: p, storage: gram)
        result.mirrorUpperToLower()
        let means = (0..<p).map { shift[$0] + d[$0] }
        return (means, result)
    }

    /// Adds the upper triangle of blockᵀ·block (block: `rows` rows, leading dimension `blockRows`).
    @inline(__always)
    static func accumulateGram(
        _ g: UnsafeMutableBufferPointer<Double>, _ s: UnsafeMutableBufferPointer<Double>, rows: Int, p: Int
    ) {
        let block = blockRows
        guard let base = UnsafeRawPointer(s.baseAddress) else { return }
        let stride = MemoryLayout<Double>.stride
        for i in 0..<p {
            let ci = i * block
            for j in i..<p {
                let cj = j * block
                // Explicit 4-wide vectors with two accumulators: the compiler may not reassociate a
                // scalar floating-point sum, so without this the loop runs one multiply-add a cycle.
                var acc0 = SIMD4<Double>(), acc1 = SIMD4<Double>()
                var r = 0
                while r + 8 <= rows {
                    let a0 = base.loadUnaligned(fromByteOffset: (ci + r) * stride, as: SIMD4<Double>.self)
                    let b0 = base.loadUnaligned(fromByteOffset: (cj + r) * stride, as: SIMD4<Double>.self)
                    let a1 = base.loadUnaligned(fromByteOffset: (ci + r + 4) * stride, as: SIMD4<Double>.self)
                    let b1 = base.loadUnaligned(fromByteOffset: (cj + r + 4) * stride, as: SIMD4<Double>.self)
                    acc0 += a0 * b0
                    acc1 += a1 * b1
                    r += 8
                }
                var tail = 0.0
                while r < rows { tail += s[ci + r] * s[cj + r]; r += 1 }
                g[i + j * p] += (acc0 + acc1).sum() + tail
            }
        }
    }

    static func requireFinite(_ x: Matrix, side: String) throws {
        for v in x.storage where !v.isFinite { throw StatsError.nonFinite(side: side) }
    }
}
