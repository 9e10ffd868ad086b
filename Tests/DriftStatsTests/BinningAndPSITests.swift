@testable import DriftStats
import Foundation
import Testing

@Suite struct BinningAndPSITests {
    @Test("quantiles are bit-identical to numpy's default 'linear' method")
    func quantiles() throws {
        for c in ScipyFixtures.shared.quantile {
            let got = try Quantiles.linear(sorted: c.data.sorted(), c.q)
            #expect(got == c.values, "data \(c.data.prefix(5))… q \(c.q)")
        }
        #expect(throws: StatsError.emptySample(side: "quantile input")) { try Quantiles.linear(sorted: [], 0.5) }
    }

    @Test("numeric PSI: edges, counts and value match numpy")
    func numericPSI() throws {
        let cases = ScipyFixtures.shared.psi_numeric
        #expect(cases.count >= 8)
        for c in cases {
            let bins = try NumericBins(reference: c.reference, binCount: c.bins)
            #expect(bins.edges == c.edges, "\(c.name): edges")
            let refCounts = bins.histogram(c.reference)
            let curCounts = bins.histogram(c.current)
            #expect(refCounts == c.ref_counts, "\(c.name): reference counts")
            #expect(curCounts == c.cur_counts, "\(c.name): current counts")
            #expect(bins.histogram(sorted: c.current.sorted()) == c.cur_counts, "\(c.name): sorted histogram")
            let psi = try PopulationStabilityIndex.value(referenceCounts: refCounts, currentCounts: curCounts)
            #expect(close(psi, c.psi, absolute: 1e-12, relative: 1e-12), "\(c.name): psi \(psi) vs \(c.psi)")
        }
    }

    @Test("categorical PSI matches numpy")
    func categoricalPSI() throws {
        for c in ScipyFixtures.shared.psi_categorical {
            let psi = try PopulationStabilityIndex.value(referenceCounts: c.ref_counts, currentCounts: c.cur_counts)
            #expect(close(psi, c.psi, absolute: 1e-12, relative: 1e-12), "\(c.name)")
        }
    }

    @Test("bins are right-closed: a value equal to an edge falls in the bin below it")
    func rightClosed() throws {
        let bins = try NumericBins(edges: [1, 2, 3])
        #expect(bins.index(of: 1) == 0)
        #expect(bins.index(of: 1.0000001) == 1)
        #expect(bins.index(of: 2) == 1)
        #expect(bins.index(of: 3) == 2)
        #expect(bins.index(of: 3.5) == 3)
        #expect(bins.index(of: -.infinity) == 0 && bins.index(of: .infinity) == 3)
        #expect(bins.index(of: .nan) == nil)
        #expect(bins.histogram([0, 1, 1.5, 2, 2, 3, 9, .nan]) == [2, 3, 1, 1])
        #expect(bins.histogram(sorted: [0, 1, 1.5, 2, 2, 3, 9]) == [2, 3, 1, 1])
    }

    @Test("ties merge duplicate edges; a constant reference gives one edge")
    func ties() throws {
        let constant = try NumericBins(reference: [Double](repeating: 4, count: 100))
        #expect(constant.edges == [4] && constant.count == 2)
        // PSI by hand: reference all in bin 0; current half above 4. Fractions r = (1, 0→1e-4),
        // c = (0.5, 0.5): (0.5−1)·ln 0.5 + (0.5−1e-4)·ln(0.5/1e-4).
        let psi = try PopulationStabilityIndex.value(
            referenceCounts: constant.histogram([Double](repeating: 4, count: 100)),
            currentCounts: constant.histogram([4, 4, 5, 5]))
        let expected = (0.5 - 1) * log(0.5) + (0.5 - 1e-4) * log(0.5 / 1e-4)
        #expect(abs(psi - expected) < 1e-14)
        #expect(try PopulationStabilityIndex.value(referenceCounts: [5, 5], currentCounts: [5, 5]) == 0)
        #expect(throws: StatsError.emptySample(side: "current")) {
            try PopulationStabilityIndex.value(referenceCounts: [1, 2], currentCounts: [0, 0])
        }
        #expect(throws: StatsError.nonFinite(side: "reference")) { try NumericBins(reference: [1, .nan]) }
        #expect(throws: StatsError.invalidArgument("bin edges must be strictly increasing (edge 1)")) {
            try NumericBins(edges: [1, 1])
        }
    }

    @Test("categorical bins fold unknown categories into __other__")
    func categoricalBins() throws {
        let bins = try CategoricalBins(categories: ["a", "b"])
        #expect(bins.histogram(["a", "b", "b", "zzz", "c"]) == [1, 2, 2])
        #expect(bins.count == 3)
    }
}

@Suite struct DistanceAndCorrectionTests {
    @Test("Jensen–Shannon (base 2) matches scipy.spatial.distance.jensenshannon")
    func jensenShannon() throws {
        for c in ScipyFixtures.shared.jensen_shannon {
            #expect(
                close(try Distances.jensenShannon(c.p, c.q), c.distance, absolute: 1e-12, relative: 1e-12),
                "\(c.p) \(c.q)")
        }
        #expect(try Distances.jensenShannon([1, 0], [0, 1]) == 1)
        #expect(try Distances.jensenShannon([2, 3], [4, 6]) == 0)
    }

    @Test("Hellinger matches numpy")
    func hellinger() throws {
        for c in ScipyFixtures.shared.hellinger {
            #expect(close(try Distances.hellinger(c.p, c.q), c.distance, absolute: 1e-12, relative: 1e-12))
        }
        #expect(try Distances.hellinger([1, 0], [0, 1]) == 1)
    }

    @Test("Wasserstein-1 matches scipy.stats.wasserstein_distance")
    func wasserstein() throws {
        for c in ScipyFixtures.shared.wasserstein {
            #expect(
                close(try Distances.wasserstein(c.x, c.y), c.distance, absolute: 1e-12, relative: 1e-12),
                "\(c.x.count) vs \(c.y.count)")
        }
        // By hand: point masses at 0 and 3 are 3 apart.
        #expect(try Distances.wasserstein([0], [3]) == 3)
        #expect(throws: StatsError.emptySample(side: "first")) { try Distances.wasserstein([], [1]) }
    }

    @Test("Bonferroni and Benjamini–Hochberg match scipy.stats.false_discovery_control")
    func corrections() throws {
        for c in ScipyFixtures.shared.multiple_testing {
            let bh = try MultipleTesting.benjaminiHochberg(c.p)
            let bonferroni = try MultipleTesting.bonferroni(c.p)
            for i in c.p.indices {
                #expect(close(bh[i], c.bh[i], relative: 1e-14), "BH \(i) of \(c.p.count)")
                #expect(close(bonferroni[i], c.bonferroni[i], relative: 1e-15))
            }
        }
        // By hand: p = (0.01, 0.04, 0.03), m = 3 → sorted 0.01·3, 0.03·3/2, 0.04·3/3 = 0.03, 0.045, 0.04
        // → running minimum from the top: 0.03, 0.04, 0.04.
        let bh = try MultipleTesting.benjaminiHochberg([0.01, 0.04, 0.03])
        #expect(zip(bh, [0.03, 0.04, 0.04]).allSatisfy { abs($0 - $1) < 1e-16 })
        #expect(throws: StatsError.invalidArgument("p-value 0 is nan, outside [0, 1]")) {
            try MultipleTesting.benjaminiHochberg([.nan])
        }
    }
}
