#!/usr/bin/env python3
"""Layering gate: no folder of a module refers to a type of a folder above it (DESIGN.md: no
upward or circular imports). Modules are already kept in order by the compiler (Package.swift);
folders inside one module are not, so this reads the sources: a type declared in folder B and
named in a file of folder A is an edge A -> B, allowed only when B is listed before A (or in the
same row as A: a row is one level whose folders may not refer to each other either).

    scripts/layers.py           # exit 1 and the offending names when a folder refers upward
    scripts/layers.py --graph   # print every module's folder edges
"""
import glob
import os
import re
import sys

# Bottom to top. Each inner list is one level; "" is the module's own root folder. Only top-level
# declarations count (a nested `CodingKeys` is not a folder's API).
LAYERS = {
    "DriftStats": [[""], ["Special", "LinearAlgebra", "Streaming"], ["Binning", "Multivariate"], ["Tests"]],
    "DriftRecords": [["Concurrency"], ["Parsing"], ["Schema"], ["Ingest"]],
    "DriftCore": [["Settings"], ["Profile"], ["Window"], ["Evaluation"], ["Report", "Metrics"]],
    "DriftServer": [["Journal", "Metrics", "Client"], ["Alerting"], ["Services"], ["Runtime"], ["HTTP"]],
}

DECL = re.compile(
    r"^(?:@\w+\s+)*(?:(?:public|package|internal|fileprivate|private|final|indirect)\s+)*"
    r"(?:struct|enum|class|protocol|typealias|actor)\s+([A-Z]\w{2,})",
    re.M,
)


def strip(src):
    """Source without comments and string literals (a name in prose is not a reference)."""
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    src = re.sub(r'"""(?:.|\n)*?"""', '""', src)
    src = re.sub(r'"(?:\\.|[^"\\\n])*"', '""', src)
    return re.sub(r"//.*", "", src)


def edges(module):
    root = os.path.join("Sources", module)
    files = {}
    for path in sorted(glob.glob(os.path.join(root, "**", "*.swift"), recursive=True)):
        rel = os.path.relpath(path, root)
        folder = rel.split(os.sep)[0] if os.sep in rel else ""
        files[path] = (folder, strip(open(path, encoding="utf-8").read()))
    declared = {}
    for path, (folder, src) in files.items():
        for m in DECL.finditer(src):
            declared.setdefault(m.group(1), folder)
    out = {}
    for path, (folder, src) in files.items():
        words = set(re.findall(r"\b[A-Z]\w{2,}\b", src))
        for name in words:
            target = declared.get(name)
            if target is not None and target != folder:
                out.setdefault((folder, target), set()).add(f"{name} ({os.path.basename(path)})")
    return {f for f, _ in files.values()}, out


def main():
    graph = "--graph" in sys.argv
    failures = 0
    for module, layers in LAYERS.items():
        level = {f: i for i, row in enumerate(layers) for f in row}
        folders, found = edges(module)
        unknown = sorted(f for f in folders if f not in level)
        if unknown:
            print(f"layers: {module}: folders {unknown} are not in scripts/layers.py's LAYERS", file=sys.stderr)
            failures += 1
        for (a, b), names in sorted(found.items()):
            ok = a in level and b in level and level[b] < level[a]
            if graph:
                print(f"{module}: {a} -> {b} ({len(names)})")
            if not ok:
                failures += 1
                print(f"layers: {module}: {a} refers to {b}, which is not below it: {', '.join(sorted(names))}",
                      file=sys.stderr)
    if failures:
        sys.exit(1)
    print(f"layers: {sum(len(r) for l in LAYERS.values() for r in l)} folders in {len(LAYERS)} modules, "
          "none refers upward")


if __name__ == "__main__":
    main()
