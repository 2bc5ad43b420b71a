"""The desk app's ルール menu (issue 23 item 6): a broken rulebook's problems as a list of the same Japanese lines as
`okuyami rules check`, each with its file:line, in a window that does not block the counter, while the last good
rulebook stays live."""

import datetime as dt
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
from PySide6.QtCore import Qt  # noqa: E402

from okuyami.core.rulebook import check_rulebook  # noqa: E402
from okuyami.store.store import Store  # noqa: E402
from okuyami.ui.main_window import MainWindow  # noqa: E402

TODAY = dt.date(2026, 11, 22)


def open_window(qtbot, data_dir: Path, rules: Path) -> MainWindow:
    w = MainWindow(Store.open(data_dir / "okuyami.sqlite3", operator="窓口 一郎"), rules, data_dir, clerk="窓口 一郎",
                   today=TODAY, watch=False, background=False)  # step by step: store calls inline
    qtbot.addWidget(w)
    w.show()
    return w


def test_reload_lists_the_problems_in_japanese_and_keeps_the_last_good_rulebook(qtbot, tmp_path, rules_copy,
                                                                                monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    w = open_window(qtbot, tmp_path / "data", rules_copy)
    good = w.book
    assert w.rule_dialog is None
    shimin = rules_copy.parent / "rules" / "shimin.yaml"
    original = shimin.read_text(encoding="utf-8")
    shimin.write_text(original.replace("    title: 死亡届\n", "\ttitle: 死亡届\n", 1), encoding="utf-8")
    kourei = rules_copy.parent / "rules" / "kourei.yaml"
    kourei.write_text(kourei.read_text(encoding="utf-8").replace("elderly_services: true", "elderly_service: true"),
                      encoding="utf-8")
    w.reload_rules()  # F5
    dialog = w.rule_dialog
    assert dialog is not None and dialog.isVisible()
    assert not dialog.isModal() and dialog.windowModality() == Qt.NonModal  # the counter is not blocked
    assert "読み込み直しませんでした。これまでのルールで続けます" in dialog.text()
    rows = dialog.rows()
    _book, problems = check_rulebook(rules_copy)
    assert [f"{place}: {text} [{kind}]" for place, text, kind in rows] == [str(p) for p in problems.sorted()]
    assert rows[0][0] == "rules/shimin.yaml:6:1" and rows[0][2] == "tab"  # the cause first, with its line
    assert rows[0][1].startswith("字下げにタブ文字があります")
    assert rows[1][0].startswith("rules/kourei.yaml:") and "事実名 'elderly_service' はありません" in rows[1][1]
    assert w.book is good and "shibou_todoke" in w.book.rules  # the last good rulebook is still live
    w.new_case()  # and the counter goes on working while the list is open
    assert w.stack.currentWidget() is w.case_page

    dialog.close()
    w.show_last_rule_problems()  # ルール → 誤りの一覧 opens it again
    assert w.rule_dialog.isVisible() and w.rule_dialog.rows() == rows

    shimin.write_text(original, encoding="utf-8")
    kourei.write_text(kourei.read_text(encoding="utf-8").replace("elderly_service: true", "elderly_services: true"),
                      encoding="utf-8")
    w.rule_dialog.reload_button.click()  # もう一度読み込む: fixed now
    assert not w.rule_dialog.isVisible()
    assert w.book is not good and "ルールを読み込みました" in w.statusBar().currentMessage()
    w.show_last_rule_problems()
    assert "誤りはありません" in w.statusBar().currentMessage()
    w.close()
    w.store.close()


def test_a_broken_rulebook_at_start_runs_on_the_last_good_copy(qtbot, tmp_path, rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    data = tmp_path / "data"
    w = open_window(qtbot, data, rules_copy)  # a good start keeps a last-good copy
    w.close()
    w.store.close()
    (rules_copy.parent / "rules" / "shimin.yaml").write_text("", encoding="utf-8")
    w = open_window(qtbot, data, rules_copy)
    assert w.book is not None and "shibou_todoke" in w.book.rules
    assert "前回正しく読み込めたルールで起動しました" in w.rule_dialog.text()
    assert w.rule_dialog.rows() == [("rules/shimin.yaml:1:1", "ファイルが空です。'department:'（課のID）と "
                                     "'procedures:'（手続きの一覧）を書いてください", "empty file")]
    w.close()
    w.store.close()
