"""Printing in the background (バックグラウンド印刷): the clerk gets the window back at once.

A :class:`PrintJob` is a ``QThread`` that sends one PDF (the packet as previewed) to a ``QPrinter`` chosen in the
print dialog, at 100 % — the form offsets (``OKUYAMI_PRINTER_OFFSET``, baked into the PDF by
:func:`okuyami.documents.packet.make_packet`) land exactly where they were measured. Three ways, best first:

``copy``
    the printer is "print to file (PDF)": the packet itself is copied (vector, exact).
``lp``
    Linux/macOS with CUPS: the PDF file itself goes to ``lp -d PRINTER -o print-scaling=none -o fit-to-page=false``
    (CUPS' own PDF path: no rasterizing here at all; ``lp`` returns as soon as the file is spooled).
``render``
    anywhere else (Windows, no ``lp``): every page is rendered with QtPdf at the printer's resolution (at most
    :data:`MAX_RENDER_DPI`), in horizontal bands of at most :data:`BAND_BYTES` (the page cropped to each band with
    pypdf, so only one band image is ever in memory, whatever the resolution); each band is painted at its place on
    the full page (``fullPage``: no margin shift, no fit scaling).

The job works on its own temporary copy of the PDF (readable by this user only) and deletes it when it ends —
printed, cancelled or failed (privacy: no packet is left behind in the temp folder). :class:`PrintStatus` is the
strip under the print buttons: a progress bar, 「中止」, and a plain-Japanese result.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSize, QSizeF, Qt, QThread, Signal
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget
from pypdf import PdfReader, PdfWriter
from pypdf.generic import RectangleObject

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.I)  # Windows device names
STEM_MAX_CHARS, STEM_MAX_BYTES = 60, 120  # well under every file system's 255 bytes, with a date and "_2" added


def safe_file_stem(text: str, fallback: str = "案件") -> str:
    """A file name part made from case data (a name typed by the clerk or booked by phone): no folder separator,
    no ``..``, nothing Windows forbids, not a device name, and short enough that the save dialog can always open
    (a 10 MB name is cut, on a character boundary)."""
    stem = _UNSAFE.sub("_", text or "").replace(" ", "").replace("\u3000", "")
    while ".." in stem:
        stem = stem.replace("..", "_")
    stem = stem.strip(" ._")
    stem = stem[:STEM_MAX_CHARS]
    while len(stem.encode("utf-8")) > STEM_MAX_BYTES:
        stem = stem[:-1]
    if not stem or _RESERVED.match(stem):
        stem = f"{fallback}_{stem}" if stem else fallback
    return stem


MAX_RENDER_DPI = 600  # office printers print text at 600 dpi; more only costs time and memory
BAND_BYTES = 16 * 1024 * 1024  # one band of one page at a time (rendered + composited on white)
LP_TIMEOUT_S = 120


def lp_command() -> str | None:
    """The CUPS ``lp`` client, if this system prints through CUPS (not on Windows)."""
    if sys.platform == "win32":
        return None
    return shutil.which("lp")


def choose_backend(printer: QPrinter) -> str:
    """``copy`` for print-to-PDF, ``lp`` for a CUPS printer, else ``render``."""
    if printer.outputFormat() == QPrinter.PdfFormat:
        return "copy"
    if lp_command() and printer.printerName():
        return "lp"
    return "render"


def lp_arguments(printer: str, path: Path, title: str = "おくやみ案内", *, copies: int = 1, sides: str = "",
                 pages: tuple[int, int] | None = None) -> list[str]:
    """``lp`` for one PDF: never scaled to fit (``print-scaling=none``, ``fit-to-page=false``), A4, and the
    dialog's copies, two-sided setting (``two-sided-long-edge``…) and page range."""
    args = [lp_command() or "lp", "-d", printer, "-t", title,
            "-o", "print-scaling=none", "-o", "fit-to-page=false", "-o", "media=A4"]
    if copies > 1:
        args += ["-n", str(copies)]
    if sides:
        args += ["-o", f"sides={sides}"]
    if pages:
        args += ["-P", f"{pages[0]}-{pages[1]}"]
    return args + ["--", str(path)]


def lp_settings(printer: QPrinter) -> dict:
    """What the print dialog chose, as :func:`lp_arguments` keywords."""
    duplex = printer.duplex()
    sides = {QPrinter.DuplexLongSide: "two-sided-long-edge", QPrinter.DuplexAuto: "two-sided-long-edge",
             QPrinter.DuplexShortSide: "two-sided-short-edge"}.get(duplex, "")
    pages = None
    if printer.printRange() == QPrinter.PageRange and printer.fromPage() > 0:
        pages = (printer.fromPage(), printer.toPage() or printer.fromPage())
    return {"copies": printer.copyCount(), "sides": sides, "pages": pages}


