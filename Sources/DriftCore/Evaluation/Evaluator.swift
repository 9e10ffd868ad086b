import DriftRecords
import DriftStats
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Judges a window of current data against a baseline: per-feature tests, data quality, the
/// multivariate model, and the dataset verdict. One type for `compare` and the sidecar.
///
/// Rules (DESIGN.md "Verdict"): p-values of the features' distribution tests (KS, chi-square) are
/// corrected together (Benjamini–Hochberg by default); a feature drifts when it is significant
/// **and** an effect size reaches its threshold; one without the other is `warning`; fewer than
/// `minSamples` present values is `insufficient_data` (statistics still reported). The dataset
/// drifts when the share of drifted features among the evaluated ones reaches `datasetDriftShare`.
/// Missing and invalid values never enter a test.
public struct Evaluator: Sendable {
    public let baseline: BaselineProfile
    public let model: String
    public let baselineVersion: String
    public let settings: EvaluationSettings
    /// Where features are tested at once, one feature per worker (default: the calling thread only;
    /// `compare` and the sidecar pass one worker per core).
    public var workers = Workers.inline

    /// Throws `SchemaError` when the settings are invalid for this baseline.
    public init(baseline: BaselineProfile, model: String, baselineVersion: String, settings: EvaluationSettings) throws
    {
        try settings.validate(schema: baseline.schema)
        self.baseline = baseline
        self.model = model
        self.baselineVersion = baselineVersion
        self.settings = settings
    }

    /// The window `compare` feeds a whole file into: the sidecar's `StreamWindow`, tumbling and
    /// without an age limit, so counts are exact over every row and the tests see the first
    /// `capacity` rows, then a seeded uniform reservoir. Wide schemas hold fewer rows: at most
    /// `StreamWindow.maxHeldValues` values, never under 1 000 rows.
    public func makeWindow(capacity: Int = 1_000_000, seed: UInt64 = 0xC0FFEE) -> StreamWindow {
        var config = WindowConfig()
        config.mode = .tumbling
        config.maxAge = nil
        config.seed = seed
        let width = max(1, baseline.schema.numericCount)
        config.maxRecords = max(1, min(capacity, max(1_000, StreamWindow.maxHeldValues / width)))
        var window = StreamWindow(baseline: baseline, config: config, start: 0, timed: false)
        window.requestedCapacity = max(1, capacity)
        return window
    }

