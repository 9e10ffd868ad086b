import DriftCore
import DriftRecords
import DriftStats
import Foundation
import Testing

/// Verdict rules on synthetic windows with known properties.
@Suite("Verdict rules")
struct VerdictTests {
    static let schema = try! Schema(features: [
        FeatureSpec(name: "x", kind: .numeric),
        FeatureSpec(name: "c", kind: .categorical),
    ])

    static func build(
        _ n: Int, seed: UInt64, shift: Double = 0, labels: [String] = ["a", "b"]
    ) throws -> BaselineProfile {
        var builder = try BaselineBuilder(schema: schema)
        builder.add(batch(n, seed: seed, shift: shift, labels: labels))
        return try builder.finish()
    }

    /// n rows: x ~ N(shift, 1), c cycling through `labels`.
    static func batch(_ n: Int, seed: UInt64, shift: Double, labels: [String]) -> EventBatch {
        var g = SplitMix64(seed: seed)
        var b = EventBatch(schema: schema)
        for i in 0..<n { b.append(numbers: [normal(&g) + shift], categories: [labels[i % labels.count]]) }
        return b
    }

    static func normal(_ g: inout SplitMix64) -> Double {
        let u1 = max(g.nextUnit(), 1e-300), u2 = g.nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    static func evaluate(
        _ baseline: BaselineProfile, n: Int, seed: UInt64, shift: Double, labels: [String] = ["a", "b"],
        settings: EvaluationSettings = .init()
    ) throws -> DriftReport {
        let evaluator = try Evaluator(baseline: baseline, model: "m", baselineVersion: "1", settings: settings)
        var window = evaluator.makeWindow()
        window.insert(batch(n, seed: seed, shift: shift, labels: labels), at: 0)
        return try evaluator.evaluate(window.snapshot())
    }

    @Test("a tiny shift on a large window is significant without effect: warning, not drift")
    func noiseDoesNotPage() throws {
        let baseline = try Self.build(100_000, seed: 1)
        let report = try Self.evaluate(baseline, n: 200_000, seed: 2, shift: 0.05)
        let x = report.features[0]
        #expect(x.tests.ks!.pAdjusted < 1e-10)
        #expect(x.tests.ks!.statistic < 0.1 && x.tests.psi!.value < 0.1)
        #expect(x.status == .warning && !x.drift)
        #expect(!report.dataset.drift)
    }

    @Test("a half-sigma shift drifts; identical distributions are ok")
    func shift() throws {
        let baseline = try Self.build(20_000, seed: 3)
        let drifted = try Self.evaluate(baseline, n: 5_000, seed: 4, shift: 0.5)
        #expect(drifted.features[0].status == .drift)
        let same = try Self.evaluate(baseline, n: 5_000, seed: 5, shift: 0)
        #expect(same.features[0].status == .ok)
        #expect(same.features[1].status == .ok)
    }

    @Test("a single category: chi-square does not apply and says so; an unseen category is a share")
    func categories() throws {
        let baseline = try Self.build(1_000, seed: 6, labels: ["only"])
        let report = try Self.evaluate(baseline, n: 1_000, seed: 7, shift: 0, labels: ["only", "only", "only", "new"])
        let c = report.features[1]
        #expect(c.quality.unseenRatio == 0.25)
        #expect(c.quality.unseenTop == [LabelShare(value: "new", share: 0.25)])
        #expect(c.tests.chi2?.applicable == true)
        #expect(c.tests.chi2!.statistic!.isFinite)
        let single = try Self.evaluate(baseline, n: 1_000, seed: 8, shift: 0, labels: ["only"])
        #expect(single.features[1].tests.chi2?.applicable == false)
        #expect(single.features[1].tests.chi2?.reason != nil)
    }

    @Test("every distance row of the registry runs on its kinds, under its report key and threshold key")
    func registryDispatch() throws {
        #expect(Set(DriftTestRegistry.all.map(\.test)) == Set(DriftTest.allCases))
        #expect(DriftTestRegistry.all.count == DriftTest.allCases.count)
        #expect(Thresholds.keys.count == Set(Thresholds.keys).count)
        let encodedKeys =
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(Thresholds())) as! [String: Double]
        #expect(Set(encodedKeys.keys) == Set(Thresholds.keys))
        let baseline = try Self.build(5_000, seed: 21)
        for info in DriftTestRegistry.distances {
            let rule = try #require(info.distance)
            #expect((rule.numeric != nil) == info.kinds.contains(.numeric))
            #expect((rule.categorical != nil) == info.kinds.contains(.categorical))
            for (floor, flags) in [(0.0, true), (1e9, false)] {
                // Settings as users write them: the test on both kinds, the floor under its key.
                let json = """
                    {"numeric_tests": \(info.kinds.contains(.numeric) ? "[\"\(info.test.rawValue)\"]" : "[\"ks\"]"),
                     "categorical_tests": \(info.kinds.contains(.categorical) ? "[\"\(info.test.rawValue)\"]" : "[\"chi2\"]"),
                     "thresholds": {"\(info.effect!.key)": \(floor)}}
                    """
                let settings = try JSONDecoder().decode(EvaluationSettings.self, from: Data(json.utf8))
                #expect(settings.thresholds[effect: info.test] == floor)
                let report = try Self.evaluate(
                    baseline, n: 2_000, seed: 22, shift: 1, labels: ["a", "b", "b"], settings: settings)
                let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as! [String: Any]
                let features = object["features"] as! [[String: Any]]
                for (i, kind) in [FeatureKind.numeric, .categorical].enumerated() {
                    let tests = features[i]["tests"] as! [String: Any]
                    guard info.kinds.contains(kind) else {
                        #expect(tests[info.test.rawValue] == nil)
                        continue
                    }
                    let d = try #require(report.features[i].tests.distances[info.test], "\(info.test) on \(kind)")
                    #expect(d.threshold == floor && d.drift == flags && d.value > 0 && d.value.isFinite)
                    let encoded = try #require(tests[info.test.rawValue] as? [String: Any])
                    // (Foundation's JSONSerialization may round the last bit; JSONDecoder below is exact.)
                    #expect(abs(try #require(encoded["value"] as? Double) - d.value) <= 1e-15 * d.value)
                    // The feature runs this distance only: effect alone is the verdict.
                    #expect(report.features[i].status == (flags ? .drift : .ok))
                }
                let back = try JSONDecoder().decode(DriftReport.self, from: JSONEncoder().encode(report))
                #expect(back == report)
            }
        }
    }

