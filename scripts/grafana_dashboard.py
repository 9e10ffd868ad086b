#!/usr/bin/env python3
"""Generate config/grafana/driftwatch-dashboard.json, the Grafana dashboard of Driftwatch.

    python3 scripts/grafana_dashboard.py [--out PATH]

Deterministic (stdlib only, sorted keys, 2-space indent, trailing newline): regenerate the JSON
with this script instead of editing it, and check it with scripts/dashboard_check.py.

The dashboard has no __inputs: every panel and query names the data source through the template
variable `datasource`, so the same file works provisioned from disk, loaded by the
kube-prometheus-stack Grafana sidecar from a ConfigMap, and imported by hand. Grafana 10/11
(schemaVersion 39).
"""
import argparse
import json
import os
import sys

DS = {"type": "prometheus", "uid": "${datasource}"}
# The default of alerting.thresholds.error_statuses, the regex the generated alert rules use.
ERROR_STATUSES = "error|failed|failure|timeout|5[0-9][0-9]"
M = 'model=~"$model"'
MF = 'model=~"$model",feature=~"$feature"'
RI = "[$__rate_interval]"
# The sidecar's metrics carry the namespace and pod labels of its scrape target (ServiceMonitor);
# cAdvisor's carry the same, so a product with this vector keeps the containers of the pods that
# run a sidecar for one of the selected models.
MODEL_PODS = f"on (namespace, pod) group_left () group by (namespace, pod) (driftwatch_baseline_info{{{M}}})"
# Series without a model label (alert delivery, per receiver) are narrowed to the sidecars that
# serve a selected model through the scrape target they come from.
MODEL_TARGETS = f"on (job, instance) group_left () group by (job, instance) (driftwatch_baseline_info{{{M}}})"
CONTAINERS = 'container!="",container!="POD"'


def quantile(p, histogram):
    """PromQL: the p-quantile per model of a driftwatch_*_seconds histogram over the rate interval."""
    return f"histogram_quantile({p}, sum by (model, le) (rate({histogram}_bucket{{{M}}}{RI})))"

STATUS_MAPPINGS = [{
    "type": "value",
    "options": {
        "-1": {"text": "insufficient data", "color": "text", "index": 0},
        "0": {"text": "ok", "color": "green", "index": 1},
        "1": {"text": "warning", "color": "orange", "index": 2},
        "2": {"text": "drift", "color": "red", "index": 3},
    },
}]


def target(ref, expr, legend="__auto", instant=False, fmt="time_series", hide=False):
    t = {
        "datasource": DS,
        "editorMode": "code",
        "expr": expr,
        "format": fmt,
        "instant": instant,
        "legendFormat": legend,
        "range": not instant,
        "refId": ref,
    }
    if hide:
        t["hide"] = True
    return t


def thresholds(*steps):
    """thresholds(("green", None), ("red", 0.5)) -> absolute threshold steps."""
    return {"mode": "absolute", "steps": [{"color": c, "value": v} for c, v in steps]}


def by_ref(ref, props):
    return {"matcher": {"id": "byFrameRefID", "options": ref}, "properties": [{"id": k, "value": v} for k, v in props]}


DASHED = ("custom.lineStyle", {"dash": [10, 10], "fill": "dash"})


def panel(kind, title, description, targets, defaults, options, overrides=()):
    return {"type": kind, "title": title, "description": description, "datasource": DS, "targets": targets,
            "fieldConfig": {"defaults": defaults, "overrides": list(overrides)}, "options": options}


def optional(defaults, **keys):
    """Adds the field-config keys that are not None (min, max, decimals, noValue)."""
    defaults.update({k: v for k, v in keys.items() if v is not None})
    return defaults


