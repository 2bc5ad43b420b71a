"""The terminal's log file (ログ): what happened to the connection and to the outbox, with the technical detail the
clerk's screen never shows — for the city's IT staff and ``okuyami doctor``.

``<data folder>/logs/okuyami.log`` (rotated at 1 MB, 3 old files kept). Every line passes :class:`Mask` first: no
password (in a URL, ``password=``, ``PGPASSWORD``), no SQL text or statement parameters, no key values from the
server's error detail. okuyami's own lines name fields, facts and case numbers, never the values typed.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

LOGGER = "okuyami"
FOLDER = "logs"
FILE = "okuyami.log"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_RULES = [
    (re.compile(r"(://[^:/@\s]+):[^@\s]*@"), r"\1:***@"),  # postgresql://user:secret@host
    (re.compile(r"(password\s*=\s*)\S+", re.I), r"\1***"),
    (re.compile(r"(PGPASSWORD\s*=\s*)\S+"), r"\1***"),
    (re.compile(r"\[SQL: .*?\](?=\s*(\[|\(|$))", re.S), "[SQL: …]"),
    (re.compile(r"\[parameters: .*?\](?=\s*(\[|\(|$))", re.S), "[parameters: …]"),
    (re.compile(r"(Key \([^)]*\)=)\([^)]*\)"), r"\1(…)"),
    (re.compile(r"(DETAIL:\s+).*"), r"\1…"),
]


def mask(text: str) -> str:
    """A log line without passwords, SQL, statement parameters or the server's detail about values."""
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)
    return text


class Mask(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = ()
        if record.exc_info:  # a traceback is formatted here, masked, and kept as text
            record.msg += "\n" + mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
            record.exc_text = None
        return True


def technical(exc: BaseException) -> str:
    """The driver's own words behind a store error (a StoreError keeps them out of its Japanese message), for the
    log and ``okuyami doctor`` — masked."""
    inner = exc.__context__ or exc.__cause__
    orig = getattr(inner, "orig", inner) if inner is not None else exc
    text = str(orig).strip()
    return mask(f"{type(orig).__name__}: {text.splitlines()[0] if text else ''}")


def log_path(data_dir: Path) -> Path:
    return Path(data_dir) / FOLDER / FILE


def setup(data_dir: Path) -> Path | None:
    """Send okuyami's log to the data folder's log file (once per process and folder); None if it cannot be
    written (a read-only folder must not stop the counter)."""
    path = log_path(data_dir)
    logger = logging.getLogger(LOGGER)
    for h in logger.handlers:
        if getattr(h, "okuyami_path", None) == path:
            return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return None
    handler.okuyami_path = path
    handler.addFilter(Mask())
    handler.setFormatter(logging.Formatter(FORMAT))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return path


def get(name: str) -> logging.Logger:
    """``okuyami.<name>``: e.g. ``get("connection")``, ``get("outbox")``."""
    return logging.getLogger(f"{LOGGER}.{name}")


def recent(data_dir: Path, *, limit: int = 5, levels: tuple[str, ...] = ("WARNING", "ERROR")) -> list[str]:
    """The last ``limit`` lines of those levels in the log file (newest last), masked once more."""
    path = log_path(data_dir)
    found: list[str] = []
    for p in [path.with_name(f"{FILE}.1"), path]:
        try:
            lines = p.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        found += [mask(line) for line in lines if any(f" {lv} " in line for lv in levels)]
    return found[-limit:]
