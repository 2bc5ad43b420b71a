"""住基取込 in the desk app (pytest-qt, offscreen): from the menu and from a watched folder, the progress bar and the
summary; imported cases in the list as 未来庁（住基）with 外字あり; the interview shows what came from 住基, lets
the clerk correct it and asks only what remains; 外字 asks how to print before anything prints."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
from PySide6.QtCore import Qt  # noqa: E402

from okuyami.store.local_settings import TerminalSettings  # noqa: E402
from okuyami.store.store import Store  # noqa: E402
from okuyami.ui.main_window import MainWindow  # noqa: E402

from test_juki import TAKAHASHI, YAMADA, YOSHIDA, write_csv  # noqa: E402

TODAY = dt.date(2026, 11, 20)
BAD = "000104,誤り 太郎,,1,20261301,20261115,,,1,0,0,1,0,1,1,1,0,0,0,0"


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("OKUYAMI_TODAY", TODAY.isoformat())
    data = tmp_path / "data"
    w = MainWindow(Store.open(data / "okuyami.sqlite3", operator="窓口 一郎"), None, data, clerk="窓口 一郎",
                   today=TODAY, watch=False, background=False)  # step by step: store calls inline
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()
    w.store.close()


def run_import(qtbot, w, path: Path):
    with qtbot.waitSignal(w.juki.finished, timeout=30000) as blocker:
        w.juki.start(path)
        assert w.juki.worker is not None and not w.juki.bar.isHidden()  # the progress bar while it runs
    return blocker.args[0]


def names_in_list(w) -> dict[str, tuple[str, int]]:
    t = w.list_page.table
    return {t.item(i, 1).text(): (t.item(i, 5).text(), int(t.item(i, 7).text())) for i in range(t.rowCount())}


def test_menu_import_summary_list_and_interview(qtbot, window, tmp_path):
    w = window
    texts = [a.text() for a in w.file_menu.actions()]
    assert "住基取込…" in texts and texts[-1].startswith("終了")
    report = run_import(qtbot, w, write_csv(tmp_path / "deaths.csv", [YAMADA, BAD, TAKAHASHI, YOSHIDA]))
    assert report is not None and len(report.outcome.created) == 3
    assert not w.juki.bar.isVisible()
    html = w.juki.dialog.text.toPlainText()
    assert "新規 3件" in html and "3行目" in html and "生年月日" in html and "外字" in html
    assert "20261301" not in html  # no date of birth in the dialog: the field is named, not its value
    listed = names_in_list(w)
    assert listed["山田 太郎"][0] == "未来庁（住基）"
    assert listed["\ue000田 花子　［外字あり］"][0] == "未来庁（住基）"

    w.open_case(listed["山田 太郎"][1])
    page = w.case_page
    assert "住基から取込" in page.title.text() and "000101" in page.title.text()
    page.tabs.setCurrentIndex(1)
    q = page.questions
    answered = [q.answers.item(i).text() for i in range(q.answers.count())]
    assert any("［住基］" in t and "後期" in t for t in answered), answered
    asked_first = q.fact
    assert asked_first not in page.row.answers  # only what 住基 cannot know is asked
    assert asked_first not in {"was_household_head", "health_insurance", "pension_recipient", "seal_registered"}
    # the clerk corrects 年金: the family says no pension after all
    q.ask("pension_recipient")
    assert "住基から" in q.question.text()
    q.give(False)
    assert page.row.answers["pension_recipient"] is False and page.row.sources["pension_recipient"] == "counter"
    answered = [q.answers.item(i).text() for i in range(q.answers.count())]
    assert not any("［住基］" in t and "年金" in t for t in answered)
    # a re-import keeps the correction and lists it
    w.show_list()
    report = run_import(qtbot, w, tmp_path / "deaths.csv")
    assert [(c.field, c.kept) for c in report.outcome.conflicts] == [("pension_recipient", False)]
    assert "窓口の訂正を残した項目" in w.juki.dialog.text.toPlainText()
    assert w.store.get(listed["山田 太郎"][1]).answers["pension_recipient"] is False


def test_watched_folder_imports_and_moves_the_file(qtbot, window, tmp_path):
    w = window
    folder = tmp_path / "rpa"
    folder.mkdir()
    settings = TerminalSettings.load(w.data_dir)
    settings.juki_folder = str(folder)
    settings.save(w.data_dir)
    w.juki.settings = settings
    w.juki.watch(str(folder))
    write_csv(folder / "20261120.csv", [YAMADA])
    w.juki.scan()  # first look: the size is noted (the RPA may still be writing)
    assert w.juki.worker is None
    with qtbot.waitSignal(w.juki.finished, timeout=30000):
        w.juki.scan()  # unchanged since: imported
    assert not (folder / "20261120.csv").exists()
    assert len(list((folder / "取込済").glob("*_20261120.csv"))) == 1
    assert "山田 太郎" in names_in_list(w)
    (folder / "broken.csv").write_bytes("氏名,死亡日\r\n山田,20261115\r\n".encode("cp932"))
    w.juki.scan()
    with qtbot.waitSignal(w.juki.finished, timeout=30000) as blocker:
        w.juki.scan()
    assert blocker.args[0] is None and "宛名番号" in w.juki.dialog.text.toPlainText()
    assert len(list((folder / "取込エラー").glob("*_broken.csv"))) == 1
    # the setting survives remembering the terminal (mode, operator)
    w.remember_terminal()
    assert TerminalSettings.load(w.data_dir).juki_folder == str(folder)


def test_gaiji_asks_how_to_print_before_anything_prints(qtbot, window, tmp_path):
    w = window
    report = run_import(qtbot, w, write_csv(tmp_path / "d.csv", [YOSHIDA]))
    (_, case_id), = report.outcome.created
    w.open_case(case_id)
    page = w.case_page
    page.intake.set_text(("applicant", "name"), "吉田 一郎")
    page.tabs.setCurrentIndex(2)
    panel = page.printing
    assert panel.make() is None  # nothing prints yet: the dialog asks first
    dialog = panel.gaiji_dialog
    assert dialog.isVisible() and "U+E000" in dialog.findChildren(type(panel.message))[1].text()
    hand, typed, edit = dialog.rows["\ue000"]
    edit.setText("")
    typed.setChecked(True)
    dialog.check_and_accept()
    assert dialog.isVisible() and "代わりの字" in dialog.error.text()  # an empty substitute is refused
    edit.setText("吉")
    dialog.check_and_accept()
    assert not dialog.isVisible()
    assert w.store.gaiji_choices(case_id) == {"\ue000": "吉"}
    assert panel.packet_path is not None and panel.packet_path.exists()  # the preview was made with 吉
    assert w.store.get(case_id).deceased["name"] == "\ue000田 花子"
    assert panel.make() is not None  # decided once: printing does not ask again
    panel.reset()
    assert panel.gaiji_again.isVisibleTo(panel)  # …but the clerk may change the choice
    panel.change_gaiji()
    dialog = panel.gaiji_dialog
    assert dialog.isVisible() and dialog.rows["\ue000"][2].text() == "吉"
    hand, typed, edit = dialog.rows["\ue000"]
    hand.setChecked(True)
    dialog.check_and_accept()
    assert w.store.gaiji_choices(case_id) == {"\ue000": ""}  # now written by hand (〓)
