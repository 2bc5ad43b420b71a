"""Reservations (contract §9) on both backends: slots from the rulebook, closed days, notice counted in 開庁日,
the case a booking creates, statuses, overrides, the city's "registered deaths only" choice, the departments'
tasks on the booked day, the §9 command line exactly — and never more bookings than a slot takes, with several
processes booking at the same moment."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from okuyami import cli
from okuyami.core import booking
from okuyami.core.booking import Override
from okuyami.core.calendar import JST
from okuyami.core.rulebook import check_rulebook, load_rulebook
from okuyami.store.store import BookingRefused, Store, StoreError

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 24)  # a Tuesday (11/23 勤労感謝の日 is a holiday)
NOW = dt.datetime(2026, 11, 24, 9, 30, tzinfo=JST)


def at(day: str, hm: str = "10:00") -> dt.datetime:
    h, m = hm.split(":")
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(int(h), int(m)), JST)


FAMILY = {"deceased_name": "山田 太郎", "deceased_kana": "ヤマダ タロウ", "deceased_death_date": dt.date(2026, 11, 15),
          "deceased_birth_date": dt.date(1941, 3, 2), "deceased_address": "サンプル市中央町1-2-3"}
CALLER = {"name": "山田 花子", "relationship": "妻", "phone": "090-1234-5678"}


# -- the rulebook's slots (no database) ----------------------------------------------------------------------------
def test_slots_of_a_day_from_the_rulebook(book):
    slots = booking.day_slots(book, "honcho", dt.date(2026, 11, 25))
    assert [s.time_text for s in slots] == ["9:00", "10:00", "11:00", "13:00", "14:00", "15:00"]
    assert {s.capacity for s in slots} == {3} and all(s.minutes == 60 for s in slots)
    branch = booking.day_slots(book, "kita_shisho", dt.date(2026, 11, 25))
    assert [(s.time_text, s.capacity) for s in branch] == [("10:00", 1), ("11:00", 1), ("13:00", 1), ("14:00", 1)]
    assert booking.default_office(book) == "honcho"  # the corner's office first


@pytest.mark.parametrize("day, why", [("2026-11-28", "土曜日"), ("2026-11-29", "日曜日"), ("2026-11-23", "勤労感謝の日"),
                                      ("2026-12-29", "年末年始"), ("2026-12-30", "年末年始"), ("2027-01-11", "成人の日")])
def test_closed_days_have_no_slots(book, day, why):
    d = dt.date.fromisoformat(day)
    assert booking.day_slots(book, "honcho", d) == []
    reason = booking.refusal(book, "honcho", at(day), NOW.replace(day=1, month=11))
    assert reason and "閉庁日" in reason and why in reason


def test_the_citys_extra_closed_days_have_no_slots(rules_copy):
    text = rules_copy.read_text(encoding="utf-8").replace("extra_closed_days: []", "extra_closed_days: [2026-12-01]")
    rules_copy.write_text(text, encoding="utf-8")
    book = load_rulebook(rules_copy)
    assert booking.day_slots(book, "honcho", dt.date(2026, 12, 1)) == []
    assert "市の閉庁日" in booking.refusal(book, "honcho", at("2026-12-01"), NOW)


def test_notice_is_counted_in_open_days(book):
    # honcho: 2 開庁日. Booked on Friday 11/20, the next open days are Tue 11/24 (Mon 11/23 is a holiday), Wed 11/25.
    friday = dt.datetime(2026, 11, 20, 16, 0, tzinfo=JST)
    assert booking.booking_window(book, "honcho", friday.date())[0] == dt.date(2026, 11, 25)
    refused = booking.refusal(book, "honcho", at("2026-11-24"), friday)
    assert "締切" in refused and "2開庁日前" in refused and "令和8年11月25日(水)" in refused
    assert booking.refusal(book, "honcho", at("2026-11-25"), friday) is None
    # the branch asks 3 open days: 11/24, 11/25, 11/26 → Thursday
    assert booking.booking_window(book, "kita_shisho", friday.date())[0] == dt.date(2026, 11, 26)
    # across the year end: booked 12/28, the open days after are 1/4 and 1/5
    assert booking.booking_window(book, "honcho", dt.date(2026, 12, 28))[0] == dt.date(2027, 1, 5)
    assert booking.nth_open_day_after(book.calendar, dt.date(2026, 12, 28), 0) == dt.date(2026, 12, 28)


def test_refusals_say_why_in_japanese(book):
    assert "過ぎている" in booking.refusal(book, "honcho", at("2026-11-20"), NOW)
    assert "予約枠がありません" in booking.refusal(book, "honcho", at("2026-11-26", "10:30"), NOW)
    assert "60日先" in booking.refusal(book, "honcho", at("2027-02-01"), NOW)
    assert "満員" in booking.refusal(book, "honcho", at("2026-11-26"), NOW, booked=3)
    assert booking.refusal(book, "honcho", at("2026-11-26"), NOW, booked=2) is None
    closed = [Override("honcho", dt.date(2026, 11, 26), "10:00", closed=True)]
    assert "職員により閉じられて" in booking.refusal(book, "honcho", at("2026-11-26"), NOW, closed)
    assert "予約を受け付けていません" in booking.refusal(book, "suidou_chosha", at("2026-11-26"), NOW)


def test_overrides_change_capacity(book):
    day = dt.date(2026, 11, 26)
    ovs = [Override("honcho", day, "", desks=1), Override("honcho", day, "14:00", desks=-3),
           Override("honcho", day, "15:00", closed=True), Override("kita_shisho", day, "", closed=True)]
    caps = {s.time_text: s.capacity for s in booking.day_slots(book, "honcho", day, ovs)}
    assert caps == {"9:00": 4, "10:00": 4, "11:00": 4, "13:00": 4, "14:00": 1, "15:00": 0}
    assert all(s.capacity == 0 for s in booking.day_slots(book, "kita_shisho", day, ovs))


def test_booking_settings_errors_are_located(rules_copy):
    text = rules_copy.read_text(encoding="utf-8")
    text = text.replace('hours: ["9:00-12:00", "13:00-16:00"]', 'hours: ["9:00-12:00", "11:00-16:00", "25:00-26:00"]')
    text = text.replace("      desks: 1\n", "      desks: 0\n").replace('hours: ["10:00-12:00", "13:00-15:00"]',
                                                                       'hours: ["10:00-10:30"]')
    text = text.replace("require_death_registered: false", "require_death_registerd: false")
    rules_copy.write_text(text, encoding="utf-8")
    _book, problems = check_rulebook(rules_copy)
    shown = "\n".join(str(p) for p in problems.errors)
    lines = text.splitlines()
    assert "予約枠の時間 '25:00-26:00'：時刻の範囲として読めません" in shown
    assert "'desks'（並行して対応できる窓口の数）は 1 以上にしてください（今は 0）" in shown
    assert "未知のキー 'require_death_registerd'" in shown and "require_death_registered" in shown
    for p in problems.errors:
        assert p.mark.line >= 1 and p.mark.file.endswith("rules.yaml")
    hours_line = next(i for i, line in enumerate(lines, 1) if "25:00-26:00" in line)
    assert any(p.mark.line == hours_line for p in problems.errors)


def test_overlapping_ranges_and_a_range_shorter_than_a_slot(rules_copy):
    text = rules_copy.read_text(encoding="utf-8")
    text = text.replace('hours: ["9:00-12:00", "13:00-16:00"]', 'hours: ["9:00-12:00", "11:00-16:00"]')
    text = text.replace('hours: ["10:00-12:00", "13:00-15:00"]', 'hours: ["10:00-12:00", "13:00-13:30"]')
    rules_copy.write_text(text, encoding="utf-8")
    _book, problems = check_rulebook(rules_copy)
    shown = "\n".join(str(p) for p in problems.errors)
    assert "予約枠の時間 '9:00-12:00' と '11:00-16:00' が重なっています" in shown
    assert "予約枠の時間 '13:00-13:30' は1組の時間（slot_minutes: 60分）より短いため" in shown


# -- the store, on SQLite and PostgreSQL ------------------------------------------------------------------------------
def test_a_booking_creates_the_case_and_the_departments_see_the_day(store, book):
    res = store.book_visit(book, start=at("2026-11-26"), values=FAMILY, caller=CALLER, by_phone=True,
                           answers={"death_registered": True}, at=NOW)
    assert (res.status, res.desk, res.office, res.deceased, res.caller_phone) == ("booked", 1, "honcho", "山田 太郎",
                                                                                   CALLER["phone"])
    row = store.get(res.case)
    assert row.state == "new" and row.status == "未来庁"
    assert row.deceased["name"] == "山田 太郎" and row.deceased["death_date"] == "2026-11-15"
    assert row.applicant == {"name": "山田 花子", "relationship": "妻", "phone": "090-1234-5678"}
    assert row.sources["death_registered"] == "phone"
    kinds = sorted((v.kind, v.scheduled_at is not None) for v in store.visits(res.case))
    assert kinds == [("counter", True), ("phone", False)]
    # the departments have their tasks for that date, with the booked time
    lines = store.work_list(date=dt.date(2026, 11, 26))
    assert lines and {t.case for t in lines} == {res.case}
    assert {t.visit.astimezone(JST) for t in lines} == {at("2026-11-26")}
    assert {t.department for t in lines} >= {"shimin", "kaigo"}  # 85 years old: 介護保険 ends
    assert not store.work_list(date=dt.date(2026, 11, 27))
    actions = [e.action for e in store.history(res.case)]
    assert "reservation.add" in actions and "case.create" in actions


def test_a_slot_takes_its_capacity_and_no_more(store, book):
    desks = [store.book_visit(book, start=at("2026-11-26"), values=FAMILY, caller=CALLER, at=NOW).desk
             for _ in range(3)]
    assert desks == [1, 2, 3]
    with pytest.raises(BookingRefused, match="満員です（3組）"):
        store.book_visit(book, start=at("2026-11-26"), values=FAMILY, caller=CALLER, at=NOW)
    slot = next(s for s in store.slots(book, dt.date(2026, 11, 26), dt.date(2026, 11, 26), "honcho")
                if s.start == at("2026-11-26"))
    assert (slot.capacity, slot.booked, slot.free) == (3, 3, 0)
    # a refused booking leaves nothing behind (no case, no visit)
    assert store.count_cases() == 3
    # cancelling frees the place; the next booking takes it
    first = store.reservations_on(dt.date(2026, 11, 26))[0]
    store.set_reservation_status(first.number, "cancelled")
    again = store.book_visit(book, start=at("2026-11-26"), values=FAMILY, caller=CALLER, at=NOW)
    assert again.desk == first.desk


def test_refused_bookings(store, book):
    for start, words in ((at("2026-11-20"), "過ぎている"), (at("2026-11-25"), "締切"), (at("2026-11-28"), "閉庁日"),
                         (at("2026-11-26", "12:00"), "予約枠がありません")):
        with pytest.raises(BookingRefused, match=words):
            store.book_visit(book, start=start, values=FAMILY, caller=CALLER, at=NOW)
    future = dict(FAMILY, deceased_death_date=dt.date(2026, 12, 1))
    with pytest.raises(BookingRefused, match="今日"):
        store.book_visit(book, start=at("2026-11-26"), values=future, caller=CALLER, at=NOW)
    with pytest.raises(BookingRefused, match="氏名"):
        store.book_visit(book, start=at("2026-11-26"), values={}, caller=CALLER, at=NOW)
    assert store.count_cases() == 0


def test_booking_an_existing_case_and_rescheduling(store, book):
    case_id = store.create_case(visit=False, values={"deceased_name": "佐藤 一郎"})
    res = store.book_visit(book, start=at("2026-11-26", "13:00"), case_id=case_id, caller=CALLER, at=NOW)
    assert res.case == case_id and store.get(case_id).applicant["phone"] == CALLER["phone"]
    moved = store.move_reservation(book, res.number, at("2026-11-27", "9:00"), at=NOW)
    assert moved.start_jst == at("2026-11-27", "9:00") and moved.moved_from is not None and moved.desk == 1
    assert [v.scheduled_at.astimezone(JST) for v in store.visits(case_id) if v.scheduled_at] == [at("2026-11-27", "9:00")]
    with pytest.raises(BookingRefused, match="閉庁日"):
        store.move_reservation(book, res.number, at("2026-11-28", "9:00"), at=NOW)
    with pytest.raises(StoreError, match="案件番号 999"):
        store.book_visit(book, start=at("2026-11-26"), case_id=999, caller=CALLER, at=NOW)


def test_status_transitions_and_waiting_time(store, book):
    res = store.book_visit(book, start=at("2026-11-26"), values=FAMILY, caller=CALLER, at=NOW)
    arrive = at("2026-11-26", "9:55")
    r = store.set_reservation_status(res.number, "arrived", at=arrive)
    assert r.status == "arrived" and r.arrived_at == arrive and store.get(res.case).state == "in_progress"
    assert r.waiting(at("2026-11-26", "10:07")) == dt.timedelta(minutes=12)
    r = store.set_reservation_status(res.number, "in_service", at=at("2026-11-26", "10:05"))
    assert r.waiting() == dt.timedelta(minutes=10)
    r = store.set_reservation_status(res.number, "done", at=at("2026-11-26", "11:00"))
    assert r.done_at == at("2026-11-26", "11:00")
    visit = next(v for v in store.visits(res.case) if v.scheduled_at)
    assert visit.started_at == arrive and visit.ended_at == at("2026-11-26", "11:00")
    with pytest.raises(StoreError, match="「完了」のため「来庁なし」にできません"):
        store.set_reservation_status(res.number, "no_show")
    # stale: a terminal that saw version 1 cannot move it
    with pytest.raises(StoreError, match="他の端末で先に変更"):
        store.set_reservation_status(res.number, "in_service", expected_version=1)
    # no-show: off the departments' list of that day; cancelled stays cancelled
    other = store.book_visit(book, start=at("2026-11-27"), values=FAMILY, caller=CALLER, at=NOW)
    assert store.work_list(date=dt.date(2026, 11, 27))
    store.set_reservation_status(other.number, "no_show")
    assert not store.work_list(date=dt.date(2026, 11, 27))
    store.set_reservation_status(other.number, "arrived")  # came late after all
    assert store.work_list(date=dt.date(2026, 11, 27))
    store.set_reservation_status(other.number, "cancelled")
    with pytest.raises(StoreError, match="取り消した予約は戻せません"):
        store.set_reservation_status(other.number, "booked")
    statuses = [e.detail.get("status") for e in store.history(other.case) if e.action == "reservation.status"]
    assert statuses == ["no_show", "arrived", "cancelled"]


def test_walk_in_is_added_to_the_day_without_taking_a_place(store, book):
    for _ in range(3):
        store.book_visit(book, start=at("2026-11-26"), values=FAMILY, caller=CALLER, at=NOW)
    w = store.walk_in(book, values={"deceased_name": "鈴木 ハル"}, caller={"name": "鈴木 一"},
                      at=at("2026-11-26", "10:20"))
    assert w.walk_in and w.status == "arrived" and w.desk is None and w.start_jst == at("2026-11-26", "10:20")
    day = store.reservations_on(dt.date(2026, 11, 26))
    assert [r.walk_in for r in day] == [False, False, False, True]
    assert store.get(w.case).state == "in_progress"


def test_staff_overrides_are_stored_and_audited(store, book):
    day = dt.date(2026, 11, 26)
    store.set_slot_override(book, "honcho", day, "", desks=1, note="応援1名")
    store.set_slot_override(book, "honcho", day, "10:00", closed=True)
    caps = {s.time_text: s.capacity for s in store.slots(book, day, day, "honcho")}
    assert caps["9:00"] == 4 and caps["10:00"] == 0
    with pytest.raises(BookingRefused, match="職員により閉じられて"):
        store.book_visit(book, start=at("2026-11-26"), values=FAMILY, caller=CALLER, at=NOW)
    assert [store.book_visit(book, start=at("2026-11-26", "9:00"), values=FAMILY, caller=CALLER, at=NOW).desk
            for _ in range(4)] == [1, 2, 3, 4]
    store.set_slot_override(book, "honcho", day, "10:00")  # reopened
    assert {s.time_text: s.capacity for s in store.slots(book, day, day, "honcho")}["10:00"] == 4
    assert [o.time for o in store.slot_overrides(day, day)] == [""]
    entries = [e for e in store.audit_entries() if e.action == "slot.override"]
    assert [(e.detail["time"], e.detail["closed"], e.detail["desks"]) for e in entries] == [
        ("", False, 1), ("10:00", True, 0), ("10:00", False, 0)]
    assert all(e.operator == "窓口 一郎" for e in entries)
    with pytest.raises(StoreError, match="閉庁日"):
        store.set_slot_override(book, "honcho", dt.date(2026, 11, 28), "", closed=True)
    with pytest.raises(StoreError, match="予約枠がありません"):
        store.set_slot_override(book, "honcho", day, "12:00", closed=True)


def test_city_books_only_registered_deaths(store, rules_copy):
    text = rules_copy.read_text(encoding="utf-8").replace("require_death_registered: false",
                                                          "require_death_registered: true")
    rules_copy.write_text(text, encoding="utf-8")
    book = load_rulebook(rules_copy)
    with pytest.raises(BookingRefused, match="死亡届の受理が確認できてから"):
        store.book_visit(book, start=at("2026-11-26"), values=FAMILY, caller=CALLER, at=NOW)
    assert store.count_cases() == 0
    res = store.book_visit(book, start=at("2026-11-26"), values=FAMILY, caller=CALLER, at=NOW,
                           answers={"death_registered": True})  # the caller says it was accepted
    assert store.get(res.case).answers["death_registered"] is True
    case_id = store.create_case(visit=False, values={"deceased_name": "佐藤 一郎"})
    with pytest.raises(BookingRefused):
        store.book_visit(book, start=at("2026-11-26"), case_id=case_id, caller=CALLER, at=NOW)
    store.set_answer(case_id, "death_registered", True, source="juki")
    assert store.book_visit(book, start=at("2026-11-26"), case_id=case_id, caller=CALLER, at=NOW).case == case_id


# -- several terminals booking at the same moment ------------------------------------------------------------------
BOOKER = textwrap.dedent("""
    import datetime as dt, json, sys, time
    from okuyami.core.calendar import JST
    from okuyami.core.rulebook import load_rulebook
    from okuyami.store.store import BookingRefused, Store
    url, who, go = sys.argv[1], sys.argv[2], float(sys.argv[3])
    book = load_rulebook()
    s = Store.open(url, operator=who, terminal=who)
    now = dt.datetime(2026, 11, 24, 9, 30, tzinfo=JST)
    days = (dt.date(2026, 11, 26), dt.date(2026, 11, 27), dt.date(2026, 11, 30))
    starts = [sl.start for sl in s.slots(book, days[0], days[-1], "honcho")]  # connected and warm
    ready = time.time()
    while time.time() < go:
        time.sleep(0.0005)
    won, refused = [], 0
    for start in starts:  # every terminal goes through the slots in the same order: they meet on each one
        for i in range(4):
            try:
                r = s.book_visit(book, start=start, values={"deceased_name": f"{who} {i}"}, at=now)
                won.append([r.start.isoformat(), r.desk])
            except BookingRefused:
                refused += 1
    s.close()
    print(json.dumps({"won": won, "refused": refused, "ready_before_go": ready < go}))
