"""住基 import into the store (住基取込): one case per 宛名番号, answers with source ``juki``, the per-field baseline
of what 住基 last said, the import log, and the 外字 print choices (contract §10).

Re-importing: a field whose current value is still what 住基 last gave (its baseline) follows the file; a field
a clerk changed after the import (a person field that differs from its baseline, an answer whose source is no
longer ``juki``, or one a clerk took back) is kept — the clerk's answer wins — and, when the file says something
else, listed as a conflict. A row that changes nothing writes nothing: no version, no audit entry, no notice.
A case a clerk opened at the counter before the morning's import (no 宛名番号 yet, same name and dates) is linked
to its 宛名番号 rather than duplicated; what the clerk typed counts as their corrections.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import audit, bulk, cases as cases_mod, notices
from .database import Actor, now
from .schema import (DATE_COLUMNS, PERSON_COLUMNS, answers, cases, gaiji_choices, juki_baseline,
                     juki_imports, tasks)

MISSING = object()
FIELD_LABELS = {"deceased.name": "氏名", "deceased.kana": "氏名カナ", "deceased.sex": "性別",
                "deceased.birth_date": "生年月日", "deceased.death_date": "死亡日", "deceased.address": "住所",
                "deceased.registered_domicile": "本籍"}
_PERSON_COLS = [cases.c[c] for c in PERSON_COLUMNS.values()]
_TEXT_PARTS = ("deceased_name", "deceased_kana", "deceased_address", "deceased_registered_domicile",
               "applicant_name", "applicant_kana", "applicant_address", "funeral_chief_mourner")


@dataclass
class JukiRecord:
    """One good row of a death list: ``person`` as ``deceased.name`` → text (dates ISO, sex male/female),
    ``facts`` as contract §2 answers. ``line`` is the row's line in the file."""

    line: int
    key: str
    person: dict[str, str]
    facts: dict[str, Any]


@dataclass
class Conflict:
    """A clerk's correction kept although 住基 now says otherwise."""

    line: int
    key: str
    case: int
    field: str  # deceased.death_date, or a fact name
    kept: Any  # the clerk's value (None: the clerk took it back)
    juki: Any  # what the file says
    by: str  # counter / phone / clerk

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "case": self.case, "field": self.field, "kept": self.kept, "juki": self.juki,
                "source": self.by}


