#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Special functions of the gamma family, in double precision.
public enum Gamma {
    /// `log(1 + x) − x`, accurate also for small |x| (power series there, where the difference
    /// would cancel). Defined for x > −1; −∞ at x = −1.
    public static func log1pmx(_ x: Double) -> Double {
        if abs(x) < 0.25 {
            // Σ_{k≥2} (−1)^{k+1} x^k / k; |x|^k/k < 1e-17 · |x²/2| by k ≈ 30.
            var term = x * x
            var sum = -term / 2
            var k = 3.0
            while k < 60 {
                term *= -x
                let add = -term / k
                sum += add
                if abs(add) <= 1e-17 * abs(sum) { break }
                k += 1
            }
            return sum
        }
        return log1p(x) - x
    }

    /// Stirling's error `log Γ(a) − [(a − ½) log a − a + ½ log 2π]` for a > 0.
    ///
    /// For a ≥ 15 the asymptotic series Σ B₂ₖ / (2k(2k−1) a^{2k−1}) (seven terms, error < 1e-19);
    /// below that, directly from `lgamma` (absolute error a few ulp of log Γ(a) ≤ 25).
    /// Reference: Loader (2000), "Fast and accurate computation of binomial probabilities".
    public static func stirlingError(_ a: Double) -> Double {
        if a >= 15 {
            let r = 1 / a, r2 = r * r
            // 1/12, −1/360, 1/1260, −1/1680, 1/1188, −691/360360, 1/156
            return r
                * (1.0 / 12 + r2
                    * (-1.0 / 360 + r2
                        * (1.0 / 1260 + r2
                            * (-1.0 / 1680
                                + r2 * (1.0 / 1188 + r2 * (-691.0 / 360360 + r2 * (1.0 / 156)))))))
        }
        return lgamma(a) - ((a - 0.5) * log(a) - a + 0.5 * log(2 * Double.pi))
    }

    /// `log(xᵃ e^{−x} / Γ(a))`, computed as `½ log(a/2π) + a·log1pmx((x−a)/a) − stirlingError(a)`
    /// so that the large, nearly cancelling terms `a log x`, `x` and `log Γ(a)` never meet.
    /// Requires a > 0, x > 0.
    static func logPrefactor(a: Double, x: Double) -> Double {
        0.5 * log(a / (2 * Double.pi)) + a * log1pmx((x - a) / a) - stirlingError(a)
    }

    static let maxIterations = 1_000_000

    /// Series for P(a, x) without its prefactor: Σ_{n≥0} xⁿ / ((a+1)…(a+n)). Use for x < a + 1.
    static func lowerSeries(a: Double, x: Double) -> Double {
        var term = 1.0, sum = 1.0, ap = a
        for _ in 0..<maxIterations {
            ap += 1
            term *= x / ap
            sum += term
            if term <= sum * 1e-17 { break }
        }
        return sum
    }

    /// Continued fraction for Q(a, x) without its prefactor (modified Lentz), for x ≥ a + 1:
    /// 1 / (x+1−a − 1·(1−a) / (x+3−a − 2·(2−a) / (x+5−a − …))).
    static func upperContinuedFraction(a: Double, x: Double) -> Double {
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        var i = 1.0
        for _ in 0..<maxIterations {
            let an = -i * (i - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) <= 1e-16 { break }
            i += 1
        }
        return h
    }

    /// Regularized lower incomplete gamma P(a, x) = γ(a, x) / Γ(a), for a > 0, x ≥ 0.
    ///
    /// Series (DLMF 8.11.4) for x < a + 1, continued fraction (DLMF 8.9.2) otherwise; the prefactor
    /// xᵃe^{−x}/Γ(a) is formed in log space through `log1pmx` and Stirling's error, which keeps
    /// ~1e-14 relative accuracy for a up to 1e7. Returns NaN for a ≤ 0 or x < 0 or NaN input.
    public static func regularizedLower(a: Double, x: Double) -> Double {
        guard a > 0, x >= 0, a.isFinite, !x.isNaN else { return .nan }
        if x == 0 { return 0 }
        if x.isInfinite { return 1 }
        if x < a + 1 {
            return exp(logPrefactor(a: a, x: x)) / a * lowerSeries(a: a, x: x)
        }
        return 1 - exp(logPrefactor(a: a, x: x)) * upperContinuedFraction(a: a, x: x)
    }

    /// Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a) = 1 − P(a, x).
    /// Same methods as `regularizedLower`; underflows to 0 only when the true value is below the
    /// smallest double (use `logRegularizedUpper` for those tails).
    public static func regularizedUpper(a: Double, x: Double) -> Double {
        guard a > 0, x >= 0, a.isFinite, !x.isNaN else { return .nan }
        if x == 0 { return 1 }
        if x.isInfinite { return 0 }
        if x < a + 1 {
            return 1 - exp(logPrefactor(a: a, x: x)) / a * lowerSeries(a: a, x: x)
        }
        return exp(logPrefactor(a: a, x: x)) * upperContinuedFraction(a: a, x: x)
    }

    /// log Q(a, x), finite however far in the tail (e.g. Q(0.5, 5e6) ≈ e^{−5e6}).
    public static func logRegularizedUpper(a: Double, x: Double) -> Double {
        guard a > 0, x >= 0, a.isFinite, !x.isNaN else { return .nan }
        if x == 0 { return 0 }
        if x.isInfinite { return -.infinity }
        if x < a + 1 {
            return log1p(-exp(logPrefactor(a: a, x: x)) / a * lowerSeries(a: a, x: x))
        }
        return logPrefactor(a: a, x: x) + log(upperContinuedFraction(a: a, x: x))
    }
}

/// The chi-square distribution with `df` degrees of freedom.
public enum ChiSquareDistribution {
    /// Survival function P(X > x) = Q(df/2, x/2), as `scipy.stats.chi2.sf`.
    /// Returns 1 for x ≤ 0; NaN for df ≤ 0.
    public static func survival(_ x: Double, degreesOfFreedom df: Double) -> Double {
        guard df > 0 else { return .nan }
        if x <= 0 { return 1 }
        return Gamma.regularizedUpper(a: df / 2, x: x / 2)
    }

    /// log P(X > x), finite for every finite x (does not underflow like `survival`).
    public static func logSurvival(_ x: Double, degreesOfFreedom df: Double) -> Double {
        guard df > 0 else { return .nan }
        if x <= 0 { return 0 }
        return Gamma.logRegularizedUpper(a: df / 2, x: x / 2)
    }
}
