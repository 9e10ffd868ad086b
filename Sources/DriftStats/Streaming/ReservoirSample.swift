/// A seeded, mergeable uniform sample of at most `capacity` values from a stream of any length.
///
/// Bottom-k sampling: every value gets an independent uniform priority from a seeded generator and
/// the sample keeps the `capacity` values with the smallest priorities. That is a uniform random
/// sample without replacement (every subset of size k equally likely), and two reservoirs over
/// disjoint streams merge exactly by keeping the k smallest priorities of their union — so baselines
/// can be built per shard and merged. Give every shard its own seed (e.g. base seed + shard index):
/// shards built with one seed draw identical priority sequences, and their merge is not uniform.
/// Up to `capacity` values the sample is exact (every value kept).
/// Cost per value: one random number and, once full, a comparison with the current k-th priority
/// (a max-heap update with probability k/n).
public struct ReservoirSample: Sendable, Equatable, Codable {
    public let capacity: Int
    /// Values seen so far (kept or not).
    public private(set) var seen: Int = 0
    private var generator: SplitMix64
    // Max-heap on priority: the root is the priority a newcomer must beat.
    private var priorities: [Double] = []
    private var items: [Double] = []

    /// - Parameters:
    ///   - capacity: maximum number of values kept (≥ 1).
    ///   - seed: seed of the priority generator; equal seeds and inputs give equal samples.
    /// A capacity below 1 is raised to 1.
    public init(capacity: Int, seed: UInt64) {
        self.capacity = max(capacity, 1)
        self.generator = SplitMix64(seed: seed)
        priorities.reserveCapacity(min(self.capacity, 1 << 20))
        items.reserveCapacity(min(self.capacity, 1 << 20))
    }

    private enum CodingKeys: String, CodingKey { case capacity, seen, generator, priorities, items }

    /// Decodes and validates (a corrupt stored reservoir throws instead of trapping later).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        capacity = try c.decode(Int.self, forKey: .capacity)
        seen = try c.decode(Int.self, forKey: .seen)
        generator = try c.decode(SplitMix64.self, forKey: .generator)
        priorities = try c.decode([Double].self, forKey: .priorities)
        items = try c.decode([Double].self, forKey: .items)
        guard capacity >= 1, priorities.count == items.count, items.count <= capacity, seen >= items.count else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription:
                        "inconsistent reservoir (capacity \(capacity), \(items.count) items, \(priorities.count) priorities, \(seen) seen)"
                ))
        }
        // Restore the heap property whatever order the data arrived in.
        if items.count > 1 {
            for i in stride(from: items.count / 2, through: 0, by: -1) { siftDown(i) }
        }
    }

    /// The kept values, in no particular order.
    public var values: [Double] { items }
    /// Number of values kept (min(seen, capacity)).
    public var count: Int { items.count }
    /// Whether every value seen is kept (the sample is the whole stream).
    public var isExact: Bool { seen <= capacity }

    /// Offers one value.
    public mutating func add(_ value: Double) {
        seen += 1
        let priority = generator.nextUnit()
        insert(value, priority: priority)
    }

    /// Offers every value of a sequence.
    public mutating func add<S: Sequence>(contentsOf values: S) where S.Element == Double {
        for v in values { add(v) }
    }

    private mutating func insert(_ value: Double, priority: Double) {
        if items.count < capacity {
            items.append(value)
            priorities.append(priority)
            siftUp(items.count - 1)
        } else if priority < priorities[0] {
            items[0] = value
            priorities[0] = priority
            siftDown(0)
        }
    }

    /// Merges a reservoir built over a disjoint part of the stream. The result is a uniform sample of
    /// the union (capacity: the smaller of the two). The generator continues from `self`'s.
    public mutating func merge(_ other: ReservoirSample) {
        let total = seen + other.seen
        let all = zip(priorities + other.priorities, items + other.items).sorted { $0.0 < $1.0 }
        let keep = min(capacity, other.capacity)
        var merged = ReservoirSample(capacity: keep, seed: 0)
        merged.generator = generator
        for (priority, value) in all.prefix(keep) { merged.insert(value, priority: priority) }
        merged.seen = total
        self = merged
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            if priorities[child] <= priorities[parent] { break }
            priorities.swapAt(child, parent)
            items.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        let n = priorities.count
        while true {
            let left = 2 * parent + 1
            if left >= n { break }
            var largest = left
            let right = left + 1
            if right < n && priorities[right] > priorities[left] { largest = right }
            if priorities[largest] <= priorities[parent] { break }
            priorities.swapAt(largest, parent)
            items.swapAt(largest, parent)
            parent = largest
        }
    }
}
