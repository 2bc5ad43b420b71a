"""Network faults with real windows (PostgreSQL through a real TCP forwarder, tests/netproxy.py): the window says so
in one banner within seconds, never freezes, never opens a dialog, keeps everything the clerk types (on this PC's
disk, ⏳ 未送信) and sends it when the server is back — after a clean cut, after a blackhole (packets vanish, no
error at all) that ends in a cut, and across a restart of the app.

The window's worker runs on its own thread here, as in the app (``background=True``). The event loop is watched
by a 10 ms timer that records the longest gap between its ticks, and every top-level dialog is noted.
"""

from __future__ import annotations

import datetime as dt
import gc
import time

import pytest

pytest.importorskip("PySide6")
from PySide6.QtCore import QObject, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QInputMethodEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from okuyami.store.database import JST  # noqa: E402
from okuyami.store.store import Store  # noqa: E402
from okuyami.ui.app import settle_memory  # noqa: E402
from okuyami.ui.main_window import MainWindow  # noqa: E402

from netproxy import Proxy  # noqa: E402

BANNER_LIMIT = 5.0  # s: the bound for a silent drop
GAP_LIMIT = 0.250  # s: the longest the event loop may be kept from running


class LoopWatch(QObject):
    """A 10 ms heartbeat on the GUI thread: the longest gap between ticks, and any dialog that showed up."""

    def __init__(self):
        super().__init__()
        self.timer = QTimer(self, interval=10)
        self.timer.timeout.connect(self._tick)
        self.max_gap = 0.0
        self.dialogs: list[str] = []
        self._last = time.monotonic()

    def start(self) -> "LoopWatch":
        self._last = time.monotonic()
        self.timer.start()
        return self

    def _tick(self) -> None:
        now = time.monotonic()
        self.max_gap = max(self.max_gap, now - self._last)
        self._last = now
        modal = QApplication.activeModalWidget()
        if modal is not None:
            self.dialogs.append(f"modal: {modal.windowTitle()}")
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QDialog) and w.isVisible():
                self.dialogs.append(f"dialog: {w.windowTitle()}")

    def stop(self) -> None:
        self.timer.stop()


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    """Type as the clerk does: the input method commits the text, Enter finishes the field."""
    edit.setFocus()
    edit.selectAll()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(edit, event)
    qtbot.keyClick(edit, Qt.Key_Return)


def answer_next(qtbot, page) -> tuple[str, object] | None:
    """Answer the question on screen with the keyboard (2 = the second choice; a count: 1 and Enter)."""
    q = page.questions
    fact = q.fact
    if fact is None:
        return None
    kind = page.book.facts[fact].kind
    if kind == "int":
        q.number.setValue(1)
        qtbot.keyClick(q, Qt.Key_Return)
        return fact, 1
    if kind in ("bool", "enum"):
        value = q.choice_values[1]
        qtbot.keyClick(q, Qt.Key_2)
        return fact, value
    return None


@pytest.fixture
def line(db_url):
    if db_url.startswith("sqlite"):
        pytest.skip("a SQLite file on this PC has no network to lose")
    url = make_url(db_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432).start()
    via = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    yield proxy, via
    proxy.cut()


@pytest.fixture(autouse=True)
def settled_memory():
    """As the app does once its window is up (``okuyami.ui.app.settle_memory``). Here it matters more: this
    process holds the objects of every test before this one, and a full collection over them stopped the event
    loop for 200–600 ms in a whole run — the test suite's pause, not the window's. Unfrozen afterwards, so the
    tests that follow collect as before."""
    yield
    gc.unfreeze()


def open_window(qtbot, via: str, data_dir, today) -> MainWindow:
    w = MainWindow(Store.open(via, operator="窓口 一郎", terminal="corner-1"), None, data_dir, clerk="窓口 一郎",
                   today=today, poll_seconds=1.0)
    qtbot.addWidget(w)
    w.show()
    settle_memory()
    return w


