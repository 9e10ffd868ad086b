// driftwatch-bench: times the DriftStats operations a sidecar runs on every evaluation, on seeded
// synthetic data, and (with --data-dir) writes that data so bench/stats_reference.py can time
// scipy/numpy/scikit-learn on exactly the same numbers. bench/stats.sh runs both and prints ratios.
//
// Usage: driftwatch-bench stats [--data-dir DIR] [--json FILE] [--min-seconds S]
//        driftwatch-bench checkpoint   (bytes written per day: Checkpoint.swift)
//        driftwatch-bench ingest       (parse + window insert per request, no HTTP: Ingest.swift)
import DriftCore
import DriftStats
import Foundation

struct Options {
    var dataDirectory: String?
    var jsonPath: String?
    var minSeconds = 0.5
}

func parseOptions() -> Options {
    var options = Options()
    var args = CommandLine.arguments.dropFirst()
    if args.first == "stats" { args = args.dropFirst() }
    while let arg = args.popFirst() {
        switch arg {
        case "--data-dir": options.dataDirectory = args.popFirst()
        case "--json": options.jsonPath = args.popFirst()
        case "--min-seconds": options.minSeconds = Double(args.popFirst() ?? "") ?? options.minSeconds
        case "-h", "--help":
            print("usage: driftwatch-bench stats [--data-dir DIR] [--json FILE] [--min-seconds S]")
            exit(0)
        default:
            FileHandle.standardError.write("driftwatch-bench: unknown argument \(arg)\n".data(using: .utf8)!)
            exit(2)
        }
    }
    return options
}

/// Standard normal variates by Box–Muller from a seeded SplitMix64.
struct NormalGenerator {
    var rng: SplitMix64
    var spare: Double?
    init(seed: UInt64) { rng = SplitMix64(seed: seed) }
    mutating func next() -> Double {
        if let s = spare { spare = nil; return s }
        var u = rng.nextUnit()
        while u == 0 { u = rng.nextUnit() }
        let v = rng.nextUnit()
        let r = (-2 * log(u)).squareRoot()
        spare = r * sin(2 * .pi * v)
        return r * cos(2 * .pi * v)
    }
    mutating func sample(_ n: Int, mean: Double = 0, sd: Double = 1) -> [Double] {
        (0..<n).map { _ in mean + sd * next() }
    }
}

/// n×p matrix of correlated features: independent normals mixed by a fixed random p×p matrix,
/// plus a per-column shift.
func correlated(rows n: Int, columns p: Int, seed: UInt64, shift: Double = 0) -> Matrix {
    var g = NormalGenerator(seed: 99)
    var mixing = [Double](repeating: 0, count: p * p)
    for i in 0..<(p * p) { mixing[i] = g.next() * 0.5 }
    for i in 0..<p { mixing[i * p + i] += 1 }
    var data = NormalGenerator(seed: seed)
    var m = Matrix(rows: n, columns: p)
    var z = [Double](repeating: 0, count: p)
    for r in 0..<n {
        for j in 0..<p { z[j] = data.next() }
        for c in 0..<p {
            var s = shift
            for j in 0..<p { s += z[j] * mixing[j * p + c] }
            m[r, c] = s
        }
    }
    return m
}

/// Category codes 0..<k with Zipf-like weights 1/(i+1)^s.
func zipfCodes(_ n: Int, categories k: Int, exponent s: Double, seed: UInt64) -> [Int32] {
    let weights = (0..<k).map { 1 / pow(Double($0 + 1), s) }
    let total = weights.reduce(0, +)
    var cumulative: [Double] = []
    var acc = 0.0
    for w in weights { acc += w / total; cumulative.append(acc) }
    var rng = SplitMix64(seed: seed)
    return (0..<n).map { _ in
        let u = rng.nextUnit()
        var lo = 0, hi = k - 1
        while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] < u { lo = mid + 1 } else { hi = mid } }
        return Int32(lo)
    }
}

func write(_ values: [Double], to path: String) throws {
    try values.withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: path)) }
}

func write(_ values: [Int32], to path: String) throws {
    try values.withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: path)) }
}

/// Row-major copy of a matrix (numpy's default layout).
func rowMajor(_ m: Matrix) -> [Double] {
    var out = [Double](repeating: 0, count: m.rows * m.columns)
    for r in 0..<m.rows { for c in 0..<m.columns { out[r * m.columns + c] = m[r, c] } }
    return out
}

struct Measurement: Codable {
    let name: String
    let description: String
    let medianSeconds: Double
    let runs: Int
    let checksum: Double
}

