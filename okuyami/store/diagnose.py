"""The connection as ``okuyami doctor`` reports it (接続の診断), for the city's IT staff: which store, whether it
answers, how fast, which schema, this terminal's identity, and the last connection problems from the log file.
Nothing here is shown to a clerk; passwords never appear (the URL is printed with ``***``)."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import eventlog


@dataclass
class ConnectionReport:
    where: str  # the store's URL, password hidden
    kind: str  # "SQLite" / "PostgreSQL"
    reachable: bool | None = None  # None: not tried (a SQLite file not made yet)
    connect_ms: float | None = None
    round_trip_ms: float | None = None  # median of a few SELECT 1
    schema: str = ""
    error: str = ""
    settings: dict = field(default_factory=dict)  # the timeouts in force
    terminal_id: str = ""
    terminal_name: str = ""
    log: Path | None = None
    recent: list[str] = field(default_factory=list)


def check(db: str | None, data_dir: Path, *, tries: int = 5) -> ConnectionReport:
    """Try the store once (without creating or migrating anything) and gather what IT needs to see."""
    from . import migrate
    from .database import (CONNECT_TIMEOUT, KEEPALIVE_COUNT, KEEPALIVE_IDLE, KEEPALIVE_INTERVAL,
                           STATEMENT_TIMEOUT_MS, TCP_USER_TIMEOUT_MS, Database, StoreError, resolve_url, safe_url)
    from .local_settings import TerminalSettings, display_name

    url = resolve_url(db, data_dir)
    report = ConnectionReport(safe_url(url), "SQLite" if url.startswith("sqlite") else "PostgreSQL")
    settings = TerminalSettings.load(data_dir)
    report.terminal_id = settings.terminal_id
    report.terminal_name = display_name(data_dir)
    report.log = eventlog.log_path(data_dir)
    report.recent = eventlog.recent(data_dir, limit=5)
    if report.kind == "PostgreSQL":
        report.settings = {"connect_timeout": f"{CONNECT_TIMEOUT} s", "tcp_user_timeout": f"{TCP_USER_TIMEOUT_MS} ms",
                           "keepalives": f"idle {KEEPALIVE_IDLE} s, interval {KEEPALIVE_INTERVAL} s, "
                                         f"count {KEEPALIVE_COUNT}",
                           "statement_timeout": f"{STATEMENT_TIMEOUT_MS} ms"}
    else:
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:" and not Path(path).exists():
            report.error = "the file does not exist yet (the desk app makes it at its first start)"
            return report
    database = Database(url)
    try:
        t0 = time.perf_counter()
        database.ping()
        report.connect_ms = (time.perf_counter() - t0) * 1000
        times = []
        for _ in range(tries):
            t = time.perf_counter()
            database.ping()
            times.append((time.perf_counter() - t) * 1000)
        report.round_trip_ms = statistics.median(times)
        report.reachable = True
        try:
            state = migrate.check(database)
            report.schema = {"ok": "up to date", "old": "older than this okuyami (run: okuyami db upgrade)"}[state]
        except StoreError as exc:
            report.schema = f"not usable: {type(exc).__name__} (run: okuyami db upgrade)"
    except StoreError as exc:
        report.reachable = False
        report.error = eventlog.technical(exc)
    finally:
        database.dispose()
    return report


def lines(report: ConnectionReport) -> list[str]:
    """The report as doctor prints it."""
    out = [f"database: {report.kind} {report.where}"]
    if report.reachable:
        out.append(f"  reachable: yes — connect {report.connect_ms:.0f} ms, round trip {report.round_trip_ms:.1f} ms "
                   f"(median)")
        out.append(f"  schema: {report.schema}")
    elif report.reachable is False:
        out.append(f"  reachable: NO — {report.error}")
    else:
        out.append(f"  not checked: {report.error}")
    for key, value in report.settings.items():
        out.append(f"  {key}: {value}")
    out.append(f"terminal: {report.terminal_name} (installation id {report.terminal_id or 'not made yet: first start'})")
    out.append(f"log: {report.log}")
    if report.recent:
        out.append("  last problems in the log:")
        out += [f"    {line}" for line in report.recent]
    else:
        out.append("  no connection problems in the log")
    return out
