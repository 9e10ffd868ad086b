#if canImport(Glibc)
import Glibc
#endif
import DriftCore
import DriftRecords
import Foundation

/// Where the CLI's parsing, profiling and testing run: one worker per core.
let cliWorkers = Workers.dispatch(ProcessInfo.processInfo.activeProcessorCount)

/// Reads a data file (or stdin for "-") in chunks, feeding a `TableReader`, with a progress line on
/// stderr when stderr is a terminal (rows/s, and percent when the size is known).
struct InputFile {
    let path: String
    let format: TableFormat
    var displayName: String { path == "-" ? "<stdin>" : path }

    init(path: String, format explicit: String?) throws {
        self.path = path
        if let explicit {
            guard let f = TableFormat(rawValue: explicit) else {
                throw CLIError(
                    "--input-format must be one of: \(TableFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            format = f
        } else if let f = TableFormat.guess(fileName: path) {
            format = f
        } else {
            throw CLIError("\(path): cannot tell the format from the file name; pass --input-format csv|jsonl")
        }
    }

    /// Streams the file through `reader`, calling `sink` with every typed batch. 1 MiB reads: the
    /// pieces in flight (two per core) hold ~10 MB less than with 4 MiB, at the same speed.
    func read(
        into reader: inout TableReader, chunkSize: Int = 1 << 20,
        _ sink: TableReader.Sink
    ) throws {
        reader.workers = cliWorkers
        let fd: Int32 = path == "-" ? 0 : open(path, O_RDONLY)
        guard fd >= 0 else { throw CLIError("\(path): \(String(cString: strerror(errno)))") }
        defer { if fd != 0 { close(fd) } }
        var st = stat()
        let size: Int? = (fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG) ? Int(st.st_size) : nil
        var progress = Progress(total: size)
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        do {
            while true {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, chunkSize) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw CLIError("\(displayName): read failed: \(String(cString: strerror(errno)))")
                }
                if n == 0 { break }
                try buffer.withUnsafeBytes { raw in
                    try reader.feed(UnsafeRawBufferPointer(rebasing: raw[0..<n]), sink)
                }
                progress.update(bytes: n, rows: reader.rows)
            }
            try reader.finish(sink)
        } catch let error as InputError {
            throw CLIError(describe(error))
        }
        progress.finish(rows: reader.rows)
    }

    /// Notes on the records the contract refused and the other models' records skipped, with the
    /// first refusals as FILE:LINE (the sidecar would have answered them with the same errors).
    func refusalNotes(_ reader: TableReader) -> [String] {
        var notes: [String] = []
        if reader.rejectedCount > 0 {
            let reasons = reader.rejected.sorted { $0.key.rawValue < $1.key.rawValue }.map {
                "\($0.value) \($0.key.rawValue)"
            }
            notes.append(
                "\(reader.rejectedCount) records refused (\(reasons.joined(separator: ", "))), not in the window")
            for e in reader.rejectedExamples.prefix(3) {
                let field = e.field.isEmpty ? "" : " field \"\(e.field)\""
                notes.append("refused: \(displayName):\(e.line ?? 0)\(field): \(e.reason)")
            }
        }
        if reader.skippedOtherModels > 0 {
            notes.append("\(reader.skippedOtherModels) records of other models skipped")
        }
        return notes
    }

    /// "FILE:LINE:COLUMN: message (field "x")".
    func describe(_ error: InputError) -> String {
        var location = displayName
        if let line = error.line {
            location += ":\(line)"
            if let column = error.column { location += ":\(column)" }
        }
        var text = "\(location): \(error.message)"
        if let field = error.field { text += " (field \"\(field)\")" }
        return text
    }
}

/// A progress line on stderr, only when stderr is a terminal.
struct Progress {
    let total: Int?
    let enabled = isatty(2) == 1
    let start = ContinuousClock.now
    var last = ContinuousClock.now
    var bytes = 0

    init(total: Int?) { self.total = total }

    mutating func update(bytes n: Int, rows: Int) {
        bytes += n
        guard enabled else { return }
        let now = ContinuousClock.now
        guard now - last >= .milliseconds(250) else { return }
        last = now
        write(rows: rows, now: now, end: "")
    }

    mutating func finish(rows: Int) {
        guard enabled else { return }
        write(rows: rows, now: ContinuousClock.now, end: "\n")
    }

    private func write(rows: Int, now: ContinuousClock.Instant, end: String) {
        let elapsed = max((now - start).seconds, 1e-9)
        var line =
            "\r  \(rows) rows, \(Int(Double(rows) / elapsed)) rows/s, \(String(format: "%.1f", Double(bytes) / 1_048_576)) MiB"
        if let total, total > 0 { line += String(format: " (%.0f%%)", 100 * Double(bytes) / Double(total)) }
        FileHandle.standardError.write(Data((line + "   " + end).utf8))
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
