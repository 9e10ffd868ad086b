import ArgumentParser
import DriftCore
import DriftRecords
import DriftStore
import Foundation
import Yams

struct StoreOptions: ParsableArguments {
    @Option(help: "Path of the SQLite baseline database.")
    var db: String
}

/// Opens the store, turning store errors into user errors.
func openStore(_ options: StoreOptions, mode: Store.OpenMode) throws -> Store {
    do { return try Store(path: options.db, mode: mode) } catch let e as StoreError {
        throw CLIError(e.description)
    }
}

func storeCall<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as StoreError { throw CLIError(e.description) }
}

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Build and manage versioned training baselines.",
        subcommands: [Build.self, List.self, Show.self, Export.self, Delete.self]
    )

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Profile training data (CSV or JSON lines) into a new baseline version.")

        @OptionGroup var store: StoreOptions
        @Option(help: "Model name (letters, digits, _ . : -).") var model: String
        @Option(help: "Version to store (default: the next integer).") var version: String?
        @Option(help: "Training data: .csv (header row) or .jsonl/.ndjson; - for stdin.") var data: String
        @Option(name: .customLong("input-format"), help: "csv or jsonl (default: from the file name).") var inputFormat:
            String?
        @Option(help: "Schema YAML (features: [{name, kind: numeric|categorical, role: feature|prediction|score}]).")
        var schema: String?
        @Option(help: "Comma-separated columns to treat as categorical when inferring.") var categorical: String?
        @Option(help: "Comma-separated columns to leave out when inferring (ids, timestamps).") var exclude: String?
        @Option(help: "Quantile bins per numeric feature.") var bins = 10
        @Option(name: .customLong("sample-size"), help: "Rows sampled for KS, bands and PCA (exact below).")
        var sampleSize = 100_000
        @Option(help: "Reference chunks for data-driven bands.") var chunks = 10
        @Option(name: .customLong("top-categories"), help: "Categories kept per feature (rest: __other__).")
        var topCategories = 1_000
        @Option(help: "Seed of the row sample.") var seed: UInt64 = 0x5EED_D81F
        @Option(
            name: .customLong("max-sample-values"),
            help: "Rows × features the row sample holds at most (wide data samples fewer rows).")
        var maxSampleValues = BuildSettings().maxSampleValues
        @Option(
            name: .customLong("max-multivariate-features"), help: "Numeric features above which no PCA model is fitted."
        )
        var maxMultivariateFeatures = BuildSettings().maxMultivariateFeatures
        @Option(
            name: .customLong("max-refused"),
            help:
                "JSON lines the record contract may refuse (malformed, not an object, no features) before the build fails."
        )
        var maxRefused = 0
        @Option(help: "Summary format: text or json.") var format = "text"

        func run() throws {
            var settings = BuildSettings()
            settings.binCount = bins
            settings.sampleCapacity = sampleSize
            settings.chunkCount = chunks
            settings.topCategories = topCategories
            settings.maxTrackedCategories = max(settings.maxTrackedCategories, topCategories)
            settings.seed = seed
            settings.maxSampleValues = maxSampleValues
            settings.maxMultivariateFeatures = maxMultivariateFeatures
            do { try settings.validate() } catch let e as SchemaError { throw CLIError(e.message) }
            try Store.validateNameForCLI(model, what: "model")
            if let version { try Store.validateNameForCLI(version, what: "version") }
            guard format == "text" || format == "json" else { throw CLIError("--format must be text or json") }

            let input = try InputFile(path: data, format: inputFormat)
            let explicit = try schema.map(loadSchema)
            var options = SchemaInference.Options()
            options.categorical = Set(split(categorical))
            options.exclude = Set(split(exclude))
            var reader = TableReader(format: input.format, schema: explicit, model: model, inference: options)
            var builder: BaselineBuilder?
            try input.read(into: &reader) { batch, schema in
                // The schema is known (given or just inferred) by the first batch; settings are valid.
                if builder == nil {
                    builder = try BaselineBuilder(schema: schema, settings: settings)
                    builder!.workers = cliWorkers
                }
                builder!.add(batch)
            }
            // A baseline is a contract: by default a record the contract refuses fails the build.
            if reader.rejectedCount > maxRefused {
                let first = reader.rejectedExamples.first
                let field = first.map { $0.field.isEmpty ? "" : " (field \"\($0.field)\")" } ?? ""
                throw CLIError(
                    "\(input.displayName):\(first?.line ?? 0): \(first?.reason ?? "refused")\(field); "
                        + "\(reader.rejectedCount) records refused in all (--max-refused \(maxRefused))")
            }
            guard let builder else { throw CLIError("\(input.displayName): no data rows") }
            var notes = reader.notes
            if !reader.absentFeatures.isEmpty {
                notes.append(
                    "schema features not in the input (all missing): \(reader.absentFeatures.joined(separator: ", "))")
            }
            if !reader.unknownColumns.isEmpty {
                notes.append(
                    "input columns not in the schema (ignored): \(reader.unknownColumns.joined(separator: ", "))")
            }
            notes += input.refusalNotes(reader)
            if let first = reader.invalidExamples.first {
                notes.append(
                    "invalid values were counted, not profiled; first: \(input.displayName):\(first.line) field \"\(first.feature)\": \(first.reason)"
                )
            }
            let profile: BaselineProfile
            do { profile = try builder.finish(notes: notes) } catch {
                throw CLIError("\(input.displayName): \(error)")
            }
            let db = try openStore(store, mode: .create)
            let source = data == "-" ? "<stdin>" : URL(fileURLWithPath: data).lastPathComponent
            let record = try storeCall {
                try db.save(profile, model: model, version: version, source: source, createdAt: Date())
            }
            try printBaseline(record: record, profile: profile, format: format)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored baselines, newest first.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Only this model.") var model: String?
        @Option(help: "text or json.") var format = "text"

        func run() throws {
            let db = try openStore(store, mode: .readOnly)
            let records = try storeCall { try db.list(model: model) }
            if format == "json" {
                print(try jsonString(records))
            } else {
                var rows = [["MODEL", "VERSION", "CREATED", "SOURCE", "ROWS", "FEATURES", "SIZE", "CHECKSUM"]]
                for r in records {
                    rows.append([
                        r.model, r.version, ReportFormat.timestamp(r.createdAt), r.source, "\(r.rows)", "\(r.features)",
                        ConfigValues.format(bytes: r.sizeBytes),
                        r.damage == nil ? String(r.checksum.prefix(19)) : "DAMAGED",
                    ])
                }
                print(table(rows), terminator: "")
            }
            // Every record is listed (so the damaged one can be found and deleted), then the damage
            // is reported and the exit code says it.
            let damaged = records.compactMap(\.damage)
            if !damaged.isEmpty { throw CLIError(damaged.joined(separator: "\n")) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Summarise one baseline (verifies its checksum).")
        @OptionGroup var store: StoreOptions
        @Option var model: String
        @Option(help: "Version, or latest.") var version = "latest"
        @Option(help: "text or json.") var format = "text"

        func run() throws {
            let db = try openStore(store, mode: .readOnly)
            let stored = try storeCall { try db.load(model: model, version: version) }
            try printBaseline(record: stored.record, profile: stored.profile, format: format)
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a baseline as readable, diffable JSON (verifies its checksum).")
        @OptionGroup var store: StoreOptions
        @Option var model: String
        @Option(help: "Version, or latest.") var version = "latest"
        @Option(help: "Output file (default: stdout).") var output: String?
        @Flag(name: .customLong("include-samples"), help: "Also write the sorted reference samples.")
        var includeSamples = false

        func run() throws {
            let db = try openStore(store, mode: .readOnly)
            let stored = try storeCall { try db.load(model: model, version: version) }
            let document = BaselineExport(
                baseline: stored.record, profile: stored.profile,
                samples: includeSamples
                    ? Dictionary(
                        uniqueKeysWithValues: stored.profile.features.compactMap { f in
                            f.numeric.map { (f.name, $0.sample) }
                        }) : nil)
            try writeOutput(try jsonString(document) + "\n", to: output)
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete one baseline version.")
        @OptionGroup var store: StoreOptions
        @Option var model: String
        @Option(help: "The version to delete.") var version: String

        func run() throws {
            let db = try openStore(store, mode: .readWrite)
            guard try storeCall({ try db.delete(model: model, version: version) }) else {
                throw CLIError(StoreError.notFound(model: model, version: version).description)
            }
            print("deleted \(model) version \(version)")
        }
    }
}

/// The JSON `baseline export` writes.
struct BaselineExport: Encodable {
    let baseline: BaselineRecord
    let profile: BaselineProfile
    let samples: [String: [Double]]?
}

extension Store {
    static func validateNameForCLI(_ name: String, what: String) throws {
        do { try validateName(name, what: what) } catch let e as StoreError { throw CLIError(e.description) }
    }
}

func split(_ list: String?) -> [String] {
    (list ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

func loadSchema(_ path: String) throws -> Schema {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw CLIError("\(path): cannot read the schema file")
    }
    do {
        return try YAMLDecoder().decode(Schema.self, from: text)
    } catch let DecodingError.dataCorrupted(c) {
        throw CLIError("\(path): \(c.debugDescription)")
    } catch let DecodingError.keyNotFound(key, c) {
        throw CLIError("\(path): missing key \"\(key.stringValue)\" at \(codingPath(c.codingPath))")
    } catch let DecodingError.typeMismatch(_, c) {
        throw CLIError("\(path): wrong type at \(codingPath(c.codingPath)): \(c.debugDescription)")
    } catch let DecodingError.valueNotFound(_, c) {
        throw CLIError("\(path): missing value at \(codingPath(c.codingPath))")
    } catch {
        throw CLIError("\(path): \(error)")
    }
}

func codingPath(_ path: [any CodingKey]) -> String {
    let key = ConfigError.keyPath(path)
    return key.isEmpty ? "top level" : key
}
