#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLAPACK

// One wrapper per LAPACK/BLAS routine we use. Every `char*` argument of the Fortran interface has a
// hidden trailing `size_t` length (Debian 12, LAPACK 3.11); integers are 32-bit.

@inline(__always)
func lapackInt(_ n: Int) throws -> Int32 {
    guard n <= Int(Int32.max) else { throw LinearAlgebraError.tooLarge(n) }
    return Int32(n)
}

@inline(__always)
func fortranChar(_ c: Unicode.Scalar) -> CChar { CChar(UInt8(ascii: c)) }

@inline(__always)
func checkInfo(_ info: Int32, _ routine: String) throws {
    if info < 0 { throw LinearAlgebraError.illegalArgument(routine: routine, position: Int(-info)) }
    if info > 0 { throw LinearAlgebraError.noConvergence(routine: routine, info: Int(info)) }
}

extension Matrix {
    /// Matrix product `op(self) · op(other)` through BLAS `dgemm`, where `op` transposes when asked.
    ///
    /// - Throws: `dimensionMismatch` when the inner dimensions differ.
    public func multiplied(
        by other: Matrix, transposingSelf: Bool = false, transposingOther: Bool = false
    ) throws -> Matrix {
        let m = transposingSelf ? columns : rows
        let k = transposingSelf ? rows : columns
        let k2 = transposingOther ? other.columns : other.rows
        let n = transposingOther ? other.rows : other.columns
        guard k == k2 else {
            throw LinearAlgebraError.dimensionMismatch("product of \(m)x\(k) and \(k2)x\(n)")
        }
        var result = Matrix(rows: m, columns: n)
        if m == 0 || n == 0 { return result }
        if k == 0 { return result }
        var ta = fortranChar(transposingSelf ? "T" : "N")
        var tb = fortranChar(transposingOther ? "T" : "N")
        var mm = try lapackInt(m), nn = try lapackInt(n), kk = try lapackInt(k)
        var lda = try lapackInt(Swift.max(rows, 1)), ldb = try lapackInt(Swift.max(other.rows, 1))
        var ldc = try lapackInt(Swift.max(m, 1))
        var alpha = 1.0, beta = 0.0
        storage.withUnsafeBufferPointer { a in
            other.storage.withUnsafeBufferPointer { b in
                result.storage.withUnsafeMutableBufferPointer { c in
                    dgemm_(
                        &ta, &tb, &mm, &nn, &kk, &alpha, a.baseAddress, &lda, b.baseAddress, &ldb,
                        &beta, c.baseAddress, &ldc, 1, 1)
                }
            }
        }
        return result
    }

    /// The Gram matrix `selfᵀ · self` (columns × columns, symmetric) through BLAS `dsyrk`;
    /// both triangles are filled.
    public func gram() throws -> Matrix {
        let n = columns
        var result = Matrix(rows: n, columns: n)
        if n == 0 || rows == 0 { return result }
        var uplo = fortranChar("U"), trans = fortranChar("T")
        var nn = try lapackInt(n), kk = try lapackInt(rows)
        var lda = try lapackInt(rows), ldc = try lapackInt(n)
        var alpha = 1.0, beta = 0.0
        storage.withUnsafeBufferPointer { a in
            result.storage.withUnsafeMutableBufferPointer { c in
                dsyrk_(
                    &uplo, &trans, &nn, &kk, &alpha, a.baseAddress, &lda, &beta, c.baseAddress, &ldc,
                    1, 1)
            }
        }
        result.mirrorUpperToLower()
        return result
    }

    /// Copies the upper triangle onto the lower one (square matrices).
    mutating func mirrorUpperToLower() {
        for c in 0..<columns {
            var r = c + 1
            while r < rows {
                storage[r + c * rows] = storage[c + r * rows]
                r += 1
            }
        }
    }

    /// Eigendecomposition of a symmetric matrix through LAPACK `dsyevd` (divide and conquer).
    ///
    /// Only the upper triangle is read. Eigenvalues are returned in **descending** order (the order
    /// PCA wants) and `vectors` holds the matching unit eigenvectors as columns. The sign of each
    /// eigenvector is normalised so that its largest-magnitude component is positive, which makes
    /// results reproducible across LAPACK providers.
    /// - Throws: `dimensionMismatch` if not square, `nonFinite` on NaN/inf, `noConvergence`.
    public func symmetricEigen() throws -> (values: [Double], vectors: Matrix) {
        guard rows == columns else {
            throw LinearAlgebraError.dimensionMismatch("eigendecomposition of a \(rows)x\(columns) matrix")
        }
        guard storage.allSatisfy({ $0.isFinite }) else { throw LinearAlgebraError.nonFinite }
        let n = rows
        if n == 0 { return ([], self) }
        var a = storage
        var w = [Double](repeating: 0, count: n)
        var jobz = fortranChar("V"), uplo = fortranChar("U")
        var nn = try lapackInt(n), lda = try lapackInt(n), info: Int32 = 0
        // Workspace query.
        var lwork: Int32 = -1, liwork: Int32 = -1
        var workSize = 0.0
        var iworkSize: Int32 = 0
        dsyevd_(&jobz, &uplo, &nn, &a, &lda, &w, &workSize, &lwork, &iworkSize, &liwork, &info, 1, 1)
        try checkInfo(info, "dsyevd")
        lwork = Int32(workSize.rounded(.up))
        liwork = iworkSize
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_(&jobz, &uplo, &nn, &a, &lda, &w, &work, &lwork, &iwork, &liwork, &info, 1, 1)
        try checkInfo(info, "dsyevd")
        // LAPACK returns ascending order; reverse to descending and fix signs.
        var values = [Double](repeating: 0, count: n)
        var vectors = Matrix(rows: n, columns: n)
        for j in 0..<n {
            let src = n - 1 - j
            values[j] = w[src]
            var largest = 0.0
            for i in 0..<n where abs(a[i + src * n]) > abs(largest) { largest = a[i + src * n] }
            let sign = largest < 0 ? -1.0 : 1.0
            for i in 0..<n { vectors.storage[i + j * n] = sign * a[i + src * n] }
        }
        return (values, vectors)
    }

