#!/usr/bin/env bash
# Validates config/kubernetes/ offline:
#  - the core manifests against the Kubernetes 1.37 OpenAPI schemas, strictly (unknown fields
#    fail), with kubernetes-validate (PyPI);
#  - what prometheus-operator needs of the ServiceMonitor and PrometheusRule, the wiring between
#    the objects (kustomization files and images, Service -> pods, ServiceMonitor -> Service port),
#    the security settings and resource bounds of every container;
#  - the PrometheusRule's groups with `promtool check rules`, and that it is exactly what
#    `driftwatch rules --kubernetes` prints for driftwatch.yaml; the config with `check-config`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c "import kubernetes_validate" 2>/dev/null; then
  python3 -m pip install -q kubernetes-validate 2>/dev/null || python3 -m pip install -q --break-system-packages kubernetes-validate
fi
swift build --product driftwatch 2>&1 | tail -1
bin="$(swift build --show-bin-path)/driftwatch"
dir=config/kubernetes
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== schemas (kubernetes-validate --strict, Kubernetes 1.37)"
python3 -m kubernetes_validate --strict --no-warn "$dir/baseline-pvc.yaml" "$dir/baseline-job.yaml" "$dir/deployment.yaml" "$dir/service.yaml"

echo "== config and rules"
"$bin" check-config --no-store "$dir/driftwatch.yaml" | head -1
"$bin" rules --config "$dir/driftwatch.yaml" --kubernetes --label release=kube-prometheus-stack > "$work/rule.yaml"
diff -u "$dir/prometheusrule.yaml" "$work/rule.yaml" || { echo "FAIL: $dir/prometheusrule.yaml is stale; regenerate it with the command in its first line"; exit 1; }
python3 - "$dir" "$work/groups.yaml" <<'PY'
import os, re, sys
import yaml

d, groups_out = sys.argv[1], sys.argv[2]
def load(name):
    with open(os.path.join(d, name)) as f:
        return yaml.safe_load(f)
problems = []
def need(cond, what):
    if not cond:
        problems.append(what)

k = load("kustomization.yaml")
for r in k["resources"]:
    need(os.path.exists(os.path.join(d, r)), f"kustomization: resource {r} missing")
for g in k.get("configMapGenerator", []):
    for f in g["files"]:
        need(os.path.exists(os.path.join(d, f)), f"kustomization: configMapGenerator file {f} missing")
image_names = {i["name"] for i in k.get("images", [])}

