#!/usr/bin/env bash
# The HTML drift report (`compare --format html`) in a real browser: headless Chromium (Debian
# package `chromium`) loads three reports — the core fixture (numeric + categorical, drifted), the
# shipped Iris example, and a 200-feature schema — and the test fails on any console message, on
# anything that would reach the network, on a page that scrolls sideways at 1280 px or on a phone's 390 px, or on a
# summary that is not first. It prints the load time of each report and writes screenshots
# (1280 px and 390 px wide) to $REPORT_ARTIFACTS (default .build/artifacts) for review.
set -euo pipefail
cd "$(dirname "$0")/.."
browser="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$browser" ] || { echo "needs chromium (apt-get install chromium)" >&2; exit 2; }
swift build --product driftwatch 2>&1 | tail -1
bin="$(swift build --show-bin-path)/driftwatch"
out="${REPORT_ARTIFACTS:-.build/artifacts}"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Its own profile directory (no clash with another Chromium); host names never resolve. A failed
# or timed-out run fails the test with Chromium's last words.
chrome() {
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --user-data-dir="$work/profile" \
    --disable-extensions --host-resolver-rules="MAP * ~NOTFOUND" --enable-logging=stderr --v=0 "$@" 2> "$work/chrome.err" \
    || { echo "FAIL: chromium $* exited $?"; tail -5 "$work/chrome.err"; exit 1; }
}

echo "== reports"
"$bin" baseline build --db "$work/s.sqlite" --model core --data Tests/DriftCoreTests/Fixtures/core_reference.csv >/dev/null
"$bin" compare --db "$work/s.sqlite" --model core --data Tests/DriftCoreTests/Fixtures/core_current.csv --format html --output "$work/core.html"
"$bin" baseline build --db "$work/s.sqlite" --model iris --data baselines/examples/iris_train.csv >/dev/null
"$bin" compare --db "$work/s.sqlite" --model iris --data baselines/examples/iris_production.csv --format html --output "$work/iris.html"
python3 - "$work" <<'PY'
# 200 features (150 numeric, 50 categorical with 12 categories), 5 000 rows each side; every
# tenth feature shifted in the current data.
import random, sys
w = sys.argv[1]
rnd = random.Random(7)
names = [f"num_{i:03d}" for i in range(150)] + [f"cat_{i:02d}" for i in range(50)]
cats = [f"c{j}" for j in range(12)]
for part, shift in (("ref", False), ("cur", True)):
    with open(f"{w}/wide_{part}.csv", "w") as f:
        f.write(",".join(names) + "\n")
        for _ in range(5000):
            row = []
            for i in range(150):
                mu = 0.6 if shift and i % 10 == 0 else 0.0
                row.append(f"{rnd.gauss(mu, 1):.4f}")
            for i in range(50):
                k = min(int(rnd.expovariate(0.35 if shift and i % 10 == 0 else 0.5)), 11)
                row.append(cats[k])
            f.write(",".join(row) + "\n")
PY
"$bin" baseline build --db "$work/s.sqlite" --model wide --data "$work/wide_ref.csv" >/dev/null
"$bin" compare --db "$work/s.sqlite" --model wide --data "$work/wide_cur.csv" --format html --output "$work/wide.html"

echo "== static checks (self-contained, summary first, severity order)"
python3 - "$work" <<'PY'
import html.parser, re, sys
w = sys.argv[1]
fails = []
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.order, self.svgs, self.ids, self.hrefs, self.badges, self.sections = [], [], 0, set(), [], [], 0
        self.void = {"meta", "br", "img", "input", "link", "hr", "rect", "path", "line"}
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k, v in attrs:
            if k in ("src", "href", "action", "srcset", "xlink:href") and v and not v.startswith("#"):
                fails.append(f"{tag} {k}={v} reaches outside the file")
        if tag in ("script", "link", "iframe", "object", "embed", "img"):
            fails.append(f"<{tag}> in a self-contained report")
        if tag == "svg": self.svgs += 1
        if tag == "details" and a.get("class") == "feature": self.sections += 1
        if "id" in a: self.ids.add(a["id"])
        if tag == "a": self.hrefs.append(a.get("href", ""))
        if a.get("id") in ("summary", "features"): self.order.append(a["id"])
        if tag == "span" and "badge" in a.get("class", "") and self.stack and self.stack[-1] == "td":
            self.badges.append(a["class"].split()[1])
        if tag not in self.void: self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.void: self.stack.pop()
    def handle_endtag(self, tag):
        if tag in self.void: return
        if not self.stack or self.stack[-1] != tag:
            fails.append(f"unbalanced </{tag}> (open: {self.stack[-3:]})")
            return
        self.stack.pop()
