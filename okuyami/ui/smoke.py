"""``okuyami --smoke-test``: is this installation able to serve a family? (for installers and CI)

Builds the main window offscreen on a throw-away database, takes a sample case through intake and a few answers,
checks the procedures, prints the packet to a temporary folder and checks the PDF (pages, the name in the text,
every font embedded). Prints what it checked and exits 0, or the reason and 1.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

SAMPLE = {("deceased", "name"): "見本 太郎", ("deceased", "kana"): "ミホン タロウ", ("deceased", "sex"): "male",
          ("deceased", "birth_date"): "S16.3.2", ("deceased", "death_date"): "R8.11.15",
          ("deceased", "address"): "サンプル市中央町1-2-3", ("applicant", "name"): "見本 花子",
          ("applicant", "relationship"): "妻", ("funeral", "date"): "R8.11.18",
          ("funeral", "chief_mourner"): "見本 花子"}
ANSWERS = {"death_registered": True, "was_household_head": True, "household_remaining_15plus": 1,
           "welfare_recipient": False, "funeral_held": True, "seal_registered": True}


def _fonts_embedded(reader) -> bool:
    for page in reader.pages:
        for ref in page["/Resources"].get_object().get("/Font", {}).values():
            font = ref.get_object()
            target = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = target.get("/FontDescriptor")
            if descriptor is None or not any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2",
                                                                                  "/FontFile3")):
                return False
    return True


def _wait(app, done, what: str, seconds: float = 20.0) -> None:
    """Let the window work (its store calls run on its worker thread) until ``done()``."""
    end = time.monotonic() + seconds
    while not done():
        if time.monotonic() > end:
            raise RuntimeError(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.01)


def smoke_test() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("OKUYAMI_TODAY", "2026-11-22")  # the sample case died on 2026-11-15
    t0 = time.perf_counter()
    try:
        from pypdf import PdfReader

        from .app import build_window, make_app

        app = make_app()
        with tempfile.TemporaryDirectory(prefix="okuyami-smoke-") as tmp:
            window = build_window(Path(tmp) / "data", None, "smoke-test")
            if window.book is None:
                raise RuntimeError("no usable rulebook: " + "; ".join(str(p) for p in (
                    window.rule_dialog.detailedText().splitlines() if window.rule_dialog else [])))
            window.show()
            app.processEvents()
            window.new_case()
            page = window.case_page
            _wait(app, lambda: page.case_id is not None and page.loading is None, "the new case to open")
            for key, text in SAMPLE.items():
                page.intake.set_text(key, text)
            for fact, value in ANSWERS.items():
                page.answer(fact, value)
            codes = page.session.result.codes("required")
            for needed in ("kouki_soshitsu", "kouki_sosaihi", "inkan_haishi", "kaigo_soshitsu"):
                if needed not in codes:
                    raise RuntimeError(f"the sample case should need '{needed}' but the rulebook says {codes}")
            page.tabs.setCurrentIndex(2)
            app.processEvents()
            path = page.printing.make()
            if path is None:
                raise RuntimeError("printing failed: " + page.printing.message.text())
            reader = PdfReader(str(path))
            if len(reader.pages) < 2 or "見本 太郎" not in reader.pages[0].extract_text():
                raise RuntimeError(f"the packet is wrong: {len(reader.pages)} pages, no name on page 1")
            if not _fonts_embedded(reader):
                raise RuntimeError("a font of the packet is not embedded (run okuyami doctor)")
            pages = len(reader.pages)
            _wait(app, lambda: not len(window.outbox), "the entries to reach the store")
            window.close()
            window.store.close()
    except Exception as exc:  # the reason, in one line, for whoever installs it
        print(f"smoke test FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"smoke test passed: window built, {len(codes)} procedures for the sample case, packet of {pages} pages "
          f"with embedded fonts ({time.perf_counter() - t0:.1f} s)")
    return 0
