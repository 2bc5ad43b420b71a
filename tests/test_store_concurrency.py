"""Two (or more) terminals at once, as separate processes on one real database (SQLite file / PostgreSQL):
nothing written by either is lost, and a compare-and-set race has exactly one winner."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from okuyami.store.store import Store

ROOT = Path(__file__).resolve().parents[1]

WRITER = textwrap.dedent("""
    import json, sys
    from okuyami.store.store import Store
    from okuyami.store.database import StaleWrite
    url, case_id, who, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    s = Store.open(url, operator=who, terminal=who)
    out = {"won": 0, "refused": 0}
    if mode == "many":  # each terminal writes its own answers and task statuses, 25 of each
        for i in range(25):
            s.set_answer(case_id, f"{who}_fact_{i}", i)
            s.set_task(case_id, f"{who}_proc_{i}", "done" if i % 2 else "prepared", note=f"{who} {i}")
    else:  # all race to give the first answer to one question from the same (empty) copy
        try:
            s.set_answer(case_id, "funeral_held", who == "t0", expected_rev=None)
            out["won"] = 1
        except StaleWrite:
            out["refused"] = 1
    s.close()
    print(json.dumps(out))
""")


def _run(url: str, case_id: int, mode: str, n: int) -> list[dict]:
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, url, str(case_id), f"t{i}", mode],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
             for i in range(n)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def test_two_processes_writing_one_case_lose_nothing(store, db_url):
    case_id = store.create_case()
    _run(db_url, case_id, "many", 2)
    row = Store.open(db_url).get(case_id)
    for who in ("t0", "t1"):
        for i in range(25):
            assert row.answers[f"{who}_fact_{i}"] == i
            task = row.tasks[f"{who}_proc_{i}"]
            assert (task.status, task.note, task.operator) == ("done" if i % 2 else "prepared", f"{who} {i}", who)
    assert row.version == 1 + 2 * 2 * 25  # every change counted once


def test_a_compare_and_set_race_has_one_winner(store, db_url):
    case_id = store.create_case()
    results = _run(db_url, case_id, "race", 4)
    assert sum(r["won"] for r in results) == 1 and sum(r["refused"] for r in results) == 3
    row = store.get(case_id)
    assert row.answer_revs["funeral_held"] == 1
