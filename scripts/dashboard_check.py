#!/usr/bin/env python3
"""Check the Grafana dashboard: structure, every PromQL expression with promtool, and optionally
that every expression returns data from a live Prometheus.

    python3 scripts/dashboard_check.py --dashboard config/grafana/driftwatch-dashboard.json \
        [--prometheus http://127.0.0.1:PORT --model iris --timeout 60]

1. Structure: valid JSON; unique panel ids; gridPos inside 24 columns, no two panels overlapping;
   every panel described; every target with refId and expr; every data source reference is
   {"type": "prometheus", "uid": "${datasource}"}; every $variable used is defined or a Grafana
   builtin; the variables model and feature and the expected rows exist; every driftwatch_*
   selector narrows by model=~"$model"; every range is [$__rate_interval].
2. Syntax: every expression (targets and template-variable queries; for label_values(SELECTOR,
   label) the selector), with variables substituted, is written as a recording rule and checked
   with `promtool check rules`.
3. With --prometheus: each substituted expression is run as an instant query and must return at
   least one series; retried until --timeout (rates need two scrapes). Exit 1 if any fails:
   no expression is exempt.

Standard library plus PyYAML (python3-yaml). Exit 0 only when every check passed.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

REQUIRED_ROWS = ["Overview", "Per-feature drift", "Data quality", "Golden signals", "Saturation (cAdvisor)",
                 "Sidecar health"]
REQUIRED_VARIABLES = ["datasource", "model", "feature"]
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
BUILTINS = {"__rate_interval": "1m", "__interval": "1m", "__range": "1h", "__interval_ms": "60000",
            "__range_s": "3600", "__range_ms": "3600000", "__rate_interval_ms": "60000"}
# driftwatch metrics without a model label (per receiver); their panels narrow by model through a join.
NO_MODEL_LABEL = {"driftwatch_alert_outbox_notifications", "driftwatch_alert_outbox_oldest_age_seconds",
                  "driftwatch_notifications_total"}

VAR_RE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)(?::[^\]]*)?\]\]")
SELECTOR_RE = re.compile(r"\b(driftwatch_[a-zA-Z0-9_]+|ALERTS)\b(\{[^}]*\})?")
RANGE_RE = re.compile(r"\[([^\]\[]+)\]")


def variables_used(text):
    return [a or b or c for a, b, c in VAR_RE.findall(text)]


def walk(node, path="$"):
    """Yields (path, key, value) for every dict entry in the JSON tree."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield path, k, v
            yield from walk(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, f"{path}[{i}]")


def split_top_level(args):
    """Splits a function's argument text at commas outside braces, brackets, parentheses and quotes."""
    parts, depth, quote, cur = [], 0, None, ""
    for ch in args:
        if quote:
            cur += ch
            if ch == quote:
                quote = None
            continue
        if ch in "\"'`":
            quote = ch
        elif ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
            continue
        cur += ch
    parts.append(cur.strip())
    return parts


def variable_expression(query):
    """The PromQL inside a Prometheus template-variable query, or None when it has none."""
    q = query.strip()
    m = re.fullmatch(r"label_values\((.*)\)", q, re.S)
    if m:
        parts = split_top_level(m.group(1))
        return parts[0] if len(parts) == 2 else None  # label_values(label) has no selector
    m = re.fullmatch(r"query_result\((.*)\)", q, re.S)
    if m:
        return m.group(1)
    if re.fullmatch(r"(label_names|metrics)\(.*\)", q, re.S):
        return None
    return q