def timeseries(title, description, targets, unit, *, overrides=(), stack=None, log=False, thresh=None,
               min_=None, max_=None, fill=10, decimals=None, legend_calcs=("lastNotNull", "max")):
    custom = {
        "axisBorderShow": False,
        "axisCenteredZero": False,
        "axisPlacement": "auto",
        "drawStyle": "line",
        "fillOpacity": fill,
        "gradientMode": "none",
        "lineInterpolation": "linear",
        "lineWidth": 1,
        "pointSize": 4,
        "scaleDistribution": {"type": "log", "log": 10} if log else {"type": "linear"},
        "showPoints": "never",
        "spanNulls": False,
        "stacking": {"group": "A", "mode": stack or "none"},
        "thresholdsStyle": {"mode": "line+area" if thresh else "off"},
    }
    defaults = optional({"color": {"mode": "palette-classic"}, "custom": custom, "unit": unit,
                         "thresholds": thresh or thresholds(("green", None))}, min=min_, max=max_, decimals=decimals)
    return panel("timeseries", title, description, targets, defaults, {
        "legend": {"calcs": list(legend_calcs), "displayMode": "table" if legend_calcs else "list",
                   "placement": "bottom", "showLegend": True, "sortBy": "Last *", "sortDesc": True}
        if legend_calcs else {"calcs": [], "displayMode": "list", "placement": "bottom", "showLegend": True},
        "tooltip": {"mode": "multi", "sort": "desc"},
    }, overrides)


def stat(title, description, targets, unit, thresh, *, overrides=(), graph="area", text="auto", color="value",
         decimals=None, mappings=(), no_value=None):
    defaults = optional({"color": {"mode": "thresholds"}, "mappings": list(mappings), "thresholds": thresh, "unit": unit},
                        decimals=decimals, noValue=no_value)
    return panel("stat", title, description, targets, defaults, {
        "colorMode": color,
        "graphMode": graph,
        "justifyMode": "auto",
        "orientation": "auto",
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "showPercentChange": False,
        "textMode": text,
        "wideLayout": True,
    }, overrides)


def gauge(title, description, targets, unit, thresh, min_=0, max_=1):
    return panel("gauge", title, description, targets,
                 {"color": {"mode": "thresholds"}, "mappings": [], "max": max_, "min": min_, "thresholds": thresh, "unit": unit}, {
                     "minVizHeight": 75,
                     "minVizWidth": 75,
                     "orientation": "auto",
                     "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                     "showThresholdLabels": False,
                     "showThresholdMarkers": True,
                     "sizing": "auto",
                 })


def bargauge(title, description, targets, unit, thresh, *, min_=None, max_=None, no_value=None):
    defaults = optional({"color": {"mode": "thresholds"}, "mappings": [], "thresholds": thresh, "unit": unit},
                        min=min_, max=max_, noValue=no_value)
    return panel("bargauge", title, description, targets, defaults, {
        "displayMode": "gradient",
        "maxVizHeight": 300,
        "minVizHeight": 16,
        "minVizWidth": 8,
        "namePlacement": "auto",
        "orientation": "horizontal",
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "showUnfilled": True,
        "sizing": "auto",
        "valueMode": "color",
    })


def table(title, description, targets, transformations, overrides, unit="none"):
    p = panel("table", title, description, targets,
              {"color": {"mode": "thresholds"}, "custom": {"align": "auto", "cellOptions": {"type": "auto"},
                                                            "filterable": False, "inspect": False},
               "mappings": [], "thresholds": thresholds(("green", None)), "unit": unit},
              {"cellHeight": "sm", "footer": {"show": False, "reducer": ["sum"], "countRows": False, "fields": ""},
               "showHeader": True}, overrides)
    p["transformations"] = transformations
    return p


def by_name(name, props):
    return {"matcher": {"id": "byName", "options": name}, "properties": [{"id": k, "value": v} for k, v in props]}


# ---------------------------------------------------------------------------------------------
# Rows and panels: (panel, width, height); each row flows left to right, wrapping at 24 columns.

