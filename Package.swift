// swift-tools-version: 6.2
// Driftwatch: model-drift monitoring sidecar and CLI. Module layout: ../shared/DESIGN.md.
import PackageDescription

let package = Package(
    name: "driftwatch",
    products: [
        .library(name: "DriftStats", targets: ["DriftStats"]),
        .executable(name: "driftwatch-bench", targets: ["driftwatch-bench"]),
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
        .executableTarget(
            name: "driftwatch-bench",
            dependencies: ["DriftStats"]
        ),
        .testTarget(
            name: "DriftStatsTests",
            dependencies: ["DriftStats"],
            exclude: ["Fixtures"]
        ),
    ]
)
