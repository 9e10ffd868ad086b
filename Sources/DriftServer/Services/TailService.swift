#if canImport(Glibc)
import Glibc
#endif
import DriftConfig
import DriftCore
import DriftRecords
import Foundation
import Logging
import ServiceLifecycle

/// Follows a JSON-lines file the model server appends to (a shared volume), from the journaled or
/// checkpointed position, so a restart neither re-reads nor skips.
///
/// Complete lines are parsed as the record contract and ingested with the position after them (one
/// journal entry holds both, so events and offset cannot disagree). A partial last line waits for
/// its newline. Rotation by rename (`logrotate` default): at end of file, when the path names
/// another inode, the old file is drained (its unterminated last line taken as complete), then the
/// new file is read from its start. Rotation by `copytruncate`: the file shrinks below the
/// position, which restarts at 0.
struct TailService: Service {
    let sink: any TailSink
    let source: SourceConfig
    let logger: Logger

    func run() async throws {
        var tailer = FileTailer(source: source, sink: sink, logger: logger)
        let period = Duration.milliseconds(Int64(source.pollInterval * 1000))
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let progressed = tailer.poll()
            if !progressed {
                do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: period) } } catch { break }
            } else {
                await Task.yield()
            }
        }
    }
}

/// The tailing state machine, driven by `poll()` (tests call it directly, without a timer).
struct FileTailer {
    let source: SourceConfig
    let sink: any TailSink
    let logger: Logger
    let modelIndex: Int
    var fd: Int32 = -1
    var device: UInt64 = 0
    var inode: UInt64 = 0
    /// Offset after the last complete line handed to ingest.
    var offset: Int64 = 0
    /// Bytes read past `offset` (an unterminated line).
    var pending: [UInt8] = []
    var warnedMissing = false
    /// The last ingest of `pending`'s lines failed (the journal could not be written): they are
    /// retried before anything more is read, so a full disk holds at most a chunk here.
    var blocked = false
    let chunk = 1 << 20

    init(source: SourceConfig, sink: any TailSink, logger: Logger) {
        self.source = source
        self.sink = sink
        self.logger = logger
        modelIndex = sink.parser.models.firstIndex { $0.name == source.model } ?? 0
    }

    /// Reads what is new; returns whether anything was consumed (poll again at once).
    mutating func poll() -> Bool {
        if fd < 0 && !openFile() { return false }
        if blocked && !consumeLines(final: false) { return false }
        var buffer = [UInt8](repeating: 0, count: chunk)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, chunk, off_t(offset) + off_t(pending.count)) }
        if n > 0 {
            pending.append(contentsOf: buffer[0..<n])
            consumeLines(final: false)
            return true
        }
        // End of file: rotated (path now names another file, or is gone) or truncated?
        var st = stat()
        if fstat(fd, &st) == 0, Int64(st.st_size) < offset + Int64(pending.count) {
            logger.notice("\(source.path) was truncated (copytruncate); reading it again from the start")
            offset = 0
            pending.removeAll()
            record()
            return true
        }
        var pathStat = stat()
        // Same file still there: nothing new yet. Renamed away and not recreated: keep the old one.
        guard stat(source.path, &pathStat) == 0,
            UInt64(pathStat.st_dev) != device || UInt64(pathStat.st_ino) != inode
        else { return false }
        // Rotated by rename: the old file is complete; take its unterminated last line too (and
        // keep the old file open until that is journaled).
        guard consumeLines(final: true) else { return false }
        logger.notice("\(source.path) was rotated; following the new file")
        close(fd)
        fd = -1
        _ = openFile(fresh: true)
        return true
    }

    /// Opens the path, positioned from the journal/checkpoint when it is the same file.
    mutating func openFile(fresh: Bool = false) -> Bool {
        let f = open(source.path, O_RDONLY | O_CLOEXEC)
        guard f >= 0 else {
            if !warnedMissing {
                logger.warning("cannot open \(source.path): \(String(cString: strerror(errno))); waiting for it")
                warnedMissing = true
            }
            return false
        }
        warnedMissing = false
        var st = stat()
        fstat(f, &st)
        fd = f
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        pending.removeAll()
        let known = sink.tailPosition(model: modelIndex, source: source.id)
        if !fresh, let known, known.device == device, known.inode == inode, known.offset <= Int64(st.st_size) {
            offset = known.offset
            logger.info("following \(source.path) from byte \(offset)")
        } else if !fresh && known == nil && source.startAt == .end {
            offset = Int64(st.st_size)
            logger.info("following \(source.path) from its end")
        } else {
            offset = 0
            if !fresh, known != nil {
                logger.notice("\(source.path) is another file than the one checkpointed; reading it from the start")
            }
        }
        return true
    }

    /// Hands the complete lines of `pending` (all of it when `final`) to ingest. False when the
    /// ingest failed: the lines stay in `pending`, the offset where it was, and `blocked` is set.
    @discardableResult
    mutating func consumeLines(final: Bool) -> Bool {
        guard let last = final ? (pending.isEmpty ? nil : pending.count - 1) : pending.lastIndex(of: 0x0A) else {
            blocked = false
            return true
        }
        let take = last + 1
        let parsed: ParsedEvents
        do {
            parsed = try pending.withUnsafeBytes { raw in
                try sink.parser.parse(UnsafeRawBufferPointer(rebasing: raw[0..<take]), format: .ndjson)
            }
        } catch {
            return true  // NDJSON parsing reports per line; a body error cannot happen here.
        }
        let position = TailPosition(source: source.id, device: device, inode: inode, offset: offset + Int64(take))
        do {
            try sink.accept(parsed, tail: (modelIndex, position))
        } catch {
            if !blocked { logger.error("\(source.path): could not journal events (\(error)); retrying") }
            blocked = true
            return false
        }
        if blocked { logger.notice("\(source.path): journaling again") }
        blocked = false
        for e in parsed.errors.prefix(5) {
            logger.warning(
                "\(source.path): record \(e.index) after byte \(offset): \(e.field.isEmpty ? "" : e.field + ": ")\(e.reason)"
            )
        }
        offset += Int64(take)
        pending.removeFirst(take)
        return true
    }

    /// Journals the current position alone (after a truncation).
    mutating func record() {
        let empty = ParsedEvents(schemas: sink.parser.models.map(\.schema))
        try? sink.accept(
            empty, tail: (modelIndex, TailPosition(source: source.id, device: device, inode: inode, offset: offset)))
    }
}
