"""The audit log (監査ログ): who saw, printed or changed which case, from which terminal, when. Append-only.

Every read of personal data and every change is recorded with the operator (操作者), the terminal (端末) and the
time. ``detail`` names what changed (a fact, a field, a status) but never holds a personal value such as a name,
so the log can outlive the case (``okuyami db purge`` leaves the entries and adds one of its own).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .database import PENDING, Actor, StoreError, now, to_jst
from .schema import audit_head, audit_log, operators

# action → how the case page's history says it
ACTIONS_JA = {
    "case.create": "案件を作成", "case.view": "案件を表示", "case.update": "基本情報を変更", "case.state": "状態を変更",
    "case.delete": "案件を削除", "case.purge": "保存期間を過ぎた案件を削除", "case.list": "案件一覧を表示",
    "answer.set": "回答を記録", "answer.clear": "回答を取り消し", "task.set": "手続きの対応を記録",
    "tasks.list": "手続き一覧を表示", "print": "印刷", "visit.start": "来庁を記録", "audit.read": "操作履歴を表示",
    "export": "書き出し", "case.merge": "別の案件を統合", "case.merged_into": "別の案件へ統合（この案件は削除）",
    "packet.keep": "交付した書類を保存", "packet.read": "保存した書類を表示・再印刷",
    "juki.import": "住基から取込", "juki.update": "住基の変更を反映", "gaiji.set": "外字の印刷方法を記録",
    "audit.verify": "操作履歴の改ざんを検査", "audit.guard": "操作履歴の保護（トリガー）を復元",
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
                "terminal": self.terminal, "action": self.action, "case": self.case, "detail": self.detail,
                "id": self.id}  # the id audit verify names

    def describe_ja(self) -> str:
        what = ACTIONS_JA.get(self.action, self.action) + ("（住基から取込）" if self.detail.get("source") == "juki" else "")
        extra = "、".join(f"{v}" for k, v in self.detail.items() if k in ("fact", "field", "procedure", "status", "state"))
        return what + (f"（{extra}）" if extra else "")


# -- the hash chain (contract §11) ---------------------------------------------------------------------------
# Each entry carries ``seq`` (its place in the chain, 1, 2, 3 …), ``prev_hash`` (the hash of the entry before it;
# GENESIS for the first) and ``hash`` = sha256 over its fields and prev_hash (:func:`entry_hash`). ``audit_head``
# holds the last link, so a removed tail is found as well as a changed, removed or inserted entry in the middle.
# SQLite: the store computes the links inside its write transaction (one writer at a time: BEGIN IMMEDIATE) and
# triggers refuse an entry that does not continue the chain. PostgreSQL: a SECURITY DEFINER trigger locks the
# head row, sets id, seq, at (the command's time, never before the last entry nor ahead of the server's
# clock), terminal (the login role of a terminal) and the hashes in SQL
# (store/roles.py), so the chain stays linear whatever the terminals do at the same moment, and nobody but the
# owner can write a link of their choosing.
GENESIS = "0" * 64
_SEP = "\x1f"
# entries are written at the end of their transaction (Database.write calls flush), so the chain's head row is
# locked only for the moment before the commit and always after every other row the transaction locks


def at_text(at: dt.datetime) -> str:
    """The time as hashed: UTC, microseconds (the same text PostgreSQL's to_char gives in the trigger)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.timezone.utc)
    return at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")


def entry_hash(seq: int, entry_id: int, at: dt.datetime, operator: str, terminal: str, action: str,
               case_id: int | None, detail: str, prev_hash: str) -> str:
    """sha256 (hex) of one entry's fields and the hash of the entry before it."""
    payload = _SEP.join([str(seq), str(entry_id), at_text(at), operator, terminal, action,
                         "" if case_id is None else str(case_id), detail, prev_hash])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(conn: Connection, actor: Actor, action: str, case_id: int | None = None, **detail: Any) -> None:
    """Add one entry; written (chained) when the write transaction commits, or at once outside one."""
    entry = {"operator": actor.operator, "terminal": actor.terminal, "action": action, "case_id": case_id,
             "detail": json.dumps(detail, ensure_ascii=False)}
    record_many(conn, [entry])


def record_many(conn: Connection, entries: list[dict]) -> None:
    """Entries given as dicts (operator, terminal, action, case_id, detail as JSON text), e.g. a 住基 import's."""
    if not entries:
        return
    pending = conn.info.get(PENDING)
    if pending is None:
        append(conn, entries)
    else:
        pending["audit"].extend(entries)
        pending["flush"] = append


def append(conn: Connection, entries: list[dict]) -> None:
    """Write entries at the end of the chain (now, in this transaction)."""
    at = now()
    if conn.dialect.name == "postgresql":  # the server's trigger sets id, seq, at, terminal and the hashes
        conn.execute(audit_log.insert(), [{**e, "at": at} for e in entries])
        return
    head = conn.execute(sa.select(audit_head).where(audit_head.c.id == 1)).mappings().first()
    if head is None:  # a database whose chain was never started (should not happen after db upgrade)
        raise StoreError("監査ログの連鎖の先頭がありません。情報システム担当が okuyami db upgrade を実行してください。")
    seq, last_id, prev = head["seq"], head["last_id"], head["hash"]
    # rows somebody added outside the chain (found by audit verify) must not stop the counter: go past them
    top_seq, top_id = conn.execute(sa.select(sa.func.max(audit_log.c.seq), sa.func.max(audit_log.c.id))).one()
    seq, last_id = max(seq, top_seq or 0), max(last_id, top_id or 0)
    if head["at"] is not None and head["at"] > at:
        at = head["at"]  # the clock went back: entries never go back in time
    rows = []
    for e in entries:
        seq, last_id = seq + 1, last_id + 1
        digest = entry_hash(seq, last_id, at, e["operator"], e["terminal"], e["action"], e["case_id"], e["detail"],
                            prev)
        rows.append({**e, "id": last_id, "at": at, "seq": seq, "prev_hash": prev, "hash": digest})
        prev = digest
    conn.execute(audit_log.insert(), rows)  # the AFTER INSERT trigger moves audit_head along
    for name in sorted({e["operator"] for e in entries if e["operator"]}):
        _seen(conn, name, at)


def seen(conn: Connection, actor: Actor, at: dt.datetime) -> None:
    """Remember the operator as seen (PostgreSQL: the audit trigger does it)."""
    if actor.operator and conn.dialect.name != "postgresql":
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


# -- audit verify -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChainProblem:
    """The first place where the chain does not hold: the entry (by id) and what happened to it."""

    id: int | None
    kind: str  # changed / removed / inserted / backdated / tail
    text: str  # Japanese, names the id

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "message": self.text}


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head: str  # the hash of the last entry checked (hex)
    problem: ChainProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def line(self) -> str:
        if self.problem is None:
            return f"監査ログは改ざんされていません：{self.checked}件を確認しました（先頭のハッシュ {self.head}）。"
        return (f"監査ログが改ざんされています：{self.problem.text}"
                f"（その前の{self.checked}件は正常です）。情報システム担当に連絡してください。")


