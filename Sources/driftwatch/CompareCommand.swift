#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import DriftMonitor
import DriftCore
import DriftRecords
import DriftStore
import Foundation
import Yams

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Judge a dataset against a stored baseline with the sidecar's evaluation.",
        discussion: "Exit codes: 0 ok, 1 dataset drift with --fail-on-drift, 2 usage or input error.")

    @OptionGroup var store: StoreOptions
    @Option var model: String
    @Option(help: "Baseline version, or latest.") var version = "latest"
    @Option(help: "Current data: .csv or .jsonl/.ndjson; - for stdin.") var data: String
    @Option(name: .customLong("input-format"), help: "csv or jsonl (default: from the file name).") var inputFormat:
        String?
    @Option(help: "json, text or html (a self-contained page; default: text on a terminal, json otherwise).")
    var format: String?
    @Option(help: "Write the report here instead of stdout.") var output: String?
    @Flag(name: .customLong("fail-on-drift"), help: "Exit 1 when the dataset drifts.") var failOnDrift = false
    @Option(help: "Evaluation settings YAML (tests, thresholds, per-feature overrides).") var settings: String?
    @Option(name: .customLong("thresholds"), help: "fixed, or baseline (the baseline's chunk bands: mean + 3σ).")
    var thresholdSource: String?
    @Option(name: .customLong("min-samples"), help: "Present values below which a verdict is insufficient_data.")
    var minSamples: Int?
    @Option(name: .customLong("dataset-share"), help: "Share of drifted features at which the dataset drifts.")
    var datasetShare: Double?
    @Option(name: .customLong("max-rows"), help: "Rows kept exactly for the tests; a uniform sample beyond.")
    var maxRows = 1_000_000

    func run() throws {
        let format = self.format ?? (isatty(1) == 1 && output == nil ? "text" : "json")
        guard ["json", "text", "html"].contains(format) else { throw CLIError("--format must be json, text or html") }
        guard maxRows >= 1 else { throw CLIError("--max-rows must be ≥ 1") }
        var evaluation = try settings.map(loadSettings) ?? EvaluationSettings()
        if let thresholdSource {
            guard let s = ThresholdSource(rawValue: thresholdSource) else {
                throw CLIError("--thresholds must be fixed or baseline")
            }
            evaluation.thresholdSource = s
        }
        if let minSamples { evaluation.minSamples = minSamples }
        if let datasetShare { evaluation.datasetDriftShare = datasetShare }

        let input = try InputFile(path: data, format: inputFormat)
        let db = try openStore(store, mode: .readOnly)
        let stored = try storeCall { try db.load(model: model, version: version) }
        var evaluator: Evaluator
        do {
            evaluator = try Evaluator(
                baseline: stored.profile, model: model, baselineVersion: stored.record.version,
                settings: evaluation)
        } catch let e as SchemaError {
            throw CLIError("\(settings ?? "settings"): \(e.message)")
        }
        evaluator.workers = cliWorkers
        // The sidecar's typing path and per-model machine: the file is one tumbling window, fed in
        // order, then one final evaluation tick whose report goes back to the monitor (no alerts).
        var monitor = ModelMonitor(window: evaluator.makeWindow(capacity: maxRows))
        var reader = TableReader(format: input.format, schema: stored.profile.schema, model: model)
        try input.read(into: &reader) { batch, _ in monitor.accept(batch, at: 0) }
        let tick = monitor.evaluationTick(now: 0, force: true)!
        var report = monitor.evaluated(try evaluator.evaluate(tick.window.snapshot()), of: tick, at: 0).report
        report.invalidExamples = reader.invalidExamples
        report.notes += input.refusalNotes(reader)
        if !reader.absentFeatures.isEmpty {
            report.notes.append(
                "baseline features not in \(input.displayName) (all missing): \(reader.absentFeatures.joined(separator: ", "))"
            )
        }
        if !reader.unknownColumns.isEmpty {
            report.notes.append(
                "columns not in the baseline schema (ignored): \(reader.unknownColumns.joined(separator: ", "))")
        }
        let text =
            switch format {
            case "json": try jsonString(report) + "\n"
            case "html": HTMLReport.render(report, source: input.displayName, generatedAt: Date())
            default: renderText(report)
            }
        try writeOutput(text, to: output)
        if failOnDrift && report.dataset.drift { throw ExitCode(1) }
    }
}

