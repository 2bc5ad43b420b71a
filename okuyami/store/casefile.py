"""Between a stored case and the contract's case file (§1): ``cases add`` / ``cases show`` and evaluation.

:func:`case_to_document` gives exactly a case file that ``okuyami evaluate`` accepts; :func:`values_from_case`
gives the ``cases`` columns of a case file; :func:`evaluate_row` runs the engine on a stored case (None while its
dates are missing).
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from ..core.case import CASE_FORMAT, Case
from ..core.engine import Evaluation, Session
from ..core.rulebook import Rulebook
from .cases import CaseRow
from .schema import PERSON_COLUMNS
from .workflow import case_dates

_ORDER = {
    "deceased": ("name", "kana", "sex", "birth_date", "death_date", "address", "registered_domicile"),
    "applicant": ("name", "kana", "relationship", "birth_date", "address", "phone"),
    "funeral": ("date", "chief_mourner"),
}


def _value(key: str, value: str) -> Any:
    return dt.date.fromisoformat(value) if key.endswith("date") else value


def case_to_document(row: CaseRow, facts: dict | None = None) -> dict[str, Any]:
    """The case file (contract §1) of a stored case, keys in the contract's order, dates as dates (also the
    answers to date facts of the city's own, given the rulebook's catalogue ``facts``)."""
    doc: dict[str, Any] = {"format": CASE_FORMAT}
    for part, keys in _ORDER.items():
        data = getattr(row, part)
        section = {k: _value(k, data[k]) for k in keys if data.get(k)}
        if section:
            doc[part] = section
    answers = {}
    for fact, value in sorted(row.answers.items()):
        d = (facts or {}).get(fact)
        if d is not None and d.kind == "date" and isinstance(value, str) and value != "unknown":
            value = dt.date.fromisoformat(value)
        answers[fact] = value
    doc["facts"] = answers
    return doc


def values_from_case(case: Case) -> dict[str, Any]:
    """The ``cases`` columns for a case file's people."""
    out: dict[str, Any] = {}
    for (part, name), column in PERSON_COLUMNS.items():
        section = getattr(case, part)
        value = getattr(section, name, None) if section is not None else None
        if value not in (None, ""):
            out[column] = value
    return out


_sessions = threading.local()  # per thread: (rulebook, a Session built for it)


def evaluate_row(book: Rulebook, row: CaseRow) -> Evaluation | None:
    """The engine's result on a stored case (None while its dates are missing). Building a Session indexes the
    whole rulebook (most of the cost); each thread keeps one per rulebook and resets it to the case."""
    dates = case_dates(row)
    if not dates:
        return None
    kept = getattr(_sessions, "kept", None)
    if kept is None or kept[0] is not book:
        session = Session(book, dates, row.answers)
        _sessions.kept = (book, session)
        return session.result
    session = kept[1]
    session.reset(dates, dict(row.answers))
    return session.result
