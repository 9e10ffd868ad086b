@testable import DriftCore
@testable import DriftRecords
import DriftStats
import Foundation
import Testing

/// The float parser's fast paths (Clinger, Eisel–Lemire) against the C library's `strtod`, bit for
/// bit, on random and edge strings.
@Suite("Float parsing against strtod")
struct FloatParsingTests {
    /// The fast paths' value for `text`, or nil when they leave it to strtod.
    static func fast(_ text: String) -> Double? {
        var t = text
        return t.withUTF8 { NumberParser.fastPath($0, 0, $0.count) }
    }

    static func strtod(_ text: String) -> Double { Glibc.strtod(text, nil) }

    @Test(
        "random significands of 1 to 19 digits, exponents over the whole range: identical bits, and Eisel–Lemire takes (nearly) all"
    )
    func random() {
        var g = SplitMix64(seed: 21)
        var fallbacks = 0, checked = 0
        for _ in 0..<200_000 {
            let digits = Int(g.next() % 19) + 1
            var s = ""
            for d in 0..<digits { s.append(Character(String(d == 0 ? g.next() % 9 + 1 : g.next() % 10))) }
            let point = Int(g.next() % UInt64(digits + 1))
            if point < digits { s.insert(".", at: s.index(s.startIndex, offsetBy: point)) }
            let exponent = Int(g.next() % 700) - 360
            let text = (g.next() % 2 == 0 ? "-" : "") + s + "e\(exponent)"
            guard let v = Self.fast(text) else { fallbacks += 1; continue }
            checked += 1
            let want = Self.strtod(text)
            if v.bitPattern != want.bitPattern { Issue.record("\(text): \(v) vs strtod \(want)"); return }
        }
        #expect(checked > 199_000, "fallbacks \(fallbacks)")
    }

    @Test("every double printed with 17 significant digits (and shortest) reads back to itself")
    func roundTrip() {
        var g = SplitMix64(seed: 22)
        for _ in 0..<100_000 {
            let v = Double(bitPattern: g.next() & 0x7FEF_FFFF_FFFF_FFFF)  // finite, either sign of exponent
            for text in [String(format: "%.17g", v), "\(v)"] {
                let got = Self.fast(text) ?? Self.strtod(text)
                if got.bitPattern != v.bitPattern { Issue.record("\(text): \(got) vs \(v)"); return }
            }
        }
    }

    @Test("edge strings: ties to even, the largest and smallest doubles, subnormals, overflow, underflow")
    func edges() {
        let cases = [
            "9007199254740993", "9007199254740995", "9007199254740993.0000000001e0",
            "1.00000000000000011102230246251565404236316680908203125",
            "2.2250738585072011e-308", "2.2250738585072014e-308", "2.2250738585072012e-308", "4.9406564584124654e-324",
            "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-400", "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308", "1e309", "0.1", "0.2", "0.3", "1e23", "8.98846567431158e307",
            "7.2057594037927933e16",
            "3.0517578125e-05", "1.448997445238699", "123456789012345678e-5", "9999999999999999999", "1e22", "1e-22",
            "4.35679106e-320", "2.225073858507201e-308", "5e-324", "3e-324", "-0.0", "0e300",
        ]
        for text in cases {
            guard let v = Self.fast(text) else { continue }  // left to strtod: nothing to compare
            #expect(v.bitPattern == Self.strtod(text).bitPattern, "\(text): \(v) vs \(Self.strtod(text))")
        }
        #expect(Self.fast("1.7976931348623159e308") == .infinity && Self.fast("1e-400") == 0)
        // A saturated exponent is strtod's: 0.(200 000 zeros)1 × 10^200010 is 1e9, not 0.
        let long = "0." + String(repeating: "0", count: 200_000) + "1e200010"
        #expect(Self.fast(long) == nil && NumberParser.parse(long) == .value(1e9))
        #expect(NumberParser.parse("1.7976931348623157e308") == .infinite)  // out of the 1e100 range rule
        #expect(NumberParser.parse("0.70710678118654757") == .value(0.70710678118654757))
    }
}
