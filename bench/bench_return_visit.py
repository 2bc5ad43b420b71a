"""Return visits: the sheet with progress, and keeping / reading a packet in the store (SQLite and PostgreSQL).

    python bench/bench_return_visit.py [--repeat 7] [--pg postgresql://USER:PW@HOST/postgres]

Times, as medians of --repeat runs, on the heavy example case (examples/case_heavy.yaml):
- the whole packet with and without a return visit's progress (a third of the procedures done, some 後日, one 不要);
- keeping the packet as printed (print log + the PDF bytes, one transaction) and reading it back for a reprint,
  on a SQLite file and on PostgreSQL ($OKUYAMI_TEST_PG or --pg);
and prints the packet's size, i.e. what each visit adds to the database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from okuyami.core.case import load_case  # noqa: E402
from okuyami.core.engine import evaluate  # noqa: E402
from okuyami.core.progress import Progress  # noqa: E402
from okuyami.core.rulebook import load_rulebook  # noqa: E402
from okuyami.documents.packet import make_packet  # noqa: E402
from okuyami.store import migrate  # noqa: E402
from okuyami.store.scratch import throwaway_database  # noqa: E402
from okuyami.store.database import Database  # noqa: E402
from okuyami.store.store import Store  # noqa: E402

TODAY = dt.date(2026, 11, 27)


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--pg", default=os.environ.get("OKUYAMI_TEST_PG"))
    args = parser.parse_args()
    book = load_rulebook()
    case = load_case(ROOT / "examples" / "case_heavy.yaml", facts=book.facts, today=TODAY)
    codes = [p.code for p in evaluate(book, case).procedures]
    progress = {c: Progress("done", "", dt.date(2026, 11, 20)) for c in codes[::3]}
    progress.update({c: Progress("deferred", "後日来庁", dt.date(2026, 11, 20), dt.date(2026, 12, 4)) for c in codes[1:6:3]})
    progress[codes[-1]] = Progress("not_applicable", "確認済み", dt.date(2026, 11, 20))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        first = median_ms(lambda: make_packet(book, case, out / "a", today=TODAY), args.repeat)
        again = median_ms(lambda: make_packet(book, case, out / "b", today=TODAY, progress=progress), args.repeat)
        pdf_first = (out / "a" / "packet.pdf").read_bytes()
        pdf = (out / "b" / "packet.pdf").read_bytes()
        print(f"packet, first visit: {first:.0f} ms ({len(pdf_first) / 1e6:.2f} MB); return visit with "
              f"{sum(p.status == 'done' for p in progress.values())} done / "
              f"{sum(p.status == 'deferred' for p in progress.values())} 後日 / 1 不要: {again:.0f} ms "
              f"({len(pdf) / 1e6:.2f} MB)")
        urls = [("SQLite", f"sqlite:///{out / 'bench.sqlite3'}", None)]
        if args.pg:
            urls.append(("PostgreSQL", *throwaway_database(args.pg, "okuyami_bench")))
        for label, url, drop in urls:
            try:
                db = Database(url)
                migrate.upgrade(db)
                db.dispose()
                store = Store.open(url, operator="bench", terminal="bench")
                case_id = store.create_case()
                keep = median_ms(lambda: store.log_print(case_id, None, {"to": "printer", "forms": []}, pdf=pdf,
                                                         pages=10), args.repeat)
                last = store.packets(case_id)[-1].id
                read = median_ms(lambda: store.packet_pdf(last), args.repeat)
                print(f"{label}: keep the packet with its print log entry {keep:.1f} ms; read it back for a reprint "
                      f"{read:.1f} ms")
                store.close()
            finally:
                if drop:
                    drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
