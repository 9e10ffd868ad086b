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
    private var priorities: [UInt64] = []
    /// Max-heap of slots by priority (built when the sample first fills).
    private var heap: [Int32] = []

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

    /// Offers a row. `numbers` (NaN for missing) and `codes` must have the widths given at init.
    public mutating func add(numbers row: UnsafeBufferPointer<Double>, codes rowCodes: UnsafeBufferPointer<Int32>) {
        let position = seen
        seen += 1
        let priority = generator.next()
        if positions.count < capacity {
            numbers.append(contentsOf: row)
            codes.append(contentsOf: rowCodes)
            positions.append(position)
            priorities.append(priority)
            if positions.count == capacity { buildHeap() }
            return
        }
        let top = Int(heap[0])
        guard priority < priorities[top] else { return }
        for k in 0..<numericWidth { numbers[top * numericWidth + k] = row[k] }
        for k in 0..<codeWidth { codes[top * codeWidth + k] = rowCodes[k] }
        positions[top] = position
        priorities[top] = priority
        siftDown(0)
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
        heap = (0..<Int32(positions.count)).map { $0 }
        var i = heap.count / 2 - 1
        while i >= 0 { siftDown(i); i -= 1 }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        let n = heap.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var largest = i
            if l < n && priorities[Int(heap[l])] > priorities[Int(heap[largest])] { largest = l }
            if r < n && priorities[Int(heap[r])] > priorities[Int(heap[largest])] { largest = r }
            if largest == i { return }
            heap.swapAt(i, largest)
            i = largest
        }
    }
}
