/// Sorting of `Double` arrays, faster than the standard library's comparison sort on large inputs.
///
/// Least-significant-digit radix sort on the IEEE-754 bit patterns, mapped to unsigned keys whose
/// integer order is the numeric order (flip all bits of negatives, only the sign bit of
/// non-negatives): 8 passes of 8 bits, skipping passes in which every key has the same digit
/// (common for data of one sign and magnitude). O(n), stable, no comparisons.
///
/// Order of special values: −0.0 sorts before +0.0; NaNs (which callers filter by contract) sort
/// after +∞ when their sign bit is clear and before −∞ when it is set. Small arrays use the
/// standard library sort.
public enum FastSort {
    /// Below this size the standard library's sort is as fast.
    static let radixThreshold = 512

    /// A sorted copy of `values`.
    public static func sorted(_ values: [Double]) -> [Double] {
        var copy = values
        sort(&copy)
        return copy
    }

    /// Sorts `values` ascending in place.
    public static func sort(_ values: inout [Double]) {
        var scratch: [UInt64] = []
        sort(&values, scratch: &scratch)
    }

    /// Sorts `values` ascending in place, with `scratch` as the radix sort's second buffer (grown
    /// as needed and kept: a caller sorting column after column reuses its pages instead of
    /// faulting in fresh ones for each).
    public static func sort(_ values: inout [Double], scratch: inout [UInt64]) {
        let n = values.count
        if n < radixThreshold {
            values.sort { $0 < $1 || ($0 == $1 && $0.sign == .minus && $1.sign == .plus) }
            return
        }
        // The keys live in the values' own storage (rebound: Double and UInt64 have one size and
        // alignment), so the sort needs one scratch array, not two: 2n words, not 3n (a 1M-value
        // column is 16 MB, and the evaluator sorts one per core).
        if scratch.count < n { scratch = [UInt64](repeating: 0, count: n) }
        var counts = [Int](repeating: 0, count: 8 * 256)
        values.withUnsafeMutableBufferPointer { vp in
            vp.withMemoryRebound(to: UInt64.self) { k in
                counts.withUnsafeMutableBufferPointer { c in
                    for i in 0..<n {
                        let bits = k[i]
                        let key = (bits >> 63) == 1 ? ~bits : bits | (1 << 63)
                        k[i] = key
                        var shifted = key
                        for pass in 0..<8 {
                            c[pass << 8 | Int(shifted & 0xFF)] += 1
                            shifted >>= 8
                        }
                    }
                    var inKeys = true  // whether the current data lives in `k` (else in `scratch`)
                    scratch.withUnsafeMutableBufferPointer { s in
                        for pass in 0..<8 {
                            let base = pass << 8
                            // Skip a pass whose digit is the same for every key.
                            var skip = false
                            for digit in 0..<256 where c[base + digit] != 0 {
                                skip = c[base + digit] == n
                                break
                            }
                            if skip { continue }
                            var offset = 0
                            for digit in 0..<256 {
                                let count = c[base + digit]
                                c[base + digit] = offset
                                offset += count
                            }
                            let shift = UInt64(pass * 8)
                            let from = inKeys ? k : s
                            let to = inKeys ? s : k
                            for i in 0..<n {
                                let key = from[i]
                                let digit = Int((key >> shift) & 0xFF)
                                to[c[base + digit]] = key
                                c[base + digit] += 1
                            }
                            inKeys.toggle()
                        }
                        for i in 0..<n {
                            let key = inKeys ? k[i] : s[i]
                            k[i] = (key >> 63) == 1 ? key & ~(1 << 63) : ~key
                        }
                    }
                }
            }
        }
    }
}
