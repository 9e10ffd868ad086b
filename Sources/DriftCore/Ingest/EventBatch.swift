/// Accepted events of one model, typed against its schema, in flat storage (one allocation per
/// column, not per event). What the window inserts, the journal stores and replays.
public struct EventBatch: Sendable, Equatable {
    public let numericWidth: Int
    public let categoricalWidth: Int
    public private(set) var count = 0
    /// `count × numericWidth` values; NaN = missing.
    public private(set) var numbers: [Double] = []
    /// `count × categoricalWidth` labels; nil = missing.
    public private(set) var categories: [String?] = []
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

    /// Appends one event (`numbers.count == numericWidth`, `categories.count == categoricalWidth`).
    public mutating func append(numbers n: some Collection<Double>, categories c: some Collection<String?>,
                                latency: Double, status: String?, prediction: String?) {
        precondition(n.count == numericWidth && c.count == categoricalWidth, "event width differs from the batch")
        numbers.append(contentsOf: n)
        categories.append(contentsOf: c)
        latencies.append(latency)
        statuses.append(status)
        predictions.append(prediction)
        count += 1
    }

    /// Appends every event of `other` (same widths).
    public mutating func append(contentsOf other: EventBatch) {
        precondition(other.numericWidth == numericWidth && other.categoricalWidth == categoricalWidth)
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
