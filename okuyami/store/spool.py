"""Audit entries kept on this PC while the database cannot be written (監査記録の一時保存).

Every read of personal data is audited (contract §8). A database that may be read but not written — a SQLite file
on a read-only share or a backup copy opened for a look, a PostgreSQL standby or a server set read-only for
maintenance — must still answer ``cases list`` and ``cases show``; the read's audit entry then goes to a spool file
in this PC's data folder (one JSON line per entry, readable by this user only, no personal values: action, case
number, operator, terminal, time) and is written into the log, in order, the next time this PC writes to that
database (the entry says when the read happened: ``detail.spooled_at``). Why not refuse the read instead: the
counter must be able to look a family up during a server's maintenance window; why not drop the entry: what was
read stays accountable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

from .database import Actor, Database, default_data_dir


def _identity(db: Database) -> str:
    """The database itself, however it was named (a SQLite file opened as ``file:…?mode=ro`` is the same file)."""
    url = db.engine.url
    if db.is_sqlite:
        path = (url.database or "").removeprefix("file:").split("?", 1)[0]
        return "sqlite:" + str(Path(path).expanduser().resolve()) if path else db.describe()
    return f"postgresql:{url.host or ''}:{url.port or ''}/{url.database or ''}"


def spool_file(db: Database, data_dir: Path | None = None) -> Path:
    key = hashlib.sha256(_identity(db).encode("utf-8")).hexdigest()[:16]
    return (data_dir or default_data_dir()) / "audit-spool" / f"{key}.jsonl"


def add(db: Database, actor: Actor, action: str, case_id: int | None, detail: dict,
        data_dir: Path | None = None) -> bool:
    """Keep one entry; False when even this PC's data folder cannot be written (the read is still answered)."""
    path = spool_file(db, data_dir)
    entry = {"at": dt.datetime.now(dt.timezone.utc).isoformat(), "operator": actor.operator,
             "terminal": actor.terminal, "action": action, "case_id": case_id, "detail": detail}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return True
    except OSError:
        return False


def pending(db: Database, data_dir: Path | None = None) -> bool:
    return spool_file(db, data_dir).exists()


def take(db: Database, data_dir: Path | None = None) -> tuple[Path | None, list[dict]]:
    """Claim the spooled entries (the file is moved aside first, so two processes never write them twice)."""
    path = spool_file(db, data_dir)
    claimed = path.with_name(f"{path.stem}.{os.getpid()}.flushing")
    try:
        path.replace(claimed)
        lines = claimed.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None, []
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue  # a line cut short by a crash
    return claimed, entries


def give_back(db: Database, claimed: Path, data_dir: Path | None = None) -> None:
    """Writing failed: the entries go back to the spool (after any added meanwhile)."""
    path = spool_file(db, data_dir)
    try:
        text = claimed.read_text(encoding="utf-8")
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(text)
        claimed.unlink()
    except OSError:
        pass
