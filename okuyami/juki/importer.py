"""A death list into the store (取込の実行) and the report of what happened, for the command line and the desk app.

:func:`import_file` reads the file with its profile, writes the good rows (``Store.import_juki``), and returns a
:class:`Report`: cases created, updated and unchanged, the lines skipped (with why), the 外字 found, and the
conflicts (a clerk's correction kept although 住基 now says otherwise).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.calendar import today as _today
from ..core.facts import FACTS
from ..store.store import Conflict, ImportLog, Outcome, Store
from .profile import Profile, load_profile
from .reader import FIELD_JA, ReadResult, open_death_list


@dataclass
class Report:
    read: ReadResult
    outcome: Outcome

    @property
    def ok(self) -> bool:
        """Exit 0: no row was skipped."""
        return not self.read.skipped

    def summary(self) -> str:
        r, o = self.read, self.outcome
        text = (f"住基取込 {r.name}（{r.encoding_label}・{r.profile.name}）：{r.rows}行を読み、新規 {len(o.created)}件、"
                f"更新 {len(o.updated)}件、変更なし {len(o.unchanged)}件、取り込まなかった行 {len(r.skipped)}行")
        if o.conflicts:
            text += f"、窓口の訂正を残した項目 {len(o.conflicts)}件"
        if r.passed_over:
            text += f"（死亡以外の行 {r.passed_over}行は対象外）"
        return text + "。"

    def conflict_lines(self) -> list[str]:
        """One line per correction kept. A person's field (name, address, a date) is named without its values —
        no personal data in a message; an answer's values (はい・いいえ, 後期高齢者医療 …) are shown."""
        lines = []
        for c in self.outcome.conflicts:
            by = "窓口" if c.by == "counter" else "電話" if c.by == "phone" else "職員"
            if c.field.startswith(("deceased.", "applicant.")):
                what = f"{by}で訂正された値を残しました（住基の値とは違います）"
            else:
                what = (f"{by}で訂正された値「{value_text(c.field, c.kept)}」を残しました"
                        f"（住基の値：「{value_text(c.field, c.juki)}」）")
            lines.append(f"{self.read.file}:{c.line}: 案件 {c.case} の{field_label(c.field)}は{what}")
        return lines

    def to_json(self) -> dict[str, Any]:
        r, o = self.read, self.outcome
        case_of = o.case_of_line()
        return {"file": r.name, "encoding": r.encoding, "profile": r.profile.name, "rows": r.rows,
                "created": [c for _, c in o.created], "updated": [c for _, c, _ in o.updated],
                "unchanged": [c for _, c in o.unchanged], "linked": [c for _, c in o.linked],
                "skipped": [s.to_json() for s in r.skipped],
                "warnings": [{**w.to_json(), "case": case_of.get(w.line)} for w in r.warnings],
                "conflicts": [c.to_json() for c in o.conflicts], "import": o.import_id}


def field_label(name: str) -> str:
    if name in FIELD_JA:
        return FIELD_JA[name]
    d = FACTS.get(name)
    return d.meaning if d is not None else name


def value_text(name: str, value: Any) -> str:
    if value is None:
        return "（取り消し）"
    if name == "deceased.sex":
        return {"male": "男", "female": "女"}.get(value, str(value))
    if name.endswith("date"):
        from ..core.wareki import format_date
        try:
            return format_date(dt.date.fromisoformat(value))
        except (TypeError, ValueError):
            return str(value)
    d = FACTS.get(name)
    if value == "unknown":
        return "わからない"
    return d.label(value) if d is not None else str(value)


def import_file(store: Store, path: Path | str, profile: Profile | Path | str | None = None, *, book=None,
                today: dt.date | None = None, progress=None, shown: str | None = None) -> Report:
    """Read ``path`` and import its good rows. Raises :class:`~okuyami.juki.reader.FileProblem` (nothing
    imported) when the file as a whole does not fit the profile, InvalidInput for a bad profile."""
    if not isinstance(profile, Profile):
        profile = load_profile(profile)
    read, records = open_death_list(path, profile, today=today or _today(), shown=shown)
    last = [0]

    def taken():
        for rec in records:
            last[0] = rec.line
            yield rec

    def log() -> ImportLog:
        return ImportLog(read.name, read.sha256, profile.name, read.encoding, read.rows,
                         [s.line for s in read.skipped], [w.line for w in read.warnings])

    def lines_read(_done: int, _total: int) -> None:  # progress in the file's lines (rows are counted as read)
        if progress is not None:
            progress(min(last[0] - 1, read.lines), read.lines)

    outcome = store.import_juki(taken(), log, book=book, progress=lines_read, total=read.lines)
    if progress is not None:
        progress(read.lines, read.lines)
    return Report(read, outcome)


__all__ = ["Report", "import_file", "Conflict"]
