"""Contract §13: ``okuyami report month`` on a seeded month, on SQLite and on PostgreSQL — the PDF's text and the CSV
show the seeded numbers (families served as §13 counts them, no-shows, the share of the month's registered deaths,
waiting, time at the corner, phone pre-interviews, return visits, procedures per department), the charts are drawn,
no name appears, a department gets its own page, an empty month says so, a malformed month is one Japanese line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from okuyami import cli
from okuyami.core.calendar import JST
from okuyami.documents.fonts import find_fonts
from okuyami.documents.month_report import CSV_COLUMNS, contents, csv_bytes, render, safe_csv_rows
from okuyami.juki.importer import import_file
from okuyami.juki.profile import DEFAULT_COLUMNS
from okuyami.store.database import Database
from okuyami.store.report import Month, weeks_of
from okuyami.store.schema import visits

NOV = Month(2026, 11)
NAMES = ["青木 一郎", "石井 二郎", "上田 三郎", "江藤 四郎", "大野 五郎", "金子 六郎", "菊地 七郎", "工藤 八郎", "小島 九郎",
         "佐野 花子", "柴田 次郎", "須藤 良子", "関 太一", "園田 正", "高木 博", "千葉 勇", "堤 茂", "手塚 和子"]
CALLERS = ["青木 春子", "佐野 夏子", "柴田 秋子", "須藤 冬子", "関 雪子", "園田 月子", "千葉 星子"]


def at(day: str, hm: str) -> dt.datetime:
    h, m = hm.split(":")
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(int(h), int(m)), JST)


def juki_file(path: Path) -> Path:
    """Eight deaths in November 2026, one in October (the 住基 death list, contract §10)."""
    rows = []
    for i, name in enumerate(NAMES[:9]):
        death = "20261020" if i == 8 else f"202611{2 + i * 3:02d}"
        rows.append(f"0002{i:02d},{name},,1,19400101,{death},サンプル市中央町{i}-1,,1,1,0,1,0,1,1,1,0,0,0,0")
    path.write_bytes(("\r\n".join([",".join(DEFAULT_COLUMNS), *rows]) + "\r\n").encode("cp932"))
    return path


@pytest.fixture
def seeded(store, book, tmp_path, db_url):
    """November 2026 at the corner (and one family in October): the numbers every test below expects."""
    report = import_file(store, juki_file(tmp_path / "shibou.csv"), book=book, today=dt.date(2026, 12, 5))
    j = report.outcome.case_of_line()  # line (header = 1) → case number
    j1, j2, j3, j0 = j[2], j[3], j[4], j[10]
    s = store

    def book_visit(start, *, case=None, name=None, caller=0, by_phone=False, answers=None, made="2026-11-02"):
        values = None if case else {"deceased_name": name, "deceased_death_date": dt.date(2026, 10, 30)}
        return s.book_visit(book, start=start, case_id=case, values=values,
                            caller={"name": CALLERS[caller], "phone": "090-0000-0000"}, by_phone=by_phone,
                            answers=answers, at=at(made, "09:00"))

    def status(res, *steps):
        for st, when in steps:
            s.set_reservation_status(res.number, st, at=when)

    # October: one family, booked and done
    k = book_visit(at("2026-10-20", "10:00"), case=j0, made="2026-10-01")
    status(k, ("arrived", at("2026-10-20", "9:50")), ("in_service", at("2026-10-20", "10:00")),
           ("done", at("2026-10-20", "10:40")))
    # November
    a = book_visit(at("2026-11-10", "10:00"), case=j1)  # stay 55, waiting 10
    status(a, ("arrived", at("2026-11-10", "9:55")), ("in_service", at("2026-11-10", "10:05")),
           ("done", at("2026-11-10", "10:50")))
    b = book_visit(at("2026-11-12", "14:00"), case=j2, caller=1)  # stay 42, waiting 2
    status(b, ("arrived", at("2026-11-12", "13:58")), ("in_service", at("2026-11-12", "14:00")),
           ("done", at("2026-11-12", "14:40")))
    c = book_visit(at("2026-11-17", "10:00"), name=NAMES[9], caller=2)
    status(c, ("no_show", at("2026-11-17", "11:00")))
    d = book_visit(at("2026-11-18", "11:00"), name=NAMES[10], caller=3)
    status(d, ("cancelled", at("2026-11-16", "15:00")))
    e = book_visit(at("2026-11-26", "13:00"), name=NAMES[11], caller=4)  # checked in, never marked 完了
    status(e, ("arrived", at("2026-11-26", "12:55")), ("in_service", at("2026-11-26", "13:00")))
    f = book_visit(at("2026-11-27", "10:00"), name=NAMES[12], caller=5, by_phone=True, made="2026-11-20",
                   answers={"funeral_held": True, "seal_registered": True, "pension_recipient": True})
    w1 = s.walk_in(book, values={"deceased_name": NAMES[13]}, caller={"name": CALLERS[6]}, at=at("2026-11-19", "10:20"))
    status(w1, ("in_service", at("2026-11-19", "10:30")), ("done", at("2026-11-19", "11:30")))  # stay 70, waiting 10
    s.walk_in(book, case_id=j3, at=at("2026-11-24", "10:00"))  # a walk-in still 到着: served, nothing measured
    r = s.walk_in(book, case_id=a.case, at=at("2026-11-25", "9:30"))  # A comes back: a return visit
    status(r, ("done", at("2026-11-25", "10:00")))  # stay 30; waiting not recorded
    g = s.create_case(values={"deceased_name": NAMES[14]}, visit=False)  # opened at the counter without a booking
    db = Database(db_url)
    with db.write() as conn:
        conn.execute(visits.insert().values(case_id=g, kind="counter", office="", started_at=at("2026-11-16", "14:00"),
                                            operator="窓口 一郎", terminal="corner-1"))
    db.dispose()
    # questions asked at the counter: A 4, B 2, W1 6, G 1, J3 0 → median 2
    for case, facts in ((a.case, ["funeral_held", "car", "kei_vehicle", "dog_registered"]),
                        (b.case, ["funeral_held", "car"]),
                        (w1.case, ["funeral_held", "car", "kei_vehicle", "dog_registered", "farmland", "forest"]),
                        (g, ["car"])):
        for fact in facts:
            s.set_answer(case, fact, False if fact != "funeral_held" else True)
    # procedures of the families served
    s.set_task(a.case, "shibou_todoke", "done", department="shimin")
    s.set_task(a.case, "kokuho_soshitsu", "done", department="hoken_nenkin")
    s.set_task(a.case, "nenkin_shibou_todoke", "deferred", department="hoken_nenkin", follow_up=dt.date(2026, 11, 30))
    s.set_task(b.case, "kouki_soshitsu", "open", department="hoken_nenkin")
    s.set_task(w1.case, "koteishisan_daihyo", "done", department="zeimu")
    s.set_task(c.case, "kokuho_soshitsu", "open", department="hoken_nenkin")  # a no-show: not served
    return {"a": a, "f": f, "g": g}


def pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(str(path)).pages)


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    return {r[0]: dict(zip(CSV_COLUMNS, r)) for r in rows[1:]}


def run(*args: str, capsys) -> tuple[int, str, str]:
    try:
        code = cli.main(list(args))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_the_months_figures(store, book, seeded):
    r = store.month_report(NOV, book=book)
    f = r.current
    assert f.served == 5 and len(f.visits) == 6  # A (twice), B, W1, J3, G; the phone call and no-show are not visits
    assert f.kind_count("booked") == 2 and f.walk_ins == 4
    assert dict(f.bookings) == {"done": 2, "no_show": 1, "cancelled": 1, "in_service": 1, "booked": 1}
    assert f.unfinished == 1
    assert f.registered_deaths == 8 and f.share == pytest.approx(62.5)
    assert sorted(f.stays) == pytest.approx([30, 42, 55, 70]) and sorted(f.waits) == pytest.approx([2, 10, 10])
    assert (f.phone_calls, f.phone_families, f.phone_answers, f.phone_then_came) == (1, 1, 3, 0)
    assert sorted(f.questions.values()) == [0, 1, 2, 4, 6]
    assert (f.return_visits, f.return_families) == (1, 1)
    # the engine's own tasks for the 住基 cases (their dates and answers are known), and what the departments marked
    assert f.tasks["hoken_nenkin"]["deferred"] == 1 and f.tasks["hoken_nenkin"]["done"] == 1
    assert f.tasks["zeimu"] == {"done": 1} and f.tasks["shimin"]["done"] == 1 and set(f.tasks) == {
        "hoken_nenkin", "kaigo", "shimin", "zeimu"}
    assert [(a.day, b.day) for a, b in f.weeks] == [(1, 8), (9, 15), (16, 22), (23, 29), (30, 30)]
    assert f.weekly() == [0, 2, 2, 2, 0]
    assert r.previous.served == 1 and r.previous.registered_deaths == 1 and not r.last_year.has_data
    entries = [e for e in store.audit_entries() if e.action == "report.month"]
    assert entries and entries[-1].detail["month"] == "2026-11"


def test_report_month_pdf_and_csv(seeded, db_url, tmp_path, capsys):
    out, table = tmp_path / "nov.pdf", tmp_path / "nov.csv"
    code, stdout, err = run("report", "month", "2026-11", "--out", str(out), "--csv", str(table), "--db", db_url,
                            capsys=capsys)
    assert code == 0, err
    assert "2ページ" in stdout and "対応した家族 5家族" in stdout
    reader = PdfReader(str(out))
    assert len(reader.pages) == 2
    text = pdf_text(out)
    # the seeded numbers, as printed (headline and table)
    assert re.search(r"対応した家族\s+家族\s+5\s+1\s+\+4", text)
    assert re.search(r"来庁なし\s+件\s+1\s+0\s+\+1", text)
    assert re.search(r"住基の死亡者数\s+人\s+8\s+1\s+\+7", text) and "62.5%" in text
    assert re.search(r"死亡者数に対する割合\s+%\s+62\.5\s+100\s+-37\.5", text)
    assert re.search(r"滞在時間（中央値）\s+分\s+48\.5", text) and re.search(r"待ち時間（中央値）\s+分\s+10", text)
    assert re.search(r"再来庁\s+件\s+1\s+0", text)
    flat = text.replace("\n", "")  # sentences wrap
    assert "電話での事前聞き取り：1件（1家族）" in flat and "3問は電話で聞き取り済み" in flat
    assert "1件は、到着または対応中のまま完了が記録されていません" in flat
    assert "前年同月＝2025年11月（データがないため表には載せていません）" in flat
    # charts: titles, week labels, axis words, and the drawing operators of the bars
    for words in ("週ごとの対応した家族", "第1週", "11/1～11/8", "11/30", "週（月曜～日曜）", "滞在時間の分布",
                  "課ごとの手続き", "保険年金課", "待ち時間の分布", "窓口で聞いた質問", "予約の結果"):
        assert words in text, words
    bars = rb".121569 .305882 .47451 rg\n1 w\n0 J\n0 j\n\[\] 0 d\nn [\d. ]+ re f\*"  # a bar: a rectangle filled dark blue
    assert len(re.findall(bars, reader.pages[0].get_contents().get_data())) == 3 + 3  # the weeks, the time at the corner
    page2 = reader.pages[1].get_contents().get_data()
    assert len(re.findall(bars, page2)) == 2 + 3 + 5 and b".878431 .627451 .188235 rg" in page2  # …and 後日 (orange)
    # every figure defined: each ※n used has its footnote
    used = set(re.findall(r"※(\d+)", text))
    defined = set(re.findall(r"※(\d+)\s", text.split("注（各数値の定義）")[1]))
    assert used and used <= defined
    # the CSV: the same numbers, one row per figure, with the previous month and a definition
    rows = read_csv(table)
    assert rows["対応した家族（家族）"]["value"] == "5" and rows["対応した家族（家族）"]["previous_month"] == "1"
    assert rows["来庁なし（件）"]["value"] == "1"
    assert rows["死亡者数に対する割合（%）"]["value"] == "62.5"
    assert rows["死亡者数に対する割合（%）"]["previous_month"] == "100"
    assert rows["住基の死亡者数（人）"]["value"] == "8"
    assert rows["保険年金課：後日（件）"]["value"] == "1"
    assert rows["対応した家族 第2週（11/9～11/15）（家族）"]["value"] == "2"
    assert all(r["definition"] for r in rows.values())
    assert "電話での聞き取りだけでは来庁としない" in rows["対応した家族（家族）"]["definition"]
    # no name anywhere (deceased, callers), nor a case number's own line
    for name in NAMES + CALLERS:
        for part in [name, name.replace(" ", ""), *name.split()]:
            if len(part) >= 2:
                assert part not in text and part not in table.read_text(encoding="utf-8-sig"), part
    # every printed character is in the embedded fonts (nothing became 〓, nothing printed blank)
    fonts = find_fonts()
    assert "〓" not in text and not fonts.missing(text, ("gothic", "gothic_bold")) and "フォントにない" not in err


def test_a_department_gets_its_own_page(seeded, db_url, tmp_path, capsys):
    out, table = tmp_path / "hoken.pdf", tmp_path / "hoken.csv"
    code, _stdout, err = run("report", "month", "2026-11", "--out", str(out), "--csv", str(table),
                             "--department", "hoken_nenkin", "--db", db_url, capsys=capsys)
    assert code == 0, err
    assert len(PdfReader(str(out)).pages) == 1
    text = pdf_text(out)
    assert "保険年金課の2026年11月" in text
    assert re.search(r"保険年金課の手続きがあった家族\s+家族\s+3", text)  # A, B and the 住基 walk-in
    assert re.search(r"手続きのうち後日\s+件\s+1", text) and re.search(r"後日の予定日がこの月のもの\s+件\s+1", text)
    assert "国民健康保険 資格喪失届" in text and "手続きごとの件数と状態" in text
    rows = read_csv(table)
    assert rows["保険年金課の手続きがあった家族（家族）"]["value"] == "3"
    code, _out, err = run("report", "month", "2026-11", "--out", str(out), "--department", "all", "--db", db_url,
                          capsys=capsys)
    assert code == 0 and len(PdfReader(str(out)).pages) == 2 + 4  # the corner, then 市民課, 保険年金課, 介護保険課, 税務課
    code, _out, err = run("report", "month", "2026-11", "--out", str(out), "--department", "hoken", "--db", db_url,
                          capsys=capsys)
    assert code == 1 and "課・機関のID 'hoken' は rules.yaml にありません" in err and "Traceback" not in err


def test_an_empty_month_says_so(seeded, db_url, tmp_path, capsys):
    out, table = tmp_path / "aug.pdf", tmp_path / "aug.csv"
    code, stdout, err = run("report", "month", "2026-08", "--out", str(out), "--csv", str(table), "--db", db_url,
                            capsys=capsys)
    assert code == 0, err
    assert len(PdfReader(str(out)).pages) == 1 and "データなし" in stdout
    text = pdf_text(out)
    assert "2026年8月のデータはありません。" in text
    assert read_csv(table)["対応した家族（家族）"]["value"] == "0"


@pytest.mark.parametrize("month", ["2026-13", "26-11", "2026-00", "2026/11", "十一月", ""])
def test_a_malformed_month_is_one_japanese_line(month, tmp_path, capsys):
    code, out, err = run("report", "month", month, "--out", str(tmp_path / "x.pdf"),
                         "--db", f"sqlite:///{tmp_path / 's.sqlite3'}", capsys=capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "月の指定" in err and "YYYY-MM" in err and "Traceback" not in err
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "s.sqlite3").exists()


def test_month_parsing_and_weeks(book):
    assert Month.parse("2026-11") == NOV and Month.parse("２０２６－０３".replace("－", "-")) == Month(2026, 3)
    assert NOV.previous() == Month(2026, 10) and Month(2026, 1).previous() == Month(2025, 12)
    assert NOV.year_before() == Month(2025, 11) and str(NOV) == "2026年11月"
    # February 2026 starts on a Sunday: the lone Sunday joins the first week; the month ends on a Saturday
    feb = weeks_of(Month(2026, 2), book.calendar.is_open)
    assert [(a.day, b.day) for a, b in feb] == [(1, 8), (9, 15), (16, 22), (23, 28)]
    # May 2027 ends on a Monday (31st): a week of its own (an open day)
    may = weeks_of(Month(2027, 5), book.calendar.is_open)
    assert may[-1][0] == may[-1][1] == dt.date(2027, 5, 31)


def test_csv_cells_are_formula_safe():
    data = safe_csv_rows([["figure", "value"], ["=1+1", "-2"], ["+x", "@a"], ["\tx", "ok"]]).decode("utf-8-sig")
    assert data.splitlines() == ["figure,value", "'=1+1,'-2", "'+x,'@a", "'\tx,ok"]


def test_an_empty_store_renders(store, book):
    pdf, missing = render([store.month_report(NOV, book=book)], book)
    assert pdf.startswith(b"%PDF") and not missing
    rows = list(csv.reader(io.StringIO(csv_bytes(contents([store.month_report(NOV, book=book)], book))
                                       .decode("utf-8-sig"))))
    assert rows[0] == list(CSV_COLUMNS) and len(rows) > 20


def test_a_booking_set_done_records_the_visits_end(store, book):
    res = store.book_visit(book, start=at("2026-11-26", "10:00"), values={"deceased_name": "試験 太郎"},
                           caller={"name": "試験 花子"}, at=at("2026-11-20", "9:00"))
    store.set_reservation_status(res.number, "done", at=at("2026-11-26", "10:45"))  # straight to 完了
    visit = next(v for v in store.visits(res.case) if v.scheduled_at)
    assert visit.started_at == at("2026-11-26", "10:45") and visit.ended_at == at("2026-11-26", "10:45")
    store.set_reservation_status(res.number, "in_service", at=at("2026-11-26", "10:50"))  # undone
    assert next(v for v in store.visits(res.case) if v.scheduled_at).ended_at is None
    store.set_reservation_status(res.number, "done", at=at("2026-11-26", "11:20"))
    assert next(v for v in store.visits(res.case) if v.scheduled_at).ended_at == at("2026-11-26", "11:20")


def test_the_months_queries_use_the_indexes(store, db_url):
    """The month is read by range: the database plans an index scan for the visits and the bookings."""
    db = Database(db_url)
    start, end = NOV.bounds
    try:
        with db.read() as conn:
            if db.dialect == "sqlite":
                plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT case_id FROM visits WHERE kind = 'counter' AND started_at >= ? "
                    "AND started_at < ?", (str(start), str(end))))
                assert "ix_visits_kind_started_at" in plan
            else:
                conn.exec_driver_sql("SET enable_seqscan = off")
                plan = " ".join(r[0] for r in conn.execute(sa.text(
                    "EXPLAIN SELECT case_id FROM visits WHERE kind = 'counter' AND started_at >= :a AND started_at < :b"),
                    {"a": start, "b": end}))
                assert "ix_visits_kind_started_at" in plan
    finally:
        db.dispose()