    @Test("per-feature overrides: tests, thresholds, ignore; bad settings are refused by name")
    func overrides() throws {
        let baseline = try Self.build(5_000, seed: 9)
        var settings = EvaluationSettings()
        settings.features["x"] = FeatureOverride(tests: [.wasserstein, .ks], thresholds: ["wasserstein": 0.4])
        settings.features["c"] = FeatureOverride(ignore: true)
        let report = try Self.evaluate(baseline, n: 5_000, seed: 10, shift: 0.5, settings: settings)
        let x = report.features[0]
        #expect(x.tests.psi == nil && x.tests.distances[.wasserstein] != nil)
        #expect(x.tests.distances[.wasserstein]!.threshold == 0.4)
        // W1 of a 0.5 shift between two unit normals is 0.5σ.
        #expect(abs(x.tests.distances[.wasserstein]!.value - 0.5) < 0.05)
        #expect(report.features[1].ignored == true)
        #expect(report.dataset.evaluatedFeatures == 1)
        var bad = EvaluationSettings()
        bad.features["nope"] = FeatureOverride(ignore: true)
        #expect(throws: SchemaError("features.nope: no such feature in the baseline")) {
            _ = try Evaluator(baseline: baseline, model: "m", baselineVersion: "1", settings: bad)
        }
        var wrongKind = EvaluationSettings()
        wrongKind.features["c"] = FeatureOverride(tests: [.ks])
        #expect(throws: SchemaError("features.c.tests: ks does not apply to categorical features")) {
            _ = try Evaluator(baseline: baseline, model: "m", baselineVersion: "1", settings: wrongKind)
        }
    }

    @Test("beyond the sample capacity the builder keeps a uniform sample of rows")
    func sampling() throws {
        var settings = BuildSettings()
        settings.sampleCapacity = 1_000
        var builder = try BaselineBuilder(schema: Self.schema, settings: settings)
        var b = EventBatch(schema: Self.schema)
        for i in 0..<50_000 { b.append(numbers: [Double(i)], categories: ["k\(i % 3)"]) }
        builder.add(b)
        let p = try builder.finish()
        let x = try #require(p.features[0].numeric)
        #expect(x.count == 50_000 && x.sampleCount == 1_000 && !x.sampleIsExact)
        #expect(x.minimum == 0 && x.maximum == 49_999)
        #expect(abs(x.mean! - 24_999.5) < 1e-9)
        // Row index i is the value: a uniform sample has deciles near 5000·k (σ of a sample
        // quantile ≈ 50 000·√(0.25/1000) ≈ 790).
        for (k, e) in x.bins!.edges.enumerated() { #expect(abs(e - 5_000 * Double(k + 1)) < 4 * 790) }
        let c = try #require(p.features[1].categorical)
        #expect(c.counts.reduce(0, +) == 50_000)
    }
}
