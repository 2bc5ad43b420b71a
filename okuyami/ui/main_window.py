"""The main window: the case list and one case, the menus, and the rulebook (with its errors)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QStackedWidget

from ..core.problems import Problem
from ..core.rulebook import Rulebook
from ..store.database import StoreError
from ..store.store import Store
from ..store.rules_cache import load_rules
from .case_list import CaseListPage
from .case_page import CasePage


class MainWindow(QMainWindow):
    def __init__(self, store: Store, rules_path: Path | None, data_dir: Path, *, clerk: str = "",
                 today: dt.date | None = None):
        super().__init__()
        self.store, self.rules_path, self.data_dir, self.clerk = store, rules_path, data_dir, clerk
        self.today = today or dt.date.today()
        self.rule_dialog: QMessageBox | None = None
        self.book: Rulebook | None = None
        loaded = load_rules(rules_path, data_dir)
        self.book = loaded.book
        self.stack = QStackedWidget()
        self.list_page = CaseListPage(self)
        self.case_page = CasePage(self)
        self.stack.addWidget(self.list_page)
        self.stack.addWidget(self.case_page)
        self.setCentralWidget(self.stack)
        self._menus()
        self.resize(1360, 860)
        self._title()
        if loaded.problems or self.book is None:
            self.show_rule_problems(loaded.problems, fallback=loaded.fallback)
        self.show_list()

    def _title(self) -> None:
        city = self.book.root.municipality if self.book else None
        self.setWindowTitle(f"okuyami — {city.name} {city.corner.name}" if city else "okuyami")

    def _menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("ファイル(&F)")
        self.act_new = self._action(file, "新しい案件(&N)", QKeySequence.New, self.new_case)
        self._action(file, "案件一覧(&L)", QKeySequence("Ctrl+L"), self.show_list)
        file.addSeparator()
        self._action(file, "終了(&Q)", QKeySequence.Quit, self.close)
        rules = bar.addMenu("ルール(&R)")
        self._action(rules, "ルールを再読み込み(&R)", QKeySequence("F5"), self.reload_rules)
        self.status_label = QLabel()
        self.statusBar().addPermanentWidget(self.status_label)

    def _action(self, menu, text, shortcut, slot) -> QAction:
        act = QAction(text, self)
        act.setShortcut(shortcut)
        act.triggered.connect(slot)
        menu.addAction(act)
        return act

    # -- navigation -----------------------------------------------------------------------------------
    def show_list(self) -> None:
        self.list_page.refresh()
        self.stack.setCurrentWidget(self.list_page)
        self.list_page.search.setFocus()

    def open_case(self, case_id: int) -> None:
        if self.book is None:
            return
        self.case_page.load(case_id)
        self.stack.setCurrentWidget(self.case_page)

    def new_case(self) -> None:
        if self.book is None:
            return
        try:
            case_id = self.store.create_case(self.clerk)
        except StoreError as exc:
            self.show_store_error(exc)
            return
        self.open_case(case_id)

    def show_store_error(self, exc: StoreError) -> None:
        """A store problem (server unreachable, a change refused): said plainly, without blocking the counter."""
        self.statusBar().showMessage(str(exc), 15000)
        box = QMessageBox(QMessageBox.Warning, "データベース", str(exc), QMessageBox.Ok, self)
        box.setWindowModality(Qt.WindowModal)
        self.store_dialog = box
        box.open()

    # -- rulebook -------------------------------------------------------------------------------------
    def reload_rules(self) -> None:
        loaded = load_rules(self.rules_path, self.data_dir)
        if loaded.problems:
            self.show_rule_problems(loaded.problems, fallback=self.book is not None, reload=True)
            return
        self.book = loaded.book
        self._title()
        self.statusBar().showMessage(f"ルールを読み込みました（手続き {len(self.book.rules)}件）", 8000)
        if self.stack.currentWidget() is self.case_page and self.case_page.case_id:
            self.case_page.load(self.case_page.case_id)
        else:
            self.list_page.refresh()

    def show_rule_problems(self, problems: list[Problem], *, fallback: bool, reload: bool = False) -> None:
        """The rulebook's located errors, in a dialog that does not block the counter."""
        if reload:
            head = "ルールに誤りがあるため、読み込み直しませんでした。これまでのルールで続けます。"
        elif fallback:
            head = "ルールに誤りがあるため、前回正しく読み込めたルールで起動しました。"
        else:
            head = "ルールに誤りがあり、使えるルールがありません。担当課に修正を依頼してください。"
        box = QMessageBox(QMessageBox.Warning, "ルールの誤り", head, QMessageBox.Ok, self)
        box.setInformativeText(f"{len(problems)}件の誤り（担当課が okuyami rules check で確認できます）")
        box.setDetailedText("\n".join(str(p) for p in problems))
        box.setWindowModality(Qt.WindowModal)
        self.rule_dialog = box
        box.open()

    def closeEvent(self, event) -> None:  # everything is already saved; just let go of the file
        self.case_page.release()
        super().closeEvent(event)
