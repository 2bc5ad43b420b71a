"""Benchmark: the longest pause Python's full garbage collection puts on the desk app's window, with and without
``okuyami.ui.app.settle_memory`` (gc.freeze of the start-up objects).

    python bench/bench_gc_pause.py [--repeat 5]

Each run is a new Python process that does what ``okuyami --smoke-test`` does (window up, a sample family through
intake and answers, a 6-page packet printed), with the start-up objects frozen right after the window is built
or not, and then times three full collections (``gc.collect()``, what the collector does on its own when enough
objects have piled up). Offscreen Qt platform; medians over the runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import gc, json, os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from okuyami.ui import app as appmod, smoke
build = appmod.build_window
frozen = 0
def build_and_settle(*a, **k):
    global frozen
    w = build(*a, **k)
    if sys.argv[1] == "freeze":
        frozen = appmod.settle_memory()
    return w
appmod.build_window = build_and_settle
if smoke.smoke_test() != 0:
    sys.exit(1)
times = []
for _ in range(3):
    t0 = time.perf_counter(); gc.collect(); times.append(time.perf_counter() - t0)
print(json.dumps({"frozen": frozen, "tracked": len(gc.get_objects()), "collect_ms": min(times) * 1000}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    for mode in ("plain", "freeze"):
        runs = []
        for _ in range(args.repeat):
            out = subprocess.run([sys.executable, "-c", CHILD, mode], env=env, cwd=ROOT, capture_output=True,
                                 text=True, check=True).stdout.strip().splitlines()[-1]
            runs.append(json.loads(out))
        print(f"{mode:6}: full collection {statistics.median(r['collect_ms'] for r in runs):6.1f} ms median, "
              f"{statistics.median(r['tracked'] for r in runs):,.0f} objects tracked, "
              f"{statistics.median(r['frozen'] for r in runs):,.0f} frozen ({args.repeat} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
