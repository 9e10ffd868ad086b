import DriftRecords
import DriftStats

/// The sidecar's window of one model: the recent events as flat columns in a ring, with counts kept
/// as events arrive and leave, so an evaluation only copies the ring.
///
/// - **sliding**: the newest `maxRecords` events no older than `maxAge` (the oldest are dropped
///   on insert when full, and by `expire(now:)` when old). Values and counts are exact.
/// - **tumbling**: events since `start`; the first `maxRecords` are kept exactly, later ones
///   through a seeded uniform reservoir (Vitter's algorithm R) while the counts (missing,
///   out-of-range, label counts, rows) stay exact over every event. `isComplete(now:)` says when
///   the window should be evaluated one last time and `reset`.
///
/// Category labels are interned per feature (codes; −1 missing, −2 untracked, −3 invalid; at most
/// `maxLabels` distinct per feature, later new labels are counted as untracked). Invalid numbers are
/// kept as `EventBatch.invalid`, so counts stay exact when events leave. Time is passed in, never read.
public struct StreamWindow: Sendable {
    public let schema: Schema
    public let config: WindowConfig
    public let maxLabels: Int
    /// The capacity asked for, when `config.maxRecords` was lowered for a wide schema (`compare`).
    public var requestedCapacity: Int
    let ranges: [(Double, Double)]
    var capacity: Int { config.maxRecords }
    var nw: Int { schema.numericCount }
    var cw: Int { schema.categoricalCount }

    // The ring (chronological from `head`), in chunked stores (see `RowStore`).
    var head = 0
    public internal(set) var count = 0
    var times = RowStore<Double>(width: 1)
    var numbers: RowStore<Double>
    var codes: RowStore<Int32>
    var latencies = RowStore<Double>(width: 1)

    /// Events in the window (tumbling: every event since `start`, sampled or not).
    public internal(set) var rows = 0
    /// When the window began (tumbling) or was created.
    public internal(set) var start: Double
    var generator: SplitMix64
    /// One event's category codes, reused from event to event (no allocation on the ingest path).
    var rowCodes: [Int32]

    // Counts over the window.
    var numericPresent: [Int]
    var numericMissing: [Int]
    var numericInvalid: [Int]
    var outOfRange: [Int]
    var categoricalMissing: [Int]
    var categoricalInvalid: [Int]
    var labels: [[String]]
    var labelIndex: [[String: Int32]]
    var labelCounts: [[Int]]
    var untracked: [Int]

    /// Values (rows × numeric features) `compare`'s window holds at most (128 MiB).
    public static let maxHeldValues = 16_777_216

    /// Whether each event's time, latency and label codes are kept (`compare`'s whole-file window
    /// has no use for them: they serve expiry, eviction and checkpoints; the label counts are kept
    /// either way. 16 + 4 × categorical features bytes per event: 40 MB of a 1M × 15 file).
    public let timed: Bool

    /// - Parameter timed: keep each event's time, latency and label codes; false only for a tumbling window
    ///   without `maxAge` that is never checkpointed (`Evaluator.makeWindow`).
    public init(
        baseline: BaselineProfile, config: WindowConfig, start: Double, maxLabels: Int = 10_000, timed: Bool = true
    ) {
        precondition(
            timed || (config.mode == .tumbling && config.maxAge == nil),
            "only a tumbling window without max_age can go untimed")
        self.timed = timed
        schema = baseline.schema
        self.config = config
        self.maxLabels = maxLabels
        requestedCapacity = config.maxRecords
        self.start = start
        ranges = baseline.schema.numericIndices.map { i in
            let n = baseline.features[i].numeric
            return (n?.minimum ?? -.infinity, n?.maximum ?? .infinity)
        }
        generator = SplitMix64(seed: config.seed)
        rowCodes = Array(repeating: -1, count: baseline.schema.categoricalCount)
        let nw = baseline.schema.numericCount, cw = baseline.schema.categoricalCount
        numericPresent = Array(repeating: 0, count: nw)
        numericMissing = numericPresent
        numericInvalid = numericPresent
        outOfRange = numericPresent
        categoricalMissing = Array(repeating: 0, count: cw)
        categoricalInvalid = categoricalMissing
        untracked = categoricalMissing
        labels = Array(repeating: [], count: cw)
        labelIndex = Array(repeating: [:], count: cw)
        labelCounts = Array(repeating: [], count: cw)
        numbers = RowStore(width: nw)
        codes = RowStore(width: timed ? cw : 0)
        // Width 0: the stores still count rows (the ring's bookkeeping) but hold nothing.
        times = RowStore(width: timed ? 1 : 0)
        latencies = RowStore(width: timed ? 1 : 0)
    }

