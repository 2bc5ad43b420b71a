"""A department terminal and the corner on one shared store (SQLite file / PostgreSQL), offscreen: the
department marks a task done and the corner's window shows it within 2 s without pressing anything."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from okuyami.store.database import JST  # noqa: E402
from okuyami.store.store import Store  # noqa: E402
from okuyami.ui.main_window import MainWindow  # noqa: E402

TODAY = dt.datetime.now(JST).date()  # the department lists the families of today (Japan time)


def window(qtbot, url: str, data_dir: Path, *, operator: str, terminal: str, department: str | None = None):
    store = Store.open(url, operator=operator, terminal=terminal)
    w = MainWindow(store, None, data_dir, clerk=operator, today=TODAY, department=department,
                   background=False)  # step by step: store calls inline
    qtbot.addWidget(w)
    w.show()
    return w


def fill(page, values: dict) -> None:
    for key, text in values.items():
        page.intake.set_text(key, text)


def combo_text(page, code: str) -> str:
    item = page.procedures.items[code]
    return page.procedures.tree.itemWidget(item, 3).currentText()


def test_department_marks_done_and_the_corner_sees_it_within_2s(qtbot, counter_url, terminal_url, tmp_path):
    # PostgreSQL: the corner and the department each log in with their own terminal's role (contract §11)
    corner = window(qtbot, counter_url, tmp_path / "corner", operator="窓口 一郎", terminal="corner-1")
    corner.new_case()
    page = corner.case_page
    death = TODAY - dt.timedelta(days=8)
    fill(page, {("deceased", "name"): "山田 太郎", ("deceased", "kana"): "やまだ たろう",
                ("deceased", "birth_date"): "S16.3.2", ("deceased", "death_date"): death.isoformat(),
                ("funeral", "date"): (death + dt.timedelta(days=3)).isoformat()})
    for fact, value in (("health_insurance", "kouki"), ("seal_registered", True), ("funeral_held", True)):
        page.answer(fact, value)
    assert combo_text(page, "kouki_soshitsu") == "未着手"

    dept = window(qtbot, terminal_url("department", "hoken_nenkin"), tmp_path / "hoken", operator="保険 次郎",
                  terminal="hoken-1", department="hoken_nenkin")
    dp = dept.department_page
    assert dept.stack.currentWidget() is dp
    families = [(case, texts) for case, texts in dp.family_rows() if case is not None]
    assert len(families) == 1 and families[0][1][2] == "山田 太郎" and families[0][1][1] == "来庁（窓口 一郎）"
    assert "kouki_soshitsu" in dp.task_codes and "inkan_haishi" not in dp.task_codes  # only this department's
    assert "後期高齢者医療" in dp.facts.toPlainText()  # the answer that matters for it
    combo = dp.tasks.cellWidget(dp.task_codes.index("kouki_soshitsu"), 1)
    combo.setCurrentIndex(combo.findData("done"))  # the department records its work

    qtbot.waitUntil(lambda: combo_text(page, "kouki_soshitsu") == "完了", timeout=2000)  # nothing pressed
    history = [e.action for e in corner.store.history(page.case_id) if e.operator == "保険 次郎"]
    assert "task.set" in history and "case.view" in history  # who saw and changed what
    # the department's preparation list, on paper and as CSV
    csv = dp.save_prep_csv(tmp_path / "prep.csv")
    text = csv.read_bytes().decode("utf-8-sig")
    assert "山田 太郎" in text and "後期高齢者医療" in text and "完了" in text
    pdf = dp.save_prep_pdf(tmp_path / "prep.pdf")
    from pypdf import PdfReader

    assert "準備リスト" in PdfReader(str(pdf)).pages[0].extract_text()
    forms = dp.save_forms(tmp_path / "forms.pdf").result
    assert forms is not None and len(PdfReader(str(forms)).pages) >= 1
    for w in (corner, dept):
        w.close()
        w.store.close()


def test_a_stale_status_change_is_refused_and_reloaded(qtbot, counter_url, terminal_url, tmp_path):
    corner = window(qtbot, counter_url, tmp_path / "c", operator="窓口 一郎", terminal="corner-1")
    corner.new_case()
    page = corner.case_page
    fill(page, {("deceased", "birth_date"): "S16.3.2",
                ("deceased", "death_date"): (TODAY - dt.timedelta(days=3)).isoformat()})
    page.answer("health_insurance", "kouki")
    other = Store.open(terminal_url("department", "hoken_nenkin"), operator="保険 次郎", terminal="hoken-1")
    other.set_task(page.case_id, "kouki_soshitsu", "prepared")  # before the corner's window heard of it
    corner.bridge.stop()  # (no live refresh in this test: the corner acts on its stale copy)
    page.procedures.set_status("kouki_soshitsu", "不要")
    assert "他の端末" in corner.notice.text() and corner.notice.isVisible()  # said in words, no dialog
    assert "送っていません" in corner.notice.text()
    assert combo_text(page, "kouki_soshitsu") == "準備済"  # theirs is shown, ours was not applied
    assert not corner.outbox.pending()  # settled (as a conflict), not left waiting
    other.close()
    corner.close()
    corner.store.close()
