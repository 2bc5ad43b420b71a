"""Who may do what, enforced by the database itself (サーバー側の権限, contract §11), and the audit log's guards.

Run by every ``okuyami db upgrade`` after the migrations (:func:`ensure`), so what somebody removed or changed —
a trigger dropped, a grant added by hand, a policy altered — is put back.

PostgreSQL
    Three NOLOGIN group roles, cluster-wide (made if missing; a second database, or a concurrent ``db upgrade``,
    finds them there): ``okuyami_counter`` (corner desks, reservation desk, 住基 import: read and write the case
    data, insert audit entries), ``okuyami_department`` (department terminals: read the cases that have a task of
    its own department, change only those tasks, insert audit entries) and ``okuyami_auditor`` (read the audit log
    and verify it; its reads are audited). Each terminal logs in with its own LOGIN role made a member of one of
    them by ``okuyami db terminal add`` (:func:`add_terminal`), which also records a department login's department
    (``okuyami_terminals``). Grants are per database and start from nothing on every upgrade (REVOKE ALL, then
    GRANT); the owner (IT) keeps the schema, the groups own nothing, so no group can ALTER, DROP, TRUNCATE or
    disable a trigger. Row-level security limits a department login to its department's tasks and the cases that
    have one, whatever tool it connects with. The audit log's trigger (SECURITY DEFINER) chains every entry under
    a lock on ``audit_head`` and sets its id, time (the server's clock) and — for a terminal's login — its terminal
    (the login role), so an entry cannot be back-dated, forged into the middle, or credited to another terminal.

SQLite
    The file's holder can do anything; triggers refuse UPDATE and DELETE of entries and an entry that does not
    continue the chain, and ``okuyami audit verify`` finds what was done after dropping them (store/audit.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .database import StoreError

GROUPS = {"counter": "okuyami_counter", "department": "okuyami_department", "auditor": "okuyami_auditor"}
GROUP_JA = {"counter": "おくやみコーナー（窓口・予約・住基取込）", "department": "各課", "auditor": "監査担当"}

# -- SQLite: the audit log's triggers ---------------------------------------------------------------------------
SQLITE_TRIGGERS = {
    "audit_log_no_update": """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    "audit_log_no_delete": """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    "audit_log_chain": """CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log: an entry must continue the chain')
        WHERE NEW.seq IS NULL OR NEW.seq <= (SELECT seq FROM audit_head WHERE id = 1)
           OR NEW.id <= (SELECT last_id FROM audit_head WHERE id = 1)
           OR NEW.prev_hash IS NOT (SELECT hash FROM audit_head WHERE id = 1)
           OR length(NEW.hash) IS NOT 64
           OR NEW.at < (SELECT at FROM audit_head WHERE id = 1); END""",
    "audit_log_head": """CREATE TRIGGER audit_log_head AFTER INSERT ON audit_log
        BEGIN UPDATE audit_head SET seq = NEW.seq, last_id = NEW.id, hash = NEW.hash, at = NEW.at WHERE id = 1; END""",
    "audit_head_follows": """CREATE TRIGGER audit_head_follows BEFORE UPDATE ON audit_head
        BEGIN SELECT RAISE(ABORT, 'audit_head follows the chain only')
        WHERE NEW.id IS NOT OLD.id OR NEW.seq <= OLD.seq OR NEW.sealed_seq IS NOT OLD.sealed_seq
           OR NEW.hash IS NOT (SELECT hash FROM audit_log WHERE seq = NEW.seq)
           OR NEW.last_id IS NOT (SELECT id FROM audit_log WHERE seq = NEW.seq); END""",
    "audit_head_no_delete": """CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
        BEGIN SELECT RAISE(ABORT, 'audit_head cannot be removed'); END""",
    "audit_head_one_row": """CREATE TRIGGER audit_head_one_row BEFORE INSERT ON audit_head
        WHEN (SELECT count(*) FROM audit_head) > 0
        BEGIN SELECT RAISE(ABORT, 'audit_head has one row'); END""",
}


def _norm_sql(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def sqlite_guards_missing(conn: Connection) -> list[str]:
    """The audit log's triggers that are not there as okuyami made them (dropped, or replaced by other SQL)."""
    have = {name: sql for name, sql in conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")}
    return [name for name, sql in SQLITE_TRIGGERS.items() if _norm_sql(have.get(name)) != _norm_sql(sql)]


def _ensure_sqlite(conn: Connection) -> list[str]:
    missing = sqlite_guards_missing(conn)
    for name in missing:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.exec_driver_sql(SQLITE_TRIGGERS[name])
    return missing


# -- PostgreSQL -------------------------------------------------------------------------------------------------
# tables a department login may read, limited to the cases that have a task of its department
_DEPARTMENT_READS = ("answers", "visits", "reservations", "print_log", "packets", "gaiji_choices", "juki_baseline")
# … and may add to, for those cases (papers printed at its counter: the print and the day's visit are recorded)
_DEPARTMENT_ADDS = ("visits", "print_log")
# tables that hold case data: row-level security on (the counter's policy lets it see every row)
_RLS_TABLES = ("cases", "tasks", "audit_log") + _DEPARTMENT_READS
# what the counter group may not write directly (the chain's trigger and db terminal add do)
_NOT_FOR_COUNTER = ("audit_log", "audit_head", "okuyami_terminals", "alembic_version", "operators")
_PG_TRIGGERS = {  # name → (table, definition)
    "audit_log_chain": ("audit_log", "BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION okuyami_audit_chain()"),
    "audit_log_moved": ("audit_log", "AFTER INSERT ON audit_log REFERENCING NEW TABLE AS okuyami_new_entries "
                                     "FOR EACH STATEMENT EXECUTE FUNCTION okuyami_audit_moved()"),
    "audit_log_append_only": ("audit_log", "BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW "
                                           "EXECUTE FUNCTION okuyami_audit_append_only()"),
    "audit_log_no_truncate": ("audit_log", "BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT "
                                           "EXECUTE FUNCTION okuyami_audit_append_only()"),
    "audit_head_guard": ("audit_head", "BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_head FOR EACH STATEMENT "
                                       "EXECUTE FUNCTION okuyami_audit_head_guard()"),
}


def _functions(schema: str) -> list[str]:
    path = f"SET search_path = {schema}, pg_temp"
    groups = ", ".join(f"'{g}'" for g in GROUPS.values())
    return [
        # the hash of one entry: the same text as okuyami.store.audit.entry_hash
        """CREATE OR REPLACE FUNCTION okuyami_audit_hash(p_seq bigint, p_id bigint, p_at timestamptz, p_operator text,
            p_terminal text, p_action text, p_case integer, p_detail text, p_prev text) RETURNS text
        LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
            SELECT encode(sha256(convert_to(concat_ws(chr(31), p_seq::text, p_id::text,
                to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), p_operator, p_terminal, p_action,
                coalesce(p_case::text, ''), p_detail, p_prev), 'UTF8')), 'hex') $$""",
        f"""CREATE OR REPLACE FUNCTION okuyami_audit_chain() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER {path} AS $$
        DECLARE h audit_head%ROWTYPE; t record;
        BEGIN
            SELECT * INTO h FROM audit_head WHERE id = 1 FOR UPDATE;  -- one transaction at a time: a linear chain
            IF NOT FOUND THEN
                RAISE EXCEPTION 'okuyami: audit_head is missing (run okuyami db upgrade)';
            END IF;
            -- the tip: the head as committed, or this statement's / transaction's own last entry (rows inserted
            -- earlier by the same statement are visible here; the head row is moved once per statement, below)
            SELECT a.seq, a.id, a.hash, a.at INTO t FROM audit_log a WHERE a.seq IS NOT NULL
                ORDER BY a.seq DESC LIMIT 1;
            IF FOUND AND t.seq > h.seq THEN
                h.seq := t.seq; h.last_id := t.id; h.hash := t.hash; h.at := t.at;
            END IF;
            NEW.id := h.last_id + 1;
            NEW.seq := h.seq + 1;
            -- the command's own time (contract §8: $OKUYAMI_NOW sets every timestamp stored), but never before the
            -- entry it follows (no back-dating) nor more than 10 minutes ahead of the server's clock
            NEW.at := greatest(least(coalesce(NEW.at, clock_timestamp()), clock_timestamp() + interval '10 minutes'),
                               coalesce(h.at, '-infinity'::timestamptz));
            IF EXISTS (SELECT 1 FROM pg_roles g WHERE g.rolname IN ({groups})
                       AND pg_has_role(session_user, g.oid, 'MEMBER')) THEN
                NEW.terminal := session_user;  -- a terminal's own login: the server knows which terminal it is
            END IF;
            NEW.prev_hash := h.hash;
            NEW.hash := okuyami_audit_hash(NEW.seq, NEW.id, NEW.at, NEW.operator, NEW.terminal, NEW.action,
                                           NEW.case_id, NEW.detail, NEW.prev_hash);
            RETURN NEW;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION okuyami_audit_moved() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER {path} AS $$
        BEGIN  -- once per statement: the head follows the last entry, and the operators are remembered as seen
            UPDATE audit_head h SET seq = n.seq, last_id = n.id, hash = n.hash, at = n.at
                FROM (SELECT seq, id, hash, at FROM okuyami_new_entries ORDER BY seq DESC LIMIT 1) n
                WHERE h.id = 1 AND n.seq > h.seq;
            INSERT INTO operators (name, last_seen)
                SELECT operator, max(at) FROM okuyami_new_entries WHERE operator <> '' GROUP BY operator
                ON CONFLICT (name) DO UPDATE SET last_seen = EXCLUDED.last_seen;
            RETURN NULL;
        END $$""",
        """CREATE OR REPLACE FUNCTION okuyami_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$""",
        f"""CREATE OR REPLACE FUNCTION okuyami_audit_head_guard() RETURNS trigger LANGUAGE plpgsql {path} AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 THEN RETURN NULL; END IF;  -- the chain's trigger
                RAISE EXCEPTION 'audit_head follows the chain only';
            END $$""",
        f"""CREATE OR REPLACE FUNCTION okuyami_my_department() RETURNS text
        LANGUAGE sql STABLE SECURITY DEFINER {path} AS $$
            SELECT department FROM okuyami_terminals WHERE login = session_user $$""",
        f"""CREATE OR REPLACE FUNCTION okuyami_audit_check(n integer)
            RETURNS TABLE(checked bigint, bad_id bigint, kind text, other_id bigint, gap_seq bigint, head text)
        LANGUAGE plpgsql STABLE SECURITY DEFINER {path} AS $$
        DECLARE
            h audit_head%ROWTYPE; r record; have_prev boolean := false; cnt bigint := 0;
            p_id bigint; p_seq bigint; p_hash text; p_at timestamptz;
            anchor boolean := false; first_id bigint; expected bigint; before_id bigint; want text;
            lim timestamptz := clock_timestamp() + interval '10 minutes';
        BEGIN
            SELECT * INTO h FROM audit_head WHERE id = 1;
            SELECT min(t.id), count(*) > n INTO first_id, anchor
                FROM (SELECT a.id FROM audit_log a ORDER BY a.id DESC LIMIT n + 1) t;
            FOR r IN SELECT a.id, a.seq, a.at, a.operator, a.terminal, a.action, a.case_id, a.detail, a.prev_hash,
                            a.hash FROM audit_log a WHERE a.id >= coalesce(first_id, 0) ORDER BY a.id LOOP
                IF r.seq IS NULL OR r.hash IS NULL OR r.prev_hash IS NULL THEN
                    RETURN QUERY SELECT cnt, r.id::bigint, 'inserted'::text, NULL::bigint, NULL::bigint, NULL::text;
                    RETURN;
                END IF;
                IF h.seq IS NOT NULL AND r.seq > h.seq THEN
                    RETURN QUERY SELECT cnt, r.id::bigint, 'beyond'::text, NULL::bigint, NULL::bigint, NULL::text;
                    RETURN;
                END IF;
                IF NOT anchor THEN
                    expected := CASE WHEN have_prev THEN p_seq + 1 ELSE 1 END;
                    before_id := CASE WHEN have_prev THEN p_id ELSE 0 END;
                    want := CASE WHEN have_prev THEN p_hash ELSE repeat('0', 64) END;
                    IF r.seq > expected THEN
                        IF r.id - before_id = r.seq - expected + 1 THEN
                            RETURN QUERY SELECT cnt, before_id + 1, 'removed'::text, NULL::bigint, expected, NULL::text;
                        ELSE
                            RETURN QUERY SELECT cnt, r.id::bigint,
                                                CASE WHEN before_id = 0 THEN 'removed_before' ELSE 'removed' END,
                                                nullif(before_id, 0), expected, NULL::text;
                        END IF;
                        RETURN;
                    ELSIF r.seq < expected THEN
                        RETURN QUERY SELECT cnt, r.id::bigint, 'inserted'::text, NULL::bigint, NULL::bigint, NULL::text;
                        RETURN;
                    ELSIF r.prev_hash <> want THEN
                        IF have_prev THEN
                            RETURN QUERY SELECT cnt, r.id::bigint, 'link'::text, p_id, NULL::bigint, NULL::text;
                        ELSE
                            RETURN QUERY SELECT cnt, r.id::bigint, 'inserted'::text, NULL::bigint, NULL::bigint,
                                                NULL::text;
                        END IF;
                        RETURN;
                    END IF;
                END IF;
                IF r.hash <> okuyami_audit_hash(r.seq, r.id, r.at, r.operator, r.terminal, r.action, r.case_id,
                                                r.detail, r.prev_hash) THEN
                    RETURN QUERY SELECT cnt, r.id::bigint, 'changed'::text, NULL::bigint, NULL::bigint, NULL::text;
                    RETURN;
                END IF;
                IF have_prev AND NOT anchor AND r.seq > h.sealed_seq THEN
                    IF r.at < p_at THEN
                        RETURN QUERY SELECT cnt, r.id::bigint, 'backdated'::text, NULL::bigint, NULL::bigint,
                                            NULL::text;
                        RETURN;
                    END IF;
                END IF;
                IF r.seq > h.sealed_seq AND r.at > lim THEN
                    RETURN QUERY SELECT cnt, r.id::bigint, 'future'::text, NULL::bigint, NULL::bigint, NULL::text;
                    RETURN;
                END IF;
                IF anchor THEN anchor := false; ELSE cnt := cnt + 1; END IF;
                p_id := r.id; p_seq := r.seq; p_hash := r.hash; p_at := r.at;
                have_prev := true;
            END LOOP;
            IF have_prev AND (p_seq <> h.seq OR p_hash <> h.hash) THEN
                RETURN QUERY SELECT cnt, p_id, 'tail'::text, NULL::bigint, p_seq + 1, NULL::text;
                RETURN;
            END IF;
            IF NOT have_prev AND coalesce(h.seq, 0) > 0 THEN
                RETURN QUERY SELECT cnt, NULL::bigint, 'tail'::text, NULL::bigint, 1::bigint, NULL::text;
                RETURN;
            END IF;
            RETURN QUERY SELECT cnt, NULL::bigint, NULL::text, NULL::bigint, NULL::bigint,
                                CASE WHEN have_prev THEN p_hash ELSE repeat('0', 64) END;
        END $$""",
    ]


def _ddl(conn: Connection, sql: str) -> None:
    """One statement as written (psycopg reads % as a placeholder: doubled)."""
    conn.exec_driver_sql(sql.replace("%", "%%"))


def _q(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _ensure_groups(conn: Connection) -> None:
    """The three group roles, made if missing. Roles are cluster-wide: another database's upgrade, or one running
    at the same moment, may have made them already (duplicate_object / unique_violation are that, not errors)."""
    for role in GROUPS.values():
        _ddl(conn, f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE {role} NOLOGIN NOINHERIT;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$""")
    bad = conn.execute(sa.text("""SELECT rolname FROM pg_roles WHERE rolname = ANY(:names)
        AND (rolcanlogin OR rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb OR rolreplication)"""),
        {"names": list(GROUPS.values())}).scalars().all()
    for role in bad:  # made by hand with more than it should have
        try:
            with conn.begin_nested():
                _ddl(conn, f"ALTER ROLE {role} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                                     "NOBYPASSRLS")
        except sa.exc.DBAPIError:
            raise StoreError(f"グループロール {role} にログインや管理の権限が付いています。データベースのスーパーユーザーが "
                             f"ALTER ROLE {role} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS を実行してから、"
                             "もう一度 okuyami db upgrade を実行してください。") from None


def _ensure_pg(conn: Connection) -> list[str]:
    schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
    database = conn.execute(sa.text("SELECT current_database()")).scalar_one()
    s, db = _q(conn, schema), _q(conn, database)
    _ensure_groups(conn)
    counter, department, auditor = GROUPS["counter"], GROUPS["department"], GROUPS["auditor"]
    groups = ", ".join(GROUPS.values())
    for sql in _functions(s):
        _ddl(conn, sql)
    restored = []
    have = {name: enabled for name, enabled in conn.execute(sa.text(
        """SELECT t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
           WHERE c.relnamespace = CAST(:s AS regnamespace) AND NOT t.tgisinternal"""), {"s": schema})}
    for name, (table, definition) in _PG_TRIGGERS.items():
        if name not in have:
            _ddl(conn, f"CREATE TRIGGER {name} {definition}")
            restored.append(name)
        if have.get(name) != "A":  # fires whatever session_replication_role says
            _ddl(conn, f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}")
            if name in have:
                restored.append(name)
    tables = set(conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :s"),
                              {"s": schema}).scalars())
    sequences = set(conn.execute(sa.text("SELECT sequencename FROM pg_sequences WHERE schemaname = :s"),
                                 {"s": schema}).scalars())
    # the database and the schema: the groups may connect and use it, nobody else; nobody creates objects in it
    _ddl(conn, f"REVOKE CONNECT, TEMPORARY ON DATABASE {db} FROM PUBLIC")
    _ddl(conn, f"GRANT CONNECT ON DATABASE {db} TO {groups}")
    _ddl(conn, f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC")
    _ddl(conn, f"REVOKE CREATE ON SCHEMA {s} FROM {groups}")
    _ddl(conn, f"GRANT USAGE ON SCHEMA {s} TO {groups}")
    # tables: from nothing, then exactly what each group needs
    _ddl(conn, f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM PUBLIC, {groups}")
    _ddl(conn, f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM PUBLIC, {groups}")
    for fn in ("okuyami_audit_chain()", "okuyami_audit_moved()", "okuyami_audit_append_only()", "okuyami_audit_head_guard()",
               "okuyami_audit_check(integer)", "okuyami_my_department()",
               "okuyami_audit_hash(bigint, bigint, timestamptz, text, text, text, integer, text, text)"):
        _ddl(conn, f"REVOKE ALL ON FUNCTION {s}.{fn} FROM PUBLIC, {groups}")
    _ddl(conn, f"GRANT EXECUTE ON FUNCTION {s}.okuyami_my_department() TO {groups}")
    _ddl(conn, f"GRANT EXECUTE ON FUNCTION {s}.okuyami_audit_check(integer) TO {groups}")

    def grant(what: str, table: str, role: str) -> None:
        if table in tables:
            _ddl(conn, f"GRANT {what} ON TABLE {s}.{_q(conn, table)} TO {role}")

    for table in sorted(tables - set(_NOT_FOR_COUNTER)):
        grant("SELECT, INSERT, UPDATE, DELETE", table, counter)
    for table in ("audit_log",):
        grant("SELECT, INSERT", table, counter)
        grant("SELECT, INSERT", table, department)
        grant("SELECT, INSERT", table, auditor)
    for table in ("operators", "alembic_version"):
        for role in GROUPS.values():
            grant("SELECT", table, role)
    grant("SELECT", "audit_head", auditor)
    grant("SELECT", "audit_head", counter)  # audit verify reads where the chain ends
    grant("SELECT, UPDATE (version, updated_at, state)", "cases", department)
    grant("SELECT, INSERT, UPDATE (status, note, operator, updated_at, version, follow_up)", "tasks", department)
    grant("SELECT, INSERT", "notices", department)
    for table in _DEPARTMENT_READS:
        grant("SELECT", table, department)
    for table in _DEPARTMENT_ADDS:
        grant("INSERT", table, department)
    for seq in sorted(sequences):
        _ddl(conn, f"GRANT USAGE, SELECT ON SEQUENCE {s}.{_q(conn, seq)} TO {counter}")
    for seq in ("notices_id_seq", "audit_log_id_seq", *(f"{t}_id_seq" for t in _DEPARTMENT_ADDS)):
        if seq in sequences:
            _ddl(conn, f"GRANT USAGE ON SEQUENCE {s}.{seq} TO {department}")
    if "audit_log_id_seq" in sequences:
        _ddl(conn, f"GRANT USAGE ON SEQUENCE {s}.audit_log_id_seq TO {auditor}")
    _policies(conn, s, tables)
    return restored


def _policies(conn: Connection, s: str, tables: set[str]) -> None:
    """Row-level security: the counter sees every row; a department login its department's tasks and the cases
    (and their answers, visits, bookings, prints, audit entries) that have one; the auditor the audit log."""
    mine = "(SELECT okuyami_my_department())"
    own_case = f"EXISTS (SELECT 1 FROM {s}.tasks t WHERE t.case_id = {{col}} AND t.department = {mine})"
    counter, department, auditor = GROUPS["counter"], GROUPS["department"], GROUPS["auditor"]
    for table in _RLS_TABLES:
        if table not in tables:
            continue
        for name in conn.execute(sa.text("SELECT policyname FROM pg_policies WHERE schemaname = :s AND tablename = :t"),
                                 {"s": s.strip('"'), "t": table}).scalars():
            _ddl(conn, f"DROP POLICY {_q(conn, name)} ON {s}.{table}")
        _ddl(conn, f"ALTER TABLE {s}.{table} ENABLE ROW LEVEL SECURITY")
        _ddl(conn, f"CREATE POLICY okuyami_counter ON {s}.{table} FOR ALL TO {counter} "
                             "USING (true) WITH CHECK (true)")
    pol = lambda sql: _ddl(conn, sql)
    pol(f"CREATE POLICY okuyami_department ON {s}.tasks FOR ALL TO {department} "
        f"USING (department = {mine}) WITH CHECK (department = {mine})")
    case_visible = own_case.format(col="cases.id")
    pol(f"CREATE POLICY okuyami_department_read ON {s}.cases FOR SELECT TO {department} USING ({case_visible})")
    pol(f"CREATE POLICY okuyami_department_change ON {s}.cases FOR UPDATE TO {department} USING ({case_visible}) "
        f"WITH CHECK ({case_visible})")
    for table in _DEPARTMENT_READS:
        if table in tables:
            pol(f"CREATE POLICY okuyami_department ON {s}.{table} FOR SELECT TO {department} "
                f"USING ({own_case.format(col=f'{table}.case_id')})")
    for table in _DEPARTMENT_ADDS:
        if table in tables:
            pol(f"CREATE POLICY okuyami_department_add ON {s}.{table} FOR INSERT TO {department} "
                f"WITH CHECK ({own_case.format(col=f'{table}.case_id')})")
    pol(f"CREATE POLICY okuyami_department_read ON {s}.audit_log FOR SELECT TO {department} "
        f"USING (audit_log.case_id IS NOT NULL AND {own_case.format(col='audit_log.case_id')})")
    pol(f"CREATE POLICY okuyami_department_write ON {s}.audit_log FOR INSERT TO {department} WITH CHECK (true)")
    pol(f"CREATE POLICY okuyami_auditor_read ON {s}.audit_log FOR SELECT TO {auditor} USING (true)")
    pol(f"CREATE POLICY okuyami_auditor_write ON {s}.audit_log FOR INSERT TO {auditor} WITH CHECK (true)")


def ensure(conn: Connection) -> list[str]:
    """(Re)make the guards — and on PostgreSQL the group roles, grants and policies; returns the triggers that were
    missing or switched off (they are back now)."""
    if conn.dialect.name == "sqlite":
        return _ensure_sqlite(conn)
    return _ensure_pg(conn)


def is_owner(conn: Connection) -> bool:
    """PostgreSQL: the session may change the schema (it owns the okuyami tables, or there are none yet)."""
    owner = conn.execute(sa.text("""SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c
        WHERE c.relname = 'cases' AND c.relnamespace = CAST(current_schema() AS regnamespace)""")).scalar()
    return owner is None or bool(owner)


def session_group(conn: Connection) -> str | None:
    """PostgreSQL: counter / department / auditor for a terminal's login; None for the owner (IT) or on SQLite."""
    if conn.dialect.name != "postgresql":
        return None
    for short, role in GROUPS.items():
        if conn.execute(sa.text("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :r) AND "
                                "pg_has_role(session_user, :r, 'MEMBER')"), {"r": role}).scalar():
            if not is_owner(conn):
                return short
    return None


def my_department(conn: Connection) -> str | None:
    """A department login's department (``db terminal add … --department``); None otherwise."""
    if conn.dialect.name != "postgresql":
        return None
    try:
        with conn.begin_nested():
            return conn.execute(sa.text("SELECT okuyami_my_department()")).scalar()
    except sa.exc.DBAPIError:
        return None


# -- db terminal add / list -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Terminal:
    login: str
    group: str  # counter / department / auditor
    department: str | None

    def to_json(self) -> dict:
        return {"login": self.login, "group": self.group, "department": self.department}


def _postgres_only(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        raise StoreError("端末ごとのログインはPostgreSQLのサーバーで使います。SQLiteのファイル（1台のパソコン）には"
                         "ログインがありません。")


def add_terminal(conn: Connection, login: str, group: str, department: str | None = None) -> Terminal:
    """Make an existing LOGIN role a member of one group (and of no other okuyami group) and record a department
    login's department. Only the owner (IT) may."""
    _postgres_only(conn)
    if group not in GROUPS:
        raise StoreError(f"グループ「{group}」はありません（counter・department・auditor のどれかです）。")
    if group == "department" and not department:
        raise StoreError("各課の端末（--group department）には --department で課のIDを指定してください。")
    if group != "department" and department:
        raise StoreError("--department は各課の端末（--group department）にだけ指定できます。")
    if not is_owner(conn):
        raise StoreError("端末の登録は、データベースの所有者（情報システム担当）のロールで行ってください。")
    role = conn.execute(sa.text("SELECT rolcanlogin, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :n"),
                        {"n": login}).first()
    if role is None:
        raise StoreError(f"ログイン「{login}」はサーバーにありません。先に情報システム担当が "
                         f"CREATE ROLE {_q(conn, login)} LOGIN PASSWORD '…'; でログインを作ってください。")
    if login in GROUPS.values() or not role.rolcanlogin:
        raise StoreError(f"「{login}」はログインできるロールではありません（端末には LOGIN のロールを使います）。")
    if role.rolsuper or role.rolbypassrls:
        raise StoreError(f"「{login}」はスーパーユーザー（または行の制限を越えられるロール）なので、端末には使えません。")
    owner = conn.execute(sa.text("""SELECT pg_has_role(:n, c.relowner, 'USAGE') FROM pg_class c
        WHERE c.relname = 'cases' AND c.relnamespace = CAST(current_schema() AS regnamespace)"""), {"n": login}).scalar()
    if owner:
        raise StoreError(f"「{login}」はデータベースの所有者（情報システム担当用）なので、端末には使えません。"
                         "端末ごとに別のログインを作ってください。")
    q = _q(conn, login)
    for short, g in GROUPS.items():
        member = conn.execute(sa.text("""SELECT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
            JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = :g AND u.rolname = :n)"""), {"g": g, "n": login}).scalar()
        if short == group and not member:
            _ddl(conn, f"GRANT {g} TO {q}")
        elif short != group and member:
            _ddl(conn, f"REVOKE {g} FROM {q}")
    conn.execute(sa.text("DELETE FROM okuyami_terminals WHERE login = :n"), {"n": login})
    if department:
        conn.execute(sa.text("INSERT INTO okuyami_terminals (login, department) VALUES (:n, :d)"),
                     {"n": login, "d": department})
    return Terminal(login, group, department)


def list_terminals(conn: Connection) -> list[Terminal]:
    """Every login in one of the groups (memberships are cluster-wide), with this database's department."""
    _postgres_only(conn)
    rows = conn.execute(sa.text("""SELECT u.rolname AS login, r.rolname AS grp FROM pg_auth_members m
        JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
        WHERE r.rolname = ANY(:groups) ORDER BY u.rolname, r.rolname"""), {"groups": list(GROUPS.values())}).all()
    departments: dict[str, str] = {}
    try:
        with conn.begin_nested():
            departments = dict(conn.execute(sa.text("SELECT login, department FROM okuyami_terminals")).all())
    except sa.exc.DBAPIError:  # not the owner: the departments are the owner's to see
        pass
    short = {v: k for k, v in GROUPS.items()}
    return [Terminal(r.login, short[r.grp], departments.get(r.login)) for r in rows]
