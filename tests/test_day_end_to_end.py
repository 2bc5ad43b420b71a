"""A family's whole day across two windows on one PostgreSQL (issue 22), driven by keys as a clerk would: a corner
PC and a 保険年金課 terminal, each with its own store connection and its notices.

booking call (keys on the calendar and the times, Ctrl+Enter) → phone pre-interview (F7, opens on 2 聞き取り, answers
by keys, 「あと約N問」 going down) → 事前案内 (one page, the case unchanged) → the department sees the family among
the coming bookings with the booked time → the visit day: check-in (F2) and 対応を始める (Enter) — the department
sees 到着 then 対応中 — the interview resumes at the first unanswered question, the header says 受付中 → print (the
sheet's 案件番号 is the number the list finds; the booking becomes 完了) → the department marks 完了 by a key and
the corner sees ✓ 済 → a week later the family comes back without a booking: opening the case records the visit,
a 後日 day after the legal deadline needs Enter twice and stays red, done items say 済."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from pypdf import PdfReader  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from okuyami.store import migrate  # noqa: E402
from okuyami.store.database import Database  # noqa: E402
from okuyami.store.store import Store  # noqa: E402
from okuyami.ui.main_window import MainWindow  # noqa: E402
from screen_ids import ids_in, rulebook_ids  # noqa: E402

CALL, VISIT, BACK = dt.date(2026, 11, 24), dt.date(2026, 11, 26), dt.date(2026, 12, 3)


@pytest.fixture
def pg_url(pg_admin):
    from okuyami.store.scratch import throwaway_database

    url, drop = throwaway_database(pg_admin, f"okuyami_e2e_{os.getpid()}")
    db = Database(url)
    migrate.upgrade(db)
    db.dispose()
    yield url
    drop()


def window(qtbot, url: str, data_dir: Path, *, operator: str, terminal: str, today: dt.date,
           department: str | None = None) -> MainWindow:
    w = MainWindow(Store.open(url, operator=operator, terminal=terminal), None, data_dir, clerk=operator, today=today,
                   department=department, poll_seconds=0.5,
                   background=False)  # step by step: store calls inline
    qtbot.addWidget(w)
    w.resize(1360, 860)
    w.show()
    return w


def activate(qtbot, w: MainWindow) -> None:
    """The clerk's window is the active one (shortcuts go to the active window)."""
    w.activateWindow()
    w.raise_()
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)


def answer_by_keys(qtbot, page, stop=lambda: False, limit: int = 40) -> list[int]:
    """Answer what the interview asks, by keys (いいえ / the first choice / one person / a checklist as it is),
    until nothing is asked or ``stop()``; returns 「あと約N問」 as shown before each answer."""
    q = page.questions
    shown = []
    for _ in range(limit):
        if stop():
            break
        text = q.progress.text()
        if "あと約" not in text:
            break
        shown.append(int(text.split("あと約")[1].split("問")[0]))
        if q.checklist.isVisible():
            qtbot.keyClick(q.checklist, Qt.Key_Return)
            continue
        kind = page.book.facts[q.fact].kind
        if kind == "int":
            q.number.setValue(1)
            qtbot.keyClick(q, Qt.Key_Return)
        elif kind == "enum":
            qtbot.keyClick(q, Qt.Key_1)
        else:
            qtbot.keyClick(q, Qt.Key_2)  # いいえ
    return shown


def type_text(page, key, text: str) -> None:
    page.set_text(key, text)  # (non-ASCII key clicks abort the test process: the field is set and checked instead)


