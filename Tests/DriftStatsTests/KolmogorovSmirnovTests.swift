@testable import DriftStats
import Testing

@Suite struct KolmogorovSmirnovTests {
    @Test("matches scipy.stats.ks_2samp(method='auto') on every fixture case")
    func matchesScipy() throws {
        let cases = ScipyFixtures.shared.ks
        #expect(cases.count >= 15)
        var worst = 0.0
        for c in cases {
            let result = try KolmogorovSmirnov.test(c.x, c.y)
            worst = max(worst, relativeError(result.pValue, c.pvalue))
            #expect(result.statistic == c.statistic, "\(c.name): D \(result.statistic) vs \(c.statistic)")
            #expect(
                close(result.pValue, c.pvalue, absolute: 1e-9, relative: 1e-6),
                "\(c.name): p \(result.pValue) vs \(c.pvalue)")
            #expect(result.method.rawValue.hasPrefix(c.method == "exact" ? "exact" : "asymp"), "\(c.name)")
        }
        print("ks_2samp: worst relative p-value error \(worst) over \(cases.count) cases")
    }

    @Test("the sorted-reference variant gives bit-identical results")
    func sortedReferenceVariant() throws {
        for c in ScipyFixtures.shared.ks {
            let whole = try KolmogorovSmirnov.test(c.x, c.y)
            let presorted = try KolmogorovSmirnov.test(sortedReference: c.x.sorted(), current: c.y)
            #expect(whole == presorted, "\(c.name)")
        }
    }

    @Test("one-sample two-sided distribution matches scipy.stats.kstwo.sf")
    func kstwoSurvival() {
        let cases = ScipyFixtures.shared.kstwo_sf
        #expect(cases.count >= 40)
        var worst = 0.0
        for c in cases {
            let sf = KolmogorovDistribution.survival(c.d, n: c.n)
            if c.sf > 1e-300 { worst = max(worst, relativeError(sf, c.sf)) }
            #expect(close(sf, c.sf, absolute: 1e-12, relative: 1e-9), "kstwo.sf(\(c.d), \(c.n)) = \(sf), scipy \(c.sf)")
        }
        print("kstwo.sf: worst relative error \(worst) over \(cases.count) points")
    }

    @Test("hand-derived exact cases")
    func handDerived() throws {
        // Disjoint 3 vs 3: D = 1; only the two orderings (all x first, all y first) of the
        // C(6,3) = 20 equally likely interleavings reach D = 1, so p = 2/20.
        let r = try KolmogorovSmirnov.test([1, 2, 3], [4, 5, 6])
        #expect(r.statistic == 1)
        #expect(abs(r.pValue - 0.1) < 1e-15)
        #expect(r.method == .exact)
        // 2 vs 1, disjoint: 2 of the C(3,1) = 3 interleavings reach D = 1.
        let r2 = try KolmogorovSmirnov.test([1, 2], [3])
        #expect(r2.statistic == 1)
        #expect(abs(r2.pValue - 2.0 / 3.0) < 1e-15)
        // Identical samples: D = 0, p = 1.
        let same = try KolmogorovSmirnov.test([3, 1, 2, 2], [2, 2, 1, 3])
        #expect(same.statistic == 0 && same.pValue == 1)
        // n = 1 on both sides, equal values: D = 0; different values: D = 1, p = 1 (2 of 2 orders).
        #expect(try KolmogorovSmirnov.test([5], [5]).statistic == 0)
        let one = try KolmogorovSmirnov.test([5], [6])
        #expect(one.statistic == 1 && one.pValue == 1)
    }

    @Test("ties across samples are handled at the distinct values, as scipy")
    func ties() throws {
        // All values tied in both samples: the ECDFs jump together, D = 0.
        let tied = try KolmogorovSmirnov.test([Double](repeating: 7, count: 50), [Double](repeating: 7, count: 30))
        #expect(tied.statistic == 0 && tied.pValue == 1)
        // x = {0,0,1}, y = {0,1,1}: at 0, F_x = 2/3, F_y = 1/3 → D = 1/3 (not 2/3 from a naive walk).
        let r = try KolmogorovSmirnov.test([0, 0, 1], [0, 1, 1])
        #expect(abs(r.statistic - 1.0 / 3.0) < 1e-15)
    }

    @Test("empty, non-finite and unsorted inputs are refused with a typed error")
    func refusals() {
        #expect(throws: StatsError.emptySample(side: "reference")) { try KolmogorovSmirnov.test([], [1]) }
        #expect(throws: StatsError.emptySample(side: "current")) { try KolmogorovSmirnov.test([1], []) }
        #expect(throws: StatsError.nonFinite(side: "current")) { try KolmogorovSmirnov.test([1], [.nan]) }
        #expect(throws: StatsError.nonFinite(side: "reference")) { try KolmogorovSmirnov.test([.infinity], [1]) }
        #expect(throws: StatsError.unsorted(side: "reference")) {
            try KolmogorovSmirnov.test(sortedReference: [2, 1], current: [1])
        }
    }
}
