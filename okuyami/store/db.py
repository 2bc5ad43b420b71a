"""Storage of counter sessions (保存): SQLite through sqlite-utils, in the user data folder.

Every change is written and committed when it is made (``set_person``, ``set_answer``, ``set_status`` …): kill the
app at any moment and nothing answered is lost; a case reopens exactly where it was (the last question shown is
stored too). The schema carries a version number and is migrated forward on open.

Tables:
- ``cases``: one row per case — who died, the visitor, the funeral, the status (受付中・印刷済・後日対応あり・完了),
  the clerk, timestamps, the last question shown;
- ``answers``: (case, fact) → value as JSON (``"unknown"`` for わからない);
- ``procedure_status``: (case, procedure code) → 未着手・完了・後日・不要 with a note (return visits);
- ``print_log``: what was printed for which case, when, by which clerk.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils
from platformdirs import user_data_dir

SCHEMA_VERSION = 2
CASE_STATUSES = ("受付中", "印刷済", "後日対応あり", "完了")
PROCEDURE_STATUSES = ("未着手", "完了", "後日", "不要")
PERSON_FIELDS = {
    "deceased": ("name", "kana", "sex", "birth_date", "death_date", "address", "registered_domicile"),
    "applicant": ("name", "kana", "relationship", "birth_date", "address", "phone"),
    "funeral": ("date", "chief_mourner"),
}


def default_data_dir() -> Path:
    """``$OKUYAMI_DATA_DIR``, else the platform's user data folder (``%LOCALAPPDATA%\\okuyami`` on Windows)."""
    env = os.environ.get("OKUYAMI_DATA_DIR")
    return Path(env) if env else Path(user_data_dir("okuyami", appauthor=False))


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def _migrate_1(db: sqlite_utils.Database) -> None:
    db["cases"].create({
        "id": int, "created_at": str, "updated_at": str, "status": str, "clerk": str,
        "deceased": str, "applicant": str, "funeral": str, "current_question": str,
    }, pk="id", if_not_exists=True)
    db["answers"].create({"case_id": int, "fact": str, "value": str, "updated_at": str},
                         pk=("case_id", "fact"), foreign_keys=[("case_id", "cases", "id")], if_not_exists=True)
    db["procedure_status"].create({"case_id": int, "code": str, "status": str, "note": str, "updated_at": str},
                                  pk=("case_id", "code"), foreign_keys=[("case_id", "cases", "id")],
                                  if_not_exists=True)
    db["print_log"].create({"id": int, "case_id": int, "printed_at": str, "clerk": str, "what": str},
                           pk="id", foreign_keys=[("case_id", "cases", "id")], if_not_exists=True)


def _migrate_2(db: sqlite_utils.Database) -> None:
    """Search by name and kana, and list today's cases quickly."""
    db["cases"].add_column("search_text", str, not_null_default="")
    db["cases"].create_index(["updated_at"], if_not_exists=True)
    for row in db["cases"].rows:
        db["cases"].update(row["id"], {"search_text": _search_text(json.loads(row["deceased"] or "{}"),
                                                                   json.loads(row["applicant"] or "{}"))})


MIGRATIONS = {1: _migrate_1, 2: _migrate_2}


def to_katakana(text: str) -> str:
    """ひらがな → カタカナ (so やまだ finds ヤマダ)."""
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def _search_text(deceased: dict, applicant: dict) -> str:
    parts = [deceased.get("name"), deceased.get("kana"), applicant.get("name"), applicant.get("kana"),
             deceased.get("death_date")]
    return " ".join(p for p in parts if p).replace("\u3000", " ")


@dataclass
class CaseRow:
    id: int
    created_at: str
    updated_at: str
    status: str
    clerk: str
    deceased: dict
    applicant: dict
    funeral: dict
    current_question: str | None
    answers: dict[str, Any]
    statuses: dict[str, tuple[str, str]]  # code → (status, note)

    @property
    def title(self) -> str:
        return self.deceased.get("name") or "（氏名未入力）"