for name, features in (("core", 5), ("iris", None), ("wide", 200)):
    text = open(f"{w}/{name}.html", encoding="utf-8").read()
    for url in re.findall(r"https?://[^\"'\s<)]+", text):
        if url != "http://www.w3.org/2000/svg":
            fails.append(f"{name}: URL {url}")
    p = P(); p.feed(text); p.close()
    if p.stack: fails.append(f"{name}: unclosed {p.stack}")
    if p.order[:2] != ["summary", "features"]: fails.append(f"{name}: the summary must come before the features ({p.order})")
    missing = [h for h in p.hrefs if h.startswith("#") and h[1:] not in p.ids]
    if missing: fails.append(f"{name}: links to missing sections {missing[:3]}")
    rank = {"drift": 0, "warning": 1, "ok": 2, "insufficient_data": 3, "ignored": 4}
    ranks = [rank[b] for b in p.badges]
    features = features or p.sections
    if p.sections != features or len(ranks) != features or ranks != sorted(ranks):
        fails.append(f"{name}: summary rows not sorted by severity or not one per feature: {p.badges}")
    print(f"{name}: {len(text) // 1024} KiB, {features} features, {p.svgs} charts, {p.badges.count('drift')} drifted, self-contained")
if fails:
    print("\n".join("FAIL: " + f for f in fails)); sys.exit(1)
PY

echo "== Chromium $("$browser" --version 2>/dev/null | awk '{print $2}')"
for name in core iris wide; do
  # The report itself: any console message (error, warning, log) fails the test.
  chrome --window-size=1280,900 --dump-dom "file://$work/$name.html" > "$work/$name.dom"
  if grep -q "CONSOLE" "$work/chrome.err"; then echo "FAIL: $name: console messages:"; grep "CONSOLE" "$work/chrome.err"; exit 1; fi
  grep -q '<section class="verdict' "$work/$name.dom" || { echo "FAIL: $name: the browser did not render the summary"; exit 1; }
  # A wrapper page holds the report in an iframe of the given width (headless Chromium's window
  # is never narrower than 500 px) and measures the layout and the load time.
  for width in 1280 390; do
    cat > "$work/${name}_probe.html" <<HTML
<!doctype html><html><body style="margin:0"><iframe id="f" src="$name.html" style="width:${width}px;height:900px;border:0"></iframe>
<script>document.getElementById("f").addEventListener("load",()=>{const w=document.getElementById("f").contentWindow,d=w.document,n=w.performance.getEntriesByType("navigation")[0];
d.querySelectorAll("details").forEach(e=>{e.open=true;e.style.contentVisibility="visible"});
console.log("probe",JSON.stringify({width:d.documentElement.clientWidth,scroll:d.documentElement.scrollWidth,load:Math.round(n.loadEventStart),svgs:d.querySelectorAll("svg").length}))})</script></body></html>
HTML
    chrome --allow-file-access-from-files --window-size=$((width + 40)),900 --dump-dom "file://$work/${name}_probe.html" >/dev/null
    probe="$(grep -o 'probe {[^}]*}' "$work/chrome.err" | sed 's/^probe //' | tail -1 || true)"
    [ -n "$probe" ] || { echo "FAIL: $name at $width px: no probe result"; tail -5 "$work/chrome.err"; exit 1; }
    python3 - "$name" "$width" "$probe" <<'PY'
import json, sys
name, width, p = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
print(f"{name} at {width} px: loaded in {p['load']} ms, {p['svgs']} charts, page width {p['scroll']} px")
if p["scroll"] > p["width"]:
    print(f"FAIL: {name} at {width} px scrolls sideways ({p['scroll']} > {p['width']})"); sys.exit(1)
PY
  done
done
chrome --window-size=1280,2400 --screenshot="$out/report-1280.png" "file://$work/core.html"
sed 's/height:900px/height:2400px/' "$work/core_probe.html" > "$work/phone.html"
chrome --allow-file-access-from-files --window-size=390,2400 --screenshot="$out/report-390.png" "file://$work/phone.html"
cp "$work/core.html" "$out/report-core.html"
for f in report-1280.png report-390.png; do
  [ "$(stat -c %s "$out/$f")" -gt 20000 ] || { echo "FAIL: $out/$f looks empty"; exit 1; }
done
echo "screenshots: $out/report-1280.png, $out/report-390.png"
echo "report browser test: ok"
