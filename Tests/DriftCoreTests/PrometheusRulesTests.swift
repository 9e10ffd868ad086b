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
            c.models[0].evaluation.features = ["region": FeatureOverride(ignore: true), "a.b": FeatureOverride(ignore: true),
                                               "kept": FeatureOverride(thresholds: ["psi": 0.2])]
        }
        #expect(expr(r, "DriftwatchFeatureDrift")
            == #"(driftwatch_feature_psi{model="iris",feature!~"a\\.b|region"} or driftwatch_feature_ks_statistic{model="iris",feature!~"a\\.b|region"} or driftwatch_feature_status{model="iris",feature!~"a\\.b|region"} * NaN) and driftwatch_feature_status{model="iris",feature!~"a\\.b|region"} == 2"#)
        #expect(expr(r, "DriftwatchUnseenCategories") == #"driftwatch_feature_unseen_ratio{model="iris",feature!~"a\\.b|region"} > 0.05"#)
        #expect(expr(r, "DriftwatchDatasetDrift") == #"driftwatch_dataset_drift_share{model="iris"} >= 0.5"#)
    }

    @Test("the error-status regex is a valid PromQL string even with backslashes")
    func escaping() {
        let r = rules { c in c.alerting.thresholds.errorStatuses = #"5\d\d|error"# }
        #expect(expr(r, "driftwatch:model_errors:ratio_rate5m").hasPrefix(#"sum by (model) (rate(driftwatch_model_requests_total{status=~"5\\d\\d|error"}[5m]))"#))
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
        #expect(r.filter { $0.alert != nil }.allSatisfy { $0.annotations?.keys.sorted() == ["description", "runbook_url", "summary"] })
    }
}
