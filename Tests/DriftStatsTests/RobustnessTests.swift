@testable import DriftStats
import Foundation
import Testing

/// Inputs that used to hang or trap (found in review) now throw typed errors.
@Suite struct RobustnessTests {
    @Test("NaN in a sorted Wasserstein input throws instead of looping forever")
    func wassersteinNaN() {
        #expect(throws: StatsError.nonFinite(side: "second")) { try Distances.wasserstein(sorted: [1], [.nan]) }
        #expect(throws: StatsError.unsorted(side: "first")) { try Distances.wasserstein(sorted: [2, 1], [1]) }
    }

    @Test("the public KS p-value refuses impossible statistics and sizes")
    func ksPValueArguments() throws {
        for (d, n1, n2) in [(Double.nan, 3, 5), (-0.5, 3, 5), (1.5, 3, 5), (0.5, 0, 0), (0.5, -2, 4)] {
            #expect(throws: StatsError.self) {
                try KolmogorovSmirnov.pValue(statistic: d, referenceCount: n1, currentCount: n2)
            }
        }
        // Disjoint 3 vs 3 by hand: p = 2 / C(6,3).
        let r = try KolmogorovSmirnov.pValue(statistic: 1, referenceCount: 3, currentCount: 3)
        #expect(abs(r.pValue - 0.1) < 1e-15 && r.method == .exact)
    }

    @Test("counts that overflow Int are refused")
    func overflow() {
        #expect(throws: StatsError.invalidArgument("category counts overflow")) {
            try ChiSquareTest.homogeneity(reference: [Int.max, 1], current: [1, 1])
        }
        #expect(throws: StatsError.invalidArgument("bin counts overflow")) {
            try PopulationStabilityIndex.value(referenceCounts: [Int.max, 1], currentCounts: [1, 1])
        }
    }

    @Test("corrupt stored models fail to decode instead of trapping when used")
    func corruptDecoding() throws {
        let decoder = JSONDecoder()
        #expect(throws: DecodingError.self) {
            try decoder.decode(Matrix.self, from: Data(#"{"rows":2,"columns":2,"storage":[1,2,3]}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try decoder.decode(NumericBins.self, from: Data(#"{"edges":[3,1]}"#.utf8))
        }
        // A valid model with one feature's mean removed.
        let c = ScipyFixtures.shared.pca[0]
        let model = try PCAReconstructionModel(reference: Matrix(rowArrays: c.reference))
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(model)) as! [String: Any]
        json["means"] = (json["means"] as! [Any]).dropLast().map { $0 }
        #expect(throws: DecodingError.self) {
            try decoder.decode(PCAReconstructionModel.self, from: JSONSerialization.data(withJSONObject: json))
        }
        // Reservoirs: round trip works; inconsistent lengths are refused.
        var reservoir = ReservoirSample(capacity: 4, seed: 1)
        reservoir.add(contentsOf: (0..<10).map(Double.init))
        let back = try decoder.decode(ReservoirSample.self, from: JSONEncoder().encode(reservoir))
        #expect(back == reservoir)
        var broken = try JSONSerialization.jsonObject(with: JSONEncoder().encode(reservoir)) as! [String: Any]
        broken["items"] = [1.0]
        #expect(throws: DecodingError.self) {
            try decoder.decode(ReservoirSample.self, from: JSONSerialization.data(withJSONObject: broken))
        }
    }

    @Test("values whose squares overflow give a typed error, not a silent degenerate model")
    func hugeValues() throws {
        let big = try Matrix(rowArrays: (0..<20).map { [Double($0) * 1e200, Double($0 % 3)] })
        #expect(throws: StatsError.self) { try PCAReconstructionModel(reference: big) }
        #expect(throws: StatsError.self) { try HotellingT2.twoSample(big, big) }
    }
}
