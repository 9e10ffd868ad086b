import DriftCore
import DriftRecords
import DriftStats
import Foundation
import Testing

/// Issue 14, defect 8: memory and time grow linearly in columns, and the limits say so.
@Suite("Wide data")
struct WideDataTests {
    static func schema(_ width: Int) -> Schema {
        try! Schema(features: (0..<width).map { FeatureSpec(name: "f\($0)", kind: .numeric) })
    }

    static func build(_ schema: Schema, rows: Int, settings: BuildSettings = BuildSettings()) throws -> BaselineProfile
    {
        var b = try BaselineBuilder(schema: schema, settings: settings)
        var g = SplitMix64(seed: 5)
        var batch = EventBatch(schema: schema)
        for _ in 0..<rows { batch.append(numbers: (0..<schema.numericCount).map { _ in g.nextUnit() }, categories: []) }
        b.add(batch)
        return try b.finish()
    }

    @Test("the row sample keeps rows × features ≤ max_sample_values, never fewer than 2 × chunks rows")
    func sampleBudget() {
        let s = BuildSettings()  // 100 000 rows, 8 388 608 values, 10 chunks
        #expect(s.effectiveSampleCapacity(width: 15) == 100_000)
        #expect(s.effectiveSampleCapacity(width: 5_000) == 8_388_608 / 5_000)  // 1 677
        #expect(s.effectiveSampleCapacity(width: 10_000_000) == 20)
    }

    @Test(
        "compare's window on 5 000 features holds at most 16 777 216 values (it reserved 1M × 5 000 doubles, 40 GB, and aborted)"
    )
    func compareWindowBudget() throws {
        let baseline = try Self.build(Self.schema(5_000), rows: 30)
        let evaluator = try Evaluator(baseline: baseline, model: "m", baselineVersion: "1", settings: .init())
        let window = evaluator.makeWindow(capacity: 1_000_000)
        #expect(window.requestedCapacity == 1_000_000)
        #expect(window.config.maxRecords == 16_777_216 / 5_000)  // 3 355 rows
        #expect(window.config.mode == .tumbling && window.config.maxAge == nil)
        let narrow = try Evaluator(
            baseline: try Self.build(Self.schema(3), rows: 30), model: "m", baselineVersion: "1",
            settings: .init()
        ).makeWindow(capacity: 1_000_000)
        #expect(narrow.config.maxRecords == 1_000_000)
    }

    @Test("no PCA fit above max_multivariate_features: a note says why (3 000 columns took 43 s in dsyevd)")
    func multivariateLimit() throws {
        var settings = BuildSettings()
        settings.maxMultivariateFeatures = 50
        let wide = try Self.build(Self.schema(51), rows: 40, settings: settings)
        #expect(wide.multivariate == nil)
        #expect(
            wide.notes.contains { $0.contains("51 numeric features exceed max_multivariate_features (50") },
            "\(wide.notes)")
        let fits = try Self.build(Self.schema(50), rows: 40, settings: settings)
        #expect(fits.multivariate?.features.count == 50)
    }

    @Test("a wide build samples fewer rows and says so")
    func loweredSampleNote() throws {
        var settings = BuildSettings()
        settings.maxSampleValues = 10_000
        let p = try Self.build(Self.schema(100), rows: 500, settings: settings)
        #expect(p.features[0].numeric?.sample.count == 100)
        #expect(
            p.notes.contains {
                $0.hasPrefix("row sample lowered to 100 rows for 100 features (max_sample_values 10000)")
            }, "\(p.notes)")
    }

    @Test("baselines stored before the width limits decode with the defaults")
    func oldSettingsDecode() throws {
        let old =
            #"{"bin_count":10,"sample_capacity":100000,"chunk_count":10,"top_categories":1000,"max_tracked_categories":100000,"seed":1,"#
            + #""variance_threshold":0.65}"#
        let s = try JSONDecoder().decode(BuildSettings.self, from: Data(old.utf8))
        #expect(s.maxSampleValues == 8_388_608 && s.maxMultivariateFeatures == 500 && s.seed == 1)
    }
}

@Suite("Baseline build determinism")
struct BuildDeterminismTests {
    static let schema = try! Schema(features: [
        FeatureSpec(name: "a", kind: .numeric), FeatureSpec(name: "c", kind: .categorical),
        FeatureSpec(name: "b", kind: .numeric), FeatureSpec(name: "d", kind: .categorical),
        FeatureSpec(name: "e", kind: .numeric),
    ])

    /// Rows with missing and invalid values in every kind of feature.
    static func rows(_ n: Int) -> [(numbers: [Double], labels: [String?], invalid: [Int])] {
        var g = SplitMix64(seed: 11)
        return (0..<n).map { _ in
            let numbers = (0..<3).map { k -> Double in
                switch g.next() % 50 {
                case 0: return .nan
                case 1: return EventBatch.invalid
                default: return g.nextUnit() * Double(k + 1) + (k == 2 ? Double(g.next() % 4) : 0)
                }
            }
            var invalid: [Int] = []
            let labels = (0..<2).map { k -> String? in
                switch g.next() % 40 {
                case 0: return nil
                case 1: invalid.append(k); return nil
                default: return "l\(g.next() % UInt64(3 + 20 * k))"
                }
            }
            return (numbers, labels, invalid)
        }
    }

    static func build(
        batchSizes: [Int], parallelism: Int, rows: [(numbers: [Double], labels: [String?], invalid: [Int])]
    )
        throws -> BaselineProfile
    {
        var settings = BuildSettings()
        settings.sampleCapacity = 700  // below the rows: the sample's heap evicts
        var b = try BaselineBuilder(schema: schema, settings: settings)
        b.workers = .dispatch(parallelism)
        var start = 0, s = 0
        while start < rows.count {
            let n = min(batchSizes[s % batchSizes.count], rows.count - start)
            var batch = EventBatch(schema: schema)
            for r in rows[start..<(start + n)] {
                batch.append(numbers: r.numbers, categories: r.labels, invalidSlots: r.invalid)
            }
            b.add(batch)
            start += n
            s += 1
        }
        return try b.finish()
    }

    @Test("the profile is the same for any cut into batches and any number of workers")
    func sameProfile() throws {
        let rows = Self.rows(6_000)
        let one = try Self.build(batchSizes: [rows.count], parallelism: 1, rows: rows)
        #expect(!one.features[0].numeric!.sampleIsExact && one.features[0].numeric!.sample.count <= 700)
        #expect(one.features[0].numeric!.invalid > 0 && one.features[1].categorical!.invalid > 0)
        #expect(one.multivariate != nil)
        for (sizes, workers) in [([1, 7, 300], 2), ([4096], 3), ([13], 8)] {
            #expect(try Self.build(batchSizes: sizes, parallelism: workers, rows: rows) == one)
        }
    }
}
