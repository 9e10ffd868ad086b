import DriftConfig
import DriftCore
import Foundation
import Testing

/// The rules generator's PromQL: thresholds from the config, escaping, ignored features.
@Suite("Prometheus rules")
struct PrometheusRulesTests {
    func rules(_ configure: (inout SidecarConfig) -> Void) -> [Rule] {
        var c = SidecarConfig()
        c.models = [ModelConfig(name: "iris")]
        configure(&c)
        return PrometheusRules.generate(c).groups.flatMap(\.rules)
    }

    func expr(_ rules: [Rule], _ name: String) -> String {
        rules.first { $0.alert == name || $0.record == name }?.expr ?? "(none)"
    }

    @Test("ignored features are left out of the feature alerts, with regex metacharacters escaped")
    func ignored() {
        let r = rules { c in
            c.models[0].evaluation.features = [
                "region": FeatureOverride(ignore: true), "a.b": FeatureOverride(ignore: true),
                "kept": FeatureOverride(thresholds: ["psi": 0.2]),
            ]
        }
        #expect(
            expr(r, "DriftwatchFeatureDrift")
                == #"(driftwatch_feature_psi{model="iris",feature!~"a\\.b|region"} or "#
                + #"driftwatch_feature_ks_statistic{model="iris",feature!~"a\\.b|region"} or "#
                + #"driftwatch_feature_status{model="iris",feature!~"a\\.b|region"} * NaN) and "#
                + #"driftwatch_feature_status{model="iris",feature!~"a\\.b|region"} == 2"#
        )
        #expect(
            expr(r, "DriftwatchUnseenCategories")
                == #"driftwatch_feature_unseen_ratio{model="iris",feature!~"a\\.b|region"} > 0.05"#)
        #expect(expr(r, "DriftwatchDatasetDrift") == #"driftwatch_dataset_drift_share{model="iris"} >= 0.5"#)
    }

    @Test("every series the rules and alert texts name is a family of the metric catalog (or a rule recorded here)")
    func namesComeFromTheCatalog() throws {
        let r = rules { c in c.models[0].evaluation.features = ["x": FeatureOverride(ignore: true)] }
        var known = Set(MetricCatalog.all.map(\.name))
        for m in MetricCatalog.all where m.kind == .histogram {
            known.formUnion([m.bucket, m.name + "_sum", m.name + "_count"])
        }
        let recorded = Set(r.compactMap(\.record))
        let texts = r.map(\.expr) + r.flatMap { ($0.annotations ?? [:]).values }
        let names = try Regex("driftwatch(_[a-z0-9]+)+|driftwatch:[a-z0-9_:]+")
        var seen = 0
        for text in texts {
            for match in text.matches(of: names) {
                let name = String(text[match.range])
                seen += 1
                #expect(known.contains(name) || recorded.contains(name), "\(name) in \(text)")
            }
        }
        #expect(seen > 30)  // the rules do name series: the check is not vacuous
        // Closed label values in the rules are the enums' values.
        #expect(expr(r, "DriftwatchNotificationsDropped").contains(#"outcome=~"rejected|expired""#))
    }

    @Test("the error-status regex is a valid PromQL string even with backslashes")
    func escaping() {
        let r = rules { c in c.alerting.thresholds.errorStatuses = #"5\d\d|error"# }
        #expect(
            expr(r, "driftwatch:model_errors:ratio_rate5m").hasPrefix(
                #"sum by (model) (rate(driftwatch_model_requests_total{status=~"5\\d\\d|error"}[5m]))"#))
    }

    @Test("alerts carry severity, source, model and the configured labels; `for` comes from the config")
    func labels() {
        let r = rules { c in
            c.alerting.forDuration = 90
            c.alerting.labels = ["team": "ml"]
        }
        let drift = r.first { $0.alert == "DriftwatchFeatureDrift" }
        #expect(drift?.for == "1m30s")
        #expect(drift?.labels == ["severity": "warning", "source": "prometheus", "model": "iris", "team": "ml"])
        #expect(r.first { $0.alert == "DriftwatchSidecarDown" }?.labels?["model"] == nil)
        #expect(
            r.filter { $0.alert != nil }.allSatisfy {
                $0.annotations?.keys.sorted() == ["description", "runbook_url", "summary"]
            })
    }
}
