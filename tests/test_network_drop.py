"""The network drops (PostgreSQL through a real TCP forwarder that the test cuts): the window says so in
Japanese within seconds, keeps what the clerk typed, refuses answers until the server is back, then sends it."""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("PySide6")
from sqlalchemy.engine import make_url  # noqa: E402

from okuyami.store.database import JST  # noqa: E402
from okuyami.store.store import Store  # noqa: E402
from okuyami.ui.main_window import MainWindow  # noqa: E402

from netproxy import Proxy  # noqa: E402


def test_a_dropped_connection_keeps_the_typed_text_and_sends_it_when_back(qtbot, store, db_url, tmp_path):
    if db_url.startswith("sqlite"):
        pytest.skip("a SQLite file on this PC has no network to lose")
    url = make_url(db_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432).start()
    via = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    today = dt.datetime.now(JST).date()
    w = MainWindow(Store.open(via, operator="窓口 一郎", terminal="corner-1"), None, tmp_path, clerk="窓口 一郎",
                   today=today, poll_seconds=1.0)
    qtbot.addWidget(w)
    w.show()
    w.new_case()
    page = w.case_page
    page.intake.set_text(("deceased", "birth_date"), "S16.3.2")
    page.intake.set_text(("deceased", "death_date"), (today - dt.timedelta(days=5)).isoformat())
    case_id = page.case_id
    try:
        proxy.cut()
        qtbot.waitUntil(lambda: w.banner.isVisible(), timeout=8000)
        assert "データベースに接続できません" in w.banner.text()
        page.intake.set_text(("deceased", "name"), "山田 太郎")  # typed while the server is gone
        assert ("deceased", "name") in page.intake.pending
        assert "未送信" in page.intake.notes[("deceased", "name")].text()
        assert page.intake.edits[("deceased", "name")].text() == "山田 太郎"  # still on screen
        assert not page.questions.isEnabled()  # answers refused until the server is back
        page.answer("funeral_held", True)
        assert "funeral_held" not in page.row.answers
        proxy.restore()
        qtbot.waitUntil(lambda: not w.banner.isVisible(), timeout=8000)
        qtbot.waitUntil(lambda: not page.intake.pending, timeout=4000)
        assert store.get(case_id).deceased["name"] == "山田 太郎"  # nothing typed was lost
        assert page.questions.isEnabled()
    finally:
        proxy.cut()
        w.close()
        w.store.close()