def new_case(qtbot, w: MainWindow, today) -> int:
    w.new_case()
    page = w.case_page
    qtbot.waitUntil(lambda: page.case_id is not None and page.loading is None, timeout=5000)
    page.intake.set_text(("deceased", "birth_date"), "S16.3.2")
    page.intake.set_text(("deceased", "death_date"), (today - dt.timedelta(days=5)).isoformat())
    qtbot.waitUntil(lambda: not len(w.outbox), timeout=5000)
    return page.case_id


def test_a_dropped_connection_keeps_the_typed_text_and_sends_it_when_back(qtbot, store, line, tmp_path):
    proxy, via = line
    today = dt.datetime.now(JST).date()
    w = open_window(qtbot, via, tmp_path, today)
    watch = LoopWatch().start()
    page = w.case_page
    case_id = new_case(qtbot, w, today)
    try:
        proxy.cut()
        qtbot.waitUntil(lambda: w.banner.isVisible(), timeout=8000)
        assert "データベースに接続できません" in w.banner.text()
        assert "postgresql" not in w.banner.text() and "127.0.0.1" not in w.banner.text()  # no URL, no detail
        assert "postgresql" not in w.status_label.text() and "127.0.0.1" not in w.status_label.text()
        page.intake.set_text(("deceased", "name"), "山田 太郎")  # typed while the server is gone
        assert ("deceased", "name") in page.intake.pending
        mark = page.intake.marks[("deceased", "name")]
        qtbot.waitUntil(lambda: "未送信" in mark.text(), timeout=1000)  # once it is on this PC's disk
        assert page.intake.edits[("deceased", "name")].text() == "山田 太郎"  # still on screen
        assert page.questions.isEnabled()  # the interview goes on
        page.answer("funeral_held", True)
        assert page.row.answers["funeral_held"] is True  # shown at once, sent later
        qtbot.waitUntil(lambda: "未送信 2件" in w.banner.text() and "未送信 2件" in page.unsent.text(), timeout=1000)
        watch.stop()  # (building the packet is the PC's own work, ~1 s of reportlab: not a wait on the network)
        page.tabs.setCurrentIndex(2)  # the family's papers, printed from what is on screen
        assert page.printing.save_pdf(tmp_path / "packet.pdf"), page.printing.message.text()
        watch.start()
        assert (tmp_path / "packet.pdf").stat().st_size > 10_000
        qtbot.waitUntil(lambda: "未送信 3件" in w.banner.text(), timeout=1000)  # the print record waits too
        proxy.restore()
        qtbot.waitUntil(lambda: not w.banner.isVisible(), timeout=8000)
        qtbot.waitUntil(lambda: not len(w.outbox), timeout=8000)
        stored = store.get(case_id)
        assert stored.deceased["name"] == "山田 太郎"  # nothing typed was lost
        assert stored.answers["funeral_held"] is True
        assert len(store.print_log(case_id)) == 1 and len(store.packets(case_id)) == 1  # recorded, packet kept
        assert store.packet_pdf(store.packets(case_id)[0].id)[1] == (tmp_path / "packet.pdf").read_bytes()
        qtbot.waitUntil(lambda: not page.intake.marks[("deceased", "name")].isVisible(), timeout=3000)
        assert watch.dialogs == []
        assert watch.max_gap < GAP_LIMIT, f"the event loop stopped for {watch.max_gap * 1000:.0f} ms"
    finally:
        watch.stop()
        w.close()
        w.store.close()