""")


def test_simultaneous_bookings_from_several_processes_never_overbook(store, book, db_url):
    n = 6
    go = time.time() + 10.0
    procs = [subprocess.Popen([sys.executable, "-c", BOOKER, db_url, f"t{i}", str(go)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT) for i in range(n)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert all(r["ready_before_go"] for r in results)  # they really started together
    won = [tuple(w) for r in results for w in r["won"]]
    n_slots = 18  # 3 days × 6 slots, 3 desks each
    assert len(won) == n_slots * 3
    assert sum(r["refused"] for r in results) == n * n_slots * 4 - n_slots * 3
    assert len(set(won)) == len(won)  # no place given twice
    assert sum(len(r["won"]) > 0 for r in results) >= 2  # not one terminal alone
    for s in store.slots(book, dt.date(2026, 11, 26), dt.date(2026, 11, 30), "honcho"):
        assert (s.capacity, s.booked) == (3, 3), s
    assert store.count_cases() == n_slots * 3  # the refused ones created no case


def test_the_database_refuses_a_second_holder_of_a_place(store, db_url):
    """Even a write that bypasses the booking code cannot give one place twice (UNIQUE office, start, desk)."""
    import sqlalchemy as sa

    from okuyami.store.schema import reservations

    case_id = store.create_case(visit=False)
    row = dict(case_id=case_id, office="honcho", start=at("2026-11-26"), minutes=60, desk=1, status="booked",
               created_at=NOW, updated_at=NOW)
    with store.db.write() as conn:
        conn.execute(reservations.insert().values(**row))
    with pytest.raises(sa.exc.IntegrityError):
        with store.db.write() as conn:
            conn.execute(reservations.insert().values(**row))
    with store.db.write() as conn:  # a cancelled booking (no place) and walk-ins do not count
        conn.execute(reservations.insert().values(**dict(row, desk=None, status="cancelled")))
        conn.execute(reservations.insert().values(**dict(row, desk=None, status="arrived", walk_in=True)))


# -- the command line of §9 ------------------------------------------------------------------------------------------
@pytest.fixture
def run(db_url, terminal_url, capsys, monkeypatch):
    monkeypatch.setenv("OKUYAMI_TODAY", TODAY.isoformat())
    monkeypatch.delenv("OKUYAMI_DB", raising=False)

    def _run(*args: str) -> tuple[int, str, str]:
        try:
            code = cli.main([*args, "--db", url[0]])
        except SystemExit as exc:  # argparse: bad usage
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    url = [db_url]  # db upgrade as the owner (IT) …
    assert _run("db", "upgrade")[0] == 0
    url[0] = terminal_url("counter")  # … then every command as a corner terminal (PostgreSQL: its own login)
    return _run


def test_cli_slots_and_reservations_exactly_as_the_contract_says(run):
    code, out, _ = run("slots", "list", "--from", "2026-11-26", "--to", "2026-11-30", "--format", "json")
    slots = json.loads(out)
    assert code == 0 and isinstance(slots, list)
    assert set(slots[0]) == {"start", "office", "capacity", "booked"}
    days = {s["start"][:10] for s in slots}
    assert days == {"2026-11-26", "2026-11-27", "2026-11-30"}  # the weekend has no slots
    assert slots[0] == {"start": "2026-11-26T09:00+09:00", "office": "honcho", "capacity": 3, "booked": 0}
    assert {s["office"] for s in slots} == {"honcho", "kita_shisho"}
    code, out, _ = run("slots", "list", "--from", "2026-11-26", "--to", "2026-11-26", "--office", "kita_shisho",
                       "--format", "json")
    assert {s["office"] for s in json.loads(out)} == {"kita_shisho"}

    code, out, err = run("reservations", "add", "--start", "2026-11-26T10:00", "--deceased", "山田 太郎",
                         "--death-date", "2026-11-15", "--caller", "山田 花子", "--phone", "090-1234-5678",
                         "--operator", "予約 係")
    assert code == 0, err
    number = int(out.strip())
    code, out, _ = run("reservations", "list", "--date", "2026-11-26", "--format", "json")
    listed = json.loads(out)
    assert code == 0 and len(listed) == 1
    item = listed[0]
    assert {"number", "start", "office", "status", "case", "deceased", "caller"} <= set(item)
    assert (item["number"], item["start"], item["office"], item["status"], item["deceased"], item["caller"]) == (
        number, "2026-11-26T10:00+09:00", "honcho", "booked", "山田 太郎", "山田 花子")
    case = item["case"]
    shown = yaml.safe_load(run("cases", "show", str(case), "--format", "yaml")[1])
    assert shown["deceased"] == {"name": "山田 太郎", "death_date": dt.date(2026, 11, 15)}
    assert shown["applicant"]["phone"] == "090-1234-5678"
    code, out, _ = run("slots", "list", "--from", "2026-11-26", "--to", "2026-11-26", "--office", "honcho",
                       "--format", "json")
    assert next(s for s in json.loads(out) if s["start"] == "2026-11-26T10:00+09:00")["booked"] == 1

    for status in ("arrived", "in_service", "done"):
        code, out, err = run("reservations", "set", str(number), status)
        assert code == 0, err
    assert json.loads(run("reservations", "list", "--date", "2026-11-26", "--format", "json")[1])[0]["status"] == "done"
    code, _, err = run("reservations", "set", str(number), "cancelled")
    assert code == 1 and "にできません" in err and "Traceback" not in err

    # booking for an existing case
    code, out, _ = run("reservations", "add", "--start", "2026-11-27T14:00", "--office", "kita_shisho",
                       "--deceased", "山田 太郎", "--death-date", "2026-11-15", "--caller", "山田 一郎",
                       "--phone", "03-0000-0000", "--case", str(case))
    assert code == 0
    later = json.loads(run("reservations", "list", "--date", "2026-11-27", "--format", "json")[1])
    assert [(r["case"], r["office"]) for r in later] == [(case, "kita_shisho")]
    audit = json.loads(run("audit", "--case", str(case), "--format", "json")[1])
    assert {"reservation.add", "reservation.status"} <= {e["action"] for e in audit}
    assert any(e["operator"] == "予約 係" and e["action"] == "reservation.add" for e in audit)


@pytest.mark.parametrize("start, words", [
    ("2026-11-20T10:00", "過ぎている"), ("2026-11-25T10:00", "締切"), ("2026-11-28T10:00", "閉庁日"),
    ("2026-11-26T10:30", "予約枠がありません")])
def test_cli_refuses_with_one_japanese_line(run, start, words):
    code, out, err = run("reservations", "add", "--start", start, "--deceased", "山田 太郎", "--death-date",
                         "2026-11-15", "--caller", "山田 花子", "--phone", "090")
    assert code == 1 and out == "" and words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_cli_full_slot_and_staff_override(run):
    args = ("--deceased", "山田 太郎", "--death-date", "2026-11-15", "--caller", "山田 花子", "--phone", "090")
    assert run("reservations", "add", "--start", "2026-11-27T10:00", "--office", "kita_shisho", *args)[0] == 0
    code, _, err = run("reservations", "add", "--start", "2026-11-27T10:00", "--office", "kita_shisho", *args)
    assert code == 1 and "満員" in err
    assert run("slots", "set", "--date", "2026-11-27", "--time", "10:00", "--office", "kita_shisho", "--desks", "1")[0] == 0
    assert run("reservations", "add", "--start", "2026-11-27T10:00", "--office", "kita_shisho", *args)[0] == 0
    assert run("slots", "set", "--date", "2026-11-26", "--office", "honcho", "--close")[0] == 0
    code, _, err = run("reservations", "add", "--start", "2026-11-26T13:00", *args)
    assert code == 1 and "閉じられて" in err
    code, _, err = run("reservations", "add", "--start", "2026-11-26T13:00", "--office", "nowhere", *args)
    assert code == 1 and "予約できる庁舎" in err
    code, _, err = run("reservations", "set", "999", "arrived")
    assert code == 1 and "予約番号 999 はありません" in err
    code, _, err = run("reservations", "add", "--start", "tomorrow", *args)
    assert code == 2 and "日時が読めません" in err


def test_cli_tomorrows_calls(run):
    args = ("--death-date", "2026-11-15", "--caller", "山田 花子", "--phone", "090-1234-5678")
    run("reservations", "add", "--start", "2026-11-26T09:00", "--deceased", "山田 太郎", *args)
    code, out, _ = run("reservations", "list", "--date", "2026-11-26")
    assert code == 0 and "090-1234-5678" in out and "山田 花子" in out and "9:00〜10:00" in out


# -- the 事前案内 ------------------------------------------------------------------------------------------------
def test_the_advance_notice_lists_what_to_bring_from_the_answers(book):
    from pypdf import PdfReader
    import io

    from okuyami.core.engine import CaseDates, Session
    from okuyami.documents.advance_notice import compose, render, short_text, things

    def notice(answers, dates=CaseDates(dt.date(1941, 3, 2), dt.date(2026, 11, 15))):
        session = Session(book, dates, answers) if dates else None
        return compose(book, start=at("2026-11-26"), minutes=60, office="honcho", number=12, case=34,
                       deceased="山田 太郎", caller="山田 花子", session=session), session

    n, session = notice({"health_insurance": "kouki", "pension_recipient": True, "seal_registered": False})
    assert n.always == [t for text in book.root.settings.booking.always_bring for t in things(book, text)]
    required = {item for item, _ in n.required}
    maybe = {item for item, _ in n.maybe}
    # exactly the bring: lists of the city's counters' procedures that apply (要/要確認) and that may still apply,
    # each thing once (settings.booking.same_item)
    want = {t for p in session.result.procedures if p.rule.spec.counter for i in p.rule.spec.bring
            for t in things(book, i)} - set(n.always)
    assert required == want and "年金証書" in required
    undecided = {t for c in session.undecided if book.rules[c].spec.counter for i in book.rules[c].spec.bring
                 for t in things(book, i)}
    assert maybe == undecided - required - set(n.always)
    listed = n.always + [i for i, _ in n.required] + [i for i, _ in n.maybe]
    assert len(listed) == len(set(listed))
    assert sum("本人確認書類" in i for i in listed) == 1 and sum("預金通帳" in i for i in listed) == 1
    assert "印鑑登録証（カード）" not in required | maybe  # answered: no seal registration
    outside = {i for r in book.rules.values() if not r.spec.counter for i in r.spec.bring} - required - maybe
    assert "車検証" in outside  # outside agencies' documents are not brought to the corner
    text = short_text(n)
    assert text.splitlines()[1] == "令和8年11月26日(木) 10:00〜11:00（約60分）" and "予約番号：12" in text
    assert "1階 市民ホール奥（1番窓口）" in text and "0123-45-6700" in text
    pdf, pages, size = render(n)
    assert pages == 1 and size >= 14  # large type
    page = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "年金証書" in page and "山田 花子 様" in page
    # the branch office: its own place; without the birth date the letter says it can say more later
    bare, _ = notice({}, dates=None)
    assert bare.undecided and not bare.required and not bare.maybe
    branch = compose(book, start=at("2026-11-27"), minutes=60, office="kita_shisho", number=1, case=1,
                     deceased="山田 太郎", caller="", session=None)
    assert branch.place == "1階 市民窓口の奥（相談室）" and branch.phone == "0123-45-6800"
    assert render(branch)[1] == 1
