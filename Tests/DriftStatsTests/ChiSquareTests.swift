@testable import DriftStats
import Foundation
import Testing

@Suite struct ChiSquareTests {
    @Test("matches scipy.stats.chi2_contingency(correction=False); log p from mpmath")
    func matchesScipy() throws {
        let cases = ScipyFixtures.shared.chi2
        #expect(cases.count >= 10)
        for c in cases {
            let r = try ChiSquareTest.homogeneity(reference: c.ref, current: c.cur)
            #expect(close(r.statistic, c.statistic, relative: 1e-12), "\(c.name): \(r.statistic) vs \(c.statistic)")
            #expect(r.degreesOfFreedom == c.df, "\(c.name)")
            #expect(
                close(r.pValue, c.pvalue, absolute: 1e-9, relative: 1e-6), "\(c.name): p \(r.pValue) vs \(c.pvalue)")
            #expect(
                close(r.logPValue, c.log_pvalue, absolute: 1e-12, relative: 1e-9),
                "\(c.name): log p \(r.logPValue) vs \(c.log_pvalue)")
        }
    }

    @Test("chi-square survival matches mpmath to ~1e-12 for df 1…10000, x up to 1e7")
    func survivalAgainstMpmath() {
        let cases = ScipyFixtures.shared.chi2_sf
        #expect(cases.count >= 100)
        var worst = 0.0, worstLog = 0.0
        for c in cases {
            let sf = ChiSquareDistribution.survival(c.x, degreesOfFreedom: c.df)
            let logSF = ChiSquareDistribution.logSurvival(c.x, degreesOfFreedom: c.df)
            #expect(logSF.isFinite, "log sf must not underflow: x \(c.x) df \(c.df)")
            if c.sf >= 1e-300 {
                worst = max(worst, relativeError(sf, c.sf))
                #expect(close(sf, c.sf, relative: 1e-11), "sf(\(c.x), \(c.df)) = \(sf), mpmath \(c.sf)")
            }
            if abs(c.log_sf) > 1e-10 { worstLog = max(worstLog, relativeError(logSF, c.log_sf)) }
            #expect(
                close(logSF, c.log_sf, absolute: 1e-13, relative: 1e-12),
                "logsf(\(c.x), \(c.df)) = \(logSF), mpmath \(c.log_sf)")
        }
        print("chi2 sf: worst relative error \(worst), log sf \(worstLog) over \(cases.count) cases")
    }

    @Test("closed forms: df = 2 is exp(−x/2); df = 1 is erfc(√(x/2))")
    func closedForms() {
        for x in [1e-6, 0.3, 1, 2, 7.5, 40, 300, 1400] {
            #expect(close(ChiSquareDistribution.survival(x, degreesOfFreedom: 2), exp(-x / 2), relative: 1e-13))
            #expect(
                close(
                    ChiSquareDistribution.survival(x, degreesOfFreedom: 1), erfc((x / 2).squareRoot()), relative: 1e-12)
            )
        }
        // Far tails where the p-value itself underflows: log p is still exact.
        #expect(close(ChiSquareDistribution.logSurvival(1e7, degreesOfFreedom: 2), -5e6, relative: 1e-15))
        #expect(ChiSquareDistribution.survival(1e7, degreesOfFreedom: 2) == 0)
    }

    @Test("textbook 2×2: [[10,20],[20,10]] gives 20/3 with df 1")
    func textbook() throws {
        // Every expected count is 15; Σ(O−E)²/E = 4 · 25/15 = 20/3.
        let r = try ChiSquareTest.homogeneity(reference: [10, 20], current: [20, 10])
        #expect(close(r.statistic, 20.0 / 3.0, relative: 1e-15))
        #expect(r.degreesOfFreedom == 1)
        #expect(close(r.pValue, erfc((10.0 / 3.0).squareRoot()), relative: 1e-12))
    }

    @Test("zero columns are dropped; one-sided categories stay ordinary columns")
    func columns() throws {
        let with = try ChiSquareTest.homogeneity(reference: [10, 0, 20, 5], current: [12, 0, 18, 4])
        let without = try ChiSquareTest.homogeneity(reference: [10, 20, 5], current: [12, 18, 4])
        #expect(with == without)
        // A category only in the current window: large but finite statistic, p > 0.
        let unseen = try ChiSquareTest.homogeneity(reference: [50, 50, 0], current: [48, 50, 2])
        #expect(unseen.statistic.isFinite && unseen.pValue > 0.05)
    }

    @Test("a single category, an empty side or negative counts are refused")
    func refusals() {
        #expect(throws: StatsError.singleCategory) {
            try ChiSquareTest.homogeneity(reference: [5, 0], current: [7, 0])
        }
        #expect(throws: StatsError.emptySample(side: "current")) {
            try ChiSquareTest.homogeneity(reference: [5, 1], current: [0, 0])
        }
        #expect(throws: StatsError.invalidArgument("negative category count")) {
            try ChiSquareTest.homogeneity(reference: [5, -1], current: [1, 1])
        }
    }

    @Test("F survival matches mpmath's incomplete beta")
    func fSurvival() {
        let cases = ScipyFixtures.shared.f_sf
        #expect(cases.count >= 50)
        var worst = 0.0
        for c in cases {
            let sf = FDistribution.survival(c.f, d1: c.d1, d2: c.d2)
            if c.sf > 1e-300 { worst = max(worst, relativeError(sf, c.sf)) }
            #expect(
                close(sf, c.sf, absolute: 1e-14, relative: 1e-9),
                "F sf(\(c.f); \(c.d1), \(c.d2)) = \(sf), mpmath \(c.sf)")
        }
        print("F sf: worst relative error \(worst) over \(cases.count) points")
    }
}