@dataclass
class Outcome:
    """What an import did, row by row (line → case)."""

    created: list[tuple[int, int]] = field(default_factory=list)
    updated: list[tuple[int, int, list[str]]] = field(default_factory=list)
    unchanged: list[tuple[int, int]] = field(default_factory=list)
    linked: list[tuple[int, int]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    import_id: int | None = None

    def merge(self, other: "Outcome") -> None:
        for name in ("created", "updated", "unchanged", "linked", "conflicts"):
            getattr(self, name).extend(getattr(other, name))

    def case_of_line(self) -> dict[int, int]:
        out = {line: case for line, case in self.created + self.unchanged}
        out.update({line: case for line, case, _ in self.updated})
        return out


@dataclass
class ImportLog:
    """The import record (no personal values: lines and field names)."""

    file_name: str
    sha256: str
    profile: str
    encoding: str
    rows: int
    skipped_lines: list[int]
    warning_lines: list[int]


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _stored(column: str, value: str | None) -> Any:
    return dt.date.fromisoformat(value) if value and column in DATE_COLUMNS else value


def _name_key(name: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", name or "").split())


def _upsert(conn: Connection, table: sa.Table, index: list[str], rows: list[dict], update: dict) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table)
    conn.execute(stmt.on_conflict_do_update(index_elements=index,
                                            set_={k: (v(stmt.excluded) if callable(v) else v)
                                                  for k, v in update.items()}), rows)


def apply_batch(conn: Connection, actor: Actor, records: list[JukiRecord], book=None) -> Outcome:
    """Create or update the cases of ``records`` (one transaction: the caller's)."""
    out = Outcome()
    at = now()
    keys = [r.key for r in records]
    rows = {r.juki_key: dict(r) for r in conn.execute(
        sa.select(cases.c.id, cases.c.juki_key, *_PERSON_COLS).where(cases.c.juki_key.in_(keys))).mappings()}
    _link_counter_cases(conn, records, rows)
    ids = [r["id"] for r in rows.values()]
    held: dict[int, dict[str, tuple]] = defaultdict(dict)
    bases: dict[int, dict[str, Any]] = defaultdict(dict)
    if ids:
        for a in conn.execute(sa.select(answers.c.case_id, answers.c.fact, answers.c.value, answers.c.source)
                              .where(answers.c.case_id.in_(ids))):
            held[a.case_id][a.fact] = (json.loads(a.value), a.source)
        for b in conn.execute(sa.select(juki_baseline.c.case_id, juki_baseline.c.fields)
                              .where(juki_baseline.c.case_id.in_(ids))):
            bases[b.case_id] = json.loads(b.fields)
    answer_rows: list[dict] = []
    base_new: dict[int, dict[str, Any]] = defaultdict(dict)  # case → fields whose 住基 value changed
    touched: list[int] = []  # updated cases: their tasks follow (the new ones got theirs in _create)
    fresh = [rec for rec in records if rec.key not in rows]
    if fresh:
        answer_rows = _create(conn, actor, fresh, book, at, out)
    for rec in records:
        row = rows.get(rec.key)
        if row is None:
            continue
        case_id = row["id"]
        if row.pop("_linked", False):
            out.linked.append((rec.line, case_id))
        base = bases[case_id]
        columns: dict[str, Any] = {}
        changed: list[str] = []
        for target, value in rec.person.items():
            column = PERSON_COLUMNS[tuple(target.split("."))]
            current, before = _iso(row[column]), base.get(target, MISSING)
            if current != value:
                by_clerk = (current is not None) if before is MISSING else (current != before)
                if by_clerk:
                    out.conflicts.append(Conflict(rec.line, rec.key, case_id, target, current, value, "clerk"))
                else:
                    columns[column] = _stored(column, value)
                    changed.append(target)
            if before != value:
                base_new[case_id][target] = value
        for fact, value in rec.facts.items():
            current, source = held[case_id].get(fact, (None, None))
            before = base.get(fact, MISSING)
            same = source is not None and current == value and type(current) is type(value)
            if not same:
                by_clerk = (source is not None and source != "juki") or (source is None and before is not MISSING)
                if by_clerk:  # answered at the counter / by phone, or taken back: the clerk's answer wins
                    out.conflicts.append(Conflict(rec.line, rec.key, case_id, fact, current, value,
                                                  source or "clerk"))
                else:
                    answer_rows.append({"case_id": case_id, "fact": fact, "value": json.dumps(value, ensure_ascii=False),
                                        "source": "juki", "operator": actor.operator, "updated_at": at, "rev": 1})
                    changed.append(fact)
            if before != value:
                base_new[case_id][fact] = value
        if changed:
            merged = {**row, **columns}
            conn.execute(cases.update().where(cases.c.id == case_id).values(
                **columns, version=cases.c.version + 1, updated_at=at,
                search_text=cases_mod.search_text({c: merged[c] for c in PERSON_COLUMNS.values()})))
            audit.record(conn, actor, "juki.update", case_id, line=rec.line, fields=sorted(changed))
            notices.ring(conn, "case", case_id, terminal=actor.terminal)
            out.updated.append((rec.line, case_id, changed))
            touched.append(case_id)
        else:
            out.unchanged.append((rec.line, case_id))
    _upsert(conn, answers, ["case_id", "fact"], answer_rows,
            {"value": lambda ex: ex.value, "source": "juki", "operator": actor.operator, "updated_at": at,
             "rev": answers.c.rev + 1})
    base_rows = [{"case_id": c, "fields": json.dumps({**bases[c], **changed}, ensure_ascii=False, sort_keys=True),
                  "updated_at": at} for c, changed in base_new.items()]
    _upsert(conn, juki_baseline, ["case_id"], base_rows, {"fields": lambda ex: ex.fields, "updated_at": at})
    if book is not None:
        _sync_tasks(conn, actor, touched, book)
    return out


class TaskPlanner:
    """Which procedures apply to a newly imported case, for its departments' tasks — the engine's own answer, but
    memoized rule by rule on exactly what the rule's condition can read: the answers it depends on (through
    derived facts and the questions' derive / gate conditions, and the other rules it names with ``applies:``) and,
    when a derived fact is among them, the intake (age, sex …). 100,000 rows then cost a few thousand evaluations
    of each rule instead of 100,000 whole interviews (tests/test_trust.py compares it with the engine)."""

    def __init__(self, book):
        from ..core.facts import DERIVED

        self.book = book
        closure: dict[str, tuple[frozenset, bool]] = {}

        def fact_inputs(name: str, seen: set[str]) -> tuple[set[str], bool]:
            if name in seen:
                return set(), False
            seen.add(name)
            out, intake = {name}, False
            d = DERIVED.get(name)
            if d is not None:
                intake = True
                for inp in d.inputs:
                    more, i = fact_inputs(inp, seen)
                    out |= more
                    intake = intake or i
            q = book.questions.get(name)
            if q is not None:
                for node in q.conditions():
                    for f in node.facts():
                        more, i = fact_inputs(f, seen)
                        out |= more
                        intake = intake or i
            return out, intake

        def rule_inputs(code: str, seen_rules: set[str]) -> tuple[set[str], bool]:
            if code in seen_rules:
                return set(), False
            seen_rules.add(code)
            rule = book.rules[code]
            out, intake = set(), False
            for f in rule.when.facts():
                more, i = fact_inputs(f, set())
                out |= more
                intake = intake or i
            for other, _ in rule.when.applies_codes():
                if other in book.rules:
                    more, i = rule_inputs(other, seen_rules)
                    out |= more
                    intake = intake or i
            return out, intake

        for rule in book.ordered:
            facts, intake = rule_inputs(rule.code, set())
            closure[rule.code] = (tuple(sorted(facts)), intake)
        self.inputs = closure
        # rules that read the same inputs share a key (computed once per row); memo: key → the codes it lists
        groups: dict[tuple, list[str]] = {}
        for rule in book.ordered:
            groups.setdefault(closure[rule.code], []).append(rule.code)
        self.groups = [(facts, intake, codes) for (facts, intake), codes in groups.items()]
        self.memo: list[dict[tuple, tuple[str, ...]]] = [{} for _ in self.groups]
        self.order = {rule.code: i for i, rule in enumerate(book.ordered)}
        self.departments: dict[str, str] = {}

    def procedures(self, dates, answers: dict[str, Any]) -> list[tuple[str, str]]:
        """(procedure, department) of every procedure that applies or is to be confirmed (要確認), in the
        rulebook's order."""
        from ..core import conditions as C
        from .tasks import department_of

        intake = (dates.age, dates.sex, dates.applicant_relationship, dates.funeral_date, dates.chief_mourner,
                  dates.applicant_name)
        typed = {f: (type(v).__name__, v) for f, v in answers.items()}
        resolver = None
        listed: list[str] = []
        for (facts, uses_intake, codes), memo in zip(self.groups, self.memo):
            key = tuple([typed.get(f) for f in facts])
            if uses_intake:
                key += intake
            found = memo.get(key)
            if found is None:
                if resolver is None:
                    from ..core.engine import _Resolver  # the engine's own evaluation, without the interview

                    resolver = _Resolver(self.book, dates, dict(answers))
                found = memo[key] = tuple(c for c in codes if resolver.applies(c)[0] not in (C.FALSE, C.PENDING))
            listed.extend(found)
        listed.sort(key=self.order.__getitem__)
        out = []
        for code in listed:
            dept = self.departments.get(code)
            if dept is None:
                dept = self.departments[code] = department_of(self.book, self.book.rules[code])
            out.append((code, dept))
        return out


_PLANNERS: dict[int, TaskPlanner] = {}


def planner_for(book) -> TaskPlanner:
    planner = _PLANNERS.get(id(book))
    if planner is None or planner.book is not book:
        _PLANNERS.clear()  # one rulebook at a time
        planner = _PLANNERS[id(book)] = TaskPlanner(book)
    return planner


_JSON: dict[tuple, str] = {}


def _json(value: Any) -> str:
    """JSON of an answer or a field (the few answer values repeat: their text is kept)."""
    if isinstance(value, (bool, int)) or (isinstance(value, str) and len(value) < 20):
        key = (type(value), value)
        text = _JSON.get(key)
        if text is None:
            if len(_JSON) > 10000:
                _JSON.clear()
            text = _JSON[key] = json.dumps(value, ensure_ascii=False)
        return text
    return json.dumps(value, ensure_ascii=False)


_CASE_COLS = ("id", "version", "state", "created_at", "updated_at", "created_by", *PERSON_COLUMNS.values(),
              "search_text", "juki_key", "language")


def _create(conn: Connection, actor: Actor, records: list[JukiRecord], book, at: dt.datetime,
            out: Outcome) -> list[dict]:
    """New cases (state new = 未来庁), in bulk (store/bulk.py: COPY on PostgreSQL, executemany on SQLite): a
    100,000-row file in well under a minute. The departments hear of the batch with one notice each."""
    from ..core.engine import CaseDates

    ids = bulk.next_ids(conn, cases, len(records))
    stamp = bulk.when(conn, at)
    case_rows, answer_rows, base_rows, task_rows, audit_rows = [], [], [], [], []
    departments: set[str] = set()
    planner = planner_for(book) if book is not None else None
    for rec, case_id in zip(records, ids):
        v = {column: None for column in PERSON_COLUMNS.values()}
        v.update({PERSON_COLUMNS[tuple(k.split("."))]: _stored(PERSON_COLUMNS[tuple(k.split("."))], x)
                  for k, x in rec.person.items()})
        case_rows.append((case_id, 1, "new", stamp, stamp, actor.operator,
                          *[bulk.day(conn, v[c]) if c in DATE_COLUMNS else v[c] for c in PERSON_COLUMNS.values()],
                          cases_mod.search_text(v), rec.key, "ja"))
        answer_rows += [(case_id, f, _json(x), "juki", actor.operator, stamp, 1) for f, x in rec.facts.items()]
        base_rows.append((case_id, json.dumps({**rec.person, **rec.facts}, ensure_ascii=False, sort_keys=True), stamp))
        # one entry a case (made by the import: its line, which fields and answers; never their values) — on
        # PostgreSQL each entry is a link the server chains, so a city's whole list is 100,000 of them, not 200,000
        audit_rows.append({"operator": actor.operator, "terminal": actor.terminal, "action": "case.create",
                           "case_id": case_id, "detail": json.dumps({"source": "juki", "line": rec.line,
                                                                     "fields": sorted(rec.person),
                                                                     "facts": sorted(rec.facts)}, ensure_ascii=False)})
        birth, death = v["deceased_birth_date"], v["deceased_death_date"]
        if planner is not None and birth and death and death >= birth:
            sex = v["deceased_sex"] if v["deceased_sex"] in ("male", "female") else None
            for code, dept in planner.procedures(CaseDates(birth, death, None, sex, None, None, None), rec.facts):
                departments.add(dept)
                task_rows.append((case_id, code, dept, "open", "", actor.operator, stamp, 1, bulk.flag(conn, True)))
        out.created.append((rec.line, case_id))
    bulk.insert_rows(conn, cases, _CASE_COLS, case_rows)
    bulk.insert_rows(conn, answers, ("case_id", "fact", "value", "source", "operator", "updated_at", "rev"),
                     answer_rows)
    bulk.insert_rows(conn, juki_baseline, ("case_id", "fields", "updated_at"), base_rows)
    bulk.insert_rows(conn, tasks, ("case_id", "procedure", "department", "status", "note", "operator", "updated_at",
                                   "version", "applies"), task_rows)
    # new cases: nobody has them open, so one notice for the lists and one per department (its work list) suffice
    notices.ring(conn, "case", None, terminal=actor.terminal)
    for dept in sorted(departments):
        notices.ring(conn, "task", None, dept, terminal=actor.terminal)
    audit.record_many(conn, audit_rows)
    audit.seen(conn, actor, at)
    return []


def _link_counter_cases(conn: Connection, records: list[JukiRecord], rows: dict[str, dict]) -> None:
    """A case opened at the counter before the import (no 宛名番号; same name, birth and death date, not closed)
    gets the row's 宛名番号 instead of a second case being created. Only an unambiguous match is linked."""
    wanted = [r for r in records if r.key not in rows and r.person.get("deceased.death_date")
              and r.person.get("deceased.birth_date") and r.person.get("deceased.name")]
    if not wanted:
        return
    deaths = {dt.date.fromisoformat(r.person["deceased.death_date"]) for r in wanted}
    found: dict[tuple, list[dict]] = defaultdict(list)
    for c in conn.execute(sa.select(cases.c.id, cases.c.juki_key, *_PERSON_COLS).where(
            cases.c.juki_key.is_(None), cases.c.state != "closed",
            cases.c.deceased_death_date.in_(deaths))).mappings():
        found[(_iso(c["deceased_death_date"]), _iso(c["deceased_birth_date"]), _name_key(c["deceased_name"]))].append(dict(c))
    for r in wanted:
        match = found.get((r.person["deceased.death_date"], r.person["deceased.birth_date"],
                           _name_key(r.person["deceased.name"])), [])
        if len(match) == 1:
            row = match.pop()
            conn.execute(cases.update().where(cases.c.id == row["id"]).values(juki_key=r.key))
            row["juki_key"], row["_linked"] = r.key, True
            rows[r.key] = row


def _sync_tasks(conn: Connection, actor: Actor, case_ids: list[int], book) -> None:
    """The departments' tasks follow the imported answers (they can prepare before the family comes)."""
    from .casefile import evaluate_row
    from .tasks import sync

    for case_id in case_ids:
        result = evaluate_row(book, cases_mod.load(conn, case_id))
        if result is not None:
            sync(conn, actor, case_id, result, book)


def log_import(conn: Connection, actor: Actor, log: ImportLog, outcome: Outcome) -> int:
    detail = {"skipped_lines": log.skipped_lines, "warning_lines": log.warning_lines,
              "created": [c for _, c in outcome.created], "updated": [c for _, c, _ in outcome.updated],
              "linked": [c for _, c in outcome.linked],
              "conflicts": [{"line": c.line, "case": c.case, "field": c.field} for c in outcome.conflicts]}
    import_id = conn.execute(juki_imports.insert().values(
        at=now(), operator=actor.operator, terminal=actor.terminal, file_name=log.file_name, sha256=log.sha256,
        profile=log.profile, encoding=log.encoding, rows=log.rows, created=len(outcome.created),
        updated=len(outcome.updated), unchanged=len(outcome.unchanged), skipped=len(log.skipped_lines),
        conflicts=len(outcome.conflicts), detail=json.dumps(detail, ensure_ascii=False))).inserted_primary_key[0]
    audit.record(conn, actor, "juki.import", None, import_id=import_id, file=log.file_name, rows=log.rows,
                 created=len(outcome.created), updated=len(outcome.updated), skipped=len(log.skipped_lines),
                 conflicts=len(outcome.conflicts))
    return import_id


@dataclass(frozen=True)
class ImportEntry:
    id: int
    at: dt.datetime
    operator: str
    terminal: str
    file_name: str
    sha256: str
    profile: str
    rows: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    conflicts: int


def imports(conn: Connection, limit: int = 20) -> list[ImportEntry]:
    q = sa.select(*[juki_imports.c[n] for n in ImportEntry.__dataclass_fields__]).order_by(
        juki_imports.c.id.desc()).limit(limit)
    return [ImportEntry(**r._mapping) for r in conn.execute(q)]


def baseline(conn: Connection, case_id: int) -> dict[str, Any]:
    q = sa.select(juki_baseline.c.fields).where(juki_baseline.c.case_id == case_id)
    fields = conn.execute(q).scalar_one_or_none()
    return json.loads(fields) if fields else {}


# -- 外字 -------------------------------------------------------------------------------------------------------
def _has_gaiji(text: Any) -> bool:
    return isinstance(text, str) and any(0xE000 <= ord(c) <= 0xF8FF for c in text)


def marks(conn: Connection, ids: list[int]) -> dict[int, tuple[bool, bool]]:
    """case → (imported from 住基, has 外字) for the case list (one query for a page)."""
    if not ids:
        return {}
    cols = [cases.c.id, cases.c.juki_key] + [cases.c[c] for c in _TEXT_PARTS]
    out = {}
    for r in conn.execute(sa.select(*cols).where(cases.c.id.in_(ids))).mappings():
        out[r["id"]] = (r["juki_key"] is not None, any(_has_gaiji(r[c]) for c in _TEXT_PARTS))
    return out


def gaiji_choices_of(conn: Connection, case_id: int) -> dict[str, str]:
    q = sa.select(gaiji_choices.c.char, gaiji_choices.c.substitute).where(gaiji_choices.c.case_id == case_id)
    return {c: s for c, s in conn.execute(q)}


def set_gaiji_choice(conn: Connection, actor: Actor, case_id: int, char: str, substitute: str) -> None:
    if conn.execute(sa.select(cases.c.id).where(cases.c.id == case_id)).first() is None:
        raise cases_mod.CaseNotFound(f"案件番号 {case_id} はありません。")
    _upsert(conn, gaiji_choices, ["case_id", "char"],
            [{"case_id": case_id, "char": char, "substitute": substitute, "operator": actor.operator,
              "updated_at": now()}],
            {"substitute": lambda ex: ex.substitute, "operator": actor.operator, "updated_at": now()})
    audit.record(conn, actor, "gaiji.set", case_id, char=f"U+{ord(char):04X}", handwritten=not substitute)
