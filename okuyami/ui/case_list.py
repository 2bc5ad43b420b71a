"""The case list (案件一覧): recent cases first, search by name, kana, 案件番号 or date (和暦 or western),
what is still open — one query per page, never one per case; the search waits for a pause in typing."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..core.wareki import format_date
from ..store.store import StoreError, to_jst

COLUMNS = ("更新", "亡くなった方", "フリガナ", "死亡日", "ご来庁の方", "状態", "未完了の手続き", "案件番号")
PAGE_SIZE = 50
DEBOUNCE_MS = 250


class CaseListPage(QWidget):
    def __init__(self, window, store):
        super().__init__()
        self.window = window
        self.store = store
        title = QLabel("案件一覧")
        title.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.search = QLineEdit()
        self.search.setPlaceholderText("検索：名前・フリガナ・案件番号・日付（R8.11.15 や 2026-11-15）… Enter で一覧へ")
        self.timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self.timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _text: self.timer.start())
        self.search.returnPressed.connect(self._search_now)
        self.new_button = QPushButton("＋ 新しい案件（Ctrl+N）")
        self.new_button.setMinimumHeight(44)
        self.new_button.clicked.connect(window.new_case)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)  # the name takes the room
        self.table.cellDoubleClicked.connect(lambda r, c: self.open_row(r))
        QShortcut(QKeySequence(Qt.Key_Return), self.table, activated=lambda: self.open_row(self.table.currentRow()))
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.search.setFocus)
        QShortcut(QKeySequence(Qt.Key_PageDown), self.table, activated=lambda: self.turn(1))
        QShortcut(QKeySequence(Qt.Key_PageUp), self.table, activated=lambda: self.turn(-1))
        self.prev_button = QPushButton("◀ 前の50件")
        self.next_button = QPushButton("次の50件 ▶")
        self.prev_button.clicked.connect(lambda: self.turn(-1))
        self.next_button.clicked.connect(lambda: self.turn(1))
        self.summary = QLabel()
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch()
        top.addWidget(self.new_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.prev_button)
        bottom.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.search)
        layout.addWidget(self.table)
        layout.addLayout(bottom)
        self.ids: list[int] = []
        self.page = 0
        self.total = 0
        self._last_search: str | None = None

    def _search_now(self) -> None:
        self.timer.stop()
        self.refresh()
        self.table.setFocus()

    def turn(self, step: int) -> None:
        page = self.page + step
        if 0 <= page and page * PAGE_SIZE < max(self.total, 1):
            self.page = page
            self.refresh(keep_page=True)

    def refresh(self, keep_page: bool = False) -> None:
        text = self.search.text()
        if not keep_page or text != self._last_search:
            self.page = 0 if text != self._last_search else self.page
        self._last_search = text
        store = self.store
        try:
            self.total = store.count_cases(text)
            rows = store.list_cases(text, limit=PAGE_SIZE, offset=self.page * PAGE_SIZE)
        except StoreError as exc:
            self.window.show_store_error(exc)
            return
        self.table.setRowCount(len(rows))
        self.ids = [r.id for r in rows]
        try:
            marks = store.case_marks(self.ids)  # 住基から取り込んだ案件・外字あり
        except StoreError:
            marks = {}
        open_cases = 0
        for i, row in enumerate(rows):
            open_cases += bool(row.open_tasks) and row.state != "closed"
            juki, gaiji = marks.get(row.id, (False, False))
            values = (f"{to_jst(row.updated_at):%Y-%m-%d %H:%M}",
                      (row.deceased_name or "（氏名未入力）") + ("　［外字あり］" if gaiji else ""),
                      row.deceased_kana or "", format_date(row.death_date) if row.death_date else "",
                      row.applicant_name or "", row.status + ("（住基）" if juki and row.state == "new" else ""),
                      f"{row.open_tasks}件", str(row.id))
            for j, v in enumerate(values):
                item = QTableWidgetItem(v)
                if j == 6 and row.open_tasks:
                    item.setForeground(Qt.darkRed)
                self.table.setItem(i, j, item)
        first = self.page * PAGE_SIZE
        shown = f"{first + 1}〜{first + len(rows)}件目 / " if self.total > PAGE_SIZE else ""
        self.summary.setText(f"{shown}全{self.total}件（このページで未完了の手続きがある案件 {open_cases}件）")
        self.prev_button.setEnabled(self.page > 0)
        self.next_button.setEnabled(first + len(rows) < self.total)
        if rows:
            self.table.selectRow(0)

    def open_row(self, row: int) -> None:
        if 0 <= row < len(self.ids):
            self.window.open_case(self.ids[row])