    /// Thin singular value decomposition `self = U · diag(s) · Vᵀ` through LAPACK `dgesdd`.
    ///
    /// With `m = rows`, `n = columns`, `k = min(m, n)`: `u` is m×k, `singularValues` has k values in
    /// descending order, `vt` is k×n.
    /// - Throws: `nonFinite` on NaN/inf, `noConvergence` when dbdsdc fails.
    public func svd() throws -> (u: Matrix, singularValues: [Double], vt: Matrix) {
        guard storage.allSatisfy({ $0.isFinite }) else { throw LinearAlgebraError.nonFinite }
        let m = rows, n = columns, k = Swift.min(rows, columns)
        if k == 0 {
            return (Matrix(rows: m, columns: 0), [], Matrix(rows: 0, columns: n))
        }
        var a = storage
        var s = [Double](repeating: 0, count: k)
        var u = Matrix(rows: m, columns: k)
        var vt = Matrix(rows: k, columns: n)
        var jobz = fortranChar("S")
        var mm = try lapackInt(m), nn = try lapackInt(n), lda = try lapackInt(m)
        var ldu = try lapackInt(m), ldvt = try lapackInt(k), info: Int32 = 0
        var iwork = [Int32](repeating: 0, count: 8 * k)
        var lwork: Int32 = -1
        var workSize = 0.0
        dgesdd_(
            &jobz, &mm, &nn, &a, &lda, &s, &u.storage, &ldu, &vt.storage, &ldvt, &workSize, &lwork,
            &iwork, &info, 1)
        try checkInfo(info, "dgesdd")
        lwork = Int32(workSize.rounded(.up))
        var work = [Double](repeating: 0, count: Int(lwork))
        dgesdd_(
            &jobz, &mm, &nn, &a, &lda, &s, &u.storage, &ldu, &vt.storage, &ldvt, &work, &lwork,
            &iwork, &info, 1)
        try checkInfo(info, "dgesdd")
        return (u, s, vt)
    }

    /// Cholesky factorisation `self = L · Lᵀ` of a symmetric positive-definite matrix (LAPACK
    /// `dpotrf`, lower triangle). Only the lower triangle of `self` is read.
    /// - Throws: `notPositiveDefinite(minor:)` when a leading minor is not positive definite
    ///   (a constant or linearly dependent column in a covariance matrix), `nonFinite` on NaN/inf.
    public func cholesky() throws -> CholeskyFactor {
        guard rows == columns else {
            throw LinearAlgebraError.dimensionMismatch("Cholesky of a \(rows)x\(columns) matrix")
        }
        guard storage.allSatisfy({ $0.isFinite }) else { throw LinearAlgebraError.nonFinite }
        var l = storage
        var uplo = fortranChar("L")
        var n = try lapackInt(rows), lda = try lapackInt(Swift.max(rows, 1)), info: Int32 = 0
        if rows > 0 { dpotrf_(&uplo, &n, &l, &lda, &info, 1) }
        if info > 0 { throw LinearAlgebraError.notPositiveDefinite(minor: Int(info)) }
        try checkInfo(info, "dpotrf")
        // Zero the strict upper triangle, which dpotrf leaves untouched.
        for c in 0..<rows {
            for r in 0..<c { l[r + c * rows] = 0 }
        }
        return CholeskyFactor(lower: Matrix(uncheckedRows: rows, columns: rows, storage: l))
    }
}

/// The lower-triangular Cholesky factor `L` of a symmetric positive-definite matrix `A = L·Lᵀ`.
public struct CholeskyFactor: Sendable, Equatable {
    /// `L`, with zeros above the diagonal.
    public let lower: Matrix

    /// Solves `A · X = B` for `X` through LAPACK `dpotrs`.
    /// - Throws: `dimensionMismatch` when `b.rows` differs from the order of `A`.
    public func solve(_ b: Matrix) throws -> Matrix {
        let n = lower.rows
        guard b.rows == n else {
            throw LinearAlgebraError.dimensionMismatch("solve with \(n)x\(n) and \(b.rows)x\(b.columns)")
        }
        var x = b
        if n == 0 || b.columns == 0 { return x }
        var uplo = fortranChar("L")
        var nn = try lapackInt(n), nrhs = try lapackInt(b.columns)
        var lda = try lapackInt(n), ldb = try lapackInt(n), info: Int32 = 0
        lower.storage.withUnsafeBufferPointer { a in
            x.storage.withUnsafeMutableBufferPointer { bx in
                dpotrs_(&uplo, &nn, &nrhs, a.baseAddress, &lda, bx.baseAddress, &ldb, &info, 1)
            }
        }
        try checkInfo(info, "dpotrs")
        return x
    }

    /// Solves `A · x = b` for one right-hand side.
    public func solve(_ b: [Double]) throws -> [Double] {
        try solve(Matrix(rows: b.count, columns: 1, columnMajor: b)).storage
    }

    /// log det(A) = 2 Σ log Lᵢᵢ.
    public var logDeterminant: Double {
        var s = 0.0
        for i in 0..<lower.rows { s += log(lower[i, i]) }
        return 2 * s
    }
}
