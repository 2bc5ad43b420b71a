"""This PC's own settings (端末の設定): corner or department mode, which department, who is at the terminal, and
the 住基取込 folder and profile.

Remembered per PC in ``terminal.json`` in the data folder (not in the shared database: each counter's PC keeps
its own role). ``--department`` / ``--operator`` on the command line override them for one run.
"""

from __future__ import annotations

import json
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