def problem_text(kind: str, entry_id: int | None, *, other: int | None = None, seq: int | None = None) -> str:
    """The Japanese sentence for a broken link (shared by :func:`verify` and the server-side tail check)."""
    if kind == "changed":
        return f"id {entry_id} の記録が書き換えられています（ハッシュが一致しません）"
    if kind == "removed":
        if other is not None:
            return f"id {other} と id {entry_id} の間の記録（通番 {seq}）が削除されています"
        return f"id {entry_id} の記録が削除されています" + (f"（通番 {seq}）" if seq else "")
    if kind == "removed_before":
        return f"id {entry_id} より前の記録（通番 {seq}）が削除されています"
    if kind == "inserted":
        return f"id {entry_id} の記録は連鎖の外で追加されたか、順序を変えて挿入されています"
    if kind == "link":
        return (f"id {entry_id} の記録が前の記録（id {other}）とつながりません：id {other} が書き換えられたか、"
                f"id {entry_id} が後から挿入されています")
    if kind == "backdated":
        return f"id {entry_id} の記録の日時が前の記録より前です（日時をさかのぼって挿入された記録）"
    if kind == "future":
        return f"id {entry_id} の記録の日時が未来です（偽の記録）"
    if kind == "tail":
        return f"最後の記録 id {entry_id} より後の記録（通番 {seq} 以降）が削除されています"
    if kind == "beyond":
        return f"id {entry_id} の記録は連鎖の先頭より後にあり、okuyamiの外で追加されています"
    return f"id {entry_id} の記録に問題があります"


_CHAIN_COLS = (audit_log.c.id, audit_log.c.seq, audit_log.c.at, audit_log.c.operator, audit_log.c.terminal,
               audit_log.c.action, audit_log.c.case_id, audit_log.c.detail, audit_log.c.prev_hash, audit_log.c.hash)


