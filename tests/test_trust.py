"""Contract §11 and issue 21: the server enforces who may do what (roles, department limits through plain SQL and
through okuyami), the audit log proves itself (hash chain, audit verify after tampering), exports are safe for a
spreadsheet, no message carries personal data or SQL, the 住基 reader holds against broken rows, the command line
answers absurd input in Japanese, and reads work on a read-only database."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import stat
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from okuyami import cli
from okuyami.documents.csvfile import csv_bytes
from okuyami.store import audit, migrate
from okuyami.store.database import Database, StoreError
from okuyami.store.store import Store

ROOT = Path(__file__).resolve().parents[1]
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(args))
    except SystemExit as exc:  # pragma: no cover - the parser exits only through JapaneseArgumentParser.error
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def one_japanese_line(err: str) -> bool:
    lines = [line for line in err.splitlines() if line.strip()]
    return (len(lines) == 1 and bool(JAPANESE.search(lines[0])) and "Traceback" not in err
            and "internal error" not in err and "This is a bug" not in err and "SELECT" not in err)


@pytest.fixture(autouse=True)
def quiet_data_dir(tmp_path, monkeypatch):
    """The IT log and the audit spool go to this test's own folder."""
    monkeypatch.setenv("OKUYAMI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OKUYAMI_TODAY", "2026-11-23")
    monkeypatch.delenv("OKUYAMI_DB", raising=False)


@pytest.fixture
def pg(pg_admin):
    """A migrated PostgreSQL database: (owner URL, make_login(group, department) → URL)."""
    from okuyami.store.scratch import terminal_login, throwaway_database

    url, drop = throwaway_database(pg_admin, f"okuyami_t_{os.getpid()}")
    db = Database(url)
    migrate.upgrade(db)
    db.dispose()
    logins = []

    def login(group: str, department: str | None = None) -> str:
        term, drop_role = terminal_login(url, group, department)
        logins.append(drop_role)
        return term

    yield url, login
    for drop_role in logins:
        drop_role()
    drop()


def psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def two_departments_case(url: str) -> tuple[int, int]:
    """Case A has tasks of 保険年金課 and 介護保険課; case B only of 介護保険課."""
    s = Store.open(url, operator="窓口 一郎", terminal="corner-1")
    try:
        a = s.create_case(values={"deceased_name": "山田 太郎"})
        b = s.create_case(values={"deceased_name": "佐藤 花子"})
        for case, procedures in ((a, (("kouki_soshitsu", "hoken_nenkin"), ("kaigo_soshitsu", "kaigo"))),
                                 (b, (("kaigo_soshitsu", "kaigo"),))):
            for code, dept in procedures:
                s.set_task(case, code, "open", department=dept)
        s.set_answer(b, "car", True)
    finally:
        s.close()
    return a, b


# -- §11 roles on a real PostgreSQL --------------------------------------------------------------------------------
def test_groups_are_nologin_and_hold_no_owner_rights(pg):
    import psycopg

    url, _ = pg
    with psycopg.connect(psycopg_url(url)) as conn:
        groups = conn.execute("SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolbypassrls FROM pg_roles "
                              "WHERE rolname LIKE 'okuyami\\_%' AND rolname IN ('okuyami_counter', "
                              "'okuyami_department', 'okuyami_auditor')").fetchall()
        assert sorted(g[0] for g in groups) == ["okuyami_auditor", "okuyami_counter", "okuyami_department"]
        assert not any(any(g[1:]) for g in groups)
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]
        for group in ("okuyami_counter", "okuyami_department", "okuyami_auditor"):
            for table in tables:
                for right in ("TRUNCATE", "TRIGGER", "REFERENCES"):
                    assert not conn.execute("SELECT has_table_privilege(%s, %s, %s)", (group, table, right)).fetchone()[0]
            for table in ("audit_log", "audit_head"):
                for right in ("UPDATE", "DELETE"):
                    assert not conn.execute("SELECT has_table_privilege(%s, %s, %s)", (group, table, right)).fetchone()[0]
        owned = conn.execute("SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE "
                             "r.rolname IN ('okuyami_counter', 'okuyami_department', 'okuyami_auditor')").fetchone()[0]
        assert owned == 0
        assert not conn.execute("SELECT has_table_privilege('okuyami_auditor', 'cases', 'SELECT')").fetchone()[0]
        assert conn.execute("SELECT has_table_privilege('okuyami_auditor', 'audit_log', 'SELECT')").fetchone()[0]


