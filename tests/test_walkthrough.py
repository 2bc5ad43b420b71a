"""A full case at the counter, as a new clerk would do it (pytest-qt, offscreen): Japanese everywhere, forgiving
input (short dates, full-width digits, stray keys), urgent deadlines first, printing in the background."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

pytest.importorskip("PySide6")
from PySide6.QtCore import QEvent, Qt  # noqa: E402
from PySide6.QtGui import QInputMethodEvent, QKeyEvent, QPalette  # noqa: E402
from PySide6.QtPrintSupport import QPrinter  # noqa: E402
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox  # noqa: E402

from okuyami.store.store import Store  # noqa: E402
from okuyami.ui.app import install_japanese  # noqa: E402
from okuyami.ui.case_page import INTAKE  # noqa: E402
from okuyami.ui.main_window import MainWindow  # noqa: E402

TODAY = dt.date(2026, 11, 25)  # ten days after the death: the 14-day deadlines are within a week


def open_window(qtbot, data_dir: Path) -> MainWindow:
    w = MainWindow(Store.open(data_dir / "okuyami.sqlite3", operator="窓口 一郎"), None, data_dir, clerk="窓口 一郎", today=TODAY,
                   background=False)  # step by step: store calls inline (the worker thread: test_network_drop)
    qtbot.addWidget(w)
    w.show()
    return w


def type_ime(widget, text: str) -> None:
    """What the Japanese input method sends (qtbot.keyClicks aborts on non-ASCII text)."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def tree_rows(page) -> list[tuple[str, str, str]]:
    """(group heading, procedure code, deadline text) in the order shown."""
    out = []
    tree = page.procedures.tree
    for i in range(tree.topLevelItemCount()):
        head = tree.topLevelItem(i)
        for j in range(head.childCount()):
            item = head.child(j)
            out.append((head.text(0), item.data(0, Qt.UserRole), item.text(2)))
    return out


def test_qt_own_buttons_read_japanese(qapp):
    from okuyami.ui.app import make_app

    app = make_app()  # as the desk app starts
    assert app is qapp and install_japanese(app)  # qtbase_ja from PySide6's own translations
    box = QMessageBox(QMessageBox.Question, "確認", "印刷しますか？", QMessageBox.Yes | QMessageBox.No | QMessageBox.Cancel)
    assert box.button(QMessageBox.Yes).text().startswith("はい")
    assert box.button(QMessageBox.No).text().startswith("いいえ")
    assert box.button(QMessageBox.Cancel).text() == "キャンセル"


def test_placeholders_cannot_be_mistaken_for_data(qtbot, tmp_path):
    for part, field, label, hint in INTAKE:
        assert not hint or hint.startswith("例：") or (hint.startswith("（") and hint.endswith("）")), (field, hint)
    from okuyami.ui.app import make_app

    app = make_app()
    grey = app.palette().color(QPalette.PlaceholderText)
    text = app.palette().color(QPalette.Text)
    assert grey.lightness() - text.lightness() > 80  # clearly lighter than typed text