def verify(conn: Connection, *, tail: int | None = None, batch: int = 5000,
           clock: dt.datetime | None = None) -> ChainReport:
    """Check the chain from the first entry (or the last ``tail`` entries), entry by entry, in id order:
    each continues the one before (seq + 1, prev_hash), its hash matches its fields, its time does not go back,
    and the last one is the head. Reads in batches (memory stays flat for millions of entries)."""
    head = conn.execute(sa.select(audit_head).where(audit_head.c.id == 1)).mappings().first()
    head_seq = head["seq"] if head else 0
    sealed = head["sealed_seq"] if head else 0
    # no entry is later than the clock — the real one, or the command's own ($OKUYAMI_NOW / $OKUYAMI_TODAY) when that
    # is later (on PostgreSQL the server stamps entries with its real time, whatever the command's clock says)
    limit_at = (clock or max(now(), dt.datetime.now(dt.timezone.utc))) + dt.timedelta(minutes=10)
    after = 0
    prev = None
    if tail is not None:
        ids = conn.execute(sa.select(audit_log.c.id).order_by(audit_log.c.id.desc()).limit(tail + 1)).scalars().all()
        if len(ids) > tail:
            after = ids[-1] - 1  # the entry before the tail is read as the first link (not counted)
    checked = 0
    last_hash = GENESIS
    anchor = tail is not None and after > 0
    while True:
        rows = conn.execute(sa.select(*_CHAIN_COLS).where(audit_log.c.id > after).order_by(audit_log.c.id)
                            .limit(batch)).all()
        if not rows:
            break
        for r in rows:
            after = r.id
            problem = _check(r, prev, head_seq, sealed, limit_at, anchor)
            if problem is not None:
                return ChainReport(checked, last_hash, problem)
            if anchor:
                anchor = False  # the link before the tail: its own hash was checked, not counted
            else:
                checked += 1
            prev = r
            last_hash = r.hash
    if head is not None and prev is not None and (prev.seq != head_seq or prev.hash != head["hash"]):
        return ChainReport(checked, last_hash, ChainProblem(prev.id, "tail", problem_text(
            "tail", prev.id, seq=prev.seq + 1)))
    if head is not None and prev is None and head_seq > 0:
        return ChainReport(0, GENESIS, ChainProblem(None, "tail", "すべての記録が削除されています"))
    return ChainReport(checked, last_hash)


def _check(r, prev, head_seq: int, sealed: int, limit_at: dt.datetime, anchor: bool) -> ChainProblem | None:
    if r.seq is None or r.hash is None or r.prev_hash is None:
        return ChainProblem(r.id, "inserted", problem_text("inserted", r.id))
    if head_seq and r.seq > head_seq:
        return ChainProblem(r.id, "beyond", problem_text("beyond", r.id))
    if not anchor:
        expected = prev.seq + 1 if prev is not None else 1
        if r.seq > expected:
            gap = r.seq - expected
            before = prev.id if prev is not None else 0
            if r.id - before == gap + 1:  # ids dense: the missing entry's id is known
                return ChainProblem(before + 1, "removed", problem_text("removed", before + 1, seq=expected))
            if not before:
                return ChainProblem(r.id, "removed", problem_text("removed_before", r.id, seq=expected))
            return ChainProblem(r.id, "removed", problem_text("removed", r.id, other=before, seq=expected))
        if r.seq < expected:
            return ChainProblem(r.id, "inserted", problem_text("inserted", r.id))
        if r.prev_hash != (prev.hash if prev is not None else GENESIS):
            if prev is None:
                return ChainProblem(r.id, "inserted", problem_text("inserted", r.id))
            return ChainProblem(r.id, "link", problem_text("link", r.id, other=prev.id))
    if r.hash != entry_hash(r.seq, r.id, r.at, r.operator, r.terminal, r.action, r.case_id, r.detail, r.prev_hash):
        return ChainProblem(r.id, "changed", problem_text("changed", r.id))
    if prev is not None and not anchor and r.seq > sealed and r.at < prev.at:
        return ChainProblem(r.id, "backdated", problem_text("backdated", r.id))
    if r.seq > sealed and r.at > limit_at:
        return ChainProblem(r.id, "future", problem_text("future", r.id))
    return None


def server_check(conn: Connection, tail: int | None) -> ChainReport:
    """PostgreSQL: the same checks as :func:`verify`, run by the server (okuyami_audit_check, SECURITY DEFINER):
    any terminal may ask, and none needs to read the entries for it."""
    n = tail if tail is not None else 2_000_000_000
    r = conn.execute(sa.text("SELECT * FROM okuyami_audit_check(:n)"), {"n": n}).one()
    if r.kind is None:
        return ChainReport(r.checked, r.head)
    if r.kind == "tail" and r.bad_id is None:
        return ChainReport(0, GENESIS, ChainProblem(None, "tail", "すべての記録が削除されています"))
    if r.kind == "tail":
        text = problem_text("tail", r.bad_id, seq=r.gap_seq)
    elif r.kind in ("removed", "removed_before"):
        text = problem_text(r.kind, r.bad_id, other=r.other_id, seq=r.gap_seq)
    else:
        text = problem_text(r.kind, r.bad_id, other=r.other_id)
    return ChainReport(r.checked, "", ChainProblem(r.bad_id, r.kind.removesuffix("_before"), text))
