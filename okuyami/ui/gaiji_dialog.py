"""外字の印刷方法: before a case with a private-use character (外字, e.g. from the 住基 import) prints, the clerk
chooses for each character — leave it to be written by hand (it prints as 〓) or a substitute they type. The
choice is stored with the case (the stored name keeps the 外字); the logic is okuyami/documents/gaiji.py."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QButtonGroup, QDialog, QDialogButtonBox, QGridLayout, QLabel, QLineEdit, QRadioButton,
                               QVBoxLayout)

from ..core.case import Case
from ..documents.gaiji import FIELD_JA, HANDWRITTEN, apply_choices, found_in_case, gaiji_in, unresolved
from ..documents.fonts import MISSING_MARK


class GaijiDialog(QDialog):
    """One row per 外字: 〇 手書きで補う（〓で印刷） / 〇 代わりの字で印刷 [　]."""

    def __init__(self, parent, found: list[tuple[str, str, str]], choices: dict[str, str]):
        super().__init__(parent)
        self.setWindowTitle("外字の印刷方法")
        self.setWindowModality(Qt.WindowModal)
        head = QLabel("この案件には、このパソコンのフォントで印刷できない外字（住基の独自の文字）があります。"
                      "印刷する前に、文字ごとに印刷のしかたを選んでください。登録されている氏名などは変わりません。")
        head.setWordWrap(True)
        grid = QGridLayout()
        self.rows: dict[str, tuple[QRadioButton, QRadioButton, QLineEdit]] = {}
        seen: list[str] = []
        for field, text, ch in found:
            if ch in seen:
                continue
            seen.append(ch)
            shown = "".join("〓" if c == ch else c for c in text)
            label = QLabel(f"{FIELD_JA.get(field, field)}「{shown}」の〓（U+{ord(ch):04X}）")
            hand = QRadioButton(f"手書きで補う（{MISSING_MARK} で印刷）")
            typed = QRadioButton("代わりの字で印刷：")
            edit = QLineEdit()
            edit.setMaxLength(4)
            edit.setPlaceholderText("例：吉")
            group = QButtonGroup(self)
            group.addButton(hand)
            group.addButton(typed)
            current = choices.get(ch)
            (typed if current else hand).setChecked(True)
            edit.setText(current or "")
            edit.textEdited.connect(lambda _t, b=typed: b.setChecked(True))
            r = len(self.rows)
            grid.addWidget(label, r * 2, 0, 1, 3)
            grid.addWidget(hand, r * 2 + 1, 0)
            grid.addWidget(typed, r * 2 + 1, 1)
            grid.addWidget(edit, r * 2 + 1, 2)
            self.rows[ch] = (hand, typed, edit)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("この方法で印刷する")
        buttons.button(QDialogButtonBox.Cancel).setText("キャンセル")
        buttons.accepted.connect(self.check_and_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addLayout(grid)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def choices(self) -> dict[str, str]:
        return {ch: (edit.text().strip() if typed.isChecked() else HANDWRITTEN)
                for ch, (_hand, typed, edit) in self.rows.items()}

    def check_and_accept(self) -> None:
        for ch, (_hand, typed, edit) in self.rows.items():
            text = edit.text().strip()
            if typed.isChecked() and (not text or gaiji_in(text) or " " in text or "\u3000" in text):
                self.error.setText(f"U+{ord(ch):04X} の代わりの字を入力してください（外字や空白は使えません）。"
                                   "手書きにする場合は「手書きで補う」を選んでください。")
                edit.setFocus()
                return
        self.accept()


def prepare(parent, store, case_id: int, case: Case, retry, *, ask_again: bool = False) -> Case | None:
    """The case as it prints (外字 replaced as chosen), or None while the clerk is choosing: the dialog is open and
    ``retry()`` runs once the choice is saved. ``ask_again``: the clerk changes a choice already made. ``store``:
    anything with ``gaiji_choices`` / ``set_gaiji_choice`` (the case page: the choices read with the case, the
    change through its outbox)."""
    found = found_in_case(case)
    if not found:
        return case
    choices = store.gaiji_choices(case_id)
    missing = [ch for _f, _t, ch in found] if ask_again else unresolved([ch for _f, _t, ch in found], choices)
    if not missing:
        return apply_choices(case, choices)
    dialog = GaijiDialog(parent, [f for f in found if f[2] in missing], choices)

    def chosen() -> None:
        for ch, substitute in dialog.choices().items():
            store.set_gaiji_choice(case_id, ch, substitute)
        retry()

    dialog.accepted.connect(chosen)
    parent.gaiji_dialog = dialog  # kept alive while open (and found by tests)
    dialog.open()
    return None
