"""The shared case store on both backends (a real SQLite file and a real PostgreSQL database): schema and
migrations, answers and tasks one row each, compare-and-set refusals, the audit log, search, purge, notices."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import sqlalchemy as sa

from okuyami.store import migrate
from okuyami.store.cases import CaseNotFound
from okuyami.store.database import JST, Database, SchemaMissing, SchemaTooNew, StaleWrite, StoreError, to_jst
from okuyami.store.store import Store


def new_case(store: Store, name="山田 太郎", kana="ヤマダ タロウ", death="2026-11-15") -> int:
    case_id = store.create_case()
    store.set_person(case_id, "deceased", "name", name)
    store.set_person(case_id, "deceased", "kana", kana)
    store.set_person(case_id, "deceased", "birth_date", "1941-03-02")
    store.set_person(case_id, "deceased", "death_date", death)
    return case_id


def test_upgrade_twice_changes_nothing(db_url):
    db = Database(db_url)
    before, after = migrate.upgrade(db)
    assert before is None and after == migrate.head()
    assert migrate.upgrade(db) == (after, after)
    assert migrate.check(db) == "ok"
    db.dispose()


def test_a_newer_schema_is_refused_in_japanese_and_left_alone(db_url):
    db = Database(db_url)
    migrate.upgrade(db)
    with db.write() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(SchemaTooNew, match="新しい版のokuyami"):
        Store.open(db_url)
    with pytest.raises(SchemaTooNew):
        migrate.upgrade(db)
    with db.read() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "9999_future"
    db.dispose()


def test_a_shared_server_is_only_migrated_by_db_upgrade(db_url):
    if db_url.startswith("sqlite"):
        pytest.skip("a SQLite file of one PC migrates itself")
    with pytest.raises(SchemaMissing, match="okuyami db upgrade"):
        Store.open(db_url)


def test_answers_are_rows_with_source_operator_time(store):
    case_id = new_case(store)
    store.set_answer(case_id, "was_household_head", True)
    store.with_operator("電話 花子").set_answer(case_id, "health_insurance", "kouki", source="phone")
    store.set_answer(case_id, "pension_recipient", "unknown")
    row = store.get(case_id)
    assert row.answers == {"was_household_head": True, "health_insurance": "kouki", "pension_recipient": "unknown"}
    assert row.sources == {"was_household_head": "counter", "health_insurance": "phone", "pension_recipient": "counter"}
    with store.db.read() as conn:
        ops = dict(conn.execute(sa.text("SELECT fact, operator FROM answers")).all())
        at = conn.execute(sa.text("SELECT updated_at FROM answers WHERE fact = 'was_household_head'")).scalar_one()
    assert ops["health_insurance"] == "電話 花子" and ops["was_household_head"] == "窓口 一郎"
    assert row.updated_at.tzinfo is not None and to_jst(row.updated_at).utcoffset() == dt.timedelta(hours=9)
    assert at is not None
    store.clear_answer(case_id, "pension_recipient")
    assert "pension_recipient" not in store.get(case_id).answers


def test_a_write_from_a_stale_copy_is_refused_never_applied(store):
    case_id = new_case(store)
    seen = store.get(case_id)  # terminal A reads
    other = store.with_operator("別 端末")
    other.set_answer(case_id, "funeral_held", True)  # terminal B answers first
    with pytest.raises(StaleWrite, match="他の端末"):
        store.set_answer(case_id, "funeral_held", False, expected_rev=seen.answer_revs.get("funeral_held"))
    with pytest.raises(StaleWrite, match="版"):
        store.set_answer(case_id, "car", True, if_version=seen.version)
    row = store.get(case_id)
    assert row.answers == {"funeral_held": True}  # nothing of A's stale writes
    # A different fact from the same (stale) copy is not a conflict: both terminals' work is kept
    store.set_answer(case_id, "car", True, expected_rev=seen.answer_revs.get("car"))
    store.set_answer(case_id, "funeral_held", False, expected_rev=row.answer_revs["funeral_held"])  # fresh copy: ok
    assert store.get(case_id).answers == {"funeral_held": False, "car": True}
    with pytest.raises(StaleWrite):
        store.set_person(case_id, "deceased", "name", "山田 次郎", expected="山田 一郎")
    assert store.get(case_id).deceased["name"] == "山田 太郎"


def test_tasks_versioned_and_synced_with_the_engine(store, book):
    from okuyami.store.casefile import evaluate_row

    case_id = new_case(store)
    for fact, value in {"health_insurance": "kouki", "seal_registered": True, "funeral_held": True}.items():
        store.set_answer(case_id, fact, value)
    assert store.sync_tasks(case_id, evaluate_row(book, store.get(case_id)), book)
    row = store.get(case_id)
    assert row.tasks["kouki_soshitsu"].department == "hoken_nenkin" and row.tasks["kouki_soshitsu"].status == "open"
    assert row.tasks["inkan_haishi"].department == "shimin"
    v = store.set_task(case_id, "kouki_soshitsu", "prepared", expected_version=1)
    assert v == 2
    with pytest.raises(StaleWrite):
        store.set_task(case_id, "kouki_soshitsu", "done", expected_version=1)
    store.set_task(case_id, "kouki_soshitsu", "done", note="保険証返却済", expected_version=2)
    # the answers change: an untouched task goes, a worked-on one stays (marked as no longer applying)
    store.set_answer(case_id, "seal_registered", False)
    store.set_answer(case_id, "health_insurance", "kokuho")
    store.sync_tasks(case_id, evaluate_row(book, store.get(case_id)), book)
    row = store.get(case_id)
    assert "inkan_haishi" not in row.tasks
    assert row.tasks["kouki_soshitsu"].status == "done" and not row.tasks["kouki_soshitsu"].applies
    assert row.tasks["kokuho_soshitsu"].status == "open"
    assert [t.procedure for t in store.work_list(department="hoken_nenkin")] == ["kokuho_sosaihi", "kokuho_soshitsu"]
    store.set_task(case_id, "kokuho_sosaihi", "deferred", note="領収書を後日持参")
    assert store.get(case_id).state == "follow_up"


def test_every_change_and_every_view_is_audited_and_the_log_is_append_only(store):
    case_id = new_case(store)
    store.set_answer(case_id, "car", True)
    store.view(case_id)
    store.log_print(case_id, None, {"to": "pdf", "forms": ["kokuho_soshitsu"]})
    actions = [(e.action, e.operator, e.terminal) for e in store.history(case_id)]
    # PostgreSQL: the terminal is the login the server knows (a terminal's own LOGIN role), not what the app says
    terminal = "corner-1" if store.db.is_sqlite else store.db.engine.url.username
    assert ("case.create", "窓口 一郎", terminal) in actions
    assert [a for a, _, _ in actions].count("case.update") == 4
    assert ("answer.set", "窓口 一郎", terminal) in actions and ("case.view", "窓口 一郎", terminal) in actions
    assert ("print", "窓口 一郎", terminal) in actions
    assert all(e.at.tzinfo is not None for e in store.history(case_id))
    assert "山田" not in str([e.detail for e in store.history(case_id)])  # no personal values in the log
    for sql in ("UPDATE audit_log SET operator = 'x'", "DELETE FROM audit_log"):
        # SQLite: the triggers; PostgreSQL: a terminal's login may not even try (and the owner meets the trigger)
        with pytest.raises(sa.exc.DBAPIError, match="append-only|permission denied"):
            with store.db.engine.begin() as conn:
                conn.execute(sa.text(sql))
    assert len(store.history(case_id)) == len(actions)


def test_search_by_name_kana_number_and_dates_paged(store):
    ids = [new_case(store, f"試験 {i:03d}", f"シケン {i:03d}") for i in range(7)]
    yamada = new_case(store, "山田 太郎", "ヤマダ タロウ", death="2026-11-01")
    assert [r.id for r in store.list_cases("やまだ")] == [yamada]
    assert [r.id for r in store.list_cases("ﾔﾏﾀﾞ")] == [yamada]
    assert [r.id for r in store.list_cases("山田太郎")] == [yamada]  # typed without the space
    assert [r.id for r in store.list_cases(str(ids[2]))] == [ids[2]]
    for text in ("R8.11.1", "令和8年11月1日", "2026-11-01", "20261101"):
        assert [r.id for r in store.list_cases(text)] == [yamada], text
    assert store.count_cases("シケン") == 7
    page1 = store.list_cases("シケン", limit=3)
    page3 = store.list_cases("シケン", limit=3, offset=6)
    assert len(page1) == 3 and len(page3) == 1 and page1[0].id == ids[-1]  # most recent first
    assert store.list_cases("存在しない名前") == []


def test_open_tasks_counted_in_the_list(store, book):
    from okuyami.store.casefile import evaluate_row

    case_id = new_case(store)
    store.set_answer(case_id, "health_insurance", "kouki")
    store.sync_tasks(case_id, evaluate_row(book, store.get(case_id)), book)
    n = len(store.get(case_id).tasks)
    assert store.list_cases()[0].open_tasks == n > 0
    store.set_task(case_id, "kouki_soshitsu", "done")
    assert store.list_cases()[0].open_tasks == n - 1


def test_purge_removes_old_closed_cases_and_leaves_an_audit_entry(store):
    old, recent, open_case = new_case(store), new_case(store), new_case(store)
    store.set_case_status(old, "closed")
    store.set_case_status(recent, "完了")
    with store.db.write() as conn:
        conn.execute(sa.text("UPDATE cases SET closed_at = :t WHERE id = :i"),
                     {"t": dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc).replace(
                         tzinfo=None if store.db.is_sqlite else dt.timezone.utc), "i": old})
    assert store.purge(365 * 5) == [old]
    with pytest.raises(CaseNotFound):
        store.get(old)
    assert store.get(recent).state == "closed" and store.get(open_case).state == "in_progress"
    assert [e.action for e in store.history(old)][-1] == "case.purge"


def test_an_unreachable_server_is_a_japanese_message(tmp_path):
    with pytest.raises(StoreError, match="接続できません"):
        Store.open("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreError, match="使えません"):
        Store.open("mysql://x@y/z")


def test_notices_reach_another_terminal_within_two_seconds(store):
    got, states = [], []
    watcher = store.watcher(lambda ns: got.extend(ns), lambda ok, msg: states.append(ok), poll_seconds=1.0)
    watcher.start()
    try:
        deadline = time.monotonic() + 5
        while watcher.last_id is None and time.monotonic() < deadline:
            time.sleep(0.05)
        case_id = new_case(store.with_operator("市民課"))
        t0 = time.monotonic()
        while not got and time.monotonic() - t0 < 2.0:
            time.sleep(0.02)
        assert got and got[0].case_id == case_id, "no notice within 2 s"
        assert states[0] is True
    finally:
        watcher.stop()


def test_times_are_shown_in_japan_time():
    utc = dt.datetime(2026, 11, 23, 15, 30, tzinfo=dt.timezone.utc)
    assert to_jst(utc) == dt.datetime(2026, 11, 24, 0, 30, tzinfo=JST)
