/// What a text field holds when read as a number.
public enum ParsedNumber: Equatable, Sendable {
    /// A finite number.
    case value(Double)
    /// Empty, or a missing-value token (`NA`, `N/A`, `NaN`, `nan`, `null`, `NULL`, `None`, `#N/A`…).
    case missing
    /// `inf`, `-inf`, `Infinity`…, or a finite magnitude over `NumberParser.maxMagnitude`: a number,
    /// but invalid for testing (DESIGN: counted, never tested).
    case infinite
    /// Not a number at all.
    case notANumber
}

/// Decimal text → `Double`, correctly rounded.
///
/// Three paths, all correctly rounded: Clinger's when the significand fits in 2⁵³ and the decimal
/// exponent is within ±22 (`m · 10^e` or `m / 10^−e` is one IEEE operation on exact operands);
/// Eisel–Lemire for any other significand of at most 19 digits (`eiselLemire`: 17-digit floats
/// as printed by `repr` and `%.17g` land here); the standard library's `Double(String)` (strtod)
/// for the rest (more than 19 significant digits, the rare Eisel–Lemire fallback) and for the
/// words (`inf`, the missing tokens).
/// Leading and trailing ASCII blanks are ignored.
public enum NumberParser {
    /// The largest magnitude a value may have to enter a test. Beyond it a number is out of range
    /// like ±inf: standardising 1e308 by a baseline's spread overflows to inf, and inf − inf is a
    /// NaN that reaches the multivariate gauge. With |x| ≤ 1e100 and the PCA scale floor (≥ 1e-15)
    /// a squared standardised value stays below 1e231, so sums over any window stay finite.
    /// Every reader (CSV, JSON lines, HTTP events, the log tailer) types numbers here, so this is
    /// the one place the rule lives.
    public static let maxMagnitude = 1e100

    /// What an out-of-range number is refused or counted invalid with, in every reader.
    public static let outOfRangeReason = "number out of range (infinite or |x| > 1e100)"

    /// Whether `v` may enter a test: finite and within `maxMagnitude` (false for NaN).
    @inline(__always)
    public static func inRange(_ v: Double) -> Bool { v.magnitude <= maxMagnitude }

    private static let powersOfTen: [Double] = (0...22).map { e in
        var p = 1.0
        for _ in 0..<e { p *= 10 }
        return p
    }

    /// Tokens read as missing values in text input (pandas' default `na_values`, minus the empty
    /// string which is handled first).
    public static let missingTokens: Set<String> = [
        "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NAN", "null", "NULL", "Null", "None", "none",
        "#N/A", "#NA", "<NA>", "-1.#IND", "1.#QNAN", "-1.#QNAN", "1.#IND",
    ]

    public static func parse(_ text: Substring) -> ParsedNumber {
        var s = text
        if let r = s.utf8.withContiguousStorageIfAvailable({ parse(UnsafeBufferPointer(rebasing: $0[...])) }) {
            return r
        }
        s.makeContiguousUTF8()
        return s.utf8.withContiguousStorageIfAvailable { parse(UnsafeBufferPointer(rebasing: $0[...])) } ?? .notANumber
    }

    public static func parse(_ text: String) -> ParsedNumber { parse(text[...]) }

    /// Parses UTF-8 bytes.
    @inlinable
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> ParsedNumber {
        var lo = 0, hi = bytes.count
        while lo < hi && (bytes[lo] == 0x20 || bytes[lo] == 0x09) { lo += 1 }
        while hi > lo && (bytes[hi - 1] == 0x20 || bytes[hi - 1] == 0x09) { hi -= 1 }
        if lo == hi { return .missing }
        if let v = fastPath(bytes, lo, hi) { return inRange(v) ? .value(v) : .infinite }
        return slowPath(UnsafeBufferPointer(rebasing: bytes[lo..<hi]))
    }

