"""Screenshots of the desk app through a network drop (the README's 「市のネットワーク」 section):
``OKUYAMI_TEST_PG=postgresql://USER:PASSWORD@HOST/postgres python docs/screenshots_network.py``

Runs the app as it runs at a counter (its store calls on the worker thread) against a throwaway database on that
PostgreSQL server, through the test forwarder (tests/netproxy.py). The forwarder is blackholed — packets vanish,
no error — while the clerk goes on typing; then it is cut and restored. Prints how long the banner took and the
longest the event loop was kept waiting, and saves docs/screen-offline*.png. Works offscreen or under Xvfb.
"""

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from netproxy import Proxy  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from okuyami.store import migrate  # noqa: E402
from okuyami.store.database import Database  # noqa: E402
from okuyami.store.scratch import throwaway_database  # noqa: E402

OUT = ROOT / "docs"


def main() -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    from okuyami.ui.app import build_window, make_app

    admin = os.environ["OKUYAMI_TEST_PG"]
    url, drop = throwaway_database(admin, f"okuyami_shots_{os.getpid()}")
    db = Database(url)
    migrate.upgrade(db)
    db.dispose()
    target = make_url(url)
    proxy = Proxy(target.host or "127.0.0.1", target.port or 5432).start()
    via = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    app = make_app()
    gaps = {"max": 0.0, "last": time.monotonic()}

    def tick() -> None:
        now = time.monotonic()
        gaps["max"] = max(gaps["max"], now - gaps["last"])
        gaps["last"] = now

    heartbeat = QTimer(interval=10)
    heartbeat.timeout.connect(tick)

    def wait(seconds: float, until=None) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end and not (until and until()):
            app.processEvents()
            time.sleep(0.005)

    def shot(name: str) -> None:
        """Save the window as it looks (the grab itself is the script's time, not the app's: not counted)."""
        t = time.monotonic()
        w.grab().save(str(OUT / name))
        gaps["last"] += time.monotonic() - t
        print(f"{name}: grabbed in {(time.monotonic() - t) * 1000:.0f} ms")

    def type_into(edit, text: str) -> None:
        edit.setFocus()
        edit.selectAll()
        event = QInputMethodEvent()
        event.setCommitString(text)
        QApplication.sendEvent(edit, event)
        edit.editingFinished.emit()
        wait(0.15)

    os.environ["OKUYAMI_TERMINAL"] = "おくやみコーナー 1番"
    try:
        w = build_window(Path(tempfile.mkdtemp()), None, "窓口 一郎", db=via)
        w.resize(1360, 860)
        w.show()
        wait(1.0)
        w.new_case()
        page = w.case_page
        wait(5, lambda: page.case_id is not None and page.loading is None)
        intake = page.intake
        for key, text in ((("deceased", "birth_date"), "S16.3.2"),
                          (("deceased", "death_date"), (dt.date.today() - dt.timedelta(days=4)).isoformat()),
                          (("deceased", "name"), "山田 太郎"), (("deceased", "sex"), "male")):
            intake.set_text(key, text)
        wait(2, lambda: not len(w.outbox))
        heartbeat.start()
        gaps["last"] = time.monotonic()
        t0 = time.monotonic()
        proxy.pause()  # packets vanish: no reset, no error
        type_into(intake.edits[("deceased", "kana")], "ヤマダ タロウ")
        type_into(intake.edits[("deceased", "address")], "サンプル市中央町1-2-3")
        wait(6, lambda: w.banner.isVisible())
        banner = time.monotonic() - t0
        type_into(intake.edits[("applicant", "name")], "山田 花子")
        type_into(intake.edits[("applicant", "kana")], "ヤマダ ハナコ")
        type_into(intake.edits[("funeral", "chief_mourner")], "山田 花子")
        intake.ensureWidgetVisible(intake.edits[("funeral", "chief_mourner")])
        wait(0.5)
        shot("screen-offline.png")
        page.tabs.setCurrentIndex(1)
        for _ in range(4):
            q = page.questions
            if q.fact is None:
                break
            kind = page.book.facts[q.fact].kind
            page.answer(q.fact, 1 if kind == "int" else q.choice_values[1 if kind == "bool" else 0])
            wait(0.2)
        wait(0.5)
        shot("screen-offline-interview.png")
        unsent = len(w.outbox)
        proxy.cut()
        wait(1.5)
        proxy.restore()
        wait(15, lambda: not len(w.outbox) and not w.banner.isVisible())
        heartbeat.stop()
        wait(0.5)
        shot("screen-offline-back.png")
        print(f"banner after {banner:.2f} s; longest event-loop gap {gaps['max'] * 1000:.0f} ms; "
              f"{unsent} entries waited in the outbox and were sent after the reconnect")
        w.close()
        w.store.close()
    finally:
        proxy.cut()
        drop()


if __name__ == "__main__":
    main()
