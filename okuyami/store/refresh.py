"""Which notice refreshes which screen (画面の自動更新の規則), outside Qt: the desk app's windows, the tests and the
load bench (bench/bench_city.py) all use these rules, so what is measured is what the windows do.

A window describes what it shows with a *view* (:class:`CaseView`, :class:`CaseListView`, :class:`DepartmentView`,
:class:`FollowUpView`, :class:`KindsView`), asks it what a batch of notices from the other terminals calls for
(:class:`Refresh`: nothing, the lines of some families, the whole screen, the family shown in detail, the list's
total), and hands that to a :class:`Coalescer`: a burst of notices (one answer rings for the answer, the tasks of
three departments and the visit) becomes one refresh at most every :data:`BURST` seconds, with the smallest read
that brings the screen up to date.

Notice kinds (okuyami.store.notices.ring): ``case`` (created, a field, its state, merged, deleted), ``answer``,
``task`` (with the department), ``visit`` (started, booked, moved, checked in), ``print``, ``slots`` (a day's
bookable times). An automatic refresh is nobody asking to see anything: the windows read without an audit entry;
opening a family (a person choosing it) stays audited.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterable

BURST = 0.3  # s: the notices of one burst become one refresh
CASE_KINDS = frozenset({"case", "answer", "task", "visit", "print"})  # what changes a case (not "slots")


@dataclass(frozen=True)
class Refresh:
    """What a screen must read again. ``full``: all of it; else ``cases``: the lines of these families only.
    ``detail``: the family shown in detail (the open case, the department's selected family). ``count``: the
    list's total (cases created or removed)."""

    full: bool = False
    cases: frozenset[int] = frozenset()
    detail: bool = False
    count: bool = False

    def __bool__(self) -> bool:
        return self.full or bool(self.cases) or self.detail or self.count

    def __or__(self, other: "Refresh") -> "Refresh":
        full = self.full or other.full
        return Refresh(full, frozenset() if full else self.cases | other.cases, self.detail or other.detail,
                       self.count or other.count)


NOTHING = Refresh()


def from_others(notices: Iterable, terminal: str) -> list:
    """The notices rung by other terminals: a window has already shown its own changes."""
    return [n for n in notices if n.terminal != terminal]


@dataclass(frozen=True)
class CaseView:
    """A case open on the case page: every change to that case (answers, tasks, fields, visits, prints)."""

    case_id: int | None

    def refresh_for(self, notices: Iterable) -> Refresh:
        hit = self.case_id is not None and any(n.case_id == self.case_id and n.kind in CASE_KINDS for n in notices)
        return Refresh(detail=True) if hit else NOTHING


@dataclass(frozen=True)
class CaseListView:
    """The case list (most recently changed first): any change to any case may reorder the page; the total
    changes only when cases are created or removed."""

    def refresh_for(self, notices: Iterable) -> Refresh:
        kinds = {n.kind for n in notices}
        if not kinds & CASE_KINDS:
            return NOTHING
        return Refresh(full=True, count="case" in kinds)


@dataclass(frozen=True)
class DepartmentView:
    """A department's terminal: the families of the period (``dated``) or every family with unfinished work of
    ``department`` (``listed``: the families on screen), and one family in detail (``selected``: its tasks for this
    department and the answers they depend on).

    - a task of this department: that family's lines (it may appear, change or leave the list);
    - a visit of a family with work for this department (the notice names the department) or of a listed family:
      that family's lines when the list is of a period (a booked or returning family may now belong to the day);
      the list of unfinished work does not depend on visits; a visit of a family without work for this department
      (a new family at the counter) changes nothing here;
    - a change to a listed family's case (a name, its state, removed or merged away): that family's lines (a
      merge also rings the kept family's tasks for each department concerned);
    - an answer of the selected family: its details (the answers shown beside its tasks);
    - anything else (another department's task, a print, the slots, a family not listed): nothing.
    """

    department: str
    listed: frozenset[int] = frozenset()
    selected: int | None = None
    dated: bool = True

    def refresh_for(self, notices: Iterable) -> Refresh:
        wanted = NOTHING
        for n in notices:
            mine = n.case_id == self.selected and self.selected is not None
            if n.kind == "task" and n.department == self.department:
                wanted |= Refresh(cases=frozenset({n.case_id}), detail=mine)
            elif n.kind == "visit" and (n.case_id in self.listed or (self.dated and n.department == self.department)):
                wanted |= Refresh(cases=frozenset({n.case_id}), detail=mine)
            elif n.kind == "case" and n.case_id in self.listed:
                wanted |= Refresh(cases=frozenset({n.case_id}), detail=mine)
            elif n.kind == "answer" and mine:
                wanted |= Refresh(detail=True)
        return wanted


def merge_lines(lines: Iterable, fresh: Iterable, cases: Iterable[int]) -> list:
    """A department's work list with the lines of ``cases`` replaced by ``fresh`` (``Store.work_list(...,
    case_ids=cases)``), in the list's order: what a refresh of a few families leaves on screen."""
    from .tasks import line_order

    gone = set(cases)
    return sorted([t for t in lines if t.case not in gone] + list(fresh), key=line_order)


@dataclass(frozen=True)
class FollowUpView:
    """後日対応の一覧: deferred tasks of every department, with the families' names and phone numbers."""

    def refresh_for(self, notices: Iterable) -> Refresh:
        return Refresh(full=True) if any(n.kind in ("task", "case") for n in notices) else NOTHING


@dataclass(frozen=True)
class KindsView:
    """A screen read again whole when a notice of one of ``kinds`` arrives (the reservation book, the day at
    the corner)."""

    kinds: frozenset[str]

    def refresh_for(self, notices: Iterable) -> Refresh:
        return Refresh(full=True) if any(n.kind in self.kinds for n in notices) else NOTHING


BOOKING = KindsView(frozenset({"visit", "slots", "case"}))  # 予約: free places per day and slot
DAY_BOARD = KindsView(frozenset({"visit", "case", "slots"}))  # 本日の来庁: arrivals, waiting, walk-ins


@dataclass
class Coalescer:
    """At most one refresh per ``burst`` seconds: the first wanted refresh starts the burst, everything wanted
    until it ends is merged into it. Qt-free: a window arms a single-shot timer for :meth:`due_in` and calls
    :meth:`take` when it fires; the bench does the same with its own clock."""

    burst: float = BURST
    wanted: Refresh = NOTHING
    notices: list = field(default_factory=list)
    due_at: float | None = None
    last_run: float = float("-inf")

    def add(self, wanted: Refresh, notices: Iterable = (), now: float | None = None) -> float | None:
        """Merge ``wanted``; returns the seconds until the refresh is due when a timer must be armed (the first
        of a burst), else None."""
        if not wanted:
            return None
        now = time.monotonic() if now is None else now
        self.wanted |= wanted
        self.notices.extend(notices)
        if self.due_at is not None:
            return None
        # the first notice of a quiet period is shown at once (plus a breath for the rest of its burst); a
        # stream of notices is shown once per burst
        self.due_at = max(now + 0.05, self.last_run + self.burst)
        return self.due_at - now

    def due_in(self, now: float | None = None) -> float | None:
        """Seconds until the pending refresh is due (0 when due), None when nothing is pending."""
        if self.due_at is None:
            return None
        now = time.monotonic() if now is None else now
        return max(0.0, self.due_at - now)

    def take(self, now: float | None = None) -> tuple[Refresh, list]:
        """The merged refresh and its notices; the burst starts again."""
        wanted, notices = self.wanted, self.notices
        self.wanted, self.notices, self.due_at = NOTHING, [], None
        self.last_run = time.monotonic() if now is None else now
        return wanted, notices

    def clear(self) -> None:
        """The screen was read again anyway (the clerk pressed F5, changed the day, came back to it)."""
        self.wanted, self.notices, self.due_at = NOTHING, [], None
