"""Names, never ids, on screen (issue 22): every screen of the corner and of a department terminal — case list,
intake, interview (a question and a checklist), procedures, print, history, follow-ups, booking, the day at the
corner, the department terminal — and the dialogs they open (file dialogs, 予約の変更, 予約なしの来庁, 住基取込の
設定) are walked with a family's day in the store, and every visible text is scanned for rulebook ids (procedure
codes, fact names and values, department / agency / office / counter ids). The file dialogs are also checked to be
entirely Japanese (Qt's own 「Look in:」「Files of type:」 are not)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import (QAbstractButton, QApplication, QComboBox, QDialog, QFileDialog, QGroupBox,  # noqa: E402
                               QLabel, QLineEdit, QListWidget, QMainWindow, QPlainTextEdit, QTableWidget,
                               QTabWidget, QTextEdit, QTreeView, QTreeWidget, QWidget)

from okuyami.core.calendar import JST  # noqa: E402
from okuyami.store.store import Store  # noqa: E402
from okuyami.ui.main_window import MainWindow  # noqa: E402
from screen_ids import ids_in, rulebook_ids  # noqa: E402

ENGLISH = re.compile(r"[A-Za-z]{3,}")
ALLOWED_ENGLISH = {"PDF", "CSV", "yaml", "yml", "csv", "pdf", "CSV", "Enter", "Backspace", "Ctrl", "Shift", "Alt",
                   "Esc", "Delete", "Home", "PageUp", "PageDown", "okuyami"}


def visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) for every text a person sees in ``root`` and its visible children."""
    out: list[tuple[str, str]] = []
    widgets = [root] + root.findChildren(QWidget)
    for w in widgets:
        if not w.isVisible():
            continue
        name = type(w).__name__
        texts = [w.toolTip(), w.windowTitle() if w.isWindow() else ""]
        if isinstance(w, (QLabel, QAbstractButton)):
            texts.append(w.text())
        if isinstance(w, QGroupBox):
            texts.append(w.title())
        if isinstance(w, QLineEdit):
            texts += [w.text(), w.placeholderText()]
        if isinstance(w, QComboBox):
            texts += [w.itemText(i) for i in range(w.count())]
        if isinstance(w, (QTextEdit, QPlainTextEdit)):
            texts.append(w.toPlainText())
        if isinstance(w, QTabWidget):
            texts += [w.tabText(i) for i in range(w.count())]
        if isinstance(w, QListWidget):
            texts += [w.item(i).text() for i in range(w.count())] + [w.item(i).toolTip() for i in range(w.count())]
        if isinstance(w, QTableWidget):
            for c in range(w.columnCount()):
                h = w.horizontalHeaderItem(c)
                texts.append(h.text() if h else "")
                for r in range(w.rowCount()):
                    item = w.item(r, c)
                    if item is not None:
                        texts += [item.text(), item.toolTip()]
        if isinstance(w, QTreeWidget):
            texts += [w.headerItem().text(c) for c in range(w.columnCount())]
            stack = [w.topLevelItem(i) for i in range(w.topLevelItemCount())]
            while stack:
                item = stack.pop()
                texts += [item.text(c) for c in range(w.columnCount())] + [item.toolTip(c) for c in range(w.columnCount())]
                stack += [item.child(i) for i in range(item.childCount())]
        elif isinstance(w, QTreeView) and w.model() is not None:  # the file dialog's list: its headings only
            model = w.model()
            texts += [str(model.headerData(c, __import__("PySide6.QtCore").QtCore.Qt.Horizontal) or "")
                      for c in range(model.columnCount())]
        if isinstance(w, QMainWindow):
            texts += [a.text() for a in w.menuBar().actions()]
            for menu in w.menuBar().actions():
                if menu.menu() is not None:
                    texts += [a.text() for a in menu.menu().actions()]
            texts.append(w.statusBar().currentMessage())
        out += [(name, t) for t in texts if t]
    return out


class Scan:
    def __init__(self, book):
        self.ids = rulebook_ids(book)
        self.found: list[str] = []
        self.screens: list[str] = []
        self.dialogs: list[str] = []

    def __call__(self, screen: str, root: QWidget) -> None:
        QApplication.processEvents()
        self.screens.append(screen)
        for where, text in visible_texts(root):
            bad = ids_in(text, self.ids)
            if bad:
                self.found.append(f"{screen} / {where}: {sorted(bad)} in 「{text[:120]}」")

    def file_dialog(self, screen: str, dialog: QFileDialog) -> None:
        dialog.show()
        self(screen, dialog)
        self.dialogs.append(screen)
        for where, text in visible_texts(dialog):
            words = [w for w in ENGLISH.findall(text) if w not in ALLOWED_ENGLISH]
            if words and where in ("QLabel", "QPushButton", "QToolButton", "QTreeView", "QFileDialog", "QComboBox"):
                if where == "QComboBox" and "/" in text:  # the folder's path
                    continue
                self.found.append(f"{screen} / {where}: English 「{text}」")
        dialog.hide()


def window(qtbot, url: str, data_dir: Path, *, operator: str, terminal: str, today: dt.date,
           department: str | None = None) -> MainWindow:
    w = MainWindow(Store.open(url, operator=operator, terminal=terminal), None, data_dir, clerk=operator, today=today,
                   department=department, watch=False,
                   background=False)  # step by step: store calls inline
    qtbot.addWidget(w)
    w.resize(1360, 860)
    w.show()
    return w


