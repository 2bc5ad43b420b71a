"""One family's day on the shared store (issue 22), on a real SQLite file and a real PostgreSQL, through the store
and the command line exactly as contract §7–§9 and §13 say: the booked time is the visit (a phone call never is);
one case number on the sheet, its QR code and in the search; the 事前案内 is one page in large type with each
thing once and no rulebook id, and leaves the case as it was; the booking is closed when the visit is done; a
return visit is recorded when the case is opened; a 後日 day after the legal deadline needs --past-deadline."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from okuyami import cli
from okuyami.core.calendar import JST
from screen_ids import ids_in, rulebook_ids

CALL = "2026-11-24T09:30"  # Tuesday: the booking call
VISIT = dt.date(2026, 11, 26)  # Thursday 10:00: the booked visit


def at(day: str, hm: str = "10:00") -> dt.datetime:
    h, m = hm.split(":")
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(int(h), int(m)), JST)


FAMILY = {"deceased_name": "山田 太郎", "deceased_kana": "ヤマダ タロウ", "deceased_death_date": dt.date(2026, 11, 15),
          "deceased_birth_date": dt.date(1941, 3, 2), "deceased_address": "サンプル市中央町1-2-3"}
CALLER = {"name": "山田 花子", "relationship": "妻", "phone": "090-1234-5678"}


@pytest.fixture
def clock(monkeypatch):
    """Contract §8: OKUYAMI_NOW sets "now" for every timestamp the store keeps."""
    monkeypatch.delenv("OKUYAMI_TODAY", raising=False)

    def set_now(when: str) -> None:
        monkeypatch.setenv("OKUYAMI_NOW", when)
    set_now(CALL)
    return set_now


def test_the_booked_slot_is_the_visit_and_a_phone_call_never_is(store, book, clock):
    res = store.book_visit(book, start=at("2026-11-26"), values=FAMILY, caller=CALLER, by_phone=True,
                           answers={"pension_recipient": True})
    store.set_answer(res.case, "health_insurance", "kouki", source="phone")
    assert {v.kind for v in store.visits(res.case)} == {"counter", "phone"}
    booked = at("2026-11-26")
    for day in (VISIT, dt.date(2026, 11, 24), None):  # the booked day, the call's day, and "not yet done"
        lines = store.work_list(department="hoken_nenkin", date=day)
        assert lines and {t.visit for t in lines} == {booked}, day
        assert {t.expected.status for t in lines} == {"booked"} and {t.expected.reservation for t in lines} == {res.number}
    assert not store.work_list(date=dt.date(2026, 11, 25))  # nothing on a day between


def test_the_day_closes_the_booking_and_a_return_visit_is_recorded_when_opened(store, book, clock):
    res = store.book_visit(book, start=at("2026-11-26"), values=FAMILY, caller=CALLER, by_phone=True)
    case = res.case
    # before the day, the corner opens the case to prepare: no visit, still 未来庁
    assert store.open_visit(case) is None and store.get(case).state == "new"
    assert [v.kind for v in store.visits(case) if v.started_at] == ["phone"]
    # the day: opening the case serves the family (対応中, which clerk), the case is 受付中
    clock("2026-11-26T10:02")
    visit_id = store.open_visit(case)
    r = store.reservation(res.number)
    assert visit_id is not None and r.status == "in_service" and store.get(case).status == "受付中"
    line = store.work_list(date=VISIT)[0]
    assert (line.expected.status, line.expected.served_by, line.expected.desk) == ("in_service", "窓口 一郎", 1)
    assert line.visit == at("2026-11-26")  # still the booked time
    # the packet is handed over: the booking is done, the visit ended, the case 印刷済
    clock("2026-11-26T10:40")
    store.log_print(case, None, {"to": "printer", "forms": []})
    r = store.reservation(res.number)
    assert r.status == "done" and r.done_at == at("2026-11-26", "10:40")
    assert store.get(case).status == "印刷済"
    ended = next(v for v in store.visits(case) if v.id == visit_id)
    assert ended.ended_at == at("2026-11-26", "10:40")
    # a week later the family comes back without a booking: opening the case records that day's visit at once
    clock("2026-12-03T14:00")
    store.open_visit(case)
    assert store.get(case).status == "受付中"
    return_visits = [v for v in store.visits(case) if v.started_at and v.started_at >= at("2026-12-03", "0:00")]
    assert [(v.kind, v.started_at) for v in return_visits] == [("counter", at("2026-12-03", "14:00"))]
    store.open_visit(case)  # opened again the same day: the same visit
    assert len([v for v in store.visits(case) if v.started_at and v.started_at >= at("2026-12-03", "0:00")]) == 1
    assert store.work_list(date=dt.date(2026, 12, 3))[0].visit == at("2026-12-03", "14:00")


def test_a_call_in_the_morning_is_not_the_visit_of_the_afternoon(store, book, clock):
    case = store.create_case(values=FAMILY, state="new", visit=False)
    store.open_visit(case, kind="phone")  # the family calls in the morning
    assert store.get(case).state == "new"
    clock("2026-11-24T14:00")
    store.open_visit(case)  # and comes in the afternoon without a booking
    assert sorted(v.kind for v in store.visits(case)) == ["counter", "phone"]
    assert store.get(case).status == "受付中"
    from okuyami.store.casefile import evaluate_row

    store.sync_tasks(case, evaluate_row(book, store.get(case)), book)
    lines = store.work_list(date=dt.date(2026, 11, 24))
    assert lines and {t.visit for t in lines} == {at("2026-11-24", "14:00")}  # not the call at 9:30


def test_a_booking_left_in_service_is_closed_at_its_last_activity(store, book, clock):
    res = store.book_visit(book, start=at("2026-11-26"), values=FAMILY, caller=CALLER)
    clock("2026-11-26T10:05")
    store.set_reservation_status(res.number, "in_service")
    clock("2026-11-26T10:50")
    store.log_print(res.case, None, {"to": "printer", "forms": []}, counter=False)  # (a department's reprint)
    assert store.reservation(res.number).status == "in_service"  # nobody pressed 完了
    clock("2026-12-03T09:00")
    assert store.close_stale_bookings() == [res.number]
    r = store.reservation(res.number)
    assert r.status == "done" and r.done_at == at("2026-11-26", "10:50")  # not a week later
    assert store.get(res.case).status == "印刷済"


# -- the command line --------------------------------------------------------------------------------------------
@pytest.fixture
def run(db_url, capsys, monkeypatch, clock):
    monkeypatch.delenv("OKUYAMI_DB", raising=False)

    def _run(*args: str) -> tuple[int, str, str]:
        try:
            code = cli.main([*args, "--db", db_url])
        except SystemExit as exc:  # argparse: bad usage
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    assert _run("db", "upgrade")[0] == 0
    return _run


def _book(run) -> tuple[int, int]:
    code, out, err = run("reservations", "add", "--start", "2026-11-26T10:00", "--deceased", "山田 太郎",
                         "--death-date", "2026-11-15", "--birth-date", "1941-03-02", "--caller", "山田 花子",
                         "--phone", "090-1234-5678", "--relationship", "妻")
    assert code == 0, err
    number = int(out)
    code, out, _ = run("reservations", "list", "--date", "2026-11-26", "--format", "json")
    return number, json.loads(out)[0]["case"]


def test_cli_tasks_list_gives_the_booked_time(run):
    number, case = _book(run)
    code, out, err = run("cases", "answer", str(case), "health_insurance", "kouki", "--source", "phone")
    assert code == 0, err
    for day in ("2026-11-26", "2026-11-24"):
        code, out, err = run("tasks", "list", "--date", day, "--format", "json")
        lines = json.loads(out)
        assert code == 0 and lines and {t["visit"] for t in lines} == {"2026-11-26T10:00+09:00"}, (day, err)
        assert {t["reservation"] for t in lines} == {number} and {t["reservation_status"] for t in lines} == {"booked"}


def _text(pdf: Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(str(pdf)).pages)


def _qr(pdf: Path, tmp: Path) -> list[str]:
    """The QR codes on the first page, decoded (pdftoppm + zbarimg, installed by .ci/run)."""
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        if os.environ.get("CI"):
            pytest.fail("CI installs poppler-utils and zbar-tools to read the sheet's QR code")
        return []
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(pdf), str(tmp / "page")], check=True)
    png = next(tmp.glob("page*.png"))
    out = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True).stdout
    return out.split()


def test_cli_print_case_prints_the_number_the_search_finds(run, tmp_path):
    _number, case = _book(run)
    code, out, err = run("print", "--case", str(case), "--out", str(tmp_path / "out"))
    assert code == 0, err
    sheet = _text(tmp_path / "out" / "guidance.pdf")
    assert f"案件番号\n{case}" in sheet or f"案件番号 {case}" in sheet
    assert "R8-" not in sheet  # no made-up reference any more
    codes = _qr(tmp_path / "out" / "guidance.pdf", tmp_path)
    if codes:  # the case's own code holds the number; the family's code (スマートフォンで見る) is a link
        assert [c for c in codes if not c.startswith("https://")] == [str(case)]
    forms = list((tmp_path / "out" / "forms").glob("*.pdf"))
    assert forms and all(f"案件番号 {case}" in _text(f) for f in forms)
    for query in (str(case), f"案件番号 {case}", f"案件番号：{case}", f"#{case}"):
        code, out, _ = run("cases", "list", "--search", query, "--format", "json")
        assert [c["number"] for c in json.loads(out)] == [case], query
    # kept and logged like the desk app's 「PDFとして保存」
    code, out, _ = run("audit", "--case", str(case), "--format", "json")
    assert "print" in {e["action"] for e in json.loads(out)}
    # a case file has no number: its sheet prints none
    code, out, err = run("print", str(Path(__file__).parents[1] / "examples" / "case.yaml"), "--out",
                         str(tmp_path / "file"))
    assert code == 0, err
    assert "案件番号" not in _text(tmp_path / "file" / "guidance.pdf")
    # one or the other
    assert run("print", "--out", str(tmp_path / "x"))[0] == 2
    code, _, err = run("print", "--case", "999", "--out", str(tmp_path / "x"))
    assert code == 1 and "案件番号 999 はありません" in err


def test_cli_letter_is_one_page_each_thing_once_no_ids_and_the_case_unchanged(run, tmp_path, book):
    number, case = _book(run)
    for fact, value in (("health_insurance", "kouki"), ("pension_recipient", "true"), ("seal_registered", "true"),
                        ("funeral_held", "true"), ("was_household_head", "true")):
        assert run("cases", "answer", str(case), fact, value, "--source", "phone")[0] == 0
    before = json.loads(run("cases", "show", str(case), "--format", "json")[1])
    code, out, err = run("reservations", "letter", str(number), "--out", str(tmp_path / "letter.pdf"))
    assert code == 0, err
    reader = PdfReader(str(tmp_path / "letter.pdf"))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for needle in ("ご来庁のご案内", "山田 花子 様", "令和8年11月26日(木) 10:00〜11:00", f"案件番号 {case}", "年金証書"):
        assert needle in text, needle
    lines = [line.strip() for line in text.splitlines()]
    items = [line.removeprefix("□").strip() for line in lines if line.startswith("□")]
    assert items and len(items) == len(set(items))
    for thing in ("本人確認書類", "預金通帳", "故人の保険証"):
        assert sum(thing in i for i in items) == 1, thing
    assert not ids_in(text, rulebook_ids(book))
    # large type: every text of the page is 14 pt or more
    sizes = set()
    reader.pages[0].extract_text(visitor_text=lambda t, cm, tm, font, size: sizes.add(round(size * abs(tm[0]), 1))
                                 if t.strip() else None)
    assert sizes and min(sizes) >= 14, sizes
    # a heading is never followed only by 「ほかN点は…」
    for i, line in enumerate(lines):
        if line.startswith("■"):
            assert i + 1 < len(lines) and lines[i + 1].startswith("□"), lines[i:i + 2]
    after = json.loads(run("cases", "show", str(case), "--format", "json")[1])
    assert (after["state"], after["version"]) == (before["state"], before["version"]) == ("new", before["version"])
    code, out, _ = run("audit", "--case", str(case), "--format", "json")
    assert "letter" in {e["action"] for e in json.loads(out)} and "print" not in {e["action"] for e in json.loads(out)}


def test_cli_the_booking_is_closed_when_the_visit_is_done(run, tmp_path, clock):
    number, case = _book(run)
    clock("2026-11-26T09:58")
    assert run("reservations", "set", str(number), "arrived")[0] == 0
    assert run("reservations", "set", str(number), "in_service")[0] == 0
    clock("2026-11-26T10:45")
    code, _, err = run("print", "--case", str(case), "--out", str(tmp_path / "out"))  # the packet handed over
    assert code == 0, err
    code, out, _ = run("reservations", "list", "--date", "2026-11-26", "--format", "json")
    assert json.loads(out)[0]["status"] == "done"
    # another family, served but never marked 完了: a week later the book says 完了, not 対応中
    clock("2026-11-24T10:00")
    code, out, _ = run("reservations", "add", "--start", "2026-11-27T10:00", "--deceased", "佐藤 一郎",
                       "--death-date", "2026-11-20", "--caller", "佐藤 花子", "--phone", "090-0000-0000")
    other = int(out)
    clock("2026-11-27T10:03")
    run("reservations", "set", str(other), "in_service")
    clock("2026-12-04T09:00")
    code, out, _ = run("reservations", "list", "--date", "2026-11-27", "--format", "json")
    assert json.loads(out)[0]["status"] == "done"


def test_cli_follow_up_after_the_deadline_needs_past_deadline(run):
    _number, case = _book(run)
    assert run("cases", "answer", str(case), "health_insurance", "kouki")[0] == 0
    # 後期高齢者医療 資格喪失届: 14 days from 11/15 → 11/30 (Monday)
    code, _, err = run("tasks", "set", str(case), "kouki_soshitsu", "deferred", "--follow-up", "2026-12-25")
    assert code == 1 and "令和8年11月30日(月)" in err and "--past-deadline" in err
    code, out, err = run("tasks", "set", str(case), "kouki_soshitsu", "deferred", "--follow-up", "2026-11-27")
    assert code == 0, err
    code, out, err = run("tasks", "set", str(case), "kouki_soshitsu", "deferred", "--follow-up", "2026-12-25",
                         "--past-deadline")
    assert code == 0 and "期限後" in out, err
    show = json.loads(run("cases", "show", str(case), "--format", "json")[1])
    assert next(t for t in show["tasks"] if t["procedure"] == "kouki_soshitsu")["status"] == "deferred"
    code, _, err = run("tasks", "set", str(case), "kouki_soshitsu", "done", "--follow-up", "2026-11-27")
    assert code == 2 and "deferred" in err
    code, _, err = run("tasks", "set", str(case), "kouki_soshitsu", "deferred", "--follow-up", "2026-11-01")
    assert code == 1 and "過ぎた日" in err