/// Median wall time over at least 5 runs and `minSeconds` of total time (after one warm-up run).
func measure(
    _ name: String, _ description: String, minSeconds: Double, _ body: () throws -> Double
) rethrows -> Measurement {
    let clock = ContinuousClock()
    var checksum = try body()  // warm-up
    var times: [Double] = []
    let start = clock.now
    while times.count < 5 || (clock.now - start < .seconds(minSeconds) && times.count < 201) {
        let t0 = clock.now
        checksum = try body()
        let elapsed = clock.now - t0
        times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
    times.sort()
    let median =
        times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
    return Measurement(
        name: name, description: description, medianSeconds: median, runs: times.count, checksum: checksum)
}

func lapackProvider() -> String {
    let path = "/usr/lib/x86_64-linux-gnu/liblapack.so.3"
    let resolved = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { link -> String in
        (try? FileManager.default.destinationOfSymbolicLink(atPath: link)) ?? link
    }
    return resolved ?? "unknown"
}

if CommandLine.arguments.dropFirst().first == "checkpoint" {
    checkpointBenchmark()
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "ingest" {
    ingestBenchmark(minSeconds: 2)
    exit(0)
}
let options = parseOptions()
var normals = NormalGenerator(seed: 2026)

// Data.
let ksReference = FastSort.sorted(normals.sample(100_000))
let ksCurrent = normals.sample(100_000, mean: 0.02)
let exactA = normals.sample(10_000)
let exactB = normals.sample(10_000, mean: 0.03)
let chiReferenceCodes = zipfCodes(1_000_000, categories: 50, exponent: 1.1, seed: 1)
let chiCurrentCodes = zipfCodes(1_000_000, categories: 50, exponent: 1.05, seed: 2)
var referenceCounts = [Int](repeating: 0, count: 50)
for c in chiReferenceCodes { referenceCounts[Int(c)] += 1 }
let psiReference = normals.sample(100_000)
let psiCurrent = normals.sample(1_000_000, mean: 0.1, sd: 1.1)
let psiBins = try NumericBins(reference: psiReference)
let psiReferenceCounts = psiBins.histogram(psiReference)
let pcaReference = correlated(rows: 100_000, columns: 20, seed: 3)
let pcaCurrent = correlated(rows: 10_000, columns: 20, seed: 4, shift: 0.05)
let hotellingX = pcaReference
let hotellingY = correlated(rows: 100_000, columns: 20, seed: 5, shift: 0.01)
let pcaModel = try PCAReconstructionModel(reference: pcaReference)
let sortInput = normals.sample(1_000_000, mean: 3, sd: 2)

if let dir = options.dataDirectory {
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try write(ksReference, to: "\(dir)/ks_reference.f64")
    try write(ksCurrent, to: "\(dir)/ks_current.f64")
    try write(exactA, to: "\(dir)/exact_a.f64")
    try write(exactB, to: "\(dir)/exact_b.f64")
    try write(chiReferenceCodes, to: "\(dir)/chi_reference.i32")
    try write(chiCurrentCodes, to: "\(dir)/chi_current.i32")
    try write(psiReference, to: "\(dir)/psi_reference.f64")
    try write(psiCurrent, to: "\(dir)/psi_current.f64")
    try write(rowMajor(pcaReference), to: "\(dir)/pca_reference_100000x20.f64")
    try write(rowMajor(pcaCurrent), to: "\(dir)/pca_current_10000x20.f64")
    try write(rowMajor(hotellingY), to: "\(dir)/hotelling_y_100000x20.f64")
    try write(sortInput, to: "\(dir)/sort_input.f64")
}

let t = options.minSeconds
var results: [Measurement] = []
results.append(
    try measure("ks_sorted_ref_100k", "KS 100k vs 100k, reference pre-sorted (sort window + D + p)", minSeconds: t) {
        try KolmogorovSmirnov.test(sortedReference: ksReference, current: ksCurrent).pValue
    })
results.append(
    try measure("ks_exact_10k", "KS 10k vs 10k, exact p-value (sorts both)", minSeconds: t) {
        try KolmogorovSmirnov.test(exactA, exactB).pValue
    })
/// The evaluator's per-column sort: a worker's reused buffer refilled with the column, sorted in place.
final class SortBuffers { var values: [Double] = []; var scratch: [UInt64] = [] }
let sortBuffers = SortBuffers()
results.append(
    measure(
        "sort_1M", "sort 1M doubles in place, reused buffers (the evaluator's column sort; refill included)",
        minSeconds: t
    ) {
        sortBuffers.values.removeAll(keepingCapacity: true)
        sortBuffers.values.append(contentsOf: sortInput)
        FastSort.sort(&sortBuffers.values, scratch: &sortBuffers.scratch)
        return sortBuffers.values[500_000]
    })
results.append(
    try measure("chi2_50cat_1M", "chi-square: count 1M category codes into 50 + test", minSeconds: t) {
        var counts = [Int](repeating: 0, count: 50)
        chiCurrentCodes.withUnsafeBufferPointer { codes in
            counts.withUnsafeMutableBufferPointer { c in for code in codes { c[Int(code)] += 1 } }
        }
        return try ChiSquareTest.homogeneity(reference: referenceCounts, current: counts).statistic
    })
results.append(
    try measure("psi_1M", "PSI: bin 1M values on 10 stored quantile bins + PSI", minSeconds: t) {
        try PopulationStabilityIndex.value(
            referenceCounts: psiReferenceCounts, currentCounts: psiBins.histogram(psiCurrent))
    })
results.append(
    try measure("pca_fit_100kx20", "PCA reconstruction fit on 100k x 20 (incl. reference chunk bounds)", minSeconds: t)
    {
        try PCAReconstructionModel(reference: pcaReference).upperBound
    })
results.append(
    try measure("pca_score_10kx20", "PCA reconstruction error of 10k x 20 rows", minSeconds: t) {
        try pcaModel.evaluate(pcaCurrent).value
    })
results.append(
    try measure("hotelling_100kx20", "Hotelling T2, two samples of 100k x 20", minSeconds: t) {
        try HotellingT2.twoSample(hotellingX, hotellingY).pValue
    })

print("driftwatch-bench stats — Swift, LAPACK/BLAS: \(lapackProvider())")
print(String(repeating: "-", count: 96))
for r in results {
    let ms = String(format: "%10.3f ms", r.medianSeconds * 1000)
    print("\(r.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(ms)  (median of \(r.runs))  \(r.description)")
}
if let path = options.jsonPath {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    let payload: [String: [Measurement]] = ["swift": results]
    try encoder.encode(payload).write(to: URL(fileURLWithPath: path))
}
