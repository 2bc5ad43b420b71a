"""The 事前案内 (ご来庁のご案内): one A4 page for the family after the booking call — the date, time and place of
the visit and what to bring — and the same as a short text the clerk reads out or sends.

What to bring is computed, never written per procedure here: the city's ``settings.booking.always_bring`` (every
visit), then the ``bring:`` of each procedure at the city's counters that already applies (要 / 要確認), then — under
「該当する方は」 — those of the procedures that may still apply (their question is not answered yet). Outside
agencies' documents are not listed (they are not brought to the corner). Without the birth date the engine cannot
decide anything yet: the letter then lists what every visit needs and says so. Same fonts and checks as the
guidance sheet (:mod:`okuyami.documents.fonts`), large readable text; the page is shrunk step by step (never below
10 pt) until it fits on one page.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..core.booking import jst, office_name, place_of, time_text
from ..core.engine import Session
from ..core.rulebook import Rulebook
from ..core.wareki import format_date
from .fonts import FontSet, find_fonts


@dataclass
class AdvanceNotice:
    """What the letter and the short text say."""

    start: dt.datetime
    minutes: int
    office: str  # the office's name
    place: str
    address: str
    phone: str
    number: int  # 予約番号
    case: int  # 案件番号
    deceased: str
    caller: str
    city: str
    corner: str
    always: list[str] = field(default_factory=list)
    required: list[tuple[str, list[str]]] = field(default_factory=list)  # (item, the procedures that need it)
    maybe: list[tuple[str, list[str]]] = field(default_factory=list)
    undecided: bool = False  # the engine could not decide yet (no birth date)

    @property
    def when(self) -> str:
        start = jst(self.start)
        end = start + dt.timedelta(minutes=self.minutes)
        return f"{format_date(start.date(), weekday=True)} {time_text(start)}〜{time_text(end)}"


def compose(book: Rulebook, *, start: dt.datetime, minutes: int, office: str, number: int, case: int,
            deceased: str, caller: str, session: Session | None) -> AdvanceNotice:
    """The letter's content for a booking, with 持ち物 from the interview so far (``session``: None without dates)."""
    root = book.root
    o = root.offices.get(office)
    corner = root.municipality.corner
    phone = corner.phone if office == corner.office or o is None or not o.phone else o.phone
    notice = AdvanceNotice(jst(start), minutes, office_name(book, office), place_of(book, office),
                           o.address if o else "", phone, number, case, deceased, caller, root.municipality.name,
                           corner.name, list(root.settings.booking.always_bring), undecided=session is None)
    if session is None:
        return notice
    seen = set(notice.always)
    required: dict[str, list[str]] = {}
    maybe: dict[str, list[str]] = {}
    for p in session.result.procedures:  # 要 and 要確認, in visiting order
        if p.rule is not None and p.rule.spec.counter:
            for item in p.rule.spec.bring:
                if item not in seen:
                    required.setdefault(item, []).append(p.title)
    for code in session.undecided:
        rule = book.rules[code]
        if rule.spec.counter:
            for item in rule.spec.bring:
                if item not in seen and item not in required:
                    maybe.setdefault(item, []).append(rule.title)
    notice.required = list(required.items())
    notice.maybe = list(maybe.items())
    return notice


def short_text(n: AdvanceNotice, *, max_maybe: int = 6) -> str:
    """To read out on the phone or send (SMS, mail): a few lines, the essentials first."""
    lines = [f"【{n.city} {n.corner} ご予約】",
             f"{n.when}（約{n.minutes}分）",
             f"場所：{n.office} {n.place}（{n.address}）",
             f"予約番号：{n.number}",
             "お持ちください：" + "、".join(n.always + [item for item, _ in n.required])]
    if n.maybe:
        shown = [item for item, _ in n.maybe[:max_maybe]]
        more = len(n.maybe) - len(shown)
        lines.append("該当する方は：" + "、".join(shown) + (f" ほか{more}点（案内状をご覧ください）" if more else ""))
    lines.append(f"ご都合が悪くなったときは {n.phone} へお電話ください。")
    return "\n".join(lines)


def _styles(fonts: FontSet, scale: float) -> dict[str, ParagraphStyle]:
    g, gb = fonts["gothic"], fonts["gothic_bold"]
    body = 13 * scale

    def st(name, font, size, lead=1.45, **kw):
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * lead, wordWrap="CJK", **kw)

    return {"title": st("title", gb, max(20 * scale, 16), 1.3, alignment=1, spaceAfter=3 * mm),
            "to": st("to", gb, body + 2),
            "body": st("body", g, body),
            "cell": st("cell", g, body + 1),
            "cellb": st("cellb", gb, body + 3),
            "head": st("head", gb, body + 2, 1.3, spaceBefore=4 * mm, spaceAfter=1.5 * mm),
            "item": st("item", g, body, 1.35, leftIndent=5 * mm, firstLineIndent=-4 * mm),
            "small": st("small", g, max(body - 2, 10), textColor=colors.HexColor("#333333"))}


