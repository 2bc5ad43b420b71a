"""The day at the corner (今日の予約・受付): the day's bookings and walk-ins with their status, check-in on arrival,
the waiting time, and the interview resumed where the booking call stopped.

予約済 → 到着（お待ち）→ 対応中 → 完了; 来庁なし, 取消, 予約の変更 (another slot, the same checks as a booking),
予約なしの来庁 (a walk-in, added to the day as arrived). **対応を始める** opens the case at the question where the
phone interview stopped (the answers given by phone are there, marked 電話). Waiting times count from the check-in
and are refreshed every 30 seconds; another terminal's changes appear by themselves.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QLocale, Qt, QTimer
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QTableWidgetItem, QVBoxLayout, QWidget)

from ..core.booking import bookable_offices, booking_window, time_text
from ..core.wareki import format_date
from ..store.store import RESERVATION_LABELS, BookingRefused, Reservation, StaleWrite, StoreError, current_time
from .tables import row_table
from .worker import in_background

COLUMNS = ("時刻", "窓口", "状態", "亡くなった方", "お電話の方（続柄）", "電話", "待ち時間", "予約番号", "案件番号")
STATUS_COLORS = {"booked": "#333333", "arrived": "#b06000", "in_service": "#1b4f9c", "done": "#1b6e20",
                 "no_show": "#888888", "cancelled": "#888888"}
LONG_WAIT = dt.timedelta(minutes=15)


def minutes_text(delta: dt.timedelta | None) -> str:
    if delta is None:
        return ""
    m = max(int(delta.total_seconds() // 60), 0)
    return f"{m}分" if m < 60 else f"{m // 60}時間{m % 60}分"


class DayBoardPage(QWidget):
    def __init__(self, window, store):
        super().__init__()
        self.window = window
        self.store = store
        self.items: list[Reservation] = []
        title = QLabel("今日の予約・受付")
        title.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.day = QDateEdit(calendarPopup=True)
        self.day.setLocale(QLocale(QLocale.Japanese, QLocale.Japan))
        self.day.setDisplayFormat("yyyy年M月d日(ddd)")
        self.set_day(window.today)
        self.day.dateChanged.connect(lambda _d: self.refresh())
        today = QPushButton("今日")
        today.clicked.connect(lambda: self.set_day(current_time().date()))
        self.office = QComboBox()
        self.office.currentIndexChanged.connect(lambda _i: self.refresh())
        to_booking = QPushButton("予約の受付へ（Ctrl+B）")
        to_booking.clicked.connect(lambda: window.show_booking())
        head = QHBoxLayout()
        head.addWidget(title, 1)
        head.addWidget(QLabel("日付"))
        head.addWidget(self.day)
        head.addWidget(today)
        head.addWidget(QLabel("庁舎"))
        head.addWidget(self.office)
        head.addWidget(to_booking)

        self.table = row_table(COLUMNS, 3)
        self.table.cellDoubleClicked.connect(lambda r, c: self.serve())
        self.table.currentCellChanged.connect(lambda *_: self._buttons())

        self.checkin_button = QPushButton("到着（受付）F2")
        self.serve_button = QPushButton("対応を始める（聞き取りの続き）Enter")
        self.done_button = QPushButton("完了")
        self.noshow_button = QPushButton("来庁なし")
        self.cancel_button = QPushButton("取消")
        self.move_button = QPushButton("予約の変更…")
        self.walkin_button = QPushButton("＋ 予約なしの来庁…")
        self.checkin_button.clicked.connect(lambda: self.set_status("arrived"))
        self.serve_button.clicked.connect(self.serve)
        self.done_button.clicked.connect(lambda: self.set_status("done"))
        self.noshow_button.clicked.connect(lambda: self.set_status("no_show"))
        self.cancel_button.clicked.connect(lambda: self.set_status("cancelled"))
        self.move_button.clicked.connect(lambda: self.move())
        self.walkin_button.clicked.connect(lambda: self.add_walk_in())
        QShortcut(QKeySequence(Qt.Key_F2), self, activated=lambda: self.set_status("arrived"))
        QShortcut(QKeySequence(Qt.Key_Return), self.table, activated=self.serve)
        row = QHBoxLayout()
        for b in (self.checkin_button, self.serve_button, self.done_button, self.noshow_button, self.cancel_button,
                  self.move_button):
            row.addWidget(b)
        row.addStretch()
        row.addWidget(self.walkin_button)
        self.summary = QLabel()
        self.summary.setStyleSheet("font-size: 12pt;")
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.timer = QTimer(self, interval=30_000)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()

    @property
    def book(self):
        return self.window.book

    def set_day(self, day: dt.date) -> None:
        self.day.setDate(QDate(day.year, day.month, day.day))

    def current_day(self) -> dt.date:
        q = self.day.date()
        return dt.date(q.year(), q.month(), q.day())

    @in_background
    def refresh(self, day: dt.date | None = None, audited: bool = True):
        """``audited``: a person opened the day (names, phone numbers); not when another terminal's change refreshes
        it (on_notices)."""
        if self.book is None:
            return
        if day is not None and day != self.current_day():
            self.day.blockSignals(True)
            self.set_day(day)
            self.day.blockSignals(False)
        offices = bookable_offices(self.book)
        if self.office.count() != len(offices) + 1:
            self.office.blockSignals(True)
            self.office.clear()
            self.office.addItem("すべて", None)
            for oid in offices:
                self.office.addItem(self.book.root.offices[oid].name, oid)
            self.office.blockSignals(False)
        keep = self.selected().number if self.selected() else None
        store, shown_day, office = self.store, self.current_day(), self.office.currentData()
        sweep = getattr(self, "_swept", None) != current_time().date()  # once a day: yesterday's 対応中 are over
        try:  # on the window's worker; every 30 s too, so a drop must never stop the window (nor open a dialog)
            def read():
                if sweep:
                    store.close_stale_bookings()
                return store.reservations_on(shown_day, office=office, audited=audited)
            self.items = yield read
            if sweep:
                self._swept = current_time().date()
        except StoreError as exc:
            self.window.show_store_error(exc)
            return
        now = current_time()
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.items))
        for i, r in enumerate(self.items):
            start = r.start_jst
            when = f"{time_text(start)}" + ("（予約なし）" if r.walk_in else "")
            if r.moved_from is not None:
                when += "（変更）"
            caller = r.caller_name + (f"（{r.caller_relationship}）" if r.caller_relationship else "")
            wait = r.waiting(now)
            values = (when, f"{r.desk}" if r.desk else "—", RESERVATION_LABELS[r.status], r.deceased or "（氏名未入力）",
                      caller, r.caller_phone, minutes_text(wait), str(r.number), str(r.case))
            for j, v in enumerate(values):
                item = QTableWidgetItem(v)
                if j == 2:
                    item.setForeground(QColor(STATUS_COLORS[r.status]))
                if j == 6 and wait is not None and wait >= LONG_WAIT and r.status == "arrived":
                    item.setForeground(QColor("#b00020"))
                if r.status in ("cancelled", "no_show"):
                    item.setForeground(QColor("#888888"))
                self.table.setItem(i, j, item)
        self.table.blockSignals(False)
        numbers = [r.number for r in self.items]
        if keep in numbers:
            self.table.selectRow(numbers.index(keep))
        elif self.items:
            first_open = next((i for i, r in enumerate(self.items) if r.status in ("booked", "arrived")), 0)
            self.table.selectRow(first_open)
        self._summary(now)
        self._buttons()

    def _summary(self, now: dt.datetime) -> None:
        count = {s: sum(r.status == s for r in self.items) for s in RESERVATION_LABELS}
        waits = [r.waiting(now) for r in self.items if r.arrived_at is not None and r.status != "cancelled"]
        waits = [w for w in waits if w is not None]
        avg = sum(waits, dt.timedelta()) / len(waits) if waits else None
        walk = sum(r.walk_in for r in self.items)
        text = (f"{format_date(self.current_day(), weekday=True)}　予約 {len(self.items) - walk}組"
                + (f"・予約なし {walk}組" if walk else "")
                + "　" + "・".join(f"{RESERVATION_LABELS[s]} {count[s]}" for s in ("booked", "arrived", "in_service",
                                                                                 "done", "no_show") if count[s]))
        if avg is not None:
            text += f"　平均の待ち時間 {minutes_text(avg)}"
        self.summary.setText(text if self.items else f"{format_date(self.current_day(), weekday=True)}　予約はありません。")

    def selected(self) -> Reservation | None:
        row = self.table.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def select_number(self, number: int) -> None:
        for i, r in enumerate(self.items):
            if r.number == number:
                self.table.selectRow(i)
                return

    def _buttons(self) -> None:
        r = self.selected()
        status = r.status if r else None
        self.checkin_button.setEnabled(status in ("booked", "no_show"))
        self.serve_button.setEnabled(status in ("booked", "arrived", "in_service"))
        self.done_button.setEnabled(status in ("arrived", "in_service"))
        self.noshow_button.setEnabled(status == "booked")
        self.cancel_button.setEnabled(status in ("booked", "arrived", "no_show"))
        self.move_button.setEnabled(status in ("booked", "no_show") and not (r and r.walk_in))

    # -- actions ------------------------------------------------------------------------------------------------
    @in_background
    def set_status(self, status: str):
        """The selected booking's status; the task's result is the booking as stored (None: refused)."""
        return (yield from self._change_status(status))

    def _change_status(self, status: str):
        r = self.selected()
        if r is None:
            return None
        store = self.store
        try:
            done = yield lambda: store.set_reservation_status(r.number, status, expected_version=r.version)
        except StaleWrite as exc:
            self._say(str(exc), error=True)
            self.refresh()
            return None
        except StoreError as exc:
            self._say(str(exc), error=True)
            return None
        self._say(f"✓ {done.deceased or ''} 様：{RESERVATION_LABELS[status]}にしました")
        self.refresh()
        return done

    @in_background
    def serve(self, *_ignored):
        """Start serving the selected family: 対応中, and the case opens where the phone interview stopped."""
        r = self.selected()
        if r is None:
            return
        if r.status != "in_service" and (yield from self._change_status("in_service")) is None:
            return
        self.window.open_case(r.case, source="counter")

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(("⚠ " if error else "") + text)
        self.message.setStyleSheet("color: #b00020; font-weight: bold;" if error else "color: #1b6e20;")

    @in_background
    def move(self, day: dt.date | None = None, hhmm: str | None = None):
        """Reschedule the selected booking (a dialog; ``day``/``hhmm`` choose without it, for tests); the task's
        result is the booking moved (None: not moved)."""
        r = self.selected()
        if r is None or r.walk_in:
            return None
        dialog = MoveDialog(self, r)
        if day is not None:
            dialog.set_day(day)
            dialog.choose(hhmm)
        elif dialog.exec() != QDialog.Accepted:
            return None
        start = dialog.chosen()
        if start is None:
            return None
        store, book, office = self.store, self.book, dialog.office_id()
        try:
            moved = yield lambda: store.move_reservation(book, r.number, start, office=office,
                                                         expected_version=r.version)
        except (BookingRefused, StoreError) as exc:
            self._say(str(exc), error=True)
            return None
        self._say(f"✓ 予約 {moved.number} を {format_date(moved.start_jst.date(), weekday=True)} "
                  f"{time_text(moved.start_jst)} に変更しました")
        self.refresh()
        return moved

    @in_background
    def add_walk_in(self, name: str | None = None, caller: str | None = None):
        """A family without a booking: added to the day as arrived (a dialog asks the names); the task's result is
        the booking (None: not added)."""
        if name is None:
            dialog = WalkInDialog(self)
            if dialog.exec() != QDialog.Accepted:
                return None
            name, caller = dialog.values()
        store, book, office = self.store, self.book, self.office.currentData()
        values = {"deceased_name": name.strip()} if name and name.strip() else None
        try:
            res = yield lambda: store.walk_in(book, office=office, values=values, caller={"name": caller or ""})
        except StoreError as exc:
            self._say(str(exc), error=True)
            return None
        if self.current_day() != res.start_jst.date():
            self.refresh(res.start_jst.date())
        else:
            self.refresh()
        self.select_number(res.number)
        self._say(f"✓ 予約なしの来庁を受け付けました（案件番号 {res.case}）。「対応を始める」で聞き取りへ。")
        return res

    def on_notices(self, notices) -> None:
        if any(n.kind in ("visit", "case", "slots") for n in notices):
            self.refresh(audited=False)


class MoveDialog(QDialog):
    """予約の変更: another day and time with a free place."""

    def __init__(self, page: DayBoardPage, res: Reservation):
        super().__init__(page)
        self.page = page
        self.setWindowTitle(f"予約 {res.number} の変更")
        self.office = QComboBox()
        for oid in bookable_offices(page.book):
            self.office.addItem(page.book.root.offices[oid].name, oid)
        self.office.setCurrentIndex(max(self.office.findData(res.office), 0))
        self.day = QDateEdit(calendarPopup=True)
        self.day.setLocale(QLocale(QLocale.Japanese, QLocale.Japan))
        self.day.setDisplayFormat("yyyy年M月d日(ddd)")
        first, _ = booking_window(page.book, res.office, current_time().date())
        self.set_day(max(first, res.start_jst.date()))
        self.slot = QComboBox()
        self.day.dateChanged.connect(lambda _d: self.fill())
        self.office.currentIndexChanged.connect(lambda _i: self.fill())
        form = QFormLayout(self)
        form.addRow("庁舎", self.office)
        form.addRow("日付", self.day)
        form.addRow("時間", self.slot)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.fill()

    def office_id(self) -> str:
        return self.office.currentData()

    def set_day(self, day: dt.date) -> None:
        self.day.setDate(QDate(day.year, day.month, day.day))

    @in_background
    def fill(self):
        q = self.day.date()
        day = dt.date(q.year(), q.month(), q.day())
        store, book, office = self.page.store, self.page.book, self.office_id()
        try:
            slots = yield lambda: store.slots(book, day, day, office)
        except StoreError:
            slots = []
        self.slot.clear()
        for s in slots:
            if s.free:
                self.slot.addItem(f"{time_text(s.start)}〜{time_text(s.end)}　空き {s.free}", s.start.isoformat())
        if not self.slot.count():
            self.slot.addItem("（この日は空きがありません）", None)

    def choose(self, hhmm: str | None) -> None:
        for i in range(self.slot.count()):
            if hhmm and self.slot.itemText(i).startswith(hhmm + "〜"):
                self.slot.setCurrentIndex(i)

    def chosen(self) -> dt.datetime | None:
        value = self.slot.currentData()
        return dt.datetime.fromisoformat(value) if value else None


class WalkInDialog(QDialog):
    def __init__(self, parent):
        super().__init__(parent)
        self.setWindowTitle("予約なしの来庁")
        self.name = QLineEdit()
        self.name.setPlaceholderText("例：山田 太郎（あとで入力してもかまいません）")
        self.caller = QLineEdit()
        self.caller.setPlaceholderText("例：山田 花子")
        form = QFormLayout(self)
        form.addRow("亡くなった方の氏名", self.name)
        form.addRow("ご来庁の方", self.caller)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[str, str]:
        return self.name.text(), self.caller.text()
