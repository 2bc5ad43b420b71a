"""The monthly report (contract §13) with 100,000 old cases, on SQLite and on PostgreSQL (issue 24: ≤ 5 s).

    python bench/bench_report.py [--cases 100000] [--repeat 5] [--backend both|sqlite|postgresql]
                                 [--pg postgresql://USER:PW@HOST/postgres] [--month 2026-11] [--keep DIR]

Seeds a throwaway store (a SQLite file in a temp folder; a new database on the PostgreSQL server given by --pg or
$OKUYAMI_TEST_PG) with --cases cases spread over the eight years up to --month — about a thousand deaths a month,
as in a city of 400,000: 住基 imports, bookings with check-in, service and 完了 times (no-shows, cancellations),
walk-ins, return visits, phone pre-interviews, answers by source, tasks per department with their statuses — by bulk
inserts (executemany in batches), so seeding takes a minute, not hours. Then times what ``okuyami report month``
does: the figures of the month, the month before and the same month a year before (one audited read), the PDF and
the CSV; prints the median of --repeat runs, split into reading and rendering, and a department's page.

--keep DIR writes the last report's PDF and CSV there (the README's sample page is rendered from it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from okuyami.core.calendar import JST  # noqa: E402
from okuyami.core.rulebook import load_rulebook  # noqa: E402
from okuyami.documents.month_report import contents, csv_bytes, render  # noqa: E402
from okuyami.store import migrate  # noqa: E402
from okuyami.store.database import Database  # noqa: E402
from okuyami.store.report import Month  # noqa: E402
from okuyami.store.schema import answers, cases, juki_imports, reservations, tasks, visits  # noqa: E402
from okuyami.store.scratch import throwaway_database  # noqa: E402
from okuyami.store.store import Store  # noqa: E402
from okuyami.store.tasks import department_of  # noqa: E402

FACTS = ["death_registered", "health_insurance", "was_household_head", "household_remaining_15plus", "funeral_held",
         "kaigo_certified", "pension_recipient", "pension_type", "surviving_spouse", "children_under_18",
         "seal_registered", "mynumber_card", "resident_tax_payer", "real_estate_in_city", "moped_or_small_special",
         "kei_vehicle", "car", "dog_registered", "water_contract_holder", "final_tax_return_needed",
         "high_medical_costs", "welfare_recipient", "disability_certificate", "elderly_services", "farmland"]
JUKI_FACTS = FACTS[1:4] + ["kaigo_certified", "pension_recipient", "seal_registered", "mynumber_card"]


def at(day: dt.date, minutes: float) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), JST) + dt.timedelta(minutes=minutes)


def visit_day(rnd: random.Random, book, death: dt.date) -> dt.date:
    """The family comes two days to three weeks after the death, on an open day."""
    d = death + dt.timedelta(days=rnd.randrange(2, 22))
    while not book.calendar.is_open(d):
        d += dt.timedelta(days=1)
    return d


def seed(url: str, n: int, last_month: Month, book) -> None:
    """``n`` cases, the same number each month, over the 96 months up to ``last_month``."""
    db = Database(url)
    migrate.upgrade(db)
    rnd = random.Random(24)
    procs = [(code, department_of(book, rule)) for code, rule in book.rules.items()]
    months = [last_month]
    while len(months) < 96:
        months.append(months[-1].previous())
    months.reverse()
    per_month = max(1, n // len(months))
    case_id = visit_id = res_id = 0
    rows: dict[str, list] = {"cases": [], "visits": [], "reservations": [], "answers": [], "tasks": [],
                             "juki_imports": []}
    tables = {"cases": cases, "visits": visits, "reservations": reservations, "answers": answers, "tasks": tasks,
              "juki_imports": juki_imports}

    defaults = {"visits": {"scheduled_at": None, "started_at": None, "ended_at": None},
                "reservations": {"caller_relationship": "", "caller_phone": "", "moved_from": None, "created_by": "bench",
                                 "operator": "bench", "version": 1}}

    def flush(conn, force: bool = False) -> None:
        for name in ("cases", "visits", "reservations", "answers", "tasks", "juki_imports"):  # (foreign keys)
            if rows[name] and (force or len(rows[name]) >= 20000 or name in ("cases", "visits")):
                extra = defaults.get(name, {})
                conn.execute(tables[name].insert(), [{**extra, **r} for r in rows[name]])
                rows[name] = []

    with db.write() as conn:
        for m_index, month in enumerate(months):
            count = per_month if m_index < len(months) - 1 else n - per_month * (len(months) - 1)
            day = month.first
            while day <= month.last:  # one 住基 import per open day
                if book.calendar.is_open(day):
                    rows["juki_imports"].append({"at": at(day, 8 * 60 + 30), "operator": "bench", "terminal": "juki",
                                                 "file_name": f"shibou_{day:%Y%m%d}.csv", "sha256": "0" * 64,
                                                 "rows": 40, "created": 35, "detail": "{}"})
                day += dt.timedelta(days=1)
            for _ in range(count):
                case_id += 1
                death = month.first + dt.timedelta(days=rnd.randrange(month.last.day))
                day = visit_day(rnd, book, death)
                juki = rnd.random() < 0.8
                created = at(death + dt.timedelta(days=1), 9 * 60)
                rows["cases"].append({"id": case_id, "version": 5, "state": "closed", "created_at": created,
                                      "updated_at": created, "created_by": "bench", "deceased_death_date": death,
                                      "deceased_birth_date": death - dt.timedelta(days=rnd.randrange(22000, 36000)),
                                      "deceased_name": "試験 太郎", "search_text": "",
                                      "juki_key": f"{case_id:010d}" if juki else None, "language": "ja"})
                kind = rnd.choices(("booked", "walk_in", "direct", "none"), (36, 16, 8, 40))[0]  # 40 %: never came
                came = kind != "none"
                served_case = False
                if kind == "booked":
                    start = at(day, rnd.choice((9, 10, 11, 13, 14, 15)) * 60)
                    status = rnd.choices(("done", "no_show", "cancelled"), (88, 5, 7))[0]
                    if status == "done":
                        arrived = start - dt.timedelta(minutes=rnd.uniform(0, 12))
                        served = start + dt.timedelta(minutes=rnd.lognormvariate(1.6, 0.7))
                        done = served + dt.timedelta(minutes=rnd.gauss(48, 15) if rnd.random() < 0.9 else 100)
                        visit_id += 1
                        rows["visits"].append({"id": visit_id, "case_id": case_id, "kind": "counter", "office": "honcho",
                                               "scheduled_at": start, "started_at": arrived, "ended_at": done,
                                               "operator": "bench", "terminal": "corner-1"})
                        served_case = True
                    else:
                        arrived = served = done = None
                    res_id += 1
                    rows["reservations"].append({
                        "id": res_id, "case_id": case_id, "office": "honcho", "start": start, "minutes": 60,
                        "desk": None if status == "cancelled" else res_id, "status": status, "walk_in": False,
                        "caller_name": "試験 花子", "visit_id": visit_id if status == "done" else None,
                        "created_at": created, "updated_at": created, "arrived_at": arrived, "served_at": served,
                        "done_at": done})
                    if rnd.random() < 0.45:  # the booking call was a phone pre-interview
                        visit_id += 1
                        rows["visits"].append({"id": visit_id, "case_id": case_id, "kind": "phone", "office": "honcho",
                                               "started_at": start - dt.timedelta(days=rnd.randrange(2, 8)),
                                               "operator": "bench", "terminal": "desk-1"})
                elif kind == "walk_in":
                    arrived = at(day, rnd.uniform(9 * 60, 16 * 60))
                    served = arrived + dt.timedelta(minutes=rnd.lognormvariate(2.3, 0.6))
                    done = served + dt.timedelta(minutes=rnd.gauss(60, 18))
                    visit_id += 1
                    rows["visits"].append({"id": visit_id, "case_id": case_id, "kind": "counter", "office": "honcho",
                                           "started_at": arrived, "ended_at": done, "operator": "bench",
                                           "terminal": "corner-2"})
                    res_id += 1
                    rows["reservations"].append({
                        "id": res_id, "case_id": case_id, "office": "honcho", "start": arrived.replace(second=0, microsecond=0),
                        "minutes": 60, "desk": None, "status": "done", "walk_in": True, "caller_name": "試験 花子",
                        "visit_id": visit_id, "created_at": arrived, "updated_at": done, "arrived_at": arrived,
                        "served_at": served, "done_at": done})
                    served_case = True
                elif kind == "direct":
                    visit_id += 1
                    rows["visits"].append({"id": visit_id, "case_id": case_id, "kind": "counter", "office": "",
                                           "started_at": at(day, rnd.uniform(9 * 60, 16 * 60)),
                                           "operator": "bench", "terminal": "corner-3"})
                    served_case = True
                if served_case and rnd.random() < 0.15:  # a return visit, one to three weeks later
                    again = day + dt.timedelta(days=rnd.randrange(7, 22))
                    visit_id += 1
                    rows["visits"].append({"id": visit_id, "case_id": case_id, "kind": "counter", "office": "",
                                           "started_at": at(again, 10 * 60), "operator": "bench",
                                           "terminal": "corner-1"})
                asked = rnd.sample(FACTS, rnd.randrange(6, len(FACTS))) if came else []
                phone = set(rnd.sample(asked, min(len(asked), rnd.randrange(0, 8)))) if kind == "booked" else set()
                for fact in asked:
                    source = "juki" if juki and fact in JUKI_FACTS else ("phone" if fact in phone else "counter")
                    rows["answers"].append({"case_id": case_id, "fact": fact, "value": "true", "source": source,
                                            "operator": "bench", "updated_at": created, "rev": 1})
                for code, dept in rnd.sample(procs, rnd.randrange(5, 13)) if came else []:
                    status = rnd.choices(("done", "deferred", "open", "prepared", "not_applicable"), (70, 9, 12, 4, 5))[0]
                    rows["tasks"].append({"case_id": case_id, "procedure": code, "department": dept, "status": status,
                                          "note": "", "operator": "bench", "updated_at": created, "version": 2,
                                          "applies": True,
                                          "follow_up": day + dt.timedelta(days=14) if status == "deferred" else None})
                if len(rows["answers"]) >= 20000:
                    flush(conn)
        flush(conn, force=True)
    if db.dialect == "postgresql":
        with db.engine.connect() as conn:  # what autovacuum would have done on a server in use
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    db.dispose()


def time_report(url: str, month: Month, book, repeat: int, keep: Path | None) -> dict[str, float]:
    store = Store.open(url, operator="bench", terminal="bench")
    read, draw, dept = [], [], []
    try:
        for i in range(repeat):
            t0 = time.perf_counter()
            report = store.month_report(month, book=book)
            t1 = time.perf_counter()
            pdf, _missing = render([report], book, city=book.root.municipality.name)
            data = csv_bytes(contents([report], book))
            t2 = time.perf_counter()
            d_report = store.month_report(month, department="hoken_nenkin", book=book)
            render([d_report], book)
            t3 = time.perf_counter()
            read.append(t1 - t0)
            draw.append(t2 - t1)
            dept.append(t3 - t2)
            if keep and i == repeat - 1:
                keep.mkdir(parents=True, exist_ok=True)
                (keep / "report.pdf").write_bytes(pdf)
                (keep / "report.csv").write_bytes(data)
                dpdf, _ = render([d_report], book, city=book.root.municipality.name)
                (keep / "report-hoken_nenkin.pdf").write_bytes(dpdf)
                print(f"  wrote {keep / 'report.pdf'} ({report.current.served} families served)")
    finally:
        store.close()
    med = statistics.median
    return {"read": med(read), "render": med(draw), "total": med(read) + med(draw), "department page": med(dept)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--backend", choices=("both", "sqlite", "postgresql"), default="both")
    ap.add_argument("--pg", default=os.environ.get("OKUYAMI_TEST_PG"))
    ap.add_argument("--month", default="2026-11")
    ap.add_argument("--keep", type=Path, default=None)
    args = ap.parse_args()
    month = Month.parse(args.month)
    book = load_rulebook(ROOT / "rules.yaml")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = {}
    for backend in backends:
        if backend == "postgresql" and not args.pg:
            print("postgresql: skipped (no --pg / $OKUYAMI_TEST_PG)")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            if backend == "sqlite":
                url, drop = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", (lambda: None)
            else:
                url, drop = throwaway_database(args.pg, "okuyami_bench_report")
            try:
                t0 = time.perf_counter()
                seed(url, args.cases, month, book)
                print(f"{backend}: seeded {args.cases:,} cases in {time.perf_counter() - t0:.0f} s")
                results[backend] = r = time_report(url, month, book, args.repeat, args.keep)
                print(f"{backend}: report month {month.iso()} — read {r['read'] * 1000:.0f} ms, PDF+CSV "
                      f"{r['render'] * 1000:.0f} ms, total {r['total'] * 1000:.0f} ms (median of {args.repeat}); "
                      f"a department's page {r['department page'] * 1000:.0f} ms")
            finally:
                drop()
    worst = max((r["total"] for r in results.values()), default=0)
    print(f"slowest backend: {worst:.2f} s for the corner's report (limit 5 s): {'ok' if worst <= 5 else 'TOO SLOW'}")
    return 0 if worst <= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
