"""Keeping personal data and SQL out of messages and logs (個人情報・SQLを出さない), and the log for IT.

Every message a clerk or a department sees is written by okuyami in Japanese; what a library said (a database
error with its statement and parameters, a traceback) never reaches a screen or stderr. The details IT needs go
to a log file instead (:func:`it_log`), with every value that could be a person's name, address, date or number
masked (:func:`mask`): what is left is the kind of error, its SQLSTATE, and the names of tables, columns and
constraints — enough to find the cause, nothing about a resident.

Qt-free and small, so the store, the command line and the desk app (and its connection log) can call it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

LOG_NAME = "okuyami-errors.log"
MAX_BYTES = 1_000_000  # then the log moves to .1 (one old file kept)

_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|「[^」]*」|“[^”]*”")
_PARENS_VALUE = re.compile(r"=\([^)]*\)")  # Key (juki_key)=(0000123) already exists
_NUMBERS = re.compile(r"\d{3,}")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def mask(text: object) -> str:
    """``text`` with anything that could be personal data replaced by ``***``: quoted values, ``=(…)`` key
    values, runs of 3+ digits (dates, phone and resident numbers), non-ASCII text (names, addresses), and the
    ``[SQL: …]`` / ``[parameters: …]`` parts of a SQLAlchemy message (cut off)."""
    s = str(text)
    for cut in ("[SQL:", "[parameters:"):  # SQLAlchemy appends the statement and its values: never kept
        s = s.split(cut, 1)[0]
    s = _PARENS_VALUE.sub("=(***)", s)
    s = _QUOTED.sub("'***'", s)
    s = _NUMBERS.sub("***", s)
    s = _NON_ASCII_RUN.sub("***", s)
    return " ".join(s.split())[:500]


def db_error_details(exc: BaseException) -> dict[str, str]:
    """What a database error says, masked: class, SQLSTATE, message, table / column / constraint names."""
    orig = getattr(exc, "orig", None) or exc
    out = {"error": type(orig).__name__}
    state = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None)
    if state:
        out["code"] = str(state)
    diag = getattr(orig, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    out["message"] = mask(primary if primary else (orig.args[0] if getattr(orig, "args", None) else orig))
    for name in ("table_name", "column_name", "constraint_name"):
        value = getattr(diag, name, None) if diag is not None else None
        if value:
            out[name.removesuffix("_name")] = mask(value)
    return out


def log_dir() -> Path:
    """``$OKUYAMI_DATA_DIR/logs`` or the user data folder's ``logs`` (the same folder as the desk app's data)."""
    env = os.environ.get("OKUYAMI_DATA_DIR")
    if env:
        return Path(env) / "logs"
    from platformdirs import user_data_dir

    return Path(user_data_dir("okuyami", appauthor=False)) / "logs"


SAFE_FIELDS = ("code", "error", "db", "table", "column", "constraint")  # no values in these: kept as they are


def it_log(event: str, **fields: object) -> Path | None:
    """One line for IT (time, event, fields — each masked but the names in :data:`SAFE_FIELDS`) in
    ``logs/okuyami-errors.log`` (0600); the path, or None when the folder cannot be written (the message on the
    screen does not depend on it)."""
    line = " ".join([dt.datetime.now().astimezone().isoformat(timespec="seconds"), mask(event)]
                    + [f"{k}={' '.join(str(v).split()) if k in SAFE_FIELDS else mask(v)}" for k, v in fields.items()])
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / LOG_NAME
        try:
            if path.stat().st_size > MAX_BYTES:
                path.replace(path.with_name(LOG_NAME + ".1"))
        except FileNotFoundError:
            pass
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(line + "\n")
        return path
    except OSError:
        return None
