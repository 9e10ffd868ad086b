/// Bins for a numeric feature, fixed at baseline time from reference quantiles.
///
/// `edges` are the *interior* edges e₀ < e₁ < … < e_{k−1}; there are k + 1 bins
/// (−∞, e₀], (e₀, e₁], …, (e_{k−1}, +∞). Bins are **right-closed**: a value equal to an edge falls
/// in the bin that edge closes, i.e. bin index = number of edges strictly below the value —
/// `np.searchsorted(edges, v, side="left")`.
public struct NumericBins: Sendable, Equatable, Hashable, Codable {
    /// Interior edges, strictly increasing and finite.
    public let edges: [Double]

    /// Number of bins (`edges.count + 1`).
    public var count: Int { edges.count + 1 }

    /// Decodes through `init(edges:)`, so stored edges that are not finite and increasing throw.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(edges: c.decode([Double].self, forKey: .edges))
        } catch let error as StatsError {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    private enum CodingKeys: String, CodingKey { case edges }

    /// Bins from explicit interior edges.
    /// - Throws: `invalidArgument` if the edges are not finite and strictly increasing.
    public init(edges: [Double]) throws {
        for (i, e) in edges.enumerated() {
            guard e.isFinite else { throw StatsError.invalidArgument("bin edge \(i) is not finite") }
            if i > 0 && !(edges[i - 1] < e) {
                throw StatsError.invalidArgument("bin edges must be strictly increasing (edge \(i))")
            }
        }
        self.edges = edges
    }

    /// Quantile bins from a reference sample: interior edges at the reference's quantiles
    /// 1/k, 2/k, …, (k−1)/k (numpy "linear" quantiles, `np.linspace` probabilities), duplicates
    /// from ties merged (`np.unique`). A constant reference gives one edge and two bins.
    /// - Throws: `emptySample` for an empty reference, `nonFinite` for NaN/inf, `invalidArgument`
    ///   for `binCount < 1`.
    public init(reference: [Double], binCount: Int = 10) throws {
        try requireFinite(reference, side: "reference")
        try self.init(sortedReference: FastSort.sorted(reference), binCount: binCount)
    }

    /// As `init(reference:binCount:)` for an ascending reference (not re-sorted).
    public init(sortedReference: [Double], binCount: Int = 10) throws {
        guard binCount >= 1 else { throw StatsError.invalidArgument("bin count \(binCount) < 1") }
        guard !sortedReference.isEmpty else { throw StatsError.emptySample(side: "reference") }
        let probabilities = Quantiles.evenlySpacedProbabilities(binCount).dropFirst().dropLast()
        var edges: [Double] = []
        for q in probabilities {
            let e = Quantiles.linearUnchecked(sorted: sortedReference, q)
            guard e.isFinite else { throw StatsError.nonFinite(side: "reference") }
            if edges.last != e { edges.append(e) }
        }
        self.edges = edges
    }

    /// Bin index of one value (right-closed). NaN has no bin and returns nil.
    @inlinable
    public func index(of value: Double) -> Int? {
        if value.isNaN { return nil }
        // Lower bound: the number of edges strictly below `value`.
        var lo = 0, hi = edges.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if edges[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Counts per bin of `values` (NaN values are skipped; ±inf land in the outer bins).
    public func histogram(_ values: [Double]) -> [Int] {
        var counts = [Int](repeating: 0, count: count)
        let k = edges.count
        edges.withUnsafeBufferPointer { e in
            values.withUnsafeBufferPointer { v in
                counts.withUnsafeMutableBufferPointer { c in
                    if k <= 16 {
                        // Few edges: per chunk of values, add (x > e) for each edge — a loop over
                        // values that vectorises — then scatter. NaN compares false everywhere and
                        // lands in bin 0, so NaNs are counted and taken back out of bin 0.
                        let chunk = 1024
                        var index = [Int64](repeating: 0, count: chunk)
                        index.withUnsafeMutableBufferPointer { idx in
                            var start = 0
                            var nanCount = 0
                            while start < v.count {
                                let m = min(chunk, v.count - start)
                                for j in 0..<m { idx[j] = 0 }
                                for i in 0..<k {
                                    let edge = e[i]
                                    for j in 0..<m { idx[j] &+= v[start + j] > edge ? 1 : 0 }
                                }
                                for j in 0..<m {
                                    c[Int(idx[j])] += 1
                                    nanCount &+= v[start + j].isNaN ? 1 : 0
                                }
                                start += m
                            }
                            c[0] -= nanCount
                        }
                        return
                    }
                    for x in v {
                        if x.isNaN { continue }
                        var lo = 0, hi = k
                        while lo < hi {
                            let mid = (lo + hi) >> 1
                            if e[mid] < x { lo = mid + 1 } else { hi = mid }
                        }
                        c[lo] += 1
                    }
                }
            }
        }
        return counts
    }

    /// Counts per bin of an ascending sample in O(k log n): one binary search per edge.
    public func histogram(sorted values: [Double]) -> [Int] {
        var counts = [Int](repeating: 0, count: count)
        var previous = 0
        for (i, e) in edges.enumerated() {
            // Number of values ≤ e (right-closed bin).
            var lo = previous, hi = values.count
            while lo < hi {
                let mid = (lo + hi) >> 1
                if values[mid] <= e { lo = mid + 1 } else { hi = mid }
            }
            counts[i] = lo - previous
            previous = lo
        }
        counts[edges.count] = values.count - previous
        return counts
    }
}

/// Bins for a categorical feature: the baseline's categories (its top K) plus one `__other__` bin
/// for everything else, so the number of bins — and of metric labels — is fixed by the baseline.
public struct CategoricalBins: Sendable, Equatable, Codable {
    /// Name of the bin that collects categories outside `categories`.
    public static let otherName = "__other__"
    /// Known categories in bin order; bin `categories.count` is `__other__`.
    public let categories: [String]
    private let indexByCategory: [String: Int]

    public init(categories: [String]) throws {
        var index: [String: Int] = [:]
        for (i, c) in categories.enumerated() {
            guard index[c] == nil else { throw StatsError.invalidArgument("duplicate category \"\(c)\"") }
            index[c] = i
        }
        self.categories = categories
        self.indexByCategory = index
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        try self.init(categories: container.decode([String].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(categories)
    }

    public static func == (lhs: CategoricalBins, rhs: CategoricalBins) -> Bool { lhs.categories == rhs.categories }

    /// Number of bins including `__other__`.
    public var count: Int { categories.count + 1 }

    /// Bin of a category; unknown categories go to `__other__`.
    public func index(of category: String) -> Int { indexByCategory[category] ?? categories.count }

    /// Counts per bin.
    public func histogram<S: Sequence>(_ values: S) -> [Int] where S.Element == String {
        var counts = [Int](repeating: 0, count: count)
        for v in values { counts[index(of: v)] += 1 }
        return counts
    }
}
