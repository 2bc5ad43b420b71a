"""At start (起動時): who is at this terminal, and is it the corner or a department's terminal? Remembered per
PC (``terminal.json``), so the next start goes straight in; ``--operator`` / ``--department`` override."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout

CORNER = "__corner__"


class StartDialog(QDialog):
    def __init__(self, book, operators: list[str], *, operator: str = "", department: str | None = None,
                 parent=None):
        super().__init__(parent)
        self.setWindowTitle("okuyami — 担当者と端末")
        self.operator = QComboBox(editable=True)
        self.operator.addItems([o for o in operators if o])
        self.operator.setCurrentText(operator)
        self.operator.lineEdit().setPlaceholderText("担当者の氏名（操作の記録に残ります）")
        self.mode = QComboBox()
        self.mode.addItem("おくやみコーナー（聞き取り・案内票の印刷）", CORNER)
        if book is not None:
            for dept_id, dept in book.root.departments.items():
                self.mode.addItem(f"{dept.name}の端末", dept_id)
        index = self.mode.findData(department or CORNER)
        self.mode.setCurrentIndex(max(index, 0))
        form = QFormLayout()
        form.addRow("担当者", self.operator)
        form.addRow("この端末", self.mode)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("開始")
        buttons.button(QDialogButtonBox.Cancel).setText("終了")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("この端末で作業する担当者と、端末の役割を選んでください。次回からは自動で開きます。"))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _accept(self) -> None:
        if not self.operator.currentText().strip():
            self.error.setText("担当者の氏名を入力してください。")
            return
        self.accept()

    def chosen(self) -> tuple[str, str | None]:
        data = self.mode.currentData()
        return self.operator.currentText().strip(), (None if data == CORNER else data)