def overview():
    return [
        (gauge("Dataset drift share",
               "Share of the evaluated features whose verdict is drift. At dataset_drift_share (default 50%) "
               "the dataset counts as drifted and DriftwatchDatasetDrift fires.",
               [target("A", f"driftwatch_dataset_drift_share{{{M}}}", "{{model}}")], "percentunit",
               thresholds(("green", None), ("orange", 0.25), ("red", 0.5))), 4, 6),
        (stat("Drifted features",
              "Features whose verdict is drift: the test is significant after multiple-testing correction and the "
              "effect size reaches its floor. See the per-feature table for which.",
              [target("A", f"sum by (model) (driftwatch_feature_status{{{M}}} == bool 2)", "{{model}}")], "none",
              thresholds(("green", None), ("red", 1)), decimals=0), 3, 6),
        (stat("Alerts firing",
              "Firing alerts for the selected models: Prometheus's rules (ALERTS) and the sidecar's direct "
              "alerting (driftwatch_alerts, absent when direct alerting is off). 0 means quiet, not missing data.",
              [target("A", f'count(ALERTS{{alertstate="firing",{M}}}) or vector(0)', "Prometheus"),
               target("B", f'sum(driftwatch_alerts{{state="firing",{M}}}) or vector(0)', "Sidecar")],
              "none", thresholds(("green", None), ("red", 1)), graph="none", decimals=0), 3, 6),
        (bargauge("Firing alerts by name",
                  "Firing alerts by alert name, from Prometheus's rules and from the sidecar's own evaluation "
                  "(the sidecar lists each of its alerts, 0 when quiet). Runbooks: docs/runbooks.md.",
                  [target("A", f'count by (alertname) (ALERTS{{alertstate="firing",{M}}})',
                          "{{alertname}} (prometheus)", instant=True),
                   target("B", f'sum by (alertname) (driftwatch_alerts{{state="firing",{M}}})',
                          "{{alertname}} (sidecar)", instant=True)],
                  "none", thresholds(("green", None), ("red", 1)), min_=0, no_value="No alerts firing"), 6, 6),
        (table("Baseline",
               "The training baseline version each sidecar judges its model against (driftwatch_baseline_info). "
               "Two versions for one model means the sidecars disagree: check their config and store.",
               [target("A", f"driftwatch_baseline_info{{{M}}}", "", instant=True, fmt="table")],
               [{"id": "organize", "options": {
                   "excludeByName": {"Time": True, "Value": True, "__name__": True, "job": True, "endpoint": True,
                                     "container": True, "service": True},
                   "indexByName": {"model": 0, "version": 1, "namespace": 2, "pod": 3, "instance": 4},
                   "renameByName": {"model": "Model", "version": "Baseline version", "namespace": "Namespace",
                                    "pod": "Pod", "instance": "Instance"}}}],
               []), 4, 6),
        (stat("Window and evaluation",
              "Events in the current window, and the age of the last completed evaluation. An age above "
              "3 x evaluate_every means evaluation stalls (DriftwatchEvaluationStale).",
              [target("A", f"sum by (model) (driftwatch_window_samples{{{M}}})", "{{model}} samples"),
               target("B", f"time() - max by (model) (driftwatch_last_evaluation_timestamp_seconds{{{M}}})",
                      "{{model}} last evaluation")],
              "short", thresholds(("text", None)), graph="none",
              overrides=[by_ref("B", [("unit", "s"), ("decimals", 0), ("color", {"mode": "thresholds"}),
                                      ("thresholds", thresholds(("green", None), ("orange", 30), ("red", 45)))])]),
         4, 6),
        (timeseries("Multivariate drift",
                    "Mean PCA reconstruction error of the window against the band of the baseline's own chunks "
                    "(dashed). Outside the band the joint distribution moved even if no single feature did.",
                    [target("A", f"driftwatch_multivariate_drift_value{{{M}}}", "{{model}} reconstruction error"),
                     target("B", f"driftwatch_multivariate_drift_lower_bound{{{M}}}", "{{model}} lower bound"),
                     target("C", f"driftwatch_multivariate_drift_upper_bound{{{M}}}", "{{model}} upper bound")],
                    "none", decimals=3,
                    overrides=[by_ref("B", [DASHED, ("custom.fillOpacity", 0), ("color", {"mode": "fixed", "fixedColor": "text"})]),
                               by_ref("C", [DASHED, ("custom.fillOpacity", 0), ("color", {"mode": "fixed", "fixedColor": "text"})])],
                    legend_calcs=("lastNotNull",)), 12, 8),
        (timeseries("Dataset drift share over time",
                    "Share of drifted features over time, with each model's configured dataset threshold "
                    "(dataset_drift_share, dashed): at or over it the dataset drifts.",
                    [target("A", f"driftwatch_dataset_drift_share{{{M}}}", "{{model}}"),
                     target("B", f"driftwatch_dataset_drift_share_threshold{{{M}}}", "{{model}} threshold")],
                    "percentunit", min_=0, max_=1,
                    overrides=[by_ref("B", [DASHED, ("custom.fillOpacity", 0), ("color", {"mode": "fixed", "fixedColor": "red"})])],
                    legend_calcs=("lastNotNull", "max")), 12, 8),
    ]


