"""The rulebook's problems as a list (ルールの誤り一覧): what `okuyami rules check` says, one row per problem with
its place (file:line:column) and the Japanese message, the cause first.

The window does not block the counter (non-modal): the clerk keeps working with the last good rulebook while the
department fixes its file, and the list can be opened again from the ルール menu.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..core.messages import kind_of
from ..core.problems import Problem


def _without_kind(message: str) -> str:
    """The message without its bracketed key word (the list shows that in its own column)."""
    kind = kind_of(message)
    return message[: -len(kind) - 3] if kind else message


class RuleProblemsDialog(QDialog):
    """A non-modal list of the rulebook's problems: 場所 / 内容 / 種類, errors before warnings, the cause first."""

    COLUMNS = ("場所（ファイル:行:桁）", "内容", "種類")

    def __init__(self, parent: QWidget | None, head: str, problems: list[Problem], *, reload=None):
        super().__init__(parent)
        self.setWindowTitle("ルールの誤り")
        self.setModal(False)
        self.setWindowModality(Qt.NonModal)
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        warnings = [p for p in self.problems if p.severity != "error"]
        self.head = QLabel(head)
        self.head.setWordWrap(True)
        self.head.setStyleSheet("font-size: 12pt; font-weight: bold;")
        counts = f"誤り {len(errors)}件" + (f"、警告 {len(warnings)}件" if warnings else "")
        self.info = QLabel(f"{counts}。上から順に直してください（最初の行が原因です）。担当課は "
                           "okuyami rules check で同じ一覧を確かめられます。")
        self.info.setWordWrap(True)
        shown = errors + warnings
        self.table = QTableWidget(len(shown), len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)  # the whole message, on as many lines as it needs
        for row, p in enumerate(shown):
            message = _without_kind(p.message)
            if p.severity != "error":
                message = "警告：" + message
            for col, text in enumerate((str(p.mark), message, kind_of(p.message) or "")):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignLeft | Qt.AlignTop)
                if p.severity != "error":
                    item.setForeground(Qt.darkYellow)
                elif row == 0:
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)
                self.table.setItem(row, col, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        header.sectionResized.connect(lambda *_: self.table.resizeRowsToContents())
        if shown:
            self.table.selectRow(0)
        buttons = QDialogButtonBox()
        self.copy_button = QPushButton("一覧をコピー")
        self.copy_button.clicked.connect(self.copy)
        buttons.addButton(self.copy_button, QDialogButtonBox.ActionRole)
        if reload is not None:
            self.reload_button = QPushButton("もう一度読み込む（F5）")
            self.reload_button.clicked.connect(reload)
            buttons.addButton(self.reload_button, QDialogButtonBox.ActionRole)
        close = buttons.addButton("閉じる", QDialogButtonBox.RejectRole)
        close.clicked.connect(self.close)
        box = QVBoxLayout(self)
        box.addWidget(self.head)
        box.addWidget(self.info)
        box.addWidget(self.table, 1)
        box.addWidget(buttons)
        self.resize(1100, 420)

    # -- what the clerk (and a test) reads ----------------------------------------------------------------------
    def text(self) -> str:
        return self.head.text()

    def rows(self) -> list[tuple[str, str, str]]:
        return [tuple(self.table.item(r, c).text() for c in range(3)) for r in range(self.table.rowCount())]

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.table.resizeRowsToContents()

    def detailedText(self) -> str:  # noqa: N802 - the same name as QMessageBox's, which this list replaced
        return "\n".join(str(p) for p in self.problems)

    def copy(self) -> None:
        """The whole list as `okuyami rules check` prints it, to paste into a mail to the department."""
        QGuiApplication.clipboard().setText(self.detailedText())
