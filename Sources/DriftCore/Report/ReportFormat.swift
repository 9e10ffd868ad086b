import Foundation

/// Number, share and time formatting shared by the CLI's text output and the HTML report.
public enum ReportFormat {
    /// `digits` significant digits; scientific notation below 1e-3 and from 1e6 on.
    public static func number(_ v: Double?, digits: Int = 4, missing: String = "-") -> String {
        guard let v else { return missing }
        // printf spells a NaN with its sign bit set "-nan"; one spelling for every NaN.
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-inf" : "inf" }
        if v != 0 && (abs(v) < 1e-3 || abs(v) >= 1e6) { return String(format: "%.\(max(digits - 1, 1))e", v) }
        return String(format: "%.\(digits)g", v)
    }

    /// A share as a percentage: 0%, 0.052%, 11.0%.
    public static func percent(_ v: Double?, missing: String = "-") -> String {
        guard let v else { return missing }
        return v == 0 ? "0%" : String(format: v < 0.001 ? "%.3f%%" : "%.1f%%", v * 100)
    }

    /// RFC 3339 in UTC, whole seconds: 2026-11-21T18:00:05Z.
    public static func timestamp(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}