def test_a_whole_case_with_short_dates_full_width_digits_and_background_printing(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path)
    w.act_new.trigger()
    page = w.case_page
    intake = page.intake
    for key, text in {("deceased", "name"): "山田　太郎", ("deceased", "kana"): "やまだ たろう",
                      ("deceased", "sex"): "male", ("deceased", "birth_date"): "Ｓ３０．４．１",
                      ("deceased", "address"): "サンプル市中央町１－２－３", ("applicant", "name"): "山田 花子",
                      ("applicant", "relationship"): "妻", ("applicant", "phone"): "０９０－１２３４－５６７８",
                      ("funeral", "chief_mourner"): "山田 花子"}.items():
        intake.set_text(key, text)
    # short dates: this year, or last year if that would be after today; full-width digits too
    intake.set_text(("deceased", "death_date"), "１１/１５")
    assert page.row.deceased["death_date"] == "2026-11-15"
    intake.set_text(("deceased", "death_date"), "12/24")  # would be in the future: last year's
    assert page.row.deceased["death_date"] == "2025-12-24"
    intake.set_text(("deceased", "death_date"), "11月15日")
    assert page.row.deceased["death_date"] == "2026-11-15"
    assert "令和8年11月15日" in intake.notes[("deceased", "death_date")].text()
    intake.set_text(("funeral", "date"), "11/28")  # the funeral may still be ahead: this year
    assert page.row.funeral["date"] == "2026-11-28"
    intake.set_text(("applicant", "birth_date"), "3/2")  # a birth date needs its year
    assert "年も入力" in intake.error_of(("applicant", "birth_date"))
    assert page.row.applicant.get("phone") == "090-1234-5678"

    # the interview: stray keys never answer; full-width digits do
    page.tabs.setCurrentIndex(1)
    q = page.questions
    assert q.fact == "was_household_head"  # 死亡届 is not asked: the funeral date says it was accepted
    for key in (Qt.Key_Space, Qt.Key_Return, Qt.Key_A, Qt.Key_5, Qt.Key_0):
        qtbot.keyClick(q, key)
    repeat = QKeyEvent(QEvent.KeyPress, Qt.Key_1, Qt.NoModifier, "1", True)  # a held-down key
    QApplication.sendEvent(q, repeat)
    qtbot.keyClick(q, Qt.Key_1, Qt.ControlModifier)
    assert q.fact == "was_household_head" and "was_household_head" not in page.row.answers
    assert all(b.focusPolicy() == Qt.NoFocus for b in q.buttons_box.findChildren(type(q.back)))
    type_ime(q, "１")  # 世帯主: はい, typed with the input method on → the count
    assert page.row.answers["was_household_head"] is True
    assert q.fact == "household_remaining_15plus"
    qtbot.keyClick(q, Qt.Key_Return)  # Enter with nothing typed answers nothing (it used to store 0)
    assert q.fact == "household_remaining_15plus" and "household_remaining_15plus" not in page.row.answers
    assert "数字で入力" in q.hint.text()
    q.number.lineEdit().selectAll()
    type_ime(q.number.lineEdit(), "２")
    qtbot.keyClick(q, Qt.Key_Return)
    assert page.row.answers["household_remaining_15plus"] == 2  # full width ２ is 2
    for _ in range(40):  # answer the rest: 2 いいえ, or the first choice for a list
        if q.fact is None:
            break
        if q.choice_values and q.choice_values[0] is True:
            qtbot.keyClick(q, Qt.Key_2)
        elif q.choice_values:
            qtbot.keyClick(q, Qt.Key_1)
        else:
            q.number.setValue(1)
            qtbot.keyClick(q, Qt.Key_Return)
    assert q.fact is None

    # urgent deadlines first, marked with ⚠ and words, not colour alone
    rows = tree_rows(page)
    assert rows[0][0].startswith("⚠ 急ぎ")
    urgent = [r for r in rows if r[0].startswith("⚠ 急ぎ")]
    assert urgent and all(r[2].startswith("⚠ ") and ("あと" in r[2] or "期限切れ" in r[2] or "今日まで" in r[2])
                          for r in urgent)
    assert "setainushi_henko" in [r[1] for r in urgent]  # 14 days from 11/15 → Sun 11/29 → Mon 11/30: あと5日
    assert any("あと5日" in r[2] for r in urgent)
    later = [r for r in rows if not r[0].startswith("⚠ 急ぎ") and "あと" in r[2]]
    assert all(not r[2].startswith("⚠") for r in later)
    page.procedures.tree.setCurrentItem(page.procedures.items["setainushi_henko"])
    assert "あと5日" in page.procedures.detail.toPlainText()
    # done: it leaves 急ぎ
    combo = page.procedures.tree.itemWidget(page.procedures.items["setainushi_henko"], 3)
    combo.setCurrentText("完了")
    qtbot.waitUntil(lambda: "setainushi_henko" not in
                    [r[1] for r in tree_rows(page) if r[0].startswith("⚠ 急ぎ")], timeout=3000)

    # printing: the window is back at once, the job runs with a progress bar, the spool is deleted
    page.tabs.setCurrentIndex(2)
    family = page.printing.family
    family.lineEdit().selectAll()
    type_ime(family.lineEdit(), "２")  # copies typed full-width
    family.interpretText()
    assert family.value() == 2
    family.setValue(1)
    assert page.printing.make() is not None
    printer = QPrinter(QPrinter.HighResolution)
    printer.setOutputFormat(QPrinter.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printer.setResolution(150)
    t0 = time.perf_counter()
    page.printing.print_to(printer, backend="render")
    assert time.perf_counter() - t0 < 0.2
    status = page.printing.job_status
    assert status.busy and not status.bar.isHidden()
    spool = status.job.spool
    page.tabs.setCurrentIndex(1)  # the clerk goes on working meanwhile
    assert page.tabs.currentIndex() == 1
    qtbot.waitUntil(lambda: not status.busy, timeout=60000)
    assert status.label.text().startswith("✓ ")
    assert not spool.exists()
    assert len(PdfReader(str(tmp_path / "printed.pdf")).pages) == page.printing.document.pageCount()
    assert w.store.print_log(page.case_id)[-1].what["to"] == "printer"
    assert page.row.status == "印刷済"

    # printed: the packet is no longer on disk (the preview stays on screen); closing removes the folder
    tmp = page.printing.tmp
    assert not any(tmp.iterdir())
    w.close()
    w.store.close()
    assert not tmp.exists()


def test_gaiji_is_explained_in_plain_japanese(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path)
    w.new_case()
    page = w.case_page
    for key, text in {("deceased", "name"): "𠮷田 太郎", ("deceased", "birth_date"): "S30.4.1",
                      ("deceased", "death_date"): "11/15"}.items():
        page.intake.set_text(key, text)
    page.tabs.setCurrentIndex(2)
    assert page.printing.make() is None
    message = page.printing.message.text()
    assert "この文字は印刷できません" in message and "故人の氏名" in message and "「𠮷」" in message
    assert "font" not in message and "deceased" not in message
    assert not page.printing.gaiji.isHidden()
    w.close()
    w.store.close()


def test_no_line_edit_starts_with_data(qtbot, tmp_path):
    """A new case shows only hints: no field holds text the clerk did not type."""
    w = open_window(qtbot, tmp_path)
    w.new_case()
    for edit in w.case_page.intake.findChildren(QLineEdit):
        assert edit.text() == ""
    w.close()
    w.store.close()
