// swift-tools-version: 6.2
// Driftwatch: model-drift monitoring sidecar and CLI. Module layout: ../shared/DESIGN.md.
import PackageDescription

let package = Package(
    name: "driftwatch",
    products: [
        .library(name: "DriftStats", targets: ["DriftStats"]),
        .library(name: "DriftRecords", targets: ["DriftRecords"]),
        .library(name: "DriftCore", targets: ["DriftCore"]),
        .library(name: "DriftAlerting", targets: ["DriftAlerting"]),
        .library(name: "DriftConfig", targets: ["DriftConfig"]),
        .library(name: "DriftMonitor", targets: ["DriftMonitor"]),
        .library(name: "DriftStore", targets: ["DriftStore"]),
        .library(name: "DriftServer", targets: ["DriftServer"]),
        .executable(name: "driftwatch", targets: ["driftwatch"]),
        .executable(name: "driftwatch-bench", targets: ["driftwatch-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        // System LAPACK/BLAS (Debian: liblapack-dev, libblas-dev, liblapacke-dev for <lapack.h>).
        .systemLibrary(
            name: "CLAPACK",
            pkgConfig: "lapack",
            providers: [.apt(["liblapack-dev", "libblas-dev", "liblapacke-dev"])]
        ),
        // Pure numerics: no I/O, no clock.
        .target(
            name: "DriftStats",
            dependencies: ["CLAPACK"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        // Records from bytes: number, CSV and JSON lexers, the schema and its inference, and the one
        // typing path from CSV rows, JSON-lines records and HTTP bodies to columnar event batches.
        // No I/O, no clock.
        .target(name: "DriftRecords"),
        // The slim core: config-table machinery, baseline profiles, windows, the drift-test registry
        // and evaluator with its report, the metric catalog. No I/O, no clock.
        .target(
            name: "DriftCore",
            dependencies: ["DriftStats", "DriftRecords"]
        ),
        // Alert decisions: the alert engine, payloads, the outbox's delivery policy and the alerting
        // config. No I/O, no clock.
        .target(
            name: "DriftAlerting",
            dependencies: ["DriftRecords", "DriftCore"]
        ),
        // The per-model state machine (ModelMonitor): window, schedule, checkpoints, the published
        // report and the model's alert engine; `serve` and `compare` both drive it. No I/O, no clock.
        .target(
            name: "DriftMonitor",
            dependencies: ["DriftRecords", "DriftCore", "DriftAlerting"]
        ),
        // The sidecar's config (one table per section: keys, rules, summary) and the Prometheus rules
        // it implies. No I/O, no clock.
        .target(
            name: "DriftConfig",
            dependencies: ["DriftRecords", "DriftCore", "DriftAlerting"]
        ),
        // SQLite persistence (GRDB, WAL): versioned immutable baselines with checksums.
        .target(
            name: "DriftStore",
            dependencies: [
                "DriftRecords", "DriftCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The sidecar: HTTP ingest and probes (Hummingbird), the log tailer, the event journal,
        // metrics publishing (swift-prometheus), alert delivery (async-http-client, an outbox in SQLite), and
        // the services that run them (ServiceLifecycle).
        .target(
            name: "DriftServer",
            dependencies: [
                "DriftRecords", "DriftCore", "DriftAlerting", "DriftConfig", "DriftMonitor", "DriftStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ]
        ),
        // The executable: argument parsing and file/terminal edges only.
        .executableTarget(
            name: "driftwatch",
            dependencies: [
                "DriftStats", "DriftRecords", "DriftCore", "DriftAlerting", "DriftConfig", "DriftMonitor",
                "DriftStore", "DriftServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "driftwatch-bench",
            dependencies: ["DriftStats", "DriftRecords", "DriftCore", "DriftAlerting", "DriftMonitor"]
        ),
        .testTarget(
            name: "DriftStatsTests",
            dependencies: ["DriftStats"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "DriftCoreTests",
            dependencies: ["DriftRecords", "DriftCore", "DriftAlerting", "DriftConfig", "DriftMonitor"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "DriftStoreTests",
            dependencies: ["DriftRecords", "DriftCore", "DriftStore"]
        ),
        .testTarget(
            name: "DriftServerTests",
            dependencies: [
                "DriftRecords", "DriftCore", "DriftAlerting", "DriftConfig", "DriftMonitor", "DriftServer",
                "DriftStore", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Runs the built `driftwatch` binary as users do (exit codes, stdout/stderr).
        .testTarget(
            name: "DriftwatchCLITests",
            dependencies: ["driftwatch", "DriftRecords", "DriftCore", "DriftConfig", "DriftServer"]
        ),
    ]
)
