"""Return visits (issue 12.4/12.5) on both backends: the sheet shows the case as it is now, each visit's packet is
kept byte for byte under a dated name, the list of 後日 items, deleting an empty case and merging two cases of the
same person (both audited)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from okuyami.core.case import load_case
from okuyami.core.engine import evaluate
from okuyami.core.progress import Progress
from okuyami.documents.packet import make_packet
from okuyami.store import migrate
from okuyami.store.database import Database, StoreError
from okuyami.store.merge import NotEmpty

ROOT = Path(__file__).resolve().parent.parent


def new_case(store, name="山田 太郎", death="2026-11-15", birth="1941-03-02") -> int:
    case_id = store.create_case()
    store.set_person(case_id, "deceased", "name", name)
    store.set_person(case_id, "deceased", "birth_date", birth)
    store.set_person(case_id, "deceased", "death_date", death)
    return case_id


def test_migration_from_the_first_schema_adds_follow_up_and_packets(db_url):
    db = Database(db_url)
    from alembic import command

    from okuyami.store.migrate import _config

    cfg = _config()
    with db.write() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    assert migrate.check(db) == "old"
    before, after = migrate.upgrade(db)
    assert before == "0001" and after == migrate.head()
    with db.read() as conn:
        insp = sa.inspect(conn)
        assert "follow_up" in {c["name"] for c in insp.get_columns("tasks")}
        assert "packets" in insp.get_table_names()
    db.dispose()


def test_follow_up_dates_and_the_list_of_later_items(store):
    a, b = new_case(store), new_case(store, "佐藤 花子")
    store.set_task(a, "inkan_haishi", "deferred", note="印鑑を持って来庁", department="shimin",
                   follow_up=dt.date(2026, 12, 4))
    store.set_task(b, "mynumber_henno", "後日", department="shimin", follow_up=dt.date(2026, 12, 1))
    store.set_task(b, "gentsuki", "deferred", department="zeimu")  # no date yet: listed last
    lines = store.follow_ups()
    assert [(f.case, f.procedure, f.follow_up) for f in lines] == [
        (b, "mynumber_henno", dt.date(2026, 12, 1)), (a, "inkan_haishi", dt.date(2026, 12, 4)), (b, "gentsuki", None)]
    assert lines[1].note == "印鑑を持って来庁" and lines[1].deceased == "山田 太郎"
    assert [f.case for f in store.follow_ups(until=dt.date(2026, 12, 2))] == [b]
    row = store.get(a)
    assert row.tasks["inkan_haishi"].follow_up == dt.date(2026, 12, 4) and row.state == "follow_up"
    store.set_task(a, "inkan_haishi", "done")  # done: no longer waited for, the date is cleared
    assert store.get(a).tasks["inkan_haishi"].follow_up is None
    assert [f.case for f in store.follow_ups()] == [b, b]
    progress = store.get(a).progress
    assert progress["inkan_haishi"].status == "done" and progress["inkan_haishi"].on is not None


def test_each_print_keeps_its_packet_dated_and_never_overwritten(store):
    case_id = new_case(store)
    first, second = b"%PDF-1.4 first visit", b"%PDF-1.4 second visit"
    p1 = store.log_print(case_id, None, {"to": "printer", "forms": ["a"]}, pdf=first, pages=3)
    p2 = store.log_print(case_id, None, {"to": "pdf", "forms": []}, pdf=second, pages=1)
    kept = store.packets(case_id)
    assert [k.print_id for k in kept] == [p1, p2]
    assert len({k.file_name for k in kept}) == 2  # the same minute: still two names
    assert all(k.file_name.startswith(dt.date.today().isoformat()[:4]) and k.file_name.endswith(".pdf") for k in kept)
    assert "案件" in kept[0].file_name and kept[0].visit_id is not None  # the visit that created the case
    info, pdf = store.packet_pdf(kept[0].id)
    assert pdf == first and info.sha256 == hashlib.sha256(first).hexdigest() and info.pages == 3
    assert store.packet_pdf(kept[1].id)[1] == second
    actions = [e.action for e in store.history(case_id)]
    assert actions.count("packet.keep") == 2 and "packet.read" in actions



def test_printing_for_a_case_not_visited_today_records_the_visit(store):
    case_id = store.create_case(visit=False, state="new")  # booked or imported: nobody came yet (未来庁)
    assert store.visits(case_id) == []
    store.log_print(case_id, None, {"to": "printer", "forms": []}, pdf=b"%PDF", pages=1)
    store.ensure_visit(case_id)  # the same day: the same visit
    visits = store.visits(case_id)
    assert len(visits) == 1 and store.print_log(case_id)[0].visit_id == visits[0].id == store.packets(case_id)[0].visit_id
    imported = store.create_case(visit=False, state="new")
    store.ensure_visit(imported)  # the family came and the first answer was given at the counter
    assert store.get(imported).state == "in_progress"  # no longer 未来庁
    store.ensure_visit(store.create_case(visit=False, state="new"), kind="phone")
    assert [c.state for c in store.list_cases()].count("new") == 1  # a phone call is not a visit to the corner


def test_an_empty_case_can_be_deleted_and_one_with_content_cannot(store):
    empty = store.create_case()
    store.set_person(empty, "deceased", "name", "間違い 入力")  # a name typed by mistake: still empty
    store.delete_empty_case(empty)
    assert store.count_cases() == 0
    assert "case.delete" in [e.action for e in store.audit_entries(case_id=empty)]
    full = new_case(store)
    store.set_answer(full, "seal_registered", True)
    with pytest.raises(NotEmpty, match="聞き取りの回答があります"):
        store.delete_empty_case(full)
    assert store.get(full).answers == {"seal_registered": True}


def test_merging_two_cases_of_the_same_person(store):
    keep = new_case(store)
    other = store.create_case()
    store.set_person(other, "deceased", "name", "山田 太郎")
    store.set_person(other, "deceased", "death_date", "2026-11-15")
    store.set_person(other, "deceased", "address", "サンプル市中央町1-2-3")
    store.set_person(keep, "applicant", "phone", "090-1111-2222")
    store.set_person(other, "applicant", "phone", "090-9999-0000")
    store.set_answer(keep, "seal_registered", True)
    store.set_answer(other, "seal_registered", False)  # differs: the kept case's answer stays, listed
    store.set_answer(other, "was_household_head", True, source="phone")  # only the other knew: carried over
    store.set_task(keep, "inkan_haishi", "open", department="shimin")
    store.set_task(other, "inkan_haishi", "done", department="shimin")  # further along: taken
    store.log_print(other, None, {"to": "pdf", "forms": []}, pdf=b"%PDF other", pages=1)
    store.set_gaiji_choice(keep, "\ue000", "吉")  # a 外字 choice on both: the kept case's stays
    store.set_gaiji_choice(other, "\ue000", "")
    store.set_gaiji_choice(other, "\ue001", "髙")  # only on the other: carried over

    plan = store.merge_plan(keep, other)
    assert any("来庁者の電話番号" in c for c in plan.conflicts) and any("seal_registered" in c for c in plan.conflicts)
    assert store.count_cases() == 2  # a plan changes nothing

    result = store.merge_cases(keep, other)
    assert result.conflicts == plan.conflicts
    row = store.get(keep)
    assert row.deceased["address"] == "サンプル市中央町1-2-3" and row.applicant["phone"] == "090-1111-2222"
    assert row.answers == {"seal_registered": True, "was_household_head": True}
    assert row.sources["was_household_head"] == "phone"
    assert row.tasks["inkan_haishi"].status == "done"
    assert len(store.packets(keep)) == 1 and len(store.visits(keep)) == 2
    assert store.gaiji_choices(keep) == {"\ue000": "吉", "\ue001": "髙"}
    assert store.count_cases() == 1
    with pytest.raises(StoreError):
        store.get(other)
    assert "case.merge" in [e.action for e in store.audit_entries(case_id=keep)]
    assert "case.merged_into" in [e.action for e in store.audit_entries(case_id=other)]


def test_merging_refuses_different_people(store):
    a, b = new_case(store), new_case(store, death="2026-11-16")
    with pytest.raises(StoreError, match="死亡日が異なります"):
        store.merge_cases(a, b)
    with pytest.raises(StoreError, match="同じ案件"):
        store.merge_cases(a, a)
    assert store.count_cases() == 2


def test_the_return_visit_sheet_shows_the_case_as_it_is_now(book, tmp_path):
    today = dt.date(2026, 11, 27)
    case = load_case(ROOT / "examples" / "case_heavy.yaml", facts=book.facts, today=today)
    result = evaluate(book, case)
    by_code = {p.code: p for p in result.procedures}
    assert {"setainushi_henko", "mynumber_henno", "inkan_haishi", "gentsuki"} <= set(by_code)
    progress = {"setainushi_henko": Progress("done", "", dt.date(2026, 11, 20)),
                "mynumber_henno": Progress("deferred", "カードを探して来庁", dt.date(2026, 11, 20), dt.date(2026, 12, 4)),
                "gentsuki": Progress("not_applicable", "すでに廃車済み", dt.date(2026, 11, 20))}
    first = make_packet(book, case, tmp_path / "first", today=today)
    again = make_packet(book, case, tmp_path / "again", today=today, progress=progress)
    text = "\n".join(p.extract_text() for p in PdfReader(again.out_dir / "guidance.pdf").pages).replace("　", " ")
    assert "済んだ手続き：1件" in text
    assert "済（令和8年11月20日(金)）" in text
    assert "後日：令和8年12月4日(金)ごろ" in text and "カードを探して来庁" in text
    assert "後日にすること（窓口でお約束したもの）" in text
    assert "窓口で確認し、不要となった手続き" in text and "すでに廃車済み" in text
    first_forms = {f for f, _ in first.forms}
    again_forms = {f for f, _ in again.forms}
    assert {"setainushi_henko", "gentsuki_haisha"} <= first_forms  # done / not needed: their forms are not printed
    assert first_forms - again_forms == {"setainushi_henko", "gentsuki_haisha"}
    summary = text.split("まとめ")[1].split("後日にすること")[0]
    assert "世帯主変更届" not in summary  # done: not among what is left to do


def test_a_merge_plan_speaks_the_clerks_words_with_the_rulebook(store, book):
    a, b = new_case(store), new_case(store)
    store.set_answer(a, "seal_registered", True)
    store.set_answer(b, "seal_registered", False)
    store.set_answer(b, "was_household_head", True)
    store.set_task(b, "inkan_haishi", "done", department="shimin")
    plan = store.merge_plan(a, b, book)
    text = "\n".join(plan.carried + plan.conflicts)
    assert "「はい」のまま（もう一方は「いいえ」）" in text and "印鑑登録証の返却" in text
    assert not any(code in text for code in ("seal_registered", "was_household_head", "inkan_haishi"))