    @usableFromInline
    static func fastPath(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var i = start
        var negative = false
        if b[i] == UInt8(ascii: "-") { negative = true; i += 1 } else if b[i] == UInt8(ascii: "+") { i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0, exponent = 0
        var sawDigit = false
        while i < end, b[i] &- 48 < 10 {
            if digits < 19 {
                mantissa = mantissa &* 10 &+ UInt64(b[i] &- 48); if mantissa != 0 { digits += 1 }
            } else {
                return nil
            }
            sawDigit = true
            i += 1
        }
        if i < end && b[i] == UInt8(ascii: ".") {
            i += 1
            // Eight fraction digits at a time once the significand has begun (every digit then
            // counts toward the 19): fast_float's SWAR step.
            while mantissa != 0 && digits <= 11 && end - i >= 8,
                let eight = eightDigits(UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: UInt64.self))
            {
                mantissa = mantissa &* 100_000_000 &+ eight
                digits += 8
                exponent -= 8
                i += 8
            }
            while i < end, b[i] &- 48 < 10 {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(b[i] &- 48)
                    if mantissa != 0 { digits += 1 }
                    exponent -= 1
                } else {
                    return nil
                }
                sawDigit = true
                i += 1
            }
        }
        guard sawDigit else { return nil }
        if i < end && (b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E")) {
            i += 1
            var expNegative = false
            if i < end && (b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+")) {
                expNegative = b[i] == UInt8(ascii: "-"); i += 1
            }
            var e = 0, expDigits = 0
            while i < end, b[i] &- 48 < 10 {
                if e < 100_000 { e = e * 10 + Int(b[i] &- 48) }
                expDigits += 1
                i += 1
            }
            // A saturated exponent (with enough fraction digits it can still mean a normal
            // number: 0.000…1e1000010) is left to strtod.
            guard expDigits > 0, e < 100_000 else { return nil }
            exponent += expNegative ? -e : e
        }
        guard i == end else { return nil }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        if mantissa <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            // Clinger: one correctly rounded operation on exact operands.
            var value = Double(mantissa)
            if exponent != 0 { value = exponent < 0 ? value / powersOfTen[-exponent] : value * powersOfTen[exponent] }
            return negative ? -value : value
        }
        guard let value = eiselLemire(mantissa, exponent) else { return nil }
        return negative ? -value : value
    }

    /// The value of 8 ASCII digits loaded little-endian, or nil when any byte is not a digit
    /// (Lemire, "Number Parsing at a Gigabyte per Second", §5; fast_float's
    /// `is_made_of_eight_digits_fast` and `parse_eight_digits_unrolled`).
    @usableFromInline @inline(__always)
    static func eightDigits(_ loaded: UInt64) -> UInt64? {
        let w = UInt64(littleEndian: loaded)
        guard ((w &+ 0x4646_4646_4646_4646) | (w &- 0x3030_3030_3030_3030)) & 0x8080_8080_8080_8080 == 0 else {
            return nil
        }
        var v = w &- 0x3030_3030_3030_3030
        v = (v &* 10) &+ (v >> 8)
        let mask: UInt64 = 0x0000_00FF_0000_00FF
        let mul1: UInt64 = 100 &+ (1_000_000 << 32), mul2: UInt64 = 1 &+ (10_000 << 32)
        return (((v & mask) &* mul1) &+ (((v >> 16) & mask) &* mul2)) >> 32
    }

    /// `w · 10^q` correctly rounded (round half to even), for a nonzero `w` of at most 19 digits,
    /// by the Eisel–Lemire algorithm (Lemire, "Number Parsing at a Gigabyte per Second", Software:
    /// Practice and Experience 51(8), 2021; as fast_float's `compute_float<binary64>`): one or two
    /// 64 × 128-bit products with a truncated power of five give the significand's top bits
    /// exactly unless the product's discarded bits are all ones, and then the caller falls back to
    /// `strtod` (nil), as the original algorithm does outside q ∈ [−27, 55]. Infinity above the
    /// largest double, zero below the smallest subnormal.
    @usableFromInline
    static func eiselLemire(_ w: UInt64, _ q: Int) -> Double? {
        if q < -342 { return 0 }
        if q > 308 { return .infinity }
        let lz = w.leadingZeroBitCount
        let x = w << UInt64(lz)
        let index = 2 * (q + 342)
        var (high, low) = x.multipliedFullWidth(by: powersOfFive[index])
        // 55 bits are needed (52 + the hidden bit + 2 for rounding); below them, all ones means the
        // truncated power of five may have cost a carry: refine with its next 64 bits.
        let mask: UInt64 = 0xFFFF_FFFF_FFFF_FFFF >> 55
        if high & mask == mask {
            let (secondHigh, _) = x.multipliedFullWidth(by: powersOfFive[index + 1])
            let (sum, carry) = low.addingReportingOverflow(secondHigh)
            low = sum
            if carry { high &+= 1 }
            if low == 0xFFFF_FFFF_FFFF_FFFF && (q < -27 || q > 55) { return nil }
        }
        let upperBit = Int(high >> 63)
        let shift = UInt64(upperBit + 64 - 52 - 3)
        var mantissa = high >> shift
        // floor(log2(10^q)) + 63, for |q| ≤ 350.
        var power2 = (((152_170 + 65_536) * q) >> 16) + 63 + upperBit - lz + 1023
        if power2 <= 0 {
            // Subnormal (or zero).
            if -power2 + 1 >= 64 { return 0 }
            mantissa >>= UInt64(-power2 + 1)
            mantissa += mantissa & 1
            mantissa >>= 1
            power2 = mantissa < (1 << 52) ? 0 : 1
            return Double(bitPattern: UInt64(power2) << 52 | (mantissa & ((1 << 52) - 1)))
        }
        // Exactly halfway between two doubles (possible only for small |q|): round to even.
        if low <= 1 && q >= -4 && q <= 23 && mantissa & 3 == 1 && (mantissa << shift) == high {
            mantissa &= ~1
        }
        mantissa += mantissa & 1
        mantissa >>= 1
        if mantissa >= (2 << 52) {
            mantissa = 1 << 52
            power2 += 1
        }
        mantissa &= ~(1 << 52)
        if power2 >= 0x7FF { return .infinity }
        return Double(bitPattern: UInt64(power2) << 52 | mantissa)
    }

    @usableFromInline
    static func slowPath(_ bytes: UnsafeBufferPointer<UInt8>) -> ParsedNumber {
        let text = String(decoding: bytes, as: UTF8.self)
        if missingTokens.contains(text) { return .missing }
        switch text.lowercased() {
        case "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity": return .infinite
        default: break
        }
        // Only plain decimal syntax: `Double(String)` also accepts hex floats and "nan(...)".
        guard
            text.utf8.allSatisfy({ c in
                (c >= 48 && c <= 57) || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                    || c == UInt8(ascii: "+") || c == UInt8(ascii: "-")
            }), let v = Double(text)
        else { return .notANumber }
        return inRange(v) ? .value(v) : .infinite
    }
}
