import DriftRecords
import Foundation

/// How a model's window forgets.
public enum WindowMode: String, Sendable, Codable, CaseIterable {
    /// The most recent `max_records` records no older than `max_age`; evaluated every
    /// `evaluate_every`.
    case sliding
    /// Consecutive, non-overlapping windows: a window closes when it holds `max_records` records
    /// (count only) or after `max_age` (age given), is evaluated at once (not at the next
    /// `evaluate_every`), and a new one starts.
    case tumbling
}

/// The window of one model.
public struct WindowConfig: Sendable, Equatable {
    public var mode: WindowMode = .sliding
    /// Records kept exactly (the memory bound: sliding windows drop the oldest beyond it; tumbling
    /// windows keep a seeded uniform reservoir of this size beyond it).
    public var maxRecords = 10_000
    /// Age limit in seconds (sliding: records older are dropped; tumbling: window length).
    public var maxAge: Double? = 600
    /// Seed of the tumbling reservoir.
    public var seed: UInt64 = 0xC0FFEE
    /// Memory the window may need at `maxRecords` (`bytes(schema:)`); a model whose baseline is too
    /// wide for it is refused at start with the figure instead of exhausting the pod.
    public var maxBytes = 256 * 1024 * 1024
    public init() {}

    /// Bytes a full window needs for `schema`: per record its time and latency, 8 per numeric and
    /// 4 per categorical feature in the ring, and 8 per numeric feature again for the copy an
    /// evaluation takes.
    public func bytes(schema: Schema) -> Int {
        let perRecord = 16 + 16 * schema.numericCount + 4 * schema.categoricalCount
        return maxRecords.multipliedReportingOverflow(by: perRecord).overflow ? .max : maxRecords * perRecord
    }
}

extension WindowConfig: ConfigSection, Decodable {
    package static var table: [ConfigKey<WindowConfig>] {
        [
            .value("mode", \.mode, show: { $0.rawValue }),
            .value("max_records", \.maxRecords, rule: ConfigRule.within(1...10_000_000)),
            .custom(
                "max_age",
                read: { c, root in
                    guard c.contains(AnyKey("max_age")) else { return }
                    if (try? c.decodeNil(forKey: AnyKey("max_age"))) == true
                        || (try? c.value(String.self, "max_age")) == "none"
                    {
                        root.maxAge = nil
                    } else {
                        root.maxAge = try c.duration("max_age")
                    }
                },
                check: { root, key in
                    if let age = root.maxAge, !(age > 0) { throw ConfigError(key: key, "must be positive") }
                }, show: { $0.maxAge.map { ConfigValues.format(seconds: $0) } ?? "none" }),
            .value("seed", \.seed),
            .size("max_bytes", \.maxBytes, rule: { $0 >= 1024 * 1024 ? nil : "must be at least 1MiB" }),
        ]
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        try read(from: decoder)
    }
}
