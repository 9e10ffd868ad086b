/// Little-endian binary writing for checkpoints and the event journal (compact, no Codable cost).
public struct BinaryWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func int(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }
    public mutating func f64(_ v: Double) { u64(v.bitPattern) }
    public mutating func f64s(_ vs: [Double]) {
        int(vs.count)
        #if _endian(little)
        vs.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        for v in vs { f64(v) }
        #endif
    }
    public mutating func i32s(_ vs: [Int32]) {
        int(vs.count)
        vs.withUnsafeBufferPointer { i32Values($0) }
    }
    /// The values without a count (a column written in several spans).
    public mutating func f64Values(_ vs: UnsafeBufferPointer<Double>) {
        #if _endian(little)
        bytes.append(contentsOf: UnsafeRawBufferPointer(vs))
        #else
        for v in vs { f64(v) }
        #endif
    }
    /// The values without a count (a column written in several spans).
    public mutating func i32Values(_ vs: UnsafeBufferPointer<Int32>) {
        #if _endian(little)
        bytes.append(contentsOf: UnsafeRawBufferPointer(vs))
        #else
        for v in vs { u32(UInt32(bitPattern: v)) }
        #endif
    }
    public mutating func ints(_ vs: [Int]) {
        int(vs.count)
        for v in vs { int(v) }
    }
    public mutating func string(_ s: String) {
        u32(UInt32(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }
    /// nil is written as length 0xFFFF_FFFF.
    public mutating func optionalString(_ s: String?) {
        guard let s else { u32(.max); return }
        string(s)
    }
    public mutating func raw(_ b: some Collection<UInt8>) { bytes.append(contentsOf: b) }

    /// Returns the bytes written so far and starts empty again (streaming output in parts).
    public mutating func drain() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }
}

/// A checkpoint or journal entry that cannot be read back.
public struct BinaryFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    public let offset: Int
    public let message: String
    public init(offset: Int, _ message: String) {
        self.offset = offset
        self.message = message
    }
    public var description: String { "at byte \(offset): \(message)" }
}

/// Reads what `BinaryWriter` wrote; every read is bounds-checked (a truncated or corrupt input is an
/// error, never a crash).
public struct BinaryReader {
    let bytes: UnsafeRawBufferPointer
    public private(set) var offset = 0
    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    public var remaining: Int { bytes.count - offset }

    mutating func take(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard n >= 0, n <= remaining else {
            throw BinaryFormatError(offset: offset, "truncated (need \(n) bytes, \(remaining) left)")
        }
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n])
    }
    public mutating func u8() throws -> UInt8 { try take(1)[0] }
    public mutating func u32() throws -> UInt32 { UInt32(littleEndian: try take(4).loadUnaligned(as: UInt32.self)) }
    public mutating func u64() throws -> UInt64 { UInt64(littleEndian: try take(8).loadUnaligned(as: UInt64.self)) }
    public mutating func int() throws -> Int { Int(Int64(bitPattern: try u64())) }
    public mutating func f64() throws -> Double { Double(bitPattern: try u64()) }
    /// A count, checked against what is left to read (`width` bytes each) so a corrupt length
    /// cannot ask for a huge allocation.
    public mutating func count(width: Int) throws -> Int {
        let n = try int()
        guard n >= 0, n <= remaining / max(1, width) else {
            throw BinaryFormatError(offset: offset - 8, "implausible length \(n)")
        }
        return n
    }
    public mutating func f64s() throws -> [Double] {
        let n = try count(width: 8)
        let raw = try take(n * 8)
        return (0..<n).map {
            Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))
        }
    }
    public mutating func i32s() throws -> [Int32] {
        let n = try count(width: 4)
        return try (0..<n).map { _ in Int32(bitPattern: try u32()) }
    }
    public mutating func ints() throws -> [Int] {
        let n = try count(width: 8)
        return try (0..<n).map { _ in try int() }
    }
    public mutating func string() throws -> String {
        let n = Int(try u32())
        let raw = try take(n)
        guard let s = String(validating: raw.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw BinaryFormatError(offset: offset - n, "invalid UTF-8")
        }
        return s
    }
    public mutating func optionalString() throws -> String? {
        let n = try u32()
        if n == .max { return nil }
        offset -= 4
        return try string()
    }
}
