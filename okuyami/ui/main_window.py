"""The main window: the corner's case list and one case, or a department's terminal; the menus; the rulebook
(with its errors); the banner when the database cannot be reached; notices from the other terminals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QStackedWidget, QVBoxLayout, QWidget

from ..core.problems import Problem
from ..core.rulebook import Rulebook
from ..store.local_settings import TerminalSettings
from ..store.rules_cache import load_rules
from ..store.store import Store, StoreError
from .case_list import CaseListPage
from .follow_ups import FollowUpPage
from .case_page import CasePage
from .department_page import DepartmentPage
from .juki_import import JukiImport
from .notices import NoticeBridge

BANNER_STYLE = "background: #b00020; color: white; font-size: 13pt; font-weight: bold; padding: 8px;"


class MainWindow(QMainWindow):
    def __init__(self, store: Store, rules_path: Path | None, data_dir: Path, *, clerk: str = "",
                 today: dt.date | None = None, department: str | None = None, watch: bool = True,
                 poll_seconds: float | None = None):
        super().__init__()
        self.store, self.rules_path, self.data_dir, self.clerk = store, rules_path, data_dir, clerk
        self.today = today or dt.date.today()
        self.rule_dialog: QMessageBox | None = None
        self.store_dialog: QMessageBox | None = None
        self.book: Rulebook | None = None
        self.connected = True
        loaded = load_rules(rules_path, data_dir)
        self.book = loaded.book
        self.department = department if (department and self.book and self._known_department(department)) else None
        self.stack = QStackedWidget()
        self.list_page = CaseListPage(self, store)
        self.case_page = CasePage(self, store)
        self.department_page = DepartmentPage(self, store, self.department) if self.department else None
        self.follow_up_page = FollowUpPage(self, store)
        self.stack.addWidget(self.list_page)
        self.stack.addWidget(self.case_page)
        self.stack.addWidget(self.follow_up_page)
        if self.department_page is not None:
            self.stack.addWidget(self.department_page)
        self.banner = QLabel()
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.setWordWrap(True)
        self.banner.hide()
        central = QWidget()
        box = QVBoxLayout(central)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.banner)
        box.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self._menus()
        self.juki = JukiImport(self, store, data_dir, self.file_menu)  # 住基取込 (menu, watched folder)
        self.resize(1360, 860)
        self._title()
        if loaded.problems or self.book is None:
            self.show_rule_problems(loaded.problems, fallback=loaded.fallback)
        self.show_home()
        from .audit_check import start_audit_check  # the audit log's chain, checked in the background
        self.audit_check = start_audit_check(self, store)
        self.bridge: NoticeBridge | None = None
        if watch:
            self.bridge = NoticeBridge(store, self, poll_seconds=poll_seconds)
            self.bridge.notices.connect(self.on_notices)
            self.bridge.state.connect(self.on_connection)
            self.bridge.start()

    def _known_department(self, dept: str) -> bool:
        return dept in self.book.root.departments or dept in self.book.root.agencies

    def _title(self) -> None:
        city = self.book.root.municipality if self.book else None
        base = f"okuyami — {city.name} {city.corner.name}" if city else "okuyami"
        if self.department and self.book:
            from ..documents.prep_list import department_label
            base = f"okuyami — {department_label(self.book, self.department)}の端末"
        who = self.store.actor.operator
        self.setWindowTitle(base + (f"（担当：{who}）" if who else ""))

    def _menus(self) -> None:
        bar = self.menuBar()
        file = self.file_menu = bar.addMenu("ファイル(&F)")
        self.act_new = self._action(file, "新しい案件(&N)", QKeySequence.New, self.new_case)
        self._action(file, "案件一覧(&L)", QKeySequence("Ctrl+L"), self.show_list)
        self._action(file, "後日対応の一覧(&G)", QKeySequence("Ctrl+G"), self.show_follow_ups)
        if self.department:
            self._action(file, "この課の端末(&D)", QKeySequence("Ctrl+D"), self.show_home)
        file.addSeparator()
        self._action(file, "終了(&Q)", QKeySequence.Quit, self.close)
        if not self.department:  # the corner: the reservation book (contract §9)
            from .booking import add_reservation_pages
            add_reservation_pages(self, bar, self.store)
        rules = bar.addMenu("ルール(&R)")
        self._action(rules, "ルールを再読み込み(&R)", QKeySequence("F5"), self.reload_rules)
        self.status_label = QLabel()
        self.statusBar().addPermanentWidget(self.status_label)
        self.status_label.setText(f"データベース：{self.store.db.describe()}　端末：{self.store.actor.terminal}")

    def _action(self, menu, text, shortcut, slot) -> QAction:
        act = QAction(text, self)
        act.setShortcut(shortcut)
        act.triggered.connect(slot)
        menu.addAction(act)
        return act

    # -- navigation -----------------------------------------------------------------------------------
    def show_home(self) -> None:
        if self.department_page is not None:
            self.department_page.refresh()
            self.stack.setCurrentWidget(self.department_page)
        else:
            self.show_list()

    def show_list(self) -> None:
        self.list_page.refresh()
        self.stack.setCurrentWidget(self.list_page)
        self.list_page.search.setFocus()

    def show_follow_ups(self) -> None:
        self.follow_up_page.refresh()
        self.stack.setCurrentWidget(self.follow_up_page)

    def open_case(self, case_id: int, source: str | None = None) -> None:
        if self.book is None:
            return
        try:
            self.case_page.load(case_id, source)
        except StoreError as exc:
            self.show_store_error(exc)
            return
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

    # -- the other terminals, and the network ---------------------------------------------------------
    def on_notices(self, notices) -> None:
        """Something changed on another terminal: refresh what is on screen (nothing to press)."""
        mine = self.store.actor.terminal
        theirs = [n for n in notices if n.terminal != mine]
        if not theirs:
            return
        current = self.stack.currentWidget()
        if current is self.case_page and self.case_page.case_id in {n.case_id for n in theirs}:
            self.case_page.external_change()
        elif current is self.list_page:
            self.list_page.refresh()
        elif current is self.follow_up_page:
            self.follow_up_page.refresh()
        elif current is self.department_page:
            self.department_page.on_notices(theirs)
        elif hasattr(current, "on_notices"):  # the reservation pages
            current.on_notices(theirs)

    def on_connection(self, connected: bool, message: str) -> None:
        was = self.connected
        self.connected = connected
        if connected:
            self.banner.hide()
            if not was:
                self.statusBar().showMessage("データベースに再び接続しました。", 10000)
                self.case_page.resend_pending()
        else:
            self.banner.setText("⚠ データベースに接続できません。入力した内容は画面に残っています。接続が戻ると、"
                                "保存されていない入力を自動で送ります（それまで回答と状態の変更はできません）。"
                                + (f"\n{message}" if message else ""))
            self.banner.show()
        self.case_page.set_connected(connected)

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
        elif self.stack.currentWidget() is self.department_page:
            self.department_page.refresh()
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

    def remember_terminal(self) -> None:
        settings = TerminalSettings.load(self.data_dir)  # keeps this PC's other settings (住基取込)
        settings.mode, settings.department = "department" if self.department else "corner", self.department
        settings.operator = self.store.actor.operator
        settings.save(self.data_dir)

    def closeEvent(self, event) -> None:  # everything is already saved; just let go of the file
        if self.bridge is not None:
            self.bridge.stop()
        self.juki.wait_done()
        self.case_page.release()
        super().closeEvent(event)