def remove_stale_temp(max_age_s: float = 12 * 3600, folder: Path | None = None) -> int:
    """Delete this user's print leftovers older than ``max_age_s`` in the temp folder (after a crash or power cut:
    packets hold personal data). Returns how many were removed. Called when the desk app starts."""
    import time

    folder = Path(folder or tempfile.gettempdir())
    now = time.time()
    removed = 0
    for path in folder.glob("okuyami-*"):
        try:
            st = path.lstat()
            if hasattr(os, "getuid") and st.st_uid != os.getuid():
                continue
            if now - st.st_mtime < max_age_s:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed += 1
        except OSError:
            continue
    return removed


class PrintJob(QThread):
    """One packet to one printer, off the GUI thread. Signals carry plain Japanese for the clerk."""

    progress = Signal(int, int)  # pages done, pages in all
    succeeded = Signal(str)  # what was done (「プリンター ○○ に送りました（12ページ）」)
    failed = Signal(str)  # what went wrong, and what to do
    cancelled = Signal()

    def __init__(self, printer: QPrinter, pdf: Path, backend: str | None = None, parent=None,
                 title: str = "おくやみ案内", queue: str | None = None):
        super().__init__(parent)
        self.printer = printer
        self.queue = queue or printer.printerName()  # the CUPS queue (lp)
        self.title = title  # the job's name in the print queue: never the family's name
        self.backend = backend or choose_backend(printer)
        self._cancel = False
        self._proc: subprocess.Popen | None = None
        self.pages = 0
        self.peak_band_bytes = 0  # the largest image held at once (render)
        self.cups_job: str | None = None
        # our own copy, so the preview can be rebuilt (or the case closed) while this prints
        fd, name = tempfile.mkstemp(prefix="okuyami-print-", suffix=".pdf")
        os.close(fd)
        self.spool = Path(name)
        shutil.copyfile(pdf, self.spool)
        os.chmod(self.spool, 0o600)

    def cancel(self) -> None:
        """Stop as soon as possible (between bands); a job already handed to CUPS is withdrawn with ``cancel``."""
        self._cancel = True
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()

    def run(self) -> None:  # the worker thread
        try:
            if self.backend == "copy":
                self._copy()
            elif self.backend == "lp":
                self._lp()
            else:
                self._render()
            if self._cancel:
                self.cancelled.emit()
        except _Failed as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 — a printer problem must never take the window down
            self.failed.emit(f"印刷できませんでした（{type(exc).__name__}）。プリンターの電源と用紙を確認して、もう一度お試しください。")
        finally:
            self.spool.unlink(missing_ok=True)

    # -- the three ways --------------------------------------------------------------------------------
    def _count_pages(self) -> int:
        doc = QPdfDocument()
        doc.load(str(self.spool))
        n = doc.pageCount()
        doc.close()
        return n

    def _copy(self) -> None:
        target = self.printer.outputFileName()
        if not target:
            raise _Failed("保存先のファイル名がありません。")
        self.pages = self._count_pages()
        shutil.copyfile(self.spool, target)
        self.progress.emit(self.pages, self.pages)
        if not self._cancel:
            self.succeeded.emit(f"PDFファイルに保存しました（{self.pages}ページ）")

    def _lp(self) -> None:
        self.pages = self._count_pages()
        self.progress.emit(0, self.pages)
        self._proc = subprocess.Popen(lp_arguments(self.queue, self.spool, self.title,
                                                   **lp_settings(self.printer)), stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
        try:
            out, err = self._proc.communicate(timeout=LP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            raise _Failed("印刷の受付に時間がかかりすぎたため中止しました。プリンターの状態を確認してください。") from None
        if self._cancel:
            m = re.search(r"(\S+-\d+)", out or "")
            if m:  # already spooled: withdraw it
                subprocess.run(["cancel", m.group(1)], capture_output=True)
            return
        if self._proc.returncode != 0:
            raise _Failed("プリンターが印刷を受け付けませんでした。プリンター名と電源を確認してください。"
                          + (f"（{err.strip().splitlines()[-1]}）" if err.strip() else ""))
        m = re.search(r"(\S+-\d+)", out or "")
        self.cups_job = m.group(1) if m else None
        self.progress.emit(self.pages, self.pages)
        self.succeeded.emit(f"プリンター「{self.queue}」に送りました（{self.pages}ページ）")

    def _render(self) -> None:
        doc = QPdfDocument()
        doc.load(str(self.spool))
        if doc.status() != QPdfDocument.Status.Ready:
            raise _Failed("印刷用のファイルを開けませんでした。もう一度プレビューを作ってください。")
        printer = self.printer
        self.pages = total = doc.pageCount()
        first = doc.pagePointSize(0)
        doc.close()
        reader = PdfReader(str(self.spool))
        printer.setDocName(self.title)  # the spooler shows this, never the family's name
        printer.setFullPage(True)  # coordinates from the paper's corner: no margin shift
        printer.setPageLayout(QPageLayout(QPageSize(QSizeF(first.width(), first.height()), QPageSize.Point),
                                          QPageLayout.Portrait, QMarginsF(0, 0, 0, 0)))
        painter = QPainter()
        if not painter.begin(printer):
            raise _Failed("プリンターを開けませんでした。プリンターの電源と接続を確認してください。")
        try:
            device_dpi = printer.resolution()
            dpi = min(device_dpi, MAX_RENDER_DPI)
            for i in range(total):
                if self._cancel:
                    printer.abort()
                    return
                if i:
                    printer.newPage()
                self._render_page(reader.pages[i], painter, dpi, device_dpi)
                self.progress.emit(i + 1, total)
        finally:
            if painter.isActive():
                painter.end()
        if not self._cancel:
            self.succeeded.emit(f"プリンター「{printer.printerName() or 'PDF'}」に送りました（{total}ページ）")

    def _render_page(self, page, painter: QPainter, dpi: int, device_dpi: int) -> None:
        """One page in horizontal bands: each band is the page cropped to it (CropBox), rendered by QtPdf at
        ``dpi`` on white, and painted at its exact place — only one band image is in memory at a time."""
        box = page.mediabox
        x0, y0 = float(box.left), float(box.bottom)
        width_pt, height_pt = float(box.width), float(box.height)
        width_px = round(width_pt * dpi / 72)
        height_px = round(height_pt * dpi / 72)
        band = max(16, BAND_BYTES // (width_px * 4 * 2))
        to_device = device_dpi / dpi
        writer = PdfWriter()
        tops = list(range(0, height_px, band))
        for top in tops:
            h = min(band, height_px - top)
            upper = y0 + height_pt - top * 72 / dpi
            lower = y0 + height_pt - (top + h) * 72 / dpi
            band_page = writer.add_page(page)
            band_page.mediabox = band_page.cropbox = RectangleObject([x0, lower, x0 + width_pt, upper])
        fd, name = tempfile.mkstemp(prefix="okuyami-band-", suffix=".pdf")
        os.close(fd)
        bands = Path(name)
        doc = QPdfDocument()
        try:
            with open(bands, "wb") as fh:
                writer.write(fh)
            doc.load(str(bands))
            for k, top in enumerate(tops):
                if self._cancel:
                    return
                h = min(band, height_px - top)
                rendered: QImage = doc.render(k, QSize(width_px, h))  # transparent where nothing is drawn
                image = QImage(rendered.size(), QImage.Format_RGB32)  # on white paper: opaque, no alpha to spool
                image.fill(Qt.white)
                p = QPainter(image)
                p.drawImage(0, 0, rendered)
                p.end()
                self.peak_band_bytes = max(self.peak_band_bytes, rendered.sizeInBytes() + image.sizeInBytes())
                del rendered
                painter.drawImage(QRectF(0, top * to_device, width_px * to_device, h * to_device), image)
                del image
        finally:
            doc.close()
            bands.unlink(missing_ok=True)


class _Failed(Exception):
    """A printing failure with a message for the clerk."""


class PrintStatus(QWidget):
    """The strip under the print buttons: progress, 「中止」, and the result. The window stays usable."""

    finished = Signal(bool, str)  # printed?, the message shown

    def __init__(self, parent=None):
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setFormat("印刷中… %v / %m ページ")
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("印刷を中止")
        self.cancel_button.clicked.connect(self.cancel)
        self.label = QLabel()
        self.label.setWordWrap(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.label, 2)
        self.job: PrintJob | None = None
        self._idle()

    @property
    def busy(self) -> bool:
        return self.job is not None

    def _idle(self) -> None:
        self.bar.hide()
        self.cancel_button.hide()

    def start(self, printer: QPrinter, pdf: Path, backend: str | None = None) -> PrintJob | None:
        """Hand the PDF to a background job and return at once (None if a job is still running)."""
        if self.job is not None:
            self.label.setText("前の印刷がまだ終わっていません。終わってから、もう一度印刷してください。")
            return None
        job = PrintJob(printer, pdf, backend, parent=self)
        # bound methods of this widget: delivered on the GUI thread (a lambda would run in the worker)
        job.progress.connect(self._progress)
        job.succeeded.connect(self._succeeded)
        job.failed.connect(self._failed)
        job.cancelled.connect(self._cancelled)
        job.finished.connect(self._cleanup)
        self.job = job
        self.bar.setRange(0, 0)  # busy until the first page is counted
        self.bar.show()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        self.label.setText("印刷を始めました。この間も操作を続けられます。")
        self.label.setStyleSheet("color: #205080;")
        job.start()
        return job

    def cancel(self) -> None:
        if self.job is not None:
            self.cancel_button.setEnabled(False)
            self.label.setText("印刷を中止しています…")
            self.job.cancel()

    def _progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)

    def _succeeded(self, text: str) -> None:
        self._end(True, "✓ " + text)

    def _failed(self, text: str) -> None:
        self._end(False, "⚠ " + text)

    def _cancelled(self) -> None:
        self._end(False, "印刷を中止しました。")

    def _end(self, ok: bool, text: str) -> None:
        self.label.setText(text)
        self.label.setStyleSheet("color: #205080;" if ok else "color: #b00020; font-weight: bold;")
        self.finished.emit(ok, text)

    def _cleanup(self) -> None:
        job, self.job = self.job, None
        self._idle()
        if job is not None:
            job.deleteLater()

    def wait_done(self, ms: int = 60000) -> bool:
        """Block until the job ends (for shutdown and tests)."""
        job = self.job
        return True if job is None else job.wait(ms)
