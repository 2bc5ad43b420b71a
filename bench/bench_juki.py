"""Benchmark of the 住基 import (contract §10): what it saves at the counter, and how fast it is.

    python bench/bench_juki.py [--runs 5] [--rows 1000] [--pg postgresql://USER:PW@HOST/postgres] [--json]

1. Questions the clerk still has to ask for the typical case — an 85-year-old household head with 後期高齢, a
   pension and a remaining wife (who comes to the counter; the funeral was held) — without and with the import.
   The death list row goes through the real reader (a cp932 file in the default layout); the interview follows
   the engine (``Session.next_screen``: one question, or one checklist screen of a ``group:``) as
   bench/bench_interview.py does, the family answering from the same truth. "Screens" are what the clerk asks;
   "facts" the answers they settle (a checklist settles several). Target: ≤ 12 after the import. The result must
   equal the evaluation with every fact given (no procedure lost).
2. Import speed: a 1,000-row cp932 file into an empty store (SQLite file; PostgreSQL with ``--pg`` or
   ``$OKUYAMI_TEST_PG``, a throwaway database per run), and the same file again (nothing changes). Median of
   ``--runs``; in-process time of ``import_file`` (reading, checking, writing, the departments' tasks). Target ≤ 5 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_interview import VISITS  # noqa: E402

from okuyami.core.engine import Session  # noqa: E402
from okuyami.core.rulebook import load_rulebook  # noqa: E402
from okuyami.juki.importer import import_file  # noqa: E402
from okuyami.juki.profile import DEFAULT_COLUMNS  # noqa: E402
from okuyami.juki.reader import read_death_list  # noqa: E402
from okuyami.store import migrate  # noqa: E402
from okuyami.store.database import Database  # noqa: E402
from okuyami.store.store import Store  # noqa: E402

TODAY = dt.date(2026, 11, 20)
#: the typical case's row as the resident-record system exports it
TYPICAL = ("000101,山田 太郎,ヤマダ タロウ,1,S16.3.2,20261115,〇〇市中央町1-2-3,〇〇市中央町1番地,"
           "1,1,0,1,0,1,1,1,0,0,0,0")


def interview(book, dates, truth: dict, given: dict) -> dict:
    s = Session(book, dates, dict(given))
    screens = facts = 0
    asked: list[str] = []
    while (screen := s.next_screen) is not None:
        values = {f: truth[f] for f in screen.facts}
        screens += 1
        facts += len(values)
        asked += list(values)
        s.answer_screen(values)
        if screens > 200:
            raise RuntimeError("the interview does not end")
    full = Session(book, dates, truth).result
    same = [(p.code, p.status, p.deadline) for p in s.result.procedures] == \
        [(p.code, p.status, p.deadline) for p in full.procedures]
    return {"screens": screens, "facts": facts, "asked": asked, "no_procedure_lost": same}


def questions(tmp: Path) -> dict:
    book = load_rulebook(ROOT / "rules.yaml")
    visit = VISITS[0]  # A: 85歳・世帯主・後期高齢・年金（厚生）、妻が来庁、葬儀済み
    truth = {f: v for f, v in visit.truth.items() if f in book.facts}
    path = tmp / "typical.csv"
    path.write_bytes((",".join(DEFAULT_COLUMNS) + "\r\n" + TYPICAL + "\r\n").encode("cp932"))
    record = read_death_list(path, today=TODAY).records[0]
    wrong = {f: (v, truth.get(f)) for f, v in record.facts.items() if truth.get(f) != v}
    if wrong:
        raise SystemExit(f"the row does not describe the typical case: {wrong}")
    return {"case": visit.name, "from_juki": sorted(record.facts),
            "without_import": interview(book, visit.dates, truth, {}),
            "with_import": interview(book, visit.dates, truth, record.facts)}


def death_list(rows: int, seed: int = 1) -> bytes:
    r = random.Random(seed)
    family = "山田 佐藤 鈴木 高橋 田中 伊藤 渡辺 中村 小林 加藤 髙橋 﨑山".split()
    given = "太郎 花子 一郎 和子 次郎 幸子 三郎 節子".split()
    lines = [",".join(DEFAULT_COLUMNS)]
    for i in range(rows):
        insurance = r.choice(["1,0", "0,1", "0,1", "0,0", ","])
        flags = ",".join(r.choice("10") for _ in range(8))
        birth = f"S{r.randint(2, 60)}.{r.randint(1, 12)}.{r.randint(1, 28)}" if i % 2 else \
            f"{r.randint(1925, 1985)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}"
        lines.append(f"{200000 + i:06d},{r.choice(family)} {r.choice(given)},ヤマダ タロウ,{r.choice('12')},{birth},"
                     f"2026{r.randint(9, 11):02d}{r.randint(1, 15):02d},〇〇市中央町{i}-1,,{r.choice('10')},"
                     f"{r.randint(0, 3)},{insurance},{flags}")
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


def _fresh(backend: str, tmp: Path, pg: str | None):
    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'{uuid.uuid4().hex}.sqlite3'}"
        return url, lambda: None
    from okuyami.store.scratch import throwaway_database

    return throwaway_database(pg, "okuyami_bench")


def speed(backend: str, tmp: Path, rows: int, runs: int, pg: str | None) -> dict:
    book = load_rulebook(ROOT / "rules.yaml")
    path = tmp / "deaths.csv"
    path.write_bytes(death_list(rows))
    first, again = [], []
    for _ in range(runs):
        url, drop = _fresh(backend, tmp, pg)
        try:
            db = Database(url)
            migrate.upgrade(db)
            db.dispose()
            store = Store.open(url, operator="bench", terminal="bench")
            try:
                t = time.perf_counter()
                report = import_file(store, path, book=book, today=TODAY)
                first.append(time.perf_counter() - t)
                assert len(report.outcome.created) == rows and report.ok
                t = time.perf_counter()
                report = import_file(store, path, book=book, today=TODAY)
                again.append(time.perf_counter() - t)
                assert len(report.outcome.unchanged) == rows
            finally:
                store.close()
        finally:
            drop()
    return {"backend": backend, "rows": rows, "runs": runs, "first_import_s": round(statistics.median(first), 2),
            "reimport_unchanged_s": round(statistics.median(again), 2)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--pg", default=os.environ.get("OKUYAMI_TEST_PG"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        q = questions(Path(tmp))
        timings = [speed("sqlite", Path(tmp), args.rows, args.runs, None)]
        if args.pg:
            timings.append(speed("postgresql", Path(tmp), args.rows, args.runs, args.pg))
    if args.json:
        print(json.dumps({"questions": q, "speed": timings}, ensure_ascii=False, indent=2))
    else:
        print(q["case"])
        print(f"  from 住基: {', '.join(q['from_juki'])}")
        for key, label in (("without_import", "without the import"), ("with_import", "with the import   ")):
            r = q[key]
            print(f"  {label}: {r['screens']:>2} screens asked, {r['facts']:>2} facts  "
                  f"(no procedure lost: {'yes' if r['no_procedure_lost'] else 'NO'})")
        print(f"  still asked after the import: {', '.join(q['with_import']['asked'])}")
        for t in timings:
            print(f"import of {t['rows']} rows ({t['backend']}, median of {t['runs']}): first {t['first_import_s']} s, "
                  f"again unchanged {t['reimport_unchanged_s']} s")
    ok = q["with_import"]["no_procedure_lost"] and q["with_import"]["screens"] <= 12 and \
        all(t["first_import_s"] <= 5 for t in timings)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