def per_feature():
    dashed_thin = [DASHED, ("custom.lineWidth", 1), ("custom.fillOpacity", 0)]
    # Aggregated by (model, feature) so every query has the same label columns for the merge (no
    # __name__, job or instance) and HA replicas of a sidecar give one row per feature: the worst
    # figure across them. NaN (the test does not apply to the feature's kind) is dropped by >= 0.
    def worst(agg, metric, nan_filter=False):
        return f"{agg} by (model, feature) ({metric}{{{MF}}}{' >= 0' if nan_filter else ''})"
    table_targets = [
        target("A", worst("max", "driftwatch_feature_status"), "", instant=True, fmt="table"),
        target("B", worst("max", "driftwatch_feature_psi"), "", instant=True, fmt="table"),
        target("C", worst("max", "driftwatch_feature_ks_statistic", True), "", instant=True, fmt="table"),
        target("D", worst("min", "driftwatch_feature_ks_p_value_adjusted", True), "", instant=True, fmt="table"),
        target("E", worst("max", "driftwatch_feature_chi2_statistic", True), "", instant=True, fmt="table"),
        target("F", worst("min", "driftwatch_feature_chi2_p_value_adjusted", True), "", instant=True, fmt="table"),
        # Sort key: status first, PSI second (Grafana's sortBy transformation sorts by one field only).
        target("G", f"{worst('max', 'driftwatch_feature_status')} * 1e6 + {worst('max', 'driftwatch_feature_psi')}",
               "", instant=True, fmt="table"),
    ]
    table_transforms = [
        {"id": "merge", "options": {}},
        {"id": "sortBy", "options": {"fields": {}, "sort": [{"field": "Value #G", "desc": True}]}},
        {"id": "organize", "options": {
            "excludeByName": {"Time": True, "Value #G": True},
            "indexByName": {"model": 0, "feature": 1, "Value #A": 2, "Value #B": 3, "Value #C": 4, "Value #D": 5,
                            "Value #E": 6, "Value #F": 7},
            "renameByName": {"model": "Model", "feature": "Feature", "Value #A": "Status", "Value #B": "PSI",
                             "Value #C": "KS D", "Value #D": "KS p (adjusted)", "Value #E": "Chi-square",
                             "Value #F": "Chi-square p (adjusted)"}}},
    ]
    table_overrides = [
        by_name("Status", [("mappings", STATUS_MAPPINGS), ("custom.cellOptions", {"type": "color-background", "mode": "basic"}),
                           ("custom.width", 150)]),
        by_name("PSI", [("decimals", 3)]),
        by_name("KS D", [("decimals", 3)]),
        by_name("Chi-square", [("decimals", 1)]),
        by_name("KS p (adjusted)", [("unit", "sci")]),
        by_name("Chi-square p (adjusted)", [("unit", "sci")]),
    ]
    return [
        (table("Features by drift",
               "Every feature's verdict and statistics from the last evaluation, drifted first, then by PSI. "
               "KS applies to numeric features, chi-square to categorical ones; p-values are after correction.",
               table_targets, table_transforms, table_overrides), 24, 9),
        (timeseries("PSI by feature",
                    "Population stability index of each feature against its baseline; dashed: the feature's PSI "
                    "threshold. PSI above 0.1 is a moderate shift, above 0.25 a large one.",
                    [target("A", f"driftwatch_feature_psi{{{MF}}}", "{{model}}/{{feature}}"),
                     target("B", f"driftwatch_feature_psi_threshold{{{MF}}}", "{{model}}/{{feature}} threshold")],
                    "none", decimals=3, min_=0, overrides=[by_ref("B", dashed_thin)]), 12, 9),
        (timeseries("KS statistic D by feature",
                    "Two-sample Kolmogorov-Smirnov distance of numeric features; dashed: the effect-size floor D "
                    "must reach before a significant test counts as drift.",
                    [target("A", f"driftwatch_feature_ks_statistic{{{MF}}} >= 0", "{{model}}/{{feature}}"),
                     target("B", f"driftwatch_feature_ks_statistic_threshold{{{MF}}}", "{{model}}/{{feature}} floor")],
                    "none", decimals=3, min_=0, max_=1, overrides=[by_ref("B", dashed_thin)]), 12, 9),
        (timeseries("Adjusted p-values",
                    "KS (numeric) and chi-square (categorical) p-values after multiple-testing correction, log "
                    "scale; dashed: the significance level. Below it the difference is significant.",
                    [target("A", f"driftwatch_feature_ks_p_value_adjusted{{{MF}}} >= 0", "{{model}}/{{feature}} KS"),
                     target("B", f"driftwatch_feature_chi2_p_value_adjusted{{{MF}}} >= 0", "{{model}}/{{feature}} chi-square"),
                     target("C", f"driftwatch_feature_significance_level{{{MF}}}", "{{model}}/{{feature}} significance")],
                    "sci", log=True, max_=1, overrides=[by_ref("C", dashed_thin)], fill=0), 12, 9),
        (timeseries_state("Feature status history",
                          "Verdict of each feature over time: ok, warning (one signal), drift, or insufficient data "
                          "(fewer present values than min_samples).",
                          [target("A", f"driftwatch_feature_status{{{MF}}}", "{{model}}/{{feature}}")]), 12, 9),
    ]