def _story(n: AdvanceNotice, fonts: FontSet, scale: float, limit: int | None = None) -> list:
    s = _styles(fonts, scale)

    def t(text: str) -> str:
        return escape(fonts.printable(text, ("gothic", "gothic_bold"))[0])

    story = [Paragraph("ご来庁のご案内（事前案内）", s["title"]),
             Paragraph(f"{t(n.caller)} 様" if n.caller else "ご遺族 様", s["to"]), Spacer(1, 2 * mm),
             Paragraph(f"{t(n.deceased)} 様のお手続きについて、次のとおりご予約を承りました。"
                       "お亡くなりになった後の手続きを、おくやみコーナーでまとめてご案内します。", s["body"]),
             Spacer(1, 3 * mm)]
    rows = [("日時", f"<b>{t(n.when)}</b>（約{n.minutes}分）"),
            ("場所", f"<b>{t(n.office)}</b><br/>{t(n.place)}<br/>{t(n.address)}"),
            ("予約番号", f"<b>{n.number}</b>（案件番号 {n.case}）"),
            ("お問い合わせ", f"{t(n.corner)}　電話 {t(n.phone)}")]
    table = Table([[Paragraph(a, s["cell"]), Paragraph(b, s["cellb"] if a == "日時" else s["cell"])] for a, b in rows],
                  colWidths=[32 * mm, 144 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, colors.HexColor("#555555")),
                               ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eeeeee")),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("TOPPADDING", (0, 0), (-1, -1), 2.5 * mm), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5 * mm)]))
    story += [table, Paragraph("■ 必ずお持ちください", s["head"])]
    for item in n.always:
        story.append(Paragraph(f"□ {t(item)}", s["item"]))
    for item, titles in n.required:
        story.append(Paragraph(f"□ {t(item)}<font size='{max(10, 13 * scale - 2):g}'>（{t('・'.join(titles))}）</font>",
                               s["item"]))
    if n.maybe:
        story.append(Paragraph("■ 該当する方はお持ちください（まだ伺っていない手続きのもの）", s["head"]))
        shown = n.maybe if limit is None else n.maybe[:limit]
        cells = [Paragraph(f"□ {t(item)}", s["small"]) for item, _titles in shown]
        if limit is not None and limit < len(n.maybe):
            cells.append(Paragraph(f"ほか{len(n.maybe) - limit}点は、お電話または窓口でご案内します。", s["small"]))
        half = (len(cells) + 1) // 2
        grid = Table([[cells[i], cells[i + half] if i + half < len(cells) else ""] for i in range(half)],
                     colWidths=[88 * mm, 88 * mm])
        grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 1 * mm),
                                  ("TOPPADDING", (0, 0), (-1, -1), 0.3 * mm),
                                  ("BOTTOMPADDING", (0, 0), (-1, -1), 0.3 * mm)]))
        story.append(grid)
    if n.undecided:
        story.append(Paragraph("※ 生年月日などが分かると、お持ちいただくものをさらに詳しくご案内できます。", s["small"]))
    story += [Spacer(1, 4 * mm),
              Paragraph("各課では、ご予約の日までに書類を準備してお待ちしています。ご都合が悪くなったとき、"
                        f"ご不明な点があるときは、{t(n.corner)}（電話 {t(n.phone)}）へお電話ください。", s["small"])]
    return story


def render(n: AdvanceNotice, fonts: FontSet | None = None) -> tuple[bytes, int, float]:
    """The letter as PDF bytes: (pdf, pages, the body font size used). Shrinks until it fits one page; if the
    list of what may apply is still too long, it is cut (「ほかN点は…ご案内します」)."""
    fonts = fonts or find_fonts()

    def build(scale: float, limit: int | None) -> tuple[bytes, int]:
        buf = io.BytesIO()
        pages: list[int] = []
        doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=17 * mm, rightMargin=17 * mm, topMargin=16 * mm,
                                bottomMargin=14 * mm, title="ご来庁のご案内", author=n.city)
        doc.build(_story(n, fonts, scale, limit), onFirstPage=lambda c, d: pages.append(1),
                  onLaterPages=lambda c, d: pages.append(1))
        return buf.getvalue(), len(pages)

    for scale in (1.0, 0.92, 0.85):
        pdf, pages = build(scale, None)
        if pages == 1:
            return pdf, pages, 13 * scale
    lo, hi, best = 0, len(n.maybe) - 1, None  # the most items of the list that still fit on the page
    while lo <= hi:
        mid = (lo + hi) // 2
        pdf, pages = build(0.85, mid)
        if pages == 1:
            best, lo = (pdf, pages), mid + 1
        else:
            hi = mid - 1
    pdf, pages = best or build(0.85, 0)
    return pdf, pages, 13 * 0.85


def write_pdf(n: AdvanceNotice, path: Path) -> Path:
    pdf, _pages, _size = render(n)
    Path(path).write_bytes(pdf)
    return Path(path)
