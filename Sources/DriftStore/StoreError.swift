/// Why the store refused an operation. Messages name the database, model and version.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No database file at the path (and the operation does not create one).
    case missingDatabase(path: String)
    /// The file is not a Driftwatch baseline database, or SQLite found it damaged.
    case corrupt(path: String, reason: String)
    /// No baseline for the model (and version, when given).
    case notFound(model: String, version: String?)
    /// The model already has this version (baselines are immutable).
    case duplicateVersion(model: String, version: String)
    /// A stored baseline's checksum does not match its content.
    case checksumMismatch(model: String, version: String)
    /// A model or version name outside the allowed characters.
    case invalidName(String)
    /// Any other SQLite error.
    case database(String)

    public var description: String {
        switch self {
        case .missingDatabase(let path): return "no baseline database at \(path)"
        case .corrupt(let path, let reason): return "\(path) is not a usable baseline database: \(reason)"
        case .notFound(let model, nil): return "no baseline for model \"\(model)\""
        case .notFound(let model, let version?): return "no baseline version \"\(version)\" for model \"\(model)\""
        case .duplicateVersion(let model, let version):
            return
                "model \"\(model)\" already has version \"\(version)\" (baselines are immutable: pick another version or delete it first)"
        case .checksumMismatch(let model, let version):
            return "baseline \"\(model)\" version \"\(version)\" is damaged: its checksum does not match its content"
        case .invalidName(let why): return why
        case .database(let why): return "database error: \(why)"
        }
    }
}
