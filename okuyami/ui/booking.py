"""The booking screen (予約の受付): the reservation desk or the corner books a family by phone.

A month calendar shows the free places per day (閉庁日 greyed), the chosen day's slots with why a slot cannot be
booked (満員・締切・閉じた枠), then the deceased (name, kana, death date, address; the birth date if known lets the
departments get their tasks at once), the caller (name, relationship, phone) and the office. **予約する** books it
(the store refuses overbooking, closed or past slots and the notice period with a Japanese message) and creates
the case; **続けて電話で聞き取り** opens the case page with answers recorded as given by phone; **事前案内** writes
the letter for the family (PDF) and shows the short text to read out or send. The staff close a slot or add a desk
for a day from here too (audited).

:func:`add_reservation_pages` puts this screen and the day at the corner (:mod:`okuyami.ui.day_board`) into the
main window's stack and menu.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, QLocale, QRect, Qt
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (QApplication, QCalendarWidget, QCheckBox, QComboBox, QFormLayout, QGridLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QPlainTextEdit, QPushButton, QScrollArea, QVBoxLayout, QWidget)

from ..core.booking import bookable_offices, booking_window, refusal, time_text
from ..core.engine import Session
from ..core.wareki import format_date
from ..documents import advance_notice
from ..documents.prep_list import department_label
from ..store.store import BookingRefused, CaseRow, Reservation, StoreError, current_time
from ..store.workflow import case_dates, check_field
from .worker import in_background
from .case_page import RELATIONSHIPS, show_checked
from .qtfix import save_file_name

FREE_COLOR, FULL_COLOR, CLOSED_COLOR = QColor("#1b6e20"), QColor("#b00020"), QColor("#888888")

FIELDS = [  # (part, field, label, hint) — what the call gives
    ("deceased", "name", "亡くなった方の氏名", "例：山田 太郎（姓と名の間にスペース）"),
    ("deceased", "kana", "フリガナ", "例：ヤマダ タロウ（ひらがなでも可）"),
    ("deceased", "sex", "性別", ""),
    ("deceased", "death_date", "死亡日", "例：R8.11.15、11/15"),
    ("deceased", "birth_date", "生年月日（わかれば）", "例：S16.3.2 — 各課の準備が予約と同時に始まります"),
    ("deceased", "address", "住所", "例：サンプル市中央町1-2-3"),
    ("applicant", "name", "お電話の方の氏名", "例：山田 花子"),
    ("applicant", "relationship", "続柄", "例：妻、長男"),
    ("applicant", "phone", "連絡先の電話番号", "例：090-1234-5678"),
]
COLUMN = {("deceased", f): f"deceased_{f}" for f in ("name", "kana", "sex", "death_date", "birth_date", "address")}
SEXES = {"": "", "男": "male", "女": "female"}


def blank_row(deceased: dict[str, str] | None = None) -> CaseRow:
    """An empty case to check what is typed against (dates in order, kana) before the case exists."""
    at = dt.datetime.now(dt.timezone.utc)
    return CaseRow(0, 0, "new", at, at, "", None, dict(deceased or {}), {}, {}, None, "ja", None)


class MonthCalendar(QCalendarWidget):
    """A month with the free places of each day written under the date (空き3 / 満 / 休)."""

    def __init__(self):
        super().__init__()
        self.setLocale(QLocale(QLocale.Japanese, QLocale.Japan))
        self.setVerticalHeaderFormat(QCalendarWidget.NoVerticalHeader)
        self.setGridVisible(True)
        self.marks: dict[dt.date, tuple[str, QColor]] = {}
        self.setMinimumSize(460, 330)

    def set_marks(self, marks: dict[dt.date, tuple[str, QColor]]) -> None:
        self.marks = marks
        self.updateCells()

    def paintCell(self, painter, rect, qdate) -> None:  # noqa: N802 (Qt)
        super().paintCell(painter, rect, qdate)
        mark = self.marks.get(dt.date(qdate.year(), qdate.month(), qdate.day()))
        if mark is None:
            return
        text, color = mark
        painter.save()
        font = painter.font()
        font.setPointSizeF(max(font.pointSizeF() * 0.75, 7))
        painter.setFont(font)
        painter.setPen(color)
        painter.drawText(QRect(rect.left(), rect.top() + rect.height() // 2, rect.width(), rect.height() // 2),
                         Qt.AlignHCenter | Qt.AlignVCenter, text)
        painter.restore()


class BookingPage(QWidget):
    def __init__(self, window, store):
        super().__init__()
        self.window = window
        self.store = store
        self.last: Reservation | None = None
        self.day_slots = []
        title = QLabel("予約の受付（電話）")
        title.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.office = QComboBox()
        self.office.currentIndexChanged.connect(lambda _i: self.refresh())
        to_day = QPushButton("今日の予約へ（Ctrl+T）")
        to_day.clicked.connect(lambda: window.show_day_board())
        head = QHBoxLayout()
        head.addWidget(title, 1)
        head.addWidget(QLabel("庁舎"))
        head.addWidget(self.office)
        head.addWidget(to_day)

        self.calendar = MonthCalendar()
        self.calendar.currentPageChanged.connect(lambda _y, _m: self.refresh_month())
        self.calendar.selectionChanged.connect(self.refresh_day)
        self.calendar.activated.connect(lambda _d: self.to_slots())  # Enter on a day: its times
        self.day_title = QLabel()
        self.day_title.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.slots = QListWidget()
        self.slots.setMinimumHeight(160)
        self.slots.currentRowChanged.connect(lambda _r: self._slot_chosen())
        self.slots.itemActivated.connect(lambda _i: self.to_form())  # Enter on a time: the call's details
        day_label = QLabel("予約日（Alt+D：←→↑↓で日、PageUp/PageDownで月、Enterで時間へ）")
        day_label.setStyleSheet("color: #555;")
        slot_label = QLabel("時間（Alt+T：↑↓で選び、Enterで入力へ）")
        slot_label.setStyleSheet("color: #555;")
        QShortcut(QKeySequence("Alt+D"), self, activated=self.calendar.setFocus)
        QShortcut(QKeySequence("Alt+T"), self, activated=self.to_slots)
        self.close_slot = QPushButton("この枠を閉じる")
        self.close_slot.clicked.connect(lambda: self.override_slot(closed=True))
        self.open_slot = QPushButton("枠の変更を戻す")
        self.open_slot.clicked.connect(lambda: self.override_slot(closed=False))
        self.more_desks = QPushButton("この日の窓口 ＋1")
        self.more_desks.clicked.connect(lambda: self.override_day(+1))
        self.fewer_desks = QPushButton("−1")
        self.fewer_desks.clicked.connect(lambda: self.override_day(-1))
        staff = QHBoxLayout()
        for b in (self.close_slot, self.open_slot, self.more_desks, self.fewer_desks):
            staff.addWidget(b)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(day_label)
        lv.addWidget(self.calendar)
        lv.addWidget(self.day_title)
        lv.addWidget(slot_label)
        lv.addWidget(self.slots, 1)
        lv.addWidget(QLabel("職員による変更（記録されます）"))
        lv.addLayout(staff)

        form_box = QGroupBox("お電話の内容")
        form = QFormLayout(form_box)
        self.edits: dict[tuple[str, str], QWidget] = {}
        self.notes: dict[tuple[str, str], QLabel] = {}
        for part, field, label, hint in FIELDS:
            if field == "relationship":
                w = QComboBox()
                w.setEditable(True)
                w.addItems(RELATIONSHIPS)
                w.lineEdit().setPlaceholderText(hint)
            elif field == "sex":  # 男 / 女 by keys too (↑↓, or typing 男)
                w = QComboBox()
                w.addItems(list(SEXES))
            else:
                w = QLineEdit()
                w.setPlaceholderText(hint)
                w.editingFinished.connect(lambda k=(part, field): self.check(k))
            note = QLabel()
            note.setWordWrap(True)
            note.hide()
            cell = QWidget()
            v = QVBoxLayout(cell)
            v.setContentsMargins(0, 0, 0, 0)
            v.addWidget(w)
            v.addWidget(note)
            form.addRow(label, cell)
            self.edits[(part, field)] = w
            self.notes[(part, field)] = note
        self.registered = QCheckBox("死亡届は受理済み（お電話で確認）")
        form.addRow("", self.registered)
        self.case_number = QLineEdit()
        self.case_number.setPlaceholderText("（住基の取込みなどで案件があるときだけ）")
        form.addRow("既存の案件番号", self.case_number)
        self.chosen = QLabel("← 日と時間を選んでください")
        self.chosen.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.book_button = QPushButton("予約する（Ctrl+Enter）")
        self.book_button.setMinimumHeight(44)
        self.book_button.clicked.connect(self.book_now)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.book_now)
        self.message = QLabel()
        self.message.setWordWrap(True)

        self.result = QGroupBox("予約しました")
        rv = QVBoxLayout(self.result)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setStyleSheet("font-size: 12pt;")
        buttons = QGridLayout()  # two by two: the pane never needs to scroll sideways
        self.phone_button = QPushButton("続けて電話で聞き取り（F7）")
        self.phone_button.clicked.connect(self.continue_by_phone)
        self.letter_button = QPushButton("事前案内（PDF）を作る…（F8）")
        self.letter_button.clicked.connect(lambda: self.save_letter())
        self.copy_button = QPushButton("文面をコピー（F9）")
        self.copy_button.clicked.connect(self.copy_text)
        self.next_button = QPushButton("次の予約（F10）")
        self.next_button.clicked.connect(self.clear_form)
        for key, slot in (("F7", self.continue_by_phone), ("F8", lambda: self.save_letter()), ("F9", self.copy_text),
                          ("F10", self.clear_form)):  # only once something is booked (the result is shown)
            QShortcut(QKeySequence(key), self, activated=lambda slot=slot: self.result.isVisible() and slot())
        for i, b in enumerate((self.phone_button, self.letter_button, self.copy_button, self.next_button)):
            b.setMinimumHeight(36)
            buttons.addWidget(b, i // 2, i % 2)
        self.letter_text = QPlainTextEdit()
        self.letter_text.setReadOnly(True)
        self.letter_text.setMinimumHeight(150)
        rv.addWidget(self.result_label)
        rv.addLayout(buttons)
        rv.addWidget(QLabel("読み上げ・送信用の文面（持ち物は聞き取りの内容から）"))
        rv.addWidget(self.letter_text)
        self.result.hide()

        right_inner = QWidget()
        rl = QVBoxLayout(right_inner)
        rl.addWidget(form_box)
        rl.addWidget(self.chosen)
        rl.addWidget(self.book_button)
        rl.addWidget(self.message)
        rl.addWidget(self.result)
        rl.addStretch()
        right = QScrollArea()
        right.setWidgetResizable(True)
        right.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        right.setWidget(right_inner)
        body = QHBoxLayout()
        body.addWidget(left, 5)
        body.addWidget(right, 6)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addLayout(body, 1)

    @property
    def book(self):
        return self.window.book

    # -- calendar and slots ------------------------------------------------------------------------------------
    def office_id(self) -> str | None:
        return self.office.currentData()

    def selected_day(self) -> dt.date:
        q = self.calendar.selectedDate()
        return dt.date(q.year(), q.month(), q.day())

    def select_day(self, day: dt.date) -> None:
        self.calendar.setSelectedDate(QDate(day.year, day.month, day.day))

    def refresh(self) -> None:
        """Offices from the rulebook, then the month and the day."""
        if self.book is None:
            return
        offices = bookable_offices(self.book)
        if [self.office.itemData(i) for i in range(self.office.count())] != list(offices):
            self.office.blockSignals(True)
            self.office.clear()
            for oid in offices:
                self.office.addItem(self.book.root.offices[oid].name, oid)
            self.office.blockSignals(False)
        if not offices:
            self.day_title.setText("rules.yaml に予約枠の設定がありません（offices: の booking:）。")
            return
        if not getattr(self, "_opened", False):  # first time: the first day that can be booked
            self._opened = True
            earliest, _ = booking_window(self.book, self.office_id(), current_time().date())
            self.calendar.blockSignals(True)
            self.select_day(earliest)
            self.calendar.blockSignals(False)
        self.refresh_month()

    def _month(self) -> tuple[dt.date, dt.date]:
        y, m = self.calendar.yearShown(), self.calendar.monthShown()
        first = dt.date(y, m, 1)
        last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
        return first, last

    @in_background
    def refresh_month(self):
        office = self.office_id()
        if office is None or self.book is None:
            return
        first, last = self._month()
        store, book = self.store, self.book
        try:  # on the window's worker (the caller on the phone never waits for a frozen window)
            slots = yield lambda: store.slots(book, first, last, office)
        except StoreError as exc:
            self.window.show_store_error(exc)
            return
        now = current_time()
        earliest, latest = booking_window(self.book, office, now.date())
        marks: dict[dt.date, tuple[str, QColor]] = {}
        day = first
        while day <= last:
            mine = [s for s in slots if s.start.date() == day]
            if not mine:
                marks[day] = ("休", CLOSED_COLOR)
            elif day < earliest or day > latest:
                marks[day] = ("—", CLOSED_COLOR)
            else:
                free = sum(s.free for s in mine if s.start > now)
                marks[day] = (f"空き{free}", FREE_COLOR) if free else ("満", FULL_COLOR)
            day += dt.timedelta(days=1)
        self.calendar.set_marks(marks)
        self.refresh_day()

    @in_background
    def refresh_day(self):
        office, day = self.office_id(), self.selected_day()
        if office is None or self.book is None:
            return
        store, book = self.store, self.book
        try:
            self.day_slots, overrides = yield lambda: (store.slots(book, day, day, office),
                                                       store.slot_overrides(day, day, office))
        except StoreError as exc:
            self.window.show_store_error(exc)
            return
        keep = self.slots.currentRow()
        self.slots.blockSignals(True)
        self.slots.clear()
        now = current_time()
        reason = self.book.calendar.closed_reason(day)
        extra = sum(o.desks for o in overrides if not o.time)
        self.day_title.setText(f"{format_date(day, weekday=True)}" + (f"　閉庁日（{reason}）" if reason else "")
                               + (f"　窓口 {extra:+d}（職員の変更）" if extra else ""))
        for s in self.day_slots:
            why = refusal(self.book, office, s.start, now, overrides, s.booked)
            text = f"{time_text(s.start)}〜{time_text(s.end)}　"
            text += "閉（職員）" if s.closed_by_staff else f"空き {s.free} / {s.capacity}"
            if why and not s.closed_by_staff and s.free:
                text += "　（受付できません）"
            item = QListWidgetItem(text)
            item.setToolTip(why or "予約できます")
            item.setData(Qt.UserRole + 1, why)
            if why:
                item.setForeground(FULL_COLOR if (s.free == 0 and not s.closed_by_staff) else CLOSED_COLOR)
            self.slots.addItem(item)
        self.slots.blockSignals(False)
        if 0 <= keep < self.slots.count():
            self.slots.setCurrentRow(keep)
        self._slot_chosen()

    def selected_slot(self):
        row = self.slots.currentRow()
        return self.day_slots[row] if 0 <= row < len(self.day_slots) else None

    def select_slot(self, hhmm: str) -> None:
        for i, s in enumerate(self.day_slots):
            if time_text(s.start) == hhmm:
                self.slots.setCurrentRow(i)
                return

    def _slot_chosen(self) -> None:
        s = self.selected_slot()
        if s is None:
            self.chosen.setText("← 日と時間を選んでください")
            return
        why = self.slots.item(self.slots.currentRow()).data(Qt.UserRole + 1)
        self.chosen.setText(f"{format_date(s.start.date(), weekday=True)} {time_text(s.start)}〜{time_text(s.end)}　"
                            f"{self.office.currentText()}")
        self.message.setText(f"⚠ {why}" if why else "")
        self.message.setStyleSheet("color: #b00020; font-weight: bold;" if why else "")

    # -- staff overrides -----------------------------------------------------------------------------------------
    def override_slot(self, *, closed: bool) -> None:
        s = self.selected_slot()
        if s is None:
            return
        self._override(s.start.date(), time_text(s.start), closed=closed, desks=0)

    def override_day(self, step: int) -> None:
        day = self.selected_day()
        current = sum(o.desks for o in self.store.slot_overrides(day, day, self.office_id()) if not o.time)
        self._override(day, "", closed=False, desks=current + step)

    def _override(self, day: dt.date, time: str, *, closed: bool, desks: int) -> None:
        try:
            self.store.set_slot_override(self.book, self.office_id(), day, time, closed=closed, desks=desks)
        except StoreError as exc:
            self.message.setText(f"⚠ {exc}")
            self.message.setStyleSheet("color: #b00020; font-weight: bold;")
            return
        self.refresh_month()

    # -- the form ------------------------------------------------------------------------------------------------
    def to_slots(self) -> None:
        """The chosen day's times, the first one that can be booked selected."""
        self.slots.setFocus()
        if self.slots.currentRow() < 0 or self.slots.currentItem().data(Qt.UserRole + 1):
            free = next((i for i in range(self.slots.count()) if not self.slots.item(i).data(Qt.UserRole + 1)), -1)
            if free >= 0:
                self.slots.setCurrentRow(free)

    def to_form(self) -> None:
        """A time is chosen: on to the call's details (the existing case number, if one was given, is kept)."""
        self.edits[("deceased", "name")].setFocus()

    def text_of(self, key) -> str:
        w = self.edits[key]
        if key == ("deceased", "sex"):
            return SEXES.get(w.currentText(), "")
        return w.currentText() if isinstance(w, QComboBox) else w.text()

    def set_text(self, key, value: str) -> None:
        """Type into a field (tests, the clerk) and check it."""
        w = self.edits[key]
        if key == ("deceased", "sex"):
            w.setCurrentText({v: k for k, v in SEXES.items()}.get(value, value))
        elif isinstance(w, QComboBox):
            w.setCurrentText(value)
        else:
            w.setText(value)
            self.check(key)

    def check(self, key) -> str | None:
        """The value to store for a field, or None; a Japanese note under the field when something is wrong."""
        part, field = key
        deceased = {}
        for f in ("birth_date", "death_date"):
            if f != field:
                c = check_field("deceased", f, self.text_of(("deceased", f)), blank_row(), self.window.today)
                if c.value and not c.error:
                    deceased[f] = c.value
        checked = check_field(part, field, self.text_of(key), blank_row(deceased), self.window.today)
        show_checked(checked, field, self.notes[key], self.edits[key])
        return checked.value

    def _collect(self) -> tuple[dict, dict, list[str]]:
        values: dict = {}
        caller: dict[str, str] = {}
        problems: list[str] = []
        for part, field, label, _hint in FIELDS:
            key = (part, field)
            text = self.text_of(key).strip()
            value = self.check(key) if not isinstance(self.edits[key], QComboBox) else text
            if text and value is None:
                problems.append(f"{label}：{self.notes[key].text().lstrip('⚠ ')}")
                continue
            if part == "deceased" and value:
                values[COLUMN[key]] = dt.date.fromisoformat(value) if field.endswith("date") else value
            elif value:
                caller[field] = value
        for key, label in ((("deceased", "name"), "亡くなった方の氏名"), (("deceased", "death_date"), "死亡日"),
                           (("applicant", "name"), "お電話の方の氏名"), (("applicant", "phone"), "連絡先の電話番号")):
            if not self.text_of(key).strip():
                problems.append(f"{label}を入力してください")
        return values, caller, problems

    def book_now(self) -> Reservation | None:
        slot = self.selected_slot()
        if slot is None:
            self._say("⚠ 予約する日と時間を選んでください。")
            return None
        case_id = None
        if self.case_number.text().strip():
            digits = self.case_number.text().strip().lstrip("#")
            if not digits.isdigit():
                self._say("⚠ 案件番号は数字で入力してください。")
                return None
            case_id = int(digits)
        values, caller, problems = self._collect()
        if case_id is not None:  # an existing case keeps its own data; the caller is still needed
            problems = [p for p in problems if p.startswith(("お電話", "連絡先"))]
        if problems:
            self._say("⚠ " + "／".join(problems))
            return None
        answers = {"death_registered": True} if self.registered.isChecked() else None
        try:
            res = self.store.book_visit(self.book, start=slot.start, office=self.office_id(), case_id=case_id,
                                        values=None if case_id else values, caller=caller, answers=answers,
                                        by_phone=True)
        except BookingRefused as exc:
            self._say(f"⚠ {exc}")
            self.refresh_month()
            return None
        except StoreError as exc:
            self._say(f"⚠ {exc}")
            return None
        self.last = res
        self._say("")
        self.show_result()
        self.refresh_month()
        self.phone_button.setFocus()  # Enter (or F7): straight on to the phone interview
        return res

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020; font-weight: bold;" if text else "")

    def clear_form(self) -> None:
        for key, w in self.edits.items():
            if isinstance(w, QComboBox):
                w.setCurrentText("")
            else:
                w.clear()
            self.notes[key].hide()
        self.registered.setChecked(False)
        self.case_number.clear()
        self.result.hide()
        self.last = None
        self.edits[("deceased", "name")].setFocus()

    # -- after booking ---------------------------------------------------------------------------------------------
    def notice(self) -> advance_notice.AdvanceNotice | None:
        """The 事前案内 of the last booking, with 持ち物 from the answers given so far."""
        if self.last is None:
            return None
        row = self.store.get(self.last.case)
        dates = case_dates(row)
        session = Session(self.book, dates, row.answers) if dates else None
        return advance_notice.for_booking(self.book, self.last, row, session)

    def show_result(self) -> None:
        res = self.last
        if res is None:
            return
        n = self.notice()
        depts = sorted({t.department for t in self.store.get(res.case).tasks.values() if t.applies})
        names = "、".join(dict.fromkeys(department_label(self.book, d) for d in depts))  # names, never ids
        self.result_label.setText(
            f"予約番号 <b>{res.number}</b>　{n.when}　{n.office}<br>{res.deceased or ''} 様（案件番号 {res.case}）　"
            + (f"準備を依頼した課：{names}" if names else "生年月日が分かると、各課の準備が始まります。"))
        self.letter_text.setPlainText(advance_notice.short_text(n))
        self.result.show()

    def showEvent(self, event) -> None:  # back from the phone interview: 持ち物 follow the answers
        super().showEvent(event)
        if self.last is not None:
            self.show_result()

    def continue_by_phone(self) -> None:
        if self.last is not None:
            self.window.open_case(self.last.case, source="phone")

    def copy_text(self) -> None:
        QApplication.clipboard().setText(self.letter_text.toPlainText())
        self.message.setText("✓ 文面をコピーしました")
        self.message.setStyleSheet("color: #1b6e20;")

    def save_letter(self, path: Path | None = None) -> Path | None:
        n = self.notice()
        if n is None:
            return None
        if path is None:
            name = save_file_name(self, "事前案内（PDF）", str(Path.home() / f"事前案内_予約{n.number}.pdf"),
                                  "PDF (*.pdf)")
            if not name:
                return None
            path = Path(name)
        advance_notice.write_pdf(n, path)
        self.store.log_letter(n.case, n.number)  # 履歴: 事前案内 (the case's state does not change)
        self.message.setText(f"✓ 事前案内を保存しました：{path}（開いて印刷できます）")
        self.message.setStyleSheet("color: #1b6e20;")
        return path

    def on_notices(self, notices) -> None:
        if any(n.kind in ("visit", "slots", "case") for n in notices):
            self.refresh_month()


