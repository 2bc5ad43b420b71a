"""チェックリスト画面: the yes/no questions of one ``group:`` of the rulebook, answered on one screen (and the date
input for a city's own ``type: date`` question, the other screen the single-question panel did not have).

The engine says what the next screen is (``Session.next_screen``: one question, or the pending questions of a
group); this widget shows a group as a checklist. Keyboard first: each item has a key (1–9, then A–Z) that cycles
いいえ → はい → わからない; Enter records the whole screen (an item left at いいえ is answered いいえ). The question
panel of the case page hands over to it through :func:`attach` and :func:`show_next` (two hooks, nothing else).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ..core.engine import Screen
from ..core.facts import UNKNOWN_LITERAL
from ..core.wareki import format_date, parse_date
from .widgets import WrapButton

KEYS = "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CYCLE = (False, True, UNKNOWN_LITERAL)
_SHOWN = {False: "いいえ", True: "はい", UNKNOWN_LITERAL: "わからない"}
_STYLE = {False: "", True: "background: #dff0d8; font-weight: bold;", UNKNOWN_LITERAL: "background: #fcf3d9;"}


class ChecklistScreen(QWidget):
    """One checklist: a title, one row per question (its key, its answer, its text) and a 決定 button."""

    confirmed = Signal(dict)  # fact → True / False / "unknown"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.facts: tuple[str, ...] = ()
        self.values: dict[str, Any] = {}
        self.rows: list[QPushButton] = []
        self.texts: dict[str, str] = {}
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 20pt; font-weight: bold; padding: 8px 0;")
        self.help = QLabel("あてはまるものの番号を押してください（もう一度押すと「わからない」）。Enter で決定。")
        self.help.setWordWrap(True)
        self.help.setStyleSheet("color: #555; font-size: 12pt; background: #f3f5f8; padding: 8px;")
        self.items = QVBoxLayout()
        self.ok = QPushButton("決定（Enter）")
        self.ok.setMinimumHeight(48)
        self.ok.setStyleSheet("font-size: 16pt;")
        self.ok.clicked.connect(self.confirm)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.help)
        layout.addLayout(self.items)
        layout.addWidget(self.ok)
        self.setFocusPolicy(Qt.StrongFocus)

    def load(self, book, screen: Screen, answers: dict[str, Any]) -> None:
        """Show ``screen``'s questions; an item answered before starts from that answer, the others at いいえ."""
        while self.items.count():
            w = self.items.takeAt(0).widget()
            if w is not None:
                w.setParent(None)
        self.facts = screen.facts[:len(KEYS)]
        self.values = {f: answers.get(f, False) if answers.get(f) in _CYCLE else False for f in self.facts}
        self.texts = {f: book.questions[f].spec.text for f in self.facts}
        self.title.setText(f"{screen.group}（あてはまるものを選んでください）")
        self.rows = []
        for i, fact in enumerate(self.facts):
            row = WrapButton()  # a long question wraps: the pane never widens
            row.setMinimumHeight(44)
            row.clicked.connect(lambda _=False, n=i: self.toggle(n))
            self.items.addWidget(row)
            self.rows.append(row)
            self._paint(i)

    def _paint(self, i: int) -> None:
        fact = self.facts[i]
        value = self.values[fact]
        self.rows[i].setText(f"{KEYS[i]}　【{_SHOWN[value]}】　{self.texts[fact]}")
        self.rows[i].setStyleSheet("font-size: 14pt;" + _STYLE[value])

    def toggle(self, i: int) -> None:
        """いいえ → はい → わからない → いいえ."""
        if 0 <= i < len(self.facts):
            fact = self.facts[i]
            self.values[fact] = _CYCLE[(_CYCLE.index(self.values[fact]) + 1) % len(_CYCLE)]
            self._paint(i)

    def confirm(self) -> None:
        if self.facts:
            self.confirmed.emit(dict(self.values))

    def keyPressEvent(self, event) -> None:
        key = event.key()
        text = (event.text() or "").upper()
        if key in (Qt.Key_Return, Qt.Key_Enter):
            self.confirm()
            return
        if text and text in KEYS[:len(self.facts)]:
            self.toggle(KEYS.index(text))
            return
        super().keyPressEvent(event)


