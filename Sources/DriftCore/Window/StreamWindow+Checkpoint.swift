import DriftRecords
import DriftStats

extension StreamWindow {
    static let magic: UInt32 = 0x4457_5731  // "DWW1"
    /// Events a window may count (2^53: a billion a second for over 100 days); more is a damaged checkpoint.
    static let maxRows = 1 << 53

    /// The window as checkpoint bytes (all parts of `writeCheckpoint` joined).
    public func checkpoint() -> [UInt8] {
        var all: [UInt8] = []
        writeCheckpoint { all.append(contentsOf: $0) }
        return all
    }

    /// Writes the window's checkpoint bytes to `emit` in parts of about `partSize` bytes, in order.
    ///
    /// Streaming matters for memory: a 100k × 15 window is ~11 MB, and writing it as one array
    /// (plus the copies a database driver makes of one blob) raised the sidecar's peak RSS by
    /// ~40 MB at every checkpoint. The columns are read straight from their chunks.
    public func writeCheckpoint(partSize: Int = 1 << 20, emit: ([UInt8]) throws -> Void) rethrows {
        precondition(partSize > 0 && partSize <= 1 << 30, "partSize out of range")
        precondition(timed, "an untimed window is not checkpointed")
        var w = BinaryWriter(capacity: partSize + 64)
        func flush(_ w: inout BinaryWriter, over limit: Int) throws {
            if w.bytes.count >= limit { try emit(w.drain()) }
        }
        w.u32(Self.magic)
        w.string(config.mode.rawValue)
        w.int(capacity)
        w.int(nw)
        w.int(cw)
        w.int(rows)
        w.f64(start)
        w.u64(generator.state)
        try flush(&w, over: partSize)
        let ranges = ringRanges
        // Each column as `BinaryWriter.f64s` / `i32s` write it: the value count, then the values
        // (little-endian) in chronological order.
        func column<T>(_ store: RowStore<T>, _ put: (inout BinaryWriter, UnsafeBufferPointer<T>) -> Void) throws {
            w.int(count * store.width)
            for r in ranges {
                try store.forEachSpan(r) { span in
                    var offset = 0
                    while offset < span.count {
                        let n = min(span.count - offset, max(1, (partSize - w.bytes.count) / MemoryLayout<T>.size))
                        put(&w, UnsafeBufferPointer(rebasing: span[offset..<(offset + n)]))
                        offset += n
                        try flush(&w, over: partSize)
                    }
                }
            }
        }
        try column(times) { $0.f64Values($1) }
        try column(latencies) { $0.f64Values($1) }
        try column(numbers) { $0.f64Values($1) }
        try column(codes) { $0.i32Values($1) }
        w.ints(numericPresent); w.ints(numericMissing); w.ints(outOfRange); w.ints(categoricalMissing);
        w.ints(untracked)
        for k in 0..<cw {
            w.int(labels[k].count)
            for label in labels[k] {
                w.string(label)
                try flush(&w, over: partSize)
            }
            w.ints(labelCounts[k])
            try flush(&w, over: partSize)
        }
        // Added after the first format (whose checkpoints end above: no invalid values then).
        w.ints(numericInvalid); w.ints(categoricalInvalid)
        if !w.bytes.isEmpty { try emit(w.drain()) }
    }

    /// Restores a checkpoint written for the same schema and window settings. A checkpoint of
    /// another shape (the config changed: mode, size, features) is refused with the reason, and the
    /// caller starts an empty window.
    public init(
        restoring bytes: [UInt8], baseline: BaselineProfile, config: WindowConfig, maxLabels: Int = 10_000
    ) throws {
        self.init(baseline: baseline, config: config, start: 0, maxLabels: maxLabels)
        var window = self
        try bytes.withUnsafeBytes { raw in try window.restore(raw) }
        self = window
    }

