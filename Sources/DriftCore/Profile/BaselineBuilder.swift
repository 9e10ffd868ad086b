import DriftRecords
import DriftStats
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Builds a `BaselineProfile` from a stream of typed events (`EventBatch`) in one pass, in bounded memory.
///
/// - Exact over every row: counts, missing/invalid counts, min/max, mean and variance (Welford),
///   category counts (for the first `maxTrackedCategories` distinct labels of a feature; labels
///   first seen after that count as `__other__`).
/// - From a uniform sample of whole rows (`RowSample`, exact up to `sampleCapacity` rows): the KS
///   reference sample, the quantile bin edges and bin fractions, the chunk bands and the PCA model.
///   With 100 000 sampled rows a bin fraction is within ±0.003 of the full data's (2σ).
///
/// Chunks are contiguous in input order (the sample is re-ordered by input position before it is
/// cut, with `np.array_split` sizes), as NannyML's reference chunks.
public struct BaselineBuilder: Sendable {
    public let schema: Schema
    public let settings: BuildSettings
    private var rows = 0
    private var moments: [RunningMoments]
    private var numericMissing: [Int]
    private var numericInvalid: [Int]
    private var categoricalMissing: [Int]
    private var categoricalInvalid: [Int]
    /// Per categorical slot: label → code, and the count of each code.
    private var codeOf: [[String: Int32]]
    private var codeCounts: [[Int]]
    private var untracked: [Int]
    private var sample: RowSample

    public init(schema: Schema, settings: BuildSettings = BuildSettings()) throws {
        try settings.validate()
        self.schema = schema
        self.settings = settings
        moments = Array(repeating: RunningMoments(), count: schema.numericCount)
        numericMissing = Array(repeating: 0, count: schema.numericCount)
        numericInvalid = numericMissing
        categoricalMissing = Array(repeating: 0, count: schema.categoricalCount)
        categoricalInvalid = categoricalMissing
        untracked = categoricalMissing
        codeOf = Array(repeating: [:], count: schema.categoricalCount)
        codeCounts = Array(repeating: [], count: schema.categoricalCount)
        sample = RowSample(
            capacity: settings.effectiveSampleCapacity(width: schema.features.count), numericWidth: schema.numericCount,
            codeWidth: schema.categoricalCount, seed: settings.seed)
    }

    /// Adds every event of a batch typed against `schema` (its golden-signal fields are unused).
    /// Numbers column by column (each column's moments see its values in input order, as row by
    /// row would), then labels and the row sample row by row; a row's values are copied only when
    /// the sample keeps it.
    public mutating func add(_ batch: EventBatch) {
        precondition(
            batch.numericWidth == schema.numericCount && batch.categoricalWidth == schema.categoricalCount,
            "batch typed for another schema")
        let nw = batch.numericWidth, cw = batch.categoricalWidth
        batch.numbers.withUnsafeBufferPointer { values in
            for k in 0..<nw {
                var m = moments[k]
                var missing = 0, invalid = 0
                var i = k
                for _ in 0..<batch.count {
                    let v = values[i]
                    i += nw
                    if !v.isNaN {
                        m.add(v)
                    } else if EventBatch.isInvalid(v) {
                        invalid += 1
                    } else {
                        missing += 1
                    }
                }
                moments[k] = m
                numericMissing[k] += missing
                numericInvalid[k] += invalid
            }
        }
        rows += batch.count
        var invalidCursor = 0
        // The builder's code of each of the batch's labels, looked up when first met (−4: not yet).
        var builderCode = [Int32](repeating: -4, count: batch.labels.count)
        var rowCodes = [Int32](repeating: -1, count: cw)
        for e in 0..<batch.count {
            for k in 0..<cw {
                let local = Int(batch.labelCodes[e * cw + k])
                guard local >= 0 else {
                    if batch.isInvalidLabel(e, k, cursor: &invalidCursor) {
                        categoricalInvalid[k] += 1
                    } else {
                        categoricalMissing[k] += 1
                    }
                    rowCodes[k] = -1
                    continue
                }
                var code = builderCode[local]
                if code == -4 {
                    let label = batch.labels.strings[local]
                    if let known = codeOf[k][label] {
                        code = known
                    } else if codeCounts[k].count < settings.maxTrackedCategories {
                        code = Int32(codeCounts[k].count)
                        codeOf[k][label] = code
                        codeCounts[k].append(0)
                    } else {
                        code = -2
                    }
                    builderCode[local] = code
                }
                if code >= 0 { codeCounts[k][Int(code)] += 1 } else { untracked[k] += 1 }
                rowCodes[k] = code
            }
            rowCodes.withUnsafeBufferPointer { codes in
                batch.numbers.withUnsafeBufferPointer { values in
                    sample.add { n, c in
                        for k in 0..<nw {
                            let v = values[e * nw + k]
                            n[k] = v.isNaN ? .nan : v  // invalid values are not profiled: missing in the sample
                        }
                        for k in 0..<cw { c[k] = codes[k] }
                    }
                }
            }
        }
    }

