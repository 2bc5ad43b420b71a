"""Benchmark: a whole city's 住基 death list at once — 100,000 rows — into an empty store (issue 21).

    python bench/bench_juki_large.py [--rows 100000] [--runs 3] [--pg postgresql://USER:PW@HOST/postgres] [--json]

For each backend — a SQLite file in a temp folder; a throwaway database on the PostgreSQL server given by ``--pg`` or
``$OKUYAMI_TEST_PG`` (migrated by its owner, the import run under a fresh LOGIN in ``okuyami_counter`` as a corner
terminal would) — ``okuyami import juki FILE`` runs as its own process, as IT runs it; measured: wall time, CPU time
of the okuyami process (user + system), and its peak memory (max RSS, from the OS). Median of ``--runs``.
Targets: ≤ 60 s and ≤ 300 MB on both backends. The file is bench/bench_juki.py's generator (cp932, random rows in
the default layout: every row a new case with its answers and its departments' tasks). The 1-minute load average
is printed beside each run: this machine is shared, and wall time grows with it (CPU time does not).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_juki import death_list  # noqa: E402

TODAY = "2026-11-20"


def one_run(url: str, path: Path) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "okuyami", "import", "juki", str(path), "--db", url,
                           "--operator", "bench"], capture_output=True, text=True,
                          env={**os.environ, "OKUYAMI_TODAY": TODAY})
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"import failed ({done.returncode}): {done.stderr[-2000:]}")
    return {"wall_s": wall, "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "peak_mb": after.ru_maxrss / 1024, "load": load, "summary": done.stdout.strip().splitlines()[-1]}


def backend(name: str, tmp: Path, path: Path, runs: int, pg: str | None) -> dict:
    from okuyami.store import migrate
    from okuyami.store.database import Database

    results = []
    for _ in range(runs):
        if name == "sqlite":
            url, cleanup = str(tmp / f"{uuid.uuid4().hex}.sqlite3"), []
            db = Database(f"sqlite:///{url}")
            migrate.upgrade(db)
            db.dispose()
        else:
            from okuyami.store.scratch import terminal_login, throwaway_database

            owner, drop = throwaway_database(pg, "okuyami_bench")
            db = Database(owner)
            migrate.upgrade(db)
            db.dispose()
            url, drop_login = terminal_login(owner, "counter", prefix="okuyami_bench")
            cleanup = [drop_login, drop]
        try:
            results.append(one_run(url, path))
        finally:
            for c in cleanup:
                c()
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: one backend per process keeps it honest
    return {"backend": name, "rows": None, "runs": runs,
            "wall_s_median": round(statistics.median(r["wall_s"] for r in results), 1),
            "cpu_s_median": round(statistics.median(r["cpu_s"] for r in results), 1),
            "peak_mb": round(max(r["peak_mb"] for r in results)),
            "load_1min": [round(r["load"], 1) for r in results], "summary": results[-1]["summary"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pg", default=os.environ.get("OKUYAMI_TEST_PG"))
    ap.add_argument("--backend", choices=("sqlite", "postgresql"), default=None,
                    help="one backend only (the script runs itself once per backend otherwise)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.backend is None:  # each backend in its own process: the peak memory of one is not the other's
        out = []
        for name in ("sqlite",) + (("postgresql",) if args.pg else ()):
            done = subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--runs", str(args.runs),
                                   "--backend", name, "--json"] + (["--pg", args.pg] if args.pg else []),
                                  capture_output=True, text=True)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            out.append(json.loads(done.stdout))
        if args.json:
            print(json.dumps(out, ensure_ascii=False, indent=2))
        else:
            for r in out:
                print(f"{r['backend']:<10} {r['rows']:>7} rows: {r['wall_s_median']:>6} s wall (median of {r['runs']}), "
                      f"{r['cpu_s_median']} s CPU, peak {r['peak_mb']} MB, load {r['load_1min']}  — {r['summary']}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deaths.csv"
        path.write_bytes(death_list(args.rows))
        result = backend(args.backend, Path(tmp), path, args.runs, args.pg)
        result["rows"] = args.rows
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
