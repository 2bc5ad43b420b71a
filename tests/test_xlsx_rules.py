"""The spreadsheet round trip (contract §12, issue 23 item 5): export, edit in a workbook, import — only the edited
values change in the YAML (comments, order, formatting kept), bad cells are refused by sheet and cell with nothing
written, and an unedited workbook changes nothing."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from okuyami.core.rulebook import check_rulebook
from okuyami.core.xlsx_rules import FIRST_ROW, export_workbook, import_workbook

ROOT = Path(__file__).resolve().parents[1]


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "okuyami", *args], capture_output=True, text=True, cwd=cwd,
                          env=dict(os.environ, OKUYAMI_TODAY="2026-11-22"), timeout=120)


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in [folder / "rules.yaml", *sorted((folder / "rules").rglob("*.yaml"))]}


class Sheet:
    """A sheet of the exported workbook, addressed by procedure code and YAML key (row 2)."""

    def __init__(self, wb, title):
        self.ws = wb[title]
        self.col = {c.value: c.column for c in self.ws[2]}
        self.row = {self.ws.cell(row=r, column=1).value: r for r in range(FIRST_ROW, self.ws.max_row + 1)}

    def cell(self, code, key):
        return self.ws.cell(row=self.row[code], column=self.col[key])

    def get(self, code, key):
        return self.cell(code, key).value

    def set(self, code, key, value):
        self.cell(code, key).value = value

    def ref(self, code, key):
        return self.cell(code, key).coordinate


@pytest.fixture
def folder(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    return rules_copy.parent


def export(folder: Path, *extra, cli: bool = False) -> Path:
    """The workbook of the rulebook in ``folder`` (through the command line when ``cli``, else in process)."""
    if cli:
        proc = run("rules", "export-xlsx", "--out", "rules.xlsx", "--rules", "rules.yaml", *extra, cwd=folder)
        assert proc.returncode == 0, proc.stderr
    else:
        from okuyami.core.rulebook import load_rulebook

        department = extra[1] if extra and extra[0] == "--department" else None
        export_workbook(load_rulebook(folder / "rules.yaml"), folder / "rules.xlsx", department)
    return folder / "rules.xlsx"


def imported(folder: Path, path: Path | None = None, **kw):
    """import-xlsx in process: (result, [error lines])."""
    result, problems = import_workbook(path or folder / "rules.xlsx", folder / "rules.yaml", **kw)
    return result, [str(p) for p in problems.sorted() if p.severity == "error"]


def test_export_one_sheet_per_department_codes_locked_conditions_in_words(folder):
    path = export(folder)
    wb = load_workbook(path)
    book, _ = check_rulebook(folder / "rules.yaml")
    assert wb.sheetnames[:3] == ["市民課", "保険年金課", "介護保険課"] and "_okuyami" in wb.sheetnames
    assert wb["_okuyami"].sheet_state == "veryHidden"
    shimin = Sheet(wb, "市民課")
    # the department of the file a procedure lives in: rules/outside.yaml is the corner's (市民課)
    assert "shibou_todoke" in shimin.row and "kenpo_maisouryo" in shimin.row
    assert sum(len(Sheet(wb, t).row) for t in wb.sheetnames if t != "_okuyami") == len(book.rules)
    assert shimin.ws.protection.sheet
    assert shimin.cell("shibou_todoke", "code").protection.locked
    assert not shimin.cell("shibou_todoke", "title").protection.locked
    assert shimin.cell("setainushi_henko", "when").protection.locked
    assert shimin.get("setainushi_henko", "when") == ("次のすべてに当たる：\n　・住民票上の世帯主だった\n"
                                                      "　・残る世帯員のうち15歳以上の人数が2人以上")
    assert shimin.get("setainushi_henko", "deadline") == "死亡日から14日以内（期限の日が閉庁日なら翌開庁日）"
    assert shimin.get("setainushi_henko", "bring").split("\n")[0] == "届出人の本人確認書類（顔写真付き1点、または顔写真なし2点）"
    assert shimin.get("setainushi_henko", "title_en") == "Change of head of household"
    assert shimin.ws.cell(row=1, column=2).value == "手続き名"


def test_an_unedited_workbook_changes_nothing_byte_for_byte(folder):
    before = digests(folder)
    path = export(folder, cli=True)
    wb = load_workbook(path)
    wb.save(path)  # opened and saved again, as Excel would
    proc = run("rules", "import-xlsx", "rules.xlsx", "--rules", "rules.yaml", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    assert "変更はありません" in proc.stdout
    assert digests(folder) == before


def test_round_trip_a_title_a_bring_item_and_a_translation(folder):
    shimin_file = folder / "rules" / "shimin.yaml"
    old_lines = shimin_file.read_text(encoding="utf-8").splitlines()
    others = {k: v for k, v in digests(folder).items() if k != "rules/shimin.yaml"}
    path = export(folder, cli=True)
    wb = load_workbook(path)
    s = Sheet(wb, "市民課")
    s.set("setainushi_henko", "title", "世帯主変更届（住民異動届）")
    bring = s.get("setainushi_henko", "bring").split("\n")
    bring[1] = "国民健康保険の資格確認書（加入している方のみ）"
    s.set("setainushi_henko", "bring", "\n".join(bring))
    s.set("inkan_haishi", "title_en", "Return of the seal registration card")
    wb.save(path)

    dry = run("rules", "import-xlsx", "rules.xlsx", "--rules", "rules.yaml", "--dry-run", cwd=folder)
    assert dry.returncode == 0, dry.stderr
    assert "+    title: 世帯主変更届（住民異動届）" in dry.stdout and "-    title: 世帯主変更届" in dry.stdout
    assert shimin_file.read_text(encoding="utf-8").splitlines() == old_lines  # --dry-run wrote nothing

    proc = run("rules", "import-xlsx", "rules.xlsx", "--rules", "rules.yaml", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("--- a/rules/shimin.yaml\n+++ b/rules/shimin.yaml\n")
    new_lines = shimin_file.read_text(encoding="utf-8").splitlines()
    assert len(new_lines) == len(old_lines)
    changed = [(a, b) for a, b in zip(old_lines, new_lines) if a != b]
    assert changed == [
        ("    title: 世帯主変更届", "    title: 世帯主変更届（住民異動届）"),
        ("      - 国民健康保険の保険証（加入している方のみ）", "      - 国民健康保険の資格確認書（加入している方のみ）"),
        ("    title_en: Returning the seal registration card", "    title_en: Return of the seal registration card"),
    ]
    comments = [line for line in old_lines if "#" in line]
    assert comments and all(c in new_lines for c in comments)  # every comment stays
    assert {k: v for k, v in digests(folder).items() if k != "rules/shimin.yaml"} == others
    assert run("rules", "check", "--rules", "rules.yaml", cwd=folder).returncode == 0
    test = run("rules", "test", "--rules", "rules.yaml", cwd=folder)
    assert test.returncode == 0 and "不合格 0件" in test.stdout
    book, _ = check_rulebook(folder / "rules.yaml")
    assert book.rules["setainushi_henko"].title == "世帯主変更届（住民異動届）"


def test_a_new_translation_goes_right_under_its_text_and_a_cleared_one_is_removed(folder):
    kourei = folder / "rules" / "kourei.yaml"
    text = kourei.read_text(encoding="utf-8")
    en = next(line for line in text.splitlines() if line.startswith("    title_en:"))
    kourei.write_text(text.replace(en + "\n", ""), encoding="utf-8")  # a title without its English
    old_lines = kourei.read_text(encoding="utf-8").splitlines()
    path = export(folder)
    wb = load_workbook(path)
    s = Sheet(wb, "高齢福祉課")
    assert s.get("koureisha_service", "title_en") is None
    s.set("koureisha_service", "title_en", "Ending elderly welfare services: emergency alarm, meal delivery")
    s.set("koureisha_service", "reason_easy", None)  # cleared: the key goes
    wb.save(path)
    result, errors = imported(folder)
    assert not errors and result.written
    lines = kourei.read_text(encoding="utf-8").splitlines()
    title = next(i for i, line in enumerate(lines) if line.startswith("    title: "))
    assert lines[title + 1] == '    title_en: "Ending elderly welfare services: emergency alarm, meal delivery"'
    assert not any(line.startswith("    reason_easy:") for line in lines)
    assert len(lines) == len(old_lines)  # one line in, one line out
    assert any("[no translation]" in p.message for p in result.warnings)  # a warning, and it does not block
    book, problems = check_rulebook(folder / "rules.yaml")
    assert book is not None and not problems.errors


def test_a_one_department_workbook_leaves_the_others_untouched(folder):
    before = digests(folder)
    path = export(folder, "--department", "kaigo")
    wb = load_workbook(path)
    assert [t for t in wb.sheetnames if t != "_okuyami"] == ["介護保険課"]
    s = Sheet(wb, "介護保険課")
    s.set("kaigo_soshitsu", "note", "介護保険被保険者証は郵送でも返却できます。")
    wb.save(path)
    # another department's file changes meanwhile: not a reason to refuse this workbook
    kourei = folder / "rules" / "kourei.yaml"
    kourei.write_text(kourei.read_text(encoding="utf-8") + "# 高齢福祉課の編集中\n", encoding="utf-8")
    result, errors = imported(folder)
    assert not errors and result.written
    after = digests(folder)
    assert [k for k in after if after[k] != before[k]] == ["rules/kaigo.yaml", "rules/kourei.yaml"]
    assert "介護保険被保険者証は郵送でも返却できます。" in (folder / "rules" / "kaigo.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("mistake", ["empty title", "changed code", "too long", "unknown counter", "formula",
                                     "line break in a title", "added row", "removed row", "date"])
def test_bad_cells_are_refused_by_sheet_and_cell_and_nothing_is_written(folder, mistake):
    before = digests(folder)
    path = export(folder)
    wb = load_workbook(path)
    s = Sheet(wb, "市民課")
    s.set("setainushi_henko", "title_en", "Change of head of household (edited)")  # a good edit beside the bad one
    code, key, expect = "inkan_haishi", "title", None
    if mistake == "empty title":
        s.set(code, key, "  ")
        expect = "手続き名が空です"
    elif mistake == "changed code":
        key = "code"
        s.set(code, key, "inkan_haishi2")
        expect = "コード（A列）は変えられません（'inkan_haishi' が 'inkan_haishi2' になっています）"
    elif mistake == "too long":
        s.set(code, key, "印" * 81)
        expect = "手続き名が長すぎます（81 文字。80 文字まで）"
    elif mistake == "unknown counter":
        key = "counter"
        s.set(code, key, "shimin_juki")
        expect = "窓口 'shimin_juki' は rules.yaml の 'counters:' にありません（'shimin_juuki' のことですか？）"
    elif mistake == "formula":
        s.set(code, key, "=A1&B1")
        expect = "数式は使えません"
    elif mistake == "line break in a title":
        s.set(code, key, "印鑑登録証の\n返却")
        expect = "手続き名は1行で書いてください"
    elif mistake == "date":
        import datetime as dt
        s.set(code, "note", dt.datetime(2026, 4, 1))
        key, expect = "note", "日付・時刻として入力されています"
    elif mistake == "added row":
        row = s.ws.max_row + 1
        s.ws.cell(row=row, column=1).value = "passport_henno"
        s.ws.cell(row=row, column=2).value = "パスポートの返納"
        wb.save(path)
        errors = import_errors(folder)
        assert errors[0].startswith(f"rules.xlsx!市民課!A{row}: この行の手続き 'passport_henno' はルールにありません")
        assert digests(folder) == before
        return
    elif mistake == "removed row":
        for c in range(1, s.ws.max_column + 1):
            s.ws.cell(row=s.row[code], column=c).value = None
        wb.save(path)
        errors = import_errors(folder)
        assert errors == ["rules.xlsx!市民課: 手続き 'inkan_haishi' の行がありません。表計算では手続きを削除できません。"
                          "行を元に戻してください（削除は YAML で行います） [row removed]"]
        assert digests(folder) == before
        return
    wb.save(path)
    errors = import_errors(folder)
    assert len(errors) == 1 and errors[0].startswith(f"rules.xlsx!市民課!{s.ref(code, key)}: "), errors
    assert expect in errors[0], errors
    assert digests(folder) == before  # nothing written, not even the good edit


def import_errors(folder: Path) -> list[str]:
    result, problems = import_workbook(Path("rules.xlsx"), folder / "rules.yaml")
    assert not result.written
    return [str(p) for p in problems.sorted() if p.severity == "error"]


def test_the_cli_says_which_cell_and_writes_nothing(folder):
    before = digests(folder)
    path = export(folder)
    wb = load_workbook(path)
    s = Sheet(wb, "市民課")
    s.set("setainushi_henko", "title_en", "Change of head of household (edited)")
    s.set("inkan_haishi", "title", "")
    wb.save(path)
    proc = run("rules", "import-xlsx", "rules.xlsx", "--rules", "rules.yaml", cwd=folder)
    assert proc.returncode == 1 and proc.stdout == "" and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0] == (f"rules.xlsx!市民課!{s.ref('inkan_haishi', 'title')}: 手続き名が空です。文字を書いてください"
                        "（省略できる項目なら、行ごと消してもかまいません） [empty text]")
    assert lines[-1].startswith("誤り 1件：何も書き込んでいません")
    assert digests(folder) == before


def test_a_stale_workbook_is_refused(folder):
    path = export(folder)
    wb = load_workbook(path)
    Sheet(wb, "市民課").set("shibou_todoke", "title", "死亡届（届出）")
    wb.save(path)
    shimin = folder / "rules" / "shimin.yaml"
    shimin.write_text(shimin.read_text(encoding="utf-8").replace("    title: 死亡届\n", "    title: 死亡届の提出\n"),
                      encoding="utf-8")  # someone edited the YAML after the export
    before = digests(folder)
    result, errors = imported(folder, Path("rules.xlsx"))
    assert len(errors) == 1 and not result.written
    assert re.match(r"rules.xlsx: この表は rules/shimin.yaml が変わる前に作られたものです（作成 \d{4}-\d\d-\d\d \d\d:\d\d）。"
                    r"okuyami rules export-xlsx で作り直し", errors[0]), errors
    assert digests(folder) == before


def test_not_an_okuyami_workbook(folder, tmp_path):
    other = tmp_path / "other.xlsx"
    Workbook().save(other)
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a workbook", encoding="utf-8")
    for path, why in ((other, "記録用のシートがありません"), (tmp_path / "none.xlsx", "ファイルがありません")):
        _result, errors = imported(folder, path)
        assert len(errors) == 1 and why in errors[0], errors
    proc = run("rules", "import-xlsx", str(junk), "--rules", "rules.yaml", cwd=folder)
    assert proc.returncode == 1 and "Excel のファイル（.xlsx）として開けません" in proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr


def test_block_scalars_flow_lists_flow_procedures_crlf_and_bom_keep_their_form(folder):
    kourei = folder / "rules" / "kourei.yaml"
    kourei.write_text(kourei.read_text(encoding="utf-8") + (
        "  - {code: keiro_test, title: 試験の手続き, counter: kourei, when: {elderly_services: true}, "
        "deadline: {text: 速やかに}, bring: [鑑札, 通帳], provenance: {basis: 条例, source: 例規集, verified: 2026-11-01}}\n"),
        encoding="utf-8")
    shimin = folder / "rules" / "shimin.yaml"
    raw = shimin.read_text(encoding="utf-8")
    shimin.write_bytes(b"\xef\xbb\xbf" + raw.replace("\n", "\r\n").encode("utf-8"))  # Windows Notepad's file
    path = export(folder)
    wb = load_workbook(path)
    k = Sheet(wb, "高齢福祉課")
    k.set("keiro_test", "title", "試験の手続き: 改")
    k.set("keiro_test", "title_en", "Test procedure")
    k.set("keiro_test", "bring", "鑑札\n通帳\n印鑑")
    s = Sheet(wb, "市民課")
    s.set("shibou_todoke", "note", "死亡の事実を知った日を含めて7日以内。\n国外での死亡は3か月以内。")  # was '>-'
    s.set("inkan_haishi", "bring", "印鑑登録証（カード）\n本人確認書類")  # a flow list gets an item
    wb.save(path)
    result, errors = imported(folder)
    assert not errors and result.written
    last = kourei.read_text(encoding="utf-8").splitlines()[-1]
    assert last == ('  - {code: keiro_test, title: "試験の手続き: 改", title_en: Test procedure, counter: kourei, '
                    'when: {elderly_services: true}, deadline: {text: 速やかに}, bring: [鑑札, 通帳, 印鑑], '
                    'provenance: {basis: 条例, source: 例規集, verified: 2026-11-01}}')
    data = shimin.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == data.count(b"\n")  # BOM and CRLF kept
    text = data.decode("utf-8-sig")
    assert "    note: |-\r\n      死亡の事実を知った日を含めて7日以内。\r\n      国外での死亡は3か月以内。\r\n    note_en:" in text
    assert "    bring: [印鑑登録証（カード）, 本人確認書類]\r\n" in text
    book, problems = check_rulebook(folder / "rules.yaml")
    assert book is not None and not problems.errors
    assert book.rules["shibou_todoke"].spec.note == "死亡の事実を知った日を含めて7日以内。\n国外での死亡は3か月以内。"
    assert book.rules["keiro_test"].spec.bring == ["鑑札", "通帳", "印鑑"]


def test_a_counter_moves_to_an_outside_agency(folder):
    path = export(folder)
    wb = load_workbook(path)
    s = Sheet(wb, "市民課")
    s.set("joseki_shomei", "counter", "houmukyoku")
    wb.save(path)
    result, errors = imported(folder)
    assert not errors and result.written
    assert "-    counter: shimin_koseki\n+    agency: houmukyoku\n" in result.diffs["rules/shimin.yaml"]
    book, _ = check_rulebook(folder / "rules.yaml")
    assert book.rules["joseki_shomei"].spec.agency == "houmukyoku" and book.rules["joseki_shomei"].spec.counter is None


def test_export_import_in_process(folder):
    book, _ = check_rulebook(folder / "rules.yaml")
    out = export_workbook(book, folder / "x.xlsx")
    assert sum(len(c) for c in out.sheets.values()) == len(book.rules)
    result, problems = import_workbook(folder / "x.xlsx", folder / "rules.yaml")
    assert not problems.errors and result.changes == [] and not result.written


def test_many_edits_at_once_read_back_exactly():
    """Every kind of edit on every procedure at once, with texts YAML would misread if written plain (': ', ' #',
    a leading '-', '*', quotes, 'true', '2025', 'null', a line break): the writer's result reads back as exactly the
    values asked for, everything else unchanged, and the rulebook stays valid."""
    import random

    from okuyami.core.problems import Mark, Problems
    from okuyami.core.xlsx_rules import COLUMNS, Change, _apply, _verify, current_value

    book, _ = check_rulebook(ROOT / "rules.yaml", spans=True)
    tricky = ["新しい: 値", "# で始まる", "- ハイフン", "2025", "true", "a, b [c]", "'引用'", '"二重"', "普通の文", "null",
              "*星", "値 # コメント風", "it's", "{波}"]
    places = list(book.root.counters) + list(book.root.agencies)
    rnd = random.Random(23)
    for _round in range(3):
        changes = []
        for rule in book.ordered:
            for col in COLUMNS:
                if not col.editable or rnd.random() < 0.5:
                    continue
                old = current_value(book, rule, col.key)
                if col.kind == "place":
                    new = rnd.choice(places)
                elif col.kind == "list":
                    new = rnd.choice([[rnd.choice(tricky)], [rnd.choice(tricky), "二つ目", "三つ目"]] +
                                     ([[]] if col.key != "bring" else []))
                elif col.key == "title":
                    new = rnd.choice(tricky)
                else:
                    new = rnd.choice(tricky + [None])
                    if new and col.key.startswith("note") and rnd.random() < 0.3:
                        new += "\n二行目"
                if new != old:
                    changes.append(Change(rule.file, rule, col.key, old, new, Mark("x")))
        texts = _apply(book, changes)
        problems = Problems()
        _verify(book, texts, changes, problems)
        assert not problems.errors, [str(p) for p in problems.errors]
        new_book, new_problems = check_rulebook(ROOT / "rules.yaml",
                                                texts={book.files[f].resolve(): t for f, t in texts.items()})
        assert new_book is not None and not new_problems.errors, [str(p) for p in new_problems.errors[:3]]
