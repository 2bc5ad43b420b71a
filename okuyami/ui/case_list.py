"""The case list (案件一覧): today's and recent cases, search by name, kana or date, what is still open."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..core.engine import Session
from ..core.wareki import format_date
from ..store.workflow import case_dates, outstanding

COLUMNS = ("更新", "亡くなった方", "フリガナ", "死亡日", "ご来庁の方", "状態", "未完了の手続き")


class CaseListPage(QWidget):
    def __init__(self, window):
        super().__init__()
        self.window = window
        title = QLabel("案件一覧")
        title.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.search = QLineEdit()
        self.search.setPlaceholderText("名前・フリガナ・日付（2026-11-15）で検索　… Enter で一覧へ")
        self.search.textChanged.connect(self.refresh)
        self.search.returnPressed.connect(lambda: self.table.setFocus())
        self.new_button = QPushButton("＋ 新しい案件（Ctrl+N）")
        self.new_button.setMinimumHeight(44)
        self.new_button.clicked.connect(window.new_case)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.cellDoubleClicked.connect(lambda r, c: self.open_row(r))
        QShortcut(QKeySequence(Qt.Key_Return), self.table, activated=lambda: self.open_row(self.table.currentRow()))
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.search.setFocus)
        self.summary = QLabel()
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch()
        top.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.search)
        layout.addWidget(self.table)
        layout.addWidget(self.summary)
        self.ids: list[int] = []

    def refresh(self) -> None:
        rows = self.window.store.list_cases(self.search.text())
        book = self.window.book
        self.table.setRowCount(len(rows))
        self.ids = [r.id for r in rows]
        open_cases = 0
        for i, row in enumerate(rows):
            dates = case_dates(row)
            result = Session(book, dates, row.answers).result if (dates and book) else None
            left = outstanding(row, result)
            open_cases += bool(left) and row.status != "完了"
            death = row.deceased.get("death_date")
            values = (row.updated_at.replace("T", " ")[:16], row.title, row.deceased.get("kana", ""),
                      format_date(dt.date.fromisoformat(death)) if death else "",
                      row.applicant.get("name", ""), row.status, f"{left}件" if result else "—")
            for j, v in enumerate(values):
                item = QTableWidgetItem(v)
                if j == 6 and left:
                    item.setForeground(Qt.darkRed)
                self.table.setItem(i, j, item)
        self.summary.setText(f"{len(rows)}件（未完了の手続きがある案件 {open_cases}件）")
        if rows:
            self.table.selectRow(0)

    def open_row(self, row: int) -> None:
        if 0 <= row < len(self.ids):
            self.window.open_case(self.ids[row])
