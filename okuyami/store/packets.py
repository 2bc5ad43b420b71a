"""Packets as handed over (交付した書類一式): each packet printed or saved is kept byte for byte with a dated file
name, so a family's earlier visit can be reprinted exactly as it was, at any terminal. Never overwritten: a return
visit adds its own. Deleted with the case (retention purge)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import audit
from .cases import CaseNotFound
from .database import Actor, now, to_jst
from .schema import cases, packets


@dataclass(frozen=True)
class PacketInfo:
    id: int
    case_id: int
    visit_id: int | None
    print_id: int | None
    at: dt.datetime
    operator: str
    terminal: str
    file_name: str
    pages: int
    size: int
    sha256: str


def dated_name(case_id: int, at: dt.datetime, what: str = "案内一式") -> str:
    """``2026-11-23_1430_案件12_案内一式.pdf`` (Japan time): sorts by date, never the same for two visits."""
    return f"{to_jst(at):%Y-%m-%d_%H%M}_案件{case_id}_{what}.pdf"


def keep(conn: Connection, actor: Actor, case_id: int, pdf: bytes, *, pages: int, print_id: int | None = None,
         visit_id: int | None = None) -> PacketInfo:
    if conn.execute(sa.select(cases.c.id).where(cases.c.id == case_id)).first() is None:
        raise CaseNotFound(f"案件番号 {case_id} はありません。")
    at = now()
    name = dated_name(case_id, at)
    taken = set(conn.execute(sa.select(packets.c.file_name).where(packets.c.case_id == case_id)).scalars())
    n = 2
    while name in taken:  # two packets in the same minute: 案内一式_2
        name = dated_name(case_id, at, f"案内一式_{n}")
        n += 1
    digest = hashlib.sha256(pdf).hexdigest()
    packet_id = conn.execute(packets.insert().values(
        case_id=case_id, visit_id=visit_id, print_id=print_id, at=at, operator=actor.operator,
        terminal=actor.terminal, file_name=name, pages=pages, size=len(pdf), sha256=digest, pdf=pdf)
    ).inserted_primary_key[0]
    audit.record(conn, actor, "packet.keep", case_id, packet=packet_id, pages=pages)
    return PacketInfo(packet_id, case_id, visit_id, print_id, at, actor.operator, actor.terminal, name, pages,
                      len(pdf), digest)


def for_case(conn: Connection, case_id: int) -> list[PacketInfo]:
    cols = [c for c in packets.c if c.name != "pdf"]
    q = sa.select(*cols).where(packets.c.case_id == case_id).order_by(packets.c.id)
    return [PacketInfo(**r._mapping) for r in conn.execute(q)]


def read(conn: Connection, actor: Actor, packet_id: int) -> tuple[PacketInfo, bytes]:
    """A kept packet's bytes (audited: it holds personal data)."""
    r = conn.execute(sa.select(packets).where(packets.c.id == packet_id)).mappings().first()
    if r is None:
        raise CaseNotFound(f"保存された書類（番号 {packet_id}）はありません。")
    info = PacketInfo(**{k: v for k, v in r.items() if k != "pdf"})
    audit.record(conn, actor, "packet.read", info.case_id, packet=packet_id)
    return info, bytes(r["pdf"])
