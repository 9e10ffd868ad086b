import Foundation

/// A configuration error that names the key it is about (`models[0].window.max_age`).
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public let key: String
    public let message: String
    public init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }
    public var description: String { key.isEmpty ? message : "\(key): \(message)" }
}

/// Any string key, to list the keys a mapping holds.
package struct AnyKey: CodingKey {
    package var stringValue: String
    package var intValue: Int?
    package init(_ s: String) { stringValue = s }
    package init?(stringValue: String) { self.stringValue = stringValue }
    package init?(intValue: Int) { stringValue = String(intValue); self.intValue = intValue }
}

extension Decoder {
    /// Throws when the mapping holds a key outside `known` (a typo would otherwise be silently
    /// ignored and its default used).
    package func rejectUnknownKeys(_ known: [String]) throws {
        let c = try container(keyedBy: AnyKey.self)
        for key in c.allKeys where !known.contains(key.stringValue) {
            throw ConfigError(
                key: keyPathString(codingPath + [key]),
                "unknown key (known here: \(known.joined(separator: ", ")))")
        }
    }
}

/// `models[0].window.max_age` from a coding path.
package func keyPathString(_ codingPath: [any CodingKey]) -> String { ConfigError.keyPath(codingPath) }

extension ConfigError {
    /// A decoding path as users write it: `models[0].window.max_age` ("" for the top level).
    public static func keyPath(_ codingPath: [any CodingKey]) -> String {
        var out = ""
        for k in codingPath {
            if let i = k.intValue { out += "[\(i)]" } else { out += out.isEmpty ? k.stringValue : ".\(k.stringValue)" }
        }
        return out
    }
}

extension KeyedDecodingContainer where Key == AnyKey {
    package func duration(_ key: String) throws -> Double? {
        guard contains(AnyKey(key)) else { return nil }
        if let n = try? decode(Double.self, forKey: AnyKey(key)) {
            guard n >= 0 && n <= ConfigValues.maxSeconds else {
                throw ConfigError(
                    key: keyPathString(codingPath + [AnyKey(key)]),
                    "must be from 0 to \(Int(ConfigValues.maxSeconds)) seconds")
            }
            return n
        }
        let text = try decode(String.self, forKey: AnyKey(key))
        guard let s = ConfigValues.seconds(text) else {
            throw ConfigError(
                key: keyPathString(codingPath + [AnyKey(key)]),
                "\"\(text)\" is not a duration (examples: 250ms, 30s, 10m, 1h)")
        }
        return s
    }

    package func size(_ key: String) throws -> Int? {
        guard contains(AnyKey(key)) else { return nil }
        if let n = try? decode(Int.self, forKey: AnyKey(key)) { return n }
        let text = try decode(String.self, forKey: AnyKey(key))
        guard let b = ConfigValues.bytes(text) else {
            throw ConfigError(
                key: keyPathString(codingPath + [AnyKey(key)]), "\"\(text)\" is not a size (examples: 8MiB, 512KiB)")
        }
        return b
    }

    package func value<T: Decodable>(_ type: T.Type, _ key: String) throws -> T? {
        try decodeIfPresent(type, forKey: AnyKey(key))
    }
}
