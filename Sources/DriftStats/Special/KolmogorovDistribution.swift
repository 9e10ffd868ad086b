#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Distribution of the one-sample two-sided Kolmogorov–Smirnov statistic Dₙ = sup|Fₙ − F| for a
/// sample of size n (scipy's `kstwo`), and of the one-sided statistic Dₙ⁺ (scipy's `smirnov`).
///
/// `survival(d, n)` follows Simard & L'Ecuyer (2011), "Computing the Two-Sided Kolmogorov–Smirnov
/// Distribution", J. Stat. Software 39(11), with the same method choices and cut-offs as
/// `scipy.stats.kstwo.sf` (scipy/stats/_ksstats.py):
/// - Ruben–Gambino closed forms for n·d ≤ 1 and n·d ≥ n − 1;
/// - d ≥ ½: exactly 2 · smirnov(n, d);
/// - n ≤ 140: Durbin's matrix (Marsaglia–Tsang–Wang) for n·d² ≤ 0.754693, Pomeranz's recursion for
///   n·d² ≤ 4, else 2 · smirnov(n, d);
/// - n > 140: 0 for n·d² ≥ 370, 2 · smirnov(n, d) for n·d² ≥ 2.2, otherwise 1 − CDF with the CDF
///   from Durbin's matrix (n ≤ 100 000 and n·d^1.5 ≤ 1.4) or the Pelz–Good expansion.
public enum KolmogorovDistribution {
    /// P(Dₙ > d), the two-sided one-sample KS survival function. Returns NaN for n < 1 or NaN d.
    public static func survival(_ d: Double, n: Int) -> Double {
        guard n >= 1, !d.isNaN else { return .nan }
        let nd = Double(n)
        if d >= 1 { return 0 }
        if d <= 0 { return 1 }
        let t = nd * d
        if t <= 1 {
            if t <= 0.5 { return 1 }
            let prob: Double
            if n <= 140 {
                var p = 1.0
                for i in 1...n { p *= Double(i) / nd * (2 * t - 1) }
                prob = p
            } else {
                prob = exp(logFactorialOverPower(n) + nd * log(2 * t - 1))
            }
            return clip(1 - prob)
        }
        if t >= nd - 1 { return clip(2 * pow(1 - d, nd)) }
        if d >= 0.5 { return clip(2 * smirnovSurvival(n: n, d)) }
        let nxSquared = t * d
        if n <= 140 {
            if nxSquared <= 0.754693 { return clip(1 - durbinCDF(n: n, d)) }
            if nxSquared <= 4 { return clip(1 - pomeranzCDF(n: n, d)) }
            return clip(2 * smirnovSurvival(n: n, d))
        }
        if nxSquared >= 370 { return 0 }
        if nxSquared >= 2.2 { return clip(2 * smirnovSurvival(n: n, d)) }
        let cdf: Double
        if nxSquared >= 18 {
            cdf = 1
        } else if n <= 100_000 && nd * pow(d, 1.5) <= 1.4 {
            cdf = durbinCDF(n: n, d)
        } else {
            cdf = pelzGoodCDF(n: n, d)
        }
        return clip(1 - cdf)
    }

    @inline(__always)
    static func clip(_ p: Double) -> Double { p.isNaN ? p : min(max(p, 0), 1) }

    /// log(n! / nⁿ) by Stirling's series with n·log n removed up front (no cancellation).
    static func logFactorialOverPower(_ n: Int) -> Double {
        let nd = Double(n)
        let r = 1 / nd
        // Bernoulli-number coefficients B₂ⱼ/(2j(2j−1)), j = 8…1, evaluated in r² by Horner.
        let coefficients: [Double] = [
            -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3,
            8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4,
            -2.7777777777777777778e-3, 8.3333333333333333333e-2,
        ]
        var poly = 0.0
        let r2 = r / nd
        for c in coefficients { poly = poly * r2 + c }
        return log(nd) / 2 - nd + log(2 * Double.pi) / 2 + r * poly
    }

    // MARK: One-sided (Smirnov)

