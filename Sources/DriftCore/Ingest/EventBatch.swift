/// Accepted events of one model, typed against its schema, in flat storage (one allocation per
/// column, not per event). What the window inserts, the journal stores and replays.
public struct EventBatch: Sendable, Equatable {
    public let numericWidth: Int
    public let categoricalWidth: Int
    public private(set) var count = 0
    /// `count × numericWidth` values; NaN = missing, `EventBatch.invalid` (a NaN with its own
    /// payload) = invalid (wrong type, out of range: counted, never tested).
    public private(set) var numbers: [Double] = []
    /// `count × categoricalWidth` labels; nil = missing or, at the positions in
    /// `invalidCategories`, invalid.
    public private(set) var categories: [String?] = []
    /// Positions in `categories` (ascending) whose value was invalid. Sparse: invalid values are rare.
    public private(set) var invalidCategories: [Int] = []
    /// Per event: the model server's latency in seconds (NaN = not logged).
    public private(set) var latencies: [Double] = []
    /// Per event: the logged status (nil = not logged).
    public private(set) var statuses: [String?] = []
    /// Per event: the predicted class label (nil = none, or a non-integral numeric prediction).
    public private(set) var predictions: [String?] = []

    public init(numericWidth: Int, categoricalWidth: Int) {
        self.numericWidth = numericWidth
        self.categoricalWidth = categoricalWidth
    }

    public init(schema: Schema) { self.init(numericWidth: schema.numericCount, categoricalWidth: schema.categoricalCount) }

    public var isEmpty: Bool { count == 0 }

    /// The number that stands for an invalid value: a quiet NaN with a payload of its own, so it is
    /// never tested (it is NaN) and is still told apart from missing by `isInvalid`, through the
    /// window's ring, the journal and checkpoints (all keep the bit pattern).
    public static let invalid = Double(bitPattern: 0x7FF8_0000_0BAD_0BAD)

    /// Whether `v` is the invalid marker (not any NaN).
    @inline(__always) public static func isInvalid(_ v: Double) -> Bool { v.bitPattern == invalid.bitPattern }

    /// Appends one event (`numbers.count == numericWidth`, `categories.count == categoricalWidth`).
    /// `invalidSlots` are the categorical slots whose value was invalid (their label is nil), ascending.
    public mutating func append(numbers n: some Collection<Double>, categories c: some Collection<String?>,
                                invalidSlots: some Sequence<Int> = EmptyCollection<Int>(),
                                latency: Double = .nan, status: String? = nil, prediction: String? = nil) {
        precondition(n.count == numericWidth && c.count == categoricalWidth, "event width differs from the batch")
        let base = categories.count
        for k in invalidSlots {
            precondition(k >= 0 && k < categoricalWidth, "invalid slot out of range")
            // Ascending, so readers walk them beside the events (`isInvalidLabel`).
            precondition(invalidCategories.last.map { $0 < base + k } ?? true, "invalid slots not ascending")
            invalidCategories.append(base + k)
        }
        numbers.append(contentsOf: n)
        categories.append(contentsOf: c)
        latencies.append(latency)
        statuses.append(status)
        predictions.append(prediction)
        count += 1
    }

    /// Whether label (`e`, `k`) was invalid (its label is nil), for readers that visit the labels
    /// in order (event by event, slot by slot): `cursor` starts at 0 and is advanced here, so the
    /// walk costs one comparison per missing label.
    @inline(__always)
    public func isInvalidLabel(_ e: Int, _ k: Int, cursor: inout Int) -> Bool {
        guard cursor < invalidCategories.count, invalidCategories[cursor] == e * categoricalWidth + k else { return false }
        cursor += 1
        return true
    }

    /// Appends every event of `other` (same widths).
    public mutating func append(contentsOf other: EventBatch) {
        precondition(other.numericWidth == numericWidth && other.categoricalWidth == categoricalWidth)
        let base = categories.count
        invalidCategories += other.invalidCategories.map { $0 + base }
        numbers += other.numbers
        categories += other.categories
        latencies += other.latencies
        statuses += other.statuses
        predictions += other.predictions
        count += other.count
    }

    public mutating func reserve(_ events: Int) {
        numbers.reserveCapacity(events * numericWidth)
        categories.reserveCapacity(events * categoricalWidth)
        latencies.reserveCapacity(events)
        statuses.reserveCapacity(events)
        predictions.reserveCapacity(events)
    }

    @inline(__always) public func number(_ event: Int, _ slot: Int) -> Double { numbers[event * numericWidth + slot] }
    @inline(__always) public func category(_ event: Int, _ slot: Int) -> String? { categories[event * categoricalWidth + slot] }
}