    private mutating func restore(_ raw: UnsafeRawBufferPointer) throws {
        do {
            var r = BinaryReader(raw)
            guard try r.u32() == Self.magic else { throw BinaryFormatError(offset: 0, "not a window checkpoint") }
            let mode = try r.string()
            let cap = try r.int(), nw = try r.int(), cw = try r.int()
            guard mode == config.mode.rawValue, cap == capacity else {
                throw BinaryFormatError(offset: 0, "window settings changed (checkpoint: \(mode), \(cap) records)")
            }
            guard nw == self.nw, cw == self.cw else { throw BinaryFormatError(offset: 0, "schema changed") }
            rows = try r.int()
            start = try r.f64()
            generator = SplitMix64(seed: try r.u64())  // the seed is the state
            // Out-of-range values that older versions let in become missing (EventBatch.admissible).
            let t = try r.f64s(), l = try r.f64s().map(EventBatch.admissible)
            let n = try r.f64s().map(EventBatch.admissible), c = try r.i32s()
            guard t.count <= cap, l.count == t.count, n.count == t.count * nw, c.count == t.count * cw, rows >= t.count
            else {
                throw BinaryFormatError(offset: r.offset, "inconsistent ring")
            }
            times = RowStore(width: 1, flat: t); latencies = RowStore(width: 1, flat: l)
            numbers = RowStore(width: nw, flat: n); codes = RowStore(width: cw, flat: c)
            head = 0
            count = t.count
            numericPresent = try r.ints(); numericMissing = try r.ints(); outOfRange = try r.ints()
            categoricalMissing = try r.ints(); untracked = try r.ints()
            guard numericPresent.count == nw, numericMissing.count == nw, outOfRange.count == nw,
                categoricalMissing.count == cw, untracked.count == cw
            else { throw BinaryFormatError(offset: r.offset, "inconsistent counts") }
            for k in 0..<cw {
                let n = try r.count(width: 4)
                labels[k] = try (0..<n).map { _ in try r.string() }
                labelCounts[k] = try r.ints()
                guard labelCounts[k].count == n else {
                    throw BinaryFormatError(offset: r.offset, "inconsistent labels")
                }
                labelIndex[k] = Dictionary(
                    labels[k].enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })
            }
            if r.remaining > 0 {
                numericInvalid = try r.ints(); categoricalInvalid = try r.ints()
                guard numericInvalid.count == nw, categoricalInvalid.count == cw else {
                    throw BinaryFormatError(offset: r.offset, "inconsistent counts")
                }
            }
            for i in 0..<count {
                for k in 0..<cw where codes[i, k] >= Int32(labels[k].count) || codes[i, k] < -3 {
                    throw BinaryFormatError(offset: r.offset, "label code out of range")
                }
            }
            // The counts are over the window's `rows` events, as `insert` and `evictOldest` keep
            // them: each feature's outcomes add up to `rows` exactly. A checkpoint that says
            // otherwise would overflow or mislead the evaluation (found by the checkpoint fuzzer:
            // huge label counts trapped the evaluator's sum).
            guard rows <= Self.maxRows, config.mode == .tumbling || rows == count else {
                throw BinaryFormatError(offset: r.offset, "implausible row count \(rows)")
            }
            func addsUpToRows(_ parts: [Int]) -> Bool {
                var sum = 0
                for p in parts {
                    guard p >= 0 && p <= rows else { return false }
                    sum += p  // ≤ rows after each step, or the next guard fails first
                    guard sum <= rows else { return false }
                }
                return sum == rows
            }
            for k in 0..<nw
            where !addsUpToRows([numericPresent[k], numericMissing[k], numericInvalid[k]])
                || !(0...numericPresent[k]).contains(outOfRange[k])
            {
                throw BinaryFormatError(offset: r.offset, "inconsistent counts of numeric feature \(k)")
            }
            for k in 0..<cw
            where !addsUpToRows(labelCounts[k] + [untracked[k], categoricalMissing[k], categoricalInvalid[k]]) {
                throw BinaryFormatError(offset: r.offset, "inconsistent counts of categorical feature \(k)")
            }
            guard r.remaining == 0 else { throw BinaryFormatError(offset: r.offset, "trailing bytes") }
        }
    }
}

extension EventBatch {
    /// The batch as bytes (journal entries).
    public func encode(into w: inout BinaryWriter) {
        w.int(count)
        w.int(numericWidth)
        w.int(categoricalWidth)
        w.f64s(numbers)
        for c in labelCodes { w.optionalString(c >= 0 ? labels.strings[Int(c)] : nil) }
        w.f64s(latencies)
        for s in statuses { w.optionalString(s) }
        for p in predictions { w.optionalString(p) }
        // Added after the first format: readers of that format ignore trailing bytes, and entries
        // written by it have none (no invalid labels then).
        w.ints(invalidCategories)
    }

    /// Reads what `encode` wrote.
    public init(decoding r: inout BinaryReader) throws {
        let n = try r.count(width: 1)
        let nw = try r.int(), cw = try r.int()
        guard nw >= 0, cw >= 0, nw < 100_000, cw < 100_000 else {
            throw BinaryFormatError(offset: r.offset, "implausible widths")
        }
        self.init(numericWidth: nw, categoricalWidth: cw)
        let numbers = try r.f64s().map(EventBatch.admissible)
        guard numbers.count == n * nw else { throw BinaryFormatError(offset: r.offset, "inconsistent batch") }
        var categories = [String?]()
        for _ in 0..<(n * cw) { categories.append(try r.optionalString()) }
        let latencies = try r.f64s().map(EventBatch.admissible)
        guard latencies.count == n else { throw BinaryFormatError(offset: r.offset, "inconsistent batch") }
        var statuses = [String?](), predictions = [String?]()
        for _ in 0..<n { statuses.append(try r.optionalString()) }
        for _ in 0..<n { predictions.append(try r.optionalString()) }
        let invalid = r.remaining > 0 ? try r.ints() : []
        var next = 0
        for (i, p) in invalid.enumerated() {
            guard p >= next, p < n * cw, categories[p] == nil else {
                throw BinaryFormatError(offset: r.offset, "invalid label position \(i) out of order or range")
            }
            next = p + 1
        }
        reserve(n)
        var cursor = 0
        var slots: [Int] = []
        for e in 0..<n {
            slots.removeAll(keepingCapacity: true)
            while cursor < invalid.count && invalid[cursor] < (e + 1) * cw {
                slots.append(invalid[cursor] - e * cw)
                cursor += 1
            }
            append(
                numbers: numbers[(e * nw)..<((e + 1) * nw)], categories: categories[(e * cw)..<((e + 1) * cw)],
                invalidSlots: slots, latency: latencies[e], status: statuses[e], prediction: predictions[e])
        }
    }
}
