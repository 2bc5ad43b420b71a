"""Benchmark: printing the heaviest packet (examples/case_heavy.yaml) — before and after the background job.

    python bench/bench_printing.py [--repeat 3] [--queue CUPS_QUEUE]

Each measurement runs in a new Python process (offscreen Qt) that builds the packet, then prints it to a
``QPrinter(HighResolution)`` writing a PDF file (the spool: what a printer driver would receive):

* ``before``  — the old ``PrintPanel.print_to``, reproduced here: every page rendered on the GUI thread at the
  printer's full resolution (1200 dpi) and drawn scaled into the viewport. The window is blocked throughout.
* ``render``  — the new ``PrintJob`` (okuyami/ui/printing.py), rendering path (Windows / no CUPS): bands at
  ≤ 600 dpi in a worker thread.
* ``lp``      — the new job through CUPS (only with ``--queue``): the PDF file itself goes to ``lp``.

Reported per mode (medians): time until the window is back (the GUI thread is free), the longest stall of the
event loop while printing (a 10 ms timer), total time until the job is done, spool size, and the process's
peak RSS (minus the same process's RSS just before printing = what printing costs). Target: window back ≤ 0.2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import datetime as dt, json, os, resource, sys, time
from pathlib import Path
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QPointF, QSize, QTimer, QElapsedTimer
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication
from okuyami.core.case import load_case
from okuyami.core.rulebook import load_rulebook
from okuyami.documents.packet import make_packet
from okuyami.ui.printing import PrintJob

mode, tmp, queue = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
app = QApplication([])
today = dt.date(2026, 11, 22)
book = load_rulebook(Path("rules.yaml"))
packet = make_packet(book, load_case(Path("examples/case_heavy.yaml"), today=today), tmp / "packet", today=today)
pdf = packet.packet_path
doc = QPdfDocument()
doc.load(str(pdf))
pages = doc.pageCount()
printer = QPrinter(QPrinter.HighResolution)
printer.setOutputFormat(QPrinter.PdfFormat)
out = tmp / "spool.pdf"
printer.setOutputFileName(str(out))
app.processEvents()
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

stalls = []
clock = QElapsedTimer()
clock.start()
last = [0]
def tick():
    now = clock.elapsed()
    stalls.append(now - last[0])
    last[0] = now
timer = QTimer()
timer.setInterval(10)
timer.timeout.connect(tick)
timer.start()
app.processEvents()

t0 = time.perf_counter()
if mode == "before":  # the old print_to, verbatim in substance
    last[0] = clock.elapsed()
    painter = QPainter()
    painter.begin(printer)
    rect = painter.viewport()
    for i in range(pages):
        if i:
            printer.newPage()
        size = doc.pagePointSize(i)
        scale = min(rect.width() / size.width(), rect.height() / size.height())
        image = doc.render(i, QSize(int(size.width() * scale), int(size.height() * scale)))
        painter.drawImage(QPointF(0, 0), image)
    painter.end()
    back = time.perf_counter() - t0
    app.processEvents()
    tick()
    done = time.perf_counter() - t0
    spool = out.stat().st_size
else:
    if mode == "lp":
        printer = QPrinter(QPrinter.HighResolution)
    job = PrintJob(printer, pdf, backend=mode, queue=queue or None)
    ended = []
    job.finished.connect(lambda: ended.append(time.perf_counter()))
    job.failed.connect(lambda text: print("FAILED", text, file=sys.stderr))
    last[0] = clock.elapsed()
    job.start()
    back = time.perf_counter() - t0
    while not ended:
        app.processEvents()
        time.sleep(0.001)
    done = ended[0] - t0
    spool = out.stat().st_size if mode == "render" else pdf.stat().st_size  # lp: CUPS receives the PDF itself
timer.stop()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"pages": pages, "back": back, "done": done, "stall_ms": max(stalls) if stalls else 0,
                  "spool": spool, "peak_rss_mb": rss / 1024, "print_cost_mb": (rss - rss_before) / 1024}))
"""


def run(mode: str, queue: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
        proc = subprocess.run([sys.executable, "-c", CHILD, mode, tmp, queue], capture_output=True, text=True,
                              cwd=ROOT, env=env, timeout=900)
        if proc.returncode != 0:
            raise SystemExit(f"{mode} failed:\n{proc.stderr[-2000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before-repeat", type=int, default=1, help="runs of the old path (slow: ~30 s each)")
    parser.add_argument("--queue", default="", help="a CUPS queue to measure the lp path too")
    args = parser.parse_args()
    modes = [("before", args.before_repeat), ("render", args.repeat)] + ([("lp", args.repeat)] if args.queue else [])
    for mode, n in modes:
        runs = [run(mode, args.queue) for _ in range(n)]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(f"{mode:7s} {int(med['pages'])} pages: window back after {med['back']:.3f} s "
              f"(longest event-loop stall {med['stall_ms']:.0f} ms), done after {med['done']:.1f} s, "
              f"spool {med['spool'] / 1e6:.1f} MB, peak RSS {med['peak_rss_mb']:.0f} MB "
              f"(printing adds {med['print_cost_mb']:.0f} MB) — median of {n}")
    print("target: window back ≤ 0.2 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
