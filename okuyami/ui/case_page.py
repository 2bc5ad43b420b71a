"""One case (案件): intake, the questionnaire, the procedures updating beside them, and printing.

Everything the clerk enters is saved the moment it is entered (``Store``); the engine's incremental ``Session``
re-evaluates after each answer, and the procedures panel follows.
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
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout,
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
from ..store.store import ANY, STATE_LABELS, TASK_LABELS, CaseRow, StaleWrite, StoreError, StoreUnavailable
from ..store.workflow import (case_dates, check_field, parse_count, parse_follow_up, plain_problem,
                              printer_offset_mm, to_case)
from . import checklist, gaiji_dialog
from .history import HistoryPanel
from .printing import PrintStatus

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
        self.pending: set[tuple[str, str]] = set()  # typed while the server was unreachable: sent when it is back
        self.notes: dict[tuple[str, str], QLabel] = {}
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

    def load(self, row: CaseRow) -> None:
        self.pending.clear()
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
        try:
            self.page.store.set_person(self.page.case_id, part, field, checked.value,
                                              expected=getattr(row, part).get(field))
        except StaleWrite as exc:  # another terminal changed this field meanwhile: show theirs
            self.page.window.show_store_error(exc)
            self.page.load(self.page.case_id)
            return
        except StoreUnavailable as exc:  # the typed text stays; it is sent when the server is back
            self.pending.add(key)
            note.setText("⏳ 未送信：データベースに接続できません。接続が戻ると自動で送ります。")
            note.setStyleSheet("color: #b06000; font-weight: bold;")
            note.show()
            self.page.window.on_connection(False, str(exc))
            return
        self.pending.discard(key)
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
        self.checklist = checklist.attach(self)  # group: questions answered on one screen (okuyami/ui/checklist.py)

    # -- which question ----------------------------------------------------------------------------------
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
        self.progress.setText(f"あと約{len(pending)}問" if pending else "質問はすべて終わりました")
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
        self.page.store.set_current_question(self.page.case_id, fact)
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
            b = QPushButton(f"{i + 1}　{label}")
            b.setMinimumHeight(56)
            b.setFocusPolicy(Qt.NoFocus)  # a stray Space/Enter never presses an answer
            b.setStyleSheet("font-size: 16pt; text-align: left; padding-left: 14px;")
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
                item = QListWidgetItem(f"{q.spec.text}　→　{answer_text(fact, row.answers[fact], self.page.book.facts)}{source}")
                item.setData(Qt.UserRole, fact)
                self.answers.addItem(item)

    # -- answering -----------------------------------------------------------------------------------------
    def give(self, value) -> None:
        if self.fact is None:
            return
        fact = self.fact
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
        self.tree.setColumnWidth(0, 270)
        self.tree.setColumnWidth(1, 56)
        self.tree.setColumnWidth(2, 196)
        self.tree.setColumnWidth(3, 92)
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
        self.summary.setText(f"必要な手続き {n_req}件" + (f"・要確認 {n_conf}件" if n_conf else "")
                             + (f"（質問あと約{len(result.pending_questions)}問）" if result.pending_questions else ""))
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
        """One procedure: title (and its counter when listed under 急ぎ), 要/要確認, deadline with 「あとN日」, 対応."""
        u = urgency(p.deadline, today)
        due = format_date(p.deadline, weekday=True) + "まで" if p.deadline else p.rule.spec.deadline.describe()
        done = row.statuses.get(p.code, ("未着手", ""))[0] in ("完了", "不要")
        left = u.label_ja()
        short = f"{p.deadline.month}/{p.deadline.day}({'月火水木金土日'[p.deadline.weekday()]})" if p.deadline else ""
        shown = f"{'⚠ ' if u.is_urgent and not done else ''}{left}（{short}まで）" if left else due
        title = f"{p.title}（{place}）" if place else p.title
        item = QTreeWidgetItem([title, "要" if p.status == REQUIRED else "要確認", shown, ""])
        item.setToolTip(0, title)
        item.setToolTip(2, f"{due}　{left}" if left else due)
        item.setData(0, Qt.UserRole, p.code)
        item.setData(2, Qt.UserRole, u.level)
        if p.status != REQUIRED:
            item.setForeground(1, Qt.darkYellow)
        if u.is_urgent and not done:  # colour AND the ⚠ mark and words: never colour alone
            font = item.font(2)
            font.setBold(True)
            item.setFont(2, font)
            item.setForeground(2, URGENT_COLOR)
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
        self.follow_up.setStyleSheet("")
        self.follow_up.setToolTip("")
        if day != task.follow_up:
            self._write_task(code, "後日", None, follow_up=day)
        self.follow_up.setText(format_date(day, weekday=True) if day else "")

    def _write_task(self, code: str, status: str, note: str | None, follow_up=ANY) -> None:
        task = self.page.row.tasks.get(code)
        try:
            self.page.store.set_task(self.page.case_id, code, status, note=note, follow_up=follow_up,
                                            expected_version=task.version if task else None)
        except StaleWrite as exc:  # a department changed it meanwhile: show theirs
            self.page.window.show_store_error(exc)
            self.page.load(self.page.case_id)
            return
        except StoreUnavailable as exc:
            self.page.window.on_connection(False, str(exc))
            self.refresh()
            return
        self.page.reload_row()

    def show_detail(self, item) -> None:
        code = item.data(0, Qt.UserRole) if item else None
        p = self.results.get(code)
        task = self.page.row.tasks.get(code) if code else None
        deferred = task is not None and task.status == "deferred"
        self.follow_up.setEnabled(deferred)
        self.follow_up.setStyleSheet("")
        self.follow_up.setText(format_date(task.follow_up, weekday=True) if deferred and task.follow_up else "")
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
            try:
                self.page.store.set_language(row.id, code)
                row.language = code
            except StoreError as exc:
                self.page.window.show_store_error(exc)

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
            gaiji_dialog.prepare(self, self.page.store, self.page.case_id, case, self.make, ask_again=True)

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
        case = gaiji_dialog.prepare(self, self.page.store, self.page.case_id, case, self.make)  # 外字: ask first
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
                                 progress=self.page.row.progress)  # a return visit: ✓ done, 後日, what remains
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
        target, _ = QFileDialog.getSaveFileName(self, "PDFとして保存", str(dated_file(Path.home(), self.page.row.title,
                                                                                     self.page.window.today)),
                                                "PDF (*.pdf)")
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

    def reprint(self, packet_id: int, printer: QPrinter, backend: str | None = None) -> bool:
        """Print a kept packet again exactly as it was handed over (an earlier visit's papers)."""
        try:
            info, pdf = self.page.store.packet_pdf(packet_id)
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
            self.page.store.log_print(case_id, self.page.window.clerk, entry, pdf=pdf, pages=entry["pages"])
            if case_id == self.page.case_id:
                self.page.reload_row()
                self.page.status.setCurrentText(self.page.row.status)

    def _log_entry(self, where: str, target: str) -> dict:
        packet = self.last_packet
        return {"to": where, "target": target, "forms": [f for f, _ in packet.forms],
                "guidance_copies": self.family.value() + self.relatives.value(), "large_print": self.large.isChecked(),
                "language": self.language.currentData(), "pages": self.packet_pages}

    def _log(self, where: str, target: str, pdf: bytes | None = None) -> None:
        entry = self._log_entry(where, target)
        self.page.store.log_print(self.page.case_id, self.page.window.clerk, entry, pdf=pdf, pages=entry["pages"])
        self.page.reload_row()
        self.page.status.setCurrentText(self.page.row.status)
        self.message.setText(self.message.text() + f"\n✓ {'保存' if where == 'pdf' else '印刷'}しました：{target}")


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
        back = QPushButton("← 案件一覧（Esc）")
        back.clicked.connect(window.show_list)
        QShortcut(QKeySequence(Qt.Key_Escape), self, activated=window.show_list)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 18pt; font-weight: bold;")
        self.status = QComboBox()
        self.status.addItems(CASE_STATUSES)
        self.status.currentTextChanged.connect(self.set_case_status)
        head = QHBoxLayout()
        head.addWidget(back)
        head.addWidget(self.title, 1)
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
        split.setSizes([660, 680])
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(split, 1)
        self.intake.changed.connect(self._intake_changed)

    @property
    def book(self):
        return self.window.book

    def load(self, case_id: int, source: str | None = None) -> None:
        """Open a case; ``source="phone"`` records the answers as given by phone (the booking call)."""
        if source is not None or case_id != self.case_id:
            self.answer_source = source or "counter"
        self._visit_of = None  # no answer yet since the case was opened
        self.case_id = case_id
        self.row = self.store.view(case_id)  # audited: who opened which case, when
        self.questions.history.clear()
        self.intake.load(self.row)
        self.status.blockSignals(True)
        self.status.setCurrentText(self.row.status)
        self.status.blockSignals(False)
        self._rebuild_session()
        self._update_title()
        self.questions.refresh(prefer=self.row.current_question)
        self.procedures.refresh()
        has_dates = self.session is not None
        self.tabs.setCurrentIndex(1 if has_dates and self.row.current_question else 0)
        if not has_dates:
            self.intake.edits[("deceased", "name")].setFocus()

    def reload_row(self) -> None:
        try:
            self.row = self.store.get(self.case_id)
        except StoreUnavailable as exc:  # keep showing what we have; the banner says why nothing moves
            self.window.on_connection(False, str(exc))

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
        self.reload_row()
        self._update_title()
        if field.endswith("date") or part == "funeral" or field in ("sex", "relationship", "name"):  # derived facts read them
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

    def external_change(self) -> None:
        """Another terminal changed this case: show it (answers, task statuses) without losing what is typed."""
        if self.case_id is None:
            return
        try:
            fresh = self.store.get(self.case_id)
        except StoreError:
            return
        answers_changed = fresh.answers != self.row.answers
        self.row = fresh
        self.intake.refresh_from(fresh)
        if answers_changed:
            self._rebuild_session()
            self.questions.refresh(prefer=self.questions.fact)
        self.procedures.refresh()
        self.status.blockSignals(True)
        self.status.setCurrentText(self.row.status)
        self.status.blockSignals(False)
        if self.tabs.currentWidget() is self.history:
            self.show_history()

    def set_connected(self, connected: bool) -> None:
        """Without the server, answers and statuses cannot be recorded: refuse them visibly until it is back."""
        self.questions.setEnabled(connected)
        self.procedures.tree.setEnabled(connected)

    def resend_pending(self) -> None:
        """The server is back: send what was typed meanwhile."""
        if self.case_id is not None:
            for key in list(self.intake.pending):
                self.intake.commit(key)
            self.sync_tasks()

    def answer(self, fact: str, value) -> None:
        try:
            if self._visit_of != self.case_id:  # the first answer of a (return) visit or call records it
                self.store.ensure_visit(self.case_id, kind="phone" if self.answer_source == "phone" else "counter")
                self._visit_of = self.case_id
            self.store.set_answer(self.case_id, fact, value, source=self.answer_source,
                                  expected_rev=self.row.answer_revs.get(fact))
        except StaleWrite as exc:  # another terminal answered this question meanwhile: show theirs
            self.window.show_store_error(exc)
            self.load(self.case_id)
            return
        except StoreUnavailable as exc:  # not recorded: the question stays on screen until the server is back
            self.window.on_connection(False, str(exc))
            return
        self.reload_row()
        if self.session is not None:
            self.session.answer(fact, value)
        self.sync_tasks()
        self.questions.refresh()
        self.procedures.refresh()

    def sync_tasks(self) -> None:
        """Give each department its tasks for this family as the answers decide them."""
        try:
            changed = self.session is not None and self.store.sync_tasks(self.case_id, self.session.result,
                                                                                self.book)
        except StoreUnavailable as exc:  # done again after the next answer, or when the server is back
            self.window.on_connection(False, str(exc))
            return
        if changed:
            self.reload_row()

    def set_case_status(self, status: str) -> None:
        if self.case_id is not None and self.row is not None and status != self.row.status:
            self.store.set_case_status(self.case_id, status)
            self.reload_row()
