"""Cases (案件): who died, who came, the funeral, the state, and the case list with search.

People are columns, each changed on its own (``set_field``), so two terminals editing different fields of one case
never overwrite each other; ``cases.version`` goes up with every change to the case, its answers or its tasks.
The case list is one query per screen (paged), with the number of open tasks counted in the same query.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..core.progress import Progress
from ..core.wareki import parse_date
from . import audit, notices
from .database import JST, Actor, StaleWrite, StoreError, now, to_jst
from .schema import DATE_COLUMNS, PERSON_COLUMNS, TEXT_LIMITS, answers, cases, tasks, visits

STATE_LABELS = {"new": "未来庁", "in_progress": "受付中", "printed": "印刷済", "follow_up": "後日対応あり", "closed": "完了"}
TASK_LABELS = {"open": "未着手", "prepared": "準備済", "done": "完了", "deferred": "後日", "not_applicable": "不要"}
OPEN_TASK_STATUSES = ("open", "prepared", "deferred")
_FIELD_JA = {"name": "氏名", "kana": "フリガナ", "sex": "性別", "birth_date": "生年月日", "death_date": "死亡日",
             "address": "住所", "registered_domicile": "本籍", "relationship": "続柄", "phone": "電話番号",
             "date": "葬儀の日", "chief_mourner": "喪主"}
_PART_JA = {"deceased": "故人", "applicant": "来庁者", "funeral": "葬儀"}


def field_label(key: str) -> str:
    """「deceased.name」 → 「故人の氏名」 (for the clerk: never the column's name)."""
    part, _, name = key.partition(".")
    if not name:
        return {"language": "案内票の言語"}.get(key, key)
    return f"{_PART_JA.get(part, part)}の{_FIELD_JA.get(name, name)}"


ANY = object()  # "whatever it is now": no compare-and-set


class CaseNotFound(StoreError):
    pass


def to_katakana(text: str) -> str:
    """ひらがな → カタカナ (so やまだ finds ヤマダ)."""
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def _norm(text: str) -> str:
    return to_katakana(unicodedata.normalize("NFKC", text)).replace("\u3000", " ").strip()


def search_text(values: dict[str, Any]) -> str:
    """What the case list searches: names and kana (with and without the space), the dates in ISO."""
    parts: list[str] = []
    for col in ("deceased_name", "deceased_kana", "applicant_name", "applicant_kana"):
        v = values.get(col)
        if v:
            n = _norm(str(v))
            parts += [n, n.replace(" ", "")]
    for col in ("deceased_death_date", "deceased_birth_date"):
        v = values.get(col)
        if v:
            parts.append(v.isoformat() if isinstance(v, dt.date) else str(v))
    return " ".join(parts)


@dataclass
class TaskRow:
    procedure: str
    department: str
    status: str
    note: str
    operator: str
    updated_at: dt.datetime
    version: int
    applies: bool
    follow_up: dt.date | None = None  # 後日: the day the family means to come back

    @property
    def label(self) -> str:
        return TASK_LABELS[self.status]


@dataclass
class CaseRow:
    """One case as read at one moment (a snapshot: its ``version`` says which)."""

    id: int
    version: int
    state: str
    created_at: dt.datetime
    updated_at: dt.datetime
    created_by: str
    closed_at: dt.datetime | None
    deceased: dict[str, str]
    applicant: dict[str, str]
    funeral: dict[str, str]
    current_question: str | None
    language: str
    juki_key: str | None
    answers: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    answer_revs: dict[str, int] = field(default_factory=dict)
    tasks: dict[str, TaskRow] = field(default_factory=dict)

    @property
    def number(self) -> int:
        return self.id

    @property
    def title(self) -> str:
        return self.deceased.get("name") or "（氏名未入力）"

    @property
    def status(self) -> str:
        """The state in Japanese (受付中・印刷済・後日対応あり・完了・未来庁)."""
        return STATE_LABELS[self.state]

    @property
    def statuses(self) -> dict[str, tuple[str, str]]:
        """procedure → (status in Japanese, note)."""
        return {code: (t.label, t.note) for code, t in self.tasks.items()}

    @property
    def progress(self) -> dict[str, Progress]:
        """procedure → what was recorded (for a return visit's sheet): status, note, day (Japan time), 後日 day."""
        return {code: Progress(t.status, t.note, to_jst(t.updated_at).date(), t.follow_up)
                for code, t in self.tasks.items() if t.status != "open" and t.applies}


@dataclass(frozen=True)
class CaseSummary:
    """One line of the case list."""

    id: int
    version: int
    state: str
    deceased_name: str | None
    deceased_kana: str | None
    death_date: dt.date | None
    applicant_name: str | None
    updated_at: dt.datetime
    open_tasks: int

    @property
    def status(self) -> str:
        return STATE_LABELS[self.state]

    def to_json(self) -> dict[str, Any]:
        return {"number": self.id, "deceased": self.deceased_name, "death_date":
                self.death_date.isoformat() if self.death_date else None, "state": self.state,
                "open_tasks": self.open_tasks, "updated_at": to_jst(self.updated_at).isoformat(timespec="seconds")}


def check_lengths(values: dict[str, Any]) -> None:
    """Refuse (StoreError, in Japanese) a person's field longer than :data:`~.schema.TEXT_LIMITS` allows, or with
    a NUL character (PostgreSQL cannot store one; SQLite would cut the text there)."""
    for column, value in values.items():
        limit = TEXT_LIMITS.get(column)
        part, _, name = column.partition("_")
        if limit and isinstance(value, str) and len(value) > limit:
            raise StoreError(f"{field_label(part + '.' + name)}が長すぎます（{limit}文字まで、入力は{len(value)}文字）。")
        if isinstance(value, str) and "\x00" in value:
            raise StoreError(f"{field_label(part + '.' + name)}に使えない文字（NUL）が含まれています。")


def create(conn: Connection, actor: Actor, *, state: str = "in_progress", values: dict[str, Any] | None = None,
           juki_key: str | None = None) -> int:
    at = now()
    values = dict(values or {})
    check_lengths(values)
    row = {"version": 1, "state": state, "created_at": at, "updated_at": at, "created_by": actor.operator,
           "juki_key": juki_key, **values, "search_text": search_text(values)}
    case_id = conn.execute(cases.insert().values(**row)).inserted_primary_key[0]
    audit.record(conn, actor, "case.create", case_id)
    notices.ring(conn, "case", case_id, terminal=actor.terminal)
    return case_id


def bump(conn: Connection, case_id: int, if_version: int | None = None) -> int:
    """Count one change to the case; with ``if_version``, refuse (:class:`StaleWrite`) if it moved on."""
    q = cases.update().where(cases.c.id == case_id)
    if if_version is not None:
        q = q.where(cases.c.version == if_version)
    if conn.execute(q.values(version=cases.c.version + 1, updated_at=now())).rowcount == 1:
        return conn.execute(sa.select(cases.c.version).where(cases.c.id == case_id)).scalar_one()
    current = conn.execute(sa.select(cases.c.version).where(cases.c.id == case_id)).scalar_one_or_none()
    if current is None:
        raise CaseNotFound(f"案件番号 {case_id} はありません。")
    raise StaleWrite(f"案件 {case_id} は、あなたが見ていた後に他の端末で変更されました（版 {if_version} → {current}）。"
                     "最新の内容を読み込み直してから、もう一度操作してください。")


def version_of(conn: Connection, case_id: int) -> int:
    return conn.execute(sa.select(cases.c.version).where(cases.c.id == case_id)).scalar_one()


def set_field(conn: Connection, actor: Actor, case_id: int, part: str, name: str, value: str | None,
              expected: Any = ANY, if_version: int | None = None) -> int:
    """One field of deceased / applicant / funeral (dates as ISO text). With ``expected`` (the value the clerk
    saw), refused if another terminal changed that field meanwhile."""
    column = PERSON_COLUMNS.get((part, name))
    if column is None:
        raise KeyError(f"{part}.{name}")
    col = cases.c[column]
    check_lengths({column: value})
    stored = dt.date.fromisoformat(value) if (value and column in DATE_COLUMNS) else (value or None)
    q = cases.update().where(cases.c.id == case_id)
    if expected is not ANY:
        old = dt.date.fromisoformat(expected) if (expected and column in DATE_COLUMNS) else (expected or None)
        q = q.where(col.is_(None) if old is None else col == old)
    if conn.execute(q.values({column: stored})).rowcount != 1:
        if conn.execute(sa.select(cases.c.id).where(cases.c.id == case_id)).first() is None:
            raise CaseNotFound(f"案件番号 {case_id} はありません。")
        raise StaleWrite(f"「{name}」は他の端末で先に変更されていました。最新の内容を読み込み直しました。")
    version = bump(conn, case_id, if_version)
    row = conn.execute(sa.select(*[cases.c[c] for c in PERSON_COLUMNS.values()]).where(cases.c.id == case_id)).mappings().one()
    conn.execute(cases.update().where(cases.c.id == case_id).values(search_text=search_text(dict(row))))
    audit.record(conn, actor, "case.update", case_id, field=f"{part}.{name}")
    notices.ring(conn, "case", case_id, terminal=actor.terminal)
    return version


def set_state(conn: Connection, actor: Actor, case_id: int, state: str, if_version: int | None = None) -> None:
    if state not in STATE_LABELS:
        raise ValueError(state)
    bump(conn, case_id, if_version)
    conn.execute(cases.update().where(cases.c.id == case_id).values(
        state=state, closed_at=now() if state == "closed" else None))
    audit.record(conn, actor, "case.state", case_id, state=state)
    notices.ring(conn, "case", case_id, terminal=actor.terminal)


def set_current_question(conn: Connection, case_id: int, fact: str | None) -> None:
    """Where the interview stands (not a change of the case's content: no version, no audit)."""
    conn.execute(cases.update().where(cases.c.id == case_id).values(current_question=fact))


def set_language(conn: Connection, actor: Actor, case_id: int, language: str) -> None:
    conn.execute(cases.update().where(cases.c.id == case_id).values(language=language))
    audit.record(conn, actor, "case.update", case_id, field="language")


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value


def load(conn: Connection, case_id: int) -> CaseRow:
    r = conn.execute(sa.select(cases).where(cases.c.id == case_id)).mappings().first()
    if r is None:
        raise CaseNotFound(f"案件番号 {case_id} はありません。")
    people: dict[str, dict[str, str]] = {"deceased": {}, "applicant": {}, "funeral": {}}
    for (part, name), column in PERSON_COLUMNS.items():
        if r[column] not in (None, ""):
            people[part][name] = _iso(r[column])
    row = CaseRow(r["id"], r["version"], r["state"], r["created_at"], r["updated_at"], r["created_by"], r["closed_at"],
                  people["deceased"], people["applicant"], people["funeral"], r["current_question"], r["language"],
                  r["juki_key"])
    for a in conn.execute(sa.select(answers).where(answers.c.case_id == case_id)).mappings():
        row.answers[a["fact"]] = json.loads(a["value"])
        row.sources[a["fact"]] = a["source"]
        row.answer_revs[a["fact"]] = a["rev"]
    row.tasks = load_tasks(conn, case_id)
    return row


def load_tasks(conn: Connection, case_id: int) -> dict[str, TaskRow]:
    """A case's task rows (procedure → row)."""
    return {t["procedure"]: TaskRow(t["procedure"], t["department"], t["status"], t["note"], t["operator"],
                                    t["updated_at"], t["version"], bool(t["applies"]), t["follow_up"])
            for t in conn.execute(sa.select(tasks).where(tasks.c.case_id == case_id)).mappings()}


def _search_filter(search: str, today: dt.date | None = None):
    """name / kana (ひらがな・カタカナ・半角) / 案件番号 / 和暦 or western date; every word must match."""
    clauses = []
    for word in _norm(search).split():
        if word in ("案件番号", "案件番号:"):  # as printed on the sheet: 「案件番号 12」
            continue
        number = word.lstrip("#").removeprefix("No.").removeprefix("NO.").removeprefix("案件番号").lstrip(":")
        if number.isdigit() and len(number) <= 7:  # 案件番号
            clauses.append(cases.c.id == int(number))
            continue
        if number.isdigit() and len(number) == 8:  # YYYYMMDD
            word = f"{number[:4]}-{number[4:6]}-{number[6:]}"
        if any(ch.isdigit() for ch in word):
            try:
                day = parse_date(word)  # a date (和暦 or western): the indexed date columns, not a text scan
            except ValueError:
                day = None
            if day is not None:
                clauses.append(sa.or_(cases.c.deceased_death_date == day, cases.c.deceased_birth_date == day))
                continue
        literal = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")  # %, _ match themselves
        clauses.append(cases.c.search_text.like(f"%{literal}%", escape="\\"))
    return sa.and_(*clauses) if clauses else None


def _open_tasks_count():
    return (sa.select(sa.func.count()).select_from(tasks)
            .where(tasks.c.case_id == cases.c.id, tasks.c.applies.is_(True),
                   tasks.c.status.in_(OPEN_TASK_STATUSES)).scalar_subquery())


def list_cases(conn: Connection, search: str = "", *, limit: int = 50, offset: int = 0,
               date: dt.date | None = None) -> list[CaseSummary]:
    """One page of the case list, most recently changed first, in one query."""
    q = sa.select(cases.c.id, cases.c.version, cases.c.state, cases.c.deceased_name, cases.c.deceased_kana,
                  cases.c.deceased_death_date, cases.c.applicant_name, cases.c.updated_at,
                  _open_tasks_count().label("open_tasks"))
    where = _search_filter(search)
    if where is not None:
        q = q.where(where)
    if date is not None:
        q = q.where(_on_date(date))
    q = q.order_by(cases.c.updated_at.desc(), cases.c.id.desc()).limit(limit).offset(offset)
    return [CaseSummary(*r) for r in conn.execute(q)]


def count_cases(conn: Connection, search: str = "", date: dt.date | None = None, cap: int | None = None) -> int:
    """How many cases the list has; with ``cap``, counting stops after ``cap + 1`` (the pager says 「1,000件以上」
    instead of reading every case of five years for a number nobody needs)."""
    q = sa.select(cases.c.id if cap is not None else sa.func.count()).select_from(cases)
    where = _search_filter(search)
    if where is not None:
        q = q.where(where)
    if date is not None:
        q = q.where(_on_date(date))
    if cap is not None:
        q = sa.select(sa.func.count()).select_from(q.limit(cap + 1).subquery())
    return conn.execute(q).scalar_one()


def day_bounds(first: dt.date, last: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """From the start of ``first`` to the end of ``last`` (default: the same day), in Japan time."""
    start = dt.datetime.combine(first, dt.time(), JST)
    return start, dt.datetime.combine(last or first, dt.time(), JST) + dt.timedelta(days=1)


def _on_date(date: dt.date):
    """Cases with a visit (started or booked) on that day (Japan time), or created or changed that day: one index
    range scan per branch (visits' start and booked time, cases' creation and last change), no scan of every case."""
    start, end = day_bounds(date)
    day = cases.alias("cases_of_day")  # not the outer query's row
    return cases.c.id.in_(sa.union(
        sa.select(visits.c.case_id).where(visits.c.started_at.between(start, end)),
        sa.select(visits.c.case_id).where(visits.c.scheduled_at.between(start, end)),
        sa.select(day.c.id).where(day.c.created_at.between(start, end)),
        sa.select(day.c.id).where(day.c.updated_at.between(start, end))))


def delete(conn: Connection, actor: Actor, case_id: int, action: str = "case.delete") -> None:
    """Remove a case; its answers, tasks, visits and print log go with it (ON DELETE CASCADE)."""
    if conn.execute(cases.delete().where(cases.c.id == case_id)).rowcount != 1:
        raise CaseNotFound(f"案件番号 {case_id} はありません。")
    audit.record(conn, actor, action, case_id)
    notices.ring(conn, "case", case_id, terminal=actor.terminal)


def closed_before(conn: Connection, cutoff: dt.datetime) -> list[int]:
    q = sa.select(cases.c.id).where(cases.c.state == "closed", cases.c.closed_at.is_not(None),
                                    cases.c.closed_at < cutoff).order_by(cases.c.id)
    return [r[0] for r in conn.execute(q)]


def reindex_search(conn: Connection) -> int:
    """Recompute ``search_text`` where it is empty (after carrying over an old database)."""
    cols = [cases.c.id] + [cases.c[c] for c in PERSON_COLUMNS.values()]
    rows = conn.execute(sa.select(*cols).where(cases.c.search_text == "")).mappings().all()
    for r in rows:
        conn.execute(cases.update().where(cases.c.id == r["id"]).values(search_text=search_text(dict(r))))
    return len(rows)
