/// The distinct category labels of one `EventBatch`, keyed by (categorical slot, UTF-8 bytes):
/// each label is a code, so a label seen again costs a hash and a byte comparison, never a new
/// `String`, and readers of the batch (the window, the baseline builder) look each distinct label
/// up once per batch instead of once per value.
///
/// Codes are dense from 0 in first-seen order and each belongs to one slot. The hash is the
/// standard library's per-process seeded `Hasher` (SipHash), as `Dictionary<String, _>` uses: the
/// bytes come from requests, so a fixed hash would let a sender make every label collide.
/// Bytes that are not UTF-8 become a `String` with U+FFFD repairs, as `String(decoding:)` does;
/// two such byte strings can give equal labels under two codes (readers intern by label).
public struct LabelTable: Sendable {
    /// The label of each code.
    public private(set) var strings: [String] = []
    private var arena: [UInt8] = []
    private var starts: [Int] = []
    private var slots: [Int32] = []
    private var hashes: [Int] = []
    /// Open addressing, linear probing; −1 = empty. A power of two, at most half full.
    private var buckets: [Int32] = []
    /// A direct-mapped cache in front of the table (256 entries, −1 = empty) under a cheap
    /// unkeyed hash of the slot, the length and the first and last 8 bytes: most values of a
    /// column are a few labels, found here with one multiply and one comparison. Colliding
    /// labels only miss it and take the keyed table, so crafted input cannot make it slow.
    private var recent: [Int32] = []

    public init() {}

    public var count: Int { strings.count }

    /// The code of `bytes` in `slot`, added when new.
    @inline(__always)
    public mutating func code(slot: Int, bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        code(slot: slot, bytes: bytes) { String(decoding: bytes, as: UTF8.self) }
    }

    /// The code of `label` in `slot`, added when new.
    public mutating func code(slot: Int, label: String) -> Int32 {
        if let c = label.utf8.withContiguousStorageIfAvailable({ code(slot: slot, bytes: $0) { label } }) { return c }
        var copy = label
        return copy.withUTF8 { code(slot: slot, bytes: $0) { label } }
    }

    /// Labels below which a table is searched linearly, without hashing (a batch of one event,
    /// as single-event requests give, never builds the index or the cache).
    static let linearLimit = 8

    private mutating func code(slot: Int, bytes: UnsafeBufferPointer<UInt8>, make: () -> String) -> Int32 {
        let slot32 = Int32(truncatingIfNeeded: slot)
        if buckets.isEmpty {
            for c in 0..<strings.count where slots[c] == slot32 && equal(c, bytes) { return Int32(c) }
            let c = add(slot: slot32, bytes: bytes, make: make)
            if strings.count >= Self.linearLimit {
                // Large enough to index: hash what is there, and from now on every new label.
                hashes = arena.withUnsafeBufferPointer { a in
                    (0..<strings.count).map { k in
                        let end = k + 1 < starts.count ? starts[k + 1] : a.count
                        return hash(slot: Int(slots[k]), UnsafeBufferPointer(rebasing: a[starts[k]..<end]))
                    }
                }
                buckets = Array(repeating: -1, count: 16)
                rebuild()
                recent = Array(repeating: -1, count: 256)
            }
            return c
        }
        let r = Self.quickHash(slot: slot, bytes)
        let hit = Int(recent[r])
        if hit >= 0 && slots[hit] == slot32 && equal(hit, bytes) { return Int32(hit) }
        let c = lookup(slot: slot, bytes: bytes, make: make)
        recent[r] = c
        return c
    }

    @inline(__always)
    private static func quickHash(slot: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var first: UInt64 = 0, last: UInt64 = 0
        let n = bytes.count
        if n >= 8, let base = bytes.baseAddress {
            first = UnsafeRawPointer(base).loadUnaligned(as: UInt64.self)
            last = UnsafeRawPointer(base + n - 8).loadUnaligned(as: UInt64.self)
        } else {
            for i in 0..<n { first |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        }
        let mixed =
            (first ^ (last >> 7 | last << 57) ^ UInt64(n) << 48 ^ UInt64(truncatingIfNeeded: slot)
                &* 0xFF51_AFD7_ED55_8CCD)
            &* 0x9E37_79B9_7F4A_7C15
        return Int(mixed >> 56)
    }

    private func hash(slot: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hasher = Hasher()
        hasher.combine(slot)
        hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        return hasher.finalize()
    }

    private mutating func add(slot: Int32, bytes: UnsafeBufferPointer<UInt8>, make: () -> String) -> Int32 {
        let c = Int32(strings.count)
        strings.append(make())
        starts.append(arena.count)
        arena.append(contentsOf: bytes)
        slots.append(slot)
        return c
    }

    private mutating func lookup(slot: Int, bytes: UnsafeBufferPointer<UInt8>, make: () -> String) -> Int32 {
        let hash = hash(slot: slot, bytes)
        let mask = buckets.count - 1
        var i = hash & mask
        while true {
            let c = Int(buckets[i])
            if c < 0 { break }
            if hashes[c] == hash && slots[c] == Int32(truncatingIfNeeded: slot) && equal(c, bytes) { return Int32(c) }
            i = (i + 1) & mask
        }
        let c = add(slot: Int32(truncatingIfNeeded: slot), bytes: bytes, make: make)
        hashes.append(hash)
        buckets[i] = c
        if strings.count * 2 > buckets.count {
            buckets = [Int32](repeating: -1, count: buckets.count * 2)
            rebuild()
        }
        return c
    }

    private func equal(_ c: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = starts[c], end = c + 1 < starts.count ? starts[c + 1] : arena.count
        guard end - start == bytes.count else { return false }
        return arena.withUnsafeBufferPointer { a in
            bytes.isEmpty || memcmp(a.baseAddress! + start, bytes.baseAddress!, bytes.count) == 0
        }
    }

    /// Re-inserts every code into `buckets` (empty, a power of two over twice the codes).
    private mutating func rebuild() {
        while strings.count * 2 > buckets.count { buckets += buckets }
        let mask = buckets.count - 1
        for c in hashes.indices {
            var i = hashes[c] & mask
            while buckets[i] >= 0 { i = (i + 1) & mask }
            buckets[i] = Int32(c)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