class Check:
    def __init__(self, dashboard_path):
        self.problems = []
        with open(dashboard_path, encoding="utf-8") as f:
            try:
                self.d = json.load(f)
            except json.JSONDecodeError as e:
                sys.exit(f"FAIL: {dashboard_path} is not valid JSON: {e}")
        self.vars = {v.get("name"): v for v in self.d.get("templating", {}).get("list", [])}
        self.panels = []      # every panel, rows and their children included
        self.groups = []      # lists of panels that share a grid: top level, and each collapsed row's children
        top = self.d.get("panels", [])
        self.groups.append(top)
        for p in top:
            self.panels.append(p)
            if p.get("type") == "row":
                children = p.get("panels", [])
                self.panels.extend(children)
                if children:
                    self.groups.append(children)

    def need(self, cond, what):
        if not cond:
            self.problems.append(what)

    def structure(self):
        ids = [p.get("id") for p in self.panels]
        dup = sorted({i for i in ids if ids.count(i) > 1}, key=str)
        self.need(not dup, f"duplicate panel ids: {dup}")
        self.need(all(isinstance(i, int) for i in ids), "every panel needs an integer id")
        for group in self.groups:
            boxes = []
            for p in group:
                g = p.get("gridPos") or {}
                name = f"panel {p.get('id')} {p.get('title')!r}"
                try:
                    x, y, w, h = (int(g[k]) for k in ("x", "y", "w", "h"))
                except (KeyError, TypeError, ValueError):
                    self.problems.append(f"{name}: gridPos needs integer x, y, w, h")
                    continue
                self.need(x >= 0 and y >= 0 and w > 0 and h > 0 and x + w <= 24, f"{name}: gridPos {g} outside 24 columns")
                for other, (ox, oy, ow, oh) in boxes:
                    if x < ox + ow and ox < x + w and y < oy + oh and oy < y + h:
                        self.problems.append(f"{name} overlaps {other}")
                boxes.append((name, (x, y, w, h)))
        for p in self.panels:
            name = f"panel {p.get('id')} {p.get('title')!r}"
            if p.get("type") == "row":
                continue
            self.need(bool(p.get("title")), f"{name}: no title")
            self.need(bool((p.get("description") or "").strip()), f"{name}: no description")
            self.need(p.get("datasource") == DATASOURCE, f"{name}: panel datasource must be {DATASOURCE}")
            targets = p.get("targets") or []
            self.need(bool(targets), f"{name}: no targets")
            refs = [t.get("refId") for t in targets]
            self.need(all(refs) and len(set(refs)) == len(refs), f"{name}: every target needs a unique refId ({refs})")
            for t in targets:
                self.need(bool((t.get("expr") or "").strip()), f"{name} [{t.get('refId')}]: no expr")
        for path, k, v in walk(self.d):
            if k == "datasource":
                self.need(v == DATASOURCE, f"{path}.datasource is {v!r}, not {DATASOURCE}")
        for name in REQUIRED_VARIABLES:
            self.need(name in self.vars, f"variable {name!r} missing")
        ds = self.vars.get("datasource", {})
        self.need(ds.get("type") == "datasource" and ds.get("query") == "prometheus",
                  "variable datasource must be of type datasource, query prometheus")
        self.need(not self.d.get("__inputs"), "__inputs present: the dashboard must work provisioned from a file")
        titles = {p.get("title") for p in self.panels if p.get("type") == "row"}
        for r in REQUIRED_ROWS:
            self.need(r in titles, f"row {r!r} missing")

    def expressions(self):
        """[(label, expr)] of every PromQL expression, variables unsubstituted."""
        out = []
        for v in self.vars.values():
            if v.get("type") != "query":
                continue
            q = v.get("query")
            q = q.get("query", "") if isinstance(q, dict) else (q or "")
            e = variable_expression(q)
            if e:
                out.append((f"variable {v['name']}", None, e))
        for p in self.panels:
            for t in p.get("targets") or []:
                if (t.get("expr") or "").strip():
                    out.append((p.get("title"), t.get("refId"), t["expr"]))
        return out

    def lint(self, exprs):
        defined = set(self.vars) | set(BUILTINS)
        for title, ref, e in exprs:
            where = f"{title} [{ref}]" if ref else title
            for name in variables_used(e):
                self.need(name in defined, f"{where}: ${name} is neither a dashboard variable nor a builtin")
            for metric, sel in SELECTOR_RE.findall(e):
                if metric in NO_MODEL_LABEL or title == "variable model":  # the query that lists the models
                    continue
                self.need('model=~"$model"' in (sel or ""), f'{where}: {metric} not narrowed by model=~"$model"')
            for r in RANGE_RE.findall(e):
                self.need(r.strip() == "$__rate_interval", f"{where}: range [{r}] is not [$__rate_interval]")
        # Legends and other fields may use variables too.
        for path, k, v in walk(self.d):
            if isinstance(v, str) and k not in ("expr", "query", "definition", "uid"):
                for name in variables_used(v):
                    self.need(name in defined, f"{path}.{k}: ${name} is neither a dashboard variable nor a builtin")

    def substitute(self, expr, model):
        values = dict(BUILTINS)
        for name, v in self.vars.items():
            cur = (v.get("current") or {}).get("value")
            if isinstance(cur, list):
                cur = cur[0] if len(cur) == 1 else None
            if v.get("type") in ("textbox", "custom", "constant"):
                values[name] = cur if isinstance(cur, str) and cur else (v.get("query") or "").split(",")[0]
        values["model"] = model
        values["feature"] = ".*"

        def repl(m):
            name = m.group(1) or m.group(2) or m.group(3)
            return values.get(name, m.group(0))
        return VAR_RE.sub(repl, expr)


