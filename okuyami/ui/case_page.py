"""One case (案件): intake, the questionnaire, the procedures updating beside them, and printing.

Everything the clerk enters is saved the moment it is entered: into the window's outbox on this PC's disk
(:meth:`CasePage.enter`), which sends it to the store in order — at once while the server answers, when it is back
otherwise (⏳ 未送信 beside what waits). The engine's incremental ``Session`` re-evaluates after each answer on this
PC, and the procedures panel follows, so an interview can be finished and printed while the server is away. The
case is read off the GUI thread (okuyami/ui/worker.py): opening one shows 読み込み中… until it is there.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import unicodedata
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut, QValidator
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout,
                               QHeaderView,
                               QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QScrollArea, QSpinBox,
                               QSplitter, QTabWidget, QTextBrowser, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from ..core.engine import REQUIRED, Session
from ..core.facts import FACTS, UNKNOWN_LITERAL
from ..core.problems import InvalidInput, Problems
from ..core.report import group_by_place, place_heading
from ..core.urgency import URGENT_DAYS, urgency
from ..core.wareki import format_date
from ..documents.i18n import LANGUAGE_LABELS
from ..documents.packet import forms_for, make_packet
from ..documents.templates import load_templates
from ..store.outbox import CONFLICT, ENTERED, overlay
from ..store.outbox import apply_to_row as _apply_locally
from ..store.store import ANY, STATE_LABELS, TASK_LABELS, CaseRow, StoreError, StoreUnavailable, to_jst
from ..store.workflow import (case_dates, check_field, parse_count, parse_follow_up, plain_problem,
                              printer_offset_mm, to_case)
from . import checklist, gaiji_dialog
from .history import HistoryPanel
from .printing import PrintStatus
from .outbox import unsent_mark
from .qtfix import save_file_name
from .widgets import WrapButton
from .worker import in_background

INTAKE = [  # (part, field, label, placeholder) — hints start with 例： or are in （）, never look like data
    ("deceased", "name", "氏名", "例：山田 太郎（姓と名の間にスペース）"),
    ("deceased", "kana", "フリガナ", "例：ヤマダ タロウ（ひらがなでも可）"),
    ("deceased", "sex", "性別", ""),
    ("deceased", "birth_date", "生年月日", "例：昭和16年3月2日 / S16.3.2 / 1941-03-02"),
    ("deceased", "death_date", "死亡日", "例：R8.11.15 / 11/15 / 11月15日"),
    ("deceased", "address", "住所", "例：〇〇市〇〇町1-2-3"),
    ("deceased", "registered_domicile", "本籍", "（わかれば）"),
    ("applicant", "name", "氏名", "例：山田 花子"),
    ("applicant", "kana", "フリガナ", "例：ヤマダ ハナコ"),
    ("applicant", "relationship", "続柄", "例：妻・長男"),
    ("applicant", "birth_date", "生年月日", "（任意）"),
    ("applicant", "address", "住所", "（わかれば）"),
    ("applicant", "phone", "電話", "例：090-1234-5678"),
    ("funeral", "date", "葬儀日", "例：11/18（未定なら空欄）"),
    ("funeral", "chief_mourner", "喪主", "例：山田 花子"),
]
CASE_STATUSES = tuple(STATE_LABELS.values())  # 未来庁・受付中・印刷済・後日対応あり・完了
PROCEDURE_STATUSES = tuple(TASK_LABELS.values())  # 未着手・準備済・完了・後日・不要
PARTS = {"deceased": "亡くなった方", "applicant": "ご来庁の方（届出人）", "funeral": "葬儀"}
URGENT_COLOR = QColor("#b00020")
STATE_CODES = {label: code for code, label in STATE_LABELS.items()}
TASK_CODES = {label: code for code, label in TASK_LABELS.items()}
UNSENT_TEXT = "{mark} 未送信（このパソコンに保存済み。接続が戻ると自動で送ります）"
UNSENT_STYLE = "color: #8a5a00; font-weight: bold;"
RELATIONSHIPS = ["", "妻", "夫", "長男", "長女", "次男", "次女", "子", "父", "母", "兄", "姉", "弟", "妹", "孫", "その他"]


def answer_text(fact: str, value, facts=None) -> str:
    if value == UNKNOWN_LITERAL:
        return "わからない"
    d = (facts or FACTS).get(fact)  # facts: the rulebook's catalogue (with the city's own facts)
    if d is None:  # a fact the rulebook no longer has
        return str(value)
    return f"{value}{d.unit}" if d.kind == "int" else d.label(value)


def show_checked(checked, field: str, note: QLabel, edit: QWidget) -> None:
    """What :func:`~okuyami.store.workflow.check_field` said, under the field: ⚠ the problem (red when nothing can
    be stored), → the date as read; and the field shows what is stored (カタカナ for ひらがな, one space)."""
    if checked.error:
        note.setText(f"⚠ {checked.error}")
        note.setStyleSheet("color: #b00020; font-weight: bold;" if checked.value is None else "color: #b06000;")
        note.show()
    elif checked.shown and field.endswith("date"):
        note.setText(f"→ {checked.shown}")
        note.setStyleSheet("color: #205080;")
        note.show()
    else:
        note.hide()
    if isinstance(edit, QLineEdit) and checked.value and not field.endswith("date") and edit.text() != checked.value:
        edit.blockSignals(True)
        edit.setText(checked.value)
        edit.blockSignals(False)


class IntakeForm(QScrollArea):
    """基本情報: typed once, checked as typed, saved field by field."""

    changed = Signal(str, str)  # part, field

    def __init__(self, page: "CasePage"):
        super().__init__()
        self.page = page
        self.setWidgetResizable(True)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        self.edits: dict[tuple[str, str], QWidget] = {}
        self.notes: dict[tuple[str, str], QLabel] = {}
        self.marks: dict[tuple[str, str], QLabel] = {}  # ⏳ 未送信 / ⚠ not sent (a conflict), under the field
        for part, title in PARTS.items():
            box = QGroupBox(title)
            form = QFormLayout(box)
            for p, field, label, hint in INTAKE:
                if p != part:
                    continue
                if field == "sex":
                    w = QComboBox()
                    w.addItems(["", "男", "女"])
                    w.currentIndexChanged.connect(lambda _=0, k=(p, field): self.commit(k))
                elif field == "relationship":
                    w = QComboBox()
                    w.setEditable(True)
                    w.addItems(RELATIONSHIPS)
                    w.lineEdit().setPlaceholderText(hint)
                    w.lineEdit().editingFinished.connect(lambda k=(p, field): self.commit(k))
                    w.activated.connect(lambda _=0, k=(p, field): self.commit(k))
                else:
                    w = QLineEdit()
                    w.setPlaceholderText(hint)
                    w.editingFinished.connect(lambda k=(p, field): self.commit(k))
                note = QLabel()
                note.setWordWrap(True)
                cell = QWidget()
                v = QVBoxLayout(cell)
                v.setContentsMargins(0, 0, 0, 0)
                v.addWidget(w)
                v.addWidget(note)
                note.hide()
                mark = QLabel()
                mark.setWordWrap(True)
                mark.hide()
                v.addWidget(mark)
                self.marks[(p, field)] = mark
                form.addRow(label, cell)
                self.edits[(p, field)] = w
                self.notes[(p, field)] = note
            layout.addWidget(box)
        layout.addStretch()
        self.setWidget(inner)

    def text_of(self, key) -> str:
        w = self.edits[key]
        if isinstance(w, QComboBox):
            if key[1] == "sex":
                return {"男": "male", "女": "female"}.get(w.currentText(), "")
            return w.currentText()
        return w.text()

    def set_text(self, key, value: str) -> None:
        """Type into a field (used by load and by tests) and commit it like the clerk would."""
        w = self.edits[key]
        if isinstance(w, QComboBox):
            if key[1] == "sex":
                w.setCurrentText({"male": "男", "female": "女"}.get(value, ""))
            else:
                w.setCurrentText(value)
        else:
            w.setText(value)
        self.commit(key)

    @property
    def pending(self) -> set[tuple[str, str]]:
        """The fields entered and not yet in the store (waiting in the outbox)."""
        page = self.page
        if page.case_id is None:
            return set()
        return {(e.data["part"], e.data["field"]) for e in page.window.outbox.pending(page.case_id)
                if e.kind == "person"}

    def show_marks(self, unsent: set[tuple], conflicts: dict[tuple, str]) -> None:
        """⏳ under each field whose entry waits to be sent; ⚠ and both values under one that was not sent."""
        for (part, field), mark in self.marks.items():
            target = ("person", part, field)
            if target in conflicts:
                mark.setText(conflicts[target])
                mark.setStyleSheet("color: #b00020; font-weight: bold;")
                mark.show()
            elif target in unsent:
                mark.setText(UNSENT_TEXT.format(mark=unsent_mark()))
                mark.setStyleSheet(UNSENT_STYLE)
                mark.show()
            else:
                mark.hide()

    def load(self, row: CaseRow) -> None:
        self._loading = True
        for (part, field), w in self.edits.items():
            value = getattr(row, part).get(field, "") or ""
            if field.endswith("date") and value:
                value = format_date(dt.date.fromisoformat(value))
            w.blockSignals(True)
            if isinstance(w, QComboBox):
                w.setCurrentText({"male": "男", "female": "女"}.get(value, value) if field == "sex" else value)
            else:
                w.setText(value)
            w.blockSignals(False)
            self.notes[(part, field)].hide()
        self._loading = False

    def refresh_from(self, row: CaseRow) -> None:
        """Show another terminal's changes, except in the field being typed and in unsent fields."""
        focused = next((k for k, w in self.edits.items() if w.hasFocus()), None)
        self._loading = True
        for key, w in self.edits.items():
            if key == focused or key in self.pending:
                continue
            part, field = key
            value = getattr(row, part).get(field) or ""
            if isinstance(w, QLineEdit) and not field.endswith("date") and w.text() != value:
                w.blockSignals(True)
                w.setText(value)
                w.blockSignals(False)
        self._loading = False

    def show_stored(self, key, row: CaseRow) -> None:
        """Put what the store holds back into a field (its entry was refused: the mark says what was typed)."""
        w = self.edits[key]
        value = getattr(row, key[0]).get(key[1]) or ""
        if key[1].endswith("date") and value:
            value = format_date(dt.date.fromisoformat(value))
        w.blockSignals(True)
        if isinstance(w, QComboBox):
            w.setCurrentText({"male": "男", "female": "女"}.get(value, value) if key[1] == "sex" else value)
        else:
            w.setText(value)
        w.blockSignals(False)
        self.notes[key].hide()

    def commit(self, key) -> None:
        if getattr(self, "_loading", False) or self.page.case_id is None:
            return
        part, field = key
        row = self.page.row
        text = self.text_of(key)
        checked = check_field(part, field, text, row, self.page.window.today)
        note = self.notes[key]
        show_checked(checked, field, note, self.edits[key])
        if checked.error and checked.value is None:
            return
        if (getattr(row, part).get(field) or None) == checked.value:
            return
        # on this PC's disk first (the outbox), then to the store in order; the screen already shows it
        self.page.enter("person", {"part": part, "field": field, "value": checked.value,
                                   "expected": getattr(row, part).get(field)})
        self.changed.emit(part, field)

    def error_of(self, key) -> str:
        note = self.notes[key]
        return note.text() if note.isVisible() and note.text().startswith("⚠") else ""


