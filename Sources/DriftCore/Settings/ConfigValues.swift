import Foundation

/// Parsers for the human-friendly values of the sidecar's configuration.
public enum ConfigValues {
    /// A duration written as a number and a unit: `"250ms"`, `"30s"`, `"10m"`, `"2h"`, `"1d"`, or a
    /// combination (`"1m30s"`). A bare number is seconds. Returns seconds, or nil when malformed,
    /// negative, not finite or over `maxSeconds` (timers take durations as Int64 nanoseconds, and
    /// a longer one would trap on conversion).
    public static let maxSeconds = 1e9

    public static func seconds(_ text: String) -> Double? {
        let s = text.trimmingCharacters(in: .whitespaces)
        if let plain = Double(s) { return plain >= 0 && plain <= maxSeconds ? plain : nil }
        var total = 0.0
        var rest = Substring(s)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            guard !digits.isEmpty, let value = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            case "d": scale = 86400
            default: return nil
            }
            total += value * scale
        }
        return total <= maxSeconds ? total : nil
    }

    /// A size in bytes: `"8MiB"`, `"512KiB"`, `"1GiB"`, `"10MB"`, `"100kB"`, or a bare integer.
    public static func bytes(_ text: String) -> Int? {
        let s = text.trimmingCharacters(in: .whitespaces)
        if let plain = Int(s) { return plain >= 0 ? plain : nil }
        let digits = s.prefix { $0.isNumber || $0 == "." }
        guard let value = Double(digits), value >= 0 else { return nil }
        let scale: Double
        switch s.dropFirst(digits.count).trimmingCharacters(in: .whitespaces) {
        case "B", "b": scale = 1
        case "KiB", "Ki": scale = 1024
        case "MiB", "Mi": scale = 1024 * 1024
        case "GiB", "Gi": scale = 1024 * 1024 * 1024
        case "kB", "KB", "k": scale = 1000
        case "MB", "M": scale = 1_000_000
        case "GB", "G": scale = 1_000_000_000
        default: return nil
        }
        let bytes = value * scale
        return bytes < 1e15 ? Int(bytes) : nil
    }

    /// A byte count for people: `512 B`, `10.8 KiB`, `381.5 MiB`, `4.0 GiB`.
    public static func format(bytes n: Int) -> String {
        switch n {
        case ..<1024: return "\(n) B"
        case ..<(1 << 20): return String(format: "%.1f KiB", Double(n) / 1024)
        case ..<(1 << 30): return String(format: "%.1f MiB", Double(n) / 1_048_576)
        default: return String(format: "%.1f GiB", Double(n) / 1_073_741_824)
        }
    }

    /// The canonical text of a duration in seconds (`"10m"`, `"1m30s"`, `"250ms"`).
    public static func format(seconds: Double) -> String {
        if seconds == 0 { return "0s" }
        guard seconds.isFinite && seconds < 1e15 else { return "\(seconds)s" }
        if seconds < 1 || seconds != seconds.rounded() {
            let ms = seconds * 1000
            return ms == ms.rounded() ? "\(Int(ms))ms" : "\(seconds)s"
        }
        var rest = Int(seconds)
        var out = ""
        for (unit, size) in [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }

    /// Whether `s` is an absolute http(s) URL with a host (alert receivers, webhooks).
    public static func isHTTPURL(_ s: String) -> Bool {
        guard let u = URL(string: s), let scheme = u.scheme?.lowercased(), u.host != nil else { return false }
        return scheme == "http" || scheme == "https"
    }

    /// A URL with any user-info password replaced.
    public static func redact(_ url: String) -> String {
        guard var c = URLComponents(string: url), c.password != nil else { return url }
        c.password = "redacted"
        return c.string ?? url
    }
}
