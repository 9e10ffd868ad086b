@testable import DriftCore
import DriftStats
import Foundation
import Testing

/// The binned distributions in the report and the HTML page drawn from them.
@Suite("HTML report")
struct HTMLReportTests {
    /// Baseline: x ~ N(0, 1), c alternating a/b (1 000 rows); window: x ~ N(0.5, 1), c cycling
    /// a, b, b, z (400 rows).
    static func report() throws -> DriftReport {
        let baseline = try VerdictTests.build(1000, seed: 1)
        return try VerdictTests.evaluate(baseline, n: 400, seed: 2, shift: 0.5, labels: ["a", "b", "b", "z"])
    }

    @Test("categorical histogram: the shares per baseline category, the unseen z in the last bin")
    func categoricalHistogram() throws {
        let c = try #require(try Self.report().features.first { $0.name == "c" }?.histogram)
        #expect(c.categories == ["a", "b"])
        // By hand: baseline a 500, b 500, other 0; window a 100, b 200, z 100 of 400.
        #expect(c.baseline == [0.5, 0.5, 0])
        #expect(c.current == [0.25, 0.5, 0.25])
    }

    @Test("numeric histogram: the window's values counted into the baseline's bins by hand")
    func numericHistogram() throws {
        let report = try Self.report()
        let x = try #require(report.features.first { $0.name == "x" }?.histogram)
        let edges = try #require(x.edges)
        let current = VerdictTests.batch(400, seed: 2, shift: 0.5, labels: ["a"]).numbers
        var counts = [Int](repeating: 0, count: edges.count + 1)
        // right-closed, as the README says
        for v in current { counts[edges.firstIndex { v <= $0 } ?? edges.count] += 1 }
        #expect(x.current.count == counts.count)
        for (share, n) in zip(x.current, counts) { #expect(abs(share - Double(n) / 400) < 1e-12) }
        #expect(abs(x.baseline.reduce(0, +) - 1) < 1e-9)
        var all: [Double] = current
        all += VerdictTests.batch(1000, seed: 1, shift: 0, labels: ["a"]).numbers
        #expect(x.range == [all.min()!, all.max()!])
    }

    @Test("the numeric chart's geometry: densities on the true axis, derived by hand")
    func numericGeometry() throws {
        // Bins (−∞,1] (1,2] (2,∞), drawn over [0,1] [1,2] [2,3], shares .25 .5 .25: densities .25 .5 .25,
        // maximum .5.
        // Plot: x from 46 to 550 (504 wide) over [0, 3]; y from 186 (0) up to 12 (0.5).
        let svg = HTMLReport.numericChart(
            FeatureHistogram(
                edges: [1, 2], range: [0, 3], baseline: [0.25, 0.5, 0.25],
                current: [0, 0.5, 0.5]), name: "x")
        #expect(svg.contains("<path class=\"base\" d=\"M46.0,186.0V99.0H214.0V12.0H382.0V99.0H550.0V186.0Z\"/>"))
        // Current: nothing in the first bin, .5 in each of the other two: density .5, top of the plot.
        #expect(svg.contains("<path class=\"cur\" d=\"M46.0,186.0V186.0H214.0V12.0H382.0V12.0H550.0V186.0Z\"/>"))
        #expect(!svg.contains("Drawn shortened"))
        // An outlier at 1 000: the last bin is drawn as wide as the interior span (1), to 3.
        let far = HTMLReport.numericChart(
            FeatureHistogram(
                edges: [1, 2], range: [0.9, 1000], baseline: [0.25, 0.5, 0.25],
                current: [0.25, 0.5, 0.25]), name: "x")
        #expect(far.contains("Drawn shortened: the highest bin runs up to 1000."))
        // Drawn over [0.9, 3]: widths .1, 1, 1 give densities 2.5, .5, .25 (maximum 2.5). X(v) = 46 +
        // (v − 0.9) / 2.1 × 504: 70 at 1, 310 at 2, 550 at 3. Y(d) = 186 − d / 2.5 × 174: 12, 151.2, 168.6.
        #expect(far.contains("<path class=\"base\" d=\"M46.0,186.0V12.0H70.0V151.2H310.0V168.6H550.0V186.0Z\"/>"))
    }

    @Test("severity order, escaping, a self-contained page with the summary first")
    func page() throws {
        var r = try Self.report()
        r.features[1].name = "<script>alert('c')</script> & co"
        r.notes.append("note with <b>markup</b>")
        let html = HTMLReport.render(r, source: "current.csv", generatedAt: Date(timeIntervalSince1970: 0))
        #expect(!html.contains("<script") && !html.contains("<b>markup"))
        #expect(html.contains("&lt;script&gt;alert(&#39;c&#39;)&lt;/script&gt; &amp; co"))
        #expect(html.contains("1970-01-01T00:00:00Z"))
        let urls = html.components(separatedBy: "http").dropFirst().map { "http" + $0.prefix(30) }
        #expect(urls.allSatisfy { $0.hasPrefix("http://www.w3.org/2000/svg\"") }, "\(urls)")
        let summary = try #require(html.range(of: "id=\"summary\"")),
            features = try #require(html.range(of: "id=\"features\""))
        #expect(summary.lowerBound < features.lowerBound)

        var fs = r.features
        fs[0].status = .ok; fs[1].status = .drift
        fs.append(fs[0]); fs[2].name = "w"; fs[2].status = .warning
        fs.append(fs[0]); fs[3].name = "i"; fs[3].status = .drift; fs[3].ignored = true
        #expect(HTMLReport.severityOrder(fs).map(\.status) == [.drift, .warning, .ok, .drift])
        #expect(HTMLReport.severityOrder(fs).last?.name == "i")
    }

    @Test("a bin of zero width (the minimum is the first edge) is still drawn; ticks keep their digits")
    func zeroWidthBinAndTicks() {
        // Counts: 20% zeros, edges [0, 1], values in [0, 2]: bin 0 is (−∞, 0], width 0. Drawn 3% of
        // the span (0.06) wide, from −0.06; its density 0.2 / 0.06 = 3.33 is the maximum.
        let svg = HTMLReport.numericChart(
            FeatureHistogram(
                edges: [0, 1], range: [0, 2], baseline: [0.2, 0.3, 0.5],
                current: [0.2, 0.3, 0.5]), name: "n")
        // X(0) = 46 + 0.06 / 2.06 × 504 = 60.68 → "60.7"; the first bar reaches the top (12).
        #expect(svg.contains("<path class=\"base\" d=\"M46.0,186.0V12.0H60.7"))
        #expect(HTMLReport.tickLabel(2020, step: 1) == "2020")
        #expect(HTMLReport.tickLabel(100_100, step: 50) == "100100")
        #expect(HTMLReport.tickLabel(0.25, step: 0.25) == "0.25")
        #expect(HTMLReport.tickLabel(1.5, step: 0.5) == "1.5")
        #expect(HTMLReport.tickLabel(0.002, step: 0.001) == "0.002")
        #expect(HTMLReport.tickLabel(0.075, step: 0.025) == "0.075")
    }

    @Test("anchors are unique and safe for any feature name")
    func anchors() {
        #expect(HTMLReport.anchor("petal_length") == "f-petal_length")
        #expect(HTMLReport.anchor("a b\"c") == "f-a.20.b.22.c")
        #expect(HTMLReport.anchor("\u{100}A") != HTMLReport.anchor("\u{100A}"))
        #expect(HTMLReport.anchor("a.b") != HTMLReport.anchor("a_b"))
    }
}