class WideSpinBox(QSpinBox):
    """A number box that reads full-width digits too (「２」「２人」 is 2; Qt's own box would refuse them)."""

    def validate(self, text, pos):
        if not text.strip():
            return (QValidator.Intermediate, text, pos)
        n = parse_count(text, self.maximum())
        if n is None:
            return (QValidator.Invalid, text, pos)
        return (QValidator.Acceptable if n >= self.minimum() else QValidator.Intermediate, text, pos)

    def valueFromText(self, text):  # noqa: N802 (Qt)
        n = parse_count(text, self.maximum())
        return self.minimum() if n is None else n


class CountBox(WideSpinBox):
    """The count answer: empty until typed (Enter on empty answers nothing)."""

    def __init__(self):
        super().__init__()
        self.setRange(-1, 20)
        self.setSpecialValueText(" ")  # -1 = not typed yet


class QuestionPanel(QWidget):
    """聞き取り: one question at a time, big buttons, keys 1/2/3…, Enter, Backspace; any answer can be changed."""

    answered = Signal(str)

    def __init__(self, page: "CasePage"):
        super().__init__()
        self.page = page
        self.fact: str | None = None
        self.history: list[str] = []
        self.progress = QLabel()
        self.progress.setStyleSheet("color: #555; font-size: 12pt;")
        self.question = QLabel()
        self.question.setWordWrap(True)
        self.question.setStyleSheet("font-size: 20pt; font-weight: bold; padding: 8px 0;")
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555; font-size: 12pt; background: #f3f5f8; padding: 8px;")
        self.buttons_box = QWidget()
        self.buttons = QGridLayout(self.buttons_box)
        self.number = CountBox()
        self.number.setMinimumHeight(48)
        self.number.setStyleSheet("font-size: 18pt;")
        self.back = QPushButton("← 前の質問（Backspace）")
        self.back.clicked.connect(self.go_back)
        self.done = QLabel()
        self.done.setWordWrap(True)
        self.done.setStyleSheet("font-size: 16pt; color: #205080;")
        self.answers = QListWidget()
        self.answers.itemActivated.connect(lambda item: self.ask(item.data(Qt.UserRole)))
        layout = QVBoxLayout(self)
        layout.addWidget(self.progress)
        layout.addWidget(self.question)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons_box)
        layout.addWidget(self.done)
        row = QHBoxLayout()
        row.addWidget(self.back)
        row.addStretch()
        layout.addLayout(row)
        layout.addWidget(QLabel("これまでの回答（ダブルクリックまたは Enter で変更）"))
        layout.addWidget(self.answers, 1)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setAttribute(Qt.WA_InputMethodEnabled, True)  # full-width digits from the IME
        self.choice_values: list = []
        self._unsent_facts: set[str] = set()
        self.left_shown: int | None = None  # 「あと約N問」 as last shown
        self.just_answered = 0  # answers recorded since it was last shown
        self.changed_earlier = False  # an earlier answer was changed: the count may go up again
        self.checklist = checklist.attach(self)  # group: questions answered on one screen (okuyami/ui/checklist.py)

    # -- which question ----------------------------------------------------------------------------------
    def left(self, pending) -> int:
        """「あと約N問」: the engine's pending questions, but never more than before and one fewer after each
        answer — an answer that opens follow-up questions (土地 → 農地・森林) does not make the count go up while
        the clerk goes forward; it may go up only when an earlier answer is changed (or the case is opened again)."""
        n = len(pending)
        if n and self.left_shown is not None and not self.changed_earlier:
            n = max(1, min(n, self.left_shown - self.just_answered))
        self.just_answered = 0
        self.changed_earlier = False
        self.left_shown = n
        return n

    def refresh(self, prefer: str | None = None) -> None:
        session = self.page.session
        if session is None:
            self.fact = None
            self.question.setText("まず「基本情報」で、亡くなった方の生年月日と死亡日を入力してください。")
            self.hint.hide()
            self._clear_buttons()
            self.progress.setText("")
            self.done.hide()
            self.back.setEnabled(False)
            self._fill_answers()
            return
        pending = session.result.pending_questions
        if prefer not in pending and prefer not in self.page.row.answers:
            prefer = None  # no longer asked (e.g. the intake now answers it): go on with the next screen
        if checklist.show_next(self, prefer):
            return
        fact = prefer if prefer in self.page.book.questions else (pending[0] if pending else None)
        left = self.left(pending)
        self.progress.setText(f"あと約{left}問" if pending else "質問はすべて終わりました")
        self._show(fact)
        self._fill_answers()

    def ask(self, fact: str) -> None:
        """Show a question again to change its answer."""
        if self.fact and self.fact != fact:
            self.history.append(self.fact)
        self._show(fact)

    def _show(self, fact: str | None) -> None:
        checklist.hide(self)
        self.fact = fact
        if self.page.row is not None and self.page.row.current_question != fact:  # where to resume: not audited
            self.page.enter("question", {"fact": fact}, durable=False)
        self._clear_buttons()
        self.back.setEnabled(bool(self.history))
        if fact is None:
            self.question.setText("必要な質問はすべて伺いました。")
            self.hint.hide()
            self.done.setText("右の一覧を確認して、「3 印刷」（Ctrl+3）で案内票と申請書を作成できます。")
            self.done.show()
            return
        self.done.hide()
        q = self.page.book.questions[fact]
        current = self.page.row.answers.get(fact)
        from_juki = "・住基から。違っていれば選び直してください" if self.page.row.sources.get(fact) == "juki" else ""
        self.question.setText(q.spec.text + (f"\n（いまの回答：{answer_text(fact, current, self.page.book.facts)}{from_juki}）"
                                             if current is not None else ""))
        self.hint.setText(q.spec.hint or "")
        self.hint.setVisible(bool(q.spec.hint))
        d = self.page.book.facts[fact]
        if d.kind == "bool":
            options = [(True, "はい"), (False, "いいえ"), (UNKNOWN_LITERAL, "わからない")]
        elif d.kind == "enum":
            options = [(v, q.spec.choices[v]) for v in d.values] + [(UNKNOWN_LITERAL, "わからない")]
        else:
            options = []
        self.choice_values = [v for v, _ in options]
        for i, (value, label) in enumerate(options):
            b = WrapButton(f"{i + 1}　{label}")  # a long choice wraps instead of widening the pane
            b.setMinimumHeight(56)
            b.setFocusPolicy(Qt.NoFocus)  # a stray Space/Enter never presses an answer
            b.setStyleSheet("font-size: 16pt;")
            b.clicked.connect(lambda _=False, v=value: self.give(v))
            self.buttons.addWidget(b, i // 3, i % 3)
        if d.kind == "int":
            self.number.setValue(current if isinstance(current, int) else -1)
            ok = QPushButton("決定（Enter）")
            ok.setMinimumHeight(56)
            ok.setFocusPolicy(Qt.NoFocus)
            ok.setStyleSheet("font-size: 16pt;")
            ok.clicked.connect(self.give_count)
            self.buttons.addWidget(QLabel(f"人数（{d.unit or '数'}）"), 0, 0)
            self.buttons.addWidget(self.number, 0, 1)
            self.buttons.addWidget(ok, 0, 2)
            self.number.setFocus()
            self.number.selectAll()
        elif d.kind == "date":
            checklist.date_input(self, current)
        else:
            self.setFocus()

    def _clear_buttons(self) -> None:
        while self.buttons.count():
            w = self.buttons.takeAt(0).widget()
            if w is not None:
                w.setParent(None)
        self.choice_values = []

    def _fill_answers(self) -> None:
        self.answers.clear()
        row = self.page.row
        if row is None or self.page.book is None:
            return
        for fact, q in self.page.book.questions.items():
            if fact in row.answers:
                source = "　［住基］" if row.sources.get(fact) == "juki" else ""  # 住基から: the clerk may correct it
                text = f"{q.spec.text}　→　{answer_text(fact, row.answers[fact], self.page.book.facts)}{source}"
                item = QListWidgetItem(text)
                item.setData(Qt.UserRole, fact)
                item.setData(Qt.UserRole + 1, text)
                self.answers.addItem(item)
        self.show_marks(self._unsent_facts)

    def show_marks(self, facts: set[str]) -> None:
        """⏳ after each answer that waits in the outbox."""
        self._unsent_facts = facts
        for i in range(self.answers.count()):
            item = self.answers.item(i)
            item.setText(item.data(Qt.UserRole + 1)
                         + (f"　{unsent_mark()} 未送信" if item.data(Qt.UserRole) in facts else ""))

    # -- answering -----------------------------------------------------------------------------------------
    def give(self, value) -> None:
        if self.fact is None:
            return
        fact = self.fact
        if fact in self.page.row.answers and self.page.row.answers[fact] != value:
            self.changed_earlier = True  # a changed answer may open questions again
        self.history.append(fact)
        self.page.answer(fact, value)
        self.answered.emit(fact)

    def give_count(self) -> None:
        """The typed count (full-width digits too); nothing typed answers nothing."""
        self.number.interpretText()
        if self.number.value() < 0:
            self.hint.setText("人数を数字で入力してから Enter を押してください（０人なら 0）。")
            self.hint.show()
            self.number.setFocus()
            return
        self.give(self.number.value())

    def go_back(self) -> None:
        if self.history:
            self._show(self.history.pop())
            self._fill_answers()

    def keyPressEvent(self, event) -> None:
        """Only the answer keys answer: 1–9 (also full-width １–９) for a listed choice, Enter for a typed count.

        A held-down key (auto-repeat) or a key with Ctrl/Alt never answers, so a stray key cannot skip questions.
        """
        key = event.key()
        if event.isAutoRepeat() or event.modifiers() & (Qt.ControlModifier | Qt.AltModifier | Qt.MetaModifier):
            super().keyPressEvent(event)
            return
        digit = unicodedata.normalize("NFKC", event.text() or "")
        if Qt.Key_1 <= key <= Qt.Key_9:
            digit = str(key - Qt.Key_0)
        if len(digit) == 1 and "1" <= digit <= "9" and self.choice_values:
            i = int(digit) - 1
            if i < len(self.choice_values):
                self.give(self.choice_values[i])
                return
        if key in (Qt.Key_Return, Qt.Key_Enter) and self.fact and self.page.book.facts[self.fact].kind == "int":
            self.give_count()
            return
        if key == Qt.Key_Backspace:
            self.go_back()
            return
        super().keyPressEvent(event)

    def inputMethodEvent(self, event) -> None:  # noqa: N802 (Qt)
        """A digit committed by the Japanese input method (「１」) answers like the key 1."""
        digit = unicodedata.normalize("NFKC", event.commitString() or "").strip()
        if len(digit) == 1 and "1" <= digit <= "9" and self.choice_values:
            i = int(digit) - 1
            if i < len(self.choice_values):
                self.give(self.choice_values[i])
        event.accept()


def short_day(day: dt.date, today: dt.date) -> str:
    """「12/1(月)」 this year, 「2031年12/1(月)」 another year (「あと1818日」 says when)."""
    year = f"{day.year}年" if day.year != today.year else ""
    return f"{year}{day.month}/{day.day}({'月火水木金土日'[day.weekday()]})"


def _place_label(book, kind: str, pid: str) -> str:
    """Short heading for the tree: 1階 2番窓口　市民課 戸籍係 / 外部：サンプル年金事務所."""
    if kind == "counter":
        c = book.root.counters[pid]
        number = f"{c.number}番窓口" if isinstance(c.number, int) else c.number
        return f"{c.floor} {number}　{c.name}"
    return f"外部：{book.root.agencies[pid].name}"


class ProcedurePanel(QWidget):
    """The procedures, live, grouped by counter; selecting one shows why it applies; return-visit status."""

    def __init__(self, page: "CasePage"):
        super().__init__()
        self.page = page
        self.summary = QLabel()
        self.summary.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.tree = QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["手続き", "判定", "期限", "対応"])
        header = self.tree.header()  # the title takes what is left; 判定・期限・対応 always keep their room
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        header.setSectionResizeMode(1, QHeaderView.Fixed)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.Fixed)
        self.tree.setColumnWidth(1, 56)
        self.tree.setColumnWidth(3, 96)
        self.setMinimumWidth(600)
        self.tree.currentItemChanged.connect(lambda cur, prev: self.show_detail(cur))
        self.detail = QTextBrowser()
        self.note = QLineEdit()
        self.note.setPlaceholderText("メモ（後日対応の内容など）… Enter で保存")
        self.note.editingFinished.connect(self.save_note)
        self.follow_up = QLineEdit()  # 後日の予定日: only for a procedure put off (後日)
        self.follow_up.setPlaceholderText("後日の予定日（例：12/4）")
        self.follow_up.setMinimumWidth(230)
        self.follow_up.setMaximumWidth(230)
        self.follow_up.setEnabled(False)
        self.follow_up.editingFinished.connect(self.save_follow_up)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.tree)
        split.addWidget(self.detail)
        split.setSizes([520, 200])
        layout.addWidget(split, 1)
        notes = QHBoxLayout()
        notes.addWidget(self.note, 1)
        notes.addWidget(self.follow_up)
        layout.addLayout(notes)
        self.follow_note = QLabel()  # 後日 after the legal deadline: said in red, with the deadline
        self.follow_note.setWordWrap(True)
        self.follow_note.setStyleSheet("color: #b00020; font-weight: bold;")
        self.follow_note.hide()
        layout.addWidget(self.follow_note)
        self._late_ok: tuple | None = None  # (procedure, day) the clerk was warned about: Enter again confirms
        self.items: dict[str, QTreeWidgetItem] = {}
        self.results = {}

    def refresh(self) -> None:
        session, book, row = self.page.session, self.page.book, self.page.row
        selected = self.tree.currentItem().data(0, Qt.UserRole) if self.tree.currentItem() else None
        self.tree.clear()
        self.items.clear()
        self.results.clear()
        if session is None:
            self.summary.setText("生年月日と死亡日を入力すると、必要な手続きがここに表示されます。")
            self.detail.clear()
            return
        result = session.result
        n_req = sum(p.status == REQUIRED for p in result.procedures)
        n_conf = len(result.procedures) - n_req
        left = self.page.questions.left_shown
        left = len(result.pending_questions) if left is None else left
        self.summary.setText(f"必要な手続き {n_req}件" + (f"・要確認 {n_conf}件" if n_conf else "")
                             + (f"（質問あと約{left}問）" if result.pending_questions else ""))
        bold = QFont()
        bold.setBold(True)
        today = self.page.window.today
        groups = [(kind, pid, items) for kind, pid, items in group_by_place(book, result)]
        open_items = [(p, kind, pid) for kind, pid, items in groups for p in items
                      if row.statuses.get(p.code, ("未着手", ""))[0] not in ("完了", "不要")]
        urgent = sorted(((p, kind, pid) for p, kind, pid in open_items if urgency(p.deadline, today).is_urgent),
                        key=lambda t: urgency(t[0].deadline, today).sort_key)
        urgent_codes = {p.code for p, _, _ in urgent}
        if urgent:  # 急ぎ first: overdue (most overdue first), today, within 7 days
            self.summary.setText(self.summary.text() + f"　⚠ 急ぎ {len(urgent)}件")
            head = QTreeWidgetItem([f"⚠ 急ぎ（期限切れ・{URGENT_DAYS}日以内）{len(urgent)}件"])
            head.setFont(0, bold)
            head.setForeground(0, URGENT_COLOR)
            self.tree.addTopLevelItem(head)
            head.setFirstColumnSpanned(True)
            for p, kind, pid in urgent:
                self._add_item(head, p, row, today, place=_place_label(book, kind, pid))
            head.setExpanded(True)
        for kind, pid, items in groups:
            rest = [p for p in items if p.code not in urgent_codes]
            if not rest:
                continue
            head = QTreeWidgetItem([_place_label(book, kind, pid)])
            head.setFont(0, bold)
            head.setToolTip(0, place_heading(book, kind, pid))
            self.tree.addTopLevelItem(head)
            head.setFirstColumnSpanned(True)  # only once it is in the tree
            for p in rest:
                self._add_item(head, p, row, today)
            head.setExpanded(True)
        if selected in self.items:
            self.tree.setCurrentItem(self.items[selected])

    def _add_item(self, head: QTreeWidgetItem, p, row, today: dt.date, place: str = "") -> None:
        """One procedure: title (and its counter when listed under 急ぎ), 要/要確認, deadline with 「あとN日」 — or
        ✓ 済 once done (never 期限切れ), 後日 with its day (in red after the legal deadline) — and 対応."""
        u = urgency(p.deadline, today)
        due = format_date(p.deadline, weekday=True) + "まで" if p.deadline else p.rule.spec.deadline.describe()
        status = row.statuses.get(p.code, ("未着手", ""))[0]
        task = row.tasks.get(p.code)
        done = status in ("完了", "不要")
        left = u.label_ja()
        late = False
        if status == "完了":
            shown = f"✓ 済（{short_day(to_jst(task.updated_at).date(), today)}）" if task else "✓ 済"
        elif status == "不要":
            shown = "— 不要"
        elif status == "後日" and task is not None and task.follow_up:
            late = p.deadline is not None and task.follow_up > p.deadline
            shown = f"後日 {short_day(task.follow_up, today)}" + (f"　⚠ 期限（{short_day(p.deadline, today)}）後"
                                                                  if late else "")
        elif left:
            shown = f"{'⚠ ' if u.is_urgent else ''}{left}（{short_day(p.deadline, today)}まで）"
        else:
            shown = due
        title = f"{p.title}（{place}）" if place else p.title
        item = QTreeWidgetItem([title, "要" if p.status == REQUIRED else "要確認", shown, ""])
        item.setToolTip(0, title)
        item.setToolTip(2, f"{due}　{left}" if left else due)
        item.setData(0, Qt.UserRole, p.code)
        item.setData(2, Qt.UserRole, u.level)
        if p.status != REQUIRED:
            item.setForeground(1, Qt.darkYellow)
        if (u.is_urgent and not done) or late:  # colour AND the ⚠ mark and words: never colour alone
            font = item.font(2)
            font.setBold(True)
            item.setFont(2, font)
            item.setForeground(2, URGENT_COLOR)
        elif status == "完了":
            item.setForeground(2, QColor("#1b6e20"))
        head.addChild(item)
        combo = QComboBox()
        combo.addItems(PROCEDURE_STATUSES)
        combo.setCurrentText(row.statuses.get(p.code, ("未着手", ""))[0])
        combo.currentTextChanged.connect(lambda text, code=p.code: self.set_status(code, text))
        self.tree.setItemWidget(item, 3, combo)
        self.items[p.code] = item
        self.results[p.code] = p

    def set_status(self, code: str, status: str) -> None:
        self._write_task(code, status, None)
        if status == "後日":  # say for when: the field is ready to type into
            self.tree.setCurrentItem(self.items.get(code))
            self.show_detail(self.items.get(code))
            self.follow_up.setFocus()
        QTimer.singleShot(0, self.refresh)  # a done item leaves 急ぎ (after the combo's own signal has returned)
        self.page.status.blockSignals(True)
        self.page.status.setCurrentText(self.page.row.status)
        self.page.status.blockSignals(False)

    def save_note(self) -> None:
        item = self.tree.currentItem()
        code = item.data(0, Qt.UserRole) if item else None
        if not code:
            return
        status = self.page.row.statuses.get(code, ("未着手", ""))[0]
        self._write_task(code, status, self.note.text())

    def save_follow_up(self) -> None:
        """後日の予定日: typed 「12/4」「12月4日」「R8.12.4」; a wrong or past day is said in red and not saved."""
        item = self.tree.currentItem()
        code = item.data(0, Qt.UserRole) if item else None
        task = self.page.row.tasks.get(code) if code else None
        if task is None or task.status != "deferred":
            return
        try:
            day = parse_follow_up(self.follow_up.text(), self.page.window.today)
        except ValueError as exc:
            self.follow_up.setStyleSheet("border: 2px solid #b00020;")
            self.follow_up.setToolTip(str(exc))
            self.page.window.statusBar().showMessage(f"⚠ {exc}", 8000)
            return
        p = self.results.get(code)
        late = day is not None and p is not None and p.deadline is not None and day > p.deadline
        if late and day != task.follow_up and self._late_ok != (code, day):  # needs the clerk's confirmation
            self._late_ok = (code, day)
            self.follow_up.setStyleSheet("border: 2px solid #b00020; color: #b00020;")
            self.follow_note.setText(f"⚠ {format_date(day, weekday=True)} は「{p.title}」の期限 "
                                     f"{format_date(p.deadline, weekday=True)} を {(day - p.deadline).days}日過ぎます。"
                                     "ご家族に伝えたうえでこの日にするなら、もう一度 Enter を押してください。")
            self.follow_note.show()
            return
        self._late_ok = None
        if day != task.follow_up:
            self._write_task(code, "後日", None, follow_up=day)
            QTimer.singleShot(0, self.refresh)  # the list shows 後日 and the day
        self.follow_up.setText(format_date(day, weekday=True) if day else "")
        self.show_late(p, day)

    def show_late(self, p, day) -> None:
        """A 後日 day after the legal deadline stays marked in red, with the deadline."""
        late = day is not None and p is not None and p.deadline is not None and day > p.deadline
        self.follow_up.setStyleSheet("border: 2px solid #b00020; color: #b00020;" if late else "")
        self.follow_up.setToolTip(f"期限 {format_date(p.deadline, weekday=True)} より後の予定です" if late else "")
        if late:
            self.follow_note.setText(f"⚠ 期限 {format_date(p.deadline, weekday=True)} より後の予定です（確認済み）")
        self.follow_note.setVisible(late)

    def _write_task(self, code: str, status: str, note: str | None, follow_up=ANY) -> None:
        task = self.page.row.tasks.get(code)
        data = {"procedure": code, "status": TASK_CODES.get(status, status), "note": note,
                "if_version": task.version if task else None}
        if follow_up is not ANY:
            data["follow_up"] = follow_up.isoformat() if follow_up else None
        self.page.enter("task", data)  # (a department's change meanwhile: shown as a conflict, never overwritten)

    def show_detail(self, item) -> None:
        code = item.data(0, Qt.UserRole) if item else None
        p = self.results.get(code)
        task = self.page.row.tasks.get(code) if code else None
        deferred = task is not None and task.status == "deferred"
        self.follow_up.setEnabled(deferred)
        self.follow_up.setText(format_date(task.follow_up, weekday=True) if deferred and task.follow_up else "")
        self._late_ok = None
        self.show_late(p, task.follow_up if deferred else None)
        if p is None:
            self.detail.clear()
            self.note.clear()
            return
        spec = p.rule.spec
        u = urgency(p.deadline, self.page.window.today)
        left = f"　<b>{u.label_ja()}</b>" if u.label_ja() else ""
        lines = [f"<h3>{p.title}</h3>", f"<p><b>{'必要' if p.status == REQUIRED else '要確認'}</b>　"
                 f"期限：{format_date(p.deadline, weekday=True) + 'まで' if p.deadline else ''}（{spec.deadline.describe()}）"
                 f"{left}</p>"]
        if u.level == "overdue":
            lines.append("<p style='color:#b00020'><b>⚠ 期限を過ぎています。</b>多くの手続きは期限後も届け出できます。"
                         "担当窓口で「期限を過ぎてしまった」と伝えて、手続きを進めてください。</p>")
        lines.append("<p><b>なぜ対象か</b><br>" + "<br>".join(p.reasons) + "</p>")
        if spec.bring:
            lines.append("<p><b>持ち物</b><br>" + "<br>".join(f"・{b}" for b in spec.bring) + "</p>")
        if spec.note:
            lines.append(f"<p><b>ご注意</b><br>{spec.note}</p>")
        if spec.provenance.basis:
            lines.append(f"<p style='color:#666'>根拠：{spec.provenance.basis}</p>")
        self.detail.setHtml("".join(lines))
        self.note.setText(self.page.row.statuses.get(code, ("", ""))[1])


