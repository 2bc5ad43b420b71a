"""The checklist screen of the desk app (okuyami/ui/checklist.py): the yes/no questions of one rulebook group on
one screen, one key per item, Enter records them all; the engine's next screen decides when it shows."""

import pytest

pytest.importorskip("PySide6")
from PySide6.QtCore import Qt  # noqa: E402

from test_ui import INTAKE, close_window, fill, open_window  # noqa: E402


def _answer_single(page):
    q = page.questions
    fact = q.fact
    d = page.book.facts[fact]
    value = d.values[0] if d.kind == "enum" else 0 if d.kind == "int" else False
    page.answer(fact, value)


def test_checklist_screen_answers_a_group_with_one_key_per_item(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path)
    w.act_new.trigger()
    page = w.case_page
    fill(page, INTAKE)
    page.tabs.setCurrentIndex(1)
    q = page.questions
    for _ in range(40):
        if not q.checklist.isHidden():
            break
        _answer_single(page)
    cl = q.checklist
    assert not cl.isHidden() and q.question.isHidden()
    screen = page.session.next_screen
    assert screen.is_checklist and cl.facts == screen.facts and len(cl.facts) >= 2
    first, second = cl.facts[0], cl.facts[1]
    qtbot.keyClick(cl, Qt.Key_1)            # はい
    qtbot.keyClick(cl, Qt.Key_2)            # はい
    qtbot.keyClick(cl, Qt.Key_2)            # → わからない
    assert "【はい】" in cl.rows[0].text() and "【わからない】" in cl.rows[1].text()
    qtbot.keyClick(cl, Qt.Key_Return)
    answers = page.row.answers
    assert answers[first] is True and answers[second] == "unknown"
    assert all(answers[f] is False for f in screen.facts[2:])  # not ticked: いいえ
    assert set(screen.facts) <= set(answers)
    # the panel moved on: the same group is not shown again with the same questions
    nxt = page.session.next_screen
    assert nxt is None or nxt.facts != screen.facts
    close_window(w)


def test_a_city_date_question_is_typed_in_wareki(qtbot, tmp_path, rules_copy):
    from PySide6.QtWidgets import QLineEdit
    from test_city_facts import add_keiro

    add_keiro(rules_copy)
    w = open_window(qtbot, tmp_path / "data", rules_copy)
    w.act_new.trigger()
    page = w.case_page
    fill(page, INTAKE)
    page.tabs.setCurrentIndex(1)
    page.answer("keiro_pass", True)
    page.answer("pass_kind", "bus")
    q = page.questions
    q.ask("pass_issued")
    edit = next(q.buttons.itemAt(i).widget() for i in range(q.buttons.count())
                if isinstance(q.buttons.itemAt(i).widget(), QLineEdit))
    edit.setText("R2.4.31")  # 令和2年4月31日 does not exist
    edit.returnPressed.emit()
    assert "pass_issued" not in page.row.answers  # refused with a message, nothing saved
    edit.setText("R3.5.1")
    edit.returnPressed.emit()
    assert page.row.answers["pass_issued"] == "2021-05-01"
    assert page.session.result.codes("required").count("keiro_pass_henkyaku") == 1  # 2021 ≥ 2020-04-01
    close_window(w)


def test_clerk_opens_a_question_the_rules_do_not_ask(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path)
    w.act_new.trigger()
    page = w.case_page
    fill(page, {**INTAKE, ("deceased", "birth_date"): "S15.1.1"})  # 86: no 児童手当 question
    page.tabs.setCurrentIndex(1)
    q = page.questions
    assert "child_allowance_recipient" not in page.session.result.pending_questions
    combo = q.open_other
    index = combo.findData("child_allowance_recipient")
    assert index > 0
    combo.activated.emit(index)
    assert q.fact == "child_allowance_recipient"
    qtbot.keyClick(q, Qt.Key_1)  # はい: the clerk's answer wins over the age rule
    assert "jidou_teate" in page.session.result.codes("required")
    close_window(w)
