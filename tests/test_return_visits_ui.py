"""Return visits in the desk app (pytest-qt, real SQLite file): the 後日 day typed in the procedure panel, the list
of 後日 items, the kept packet reprinted exactly from the 履歴 tab, deleting an empty case and merging two."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtPrintSupport import QPrinter

from okuyami.store.store import Store
from okuyami.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 24)


@pytest.fixture
def window(qtbot, tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'store.sqlite3'}", operator="窓口 一郎", terminal="corner-1")
    w = MainWindow(store, ROOT / "rules.yaml", tmp_path, clerk="窓口 一郎", today=TODAY, watch=False,
                   background=False)  # step by step: store calls inline
    qtbot.addWidget(w)
    yield w
    w.case_page.release()
    store.close()


def filled_case(w, name="山田 太郎") -> int:
    store = w.store
    case_id = store.create_case()
    for part, field, value in (("deceased", "name", name), ("deceased", "birth_date", "1941-03-02"),
                               ("deceased", "death_date", "2026-11-15"), ("deceased", "sex", "male"),
                               ("deceased", "address", "サンプル市中央町1-2-3"), ("applicant", "name", "山田 花子"),
                               ("applicant", "relationship", "妻"), ("applicant", "phone", "090-1234-5678")):
        store.set_person(case_id, part, field, value)
    store.set_answer(case_id, "seal_registered", True)
    return case_id


def test_follow_up_day_typed_and_listed(window, qtbot):
    w = window
    case_id = filled_case(w)
    w.open_case(case_id)
    panel = w.case_page.procedures
    assert "inkan_haishi" in panel.items
    panel.set_status("inkan_haishi", "後日")
    qtbot.wait(10)
    panel.tree.setCurrentItem(panel.items["inkan_haishi"])
    assert panel.follow_up.isEnabled()
    panel.follow_up.setText("11/1")  # the nearest 11/1 is past: refused, nothing saved
    panel.save_follow_up()
    assert "border" in panel.follow_up.styleSheet() and w.store.get(case_id).tasks["inkan_haishi"].follow_up is None
    panel.follow_up.setText("１２/４")  # full-width digits too
    panel.save_follow_up()
    assert w.store.get(case_id).tasks["inkan_haishi"].follow_up == dt.date(2026, 12, 4)
    assert panel.follow_up.text().startswith("令和8年12月4日")
    panel.save_follow_up()  # leaving the field again with the date as shown: read back, nothing to say
    assert panel.follow_up.styleSheet() == "" and w.store.get(case_id).tasks["inkan_haishi"].follow_up == dt.date(2026, 12, 4)
    w.show_follow_ups()
    page = w.follow_up_page
    assert w.stack.currentWidget() is page and page.table.rowCount() == 1
    assert page.table.item(0, 0).text().startswith("令和8年12月4日") and page.table.item(0, 2).text() == "印鑑登録証の返却"
    assert page.table.item(0, 5).text() == "090-1234-5678"
    page.open_row(0)
    assert w.stack.currentWidget() is w.case_page and w.case_page.case_id == case_id


def test_the_packet_is_kept_and_reprinted_exactly(window, qtbot, tmp_path):
    w = window
    case_id = filled_case(w)
    w.open_case(case_id)
    page = w.case_page
    page.tabs.setCurrentIndex(2)
    out = tmp_path / "first.pdf"
    assert page.printing.save_pdf(out), page.printing.message.text()
    page.tabs.setCurrentIndex(3)
    history = page.history
    assert history.packets.rowCount() == 1 and history.packets.item(0, 3).text().endswith("_案内一式.pdf")
    again = tmp_path / "again.pdf"
    assert history.save(history.selected(), again).result and again.read_bytes() == out.read_bytes()
    printer = QPrinter(QPrinter.HighResolution)
    printer.setOutputFormat(QPrinter.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "reprint.pdf"))
    assert page.printing.reprint(history.selected(), printer).result
    qtbot.waitUntil(lambda: page.printing.job_status.job is None, timeout=20000)
    assert (tmp_path / "reprint.pdf").read_bytes() == out.read_bytes()  # print to file: the kept bytes
    log = w.store.print_log(case_id)
    assert log[-1].what.get("reprint_of") and len(w.store.packets(case_id)) == 1  # logged, not kept twice
    history.refresh()
    assert "再印刷" in history.log.toPlainText()


def test_delete_an_empty_case_and_merge_two(window, qtbot):
    w = window
    told: list[str] = []
    page = w.list_page
    page.tell = told.append
    page.ask = lambda title, text, choices: 0
    full = filled_case(w)
    empty = w.store.create_case()
    w.show_list()
    page.table.selectRow(page.ids.index(full))
    page.delete_selected()
    assert "削除できません" in told[-1] and w.store.count_cases() == 2
    page.table.clearSelection()
    page.table.selectRow(page.ids.index(empty))
    page.delete_selected()
    assert w.store.count_cases() == 1
    twin = filled_case(w, name="山田 太郎")
    w.store.set_answer(twin, "was_household_head", True)
    page.refresh()
    page.table.selectAll()
    page.merge_selected()
    assert w.store.count_cases() == 1
    assert w.store.get(full).answers == {"seal_registered": True, "was_household_head": True}
