import ArgumentParser
import DriftConfig
import DriftRecords
#if canImport(Glibc)
import Glibc
#endif
import DriftCore
import DriftServer
import DriftStore
import Foundation
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the sidecar: HTTP ingest, log tailing, windows, evaluation, /metrics.",
        discussion: "SIGTERM or SIGINT: stop accepting, finish in-flight requests, checkpoint, exit 0.")

    @Option(help: "Sidecar configuration YAML (see config/driftwatch.example.yaml).") var config: String

    func run() async throws {
        limitMallocArenas()
        let cfg = try loadConfig(config)
        let level = Logger.Level(rawValue: cfg.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "driftwatch")
        let descriptors = raiseDescriptorLimit()
        // Connections, journal segments, SQLite (database, WAL, shm), tailed files, outgoing alerts.
        let reserve = 64 + 2 * cfg.models.count + cfg.sources.count
        if descriptors < cfg.maxConnections + reserve {
            let why =
                "the descriptor limit (\(descriptors)) is below max_connections (\(cfg.maxConnections)) + \(reserve) for files: "
                + "lower max_connections or raise the limit (ulimit -n)"
            logger.warning("\(why)")
        }
        let started = ContinuousClock.now
        let sidecar: Sidecar
        do {
            sidecar = try Sidecar.open(config: cfg, logger: logger)
        } catch let e as ConfigError {
            throw CLIError("\(config): \(e)")
        } catch let e as StoreError {
            throw CLIError(e.description)
        }
        logger.info(
            "loaded \(cfg.models.count) model(s) in \(started.duration(to: .now)); listening on \(cfg.listenHost):\(cfg.listenPort)"
        )
        let app = buildApplication(sidecar, logger: logger)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}

/// Raises the soft limit on open descriptors to the hard limit (a soft limit of 1 024 is common;
/// 1 100 idle connections against it made the sidecar unreachable) and returns the limit now in
/// effect.
func raiseDescriptorLimit() -> Int {
    #if canImport(Glibc)
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
    if limit.rlim_cur < limit.rlim_max {
        var raised = limit
        raised.rlim_cur = limit.rlim_max
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
    }
    return limit.rlim_cur > rlim_t(Int.max) ? .max : Int(limit.rlim_cur)
    #else
    return 1024
    #endif
}

/// Caps glibc's malloc arenas at 2 unless `MALLOC_ARENA_MAX` (or `GLIBC_TUNABLES` arena_max) is set. glibc gives threads that
/// contend for malloc arenas of their own (up to 8 per core the node has, not per core the pod
/// may use), and memory freed in one arena is not reused by another. `bench/soak.sh --seconds
/// 150` (100k × 15 window, single-event load): 88 → 90 MB with two arenas; 94 → 100 MB, still
/// rising, with glibc's default of 16 on 2 cores. Throughput and evaluation time did not change
/// measurably. (A fixed mmap threshold, which returns every large block at once, cut RSS to
/// 69 MB but tripled the evaluation time: 41 ms against 13.)
func limitMallocArenas() {
    #if canImport(Glibc)
    // `mallopt` is not in Swift's Glibc module (malloc.h is not part of it); M_ARENA_MAX is -8.
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    let tunables = getenv("GLIBC_TUNABLES").map { String(cString: $0) } ?? ""
    guard getenv("MALLOC_ARENA_MAX") == nil, !tunables.contains("arena_max"),
        let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt")
    else { return }
    _ = unsafeBitCast(symbol, to: Mallopt.self)(-8, 2)
    #endif
}

/// Loads a sidecar configuration; a ConfigError becomes a CLI error (exit 2). `environment`: the
/// variables that override secrets (nil: none, as for generating rules).
func loadConfig(
    _ path: String, environment: [String: String]? = ProcessInfo.processInfo.environment
) throws -> SidecarConfig {
    do { return try SidecarConfig.load(path: path, environment: environment) } catch let e as ConfigError {
        throw CLIError(e.description)
    }
}

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a sidecar configuration and print the effective settings.",
        discussion:
            "Checks every key (errors name it), that the store opens and that each model's baseline exists and fits its settings. Exit 0 "
            + "valid, 2 invalid."
    )

    @Argument(help: "Configuration YAML.") var file: String
    @Flag(name: .customLong("no-store"), help: "Do not open the store (syntax and values only).") var noStore = false

    func run() throws {
        let cfg = try loadConfig(file)
        if !noStore {
            let store: Store
            do { store = try Store(path: cfg.store, mode: .readOnly) } catch let e as StoreError {
                throw CLIError("\(file): store: \(e)")
            }
            for (i, m) in cfg.models.enumerated() {
                do {
                    let b = try store.load(model: m.name, version: m.baseline)
                    _ = try Evaluator(
                        baseline: b.profile, model: m.name, baselineVersion: b.record.version, settings: m.evaluation)
                } catch let e as StoreError {
                    throw CLIError("\(file): models[\(i)].baseline: \(e)")
                } catch let e as SchemaError {
                    throw CLIError("\(file): models[\(i)]: \(e.message)")
                }
            }
        }
        print("# \(file): valid" + (noStore ? " (store not checked)" : "; baselines found"))
        print(cfg.effectiveYAML(), terminator: "")
    }
}
