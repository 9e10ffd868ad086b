#if canImport(Glibc)
import Glibc
#endif
import DriftCore
import DriftRecords
import Foundation

/// The write-ahead journal of one model: every acknowledged batch is appended here (one `write(2)`,
/// no fsync) **before** the request is answered, so acknowledged events survive SIGKILL and OOM
/// kills (the data is in the kernel's page cache as soon as `write` returns). Power loss of the
/// node is not covered: that needs fsync, which costs milliseconds per request.
///
/// Files: `DIR/MODEL/NNNNNNNNNNNNNNNNNNNN.log` ("segments"). A checkpoint rotates to a new segment
/// under the model's lock, saves the window (which covers every older segment) to SQLite, then
/// deletes the older segments. On start, the segments from the checkpoint's `next_segment` on are
/// replayed. Entry: `u32 length, u32 CRC-32, payload`; a torn last entry (killed mid-write) fails
/// its length or CRC and is truncated away — it was never acknowledged.
///
/// A failed write (ENOSPC, EIO) leaves no partial frame behind: the segment is truncated back to
/// its last whole entry, or, when even that fails, the next append starts a new segment, so an
/// entry acknowledged after the disk recovers is never written behind a torn one (replay stops a
/// segment at its first bad entry).
struct EventJournal: ~Copyable {
    let directory: String
    private(set) var segment: Int
    private var fd: Int32
    /// Bytes of whole entries in the open segment: where the next entry starts.
    private var end: off_t = 0
    /// Set when a failed write could not be truncated away: the open segment ends in a torn entry.
    private var torn = false

    /// Where the journal ends, to roll an append back to (`rollback(to:)`).
    struct Mark: Equatable {
        let segment: Int
        let end: off_t
    }
    var mark: Mark { Mark(segment: segment, end: end) }

    struct Entry {
        var time: Double
        var tail: TailPosition?
        var batch: EventBatch
    }

    /// Opens the journal for appending to a new segment after every existing one.
    init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let next = (Self.segments(in: directory).last ?? 0) + 1
        let f = try Self.open(directory, next)
        self.directory = directory
        segment = next
        fd = f
    }

    deinit { close(fd) }

    static func name(_ segment: Int) -> String { String(format: "%020d.log", segment) }

    static func open(_ directory: String, _ segment: Int) throws -> Int32 {
        let path = directory + "/" + name(segment)
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JournalError("cannot open \(path): \(String(cString: strerror(errno)))") }
        return fd
    }

    /// Nil when `directory` takes a new 4 KiB file (written, then removed); else the error. What
    /// readiness asks: appends need the same free space and permissions.
    static func probe(directory: String) -> String? {
        let path = directory + "/.ready-probe"
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return "cannot create a file: \(String(cString: strerror(errno)))" }
        defer { close(fd); unlink(path) }
        let block = [UInt8](repeating: 0, count: 4096)
        let n = block.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        guard n == block.count else {
            return "cannot write: \(n < 0 ? String(cString: strerror(errno)) : "short write")"
        }
        return nil
    }

    /// Segment numbers present, ascending.
    static func segments(in directory: String) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { n in n.hasSuffix(".log") ? Int(n.dropLast(4)) : nil }.sorted()
    }

    /// Appends one entry with a single write. On failure nothing of it stays in the journal.
    mutating func append(_ entry: Entry) throws {
        if torn { _ = try rotate() }
        var w = BinaryWriter(capacity: 64 + entry.batch.count * (8 * entry.batch.numericWidth + 32))
        w.f64(entry.time)
        if let t = entry.tail { w.u8(1); t.encode(into: &w) } else { w.u8(0) }
        entry.batch.encode(into: &w)
        let payload = w.bytes
        var frame = BinaryWriter(capacity: payload.count + 8)
        frame.u32(UInt32(payload.count))
        frame.u32(CRC32.checksum(payload))
        frame.raw(payload)
        try frame.bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    let message = String(cString: strerror(errno))
                    discardTail()
                    throw JournalError("journal write failed: \(message)")
                }
                done += n
            }
        }
        end += off_t(frame.bytes.count)
    }

    /// Removes whatever follows the last whole entry; when that fails, marks the segment torn so
    /// the next append starts a new one.
    private mutating func discardTail() {
        while ftruncate(fd, end) != 0 {
            if errno == EINTR { continue }
            torn = true
            return
        }
    }

    /// Takes back the entries appended since `mark` (a request refused after part of it was
    /// journaled). Only valid while the caller has held the journal since taking the mark. False
    /// when they could not be removed (a new segment was started, or truncation failed).
    mutating func rollback(to mark: Mark) -> Bool {
        guard mark.segment == segment, !torn else { return false }
        end = mark.end
        discardTail()
        return !torn
    }

    /// Starts a new segment; returns its number (everything before it is in older segments).
    mutating func rotate() throws -> Int {
        let next = try Self.open(directory, segment + 1)
        close(fd)
        fd = next
        segment += 1
        end = 0
        torn = false
        return segment
    }

    /// Deletes the segments of `directory` numbered below `segment` (closed ones: the open
    /// segment is newer than any a checkpoint covers).
    static func prune(directory: String, below segment: Int) {
        for s in segments(in: directory) where s < segment {
            unlink(directory + "/" + name(s))
        }
    }

    /// Reads the entries of segments numbered `from` and up, in order. A torn or corrupt entry
    /// ends its segment (the file is truncated there) and is reported in `problems`.
    static func replay(directory: String, from first: Int, _ body: (Entry) throws -> Void) throws -> [String] {
        var problems: [String] = []
        for s in segments(in: directory) where s >= first {
            let path = directory + "/" + name(s)
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            var good = 0
            try data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    guard raw.count - offset >= 8 else {
                        problems.append("\(path): torn entry at byte \(offset)"); break
                    }
                    let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                    let crc = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
                    guard length <= raw.count - offset - 8 else {
                        problems.append("\(path): torn entry at byte \(offset)"); break
                    }
                    let payload = UnsafeRawBufferPointer(rebasing: raw[(offset + 8)..<(offset + 8 + length)])
                    guard CRC32.checksum(payload) == crc else {
                        problems.append("\(path): corrupt entry at byte \(offset) (CRC)"); break
                    }
                    var r = BinaryReader(payload)
                    let entry: Entry
                    do {
                        let time = try r.f64()
                        let tail = try r.u8() == 1 ? try TailPosition(decoding: &r) : nil
                        entry = Entry(time: time, tail: tail, batch: try EventBatch(decoding: &r))
                    } catch {
                        problems.append("\(path): unreadable entry at byte \(offset): \(error)")
                        break
                    }
                    try body(entry)
                    offset += 8 + length
                    good = offset
                }
            }
            if good < data.count { truncate(path, off_t(good)) }
        }
        return problems
    }
}

struct JournalError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// CRC-32 (IEEE 802.3, reflected, as zlib's `crc32`).
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { i in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }
}
