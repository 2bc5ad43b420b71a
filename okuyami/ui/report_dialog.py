"""統計…: the corner's monthly report in the desk app (contract §13), with a preview before it is saved or printed.

The manager picks the month and whether it is the whole corner, one department's page (課), or the corner followed
by a page for each department; 作成 reads the figures and draws the PDF in the background (the window never waits
on the database), and the pages appear in the same PDF view the print tab uses. 「PDFとして保存」「CSVとして保存」
and 「印刷」 (the same background print job as the packets). The report holds no names, so its preview file may
sit in the temp folder; it is removed when the dialog closes all the same.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt, QThread, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (QComboBox, QDialog, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout)

from ..documents.month_report import contents, csv_bytes, page_count, render
from ..store.store import Month, StoreError
from .printing import PrintStatus

ALL = "all"


class ReportWorker(QThread):
    """Reads the month's figures and draws the report: ``done(pdf, csv, summary)`` or ``failed(message)``."""

    done = Signal(bytes, bytes, str)
    failed = Signal(str)

    def __init__(self, store, book, month: Month, department: str | None):
        super().__init__()
        self.store, self.book, self.month, self.department = store, book, month, department

    def run(self) -> None:
        try:
            if self.department == ALL:
                corner = self.store.month_report(self.month, book=self.book)
                depts = [d for d in self.book.root.departments
                         if sum(corner.current.tasks.get(d, {}).values())
                         or sum(corner.previous.tasks.get(d, {}).values())]
                reports = [corner] + [self.store.month_report(self.month, department=d, book=self.book)
                                      for d in depts]
            else:
                reports = [self.store.month_report(self.month, department=self.department, book=self.book)]
            pdf, missing = render(reports, self.book, city=self.book.root.municipality.name)
            table = csv_bytes(contents(reports, self.book))
        except StoreError as exc:
            self.failed.emit(str(exc))
            return
        first = reports[0].current
        what = (f"{self.month}のデータはありません" if not any(r.current.has_data for r in reports) else
                (f"{self.month}：対応した家族 {first.served}家族" if first.department is None else
                 f"{self.month}：この課の手続きがあった家族 {first.served}家族"))
        note = f"（フォントにない文字 {''.join(missing)} は 〓 で印刷されます）" if missing else ""
        self.done.emit(pdf, table, f"{what}・{page_count(pdf)}ページ{note}")


def months_to_offer(today: dt.date, count: int = 36) -> list[Month]:
    """This month and the ``count`` - 1 before it, newest first."""
    out = [Month(today.year, today.month)]
    while len(out) < count:
        out.append(out[-1].previous())
    return out