def test_a_familys_day_across_the_corner_and_a_department(qtbot, pg_url, tmp_path, monkeypatch, book):
    started = time.monotonic()
    monkeypatch.delenv("OKUYAMI_TODAY", raising=False)
    monkeypatch.setenv("OKUYAMI_NOW", "2026-11-24T09:30")
    ids = rulebook_ids(book)
    corner = window(qtbot, pg_url, tmp_path / "corner", operator="窓口 一郎", terminal="corner-1", today=CALL)
    dept = window(qtbot, pg_url, tmp_path / "hoken", operator="保険 次郎", terminal="hoken-1", today=CALL,
                  department="hoken_nenkin")
    dp = dept.department_page

    # -- the booking call: day and time by keys ----------------------------------------------------------------
    activate(qtbot, corner)
    qtbot.keyClick(corner, Qt.Key_B, Qt.ControlModifier)
    booking = corner.booking_page
    assert corner.stack.currentWidget() is booking and booking.selected_day() == VISIT  # the first bookable day
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Return)  # the day → its times
    assert booking.slots.hasFocus() and booking.chosen.text().startswith("令和8年11月26日(木) 9:00")
    qtbot.keyClick(booking.slots, Qt.Key_Down)
    qtbot.keyClick(booking.slots, Qt.Key_Return)  # 10:00 → the call's details
    assert booking.edits[("deceased", "name")].hasFocus()
    for key, text in ((("deceased", "name"), "山田 太郎"), (("deceased", "kana"), "やまだ たろう"),
                      (("deceased", "sex"), "male"), (("deceased", "death_date"), "R8.11.15"),
                      (("deceased", "birth_date"), "S16.3.2"), (("deceased", "address"), "サンプル市中央町1-2-3"),
                      (("applicant", "name"), "山田 花子"), (("applicant", "relationship"), "妻"),
                      (("applicant", "phone"), "090-1234-5678")):
        type_text(booking, key, text)
    qtbot.keyClick(booking, Qt.Key_Return, Qt.ControlModifier)
    res = booking.last
    assert res is not None, booking.message.text()
    summary = booking.result_label.text()
    assert f"予約番号 <b>{res.number}</b>" in summary and "市民課" in summary and not ids_in(summary, ids)
    case_id = res.case
    assert corner.store.get(case_id).deceased["sex"] == "male"

    # -- the phone pre-interview (F7): on 2 聞き取り, answers by keys, the count going down -------------------------
    qtbot.keyClick(booking, Qt.Key_F7)
    page = corner.case_page
    assert corner.stack.currentWidget() is page and page.tabs.currentIndex() == 1 and "☎" in page.title.text()
    shown = answer_by_keys(qtbot, page, stop=lambda: page.questions.fact == "pension_recipient")
    assert len(shown) >= 4 and all(b < a for a, b in zip(shown, shown[1:])), shown  # down after every answer
    qtbot.keyClick(page.questions, Qt.Key_1)  # 年金を受け取っていた: はい
    stopped = page.questions.fact
    row = corner.store.get(case_id)
    assert row.state == "new" and set(row.sources.values()) == {"phone"}

    # -- the 事前案内 (F8 in the window; here saved where the test says): one page, the case as it was ----------
    corner.show_booking()
    before = corner.store.get(case_id)
    letter = booking.save_letter(tmp_path / "letter.pdf")
    pages = PdfReader(str(letter)).pages
    assert len(pages) == 1 and "年金証書" in pages[0].extract_text() and not ids_in(pages[0].extract_text(), ids)
    after = corner.store.get(case_id)
    assert (after.state, after.version) == (before.state, before.version)
    assert [e.action for e in corner.store.history(case_id)].count("letter") == 1

    # -- the department: the family among the coming bookings, with the booked time --------------------------------
    dp.refresh()
    rows = dict((c, t) for c, t in dp.family_rows() if c is not None)
    assert rows[case_id][:3] == ["11/26(木) 10:00", "予約済", "山田 太郎"]
    headings = [t[0] for c, t in dp.family_rows() if c is None]
    assert headings[0].startswith("今日") and headings[1].startswith("これからの予約")

    # -- the visit day: check-in and service, seen by the department as they happen ---------------------------------
    monkeypatch.setenv("OKUYAMI_NOW", "2026-11-26T09:58")
    for w in (corner, dept):
        w.today = VISIT
    dp.go_today()
    qtbot.keyClick(corner, Qt.Key_T, Qt.ControlModifier)
    board = corner.day_board
    assert corner.stack.currentWidget() is board and board.table.item(0, 2).text() == "予約済"
    qtbot.keyClick(board, Qt.Key_F2)
    assert board.table.item(0, 2).text() == "到着（お待ち）"
    qtbot.waitUntil(lambda: dict((c, t) for c, t in dp.family_rows() if c)[case_id][1] == "到着（お待ち）",
                    timeout=4000)
    assert dict((c, t) for c, t in dp.family_rows() if c)[case_id][0] == "10:00"  # today's list: the booked time
    qtbot.keyClick(board.table, Qt.Key_Return)  # 対応を始める
    assert corner.stack.currentWidget() is page and page.tabs.currentIndex() == 1
    assert page.questions.fact == stopped and stopped not in corner.store.get(case_id).answers  # first unanswered
    assert page.status.currentText() == "受付中" and "☎" not in page.title.text()
    qtbot.waitUntil(lambda: dict((c, t) for c, t in dp.family_rows() if c)[case_id][1].startswith("対応中（窓口1"),
                    timeout=4000)
    answer_by_keys(qtbot, page)
    assert "すべて" in page.questions.question.text()
    # the procedures keep their columns whatever was asked
    assert corner.width() == 1360 and page.procedures.width() >= 600

    # -- print: the number on the sheet is the number the list finds; the booking is done -------------------------
    qtbot.keyClick(page, Qt.Key_3, Qt.ControlModifier)
    assert page.tabs.currentIndex() == 2
    assert page.printing.save_pdf(tmp_path / "packet.pdf")
    sheet = PdfReader(str(tmp_path / "packet.pdf")).pages[0].extract_text()
    assert f"案件番号\n{case_id}" in sheet or f"案件番号 {case_id}" in sheet
    assert corner.store.reservation(res.number).status == "done"
    assert page.status.currentText() in ("印刷済", "後日対応あり")
    corner.show_list()
    corner.list_page.search.setText(str(case_id))
    corner.list_page.refresh()
    assert corner.list_page.table.rowCount() == 1 and corner.list_page.table.item(0, 1).text() == "山田 太郎"
    qtbot.waitUntil(lambda: dict((c, t) for c, t in dp.family_rows() if c)[case_id][1].startswith("完了"),
                    timeout=4000)

    # -- the department marks 完了 by a key; the corner sees ✓ 済 ---------------------------------------------------
    corner.open_case(case_id)
    dp.families.setFocus()
    dp.families.selectRow(dp.case_ids.index(case_id))
    qtbot.keyClick(dp.families, Qt.Key_Return)
    code = dp.task_codes[dp.tasks.currentRow()]
    title = book.rules[code].title
    assert not dp.tasks.item(dp.tasks.currentRow(), 0).text().endswith("…")
    assert dp.tasks.item(dp.tasks.currentRow(), 0).text() == title  # the full title
    qtbot.keyClick(dp.tasks, Qt.Key_3)  # 3 完了
    qtbot.waitUntil(lambda: page.procedures.items[code].text(2).startswith("✓ 済"), timeout=4000)

    # -- a week later, back without a booking --------------------------------------------------------------------
    monkeypatch.setenv("OKUYAMI_NOW", "2026-12-03T14:00")
    corner.today = BACK
    corner.show_list()
    corner.list_page.search.setText(str(case_id))
    corner.list_page.refresh()
    corner.list_page.table.selectRow(0)
    qtbot.keyClick(corner.list_page.table, Qt.Key_Return)
    assert corner.stack.currentWidget() is page and page.status.currentText() == "受付中"
    today_visits = [v for v in corner.store.visits(case_id) if v.started_at and v.started_at.date() >= BACK]
    assert [v.kind for v in today_visits] == ["counter"]  # recorded on opening, before any answer
    # a 後日 day after the legal deadline: red, with the deadline, and only with Enter twice
    due = next(p for p in page.procedures.results.values()
               if p.deadline and p.deadline < dt.date(2027, 6, 1) and p.code != code and p.rule.spec.counter)
    combo = page.procedures.tree.itemWidget(page.procedures.items[due.code], 3)
    combo.setCurrentText("後日")
    qtbot.waitUntil(lambda: page.procedures.follow_up.isEnabled(), timeout=2000)
    field = page.procedures.follow_up
    field.setText("2027-06-01")
    qtbot.keyClick(field, Qt.Key_Return)
    assert page.procedures.follow_note.isVisible() and "期限" in page.procedures.follow_note.text()
    assert corner.store.get(case_id).tasks[due.code].follow_up is None  # not yet: it needs the clerk's yes
    qtbot.keyClick(field, Qt.Key_Return)
    assert corner.store.get(case_id).tasks[due.code].follow_up == dt.date(2027, 6, 1)
    qtbot.waitUntil(lambda: page.procedures.items[due.code].text(2).startswith("後日"), timeout=2000)
    shown = page.procedures.items[due.code].text(2)
    assert shown.startswith("後日 2027年6/1") and "⚠ 期限" in shown  # another year: its year; red, the deadline
    assert page.procedures.items[code].text(2).startswith("✓ 済")  # done stays 済, never 期限切れ
    dp.step_day(+7)
    rows = dict((c, t) for c, t in dp.family_rows() if c is not None)
    assert rows[case_id][0] == "14:00" and rows[case_id][1].startswith("来庁")
    for w in (corner, dept):
        w.close()
        w.store.close()
    assert time.monotonic() - started < 60
