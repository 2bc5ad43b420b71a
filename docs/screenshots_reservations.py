"""Make the README's screenshots of the reservation screens (offscreen): python docs/screenshots_reservations.py

docs/screen-booking.png (a family booked by phone, the 事前案内 text), docs/screen-day.png (the day at the corner:
checked in, waiting, in service, a walk-in), docs/screen-department.png (the 保険年金課 terminal on that day: today's
families with their live status, the coming bookings below) and docs/letter-sample.png (the 事前案内 letter, rendered
with pdftoppm)."""

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["OKUYAMI_TODAY"] = "2026-11-24"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from okuyami.core.calendar import JST  # noqa: E402
from okuyami.ui.app import build_window, make_app  # noqa: E402

OUT = ROOT / "docs"
VISIT = dt.date(2026, 11, 26)


def main() -> None:
    app = make_app()
    w = build_window(Path(tempfile.mkdtemp()), None, "予約 係", background=False)  # scripted: store calls inline
    w.resize(1360, 860)
    w.show()
    book, store = w.book, w.store
    families = [("9:00", "佐藤 一郎", "S15.6.1", "佐藤 和子", "妻", "090-2222-3333"),
                ("9:00", "鈴木 ハル", "T15.2.3", "鈴木 一", "長男", "080-4444-5555"),
                ("11:00", "高橋 正", "S22.9.9", "高橋 由美", "長女", "070-6666-7777"),
                ("13:00", "田中 節子", "S10.1.20", "田中 進", "長男", "03-1111-2222")]
    later = [("2026-11-27 10:00", "中村 茂", "S12.5.5", "中村 良子", "妻", "090-8888-9999"),
             ("2026-12-01 14:00", "小林 トメ", "T14.8.8", "小林 健", "長男", "080-1212-3434")]
    from okuyami.core.wareki import parse_date

    for when, name, birth, caller, rel, phone in [(f"{VISIT} {f[0]}",) + f[1:] for f in families] + later:
        day, hhmm = when.split()
        h, m = hhmm.split(":")
        store.book_visit(book, start=dt.datetime.combine(dt.date.fromisoformat(day), dt.time(int(h), int(m)), JST),
                         values={"deceased_name": name, "deceased_death_date": dt.date(2026, 11, 14),
                                 "deceased_birth_date": parse_date(birth)},
                         caller={"name": caller, "relationship": rel, "phone": phone},
                         answers={"health_insurance": "kouki", "pension_recipient": True}, by_phone=True)
    store.set_slot_override(book, "honcho", VISIT, "15:00", closed=True, note="研修")
    w.show_booking()
    page = w.booking_page
    page.select_day(VISIT)
    page.select_slot("10:00")
    for key, text in ((("deceased", "name"), "山田 太郎"), (("deceased", "kana"), "やまだ たろう"),
                      (("deceased", "sex"), "male"), (("deceased", "death_date"), "R8.11.15"),
                      (("deceased", "birth_date"), "S16.3.2"),
                      (("deceased", "address"), "サンプル市中央町1-2-3"), (("applicant", "name"), "山田 花子"),
                      (("applicant", "relationship"), "妻"), (("applicant", "phone"), "090-1234-5678")):
        page.set_text(key, text)
    page.registered.setChecked(True)
    res = page.book_now()
    w.open_case(res.case, source="phone")
    for fact, value in (("health_insurance", "kouki"), ("pension_recipient", True), ("was_household_head", True)):
        w.case_page.answer(fact, value)
    w.show_booking()
    page.select_slot("10:00")
    app.processEvents()
    w.grab().save(str(OUT / "screen-booking.png"))
    letter = Path(tempfile.mkdtemp()) / "letter.pdf"
    page.save_letter(letter)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-singlefile", str(letter), str(OUT / "letter-sample")],
                       check=True)
    else:
        print("pdftoppm (poppler-utils) is not installed: docs/letter-sample.png not made")

    os.environ["OKUYAMI_TODAY"] = VISIT.isoformat()
    os.environ["OKUYAMI_NOW"] = f"{VISIT.isoformat()}T10:07"
    w.today = VISIT
    w.show_day_board(VISIT)
    board = w.day_board
    at = lambda hhmm: dt.datetime.combine(VISIT, dt.time(*map(int, hhmm.split(":"))), JST)  # noqa: E731
    day = store.reservations_on(VISIT)
    store.set_reservation_status(day[0].number, "arrived", at=at("8:52"))
    store.set_reservation_status(day[0].number, "in_service", at=at("9:01"))
    store.set_reservation_status(day[0].number, "done", at=at("9:55"))
    store.set_reservation_status(day[1].number, "arrived", at=at("8:58"))
    store.set_reservation_status(day[1].number, "in_service", at=at("9:03"))
    store.set_reservation_status(day[2].number, "arrived", at=at("9:51"))
    store.walk_in(book, values={"deceased_name": "伊藤 清"}, caller={"name": "伊藤 花", "relationship": "妻"},
                  at=at("9:40"))
    board.refresh(VISIT)
    board.select_number(day[2].number)
    board.table.setFocus()
    app.processEvents()
    w.grab().save(str(OUT / "screen-day.png"))

    from okuyami.store.store import Store
    from okuyami.ui.main_window import MainWindow

    dept = MainWindow(Store.open(store.db.url, operator="保険 次郎", terminal="hoken-1"), None,
                      Path(tempfile.mkdtemp()), clerk="保険 次郎", today=VISIT, department="hoken_nenkin", watch=False,
                      background=False)
    dept.resize(1360, 860)
    dept.show()
    dp = dept.department_page
    dp.refresh()
    dp.families.selectRow(dp.case_ids.index(day[1].case))  # the family being served at the corner now
    dp.families.setFocus()
    app.processEvents()
    dept.grab().save(str(OUT / "screen-department.png"))
    dept.close()
    w.close()


if __name__ == "__main__":
    main()