class ReportDialog(QDialog):
    """統計（月次報告）: choose, preview, save or print."""

    def __init__(self, window, store, book, today: dt.date):
        super().__init__(window)
        self.setWindowTitle("統計（おくやみコーナーの月次報告）")
        self.store, self.book, self.today = store, book, today
        self.worker: ReportWorker | None = None  # the one whose result is awaited
        self._threads: set[ReportWorker] = set()
        self.pdf: bytes | None = None
        self.csv: bytes | None = None
        self.tmp = Path(tempfile.mkdtemp(prefix="okuyami-report-"))
        self.month = QComboBox()
        for m in months_to_offer(today):
            self.month.addItem(str(m), m.iso())
        self.month.setCurrentIndex(1)  # the month just ended: the usual report
        self.department = QComboBox()
        self.department.addItem("おくやみコーナー全体（2ページ）", None)
        for dept_id, dept in book.root.departments.items():
            self.department.addItem(f"{dept.name}（1ページ）", dept_id)
        self.department.addItem("全体と各課（各課1ページ）", ALL)
        self.make_button = QPushButton("作成（F5）")
        self.save_button = QPushButton("PDFとして保存…")
        self.csv_button = QPushButton("CSVとして保存…")
        self.print_button = QPushButton("印刷…")
        for b in (self.make_button, self.save_button, self.csv_button, self.print_button):
            b.setMinimumHeight(36)
        self.make_button.clicked.connect(self.make)
        self.save_button.clicked.connect(self.save_pdf_dialog)
        self.csv_button.clicked.connect(self.save_csv_dialog)
        self.print_button.clicked.connect(self.print_dialog)
        self.message = QLabel("月と対象を選んで「作成」を押してください。氏名などの個人情報は載りません。")
        self.message.setWordWrap(True)
        self.document = QPdfDocument(self)
        self.view = QPdfView()
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.job_status = PrintStatus(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("月"))
        top.addWidget(self.month)
        top.addWidget(QLabel("対象"))
        top.addWidget(self.department, 1)
        top.addWidget(self.make_button)
        buttons = QHBoxLayout()
        for b in (self.save_button, self.csv_button, self.print_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.job_status)
        layout.addLayout(buttons)
        QShortcut(QKeySequence("F5"), self, activated=self.make)
        self.month.currentIndexChanged.connect(self._stale)
        self.department.currentIndexChanged.connect(self._stale)
        self._enable(False)
        self.resize(900, 1000)

    def _enable(self, ready: bool) -> None:
        for b in (self.save_button, self.csv_button, self.print_button):
            b.setEnabled(ready)

    def _stale(self) -> None:
        """A different month or department chosen: what is shown is no longer what would be saved."""
        if self.pdf is not None:
            self.pdf = self.csv = None
            self.document.close()
            self._enable(False)
            self.message.setText("月または対象を変えました。「作成」を押すと作り直します。")
            self.message.setStyleSheet("")

    def chosen(self) -> tuple[Month, str | None]:
        return Month.parse(self.month.currentData()), self.department.currentData()

    def make(self) -> None:
        """Read and draw in the background; the preview appears when it is done."""
        if self.worker is not None:  # one at a time (the button is disabled meanwhile)
            return
        month, department = self.chosen()
        self.pdf = self.csv = None
        self._enable(False)
        self.make_button.setEnabled(False)
        self.message.setText(f"{month}の報告を作っています…")
        self.message.setStyleSheet("color: #205080;")
        worker = self.worker = ReportWorker(self.store, self.book, month, department)
        self._threads.add(worker)  # kept until its thread has ended, even after its result arrived
        worker.done.connect(self._made)
        worker.failed.connect(self._failed)
        worker.finished.connect(self._finished)
        worker.start()

    def _made(self, pdf: bytes, table: bytes, summary: str) -> None:
        self.worker = None  # the result is in: another may be asked for at once
        self.pdf, self.csv = pdf, table
        path = self.tmp / "report.pdf"
        self.document.close()
        path.write_bytes(pdf)
        self.document.load(str(path))
        self.message.setText(summary)
        self.message.setStyleSheet("color: #205080;")
        self._enable(True)
        self.make_button.setEnabled(True)

    def _failed(self, text: str) -> None:
        self.worker = None
        self.message.setText("⚠ 報告を作れませんでした：" + text)
        self.message.setStyleSheet("color: #b00020; font-weight: bold;")
        self.make_button.setEnabled(True)

    def _finished(self) -> None:
        worker = self.sender()
        if worker is self.worker:  # ended without a result (it always sends one; kept safe all the same)
            self.worker = None
            self.make_button.setEnabled(True)
        if worker in self._threads:
            self._threads.discard(worker)
            worker.deleteLater()

    def wait_done(self, ms: int = 30000) -> bool:
        """Block until every background thread has ended (closing, tests)."""
        return all(w.wait(ms) for w in list(self._threads))

    def default_name(self, suffix: str) -> str:
        month, department = self.chosen()
        return f"月次報告_{month.iso()}{'' if department in (None, ALL) else '_' + department}.{suffix}"

    def save_pdf(self, target: Path) -> bool:
        return self._save(self.pdf, target, "PDFを保存しました")

    def save_csv(self, target: Path) -> bool:
        return self._save(self.csv, target, "CSVを保存しました（UTF-8、BOM付き。Excelでそのまま開けます）")

    def _save(self, data: bytes | None, target: Path, done: str) -> bool:
        """Write the report made last (PDF or CSV) to ``target``; say where it went, or why it could not."""
        if data is None:
            return False
        try:
            Path(target).write_bytes(data)
        except OSError as exc:
            self._failed(f"{target} に保存できません（{exc.strerror}）")
            return False
        self.message.setText(f"{done}：{target}")
        return True

    def save_pdf_dialog(self) -> None:
        target, _ = QFileDialog.getSaveFileName(self, "PDFとして保存", str(Path.home() / self.default_name("pdf")),
                                                "PDF (*.pdf)")
        if target:
            self.save_pdf(Path(target))

    def save_csv_dialog(self) -> None:
        target, _ = QFileDialog.getSaveFileName(self, "CSVとして保存", str(Path.home() / self.default_name("csv")),
                                                "CSV (*.csv)")
        if target:
            self.save_csv(Path(target))

    def print_dialog(self) -> None:
        if self.pdf is None:
            return
        printer = QPrinter(QPrinter.HighResolution)
        if QPrintDialog(printer, self).exec() != QPrintDialog.Accepted:
            return
        self.print_to(printer)

    def print_to(self, printer: QPrinter, backend: str | None = None) -> None:
        """The previewed report to a background print job (the dialog stays usable)."""
        path = self.tmp / "print.pdf"
        path.write_bytes(self.pdf or b"")
        self.job_status.start(printer, path, backend)

    def done(self, result: int) -> None:  # closed: wait for the background work, then leave nothing behind
        self.wait_done()
        self.job_status.wait_done()
        self.document.close()
        import shutil

        shutil.rmtree(self.tmp, ignore_errors=True)
        super().done(result)


def open_report_dialog(window, store) -> ReportDialog | None:
    """Menu 統計…: the dialog over the main window (not modal: the counter can go on working)."""
    if window.book is None:
        return None
    dialog = ReportDialog(window, store, window.book, window.today)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    window.report_dialog = dialog
    dialog.show()
    return dialog
