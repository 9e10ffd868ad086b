import Foundation

/// Reference values computed by `Fixtures/generate_fixtures.py` with scipy, numpy, mpmath and
/// scikit-learn (never from this package's code). Rerun the script to regenerate
/// `Fixtures/scipy_cases.json`.
struct ScipyFixtures: Decodable {
    struct KS: Decodable {
        let name: String; let x: [Double]; let y: [Double]; let statistic: Double; let pvalue: Double;
        let method: String
    }
    struct KSTwoSF: Decodable { let d: Double; let n: Int; let sf: Double }
    struct Chi2: Decodable {
        let name: String; let ref: [Int]; let cur: [Int]; let statistic: Double; let df: Int; let pvalue: Double;
        let log_pvalue: Double
    }
    struct Chi2SF: Decodable { let x: Double; let df: Double; let sf: Double; let log_sf: Double }
    struct FSF: Decodable { let f: Double; let d1: Double; let d2: Double; let sf: Double }
    struct Quantile: Decodable { let data: [Double]; let q: [Double]; let values: [Double] }
    struct PSINumeric: Decodable {
        let name: String; let reference: [Double]; let current: [Double]; let bins: Int; let edges: [Double];
        let ref_counts: [Int]; let cur_counts: [Int]; let psi: Double
    }
    struct PSICategorical: Decodable { let name: String; let ref_counts: [Int]; let cur_counts: [Int]; let psi: Double }
    struct Binned: Decodable { let p: [Double]; let q: [Double]; let distance: Double }
    struct Wasserstein: Decodable { let x: [Double]; let y: [Double]; let distance: Double }
    struct Multiple: Decodable { let p: [Double]; let bonferroni: [Double]; let bh: [Double] }
    struct Hotelling: Decodable {
        let name: String; let x: [[Double]]; let y: [[Double]]; let t2: Double; let f: Double; let df1: Int;
        let df2: Int; let pvalue: Double; let ttest_t: Double?
    }
    struct PCA: Decodable {
        let name: String; let reference: [[Double]]; let current: [[Double]]; let variance_threshold: Double
        let n_components: Int; let explained_variance_ratio: [Double]; let mean: [Double]; let scale: [Double]
        let current_row_errors: [Double]; let current_mean_error: Double; let chunks: Int
        let reference_chunk_values: [Double]; let chunk_mean: Double; let chunk_std: Double; let lower: Double;
        let upper: Double
    }
    let ks: [KS]
    let kstwo_sf: [KSTwoSF]
    let chi2: [Chi2]
    let chi2_sf: [Chi2SF]
    let f_sf: [FSF]
    let quantile: [Quantile]
    let psi_numeric: [PSINumeric]
    let psi_categorical: [PSICategorical]
    let jensen_shannon: [Binned]
    let hellinger: [Binned]
    let wasserstein: [Wasserstein]
    let multiple_testing: [Multiple]
    let hotelling: [Hotelling]
    let pca: [PCA]

    static let shared: ScipyFixtures = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/scipy_cases.json")
        do {
            return try JSONDecoder().decode(ScipyFixtures.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot load \(url.path): \(error) — run Tests/DriftStatsTests/Fixtures/generate_fixtures.py")
        }
    }()
}

/// |actual − expected| ≤ absolute, or relative error ≤ relative.
func close(_ actual: Double, _ expected: Double, absolute: Double = 0, relative: Double) -> Bool {
    if actual == expected { return true }
    if actual.isNaN || expected.isNaN { return false }
    let diff = abs(actual - expected)
    return diff <= absolute || diff <= relative * abs(expected)
}

func relativeError(_ actual: Double, _ expected: Double) -> Double {
    if actual == expected { return 0 }
    return abs(actual - expected) / max(abs(expected), Double.leastNormalMagnitude)
}