class Store:
    """The case database. One file; opened with WAL so a crash never leaves it half-written."""

    def __init__(self, path: Path | str | None = None):
        if path is None:
            path = default_data_dir() / "okuyami.sqlite3"
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)  # autocommit
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        self.db = sqlite_utils.Database(conn)
        self.migrate()

    @property
    def version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> None:
        version = self.version
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"{self.path}: made by a newer okuyami (schema {version} > {SCHEMA_VERSION})")
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self.db.conn:
                MIGRATIONS[target](self.db)
                self.db.execute(f"PRAGMA user_version = {target}")

    def close(self) -> None:
        self.db.conn.close()

    # -- cases --------------------------------------------------------------------------------------------
    def create_case(self, clerk: str = "") -> int:
        now = _now()
        return self.db["cases"].insert({
            "created_at": now, "updated_at": now, "status": "受付中", "clerk": clerk, "deceased": "{}",
            "applicant": "{}", "funeral": "{}", "current_question": None, "search_text": "",
        }).last_pk

    def _touch(self, case_id: int, **fields: Any) -> None:
        self.db["cases"].update(case_id, {"updated_at": _now(), **fields})

    def set_person(self, case_id: int, part: str, field: str, value: str | None) -> None:
        """One field of deceased / applicant / funeral (dates as ISO text); saved at once."""
        if field not in PERSON_FIELDS.get(part, ()):
            raise KeyError(f"{part}.{field}")
        row = self.db["cases"].get(case_id)
        data = json.loads(row[part] or "{}")
        if value in (None, ""):
            data.pop(field, None)
        else:
            data[field] = value
        people = {p: json.loads(row[p] or "{}") for p in ("deceased", "applicant")}
        if part in people:
            people[part] = data
        self._touch(case_id, **{part: json.dumps(data, ensure_ascii=False),
                                "search_text": _search_text(people["deceased"], people["applicant"])})

    def set_answer(self, case_id: int, fact: str, value: Any) -> None:
        self.db["answers"].upsert({"case_id": case_id, "fact": fact, "value": json.dumps(value, ensure_ascii=False),
                                   "updated_at": _now()}, pk=("case_id", "fact"))
        self._touch(case_id)

    def clear_answer(self, case_id: int, fact: str) -> None:
        self.db.execute("DELETE FROM answers WHERE case_id = ? AND fact = ?", [case_id, fact])
        self._touch(case_id)

    def set_current_question(self, case_id: int, fact: str | None) -> None:
        self.db["cases"].update(case_id, {"current_question": fact})

    def set_case_status(self, case_id: int, status: str) -> None:
        if status not in CASE_STATUSES:
            raise ValueError(status)
        self._touch(case_id, status=status)

    def set_procedure_status(self, case_id: int, code: str, status: str, note: str = "") -> None:
        if status not in PROCEDURE_STATUSES:
            raise ValueError(status)
        self.db["procedure_status"].upsert({"case_id": case_id, "code": code, "status": status, "note": note,
                                            "updated_at": _now()}, pk=("case_id", "code"))
        if status == "後日" and self.db["cases"].get(case_id)["status"] in ("受付中", "印刷済"):
            self._touch(case_id, status="後日対応あり")  # the case list shows it is waiting for a return visit
        else:
            self._touch(case_id)

    def log_print(self, case_id: int, clerk: str, what: dict) -> None:
        self.db["print_log"].insert({"case_id": case_id, "printed_at": _now(), "clerk": clerk,
                                     "what": json.dumps(what, ensure_ascii=False)})
        row = self.db["cases"].get(case_id)
        if row["status"] == "受付中":
            self._touch(case_id, status="印刷済")

    def print_log(self, case_id: int) -> list[dict]:
        return [dict(r, what=json.loads(r["what"])) for r in
                self.db["print_log"].rows_where("case_id = ?", [case_id], order_by="id")]

    def delete_case(self, case_id: int) -> None:
        with self.db.conn:
            for table in ("answers", "procedure_status", "print_log"):
                self.db.execute(f"DELETE FROM {table} WHERE case_id = ?", [case_id])
            self.db.execute("DELETE FROM cases WHERE id = ?", [case_id])

    def get(self, case_id: int) -> CaseRow:
        row = self.db["cases"].get(case_id)
        answers = {r["fact"]: json.loads(r["value"]) for r in self.db["answers"].rows_where("case_id = ?", [case_id])}
        statuses = {r["code"]: (r["status"], r["note"] or "")
                    for r in self.db["procedure_status"].rows_where("case_id = ?", [case_id])}
        return CaseRow(row["id"], row["created_at"], row["updated_at"], row["status"], row["clerk"] or "",
                       json.loads(row["deceased"] or "{}"), json.loads(row["applicant"] or "{}"),
                       json.loads(row["funeral"] or "{}"), row["current_question"], answers, statuses)

    def list_cases(self, search: str = "", limit: int = 200) -> list[CaseRow]:
        """Most recent first; ``search`` matches name, kana (full- or half-width) or a date (2026-11-15)."""
        where, params = "", []
        words = [w for w in search.replace("\u3000", " ").split() if w]
        if words:
            where = " AND ".join("search_text LIKE ?" for _ in words)
            params = [f"%{to_katakana(unicodedata.normalize('NFKC', w))}%" for w in words]
        ids = [r["id"] for r in self.db["cases"].rows_where(where or None, params, order_by="updated_at desc, id desc",
                                                            limit=limit, select="id")]
        return [self.get(i) for i in ids]
