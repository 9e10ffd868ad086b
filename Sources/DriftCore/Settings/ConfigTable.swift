import Foundation

/// One configuration key, declared once: how it is read from the file, the rule its value must
/// meet on its own, and how `check-config` shows its effective value. A section's known keys, its
/// decoding, its per-key checks and its summary all come from its table (`ConfigSection.table`),
/// so the key a user writes, the key that is read and the key that is shown cannot drift apart.
/// Rules that relate several keys (unique model names, `give_up_after` ≥ `timeout`) are the
/// section's `checkAcross(at:)`.
package struct ConfigKey<Root> {
    package let name: String
    /// Sets the key's field when the mapping holds it (the default stays otherwise).
    package let read: (KeyedDecodingContainer<AnyKey>, inout Root) throws -> Void
    /// Throws a `ConfigError` naming `key` (this key's full path) when the value breaks the rule.
    package let check: (Root, _ key: String) throws -> Void
    /// The effective value as `check-config` prints it (secrets redacted).
    package let show: (Root) -> Any
}

/// A mapping of the configuration with its table of keys.
package protocol ConfigSection {
    static var table: [ConfigKey<Self>] { get }
    /// Rules across this section's keys, after each key's own (`path`: the section's key path).
    func checkAcross(at path: String) throws
}

extension ConfigSection {
    package func checkAcross(at path: String) throws {}

    /// Every key's own rule, then the rules across keys.
    package func check(at path: String) throws {
        for key in Self.table { try key.check(self, ConfigKey<Self>.join(path, key.name)) }
        try checkAcross(at: path)
    }

    /// The effective value of every key.
    package func summary() -> [String: Any] {
        Dictionary(uniqueKeysWithValues: Self.table.map { ($0.name, $0.show(self)) })
    }

    /// Refuses keys outside the table (and `extraKeys`, read elsewhere), then reads every key.
    package mutating func read(from decoder: any Decoder, extraKeys: [String] = []) throws {
        try decoder.rejectUnknownKeys(Self.table.map(\.name) + extraKeys)
        let c = try decoder.container(keyedBy: AnyKey.self)
        for key in Self.table { try key.read(c, &self) }
    }
}

extension ConfigKey {
    package static func join(_ path: String, _ name: String) -> String { path.isEmpty ? name : path + "." + name }

    /// A value decoded as `V`; `rule` returns what is wrong with it (nil: fine).
    package static func value<V: Decodable>(
        _ name: String, _ field: WritableKeyPath<Root, V>, rule: @escaping (V) -> String? = { _ in nil },
        show: @escaping (V) -> Any = { $0 }
    ) -> ConfigKey {
        ConfigKey(
            name: name,
            read: { c, root in if let v = try c.value(V.self, name) { root[keyPath: field] = v } },
            check: { root, key in if let problem = rule(root[keyPath: field]) { throw ConfigError(key: key, problem) }
            },
            show: { show($0[keyPath: field]) })
    }

    /// A value that may stay unset.
    package static func optional<V: Decodable>(
        _ name: String, _ field: WritableKeyPath<Root, V?>, rule: @escaping (V) -> String? = { _ in nil },
        show: @escaping (V?) -> Any
    ) -> ConfigKey {
        ConfigKey(
            name: name,
            read: { c, root in if let v = try c.value(V.self, name) { root[keyPath: field] = v } },
            check: { root, key in
                if let v = root[keyPath: field], let problem = rule(v) { throw ConfigError(key: key, problem) }
            },
            show: { show($0[keyPath: field]) })
    }

    /// A duration (`30s`, `10m`, or seconds as a number), shown in canonical text.
    package static func duration(
        _ name: String, _ field: WritableKeyPath<Root, Double>, rule: @escaping (Double) -> String? = { _ in nil }
    ) -> ConfigKey {
        ConfigKey(
            name: name,
            read: { c, root in if let v = try c.duration(name) { root[keyPath: field] = v } },
            check: { root, key in if let problem = rule(root[keyPath: field]) { throw ConfigError(key: key, problem) }
            },
            show: { ConfigValues.format(seconds: $0[keyPath: field]) })
    }

    /// A size (`8MiB`, or bytes as a number), shown in bytes.
    package static func size(
        _ name: String, _ field: WritableKeyPath<Root, Int>, rule: @escaping (Int) -> String? = { _ in nil }
    ) -> ConfigKey {
        ConfigKey(
            name: name,
            read: { c, root in if let v = try c.size(name) { root[keyPath: field] = v } },
            check: { root, key in if let problem = rule(root[keyPath: field]) { throw ConfigError(key: key, problem) }
            },
            show: { $0[keyPath: field] })
    }

    /// A nested mapping with its own table.
    package static func section<V: ConfigSection & Decodable>(
        _ name: String, _ field: WritableKeyPath<Root, V>
    ) -> ConfigKey {
        ConfigKey(
            name: name,
            read: { c, root in if let v = try c.value(V.self, name) { root[keyPath: field] = v } },
            check: { root, key in try root[keyPath: field].check(at: key) },
            show: { $0[keyPath: field].summary() })
    }

    /// A list of nested mappings (`models`, `sources`, `webhooks`), each checked at `key[i]`.
    package static func sections<V: ConfigSection & Decodable>(
        _ name: String, _ field: WritableKeyPath<Root, [V]>
    ) -> ConfigKey {
        ConfigKey(
            name: name,
            read: { c, root in if let v = try c.value([V].self, name) { root[keyPath: field] = v } },
            check: { root, key in
                for (i, v) in root[keyPath: field].enumerated() { try v.check(at: "\(key)[\(i)]") }
            },
            show: { $0[keyPath: field].map { $0.summary() } })
    }

    /// A key whose value fits none of the shapes above.
    package static func custom(
        _ name: String, read: @escaping (KeyedDecodingContainer<AnyKey>, inout Root) throws -> Void,
        check: @escaping (Root, String) throws -> Void = { _, _ in }, show: @escaping (Root) -> Any
    ) -> ConfigKey {
        ConfigKey(name: name, read: read, check: check, show: show)
    }
}

/// Rules shared by many keys: each returns the message, or nil when the value is fine.
package enum ConfigRule {
    package static func atLeast(_ low: Double, _ text: String) -> (Double) -> String? {
        { $0 >= low ? nil : "must be at least \(text)" }
    }

    package static func atMostAWeek(_ v: Double) -> String? { v > 7 * 86400.0 ? "must be at most 7d" : nil }

    package static func within(_ range: ClosedRange<Int>) -> (Int) -> String? {
        { range.contains($0) ? nil : "must be in \(range.lowerBound)…\(range.upperBound)" }
    }

    package static func positive(_ v: Double) -> String? { v > 0 && v.isFinite ? nil : "must be a positive number" }

    package static func httpURL(_ s: String) -> String? {
        ConfigValues.isHTTPURL(s) ? nil : "\"\(s)\" is not an http(s) URL"
    }
}