dep = load("deployment.yaml")
pod = dep["spec"]["template"]
need(dep["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items(), "deployment: selector does not match the pod labels")
psc = pod["spec"]["securityContext"]
need(psc.get("runAsNonRoot") is True and psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", "pod: runAsNonRoot / seccomp RuntimeDefault")
def mib(q):
    m = re.fullmatch(r"(\d+)(Mi|Gi)", q)
    return int(m.group(1)) * (1024 if m.group(2) == "Gi" else 1)
for c in pod["spec"].get("initContainers", []) + pod["spec"]["containers"]:
    sc = c.get("securityContext", {})
    name = c["name"]
    need(sc.get("allowPrivilegeEscalation") is False, f"{name}: allowPrivilegeEscalation must be false")
    need(sc.get("readOnlyRootFilesystem") is True, f"{name}: readOnlyRootFilesystem must be true")
    need(sc.get("capabilities", {}).get("drop") == ["ALL"], f"{name}: capabilities must drop ALL")
    need("memory" in c.get("resources", {}).get("requests", {}) and "memory" in c.get("resources", {}).get("limits", {}), f"{name}: memory request and limit")
    need(c["image"] in image_names, f"{name}: image {c['image']} not set in kustomization images")
side = next(c for c in pod["spec"]["containers"] if c["name"] == "driftwatch")
need(mib(side["resources"]["limits"]["memory"]) <= 512, "driftwatch: memory limit over 512Mi")
for probe, path in [("startupProbe", "/healthz"), ("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")]:
    need(side.get(probe, {}).get("httpGet", {}).get("path") == path, f"driftwatch: {probe} on {path}")
need(any(p["name"] == "metrics" and p["containerPort"] == 9464 for p in side["ports"]), "driftwatch: named port metrics 9464")
volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
cfg = volumes.get("config", {}).get("configMap", {}).get("name")
need(cfg in {g["name"] for g in k.get("configMapGenerator", [])}, "config volume must use the generated ConfigMap")
need("emptyDir" in volumes.get("predictions", {}), "predictions: shared emptyDir")

svc = load("service.yaml")
need(svc["spec"]["selector"].items() <= pod["metadata"]["labels"].items(), "service: selector does not match the pods")
need(any(p["name"] == "metrics" for p in svc["spec"]["ports"]), "service: named port metrics")

sm = load("servicemonitor.yaml")
need(sm["apiVersion"] == "monitoring.coreos.com/v1" and sm["kind"] == "ServiceMonitor", "servicemonitor: apiVersion/kind")
need("release" in sm["metadata"].get("labels", {}), "servicemonitor: release label (kube-prometheus-stack selects on it)")
sel = sm["spec"]["selector"]["matchLabels"]
need(sel.items() <= svc["metadata"]["labels"].items(), "servicemonitor: selector does not match the Service's labels")
eps = sm["spec"]["endpoints"]
need(eps and all(e.get("port") in {p["name"] for p in svc["spec"]["ports"]} for e in eps), "servicemonitor: endpoints must name a Service port")

pr = load("prometheusrule.yaml")
need(pr["apiVersion"] == "monitoring.coreos.com/v1" and pr["kind"] == "PrometheusRule", "prometheusrule: apiVersion/kind")
need(re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", pr["metadata"]["name"]) is not None, "prometheusrule: metadata.name")
groups = pr["spec"]["groups"]
for g in groups:
    need(bool(g.get("name")) and g.get("rules"), "prometheusrule: every group needs a name and rules")
    for r in g["rules"]:
        need(bool(r.get("expr")) and (("alert" in r) != ("record" in r)), f"prometheusrule: rule {r.get('alert') or r.get('record')}")
with open(groups_out, "w") as f:
    yaml.safe_dump({"groups": groups}, f, sort_keys=False)

if problems:
    print("FAIL:\n  " + "\n  ".join(problems))
    sys.exit(1)
print(f"ok: wiring, security settings and resources of {len(pod['spec']['containers'])} containers; "
      f"ServiceMonitor and PrometheusRule ({sum(len(g['rules']) for g in groups)} rules) have what prometheus-operator requires")
PY
promtool check rules "$work/groups.yaml"

echo "== config/grafana (dashboard ConfigMap kustomization, Grafana provisioning)"
python3 - <<'PY'
import json, os, yaml
d = "config/grafana"
k = yaml.safe_load(open(f"{d}/kustomization.yaml"))
g = k["configMapGenerator"][0]
problems = [f"kustomization: {f} missing" for f in g["files"] if not os.path.exists(os.path.join(d, f))]
if g.get("options", {}).get("labels", {}).get("grafana_dashboard") != "1":
    problems.append("the dashboard ConfigMap needs the label grafana_dashboard: \"1\" (kube-prometheus-stack's sidecar)")
dash = json.load(open(f"{d}/driftwatch-dashboard.json"))
if len(json.dumps(dash)) > 1_000_000:
    problems.append("dashboard too large for a ConfigMap (1 MiB)")
prov = yaml.safe_load(open(f"{d}/provisioning/dashboards/driftwatch.yaml"))
p0 = prov["providers"][0]
if prov.get("apiVersion") != 1 or p0.get("type") != "file" or not p0.get("options", {}).get("path"):
    problems.append("provisioning/dashboards: needs apiVersion 1 and a file provider with options.path")
ds = yaml.safe_load(open(f"{d}/provisioning/datasources/prometheus.yaml"))
if ds["datasources"][0].get("type") != "prometheus":
    problems.append("provisioning/datasources: the example data source must be of type prometheus")
if problems:
    raise SystemExit("FAIL:\n  " + "\n  ".join(problems))
print(f"ok: ConfigMap {g['name']} from {', '.join(g['files'])} (uid {dash['uid']}), provisioning files")
PY
echo "kubernetes manifests: ok"