    /// P(Dₙ⁺ > d), the one-sided one-sample KS survival function (scipy.special.smirnov).
    ///
    /// Exact Birnbaum–Tingey sum  d · Σ_{v=0}^{⌊n(1−d)⌋} C(n,v) (d + v/n)^{v−1} (1 − d − v/n)^{n−v}
    /// (terms with 1 − d − v/n = 0 excluded), each term formed in log space; closed forms for
    /// d ≤ 1/n and d ≥ 1 − 1/n; 0 when −2nd² is below the smallest exponent; and for n > 10⁶ the
    /// approximation exp(−(6nd + 1)² / 18n) that scipy uses there.
    public static func smirnovSurvival(n: Int, _ d: Double) -> Double {
        guard n >= 1, d >= 0, d <= 1 else { return .nan }
        let nd = Double(n)
        if n == 1 { return 1 - d }
        if d == 0 { return 1 }
        if d == 1 { return 0 }
        let nx = nd * d
        var nxFloor = nx.rounded(.down)
        var alpha = nx - nxFloor
        if alpha >= 1 { nxFloor += 1; alpha = 0 }
        if nxFloor == 0 || (nxFloor == 1 && alpha == 0) {
            let cdf = d * pow(1 + d, nd - 1)
            return clip(1 - cdf)
        }
        if -2 * nd * d * d < -708.3964185322641 { return 0 }
        if nxFloor >= nd - 1 { return clip(pow(1 - d, nd)) }
        if n > 1_000_000 {
            let logp = -pow(6 * nd * d + 1, 2) / 18 / nd
            return logp < -M_LN2 ? exp(logp) : 1 + expm1(logp)
        }
        // Terms v = 0 … last with last = n − ⌊nd⌋ − 1: the largest v with 1 − d − v/n > 0 (when nd is
        // an integer the term with base exactly 0 is excluded, as in scipy).
        let last = n - Int(nxFloor) - 1
        // log C(n, v) grows to ~0.7·n while its increments are O(10): accumulate it as an unevaluated
        // sum hi + lo (Neumaier), or the rounding of a million additions costs ~1e-8 relative.
        var logBinomial = 0.0, logBinomialLow = 0.0
        var sum = 0.0
        for v in 0...max(last, 0) {
            let vd = Double(v)
            let upperBase = ((nd - vd) - nx) / nd  // 1 − d − v/n
            if upperBase <= 0 { break }
            let lowerBase = (nx + vd) / nd  // d + v/n
            let logTerm = (logBinomial + (vd - 1) * log(lowerBase) + (nd - vd) * log(upperBase)) + logBinomialLow
            let term = exp(logTerm)
            sum += term
            if term != 0 {
                if 4 * Double(last - v + 1) * term < Double.ulpOfOne * sum, v != last { break }
            } else if v > n / 2 {
                break
            }
            let increment = log(nd - vd) - log(vd + 1)
            let t = logBinomial + increment
            if abs(logBinomial) >= abs(increment) {
                logBinomialLow += (logBinomial - t) + increment
            } else {
                logBinomialLow += (increment - t) + logBinomial
            }
            logBinomial = t
        }
        return clip(d * sum)
    }

    // MARK: Two-sided CDF methods

    /// P(Dₙ ≤ d) by Durbin's matrix method as organised by Marsaglia, Tsang & Wang (2003): with
    /// d = (k − h)/n, the (k,k) entry of Hⁿ (n!/nⁿ scaling), with binary powering and explicit
    /// exponent bookkeeping against overflow.
    static func durbinCDF(n: Int, _ d: Double) -> Double {
        if d >= 1 { return 1 }
        let nd = Double(n) * d
        if nd <= 0.5 { return 0 }
        let k = Int(nd.rounded(.up))
        let h = Double(k) - nd
        let m = 2 * k - 1
        var hMatrix = [Double](repeating: 0, count: m * m)  // row-major m×m
        var v = [Double](repeating: 0, count: m)
        var w = [Double](repeating: 0, count: m)
        var fac = 1.0
        for j in 1...m {
            v[j - 1] = 1 - pow(h, Double(j))
            w[j - 1] = fac
            fac /= Double(j)
            v[j - 1] *= fac
        }
        let tt = pow(max(2 * h - 1, 0), Double(m)) - 2 * pow(h, Double(m))
        v[m - 1] = (1 + tt) * fac
        for i in 1..<max(m, 1) {
            for r in (i - 1)..<m { hMatrix[r * m + i] = w[r - (i - 1)] }
        }
        for r in 0..<m { hMatrix[r * m] = v[r] }
        for c in 0..<m { hMatrix[(m - 1) * m + c] = v[m - 1 - c] }

        var power = [Double](repeating: 0, count: m * m)
        for i in 0..<m { power[i * m + i] = 1 }
        let scaleUp = 0x1p128, scaleDown = 0x1p-128
        var nn = n
        var exponent = 0, hExponent = 0
        while nn > 0 {
            if nn % 2 == 1 {
                power = multiplySquare(power, hMatrix, m)
                exponent += hExponent
            }
            hMatrix = multiplySquare(hMatrix, hMatrix, m)
            hExponent *= 2
            if abs(hMatrix[(k - 1) * m + (k - 1)]) > scaleUp {
                for i in 0..<(m * m) { hMatrix[i] /= scaleUp }
                hExponent += 128
            }
            nn /= 2
        }
        var p = power[(k - 1) * m + (k - 1)]
        for i in 1...n {
            p = Double(i) * p / Double(n)
            if abs(p) < scaleDown {
                p *= scaleUp
                exponent -= 128
            }
        }
        if exponent != 0 { p = scalbn(p, Int32(exponent)) }
        return clip(p)
    }

