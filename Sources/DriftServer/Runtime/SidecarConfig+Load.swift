import DriftConfig
import DriftCore
import DriftRecords
import Foundation
import Yams

extension SidecarConfig {
    /// Reads, decodes and validates a YAML config, then applies the environment's overrides
    /// (`environment` nil: the file alone, as `driftwatch rules` reads it).
    /// Errors name the file and the key (`config.yaml: models[0].window.max_age: ...`).
    public static func load(
        path: String, environment: [String: String]? = ProcessInfo.processInfo.environment
    ) throws -> SidecarConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError(key: "", "\(path): cannot read the file")
        }
        do {
            let config = try YAMLDecoder().decode(SidecarConfig.self, from: text)
            try config.validate()
            guard let environment else { return config }
            return try config.applying(environment: environment)
        } catch {
            throw ConfigError(key: "", "\(path): \(describe(error))")
        }
    }

    /// The effective configuration as YAML (secrets redacted).
    public func effectiveYAML() -> String {
        (try? Yams.dump(object: effectiveSummary(), sortKeys: true)) ?? "\(effectiveSummary())"
    }
}

/// A decoding or validation error as users should read it. Yams wraps errors thrown by our own
/// decoders (unknown key, bad duration) in `dataCorrupted("The given data was not valid YAML.")`:
/// the underlying error is the one that names the key.
private func describe(_ error: any Error) -> String {
    switch error {
    case let e as ConfigError: return "\(e)"
    case let e as SchemaError: return e.message
    case let e as YamlError: return "not valid YAML: \(e)"
    case let DecodingError.dataCorrupted(c):
        if let underlying = c.underlyingError { return describe(underlying) }
        return "\(keyPath(c.codingPath)): \(c.debugDescription)"
    case let DecodingError.typeMismatch(type, c):
        return "\(keyPath(c.codingPath)): expected \(typeName(type)) (\(c.debugDescription))"
    case let DecodingError.valueNotFound(type, c):
        return "\(keyPath(c.codingPath)): expected \(typeName(type)), found null"
    case let DecodingError.keyNotFound(k, c):
        return "\(keyPath(c.codingPath + [k])): required"
    default: return "\(error)"
    }
}

private func keyPath(_ path: [any CodingKey]) -> String {
    let key = ConfigError.keyPath(path)
    return key.isEmpty ? "(top level)" : key
}

private func typeName(_ t: Any.Type) -> String {
    switch t {
    case is String.Type: return "a string"
    case is Int.Type, is UInt64.Type: return "an integer"
    case is Double.Type: return "a number"
    case is Bool.Type: return "true or false"
    default: return "\(t)"
    }
}