    /// Adds every event of `batch`, received at `time` (seconds).
    public mutating func insert(_ batch: EventBatch, at time: Double) {
        precondition(batch.numericWidth == nw && batch.categoricalWidth == cw, "batch typed for another schema")
        countNumbers(batch)
        var invalidCursor = 0
        // The window's code of each of the batch's labels, looked up when first met (−4: not yet):
        // one dictionary lookup per distinct label of the batch, not per value.
        var windowCode = [Int32](repeating: -4, count: batch.labels.count)
        // Events appended at the end of the store since `appendFrom` (−1: none): their numbers are
        // copied in one run, not row by row; the run is flushed before anything reads or
        // overwrites a stored row.
        var appendFrom = -1
        for e in 0..<batch.count {
            rows += 1
            for k in 0..<cw {
                rowCodes[k] = -1
                let local = Int(batch.labelCodes[e * cw + k])
                guard local >= 0 else {
                    if batch.isInvalidLabel(e, k, cursor: &invalidCursor) {
                        rowCodes[k] = -3
                        categoricalInvalid[k] += 1
                    } else {
                        categoricalMissing[k] += 1
                    }
                    continue
                }
                var code = windowCode[local]
                if code == -4 {
                    code = intern(batch.labels.strings[local], slot: k)
                    windowCode[local] = code
                }
                rowCodes[k] = code
                if code >= 0 { labelCounts[k][Int(code)] += 1 } else { untracked[k] += 1 }
            }
            if count < capacity && times.rows < capacity {
                count += 1
                if appendFrom < 0 { appendFrom = e }
                let latency = batch.latencies[e]
                times.appendRow { _ in time }
                latencies.appendRow { _ in latency }
                rowCodes.withUnsafeBufferPointer { codes.appendRow($0) }
                continue
            }
            if appendFrom >= 0 {
                appendNumbers(batch, appendFrom..<e)
                appendFrom = -1
            }
            let slot: Int
            if count < capacity {
                slot = (head + count) % capacity
                count += 1
            } else if config.mode == .sliding {
                evictOldest()
                slot = (head + count) % capacity
                count += 1
            } else {
                // Tumbling reservoir: the r-th event replaces a uniform slot with probability cap/r.
                let j = Int(generator.next() % UInt64(rows))
                guard j < capacity else { continue }
                slot = (head + j) % capacity
            }
            let rc = rowCodes, latency = batch.latencies[e]
            times.setRow(slot) { _ in time }
            latencies.setRow(slot) { _ in latency }
            numbers.setRow(slot) { k in batch.number(e, k) }
            codes.setRow(slot) { k in rc[k] }
        }
        if appendFrom >= 0 { appendNumbers(batch, appendFrom..<batch.count) }
    }

    /// Appends the numbers of `events` of `batch` to the store (one copy per chunk).
    private mutating func appendNumbers(_ batch: EventBatch, _ events: Range<Int>) {
        let nw = self.nw
        batch.numbers.withUnsafeBufferPointer { n in
            numbers.appendRows(
                UnsafeBufferPointer(rebasing: n[(events.lowerBound * nw)..<(events.upperBound * nw)]),
                count: events.count)
        }
    }

