"""Case-list search with 100,000 cases, on SQLite and on PostgreSQL (issue: ≤ 100 ms per search).

    python bench/bench_store.py [--cases 100000] [--repeat 7] [--pg postgresql://USER:PW@HOST/postgres]

Seeds a throwaway store (a SQLite file in a temp folder; a new database on the PostgreSQL server given by --pg or
$OKUYAMI_TEST_PG) with realistic cases (names, kana, dates, answers, tasks), then times what the case list does
for one search — the count for the pager plus one page of 50 rows, each with its open-task count — for several
kinds of search, and prints the median of --repeat runs per kind. Seeding uses bulk inserts (not the per-change
API) so that it takes seconds, not hours.
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

import sqlalchemy as sa  # noqa: E402

from okuyami.store import migrate  # noqa: E402
from okuyami.store.scratch import throwaway_database  # noqa: E402
from okuyami.store.cases import search_text  # noqa: E402
from okuyami.store.database import Database  # noqa: E402
from okuyami.store.schema import answers, cases, tasks  # noqa: E402
from okuyami.store.store import Store  # noqa: E402

FAMILY = [("山田", "ヤマダ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
          ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
          ("吉田", "ヨシダ"), ("山口", "ヤマグチ"), ("松本", "マツモト"), ("井上", "イノウエ"), ("木村", "キムラ"),
          ("古田", "フルタ"), ("斎藤", "サイトウ"), ("清水", "シミズ"), ("森", "モリ"), ("池田", "イケダ")]
GIVEN = [("太郎", "タロウ"), ("花子", "ハナコ"), ("一郎", "イチロウ"), ("和子", "カズコ"), ("茂", "シゲル"),
         ("節子", "セツコ"), ("博", "ヒロシ"), ("幸子", "サチコ"), ("勇", "イサム"), ("トシ", "トシ")]
SEARCHES = {  # kind → text typed in the search box
    "first page (no search)": "",
    "family name (kanji)": "古田",
    "full name without space": "古田和子",
    "kana (hiragana)": "ふるた",
    "kana (half-width)": "ﾌﾙﾀ ｶｽﾞｺ",
    "case number": None,  # filled with a real number
    "death date (和暦)": "R8.11.15",
    "death date (ISO)": "2026-11-15",
    "no match": "存在しない",
}


def seed(url: str, n: int) -> int:
    db = Database(url)
    migrate.upgrade(db)
    rnd = random.Random(42)
    now = dt.datetime.now(dt.timezone.utc)
    batch = 5000
    with db.write() as conn:
        for start in range(0, n, batch):
            rows = []
            for i in range(start, min(n, start + batch)):
                (f, fk), (g, gk) = rnd.choice(FAMILY), rnd.choice(GIVEN)
                death = dt.date(2022, 1, 1) + dt.timedelta(days=rnd.randrange(0, 1780))
                values = {"deceased_name": f"{f} {g}", "deceased_kana": f"{fk} {gk}",
                          "deceased_birth_date": death - dt.timedelta(days=rnd.randrange(20000, 36000)),
                          "deceased_death_date": death, "applicant_name": f"{f} {rnd.choice(GIVEN)[0]}"}
                at = now - dt.timedelta(minutes=n - i)
                rows.append({"id": i + 1, "version": 3, "state": "closed" if death.year < 2026 else "in_progress",
                             "created_at": at, "updated_at": at, "created_by": "bench", **values,
                             "search_text": search_text(values), "language": "ja"})
            conn.execute(cases.insert(), rows)
            conn.execute(answers.insert(), [{"case_id": r["id"], "fact": "health_insurance", "value": '"kouki"',
                                             "source": "counter", "operator": "bench", "updated_at": now, "rev": 1}
                                            for r in rows])
            conn.execute(tasks.insert(), [{"case_id": r["id"], "procedure": p, "department": d,
                                           "status": rnd.choice(("open", "done", "done")), "note": "",
                                           "operator": "bench", "updated_at": now, "version": 1, "applies": True}
                                          for r in rows for p, d in (("kouki_soshitsu", "hoken_nenkin"),
                                                                     ("inkan_haishi", "shimin"))])
        if db.dialect == "postgresql":
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('cases', 'id'), :n)"), {"n": n})
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        with db.write() as conn:
            conn.execute(sa.text("ANALYZE"))
    db.dispose()
    return n


def measure(url: str, repeat: int, n: int) -> dict[str, float]:
    store = Store.open(url, operator="bench", auto_upgrade=False)
    SEARCHES["case number"] = str(n // 2)
    out = {}
    for kind, text in SEARCHES.items():
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            total = store.count_cases(text)
            page = store.list_cases(text, limit=50)
            times.append((time.perf_counter() - t0) * 1000)
        out[kind] = (statistics.median(times), total, len(page))
    # what the desk app does on the GUI thread after each answer: the write, the tasks sync, the re-read
    from okuyami.core.rulebook import load_rulebook
    from okuyami.store.casefile import evaluate_row

    book = load_rulebook(ROOT / "rules.yaml")
    case_id = store.create_case()
    for field, value in (("birth_date", "1941-03-02"), ("death_date", "2026-11-15")):
        store.set_person(case_id, "deceased", field, value)
    times = []
    for i in range(repeat * 4):
        t0 = time.perf_counter()
        row = store.get(case_id)
        store.set_answer(case_id, "car", bool(i % 2), expected_rev=row.answer_revs.get("car"))
        store.sync_tasks(case_id, evaluate_row(book, store.get(case_id)), book)
        store.get(case_id)
        times.append((time.perf_counter() - t0) * 1000)
    out["one answer: write + task sync + re-read"] = (statistics.median(times), 1, 1)
    store.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--pg", default=os.environ.get("OKUYAMI_TEST_PG"), help="an admin URL of a PostgreSQL server")
    args = parser.parse_args()
    backends = []
    with tempfile.TemporaryDirectory() as tmp:
        backends.append(("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", None))
        if args.pg:
            backends.append(("PostgreSQL", *throwaway_database(args.pg, "okuyami_bench")))
        else:
            print("(no PostgreSQL: pass --pg or set OKUYAMI_TEST_PG to measure it too)")
        for label, url, drop in backends:
            try:
                t0 = time.perf_counter()
                seed(url, args.cases)
                print(f"\n{label}: {args.cases:,} cases seeded in {time.perf_counter() - t0:.1f} s; "
                      f"count + first page of 50, median of {args.repeat} runs:")
                for kind, (ms, total, shown) in measure(url, args.repeat, args.cases).items():
                    flag = "" if ms <= 100 else "  ✗ over 100 ms"
                    print(f"  {kind:<28} {ms:7.1f} ms   ({total:,} found, {shown} shown){flag}")
            finally:
                if drop:
                    drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
