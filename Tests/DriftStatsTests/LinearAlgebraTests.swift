@testable import DriftStats
import Foundation
import Testing

@Suite struct LinearAlgebraTests {
    @Test("dgemm products, with and without transposes, against hand-computed values")
    func products() throws {
        let a = try Matrix(rowArrays: [[1, 2, 3], [4, 5, 6]])  // 2×3
        let b = try Matrix(rowArrays: [[7, 8], [9, 10], [11, 12]])  // 3×2
        // [1·7+2·9+3·11, 1·8+2·10+3·12; 4·7+5·9+6·11, 4·8+5·10+6·12]
        #expect(try a.multiplied(by: b) == Matrix(rowArrays: [[58, 64], [139, 154]]))
        #expect(try a.multiplied(by: a, transposingOther: true) == Matrix(rowArrays: [[14, 32], [32, 77]]))
        #expect(try a.multiplied(by: a, transposingSelf: true) == a.transposed.multiplied(by: a))
        #expect(try a.gram() == Matrix(rowArrays: [[17, 22, 27], [22, 29, 36], [27, 36, 45]]))
        #expect(throws: LinearAlgebraError.dimensionMismatch("product of 2x3 and 2x3")) { try a.multiplied(by: a) }
    }

    @Test("dsyevd: eigenvalues of [[2,1],[1,2]] are 3 and 1, descending, with unit eigenvectors")
    func eigen() throws {
        let m = try Matrix(rowArrays: [[2, 1], [1, 2]])
        let (values, vectors) = try m.symmetricEigen()
        #expect(abs(values[0] - 3) < 1e-14 && abs(values[1] - 1) < 1e-14)
        let s = 1 / 2.0.squareRoot()
        #expect(abs(vectors[0, 0] - s) < 1e-14 && abs(vectors[1, 0] - s) < 1e-14)
        // A·v = λ·v for a random symmetric matrix.
        var rng = SplitMix64(seed: 11)
        var r = Matrix(rows: 6, columns: 6)
        for i in 0..<6 { for j in i..<6 { let v = rng.nextUnit(); r[i, j] = v; r[j, i] = v } }
        let (vals, vecs) = try r.symmetricEigen()
        let av = try r.multiplied(by: vecs)
        for j in 0..<6 { for i in 0..<6 { #expect(abs(av[i, j] - vals[j] * vecs[i, j]) < 1e-12) } }
        #expect(throws: LinearAlgebraError.nonFinite) { try Matrix(rowArrays: [[.nan]]).symmetricEigen() }
    }

    @Test("dgesdd: U·diag(s)·Vᵀ reconstructs the matrix; singular values of a known matrix")
    func svd() throws {
        // [[3,0],[0,-2],[0,0]] has singular values 3 and 2.
        let (_, s0, _) = try Matrix(rowArrays: [[3, 0], [0, -2], [0, 0]]).svd()
        #expect(abs(s0[0] - 3) < 1e-14 && abs(s0[1] - 2) < 1e-14)
        var rng = SplitMix64(seed: 5)
        var a = Matrix(rows: 7, columns: 4)
        for i in 0..<28 { a.storage[i] = rng.nextUnit() - 0.5 }
        let (u, s, vt) = try a.svd()
        var us = u
        for j in 0..<s.count { for i in 0..<u.rows { us[i, j] *= s[j] } }
        let back = try us.multiplied(by: vt)
        for i in 0..<28 { #expect(abs(back.storage[i] - a.storage[i]) < 1e-13) }
    }

    @Test("dpotrf/dpotrs: factor of [[4,2],[2,3]] is [[2,0],[1,√2]]; solve; not positive definite")
    func cholesky() throws {
        let a = try Matrix(rowArrays: [[4, 2], [2, 3]])
        let f = try a.cholesky()
        #expect(try f.lower == Matrix(rowArrays: [[2, 0], [1, 2.0.squareRoot()]]))
        // [[4,2],[2,3]]·x = [2, 1] → x = [0.5, 0].
        let x = try f.solve([2, 1])
        #expect(abs(x[0] - 0.5) < 1e-15 && abs(x[1]) < 1e-15)
        #expect(abs(f.logDeterminant - log(8.0)) < 1e-14)
        #expect(throws: LinearAlgebraError.notPositiveDefinite(minor: 2)) {
            try Matrix(rowArrays: [[1, 2], [2, 1]]).cholesky()
        }
    }

    @Test("row-major and column-major constructors agree; bad shapes are refused")
    func construction() throws {
        let m = try Matrix(rows: 2, columns: 2, rowMajor: [1, 2, 3, 4])
        #expect(m[0, 1] == 2 && m[1, 0] == 3 && m.storage == [1, 3, 2, 4])
        #expect(m.row(1) == [3, 4] && m.column(1) == [2, 4])
        #expect(throws: LinearAlgebraError.dimensionMismatch("3 elements for a 2x2 matrix")) {
            try Matrix(rows: 2, columns: 2, columnMajor: [1, 2, 3])
        }
    }
}