/// A settings file: evaluation keys only (an unknown or misspelt key is an error, not ignored).
private struct SettingsDocument: Decodable {
    let settings: EvaluationSettings
    init(from decoder: any Decoder) throws { settings = try EvaluationSettings.decodeDocument(from: decoder) }
}

func loadSettings(_ path: String) throws -> EvaluationSettings {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw CLIError("\(path): cannot read the settings file")
    }
    do {
        let s = try YAMLDecoder().decode(SettingsDocument.self, from: text).settings
        try s.validate()
        return s
    } catch let e as SchemaError {
        throw CLIError("\(path): \(e.message)")
    } catch let e as ConfigError {
        throw CLIError("\(path): \(e)")
    } catch let DecodingError.dataCorrupted(c) where c.underlyingError is ConfigError {
        // Yams wraps errors thrown by our decoders; the underlying one names the key.
        throw CLIError("\(path): \(c.underlyingError!)")
    } catch let DecodingError.dataCorrupted(c) {
        throw CLIError("\(path): at \(codingPath(c.codingPath)): \(c.debugDescription)")
    } catch let DecodingError.typeMismatch(_, c) {
        throw CLIError("\(path): wrong type at \(codingPath(c.codingPath)): \(c.debugDescription)")
    } catch {
        throw CLIError("\(path): \(error)")
    }
}

/// The readable table of `compare --format text`.
func renderText(_ r: DriftReport) -> String {
    var out = "model \(r.model), baseline version \(r.baselineVersion), \(r.rows) rows"
    out += r.exact ? "\n\n" : " (tests on a uniform sample of \(r.sampledRows))\n\n"
    var rows = [["FEATURE", "KIND", "COUNT", "STATUS", "PSI", "KS D / TVD", "P (ADJ)", "MISSING", "OUT/UNSEEN"]]
    let order = r.features.enumerated().sorted { a, b in
        let ra = a.element.status.severityRank, rb = b.element.status.severityRank
        return ra != rb ? ra < rb : a.offset < b.offset
    }.map(\.element)
    for f in order {
        rows.append([
            f.name, f.kind.rawValue, "\(f.count)", f.status.rawValue + (f.ignored == true ? " (ignored)" : ""),
            ReportFormat.number(f.tests.psi?.value, digits: 3), ReportFormat.number(f.effectSize, digits: 3),
            ReportFormat.number(f.adjustedPValue, digits: 2),
            ReportFormat.percent(f.quality.missingRatio), ReportFormat.percent(f.outsideBaselineRatio),
        ])
    }
    out += table(rows)
    let m = r.multivariate
    if m.available, let v = m.value, let lo = m.lower, let hi = m.upper {
        out +=
            "\nmultivariate (PCA reconstruction): \(ReportFormat.number(v)) in [\(ReportFormat.number(lo)), \(ReportFormat.number(hi))]: "
            + "\(m.status?.rawValue ?? "-")\n"
    } else {
        out += "\nmultivariate: \(m.reason ?? "not available")\n"
    }
    let d = r.dataset
    out +=
        "dataset: \(d.driftedFeatures) of \(d.evaluatedFeatures) features drifted (share \(ReportFormat.number(d.share, digits: 3)), "
        + "threshold \(ReportFormat.number(d.threshold, digits: 3))): \(d.drift ? "DRIFT" : d.status.rawValue)\n"
    let s = r.settings
    out +=
        "thresholds: significance \(s.thresholds.significance) after \(s.correction.rawValue); "
        + s.effectTestsInUse.map { "\($0.effect!.key) \(s.thresholds[effect: $0.test])" }.joined(separator: ", ")
        + " (\(s.thresholdSource.rawValue)); min samples \(s.minSamples)\n"
    for e in r.invalidExamples.prefix(3) { out += "invalid: line \(e.line), field \"\(e.feature)\": \(e.reason)\n" }
    for n in r.notes { out += "note: \(n)\n" }
    return out
}
