/// Rows of `width` values kept in chunks of `rowsPerChunk` rows.
///
/// Why chunks: the evaluator takes a copy of the window under the model's lock (O(1): the
/// buffers are shared) and reads it outside. With one flat array per column, the next insert
/// then had to copy the whole column (a 100k × 15 window is ~12 MB, several ms) while holding
/// the lock, and every ingest request waited. With chunks, a copy shares the chunks and a write
/// copies only the chunk it touches (copy-on-write per chunk). Chunks are allocated as rows
/// arrive, so memory grows with the window, not with its bound.
struct RowStore<T: Sendable>: Sendable {
    let width: Int
    let rowsPerChunk: Int
    private(set) var rows = 0
    private var chunks: [[T]] = []

    init(width: Int, rowsPerChunk: Int = 2048) {
        self.width = width
        self.rowsPerChunk = rowsPerChunk
    }

    /// A store holding `flat` (rows × width values, row-major).
    init(width: Int, flat: [T], rowsPerChunk: Int = 2048) {
        self.init(width: width, rowsPerChunk: rowsPerChunk)
        let n = width == 0 ? 0 : flat.count / width
        var r = 0
        while r < n {
            let end = min(n, r + rowsPerChunk)
            chunks.append(Array(flat[(r * width)..<(end * width)]))
            r = end
        }
        rows = n
    }

    /// Value `k` of row `row`.
    subscript(row: Int, k: Int) -> T {
        chunks[row / rowsPerChunk][(row % rowsPerChunk) * width + k]
    }

    /// Appends one row whose values are `value(0..<width)`.
    @inline(__always)
    mutating func appendRow(_ value: (Int) -> T) {
        if rows % rowsPerChunk == 0 {
            var chunk: [T] = []
            chunk.reserveCapacity(rowsPerChunk * width)
            chunks.append(chunk)
        }
        let c = chunks.count - 1
        for k in 0..<width { chunks[c].append(value(k)) }
        rows += 1
    }

    /// Appends one row (`values.count == width`) with one copy.
    @inline(__always)
    mutating func appendRow(_ values: UnsafeBufferPointer<T>) {
        if rows % rowsPerChunk == 0 {
            var chunk: [T] = []
            chunk.reserveCapacity(rowsPerChunk * width)
            chunks.append(chunk)
        }
        if width > 0 { chunks[chunks.count - 1].append(contentsOf: values) }
        rows += 1
    }

    /// Appends `count` rows (`values.count == count × width`, row-major), one copy per chunk.
    mutating func appendRows(_ values: UnsafeBufferPointer<T>, count: Int) {
        var done = 0
        while done < count {
            if rows % rowsPerChunk == 0 {
                var chunk: [T] = []
                chunk.reserveCapacity(rowsPerChunk * width)
                chunks.append(chunk)
            }
            let n = Swift.min(count - done, rowsPerChunk - rows % rowsPerChunk)
            if width > 0 {
                chunks[chunks.count - 1].append(
                    contentsOf: UnsafeBufferPointer(rebasing: values[(done * width)..<((done + n) * width)]))
            }
            rows += n
            done += n
        }
    }

    /// Overwrites row `row` with `value(0..<width)`.
    @inline(__always)
    mutating func setRow(_ row: Int, _ value: (Int) -> T) {
        let base = (row % rowsPerChunk) * width
        chunks[row / rowsPerChunk].withUnsafeMutableBufferPointer { p in
            for k in 0..<width { p[base + k] = value(k) }
        }
    }

    /// Appends the values of rows `range` to `out` (row-major).
    func copyRows(_ range: Range<Int>, into out: inout [T]) {
        forEachSpan(range) { out.append(contentsOf: $0) }
    }

    /// Calls `body` with the values of rows `range` (row-major), one contiguous span per chunk,
    /// without copying them.
    func forEachSpan(_ range: Range<Int>, _ body: (UnsafeBufferPointer<T>) throws -> Void) rethrows {
        var r = range.lowerBound
        while r < range.upperBound {
            let c = r / rowsPerChunk, start = r % rowsPerChunk
            let end = min(range.upperBound - c * rowsPerChunk, rowsPerChunk)
            try chunks[c].withUnsafeBufferPointer { p in
                try body(UnsafeBufferPointer(rebasing: p[(start * width)..<(end * width)]))
            }
            r = c * rowsPerChunk + end
        }
    }

    mutating func removeAll() {
        chunks.removeAll()
        rows = 0
    }
}