def timeseries_state(title, description, targets):
    return {
        "type": "state-timeline",
        "title": title,
        "description": description,
        "datasource": DS,
        "targets": targets,
        "fieldConfig": {"defaults": {"color": {"mode": "thresholds"}, "custom": {"fillOpacity": 80, "lineWidth": 0},
                                     "mappings": STATUS_MAPPINGS, "thresholds": thresholds(("green", None)),
                                     "unit": "none"}, "overrides": []},
        "options": {"alignValue": "left", "legend": {"displayMode": "list", "placement": "bottom", "showLegend": False},
                    "mergeValues": True, "rowHeight": 0.8, "showValue": "never", "tooltip": {"mode": "single", "sort": "none"}},
    }


def data_quality():
    return [
        (timeseries("Missing values vs baseline",
                    "Share of the window's events missing each feature; dashed: the same share in the training "
                    "data. DriftwatchMissingValuesIncrease fires 10 points above the baseline (default).",
                    [target("A", f"driftwatch_feature_missing_ratio{{{MF}}}", "{{model}}/{{feature}}"),
                     target("B", f"driftwatch_feature_baseline_missing_ratio{{{MF}}}", "{{model}}/{{feature}} baseline")],
                    "percentunit", min_=0, overrides=[by_ref("B", [DASHED, ("custom.fillOpacity", 0)])]), 6, 8),
        (timeseries("Invalid values vs baseline",
                    "Share of the window's events whose value for a feature had the wrong type or was out of range "
                    "(a string for a number, a boolean, 1e308: counted, never tested; the record is kept); dashed: "
                    "the same share in the training data. DriftwatchInvalidValues fires 1 point above the baseline "
                    "(default).",
                    [target("A", f"driftwatch_feature_invalid_ratio{{{MF}}}", "{{model}}/{{feature}}"),
                     target("B", f"driftwatch_feature_baseline_invalid_ratio{{{MF}}}", "{{model}}/{{feature}} baseline")],
                    "percentunit", min_=0, overrides=[by_ref("B", [DASHED, ("custom.fillOpacity", 0)])]), 6, 8),
        (timeseries("Unseen categories",
                    "Share of a categorical feature's values in categories the baseline never saw: a new upstream "
                    "code or a changed encoding. Alert threshold 5% (default) shaded.",
                    [target("A", f"driftwatch_feature_unseen_ratio{{{MF}}}", "{{model}}/{{feature}}")],
                    "percentunit", min_=0, thresh=thresholds(("transparent", None), ("red", 0.05))), 6, 8),
        (timeseries("Out of training range",
                    "Share of a numeric feature's values outside the baseline's [min, max]: the model extrapolates "
                    "there. Alert threshold 5% (default) shaded.",
                    [target("A", f"driftwatch_feature_out_of_range_ratio{{{MF}}}", "{{model}}/{{feature}}")],
                    "percentunit", min_=0, thresh=thresholds(("transparent", None), ("red", 0.05))), 6, 8),
        (timeseries("Unknown feature values",
                    "Feature values per second whose key is not in the baseline schema (ignored by the tests): "
                    "usually a renamed or new feature the baseline predates.",
                    [target("A", f"sum by (model) (rate(driftwatch_unknown_features_total{{{M}}}{RI}))", "{{model}}")],
                    "cps", min_=0, legend_calcs=("lastNotNull", "max")), 6, 8),
    ]


