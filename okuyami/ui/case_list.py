"""The case list (案件一覧): recent cases first, search by name, kana, 案件番号 or date (和暦 or western),
what is still open — one query per page, never one per case; the search waits for a pause in typing."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from ..core.wareki import format_date
from ..store.store import StoreError, to_jst
from .tables import row_table
from .worker import in_background

COLUMNS = ("更新", "亡くなった方", "フリガナ", "死亡日", "ご来庁の方", "状態", "未完了の手続き", "案件番号")
PAGE_SIZE = 50
DEBOUNCE_MS = 250
COUNT_CAP = 1000  # the total is counted up to here (「1000件以上」): never every case of five years per refresh


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
        self.table = row_table(COLUMNS, 1, multi=True)  # the name takes the room; two rows: 統合
        self.table.cellDoubleClicked.connect(lambda r, c: self.open_row(r))
        QShortcut(QKeySequence(Qt.Key_Return), self.table, activated=lambda: self.open_row(self.table.currentRow()))
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.search.setFocus)
        QShortcut(QKeySequence(Qt.Key_PageDown), self.table, activated=lambda: self.turn(1))
        QShortcut(QKeySequence(Qt.Key_PageUp), self.table, activated=lambda: self.turn(-1))
        self.prev_button = QPushButton("◀ 前の50件")
        self.next_button = QPushButton("次の50件 ▶")
        self.prev_button.clicked.connect(lambda: self.turn(-1))
        self.next_button.clicked.connect(lambda: self.turn(1))
        self.merge_button = QPushButton("2件を統合…")
        self.merge_button.setToolTip("同じ方の案件が二つあるとき：Ctrl を押しながら2件を選んで統合します")
        self.merge_button.clicked.connect(self.merge_selected)
        self.delete_button = QPushButton("空の案件を削除…（Delete）")
        self.delete_button.setToolTip("何も聞き取り・印刷・対応していない案件（間違って作ったもの）だけを削除できます")
        self.delete_button.clicked.connect(self.delete_selected)
        QShortcut(QKeySequence(Qt.Key_Delete), self.table, activated=self.delete_selected)
        self.summary = QLabel()
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch()
        top.addWidget(self.new_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.merge_button)
        bottom.addWidget(self.delete_button)
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
        if 0 <= page and (step < 0 or self.next_button.isEnabled()):
            self.page = page
            self.refresh(keep_page=True)

    @in_background
    def refresh(self, keep_page: bool = False, auto=None):
        """Read the page again (on the window's worker: the list waits, the window does not). ``auto``
        (okuyami.store.refresh.Refresh): another terminal changed something; the total is counted again only when
        cases were created or removed (``auto.count``)."""
        text = self.search.text()
        if not keep_page or text != self._last_search:
            self.page = 0 if text != self._last_search else self.page
        self._last_search = text
        store = self.store
        offset, count = self.page * PAGE_SIZE, auto is None or auto.count
        try:
            total, rows = yield lambda: (store.count_cases(text, cap=COUNT_CAP) if count else None,
                                         store.list_cases(text, limit=PAGE_SIZE, offset=offset))
            if total is not None:
                self.total = total
        except StoreError as exc:
            self.window.show_store_error(exc)
            return
        try:
            marks = yield lambda: store.case_marks([r.id for r in rows])  # 住基から取り込んだ案件・外字あり
        except StoreError:
            marks = {}
        self.table.setRowCount(len(rows))
        self.ids = [r.id for r in rows]
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
        total = f"{COUNT_CAP}件以上" if self.total > COUNT_CAP else f"全{self.total}件"
        self.summary.setText(f"{shown}{total}（このページで未完了の手続きがある案件 {open_cases}件）")
        self.prev_button.setEnabled(self.page > 0)
        # beyond the counted total: another page while this one is full
        self.next_button.setEnabled(first + len(rows) < self.total or (self.total > COUNT_CAP and len(rows) == PAGE_SIZE))
        if rows:
            self.table.selectRow(0)

    def open_row(self, row: int) -> None:
        if 0 <= row < len(self.ids):
            self.window.open_case(self.ids[row])

    # -- 空の案件の削除・同じ方の案件の統合 ------------------------------------------------------------------
    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.ids[r] for r in rows if 0 <= r < len(self.ids)]

    def _name(self, case_id: int) -> str:
        row = self.ids.index(case_id) if case_id in self.ids else -1
        name = self.table.item(row, 1).text() if row >= 0 else ""
        return f"案件番号 {case_id}（{name}）"

    def ask(self, title: str, text: str, choices: list[str]) -> int:
        """Ask the clerk; the index of the chosen button, or -1 for やめる (tests replace this)."""
        box = QMessageBox(QMessageBox.Question, title, text, parent=self)
        buttons = [box.addButton(c, QMessageBox.AcceptRole) for c in choices]
        box.setDefaultButton(box.addButton("やめる", QMessageBox.RejectRole))
        box.exec()
        return buttons.index(box.clickedButton()) if box.clickedButton() in buttons else -1

    def tell(self, text: str) -> None:
        QMessageBox.information(self, "案件一覧", text)

    @in_background
    def delete_selected(self, *_ignored):
        ids = self.selected_ids()
        if len(ids) != 1:
            self.tell("削除する案件を1件だけ選んでください。")
            return
        case_id = ids[0]
        store = self.store
        try:
            reasons = yield lambda: store.why_not_empty(case_id)
            if reasons:
                self.tell(f"{self._name(case_id)} は削除できません：{'、'.join(reasons)}。\n"
                          "不要になった案件は、案件を開いて状態を「完了」にしてください。")
                return
            if self.ask("空の案件を削除", f"{self._name(case_id)} を削除します。元に戻せません。", ["削除する"]) != 0:
                return
            yield lambda: store.delete_empty_case(case_id)
        except StoreError as exc:
            self.window.show_store_error(exc)
            return
        self.refresh(keep_page=True)

    @in_background
    def merge_selected(self, *_ignored):
        ids = self.selected_ids()
        if len(ids) != 2:
            self.tell("同じ方の案件を2件選んでください（Ctrl を押しながらクリック）。")
            return
        keep, other = min(ids), max(ids)  # the older case is kept by default: its number is on earlier papers
        store, book = self.store, self.window.book
        try:
            plan = yield lambda: store.merge_plan(keep, other, book)
        except StoreError as exc:
            self.window.show_store_error(exc)
            return
        lines = [f"{self._name(other)} の内容を {self._name(keep)} にまとめ、{other} は削除します（記録は残ります）。"]
        if plan.carried:
            lines.append("引き継ぐもの：" + "、".join(plan.carried[:12]) + ("…" if len(plan.carried) > 12 else ""))
        if plan.conflicts:
            lines.append("食い違い（残す案件の内容のままにします。必要なら統合後に直してください）：\n・"
                         + "\n・".join(plan.conflicts))
        choice = self.ask("同じ方の案件を統合", "\n\n".join(lines), [f"案件番号 {keep} に統合する",
                                                                     f"逆に 案件番号 {other} を残す"])
        if choice == 1:
            keep, other = other, keep
        elif choice != 0:
            return
        try:
            result = yield lambda: store.merge_cases(keep, other, book)
        except StoreError as exc:
            self.window.show_store_error(exc)
            return
        self.refresh(keep_page=True)
        self.window.statusBar().showMessage(f"案件番号 {other} を {keep} に統合しました"
                                            + (f"（食い違い {len(result.conflicts)}件）" if result.conflicts else ""), 10000)