    /// Counts every event's numbers as present (and out of the baseline's range), missing or
    /// invalid, feature by feature, in one pass over the batch.
    private mutating func countNumbers(_ batch: EventBatch) {
        let nw = self.nw, n = batch.count
        guard nw > 0, n > 0 else { return }
        // Taken out of `self` for the loop (unique, so no copy) and put back.
        var present = numericPresent, missing = numericMissing, invalid = numericInvalid, outside = outOfRange
        numericPresent = []; numericMissing = []; numericInvalid = []; outOfRange = []
        defer { numericPresent = present; numericMissing = missing; numericInvalid = invalid; outOfRange = outside }
        batch.numbers.withUnsafeBufferPointer { values in
            ranges.withUnsafeBufferPointer { ranges in
                present.withUnsafeMutableBufferPointer { present in
                    missing.withUnsafeMutableBufferPointer { missing in
                        invalid.withUnsafeMutableBufferPointer { invalid in
                            outside.withUnsafeMutableBufferPointer { outside in
                                for e in 0..<n {
                                    let row = e * nw
                                    for k in 0..<nw {
                                        let v = values[row + k]
                                        if v.isNaN {
                                            if EventBatch.isInvalid(v) { invalid[k] += 1 } else { missing[k] += 1 }
                                        } else {
                                            present[k] += 1
                                            if v < ranges[k].0 || v > ranges[k].1 { outside[k] += 1 }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private mutating func intern(_ label: String, slot k: Int) -> Int32 {
        if let c = labelIndex[k][label] { return c }
        guard labels[k].count < maxLabels else { return -2 }
        let c = Int32(labels[k].count)
        labels[k].append(label)
        labelIndex[k][label] = c
        labelCounts[k].append(0)
        return c
    }

    /// Drops the oldest event of a sliding window, updating the counts.
    private mutating func evictOldest() {
        let s = head
        for k in 0..<nw {
            let v = numbers[s, k]
            if v.isNaN {
                if EventBatch.isInvalid(v) { numericInvalid[k] -= 1 } else { numericMissing[k] -= 1 }
            } else {
                numericPresent[k] -= 1
                if v < ranges[k].0 || v > ranges[k].1 { outOfRange[k] -= 1 }
            }
        }
        for k in 0..<cw {
            let c = codes[s, k]
            switch c {
            case 0...: labelCounts[k][Int(c)] -= 1
            case -1: categoricalMissing[k] -= 1
            case -3: categoricalInvalid[k] -= 1
            default: untracked[k] -= 1
            }
        }
        head = (head + 1) % capacity
        count -= 1
        rows -= 1
    }

    /// Sliding windows: drops events older than `maxAge` before `now`. Returns how many.
    @discardableResult
    public mutating func expire(now: Double) -> Int {
        guard config.mode == .sliding, let maxAge = config.maxAge else { return 0 }
        var dropped = 0
        while count > 0 && times[head, 0] < now - maxAge {
            evictOldest()
            dropped += 1
        }
        return dropped
    }

    /// Tumbling windows: whether the window has run its course (full, or `maxAge` elapsed).
    public func isComplete(now: Double) -> Bool {
        guard config.mode == .tumbling else { return false }
        if let maxAge = config.maxAge { return now - start >= maxAge }
        return rows >= capacity
    }

    /// Empties the window; a new one starts at `now` (labels stay interned).
    public mutating func reset(now: Double) {
        head = 0
        count = 0
        rows = 0
        start = now
        times.removeAll()
        latencies.removeAll()
        numbers.removeAll()
        codes.removeAll()
        for k in 0..<nw { numericPresent[k] = 0; numericMissing[k] = 0; numericInvalid[k] = 0; outOfRange[k] = 0 }
        for k in 0..<cw {
            categoricalMissing[k] = 0
            categoricalInvalid[k] = 0
            untracked[k] = 0
            for c in labelCounts[k].indices { labelCounts[k][c] = 0 }
        }
    }

    /// Seconds since the oldest event held (sliding) or since the window began (tumbling); 0 when
    /// empty and sliding.
    public func age(now: Double) -> Double {
        if config.mode == .tumbling { return max(0, now - start) }
        return count == 0 ? 0 : max(0, now - times[head, 0])
    }

    /// The ring's slots in chronological order, as at most two ranges (contiguous while the ring
    /// fills: new events are appended).
    var ringRanges: [Range<Int>] {
        if head + count <= times.rows || times.rows < capacity { return [head..<(head + count)] }
        return [head..<capacity, 0..<((head + count) % capacity)]
    }

    /// Whether every event of the window is held (no reservoir sampling happened).
    public var isExact: Bool { rows == count }

    /// Quantiles of the logged latencies held (seconds), or nil when none were logged.
    public func latencyQuantiles(_ qs: [Double]) -> [Double]? {
        var v: [Double] = []
        v.reserveCapacity(count)
        for r in ringRanges { latencies.copyRows(r, into: &v) }
        v.removeAll { $0.isNaN }
        guard !v.isEmpty else { return nil }
        v.sort()
        // Type 7 (linear interpolation), as numpy's default.
        return qs.map { q in
            let h = Double(v.count - 1) * q
            let lo = Int(h.rounded(.down)), hi = min(lo + 1, v.count - 1)
            return v[lo] + (h - Double(lo)) * (v[hi] - v[lo])
        }
    }

    /// The window as the evaluator reads it (the rows shared, not copied: see `WindowSnapshot`).
    public func snapshot() -> WindowSnapshot {
        var counts: [[String: Int]] = []
        for k in 0..<cw {
            var d: [String: Int] = [:]
            for (c, n) in labelCounts[k].enumerated() where n > 0 { d[labels[k][c]] = n }
            counts.append(d)
        }
        return WindowSnapshot(
            schema: schema, rows: rows, capacity: capacity, requestedCapacity: requestedCapacity,
            numericCount: numericPresent, numericMissing: numericMissing, numericInvalid: numericInvalid,
            outOfRange: outOfRange, categoricalMissing: categoricalMissing,
            categoricalInvalid: categoricalInvalid, labelCounts: counts, untrackedLabels: untracked,
            numbers: numbers, head: head, sampledRows: count)
    }
}
