"""Background printing (okuyami/ui/printing.py): the window is back at once, pages print at 100 % with the form
offsets, memory stays bounded, temporary files are deleted; through a real CUPS queue where CUPS is installed."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import no_collector_pause
from pypdf import PdfReader

pytest.importorskip("PySide6")
from PySide6.QtCore import QSize, Qt  # noqa: E402
from PySide6.QtGui import QImage, QPainter  # noqa: E402
from PySide6.QtPdf import QPdfDocument  # noqa: E402
from PySide6.QtPrintSupport import QPrinter  # noqa: E402

from okuyami.core.case import load_case  # noqa: E402
from okuyami.core.rulebook import load_rulebook  # noqa: E402
from okuyami.documents.packet import make_packet  # noqa: E402
from okuyami.ui import printing  # noqa: E402
from okuyami.ui.printing import BAND_BYTES, PrintJob, PrintStatus, lp_arguments, lp_settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 22)
A4 = (595.28, 841.89)


@pytest.fixture(scope="module")
def heavy(tmp_path_factory):
    """The heaviest packet (examples/case_heavy.yaml), and the same with a 5 mm horizontal form offset."""
    book = load_rulebook(ROOT / "rules.yaml")
    case = load_case(ROOT / "examples" / "case_heavy.yaml", today=TODAY)
    out = tmp_path_factory.mktemp("packet")
    # as the desk app prints it: a stored case, with its 案件番号 and the QR code of it
    plain = make_packet(book, case, out / "plain", today=TODAY, number=12)
    shifted = make_packet(book, case, out / "shifted", today=TODAY, offset_mm=(5.0, 0.0), number=12)
    return plain.packet_path, shifted.packet_path


def pdf_printer(path: Path) -> QPrinter:
    printer = QPrinter(QPrinter.HighResolution)
    printer.setOutputFormat(QPrinter.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setResolution(300)  # a typical printer resolution; keeps the test quick
    return printer


def ink_box(pdf: Path, page: int, dpi: int = 72) -> tuple[int, int, int, int]:
    """Left, top, right, bottom of everything printed on ``page`` (pixels at ``dpi``)."""
    doc = QPdfDocument()
    doc.load(str(pdf))
    size = doc.pagePointSize(page)
    rendered = doc.render(page, QSize(round(size.width() * dpi / 72), round(size.height() * dpi / 72)))
    doc.close()
    image = QImage(rendered.size(), QImage.Format_RGB32)  # QtPdf leaves the paper transparent: put it on white
    image.fill(Qt.white)
    painter = QPainter(image)
    painter.drawImage(0, 0, rendered)
    painter.end()
    image = image.convertToFormat(QImage.Format_Grayscale8)
    w, h, bpl = image.width(), image.height(), image.bytesPerLine()
    data = bytes(image.constBits())
    dark = re.compile(rb"[\x00-\xb4]")
    left, right, top, bottom = w, -1, None, None
    for y in range(h):
        row = data[y * bpl: y * bpl + w]
        m = dark.search(row)
        if not m:
            continue
        top = y if top is None else top
        bottom = y
        left = min(left, m.start())
        right = max(right, w - 1 - dark.search(row[::-1]).start())
    assert top is not None, "nothing printed on the page"
    assert (left, top) != (0, 0), "the whole page is dark: not a real measurement"
    return left, top, right, bottom


def run_job(qtbot, job: PrintJob) -> list:
    events: list = []
    job.succeeded.connect(lambda text: events.append(("ok", text)))
    job.failed.connect(lambda text: events.append(("failed", text)))
    job.cancelled.connect(lambda: events.append(("cancelled", "")))
    job.start()  # (not qtbot.waitSignal: the thread's own signals are emitted from the worker thread)
    qtbot.waitUntil(job.isFinished, timeout=120000)
    return events


def test_rendered_pages_are_a4_at_100_percent_and_keep_the_offset(qtbot, tmp_path, heavy):
    plain, shifted = heavy
    results = {}
    for name, src in (("plain", plain), ("shifted", shifted)):
        out = tmp_path / f"{name}.pdf"
        job = PrintJob(pdf_printer(out), src, backend="render")
        events = run_job(qtbot, job)
        assert events and events[0][0] == "ok", events
        assert not job.spool.exists()  # the temporary copy is gone
        assert job.peak_band_bytes <= BAND_BYTES * 1.05  # one band of one page at a time
        reader = PdfReader(str(out))
        assert len(reader.pages) == len(PdfReader(str(src)).pages) == job.pages > 20
        for page in reader.pages:  # A4, not shrunk to the printable area
            assert abs(float(page.mediabox.width) - A4[0]) < 1 and abs(float(page.mediabox.height) - A4[1]) < 1
        results[name] = out
    for page in (0, 8, 12):  # guidance page 1 and two forms: what is printed sits exactly where the PDF has it
        orig = ink_box(plain, page)
        printed = ink_box(results["plain"], page)
        assert all(abs(a - b) <= 1 for a, b in zip(orig, printed)), (page, orig, printed)
    # the configured offset survives printing: 5 mm = 14.2 pt to the right on a form
    a, b = ink_box(results["plain"], 12), ink_box(results["shifted"], 12)
    assert abs((b[0] - a[0]) - 5 / 25.4 * 72) <= 1.5, (a, b)


def test_the_window_is_back_at_once_and_the_job_can_be_cancelled(qtbot, tmp_path, heavy):
    plain, _ = heavy
    status = PrintStatus()
    qtbot.addWidget(status)
    printer = pdf_printer(tmp_path / "x.pdf")
    with no_collector_pause():
        t0 = time.perf_counter()
        job = status.start(printer, plain, backend="render")
        took = time.perf_counter() - t0
    assert took < 0.2  # the clerk has the window back
    assert status.busy and not status.bar.isHidden()
    assert status.start(pdf_printer(tmp_path / "y.pdf"), plain) is None  # one job at a time, said plainly
    assert "前の印刷" in status.label.text()
    spool = job.spool
    with qtbot.waitSignal(status.finished, timeout=60000) as blocker:
        status.cancel()
    assert blocker.args == [False, "印刷を中止しました。"]
    qtbot.waitUntil(lambda: not status.busy, timeout=60000)
    assert not spool.exists()  # deleted on cancel too


def test_a_printer_that_refuses_says_so_in_japanese_and_leaves_nothing_behind(qtbot, tmp_path, heavy):
    plain, _ = heavy
    if printing.lp_command() is None:
        pytest.skip("no CUPS lp command on this system (the render path is tested above)")
    job = PrintJob(QPrinter(), plain, backend="lp", queue="no-such-printer-okuyami")
    events = run_job(qtbot, job)
    assert events[0][0] == "failed"
    assert "プリンターが印刷を受け付けませんでした" in events[0][1]
    assert not job.spool.exists()


def test_lp_is_asked_for_no_scaling():
    args = lp_arguments("counter1", Path("/tmp/p.pdf"), copies=2, sides="two-sided-long-edge", pages=(1, 3))
    assert args[1:5] == ["-d", "counter1", "-t", "おくやみ案内"]  # the queue shows no family name
    for opt in ("print-scaling=none", "fit-to-page=false", "media=A4", "sides=two-sided-long-edge"):
        assert args[args.index(opt) - 1] == "-o"
    assert args[args.index("-n") + 1] == "2" and args[args.index("-P") + 1] == "1-3"
    assert args[-2:] == ["--", "/tmp/p.pdf"]
    printer = QPrinter()
    printer.setCopyCount(3)
    assert lp_settings(printer)["copies"] == 3


# -- a real CUPS queue ---------------------------------------------------------------------------------------
CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd")


@pytest.fixture(scope="module")
def cups():
    """A private CUPS scheduler (its own socket and spool) with a cups-pdf queue; skipped where CUPS is absent."""
    missing = [what for what, ok in (("cupsd", shutil.which("cupsd") or Path("/usr/sbin/cupsd").exists()),
                                     ("lp", shutil.which("lp")), ("lpadmin", shutil.which("lpadmin")),
                                     ("cups-pdf", CUPS_PDF_PPD.exists()),
                                     ("root (to run a private cupsd)", hasattr(os, "geteuid") and os.geteuid() == 0))
               if not ok]
    if missing:
        pytest.skip("CUPS test needs " + ", ".join(missing) + " (Debian: apt-get install cups cups-pdf)")
    root = Path(tempfile.mkdtemp(prefix="okuyami-cups-"))  # not under pytest's 0700 folder: CUPS filters run as lp
    for d in ("spool", "tmp", "state", "cache", "ppd"):
        (root / d).mkdir()
        os.chmod(root / d, 0o777)
    sock = root / "cups.sock"
    (root / "cupsd.conf").write_text(f"Listen {sock}\nLogLevel warn\nWebInterface No\n"
                                     "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n")
    (root / "cups-files.conf").write_text(
        f"ServerRoot {root}\nRequestRoot {root}/spool\nTempDir {root}/tmp\nStateDir {root}/state\n"
        f"CacheDir {root}/cache\nErrorLog {root}/error_log\nAccessLog {root}/access_log\nPageLog {root}/page_log\n"
        "ServerBin /usr/lib/cups\nDataDir /usr/share/cups\n")
    os.chmod(root, 0o755)
    os.chmod(root / "tmp", 0o1777)
    cupsd = subprocess.Popen([shutil.which("cupsd") or "/usr/sbin/cupsd", "-f", "-c", str(root / "cupsd.conf"),
                              "-s", str(root / "cups-files.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    env = dict(os.environ, CUPS_SERVER=str(sock))
    try:
        for _ in range(50):
            if sock.exists():
                break
            time.sleep(0.1)
        added = subprocess.run(["lpadmin", "-p", "okuyamipdf", "-E", "-v", "cups-pdf:/", "-P", str(CUPS_PDF_PPD)],
                               env=env, capture_output=True, text=True)
        if added.returncode != 0:
            pytest.skip(f"private cupsd did not accept a queue: {added.stderr.strip()}")
        yield env
    finally:
        cupsd.terminate()
        cupsd.wait(10)
        shutil.rmtree(root, ignore_errors=True)


def test_through_cups_the_pdf_itself_prints_at_100_percent(qtbot, monkeypatch, heavy, cups):
    plain, _ = heavy
    monkeypatch.setenv("CUPS_SERVER", cups["CUPS_SERVER"])
    out_dir = Path.home() / "PDF"  # where cups-pdf writes (its Out setting, ${HOME}/PDF by default)
    title = f"okuyamitest{os.getpid()}"
    before = set(out_dir.glob(f"{title}*.pdf")) if out_dir.is_dir() else set()
    job = PrintJob(QPrinter(), plain, backend="lp", title=title, queue="okuyamipdf")
    events = run_job(qtbot, job)
    assert events[0][0] == "ok", events
    assert job.cups_job and job.cups_job.startswith("okuyamipdf-")
    assert not job.spool.exists()
    deadline = time.time() + 60
    produced: list[Path] = []
    while time.time() < deadline and not produced:
        time.sleep(0.5)
        produced = [p for p in (set(out_dir.glob(f"{title}*.pdf")) if out_dir.is_dir() else set()) - before
                    if p.stat().st_size > 0]
    if not produced:
        pytest.skip("cups-pdf wrote nothing (its output folder is not ~/PDF here)")
    time.sleep(1)  # let cups-pdf finish writing
    try:
        reader = PdfReader(str(produced[0]))
        assert len(reader.pages) == len(PdfReader(str(plain)).pages)
        page = reader.pages[0]
        assert abs(float(page.mediabox.width) - A4[0]) < 1 and abs(float(page.mediabox.height) - A4[1]) < 1
        for i in (0, 12):  # not fitted to the printable area: the ink is where the packet has it
            orig, printed = ink_box(plain, i), ink_box(produced[0], i)
            assert all(abs(a - b) <= 1 for a, b in zip(orig, printed)), (i, orig, printed)
    finally:
        for p in produced:
            p.unlink(missing_ok=True)


def test_many_signals_do_not_crash_the_app():
    """PySide6 6.12.0 on Python 3.11 loses a reference to True per signal emit (okuyami/ui/qtfix.py): a busy day
    (here 50 000 signals, and a process exit) must not abort."""
    code = ("import okuyami.ui\nfrom PySide6.QtCore import QObject, Signal\nfrom PySide6.QtGui import QImage\n"
            "class E(QObject):\n    s = Signal(int)\ne = E()\nfor i in range(50000):\n    e.s.emit(i)\n"
            "img = QImage(8, 8, QImage.Format_RGB32)\nfor i in range(20000):\n    img.fill(0)\nprint('ok')\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-500:]


# -- a fresh machine without a Japanese TrueType font ---------------------------------------------------------
def _cli(*args, env_extra=None):
    env = dict(os.environ, OKUYAMI_TODAY="2026-11-22", **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "okuyami", *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)


def test_without_japanese_fonts_the_heaviest_case_still_prints(tmp_path):
    """OKUYAMI_FONT_DIR=an empty folder: only that folder is searched, so the built-in CID fallback is used. The
    app's own text is checked against the fallback (a ✓ it lacks would print as the customary レ)."""
    empty = tmp_path / "nofonts"
    empty.mkdir()
    out = tmp_path / "out"
    proc = _cli("print", "examples/case_heavy.yaml", "--out", str(out), env_extra={"OKUYAMI_FONT_DIR": str(empty)})
    assert proc.returncode == 0, proc.stderr
    assert "NOT embedded" in proc.stderr  # said loudly
    reader = PdfReader(str(out / "packet.pdf"))
    assert len(reader.pages) > 20
    fonts = {str(f.get_object().get("/BaseFont")) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("Heisei" in f for f in fonts)
    text = reader.pages[0].extract_text()
    assert "〓" not in text
    doctor = _cli("doctor", env_extra={"OKUYAMI_FONT_DIR": str(empty)})
    assert doctor.returncode == 1
    assert "FONTS NOT EMBEDDED" in doctor.stdout and "日本語フォントが埋め込まれていません" in doctor.stdout
    assert "the app's own printed text: every character printable with these fonts" in doctor.stdout  # checked
    assert "the app's own printed text: every character printable" in doctor.stdout


def test_the_app_s_own_text_is_checked_against_the_font_in_use():
    from okuyami.documents import fonts as fonts_mod

    strings = fonts_mod.app_strings()
    assert len(strings) > 20 and all(where.split(":")[0].endswith(".py") for where in strings)
    fonts_mod.find_fonts.cache_clear()
    fonts_mod._index.cache_clear()
    old = os.environ.get("OKUYAMI_FONT_DIR")
    os.environ["OKUYAMI_FONT_DIR"] = "/nonexistent-okuyami-fonts"
    try:
        fallback = fonts_mod.find_fonts()
        assert not fallback.embedded
        problems, notes = fonts_mod.check_app_strings(fallback, {"guidance.py:1": "□ に ✓ を付けてください〜", "x:2": "𠮷"})
        assert problems == ["x:2: '𠮷' (U+20BB7) is in no font in use"]
        assert "guidance.py:1: '✓' (U+2713) prints as 'レ'" in notes
        assert fallback.printable("□に✓")[0] == "□にレ"
        assert fallback.printable("𠮷田")[0] == "〓田"
        assert fonts_mod.check_app_strings(fallback)[0] == []  # every fixed string of the documents prints
    finally:
        if old is None:
            del os.environ["OKUYAMI_FONT_DIR"]
        else:
            os.environ["OKUYAMI_FONT_DIR"] = old
        fonts_mod.find_fonts.cache_clear()
        fonts_mod._index.cache_clear()


def test_leftovers_of_a_crash_are_removed_at_start(tmp_path):
    old_dir = tmp_path / "okuyami-abc123"
    old_dir.mkdir()
    (old_dir / "packet.pdf").write_bytes(b"%PDF")
    old_file = tmp_path / "okuyami-print-x.pdf"
    old_file.write_bytes(b"%PDF")
    fresh = tmp_path / "okuyami-print-now.pdf"
    fresh.write_bytes(b"%PDF")
    other = tmp_path / "something-else.pdf"
    other.write_bytes(b"%PDF")
    day_ago = time.time() - 24 * 3600
    for p in (old_dir, old_file, other):
        os.utime(p, (day_ago, day_ago))
    assert printing.remove_stale_temp(folder=tmp_path) == 2
    assert not old_dir.exists() and not old_file.exists() and fresh.exists() and other.exists()
