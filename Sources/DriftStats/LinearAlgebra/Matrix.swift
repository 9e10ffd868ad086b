/// A dense matrix of `Double` in column-major order, the layout LAPACK and BLAS expect.
///
/// Element (r, c) lives at `storage[r + c * rows]`. The type is a plain value: copying it copies
/// the numbers, and two matrices are equal when their shapes and elements are bit-for-bit equal.
public struct Matrix: Sendable, Equatable, Hashable, Codable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// Elements in column-major order (`rows * columns` of them).
    public internal(set) var storage: [Double]

    /// A `rows` × `columns` matrix with every element set to `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.storage = Array(repeating: value, count: rows * columns)
    }

    /// A matrix over existing column-major storage.
    /// - Throws: `LinearAlgebraError.dimensionMismatch` when `columnMajor.count != rows * columns`.
    public init(rows: Int, columns: Int, columnMajor: [Double]) throws {
        guard rows >= 0, columns >= 0, !rows.multipliedReportingOverflow(by: columns).overflow,
            columnMajor.count == rows * columns
        else {
            throw LinearAlgebraError.dimensionMismatch(
                "\(columnMajor.count) elements for a \(rows)x\(columns) matrix")
        }
        self.rows = rows
        self.columns = columns
        self.storage = columnMajor
    }

    /// A matrix from row-major storage (the layout of a table read row by row).
    /// - Throws: `LinearAlgebraError.dimensionMismatch` when `rowMajor.count != rows * columns`.
    public init(rows: Int, columns: Int, rowMajor: [Double]) throws {
        guard rows >= 0, columns >= 0, !rows.multipliedReportingOverflow(by: columns).overflow,
            rowMajor.count == rows * columns
        else {
            throw LinearAlgebraError.dimensionMismatch(
                "\(rowMajor.count) elements for a \(rows)x\(columns) matrix")
        }
        self.rows = rows
        self.columns = columns
        var storage = [Double](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            for c in 0..<columns {
                storage[r + c * rows] = rowMajor[r * columns + c]
            }
        }
        self.storage = storage
    }

    /// A matrix from an array of rows, all of the same length.
    /// - Throws: `LinearAlgebraError.dimensionMismatch` on ragged rows.
    public init(rowArrays: [[Double]]) throws {
        let columns = rowArrays.first?.count ?? 0
        guard rowArrays.allSatisfy({ $0.count == columns }) else {
            throw LinearAlgebraError.dimensionMismatch("rows of different lengths")
        }
        try self.init(rows: rowArrays.count, columns: columns, rowMajor: rowArrays.flatMap { $0 })
    }

    /// The `n` × `n` identity matrix.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m.storage[i + i * n] = 1 }
        return m
    }

    /// Element at row `r`, column `c`.
    public subscript(r: Int, c: Int) -> Double {
        get { storage[r + c * rows] }
        set { storage[r + c * rows] = newValue }
    }

    /// Column `c` as an array.
    public func column(_ c: Int) -> [Double] {
        Array(storage[(c * rows)..<((c + 1) * rows)])
    }

    /// Row `r` as an array.
    public func row(_ r: Int) -> [Double] {
        (0..<columns).map { storage[r + $0 * rows] }
    }

    /// The transpose.
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for c in 0..<columns {
            for r in 0..<rows {
                t.storage[c + r * columns] = storage[r + c * rows]
            }
        }
        return t
    }

    /// The first `count` columns.
    public func leadingColumns(_ count: Int) -> Matrix {
        let k = min(max(count, 0), columns)
        // Column-major: the leading columns are a prefix of the storage.
        return Matrix(uncheckedRows: rows, columns: k, storage: Array(storage[0..<(rows * k)]))
    }

    private enum CodingKeys: String, CodingKey { case rows, columns, storage }

    /// Decodes and validates the shape (a corrupt stored matrix throws instead of trapping later).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let rows = try c.decode(Int.self, forKey: .rows)
        let columns = try c.decode(Int.self, forKey: .columns)
        let storage = try c.decode([Double].self, forKey: .storage)
        let (size, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows >= 0, columns >= 0, !overflow, size == storage.count else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "matrix of \(rows)x\(columns) with \(storage.count) elements"))
        }
        self.init(uncheckedRows: rows, columns: columns, storage: storage)
    }

    init(uncheckedRows rows: Int, columns: Int, storage: [Double]) {
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }
}

/// Errors from the linear-algebra layer. LAPACK's `info` codes become typed cases.
public enum LinearAlgebraError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Shapes that cannot be combined (message says which).
    case dimensionMismatch(String)
    /// Cholesky failed: the leading minor of this order (1-based) is not positive definite.
    case notPositiveDefinite(minor: Int)
    /// An iterative LAPACK routine did not converge (`info > 0` from dsyevd or dgesdd).
    case noConvergence(routine: String, info: Int)
    /// LAPACK rejected an argument (`info < 0`: the `-info`-th argument); a bug on our side.
    case illegalArgument(routine: String, position: Int)
    /// A dimension too large for LAPACK's 32-bit integers.
    case tooLarge(Int)
    /// Input contained NaN or ±infinity.
    case nonFinite

    public var description: String {
        switch self {
        case .dimensionMismatch(let why): return "dimension mismatch: \(why)"
        case .notPositiveDefinite(let minor):
            return "matrix is not positive definite (leading minor of order \(minor))"
        case .noConvergence(let routine, let info): return "\(routine) did not converge (info \(info))"
        case .illegalArgument(let routine, let position):
            return "\(routine): illegal value in argument \(position)"
        case .tooLarge(let n): return "dimension \(n) exceeds LAPACK's 32-bit integer range"
        case .nonFinite: return "matrix contains NaN or infinite values"
        }
    }
}
