@testable import DriftStats
import Foundation
import Testing

@Suite struct StreamingTests {
    @Test("Welford moments equal the two-pass values and merge exactly")
    func moments() {
        var rng = SplitMix64(seed: 1)
        let data = (0..<10_000).map { _ in 1e6 + rng.nextUnit() }  // large offset: naive Σx² would fail
        let mean = data.reduce(0, +) / Double(data.count)
        let variance = data.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(data.count - 1)
        let whole = RunningMoments(data)
        #expect(abs(whole.mean - mean) / mean < 1e-13)
        #expect(abs(whole.variance - variance) / variance < 1e-9)
        var left = RunningMoments(data[..<3_333])
        left.merge(RunningMoments(data[3_333...]))
        #expect(left.count == whole.count && abs(left.mean - whole.mean) / whole.mean < 1e-13)
        #expect(abs(left.variance - whole.variance) / whole.variance < 1e-9)
        #expect(left.minimum == data.min() && left.maximum == data.max())
        #expect(RunningMoments([5]).variance.isNaN)
    }

    @Test("reservoir: exact below capacity, deterministic under a seed")
    func reservoirBasics() {
        var r = ReservoirSample(capacity: 100, seed: 42)
        r.add(contentsOf: (0..<60).map(Double.init))
        #expect(r.isExact && r.values.sorted() == (0..<60).map(Double.init))
        var a = ReservoirSample(capacity: 50, seed: 7), b = ReservoirSample(capacity: 50, seed: 7)
        a.add(contentsOf: (0..<10_000).map(Double.init))
        b.add(contentsOf: (0..<10_000).map(Double.init))
        #expect(a.values == b.values && a.count == 50 && a.seen == 10_000 && !a.isExact)
    }

    @Test("reservoir and merged reservoirs are uniform: inclusion counts within 5σ of k/n")
    func reservoirUniformity() {
        // 2000 trials of a 10-of-100 sample: each item is included Binomial(2000, 0.1) times,
        // mean 200, σ = √(2000·0.1·0.9) ≈ 13.4.
        let trials = 2_000
        var single = [Int](repeating: 0, count: 100)
        var merged = [Int](repeating: 0, count: 100)
        for t in 0..<trials {
            var r = ReservoirSample(capacity: 10, seed: UInt64(t))
            r.add(contentsOf: (0..<100).map(Double.init))
            for v in r.values { single[Int(v)] += 1 }
            // Shards of unequal size (30 and 70) merged.
            var left = ReservoirSample(capacity: 10, seed: UInt64(t) &* 31 &+ 1)
            var right = ReservoirSample(capacity: 10, seed: UInt64(t) &* 31 &+ 2)
            left.add(contentsOf: (0..<30).map(Double.init))
            right.add(contentsOf: (30..<100).map(Double.init))
            left.merge(right)
            #expect(left.count == 10 && left.seen == 100)
            for v in left.values { merged[Int(v)] += 1 }
        }
        let sigma = (Double(trials) * 0.1 * 0.9).squareRoot()
        #expect(single.allSatisfy { abs(Double($0) - 200) < 5 * sigma }, "\(single)")
        #expect(merged.allSatisfy { abs(Double($0) - 200) < 5 * sigma }, "\(merged)")
    }

    @Test("radix sort agrees with the standard library on awkward doubles")
    func fastSort() {
        var rng = SplitMix64(seed: 9)
        var values = (0..<5_000).map { _ in (rng.nextUnit() - 0.5) * pow(10, Double(Int(rng.nextUnit() * 40) - 20)) }
        values += [0, -0.0, .infinity, -.infinity, .greatestFiniteMagnitude, -.leastNonzeroMagnitude, 1, 1, 1]
        let sorted = FastSort.sorted(values)
        #expect(sorted == values.sorted())
        let zeros = sorted.filter { $0 == 0 }
        #expect(zeros.first?.sign == .minus && zeros.last?.sign == .plus)
        #expect(FastSort.sorted([3, 1, 2]) == [1, 2, 3])
        #expect(FastSort.sorted([Double](repeating: 2.5, count: 1_000)) == [Double](repeating: 2.5, count: 1_000))
    }
}
