"""The desk app, offscreen (pytest-qt): a whole counter session, invalid input, a broken rulebook, printing."""

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from pypdf import PdfReader

pytest.importorskip("PySide6")
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtPrintSupport import QPrinter  # noqa: E402

from okuyami.store import migrate  # noqa: E402
from okuyami.store.store import Store  # noqa: E402
from okuyami.ui.main_window import MainWindow  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 22)


def open_window(qtbot, data_dir: Path, rules: Path | None = None) -> MainWindow:
    w = MainWindow(Store.open(data_dir / "okuyami.sqlite3", operator="窓口 一郎"), rules, data_dir, clerk="窓口 一郎", today=TODAY,
                   background=False)  # step by step: store calls inline (the worker thread: test_network_drop)
    qtbot.addWidget(w)
    w.show()
    return w


def close_window(w: MainWindow) -> None:
    w.close()
    w.store.close()


def fill(page, values: dict) -> None:
    for key, text in values.items():
        page.intake.set_text(key, text)


INTAKE = {("deceased", "name"): "山田 太郎", ("deceased", "kana"): "やまだ たろう", ("deceased", "sex"): "male",
          ("deceased", "birth_date"): "昭和30年4月1日", ("deceased", "death_date"): "R8.11.15",
          ("deceased", "address"): "サンプル市中央町1-2-3", ("applicant", "name"): "山田 花子",
          ("applicant", "relationship"): "妻", ("applicant", "phone"): "090-1234-5678",
          ("funeral", "date"): "R8.11.18", ("funeral", "chief_mourner"): "山田 花子"}


def tree_codes(page) -> dict[str, str]:
    out = {}
    tree = page.procedures.tree
    for i in range(tree.topLevelItemCount()):
        head = tree.topLevelItem(i)
        for j in range(head.childCount()):
            item = head.child(j)
            out[item.data(0, Qt.UserRole)] = item.text(1)
    return out


def test_a_whole_counter_session_survives_a_restart(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path)
    w.act_new.trigger()  # Ctrl+N
    page = w.case_page
    assert w.stack.currentWidget() is page
    fill(page, INTAKE)
    assert page.row.deceased["kana"] == "ヤマダ タロウ"  # ひらがな became カタカナ
    assert page.intake.edits[("deceased", "kana")].text() == "ヤマダ タロウ"  # and the field shows it
    assert page.row.deceased["birth_date"] == "1955-04-01"
    assert "昭和30年4月1日" in page.intake.notes[("deceased", "birth_date")].text()  # the converted date is shown

    page.tabs.setCurrentIndex(1)  # 2 聞き取り
    q = page.questions
    assert q.fact == "was_household_head"  # 死亡届 is not asked: the funeral date says it was accepted
    qtbot.keyClick(q, Qt.Key_1)  # はい → the count is asked next
    assert q.fact == "household_remaining_15plus"
    q.number.setValue(2)
    qtbot.keyClick(q, Qt.Key_Return)
    assert q.fact == "welfare_recipient"
    qtbot.keyClick(q, Qt.Key_Backspace)  # back to the count
    assert q.fact == "household_remaining_15plus"
    q.number.setValue(2)
    qtbot.keyClick(q, Qt.Key_Return)
    qtbot.keyClick(q, Qt.Key_2)  # 生活保護: いいえ
    assert q.fact == "health_insurance"  # 71 years old: asked
    qtbot.keyClick(q, Qt.Key_1)  # 国民健康保険
    assert q.fact == "household_others_in_kokuho"
    qtbot.keyClick(q, Qt.Key_3)  # わからない
    codes = tree_codes(page)
    assert codes["setainushi_henko"] == "要" and codes["kokuho_soshitsu"] == "要"
    assert codes["kokuho_setainushi"] == "要確認"
    assert "あと約" in q.progress.text()
    # the procedure's reason shows when selected
    page.procedures.tree.setCurrentItem(page.procedures.items["setainushi_henko"])
    assert "世帯主で、15歳以上の世帯員が2人以上残る" in page.procedures.detail.toPlainText()
    page.procedures.set_status("kokuho_soshitsu", "完了")  # return visits: one done, one for later
    page.procedures.tree.setCurrentItem(page.procedures.items["setainushi_henko"])
    page.procedures.note.setText("新世帯主の本人確認書類を後日持参")
    page.procedures.save_note()
    page.procedures.set_status("setainushi_henko", "後日")
    assert page.status.currentText() == "後日対応あり"
    asked_next = q.fact

    page.tabs.setCurrentIndex(2)  # 3 印刷
    forms = page.printing.chosen_forms()
    assert "setainushi_henko" in forms and "ininjou" not in forms
    assert "kokuho_soshitsu" not in forms  # done at this visit: its form is not printed again
    page.printing.relatives.setValue(1)
    out = tmp_path / "packet.pdf"
    assert page.printing.save_pdf(out), page.printing.message.text()
    reader = PdfReader(str(out))
    assert "山田 太郎" in reader.pages[0].extract_text()
    assert len(reader.pages) == 2 * page.printing.last_packet.guidance_pages + len(forms)  # family + relatives
    assert page.row.status == "後日対応あり"  # printing does not hide a pending return visit
    log = w.store.print_log(page.case_id)
    assert log[-1].operator == "窓口 一郎" and "setainushi_henko" in log[-1].what["forms"]
    kept = w.store.packets(page.case_id)  # the packet as handed over is kept, byte for byte
    assert len(kept) == 1 and w.store.packet_pdf(kept[0].id)[1] == out.read_bytes()
    sheet = reader.pages[0].extract_text().replace("　", " ")
    assert "済んだ手続き：1件" in sheet and "後日にすること" in sheet
    case_id = page.case_id
    close_window(w)

    # restart: the case reopens exactly where it was
    w2 = open_window(qtbot, tmp_path)
    assert w2.list_page.table.rowCount() == 1
    assert w2.list_page.table.item(0, 1).text() == "山田 太郎"
    assert w2.list_page.table.item(0, 5).text() == "後日対応あり"
    w2.list_page.open_row(0)
    page2 = w2.case_page
    assert page2.case_id == case_id
    assert page2.intake.edits[("deceased", "name")].text() == "山田 太郎"
    assert page2.intake.edits[("deceased", "birth_date")].text() == "昭和30年4月1日"
    assert page2.row.answers == {"was_household_head": True,
                                 "household_remaining_15plus": 2, "welfare_recipient": False,
                                 "health_insurance": "kokuho", "household_others_in_kokuho": "unknown"}
    assert page2.tabs.currentIndex() == 1 and page2.questions.fact == asked_next
    assert tree_codes(page2) == codes
    assert page2.row.statuses["kokuho_soshitsu"][0] == "完了"
    assert page2.row.statuses["setainushi_henko"] == ("後日", "新世帯主の本人確認書類を後日持参")
    close_window(w2)


