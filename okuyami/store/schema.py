"""The tables of the shared case store (テーブル定義), one SQLAlchemy Core definition for SQLite and PostgreSQL.

Nothing is a JSON blob rewritten whole: a case's people are columns updated one at a time, each answer is one row
(``answers``: value, source ``counter`` / ``phone`` / ``juki``, operator, time, revision), each procedure's work is
one row (``tasks``: department, status, note, operator, time, version). ``cases.version`` goes up with every change
to a case, its answers or its tasks: a write that says which version it was made from is refused when the case
has moved on. ``audit_log`` is append-only (triggers refuse UPDATE and DELETE on both backends) and hash-chained
(``audit_head`` holds the chain's last link); ``notices`` is
the durable record that terminals poll (and that PostgreSQL's NOTIFY only rings the bell for).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A point in time stored in UTC: ``timestamptz`` on PostgreSQL; ISO text in UTC on SQLite. Read back aware."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware times only")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value


metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s", "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s", "pk": "pk_%(table_name)s", "ck": "ck_%(table_name)s_%(constraint_name)s",
})

CASE_STATES = ("new", "in_progress", "printed", "follow_up", "closed")
TASK_STATUSES = ("open", "prepared", "done", "deferred", "not_applicable")
ANSWER_SOURCES = ("counter", "phone", "juki")

# deceased / applicant / funeral fields (contract §1) → column
PERSON_COLUMNS = {
    ("deceased", "name"): "deceased_name", ("deceased", "kana"): "deceased_kana", ("deceased", "sex"): "deceased_sex",
    ("deceased", "birth_date"): "deceased_birth_date", ("deceased", "death_date"): "deceased_death_date",
    ("deceased", "address"): "deceased_address", ("deceased", "registered_domicile"): "deceased_registered_domicile",
    ("applicant", "name"): "applicant_name", ("applicant", "kana"): "applicant_kana",
    ("applicant", "relationship"): "applicant_relationship", ("applicant", "birth_date"): "applicant_birth_date",
    ("applicant", "address"): "applicant_address", ("applicant", "phone"): "applicant_phone",
    ("funeral", "date"): "funeral_date", ("funeral", "chief_mourner"): "funeral_chief_mourner",
}
DATE_COLUMNS = {"deceased_birth_date", "deceased_death_date", "applicant_birth_date", "funeral_date"}
# how long a typed, booked or imported value may be (a 10 MB "name" is a mistake or an attack, not a name)
TEXT_LIMITS = {"deceased_name": 100, "deceased_kana": 200, "deceased_sex": 10, "deceased_address": 300,
               "deceased_registered_domicile": 300, "applicant_name": 100, "applicant_kana": 200,
               "applicant_relationship": 50, "applicant_address": 300, "applicant_phone": 40,
               "funeral_chief_mourner": 100}
MAX_COUNT = 99  # an answer that is a number of people (残る世帯員, 子の数 …)
MAX_TEXT_ANSWER = 500  # an answer in words (a city's own question)

cases = sa.Table(
    "cases", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),  # 案件番号
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("state", sa.String(20), nullable=False, server_default="in_progress"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False, server_default=""),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    *[sa.Column(col, sa.Date if col in DATE_COLUMNS else sa.Text, nullable=True) for col in PERSON_COLUMNS.values()],
    sa.Column("current_question", sa.String(100), nullable=True),
    sa.Column("search_text", sa.Text, nullable=False, server_default=""),
    sa.Column("juki_key", sa.String(40), nullable=True, unique=True),  # 宛名番号 (core-system import)
    sa.Column("language", sa.String(10), nullable=False, server_default="ja"),
    sa.CheckConstraint("state IN ('new','in_progress','printed','follow_up','closed')", name="state"),
)
sa.Index("ix_cases_updated", cases.c.updated_at.desc(), cases.c.id.desc())
sa.Index("ix_cases_death_date", cases.c.deceased_death_date)
sa.Index("ix_cases_birth_date", cases.c.deceased_birth_date)
sa.Index("ix_cases_created_at", cases.c.created_at)

answers = sa.Table(
    "answers", metadata,
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("fact", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),  # JSON: true / 2 / "kouki" / "unknown"
    sa.Column("source", sa.String(10), nullable=False),
    sa.Column("operator", sa.String(100), nullable=False, server_default=""),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("rev", sa.Integer, nullable=False, server_default="1"),
    sa.CheckConstraint("source IN ('counter','phone','juki')", name="source"),
)

tasks = sa.Table(
    "tasks", metadata,
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("procedure", sa.String(100), primary_key=True),
    sa.Column("department", sa.String(100), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="open"),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("operator", sa.String(100), nullable=False, server_default=""),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("applies", sa.Boolean, nullable=False, server_default=sa.true()),  # false: the answers no longer call for it
    sa.Column("follow_up", sa.Date, nullable=True),  # 後日: the day the family means to do it (or come back)
    sa.CheckConstraint("status IN ('open','prepared','done','deferred','not_applicable')", name="status"),
)
sa.Index("ix_tasks_department_status", tasks.c.department, tasks.c.status)
sa.Index("ix_tasks_follow_up", tasks.c.follow_up)  # 後日 by day (the report's department page, 0006)

visits = sa.Table(
    "visits", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False, server_default="counter"),  # counter / phone
    sa.Column("office", sa.String(100), nullable=False, server_default=""),
    sa.Column("scheduled_at", UTCDateTime, nullable=True),  # a booked time (reservations)
    sa.Column("started_at", UTCDateTime, nullable=True),
    sa.Column("ended_at", UTCDateTime, nullable=True),
    sa.Column("operator", sa.String(100), nullable=False, server_default=""),
    sa.Column("terminal", sa.String(100), nullable=False, server_default=""),
)
sa.Index("ix_visits_scheduled_at", visits.c.scheduled_at)  # the families of a day: booked …
sa.Index("ix_visits_started_at", visits.c.started_at)  # … or at the counter (tasks.work_list, cases list --date)

sa.Index("ix_visits_kind_started_at", visits.c.kind, visits.c.started_at)  # the month's visits (report, 0006)

# --- reservations (予約, contract §9) --------------------------------------------------------------------------
RESERVATION_STATUSES = ("booked", "arrived", "in_service", "done", "no_show", "cancelled")

reservations = sa.Table(  # one booked (or walk-in) visit of a family; its id is the 予約番号
    "reservations", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("office", sa.String(100), nullable=False),
    sa.Column("start", UTCDateTime, nullable=False),  # the slot's start (a walk-in: the arrival)
    sa.Column("minutes", sa.Integer, nullable=False),
    # the place held in the slot, 1..capacity; NULL once cancelled and for walk-ins. UNIQUE (office, start, desk):
    # two bookings can never hold the same place, whatever the terminals do at the same moment.
    sa.Column("desk", sa.Integer, nullable=True),
    sa.Column("status", sa.String(20), nullable=False, server_default="booked"),
    sa.Column("walk_in", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("caller_name", sa.Text, nullable=False, server_default=""),
    sa.Column("caller_relationship", sa.Text, nullable=False, server_default=""),
    sa.Column("caller_phone", sa.Text, nullable=False, server_default=""),
    sa.Column("visit_id", sa.Integer, sa.ForeignKey("visits.id", ondelete="SET NULL"), nullable=True),
    sa.Column("moved_from", UTCDateTime, nullable=True),  # rescheduled: the start it had before
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False, server_default=""),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("operator", sa.String(100), nullable=False, server_default=""),
    sa.Column("arrived_at", UTCDateTime, nullable=True),
    sa.Column("served_at", UTCDateTime, nullable=True),
    sa.Column("done_at", UTCDateTime, nullable=True),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.UniqueConstraint("office", "start", "desk", name="uq_reservations_place"),
    sa.CheckConstraint("desk IS NULL OR desk >= 1", name="desk"),
    sa.CheckConstraint("status IN ('booked','arrived','in_service','done','no_show','cancelled')", name="status"),
)
sa.Index("ix_reservations_start", reservations.c.start)
sa.Index("ix_reservations_visit_id", reservations.c.visit_id)  # is a counter visit a booking's? (report, 0006)

slot_locks = sa.Table(  # one row per slot ever booked: the row a booking locks, so bookings of a slot take turns
    "slot_locks", metadata,
    sa.Column("office", sa.String(100), primary_key=True),
    sa.Column("start", UTCDateTime, primary_key=True),
    sa.Column("bookings", sa.Integer, nullable=False, server_default="0"),  # bookings made (for the record)
)

slot_overrides = sa.Table(  # the staff's changes to a day or a slot (閉じる・窓口を増やす), audited
    "slot_overrides", metadata,
    sa.Column("office", sa.String(100), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("time", sa.String(5), primary_key=True),  # "" = the whole day, else the slot's start "H:MM"
    sa.Column("closed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("desks", sa.Integer, nullable=False, server_default="0"),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("operator", sa.String(100), nullable=False, server_default=""),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
# --- end of reservations -----------------------------------------------------------------------------------------

print_log = sa.Table(
    "print_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("visit_id", sa.Integer, sa.ForeignKey("visits.id", ondelete="SET NULL"), nullable=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("operator", sa.String(100), nullable=False, server_default=""),
    sa.Column("terminal", sa.String(100), nullable=False, server_default=""),
    sa.Column("what", sa.Text, nullable=False, server_default="{}"),  # JSON
)

packets = sa.Table(  # 交付した書類一式: each packet as printed or saved, kept byte for byte (never overwritten)
    "packets", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("visit_id", sa.Integer, sa.ForeignKey("visits.id", ondelete="SET NULL"), nullable=True),
    sa.Column("print_id", sa.Integer, sa.ForeignKey("print_log.id", ondelete="SET NULL"), nullable=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("operator", sa.String(100), nullable=False, server_default=""),
    sa.Column("terminal", sa.String(100), nullable=False, server_default=""),
    sa.Column("file_name", sa.String(200), nullable=False),  # dated: 2026-11-23_1430_案件12_案内.pdf
    sa.Column("pages", sa.Integer, nullable=False, server_default="0"),
    sa.Column("size", sa.Integer, nullable=False, server_default="0"),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("pdf", sa.LargeBinary, nullable=False),
)

audit_log = sa.Table(  # append-only and chained: see store/roles.py (triggers) and store/audit.py
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("operator", sa.String(100), nullable=False),
    sa.Column("terminal", sa.String(100), nullable=False),
    sa.Column("action", sa.String(50), nullable=False),
    sa.Column("case_id", sa.Integer, nullable=True),  # no foreign key: the entry outlives a purged case
    sa.Column("detail", sa.Text, nullable=False, server_default="{}"),  # JSON, never personal values
    # the hash chain (contract §11, store/audit.py): the entry's place in the chain, the hash of the entry before
    # it, and its own hash over every field above and prev_hash (sha256, hex). Set by the store (SQLite) or by the
    # server's trigger (PostgreSQL, which also sets id, at and — for a terminal's login — terminal).
    sa.Column("seq", sa.BigInteger, nullable=True),
    sa.Column("prev_hash", sa.String(64), nullable=True),
    sa.Column("hash", sa.String(64), nullable=True),
    implicit_returning=False,  # no RETURNING: a department login may insert entries it may not read back
)
sa.Index("ix_audit_case", audit_log.c.case_id, audit_log.c.id)
sa.Index("ix_audit_at", audit_log.c.at)
sa.Index("uq_audit_log_seq", audit_log.c.seq, unique=True)

audit_head = sa.Table(  # one row (id 1): the chain's last entry, so a removed tail is found too
    "audit_head", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("last_id", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("at", UTCDateTime, nullable=True),
    # entries up to this seq were written before the chain existed and chained by db upgrade: their order in time
    # was the terminals' clocks, so verify does not hold it against them
    sa.Column("sealed_seq", sa.BigInteger, nullable=False, server_default="0"),
)

terminals = sa.Table(  # PostgreSQL: which department a department terminal's LOGIN role works for (db terminal add)
    "okuyami_terminals", metadata,
    sa.Column("login", sa.String(63), primary_key=True),
    sa.Column("department", sa.String(100), nullable=False),
)

notices = sa.Table(
    "notices", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("case_id", sa.Integer, nullable=True),
    sa.Column("department", sa.String(100), nullable=True),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("terminal", sa.String(100), nullable=False, server_default=""),
    # PostgreSQL: the writing transaction's id (pg_current_xact_id, also its default since 0005), for reading notices
    # in commit order (notices.py)
    sa.Column("xact", sa.BigInteger, nullable=True),
)
sa.Index("ix_notices_xact", notices.c.xact)
sa.Index("ix_notices_at", notices.c.at)

operators = sa.Table(
    "operators", metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("last_seen", UTCDateTime, nullable=False),
)

# --- 住基 import (contract §10), 外字 print choices -----------------------------------------------------------
# juki_imports: one row per file imported (the import record: counts, and the lines skipped / conflicts by line
# number and field name, never a personal value). juki_baseline: per case, for each field the value the last import
# brought (so a re-import can tell a clerk's correction, which it keeps, from 住基's own value, which it updates).
# gaiji_choices: per case and 外字 character, how it prints (a substitute the clerk typed, or '' for 〓 to be
# written by hand); the stored name keeps the private-use character.
juki_imports = sa.Table(
    "juki_imports", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("operator", sa.String(100), nullable=False, server_default=""),
    sa.Column("terminal", sa.String(100), nullable=False, server_default=""),
    sa.Column("file_name", sa.Text, nullable=False, server_default=""),
    sa.Column("sha256", sa.String(64), nullable=False, server_default=""),
    sa.Column("profile", sa.Text, nullable=False, server_default=""),
    sa.Column("encoding", sa.String(20), nullable=False, server_default=""),
    sa.Column("rows", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated", sa.Integer, nullable=False, server_default="0"),
    sa.Column("unchanged", sa.Integer, nullable=False, server_default="0"),
    sa.Column("skipped", sa.Integer, nullable=False, server_default="0"),
    sa.Column("conflicts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("detail", sa.Text, nullable=False, server_default="{}"),  # JSON: lines and field names only
)
sa.Index("ix_juki_imports_at", juki_imports.c.at)

juki_baseline = sa.Table(  # one row per case (since 0007; was one per field): 100,000 imported cases, 100,000 rows
    "juki_baseline", metadata,
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("fields", sa.Text, nullable=False),  # JSON object: deceased.name … or a fact name → as 住基 gave it last
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

gaiji_choices = sa.Table(
    "gaiji_choices", metadata,
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("char", sa.String(8), primary_key=True),
    sa.Column("substitute", sa.Text, nullable=False, server_default=""),  # '' : print 〓, written by hand
    sa.Column("operator", sa.String(100), nullable=False, server_default=""),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
