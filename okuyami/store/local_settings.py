"""This PC's own settings (端末の設定): corner or department mode, which department, who is at the terminal, and
the 住基取込 folder and profile; and the installation's identity.

Remembered per PC in ``terminal.json`` in the data folder (not in the shared database: each counter's PC keeps
its own role). ``--department`` / ``--operator`` on the command line override them for one run.

Identity (端末の識別): ``terminal_id`` is a random id made at the first start and kept here, unique per
installation; ``name`` is only what people read (the audit log's 端末, default ``$OKUYAMI_TERMINAL`` or the host
name), and two PCs may share it. Each running window adds its own session to the id (see
:func:`session_identity`), so two windows on one PC are two terminals.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

FILE = "terminal.json"


@dataclass
class TerminalSettings:
    mode: str = "corner"  # corner (おくやみコーナー) / department (各課の端末)
    department: str | None = None  # rules.yaml department id in department mode
    operator: str = ""  # the last person at this terminal
    juki_folder: str = ""  # 住基取込: the folder the RPA drops the death list into ("" : not watched)
    juki_profile: str = ""  # 住基取込: the vendor profile (YAML; "" : the default layout)
    terminal_id: str = ""  # this installation's id, made at the first start (never shown as its name)
    name: str = ""  # the terminal's display name ("" : $OKUYAMI_TERMINAL or the host name)

    @classmethod
    def load(cls, data_dir: Path) -> "TerminalSettings":
        try:
            data = json.loads((Path(data_dir) / FILE).read_text(encoding="utf-8"))
            return cls(**{k: data.get(k, getattr(cls(), k)) for k in asdict(cls())})
        except (OSError, ValueError, TypeError):
            return cls()

    def save(self, data_dir: Path) -> None:
        path = Path(data_dir) / FILE
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")
            tmp.replace(path)
        except OSError:
            pass  # a read-only data folder must not stop the counter


def installation_id(data_dir: Path) -> str:
    """This installation's id: read from ``terminal.json``, or made and saved there at the first start."""
    settings = TerminalSettings.load(data_dir)
    if not settings.terminal_id:
        settings.terminal_id = uuid.uuid4().hex
        settings.save(data_dir)
        saved = TerminalSettings.load(data_dir).terminal_id  # two windows starting at once: one id wins
        settings.terminal_id = saved or settings.terminal_id
    return settings.terminal_id


def display_name(data_dir: Path) -> str:
    """What the audit log and the history call this terminal: ``$OKUYAMI_TERMINAL``, the name kept in
    ``terminal.json``, or the host name."""
    import os

    from .database import terminal_name

    return os.environ.get("OKUYAMI_TERMINAL") or TerminalSettings.load(data_dir).name or terminal_name()


def session_identity(data_dir: Path) -> str:
    """One running window's identity: the installation's id and a new random part (notices it sends carry it)."""
    return f"{installation_id(data_dir)[:16]}/{uuid.uuid4().hex[:12]}"
