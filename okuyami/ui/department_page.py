"""A department's terminal (各課の端末): the families coming today and on the next days, what this department
does for each, the answers that matter for it, reprinting this department's forms, and marking each task
準備済 / 完了 / 後日 / 不要 with a note. Changes from other terminals appear by themselves (notices)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from PySide6.QtCore import QDate, QLocale, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QDateEdit, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout,
                               QWidget)

from ..core.wareki import format_date
from ..documents import prep_list
from ..store import refresh as policy
from ..store.store import SOURCE_LABELS, TASK_LABELS, StaleWrite, StoreError, to_jst
from .case_page import answer_text
from .tables import row_table

STATUS_ORDER = ("open", "prepared", "done", "deferred", "not_applicable")
RANGES = (("この日", 0), ("この日から7日間", 6), ("未完了すべて", None))


class DepartmentPage(QWidget):
    def __init__(self, window, store, department: str):
        super().__init__()
        self.window = window
        self.store = store
        self.department = department
        self.lines = []
        self.case_ids: list[int] = []
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
        today = QPushButton("今日")
        today.clicked.connect(lambda: self.day.setDate(QDate(window.today.year, window.today.month, window.today.day)))
        self.updated = QLabel()
        self.updated.setStyleSheet("color: #555;")
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(QLabel("日付"))
        head.addWidget(self.day)
        head.addWidget(today)
        head.addWidget(self.range)
        head.addWidget(self.updated)

        self.families = row_table(("来庁（予定）", "亡くなった方", "案件番号", "この課の手続き", "未完了"), 4, multi=True)
        self.families.currentCellChanged.connect(lambda r, *_: self.show_case(r))
        prep_pdf = QPushButton("準備リストを印刷用PDFに…")
        prep_pdf.clicked.connect(self.save_prep_pdf)
        prep_csv = QPushButton("準備リストをCSVに…")
        prep_csv.clicked.connect(self.save_prep_csv)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.addWidget(QLabel("来庁される家族"))
        lv.addWidget(self.families, 1)
        row = QHBoxLayout()
        row.addWidget(prep_pdf)
        row.addWidget(prep_csv)
        lv.addLayout(row)

        self.case_title = QLabel()
        self.case_title.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.tasks = QTableWidget(0, 4)
        self.tasks.setHorizontalHeaderLabels(("手続き", "対応", "メモ（Enterで保存）", "最終更新"))
        self.tasks.verticalHeader().setVisible(False)
        header = self.tasks.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        header.setSectionResizeMode(1, QHeaderView.Fixed)
        header.setSectionResizeMode(2, QHeaderView.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeToContents)
        self.tasks.setColumnWidth(1, 104)
        self.tasks.setColumnWidth(2, 240)
        self.tasks.setWordWrap(True)
        self.facts = QTextBrowser()
        self.forms_button = QPushButton("この課の申請書をPDFで作る…")
        self.forms_button.clicked.connect(self.save_forms)
        self.message = QLabel()
        self.message.setWordWrap(True)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.addWidget(self.case_title)
        rv.addWidget(self.tasks, 2)
        rv.addWidget(QLabel("この課の手続きに関わる回答"))
        rv.addWidget(self.facts, 1)
        rv.addWidget(self.forms_button)
        rv.addWidget(self.message)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([520, 760])
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(split, 1)
        QShortcut(QKeySequence("F5"), self, activated=self.refresh)

    @property
    def book(self):
        return self.window.book

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        q = self.day.date()
        day = dt.date(q.year(), q.month(), q.day())
        span = RANGES[self.range.currentIndex()][1]
        if span is None:
            return None, None
        return day, day + dt.timedelta(days=span)

    def view(self) -> policy.DepartmentView:
        """What this page shows, for the refresh rules (okuyami.store.refresh)."""
        return policy.DepartmentView(self.department, frozenset(self.case_ids), self.current_case,
                                     dated=self.period()[0] is not None)

    def refresh(self, only: policy.Refresh | None = None) -> None:
        """Read the list again. Without ``only``, all of it because a person asked (opening the terminal, the
        day, F5): audited. With ``only`` (another terminal's change, or this clerk's own): the lines of those
        families and the selected family's details when asked for, unaudited — nobody asked to see anything new."""
        self.title.setText(f"{prep_list.department_label(self.book, self.department)}の端末")
        start, until = self.period()
        try:
            if only is None or only.full:
                self.lines = self.store.work_list(department=self.department, date=start, until=until,
                                                  audited=only is None)
            elif only.cases:
                fresh = self.store.work_list(department=self.department, date=start, until=until, audited=False,
                                             case_ids=sorted(only.cases))
                self.lines = policy.merge_lines(self.lines, fresh, only.cases)
        except StoreError as exc:
            self.window.show_store_error(exc)
            return
        by_case: dict[int, list] = {}
        for t in self.lines:
            by_case.setdefault(t.case, []).append(t)
        keep = self.current_case
        self.case_ids = list(by_case)
        self.families.blockSignals(True)
        self.families.setRowCount(len(by_case))
        for i, (case, items) in enumerate(by_case.items()):
            first = items[0]
            left = sum(t.status in ("open", "prepared", "deferred") for t in items)
            values = (f"{to_jst(first.visit):%m/%d %H:%M}" if first.visit else "—", first.deceased or "（氏名未入力）",
                      str(case), f"{len(items)}件", f"{left}件")
            for j, v in enumerate(values):
                item = QTableWidgetItem(v)
                if j == 4 and left:
                    item.setForeground(Qt.darkRed)
                self.families.setItem(i, j, item)
        self.updated.setText(f"最終更新 {dt.datetime.now():%H:%M:%S}")
        if keep in self.case_ids:
            self.families.selectRow(self.case_ids.index(keep))
            self.families.blockSignals(False)
            if only is None or only.full or only.detail:  # else the details on screen are still right
                self.show_case(self.case_ids.index(keep))
        elif self.case_ids:
            self.families.selectRow(0)
            self.families.blockSignals(False)
            self.show_case(0)
        else:
            self.families.blockSignals(False)
            self.current_case = None
            self.case_title.setText("この期間に来庁される家族はありません。")
            self.tasks.setRowCount(0)
            self.facts.clear()

    def show_case(self, index: int) -> None:
        if not 0 <= index < len(self.case_ids):
            return
        case_id = self.case_ids[index]
        try:
            row = self.store.get(case_id) if case_id == self.current_case else self.store.view(case_id)
        except StoreError as exc:
            self.window.show_store_error(exc)
            return
        self.current_case = case_id
        self.row = row
        death = row.deceased.get("death_date")
        self.case_title.setText(f"{row.title} 様" + (f"（{format_date(dt.date.fromisoformat(death))} 死亡）" if death else "")
                                + f"　案件番号 {row.id}")
        mine = [t for t in row.tasks.values() if t.department == self.department and t.applies]
        order = {r.code: r.index for r in self.book.rules.values()}
        mine.sort(key=lambda t: order.get(t.procedure, 999))
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
            for code in STATUS_ORDER:
                combo.addItem(TASK_LABELS[code], code)
            combo.setCurrentIndex(STATUS_ORDER.index(t.status))
            combo.currentIndexChanged.connect(lambda _i, c=combo, p=t.procedure: self.set_status(p, c.currentData()))
            self.tasks.setCellWidget(i, 1, combo)
            note = QLineEdit(t.note)
            note.setPlaceholderText("例：書類は準備済み、後日郵送 など")
            note.editingFinished.connect(lambda e=note, p=t.procedure: self.save_note(p, e.text()))
            self.tasks.setCellWidget(i, 2, note)
            self.tasks.setItem(i, 3, QTableWidgetItem(f"{to_jst(t.updated_at):%m/%d %H:%M} {t.operator}"))
            if rule is not None:
                for f in sorted(rule.when.facts(), key=lambda f: self.book.question_order.get(f, 999)):
                    facts[f] = None
        lines = []
        for f in facts:
            q = self.book.questions.get(f)
            text = q.spec.text if q else (self.book.facts[f].meaning if f in self.book.facts else f)
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
        self._write(procedure, status, None)

    def save_note(self, procedure: str, note: str) -> None:
        task = self._task(procedure)
        if task is not None and task.note != note:
            self._write(procedure, task.status, note)

    def _write(self, procedure: str, status: str, note: str | None) -> None:
        task = self._task(procedure)
        try:
            self.store.set_task(self.current_case, procedure, status, note=note,
                                       expected_version=task.version if task else None)
            self.message.setText(f"✓ {TASK_LABELS[status]}にしました")
        except StaleWrite as exc:
            self.message.setText(str(exc))
        except StoreError as exc:
            self.window.show_store_error(exc)
            return
        self.refresh(only=policy.Refresh(cases=frozenset({self.current_case}), detail=True))

    # -- paper -------------------------------------------------------------------------------------------------
    def _ask_path(self, title: str, name: str, pattern: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self, title, str(Path.home() / name), pattern)
        return Path(path) if path else None

    def save_prep_csv(self, path: Path | None = None) -> Path | None:
        start, until = self.period()
        path = path or self._ask_path("準備リスト（CSV）", f"準備リスト_{self.department}_{start or '未完了'}.csv", "CSV (*.csv)")
        if path:
            prep_list.write_csv(self.book, self.lines, path)
            self.message.setText(f"✓ 保存しました：{path}")
        return path

    def save_prep_pdf(self, path: Path | None = None) -> Path | None:
        start, until = self.period()
        path = path or self._ask_path("準備リスト（PDF）", f"準備リスト_{self.department}_{start or '未完了'}.pdf", "PDF (*.pdf)")
        if path:
            prep_list.write_pdf(self.book, self.lines, path, department=self.department,
                                day=start or self.window.today, until=until)
            self.message.setText(f"✓ 保存しました：{path}（開いて印刷できます）")
        return path

    def save_forms(self, path: Path | None = None) -> Path | None:
        """This department's forms for the family, prefilled, as one PDF (reprint)."""
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
        path = path or self._ask_path("この課の申請書", f"申請書_{self.current_case}_{self.department}.pdf", "PDF (*.pdf)")
        if not path:
            return None
        from ..documents.gaiji import apply_choices  # 外字 print as chosen at the corner (else 〓, by hand)
        case = apply_choices(case, self.store.gaiji_choices(self.current_case))
        with tempfile.TemporaryDirectory() as tmp:
            try:
                packet = make_packet(self.book, case, Path(tmp), today=self.window.today, only_forms=forms)
            except InvalidInput as exc:
                self.message.setText("申請書を作れませんでした：" + "；".join(p.message for p in exc.problems))
                return None
            from pypdf import PdfWriter

            writer = PdfWriter()  # the forms only: the guidance sheet is the corner's
            for _fid, form_path in packet.forms:
                writer.append(str(form_path))
            with open(path, "wb") as fh:
                writer.write(fh)
        self.store.log_print(self.current_case, None, {"to": "pdf", "forms": forms, "department": self.department})
        self.message.setText(f"✓ この課の申請書 {len(forms)}種類を保存しました：{path}")
        return Path(path)
