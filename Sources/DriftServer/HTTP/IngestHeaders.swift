import DriftCore
import DriftRecords

/// The request headers ingest depends on, read by pure functions that no header value can crash
/// (they are fuzzed through the HTTP fault script and unit-tested with hostile values).
enum IngestHeaders {
    /// The media types `POST /v1/events` takes, by their lower-cased `type/subtype`.
    static let formats: [String: EventFormat] = [
        "application/json": .json,
        "application/x-ndjson": .ndjson, "application/ndjson": .ndjson, "application/jsonl": .ndjson,
        "application/json-lines": .ndjson, "application/jsonlines": .ndjson,
    ]

    /// The `type/subtype` of a `Content-Type` value (RFC 9110 §8.3: parameters after `;` ignored,
    /// case-insensitive, optional whitespace trimmed). An absent header is `application/json`; an
    /// empty or blank one, `;`, `;;` and the like give `""`, which no format matches.
    static func mediaType(_ header: String?) -> String {
        guard let header else { return "application/json" }
        let essence = header.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return essence.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// The body format for a `Content-Type` value, nil when unsupported (415).
    static func format(contentType header: String?) -> EventFormat? { formats[mediaType(header)] }

    /// Whether an `Authorization` value carries `token` in the Bearer scheme. The scheme name is
    /// case-insensitive (RFC 9110 §11.1: `bearer`, `BEARER`), one or more spaces follow it; the token
    /// is compared in constant time.
    static func bearerMatches(_ header: String?, token: String) -> Bool {
        let value = Array((header ?? "").utf8)
        let scheme = Array("bearer".utf8)
        guard value.count > scheme.count, value[scheme.count] == UInt8(ascii: " "),
            zip(value.prefix(scheme.count), scheme).allSatisfy({ a, b in a | 0x20 == b })
        else { return false }
        var start = scheme.count
        while start < value.count && value[start] == UInt8(ascii: " ") { start += 1 }
        let given = Array(value[start...])
        return constantTimeEqual(given, Array(token.utf8))
    }

    /// Compares secrets without an early exit on the first difference.
    static func constantTimeEqual(_ x: [UInt8], _ y: [UInt8]) -> Bool {
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return diff == 0
    }
}
