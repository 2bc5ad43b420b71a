"""A department's terminal (各課の端末): the families coming today — and, below them, those booked for the next
days — with the booked time and where each family stands right now (予約済 → 到着 → 対応中 at which desk → 完了),
what this department does for each (full titles), the answers that matter for it, reprinting this department's
forms, and marking each task 準備済 / 完了 / 後日 / 不要 with a note. Keyboard first: ↑↓ choose a family, Enter
goes to its procedures, 1–5 records a status, F2 the note, Esc back, Alt+←/→ the day before / after. Changes
from other terminals appear by themselves (notices)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from PySide6.QtCore import QDate, QEvent, QLocale, QObject, Qt
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout,
                               QWidget)

from ..core.booking import time_text
from ..core.wareki import format_date
from ..documents import prep_list
from ..store import refresh as policy
from ..store.store import (RESERVATION_LABELS, SOURCE_LABELS, TASK_LABELS, StaleWrite, StoreError, StoreUnavailable,
                           to_jst)
from .case_page import answer_text
from .qtfix import save_file_name
from .tables import row_table
from .worker import in_background

STATUS_ORDER = ("open", "prepared", "done", "deferred", "not_applicable")  # keys 1–5 in the procedures
UPCOMING_DAYS = 14  # 「これからの予約」: the families booked for the next two weeks, always in view
RANGES = (("この日と、これからの予約", UPCOMING_DAYS), ("この日だけ", 0), ("未完了すべて", None))
STATUS_COLORS = {"booked": "#333333", "arrived": "#b06000", "in_service": "#1b4f9c", "done": "#1b6e20"}
COLUMNS = ("来庁（予定）", "いまの状況", "亡くなった方", "案件番号", "未完了")
WEEKDAYS = "月火水木金土日"


def day_text(day: dt.date, today: dt.date) -> str:
    """「12/3(木)」, or with the year when it is not this year."""
    year = f"{day.year}年" if day.year != today.year else ""
    return f"{year}{day.month}/{day.day}({WEEKDAYS[day.weekday()]})"


def live_status(expected) -> str:
    """Where the family stands: 予約済 / 到着（お待ち）/ 対応中（窓口2・担当）/ 完了, or 来庁 for a visit without
    a booking; '—' when nothing is known."""
    if expected is None:
        return "—"
    if expected.status is None:
        return "来庁" + (f"（{expected.served_by}）" if expected.served_by else "")
    label = RESERVATION_LABELS[expected.status]
    if expected.status == "in_service":
        where = "・".join(x for x in ((f"窓口{expected.desk}" if expected.desk else ""), expected.served_by) if x)
        return f"{label}（{where}）" if where else label
    return label


class _Keys(QObject):
    """The procedures table by keys: 1–5 record 未着手・準備済・完了・後日・不要, F2 edits the note, Esc goes
    back to the families (the status boxes themselves never change by a stray arrow key)."""

    def __init__(self, page: "DepartmentPage"):
        super().__init__(page)
        self.page = page

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt)
        if event.type() != QEvent.KeyPress or event.modifiers() & (Qt.ControlModifier | Qt.AltModifier):
            return False
        page, key = self.page, event.key()
        row = page.tasks.currentRow()
        if Qt.Key_1 <= key <= Qt.Key_5 and 0 <= row < len(page.task_codes):
            page.set_status(page.task_codes[row], STATUS_ORDER[key - Qt.Key_1])
            return True
        if key == Qt.Key_F2 and 0 <= row < len(page.task_codes):
            page.tasks.cellWidget(row, 2).setFocus()
            return True
        if key == Qt.Key_Escape:
            page.families.setFocus()
            return True
        return False


class DepartmentPage(QWidget):
    def __init__(self, window, store, department: str):
        super().__init__()
        self.window = window
        self.store = store
        self.department = department
        self.lines = []
        self.case_ids: list[int | None] = []  # per row of the families' list (None: a section's heading)
        self.task_codes: list[str] = []
        self.current_case: int | None = None
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.day = QDateEdit(calendarPopup=True)
        self.day.setLocale(QLocale(QLocale.Japanese, QLocale.Japan))  # 月・火… not Mon, Tue
        self.day.setDisplayFormat("yyyy年M月d日(ddd)")
        self.day.setDate(QDate(window.today.year, window.today.month, window.today.day))
        self.day.dateChanged.connect(lambda _d: self.refresh())
        self.range = QComboBox()
        for label, _ in RANGES:
            self.range.addItem(label)
        self.range.currentIndexChanged.connect(lambda _i: self.refresh())
        today = QPushButton("今日（Alt+Home）")
        today.clicked.connect(self.go_today)
        self.updated = QLabel()
        self.updated.setStyleSheet("color: #555;")
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        day_label = QLabel("日付(&D)")
        day_label.setBuddy(self.day)
        head.addWidget(day_label)
        head.addWidget(self.day)
        head.addWidget(today)
        head.addWidget(self.range)
        head.addWidget(self.updated)

        self.families = row_table(COLUMNS, 2)
        self.families.currentCellChanged.connect(lambda r, *_: self.show_case(r))
        self.families.setTabKeyNavigation(False)
        QShortcut(QKeySequence(Qt.Key_Return), self.families, activated=self.to_tasks)
        QShortcut(QKeySequence(Qt.Key_Enter), self.families, activated=self.to_tasks)
        prep_pdf = QPushButton("準備リストを印刷用PDFに…")
        prep_pdf.clicked.connect(self.save_prep_pdf)
        prep_csv = QPushButton("準備リストをCSVに…")
        prep_csv.clicked.connect(self.save_prep_csv)
        left = QWidget()
        lv = QVBoxLayout(left)
        families_label = QLabel("来庁される家族(&F)")
        families_label.setBuddy(self.families)
        lv.addWidget(families_label)
        lv.addWidget(self.families, 1)
        row = QHBoxLayout()
        row.addWidget(prep_pdf)
        row.addWidget(prep_csv)
        lv.addLayout(row)

        self.case_title = QLabel()
        self.case_title.setWordWrap(True)
        self.case_title.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.now_label = QLabel()
        self.now_label.setStyleSheet("font-size: 13pt;")
        self.tasks = QTableWidget(0, 4)
        self.tasks.setHorizontalHeaderLabels(("手続き", "対応（1〜5）", "メモ（F2・Enterで保存）", "最終更新"))
        self.tasks.verticalHeader().setVisible(False)
        self.tasks.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.tasks.setSelectionMode(QAbstractItemView.SingleSelection)
        self.tasks.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.tasks.setTabKeyNavigation(False)
        self.tasks.setWordWrap(True)  # full titles: a long one takes two lines, never 「…」
        self.tasks.setTextElideMode(Qt.ElideNone)
        header = self.tasks.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        header.setSectionResizeMode(1, QHeaderView.Fixed)
        header.setSectionResizeMode(2, QHeaderView.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeToContents)
        self.tasks.setColumnWidth(1, 110)
        self.tasks.setColumnWidth(2, 220)
        header.sectionResized.connect(lambda *_: self.tasks.resizeRowsToContents())
        self.tasks.installEventFilter(_Keys(self))
        self.keys_help = QLabel("↑↓ 家族を選ぶ　Enter 手続きへ　1 未着手・2 準備済・3 完了・4 後日・5 不要　F2 メモ　"
                                "Esc 家族の一覧へ　Alt+←/→ 前の日・次の日　F5 最新にする")
        self.keys_help.setWordWrap(True)
        self.keys_help.setStyleSheet("color: #555;")
        self.facts = QTextBrowser()
        self.forms_button = QPushButton("この課の申請書をPDFで作る…")
        self.forms_button.clicked.connect(lambda: self.save_forms())
        self.message = QLabel()
        self.message.setWordWrap(True)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.addWidget(self.case_title)
        rv.addWidget(self.now_label)
        rv.addWidget(self.tasks, 2)
        rv.addWidget(QLabel("この課の手続きに関わる回答"))
        rv.addWidget(self.facts, 1)
        rv.addWidget(self.forms_button)
        rv.addWidget(self.message)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setChildrenCollapsible(False)
        split.setSizes([560, 760])
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(split, 1)
        layout.addWidget(self.keys_help)
        QShortcut(QKeySequence("F5"), self, activated=self.refresh)
        QShortcut(QKeySequence("Alt+Left"), self, activated=lambda: self.step_day(-1))
        QShortcut(QKeySequence("Alt+Right"), self, activated=lambda: self.step_day(+1))
        QShortcut(QKeySequence("Alt+Home"), self, activated=self.go_today)

    @property
    def book(self):
        return self.window.book

    def selected_day(self) -> dt.date:
        q = self.day.date()
        return dt.date(q.year(), q.month(), q.day())

    def step_day(self, days: int) -> None:
        day = self.selected_day() + dt.timedelta(days=days)
        self.day.setDate(QDate(day.year, day.month, day.day))

    def go_today(self) -> None:
        t = self.window.today
        self.day.setDate(QDate(t.year, t.month, t.day))

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        day = self.selected_day()
        span = RANGES[self.range.currentIndex()][1]
        if span is None:
            return None, None
        return day, day + dt.timedelta(days=span)

    def view(self) -> policy.DepartmentView:
        """What this page shows, for the refresh rules (okuyami.store.refresh)."""
        return policy.DepartmentView(self.department, frozenset(c for c in self.case_ids if c is not None),
                                     self.current_case, dated=self.period()[0] is not None)

    @in_background
    def refresh(self, only: policy.Refresh | None = None):
        """Read the list again, on the window's worker (the terminal stays responsive while it is read). Without
        ``only``, all of it because a person asked (opening the terminal, the day, F5): audited. With ``only``
        (another terminal's change, or this clerk's own): the lines of those families and the selected family's
        details when asked for, unaudited — nobody asked to see anything new."""
        self.title.setText(f"{prep_list.department_label(self.book, self.department)}の端末")
        start, until = self.period()
        store, department = self.store, self.department
        try:
            if only is None or only.full:
                self.lines = yield lambda: store.work_list(department=department, date=start, until=until,
                                                           audited=only is None)
            elif only.cases:
                cases = sorted(only.cases)
                fresh = yield lambda: store.work_list(department=department, date=start, until=until, audited=False,
                                                      case_ids=cases)
                self.lines = policy.merge_lines(self.lines, fresh, only.cases)
        except StoreError as exc:
            self.window.show_store_error(exc)
            return
        by_case: dict[int, list] = {}
        for t in self.lines:
            by_case.setdefault(t.case, []).append(t)
        keep = self.current_case
        today = self.window.today
        sections = self._sections(by_case, start)
        self.case_ids = []
        had_focus = self.families.hasFocus()
        self.families.blockSignals(True)
        self.families.clearSpans()
        self.families.setRowCount(sum((1 if heading else 0) + len(cases) for heading, cases in sections))
        bold = QFont()
        bold.setBold(True)
        r = 0
        for heading, cases in sections:
            if heading:
                item = QTableWidgetItem(heading)
                item.setFlags(Qt.NoItemFlags)  # a heading: never selected, skipped by ↑↓
                item.setFont(bold)
                item.setForeground(QColor("#1f3550"))
                item.setBackground(QColor("#e8edf2"))
                self.families.setItem(r, 0, item)
                self.families.setSpan(r, 0, 1, len(COLUMNS))
                self.case_ids.append(None)
                r += 1
            for case in cases:
                items = by_case[case]
                first = items[0]
                left = sum(t.status in ("open", "prepared", "deferred") for t in items)
                when = to_jst(first.visit) if first.visit else None
                shown = "—" if when is None else (time_text(when) if when.date() == start and start is not None
                                                  else f"{day_text(when.date(), today)} {time_text(when)}")
                status = live_status(first.expected)
                values = (shown, status, first.deceased or "（氏名未入力）", str(case), f"{left}件")
                for j, v in enumerate(values):
                    item = QTableWidgetItem(v)
                    if j == 1 and first.expected is not None and first.expected.status in STATUS_COLORS:
                        item.setForeground(QColor(STATUS_COLORS[first.expected.status]))
                    if j == 4 and left:
                        item.setForeground(Qt.darkRed)
                    self.families.setItem(r, j, item)
                self.case_ids.append(case)
                r += 1
        self.families.setRowCount(r)
        self.updated.setText(f"最終更新 {dt.datetime.now():%H:%M:%S}")
        if keep is not None and keep in self.case_ids:
            self.families.selectRow(self.case_ids.index(keep))
            self.families.blockSignals(False)
            if only is None or only.full or only.detail:  # else the details on screen are still right
                self.show_case(self.case_ids.index(keep))
        elif any(c is not None for c in self.case_ids):
            first_row = next(i for i, c in enumerate(self.case_ids) if c is not None)
            self.families.selectRow(first_row)
            self.families.blockSignals(False)
            self.show_case(first_row)
        else:
            self.families.blockSignals(False)
            self.current_case = None
            self.case_title.setText("この期間に来庁される家族はありません。")
            self.now_label.clear()
            self.tasks.setRowCount(0)
            self.task_codes = []
            self.facts.clear()
        if had_focus or not self.tasks.hasFocus():
            self.families.setFocus()

    def _sections(self, by_case: dict[int, list], start: dt.date | None) -> list[tuple[str, list[int]]]:
        """The families in order: those of the day first (with a heading), then the coming days'."""
        if start is None:  # 未完了すべて: one list, soonest first
            return [("", list(by_case))]
        today = self.window.today
        name = "今日" if start == today else day_text(start, today)
        on_day, later = [], []
        for case, items in by_case.items():
            when = to_jst(items[0].visit) if items[0].visit else None
            (later if when is not None and when.date() > start else on_day).append(case)
        _s, until = self.period()
        out = [(f"{name} {format_date(start, weekday=True)}　{len(on_day)}組" if on_day
                else f"{name} {format_date(start, weekday=True)}　来庁の予定はありません", on_day)]
        if until is not None and until > start:
            out.append((f"これからの予約（{day_text(until, today)}まで）　{len(later)}組" if later
                        else f"これからの予約（{day_text(until, today)}まで）はありません", later))
        return out

    def family_rows(self) -> list[tuple[int | None, list[str]]]:
        """What the families' list shows, row by row (case or None for a heading, the texts)."""
        out = []
        for r, case in enumerate(self.case_ids):
            texts = [self.families.item(r, j).text() if self.families.item(r, j) else ""
                     for j in range(len(COLUMNS))]
            out.append((case, texts if case is not None else texts[:1]))
        return out

    def to_tasks(self) -> None:
        """Enter on a family: its procedures, the first one selected (1–5 record a status)."""
        if self.tasks.rowCount():
            self.tasks.setFocus()
            if self.tasks.currentRow() < 0:
                self.tasks.selectRow(0)

    @in_background
    def show_case(self, index: int):
        if not 0 <= index < len(self.case_ids) or self.case_ids[index] is None:
            return
        case_id = self.case_ids[index]
        store, again = self.store, case_id == self.current_case
        try:
            row = yield lambda: store.get(case_id) if again else store.view(case_id)
        except StoreError as exc:
            self.window.show_store_error(exc)
            return
        self.current_case = case_id
        self.row = row
        death = row.deceased.get("death_date")
        self.case_title.setText(f"{row.title} 様" + (f"（{format_date(dt.date.fromisoformat(death))} 死亡）" if death else "")
                                + f"　案件番号 {row.id}")
        line = next((t for t in self.lines if t.case == case_id), None)
        when = to_jst(line.visit) if line is not None and line.visit else None
        self.now_label.setText(("来庁（予定）：" + f"{format_date(when.date(), weekday=True)} {time_text(when)}" if when
                                else "来庁の予定：—") + f"　　いま：{live_status(line.expected if line else None)}")
        mine = [t for t in row.tasks.values() if t.department == self.department and t.applies]
        order = {r.code: r.index for r in self.book.rules.values()}
        mine.sort(key=lambda t: order.get(t.procedure, 999))
        keep_row = self.tasks.currentRow() if self.task_codes == [t.procedure for t in mine] else 0
        self.tasks.setRowCount(0)  # drop the previous family's widgets before placing new ones
        self.tasks.setRowCount(len(mine))
        self.task_codes = [t.procedure for t in mine]
        facts: dict[str, None] = {}
        for i, t in enumerate(mine):
            rule = self.book.rules.get(t.procedure)
            title = QTableWidgetItem(rule.title if rule else t.procedure)
            title.setToolTip(title.text())
            self.tasks.setItem(i, 0, title)
            combo = QComboBox()
            combo.setFocusPolicy(Qt.ClickFocus)  # keys go to the table (1–5), never change a status by accident
            for n, code in enumerate(STATUS_ORDER, start=1):
                combo.addItem(f"{n} {TASK_LABELS[code]}", code)
            combo.setCurrentIndex(STATUS_ORDER.index(t.status))
            combo.currentIndexChanged.connect(lambda _i, c=combo, p=t.procedure: self.set_status(p, c.currentData()))
            self.tasks.setCellWidget(i, 1, combo)
            note = QLineEdit(t.note)
            note.setPlaceholderText("例：書類は準備済み、後日郵送 など")
            note.editingFinished.connect(lambda e=note, p=t.procedure: self.save_note(p, e.text()))
            note.returnPressed.connect(self.tasks.setFocus)
            self.tasks.setCellWidget(i, 2, note)
            self.tasks.setItem(i, 3, QTableWidgetItem(f"{to_jst(t.updated_at):%m/%d %H:%M} {t.operator}"))
            if rule is not None:
                for f in sorted(rule.when.facts(), key=lambda f: self.book.question_order.get(f, 999)):
                    facts[f] = None
        self.tasks.resizeRowsToContents()
        if mine:
            self.tasks.selectRow(min(max(keep_row, 0), len(mine) - 1))
        lines = []
        for f in facts:
            q = self.book.questions.get(f)
            if q is None and f not in self.book.facts:
                continue
            text = q.spec.text if q else self.book.facts[f].meaning
            if f in row.answers:
                src = SOURCE_LABELS.get(row.sources.get(f, ""), "")
                lines.append(f"<p>{text}<br>　<b>{answer_text(f, row.answers[f], self.book.facts)}</b>"
                             + (f" <span style='color:#666'>（{src}）</span>" if src else "") + "</p>")
            elif q is not None:
                lines.append(f"<p>{text}<br>　<span style='color:#666'>（まだ伺っていません）</span></p>")
        self.facts.setHtml("".join(lines) or "<p>（この課の手続きは回答によらず必要です）</p>")

    def _task(self, procedure: str):
        return self.row.tasks.get(procedure)

    def set_status(self, procedure: str, status: str) -> None:
        task = self._task(procedure)
        if task is not None and task.status == status:
            return
        focus_tasks = self.tasks.hasFocus()
        self._write(procedure, status, None)
        if focus_tasks and procedure in self.task_codes:
            self.tasks.setFocus()
            self.tasks.selectRow(self.task_codes.index(procedure))

    def save_note(self, procedure: str, note: str) -> None:
        task = self._task(procedure)
        if task is not None and task.note != note:
            self._write(procedure, task.status, note)

    @in_background
    def _write(self, procedure: str, status: str, note: str | None):
        task = self._task(procedure)
        store, case_id, version = self.store, self.current_case, task.version if task else None
        rule = self.book.rules.get(procedure)
        self.message.setText(f"… {TASK_LABELS[status]}にしています")
        try:  # (a department's change needs the server's yes: it is said here, never queued silently)
            yield lambda: store.set_task(case_id, procedure, status, note=note, expected_version=version)
            self.message.setText(f"✓ {rule.title if rule else ''}：{TASK_LABELS[status]}にしました")
        except StaleWrite as exc:
            self.message.setText(str(exc))
        except StoreError as exc:
            self.message.setText(f"⚠ {TASK_LABELS[status]}にできませんでした：" + (
                "サーバーに接続できません。接続が戻ってから、もう一度選んでください。"
                if isinstance(exc, StoreUnavailable) else str(exc)))
            self.window.show_store_error(exc)
            self._show_status(procedure, task.status if task else "open")  # the combo says what is stored
            return
        self.refresh(only=policy.Refresh(cases=frozenset({self.current_case}), detail=True))

    def _show_status(self, procedure: str, status: str) -> None:
        if procedure in getattr(self, "task_codes", []):
            combo = self.tasks.cellWidget(self.task_codes.index(procedure), 1)
            if combo is not None:
                combo.blockSignals(True)
                combo.setCurrentIndex(STATUS_ORDER.index(status))
                combo.blockSignals(False)

    # -- paper -------------------------------------------------------------------------------------------------
    def _ask_path(self, title: str, name: str, pattern: str) -> Path | None:
        path = save_file_name(self, title, str(Path.home() / name), pattern)
        return Path(path) if path else None

    def save_prep_csv(self, path: Path | None = None) -> Path | None:
        start, until = self.period()
        name = f"準備リスト_{prep_list.department_label(self.book, self.department)}_{start or '未完了'}.csv"
        path = path or self._ask_path("準備リスト（CSV）", name, "CSV (*.csv)")
        if path:
            prep_list.write_csv(self.book, self.lines, path)
            self.message.setText(f"✓ 保存しました：{path}")
        return path

    def save_prep_pdf(self, path: Path | None = None) -> Path | None:
        start, until = self.period()
        name = f"準備リスト_{prep_list.department_label(self.book, self.department)}_{start or '未完了'}.pdf"
        path = path or self._ask_path("準備リスト（PDF）", name, "PDF (*.pdf)")
        if path:
            prep_list.write_pdf(self.book, self.lines, path, department=self.department,
                                day=start or self.window.today, until=until)
            self.message.setText(f"✓ 保存しました：{path}（開いて印刷できます）")
        return path

    @in_background
    def save_forms(self, path: Path | None = None):
        """This department's forms for the family, prefilled, as one PDF (reprint); the task's result is the
        path."""
        from ..core.problems import InvalidInput
        from ..documents.packet import make_packet
        from ..store.casefile import evaluate_row
        from ..store.workflow import to_case

        if self.current_case is None:
            return None
        case, missing = to_case(self.row)
        result = evaluate_row(self.book, self.row)
        if case is None or result is None:
            self.message.setText("基本情報が足りないため申請書を作れません：" + "、".join(missing))
            return None
        forms = [f for code in self.task_codes if code in self.book.rules for f in self.book.rules[code].spec.forms]
        if not forms:
            self.message.setText("この課の手続きには印刷する申請書がありません。")
            return None
        name = f"申請書_案件{self.current_case}_{prep_list.department_label(self.book, self.department)}.pdf"
        path = path or self._ask_path("この課の申請書", name, "PDF (*.pdf)")
        if not path:
            return None
        from ..documents.gaiji import apply_choices  # 外字 print as chosen at the corner (else 〓, by hand)
        store, case_id = self.store, self.current_case
        try:
            choices = yield lambda: store.gaiji_choices(case_id)
        except StoreError:
            choices = {}  # offline: 外字 print as 〓, to be written by hand
        case = apply_choices(case, choices)
        with tempfile.TemporaryDirectory() as tmp:
            try:
                packet = make_packet(self.book, case, Path(tmp), today=self.window.today, only_forms=forms,
                                     number=self.current_case)
            except InvalidInput as exc:
                self.message.setText("申請書を作れませんでした：" + "；".join(p.message for p in exc.problems))
                return None
            from pypdf import PdfWriter

            writer = PdfWriter()  # the forms only: the guidance sheet is the corner's
            for _fid, form_path in packet.forms:
                writer.append(str(form_path))
            with open(path, "wb") as fh:
                writer.write(fh)
        what = {"to": "pdf", "forms": forms, "department": self.department}
        try:  # the department's reprint: no visit, the case's state unchanged
            yield lambda: store.log_print(case_id, None, what, counter=False)
        except StoreError as exc:
            self.window.show_store_error(exc)
        self.message.setText(f"✓ この課の申請書 {len(forms)}種類を保存しました：{path}")
        return Path(path)