def promtool_check(promtool, exprs):
    """Runs promtool check rules on every expression as a recording rule. Returns failures."""
    def run(items):
        doc = {"groups": [{"name": "dashboard-check",
                           "rules": [{"record": f"dashboard:check_{i}", "expr": e} for i, e in items]}]}
        with tempfile.NamedTemporaryFile("w", suffix=".rules.yaml", delete=False) as f:
            yaml.safe_dump(doc, f, sort_keys=False, width=1 << 20)
            path = f.name
        try:
            r = subprocess.run([promtool, "check", "rules", path], capture_output=True, text=True)
        finally:
            os.unlink(path)
        return r.returncode, (r.stdout + r.stderr).strip()
    indexed = list(enumerate(exprs, 1))
    rc, out = run([(i, e) for i, (_, _, e) in indexed])
    if rc == 0:
        return []
    fails = []
    for i, (title, ref, e) in indexed:  # find the culprits one by one
        rc1, out1 = run([(i, e)])
        if rc1 != 0:
            fails.append((title, ref, e, out1.splitlines()[-1] if out1 else "promtool failed"))
    return fails or [("(all)", None, "", out)]


def query(base, expr, timeout=10):
    data = urllib.parse.urlencode({"query": expr}).encode()
    req = urllib.request.Request(base.rstrip("/") + "/api/v1/query", data=data,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = json.load(r)
    except urllib.error.HTTPError as e:
        try:
            body = json.load(e)
        except ValueError:
            return None, f"HTTP {e.code}"
    except (urllib.error.URLError, OSError) as e:
        return None, f"unreachable: {e}"
    if body.get("status") != "success":
        return None, f"{body.get('errorType')}: {body.get('error')}"
    res = body["data"]
    if res["resultType"] in ("vector", "matrix"):
        return res["result"], None
    return [{"value": res["result"]}], None


def live(base, items, timeout):
    """items: [(title, ref, expr)]. Returns the number of failures."""
    results, pending, deadline, last_note = {}, list(range(len(items))), time.time() + timeout, 0
    while pending:
        still = []
        for i in pending:
            series, err = query(base, items[i][2])
            if err and not err.startswith("unreachable"):
                results[i] = ("FAIL", err)          # a query error does not go away by waiting
            elif series and all(str(s.get("value", [0, "0"])[1]).lower() == "nan" for s in series):
                results[i] = ("FAIL", f"all {len(series)} series NaN (a panel would draw nothing)")
                still.append(i)
            elif series:
                results[i] = ("ok", f"{len(series)} series")
            else:
                results[i] = ("FAIL", err or "no data")
                still.append(i)
        pending = still
        if not pending or time.time() >= deadline:
            break
        if time.time() - last_note >= 10:
            print(f"... {len(pending)} expression(s) without data yet, retrying until {timeout}s", file=sys.stderr)
            last_note = time.time()
        time.sleep(1)
    failures = 0
    for i, (title, ref, expr) in enumerate(items):
        status, what = results[i]
        where = f"{title} [{ref}]" if ref else title
        if status == "ok":
            print(f"ok  {where}: {what}")
        else:
            failures += 1
            print(f"FAIL  {where}: {what}\n      {expr}")
    return failures


def main():
    ap = argparse.ArgumentParser(description="Check the Driftwatch Grafana dashboard.")
    ap.add_argument("--dashboard", required=True)
    ap.add_argument("--prometheus", help="base URL of a Prometheus to run every expression against")
    ap.add_argument("--model", default=".*", help="value of $model (default .*)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds to wait for every expression to return data")
    ap.add_argument("--promtool", default="promtool")
    args = ap.parse_args()

    c = Check(args.dashboard)
    c.structure()
    raw = c.expressions()
    c.lint(raw)
    n_panels = sum(1 for p in c.panels if p.get("type") != "row")
    n_rows = sum(1 for p in c.panels if p.get("type") == "row")
    if c.problems:
        for p in c.problems:
            print(f"FAIL  {p}")
        print(f"dashboard structure: {len(c.problems)} problem(s)")
        return 1
    print(f"ok  structure: {n_rows} rows, {n_panels} panels, {len(c.vars)} variables, ids unique, no overlap")

    items = [(t, r, c.substitute(e, args.model)) for t, r, e in raw]
    fails = promtool_check(args.promtool, items)
    if fails:
        for title, ref, e, why in fails:
            print(f"FAIL  promtool: {title} [{ref}]: {why}\n      {e}")
        return 1
    print(f"ok  promtool check rules: {len(items)} expressions parse")

    if args.prometheus:
        failures = live(args.prometheus, items, args.timeout)
        print(f"live queries against {args.prometheus} (model={args.model}): "
              f"{len(items) - failures} of {len(items)} returned data")
        if failures:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
