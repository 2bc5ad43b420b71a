"""A compressed day of a city's corner network (issue 20): N department and M desk terminals, each its own process
with its own Store, going through ``okuyami.store`` in the order their windows do.

    python bench/bench_city.py --departments 25 --desks 4 --families 60 [--sqlite] [--pg URL] [--json OUT]
    python bench/bench_city.py --explain [--history 100000] [--sqlite]   # the department's day etc. at 100,000 cases

Desk terminals (the corner) take families one after another: a new case, the intake typed field by field, the
interview screen by screen (the engine's ``next_screen``: one question or a checklist), the packet printed and kept,
back to the case list. Department terminals show their day (``work_list`` for today) and refresh on notices from
the other terminals as their window does; their clerk marks the tasks of the families they look after
(準備済 / 完了). Every terminal listens for notices with the store's own ``NoticeWatcher`` (LISTEN + the fallback poll
on PostgreSQL, the poll on SQLite), and its "window" applies the refresh policy of ``okuyami.store.refresh``: the
same rules the desk app's windows use. When that module is missing (the code before issue 20) the bench applies
the rules that the windows of that code had (copied below from ui/main_window.py and ui/department_page.py at
db094df), so the same script measures before and after.

It reports per operation p50/p95/p99; notice delivery (seen by the watcher, and shown: the refresh that covers it
has finished) measured from the moment the notice was rung; the notices some terminal never received (and any
received twice); peak server connections (pg_stat_activity by application_name, and per terminal process from
its own TCP sockets); refreshes per family per department terminal; the audit rows written by automatic
refreshes; and a nothing-lost check: every answer, intake field and task status that a terminal was told was
stored is in the database at the end.

``--explain`` seeds a store with ``--history`` old cases and five years of visits and tasks, then times the
department's day list, the case list (page and count) and searches, and prints their query plans
(EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import queue
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from okuyami.core.engine import Session  # noqa: E402
from okuyami.core.rulebook import load_rulebook  # noqa: E402
from okuyami.store import migrate  # noqa: E402
from okuyami.store.database import JST, Database  # noqa: E402
from okuyami.store.scratch import throwaway_database  # noqa: E402
from okuyami.store.store import Store  # noqa: E402
from okuyami.store.workflow import case_dates  # noqa: E402

try:  # the windows' refresh rules (issue 20)
    from okuyami.store import refresh as policy  # noqa: E402
except ImportError:  # the code before issue 20: its windows' rules are emulated below
    policy = None
NEW = policy is not None and hasattr(Store, "record_answers")

BOOK = load_rulebook(ROOT / "rules.yaml")
TODAY = dt.datetime.now(JST).date()
DEPARTMENT_MIX = ("shimin", "hoken_nenkin", "kaigo", "zeimu", "shougai", "kosodate", "hoken_nenkin", "shimin",
                  "kaigo", "zeimu", "kourei", "seikatsu", "juutaku", "kankyou", "suidou", "nougyou_iinkai", "nourin",
                  "shimin", "hoken_nenkin", "shougai", "kosodate", "zeimu", "kaigo", "shimin", "hoken_nenkin")
FAMILY = [("山田", "ヤマダ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
          ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ")]
GIVEN = [("太郎", "タロウ"), ("花子", "ハナコ"), ("一郎", "イチロウ"), ("和子", "カズコ"), ("茂", "シゲル"),
         ("節子", "セツコ"), ("博", "ヒロシ"), ("幸子", "サチコ")]


# -- one terminal's measurements ---------------------------------------------------------------------------------
class Meter:
    def __init__(self, name: str):
        self.name = name
        self.ops: dict[str, list[float]] = defaultdict(list)
        self.received: list[int] = []  # notice ids, as the watcher delivered them (duplicates kept)
        self.seen: list[float] = []  # s from ring to the watcher's callback
        self.shown: list[float] = []  # s from ring to the end of the refresh that shows it
        self.waiting: dict[int, tuple[object, float]] = {}  # notices this screen shows, not yet refreshed
        self.refreshes = 0
        self.stale = 0
        self.errors: list[str] = []
        self.writes: dict = {"answers": {}, "fields": {}, "tasks": []}

    def timed(self, op: str, fn, *a, **kw):
        t0 = time.perf_counter()
        try:
            return fn(*a, **kw)
        finally:
            self.ops[op].append((time.perf_counter() - t0) * 1000)

    def concern(self, notice, received: float) -> None:
        self.waiting.setdefault(notice.id, (notice, received))

    def refreshed(self, started: float, ended: float, cases=None) -> None:
        """A refresh that began at ``started`` (wall clock) shows what was received before it began."""
        for nid, (n, got) in list(self.waiting.items()):
            if got <= started and (cases is None or n.case_id in cases):
                self.shown.append(ended - n.at.timestamp())
                del self.waiting[nid]

    def left(self, case_id: int | None, kinds: tuple[str, ...] | None = None) -> None:
        """The screen showing ``case_id`` (its ``kinds`` of changes) was closed: its notices not yet refreshed no
        longer concern it."""
        for nid, (n, _) in list(self.waiting.items()):
            if n.case_id == case_id and (kinds is None or n.kind in kinds):
                del self.waiting[nid]

    def result(self) -> dict:
        return {"name": self.name, "ops": dict(self.ops), "received": self.received, "seen": self.seen,
                "shown": self.shown, "not_shown": len(self.waiting),
                "not_shown_what": [(n.kind, n.department, n.case_id, round(time.time() - got, 1))
                                   for n, got in self.waiting.values()][:5], "refreshes": self.refreshes, "stale": self.stale,
                "errors": self.errors[:20], "writes": self.writes}


class Inbox:
    """The window's event queue: the watcher's thread posts, the terminal's loop takes (as Qt's signal does)."""

    def __init__(self, meter: Meter):
        self.q: queue.Queue = queue.Queue()
        self.meter = meter

    def post(self, notices) -> None:
        now = time.time()
        for n in notices:
            self.meter.received.append(n.id)
            self.meter.seen.append(now - n.at.timestamp())
        self.q.put((now, list(notices)))

    def take(self, timeout: float):
        try:
            return self.q.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None


def others(notices, terminal: str):
    if NEW:
        return policy.from_others(notices, terminal)
    return [n for n in notices if n.terminal != terminal]


# -- a department terminal -------------------------------------------------------------------------------------------
class DepartmentTerminal:
    def __init__(self, store: Store, department: str, index: int, peers: int, meter: Meter, seed: int):
        self.store, self.department, self.meter = store, department, meter
        self.index, self.peers = index, peers  # the clerk looks after the families case_id % peers == index
        self.rnd = random.Random(seed)
        self.lines: list = []
        self.selected: int | None = None
        self.plan: list[tuple[float, int, str, str]] = []  # (when, case, procedure, status)
        self.planned: set[tuple[int, str]] = set()
        self.coalescer = policy.Coalescer() if NEW else None

    # what the window does -------------------------------------------------------------------------------------
    def listed(self) -> set[int]:
        return {t.case for t in self.lines}

    def refresh(self, only=None) -> None:
        """DepartmentPage.refresh: the day list, then the selected family's details. Before issue 20: all of it,
        audited, every time. After: all of it (audited) when the clerk asks; the lines of the families a notice
        concerns (unaudited), the details only when they changed."""
        started = time.time()
        self.meter.refreshes += 1
        covered = None
        if NEW:
            if only is None or only.full:
                self.lines = self.meter.timed("work_list", self.store.work_list, department=self.department,
                                              date=TODAY, audited=only is None)
            elif only.cases:
                fresh = self.meter.timed("work_list (families)", self.store.work_list, department=self.department,
                                         date=TODAY, audited=False, case_ids=sorted(only.cases))
                self.lines = policy.merge_lines(self.lines, fresh, only.cases)
            details = only is None or only.full or only.detail
            if only is not None and not only.full:
                covered = set(only.cases) | ({self.selected} if only.detail else set())
        else:
            self.lines = self.meter.timed("work_list", self.store.work_list, department=self.department, date=TODAY,
                                          audited=True)
            details = True
        listed = self.listed()
        if self.selected in listed:
            if details:
                self.meter.timed("get", self.store.get, self.selected)
        elif listed:  # the first family is shown in detail: a family on screen is a family viewed (audited)
            self.meter.left(self.selected, ("answer",))
            self.selected = min(listed, key=lambda c: next(i for i, t in enumerate(self.lines) if t.case == c))
            self.meter.timed("view", self.store.view, self.selected)
            covered = None if covered is None else covered | {self.selected}
        self.meter.refreshed(started, time.time(), covered)
        self._plan()

    def on_notices(self, received: float, notices) -> None:
        theirs = others(notices, self.store.actor.terminal)
        listed = self.listed()
        for n in theirs:  # what this screen shows: its department's tasks, its families, the selected one's answers
            if ((n.kind == "task" and n.department == self.department) or (n.kind in ("case", "visit") and n.case_id
                                                                           in listed)
                    or (n.kind == "answer" and n.case_id == self.selected)):
                self.meter.concern(n, received)
        if not theirs:
            return
        if NEW:
            view = policy.DepartmentView(self.department, frozenset(listed), self.selected, dated=True)
            wanted = view.refresh_for(theirs)
            if wanted:
                self.coalescer.add(wanted, theirs, time.monotonic())
        elif any((n.department == self.department or n.case_id in listed or n.kind in ("case", "visit"))
                 for n in theirs):  # ui/department_page.py on_notices at db094df
            self.refresh()

    def due(self) -> float | None:
        return self.coalescer.due_in(time.monotonic()) if NEW else None

    def run_due(self) -> None:
        if NEW and self.coalescer.due_in(time.monotonic()) == 0:
            wanted, _ = self.coalescer.take(time.monotonic())
            if wanted:
                self.refresh(only=wanted)

    # what the clerk does ---------------------------------------------------------------------------------------
    def _plan(self) -> None:
        now = time.monotonic()
        for t in self.lines:
            key = (t.case, t.procedure)
            if t.status != "open" or key in self.planned or t.case % self.peers != self.index:
                continue
            self.planned.add(key)
            if self.rnd.random() < 0.7:
                status = "done" if self.rnd.random() < 0.8 else "prepared"
                self.plan.append((now + self.rnd.uniform(0.4, 1.5), t.case, t.procedure, status))
        self.plan.sort()

    def mark_next(self) -> bool:
        if not self.plan or self.plan[0][0] > time.monotonic():
            return False
        _, case, procedure, status = self.plan.pop(0)
        line = next((t for t in self.lines if t.case == case and t.procedure == procedure), None)
        if line is None:
            return True  # no longer this department's (the answers changed)
        if self.selected != case:  # the clerk selects the family: who opened which family is audited
            self.meter.left(self.selected, ("answer",))  # (the answers shown were the other family's)
            self.selected = case
            self.meter.timed("view", self.store.view, case)
        try:
            version = self.meter.timed("set_task", self.store.set_task, case, procedure, status,
                                       expected_version=line.version)
            self.meter.writes["tasks"].append((case, procedure, version, status))
        except Exception as exc:  # noqa: BLE001 - StaleWrite: refused and reloaded, as the window does
            self.meter.stale += 1
            if type(exc).__name__ != "StaleWrite":
                self.meter.errors.append(f"set_task: {exc}")
        if NEW:  # DepartmentPage._write: that family's lines and details again
            self.refresh(only=policy.Refresh(cases=frozenset({case}), detail=True))
        else:
            self.refresh()
        return True


# -- a desk terminal (the corner) ----------------------------------------------------------------------------------
INTAKE = (("deceased", "name"), ("deceased", "kana"), ("deceased", "sex"), ("deceased", "birth_date"),
          ("deceased", "death_date"), ("deceased", "address"), ("applicant", "name"), ("applicant", "kana"),
          ("applicant", "relationship"), ("applicant", "phone"), ("funeral", "date"), ("funeral", "chief_mourner"))


class DeskTerminal:
    def __init__(self, store: Store, meter: Meter, seed: int, pace: float, inbox: Inbox):
        self.store, self.meter, self.pace, self.inbox = store, meter, pace, inbox
        self.rnd = random.Random(seed)
        self.case_id: int | None = None  # the open case (None: the case list is on screen)
        self.row = None
        self.session: Session | None = None
        self.coalescer = policy.Coalescer() if NEW else None
        self.pdf = os.urandom(200_000)  # a kept packet is stored with each print

    # the window's event loop between the clerk's actions ------------------------------------------------------------
    def think(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            due = self.coalescer.due_in(time.monotonic()) if NEW else None
            if due is not None and due <= 0:
                self.apply_due()
                continue
            if left <= 0:
                return
            item = self.inbox.take(min(left, due) if due is not None else left)
            if item is not None:
                self.on_notices(*item)

    def on_notices(self, received: float, notices) -> None:
        theirs = others(notices, self.store.actor.terminal)
        if not theirs:
            return
        for n in theirs:
            if self.case_id is not None and n.case_id == self.case_id:
                self.meter.concern(n, received)
        if NEW:
            view = policy.CaseView(self.case_id) if self.case_id is not None else policy.CaseListView()
            wanted = view.refresh_for(theirs)
            if wanted:
                self.coalescer.add(wanted, theirs, time.monotonic())
        elif self.case_id is not None:  # ui/main_window.py on_notices at db094df
            if self.case_id in {n.case_id for n in theirs}:
                self.external_change()
        else:
            self.list_refresh()

    def apply_due(self) -> None:
        wanted, _ = self.coalescer.take(time.monotonic())
        if self.case_id is not None and wanted.detail:
            self.external_change()
        elif self.case_id is None and wanted.full:
            self.list_refresh(count=wanted.count)

    def external_change(self) -> None:
        self.reload()

    def reload(self) -> None:
        """CasePage.reload_row / external_change: whatever read the open case shows every change made before it."""
        started = time.time()
        self.row = self.meter.timed("get", self.store.get, self.case_id)
        self.meter.refreshed(started, time.time(), {self.case_id})

    def list_refresh(self, count: bool = True) -> None:
        if NEW:
            if count:
                self.meter.timed("count_cases (capped)", self.store.count_cases, "", cap=1000)
            rows = self.meter.timed("list_cases", self.store.list_cases, "", limit=50)
        else:
            self.meter.timed("count_cases", self.store.count_cases, "")
            rows = self.meter.timed("list_cases", self.store.list_cases, "", limit=50)
        self.meter.timed("case_marks", self.store.case_marks, [r.id for r in rows])

    # a family at the counter -----------------------------------------------------------------------------------------
    def family(self, k: int) -> None:
        rnd = self.rnd
        (f, fk), (g, gk), (ag, agk) = rnd.choice(FAMILY), rnd.choice(GIVEN), rnd.choice(GIVEN)
        death = TODAY - dt.timedelta(days=rnd.randrange(2, 20))
        birth = death - dt.timedelta(days=rnd.randrange(55 * 365, 95 * 365))
        values = {("deceased", "name"): f"{f} {g}", ("deceased", "kana"): f"{fk} {gk}",
                  ("deceased", "sex"): rnd.choice(("male", "female")), ("deceased", "birth_date"): birth.isoformat(),
                  ("deceased", "death_date"): death.isoformat(), ("deceased", "address"): f"〇〇市中央町{k}-{rnd.randrange(1, 30)}",
                  ("applicant", "name"): f"{f} {ag}", ("applicant", "kana"): f"{fk} {agk}",
                  ("applicant", "relationship"): rnd.choice(("妻", "夫", "長男", "長女")),
                  ("applicant", "phone"): f"090-{rnd.randrange(1000, 9999)}-{rnd.randrange(1000, 9999)}",
                  ("funeral", "date"): (death + dt.timedelta(days=3)).isoformat(),
                  ("funeral", "chief_mourner"): f"{f} {ag}"}
        self.case_id = self.meter.timed("create_case", self.store.create_case, self.store.actor.operator)
        self.row = self.meter.timed("view", self.store.view, self.case_id)  # open_case → load: audited
        self.session, visit_of = None, None
        for part, field in INTAKE:  # IntakeForm.commit, then CasePage._intake_changed
            self.think(self.pace)
            value = values[(part, field)]
            old = getattr(self.row, part).get(field)
            self.meter.timed("set_person", self.store.set_person, self.case_id, part, field, value, expected=old)
            self.meter.writes["fields"][f"{self.case_id}|{part}.{field}"] = value
            self.reload()
            if field.endswith("date") or part == "funeral" or field in ("sex", "relationship", "name"):
                dates = case_dates(self.row)
                self.session = Session(BOOK, dates, self.row.answers) if dates else None
                if self.session is not None:
                    if self.meter.timed("sync_tasks", self.store.sync_tasks, self.case_id, self.session.result, BOOK):
                        self.reload()
        screens = 0
        while self.session is not None and (screen := self.session.next_screen) is not None and screens < 40:
            screens += 1
            self.think(self.pace * 2)
            answers = {fact: self.choose(fact) for fact in screen.facts}
            if NEW:  # CasePage.answer_screen: the answers, the task sync and the visit in one transaction
                started = time.time()
                recorded = self.meter.timed(
                    "record_answers", self.store.record_answers, self.case_id, answers, book=BOOK,
                    expected_revs={f: self.row.answer_revs.get(f) for f in answers},
                    visit=None if visit_of == self.case_id else "counter")
                visit_of = self.case_id
                self.row = recorded.row  # (read in the same transaction: shows what others committed before)
                self.meter.refreshed(started, time.time(), {self.case_id})
                self.session.answer_screen(answers)
            else:  # CasePage.answer at db094df, once per fact of the screen
                for fact, value in answers.items():
                    t0 = time.perf_counter()
                    if visit_of != self.case_id:
                        self.meter.timed("ensure_visit", self.store.ensure_visit, self.case_id, kind="counter")
                        visit_of = self.case_id
                    self.meter.timed("set_answer", self.store.set_answer, self.case_id, fact, value, source="counter",
                                     expected_rev=self.row.answer_revs.get(fact))
                    self.reload()
                    self.session.answer(fact, value)
                    if self.meter.timed("sync_tasks", self.store.sync_tasks, self.case_id, self.session.result, BOOK):
                        self.reload()
                    self.meter.ops["answer (whole)"].append((time.perf_counter() - t0) * 1000)
            for fact, value in answers.items():
                self.meter.writes["answers"][f"{self.case_id}|{fact}"] = value
            nxt = self.session.next_screen
            if nxt is not None and not nxt.is_checklist:  # QuestionPanel._show remembers where the interview is
                self.meter.timed("set_current_question", self.store.set_current_question, self.case_id, nxt.facts[0])
        self.think(self.pace * 3)
        entry = {"to": "printer", "target": "bench", "forms": [], "pages": 12}
        self.meter.timed("log_print", self.store.log_print, self.case_id, self.store.actor.operator, entry,
                         pdf=self.pdf, pages=12)
        self.reload()
        self.meter.left(self.case_id)  # what arrives for it from now on is not on this screen any more
        self.case_id, self.row, self.session = None, None, None  # back to the case list (show_list)
        self.list_refresh()

    def choose(self, fact: str):
        d = BOOK.facts[fact]
        r = self.rnd.random()
        if d.kind == "bool":
            return True if r < 0.3 else (False if r < 0.9 else "unknown")
        if d.kind == "enum":
            return self.rnd.choice(list(d.values)) if r < 0.92 else "unknown"
        if d.kind == "int":
            return self.rnd.randrange(0, 3)
        return "unknown"


# -- the processes -----------------------------------------------------------------------------------------------
def run_terminal(kind: str, index: int, url: str, args: dict, families: list[int], ready, go, done, stop,
                 out) -> None:
    name = f"{kind}-{index:02d}"
    meter = Meter(name)
    store = Store.open(url, operator=f"{name} 職員", terminal=name)
    inbox = Inbox(meter)
    watcher = store.watcher(inbox.post, lambda ok, msg: None)
    watcher.start()
    deadline = time.monotonic() + 60
    while watcher.connected is not True and time.monotonic() < deadline:  # it has read where the table stands
        time.sleep(0.05)
    try:
        if kind == "desk":
            term = DeskTerminal(store, meter, 1000 + index, args["pace"], inbox)
            ready.put(name)
            go.wait()
            term.list_refresh()
            for k, _ in enumerate(families):
                term.think(args["gap"] * (0.5 + term.rnd.random()))
                try:
                    term.family(k)
                except Exception as exc:  # noqa: BLE001 - counted, the day goes on
                    meter.errors.append(f"family: {type(exc).__name__}: {exc}")
                    term.case_id = None
            done.put(name)
            end = time.monotonic() + args["drain"]
            while time.monotonic() < end and not stop.is_set():
                term.think(0.2)
        else:
            dept = args["departments"][index]
            peers = [i for i, d in enumerate(args["departments"]) if d == dept]
            term = DepartmentTerminal(store, dept, peers.index(index), len(peers), meter, 2000 + index)
            ready.put(name)
            go.wait()
            term.refresh()  # the clerk opens the terminal: audited
            drain_until = None
            while drain_until is None or time.monotonic() < drain_until:
                if stop.is_set() and drain_until is None:  # the day is over: no more marks, show what came
                    term.plan.clear()
                    drain_until = time.monotonic() + 1.5
                if term.mark_next():
                    continue
                term.run_due()
                waits = [0.2]
                if term.plan:
                    waits.append(term.plan[0][0] - time.monotonic())
                due = term.due()
                if due is not None:
                    waits.append(due)
                item = inbox.take(min(waits))
                if item is not None:
                    term.on_notices(*item)
    finally:
        watcher.stop()
        store.close()
        out.put(meter.result())


# -- connections -----------------------------------------------------------------------------------------------------
def _pg_sockets() -> dict[str, int]:
    """inode → 1 for every established TCP connection to port 5432 on this machine (as a client)."""
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            remote, state, inode = parts[2], parts[3], parts[9]
            if state == "01" and remote.endswith(":1538"):
                found[inode] = 1
    return found


def process_connections(pid: int, sockets: dict[str, int]) -> int:
    n = 0
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in sockets:
                n += 1
    except OSError:
        pass
    return n


class ConnectionMonitor(threading.Thread):
    def __init__(self, url: str | None, pids: list[int]):
        super().__init__(daemon=True)
        self.url, self.pids = url, pids
        self.stop_event = threading.Event()
        self.peak_total = 0
        self.peak_by_app: Counter = Counter()
        self.peak_per_terminal = 0

    def run(self) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        u = make_url(self.url)
        dbname = u.database
        admin = u.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as conn:
            while not self.stop_event.wait(0.1):
                rows = conn.execute("SELECT application_name, count(*) FROM pg_stat_activity WHERE datname = %s "
                                    "AND pid <> pg_backend_pid() GROUP BY 1", (dbname,)).fetchall()
                self.peak_total = max(self.peak_total, sum(c for _, c in rows))
                for app, c in rows:
                    self.peak_by_app[app] = max(self.peak_by_app[app], c)
                sockets = _pg_sockets()
                for pid in self.pids:
                    self.peak_per_terminal = max(self.peak_per_terminal, process_connections(pid, sockets))


# -- the day -----------------------------------------------------------------------------------------------------------
def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]


def day(url: str, a) -> dict:
    db = Database(url)
    migrate.upgrade(db)
    db.dispose()
    departments = [DEPARTMENT_MIX[i % len(DEPARTMENT_MIX)] for i in range(a.departments)]
    args = {"pace": a.pace, "gap": a.gap, "drain": 3600, "departments": departments}
    ctx = mp.get_context("fork")
    ready, done, out = ctx.Queue(), ctx.Queue(), ctx.Queue()
    go, stop = ctx.Event(), ctx.Event()
    families = list(range(a.families))
    per_desk = [families[i::a.desks] for i in range(a.desks)]
    procs = []
    for i in range(a.departments):
        procs.append(ctx.Process(target=run_terminal, args=("dept", i, url, args, [], ready, go, done, stop, out)))
    for i in range(a.desks):
        procs.append(ctx.Process(target=run_terminal, args=("desk", i, url, args, per_desk[i], ready, go, done, stop,
                                                             out)))
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=180)
    monitor = None
    if not url.startswith("sqlite"):
        monitor = ConnectionMonitor(url, [p.pid for p in procs])
        monitor.start()
    t0 = time.monotonic()
    started_at = dt.datetime.now(dt.timezone.utc)
    go.set()
    for _ in range(a.desks):
        done.get(timeout=3600)
    desks_done = time.monotonic() - t0
    time.sleep(a.settle)  # the departments finish marking what they saw; the last notices arrive
    stop.set()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    if monitor is not None:
        monitor.stop_event.set()
        monitor.join(timeout=5)
    elapsed = time.monotonic() - t0
    return {"results": results, "elapsed": elapsed, "desks_done": desks_done, "started_at": started_at,
            "monitor": monitor, "departments": departments}


def check(url: str, run: dict, a) -> dict:
    """Delivery per terminal, and nothing lost, against what the database holds at the end."""
    db = Database(url)
    out: dict = {}
    with db.read() as conn:
        notes = conn.execute(sa.text("SELECT id, terminal, at FROM notices")).all()
        answers = {(r.case_id, r.fact): json.loads(r.value) for r in conn.execute(
            sa.text("SELECT case_id, fact, value FROM answers"))}
        tasks = {(r.case_id, r.procedure): (r.version, r.status) for r in conn.execute(
            sa.text("SELECT case_id, procedure, version, status FROM tasks"))}
        case_cols = conn.execute(sa.text("SELECT * FROM cases")).mappings().all()
        audit = Counter(r[0] for r in conn.execute(sa.text("SELECT action FROM audit_log")))
        operators_rows = conn.execute(sa.text("SELECT count(*) FROM operators")).scalar_one()
    db.dispose()
    day_notices = [(nid, term) for nid, term, at in notes]
    undelivered, duplicates, expected_total = 0, 0, 0
    for r in run["results"]:
        got = Counter(r["received"])
        duplicates += sum(c - 1 for c in got.values() if c > 1)
        expected = {nid for nid, term in day_notices if term != r["name"]}
        expected_total += len(expected)
        undelivered += len(expected - set(got))
    out["notices"] = len(day_notices)
    out["deliveries_expected"] = expected_total
    out["undelivered"] = undelivered
    out["duplicates"] = duplicates
    # nothing lost
    from okuyami.store.schema import PERSON_COLUMNS

    cols = {f"{p}.{f}": c for (p, f), c in PERSON_COLUMNS.items()}
    by_id = {r["id"]: r for r in case_cols}
    lost, writes = [], 0
    task_writes: dict = {}
    for r in run["results"]:
        for key, value in r["writes"]["answers"].items():
            writes += 1
            case, fact = key.split("|")
            if answers.get((int(case), fact)) != value:
                lost.append(("answer", key))
        for key, value in r["writes"]["fields"].items():
            writes += 1
            case, field = key.split("|")
            stored = by_id.get(int(case), {}).get(cols[field])
            stored = stored.isoformat() if isinstance(stored, dt.date) else stored
            if stored != value:
                lost.append(("field", key))
        for case, procedure, version, status in r["writes"]["tasks"]:
            writes += 1
            k = (case, procedure)
            if k not in task_writes or version > task_writes[k][0]:
                task_writes[k] = (version, status)
    for k, (version, status) in task_writes.items():
        have = tasks.get(k)
        if have is None or have[1] != status:
            lost.append(("task", k))
    out["writes"] = writes
    out["lost"] = lost
    out["audit"] = dict(audit)
    out["operators_rows"] = operators_rows
    return out


def report(run: dict, checked: dict, a, backend: str) -> dict:
    results = run["results"]
    ops: dict[str, list[float]] = defaultdict(list)
    for r in results:
        for k, v in r["ops"].items():
            ops[k].extend(v)
    seen = [x for r in results for x in r["seen"]]
    shown = [x for r in results for x in r["shown"]]
    dept = [r for r in results if r["name"].startswith("dept")]
    refreshes = sum(r["refreshes"] for r in dept)
    per_family = refreshes / max(1, a.families * max(1, len(dept)))
    mon = run["monitor"]
    summary = {
        "backend": backend, "code": "after (issue 20)" if NEW else "before (db094df)",
        "terminals": f"{a.departments}+{a.desks}", "families": a.families, "elapsed_s": round(run["elapsed"], 1),
        "desks_done_s": round(run["desks_done"], 1), "notices": checked["notices"],
        "deliveries_expected": checked["deliveries_expected"], "undelivered": checked["undelivered"],
        "duplicates": checked["duplicates"], "seen_p50": pct(seen, 50), "seen_p99": pct(seen, 99),
        "seen_max": max(seen) if seen else float("nan"), "shown_p50": pct(shown, 50), "shown_p95": pct(shown, 95),
        "shown_p99": pct(shown, 99), "shown_max": max(shown) if shown else float("nan"),
        "shown_count": len(shown), "not_shown": sum(r["not_shown"] for r in results),
        "dept_refreshes": refreshes, "refreshes_per_family_per_dept_terminal": round(per_family, 2),
        "audit_tasks_list": checked["audit"].get("tasks.list", 0), "audit_total": sum(checked["audit"].values()),
        "writes_checked": checked["writes"], "writes_lost": len(checked["lost"]),
        "stale_refusals": sum(r["stale"] for r in results),
        "errors": [e for r in results for e in r["errors"]][:10],
        "peak_connections": mon.peak_total if mon else None,
        "peak_by_application": dict(mon.peak_by_app) if mon else None,
        "peak_per_terminal": mon.peak_per_terminal if mon else None,
        "ops": {k: {"n": len(v), "p50": pct(v, 50), "p95": pct(v, 95), "p99": pct(v, 99)} for k, v in sorted(ops.items())},
    }
    print(f"\n== {summary['code']} — {backend}, {summary['terminals']} terminals, {a.families} families "
          f"({summary['elapsed_s']} s; desks done after {summary['desks_done_s']} s)")
    print(f"{'operation':28} {'n':>6} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9}")
    for k, v in summary["ops"].items():
        print(f"{k:28} {v['n']:6d} {v['p50']:9.1f} {v['p95']:9.1f} {v['p99']:9.1f}")
    print(f"notices {summary['notices']}, deliveries expected {summary['deliveries_expected']}, "
          f"never delivered {summary['undelivered']}, delivered twice {summary['duplicates']}")
    print(f"seen  p50 {summary['seen_p50']:.2f} s, p99 {summary['seen_p99']:.2f} s, max {summary['seen_max']:.2f} s")
    print(f"shown p50 {summary['shown_p50']:.2f} s, p95 {summary['shown_p95']:.2f} s, p99 {summary['shown_p99']:.2f} s, "
          f"max {summary['shown_max']:.2f} s ({summary['shown_count']} shown, {summary['not_shown']} never shown)")
    print(f"department refreshes {refreshes}: {summary['refreshes_per_family_per_dept_terminal']} per family per "
          f"department terminal; audit rows 'tasks.list' {summary['audit_tasks_list']} of {summary['audit_total']}")
    print(f"writes checked {summary['writes_checked']}, lost {summary['writes_lost']}, refused as stale "
          f"{summary['stale_refusals']}")
    if mon:
        print(f"peak server connections {summary['peak_connections']} {summary['peak_by_application']}, "
              f"per terminal process {summary['peak_per_terminal']}")
    missed = [(r["name"], w) for r in results for w in r.get("not_shown_what", [])]
    if missed:
        print("never shown (terminal, (kind, department, case, seconds ago)):", *missed[:10], sep="\n  ")
    if summary["errors"]:
        print("errors:", *summary["errors"], sep="\n  ")
    return summary


# -- EXPLAIN at 100,000 cases ------------------------------------------------------------------------------------
def seed_history(url: str, n: int) -> None:
    """``n`` old cases over five years (each with a counter visit, some booked, answers and this rulebook's tasks
    mostly done), and a few families today; bulk inserts."""
    from okuyami.store.cases import search_text
    from okuyami.store.schema import answers, cases, tasks, visits
    from okuyami.store.tasks import department_of

    db = Database(url)
    migrate.upgrade(db)
    rnd = random.Random(7)
    codes = [(r.code, department_of(BOOK, r)) for r in BOOK.rules.values()]
    now = dt.datetime.now(dt.timezone.utc)
    start = now - dt.timedelta(days=5 * 365)
    batch = 5000
    for first in range(0, n, batch):
        crow, arow, trow, vrow = [], [], [], []
        for i in range(first, min(n, first + batch)):
            cid = i + 1
            at = start + dt.timedelta(seconds=(5 * 365 * 86400) * i / n)
            (f, fk), (g, gk) = rnd.choice(FAMILY), rnd.choice(GIVEN)
            death = (at - dt.timedelta(days=rnd.randrange(2, 20))).date()
            values = {"deceased_name": f"{f} {g}", "deceased_kana": f"{fk} {gk}",
                      "deceased_birth_date": death - dt.timedelta(days=rnd.randrange(20000, 34000)),
                      "deceased_death_date": death, "applicant_name": f"{f} {rnd.choice(GIVEN)[0]}"}
            crow.append({"id": cid, "version": 20, "state": "closed", "created_at": at, "updated_at": at,
                         "closed_at": at, "created_by": "bench", **values, "search_text": search_text(values),
                         "language": "ja"})
            arow.append({"case_id": cid, "fact": "health_insurance", "value": '"kouki"', "source": "counter",
                         "operator": "bench", "updated_at": at, "rev": 1})
            for code, dept in rnd.sample(codes, 8):
                trow.append({"case_id": cid, "procedure": code, "department": dept,
                             "status": "done" if rnd.random() < 0.9 else "open", "note": "", "operator": "bench",
                             "updated_at": at, "version": 2, "applies": True})
            booked = rnd.random() < 0.3
            v = {"case_id": cid, "kind": "counter", "office": "", "scheduled_at": at if booked else None,
                 "started_at": at, "operator": "bench", "terminal": "bench"}
            vrow.append(v)
            if rnd.random() < 0.2:  # a return visit
                later = at + dt.timedelta(days=rnd.randrange(7, 60))
                vrow.append({**v, "scheduled_at": None, "started_at": later})
        with db.write() as conn:
            conn.execute(cases.insert(), crow)
            conn.execute(answers.insert(), arow)
            conn.execute(tasks.insert(), trow)
            conn.execute(visits.insert(), vrow)
    with db.write() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('cases','id'), (SELECT max(id) FROM cases))"))
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('visits','id'), (SELECT max(id) FROM visits))"))
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    db.dispose()
    # today's families, through the store as the corner records them
    store = Store.open(url, operator="bench", terminal="bench")
    for k in range(12):
        cid = store.create_case("bench", values={"deceased_name": f"本日 {k}", "deceased_birth_date": dt.date(1940, 1, 1),
                                                 "deceased_death_date": TODAY - dt.timedelta(days=3)})
        row = store.get(cid)
        session = Session(BOOK, case_dates(row), {"health_insurance": "kouki", "pension_recipient": True})
        store.set_answer(cid, "health_insurance", "kouki")
        store.sync_tasks(cid, session.result, BOOK)
    store.close()


def explain(url: str, a) -> None:
    seed_history(url, a.history)
    store = Store.open(url, operator="bench", terminal="bench")
    db = store.db
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    def plans(label: str, fn, repeat: int = 7) -> None:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1000)
        captured.clear()
        sa.event.listen(db.engine, "before_cursor_execute", capture)
        try:
            fn()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", capture)
        print(f"\n### {label}: median {statistics.median(times):.1f} ms ({repeat} runs)")
        for statement, params in captured:
            head = statement.strip().split()[0].upper()
            if head not in ("SELECT", "WITH"):
                continue
            with db.engine.connect() as conn:
                if db.dialect == "postgresql":
                    rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, params).all()
                else:
                    rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
            print("  " + " ".join(statement.split())[:160] + (" …" if len(statement) > 160 else ""))
            for r in rows:
                print("    " + " | ".join(str(x) for x in r))

    kw = {"audited": False}
    plans("department's day: work_list(hoken_nenkin, today)", lambda: store.work_list(
        department="hoken_nenkin", date=TODAY, **kw))
    plans("department's coming week: work_list(hoken_nenkin, today … +6)", lambda: store.work_list(
        department="hoken_nenkin", date=TODAY, until=TODAY + dt.timedelta(days=6), **kw))
    if NEW:
        some = [t.case for t in store.work_list(department="hoken_nenkin", date=TODAY, **kw)][:1] or [1]
        plans("department's refresh of one family: work_list(hoken_nenkin, today, case_ids=[…])", lambda: store.work_list(
            department="hoken_nenkin", date=TODAY, case_ids=some, **kw))
    plans("case list: first page of 50", lambda: store.list_cases("", limit=50))
    plans("case list: count (whole table)", lambda: store.count_cases(""))
    if NEW:
        plans("case list: count capped at 1,000", lambda: store.count_cases("", cap=1000))
    plans("search: family name 古田 (none) / 山田", lambda: (store.list_cases("古田", limit=50),
                                                        store.list_cases("山田", limit=50)))
    plans("search: full name 山田太郎", lambda: store.list_cases("山田太郎", limit=50))
    plans("cases list --date today", lambda: store.list_cases("", date=TODAY, limit=50))
    store.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--departments", type=int, default=5)
    ap.add_argument("--desks", type=int, default=2)
    ap.add_argument("--families", type=int, default=10)
    ap.add_argument("--pace", type=float, default=0.05, help="a clerk's pause between two actions (s)")
    ap.add_argument("--gap", type=float, default=0.5, help="mean pause between two families at a desk (s)")
    ap.add_argument("--settle", type=float, default=8.0, help="after the last family: time to finish (s)")
    ap.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    ap.add_argument("--pg", default=os.environ.get("OKUYAMI_TEST_PG"), help="admin URL of a PostgreSQL server")
    ap.add_argument("--explain", action="store_true", help="query plans at --history cases instead of a day")
    ap.add_argument("--history", type=int, default=100_000)
    ap.add_argument("--json", type=Path, help="append the summary as one JSON line")
    a = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    if a.sqlite:
        url, drop, backend = f"sqlite:///{Path(tmp.name) / 'city.sqlite3'}", (lambda: None), "SQLite"
    else:
        if not a.pg:
            ap.error("PostgreSQL: give --pg URL or set OKUYAMI_TEST_PG (or use --sqlite)")
        url, drop = throwaway_database(a.pg, "okuyami_bench")
        backend = "PostgreSQL"
    try:
        if a.explain:
            print(f"# {('after' if NEW else 'before')} — {backend}, {a.history} cases of history")
            explain(url, a)
            return 0
        run = day(url, a)
        checked = check(url, run, a)
        summary = report(run, checked, a, backend)
        if a.json:
            with a.json.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(summary, ensure_ascii=False, default=str) + "\n")
        return 0
    finally:
        drop()
        tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
