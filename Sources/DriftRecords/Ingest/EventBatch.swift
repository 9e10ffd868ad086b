/// Accepted events of one model, typed against its schema, in flat storage (one allocation per
/// column, not per event). What the window inserts, the journal stores and replays.
public struct EventBatch: Sendable, Equatable {
    public let numericWidth: Int
    public let categoricalWidth: Int
    public private(set) var count = 0
    /// `count × numericWidth` values; NaN = missing, `EventBatch.invalid` (a NaN with its own
    /// payload) = invalid (wrong type, out of range: counted, never tested).
    public private(set) var numbers: [Double] = []
    /// `count × categoricalWidth` label codes into `labels` (≥ 0); −1 = missing or, at the
    /// positions in `invalidCategories`, invalid.
    public private(set) var labelCodes: [Int32] = []
    /// The batch's distinct labels (per slot, by their bytes; see `LabelTable`).
    public private(set) var labels = LabelTable()
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

    public init(schema: Schema) {
        self.init(numericWidth: schema.numericCount, categoricalWidth: schema.categoricalCount)
    }

    public var isEmpty: Bool { count == 0 }

    /// The number that stands for an invalid value: a quiet NaN with a payload of its own, so it is
    /// never tested (it is NaN) and is still told apart from missing by `isInvalid`, through the
    /// window's ring, the journal and checkpoints (all keep the bit pattern).
    public static let invalid = Double(bitPattern: 0x7FF8_0000_0BAD_0BAD)

    /// Whether `v` is the invalid marker (not any NaN).
    @inline(__always) public static func isInvalid(_ v: Double) -> Bool { v.bitPattern == invalid.bitPattern }

    /// `v`, or NaN (missing) when it is out of range (`NumberParser.inRange`): for values read back
    /// from files written before the rule existed (journals, checkpoints), which are not typed again.
    @inline(__always)
    public static func admissible(_ v: Double) -> Double { NumberParser.inRange(v) || isInvalid(v) ? v : .nan }

    /// Every label, event by event (nil = missing or invalid).
    public var categories: [String?] { labelCodes.map { $0 >= 0 ? labels.strings[Int($0)] : nil } }

    /// Appends one event (`numbers.count == numericWidth`, `categories.count == categoricalWidth`).
    /// `invalidSlots` are the categorical slots whose value was invalid (their label is nil), ascending.
    public mutating func append(
        numbers n: some Collection<Double>, categories c: some Collection<String?>,
        invalidSlots: some Sequence<Int> = EmptyCollection<Int>(),
        latency: Double = .nan, status: String? = nil, prediction: String? = nil
    ) {
        precondition(n.count == numericWidth && c.count == categoricalWidth, "event width differs from the batch")
        appendInvalid(invalidSlots)
        numbers.append(contentsOf: n)
        for (k, label) in c.enumerated() { labelCodes.append(label.map { labels.code(slot: k, label: $0) } ?? -1) }
        appendEnvelope(latency: latency, status: status, prediction: prediction)
    }

    /// The code of a label's bytes in categorical slot `slot` (added to `labels` when new), for
    /// `append(numbers:codes:…)`: a reader of text input types labels without making a `String`
    /// for each value.
    @inline(__always)
    public mutating func labelCode(slot: Int, bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        labels.code(slot: slot, bytes: bytes)
    }

    /// Appends one event whose labels are codes from `labelCode(slot:bytes:)` for their own slot
    /// (−1 missing or invalid).
    public mutating func append(
        numbers n: UnsafeBufferPointer<Double>, codes c: UnsafeBufferPointer<Int32>,
        invalidSlots: some Sequence<Int> = EmptyCollection<Int>(),
        latency: Double = .nan, status: String? = nil, prediction: String? = nil
    ) {
        precondition(n.count == numericWidth && c.count == categoricalWidth, "event width differs from the batch")
        for code in c { precondition(code >= -1 && Int(code) < labels.count, "label code out of range") }
        appendInvalid(invalidSlots)
        numbers.append(contentsOf: n)
        labelCodes.append(contentsOf: c)
        appendEnvelope(latency: latency, status: status, prediction: prediction)
    }

    private mutating func appendInvalid(_ invalidSlots: some Sequence<Int>) {
        let base = labelCodes.count
        for k in invalidSlots {
            precondition(k >= 0 && k < categoricalWidth, "invalid slot out of range")
            // Ascending, so readers walk them beside the events (`isInvalidLabel`).
            precondition(invalidCategories.last.map { $0 < base + k } ?? true, "invalid slots not ascending")
            invalidCategories.append(base + k)
        }
    }

    private mutating func appendEnvelope(latency: Double, status: String?, prediction: String?) {
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
        guard cursor < invalidCategories.count, invalidCategories[cursor] == e * categoricalWidth + k else {
            return false
        }
        cursor += 1
        return true
    }

    /// Appends every event of `other` (same widths).
    public mutating func append(contentsOf other: EventBatch) {
        precondition(other.numericWidth == numericWidth && other.categoricalWidth == categoricalWidth)
        let base = labelCodes.count
        invalidCategories += other.invalidCategories.map { $0 + base }
        numbers += other.numbers
        var codeOf = [Int32](repeating: -2, count: other.labels.count)
        for (i, c) in other.labelCodes.enumerated() {
            guard c >= 0 else { labelCodes.append(-1); continue }
            if codeOf[Int(c)] == -2 {
                codeOf[Int(c)] = labels.code(slot: i % categoricalWidth, label: other.labels.strings[Int(c)])
            }
            labelCodes.append(codeOf[Int(c)])
        }
        latencies += other.latencies
        statuses += other.statuses
        predictions += other.predictions
        count += other.count
    }

    public mutating func reserve(_ events: Int) {
        numbers.reserveCapacity(events * numericWidth)
        labelCodes.reserveCapacity(events * categoricalWidth)
        latencies.reserveCapacity(events)
        statuses.reserveCapacity(events)
        predictions.reserveCapacity(events)
    }

    @inline(__always) public func number(_ event: Int, _ slot: Int) -> Double { numbers[event * numericWidth + slot] }
    @inline(__always) public func category(_ event: Int, _ slot: Int) -> String? {
        let c = labelCodes[event * categoricalWidth + slot]
        return c >= 0 ? labels.strings[Int(c)] : nil
    }

    /// Equal events: the same values in the same order, numbers bit for bit (so missing equals
    /// missing and the invalid marker only itself); label codes may differ.
    public static func == (a: EventBatch, b: EventBatch) -> Bool {
        a.numericWidth == b.numericWidth && a.categoricalWidth == b.categoricalWidth && a.count == b.count
            && a.numbers.map(\.bitPattern) == b.numbers.map(\.bitPattern) && a.categories == b.categories
            && a.invalidCategories == b.invalidCategories
            && a.latencies.map(\.bitPattern) == b.latencies.map(\.bitPattern)
            && a.statuses == b.statuses && a.predictions == b.predictions
    }
}