def golden_signals():
    def q(p):
        return quantile(p, "driftwatch_model_latency_seconds")
    total = f"sum by (model) (rate(driftwatch_model_requests_total{{{M}}}{RI}))"
    errors = f'sum by (model) (rate(driftwatch_model_requests_total{{{M},status=~"$error_status"}}{RI}))'
    return [
        (timeseries("Model latency",
                    "P50/P90/P99 of the latency the model server logs with each event (histogram). "
                    "DriftwatchModelLatencyHigh fires on P99 over 5m above latency_p99 (default 50ms).",
                    [target("A", q("0.50"), "{{model}} P50"), target("B", q("0.90"), "{{model}} P90"),
                     target("C", q("0.99"), "{{model}} P99")],
                    "s", min_=0, fill=0, thresh=thresholds(("transparent", None), ("red", 0.05))), 6, 8),
        (timeseries("Requests",
                    "Logged model requests per second (every event the sidecar ingests carries one).",
                    [target("A", total, "{{model}}")], "reqps", min_=0), 6, 8),
        (timeseries("Error ratio",
                    "Share of logged requests whose status matches $error_status (the alert rules' "
                    "error_statuses); 0 while no error status was ever logged. Alert at 5% (default).",
                    [target("A", f"({errors} or {total} * 0) / {total}", "{{model}}")],
                    "percentunit", min_=0, thresh=thresholds(("transparent", None), ("red", 0.05))), 6, 8),
        (timeseries("Prediction classes",
                    "Share of each predicted class over time (stacked to 100%). A shift here without input "
                    "drift points at the model; with it, at the data. Select one model.",
                    [target("A", f"sum by (class) (rate(driftwatch_model_predictions_total{{{M}}}{RI}))", "{{class}}")],
                    "percentunit", stack="percent", fill=60, legend_calcs=()), 6, 8),
    ]


