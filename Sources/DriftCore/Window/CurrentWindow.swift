import DriftStats

/// The current data to judge against a baseline: exact counts of every row, plus a uniform sample
/// of whole rows (exact up to `capacity` rows) for the tests that need values (KS, PSI bins, the
/// multivariate model).
///
/// Per numeric feature: finite values, missing, invalid (±inf, wrong type) and out-of-range
/// (outside the baseline's [min, max]) counts. Per categorical feature: the count of every label
/// (the first `maxTrackedCategories` distinct ones; later new labels are counted together).
public struct CurrentWindow: Sendable {
    public let schema: Schema
    public let capacity: Int
    /// The capacity asked for (`capacity` is lower for wide schemas).
    public let requestedCapacity: Int
    public let maxTrackedCategories: Int
    public private(set) var rows = 0
    public private(set) var numericCount: [Int]
    public private(set) var numericMissing: [Int]
    public private(set) var numericInvalid: [Int]
    public private(set) var outOfRange: [Int]
    public private(set) var categoricalMissing: [Int]
    public private(set) var categoricalInvalid: [Int]
    /// Per categorical slot: label → count.
    public private(set) var labelCounts: [[String: Int]]
    /// Per categorical slot: values whose label arrived after the tracking limit.
    public private(set) var untrackedLabels: [Int]
    /// First invalid values (examples for the report).
    public private(set) var invalidExamples: [InvalidValue] = []
    private(set) var sample: RowSample
    private let ranges: [(Double, Double)]
    private var scratch: [Double]

    /// Sampled values (rows × numeric features) a window holds at most.
    public static let maxSampleValues = 16_777_216

    /// - Parameters:
    ///   - baseline: supplies the schema and the [min, max] ranges for out-of-range counts.
    ///   - capacity: rows kept exactly before sampling starts.
    public init(baseline: BaselineProfile, capacity: Int = 1_000_000, maxTrackedCategories: Int = 100_000,
                seed: UInt64 = 0xC0FFEE) {
        let schema = baseline.schema
        self.schema = schema
        requestedCapacity = max(1, capacity)
        // Wide schemas keep fewer rows: at most `maxSampleValues` values (128 MiB), never under 1 000 rows.
        self.capacity = max(1, min(capacity, max(1_000, Self.maxSampleValues / max(1, schema.numericCount))))
        self.maxTrackedCategories = maxTrackedCategories
        numericCount = Array(repeating: 0, count: schema.numericCount)
        numericMissing = numericCount
        numericInvalid = numericCount
        outOfRange = numericCount
        categoricalMissing = Array(repeating: 0, count: schema.categoricalCount)
        categoricalInvalid = categoricalMissing
        untrackedLabels = categoricalMissing
        labelCounts = Array(repeating: [:], count: schema.categoricalCount)
        sample = RowSample(capacity: self.capacity, numericWidth: schema.numericCount, codeWidth: 0, seed: seed)
        ranges = schema.numericIndices.map { i in
            let n = baseline.features[i].numeric
            return (n?.minimum ?? -.infinity, n?.maximum ?? .infinity)
        }
        scratch = Array(repeating: .nan, count: schema.numericCount)
    }

    /// A window assembled from counts kept elsewhere (the sidecar's `StreamWindow`): `sample` holds
    /// the rows whose values the tests use; `rows` counts every row of the window.
    init(schema: Schema, rows: Int, numericCount: [Int], numericMissing: [Int], outOfRange: [Int],
         categoricalMissing: [Int], labelCounts: [[String: Int]], untrackedLabels: [Int], sample: RowSample) {
        self.schema = schema
        capacity = sample.capacity
        requestedCapacity = sample.capacity
        maxTrackedCategories = .max
        self.rows = rows
        self.numericCount = numericCount
        self.numericMissing = numericMissing
        numericInvalid = Array(repeating: 0, count: numericCount.count)
        self.outOfRange = outOfRange
        self.categoricalMissing = categoricalMissing
        categoricalInvalid = Array(repeating: 0, count: categoricalMissing.count)
        self.labelCounts = labelCounts
        self.untrackedLabels = untrackedLabels
        self.sample = sample
        ranges = []
        scratch = []
    }

    /// Adds one row typed against `schema`.
    public mutating func add(_ row: borrowing TypedRow) {
        rows += 1
        for k in 0..<scratch.count {
            switch row.numberStates[k] {
            case .present:
                let v = row.numbers[k]
                numericCount[k] += 1
                if v < ranges[k].0 || v > ranges[k].1 { outOfRange[k] += 1 }
                scratch[k] = v
            case .missing:
                numericMissing[k] += 1
                scratch[k] = .nan
            case .invalid:
                numericInvalid[k] += 1
                scratch[k] = .nan
            }
        }
        for k in 0..<labelCounts.count {
            switch row.categoryStates[k] {
            case .present:
                let label = row.categories[k]
                if let i = labelCounts[k].index(forKey: label) {
                    labelCounts[k].values[i] += 1
                } else if labelCounts[k].count < maxTrackedCategories {
                    labelCounts[k][label] = 1
                } else {
                    untrackedLabels[k] += 1
                }
            case .missing: categoricalMissing[k] += 1
            case .invalid: categoricalInvalid[k] += 1
            }
        }
        if !row.invalid.isEmpty && invalidExamples.count < 20 {
            invalidExamples.append(contentsOf: row.invalid.prefix(20 - invalidExamples.count))
        }
        scratch.withUnsafeBufferPointer { n in sample.add(numbers: n, codes: UnsafeBufferPointer(start: nil, count: 0)) }
    }

    /// Whether the values are exact (every row kept) rather than a uniform sample.
    public var isExact: Bool { sample.isExact }

    /// The finite values of numeric slot `k` held in the sample.
    public func values(numericSlot k: Int) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(sample.count)
        for s in 0..<sample.count {
            let v = sample.number(slot: s, k)
            if !v.isNaN { out.append(v) }
        }
        return out
    }

    /// Rows held in the sample.
    public var sampledRows: Int { sample.count }

    /// Numeric slot `k` of sampled row `s` (NaN = missing or invalid).
    public func number(sampledRow s: Int, slot k: Int) -> Double { sample.number(slot: s, k) }
}
