#!/usr/bin/env python3
"""A stand-in for the kubelet's cAdvisor endpoint (/metrics/cadvisor) in tests.

    python3 scripts/cadvisor_standin.py --port P [--namespace ml] [--pod iris-0] [--host 127.0.0.1]

Serves GET /metrics (text exposition 0.0.4) with cAdvisor-shaped series for the containers
`model` and `driftwatch` of one pod, plus the pod's pause container (container="POD") and the
pod-level cgroup (container=""), which dashboards must filter out, as the real endpoint has them:
  container_cpu_cfs_periods_total            10 periods/s per container
  container_cpu_cfs_throttled_periods_total  2/s (model) and 1/s (driftwatch) of them
  container_cpu_usage_seconds_total          0.35 and 0.05 cores
  container_memory_working_set_bytes         about 180 MiB and 40 MiB
Counters grow with wall time from the start. Labels: namespace, pod, container, image, name, id,
like the kubelet's. Runs until killed. Standard library only.
"""
import argparse
import hashlib
import math
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# container -> (image, cpu cores, throttled periods per second, working-set bytes)
CONTAINERS = {
    "model": ("ghcr.io/example/iris-model:1.0.0", 0.35, 2.0, 180 * 2**20),
    "driftwatch": ("ghcr.io/driftwatch/driftwatch:0.5.0", 0.05, 1.0, 40 * 2**20),
}
PERIODS_PER_SECOND = 10.0
FAMILIES = [
    ("container_cpu_cfs_periods_total", "counter", "Number of elapsed enforcement period intervals."),
    ("container_cpu_cfs_throttled_periods_total", "counter", "Number of throttled period intervals."),
    ("container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed in seconds."),
    ("container_memory_working_set_bytes", "gauge", "Current working set in bytes."),
]


def render(namespace, pod, started):
    now = time.time()
    t = now - started
    uid = hashlib.sha1(f"{namespace}/{pod}".encode()).hexdigest()
    pod_cgroup = f"/kubepods/burstable/pod{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:32]}"

    def labels(container, image, cid):
        cgroup = f"{pod_cgroup}/{cid}" if cid else pod_cgroup
        name = cid or ""
        return (f'container="{container}",id="{cgroup}",image="{image}",name="{name}",'
                f'namespace="{namespace}",pod="{pod}"')

    series = {f: [] for f, _, _ in FAMILIES}
    total_cpu, total_mem = 0.0, 0.0
    for container, (image, cores, throttled, mem) in sorted(CONTAINERS.items()):
        cid = hashlib.sha256(f"{pod}/{container}".encode()).hexdigest()
        lab = labels(container, image, cid)
        wobble = 1 + 0.05 * math.sin(now / 30)
        working_set = mem * wobble
        series["container_cpu_cfs_periods_total"].append((lab, PERIODS_PER_SECOND * t))
        series["container_cpu_cfs_throttled_periods_total"].append((lab, throttled * t))
        series["container_cpu_usage_seconds_total"].append((lab, cores * t))
        series["container_memory_working_set_bytes"].append((lab, working_set))
        total_cpu += cores * t
        total_mem += working_set
    pause = labels("POD", "registry.k8s.io/pause:3.9", hashlib.sha256(f"{pod}/POD".encode()).hexdigest())
    series["container_cpu_usage_seconds_total"].append((pause, 0.0005 * t))
    series["container_memory_working_set_bytes"].append((pause, 300 * 1024))
    cgroup = labels("", "", "")
    series["container_cpu_usage_seconds_total"].append((cgroup, total_cpu + 0.0005 * t))
    series["container_memory_working_set_bytes"].append((cgroup, total_mem + 300 * 1024))

    out = []
    for family, kind, help_text in FAMILIES:
        out.append(f"# HELP {family} {help_text}")
        out.append(f"# TYPE {family} {kind}")
        for lab, value in series[family]:
            out.append(f"{family}{{{lab}}} {value:.6f}")
    return ("\n".join(out) + "\n").encode()


def main():
    ap = argparse.ArgumentParser(description="cAdvisor stand-in serving /metrics for one pod.")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--namespace", default="ml")
    ap.add_argument("--pod", default="iris-0")
    args = ap.parse_args()
    started = time.time()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.split("?")[0] not in ("/metrics", "/metrics/cadvisor"):
                self.send_error(404)
                return
            body = render(args.namespace, args.pod, started)
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_):
            pass

    ThreadingHTTPServer((args.host, args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