def test_a_department_login_is_limited_by_the_server_in_plain_sql(pg):
    import psycopg

    url, login = pg
    a, b = two_departments_case(url)
    hoken = login("department", "hoken_nenkin")
    with psycopg.connect(psycopg_url(hoken), autocommit=True) as conn:
        assert [r[0] for r in conn.execute("SELECT id FROM cases ORDER BY id")] == [a]  # only cases with its task
        assert {r[0] for r in conn.execute("SELECT department FROM tasks")} == {"hoken_nenkin"}
        assert conn.execute("SELECT count(*) FROM answers WHERE case_id = %s", (b,)).fetchone()[0] == 0
        assert conn.execute("UPDATE tasks SET status = 'done' WHERE procedure = 'kaigo_soshitsu'").rowcount == 0
        refused = [
            "UPDATE tasks SET department = 'hoken_nenkin' WHERE procedure = 'kaigo_soshitsu'",
            f"INSERT INTO tasks (case_id, procedure, department, status, note, operator, updated_at, version, applies)"
            f" VALUES ({a}, 'kaigo_torisage', 'kaigo', 'open', '', '', now(), 1, true)",
            "UPDATE cases SET deceased_name = 'x'",
            "INSERT INTO answers (case_id, fact, value, source, operator, updated_at, rev) "
            f"VALUES ({a}, 'car', 'true', 'counter', '', now(), 1)",
            "TRUNCATE audit_log", "ALTER TABLE audit_log DISABLE TRIGGER USER", "DELETE FROM audit_log",
            "UPDATE audit_log SET operator = 'x'", "DROP TABLE cases CASCADE", "UPDATE audit_head SET seq = 0",
            "SET session_replication_role = replica", "CREATE TABLE x (i int)", "SELECT * FROM okuyami_terminals",
        ]
        for sql in refused:
            with pytest.raises(psycopg.Error):
                conn.execute(sql)
        # an entry it writes is chained by the server: its own time and its login, whatever it claims
        conn.execute("INSERT INTO audit_log (at, operator, terminal, action, case_id, detail) "
                     "VALUES ('2000-01-01', '偽', 'someone-else', 'case.view', NULL, '{}')")
    with psycopg.connect(psycopg_url(url)) as conn:  # the owner looks
        assert conn.execute("SELECT status FROM tasks WHERE case_id = %s AND procedure = 'kaigo_soshitsu'",
                            (a,)).fetchone()[0] == "open"
        at, terminal = conn.execute("SELECT at, terminal FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        assert at.year >= 2026 and terminal == psycopg.conninfo.conninfo_to_dict(psycopg_url(hoken))["user"]
    db = Database(url)
    with db.read() as conn:
        assert audit.verify(conn).ok
    db.dispose()


def test_a_department_login_is_limited_through_okuyami(pg, capsys):
    url, login = pg
    a, b = two_departments_case(url)
    hoken = login("department", "hoken_nenkin")
    code, out, _ = run(capsys, "tasks", "list", "--format", "json", "--db", hoken)
    assert {t["department"] for t in json.loads(out)} == {"hoken_nenkin"}
    code, _, err = run(capsys, "tasks", "set", str(a), "kaigo_soshitsu", "done", "--db", hoken)
    assert code == 1 and one_japanese_line(err) and "介護保険課" in err
    code, out, err = run(capsys, "tasks", "set", str(a), "kouki_soshitsu", "done", "--db", hoken)
    assert code == 0, err
    code, _, err = run(capsys, "cases", "show", str(b), "--format", "json", "--db", hoken)
    assert code == 1 and one_japanese_line(err) and "佐藤" not in err
    code, _, err = run(capsys, "cases", "answer", str(a), "car", "true", "--db", hoken)
    assert code == 1 and one_japanese_line(err)
    code, out, _ = run(capsys, "cases", "list", "--format", "json", "--db", hoken)
    assert [c["number"] for c in json.loads(out)] == [a]
    s = Store.open(url)  # nothing of the other department's changed
    try:
        assert s.get(a).tasks["kaigo_soshitsu"].status == "open" and s.get(a).tasks["kouki_soshitsu"].status == "done"
    finally:
        s.close()


def test_counter_and_auditor_logins(pg, capsys):
    import psycopg

    url, login = pg
    a, _ = two_departments_case(url)
    counter, auditor = login("counter"), login("auditor")
    with psycopg.connect(psycopg_url(counter), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 2
        for sql in ("TRUNCATE audit_log", "TRUNCATE cases CASCADE", "ALTER TABLE cases DISABLE TRIGGER ALL",
                    "DELETE FROM audit_log", "UPDATE audit_log SET operator = 'x'", "DROP TABLE notices",
                    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_chain", "UPDATE okuyami_terminals SET login = ''"):
            with pytest.raises(psycopg.Error):
                conn.execute(sql)
    with psycopg.connect(psycopg_url(auditor), autocommit=True) as conn:
        for sql in ("SELECT * FROM cases", "SELECT * FROM answers", "INSERT INTO notices (at, kind) VALUES (now(), 'x')"):
            with pytest.raises(psycopg.Error):
                conn.execute(sql)
    code, _, err = run(capsys, "cases", "list", "--db", auditor)
    assert code == 1 and one_japanese_line(err)
    code, out, _ = run(capsys, "audit", "--format", "json", "--operator", "監査 花子", "--db", auditor)
    assert code == 0 and any(e["action"] == "case.create" and e["case"] == a for e in json.loads(out))
    code, out, _ = run(capsys, "audit", "verify", "--db", auditor)
    assert code == 0 and re.search(r"\d+件.*[0-9a-f]{64}", out) and len(out.strip().splitlines()) == 1
    s = Store.open(url)  # what the auditor read is audited, with the auditor's login as the terminal
    try:
        reads = [e for e in s.audit_entries() if e.action in ("audit.read", "audit.verify")]
        user = psycopg.conninfo.conninfo_to_dict(psycopg_url(auditor))["user"]
        assert {e.terminal for e in reads} >= {user} and any(e.operator == "監査 花子" for e in reads)
    finally:
        s.close()


def test_db_terminal_add_and_list(pg, pg_admin, capsys):
    import psycopg

    url, login = pg
    code, _, err = run(capsys, "db", "terminal", "add", "no_such_login_xyz", "--group", "counter", "--db", url)
    assert code == 1 and one_japanese_line(err) and "no_such_login_xyz" in err
    hoken = login("counter")
    name = psycopg.conninfo.conninfo_to_dict(psycopg_url(hoken))["user"]
    code, _, err = run(capsys, "db", "terminal", "add", name, "--group", "department", "--department", "hokn",
                       "--db", url)
    assert code == 1 and one_japanese_line(err) and "hokn" in err
    code, _, err = run(capsys, "db", "terminal", "add", name, "--group", "department", "--db", url)
    assert code == 1 and one_japanese_line(err)
    code, _, err = run(capsys, "db", "terminal", "add", name, "--group", "department", "--department",
                       "hoken_nenkin", "--db", url)
    assert code == 0, err
    code, out, _ = run(capsys, "db", "terminal", "list", "--format", "json", "--db", url)
    mine = [t for t in json.loads(out) if t["login"] == name]
    assert mine == [{"login": name, "group": "department", "department": "hoken_nenkin"}]  # no longer counter
    owner = psycopg.conninfo.conninfo_to_dict(psycopg_url(url))["user"]
    code, _, err = run(capsys, "db", "terminal", "add", owner, "--group", "counter", "--db", url)
    assert code == 1 and one_japanese_line(err)


def test_a_second_database_and_concurrent_upgrades(pg_admin, capsys):
    """Roles are cluster-wide, grants per database: two databases upgraded at the same moment both work (the roles
    exist already, or are being made by the other), and a terminal's login of one reaches only its own."""
    from okuyami.store.scratch import terminal_login, throwaway_database

    import subprocess
    import sys

    made = [throwaway_database(pg_admin, f"okuyami_t_{os.getpid()}") for _ in range(2)]
    try:  # four db upgrade at once: two on each database (separate processes, as IT would run them)
        procs = [subprocess.Popen([sys.executable, "-m", "okuyami", "db", "upgrade", "--db", u],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for u, _ in made for _ in range(2)]
        results = [p.communicate(timeout=300) + (p.returncode,) for p in procs]
        assert all(code == 0 for _, _, code in results), results
        term, drop_role = terminal_login(made[0][0], "counter")
        try:
            code, _, err = run(capsys, "cases", "list", "--db", term)
            assert code == 0, err
            other = term.rsplit("/", 1)[0] + "/" + made[1][0].rsplit("/", 1)[1]
            code, _, err = run(capsys, "cases", "list", "--db", other)  # the groups are the same in both databases
            assert code == 0, err
        finally:
            drop_role()
    finally:
        for _, drop in made:
            drop()


def test_many_terminals_writing_at_once_keep_one_linear_chain(pg):
    url, login = pg
    urls = [login("counter") for _ in range(4)]
    case = two_departments_case(url)[0]
    errors: list = []

    def terminal(i: int) -> None:
        s = Store.open(urls[i], operator=f"職員{i}", terminal=f"pc-{i}")
        try:
            for n in range(15):
                s.view(case)
                s.set_answer(case, "car", n % 2 == 0)
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))
        finally:
            s.close()

    threads = [threading.Thread(target=terminal, args=(i,)) for i in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    db = Database(url)
    with db.read() as conn:
        report = audit.verify(conn)
        seqs = conn.execute(sa.text("SELECT seq, id FROM audit_log ORDER BY id")).all()
    db.dispose()
    assert report.ok and report.checked == len(seqs) >= 4 * 30
    assert [s for s, _ in seqs] == list(range(1, len(seqs) + 1))  # dense, in id order: one chain


def test_tampering_by_the_owner_is_found_on_postgresql(pg, capsys):
    import psycopg

    url, _ = pg
    two_departments_case(url)
    with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
        conn.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
        conn.execute("UPDATE audit_log SET operator = '別人' WHERE id = 3")
        conn.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")
    code, _, err = run(capsys, "audit", "verify", "--db", url)
    assert code == 1 and "id 3" in err and one_japanese_line(err)
    db = Database(url)
    with db.read() as conn:
        assert audit.server_check(conn, None).problem.id == 3  # the server's own check agrees
    db.dispose()


def test_db_upgrade_puts_back_a_dropped_trigger_on_postgresql(pg):
    import psycopg

    url, _ = pg
    with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
        conn.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_chain")
    db = Database(url)
    migrate.upgrade(db)
    with db.read() as conn:
        got = dict(conn.execute(sa.text("SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass "
                                        "AND NOT tgisinternal")).all())
        assert got["audit_log_append_only"] == "A" and got["audit_log_chain"] == "A"
        assert [e.action for e in audit.entries(conn)][-1] == "audit.guard"
        assert audit.verify(conn).ok
    db.dispose()


# -- the audit log on SQLite: tampering found ----------------------------------------------------------------------
@pytest.fixture
def sqlite_log(tmp_path):
    path = tmp_path / "store.sqlite3"
    s = Store.open(path, operator="窓口 一郎", terminal="corner-1")
    case = s.create_case(values={"deceased_name": "山田 太郎"})
    for value in (True, False, True):
        s.set_answer(case, "car", value)
    s.view(case)
    s.close()
    return path


def tamper(path: Path, *sql: str) -> None:
    conn = sqlite3.connect(path)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")  # what anyone holding the file can do
    for statement in sql:
        conn.execute(statement)
    conn.commit()
    conn.close()


@pytest.mark.parametrize("sql, bad_id", [
    ("UPDATE audit_log SET operator = '別人' WHERE id = 3", 3),  # changed
    ("DELETE FROM audit_log WHERE id = 4", 4),  # removed
    ("INSERT INTO audit_log (at, operator, terminal, action, case_id, detail) "
     "VALUES ('2026-11-23 09:00:00.000000', '偽', 'x', 'case.view', 1, '{}')", 7),  # forged, outside the chain
    ("INSERT INTO audit_log (id, at, operator, terminal, action, case_id, detail, seq, prev_hash, hash) "
     "SELECT 7, '2020-01-01 00:00:00.000000', '偽', 'x', 'case.view', 1, '{}', seq + 1, hash, hash FROM audit_head", 7),
    ("UPDATE audit_log SET at = '2020-01-01 00:00:00.000000' WHERE id = 5", 5),  # back-dated
    ("DELETE FROM audit_log WHERE id = 6", 6),  # the last one
])
def test_audit_verify_names_the_entry_changed_removed_or_forged(sqlite_log, capsys, sql, bad_id):
    tamper(sqlite_log, sql)
    code, out, err = run(capsys, "audit", "verify", "--db", str(sqlite_log))
    assert code == 1 and one_japanese_line(err) and f"id {bad_id} " in err, err


def test_audit_verify_of_an_intact_log_is_one_line_with_the_head(sqlite_log, capsys):
    code, out, err = run(capsys, "audit", "verify", "--db", str(sqlite_log))
    assert code == 0 and err == "" and len(out.strip().splitlines()) == 1
    assert re.search(r"6件.*[0-9a-f]{64}", out)
    code, out, _ = run(capsys, "audit", "verify", "--db", str(sqlite_log))  # the check itself was recorded
    assert code == 0 and "7件" in out


def test_db_upgrade_puts_back_the_triggers_and_says_so_in_the_log(sqlite_log, capsys):
    tamper(sqlite_log)
    code, _, _ = run(capsys, "db", "upgrade", "--db", str(sqlite_log))
    assert code == 0
    conn = sqlite3.connect(sqlite_log)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"audit_log_no_update", "audit_log_no_delete", "audit_log_chain"} <= names
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit_log")
    conn.close()
    s = Store.open(sqlite_log)
    try:
        assert [e.action for e in s.audit_entries()][-1] == "audit.guard"
        assert s.verify_audit().ok
    finally:
        s.close()


def test_new_sqlite_files_are_private(tmp_path):
    path = tmp_path / "new.sqlite3"
    s = Store.open(path, operator="x")
    s.create_case()
    with s.db.read():
        for f in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    s.close()


def test_the_desk_app_says_when_the_chain_is_broken(qtbot, sqlite_log, tmp_path):
    pytest.importorskip("PySide6")
    from okuyami.ui.main_window import MainWindow

    tamper(sqlite_log, "UPDATE audit_log SET action = 'case.list' WHERE id = 2")
    w = MainWindow(Store.open(sqlite_log, operator="窓口 一郎"), None, tmp_path / "data", clerk="窓口 一郎", watch=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.audit_check.label is not None, timeout=10000)
    assert "id 2" in w.audit_check.label.text() and "改ざん" in w.audit_check.label.text()
    from PySide6.QtWidgets import QApplication
    assert QApplication.activeModalWidget() is None  # no dialog: the counter keeps working
    w.close()
    w.store.close()


# -- exports safe for a spreadsheet ----------------------------------------------------------------------------------
def test_every_csv_cell_that_could_be_a_formula_is_text():
    data, _ = csv_bytes(["列"], [["=HYPERLINK(\"http://evil/\",\"x\")"], ["+1"], ["-2"], ["@SUM(A1)"], ["\tx"],
                                  ["\rx"], ["山田 太郎"], ["0120-000"]])
    text = data.decode("utf-8-sig")
    assert text.startswith("列\r\n")
    for cell in ("'=HYPERLINK", "'+1", "'-2", "'@SUM", "'\tx", "'\rx"):
        assert cell in text
    assert "\r\n山田 太郎\r\n" in text and "\r\n0120-000" in text
    assert csv_bytes(["a"], [["=1"]], "cp932")[0].decode("cp932") == "a\r\n'=1\r\n"


def test_exports_neutralise_a_name_booked_by_phone(store, book, capsys, tmp_path):
    from okuyami.documents.prep_list import write_csv
    from okuyami.store.database import now

    evil = '=cmd|\' /C calc\'!A0'
    case = store.create_case(values={"deceased_name": evil, "deceased_birth_date": dt.date(1941, 3, 2),
                                     "deceased_death_date": dt.date(2026, 11, 15)})
    store.set_task(case, "kouki_soshitsu", "open", note="@SUM(1+1)", department="hoken_nenkin")
    day = now().date()
    code, out, err = run(capsys, "export", "cases", "--from", day.isoformat(), "--to", day.isoformat(),
                         "--with-names", "--db", store.db.url)
    assert code == 0, err
    assert "'=cmd|" in out and "\n=cmd" not in out.replace("\r", "")
    code, out, err = run(capsys, "export", "prep", "--department", "hoken_nenkin", "--db", store.db.url)
    assert code == 0 and "'=cmd|" in out and "'@SUM" in out, err
    path = write_csv(book, store.work_list(department="hoken_nenkin"), tmp_path / "prep.csv")
    text = path.read_bytes().decode("utf-8-sig")
    assert "'=cmd|" in text and "'@SUM(1+1)" in text


# -- no personal data and no SQL in messages -----------------------------------------------------------------------
def test_a_database_error_says_neither_sql_nor_values(tmp_path):
    from okuyami.core.redact import LOG_NAME, log_dir

    db = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    orig = sqlite3.IntegrityError("UNIQUE constraint failed: cases.juki_key")
    exc = sa.exc.IntegrityError("INSERT INTO cases (deceased_name, deceased_birth_date) VALUES (?, ?)",
                                ("山田 太郎", "1941-03-02"), orig)
    message = str(db.translate(exc))
    assert JAPANESE.search(message)
    for leak in ("INSERT", "山田", "1941", "VALUES", "juki_key"):
        assert leak not in message
    log = (log_dir() / LOG_NAME).read_text(encoding="utf-8")
    assert "山田" not in log and "1941" not in log and "INSERT" not in log and "IntegrityError" in log
    db.dispose()


def test_a_nul_byte_row_is_reported_without_personal_data_and_the_rest_imported(store, book, tmp_path):
    from okuyami.juki.importer import import_file
    from test_juki import HEADER, TAKAHASHI, YAMADA

    path = tmp_path / "nul.csv"
    bad = "000109,鈴木\x00 一郎,,1,19400101,20261115,〇〇市東町9-9,,1,0,0,1,0,1,1,1,0,0,0,0"
    path.write_bytes("\r\n".join([HEADER, YAMADA, bad, TAKAHASHI, ""]).encode("cp932"))
    report = import_file(store, path, book=book, today=dt.date(2026, 11, 20))
    assert [s.line for s in report.read.skipped] == [3] and len(report.outcome.created) == 2
    text = " ".join(s.message for s in report.read.skipped) + report.summary()
    assert "鈴木" not in text and "東町" not in text and "NUL" in text


# -- the 住基 reader holds: a broken row is skipped by its line, the rest imported ----------------------------------
def test_bad_rows_do_not_swallow_the_rows_after_them(store, book, tmp_path):
    from okuyami.juki.importer import import_file
    from test_juki import HEADER

    def row(key: str, name: str = "試験 太郎", address: str = "〇〇市中央町1-1") -> str:
        return f"{key},{name},,1,19400101,20261115,{address},,1,0,0,1,0,1,1,1,0,0,0,0"

    rows = [row("000201"),
            row("000202", name='"山田 太郎'),  # 3: a quote opened and never closed
            row("000203"),
            row("000204", name='山田"太郎'),  # 5: a quote in the middle of a cell
            row("000205"),
            row("000206", address="長" * 5000),  # 7: a cell over 4,096 characters
            row("000207", name="山\x00田"),  # 8: NUL
            row("000208", address='"〇〇市\r\n中央町"'),  # 9–10: a quoted cell over two lines: fine
            row("000209", name="名" * 150),  # 11: a name too long to be one
            row("000210")]
    path = tmp_path / "broken.csv"
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8"))
    report = import_file(store, path, book=book, today=dt.date(2026, 11, 20))
    assert sorted(s.line for s in report.read.skipped) == [3, 5, 7, 8, 11]
    created_lines = sorted(line for line, _ in report.outcome.created)
    assert created_lines == [2, 4, 6, 9, 12]
    assert store.count_cases() == 5
    assert not report.ok  # exit 1 when a row was skipped


def test_the_task_planner_gives_the_engines_answer(book):
    """The import's memoized planner lists exactly the procedures a whole interview would (random rows)."""
    import random

    from okuyami.core.engine import CaseDates, Session
    from okuyami.store.juki import TaskPlanner
    from okuyami.store.tasks import department_of

    planner = TaskPlanner(book)
    r = random.Random(7)
    flags = ["was_household_head", "kaigo_certified", "pension_recipient", "seal_registered", "mynumber_card",
             "foreign_national", "child_allowance_recipient", "disability_certificate", "welfare_recipient"]
    for _ in range(400):
        facts = {f: r.choice([True, False]) for f in flags if r.random() < 0.7}
        if r.random() < 0.7:
            facts["household_remaining_15plus"] = r.randint(0, 3)
        if r.random() < 0.6:
            facts["health_insurance"] = r.choice(["kokuho", "kouki"])
        birth = dt.date(r.randint(1920, 1990), r.randint(1, 12), r.randint(1, 28))
        dates = CaseDates(birth, dt.date(2026, 11, r.randint(1, 20)), None, r.choice(["male", "female", None]))
        want = [(p.code, department_of(book, p.rule)) for p in Session(book, dates, facts).result.procedures
                if p.rule is not None]
        assert planner.procedures(dates, facts) == want


# -- the command line answers absurd input in Japanese --------------------------------------------------------------
@pytest.mark.parametrize("args", [
    ["cases", "show", "2147483648"], ["cases", "show", "9223372036854775808"],
    ["cases", "answer", "1", "household_remaining_15plus", "100000000000000000000000"],
    ["cases", "answer", "1", "household_remaining_15plus", "2147483648"],
    ["cases", "answer", "1", "car", "true", "--if-version", "9223372036854775808"],
    ["cases", "list", "--limit", "99999999999999999999"], ["tasks", "set", "2147483648", "kouki_soshitsu", "done"],
    ["reservations", "set", "9223372036854775808", "done"],
    ["slots", "list", "--from", "9999-12-01", "--to", "9999-12-31"],
    ["slots", "set", "--date", "2026-12-01", "--desks", "100000000000"],
    ["cases", "list", "--date", "9999-12-31"], ["audit", "--since", "0001-01-01"],
    ["cases", "list", "--search", "\udcff\udcfe"], ["cases", "answer", "1", "car", "true", "--source", "juki"],
])
def test_absurd_arguments_get_one_japanese_line(db_url, terminal_url, capsys, args):
    from conftest import upgraded

    upgraded(db_url)
    url = terminal_url("counter")
    assert run(capsys, "cases", "add", str(ROOT / "examples" / "case.yaml"), "--db", url)[0] == 0
    code, out, err = run(capsys, *args, "--db", url)
    assert code in (1, 2) and one_japanese_line(err), err


def test_a_corrupt_sqlite_file_and_concurrent_upgrades(tmp_path, capsys):
    bad = tmp_path / "corrupt.sqlite3"
    bad.write_bytes(os.urandom(8192))
    for args in (["cases", "list"], ["db", "upgrade"], ["audit", "verify"]):
        code, _, err = run(capsys, *args, "--db", str(bad))
        assert code == 1 and one_japanese_line(err), err
    import subprocess
    import sys

    fresh = tmp_path / "fresh.sqlite3"
    procs = [subprocess.Popen([sys.executable, "-m", "okuyami", "db", "upgrade", "--db", str(fresh)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert all(code == 0 for _, _, code in results), results


def test_search_wildcards_are_ordinary_characters(store):
    a = store.create_case(values={"deceased_name": "山田 太郎"})
    b = store.create_case(values={"deceased_name": "SMITH_JOHN 100%"})
    assert [c.id for c in store.list_cases("_")] == [b]
    assert [c.id for c in store.list_cases("%")] == [b]
    assert store.list_cases("\\") == [] and a not in [c.id for c in store.list_cases("H_J")]


def test_bounds_on_counts_names_and_desks(store):
    case = store.create_case()
    for value in (10**23, 2**31, 100):
        with pytest.raises(StoreError, match="99"):
            store.set_answer(case, "household_remaining_15plus", value)
    with pytest.raises(StoreError, match="長すぎ"):
        store.set_person(case, "deceased", "name", "山" * 10_000_000)
    with pytest.raises(StoreError, match="長すぎ"):
        store.create_case(values={"applicant_name": "x" * 101})
    book_path = ROOT / "rules.yaml"
    from okuyami.core.rulebook import load_rulebook

    with pytest.raises(StoreError, match="99"):
        store.set_slot_override(load_rulebook(book_path), "honcho", dt.date(2026, 12, 1), desks=10**11)


def test_a_file_name_from_case_data_is_safe():
    pytest.importorskip("PySide6")
    from okuyami.ui.case_page import dated_file
    from okuyami.ui.printing import safe_file_stem

    for name in ("..\\..\\Public\\evil", "../../etc/passwd", "a/b", "CON", "名" * 5000, "", ".."):
        stem = safe_file_stem(name)
        assert stem and "/" not in stem and "\\" not in stem and ".." not in stem and len(stem.encode()) <= 120
    path = dated_file(Path("/tmp"), "山" * 100_000, dt.date(2026, 11, 23))  # no OSError when the dialog opens
    assert path.parent == Path("/tmp") and len(path.name.encode()) < 255


def test_the_watched_folder_reads_regular_files_only(qtbot, tmp_path, monkeypatch):
    pytest.importorskip("PySide6")
    from okuyami.ui.main_window import MainWindow

    from test_juki import YAMADA, write_csv

    data = tmp_path / "data"
    w = MainWindow(Store.open(data / "okuyami.sqlite3", operator="窓口 一郎"), None, data, clerk="窓口 一郎",
                   today=dt.date(2026, 11, 20), watch=False)
    qtbot.addWidget(w)
    folder = tmp_path / "rpa"
    folder.mkdir()
    secret = write_csv(tmp_path / "secret.csv", [YAMADA])
    (folder / "link.csv").symlink_to(secret)
    (folder / "dir.csv").mkdir()
    w.juki.settings.juki_folder = str(folder)
    for _ in range(3):
        w.juki.scan()
    assert w.juki.worker is None and w.juki.queue == [] and secret.exists()
    w.close()
    w.store.close()


# -- reads on a read-only database -----------------------------------------------------------------------------------
def test_listing_and_showing_work_on_a_read_only_database(db_url, terminal_url, capsys, tmp_path):
    from conftest import upgraded

    upgraded(db_url)
    url = terminal_url("counter")
    number = run(capsys, "cases", "add", str(ROOT / "examples" / "case.yaml"), "--db", url)[1].strip()
    if db_url.startswith("sqlite"):
        ro = f"sqlite:///file:{db_url.split('sqlite:///', 1)[1]}?mode=ro&uri=true"
    else:
        import psycopg

        with psycopg.connect(psycopg_url(db_url), autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{db_url.rsplit("/", 1)[1]}" SET default_transaction_read_only = on')
        ro = url
    code, out, err = run(capsys, "cases", "list", "--format", "json", "--db", ro)
    assert code == 0 and [c["number"] for c in json.loads(out)] == [int(number)], err
    code, out, err = run(capsys, "cases", "show", number, "--format", "json", "--db", ro)
    assert code == 0 and json.loads(out)["number"] == int(number), err
    code, _, err = run(capsys, "cases", "answer", number, "car", "true", "--db", ro)
    assert code == 1 and one_japanese_line(err) and "読み取り専用" in err
    if not db_url.startswith("sqlite"):
        import psycopg

        with psycopg.connect(psycopg_url(db_url), autocommit=True) as conn:
            conn.execute("SET default_transaction_read_only = off")
            conn.execute(f'ALTER DATABASE "{db_url.rsplit("/", 1)[1]}" RESET default_transaction_read_only')
    s = Store.open(url, operator="窓口 一郎")  # writable again: the reads' entries go into the log
    try:
        spooled = [e for e in s.audit_entries() if "spooled_at" in e.detail]
        assert {e.action for e in spooled} == {"case.list", "case.view"}
        assert s.verify_audit().ok
    finally:
        s.close()
