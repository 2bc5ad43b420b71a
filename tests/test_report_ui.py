"""統計… in the desk app (pytest-qt, offscreen, both backends): the menu opens the dialog on the month just ended; 作成
draws the report in the background and previews it; the preview is what is saved (PDF, CSV) and printed; a
department's own page; changing the month asks to make it again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from pypdf import PdfReader  # noqa: E402
from PySide6.QtPrintSupport import QPrinter  # noqa: E402

from okuyami.core.calendar import JST  # noqa: E402
from okuyami.store.store import Store  # noqa: E402
from okuyami.ui.main_window import MainWindow  # noqa: E402
from okuyami.ui.report_dialog import ReportDialog  # noqa: E402

TODAY = dt.date(2026, 12, 7)


def at(day: str, hm: str) -> dt.datetime:
    h, m = hm.split(":")
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(int(h), int(m)), JST)


def made(qtbot, dialog: ReportDialog) -> None:
    """Wait for the background work: the preview, or the reason it failed."""
    qtbot.waitUntil(lambda: dialog.pdf is not None or "⚠" in dialog.message.text(), timeout=60000)
    assert dialog.pdf is not None, dialog.message.text()


def test_the_report_dialog(qtbot, store, book, db_url, tmp_path):
    # November: one booking done, one no-show, one walk-in served
    done = store.book_visit(book, start=at("2026-11-26", "10:00"), values={"deceased_name": "望月 太郎"},
                            caller={"name": "望月 花子"}, at=at("2026-11-20", "9:00"))
    for status, when in (("arrived", "9:55"), ("in_service", "10:00"), ("done", "10:45")):
        store.set_reservation_status(done.number, status, at=at("2026-11-26", when))
    gone = store.book_visit(book, start=at("2026-11-27", "10:00"), values={"deceased_name": "新井 次郎"},
                            caller={"name": "新井 良子"}, at=at("2026-11-20", "9:00"))
    store.set_reservation_status(gone.number, "no_show", at=at("2026-11-27", "11:00"))
    store.walk_in(book, values={"deceased_name": "横山 三郎"}, at=at("2026-11-27", "14:00"))
    store.set_task(done.case, "kokuho_soshitsu", "done", department="hoken_nenkin")

    w = MainWindow(Store.open(db_url, operator="統計 係", terminal="manager"), None, tmp_path, clerk="統計 係",
                   today=TODAY, watch=False)
    qtbot.addWidget(w)
    w.show()
    action = next(a for a in w.file_menu.actions() if a.text().startswith("統計"))
    action.trigger()
    dialog = w.report_dialog
    assert isinstance(dialog, ReportDialog) and dialog.isVisible()
    assert dialog.month.currentText() == "2026年11月"  # the month just ended
    assert not dialog.save_button.isEnabled()  # nothing made yet

    dialog.make_button.click()
    made(qtbot, dialog)
    assert dialog.document.pageCount() == 2  # the preview shows what was made
    assert "対応した家族 2家族" in dialog.message.text() and "2ページ" in dialog.message.text()
    assert dialog.save_button.isEnabled() and dialog.csv_button.isEnabled() and dialog.print_button.isEnabled()

    assert dialog.save_pdf(tmp_path / "nov.pdf") and dialog.save_csv(tmp_path / "nov.csv")
    text = "\n".join(p.extract_text() for p in PdfReader(str(tmp_path / "nov.pdf")).pages)
    assert "おくやみコーナーの2026年11月" in text and "望月" not in text and "横山" not in text
    table = (tmp_path / "nov.csv").read_bytes()
    assert table.startswith(b"\xef\xbb\xbf") and "来庁なし（件）,1,".encode() in table

    printer = QPrinter(QPrinter.HighResolution)  # printing: the background job, to a PDF file here
    printer.setOutputFormat(QPrinter.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    dialog.print_to(printer)  # (a PDF printer: the job copies the file)
    assert dialog.job_status.wait_done(60000)
    qtbot.waitUntil(lambda: (tmp_path / "printed.pdf").exists() and (tmp_path / "printed.pdf").stat().st_size > 0,
                    timeout=60000)

    # a department's own page; changing the choice asks to make it again
    dialog.department.setCurrentIndex(dialog.department.findData("hoken_nenkin"))
    assert dialog.pdf is None and not dialog.save_button.isEnabled() and "作り直します" in dialog.message.text()
    dialog.make_button.click()
    made(qtbot, dialog)
    assert dialog.document.pageCount() == 1 and "この課の手続きがあった家族 1家族" in dialog.message.text()
    assert dialog.default_name("pdf") == "月次報告_2026-11_hoken_nenkin.pdf"

    # a month without data
    dialog.department.setCurrentIndex(0)
    dialog.month.setCurrentIndex(dialog.month.findData("2026-08"))
    dialog.make_button.click()
    made(qtbot, dialog)
    assert "2026年8月のデータはありません" in dialog.message.text() and dialog.document.pageCount() == 1
    tmp = dialog.tmp
    dialog.close()
    assert not Path(tmp).exists()  # nothing left in the temp folder
    w.store.close()
