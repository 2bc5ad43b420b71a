"""Benchmark: the guidance sheet and the whole packet in each language (ja / en / easy-ja), for the heaviest
example case (examples/case_heavy.yaml: 31 procedures, 15 forms). Medians over the runs, in one warm process
(fonts and rulebook loaded once, as in the desk app).

    python bench/bench_languages.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from okuyami.core.case import load_case_doc
from okuyami.core.engine import evaluate
from okuyami.core.rulebook import check_rulebook, load_rulebook
from okuyami.documents.context import build_context
from okuyami.documents.fonts import find_fonts
from okuyami.documents.guidance import build_guidance
from okuyami.documents.packet import make_packet

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 22)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    book = load_rulebook(ROOT / "rules.yaml")
    case, doc = load_case_doc(ROOT / "examples" / "case_heavy.yaml", "case_heavy.yaml", today=TODAY)
    fonts = find_fonts()
    result = evaluate(book, case)
    ctx = build_context(book, case, result, TODAY)
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        check_rulebook(ROOT / "rules.yaml", today=TODAY)
        times.append(time.perf_counter() - t0)
    print(f"rules check (with the translation check): median {statistics.median(times) * 1000:.0f} ms")
    for lang in ("ja", "en", "easy-ja"):
        sheet, packet = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = build_guidance(book, case, result, ctx, fonts, today=TODAY, language=lang)
            sheet.append(time.perf_counter() - t0)
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.perf_counter()
                pk = make_packet(book, case, Path(tmp), today=TODAY, language=lang)
                packet.append(time.perf_counter() - t0)
                pages = len(__import__("pypdf").PdfReader(str(pk.packet_path)).pages)
        print(f"{lang:8s} sheet {out.pages} pages: median {statistics.median(sheet) * 1000:.0f} ms; "
              f"packet {pages} pages: median {statistics.median(packet) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