def test_a_blackholed_server_then_a_cut(qtbot, store, line, tmp_path):
    """Packets vanish without an error (the forwarder holds everything), then the line is cut and comes back."""
    proxy, via = line
    today = dt.datetime.now(JST).date()
    w = open_window(qtbot, via, tmp_path, today)
    page = w.case_page
    case_id = new_case(qtbot, w, today)
    intake = page.intake
    typed = {("deceased", "name"): "山田 太郎", ("deceased", "kana"): "ヤマダ タロウ",
             ("applicant", "name"): "山田 花子", ("applicant", "kana"): "ヤマダ ハナコ",
             ("applicant", "phone"): "090-1234-5678", ("funeral", "chief_mourner"): "山田 花子"}
    answered: dict[str, object] = {}
    watch = LoopWatch().start()
    try:
        page.tabs.setCurrentIndex(0)
        t0 = time.monotonic()
        proxy.pause()
        keys = list(typed)
        for key in keys[:3]:  # the clerk goes on typing: the window must not freeze
            type_into(qtbot, intake.edits[key], typed[key])
            qtbot.wait(150)
        qtbot.waitUntil(lambda: w.banner.isVisible(), timeout=int(BANNER_LIMIT * 1000))
        banner_after = time.monotonic() - t0
        assert "データベースに接続できません" in w.banner.text() and "postgresql" not in w.banner.text()
        for key in keys[3:]:
            type_into(qtbot, intake.edits[key], typed[key])
        qtbot.waitUntil(lambda: all("未送信" in intake.marks[k].text() for k in keys), timeout=1000)
        for key in keys:
            assert intake.edits[key].text() == typed[key]
            assert intake.marks[key].isVisible(), key
        page.tabs.setCurrentIndex(1)
        page.questions.setFocus()
        for _ in range(5):  # and the interview goes on, answered with the keys
            got = answer_next(qtbot, page)
            if got is None:
                break
            answered[got[0]] = got[1]
            qtbot.wait(50)
        assert len(answered) >= 3
        marked = [page.questions.answers.item(i).text() for i in range(page.questions.answers.count())]
        assert sum("未送信" in t for t in marked) >= len(answered)
        assert f"未送信 {w.outbox.entered()}件" in w.banner.text()  # what the clerk entered, counted
        qtbot.wait(1000)
        proxy.cut()  # the blackhole ends in a cut (connections reset) …
        qtbot.wait(1500)
        assert w.banner.isVisible()
        proxy.restore()  # … and the line comes back
        qtbot.waitUntil(lambda: not len(w.outbox), timeout=15000)
        qtbot.waitUntil(lambda: not w.banner.isVisible(), timeout=5000)
        watch.stop()
        stored = store.get(case_id)
        for (part, field), text in typed.items():
            assert getattr(stored, part).get(field) == text, (part, field)
        for fact, value in answered.items():
            assert stored.answers.get(fact) == value, fact
        assert stored.tasks, "the departments' tasks were sent after the answers"
        assert watch.dialogs == [], watch.dialogs
        print(f"\nblackhole: banner after {banner_after:.2f} s; longest event-loop gap {watch.max_gap * 1000:.0f} ms; "
              f"{len(typed)} fields and {len(answered)} answers stored after the reconnect")
        assert banner_after <= BANNER_LIMIT
        assert watch.max_gap < GAP_LIMIT, f"the event loop stopped for {watch.max_gap * 1000:.0f} ms"
    finally:
        watch.stop()
        proxy.resume()
        w.close()
        w.store.close()


def test_what_was_typed_offline_is_sent_at_the_next_start(qtbot, store, line, tmp_path):
    """The window is closed (or the PC turned off) while the server is away: the outbox stays on disk and the next
    start sends it."""
    proxy, via = line
    today = dt.datetime.now(JST).date()
    w = open_window(qtbot, via, tmp_path, today)
    page = w.case_page
    case_id = new_case(qtbot, w, today)
    proxy.cut()
    qtbot.waitUntil(lambda: w.banner.isVisible(), timeout=8000)
    page.intake.set_text(("applicant", "name"), "山田 花子")
    page.answer("funeral_held", True)
    assert len(w.outbox) >= 2
    w.close()
    w.store.close()
    assert list((tmp_path / "outbox").glob("*.jsonl")), "the unsent entries are on disk"
    proxy.restore()
    again = open_window(qtbot, via, tmp_path, today)
    try:
        assert again.outbox.adopted >= 2
        qtbot.waitUntil(lambda: not len(again.outbox), timeout=8000)
        stored = store.get(case_id)
        assert stored.applicant["name"] == "山田 花子" and stored.answers["funeral_held"] is True
    finally:
        again.close()
        again.store.close()
