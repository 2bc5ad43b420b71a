"""The outbox on disk (okuyami/store/outbox.py), the terminal's identity, the log file and ``okuyami doctor``'s
connection report — without Qt, on a real SQLite file and a real PostgreSQL."""

from __future__ import annotations

import json
import logging

import pytest

from okuyami.store import eventlog, outbox
from okuyami.store.local_settings import TerminalSettings, display_name, installation_id, session_identity
from okuyami.store.outbox import CONFLICT, SENT, Journal, overlay, send
from okuyami.store.store import Store


def crash(journal: Journal) -> None:
    """The window dies without closing its outbox (power cut): the OS lets go of its lock, the file stays."""
    journal._fh.close()
    journal._lock.release()


def test_the_journal_survives_a_crash_and_the_next_start_takes_it_over(tmp_path):
    first = Journal(tmp_path, "install1/window-a")
    a = first.add("person", 7, {"part": "deceased", "field": "name", "value": "山田 太郎", "expected": None})
    first.add("answer", 7, {"fact": "funeral_held", "value": True, "source": "counter", "if_rev": None})
    first.add("print", 7, {"token": "t1", "what": {"to": "pdf", "pages": 3}}, blob=b"%PDF-1.4 kept")
    first.settle(a.seq, SENT)
    crash(first)
    with open(first.path, "a", encoding="utf-8") as fh:  # a line cut short by the power cut
        fh.write('{"op": "add", "seq": 9, "kind": "answ')
    again = Journal(tmp_path, "install1/window-b")
    assert again.adopt_orphans() == 2  # the unsent ones, in order; the settled one and the torn line are not
    kinds = [e.kind for e in again.pending()]
    assert kinds == ["answer", "print"]
    assert again.blob(again.pending()[1]) == b"%PDF-1.4 kept"
    assert not first.path.exists() and not list(tmp_path.glob("outbox/*window-a*"))
    again.close()  # unsent entries stay for the next start
    third = Journal(tmp_path, "install1/window-c")
    assert third.adopt_orphans() == 2
    for e in third.pending():
        third.settle(e.seq, SENT)
    assert third.path.read_text(encoding="utf-8") == ""  # nothing personal stays once everything is sent
    third.close()
    assert not list((tmp_path / "outbox").glob("*.pdf")) and not list((tmp_path / "outbox").glob("*.jsonl"))


def test_the_writer_thread_keeps_the_order_and_the_disk_keeps_everything(tmp_path):
    written = []
    j = Journal(tmp_path, "w", background=True, on_written=written.append)  # the window's way: fsync off its thread
    first = j.add("person", 1, {"part": "deceased", "field": "name", "value": "山田 太郎", "expected": None})
    j.add("print", 1, {"token": "w:1", "what": {"pages": 1}}, blob=b"%PDF-1.4 x")
    assert j.blob(j.pending()[1]) == b"%PDF-1.4 x"  # readable at once, from memory until it is on disk
    j.settle(first.seq, SENT)
    j.add("answer", 1, {"fact": "funeral_held", "value": True, "source": "counter", "if_rev": None})
    j.flush()
    assert [e.seq for e in written] == [1, 2, 3] and all(e.written for e in written)
    crash(j)
    again = Journal(tmp_path, "w2")
    assert [e.kind for e in again.pending()] == [] and again.adopt_orphans() == 2
    assert [e.kind for e in again.pending()] == ["print", "answer"]
    assert again.blob(again.pending()[0]) == b"%PDF-1.4 x"
    again.close()


def test_the_outbox_of_a_running_window_is_left_alone(tmp_path):
    one = Journal(tmp_path, "w1")
    one.add("state", 3, {"state": "closed"})
    two = Journal(tmp_path, "w2")
    assert two.adopt_orphans() == 0  # w1 runs: its entries are its own to send
    assert len(one) == 1
    one.close()
    two.close()


def test_an_entry_is_written_to_disk_before_add_returns(tmp_path):
    j = Journal(tmp_path, "w")
    j.add("person", 1, {"part": "applicant", "field": "kana", "value": "ヤマダ ハナコ", "expected": None})
    lines = (tmp_path / "outbox" / "w.jsonl").read_text(encoding="utf-8").splitlines()
    rec = json.loads(lines[-1])
    assert rec["op"] == "add" and rec["data"]["value"] == "ヤマダ ハナコ"
    crash(j)


