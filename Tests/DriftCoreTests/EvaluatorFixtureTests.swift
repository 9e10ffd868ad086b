import DriftCore
import DriftStats
import Testing

/// Builds a baseline from `core_reference.csv` and judges `core_current.csv`; every number is
/// checked against numpy/scipy (Fixtures/generate_core_fixtures.py), never against this code.
@Suite("Baseline build and evaluation against numpy/scipy")
struct EvaluatorFixtureTests {
    static func run(settings: EvaluationSettings = EvaluationSettings()) throws -> (BaselineProfile, DriftReport) {
        let profile = try buildBaseline(try Fixture.bytes("core_reference.csv"), format: .csv, chunk: 4093)
        let evaluator = try Evaluator(baseline: profile, model: "fixture", baselineVersion: "1", settings: settings)
        var window = evaluator.makeWindow()
        let (reader, batches, _) = try readBatches(
            try Fixture.bytes("core_current.csv"), format: .csv, schema: profile.schema,
            chunk: 1000)
        for b in batches { window.insert(b, at: 0) }
        var report = try evaluator.evaluate(window.snapshot())
        report.invalidExamples = reader.invalidExamples
        return (profile, report)
    }

    @Test("profile: counts, moments, quantile edges and bin fractions")
    func profile() throws {
        let expected = try Fixture.expected()
        let (profile, _) = try Self.run()
        #expect(profile.rows == 3000)
        for name in ["age", "income", "rooms"] {
            let e = expected[name]
            let n = try #require(profile.feature(named: name)?.numeric)
            #expect(n.count == e["count"].int)
            #expect(relativeError(n.mean!, e["mean"].double) < 1e-12)
            #expect(relativeError(n.variance!, e["variance"].double) < 1e-10)
            #expect(n.minimum == e["min"].double && n.maximum == e["max"].double)
            #expect(n.bins?.edges == e["edges"].doubles, "\(name) edges")
            let fractions = e["fractions"].doubles
            #expect(n.binFractions.count == fractions.count)
            for (a, b) in zip(n.binFractions, fractions) { #expect(abs(a - b) < 1e-15) }
            #expect(n.sampleIsExact && n.sampleCount == n.count)
            #expect(n.bands["psi"]?.values.count == 10)
        }
        let colour = try #require(profile.feature(named: "colour")?.categorical)
        let e = expected["colour"]
        #expect(colour.categories == e["categories"].strings)
        #expect(colour.counts == e["counts"].ints)
        #expect(colour.otherCount == 0)
    }

    @Test("report: PSI, KS, chi-square, TVD, BH-adjusted p-values, data quality, verdicts")
    func report() throws {
        let expected = try Fixture.expected()
        let (_, report) = try Self.run()
        #expect(report.rows == 2000)
        let adjusted = expected["p_adjusted"]
        for name in ["age", "income", "rooms"] {
            let e = expected[name]
            let f = try #require(report.features.first { $0.name == name })
            let ks = try #require(f.tests.ks)
            #expect(f.count == e["current_count"].int)
            #expect(relativeError(ks.statistic, e["ks_statistic"].double) < 1e-12)
            #expect(relativeError(ks.pValue, e["ks_p"].double) < 1e-8, "\(name) p")
            #expect(relativeError(ks.pAdjusted, adjusted[name].double) < 1e-8, "\(name) p adjusted")
            #expect(relativeError(f.tests.psi!.value, e["psi"].double) < 1e-10)
            #expect(abs(f.quality.outOfRangeRatio! - (e["out_of_range"].double)) < 1e-15)
        }
        for name in ["colour", "city"] {
            let e = expected[name]
            let f = try #require(report.features.first { $0.name == name })
            let chi2 = try #require(f.tests.chi2)
            #expect(relativeError(chi2.statistic!, e["chi2"].double) < 1e-10)
            #expect(chi2.df == e["df"].int)
            #expect(relativeError(chi2.pValue!, e["chi2_p"].double) < 1e-8)
            #expect(relativeError(chi2.pAdjusted!, adjusted[name].double) < 1e-8)
            #expect(relativeError(f.tests.distances[.tvd]!.value, e["tvd"].double) < 1e-12)
            #expect(relativeError(f.tests.psi!.value, e["psi"].double) < 1e-10)
            #expect(abs(f.quality.unseenRatio! - (e["unseen"].double)) < 1e-15)
        }
        let age = report.features.first { $0.name == "age" }!
        #expect(abs(age.quality.missingRatio - expected["missing_ratio_age"].double) < 1e-15)
        let income = report.features.first { $0.name == "income" }!
        #expect(abs(income.quality.invalidRatio - expected["invalid_ratio_income"].double) < 1e-15)
        #expect(report.invalidExamples.map(\.line) == [9, 101])  // rows 7 and 99 after the header
        // Planted drift: age (+0.6σ), colour (mix), city (10% unseen "brest"); income and rooms are
        // unchanged, but income's adjusted p is 0.04 by chance (scipy): significant without effect
        // is a warning, not drift.
        let status = Dictionary(uniqueKeysWithValues: report.features.map { ($0.name, $0.status) })
        #expect(adjusted["income"].double < 0.05)
        #expect(status == ["age": .drift, "income": .warning, "rooms": .ok, "colour": .drift, "city": .drift])
        #expect(report.features.first { $0.name == "city" }!.quality.unseenTop?.first?.value == "brest")
        #expect(report.dataset.driftedFeatures == 3 && report.dataset.evaluatedFeatures == 5)
        #expect(report.dataset.share == 0.6 && report.dataset.drift)
        #expect(report.multivariate.available)
    }

    @Test("below the minimum sample size the verdict is insufficient_data but statistics are reported")
    func minimumSamples() throws {
        var settings = EvaluationSettings()
        settings.minSamples = 5_000
        let (_, report) = try Self.run(settings: settings)
        for f in report.features {
            #expect(f.status == .insufficientData && !f.drift)
            #expect(f.tests.psi != nil)
        }
        #expect(report.dataset.status == .insufficientData && !report.dataset.drift)
        #expect(report.multivariate.status == .insufficientData)
    }

    @Test("data-driven thresholds use the baseline's chunk bands")
    func bands() throws {
        var settings = EvaluationSettings()
        settings.thresholdSource = .baseline
        let (profile, report) = try Self.run(settings: settings)
        let band = try #require(profile.feature(named: "rooms")?.numeric?.bands["psi"])
        let psi = try #require(report.features.first { $0.name == "rooms" }?.tests.psi)
        #expect(psi.thresholdSource == .baseline)
        #expect(psi.threshold == band.mean + 3 * band.standardDeviation)
        // Population σ of the ten chunk values, as np.std.
        let m = band.values.reduce(0, +) / 10
        let sd = (band.values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 10).squareRoot()
        #expect(abs(sd - band.standardDeviation) < 1e-15)
    }
}