def saturation():
    throttled = (f"(sum by (namespace, pod, container) (rate(container_cpu_cfs_throttled_periods_total{{{CONTAINERS}}}{RI}))"
                 f" / sum by (namespace, pod, container) (rate(container_cpu_cfs_periods_total{{{CONTAINERS}}}{RI})))"
                 f" * {MODEL_PODS}")
    cpu = f"sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total{{{CONTAINERS}}}{RI})) * {MODEL_PODS}"
    mem = f"sum by (namespace, pod, container) (container_memory_working_set_bytes{{{CONTAINERS}}}) * {MODEL_PODS}"
    return [
        (timeseries("CPU throttling",
                    "Share of CFS periods in which each container of the model's pods hit its CPU limit. Throttling "
                    "is a classic cause of slow inference (tail latency) at low average CPU: above 25%, check the "
                    "containers' CPU limits.",
                    [target("A", throttled, "{{pod}}/{{container}}")], "percentunit", min_=0,
                    thresh=thresholds(("transparent", None), ("red", 0.25))), 8, 8),
        (timeseries("CPU usage",
                    "CPU cores used by each container of the model's pods (cAdvisor). Compare with the "
                    "containers' requests and limits.",
                    [target("A", cpu, "{{pod}}/{{container}}")], "none", min_=0, decimals=2), 8, 8),
        (timeseries("Memory working set",
                    "Working-set memory of each container of the model's pods, the figure the kubelet compares "
                    "with the memory limit before an OOM kill.",
                    [target("A", mem, "{{pod}}/{{container}}")], "bytes", min_=0), 8, 8),
    ]


def sidecar_health():
    def eq(p, family="evaluation"):
        return quantile(p, f"driftwatch_{family}_duration_seconds")
    return [
        (timeseries("Events ingested",
                    "Events accepted per second for each model (HTTP ingest and tailed files). Zero after traffic "
                    "means the model server stopped logging (DriftwatchNoTraffic).",
                    [target("A", f"sum by (model) (rate(driftwatch_events_ingested_total{{{M}}}{RI}))", "{{model}}")],
                    "ops", min_=0), 6, 8),
        (timeseries("Events rejected",
                    "Events or requests refused per second, by reason (malformed JSON, wrong types, missing "
                    "features, auth, size). Any sustained rate loses data: see the sidecar's log.",
                    [target("A", f"sum by (model, reason) (rate(driftwatch_events_rejected_total{{{M}}}{RI}))",
                            "{{model}} {{reason}}")], "ops", min_=0), 6, 8),
        (timeseries("Evaluation and checkpoint duration",
                    "P50/P99 of one evaluation of the window, and P99 of one checkpoint to SQLite. Both run on one "
                    "background thread: evaluation close to evaluate_every, or checkpoints close to "
                    "checkpoint_every, mean the sidecar cannot keep up (shrink the window, evaluate or "
                    "checkpoint less often).",
                    [target("A", eq("0.50"), "{{model}} evaluation P50"), target("B", eq("0.99"), "{{model}} evaluation P99"),
                     target("C", eq("0.99", "checkpoint"), "{{model}} checkpoint P99")],
                    "s", min_=0, fill=0), 6, 8),
        (timeseries("Window fill",
                    "Events held as a share of the window's max_records. Below 100% with max_age set, the window "
                    "is time-bound; far below min_samples, verdicts are insufficient data.",
                    [target("A", f"driftwatch_window_samples{{{M}}} / driftwatch_window_capacity_samples{{{M}}}", "{{model}}")],
                    "percentunit", min_=0, max_=1), 6, 8),
        (timeseries("Window age",
                    "Age of the oldest event held (sliding window) or of the current window (tumbling): the span of "
                    "traffic the drift verdicts describe.",
                    [target("A", f"driftwatch_window_age_seconds{{{M}}}", "{{model}}")], "s", min_=0), 6, 8),
        (timeseries("Time since last checkpoint",
                    "Seconds since the window was last checkpointed to SQLite (checkpoint_every). Growing without "
                    "bound means checkpoints fail, so a restart replays more of the journal.",
                    [target("A", f"time() - (driftwatch_last_checkpoint_timestamp_seconds{{{M}}} > 0)", "{{model}}")],
                    "s", min_=0), 6, 8),
        (timeseries("Alert outbox",
                    "Direct-alert notifications waiting for delivery, per receiver, on the sidecars of the "
                    "selected models. A queue that only grows means a receiver is unreachable (DriftwatchAlertDeliveryStuck).",
                    [target("A", f"sum by (receiver) (driftwatch_alert_outbox_notifications * {MODEL_TARGETS})",
                            "{{receiver}}")], "short", min_=0, decimals=0), 6, 8),
        (timeseries("Notification attempts",
                    "Delivery attempts of direct alerts per second, by receiver and outcome. Rejected and expired "
                    "notifications are lost (DriftwatchNotificationsDropped).",
                    [target("A", f"sum by (receiver, outcome) (rate(driftwatch_notifications_total{RI}) * {MODEL_TARGETS})",
                            "{{receiver}} {{outcome}}")], "ops", min_=0), 6, 8),
    ]


