"""A department's preparation list (準備リスト): the families coming on a day and what to prepare for each.

Printed (A4, reportlab, fonts checked and embedded like every other document) and as CSV for a spreadsheet
(UTF-8 with BOM so Excel shows the Japanese; ``encoding="cp932"`` for older tools).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..core.calendar import to_jst
from ..core.rulebook import Rulebook
from ..core.wareki import format_date
from .csvfile import write_csv as write_csv_file
from .fonts import find_fonts

STATUS_JA = {"open": "未着手", "prepared": "準備済", "done": "完了", "deferred": "後日", "not_applicable": "不要"}
COLUMNS = ("来庁予定", "案件番号", "亡くなった方", "死亡日", "手続き", "状態", "メモ")


def _jst(value: dt.datetime | None) -> str:
    return f"{to_jst(value):%m/%d %H:%M}" if value else ""


def rows(book: Rulebook, lines) -> list[list[str]]:
    """The list's rows (the same for paper and CSV), in visiting time order."""
    out = []
    for t in lines:
        rule = book.rules.get(t.procedure)
        out.append([_jst(t.visit), str(t.case), t.deceased or "", t.death_date.isoformat() if t.death_date else "",
                    rule.title if rule else t.procedure, STATUS_JA.get(t.status, t.status), t.note or ""])
    return out


def department_label(book: Rulebook, department: str) -> str:
    if department in book.root.departments:
        return book.root.departments[department].name
    if department in book.root.agencies:
        return book.root.agencies[department].name
    return department


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_csv(book: Rulebook, lines, path: Path, *, encoding: str = "utf-8") -> Path:
    """The list as CSV through the shared writer (formula-safe cells; UTF-8 with BOM, or cp932 with 〓)."""
    write_csv_file(path, COLUMNS, rows(book, lines), encoding)
    return Path(path)


def write_pdf(book: Rulebook, lines, path: Path, *, department: str, day: dt.date, until: dt.date | None = None) -> Path:
    fonts = find_fonts()
    gothic, mincho = fonts["gothic"], fonts["mincho"]
    title = ParagraphStyle("t", fontName=gothic, fontSize=16, leading=20)
    small = ParagraphStyle("s", fontName=mincho, fontSize=9, leading=12, wordWrap="CJK")
    cell = ParagraphStyle("c", fontName=mincho, fontSize=10, leading=13, wordWrap="CJK")
    period = format_date(day, weekday=True) + (f"〜{format_date(until, weekday=True)}" if until and until != day else "")
    data = [[Paragraph(h, small) for h in COLUMNS]]
    for r in rows(book, lines):
        data.append([Paragraph(_escape(fonts.printable(v, ("mincho",))[0]), cell) for v in r])
    table = Table(data, colWidths=[22 * mm, 16 * mm, 30 * mm, 22 * mm, 50 * mm, 14 * mm, 30 * mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, "#888888"), ("BACKGROUND", (0, 0), (-1, 0), "#e8e8e8"),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story = [Paragraph(f"準備リスト　{department_label(book, department)}", title), Spacer(1, 3 * mm),
             Paragraph(f"{period}　{len({t.case for t in lines})}家族・手続き{len(lines)}件　"
                       f"（{book.root.municipality.name} {book.root.municipality.corner.name}）", small),
             Spacer(1, 4 * mm), table]
    if not lines:
        story.append(Paragraph("この期間に来庁予定の家族はありません。", cell))
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=14 * mm,
                            bottomMargin=14 * mm, title="準備リスト")
    doc.build(story)
    return Path(path)
