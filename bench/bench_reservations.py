"""Reservations (contract §9) on SQLite and PostgreSQL: slots for three months, one booking, bookings from several
terminals at once.

    python bench/bench_reservations.py [--repeat 7] [--procs 4] [--pg postgresql://USER:PW@HOST/postgres]

For each backend (a SQLite file in a temp folder; a throwaway database on the server given by --pg or
$OKUYAMI_TEST_PG, skipped without one):

- seeds about half of every slot of three months (all bookable offices of the default rulebook) through the
  booking API itself, timing each booking (case created, place taken, visit, audit — one transaction; no birth
  date, so no task evaluation);
- ``slots list`` for those three months (what the booking screen and ``okuyami slots list`` read): median of
  --repeat runs;
- the day's reservations (``reservations list --date``): median;
- --procs processes booking at the same moment, each going through the same free slots of one month in the same
  order (so they collide on every slot): bookings per second overall, refusals, and a check that no slot holds
  more than its capacity.
Medians are printed; nothing is asserted except the capacity check.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from okuyami.core.calendar import JST  # noqa: E402
from okuyami.core.rulebook import load_rulebook  # noqa: E402
from okuyami.store import migrate  # noqa: E402
from okuyami.store.scratch import throwaway_database  # noqa: E402
from okuyami.store.database import Database  # noqa: E402
from okuyami.store.store import Store  # noqa: E402

TODAY = dt.date(2026, 11, 24)
NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=JST)
FIRST, LAST = dt.date(2026, 11, 30), dt.date(2027, 1, 22)  # what the rulebook lets book (three months' pages)

WORKER = textwrap.dedent("""
    import datetime as dt, json, sys, time
    from okuyami.core.calendar import JST
    from okuyami.core.rulebook import load_rulebook
    from okuyami.store.store import BookingRefused, Store
    url, who, go, first, last = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
    book = load_rulebook()
    s = Store.open(url, operator=who, terminal=who)
    now = dt.datetime(2026, 11, 24, 9, 0, tzinfo=JST)
    slots = [x for x in s.slots(book, dt.date.fromisoformat(first), dt.date.fromisoformat(last)) if x.free]
    while time.time() < go:
        time.sleep(0.0005)
    won = refused = 0
    t0 = time.perf_counter()
    for slot in slots:
        for _ in range(slot.free):
            try:
                s.book_visit(book, start=slot.start, office=slot.office, values={"deceased_name": f"{who} x"}, at=now)
                won += 1
            except BookingRefused:
                refused += 1
    print(json.dumps({"won": won, "refused": refused, "seconds": time.perf_counter() - t0}))
""")


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f} ms"


def run(label: str, url: str, repeat: int, procs: int) -> None:
    db = Database(url)
    migrate.upgrade(db)
    db.dispose()
    book = load_rulebook()
    store = Store.open(url, operator="bench", terminal="bench")
    slots = store.slots(book, FIRST, LAST)
    booking = []
    for i, slot in enumerate(slots[: len(slots) // 2 * 2: 2]):  # every other slot, filled
        for _ in range(slot.capacity):
            t = time.perf_counter()
            store.book_visit(book, start=slot.start, office=slot.office, at=NOW,
                             values={"deceased_name": f"試験 {i}"}, caller={"name": "試験 花子", "phone": "090"})
            booking.append(time.perf_counter() - t)
    booked = sum(1 for _ in booking)
    listing = []
    for _ in range(repeat):
        t = time.perf_counter()
        found = store.slots(book, FIRST, LAST)
        listing.append(time.perf_counter() - t)
    day = []
    for _ in range(repeat):
        t = time.perf_counter()
        store.reservations_on(dt.date(2026, 12, 1))
        day.append(time.perf_counter() - t)
    print(f"{label}: {len(found)} slots over {FIRST}–{LAST}, {booked} bookings seeded")
    print(f"  one booking (case + place + visit + audit): median {ms(booking)} (n={len(booking)})")
    print(f"  slots for the whole period: median {ms(listing)};  one day's reservations: median {ms(day)}")

    # several terminals at once, on the free slots of December
    first, last = dt.date(2026, 12, 1), dt.date(2026, 12, 28)
    free_before = sum(s.free for s in store.slots(book, first, last))
    go = time.time() + 6.0
    env = dict(os.environ, OKUYAMI_TODAY=TODAY.isoformat())
    ps = [subprocess.Popen([sys.executable, "-c", WORKER, url, f"t{i}", str(go), first.isoformat(), last.isoformat()],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
          for i in range(procs)]
    results = []
    for p in ps:
        out, err = p.communicate(timeout=900)
        if p.returncode != 0:
            raise SystemExit(err)
        results.append(json.loads(out.strip().splitlines()[-1]))
    won = sum(r["won"] for r in results)
    wall = max(r["seconds"] for r in results)
    over = [s for s in store.slots(book, first, last) if s.booked > s.capacity]
    print(f"  {procs} terminals at once on {free_before} free places: {won} booked, "
          f"{sum(r['refused'] for r in results)} refused, {won / wall:.0f} bookings/s overall; "
          f"slots over capacity: {len(over)}")
    if over or won != free_before:
        raise SystemExit("OVERBOOKED or places left" + str(over[:3]))
    store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--pg", default=os.environ.get("OKUYAMI_TEST_PG"))
    args = ap.parse_args()
    os.environ["OKUYAMI_TODAY"] = TODAY.isoformat()
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args.repeat, args.procs)
    if args.pg:
        url, drop = throwaway_database(args.pg, "okuyami_bench")
        try:
            run("PostgreSQL", url, args.repeat, args.procs)
        finally:
            drop()
    else:
        print("PostgreSQL: skipped (give --pg or $OKUYAMI_TEST_PG)")


if __name__ == "__main__":
    main()