def dated_file(folder: Path, name: str, today: dt.date) -> Path:
    """「おくやみ案内_山田太郎_2026-11-23.pdf」 in ``folder``; never an existing file's name (…_2.pdf)."""
    from .printing import safe_file_stem  # the name is case data: no separators, no "..", not too long

    stem = f"おくやみ案内_{safe_file_stem(name)}_{today.isoformat()}"
    path, n = folder / f"{stem}.pdf", 2
    try:
        while path.exists() and n < 1000:
            path, n = folder / f"{stem}_{n}.pdf", n + 1
    except OSError:  # a folder that cannot be looked into: the dialog lets the clerk choose
        pass
    return path


class PrintPanel(QWidget):
    """印刷: choose forms and copies, preview the whole packet, print or save as PDF."""

    def __init__(self, page: "CasePage"):
        super().__init__()
        self.page = page
        self.tmp = Path(tempfile.mkdtemp(prefix="okuyami-"))
        self.packet_path: Path | None = None
        self.forms = QListWidget()
        self.forms.setMaximumHeight(170)
        self.family = WideSpinBox()
        self.family.setRange(1, 5)
        self.relatives = WideSpinBox()
        self.relatives.setRange(0, 5)
        self.large = QCheckBox("大きな文字で印刷（14ポイント以上）")
        self.language = QComboBox()  # the family's language for the sheet (申請書は日本語のまま)
        for code, label in LANGUAGE_LABELS.items():
            self.language.addItem(label, code)
        self.language.currentIndexChanged.connect(self._language_chosen)
        self.gaiji = QCheckBox("フォントにない文字を 〓 で印刷して手書きで補う")
        self.gaiji.hide()
        self.gaiji_again = QPushButton("外字の印刷方法を変える…")  # 住基の外字: the choice made before can change
        self.gaiji_again.clicked.connect(self.change_gaiji)
        self.gaiji_again.hide()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.preview_button = QPushButton("プレビューを作る（F6）")
        self.print_button = QPushButton("印刷…（Ctrl+P）")
        self.save_button = QPushButton("PDFとして保存…（Ctrl+S）")
        for b in (self.preview_button, self.print_button, self.save_button):
            b.setMinimumHeight(42)
        self.preview_button.clicked.connect(self.make)
        self.print_button.clicked.connect(self.print_dialog)
        self.save_button.clicked.connect(self.save_dialog)
        self.document = QPdfDocument(self)
        self.view = QPdfView()
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        options = QFormLayout()
        options.addRow("申請書（チェックしたものを印刷）", self.forms)
        options.addRow("案内票（ご家族用）の部数", self.family)
        options.addRow("案内票（遠方のご親族用）の部数", self.relatives)
        options.addRow("案内票の言語", self.language)
        options.addRow("", self.large)
        options.addRow("", self.gaiji)
        options.addRow("", self.gaiji_again)
        buttons = QHBoxLayout()
        for b in (self.preview_button, self.print_button, self.save_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(options)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.job_status = PrintStatus(self)  # background printing: progress, 中止, result
        self.job_status.finished.connect(self._job_done)
        layout.addWidget(self.job_status)
        layout.addWidget(self.view, 1)
        QShortcut(QKeySequence("F6"), self, activated=self.make)

    def _language_chosen(self, _index: int) -> None:
        """The family's language is remembered with the case (a return visit prints in it again)."""
        row, code = self.page.row, self.language.currentData()
        if row is not None and code and code != row.language:
            self.page.enter("language", {"language": code})

    def reset(self) -> None:
        """Fill the list of forms for the case as it now stands (all ticked)."""
        index = self.language.findData(self.page.row.language if self.page.row else "ja")
        self.language.blockSignals(True)
        self.language.setCurrentIndex(max(index, 0))
        self.language.blockSignals(False)
        self.packet_path = None
        self.document.close()
        self.message.clear()
        self.gaiji.hide()
        self.gaiji.setChecked(False)
        self.forms.clear()
        case, problems = to_case(self.page.row)
        if case is None or self.page.book is None:
            self.message.setText("印刷するには：" + "、".join(problems))
            return
        self.gaiji_again.setVisible(bool(gaiji_dialog.found_in_case(case)))
        book = self.page.book
        templates = load_templates(book.forms_dir, Problems())
        session = self.page.session
        for fid in forms_for(book, case, session.result, templates, self.page.row.progress):  # not what is done
            item = QListWidgetItem(templates[fid].spec.title)
            item.setData(Qt.UserRole, fid)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked)
            self.forms.addItem(item)

    def change_gaiji(self) -> None:
        case, _problems = to_case(self.page.row)
        if case is not None:
            gaiji_dialog.prepare(self, self.page, self.page.case_id, case, self.make, ask_again=True)

    def chosen_forms(self) -> list[str]:
        return [self.forms.item(i).data(Qt.UserRole) for i in range(self.forms.count())
                if self.forms.item(i).checkState() == Qt.Checked]

    def make(self) -> Path | None:
        """Build the packet (as it will print) and show it; returns its path, or None with the reason shown."""
        case, problems = to_case(self.page.row)
        if case is None:
            self.message.setText("⚠ 印刷できません：" + "、".join(problems))
            self.message.setStyleSheet("color: #b00020;")
            return None
        case = gaiji_dialog.prepare(self, self.page, self.page.case_id, case, self.make)  # 外字: ask first
        if case is None:
            self.message.setText("外字の印刷方法を選んでください（選ぶとプレビューを作ります）。")
            return None
        out = self.tmp / f"case{self.page.case_id}"
        self.document.close()
        for old in self.tmp.iterdir() if self.tmp.is_dir() else ():  # only one packet on disk at a time (privacy)
            shutil.rmtree(old, ignore_errors=True)
        try:
            packet = make_packet(self.page.book, case, out, today=self.page.window.today, large=self.large.isChecked(),
                                 offset_mm=printer_offset_mm(),
                                 allow_missing_glyphs=self.gaiji.isChecked(), only_forms=self.chosen_forms(),
                                 guidance_copies=self.family.value() + self.relatives.value(),
                                 case_file="入力内容", language=self.language.currentData(),
                                 progress=self.page.row.progress,  # a return visit: ✓ done, 後日, what remains
                                 number=self.page.case_id)  # 案件番号 on the sheet and its QR code
        except InvalidInput as exc:
            texts = [plain_problem(p.message) for p in exc.problems]
            if any("この文字は印刷できません" in t for t in texts):
                self.gaiji.show()
            self.message.setText("⚠ 印刷前に確認してください：\n" + "\n".join(texts))
            self.message.setStyleSheet("color: #b00020;")
            return None
        self.packet_path = packet.packet_path
        self.document.load(str(self.packet_path))
        pages = self.packet_pages = self.document.pageCount()
        warn = "\n".join(packet.warnings)
        self.message.setText(f"案内票 {packet.guidance_pages}ページ × {self.family.value() + self.relatives.value()}部、"
                             f"申請書 {len(packet.forms)}枚、合計 {pages}ページ" + (f"\n⚠ {warn}" if warn else ""))
        self.message.setStyleSheet("color: #205080;" if not warn else "color: #8a5a00;")
        self.last_packet = packet
        return self.packet_path

    def save_pdf(self, target: Path) -> bool:
        path = self.make()
        if path is None:
            return False
        shutil.copy(path, target)
        self._log("pdf", str(target), path.read_bytes())
        return True

    def save_dialog(self) -> None:
        target = save_file_name(self, "PDFとして保存", str(dated_file(Path.home(), self.page.row.title,
                                                                     self.page.window.today)), "PDF (*.pdf)")
        if target:
            self.save_pdf(Path(target))

    def print_dialog(self) -> None:
        path = self.make()
        if path is None:
            return
        printer = QPrinter(QPrinter.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QPrintDialog.Accepted:
            return
        self.print_to(printer)

    def print_to(self, printer: QPrinter, backend: str | None = None) -> None:
        """Hand the previewed packet to a background job (printing.py) at 100 %; the window is back at once."""
        if self.packet_path is None:
            return
        target = printer.printerName() or printer.outputFileName()
        entry = (self.page.case_id, self._log_entry("printer", target), self.packet_path.read_bytes())
        if self.job_status.start(printer, self.packet_path, backend) is not None:  # (None: one is still running)
            self._job_log = entry

    @in_background
    def reprint(self, packet_id: int, printer: QPrinter, backend: str | None = None):
        """Print a kept packet again exactly as it was handed over (an earlier visit's papers); the task's result
        says whether it was started."""
        store = self.page.store
        try:
            info, pdf = yield lambda: store.packet_pdf(packet_id)
        except StoreError as exc:
            self.page.window.show_store_error(exc)
            return False
        folder = self.tmp / f"reprint{packet_id}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "packet.pdf"
        path.write_bytes(pdf)
        target = printer.printerName() or printer.outputFileName()
        entry = {"to": "printer", "target": target, "reprint_of": info.file_name, "forms": [], "pages": info.pages}
        if self.job_status.start(printer, path, backend) is None:
            return False
        self._job_log = (info.case_id, entry, None)  # the same bytes: logged, not kept twice
        return True

    def _job_done(self, ok: bool, text: str) -> None:
        case_id, entry, pdf = getattr(self, "_job_log", (None, None, None))
        self._job_log = (None, None, None)
        for old in self.tmp.iterdir() if self.tmp.is_dir() else ():  # printed: no packet stays on disk (privacy)
            shutil.rmtree(old, ignore_errors=True)  # (the preview stays on screen; printing again rebuilds it)
        if ok and case_id is not None:  # logged for the case that was printed, even if another is open now
            self.page.log_print(case_id, entry, pdf)

    def _log_entry(self, where: str, target: str) -> dict:
        packet = self.last_packet
        return {"to": where, "target": target, "forms": [f for f, _ in packet.forms],
                "guidance_copies": self.family.value() + self.relatives.value(), "large_print": self.large.isChecked(),
                "language": self.language.currentData(), "pages": self.packet_pages}

    def _log(self, where: str, target: str, pdf: bytes | None = None) -> None:
        entry = self._log_entry(where, target)
        self.page.log_print(self.page.case_id, entry, pdf)
        self.message.setText(self.message.text() + f"\n✓ {'保存' if where == 'pdf' else '印刷'}しました：{target}")


def _worked_on(row: CaseRow) -> dict:
    """What the procedures list shows of the tasks: a task still open without a note looks like none at all."""
    return {code: (t.status, t.note, t.follow_up) for code, t in row.tasks.items()
            if t.status != "open" or t.note or t.follow_up}


class CasePage(QWidget):
    def __init__(self, window, store):
        super().__init__()
        self.window = window
        self.store = store  # the store this page reads and writes (given, not reached through the window)
        self.case_id: int | None = None
        self.row: CaseRow | None = None
        self._visit_of: int | None = None
        self.session: Session | None = None
        self.answer_source = "counter"  # "phone" while the booking call goes on (電話で聞き取り中)
        self.loading: int | None = None  # the case being read (読み込み中…)
        self._gaiji: dict[str, str] = {}  # 外字 print choices of the case shown
        self.conflicts: dict[tuple, object] = {}  # entries of this case the store refused: target → Entry
        back = QPushButton("← 案件一覧（Esc）")
        back.clicked.connect(window.show_list)
        QShortcut(QKeySequence(Qt.Key_Escape), self, activated=window.show_list)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 18pt; font-weight: bold;")
        self.title.setWordWrap(True)  # a long name, ☎ and ⏳ 未送信 beside it wrap: they never widen the window
        self.status = QComboBox()
        self.status.addItems(CASE_STATUSES)
        self.status.currentTextChanged.connect(self.set_case_status)
        head = QHBoxLayout()
        head.addWidget(back)
        head.addWidget(self.title, 1)
        self.unsent = QLabel()  # ⏳ この案件の未送信 n件
        self.unsent.setStyleSheet(UNSENT_STYLE)
        self.unsent.hide()
        head.addWidget(self.unsent)
        head.addWidget(QLabel("状態"))
        head.addWidget(self.status)
        self.intake = IntakeForm(self)
        self.questions = QuestionPanel(self)
        self.printing = PrintPanel(self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.intake, "1 基本情報")
        self.tabs.addTab(self.questions, "2 聞き取り")
        self.tabs.addTab(self.printing, "3 印刷")
        self.history = HistoryPanel(self)
        self.tabs.addTab(self.history, "4 履歴")
        self.tabs.currentChanged.connect(self._tab_changed)
        for i in range(4):
            QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self, activated=lambda i=i: self.tabs.setCurrentIndex(i))
        QShortcut(QKeySequence.Print, self, activated=self.printing.print_dialog)
        QShortcut(QKeySequence.Save, self, activated=self.printing.save_dialog)
        self.procedures = ProcedurePanel(self)
        split = QSplitter()
        split.addWidget(self.tabs)
        split.addWidget(self.procedures)
        split.setChildrenCollapsible(False)
        split.setSizes([660, 680])
        self.tabs.setMinimumWidth(420)  # what is on the tabs wraps; it never pushes the procedures aside
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(split, 1)
        self.intake.changed.connect(self._intake_changed)
        window.outbox.changed.connect(self.show_marks)
        window.outbox.settled.connect(self._settled)

    @property
    def book(self):
        return self.window.book

    @in_background
    def load(self, case_id: int, source: str | None = None):
        """Open a case (読み込み中… until it has been read, off the GUI thread); ``source="phone"`` records the
        answers as given by phone (the booking call)."""
        self.loading = case_id
        self.tabs.setEnabled(False)
        self.title.setText(f"案件番号 {case_id} を読み込み中…")
        store, corner = self.store, not self.window.department
        src = source or (self.answer_source if case_id == self.case_id else "counter")

        def read():
            row = store.view(case_id)  # audited: who opened which case, when
            if corner:  # the corner: opening the case is that day's visit (or the call) — 受付中 now, if they came
                store.open_visit(case_id, kind="phone" if src == "phone" else "counter")
                row = store.get(case_id)
            return row, store.gaiji_choices(case_id), corner  # 外字 choices: printing needs them, offline too

        try:
            row, gaiji, opened = yield read
        except StoreError as exc:
            self._load_failed(case_id, exc)
            return
        finally:
            if self.loading == case_id:
                self.loading = None
                self.tabs.setEnabled(True)
        if source is not None or case_id != self.case_id:
            self.answer_source = source or "counter"
        if case_id != self.case_id:
            self.conflicts.clear()
        # the corner opened the case: that day's visit (or the call) was recorded with the read
        self._visit_of = case_id if opened else None
        self.case_id = case_id
        self._gaiji = gaiji
        self.row = overlay(row, self.window.outbox.pending(case_id))  # what still waits in the outbox shows
        self.questions.history.clear()
        self.questions.left_shown = None
        self.intake.load(self.row)
        self.status.blockSignals(True)
        self.status.setCurrentText(self.row.status)
        self.status.blockSignals(False)
        self._rebuild_session()
        self._update_title()
        # resume at the first question not yet answered — where the family's interview stands, whatever question
        # was last on screen (a question the clerk went back to during the call is answered already)
        self.questions.refresh(prefer=None)
        self.procedures.refresh()
        self.show_marks()
        has_dates = self.session is not None
        self.tabs.setCurrentIndex(1 if has_dates else 0)  # the dates are known: straight to 2 聞き取り
        if not has_dates:
            self.intake.edits[("deceased", "name")].setFocus()

    def _load_failed(self, case_id: int, exc: StoreError) -> None:
        if isinstance(exc, StoreUnavailable):
            self.window.say(f"サーバーに接続できないため、案件番号 {case_id} を開けません。接続が戻ってからもう一度開いてください。")
            self.window.show_store_error(exc)
        else:
            self.window.show_store_error(exc)
        if self.row is not None and self.case_id is not None:
            self._update_title()
        if case_id != self.case_id:  # back to where the clerk came from
            self.window.show_home()

    @in_background
    def reload_row(self):
        """Read the case again after the outbox sent this page's entries (versions, the departments' tasks)."""
        yield from self._reload(full=False)

    @in_background
    def external_change(self):
        """Another terminal changed this case: show it (answers, task statuses) without losing what is typed."""
        yield from self._reload(full=True)

    def _reload(self, *, full: bool):
        case_id = self.case_id
        if case_id is None or self.row is None:
            return
        store = self.store
        try:
            fresh = yield lambda: store.get(case_id)
        except StoreError:
            return  # what is on screen stays; the banner says why nothing moves
        if case_id != self.case_id or self.row is None:
            return
        fresh = overlay(fresh, self.window.outbox.pending(case_id))  # what the clerk entered and is unsent wins
        old, self.row = self.row, fresh
        if full:
            self.intake.refresh_from(fresh)
        for target, entry in self.conflicts.items():  # refused: the field shows what is stored, the mark theirs
            if not getattr(entry, "shown", False):
                self.intake.show_stored(target[1:], fresh)
                entry.shown = True
        answers_changed = fresh.answers != old.answers
        if answers_changed:
            self._rebuild_session()
            self.questions.refresh(prefer=self.questions.fact)
        if full or answers_changed or _worked_on(fresh) != _worked_on(old):  # (new open tasks look the same)
            self.procedures.refresh()
        self._update_title()
        self._show_state()
        self.show_marks()
        if full and self.tabs.currentWidget() is self.history:
            self.show_history()

    def _show_state(self) -> None:
        self.status.blockSignals(True)
        self.status.setCurrentText(self.row.status)
        self.status.blockSignals(False)

    # -- what the clerk enters: the outbox -------------------------------------------------------------------
    def enter(self, kind: str, data: dict, *, case_id: int | None = None, blob: bytes | None = None,
              durable: bool = True):
        """Keep what the clerk entered (on this PC's disk first, then in the store) and show it at once."""
        from ..store.outbox import Entry

        case_id = self.case_id if case_id is None else case_id
        if case_id == self.case_id and self.row is not None:
            _apply_locally(self.row, Entry(0, kind, case_id, data, ""))
            if kind == "person":
                self.conflicts.pop(("person", data["part"], data["field"]), None)
        return self.window.outbox.add(kind, case_id, data, blob=blob, durable=durable)

    def gaiji_choices(self, case_id: int) -> dict[str, str]:
        """外字 → how it prints, as read with the case (gaiji_dialog asks the page, not the network)."""
        return dict(self._gaiji) if case_id == self.case_id else {}

    def set_gaiji_choice(self, case_id: int, char: str, substitute: str) -> None:
        if case_id == self.case_id:
            self._gaiji[char] = substitute
        self.enter("gaiji", {"char": char, "substitute": substitute}, case_id=case_id)

    def log_print(self, case_id: int, what: dict, pdf: bytes | None) -> None:
        """Papers handed over: the print log (and the packet kept) go through the outbox like everything else."""
        import uuid

        token = f"{self.window.identity}:{uuid.uuid4().hex[:12]}"  # the same print is never logged twice
        self.enter("print", {"token": token, "what": what}, case_id=case_id, blob=pdf)
        if case_id == self.case_id and self.row is not None:
            self._show_state()

    def _settled(self, entry) -> None:
        """An entry of the outbox was sent, or refused (a conflict: said in words, both values shown)."""
        if entry.state == CONFLICT:
            if entry.case_id == self.case_id and entry.kind == "person":
                self.conflicts[entry.target] = entry
            else:
                self.window.say(self._conflict_text(entry))
        if entry.case_id == self.case_id and not self.window.outbox.pending(entry.case_id):
            self.reload_row()

    def _conflict_text(self, entry) -> str:
        d = entry.data
        where = "" if entry.case_id == self.case_id else f"案件番号 {entry.case_id}　"
        stale = "他の端末" in entry.message  # else: refused for another reason, said as the store said it
        why = "（他の端末が先に変更していました。画面は最新の内容にしました）" if stale else f"：{entry.message}"
        if entry.kind in ("answer", "clear") and self.book is not None and d["fact"] in self.book.questions:
            q = self.book.questions[d["fact"]].spec.text
            typed = answer_text(d["fact"], d.get("value"), self.book.facts) if entry.kind == "answer" else "取り消し"
            return f"{where}質問「{q}」：この端末の回答「{typed}」は送っていません{why}"
        if entry.kind == "task" and self.book is not None and d["procedure"] in self.book.rules:
            title = self.book.rules[d["procedure"]].title
            return f"{where}手続き「{title}」：この端末の「{TASK_LABELS.get(d['status'], d['status'])}」は送っていません{why}"
        return where + entry.message

    def show_marks(self) -> None:
        """⏳ beside what waits in the outbox (fields, answers, the number for this case), ⚠ for a conflict."""
        if self.case_id is None or self.row is None:
            self.unsent.hide()
            return
        unsent = self.window.outbox.unsent(self.case_id)
        targets = {e.target for e in unsent}
        conflicts = {}
        for target, entry in self.conflicts.items():
            stored = getattr(self.row, target[1]).get(target[2]) or "空欄"
            conflicts[target] = (f"⚠ 送っていません：この欄は他の端末で「{stored}」に変更されていました。"
                                 f"この端末の入力は「{entry.data['value'] or '空欄'}」でした。"
                                 "こちらが正しければ、入力し直してください。")
        self.intake.show_marks(targets, conflicts)
        self.questions.show_marks({t[1] for t in targets if t[0] == "answer"})
        entered = sum(e.kind in ENTERED for e in unsent)
        self.unsent.setText(f"{unsent_mark()} この案件の未送信 {entered}件" if entered else "")
        self.unsent.setVisible(bool(entered))

    def set_connected(self, connected: bool) -> None:
        """The server comes and goes: the interview goes on either way (the outbox keeps what is entered)."""
        self.show_marks()

    def release(self) -> None:
        """Closing: stop a print still running and delete the temporary packets (privacy)."""
        self.printing.document.close()
        self.printing.job_status.cancel()
        self.printing.job_status.wait_done()
        shutil.rmtree(self.printing.tmp, ignore_errors=True)

    def _rebuild_session(self) -> None:
        dates = case_dates(self.row)
        self.session = Session(self.book, dates, self.row.answers) if dates else None

    def _update_title(self) -> None:
        d = self.row.deceased
        death = f"（{format_date(dt.date.fromisoformat(d['death_date']))} 死亡）" if d.get("death_date") else ""
        juki = f"　［住基から取込・宛名番号 {self.row.juki_key}］" if self.row.juki_key else ""
        phone = "　☎ 電話で聞き取り中（回答は「電話」として記録）" if self.answer_source == "phone" else ""
        self.title.setText(f"{self.row.title} 様{death}{juki}{phone}")

    def _intake_changed(self, part: str, field: str) -> None:
        self._update_title()
        if field.endswith("date") or part == "funeral" or field in ("sex", "relationship", "name"):  # derived facts read them
            self.questions.changed_earlier = True  # other questions may be asked now
            self._rebuild_session()
            self.sync_tasks()
            self.questions.refresh(prefer=self.questions.fact)
            self.procedures.refresh()

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.questions:
            self.questions.refresh(prefer=self.questions.fact)
            self.questions.setFocus()
        elif self.tabs.widget(index) is self.printing:
            self.printing.reset()
        elif self.tabs.widget(index) is self.history:
            self.show_history()

    def show_history(self) -> None:
        """来庁・お渡しした書類・印刷・操作の履歴 (ui/history.py)."""
        self.history.refresh()

    def answer(self, fact: str, value) -> None:
        """Record an answer (one question's screen)."""
        self.answer_screen({fact: value})

    def answer_screen(self, values: dict) -> None:
        """Record one screen's answers (a question, or a checklist): on this PC at once (the engine, the screen), in
        the store through the outbox — the first answer of a (return) visit or call records the visit, and the
        departments' tasks follow; the outbox sends such a run in one transaction (Store.record_answers)."""
        if self._visit_of != self.case_id:  # the first answer of a (return) visit or call records it
            self.enter("visit", {"kind": "phone" if self.answer_source == "phone" else "counter"})
            self._visit_of = self.case_id
        for fact, value in values.items():
            seen = self.row.answer_revs.get(fact)  # the answer as the clerk saw it (before anything is sent)
            stored = value.isoformat() if isinstance(value, dt.date) else value
            self.enter("answer", {"fact": fact, "value": stored, "source": self.answer_source, "if_rev": seen})
        if self.session is not None:
            self.session.answer_screen(values)
        self.sync_tasks()
        self.questions.just_answered += len(values)
        self.questions.refresh()
        self.procedures.refresh()

    def sync_tasks(self) -> None:
        """Give each department its tasks for this family as the answers decide them (decided again from the
        stored answers when the entry is sent: one waiting entry per case is enough)."""
        if self.session is None or self.case_id is None:
            return
        if not self.window.outbox.waiting_last(self.case_id, "sync"):
            self.enter("sync", {})

    def set_case_status(self, status: str) -> None:
        if self.case_id is not None and self.row is not None and status != self.row.status:
            self.enter("state", {"state": STATE_CODES.get(status, status)})
