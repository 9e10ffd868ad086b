import ArgumentParser
import Foundation

/// `driftwatch`: argument parsing only; each subcommand is a thin call into the modules.
/// Exit codes: 0 ok, 1 drift found (with `--fail-on-drift`), 2 usage or input error.
@main
struct Driftwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "driftwatch",
        abstract: "Model-drift monitoring: baselines, offline comparison, and the sidecar.",
        subcommands: [
            BaselineCommand.self, CompareCommand.self, ServeCommand.self, CheckConfigCommand.self, RulesCommand.self,
            MetricsCommand.self, SimulateCommand.self,
        ]
    )

    /// ArgumentParser exits 64 on usage errors; the contract says 2 for usage and input errors.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("driftwatch: error: \(error.message)\n".utf8))
            Foundation.exit(2)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data("\(message)\n".utf8))
            Foundation.exit(2)
        }
    }
}

/// An error for the user: printed after "driftwatch: error:", exit code 2.
struct CLIError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
