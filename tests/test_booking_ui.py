"""The booking screen and the day at the corner (pytest-qt, offscreen, both backends): a clerk books a family by
phone, answers some questions (source 電話), makes the 事前案内; the department terminal shows the family on that
day; on the day the corner checks them in and the interview resumes where the call stopped."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from pypdf import PdfReader  # noqa: E402

from okuyami.store.store import Store  # noqa: E402
from okuyami.ui.main_window import MainWindow  # noqa: E402

TODAY = dt.date(2026, 11, 24)  # Tuesday; the corner books from 2 open days ahead: Thursday 11/26
VISIT = dt.date(2026, 11, 26)


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setenv("OKUYAMI_TODAY", TODAY.isoformat())
    return TODAY


def window(qtbot, url: str, data_dir: Path, *, operator: str, terminal: str, today: dt.date,
           department: str | None = None) -> MainWindow:
    store = Store.open(url, operator=operator, terminal=terminal)
    w = MainWindow(store, None, data_dir, clerk=operator, today=today, department=department, watch=False,
                   background=False)  # step by step: store calls inline
    qtbot.addWidget(w)
    w.show()
    return w


def book_family(w: MainWindow, day: dt.date = VISIT, hhmm: str = "10:00"):
    page = w.booking_page
    w.show_booking()
    page.select_day(day)
    page.select_slot(hhmm)
    for key, text in ((("deceased", "name"), "山田 太郎"), (("deceased", "kana"), "やまだ たろう"),
                      (("deceased", "death_date"), "R8.11.15"), (("deceased", "birth_date"), "S16.3.2"),
                      (("deceased", "address"), "サンプル市中央町1-2-3"), (("applicant", "name"), "山田 花子"),
                      (("applicant", "relationship"), "妻"), (("applicant", "phone"), "０９０-1234-5678")):
        page.set_text(key, text)
    page.registered.setChecked(True)
    return page.book_now()


def test_book_by_phone_interview_letter_departments_and_the_day(qtbot, counter_url, terminal_url, tmp_path, today,
                                                                monkeypatch):
    corner = window(qtbot, counter_url, tmp_path / "corner", operator="予約 係", terminal="desk-1", today=today)
    corner.show_booking()
    page = corner.booking_page
    assert corner.stack.currentWidget() is page
    assert page.selected_day() == VISIT  # opens on the first day that can be booked
    marks = page.calendar.marks
    assert marks[dt.date(2026, 11, 28)][0] == "休" and marks[dt.date(2026, 11, 25)][0] == "—"  # closed / notice
    assert marks[VISIT][0] == "空き18"
    assert [page.slots.item(i).text()[:5] for i in range(page.slots.count())] == [
        "9:00〜", "10:00", "11:00", "13:00", "14:00", "15:00"]

    res = book_family(corner)
    assert res is not None, page.message.text()
    assert page.result.isVisible() and f"予約番号 <b>{res.number}</b>" in page.result_label.text()
    assert "準備を依頼した課" in page.result_label.text()  # the birth date let the engine decide at once
    row = corner.store.get(res.case)
    assert row.deceased["kana"] == "ヤマダ タロウ" and row.applicant["phone"] == "090-1234-5678"
    assert row.sources["death_registered"] == "phone" and row.state == "new"
    text = page.letter_text.toPlainText()
    assert "令和8年11月26日(木) 10:00〜11:00" in text and "本人確認書類" in text and str(res.number) in text
    assert page.calendar.marks[VISIT][0] == "空き17"

    # the interview goes on by phone: answers are recorded as given by phone
    page.continue_by_phone()
    case = corner.case_page
    assert corner.stack.currentWidget() is case and case.answer_source == "phone"
    assert "電話で聞き取り中" in case.title.text()
    for fact, value in (("health_insurance", "kouki"), ("pension_recipient", True), ("was_household_head", True)):
        case.answer(fact, value)
    stopped_at = case.questions.fact
    row = corner.store.get(res.case)
    assert {row.sources[f] for f in ("health_insurance", "pension_recipient", "was_household_head")} == {"phone"}
    assert row.current_question == stopped_at

    # the 事前案内 follows the answers: 年金証書 (pension) is now to be brought; one page, fonts embedded
    corner.show_booking()
    assert "年金証書" in page.letter_text.toPlainText()
    pdf = page.save_letter(tmp_path / "letter.pdf")
    reader = PdfReader(str(pdf))
    assert len(reader.pages) == 1
    letter = reader.pages[0].extract_text()
    for needle in ("ご来庁のご案内", "山田 花子 様", "令和8年11月26日(木) 10:00〜11:00", "1階 市民ホール奥", "年金証書",
                   "必ずお持ちください"):
        assert needle in letter, needle

    # the department terminal shows the family on that day, with the booked time
    dept = window(qtbot, terminal_url("department", "hoken_nenkin"), tmp_path / "hoken", operator="保険 次郎", terminal="hoken-1", today=VISIT,
                  department="hoken_nenkin")
    dp = dept.department_page
    rows = dp.family_rows()
    assert rows[0][0] is None and rows[0][1][0].startswith("今日 令和8年11月26日(木)")  # today's arrivals first
    assert rows[1][0] == res.case and rows[1][1][:3] == ["10:00", "予約済", "山田 太郎"]  # the booked time
    assert "nenkin_shibou_todoke" in dp.task_codes or "kouki_soshitsu" in dp.task_codes

    # on the day: the corner checks them in, and the interview resumes where the call stopped
    monkeypatch.setenv("OKUYAMI_TODAY", VISIT.isoformat())
    corner.today = VISIT
    corner.show_day_board(VISIT)
    board = corner.day_board
    assert corner.stack.currentWidget() is board
    assert board.table.rowCount() == 1 and board.table.item(0, 2).text() == "予約済"
    assert board.table.item(0, 5).text() == "090-1234-5678"
    board.set_status("arrived")
    assert board.table.item(0, 2).text() == "到着（お待ち）" and board.table.item(0, 6).text() == "0分"
    board.serve()
    assert corner.stack.currentWidget() is case and case.answer_source == "counter"
    assert "電話で聞き取り中" not in case.title.text()
    assert case.tabs.currentWidget() is case.questions and case.questions.fact == stopped_at
    case.answer(stopped_at, True if corner.book.facts[stopped_at].kind == "bool" else 1)
    row = corner.store.get(res.case)
    assert row.sources[stopped_at] == "counter" and row.sources["health_insurance"] == "phone"
    assert corner.store.reservation(res.number).status == "in_service"
    corner.show_day_board(VISIT)
    board.set_status("done")
    assert board.table.item(0, 2).text() == "完了"
    for w in (corner, dept):
        w.close()
        w.store.close()


def test_refusals_overrides_walk_in_and_rescheduling(qtbot, counter_url, tmp_path, today):
    corner = window(qtbot, counter_url, tmp_path / "corner", operator="予約 係", terminal="desk-1", today=today)
    page = corner.booking_page
    corner.show_booking()
    # nothing chosen / missing fields: said in Japanese, nothing booked
    page.slots.setCurrentRow(-1)
    assert page.book_now() is None and "日と時間を選んで" in page.message.text()
    page.select_day(VISIT)
    page.select_slot("10:00")
    assert page.book_now() is None and "亡くなった方の氏名を入力してください" in page.message.text()
    # the staff close the 10:00 slot: the list says so and a booking is refused
    page.override_slot(closed=True)
    page.select_slot("10:00")
    assert "閉（職員）" in page.slots.currentItem().text()
    assert book_family(corner) is None and "職員により閉じられて" in page.message.text()
    page.select_slot("10:00")
    page.override_slot(closed=False)
    # the branch office has one desk: the second booking of a slot is refused as full
    page.office.setCurrentIndex(page.office.findData("kita_shisho"))
    first = book_family(corner, dt.date(2026, 11, 27), "10:00")
    assert first is not None and first.office == "kita_shisho"
    page.clear_form()
    assert book_family(corner, dt.date(2026, 11, 27), "10:00") is None and "満員" in page.message.text()
    # a day in the past (closed notice): the list explains it
    page.select_day(dt.date(2026, 11, 25))
    assert all("受付できません" in page.slots.item(i).text() for i in range(page.slots.count()))
    page.select_slot("10:00")
    assert "締切" in page.message.text()
    # add a desk for a day
    page.office.setCurrentIndex(page.office.findData("honcho"))
    page.select_day(VISIT)
    page.override_day(+1)
    assert "空き 4 / 4" in page.slots.item(0).text() and "窓口 +1" in page.day_title.text()
    assert [e.action for e in corner.store.audit_entries()].count("slot.override") == 3

    # the day: a walk-in, and a booking moved to another day
    corner.show_day_board(dt.date(2026, 11, 27))
    board = corner.day_board
    board.select_number(first.number)
    moved = board.move(dt.date(2026, 11, 30), "13:00").result  # (a task: the store call ran on the worker)
    assert moved is not None and moved.start_jst.date() == dt.date(2026, 11, 30)
    corner.show_day_board(dt.date(2026, 11, 30))
    assert board.table.rowCount() == 1 and "（変更）" in board.table.item(0, 0).text()
    walk = board.add_walk_in("鈴木 ハル", "鈴木 一").result
    assert walk is not None and walk.walk_in and board.current_day() == TODAY
    assert "（予約なし）" in board.table.item(board.table.currentRow(), 0).text()
    assert board.table.item(board.table.currentRow(), 2).text() == "到着（お待ち）"
    assert "予約なし 1組" in board.summary.text()
    corner.close()
    corner.store.close()