def test_sending_twice_is_harmless_and_a_stale_entry_is_a_conflict_in_words(store, tmp_path, book):
    case_id = store.create_case("窓口 一郎")
    j = Journal(tmp_path, "w")
    name = j.add("person", case_id, {"part": "deceased", "field": "name", "value": "山田 太郎", "expected": None})
    assert send(store, name, book=book) == (SENT, "")
    assert send(store, name, book=book) == (SENT, "")  # the first answer was lost on the way: no conflict
    ans = j.add("answer", case_id, {"fact": "funeral_held", "value": True, "source": "counter", "if_rev": None})
    assert send(store, ans, book=book) == (SENT, "") and send(store, ans, book=book) == (SENT, "")
    printed = j.add("print", case_id, {"token": "w:1", "what": {"to": "pdf", "forms": [], "pages": 2}},
                    blob=b"%PDF-1.4")
    assert send(store, printed, blob=j.blob(printed)) == (SENT, "")
    assert send(store, printed, blob=j.blob(printed)) == (SENT, "")
    assert len(store.print_log(case_id)) == 1 and len(store.packets(case_id)) == 1  # logged and kept once
    # another terminal changes the kana and the answer; this terminal's older entries are refused, in words
    other = Store.open(store.db.url, operator="保険 次郎", terminal="hoken-1")
    other.set_person(case_id, "deceased", "kana", "ヤマダ タロウ")
    other.set_answer(case_id, "funeral_held", False)
    other.close()
    kana = j.add("person", case_id, {"part": "deceased", "field": "kana", "value": "ヤマダ タロ", "expected": None})
    state, message = send(store, kana)
    assert state == CONFLICT and "故人のフリガナ" in message and "送っていません" in message
    assert "ヤマダ" not in message  # the sentence names the field; the values are shown on the screen only
    again = j.add("answer", case_id, {"fact": "funeral_held", "value": True, "source": "counter", "if_rev": 1})
    state, message = send(store, again, book=book)
    assert state == CONFLICT and "他の端末" in message
    row = store.get(case_id)
    assert row.deceased["kana"] == "ヤマダ タロウ" and row.answers["funeral_held"] is False  # nothing overwritten
    gone = j.add("state", 999999, {"state": "closed"})
    assert send(store, gone)[0] == CONFLICT  # a case merged away meanwhile: said, not dropped silently
    crash(j)


def test_what_waits_in_the_outbox_is_shown_on_the_case_read_from_the_store(store, tmp_path):
    case_id = store.create_case("窓口 一郎")
    store.set_answer(case_id, "seal_registered", True)
    row = store.get(case_id)
    j = Journal(tmp_path, "w")
    waiting = [j.add("person", case_id, {"part": "funeral", "field": "chief_mourner", "value": "山田 花子",
                                         "expected": None}),
               j.add("answer", case_id, {"fact": "seal_registered", "value": False, "source": "counter",
                                         "if_rev": row.answer_revs["seal_registered"]}),
               j.add("clear", case_id, {"fact": "funeral_held", "if_rev": None}),
               j.add("state", case_id, {"state": "closed"})]
    shown = overlay(row, waiting)
    assert shown.funeral["chief_mourner"] == "山田 花子" and shown.answers["seal_registered"] is False
    assert shown.answer_revs["seal_registered"] == row.answer_revs["seal_registered"] + 1  # the next entry chains
    assert shown.state == "closed" and row.state != "closed"  # a copy: the store's row is untouched
    crash(j)


def test_each_installation_has_an_id_and_each_window_its_own_identity(tmp_path, monkeypatch):
    monkeypatch.delenv("OKUYAMI_TERMINAL", raising=False)
    pc1, pc2 = tmp_path / "pc1", tmp_path / "pc2"
    first = installation_id(pc1)
    assert first == installation_id(pc1) == TerminalSettings.load(pc1).terminal_id  # made once, kept
    assert installation_id(pc2) != first
    settings = TerminalSettings.load(pc1)
    settings.name = "市民課 2番"
    settings.save(pc1)
    assert display_name(pc1) == "市民課 2番" and installation_id(pc1) == first  # the name is not the identity
    a, b = session_identity(pc1), session_identity(pc1)
    assert a != b and a.startswith(first[:16]) and b.startswith(first[:16])  # two windows on one PC: two terminals


