@testable import DriftStats
import Foundation
import Testing

/// Properties that must hold on a dense grid, beyond the fixture points: every branch of the
/// Kolmogorov distribution (Ruben–Gambino, Durbin, Pomeranz, Pelz–Good, Smirnov) stays a
/// probability, never traps, and decreases in d.
@Suite struct DistributionPropertyTests {
    @Test(
        "kstwo survival is a non-increasing probability in d for every n and method",
        arguments: [1, 2, 3, 5, 10, 37, 100, 139, 140, 141, 500, 5_000, 50_000, 100_001, 1_000_001])
    func kolmogorovMonotone(n: Int) {
        var previous = 1.0
        for step in 0...1_000 {
            let d = Double(step) / 1_000
            let sf = KolmogorovDistribution.survival(d, n: n)
            #expect(sf >= 0 && sf <= 1, "n \(n), d \(d): \(sf)")
            #expect(sf <= previous + 1e-9, "n \(n), d \(d): \(sf) > \(previous)")
            previous = sf
        }
        #expect(KolmogorovDistribution.survival(.nan, n: n).isNaN)
        #expect(KolmogorovDistribution.survival(0.5, n: 0).isNaN)
    }

    @Test("chi-square survival is a decreasing probability and its log agrees with it")
    func chiSquareMonotone() {
        for df in [1.0, 2, 7, 50, 999, 10_000] {
            var previous = 1.0
            for step in 1...400 {
                let x = df * Double(step) / 100
                let sf = ChiSquareDistribution.survival(x, degreesOfFreedom: df)
                #expect(sf >= 0 && sf <= previous, "df \(df), x \(x)")
                if sf > 1e-300 {
                    #expect(abs(ChiSquareDistribution.logSurvival(x, degreesOfFreedom: df) - log(sf)) < 1e-10)
                }
                previous = sf
            }
        }
        #expect(ChiSquareDistribution.survival(3, degreesOfFreedom: 0).isNaN)
        #expect(Gamma.regularizedLower(a: 3, x: 2) + Gamma.regularizedUpper(a: 3, x: 2) == 1)
    }

    @Test("exact two-sample KS p-values are probabilities for every lattice value of D")
    func exactKSGrid() {
        for (n1, n2) in [(1, 1), (1, 7), (3, 3), (4, 6), (9, 12), (25, 25), (40, 17), (100, 99)] {
            let g = KolmogorovSmirnov.gcd(n1, n2)
            let lcm = n1 / g * n2
            var previous = 1.0
            for h in 0...lcm {
                let (_, p, _) = KolmogorovSmirnov.pValue(statistic: Double(h) / Double(lcm), n1: n1, n2: n2)
                #expect(p >= 0 && p <= 1 && p <= previous + 1e-12, "\(n1)x\(n2) h \(h): \(p)")
                previous = p
            }
        }
    }
}
