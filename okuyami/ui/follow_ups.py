"""後日対応の一覧: every procedure a family put off (後日), soonest follow-up day first — who to expect back, and who
to call when the day has passed. Opens the case with Enter or a double click."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPushButton, QTableWidgetItem, QVBoxLayout, QWidget)

from ..core.wareki import format_date
from ..documents.prep_list import department_label
from ..store.store import StoreError
from .tables import row_table
from .worker import in_background

COLUMNS = ("予定日", "亡くなった方", "手続き", "担当", "メモ", "連絡先", "案件番号")
LATE_COLOR = Qt.darkRed


class FollowUpPage(QWidget):
    def __init__(self, window, store):
        super().__init__()
        self.window = window
        self.store = store
        title = QLabel("後日対応の一覧")
        title.setStyleSheet("font-size: 20pt; font-weight: bold;")
        back = QPushButton("← 案件一覧（Esc）")
        back.clicked.connect(window.show_list)
        QShortcut(QKeySequence(Qt.Key_Escape), self, activated=window.show_list)
        self.table = row_table(COLUMNS, 4)
        self.table.cellDoubleClicked.connect(lambda r, c: self.open_row(r))
        QShortcut(QKeySequence(Qt.Key_Return), self.table, activated=lambda: self.open_row(self.table.currentRow()))
        self.summary = QLabel()
        top = QHBoxLayout()
        top.addWidget(back)
        top.addWidget(title, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        self.ids: list[int] = []

    @in_background
    def refresh(self, audited: bool = True):
        """``audited``: a person opened the list (it shows names); not when another terminal's change refreshes it."""
        store = self.store
        try:
            lines = yield lambda: store.follow_ups(audited=audited)  # on the window's worker
        except StoreError as exc:
            self.window.show_store_error(exc)
            return
        book, today = self.window.book, self.window.today
        self.table.setRowCount(len(lines))
        self.ids = [f.case for f in lines]
        late = 0
        for i, f in enumerate(lines):
            rule = book.rules.get(f.procedure) if book else None
            title = rule.spec.title if rule else f.procedure
            past = f.follow_up is not None and f.follow_up < today
            late += past
            when = (("⚠ 過ぎています " if past else "") + format_date(f.follow_up, weekday=True)) if f.follow_up \
                else "（日付なし）"
            dept = department_label(book, f.department) if book else f.department  # an agency too: its name
            values = (when, f.deceased or "（氏名未入力）", title, dept, f.note,
                      f.phone or "", str(f.case))
            for j, v in enumerate(values):
                item = QTableWidgetItem(v)
                if past and j == 0:
                    item.setForeground(LATE_COLOR)
                self.table.setItem(i, j, item)
        self.summary.setText(f"後日の手続き {len(lines)}件（{len(set(self.ids))}家族）"
                             + (f"　⚠ 予定日を過ぎたもの {late}件：ご家族に連絡してください" if late else ""))
        if lines:
            self.table.selectRow(0)
            self.table.setFocus()

    def open_row(self, row: int) -> None:
        if 0 <= row < len(self.ids):
            self.window.open_case(self.ids[row])