def test_the_log_file_has_no_password_sql_or_values(tmp_path):
    path = eventlog.setup(tmp_path)
    log = eventlog.get("connection")
    log.warning("connect failed: postgresql://okuyami:s3cret@db.city.local/okuyami password=hunter2")
    try:
        raise RuntimeError("(psycopg.errors.UniqueViolation) duplicate key\nDETAIL:  Key (juki_key)=(123456) exists."
                           "\n[SQL: UPDATE cases SET deceased_name=%(name)s] [parameters: {'name': '山田 太郎'}]")
    except RuntimeError:
        log.exception("store call failed")
    for h in logging.getLogger("okuyami").handlers:
        h.flush()
    text = path.read_text(encoding="utf-8")
    assert "s3cret" not in text and "hunter2" not in text and "okuyami:***@db.city.local" in text
    assert "山田" not in text and "123456" not in text and "UPDATE cases" not in text
    assert len(eventlog.recent(tmp_path)) == 2


def test_doctor_reports_the_connection(store, db_url, tmp_path, capsys):
    from okuyami.cli import main

    eventlog.setup(tmp_path)
    eventlog.get("connection").warning("server unreachable: OperationalError: connection timeout expired")
    for h in logging.getLogger("okuyami").handlers:
        h.flush()
    installation_id(tmp_path)
    code = main(["doctor", "--db", db_url, "--data-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert "reachable: yes" in out and "round trip" in out and "schema: up to date" in out
    assert TerminalSettings.load(tmp_path).terminal_id in out
    assert "connection timeout expired" in out  # the last problems from the log
    if db_url.startswith("postgresql"):
        assert "tcp_user_timeout: 4000 ms" in out
        assert ":okuyami_ci@" not in out or "***" in out  # never a password
    assert code in (0, 1)  # (fonts may be missing on a bare machine; the connection is what is checked here)


def test_doctor_says_when_the_server_cannot_be_reached(tmp_path, capsys):
    from okuyami.cli import main

    code = main(["doctor", "--db", "postgresql://nobody:secret@127.0.0.1:9/none", "--data-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1 and "reachable: NO" in out and "secret" not in out


def test_every_kind_of_entry_reaches_the_store(store, tmp_path, book):
    import datetime as dt

    case_id = store.create_case("窓口 一郎", values={"deceased_birth_date": dt.date(1941, 3, 2),
                                                  "deceased_death_date": dt.date(2026, 11, 15)})
    data = {"person": {"part": "applicant", "field": "name", "value": "山田 花子", "expected": None},
            "answer": {"fact": "health_insurance", "value": "kouki", "source": "counter", "if_rev": None},
            "clear": {"fact": "health_insurance", "if_rev": 1}, "visit": {"kind": "counter"}, "sync": {},
            "task": {"procedure": "kouki_soshitsu", "status": "deferred", "note": "後日", "if_version": None,
                     "follow_up": "2026-12-01"},
            "state": {"state": "follow_up"}, "language": {"language": "en"}, "question": {"fact": "funeral_held"},
            "print": {"token": "x:1", "what": {"to": "pdf", "forms": [], "pages": 1}},
            "gaiji": {"char": "\ue000", "substitute": "吉"}}
    assert set(data) == set(outbox.KINDS)  # a new kind needs its line here and in outbox._send
    j = Journal(tmp_path, "w")
    for kind in ("person", "answer", "visit", "sync", "task", "clear", "state", "language", "question", "print",
                 "gaiji"):
        entry = j.add(kind, case_id, data[kind])
        assert send(store, entry, book=book) == (SENT, ""), kind
    row = store.get(case_id)
    assert row.applicant["name"] == "山田 花子" and "health_insurance" not in row.answers
    assert row.tasks["kouki_soshitsu"].status == "deferred" and row.language == "en"
    assert row.current_question == "funeral_held" and store.gaiji_choices(case_id) == {"\ue000": "吉"}
    assert store.visits(case_id) and store.print_log(case_id)
    crash(j)


def test_every_postgresql_connection_gives_up_on_a_silent_network(db_url):
    """libpq's own timeouts on the pool's sockets: a silent drop becomes an error within about 4 s."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has no network")
    import os
    import socket

    import sqlalchemy as sa

    from okuyami.store.database import Database

    db = Database(db_url)
    try:
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SHOW statement_timeout")).scalar() == "20s"
            sock = socket.socket(fileno=os.dup(conn.connection.dbapi_connection.pgconn.socket))
            try:
                assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 2
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == 1
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 2
                assert sock.getsockopt(socket.IPPROTO_TCP, getattr(socket, "TCP_USER_TIMEOUT", 18)) == 4000
            finally:
                sock.close()  # (a duplicate of the descriptor: the connection's own stays open)
    finally:
        db.dispose()
