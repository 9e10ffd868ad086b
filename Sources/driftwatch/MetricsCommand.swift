import ArgumentParser
import DriftCore

/// `driftwatch metrics`: the metric reference, printed from the same catalog the sidecar
/// registers its metrics from (the README's "Metric reference" is this output).
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print the reference of every metric the sidecar publishes on /metrics.",
        discussion: "The README's metric reference is this command's Markdown output.")

    @Option(help: "markdown, or names (one family name a line).") var format = "markdown"

    func run() throws {
        switch format {
        case "markdown": print(MetricCatalog.markdown(), terminator: "")
        case "names": for m in MetricCatalog.all { print(m.name) }
        default: throw CLIError("--format must be markdown or names")
        }
    }
}
