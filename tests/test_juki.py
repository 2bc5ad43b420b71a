"""Contract §10: the 住基 death list — encodings, dates, profiles, bad rows by line, re-import, a clerk's correction
surviving a re-import, 外字, an imported case through ``cases show`` → ``evaluate``; and the exports."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from okuyami import cli
from okuyami.core.problems import InvalidInput
from okuyami.juki.dates import parse_juki_date
from okuyami.juki.encoding import decode
from okuyami.juki.importer import import_file
from okuyami.juki.profile import DEFAULT_COLUMNS, EXAMPLE_PROFILE, load_profile
from okuyami.juki.reader import FileProblem, read_death_list

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 20)
HEADER = ",".join(DEFAULT_COLUMNS)
YAMADA = "000101,山田　太郎,ﾔﾏﾀﾞ ﾀﾛｳ,1,S16.3.2,20261115,〇〇市中央町1-2-3,〇〇市中央町1番地,1,1,0,1,0,1,1,1,0,0,0,0"
TAKAHASHI = "000102,髙橋 﨑子,タカハシ サキコ,2,19400101,R8.11.14,〇〇市北町①-2 ㈱荘,,0,,,,,,,,,,,"
YOSHIDA = "000103,\ue000田 花子,ヨシダ ハナコ,2,19500505,20261113,〇〇市南町,,1,0,1,0,,1,0,1,0,0,0,0"


def write_csv(path: Path, rows: list[str], *, encoding: str = "cp932", header: str = HEADER,
              newline: str = "\r\n") -> Path:
    path.write_bytes((newline.join([header, *rows]) + newline).encode(encoding))
    return path


# -- reading (no database) ---------------------------------------------------------------------------------------
def test_cp932_with_nec_ibm_extensions_and_gaiji_bytes(tmp_path):
    raw = (HEADER + "\r\n" + TAKAHASHI + "\r\n").encode("cp932")
    raw = raw.replace("髙".encode("cp932"), b"\xfb\xfc")  # the IBM extension's 髙 (NEC-selected is 0xEEE0)
    raw = raw.replace("﨑".encode("cp932"), b"\xfa\xb1")
    raw += "000103,".encode("cp932") + b"\xf0\x40" + "田 花子,ヨシダ ハナコ,2,19500505,20261113,,,1,0,1,0,,1,0,1,0,0,0,0\r\n".encode("cp932")
    (tmp_path / "d.csv").write_bytes(raw)
    read = read_death_list(tmp_path / "d.csv", today=TODAY)
    assert read.encoding == "cp932" and not read.skipped
    first, second = read.records
    assert first.person["deceased.name"] == "髙橋 﨑子"
    assert first.person["deceased.address"] == "〇〇市北町①-2 ㈱荘"
    assert first.person["deceased.death_date"] == "2026-11-14"  # R8.11.14
    assert second.person["deceased.name"] == "\ue000田 花子"  # user-defined area 0xF040 → U+E000
    assert [(w.line, "U+E000" in w.message) for w in read.warnings] == [(3, True)]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp932"])
def test_encodings_detected(tmp_path, encoding):
    read = read_death_list(write_csv(tmp_path / "d.csv", [YAMADA], encoding=encoding), today=TODAY)
    assert read.encoding == encoding and len(read.records) == 1
    rec = read.records[0]
    assert rec.key == "000101"
    assert rec.person == {"deceased.name": "山田 太郎", "deceased.kana": "ヤマダ タロウ", "deceased.sex": "male",
                          "deceased.birth_date": "1941-03-02", "deceased.death_date": "2026-11-15",
                          "deceased.address": "〇〇市中央町1-2-3", "deceased.registered_domicile": "〇〇市中央町1番地"}
    assert rec.facts == {"was_household_head": True, "household_remaining_15plus": 1, "health_insurance": "kouki",
                         "kaigo_certified": False, "pension_recipient": True, "seal_registered": True,
                         "mynumber_card": True, "foreign_national": False, "child_allowance_recipient": False,
                         "disability_certificate": False, "welfare_recipient": False}


def test_empty_cells_are_not_known(tmp_path):
    read = read_death_list(write_csv(tmp_path / "d.csv", [TAKAHASHI]), today=TODAY)
    assert read.records[0].facts == {"was_household_head": False}
    assert "deceased.registered_domicile" not in read.records[0].person


def test_dates():
    assert parse_juki_date("20261115") == dt.date(2026, 11, 15)
    assert parse_juki_date("R8.11.15") == dt.date(2026, 11, 15)
    assert parse_juki_date("S16.3.2") == dt.date(1941, 3, 2)
    assert parse_juki_date("H30.04.01") == dt.date(2018, 4, 1)
    assert parse_juki_date("令和元年5月1日") == dt.date(2019, 5, 1)
    assert parse_juki_date("5081115", ["era_code"]) == dt.date(2026, 11, 15)
    for bad in ("20260230", "H32.1.1", "2026-11-15", "11/15"):
        with pytest.raises(ValueError):
            parse_juki_date(bad)


def test_undecodable_bytes_are_a_bad_row_not_a_lost_file(tmp_path):
    raw = (HEADER + "\r\n" + YAMADA + "\r\n").encode("cp932") + b"000109,\x85\x40bad,,1,19400101,20261115" + \
        b",,,1,0,0,1,0,1,1,1,0,0,0,0\r\n" + (TAKAHASHI + "\r\n").encode("cp932")
    (tmp_path / "d.csv").write_bytes(raw)
    read = read_death_list(tmp_path / "d.csv", today=TODAY)
    assert read.encoding == "cp932"
    assert [r.key for r in read.records] == ["000101", "000102"]
    assert [s.line for s in read.skipped] == [3]


def test_bad_rows_reported_by_line_and_skipped(tmp_path):
    rows = [YAMADA,
            "000104,誤り 太郎,,1,20261301,20261115,,,1,0,0,1,0,1,1,1,0,0,0,0",   # line 3: impossible date
            ",番号なし,,1,19400101,20261115,,,1,0,0,1,0,1,1,1,0,0,0,0",          # 4: no 宛名番号
            "000106,\"未来\n太郎\",,1,19400101,20271115,,,1,0,0,1,0,1,1,1,0,0,0,0",  # 5–6: future (two lines)
            "000107,逆 太郎,,1,20000101,19991231,,,1,0,0,1,0,1,1,1,0,0,0,0",     # 7: death before birth
            "000108,符号 太郎,,3,19400101,20261115,,,1,0,0,1,0,1,1,1,0,0,0,0",   # 8: unknown code
            "",                                                                # 9: blank, ignored
            "000101,重複 太郎,,1,19400101,20261115,,,1,0,0,1,0,1,1,1,0,0,0,0",   # 10: 宛名番号 again
            "000110,列不足,,1",                                                 # 11: wrong number of cells
            "000111,保険 太郎,,1,19400101,20261115,,,1,0,1,1,0,1,1,1,0,0,0,0",   # 12: 国保 and 後期
            "000112,期日 太郎,,1,19400101,,,,1,0,0,1,0,1,1,1,0,0,0,0",           # 13: no death date
            TAKAHASHI]                                                         # 14: good
    read = read_death_list(write_csv(tmp_path / "d.csv", rows), today=TODAY)
    assert [r.line for r in read.records] == [2, 14]
    got = {s.line: s.message for s in read.skipped}
    assert sorted(got) == [3, 4, 5, 7, 8, 10, 11, 12, 13]
    # said by field, never with the value itself (a date of birth is personal data)
    assert "生年月日" in got[3] and "20261301" not in got[3] and "宛名番号がありません" in got[4] and "今日" in got[5]
    assert "生年月日" in got[7] and "性別のコード「3」" in got[8] and "2行目と重複" in got[10]
    assert "列の数" in got[11] and "国保と後期" in got[12] and "死亡日がありません" in got[13]


def test_header_must_be_exactly_the_default_columns(tmp_path):
    with pytest.raises(FileProblem) as exc:
        read_death_list(write_csv(tmp_path / "a.csv", [], header=HEADER.replace("氏名カナ", "カナ氏名")), today=TODAY)
    assert "氏名カナ" in exc.value.message and exc.value.mark.line == 1
    with pytest.raises(FileProblem) as exc:
        read_death_list(write_csv(tmp_path / "b.csv", [], header=HEADER + ",世帯番号"), today=TODAY)
    assert "世帯番号" in exc.value.message and "--profile" in exc.value.message


# -- profiles ----------------------------------------------------------------------------------------------------
VENDOR_HEADER = ("住民コード,世帯番号,漢字氏名,カナ氏名,性別,生年月日,異動年月日,異動事由,現住所,本籍地,続柄,"
                 "残世帯員数（15歳以上）,国保資格,後期資格,要介護認定,年金受給,印鑑登録,個人番号カード,国籍区分,生保")
VENDOR_ROWS = [
    "0000501,88001,鈴木 一郎,ｽｽﾞｷ ｲﾁﾛｳ,M,S16.03.02,R8.11.15,死亡,〇〇市東町3-4,,世帯主,1,無,有,無,有,有,有,日本,無",
    "0000502,88002,佐藤 ハナ,ｻﾄｳ ﾊﾅ,F,T15.01.20,H30.04.01,死亡,〇〇市西町,,妻,0,有,無,不明,有,無,無,日本,無",
    "0000503,88003,田中 次郎,ﾀﾅｶ ｼﾞﾛｳ,M,S50.01.01,R8.11.01,転出,〇〇市,,世帯主,0,有,無,無,無,無,無,日本,無",
    "0000504,88004,高木 三郎,ﾀｶｷﾞ ｻﾌﾞﾛｳ,X,S20.01.01,R8.11.10,死亡,〇〇市,,子,0,有,無,無,無,無,無,日本,無",
]


def vendor_file(tmp_path: Path) -> Path:
    body = "異動者一覧（令和8年11月20日）\r\n" + "\r\n".join([VENDOR_HEADER, *VENDOR_ROWS]) + "\r\n"
    (tmp_path / "vendor.csv").write_bytes(body.encode("cp932"))
    return tmp_path / "vendor.csv"


def test_another_vendors_layout_with_the_example_profile(tmp_path):
    read = read_death_list(vendor_file(tmp_path), load_profile(EXAMPLE_PROFILE), today=TODAY)
    assert read.passed_over == 1  # 転出: not a death
    assert [s.line for s in read.skipped] == [6] and "性別のコード「X」" in read.skipped[0].message
    suzuki, sato = read.records
    assert (suzuki.line, suzuki.key, sato.line) == (3, "0000501", 4)
    assert suzuki.person["deceased.sex"] == "male" and suzuki.person["deceased.kana"] == "スズキ イチロウ"
    assert suzuki.person["deceased.birth_date"] == "1941-03-02" and suzuki.person["deceased.death_date"] == "2026-11-15"
    assert suzuki.facts == {"was_household_head": True, "household_remaining_15plus": 1, "health_insurance": "kouki",
                            "kaigo_certified": False, "pension_recipient": True, "seal_registered": True,
                            "mynumber_card": True, "foreign_national": False, "welfare_recipient": False}
    assert sato.person["deceased.death_date"] == "2018-04-01" and sato.facts["was_household_head"] is False
    assert "kaigo_certified" not in sato.facts  # 不明 → not known


def test_profile_errors_are_located(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: okuyami-juki-profile/1\nname: 壊れた例\ncolumns:\n  宛名番号: 住民コード\n  死亡日: 異動日\n"
                   "  氏明: 漢字氏名\ncodes:\n  性別: {M: 1, F: 3}\nflag_codes: {有: 1}\ndatez: [wareki]\n",
                   encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        load_profile(bad)
    text = [str(p) for p in exc.value.problems]
    assert any("bad.yaml:10:1:" in t and "datez" in t and "dates" in t for t in text), text
    assert any("bad.yaml:6:3:" in t and "氏明" in t and "氏名" in t for t in text), text
    assert any("bad.yaml:8:" in t and "「3」" in t for t in text), text
    bad.write_text("format: okuyami-juki-profile/1\nname: x\ncolumns:\n  宛名番号: a\n  宛名番号: b\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        load_profile(bad)
    assert any("bad.yaml:5:3:" in str(p) and "重複" in str(p) for p in exc.value.problems)


def test_shipped_profiles_are_valid():
    assert load_profile().other_columns == "error"
    assert load_profile(EXAMPLE_PROFILE).header_line == 2


# -- into the store (SQLite and PostgreSQL) ----------------------------------------------------------------------
@pytest.fixture
def today(monkeypatch):
    monkeypatch.setenv("OKUYAMI_TODAY", TODAY.isoformat())
    return TODAY


def test_import_creates_cases_not_yet_visited(store, book, tmp_path, today):
    report = import_file(store, write_csv(tmp_path / "d.csv", [YAMADA, TAKAHASHI, YOSHIDA]), book=book, today=today)
    assert report.ok and len(report.outcome.created) == 3
    ids = dict(report.outcome.created)
    row = store.get(ids[2])
    assert row.state == "new" and row.status == "未来庁" and row.juki_key == "000101"
    assert set(row.sources.values()) == {"juki"} and row.answers["health_insurance"] == "kouki"
    assert row.tasks  # the departments see what is certain already: exactly what the engine says
    from okuyami.store.casefile import evaluate_row
    assert store.sync_tasks(ids[2], evaluate_row(book, row), book) is False
    assert store.case_marks(list(ids.values())) == {ids[2]: (True, False), ids[3]: (True, False), ids[4]: (True, True)}
    entries = store.history(ids[2])
    assert [e.action for e in entries] == ["case.create"] and entries[0].detail["source"] == "juki"
    assert entries[0].describe_ja() == "案件を作成（住基から取込）" and entries[0].detail["line"] == 2
    assert "山田" not in json.dumps([e.detail for e in entries], ensure_ascii=False)  # no personal values


def test_reimport_of_the_same_file_changes_nothing(store, book, tmp_path, today):
    path = write_csv(tmp_path / "d.csv", [YAMADA, TAKAHASHI])
    first = import_file(store, path, book=book, today=today)
    ids = [c for _, c in first.outcome.created]
    before = [(store.get(i).version, len(store.history(i))) for i in ids]
    audit_before = len(store.audit_entries())
    again = import_file(store, path, book=book, today=today)
    assert not again.outcome.created and not again.outcome.updated and len(again.outcome.unchanged) == 2
    assert [(store.get(i).version, len(store.history(i))) for i in ids] == before
    new_entries = [e for e in store.audit_entries()[audit_before:] if e.action != "audit.read"]
    assert [e.action for e in new_entries] == ["juki.import"]  # only the import record
    assert [i.unchanged for i in store.juki_imports()] == [2, 0]


def test_reimport_changes_only_what_changed(store, book, tmp_path, today):
    import_file(store, write_csv(tmp_path / "d.csv", [YAMADA, TAKAHASHI]), book=book, today=today)
    changed = YAMADA.replace("〇〇市中央町1-2-3", "〇〇市中央町9-9").replace(",1,1,0,1,0,1,1,1,", ",1,1,0,1,1,1,1,1,")
    report = import_file(store, write_csv(tmp_path / "d2.csv", [changed, TAKAHASHI]), book=book, today=today)
    (line, case, fields), = report.outcome.updated
    assert line == 2 and sorted(fields) == ["deceased.address", "kaigo_certified"]
    row = store.get(case)
    assert row.deceased["address"] == "〇〇市中央町9-9" and row.answers["kaigo_certified"] is True
    assert row.answer_revs["kaigo_certified"] == 2 and row.answer_revs["pension_recipient"] == 1
    assert len(report.outcome.unchanged) == 1


def test_a_clerks_correction_survives_a_reimport_and_is_listed(store, book, tmp_path, today):
    path = write_csv(tmp_path / "d.csv", [YAMADA])
    (_, case), = import_file(store, path, book=book, today=today).outcome.created
    store.set_answer(case, "pension_recipient", False)  # the wife says: no pension (窓口)
    store.set_person(case, "deceased", "address", "〇〇市中央町1-2-3 ハイツ101")  # the clerk completes the address
    store.clear_answer(case, "mynumber_card")  # taken back: to be asked again
    report = import_file(store, path, book=book, today=today)
    row = store.get(case)
    assert row.answers["pension_recipient"] is False and row.sources["pension_recipient"] == "counter"
    assert row.deceased["address"] == "〇〇市中央町1-2-3 ハイツ101" and "mynumber_card" not in row.answers
    got = {(c.field, c.kept, c.juki, c.by) for c in report.outcome.conflicts}
    assert got == {("pension_recipient", False, True, "counter"), ("mynumber_card", None, True, "clerk"),
                   ("deceased.address", "〇〇市中央町1-2-3 ハイツ101", "〇〇市中央町1-2-3", "clerk")}
    assert any("窓口で訂正された値「いいえ」を残しました" in line for line in report.conflict_lines())
    # 住基 changes the death date (not corrected by anyone): it follows the file
    moved = YAMADA.replace("20261115", "20261114")
    report = import_file(store, write_csv(tmp_path / "d2.csv", [moved]), book=book, today=today)
    assert store.get(case).deceased["death_date"] == "2026-11-14" and len(report.outcome.conflicts) == 3


def test_a_counter_case_opened_before_the_import_is_linked_not_duplicated(store, book, tmp_path, today):
    case = store.create_case(values={"deceased_name": "山田 太郎", "deceased_birth_date": dt.date(1941, 3, 2),
                                     "deceased_death_date": dt.date(2026, 11, 15), "applicant_name": "山田 花子"})
    store.set_answer(case, "pension_recipient", True)
    report = import_file(store, write_csv(tmp_path / "d.csv", [YAMADA]), book=book, today=today)
    assert report.outcome.linked == [(2, case)] and not report.outcome.created
    row = store.get(case)
    assert row.juki_key == "000101" and row.applicant["name"] == "山田 花子"
    assert row.sources["pension_recipient"] == "counter" and row.sources["seal_registered"] == "juki"
    assert row.deceased["kana"] == "ヤマダ タロウ" and not report.outcome.conflicts


def test_vendor_file_imports_into_the_store(store, book, tmp_path, today):
    report = import_file(store, vendor_file(tmp_path), EXAMPLE_PROFILE, book=book, today=today)
    assert not report.ok and len(report.outcome.created) == 2 and report.read.passed_over == 1
    row = store.get(dict(report.outcome.created)[3])
    assert row.juki_key == "0000501" and row.deceased["name"] == "鈴木 一郎" and row.sources["health_insurance"] == "juki"


# -- the command line ---------------------------------------------------------------------------------------------
@pytest.fixture
def run(db_url, terminal_url, capsys, monkeypatch):
    monkeypatch.setenv("OKUYAMI_TODAY", TODAY.isoformat())
    monkeypatch.delenv("OKUYAMI_DB", raising=False)

    def _run(*args: str, db: bool = True) -> tuple[int, str, str]:
        code = cli.main([*args, "--db", url[0], "--operator", "住基 担当"] if db else list(args))
        out, err = capsys.readouterr()
        return code, out, err

    url = [db_url]  # db upgrade as the owner (IT) …
    assert _run("db", "upgrade")[0] == 0
    url[0] = terminal_url("counter")  # … then every command as a corner terminal (PostgreSQL: its own login)
    return _run


def test_cli_import_show_and_evaluate_roundtrip(run, tmp_path):
    bad = "000104,誤り 太郎,,1,20261301,20261115,,,1,0,0,1,0,1,1,1,0,0,0,0"
    path = write_csv(tmp_path / "deaths.csv", [YAMADA, bad, YOSHIDA])
    code, out, err = run("import", "juki", str(path))
    assert code == 1, err
    assert "deaths.csv:3: 生年月日" in err and "Traceback" not in err
    assert "新規 2件" in out and "取り込まなかった行 1行" in out and "deaths.csv:4: 外字（U+E000）" in out
    cases = {c["deceased"]: c for c in json.loads(run("cases", "list", "--format", "json")[1])}
    assert {c["state"] for c in cases.values()} == {"new"}
    yamada = cases["山田 太郎"]["number"]
    data = json.loads(run("cases", "show", str(yamada), "--format", "json")[1])
    assert data["sources"] == dict.fromkeys(sorted(data["facts"]), "juki") and data["warnings"] == []
    yoshida = json.loads(run("cases", "show", str(cases["\ue000田 花子"]["number"]), "--format", "json")[1])
    assert any(w.startswith("外字あり") and "U+E000" in w for w in yoshida["warnings"])
    shown = run("cases", "show", str(yamada), "--format", "yaml")[1]
    (tmp_path / "back.yaml").write_text(shown, encoding="utf-8")
    code, ev, err = run("evaluate", str(tmp_path / "back.yaml"), "--format", "json", db=False)
    assert code == 0, err
    result = json.loads(ev)
    codes = {p["id"] for p in result["procedures"]}
    assert {"kouki_soshitsu", "inkan_haishi", "mynumber_henno"} <= codes
    assert not {"health_insurance", "pension_recipient", "seal_registered"} & set(result["pending_questions"])
    code, out, _ = run("import", "juki", str(write_csv(tmp_path / "good.csv", [YAMADA])), "--format", "json")
    assert code == 0 and json.loads(out)["unchanged"] == [yamada]


def test_cli_profile_and_file_problems(run, tmp_path):
    code, out, err = run("import", "juki", str(vendor_file(tmp_path)), "--profile", str(EXAMPLE_PROFILE))
    assert code == 1 and "新規 2件" in out and "vendor.csv:6: 性別のコード「X」" in err
    code, _, err = run("import", "juki", str(vendor_file(tmp_path)))  # without the profile
    assert code == 1 and "vendor.csv:1:" in err and "何も取り込んでいません" in err
    broken = tmp_path / "p.yaml"
    broken.write_text("format: okuyami-juki-profile/1\nname: x\ncolumns: {宛名番号: a}\n", encoding="utf-8")
    code, _, err = run("import", "juki", str(vendor_file(tmp_path)), "--profile", str(broken))
    assert code == 1 and "p.yaml:3:1:" in err and "死亡日" in err
    code, out, err = run("import", "juki", str(vendor_file(tmp_path)), "--profile", str(EXAMPLE_PROFILE), "--check")
    assert code == 1 and "取り込める行 2行" in out
    assert json.loads(run("cases", "list", "--format", "json")[1]) and True


# -- 外字 ------------------------------------------------------------------------------------------------------
def test_gaiji_choice_is_stored_and_applied_only_when_printing(store, book, tmp_path, today):
    from okuyami.documents.gaiji import apply_choices, found_in_case, warnings_for
    from okuyami.documents.packet import make_packet
    from okuyami.store.workflow import to_case

    report = import_file(store, write_csv(tmp_path / "d.csv", [YOSHIDA]), book=book, today=today)
    (_, case_id), = report.outcome.created
    row = store.get(case_id)
    people = {"deceased": row.deceased, "applicant": row.applicant, "funeral": row.funeral}
    assert warnings_for(people, {}) == ["外字あり: deceased.name U+E000（印刷方法が未定）"]
    case, _ = to_case(row)
    assert [(f, ch) for f, _t, ch in found_in_case(case)] == [("deceased.name", "\ue000")]
    with pytest.raises(InvalidInput) as exc:  # as stored, the 外字 stops printing
        make_packet(book, case, tmp_path / "out", today=today)
    assert "U+E000" in str(exc.value)
    store.set_gaiji_choice(case_id, "\ue000", "吉")
    assert store.gaiji_choices(case_id) == {"\ue000": "吉"}
    printed = apply_choices(case, store.gaiji_choices(case_id))
    assert printed.deceased.name == "吉田 花子" and case.deceased.name == "\ue000田 花子"
    packet = make_packet(book, printed, tmp_path / "out", today=today)
    assert packet.packet_path.exists()
    assert store.get(case_id).deceased["name"] == "\ue000田 花子"  # the stored name keeps the 外字
    store.set_gaiji_choice(case_id, "\ue000", "")  # to be written by hand
    assert apply_choices(case, store.gaiji_choices(case_id)).deceased.name == "〓田 花子"
    assert warnings_for(people, store.gaiji_choices(case_id)) == ["外字あり: deceased.name U+E000（手書き（〓で印刷））"]
    assert [e.action for e in store.history(case_id)][-1] == "gaiji.set"


# -- exports ------------------------------------------------------------------------------------------------------
def test_export_cases_csv_opens_with_japanese_and_names_only_on_request(run, tmp_path, db_url):
    import csv
    import io

    from okuyami.store.store import Store

    run("import", "juki", str(write_csv(tmp_path / "d.csv", [YAMADA, TAKAHASHI])))
    store = Store.open(db_url, operator="窓口 一郎", terminal="corner-1")
    try:
        case = store.create_case(values={"deceased_name": "𠮷田 一郎", "deceased_birth_date": dt.date(1950, 1, 1),
                                         "deceased_death_date": dt.date(2026, 11, 10)})  # with a visit at the counter
        store.set_answer(case, "pension_recipient", True)
        store.set_answer(case, "seal_registered", False, source="phone")
    finally:
        store.close()
    today = TODAY.isoformat()  # contract §8: with OKUYAMI_TODAY, what the store records is of that day
    code, out, err = run("export", "cases", "--from", "2026-01-01", "--to", "2030-12-31", "--out",
                         str(tmp_path / "stats.csv"))
    assert code == 0, err
    raw = (tmp_path / "stats.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # UTF-8 with BOM, CRLF: Excel shows the Japanese
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 3 and "亡くなった方" not in rows[0] and "山田" not in raw.decode("utf-8-sig")
    mine = next(r for r in rows if r["案件番号"] == str(case))
    assert mine["来庁回数"] == "1" and mine["聞き取った質問数"] == "2" and mine["住基から"] == "0"
    assert mine["窓口での時間（分）"] != "" and mine["死亡時の年齢"] == "76"
    yamada = next(r for r in rows if r["住基から"] == "1" and r["住基の回答数"] == "11")
    assert int(yamada["手続き数"]) >= 3 and int(yamada["手続き数：市民課"]) >= 1
    code, out, err = run("export", "cases", "--from", "2026-01-01", "--to", "2030-12-31", "--with-names",
                         "--encoding", "cp932", "--out", str(tmp_path / "names.csv"))
    assert code == 0 and "U+20BB7" in err and "〓に置き換えました" in err
    text = (tmp_path / "names.csv").read_bytes().decode("cp932")
    assert "山田 太郎" in text and "〓田 一郎" in text and "髙橋 﨑子" in text
    entries = json.loads(run("audit", "--format", "json")[1])
    exports = [e for e in entries if e["action"] == "export"]
    assert [e["detail"]["with_names"] for e in exports] == [False, True]
    assert all(e["operator"] == "住基 担当" for e in exports)
    code, out, _ = run("export", "cases", "--from", today, "--to", today, "--by", "day")
    assert code == 0 and out.splitlines()[0].startswith("\ufeff日付")
    code, out, _ = run("export", "cases", "--from", today, "--to", today, "--by", "department")
    assert code == 0 and "市民課" in out
    code, out, _ = run("export", "prep", "--department", "shimin")
    assert code == 0 and "\ufeff来庁予定" in out and "山田 太郎" in out
    code, _, err = run("export", "prep", "--department", "shimim")
    assert code == 1 and "shimin" in err
    code, _, err = run("export", "cases", "--from", "2026-12-01", "--to", "2026-11-01")
    assert code == 2 and "--to" in err


def test_two_terminals_importing_the_same_file_at_once_make_one_case_each(db_url, book, tmp_path, today):
    import threading

    from okuyami.store import migrate
    from okuyami.store.database import Database
    from okuyami.store.store import Store

    db = Database(db_url)
    migrate.upgrade(db)
    db.dispose()
    rows = [f"{300000 + i:06d},試験 {i}郎,,1,19400101,20261115,,,1,0,0,1,0,1,1,1,0,0,0,0" for i in range(250)]
    path = write_csv(tmp_path / "d.csv", rows)
    results: list = []

    def terminal(i: int) -> None:
        s = Store.open(db_url, operator=f"職員{i}", terminal=f"pc-{i}")
        try:
            report = import_file(s, path, book=book, today=today)
            results.append(len(report.outcome.created) + len(report.outcome.unchanged))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results.append(repr(exc))
        finally:
            s.close()

    threads = [threading.Thread(target=terminal, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [250, 250]
    s = Store.open(db_url, operator="確認")
    try:
        assert s.count_cases() == 250
    finally:
        s.close()


def test_an_imports_notices_reach_the_terminals(store, book, tmp_path):
    """The bulk import rings the lists and each department with work (also on PostgreSQL, where a watcher reads
    notices by their writing transaction: one without it would never arrive)."""
    import time

    from okuyami.juki.importer import import_file

    got: list = []
    watcher = store.watcher(got.extend, poll_seconds=0.05)
    watcher.start()
    try:
        deadline = time.monotonic() + 10
        while watcher.connected is not True and time.monotonic() < deadline:
            time.sleep(0.02)
        import_file(store, write_csv(tmp_path / "d.csv", [YAMADA, TAKAHASHI]), book=book, today=TODAY)
        deadline = time.monotonic() + 5
        while not any(n.kind == "task" for n in got) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        watcher.stop()
    assert any(n.kind == "case" for n in got)
    assert {n.department for n in got if n.kind == "task"} >= {"shimin", "hoken_nenkin"}
