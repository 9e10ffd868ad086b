@testable import DriftStats
import Foundation
import Testing

@Suite struct MultivariateTests {
    @Test("Hotelling's T² matches a numpy/scipy computation")
    func hotellingMatchesScipy() throws {
        let cases = ScipyFixtures.shared.hotelling
        #expect(cases.count >= 4)
        for c in cases {
            let r = try HotellingT2.twoSample(Matrix(rowArrays: c.x), Matrix(rowArrays: c.y))
            #expect(close(r.t2, c.t2, relative: 1e-9), "\(c.name): T² \(r.t2) vs \(c.t2)")
            #expect(close(r.f, c.f, relative: 1e-9), "\(c.name)")
            #expect(r.df1 == c.df1 && r.df2 == c.df2, "\(c.name)")
            #expect(
                close(r.pValue, c.pvalue, absolute: 1e-9, relative: 1e-6), "\(c.name): p \(r.pValue) vs \(c.pvalue)")
            if let t = c.ttest_t {
                #expect(close(r.t2, t * t, relative: 1e-9), "\(c.name): T² equals t² for one feature")
            }
        }
    }

    @Test("singular covariance names the feature; too few rows are refused")
    func hotellingDegenerate() throws {
        // Column 1 constant.
        let x = try Matrix(rowArrays: [[1, 5], [2, 5], [3, 5], [4, 5]])
        let y = try Matrix(rowArrays: [[2, 5], [3, 5], [5, 5]])
        #expect(throws: StatsError.singularCovariance(feature: 1)) { try HotellingT2.twoSample(x, y) }
        // Column 2 = column 0 + column 1.
        let a = try Matrix(rowArrays: [[1, 2, 3], [2, 1, 3], [3, 5, 8], [4, 4, 8], [0, 1, 1]])
        let b = try Matrix(rowArrays: [[2, 2, 4], [1, 3, 4], [5, 1, 6]])
        #expect(throws: StatsError.singularCovariance(feature: 2)) { try HotellingT2.twoSample(a, b) }
        #expect(throws: StatsError.insufficientSamples("n1 + n2 = 3; need at least p + 2 = 4")) {
            try HotellingT2.twoSample(Matrix(rowArrays: [[1, 2], [2, 1]]), Matrix(rowArrays: [[3, 3]]))
        }
        #expect(throws: StatsError.nonFinite(side: "current")) {
            try HotellingT2.twoSample(Matrix(rowArrays: [[1], [2], [3]]), Matrix(rowArrays: [[.nan], [1]]))
        }
    }

    @Test("PCA reconstruction matches sklearn StandardScaler + PCA(n_components=0.65)")
    func pcaMatchesSklearn() throws {
        let cases = ScipyFixtures.shared.pca
        #expect(cases.count >= 3)
        for c in cases {
            let model = try PCAReconstructionModel(
                reference: Matrix(rowArrays: c.reference),
                varianceThreshold: c.variance_threshold, chunkCount: c.chunks)
            #expect(model.componentCount == c.n_components, "\(c.name)")
            for (a, b) in zip(model.means, c.mean) { #expect(close(a, b, absolute: 1e-12, relative: 1e-12)) }
            for (a, b) in zip(model.scales, c.scale) { #expect(close(a, b, relative: 1e-12)) }
            for (a, b) in zip(model.explainedVarianceRatio, c.explained_variance_ratio) {
                #expect(close(a, b, absolute: 1e-12, relative: 1e-9), "\(c.name): ratio")
            }
            let errors = try model.rowErrors(Matrix(rowArrays: c.current))
            #expect(errors.count == c.current_row_errors.count)
            for (a, b) in zip(errors, c.current_row_errors) {
                #expect(close(a, b, absolute: 1e-9, relative: 1e-9), "\(c.name): row error \(a) vs \(b)")
            }
            for (a, b) in zip(model.referenceChunkValues, c.reference_chunk_values) {
                #expect(close(a, b, absolute: 1e-10, relative: 1e-10), "\(c.name): chunk")
            }
            #expect(close(model.lowerBound, c.lower, absolute: 1e-10, relative: 1e-9))
            #expect(close(model.upperBound, c.upper, absolute: 1e-10, relative: 1e-9))
            let result = try model.evaluate(Matrix(rowArrays: c.current))
            #expect(close(result.value, c.current_mean_error, absolute: 1e-10, relative: 1e-10))
            #expect(result.drift == (c.current_mean_error < c.lower || c.current_mean_error > c.upper), "\(c.name)")
        }
    }

    @Test("the fitted model round-trips through Codable bit-identically")
    func pcaCodable() throws {
        let c = ScipyFixtures.shared.pca[0]
        let model = try PCAReconstructionModel(reference: Matrix(rowArrays: c.reference))
        let data = try JSONEncoder().encode(model)
        let decoded = try JSONDecoder().decode(PCAReconstructionModel.self, from: data)
        #expect(decoded == model)
        #expect(decoded.components.storage.map(\.bitPattern) == model.components.storage.map(\.bitPattern))
        let current = try Matrix(rowArrays: c.current)
        #expect(try decoded.rowErrors(current) == model.rowErrors(current))
    }

    @Test("a constant feature does not break PCA; mismatched width is refused")
    func pcaDegenerate() throws {
        var rows: [[Double]] = []
        var rng = SplitMix64(seed: 3)
        for _ in 0..<200 {
            let a = rng.nextUnit()
            rows.append([a, 2 * a + 0.01 * rng.nextUnit(), 7])
        }
        let model = try PCAReconstructionModel(reference: Matrix(rowArrays: rows))
        #expect(model.scales[2] == 1)
        #expect(model.componentCount == 1)
        #expect(throws: StatsError.sizeMismatch("2 features; the model has 3")) {
            try model.rowErrors(Matrix(rowArrays: [[1, 2]]))
        }
        #expect(throws: StatsError.insufficientSamples("5 rows; need at least 10")) {
            try PCAReconstructionModel(reference: Matrix(rowArrays: Array(rows.prefix(5))))
        }
    }
}
