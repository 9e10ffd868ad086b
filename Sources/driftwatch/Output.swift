import DriftCore
import DriftStore
import Foundation

func jsonString<T: Encodable>(_ value: T) throws -> String {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    e.dateEncodingStrategy = .iso8601
    // As the sidecar's API encodes them: JSON has no NaN or infinity, and without a strategy the
    // encoder fails with an error naming no file or line.
    e.nonConformingFloatEncodingStrategy = .convertToString(
        positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    return String(decoding: try e.encode(value), as: UTF8.self)
}

func writeOutput(_ text: String, to path: String?) throws {
    guard let path, path != "-" else {
        FileHandle.standardOutput.write(Data(text.utf8))
        return
    }
    do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
        throw CLIError("\(path): cannot write: \(error.localizedDescription)")
    }
}

/// Left-aligned columns separated by two spaces.
func table(_ rows: [[String]]) -> String {
    guard let width = rows.map(\.count).max() else { return "" }
    var widths = [Int](repeating: 0, count: width)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    return rows.map { row in
        row.enumerated().map { i, cell in
            i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
        }
        .joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
}

struct BaselineSummary: Encodable {
    let baseline: BaselineRecord
    let features: [FeatureProfileSummary]
    let multivariate: MultivariateSummary?
    let notes: [String]
}

struct FeatureProfileSummary: Encodable {
    let name: String
    let kind: String
    let role: String
    let count: Int
    let missing: Int
    let invalid: Int
    let minimum: Double?
    let maximum: Double?
    let mean: Double?
    let bins: Int?
    let categories: Int?
}

struct MultivariateSummary: Encodable {
    let features: Int
    let components: Int
    let lower: Double
    let upper: Double
}

func printBaseline(record: BaselineRecord, profile: BaselineProfile, format: String) throws {
    let features = profile.features.map { f in
        FeatureProfileSummary(
            name: f.name, kind: f.kind.rawValue, role: f.role.rawValue,
            count: f.numeric?.count ?? f.categorical?.count ?? 0,
            missing: f.numeric?.missing ?? f.categorical?.missing ?? 0,
            invalid: f.numeric?.invalid ?? f.categorical?.invalid ?? 0,
            minimum: f.numeric?.minimum, maximum: f.numeric?.maximum, mean: f.numeric?.mean,
            bins: f.numeric?.bins?.count, categories: f.categorical.map { $0.categories.count })
    }
    let mv = profile.multivariate.map {
        MultivariateSummary(
            features: $0.features.count, components: $0.model.componentCount,
            lower: $0.model.lowerBound, upper: $0.model.upperBound)
    }
    if format == "json" {
        print(
            try jsonString(
                BaselineSummary(baseline: record, features: features, multivariate: mv, notes: profile.notes)))
        return
    }
    print(
        "baseline \(record.model) version \(record.version): \(record.rows) rows from \(record.source), \(ReportFormat.timestamp(record.createdAt))"
    )
    print("checksum \(record.checksum), \(ConfigValues.format(bytes: record.sizeBytes))\n")
    var rows = [["FEATURE", "KIND", "ROLE", "COUNT", "MISSING", "INVALID", "MIN", "MEAN", "MAX", "BINS/CATEGORIES"]]
    for f in features {
        rows.append([
            f.name, f.kind, f.role, "\(f.count)", "\(f.missing)", "\(f.invalid)", ReportFormat.number(f.minimum),
            ReportFormat.number(f.mean), ReportFormat.number(f.maximum),
            f.bins.map { "\($0) bins" } ?? f.categories.map { "\($0) categories" } ?? "-",
        ])
    }
    print(table(rows), terminator: "")
    if let mv {
        print(
            "\nmultivariate: PCA reconstruction over \(mv.features) features, \(mv.components) components, bounds "
                + "[\(ReportFormat.number(mv.lower)), \(ReportFormat.number(mv.upper))]"
        )
    }
    for note in profile.notes { print("note: \(note)") }
}