ROWS = [
    ("Overview", overview),
    ("Per-feature drift", per_feature),
    ("Data quality", data_quality),
    ("Golden signals", golden_signals),
    ("Saturation (cAdvisor)", saturation),
    ("Sidecar health", sidecar_health),
]


def layout():
    panels, next_id, y = [], 1, 0
    for title, make in ROWS:
        panels.append({"type": "row", "title": title, "id": next_id, "collapsed": False, "panels": [],
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}})
        next_id += 1
        y += 1
        x, line_h = 0, 0
        for panel, w, h in make():
            if x + w > 24:
                x, y, line_h = 0, y + line_h, 0
            panel["id"] = next_id
            next_id += 1
            panel["gridPos"] = {"h": h, "w": w, "x": x, "y": y}
            panels.append(panel)
            x += w
            line_h = max(line_h, h)
        y += line_h
    return panels


def variables():
    all_current = {"selected": True, "text": ["All"], "value": ["$__all"]}

    def query_var(name, label, query):
        return {
            "name": name, "label": label, "type": "query", "datasource": DS,
            "definition": query, "query": {"qryType": 1, "query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
            "refresh": 2, "regex": "", "sort": 1, "multi": True, "includeAll": True, "allValue": ".*",
            "current": all_current, "options": [], "hide": 0, "skipUrlSync": False,
        }
    return [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus", "regex": "",
         "current": {}, "options": [], "refresh": 1, "hide": 0, "includeAll": False, "multi": False, "skipUrlSync": False},
        query_var("model", "Model", "label_values(driftwatch_baseline_info, model)"),
        query_var("feature", "Feature", 'label_values(driftwatch_feature_status{model=~"$model"}, feature)'),
        {"name": "error_status", "label": "Error statuses (regex)", "type": "textbox", "query": ERROR_STATUSES,
         "current": {"selected": False, "text": ERROR_STATUSES, "value": ERROR_STATUSES},
         "options": [{"selected": True, "text": ERROR_STATUSES, "value": ERROR_STATUSES}],
         "description": "PromQL regex of the status label values that count as errors (alerting.thresholds.error_statuses).",
         "hide": 0, "skipUrlSync": False},
    ]


def dashboard():
    return {
        "annotations": {"list": []},
        "description": "Driftwatch: input drift, data quality, golden signals and saturation of the models a "
                       "Driftwatch sidecar watches, and the sidecar's own health. Generated by scripts/grafana_dashboard.py.",
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "id": None,
        "links": [],
        "liveNow": False,
        "panels": layout(),
        "refresh": "30s",
        "schemaVersion": 39,
        "tags": ["driftwatch", "ml", "model-monitoring", "drift"],
        "templating": {"list": variables()},
        "time": {"from": "now-6h", "to": "now"},
        "timepicker": {},
        "timezone": "",
        "title": "Driftwatch — model drift",
        "uid": "driftwatch",
        "version": 1,
        "weekStart": "",
    }


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(root, "config", "grafana", "driftwatch-dashboard.json"))
    args = ap.parse_args()
    text = json.dumps(dashboard(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(args.out)} ({len(text.encode())} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