def attach(panel) -> ChecklistScreen:
    """Put a (hidden) checklist into the question panel, under its question label; answers go through the case
    page like single answers (saved at once, the session updated)."""
    checklist = ChecklistScreen(panel)
    checklist.hide()
    panel.layout().insertWidget(panel.layout().indexOf(panel.question) + 1, checklist)

    def give(values: dict) -> None:
        panel.history.extend(values)
        panel.page.answer_screen(values)  # the whole screen in one transaction
        panel.answered.emit(next(iter(values)))

    checklist.confirmed.connect(give)
    panel.open_other = _other_questions(panel)
    return checklist


def _other_questions(panel) -> QComboBox:
    """ほかの質問を開く: a question the rules do not ask now (児童手当 for an 85-year-old, a follow-up behind a
    gate) can still be opened and answered by the clerk; an answer given always wins."""
    combo = QComboBox()
    combo.setMinimumWidth(300)  # long questions are shown whole in the list that opens, not by widening the pane
    combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(16)
    combo.view().setMinimumWidth(640)
    combo.view().setTextElideMode(Qt.ElideNone)
    row = QHBoxLayout()
    row.addWidget(QLabel("ほかの質問を開く："))
    row.addWidget(combo, 1)
    panel.layout().addLayout(row)

    def fill() -> None:
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("（聞かれていない質問を選ぶ）", None)
        book, session = panel.page.book, panel.page.session
        if book is not None and session is not None:
            pending = set(session.result.pending_questions)
            answered = panel.page.row.answers if panel.page.row else {}
            for fact, q in book.questions.items():
                if fact not in pending and fact not in answered:
                    combo.addItem(q.spec.text, fact)
        combo.blockSignals(False)

    def chosen(index: int) -> None:
        fact = combo.itemData(index)
        if fact:
            panel.ask(fact)

    combo.activated.connect(chosen)
    combo.fill = fill
    return combo


def hide(panel) -> None:
    """Back to single questions (the clerk picked one question to change, or went back)."""
    panel.open_other.fill()
    panel.checklist.hide()
    panel.question.show()
    panel.buttons_box.show()


def show_next(panel, prefer: str | None) -> bool:
    """If the next screen is a checklist (and the clerk did not pick one question to change), show it in place of
    the single question and return True; otherwise hide it and return False."""
    session, checklist = panel.page.session, panel.checklist
    screen = session.next_screen if session is not None and prefer not in panel.page.book.questions else None
    if screen is None or not screen.is_checklist:
        hide(panel)
        return False
    panel.fact = None
    panel._clear_buttons()
    panel.question.hide()
    panel.hint.hide()
    panel.done.hide()
    panel.buttons_box.hide()
    panel.open_other.fill()
    checklist.load(panel.page.book, screen, panel.page.row.answers if panel.page.row else {})
    checklist.show()
    checklist.setFocus()
    panel.back.setEnabled(bool(panel.history))
    pending = session.result.pending_questions
    panel.progress.setText(f"あと約{panel.left(pending)}問（この画面で{len(screen.facts)}問）")
    panel._fill_answers()
    return True


def date_input(panel, current) -> QLineEdit:
    """A date question (a city's own ``type: date``): typed as 和暦 or 西暦 (R2.4.1, 令和2年4月1日, 2020-04-01),
    Enter records it (as YYYY-MM-DD); わからない is the button beside it."""
    edit = QLineEdit()
    edit.setPlaceholderText("例：R2.4.1、令和2年4月1日、2020-04-01")
    edit.setMinimumHeight(48)
    edit.setStyleSheet("font-size: 16pt;")
    if isinstance(current, str) and current != UNKNOWN_LITERAL:
        try:
            edit.setText(format_date(parse_date(current)))
        except ValueError:
            edit.setText(current)
    note = QLabel()
    note.setStyleSheet("color: #a00; font-size: 12pt;")

    def give() -> None:
        try:
            value = parse_date(edit.text())
        except ValueError as exc:
            note.setText(str(exc))
            return
        panel.give(value.isoformat())

    edit.returnPressed.connect(give)
    unknown = QPushButton("わからない")
    unknown.setMinimumHeight(48)
    unknown.clicked.connect(lambda: panel.give(UNKNOWN_LITERAL))
    panel.buttons.addWidget(edit, 0, 0, 1, 2)
    panel.buttons.addWidget(unknown, 0, 2)
    panel.buttons.addWidget(note, 1, 0, 1, 3)
    edit.setFocus()
    return edit