    static func multiplySquare(_ a: [Double], _ b: [Double], _ m: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * m)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    for i in 0..<m {
                        for k in 0..<m {
                            let aik = a[i * m + k]
                            if aik == 0 { continue }
                            for j in 0..<m { c[i * m + j] += aik * b[k * m + j] }
                        }
                    }
                }
            }
        }
        return c
    }

    /// P(Dₙ ≤ d) by Pomeranz's recursion (Pomeranz 1974, ACM Algorithm 487), keeping two rows of
    /// the n × (2n+2) table and the few non-zero entries of each.
    static func pomeranzCDF(n: Int, _ x: Double) -> Double {
        let nd = Double(n)
        let t = nd * x
        let ll = Int(t.rounded(.down))
        let f = t - Double(ll)
        let g = min(f, 1 - f)
        let ceilf = f > 0 ? 1 : 0
        let roundf = f > 0.5 ? 1 : 0
        let npwrs = 2 * (ll + 1)
        var gpower = [Double](repeating: 0, count: npwrs)
        var twogpower = gpower, onem2gpower = gpower
        gpower[0] = 1; twogpower[0] = 1; onem2gpower[0] = 1
        let gOverN = g / nd, twoGOverN = 2 * g / nd, oneMinusTwoGOverN = (1 - 2 * g) / nd
        for m in 1..<npwrs {
            gpower[m] = gpower[m - 1] * gOverN / Double(m)
            twogpower[m] = twogpower[m - 1] * twoGOverN / Double(m)
            onem2gpower[m] = onem2gpower[m - 1] * oneMinusTwoGOverN / Double(m)
        }
        var v0 = [Double](repeating: 0, count: npwrs)
        var v1 = [Double](repeating: 0, count: npwrs)
        v1[0] = 1
        var v0s = 0, v1s = 0
        var exponent = 0
        let scaleUp = 0x1p128, scaleDown = 0x1p-128

        func bounds(_ i: Int) -> (Int, Int) {
            var j1: Int, j2: Int
            if i == 0 {
                j1 = -ll - ceilf - 1
                j2 = ll + ceilf - 1
            } else {
                let ip1div2 = (i + 1) / 2, ip1mod2 = (i + 1) % 2
                if ip1mod2 == 0 {
                    if ip1div2 == n + 1 {
                        j1 = n - ll - ceilf - 1
                        j2 = n + ll + ceilf - 1
                    } else {
                        j1 = ip1div2 - 1 - ll - roundf - 1
                        j2 = ip1div2 + ll - 1 + ceilf - 1
                    }
                } else {
                    j1 = ip1div2 - 1 - ll - 1
                    j2 = ip1div2 + ll + roundf - 1
                }
            }
            return (max(j1 + 2, 0), min(j2, n))
        }

        var (j1, _) = bounds(0)
        for i in 1..<(2 * n + 2) {
            let k1 = j1
            swap(&v0, &v1)
            swap(&v0s, &v1s)
            for idx in 0..<npwrs { v1[idx] = 0 }
            let (nj1, nj2) = bounds(i)
            j1 = nj1
            let j2 = nj2
            let pwrs: [Double]
            if i == 1 || i == 2 * n + 1 {
                pwrs = gpower
            } else {
                pwrs = i % 2 == 1 ? twogpower : onem2gpower
            }
            let ln2 = j2 - k1 + 1
            if ln2 > 0 {
                // conv = convolve(v0[k1 - v0s ..< k1 - v0s + ln2], pwrs[0..<ln2]); take entries
                // [j1 - k1, j1 - k1 + (j2 - j1 + 1)).
                let start = k1 - v0s
                let convStart = j1 - k1
                let convLength = j2 - j1 + 1
                var maxValue = 0.0
                for out in 0..<max(convLength, 0) {
                    let idx = convStart + out
                    var s = 0.0
                    // conv[idx] = Σ_a v0[start + a] · pwrs[idx − a], 0 ≤ a < ln2, 0 ≤ idx − a < ln2
                    let aLow = max(0, idx - (ln2 - 1)), aHigh = min(idx, ln2 - 1)
                    if aLow <= aHigh {
                        for a in aLow...aHigh {
                            let src = start + a
                            if src >= 0 && src < npwrs { s += v0[src] * pwrs[idx - a] }
                        }
                    }
                    v1[out] = s
                    maxValue = max(maxValue, s)
                }
                if maxValue > 0 && maxValue < scaleDown {
                    for idx in 0..<npwrs { v1[idx] *= scaleUp }
                    exponent -= 128
                }
                v1s = v0s + j1 - k1
            }
        }
        var answer = v1[n - v1s]
        for m in 1...n {
            if abs(answer) > scaleUp {
                answer *= scaleDown
                exponent += 128
            }
            answer *= Double(m)
        }
        if exponent != 0 { answer = scalbn(answer, Int32(exponent)) }
        return clip(answer)
    }

    /// P(Dₙ ≤ d) by the Pelz–Good (1976) asymptotic expansion: the Li-Chien/Korolyuk series
    /// K₀ + K₁/√n + K₂/n + K₃/n^{3/2} in z = d√n, rewritten with Jacobi theta identities for small z.
    static func pelzGoodCDF(n: Int, _ x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let pi2 = Double.pi * Double.pi, pi4 = pi2 * pi2, pi6 = pi4 * pi2
        let sqrt2pi = (2 * Double.pi).squareRoot()
        let nd = Double(n)
        let z = nd.squareRoot() * x
        let z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2
        let qlog = -pi2 / 8 / z2
        if qlog < -708 { return 0 }
        var q = exp(qlog)
        let k1a = -z2, k1b = pi2 / 4
        let k2a = 6 * z6 + 2 * z4
        let k2b = (2 * z4 - 5 * z2) * pi2 / 4
        let k2c = pi4 * (1 - 2 * z2) / 16
        let k3d = pi6 * (5 - 30 * z2) / 64
        let k3c = pi4 * (-60 * z2 + 212 * z4) / 16
        let k3b = pi2 * (135 * z4 - 96 * z6) / 4
        let k3a = -30 * z6 - 90 * z4 * z4
        var k0 = 0.0, k1 = 0.0, k2 = 0.0, k3 = 0.0
        let maxk = Int((16 * z / Double.pi).rounded(.up))
        if maxk >= 1 {
            for k in stride(from: maxk, through: 1, by: -1) {
                let m = Double(2 * k - 1)
                let m2 = m * m, m4 = m2 * m2, m6 = m4 * m2
                let qpower = pow(q, Double(8 * k))
                k0 = k0 * qpower + 1
                k1 = k1 * qpower + (k1a + k1b * m2)
                k2 = k2 * qpower + (k2a + k2b * m2 + k2c * m4)
                k3 = k3 * qpower + (k3a + k3b * m2 + k3c * m4 + k3d * m6)
            }
        }
        let scale = q * sqrt2pi
        k0 = k0 * scale / z
        k1 = k1 * scale / (6 * z4)
        k2 = k2 * scale / (72 * pow(z, 7))
        k3 = k3 * scale / (6480 * pow(z, 10))
        q = exp(-pi2 / 2 / z2)
        var k2extra = 0.0, k3extra = 0.0
        let sqrt3z = 3.0.squareRoot() * z
        if maxk >= 1 {
            for k in stride(from: maxk, through: 1, by: -1) {
                let kd = Double(k)
                let ks = kd * kd
                let qp = pow(q, ks)
                k2extra += ks * qp
                let kspi = Double.pi * kd
                k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks * qp
            }
        }
        k2 += k2extra * pi2 * sqrt2pi / (-36 * z3)
        k3 += k3extra * pi2 * sqrt2pi / (216 * z6)
        let rootN = nd.squareRoot()
        return k0 + k1 / rootN + k2 / nd + k3 / (nd * rootN)
    }
}
