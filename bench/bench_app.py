"""Benchmark: cold start of the desk app to a usable window, and its memory. Targets ≤ 1.5 s, ≤ 250 MB RSS.

    python bench/bench_app.py [--repeat 5]

Each run is a new Python process (as when the clerk double-clicks the icon): the time is measured by this
script from launching the process until the window is shown, has handled its first events and the case list is
filled (30 cases in the database, so the outstanding counts are computed too). Memory is the child's peak RSS.
Offscreen Qt platform; medians over the runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import os, resource, sys
from pathlib import Path
from okuyami.ui.app import make_app, build_window
app = make_app()
w = build_window(Path(sys.argv[1]), None, "bench")
w.show()
app.processEvents()
assert w.list_page.table.rowCount() == int(sys.argv[2])
print("ready", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)
"""

SEED = r"""
import sys
from pathlib import Path
from okuyami.store.store import Store
s = Store.open(Path(sys.argv[1]) / "okuyami.sqlite3", operator="bench")
for i in range(int(sys.argv[2])):
    c = s.create_case("bench")
    s.set_person(c, "deceased", "name", f"試験 {i}")
    s.set_person(c, "deceased", "birth_date", "1940-01-01")
    s.set_person(c, "deceased", "death_date", "2026-11-15")
    for fact, value in {"was_household_head": True, "household_remaining_15plus": 2, "funeral_held": True}.items():
        s.set_answer(c, fact, value)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cases", type=int, default=30)
    args = parser.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", OKUYAMI_TODAY="2026-11-22",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    times, rss = [], []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-c", SEED, tmp, str(args.cases)], check=True, env=env)
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-c", CHILD, tmp, str(args.cases)], stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, text=True, env=env)
            line = proc.stdout.readline()
            elapsed = time.perf_counter() - t0
            proc.wait()
            if not line.startswith("ready"):
                print("the app did not start", file=sys.stderr)
                return 1
            times.append(elapsed)
            rss.append(int(line.split()[1]) / 1024)  # ru_maxrss is in KiB on Linux
    print(f"cold start to a usable window ({args.cases} cases listed): median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}) over {args.repeat} runs; peak RSS median "
          f"{statistics.median(rss):.0f} MB [targets ≤ 1.5 s, ≤ 250 MB]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