    public func evaluate(_ window: WindowSnapshot) throws -> DriftReport {
        precondition(window.schema == baseline.schema, "window built for another schema")
        var features: [FeatureReport] = []
        var pendingSignificance: [(feature: Int, p: Double)] = []
        var notes: [String] = []
        // Features are independent: test them on every core, one worker per core taking the next
        // feature, each with its own column buffers (a numeric feature copies and sorts its
        // values: reused buffers spare a fresh 16 MB of pages per 1M-row column). The
        // multivariate score (one pass over every row) is the first task, so the other workers
        // test features meanwhile.
        let specs = baseline.schema.features
        var results = [Result<FeatureReport, any Error>?](repeating: nil, count: specs.count)
        var multivariateResult: Result<MultivariateReport, any Error>?
        let next = Mutex(-1)
        results.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            nonisolated(unsafe) var multivariateOut: Result<MultivariateReport, any Error>?
            workers.together(specs.count + 1) { _ in
                var columns = ColumnBuffers()
                while true {
                    let index = next.withLock { i in
                        defer { i += 1 }
                        return i
                    }
                    if index < 0 {
                        multivariateOut = Result { try multivariate(window) }
                        continue
                    }
                    guard index < specs.count else { break }
                    out[index] = Result { try featureReport(index, window, &columns) }
                }
            }
            multivariateResult = multivariateOut
        }
        for result in results {
            let report = try result!.get()
            if let p = report.tests.ks?.pValue ?? report.tests.chi2?.pValue {
                pendingSignificance.append((features.count, p))
            }
            features.append(report)
        }
        // Correction across the model's features, then verdicts.
        let raw = pendingSignificance.map(\.p)
        let adjusted: [Double]
        switch settings.correction {
        case .benjaminiHochberg: adjusted = raw.isEmpty ? [] : try MultipleTesting.benjaminiHochberg(raw)
        case .bonferroni: adjusted = raw.isEmpty ? [] : try MultipleTesting.bonferroni(raw)
        case .none: adjusted = raw
        }
        for (k, entry) in pendingSignificance.enumerated() {
            let i = entry.feature
            if features[i].tests.ks != nil { features[i].tests.ks!.pAdjusted = adjusted[k] }
            if features[i].tests.chi2 != nil { features[i].tests.chi2!.pAdjusted = adjusted[k] }
        }
        for i in features.indices { verdict(&features[i]) }
        let evaluated = features.filter { $0.ignored != true && $0.status != .insufficientData && !$0.tests.isEmpty }
        let drifted = evaluated.filter(\.drift).count
        let share = evaluated.isEmpty ? 0 : Double(drifted) / Double(evaluated.count)
        let datasetDrift = !evaluated.isEmpty && share >= settings.datasetDriftShare
        let dataset = DatasetReport(
            driftedFeatures: drifted, evaluatedFeatures: evaluated.count, share: share,
            threshold: settings.datasetDriftShare, drift: datasetDrift,
            status: evaluated.isEmpty ? .insufficientData : (datasetDrift ? .drift : .ok))
        if !window.isExact {
            let why =
                window.capacity < window.requestedCapacity
                ? " (lowered from \(window.requestedCapacity) rows for \(baseline.schema.numericCount) numeric features)"
                : ""
            notes.append("window has \(window.rows) rows; tests used a uniform sample of \(window.sampledRows)\(why)")
        }
        return DriftReport(
            model: model, baselineVersion: baselineVersion, rows: window.rows, exact: window.isExact,
            sampledRows: window.sampledRows, features: features,
            multivariate: try multivariateResult!.get(), dataset: dataset, settings: settings,
            invalidExamples: [], notes: notes)
    }

    /// A worker's reused buffers: a numeric column's values and the sort's scratch.
    struct ColumnBuffers {
        var values: [Double] = []
        var scratch: [UInt64] = []
    }

    private func featureReport(
        _ index: Int, _ window: WindowSnapshot, _ columns: inout ColumnBuffers
    ) throws -> FeatureReport {
        let spec = baseline.schema.features[index]
        let slot = baseline.schema.slot(of: index)
        let plan = settings.plan(for: spec)
        let profile = baseline.features[index]
        var report: FeatureReport
        switch spec.kind {
        case .numeric:
            report = try numeric(spec, profile.numeric!, slot: slot, window: window, plan: plan, columns: &columns)
        case .categorical: report = try categorical(spec, profile.categorical!, slot: slot, window: window, plan: plan)
        }
        if plan.ignored { report.ignored = true }
        return report
    }

    /// Significance and effect → status.
    private func verdict(_ f: inout FeatureReport) {
        let plan = settings.plan(for: FeatureSpec(name: f.name, kind: f.kind, role: f.role))
        let level = plan.thresholds.significance
        var pTests = 0, significant = false
        if var ks = f.tests.ks {
            pTests += 1
            let sig = ks.pAdjusted < level
            significant = significant || sig
            ks.drift = sig && ks.statistic >= ks.statisticThreshold
            f.tests.ks = ks
        }
        if var chi2 = f.tests.chi2, chi2.applicable, let p = chi2.pAdjusted {
            pTests += 1
            chi2.drift = p < level
            significant = significant || chi2.drift
            f.tests.chi2 = chi2
        }
        var effects = 0, effect = false
        for d in f.tests.distances.values {
            effects += 1
            effect = effect || d.drift
        }
        if let ks = f.tests.ks { effects += 1; effect = effect || ks.statistic >= ks.statisticThreshold }
        let drift: Bool, warning: Bool
        switch (pTests > 0, effects > 0) {
        case (true, true): drift = significant && effect; warning = significant != effect
        case (true, false): drift = significant; warning = false
        case (false, true): drift = effect; warning = false
        case (false, false): drift = false; warning = false
        }
        if f.count < settings.minSamples || f.tests.isEmpty {
            f.status = .insufficientData
            f.drift = false
        } else {
            f.status = drift ? .drift : (warning ? .warning : .ok)
            f.drift = drift && f.ignored != true
        }
    }

    private func threshold(
        _ test: DriftTest, _ thresholds: Thresholds, bands: [String: ChunkBand]
    ) -> (Double, ThresholdSource) {
        if settings.thresholdSource == .baseline, let band = bands[test.rawValue] { return (band.upper, .baseline) }
        return (thresholds[effect: test], .fixed)
    }

    private func distance(
        _ test: DriftTest, _ value: Double, _ thresholds: Thresholds,
        bands: [String: ChunkBand]
    ) -> DistanceResult {
        let (t, source) = threshold(test, thresholds, bands: bands)
        return DistanceResult(value: value, threshold: t, thresholdSource: source, drift: value >= t)
    }

    private func ratio(_ part: Int, _ whole: Int) -> Double { whole > 0 ? Double(part) / Double(whole) : 0 }

    private func numeric(
        _ spec: FeatureSpec, _ profile: NumericProfile, slot: Int, window: WindowSnapshot,
        plan: (tests: [DriftTest], thresholds: Thresholds, ignored: Bool),
        columns: inout ColumnBuffers
    ) throws -> FeatureReport {
        let count = window.numericCount[slot]
        let quality = FeatureQuality(
            missingRatio: ratio(window.numericMissing[slot], window.rows),
            baselineMissingRatio: ratio(profile.missing, baseline.rows),
            outOfRangeRatio: ratio(window.outOfRange[slot], count),
            invalidRatio: ratio(window.numericInvalid[slot], window.rows),
            baselineInvalidRatio: ratio(profile.invalid, baseline.rows))
        var report = FeatureReport(
            name: spec.name, kind: .numeric, role: spec.role, count: count, status: .ok,
            drift: false, quality: quality, tests: FeatureTests())
        guard let bins = profile.bins, !profile.sample.isEmpty else {
            report.note = "the baseline has no values for this feature"
            return report
        }
        window.values(numericSlot: slot, into: &columns.values)
        FastSort.sort(&columns.values, scratch: &columns.scratch)  // in place: no second copy of the column
        let current = columns.values
        defer { columns.values = current }  // hands the storage back (current is its only other owner)
        guard !current.isEmpty else {
            report.note = "the window has no values for this feature"
            return report
        }
        let tests = Set(plan.tests)
        let t = plan.thresholds
        let counts = bins.histogram(sorted: current)
        let fractions = counts.map { Double($0) / Double(current.count) }
        let lo = Swift.min(profile.minimum ?? current[0], current[0]),
            hi = Swift.max(profile.maximum ?? current[current.count - 1], current[current.count - 1])
        report.histogram = FeatureHistogram(
            edges: bins.edges, range: [lo, hi], baseline: profile.binFractions, current: fractions)
        if tests.contains(.ks) {
            let r = try KolmogorovSmirnov.testSorted(profile.sample, current)
            let (dThreshold, source) = threshold(.ks, t, bands: profile.bands)
            report.tests.ks = KSReport(
                statistic: r.statistic, pValue: r.pValue, pAdjusted: r.pValue,
                threshold: t.significance, statisticThreshold: dThreshold,
                statisticThresholdSource: source, method: r.method.rawValue,
                referenceCount: r.referenceCount, currentCount: r.currentCount, drift: false)
        }
        let input = NumericDistanceInput(
            referenceFractions: profile.binFractions, currentFractions: fractions, sortedReference: profile.sample,
            sortedCurrent: current, referenceStandardDeviation: (profile.variance ?? 0).squareRoot())
        for info in DriftTestRegistry.distances where tests.contains(info.test) {
            guard let rule = info.distance?.numeric else { continue }
            do {
                report.tests.distances[info.test] = distance(info.test, try rule(input), t, bands: profile.bands)
            } catch let u as UndefinedDistance {
                report.note = u.reason
            }
        }
        return report
    }

    private func categorical(
        _ spec: FeatureSpec, _ profile: CategoricalProfile, slot: Int, window: WindowSnapshot,
        plan: (tests: [DriftTest], thresholds: Thresholds, ignored: Bool)
    ) throws -> FeatureReport {
        let labels = window.labelCounts[slot]
        var binOf: [String: Int] = [:]
        for (i, c) in profile.categories.enumerated() { binOf[c] = i }
        var counts = [Int](repeating: 0, count: profile.categories.count + 1)
        var unseen: [(String, Int)] = []
        var unseenTotal = window.untrackedLabels[slot]
        for (label, n) in labels {
            if let b = binOf[label] {
                counts[b] += n
            } else {
                counts[profile.categories.count] += n
                unseen.append((label, n))
                unseenTotal += n
            }
        }
        counts[profile.categories.count] += window.untrackedLabels[slot]
        let count = counts.reduce(0, +)
        let complete = profile.otherCount == 0 && profile.distinctIsExact
        unseen.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        let quality = FeatureQuality(
            missingRatio: ratio(window.categoricalMissing[slot], window.rows),
            baselineMissingRatio: ratio(profile.missing, baseline.rows),
            invalidRatio: ratio(window.categoricalInvalid[slot], window.rows),
            baselineInvalidRatio: ratio(profile.invalid, baseline.rows),
            unseenRatio: ratio(unseenTotal, count), baselineCategoriesComplete: complete,
            unseenTop: unseen.prefix(5).map { LabelShare(value: $0.0, share: ratio($0.1, count)) })
        var report = FeatureReport(
            name: spec.name, kind: .categorical, role: spec.role, count: count, status: .ok,
            drift: false, quality: quality, tests: FeatureTests())
        let reference = profile.binCounts
        guard reference.reduce(0, +) > 0 else {
            report.note = "the baseline has no values for this feature"
            return report
        }
        guard count > 0 else {
            report.note = "the window has no values for this feature"
            return report
        }
        let tests = Set(plan.tests)
        let t = plan.thresholds
        let r = reference.map(Double.init), c = counts.map(Double.init)
        let rTotal = Double(reference.reduce(0, +))
        report.histogram = FeatureHistogram(
            categories: profile.categories, baseline: r.map { $0 / rTotal },
            current: c.map { $0 / Double(count) })
        let input = CategoricalDistanceInput(referenceCounts: reference, currentCounts: counts)
        for info in DriftTestRegistry.distances where tests.contains(info.test) {
            guard let rule = info.distance?.categorical else { continue }
            do {
                report.tests.distances[info.test] = distance(info.test, try rule(input), t, bands: profile.bands)
            } catch let u as UndefinedDistance {
                report.note = u.reason
            }
        }
        if tests.contains(.chi2) {
            do {
                let x = try ChiSquareTest.homogeneity(reference: reference, current: counts)
                report.tests.chi2 = ChiSquareReport(
                    applicable: true, statistic: x.statistic, df: x.degreesOfFreedom,
                    pValue: x.pValue, pAdjusted: x.pValue, threshold: t.significance,
                    reason: nil, drift: false)
            } catch StatsError.singleCategory {
                report.tests.chi2 = ChiSquareReport(
                    applicable: false, threshold: t.significance,
                    reason: "fewer than two categories have values", drift: false)
            }
        }
        return report
    }

    /// Mean PCA reconstruction error of the window's rows (missing inputs imputed with the
    /// reference means), in blocks so memory stays flat.
    private func multivariate(_ window: WindowSnapshot) throws -> MultivariateReport {
        let method = "pca_reconstruction"
        guard let m = baseline.multivariate else {
            return MultivariateReport(
                method: method, available: false, drift: false,
                reason: "the baseline has no multivariate model")
        }
        let rows = window.sampledRows
        guard rows > 0 else {
            return MultivariateReport(
                method: method, available: false, drift: false, status: .insufficientData,
                reason: "the window is empty")
        }
        let slots = m.features.map { baseline.schema.slot(of: baseline.schema.index(of: $0)!) }
        let p = slots.count
        var total = 0.0
        var start = 0
        let block = 32_768
        while start < rows {
            let n = min(block, rows - start)
            var storage = [Double](repeating: 0, count: n * p)
            storage.withUnsafeMutableBufferPointer { out in
                window.forEachRow(start..<(start + n)) { row, values in
                    let r = row - start
                    for (c, slot) in slots.enumerated() {
                        let v = values[slot]
                        out[r + c * n] = v.isNaN ? m.imputation[c] : v
                    }
                }
            }
            let errors = try m.model.rowErrors(try Matrix(rows: n, columns: p, columnMajor: storage))
            total += errors.reduce(0, +)
            start += n
        }
        let value = total / Double(rows)
        // Inputs are bounded (NumberParser.maxMagnitude), so this should not happen; if a baseline's
        // scale makes it happen anyway, say so rather than publish a NaN verdict of "ok".
        guard value.isFinite else {
            return MultivariateReport(
                method: method, available: false, drift: false,
                reason: "the reconstruction error is not finite (values too extreme for the baseline's scale)")
        }
        let insufficient = window.rows < settings.minSamples
        let drift = !insufficient && (value < m.model.lowerBound || value > m.model.upperBound)
        return MultivariateReport(
            method: method, available: true, value: value, lower: m.model.lowerBound,
            upper: m.model.upperBound, drift: drift,
            status: insufficient ? .insufficientData : (drift ? .drift : .ok),
            features: p, components: m.model.componentCount, rows: rows)
    }
}