def add_reservation_pages(window, bar, store) -> None:
    """The booking screen and the day at the corner (given ``store``), in the window's stack and a 予約 menu."""
    from PySide6.QtGui import QAction

    from .day_board import DayBoardPage

    window.booking_page = BookingPage(window, store)
    window.day_board = DayBoardPage(window, store)
    window.stack.addWidget(window.booking_page)
    window.stack.addWidget(window.day_board)

    def show_booking() -> None:
        if window.book is None:
            return
        window.booking_page.refresh()
        window.stack.setCurrentWidget(window.booking_page)
        window.booking_page.calendar.setFocus()  # keys first: the day (Enter), the time (Enter), then the call

    def show_day_board(day: dt.date | None = None) -> None:
        if window.book is None:
            return
        window.day_board.refresh(day or current_time().date())  # 今日の予約 (Ctrl+T): today's
        window.stack.setCurrentWidget(window.day_board)

    window.show_booking, window.show_day_board = show_booking, show_day_board
    menu = bar.addMenu("予約(&Y)")
    for text, keys, slot in (("予約の受付（電話）(&B)", "Ctrl+B", show_booking),
                             ("今日の予約・受付(&T)", "Ctrl+T", lambda: show_day_board())):
        act = QAction(text, window)
        act.setShortcut(QKeySequence(keys))
        act.triggered.connect(slot)
        menu.addAction(act)
