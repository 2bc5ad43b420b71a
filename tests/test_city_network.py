"""The corner network at a city's scale (issue 20), on a real SQLite file and a real PostgreSQL: every notice reaches
every watcher exactly once whatever order the writers commit in, the refresh rules of okuyami.store.refresh, an
automatic refresh writes no audit entry, one answer screen is one transaction, the connection budget, the indexed
day list, notices purged, and the migration 0004 → 0005."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time

import pytest
import sqlalchemy as sa
from alembic import command

from okuyami.store import migrate, notices, refresh
from okuyami.store.database import Actor, Database, StaleWrite
from okuyami.store.notices import Cursor, Notice, ring
from okuyami.store.refresh import (CaseListView, CaseView, Coalescer, DepartmentView, FollowUpView, Refresh,
                                   merge_lines)
from okuyami.store.store import Store

DEATH = dt.date(2026, 11, 15)


def _note(nid, kind, case=None, department=None, terminal="other"):
    return Notice(nid, dt.datetime.now(dt.timezone.utc), case, department, kind, terminal)


def _case(store: Store) -> int:
    return store.create_case(values={"deceased_name": "山田 太郎", "deceased_birth_date": dt.date(1941, 3, 2),
                                     "deceased_death_date": DEATH})


# -- notices: exactly once, in any commit order ------------------------------------------------------------------
def test_a_notice_committed_late_is_still_delivered_exactly_once(pg_admin):
    """A rings and keeps its transaction open; B rings after it (a higher id) and commits; the reader reads B's;
    then A commits: the reader must still get A's notice, once — on the watcher's own connection, as a terminal."""
    from okuyami.store.scratch import throwaway_database

    url, drop = throwaway_database(pg_admin, "okuyami_t_order")
    db = Database(url)
    try:
        migrate.upgrade(db)
        got: list[Notice] = []
        watcher = notices.NoticeWatcher(db, got.extend, poll_seconds=0.5)
        watcher.start()
        deadline = time.monotonic() + 10
        while watcher.connected is not True and time.monotonic() < deadline:
            time.sleep(0.05)
        engine = sa.create_engine(db.engine.url)
        with engine.connect() as a, engine.connect() as b:
            ta = a.begin()
            ring(a, "task", 1, "shimin", "terminal-a")
            a_id = a.execute(sa.text("SELECT max(id) FROM notices")).scalar_one()
            with b.begin():
                ring(b, "task", 2, "shimin", "terminal-b")
            b_id = b.execute(sa.text("SELECT max(id) FROM notices")).scalar_one()
            assert a_id < b_id  # out of id order: A's id is lower, its commit comes later
            deadline = time.monotonic() + 5
            while [n.id for n in got] != [b_id] and time.monotonic() < deadline:
                time.sleep(0.02)
            assert [n.id for n in got] == [b_id]
            # a reader that kept "the highest id seen" would now skip A's notice for good
            reader = Cursor()
            with db.read() as conn:
                reader.start(conn)
            ta.commit()
            deadline = time.monotonic() + 5
            while len(got) < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(1.2)  # two more polls: nothing is delivered twice
        engine.dispose()
        watcher.stop()
        assert sorted(n.id for n in got) == [a_id, b_id]
        assert [n.terminal for n in got] == ["terminal-b", "terminal-a"]
        with db.read() as conn:  # a cursor started while A was open gets A's notice once, too
            assert [n.id for n in reader.read(conn)] == [a_id]
            assert reader.read(conn) == []
    finally:
        db.dispose()
        drop()


def test_sqlite_writers_take_turns_so_ids_are_commit_order(tmp_path):
    """On SQLite a second writer cannot even begin while the first holds its transaction (BEGIN IMMEDIATE):
    ids are handed out in commit order and "the highest id read" is a correct cursor there."""
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    db = Database(url)
    migrate.upgrade(db)
    with db.engine.connect() as a:
        a = a.execution_options(okuyami_write=True)
        ta = a.begin()
        ring(a, "task", 1, "shimin", "a")
        other = sa.create_engine(url, connect_args={"timeout": 0.2})
        from okuyami.store.database import _sqlite_begin, _sqlite_connect

        sa.event.listen(other, "connect", _sqlite_connect)
        sa.event.listen(other, "begin", _sqlite_begin)
        with other.connect() as b:
            b.exec_driver_sql("PRAGMA busy_timeout=200")
            b.commit()
            b.execution_options(okuyami_write=True)
            with pytest.raises(sa.exc.OperationalError, match="locked"):
                with b.begin():
                    ring(b, "task", 2, "shimin", "b")
            b.execution_options(okuyami_write=False)
            reader = Cursor()
            with b.begin():
                reader.start(b)  # A's notice is not committed: not visible, not yet read
            ta.commit()
            with b.begin():
                assert [n.kind for n in reader.read(b)] == ["task"]
                assert reader.read(b) == []
        other.dispose()
    db.dispose()


def test_many_writers_every_notice_once_on_both_backends(store):
    """Six threads (each its own store and connection) write while a watcher polls fast: every notice arrives once."""
    got: list[Notice] = []
    lock = threading.Lock()

    def collect(ns):
        with lock:
            got.extend(ns)

    watcher = store.watcher(collect, poll_seconds=0.05)
    watcher.start()
    deadline = time.monotonic() + 10
    while watcher.connected is not True and time.monotonic() < deadline:
        time.sleep(0.02)
    errors: list[Exception] = []

    def writer(k: int) -> None:
        s = Store.open(store.db.url, operator=f"w{k}", terminal=f"t{k}")
        rnd = random.Random(k)
        try:
            for i in range(12):
                with s.db.write() as conn:
                    ring(conn, "task", k * 100 + i, "shimin", f"t{k}")
                    time.sleep(rnd.uniform(0, 0.02))  # commits interleave out of id order
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            s.close()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    deadline = time.monotonic() + 5
    while len(got) < 72 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    watcher.stop()
    assert not errors
    with store.db.read() as conn:
        ids = sorted(r[0] for r in conn.execute(sa.text("SELECT id FROM notices WHERE kind = 'task'")))
    assert len(ids) == 72
    assert sorted(n.id for n in got if n.kind == "task") == ids  # each exactly once


def test_one_transaction_rings_each_change_once(store):
    case_id = _case(store)
    with store.db.read() as conn:
        before = notices.latest_id(conn)
    with store.db.write() as conn:
        for _ in range(3):
            ring(conn, "answer", case_id, terminal="corner-1")
        ring(conn, "task", case_id, "shimin", "corner-1")
        ring(conn, "task", case_id, "hoken_nenkin", "corner-1")
    with store.db.write() as conn:  # a new transaction rings again
        ring(conn, "answer", case_id, terminal="corner-1")
    with store.db.read() as conn:
        rows = conn.execute(sa.text("SELECT kind, department FROM notices WHERE id > :i ORDER BY id"),
                            {"i": before}).all()
    assert [tuple(r) for r in rows] == [("answer", None), ("task", "shimin"), ("task", "hoken_nenkin"),
                                        ("answer", None)]


def test_a_visit_rings_for_each_department_with_work_for_the_family(store, book):
    case_id = store.create_case(values={"deceased_birth_date": dt.date(1941, 3, 2), "deceased_death_date": DEATH},
                                visit=False)
    store.record_answers(case_id, {"health_insurance": "kouki", "seal_registered": True}, book=book)
    with store.db.read() as conn:
        before = notices.latest_id(conn)
    store.start_visit(case_id)  # the family comes back
    with store.db.read() as conn:
        rung = {(n.kind, n.department) for n in notices.since(conn, before)}
    with_work = {t.department for t in store.get(case_id).tasks.values() if t.applies}
    assert {"hoken_nenkin", "shimin"} <= with_work
    assert {d for k, d in rung if k == "visit"} == with_work | {None}


def test_old_notices_are_purged_but_the_newest_stays(store):
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=30)
    with store.db.write() as conn:
        for i in range(4):
            conn.execute(notices.notices.insert().values(at=old, case_id=i, kind="case", terminal="x"))
    with store.db.read() as conn:
        newest = notices.latest_id(conn)
    assert store.purge_notices(7) == 3  # the newest stays, or SQLite would hand out its id again
    with store.db.read() as conn:
        assert notices.latest_id(conn) == newest
        assert conn.execute(sa.text("SELECT count(*) FROM notices")).scalar_one() == 1
    case_id = _case(store)  # a new notice gets a higher id than anything read before
    with store.db.read() as conn:
        assert conn.execute(sa.text("SELECT min(id) FROM notices WHERE case_id = :c"), {"c": case_id}).scalar() > newest


# -- the refresh rules -----------------------------------------------------------------------------------------------
def test_department_view_refreshes_only_what_it_shows():
    view = DepartmentView("hoken_nenkin", listed=frozenset({7, 8}), selected=7, dated=True)
    assert view.refresh_for([_note(1, "task", 9, "hoken_nenkin")]) == Refresh(cases=frozenset({9}))
    assert view.refresh_for([_note(1, "task", 7, "hoken_nenkin")]) == Refresh(cases=frozenset({7}), detail=True)
    assert not view.refresh_for([_note(1, "task", 8, "shimin")])  # another department's work
    assert not view.refresh_for([_note(1, "print", 8), _note(2, "slots")])
    assert not view.refresh_for([_note(1, "answer", 8)])  # answers are shown for the selected family only
    assert view.refresh_for([_note(1, "answer", 7)]) == Refresh(detail=True)
    # a family with work for this department comes (or is booked): it may belong to the day now
    assert view.refresh_for([_note(1, "visit", 12, "hoken_nenkin")]) == Refresh(cases=frozenset({12}))
    assert not view.refresh_for([_note(1, "visit", 12), _note(2, "visit", 12, "shimin")])  # no work for it here
    assert view.refresh_for([_note(1, "visit", 8)]) == Refresh(cases=frozenset({8}))  # a listed family's visit
    assert not DepartmentView("hoken_nenkin", frozenset({7}), 7, dated=False).refresh_for(
        [_note(1, "visit", 12, "hoken_nenkin")])  # the unfinished work does not depend on visits
    assert not view.refresh_for([_note(1, "case", 12)])  # a family not on screen
    assert view.refresh_for([_note(1, "case", 8)]) == Refresh(cases=frozenset({8}))  # renamed, merged, removed
    burst = [_note(1, "answer", 7), _note(2, "task", 7, "hoken_nenkin"), _note(3, "task", 9, "hoken_nenkin"),
             _note(4, "task", 7, "shimin"), _note(5, "visit", 9), _note(6, "visit", 9, "hoken_nenkin")]
    assert view.refresh_for(burst) == Refresh(cases=frozenset({7, 9}), detail=True)


def test_case_page_list_and_follow_ups_views():
    assert CaseView(5).refresh_for([_note(1, "task", 5, "shimin")]) == Refresh(detail=True)
    assert not CaseView(5).refresh_for([_note(1, "task", 6, "shimin"), _note(2, "slots")])
    assert not CaseView(None).refresh_for([_note(1, "case", 5)])
    assert CaseListView().refresh_for([_note(1, "answer", 5)]) == Refresh(full=True)
    assert CaseListView().refresh_for([_note(1, "case", 5)]) == Refresh(full=True, count=True)
    assert not CaseListView().refresh_for([_note(1, "slots")])
    assert FollowUpView().refresh_for([_note(1, "task", 5, "shimin")]).full
    assert not FollowUpView().refresh_for([_note(1, "print", 5)])
    assert refresh.DAY_BOARD.refresh_for([_note(1, "slots")]).full
    assert [n.id for n in refresh.from_others([_note(1, "case", 1, terminal="me"), _note(2, "case", 1)], "me")] == [2]


def test_a_burst_becomes_one_refresh_and_a_stream_one_per_burst():
    c = Coalescer(burst=0.3)
    assert c.add(Refresh(cases=frozenset({1})), [], now=10.0) == pytest.approx(0.05)  # first of a quiet spell
    assert c.add(Refresh(cases=frozenset({2})), [], now=10.02) is None  # the same burst: no second timer
    assert c.add(Refresh(), [], now=10.03) is None
    assert c.due_in(10.04) > 0 and c.due_in(10.05) == 0
    wanted, _ = c.take(now=10.05)
    assert wanted == Refresh(cases=frozenset({1, 2}))
    assert c.due_in(10.06) is None
    delay = c.add(Refresh(detail=True), [], now=10.10)  # right after: waits for the burst to end
    assert delay == pytest.approx(0.25)
    c.add(Refresh(full=True), [], now=10.2)
    wanted, _ = c.take(now=10.35)
    assert wanted == Refresh(full=True, detail=True)  # a full refresh swallows the families
    refreshes, t = 0, 20.0
    for i in range(100):  # a notice every 10 ms for a second: at most one refresh per 0.3 s
        c.add(Refresh(cases=frozenset({i})), [], now=t)
        if c.due_in(t) == 0:
            c.take(now=t)
            refreshes += 1
        t += 0.01
    assert refreshes <= 4


def test_merge_lines_keeps_the_work_list_order():
    from okuyami.store.tasks import TaskLine

    at = dt.datetime(2026, 11, 25, 1, tzinfo=dt.timezone.utc)

    def line(case, proc, status="open", visit=at):
        return TaskLine(case, proc, "shimin", status, "", "x", None, visit, at, 1)

    old = [line(1, "a"), line(2, "a"), line(2, "b"), line(3, "a", visit=None)]
    fresh = [line(2, "b", "done"), line(4, "a", visit=at - dt.timedelta(hours=1))]
    merged = merge_lines(old, fresh, {2, 4})
    assert [(t.case, t.procedure, t.status) for t in merged] == [(4, "a", "open"), (1, "a", "open"),
                                                                 (2, "b", "done"), (3, "a", "open")]


# -- the store side of a refresh -----------------------------------------------------------------------------------
def _answered_case(store: Store, book) -> int:
    case_id = _case(store)
    store.record_answers(case_id, {"health_insurance": "kouki", "seal_registered": True}, book=book, visit="counter")
    return case_id


def test_an_automatic_refresh_writes_no_audit_entry(store, book):
    case_id = _answered_case(store, book)
    dept = store.with_operator("保険 次郎")
    with store.db.read() as conn:
        audit_before = conn.execute(sa.text("SELECT count(*) FROM audit_log")).scalar_one()
    today = dt.datetime.now(dt.timezone.utc).astimezone(dt.timezone(dt.timedelta(hours=9))).date()
    lines = dept.work_list(department="hoken_nenkin", date=today, audited=False)
    assert {t.case for t in lines} == {case_id}
    assert dept.work_list(department="hoken_nenkin", date=today, audited=False, case_ids=[case_id]) == lines
    assert dept.work_list(department="hoken_nenkin", date=today, audited=False, case_ids=[case_id + 1]) == []
    dept.get(case_id)
    dept.follow_ups(audited=False)
    with store.db.read() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM audit_log")).scalar_one() == audit_before
        assert "保険 次郎" not in [r[0] for r in conn.execute(sa.text("SELECT name FROM operators"))]
    dept.work_list(department="hoken_nenkin", date=today)  # the clerk asked for the list: audited
    dept.view(case_id)  # … and opened a family: audited
    actions = [e.action for e in store.audit_entries() if e.operator == "保険 次郎"]
    assert actions == ["tasks.list", "case.view"]


def test_department_window_refreshes_without_audit_and_once_per_burst(qtbot, store, db_url, book, tmp_path):
    pytest.importorskip("PySide6")
    from okuyami.store.database import JST
    from okuyami.ui.main_window import MainWindow

    today = dt.datetime.now(JST).date()
    case_id = _answered_case(store, book)
    dept_store = Store.open(db_url, operator="保険 次郎", terminal="hoken-1")
    w = MainWindow(dept_store, None, tmp_path, clerk="保険 次郎", today=today, department="hoken_nenkin",
                   poll_seconds=0.2)
    qtbot.addWidget(w)
    page = w.department_page
    qtbot.waitUntil(lambda: [c for c in page.case_ids if c is not None] == [case_id], timeout=5000)  # (read off
    qtbot.wait(300)                                                                    # the GUI thread)
    calls: list = []
    real = dept_store.work_list

    def counted(**kw):
        calls.append(kw)
        return real(**kw)

    dept_store.work_list = counted
    seen_before = {e.id for e in store.audit_entries()}
    other = _case(store)  # a new family comes, and is answered screen by screen
    for values in ({"health_insurance": "kokuho"}, {"seal_registered": True}, {"pension_recipient": True}):
        store.record_answers(other, values, book=book, visit="counter")
    qtbot.waitUntil(lambda: other in page.case_ids, timeout=3000)
    time.sleep(0.5)
    qtbot.wait(400)
    assert all(kw.get("audited") is False for kw in calls)
    assert all(kw.get("case_ids") for kw in calls)  # only the families the notices concern
    assert len(calls) <= 4
    entries = [e for e in store.audit_entries() if e.operator == "保険 次郎" and e.id not in seen_before]
    assert not [e for e in entries if e.action in ("tasks.list", "case.view")]  # nobody asked to see anything
    w.close()
    dept_store.close()


def test_a_merge_brings_the_kept_family_onto_the_department_lists(store, book):
    keep, other = _case(store), _answered_case(store, book)  # the department lists "other" (its tasks)
    with store.db.read() as conn:
        before = notices.latest_id(conn)
    store.merge_cases(keep, other, book)
    with store.db.read() as conn:
        rung = notices.since(conn, before)
    assert ("task", "hoken_nenkin", keep) in [(n.kind, n.department, n.case_id) for n in rung]
    wanted = DepartmentView("hoken_nenkin", frozenset({other}), other).refresh_for(
        refresh.from_others(rung, "hoken-1"))
    assert wanted.cases == {keep, other} and wanted.detail  # the merged-away family leaves, the kept one comes


def test_one_answer_screen_is_one_transaction(store, book):
    case_id = store.create_case(values={"deceased_birth_date": dt.date(1941, 3, 2), "deceased_death_date": DEATH},
                                visit=False)  # booked by phone: the family has not come yet
    with store.db.read() as conn:
        before = notices.latest_id(conn)
    recorded = store.record_answers(case_id, {"health_insurance": "kouki", "seal_registered": True}, book=book,
                                    expected_revs={"health_insurance": None, "seal_registered": None},
                                    visit="counter")
    row = recorded.row
    assert row.answers == {"health_insurance": "kouki", "seal_registered": True}
    assert "kouki_soshitsu" in row.tasks and "inkan_haishi" in row.tasks and recorded.tasks_changed
    assert [v.kind for v in store.visits(case_id)] == ["counter"]
    assert row.version == store.get(case_id).version
    with store.db.read() as conn:
        kinds = [r[0] for r in conn.execute(sa.text("SELECT kind FROM notices WHERE id > :i"), {"i": before})]
    assert kinds.count("answer") == 1 and kinds.count("visit") == 1  # one doorbell per kind and case
    # another terminal answered meanwhile: the whole screen is refused, nothing of it recorded
    store.with_operator("電話 花子").set_answer(case_id, "seal_registered", False, source="phone")
    with pytest.raises(StaleWrite):
        store.record_answers(case_id, {"pension_recipient": True, "seal_registered": True}, book=book,
                             expected_revs={"pension_recipient": None, "seal_registered": row.answer_revs[
                                 "seal_registered"]})
    now = store.get(case_id)
    assert now.answers["seal_registered"] is False and "pension_recipient" not in now.answers
    # a later answer of the same visit does not start another visit
    store.record_answers(case_id, {"pension_recipient": True}, book=book)
    assert len(store.visits(case_id)) == 1


def test_the_day_list_and_the_case_list_at_a_glance(store, book):
    from okuyami.store.cases import day_bounds
    from okuyami.store.schema import cases, visits

    case_id = _answered_case(store, book)
    old = _case(store)
    long_ago = dt.datetime(2022, 5, 10, 1, tzinfo=dt.timezone.utc)
    with store.db.write() as conn:  # a family of 2022: created, booked and visited then
        conn.execute(cases.update().where(cases.c.id == old).values(created_at=long_ago - dt.timedelta(days=9)))
        conn.execute(visits.update().where(visits.c.case_id == old).values(started_at=long_ago, scheduled_at=long_ago))
    store.record_answers(old, {"health_insurance": "kouki"}, book=book)
    today = dt.datetime.now(dt.timezone.utc).astimezone(dt.timezone(dt.timedelta(hours=9))).date()
    assert {t.case for t in store.work_list(department="hoken_nenkin", date=today, audited=False)} == {case_id}
    assert {t.case for t in store.work_list(department="hoken_nenkin", date=dt.date(2022, 5, 10),
                                            audited=False)} == {old}
    # a booked time wins over the day the family came
    with store.db.write() as conn:
        conn.execute(visits.update().where(visits.c.case_id == old).values(
            scheduled_at=day_bounds(dt.date(2022, 6, 1))[0] + dt.timedelta(hours=10)))
    assert not store.work_list(department="hoken_nenkin", date=dt.date(2022, 5, 10), audited=False)
    assert {t.case for t in store.work_list(department="hoken_nenkin", date=dt.date(2022, 6, 1), audited=False)} == {old}
    assert old in [c.id for c in store.list_cases(date=dt.date(2022, 5, 10))]  # (cases list --date: started then)
    for _ in range(3):
        _case(store)
    assert store.count_cases() == 5
    assert store.count_cases(cap=3) == 4  # "more than 3": counting stopped there
    assert store.count_cases(cap=10) == 5


# -- the connection budget ---------------------------------------------------------------------------------------
def test_a_terminal_holds_at_most_two_connections_and_closes_the_idle_one(pg_admin):
    from okuyami.store.scratch import throwaway_database

    url, drop = throwaway_database(pg_admin, "okuyami_t_budget")
    try:
        db = Database(url)
        migrate.upgrade(db)
        db.dispose()
        s = Store.open(url, operator="窓口", terminal="corner-1")
        watcher = s.watcher(lambda ns: None, poll_seconds=0.2)
        watcher.start()
        name = sa.engine.make_url(url).database

        def count() -> dict:
            import psycopg

            admin = sa.engine.make_url(pg_admin).set(drivername="postgresql").render_as_string(hide_password=False)
            with psycopg.connect(admin, autocommit=True) as c:
                return dict(c.execute("SELECT application_name, count(*) FROM pg_stat_activity WHERE datname = %s "
                                      "GROUP BY 1", (name,)).fetchall())

        peak: list[int] = []
        errors: list[Exception] = []

        def work(k: int) -> None:  # three threads of one terminal (the window, an import, a print log)
            try:
                for _ in range(15):
                    case_id = s.create_case()
                    s.set_person(case_id, "deceased", "name", f"並行 {k}")
                    s.list_cases()
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            peak.append(sum(count().values()))
            time.sleep(0.05)
        assert not errors
        assert max(peak) <= 2, peak
        assert count() == {"okuyami": 1, "okuyami-listen": 1}
        s.db.idle_seconds = 0.5  # nothing to do for a while: the working connection goes
        deadline = time.monotonic() + 10
        while count().get("okuyami") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert count() == {"okuyami-listen": 1}
        assert s.count_cases() == 45  # and comes back when needed
        watcher.stop()
        s.close()
    finally:
        drop()


# -- the migration ------------------------------------------------------------------------------------------------
def test_upgrade_from_0004_keeps_notices_and_adds_the_indexes(db_url):
    db = Database(db_url)
    cfg = migrate._config()
    with db.write() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
    at = dt.datetime.now(dt.timezone.utc)
    with db.write() as conn:
        conn.execute(notices.notices.insert().values(at=at, case_id=999, kind="case", terminal="old"))
    assert migrate.check(db) == "old"
    before, after = migrate.upgrade(db)
    assert (before, after) == ("0004", migrate.head())
    with db.read() as conn:
        insp = sa.inspect(conn)
        assert "xact" in {c["name"] for c in insp.get_columns("notices")}
        assert {"ix_notices_xact", "ix_notices_at"} <= {i["name"] for i in insp.get_indexes("notices")}
        assert {"ix_visits_scheduled_at", "ix_visits_started_at"} <= {i["name"] for i in insp.get_indexes("visits")}
        assert "ix_cases_created_at" in {i["name"] for i in insp.get_indexes("cases")}
        assert conn.execute(sa.text("SELECT xact FROM notices")).scalar_one() is None
        reader = Cursor()
        reader.start(conn)
    s = Store(db, Actor("窓口", "corner-1"))
    case_id = _case(s)  # new notices carry their transaction (PostgreSQL) and are read after the old one
    with db.read() as conn:
        got = reader.read(conn)
        assert {n.case_id for n in got} == {case_id}
        xacts = [r[0] for r in conn.execute(sa.text("SELECT xact FROM notices WHERE case_id = :c"), {"c": case_id})]
    assert all((x is None) == db.is_sqlite for x in xacts)
    db.dispose()
