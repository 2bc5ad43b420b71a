"""Benchmark: time and size of the heaviest packet (guidance sheet + every form). Targets ≤ 1.0 s, ≤ 1.5 MB.

    python bench/bench_print.py [--repeat 7]

The heaviest case is the one whose packet has the most pages among every scenario of the default rulebook
and examples/case_heavy.yaml. Times are medians of warm runs (fonts already loaded, as in the desk app);
the first (cold) run is reported too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from okuyami.core.case import check_case, load_case  # noqa: E402
from okuyami.core.problems import Problems  # noqa: E402
from okuyami.core.rulebook import load_rulebook  # noqa: E402
from okuyami.core.scenarios import load_scenarios  # noqa: E402
from okuyami.documents.packet import make_packet  # noqa: E402

TODAY = dt.date(2026, 11, 22)


def cases(book):
    yield "examples/case_heavy.yaml", load_case(ROOT / "examples" / "case_heavy.yaml", today=TODAY), TODAY
    for path in book.scenario_paths():
        doc, spec = load_scenarios(path, Problems())
        for i, sc in enumerate(spec.scenarios):
            yield f"{path.stem}: {sc.name}", check_case(doc, Problems(), today=sc.today,
                                                        base=("scenarios", i, "case")), sc.today or TODAY


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    book = load_rulebook(ROOT / "rules.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        first = None
        heaviest = None
        for name, case, today in cases(book):
            packet = make_packet(book, case, Path(tmp) / "scan", today=today)
            if first is None:
                first = time.perf_counter() - t0
            pages = packet.guidance_pages + len(packet.forms)
            if heaviest is None or pages > heaviest[0]:
                heaviest = (pages, name, case, today)
        pages, name, case, today = heaviest
        for large in (False, True):
            times, size = [], 0
            for i in range(args.repeat):
                out = Path(tmp) / f"run{i}{large}"
                t0 = time.perf_counter()
                packet = make_packet(book, case, out, today=today, large=large)
                times.append(time.perf_counter() - t0)
                size = packet.packet_path.stat().st_size
            label = "large print" if large else "normal"
            print(f"heaviest packet ({name}; {label}): {packet.guidance_pages + len(packet.forms)} pages "
                  f"({packet.guidance_pages} guidance + {len(packet.forms)} forms); "
                  f"median {statistics.median(times):.3f} s over {args.repeat} runs "
                  f"(min {min(times):.3f}, max {max(times):.3f}); packet.pdf {size / 1e6:.2f} MB "
                  f"[targets ≤ 1.0 s, ≤ 1.5 MB]")
        print(f"cold first packet (fonts loaded on first use): {first:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
