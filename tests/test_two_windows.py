"""Two windows on one PC (one data folder, one terminal name — or two PCs cloned from one image) are two
terminals: each sees the other's changes live. Windows recognise their own notices by their own identity, not
by the PC's name. On a real SQLite file and a real PostgreSQL, with the worker thread as in the app."""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("PySide6")
from okuyami.store.database import JST  # noqa: E402
from okuyami.store.store import Store  # noqa: E402
from okuyami.ui.main_window import MainWindow  # noqa: E402


def open_window(qtbot, url: str, data_dir, operator: str, today) -> MainWindow:
    w = MainWindow(Store.open(url, operator=operator, terminal="corner-1"), None, data_dir, clerk=operator,
                   today=today, poll_seconds=0.5)
    qtbot.addWidget(w)
    w.show()
    return w


def test_two_windows_on_one_pc_see_each_others_changes(qtbot, store, db_url, tmp_path):
    today = dt.datetime.now(JST).date()
    pc = tmp_path / "pc"  # the same data folder and the same terminal name: one PC
    a = open_window(qtbot, db_url, pc, "窓口 一郎", today)
    b = open_window(qtbot, db_url, pc, "窓口 二郎", today)
    try:
        assert a.identity != b.identity  # two terminals …
        assert a.identity.split("/")[0] == b.identity.split("/")[0]  # … of one installation
        assert a.store.actor.terminal == b.store.actor.terminal == "corner-1"
        qtbot.waitUntil(lambda: a.worker.idle() and b.worker.idle(), timeout=5000)
        a.new_case()
        qtbot.waitUntil(lambda: a.case_page.case_id is not None and a.case_page.loading is None, timeout=5000)
        case_id = a.case_page.case_id
        qtbot.waitUntil(lambda: case_id in b.list_page.ids, timeout=8000)  # B's case list shows A's new case
        b.open_case(case_id)
        qtbot.waitUntil(lambda: b.case_page.case_id == case_id and b.case_page.loading is None, timeout=5000)
        a.case_page.intake.set_text(("applicant", "name"), "山田 花子")
        name_in_b = b.case_page.intake.edits[("applicant", "name")]
        qtbot.waitUntil(lambda: name_in_b.text() == "山田 花子", timeout=8000)  # nothing pressed in B
        assert b.case_page.row.applicant["name"] == "山田 花子"
        b.case_page.intake.set_text(("deceased", "birth_date"), "S16.3.2")
        b.case_page.intake.set_text(("deceased", "death_date"), (today - dt.timedelta(days=3)).isoformat())
        b.case_page.answer("funeral_held", True)
        qtbot.waitUntil(lambda: a.case_page.row.answers.get("funeral_held") is True, timeout=8000)
        qtbot.waitUntil(lambda: not len(a.outbox) and not len(b.outbox), timeout=5000)
        stored = store.get(case_id)
        assert stored.applicant["name"] == "山田 花子" and stored.answers["funeral_held"] is True
    finally:
        for w in (a, b):
            w.close()
            w.store.close()


def test_a_change_made_elsewhere_meanwhile_is_not_overwritten_and_is_said_in_words(qtbot, store, db_url, tmp_path):
    """The window did not hear of another terminal's change (no notices here): what it sends from its stale copy is
    refused, shown with both values, and the clerk decides."""
    w = MainWindow(Store.open(db_url, operator="窓口 一郎", terminal="corner-1"), None, tmp_path, clerk="窓口 一郎",
                   today=dt.date(2026, 11, 22), watch=False, background=False)
    qtbot.addWidget(w)
    w.show()
    try:
        w.new_case()
        page = w.case_page
        case_id = page.case_id
        key = ("applicant", "name")
        page.intake.set_text(key, "山田 花子")
        store.set_person(case_id, "applicant", "name", "山田 はな")  # another terminal, meanwhile
        page.intake.set_text(key, "山田 華子")
        mark = page.intake.marks[key]
        assert mark.isVisible() and "送っていません" in mark.text()
        assert "山田 はな" in mark.text() and "山田 華子" in mark.text()  # both values, in words
        assert page.intake.edits[key].text() == "山田 はな"  # the field shows what is stored
        assert store.get(case_id).applicant["name"] == "山田 はな"  # nothing overwritten
        page.intake.set_text(key, "山田 華子")  # the clerk's was right: typed again, now sent
        assert store.get(case_id).applicant["name"] == "山田 華子" and not mark.isVisible()
        page.intake.set_text(("deceased", "birth_date"), "S16.3.2")
        page.intake.set_text(("deceased", "death_date"), "R8.11.15")
        store.set_answer(case_id, "funeral_held", False)  # another terminal, meanwhile
        page.answer("funeral_held", True)  # from the stale copy
        assert "葬儀" in w.notice.text() and "送っていません" in w.notice.text() and w.notice.isVisible()
        assert store.get(case_id).answers["funeral_held"] is False
        assert page.row.answers["funeral_held"] is False  # the screen shows what is stored
        assert not w.outbox.pending()
    finally:
        w.close()
        w.store.close()