    /// Finishes the profile. Throws `SchemaError` when no row was added.
    public func finish(notes: [String] = []) throws -> BaselineProfile {
        guard rows > 0 else { throw SchemaError("the input has no data rows") }
        var notes = notes
        if sample.capacity < settings.sampleCapacity && !sample.isExact {
            notes.append(
                "row sample lowered to \(sample.capacity) rows for \(schema.features.count) features "
                    + "(max_sample_values \(settings.maxSampleValues)); KS samples, bins and bands come from it")
        }
        let order = sample.slotsInInputOrder()
        let chunkOfOrder = Self.chunkIndices(count: order.count, chunks: settings.chunkCount)
        // Features are independent: profiled on every core, one worker per core taking the next,
        // the PCA fit (the longest task) first. Results are placed by index, so the profile is the
        // same for any number of workers.
        let specs = schema.features
        var results = [Result<FeatureProfile, any Error>?](repeating: nil, count: specs.count)
        var multivariate: MultivariateProfile?
        var multivariateNotes: [String] = []
        let next = Mutex(-1)
        results.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            nonisolated(unsafe) var pca: (MultivariateProfile?, [String]) = (nil, [])
            workers.together(specs.count + 1) { _ in
                while true {
                    let index = next.withLock { i in
                        defer { i += 1 }
                        return i
                    }
                    if index < 0 {
                        var notes: [String] = []
                        pca = (multivariateProfile(order: order, notes: &notes), notes)
                        continue
                    }
                    guard index < specs.count else { break }
                    out[index] = Result { try featureProfile(index, order: order, chunkOf: chunkOfOrder) }
                }
            }
            (multivariate, multivariateNotes) = pca
        }
        let features = try results.map { try $0!.get() }
        notes += multivariateNotes
        return BaselineProfile(
            schema: schema, rows: rows, features: features, multivariate: multivariate,
            settings: settings, notes: notes)
    }

    /// Where `finish` profiles features, one feature per worker (default: the calling thread only;
    /// `baseline build` passes one worker per core).
    public var workers = Workers.inline

    private func featureProfile(_ index: Int, order: [Int], chunkOf: [Int]) throws -> FeatureProfile {
        let spec = schema.features[index]
        let slot = schema.slot(of: index)
        var profile = FeatureProfile(name: spec.name, kind: spec.kind, role: spec.role)
        switch spec.kind {
        case .numeric: profile.numeric = try numericProfile(slot: slot, order: order, chunkOf: chunkOf)
        case .categorical: profile.categorical = try categoricalProfile(slot: slot, order: order, chunkOf: chunkOf)
        }
        return profile
    }

    /// Chunk of each of `count` ordered items, with `np.array_split` sizes (the first
    /// `count % chunks` chunks one longer).
    static func chunkIndices(count: Int, chunks: Int) -> [Int] {
        let base = count / chunks, extra = count % chunks
        var result: [Int] = []
        result.reserveCapacity(count)
        for c in 0..<chunks { result.append(contentsOf: repeatElement(c, count: base + (c < extra ? 1 : 0))) }
        return result
    }

    private func numericProfile(slot k: Int, order: [Int], chunkOf: [Int]) throws -> NumericProfile {
        let m = moments[k]
        var perChunk = Array(repeating: [Double](), count: settings.chunkCount)
        var values: [Double] = []
        values.reserveCapacity(order.count)
        for (i, s) in order.enumerated() {
            let v = sample.number(slot: s, k)
            if !v.isNaN {
                values.append(v)
                perChunk[chunkOf[i]].append(v)
            }
        }
        guard !values.isEmpty else {
            return NumericProfile(
                count: 0, missing: numericMissing[k], invalid: numericInvalid[k], minimum: nil,
                maximum: nil, mean: nil, variance: nil, bins: nil, binFractions: [], sample: [],
                sampleIsExact: sample.isExact, bands: [:])
        }
        let sorted = FastSort.sorted(values)
        let bins = try NumericBins(sortedReference: sorted, binCount: settings.binCount)
        let fractions = bins.histogram(sorted: sorted).map { Double($0) / Double(sorted.count) }
        var psi: [Double] = [], ks: [Double] = []
        var sizes: [Int] = []
        for chunk in perChunk where !chunk.isEmpty {
            let chunkSorted = FastSort.sorted(chunk)
            let counts = bins.histogram(sorted: chunkSorted)
            psi.append(
                try PopulationStabilityIndex.value(
                    referenceFractions: fractions, currentFractions: counts.map { Double($0) / Double(chunk.count) }))
            ks.append(try KolmogorovSmirnov.statistic(sorted: sorted, chunkSorted))
            sizes.append(chunk.count)
        }
        let chunkRows = sizes.sorted()[sizes.count / 2]
        return NumericProfile(
            count: m.count, missing: numericMissing[k], invalid: numericInvalid[k],
            minimum: m.minimum, maximum: m.maximum, mean: m.mean,
            variance: m.count > 1 ? m.variance : nil, bins: bins, binFractions: fractions,
            sample: sorted, sampleIsExact: sample.isExact,
            bands: sizes.count >= 2
                ? [
                    "psi": ChunkBand(values: psi, chunkRows: chunkRows),
                    "ks": ChunkBand(values: ks, chunkRows: chunkRows),
                ] : [:])
    }

    private func categoricalProfile(slot k: Int, order: [Int], chunkOf: [Int]) throws -> CategoricalProfile {
        let counts = codeCounts[k]
        var labels = [String](repeating: "", count: counts.count)
        for (label, code) in codeOf[k] { labels[Int(code)] = label }
        let ranked = counts.indices.sorted {
            counts[$0] != counts[$1] ? counts[$0] > counts[$1] : labels[$0] < labels[$1]
        }
        let top = Array(ranked.prefix(settings.topCategories))
        var binOfCode = [Int](repeating: top.count, count: counts.count)
        for (bin, code) in top.enumerated() { binOfCode[code] = bin }
        let topCounts = top.map { counts[$0] }
        let total = counts.reduce(0, +) + untracked[k]
        let other = total - topCounts.reduce(0, +)
        // Chunk bands on the same bins.
        var chunkCounts = Array(repeating: [Int](repeating: 0, count: top.count + 1), count: settings.chunkCount)
        for (i, s) in order.enumerated() {
            let code = sample.code(slot: s, k)
            if code == -1 { continue }
            let bin = code >= 0 ? binOfCode[Int(code)] : top.count
            chunkCounts[chunkOf[i]][bin] += 1
        }
        let reference = (topCounts + [other]).map(Double.init)
        var psi: [Double] = [], tvd: [Double] = [], sizes: [Int] = []
        if total > 0 {
            let referenceFractions = reference.map { $0 / Double(total) }
            for chunk in chunkCounts {
                let n = chunk.reduce(0, +)
                guard n > 0 else { continue }
                let fractions = chunk.map { Double($0) / Double(n) }
                psi.append(
                    try PopulationStabilityIndex.value(
                        referenceFractions: referenceFractions, currentFractions: fractions))
                tvd.append(try Distances.totalVariation(referenceFractions, fractions))
                sizes.append(n)
            }
        }
        let chunkRows = sizes.isEmpty ? 0 : sizes.sorted()[sizes.count / 2]
        return CategoricalProfile(
            count: total, missing: categoricalMissing[k], invalid: categoricalInvalid[k],
            categories: top.map { labels[$0] }, counts: topCounts, otherCount: other,
            distinctCount: counts.count, distinctIsExact: untracked[k] == 0,
            bands: sizes.count >= 2
                ? [
                    "psi": ChunkBand(values: psi, chunkRows: chunkRows),
                    "tvd": ChunkBand(values: tvd, chunkRows: chunkRows),
                ] : [:])
    }

    /// PCA reconstruction model over the numeric features that have values; missing inputs are
    /// imputed with the feature's mean (as NannyML). Skipped, with a note, for fewer than two such
    /// features or too few rows.
    ///
    /// Decided from what the features' profiles hold (runs beside them): a feature's profile has
    /// the moments' count, mean and variance when the row sample has any of its values, and no
    /// values otherwise.
    private func multivariateProfile(order: [Int], notes: inout [String]) -> MultivariateProfile? {
        var used: [(slot: Int, name: String, mean: Double)] = []
        for (slot, index) in schema.numericIndices.enumerated() {
            let m = moments[slot]
            guard m.count >= 2, m.variance > 0, order.contains(where: { !sample.number(slot: $0, slot).isNaN }) else {
                continue
            }
            used.append((slot, schema.features[index].name, m.mean))
        }
        guard used.count >= 2 else {
            notes.append("multivariate drift not available: needs at least two non-constant numeric features")
            return nil
        }
        guard used.count <= settings.maxMultivariateFeatures else {
            notes.append(
                "multivariate drift not available: \(used.count) numeric features exceed max_multivariate_features "
                    + "(\(settings.maxMultivariateFeatures); the PCA fit grows with features³)")
            return nil
        }
        let rows = order.count
        guard rows >= max(settings.chunkCount * 2, 20) else {
            notes.append("multivariate drift not available: \(rows) rows are too few")
            return nil
        }
        var storage = [Double](repeating: 0, count: rows * used.count)
        for (c, u) in used.enumerated() {
            for (r, s) in order.enumerated() {
                let v = sample.number(slot: s, u.slot)
                storage[r + c * rows] = v.isNaN ? u.mean : v
            }
        }
        do {
            let matrix = try Matrix(rows: rows, columns: used.count, columnMajor: storage)
            let model = try PCAReconstructionModel(
                reference: matrix, varianceThreshold: settings.varianceThreshold,
                chunkCount: settings.chunkCount)
            return MultivariateProfile(
                features: used.map(\.name), imputation: used.map(\.mean), rows: rows, model: model)
        } catch {
            notes.append("multivariate drift not available: \(error)")
            return nil
        }
    }
}