def test_every_change_is_on_disk_at_once(qtbot, tmp_path):
    """No save button, no close: another connection sees each answer immediately (as after a crash)."""
    w = open_window(qtbot, tmp_path)
    w.new_case()
    page = w.case_page
    fill(page, {("deceased", "birth_date"): "1950-01-01", ("deceased", "death_date"): "2026-11-15"})
    page.tabs.setCurrentIndex(1)
    qtbot.keyClick(page.questions, Qt.Key_2)
    other = sqlite3.connect(str(tmp_path / "okuyami.sqlite3"))
    rows = other.execute("SELECT fact, value FROM answers").fetchall()
    assert rows == [("death_registered", "false")]
    assert other.execute("SELECT deceased_death_date FROM cases").fetchone()[0] == "2026-11-15"
    other.close()
    close_window(w)


@pytest.mark.parametrize("key, text, message", [
    (("deceased", "death_date"), "R8.11.30", "今日"),  # in the future
    (("deceased", "death_date"), "S20.1.1", "生年月日"),  # before the birth
    (("deceased", "death_date"), "平成32年1月1日", "期間外"),
    (("deceased", "death_date"), "きのう", "日付として読めません"),
    (("deceased", "kana"), "Yamada Taro", "カタカナ"),
    (("applicant", "phone"), "でんわ", "電話番号"),
])
def test_invalid_input_is_refused_with_a_clear_message(qtbot, tmp_path, key, text, message):
    w = open_window(qtbot, tmp_path)
    w.new_case()
    page = w.case_page
    fill(page, {("deceased", "birth_date"): "S30.4.1"})
    page.intake.set_text(key, text)
    assert message in page.intake.error_of(key)
    assert key[1] not in getattr(page.row, key[0])  # nothing stored
    close_window(w)


def test_name_without_space_is_kept_but_flagged(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path)
    w.new_case()
    w.case_page.intake.set_text(("deceased", "name"), "山田太郎")
    assert "スペース" in w.case_page.intake.error_of(("deceased", "name"))
    assert w.case_page.row.deceased["name"] == "山田太郎"  # never lose what was typed
    w.case_page.printing.reset()
    assert w.case_page.printing.make() is None
    assert "印刷できません" in w.case_page.printing.message.text()
    close_window(w)


