"""The audit log (監査ログ): who saw, printed or changed which case, from which terminal, when. Append-only.

Every read of personal data and every change is recorded with the operator (操作者), the terminal (端末) and the
time. ``detail`` names what changed (a fact, a field, a status) but never holds a personal value such as a name,
so the log can outlive the case (``okuyami db purge`` leaves the entries and adds one of its own).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .database import Actor, now, to_jst
from .schema import audit_log, operators

# action → how the case page's history says it
ACTIONS_JA = {
    "case.create": "案件を作成", "case.view": "案件を表示", "case.update": "基本情報を変更", "case.state": "状態を変更",
    "case.delete": "案件を削除", "case.purge": "保存期間を過ぎた案件を削除", "case.list": "案件一覧を表示",
    "answer.set": "回答を記録", "answer.clear": "回答を取り消し", "task.set": "手続きの対応を記録",
    "tasks.list": "手続き一覧を表示", "print": "印刷", "visit.start": "来庁を記録", "audit.read": "操作履歴を表示",
    "export": "書き出し", "case.merge": "別の案件を統合", "case.merged_into": "別の案件へ統合（この案件は削除）",
    "packet.keep": "交付した書類を保存", "packet.read": "保存した書類を表示・再印刷",
    "juki.import": "住基から取込", "juki.update": "住基の変更を反映", "gaiji.set": "外字の印刷方法を記録",
}


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    operator: str
    terminal: str
    action: str
    case: int | None
    detail: dict

    def to_json(self) -> dict[str, Any]:
        return {"at": to_jst(self.at).isoformat(timespec="seconds"), "operator": self.operator,
                "terminal": self.terminal, "action": self.action, "case": self.case, "detail": self.detail}

    def describe_ja(self) -> str:
        what = ACTIONS_JA.get(self.action, self.action)
        extra = "、".join(f"{v}" for k, v in self.detail.items() if k in ("fact", "field", "procedure", "status", "state"))
        return what + (f"（{extra}）" if extra else "")


def record(conn: Connection, actor: Actor, action: str, case_id: int | None = None, **detail: Any) -> None:
    at = now()
    conn.execute(audit_log.insert().values(at=at, operator=actor.operator, terminal=actor.terminal, action=action,
                                           case_id=case_id, detail=json.dumps(detail, ensure_ascii=False)))
    if actor.operator:
        _seen(conn, actor.operator, at)


def seen(conn: Connection, actor: Actor, at: dt.datetime) -> None:
    """Remember the operator as seen (for entries written in bulk, e.g. a 住基 import)."""
    if actor.operator:
        _seen(conn, actor.operator, at)


def _seen(conn: Connection, name: str, at: dt.datetime) -> None:
    updated = conn.execute(operators.update().where(operators.c.name == name).values(last_seen=at)).rowcount
    if not updated:
        conn.execute(operators.insert().values(name=name, last_seen=at))


def entries(conn: Connection, *, case_id: int | None = None, since: dt.datetime | None = None,
            limit: int | None = None) -> list[AuditEntry]:
    q = sa.select(audit_log).order_by(audit_log.c.id)
    if case_id is not None:
        q = q.where(audit_log.c.case_id == case_id)
    if since is not None:
        q = q.where(audit_log.c.at >= since)
    if limit:
        q = q.order_by(None).order_by(audit_log.c.id.desc()).limit(limit)
    rows = conn.execute(q).mappings().all()
    result = [AuditEntry(r["id"], r["at"], r["operator"], r["terminal"], r["action"], r["case_id"],
                         json.loads(r["detail"] or "{}")) for r in rows]
    return sorted(result, key=lambda e: e.id)


def known_operators(conn: Connection, limit: int = 50) -> list[str]:
    """Operators seen lately, most recent first (for the chooser at start)."""
    q = sa.select(operators.c.name).order_by(operators.c.last_seen.desc()).limit(limit)
    return [r[0] for r in conn.execute(q)]