def at(day: str, hm: str) -> dt.datetime:
    h, m = hm.split(":")
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(int(h), int(m)), JST)


def test_screens_show_names_never_ids(qtbot, store, db_url, tmp_path, book, monkeypatch):
    scan = Scan(book)
    monkeypatch.setattr(QFileDialog, "exec", lambda self: (scan.file_dialog(self.windowTitle(), self), 0)[1])
    monkeypatch.setattr(QDialog, "exec", lambda self: (self.show(), scan(self.windowTitle(), self), self.hide(), 0)[3])
    monkeypatch.setenv("OKUYAMI_NOW", "2026-11-24T09:30")
    monkeypatch.delenv("OKUYAMI_TODAY", raising=False)
    corner = window(qtbot, db_url, tmp_path / "corner", operator="予約 係", terminal="desk-1",
                    today=dt.date(2026, 11, 24))
    # the booking call, by keys' worth of fields, with the phone interview
    corner.show_booking()
    page = corner.booking_page
    page.select_day(dt.date(2026, 11, 26))
    page.select_slot("10:00")
    for key, text in ((("deceased", "name"), "山田 太郎"), (("deceased", "kana"), "やまだ たろう"),
                      (("deceased", "sex"), "male"), (("deceased", "death_date"), "R8.11.15"),
                      (("deceased", "birth_date"), "S16.3.2"), (("applicant", "name"), "山田 花子"),
                      (("applicant", "relationship"), "妻"), (("applicant", "phone"), "090-1234-5678")):
        page.set_text(key, text)
    res = page.book_now()
    assert res is not None, page.message.text()
    page.continue_by_phone()
    case = corner.case_page
    for fact, value in (("death_registered", True), ("was_household_head", True), ("household_remaining_15plus", 1),
                        ("welfare_recipient", False), ("health_insurance", "kouki"), ("funeral_held", True),
                        ("pension_recipient", True), ("pension_type", "employee"), ("car", True)):
        case.answer(fact, value)
    scan("聞き取り（電話）", corner)
    case.tabs.setCurrentIndex(0)
    scan("基本情報", corner)
    corner.show_booking()
    assert "nenkin_jimusho" not in page.result_label.text()
    scan("予約の受付（予約後）", corner)
    page.save_letter()  # the file dialog (cancelled)
    page.save_letter(tmp_path / "letter.pdf")
    # a 後日 item at an outside agency, and one the department did
    case_id = res.case
    corner.store.set_task(case_id, "jidosha_iten", "deferred", follow_up=dt.date(2027, 3, 1))
    corner.store.set_task(case_id, "kouki_soshitsu", "done")

    # the visit day: the day board, the case (a checklist screen, procedures, print, history), the dialogs
    monkeypatch.setenv("OKUYAMI_NOW", "2026-11-26T09:58")
    corner.today = dt.date(2026, 11, 26)
    corner.show_day_board(dt.date(2026, 11, 26))
    scan("今日の予約・受付", corner)
    corner.day_board.move()  # 予約の変更 (dialog, cancelled)
    corner.day_board.add_walk_in()  # 予約なしの来庁 (dialog, cancelled)
    corner.day_board.serve()
    assert corner.stack.currentWidget() is case and case.tabs.currentIndex() == 1
    scan("聞き取り（来庁）", corner)
    for item in case.procedures.items.values():  # each procedure's detail
        case.procedures.tree.setCurrentItem(item)
        scan(f"手続きの詳しい内容 {item.text(0)}", case.procedures)
    case.questions.open_other.fill()
    scan("ほかの質問", case.questions)
    case.tabs.setCurrentIndex(2)
    case.printing.make()
    scan("印刷", corner)
    case.printing.save_dialog()  # file dialog (cancelled)
    case.printing.save_pdf(tmp_path / "packet.pdf")
    case.tabs.setCurrentIndex(3)
    scan("履歴", corner)
    case.history.save_dialog()
    corner.show_follow_ups()
    scan("後日対応の一覧", corner)
    corner.show_list()
    scan("案件一覧", corner)
    corner.juki.configure()  # 住基取込の設定 (a dialog), and its folder / profile pickers
    scan("住基取込の設定", corner.juki.dialog)
    corner.juki.dialog._pick_folder()
    corner.juki.dialog._pick_profile()
    corner.juki.dialog.reject()
    corner.juki.choose_file()

    # a department's terminal, and an outside agency's list as the corner sees it
    dept = window(qtbot, db_url, tmp_path / "hoken", operator="保険 次郎", terminal="hoken-1",
                  today=dt.date(2026, 11, 26), department="hoken_nenkin")
    scan("保険年金課の端末", dept)
    dept.department_page.save_prep_csv()  # file dialog (cancelled)
    dept.department_page.range.setCurrentIndex(2)
    scan("保険年金課の端末（未完了すべて）", dept)

    assert {"聞き取り（電話）", "基本情報", "予約の受付（予約後）", "今日の予約・受付", "聞き取り（来庁）", "印刷", "履歴",
            "後日対応の一覧", "案件一覧", "保険年金課の端末"} <= set(scan.screens)
    assert len(scan.dialogs) >= 4 and any("予約" in s and "変更" in s for s in scan.screens)
    assert not scan.found, "\n".join(scan.found)
    for w in (corner, dept):
        w.close()
        w.store.close()