def test_print_through_a_qt_printer(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path)
    w.new_case()
    page = w.case_page
    fill(page, INTAKE)
    page.tabs.setCurrentIndex(2)
    assert page.printing.make() is not None
    printer = QPrinter(QPrinter.HighResolution)
    printer.setOutputFormat(QPrinter.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    page.printing.print_to(printer)  # a background job now: wait for it
    qtbot.waitUntil(lambda: not page.printing.job_status.busy, timeout=30000)
    assert len(PdfReader(str(tmp_path / "printed.pdf")).pages) == page.printing.document.pageCount() > 1
    assert w.store.print_log(page.case_id)[-1].what["to"] == "printer"
    close_window(w)


def test_missing_glyph_warning_before_printing(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path)
    w.new_case()
    page = w.case_page
    fill(page, {**INTAKE, ("deceased", "name"): "𠮷田 太郎"})
    page.tabs.setCurrentIndex(2)
    assert page.printing.make() is None
    assert "U+20BB7" in page.printing.message.text() and not page.printing.gaiji.isHidden()
    page.printing.gaiji.setChecked(True)
    assert page.printing.make() is not None
    close_window(w)


def test_case_list_search_and_outstanding(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path)
    for name, kana in (("山田 太郎", "やまだ たろう"), ("佐藤 一郎", "さとう いちろう")):
        w.new_case()
        fill(w.case_page, {("deceased", "name"): name, ("deceased", "kana"): kana,
                           ("deceased", "birth_date"): "S20.1.1", ("deceased", "death_date"): "R8.11.15"})
    w.show_list()
    table = w.list_page.table
    assert table.rowCount() == 2
    queries = []
    real = w.store.list_cases
    w.store.list_cases = lambda *a, **k: queries.append(a) or real(*a, **k)
    for typed in ("ｻ", "ｻﾄ", "ｻﾄｳ"):  # typing: no query per keystroke, one after the pause
        w.list_page.search.setText(typed)
    assert queries == []
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=2000)
    assert len(queries) == 1 and table.item(0, 1).text() == "佐藤 一郎"
    w.list_page.search.setText("やまだ")
    qtbot.waitUntil(lambda: table.item(0, 1).text() == "山田 太郎", timeout=2000)
    for search in ("2026-11-15", "R8.11.15", "令和8年11月15日"):  # western or 和暦
        w.list_page.search.setText(search)
        w.list_page.search.returnPressed.emit()  # Enter searches at once
        assert table.rowCount() == 2, search
    number = table.item(1, 7).text()
    w.list_page.search.setText(number)  # 案件番号
    w.list_page.search.returnPressed.emit()
    assert table.rowCount() == 1 and table.item(0, 7).text() == number
    assert w.list_page.table.item(0, 6).text().endswith("件")
    close_window(w)


def test_broken_rulebook_shows_located_errors_and_keeps_the_last_good(qtbot, tmp_path, rules_copy):
    data = tmp_path / "data"
    w = open_window(qtbot, data, rules_copy)  # good: a last-good copy is kept
    assert w.rule_dialog is None and (data / "last_good_rules" / "rules.yaml").is_file()
    close_window(w)
    f = rules_copy.parent / "rules" / "kourei.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("when: {elderly_services: true}", "when: {elderly_service: true}"),
                 encoding="utf-8")
    w = open_window(qtbot, data, rules_copy)
    assert w.rule_dialog is not None and w.rule_dialog.isVisible()
    assert "前回正しく読み込めたルール" in w.rule_dialog.text()
    assert "事実名 'elderly_service' はありません（'elderly_services' のことですか？）" in w.rule_dialog.detailedText()
    assert w.book is not None and "koureisha_service" in w.book.rules  # the last good rulebook runs
    w.rule_dialog.close()
    w.new_case()  # the counter keeps working
    fill(w.case_page, {("deceased", "birth_date"): "S20.1.1", ("deceased", "death_date"): "R8.11.15"})
    assert "kaigo_soshitsu" in tree_codes(w.case_page)
    w.reload_rules()  # still broken: keeps the current one
    assert "読み込み直しませんでした" in w.rule_dialog.text()
    f.write_text(f.read_text(encoding="utf-8").replace("elderly_service:", "elderly_services:"), encoding="utf-8")
    w.rule_dialog.close()
    w.reload_rules()
    assert "ルールを読み込みました" in w.statusBar().currentMessage()
    close_window(w)


def test_schema_migrates_from_version_1(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(str(path))
    conn.executescript("""
        CREATE TABLE cases (id INTEGER PRIMARY KEY, created_at TEXT, updated_at TEXT, status TEXT, clerk TEXT,
                            deceased TEXT, applicant TEXT, funeral TEXT, current_question TEXT);
        CREATE TABLE answers (case_id INTEGER, fact TEXT, value TEXT, updated_at TEXT, PRIMARY KEY (case_id, fact));
        CREATE TABLE procedure_status (case_id INTEGER, code TEXT, status TEXT, note TEXT, updated_at TEXT,
                                       PRIMARY KEY (case_id, code));
        CREATE TABLE print_log (id INTEGER PRIMARY KEY, case_id INTEGER, printed_at TEXT, clerk TEXT, what TEXT);
        INSERT INTO cases VALUES (1, '2026-11-20T10:00:00', '2026-11-20T10:00:00', '受付中', '',
                                  '{"name": "古田 一郎", "kana": "フルタ イチロウ"}', '{}', '{}', NULL);
        PRAGMA user_version = 1;""")
    conn.close()
    store = Store.open(path)
    assert migrate.check(store.db) == "ok"
    assert [r.deceased_name for r in store.list_cases("フルタ")] == ["古田 一郎"]
    assert store.get(1).deceased == {"name": "古田 一郎", "kana": "フルタ イチロウ"}
    store.close()


def test_no_arguments_opens_the_desk_app(monkeypatch):
    from okuyami import cli

    called = {}
    monkeypatch.setattr("okuyami.ui.app.run", lambda *a, **k: called.setdefault("args", a) and 0 or 0)
    assert cli.main([]) == 0
    assert "args" in called


def test_smoke_test_passes_here():
    from okuyami.ui.smoke import smoke_test

    assert smoke_test() == 0
