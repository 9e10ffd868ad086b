#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cuts CSV bytes that start at a record boundary into pieces of whole records, so that pieces
/// can be parsed independently (`CSVParser.parseWhole`, one per core) and their records read in
/// order give exactly the records of the whole.
///
/// A line feed ends a record unless it is inside a quoted field, and a quote opens a quoted field
/// only at the start of a field (elsewhere it is literal: `CSVParser`'s grammar). Bytes without
/// any quote are cut at line feeds found with `memchr` (memory speed); otherwise one pass follows
/// the grammar. A lone CR (old Mac line ends) also ends a record; the last byte being a CR is not
/// taken as an end (an LF may follow in the next chunk).
public enum CSVSplit {
    /// The ends (exclusive offsets) of up to `pieces` consecutive pieces of whole records covering
    /// `bytes[0..<ends.last]`; `ends.last` is the end of the last complete record (empty: no
    /// complete record). Pieces are about equal in bytes.
    public static func pieces(
        _ bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8 = UInt8(ascii: ","),
        pieces: Int
    ) -> [Int] {
        let n = bytes.count
        guard n > 0, let base = bytes.baseAddress else { return [] }
        let parts = max(1, pieces)
        if memchr(base, 0x22, n) == nil, let lastBreak = bytes.lastIndex(of: 0x0A) {
            let last = lastBreak + 1
            var ends: [Int] = []
            for i in 1..<parts {
                let target = max(ends.last ?? 0, last * i / parts)
                guard target < last, let hit = memchr(base + target, 0x0A, last - target) else { break }
                let end = hit.assumingMemoryBound(to: UInt8.self) - UnsafeMutablePointer(mutating: base) + 1
                if end < last && end > (ends.last ?? 0) { ends.append(end) }
            }
            ends.append(last)
            return ends
        }
        return grammarPieces(bytes, delimiter: delimiter, pieces: parts)
    }

    /// One pass over the bytes with the parser's grammar (quotes present, or no line feed).
    private static func grammarPieces(_ b: UnsafeBufferPointer<UInt8>, delimiter: UInt8, pieces: Int) -> [Int] {
        let n = b.count
        var ends: [Int] = []
        var lastEnd = 0
        var nextTarget = n / pieces
        var i = 0
        var fieldStart = true
        func recordEnd(_ at: Int) {
            lastEnd = at
            if at >= nextTarget && ends.count < pieces - 1 {
                ends.append(at)
                nextTarget = max(at, n * (ends.count + 1) / pieces)
            }
        }
        scan: while i < n {
            let c = b[i]
            if fieldStart && c == 0x22 {
                var k = i + 1
                while true {
                    guard k < n else { break scan }  // unfinished quoted field
                    if b[k] == 0x22 {
                        guard k + 1 < n else { break scan }  // "" or the closing quote: not known yet
                        if b[k + 1] == 0x22 { k += 2; continue }
                        break
                    }
                    k += 1
                }
                i = k + 1
                fieldStart = false
                continue
            }
            switch c {
            case delimiter:
                fieldStart = true
                i += 1
            case 0x0A:
                i += 1
                fieldStart = true
                recordEnd(i)
            case 0x0D:
                guard i + 1 < n else { break scan }
                i += b[i + 1] == 0x0A ? 2 : 1
                fieldStart = true
                recordEnd(i)
            default:
                fieldStart = false
                i += 1
            }
        }
        if ends.last == lastEnd { return ends }
        if lastEnd == 0 { return [] }
        return ends + [lastEnd]
    }
}
