#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The regularized incomplete beta function and the distributions built on it.
public enum Beta {
    /// log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b).
    public static func logBeta(_ a: Double, _ b: Double) -> Double {
        lgamma(a) + lgamma(b) - lgamma(a + b)
    }

    /// Continued fraction for I_x(a, b) (Numerical Recipes `betacf`, modified Lentz); converges
    /// quickly for x < (a + 1) / (a + b + 2).
    static func continuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        var m = 1.0
        while m < 1_000_000 {
            let m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) <= 1e-16 { break }
            m += 1
        }
        return h
    }

    /// Regularized incomplete beta I_x(a, b) for a, b > 0 and 0 ≤ x ≤ 1. Pass `oneMinusX` when
    /// 1 − x is known more accurately than by subtraction (it is used for the symmetric branch
    /// I_x(a,b) = 1 − I_{1−x}(b,a)). Reference: DLMF 8.17.22; Numerical Recipes §6.4.
    public static func regularizedIncomplete(x: Double, a: Double, b: Double, oneMinusX: Double? = nil) -> Double {
        guard a > 0, b > 0, x >= 0, x <= 1 else { return .nan }
        let y = oneMinusX ?? (1 - x)
        if x == 0 { return 0 }
        if y == 0 { return 1 }
        let logFront = a * log(x) + b * log(y) - logBeta(a, b)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(a: a, b: b, x: x) / a
        }
        return 1 - exp(logFront) * continuedFraction(a: b, b: a, x: y) / b
    }
}

/// Fisher's F distribution with `d1`, `d2` degrees of freedom.
public enum FDistribution {
    /// Survival function P(F > f) = I_{d2/(d2 + d1 f)}(d2/2, d1/2), as `scipy.stats.f.sf`.
    /// Returns 1 for f ≤ 0 and NaN for non-positive degrees of freedom.
    public static func survival(_ f: Double, d1: Double, d2: Double) -> Double {
        guard d1 > 0, d2 > 0, !f.isNaN else { return .nan }
        if f <= 0 { return 1 }
        if f.isInfinite { return 0 }
        let denominator = d2 + d1 * f
        return Beta.regularizedIncomplete(
            x: d2 / denominator, a: d2 / 2, b: d1 / 2,
            oneMinusX: d1 * f / denominator)
    }
}
