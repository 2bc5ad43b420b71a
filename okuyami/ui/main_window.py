"""The main window: the corner's case list and one case, or a department's terminal; the menus; the rulebook
(with its errors); the banner when the database cannot be reached; notices from the other terminals.

The window never waits on the network: its store calls run on its worker (okuyami/ui/worker.py), what the clerk
enters goes through its outbox (okuyami/ui/outbox.py). During a drop there is one banner and no dialog; the
technical detail goes to the log file (okuyami/store/eventlog.py) and ``okuyami doctor``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from ..core.problems import Problem
from ..core.rulebook import Rulebook
from ..store import eventlog
from ..store import refresh as policy
from ..store.local_settings import TerminalSettings, session_identity
from ..store.rules_cache import load_rules
from ..store.store import Store, StoreError, StoreUnavailable
from .case_list import CaseListPage
from .follow_ups import FollowUpPage
from .case_page import CasePage
from .department_page import DepartmentPage
from .juki_import import JukiImport
from .notices import NoticeBridge
from .outbox import OutboxSender, unsent_mark
from .worker import Offline, StoreWorker, in_background
from .report_dialog import open_report_dialog

BANNER_STYLE = "background: #b00020; color: white; font-size: 13pt; font-weight: bold; padding: 8px;"
BANNER_TEXT = ("⚠ データベースに接続できません。入力した内容はこのパソコンに保存しています（{mark} 未送信）。"
               "接続が戻ると自動で送ります。聞き取りと印刷はこのまま続けられます。")
BANNER_DEPARTMENT = ("⚠ データベースに接続できません。接続が戻ると自動で最新の内容を表示します。"
                     "それまで対応（準備済・完了など）の記録はできません。")
NOTICE_STYLE = "background: #fff3cd; color: #4a3800; font-size: 12pt; padding: 6px;"
NOTICE_MS = 20000
log = eventlog.get("connection")


def _warm_up(today: dt.date) -> None:
    """Load now, before the window shows, what the first case would load on the GUI thread later (the holiday
    calendar imports every country's rules: a few hundred ms under Qt's import hook)."""
    from ..core.calendar import national_holiday_name

    for year in (today.year - 1, today.year, today.year + 1):
        national_holiday_name(dt.date(year, 1, 1))


class MainWindow(QMainWindow):
    def __init__(self, store: Store, rules_path: Path | None, data_dir: Path, *, clerk: str = "",
                 today: dt.date | None = None, department: str | None = None, watch: bool = True,
                 poll_seconds: float | None = None, background: bool = True):
        super().__init__()
        self.store, self.rules_path, self.data_dir, self.clerk = store, rules_path, data_dir, clerk
        self.today = today or dt.date.today()
        self.rule_dialog = None  # the list of the rulebook's problems (okuyami.ui.rule_problems), when shown
        self.book: Rulebook | None = None
        self.connected = True  # the server answers (the worker's heartbeat and the notice watcher agree)
        self.watcher_online = True
        self._catching_up = False  # back online, the outbox still sending
        eventlog.setup(data_dir)
        # This window's identity (端末の識別): the installation's id and this run's own part; the notices its
        # writes send carry it, so it recognises its own and no other window's.
        self.identity = session_identity(data_dir)
        store.db.origin = self.identity
        self.worker = StoreWorker(self, ping=store.db.ping, background=background)
        self.worker.online_changed.connect(self._worker_online)
        self.outbox = OutboxSender(self, self.worker, store, data_dir, self.identity, book=lambda: self.book)
        self.outbox.changed.connect(self._show_link)
        _warm_up(self.today)
        unsent_mark()  # (which glyph marks what waits: looked up once, before the window shows)
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
        self.notice = QLabel()  # a refused change or a conflict, said in words (never a dialog over the counter)
        self.notice.setStyleSheet(NOTICE_STYLE)
        self.notice.setWordWrap(True)
        self.notice.hide()
        self._notice_timer = QTimer(self, singleShot=True, interval=NOTICE_MS)
        self._notice_timer.timeout.connect(self.notice.hide)
        central = QWidget()
        box = QVBoxLayout(central)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.banner)
        box.addWidget(self.notice)
        box.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self._menus()
        self.juki = JukiImport(self, store, data_dir, self.file_menu)  # 住基取込 (menu, watched folder)
        self.resize(1360, 860)
        self._title()
        if loaded.problems or self.book is None:
            self.show_rule_problems(loaded.problems, fallback=loaded.fallback)
        self.show_home()
        self.coalescer = policy.Coalescer()  # other terminals' changes: one refresh per burst (on_notices)
        self.refresh_timer = QTimer(self, singleShot=True)
        self.refresh_timer.timeout.connect(self._refresh_due)
        self._refresh_screen: QWidget | None = None
        self.outbox.start()  # what an earlier run could not send goes now
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
        self._action(file, "統計…（月次報告）(&S)", QKeySequence(), lambda: open_report_dialog(self, self.store))  # contract §13
        if self.department:
            self._action(file, "この課の端末(&D)", QKeySequence("Ctrl+D"), self.show_home)
        file.addSeparator()
        self._action(file, "終了(&Q)", QKeySequence.Quit, self.close)
        if not self.department:  # the corner: the reservation book (contract §9)
            from .booking import add_reservation_pages
            add_reservation_pages(self, bar, self.store)
        rules = bar.addMenu("ルール(&R)")
        self._action(rules, "ルールを再読み込み(&R)", QKeySequence("F5"), self.reload_rules)
        self._action(rules, "ルールの誤りの一覧(&E)", QKeySequence("Ctrl+F5"), self.show_last_rule_problems)
        self.status_label = QLabel()  # short, and permanent: Qt keeps messages to its left (no overlap)
        self.statusBar().addPermanentWidget(self.status_label)
        self._show_link()

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
        """Show the case page at once (読み込み中…) and fill it when the case has been read."""
        if self.book is None:
            return
        self.case_page.load(case_id, source)
        if self.case_page.case_id == case_id or self.case_page.loading == case_id:
            self.stack.setCurrentWidget(self.case_page)

    @in_background
    def new_case(self, *_ignored):
        if self.book is None:
            return
        try:
            case_id = yield lambda: self.store.create_case(self.clerk)
        except StoreError as exc:
            if isinstance(exc, StoreUnavailable):
                self.say("サーバーに接続できないため、新しい案件を作れません。接続が戻ってから作成してください。"
                         "（開いている案件の聞き取りと印刷は続けられます）")
            else:
                self.show_store_error(exc)
            return
        self.open_case(case_id)

    # -- the other terminals, and the network ---------------------------------------------------------
    def on_notices(self, notices) -> None:
        """Something changed on another terminal: refresh what is on screen (nothing to press) — only for what
        concerns it, at most once per burst, with the smallest read (the rules: okuyami.store.refresh). "Another"
        is another window: this window's identity (not its PC's name: two windows on one PC are two terminals)."""
        theirs = policy.from_others(notices, self.identity)
        current = self.stack.currentWidget()
        view = self.view_of(current)
        if not theirs or view is None:
            return
        if current is not self._refresh_screen:  # another screen now: what was due for the last one is moot
            self.coalescer.clear()
            self._refresh_screen = current
        delay = self.coalescer.add(view.refresh_for(theirs), theirs)
        if delay is not None:
            self.refresh_timer.start(int(delay * 1000))

    def view_of(self, page):
        """What ``page`` shows, as the refresh rules see it (None: a screen that never refreshes by itself)."""
        if page is self.case_page:
            return policy.CaseView(self.case_page.case_id)
        if page is self.list_page:
            return policy.CaseListView()
        if page is self.follow_up_page:
            return policy.FollowUpView()
        if page is self.department_page:
            return self.department_page.view()
        if hasattr(page, "on_notices"):  # the reservation pages (booking, the day at the corner)
            return policy.BOOKING if type(page).__name__ == "BookingPage" else policy.DAY_BOARD
        return None

    def _refresh_due(self) -> None:
        wanted, notices = self.coalescer.take()
        current = self.stack.currentWidget()
        if current is not self._refresh_screen or not wanted:
            return
        if current is self.case_page:
            self.case_page.external_change()
        elif current is self.list_page:
            self.list_page.refresh(keep_page=True, auto=wanted)
        elif current is self.follow_up_page:
            self.follow_up_page.refresh(audited=False)
        elif current is self.department_page:
            self.department_page.refresh(only=wanted)
        elif hasattr(current, "on_notices"):
            current.on_notices(notices)

    def on_connection(self, connected: bool, message: str) -> None:
        """The notice watcher's view of the server (its message is technical: the log gets it, not the screen)."""
        if not connected and self.watcher_online:
            log.warning("notice watcher: server unreachable: %s", message)
        self.watcher_online = connected
        self._show_link()

    def _worker_online(self, online: bool) -> None:
        self._show_link()
        if online:  # back: what is on screen is read again (the outbox sends by itself)
            current = self.stack.currentWidget()
            if current is self.case_page:
                self.case_page.external_change()
            elif hasattr(current, "refresh"):
                current.refresh()

    def _show_link(self) -> None:
        """One banner while the server is away, with the number of entries waiting; the status bar says the
        terminal's name and the state of the line. Never the URL, never the driver's words."""
        connected = self.worker.online and self.watcher_online
        was, self.connected = self.connected, connected
        self.outbox.link_up = connected
        waiting, mark = self.outbox.entered(), unsent_mark()
        if connected:
            self.banner.hide()
            if not was:
                self._catching_up = bool(waiting)
                self.statusBar().showMessage("データベースに再び接続しました。" + ("未送信の入力を送っています…" if waiting else ""),
                                             10000)
            elif self._catching_up and not len(self.outbox):
                self._catching_up = False
                self.statusBar().showMessage("データベースに再び接続し、未送信だった入力をすべて送りました。", 10000)
        else:
            text = BANNER_DEPARTMENT if self.department and not waiting else BANNER_TEXT.format(mark=mark)
            self.banner.setText(text + (f"\n{mark} 未送信 {waiting}件" if waiting else ""))
            self.banner.show()
        state = "● 接続中" if connected else "⚠ 接続なし"
        self.status_label.setText(f"端末：{self.store.actor.terminal}　{state}"
                                  + (f"　{mark} 未送信 {waiting}件" if waiting else ""))
        self.status_label.setToolTip(f"この端末の識別番号：{self.identity}")
        self.case_page.set_connected(connected)

    def say(self, text: str) -> None:
        """A sentence for the clerk above the page (a change refused, an entry not sent): no dialog, gone after a
        while or when the next one comes."""
        self.notice.setText(f"⚠ {text}")
        self.notice.show()
        self._notice_timer.start()

    def show_store_error(self, exc: StoreError) -> None:
        """A store problem, said plainly, without blocking the counter: an unreachable server is the banner's
        (its technical detail goes to the log); a refused change is said above the page."""
        if isinstance(exc, StoreUnavailable):
            if not isinstance(exc, Offline):  # (refused at once while offline: nothing new to log)
                log.warning("store unreachable: %s", exc)
            self._show_link()
            return
        log.info("refused: %s", exc)
        self.say(str(exc))

    # -- rulebook -------------------------------------------------------------------------------------
    def reload_rules(self) -> None:
        loaded = load_rules(self.rules_path, self.data_dir)
        if loaded.problems:
            self.show_rule_problems(loaded.problems, fallback=self.book is not None, reload=True)
            return
        self.book = loaded.book
        self.rule_problems = (None, [])
        if self.rule_dialog is not None:
            self.rule_dialog.close()
        self._title()
        self.statusBar().showMessage(f"ルールを読み込みました（手続き {len(self.book.rules)}件）", 8000)
        if self.stack.currentWidget() is self.case_page and self.case_page.case_id:
            self.case_page.load(self.case_page.case_id)
        elif self.stack.currentWidget() is self.department_page:
            self.department_page.refresh()
        else:
            self.list_page.refresh()

    def show_rule_problems(self, problems: list[Problem], *, fallback: bool, reload: bool = False) -> None:
        """The rulebook's located errors (the same Japanese lines as `okuyami rules check`), as a list that does
        not block the counter: the last good rulebook stays live meanwhile."""
        from .rule_problems import RuleProblemsDialog

        if reload:
            head = "ルールに誤りがあるため、読み込み直しませんでした。これまでのルールで続けます。"
        elif fallback:
            head = "ルールに誤りがあるため、前回正しく読み込めたルールで起動しました。"
        else:
            head = "ルールに誤りがあり、使えるルールがありません。担当課に修正を依頼してください。"
        self.rule_problems = (head, list(problems))
        if self.rule_dialog is not None:
            self.rule_dialog.close()
        self.rule_dialog = RuleProblemsDialog(self, head, problems, reload=self.reload_rules)
        self.rule_dialog.show()

    def show_last_rule_problems(self) -> None:
        """ルール → 誤りの一覧: the problems of the last reload again (or that there are none)."""
        head, problems = getattr(self, "rule_problems", (None, []))
        if not problems:
            self.statusBar().showMessage("ルールに誤りはありません（最後の読み込みは正しく終わりました）", 8000)
            return
        self.show_rule_problems(problems, fallback=self.book is not None, reload="読み込み直しませんでした" in head)

    def remember_terminal(self) -> None:
        settings = TerminalSettings.load(self.data_dir)  # keeps this PC's other settings (住基取込)
        settings.mode, settings.department = "department" if self.department else "corner", self.department
        settings.operator = self.store.actor.operator
        settings.save(self.data_dir)

    def closeEvent(self, event) -> None:  # everything is saved, or waits in the outbox for the next start
        focused = QApplication.focusWidget()
        if focused is not None and self.isAncestorOf(focused):
            focused.clearFocus()  # a field being typed into is finished (and kept) before the outbox closes
        if self.bridge is not None:
            self.bridge.stop()
        self.worker.stop()
        self.outbox.close()
        self.juki.wait_done()
        self.case_page.release()
        super().closeEvent(event)
