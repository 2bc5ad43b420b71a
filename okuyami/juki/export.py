"""Exports for the city (統計・準備リストのCSV): ``okuyami export cases`` and ``okuyami export prep``.

Written by the one CSV writer (documents/csvfile.py): UTF-8 with BOM by default (Excel reads the BOM), CRLF line
ends, ``cp932`` on request (a character cp932 lacks becomes 〓 and is reported), and a cell that a spreadsheet
would run as a formula (``=``, ``+``, ``-``, ``@``, TAB, CR first) written with a leading ``'``.

``cases`` (one row per case created or visited in the period; ``--by day`` and ``--by department`` sum them up):
visits and phone calls, time at the corner, questions asked, answers from 住基, procedures per department. No
names unless ``with_names`` (the export is audited with the operator either way).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from statistics import median

from ..core.calendar import to_jst
from ..core.facts import age_in_years
from ..documents.csvfile import REPLACEMENT, csv_bytes  # noqa: F401 - REPLACEMENT re-exported
from ..store.store import STATE_LABELS, TASK_LABELS

BY = ("case", "day", "department")


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)


def _day(value: dt.datetime) -> dt.date:
    return to_jst(value).date()


def _minutes(values) -> str:
    values = [v for v in values if v is not None]
    return f"{sum(values):.0f}" if values else ""


def _dept_names(book) -> dict[str, str]:
    names = {k: d.name for k, d in book.root.departments.items()}
    names.update({k: a.name for k, a in book.root.agencies.items()})
    return names


def cases_table(stats, book, *, by: str = "case", with_names: bool = False) -> Table:
    if by == "day":
        return _by_day(stats)
    if by == "department":
        return _by_department(stats, book)
    names = _dept_names(book)
    depts = [d for d in names if any(t[0] == d for s in stats for t in s.tasks)]
    header = ["案件番号", "作成日", "住基から", "状態", "死亡時の年齢", "死亡日から初回来庁までの日数", "来庁回数", "電話回数",
              "窓口での時間（分）", "聞き取った質問数", "住基の回答数", "手続き数", "完了した手続き数", "印刷回数"]
    header += [f"手続き数：{names[d]}" for d in depts]
    if with_names:
        header += ["亡くなった方", "フリガナ", "来庁者"]
    table = Table(header)
    for s in stats:
        counter = [v for v in s.visits if v.kind == "counter"]
        first = min((_day(v.started_at) for v in counter), default=None)
        age = age_in_years(s.birth_date, s.death_date) if s.birth_date and s.death_date else None
        by_dept = Counter(d for d, _ in s.tasks)
        row = [str(s.id), _day(s.created_at).isoformat(), "1" if s.from_juki else "0", STATE_LABELS.get(s.state, s.state),
               "" if age is None else str(age),
               str((first - s.death_date).days) if first and s.death_date else "", str(len(counter)),
               str(len(s.visits) - len(counter)), _minutes(v.minutes for v in counter), str(s.asked),
               str(s.juki_answers), str(len(s.tasks)), str(sum(1 for _, st in s.tasks if st == "done")), str(s.prints)]
        row += [str(by_dept.get(d, 0)) for d in depts]
        if with_names:
            row += [s.names.get("deceased", ""), s.names.get("kana", ""), s.names.get("applicant", "")]
        table.rows.append(row)
    return table


def _by_day(stats) -> Table:
    table = Table(["日付", "来庁件数", "電話件数", "新規案件", "うち住基取込", "聞き取った質問数（その日に来庁した案件）",
                   "窓口での時間の中央値（分）", "窓口での時間の合計（分）"])
    days: dict[dt.date, dict] = defaultdict(lambda: {"counter": 0, "phone": 0, "new": 0, "juki": 0, "asked": 0,
                                                     "minutes": []})
    for s in stats:
        created = days[_day(s.created_at)]
        created["new"] += 1
        created["juki"] += s.from_juki
        seen: set[dt.date] = set()
        for v in s.visits:
            d = days[_day(v.started_at)]
            d[v.kind if v.kind in ("counter", "phone") else "counter"] += 1
            if v.minutes is not None and v.kind == "counter":
                d["minutes"].append(v.minutes)
            if _day(v.started_at) not in seen:
                seen.add(_day(v.started_at))
                d["asked"] += s.asked
    for day in sorted(days):
        d = days[day]
        table.rows.append([day.isoformat(), str(d["counter"]), str(d["phone"]), str(d["new"]), str(d["juki"]),
                           str(d["asked"]), f"{median(d['minutes']):.0f}" if d["minutes"] else "",
                           _minutes(d["minutes"])])
    return table


def _by_department(stats, book) -> Table:
    names = _dept_names(book)
    statuses = list(TASK_LABELS)
    table = Table(["課・機関", "ID", "案件数", "手続き数", *[TASK_LABELS[s] for s in statuses]])
    count: dict[str, Counter] = defaultdict(Counter)
    families: dict[str, set] = defaultdict(set)
    for s in stats:
        for dept, status in s.tasks:
            count[dept][status] += 1
            families[dept].add(s.id)
    for dept in [d for d in names if d in count] + sorted(d for d in count if d not in names):
        c = count[dept]
        table.rows.append([names.get(dept, dept), dept, str(len(families[dept])), str(sum(c.values())),
                           *[str(c.get(s, 0)) for s in statuses]])
    return table


def prep_table(book, lines) -> Table:
    from ..documents.prep_list import COLUMNS, rows

    return Table(list(COLUMNS), rows(book, lines))


def to_csv(table: Table, encoding: str = "utf-8") -> tuple[bytes, list[str]]:
    """The CSV bytes (the shared writer: formula-safe cells, BOM / cp932) and what cp932 replaced by 〓."""
    return csv_bytes(table.header, table.rows, encoding)
