/// What an evaluation reads: a `StreamWindow`'s counts and its rows, taken at one instant.
///
/// Taking one is O(features + labels): the rows are the window's own chunked stores, shared
/// copy-on-write (`RowStore`), so the window can take new events while the evaluation runs on the
/// snapshot without either copying the ring.
///
/// Per numeric feature: present, missing, invalid and out-of-range (outside the baseline's
/// [min, max]) counts. Per categorical feature: the count of every label held (the first
/// `maxLabels` distinct ones; later new labels are counted together as untracked), missing and
/// invalid counts. Counts cover every event of the window; the rows are every event too, or a
/// uniform reservoir of them (`isExact` false).
import DriftRecords

public struct WindowSnapshot: Sendable {
    public let schema: Schema
    /// Events of the window.
    public let rows: Int
    /// Rows the window holds at most.
    public let capacity: Int
    /// The capacity asked for (`capacity` is lower for wide schemas in `compare`).
    public let requestedCapacity: Int
    public let numericCount: [Int]
    public let numericMissing: [Int]
    public let numericInvalid: [Int]
    public let outOfRange: [Int]
    public let categoricalMissing: [Int]
    public let categoricalInvalid: [Int]
    /// Per categorical slot: label → count.
    public let labelCounts: [[String: Int]]
    /// Per categorical slot: values whose label arrived after the tracking limit.
    public let untrackedLabels: [Int]
    // The held rows: `sampledRows` rows starting at `head` of a ring of `capacity`.
    let numbers: RowStore<Double>
    let head: Int
    /// Rows held (all of them when exact, else the reservoir).
    public let sampledRows: Int

    init(
        schema: Schema, rows: Int, capacity: Int, requestedCapacity: Int, numericCount: [Int], numericMissing: [Int],
        numericInvalid: [Int], outOfRange: [Int], categoricalMissing: [Int], categoricalInvalid: [Int],
        labelCounts: [[String: Int]], untrackedLabels: [Int], numbers: RowStore<Double>, head: Int, sampledRows: Int
    ) {
        self.schema = schema
        self.rows = rows
        self.capacity = capacity
        self.requestedCapacity = requestedCapacity
        self.numericCount = numericCount
        self.numericMissing = numericMissing
        self.numericInvalid = numericInvalid
        self.outOfRange = outOfRange
        self.categoricalMissing = categoricalMissing
        self.categoricalInvalid = categoricalInvalid
        self.labelCounts = labelCounts
        self.untrackedLabels = untrackedLabels
        self.numbers = numbers
        self.head = head
        self.sampledRows = sampledRows
    }

    /// Whether the rows are every event rather than a uniform sample.
    public var isExact: Bool { sampledRows == rows }

    /// Numeric slot `k` of held row `s` (chronological; NaN = missing or invalid).
    @inline(__always)
    public func number(sampledRow s: Int, slot k: Int) -> Double { numbers[(head + s) % capacity, k] }

    /// The present values of numeric slot `k` in the held rows, replacing `out`'s contents (its
    /// storage is kept, for a caller reading column after column).
    public func values(numericSlot k: Int, into out: inout [Double]) {
        out.removeAll(keepingCapacity: true)
        // The held rows only: `numericCount` counts every event, and a sampled window holds fewer.
        out.reserveCapacity(min(numericCount[k], sampledRows))
        let width = schema.numericCount
        for r in ranges {
            numbers.forEachSpan(r) { span in
                var i = k
                while i < span.count {
                    let v = span[i]
                    if !v.isNaN { out.append(v) }
                    i += width
                }
            }
        }
    }

    /// Calls `body(r, values)` for held rows `rows` (chronological indices) in order, `values` the
    /// row's numeric slots, read span by span from the chunks (no per-value index arithmetic).
    public func forEachRow(_ rows: Range<Int>, _ body: (Int, UnsafeBufferPointer<Double>) -> Void) {
        let width = schema.numericCount
        var r = rows.lowerBound
        for physical in Self.ranges(head: (head + rows.lowerBound) % capacity, count: rows.count, capacity: capacity) {
            numbers.forEachSpan(physical) { span in
                var offset = 0
                while offset < span.count {
                    body(r, UnsafeBufferPointer(rebasing: span[offset..<(offset + width)]))
                    offset += width
                    r += 1
                }
            }
        }
    }

    /// The held rows' physical slots in chronological order (at most two ranges).
    private var ranges: [Range<Int>] { Self.ranges(head: head, count: sampledRows, capacity: capacity) }

    private static func ranges(head: Int, count: Int, capacity: Int) -> [Range<Int>] {
        if head + count <= capacity { return [head..<(head + count)] }
        return [head..<capacity, 0..<((head + count) - capacity)]
    }
}
