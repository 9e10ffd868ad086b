import DriftStats

/// A uniform sample of at most `capacity` whole rows, kept exactly while the input is smaller.
///
/// Bottom-k sampling, as `DriftStats.ReservoirSample` but over rows: every row draws a seeded
/// 64-bit priority and the `capacity` rows with the smallest priorities are kept (a max-heap finds
/// the one to evict). Whole rows are kept together, so the sample preserves the joint distribution
/// (needed by the PCA model), and each row keeps its position in the input, so contiguous chunks
/// can be cut from it afterwards. Storage is flat: `numericWidth` doubles (NaN = missing) and
/// `codeWidth` 32-bit category codes per row.
public struct RowSample: Sendable {
    public let capacity: Int
    public let numericWidth: Int
    public let codeWidth: Int
    /// Rows offered so far.
    public private(set) var seen = 0
    private var generator: SplitMix64
    private(set) var numbers: [Double] = []
    private(set) var codes: [Int32] = []
    private(set) var positions: [Int] = []
    /// Each kept row's priority, until the sample fills; then the heap holds them.
    private var priorities: [UInt64] = []
    /// Max-heap of (priority, slot), built when the sample first fills: the priority beside the
    /// slot, so a sift reads one array, not two.
    private var heap: [HeapEntry] = []

    private struct HeapEntry {
        var priority: UInt64
        var slot: Int32
    }

    public init(capacity: Int, numericWidth: Int, codeWidth: Int, seed: UInt64) {
        precondition(capacity >= 1, "capacity must be positive")
        self.capacity = capacity
        self.numericWidth = numericWidth
        self.codeWidth = codeWidth
        generator = SplitMix64(seed: seed)
        // Reserved up front when small (growing by doubling briefly needs twice the memory);
        // beyond `reserveLimit` values the arrays grow as rows arrive, so a large capacity
        // (compare's 1M rows) on wide data costs what the input holds, not capacity × width.
        let rows = capacity * max(numericWidth, codeWidth, 1) <= Self.reserveLimit ? capacity : 0
        numbers.reserveCapacity(rows * numericWidth)
        codes.reserveCapacity(rows * codeWidth)
        positions.reserveCapacity(rows)
        priorities.reserveCapacity(rows)
    }

    /// Values reserved up front at most (16 MiB of doubles).
    static let reserveLimit = 2_097_152

    /// A sample made of given rows (flat, `width` values each, in input order) drawn from `seen`
    /// rows. Not meant for further `add` calls.
    public init(rows flat: [Double], count n: Int, width: Int, seen: Int) {
        precondition(flat.count == n * width, "flat rows do not match count × width")
        capacity = max(1, n)
        numericWidth = width
        codeWidth = 0
        self.seen = max(seen, n)
        generator = SplitMix64(seed: 0)
        numbers = flat
        positions = Array(0..<n)
        priorities = Array(repeating: 0, count: n)
    }

    /// Rows kept.
    public var count: Int { positions.count }
    /// Whether every row offered is kept.
    public var isExact: Bool { seen <= capacity }

    /// Offers a row whose values are written by `fill` (numbers, NaN for missing; codes) only
    /// when the row is kept: most rows of a large input are not, and cost one draw.
    public mutating func add(_ fill: (UnsafeMutableBufferPointer<Double>, UnsafeMutableBufferPointer<Int32>) -> Void) {
        let position = seen
        seen += 1
        let priority = generator.next()
        if heap.isEmpty {
            let slot = positions.count
            numbers.append(contentsOf: repeatElement(.nan, count: numericWidth))
            codes.append(contentsOf: repeatElement(-1, count: codeWidth))
            write(slot, fill)
            positions.append(position)
            priorities.append(priority)
            if positions.count == capacity { buildHeap() }
            return
        }
        guard priority < heap[0].priority else { return }
        let top = Int(heap[0].slot)
        write(top, fill)
        positions[top] = position
        heap[0].priority = priority
        siftDown(0)
    }

    private mutating func write(
        _ slot: Int, _ fill: (UnsafeMutableBufferPointer<Double>, UnsafeMutableBufferPointer<Int32>) -> Void
    ) {
        let nw = numericWidth, cw = codeWidth
        numbers.withUnsafeMutableBufferPointer { n in
            codes.withUnsafeMutableBufferPointer { c in
                fill(
                    UnsafeMutableBufferPointer(rebasing: n[(slot * nw)..<(slot * nw + nw)]),
                    UnsafeMutableBufferPointer(rebasing: c[(slot * cw)..<(slot * cw + cw)]))
            }
        }
    }

    /// Slots ordered by input position (the sample in input order).
    public func slotsInInputOrder() -> [Int] {
        positions.indices.sorted { positions[$0] < positions[$1] }
    }

    /// Numeric value `k` of the row in `slot` (NaN = missing).
    public func number(slot: Int, _ k: Int) -> Double { numbers[slot * numericWidth + k] }
    /// Category code `k` of the row in `slot` (negative = missing or not interned).
    public func code(slot: Int, _ k: Int) -> Int32 { codes[slot * codeWidth + k] }

    private mutating func buildHeap() {
        heap = priorities.enumerated().map { HeapEntry(priority: $1, slot: Int32($0)) }
        priorities = []
        var i = heap.count / 2 - 1
        while i >= 0 { siftDown(i); i -= 1 }
    }

    private mutating func siftDown(_ start: Int) {
        heap.withUnsafeMutableBufferPointer { h in
            var i = start
            let n = h.count
            while true {
                let l = 2 * i + 1, r = l + 1
                var largest = i
                if l < n && h[l].priority > h[largest].priority { largest = l }
                if r < n && h[r].priority > h[largest].priority { largest = r }
                if largest == i { return }
                h.swapAt(i, largest)
                i = largest
            }
        }
    }
}
