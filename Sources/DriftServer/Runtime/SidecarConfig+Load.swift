import DriftCore
import Foundation
import Yams

extension SidecarConfig {
    /// Reads, decodes and validates a YAML config, then applies the environment's overrides
    /// (`environment` nil: the file alone, as `driftwatch rules` reads it).
    /// Errors name the file and the key (`config.yaml: models[0].window.max_age: ...`).
    public static func load(path: String, environment: [String: String]? = ProcessInfo.processInfo.environment) throws -> SidecarConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError(key: "", "\(path): cannot read the file")
        }
        do {
            let config = try YAMLDecoder().decode(SidecarConfig.self, from: text)
            try config.validate()
            guard let environment else { return config }
            return try config.applying(environment: environment)
        } catch let e as ConfigError {
            throw ConfigError(key: "", "\(path): \(e)")
        } catch let e as SchemaError {
            throw ConfigError(key: "", "\(path): \(e.message)")
        } catch let DecodingError.typeMismatch(type, c) {
            throw ConfigError(key: "", "\(path): \(keyPath(c.codingPath)): expected \(typeName(type)) (\(c.debugDescription))")
        } catch let DecodingError.dataCorrupted(c) {
            // Yams wraps errors thrown by our decoders (unknown key, bad duration) in this case.
            if let e = c.underlyingError as? ConfigError { throw ConfigError(key: "", "\(path): \(e)") }
            if let e = c.underlyingError as? SchemaError { throw ConfigError(key: "", "\(path): \(e.message)") }
            if let e = c.underlyingError as? YamlError { throw ConfigError(key: "", "\(path): not valid YAML: \(e)") }
            throw ConfigError(key: "", "\(path): \(keyPath(c.codingPath)): \(c.debugDescription)")
        } catch let DecodingError.valueNotFound(type, c) {
            throw ConfigError(key: "", "\(path): \(keyPath(c.codingPath)): expected \(typeName(type)), found null")
        } catch let DecodingError.keyNotFound(k, c) {
            throw ConfigError(key: "", "\(path): \(keyPath(c.codingPath + [k])): required")
        } catch let e as YamlError {
            throw ConfigError(key: "", "\(path): not valid YAML: \(e)")
        } catch {
            throw ConfigError(key: "", "\(path): \(error)")
        }
    }

    /// The effective configuration as YAML (secrets redacted).
    public func effectiveYAML() -> String {
        (try? Yams.dump(object: effectiveSummary(), sortKeys: true)) ?? "\(effectiveSummary())"
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
