"""The 事前案内 (ご来庁のご案内): one A4 page for the family after the booking call — the date, time and place of
the visit and what to bring — and the same as a short text the clerk reads out or sends (``okuyami reservations
letter``, contract §13).

What to bring is computed, never written per procedure here: the city's ``settings.booking.always_bring`` (every
visit), then the ``bring:`` of each procedure at the city's counters that already applies (要 / 要確認), then — under
「該当する方は」 — those of the procedures that may still apply (their question is not answered yet). Outside
agencies' documents are not listed (they are not brought to the corner). **Each thing once**: texts that are one
thing for the family (「届出人の本人確認書類」「喪主の本人確認書類」…) are listed once as the rulebook's
``settings.booking.same_item`` says (:func:`things`). Without the birth date the engine cannot decide anything yet:
the letter then lists what every visit needs and says so.

Always **one page in large type** (every text 14 pt or more, never a rulebook id): when the list is long, the
procedures' names after each item go first, then the second list is cut with 「ほかN点は…ご案内します」 — a heading
is never left with nothing under it (:func:`render`). Same fonts and glyph check as the guidance sheet.
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


_OPEN, _CLOSE = "（(「『【", "）)」』】"


def _parts(text: str) -> list[str]:
    """「戸籍謄本、世帯全員の住民票」 → the things it names, split at 「、」「・」 outside brackets."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        if ch in "、・" and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    return [p for p in out if p]


def things(book: Rulebook, text: str) -> list[str]:
    """What one ``bring:`` text asks the family to bring, as the letter lists it: the rulebook's ``same_item``
    wording for a thing that several procedures word differently, else the text itself. A text naming several
    things is split only when each of them is such an item (「請求者の預金通帳・本人確認書類」); otherwise it stays
    whole (「マイナンバーカード・通知カード・住基カード」 is one thing)."""
    groups = book.root.settings.booking.same_item

    def group(t: str) -> str | None:
        return next((g.item for g in groups if g.matches(t)), None)

    parts = _parts(text)
    if len(parts) > 1:
        found = [group(p) for p in parts]
        if all(found):
            return list(dict.fromkeys(found))
        return [text]
    return [group(text) or text]


def compose(book: Rulebook, *, start: dt.datetime, minutes: int, office: str, number: int, case: int,
            deceased: str, caller: str, session: Session | None) -> AdvanceNotice:
    """The letter's content for a booking, with 持ち物 from the interview so far (``session``: None without dates);
    every thing once, under the first list that needs it."""
    root = book.root
    o = root.offices.get(office)
    corner = root.municipality.corner
    phone = corner.phone if office == corner.office or o is None or not o.phone else o.phone
    always = list(dict.fromkeys(t for text in root.settings.booking.always_bring for t in things(book, text)))
    notice = AdvanceNotice(jst(start), minutes, office_name(book, office), place_of(book, office),
                           o.address if o else "", phone, number, case, deceased, caller, root.municipality.name,
                           corner.name, always, undecided=session is None)
    if session is None:
        return notice
    seen = set(notice.always)
    required: dict[str, list[str]] = {}
    maybe: dict[str, list[str]] = {}
    for p in session.result.procedures:  # 要 and 要確認, in visiting order
        if p.rule is not None and p.rule.spec.counter:
            for text in p.rule.spec.bring:
                for item in things(book, text):
                    if item not in seen and p.title not in required.setdefault(item, []):
                        required[item].append(p.title)
    for code in session.undecided:
        rule = book.rules[code]
        if rule.spec.counter:
            for text in rule.spec.bring:
                for item in things(book, text):
                    if item not in seen and item not in required and rule.title not in maybe.setdefault(item, []):
                        maybe[item].append(rule.title)
    notice.required = list(required.items())
    notice.maybe = list(maybe.items())
    return notice


def for_booking(book: Rulebook, res, row, session: Session | None) -> AdvanceNotice:
    """The letter of a stored booking (``res``: a store Reservation, ``row``: its case as read)."""
    return compose(book, start=res.start, minutes=res.minutes, office=res.office, number=res.number, case=res.case,
                   deceased=row.title, caller=res.caller_name or row.applicant.get("name", ""), session=session)


def short_text(n: AdvanceNotice, *, max_maybe: int = 6) -> str:
    """To read out on the phone or send (SMS, mail): a few lines, the essentials first."""
    lines = [f"【{n.city} {n.corner} ご予約】",
             f"{n.when}（約{n.minutes}分）",
             f"場所：{n.office} {n.place}（{n.address}）",
             f"予約番号：{n.number}（案件番号 {n.case}）",
             "お持ちください：" + "、".join(n.always + [item for item, _ in n.required])]
    if n.maybe:
        shown = [item for item, _ in n.maybe[:max_maybe]]
        more = len(n.maybe) - len(shown)
        lines.append("該当する方は：" + "、".join(shown) + (f" ほか{more}点（案内状をご覧ください）" if more else ""))
    lines.append(f"ご都合が悪くなったときは {n.phone} へお電話ください。")
    return "\n".join(lines)


MIN_PT = 14  # large type: nothing on the letter is smaller


@dataclass(frozen=True)
class _Fit:
    """How the letter is laid out to stay on one page (tried in order, each step dropping a little more)."""

    body: float = 15.0
    titles: bool = True  # the procedures' names after each item
    columns: int = 1  # the second list in one or two columns
    limit: int | None = None  # the second list cut after this many (「ほかN点は…」)
    req_columns: int = 1  # the first list in one or two columns (a very long one)
    req_limit: int | None = None  # the first list cut after this many (never met with a real family)


def _styles(fonts: FontSet, fit: _Fit) -> dict[str, ParagraphStyle]:
    g, gb = fonts["gothic"], fonts["gothic_bold"]
    body = fit.body

    def st(name, font, size, lead=1.4, **kw):
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * lead, wordWrap="CJK", **kw)

    return {"title": st("title", gb, body + 7, 1.25, alignment=1, spaceAfter=2 * mm),
            "to": st("to", gb, body + 2),
            "body": st("body", g, body),
            "cell": st("cell", g, body),
            "cellb": st("cellb", gb, body + 3, 1.3),
            "head": st("head", gb, body + 1, 1.3, spaceBefore=3 * mm, spaceAfter=1 * mm,
                       textColor=colors.HexColor("#1f3550")),
            "item": st("item", g, body, 1.3, leftIndent=6 * mm, firstLineIndent=-5 * mm),
            "note": st("note", g, max(body - 1, MIN_PT), 1.35, textColor=colors.HexColor("#333333"))}


def _story(n: AdvanceNotice, fonts: FontSet, fit: _Fit) -> list:
    s = _styles(fonts, fit)
    small = max(fit.body - 1, MIN_PT)

    def t(text: str) -> str:
        return escape(fonts.printable(text, ("gothic", "gothic_bold"))[0])

    def named(item: str, titles: list[str]) -> str:
        if not fit.titles or not titles:
            return f"□ {t(item)}"
        more = f" ほか{len(titles) - 1}件" if len(titles) > 1 else ""
        return f"□ {t(item)}<font size='{small:g}' color='#444444'>（{t(titles[0])}{more}）</font>"

    story = [Paragraph("ご来庁のご案内（事前案内）", s["title"]),
             Paragraph(f"{t(n.caller)} 様" if n.caller else "ご遺族 様", s["to"]), Spacer(1, 1.5 * mm),
             Paragraph(f"{t(n.deceased)} 様のお手続きについて、次のとおりご予約を承りました。"
                       "亡くなられた後の手続きを、おくやみコーナーでまとめてご案内します。", s["body"]),
             Spacer(1, 2.5 * mm)]
    rows = [("日時", f"<b>{t(n.when)}</b>（約{n.minutes}分）", "cellb"),
            ("場所", f"<b>{t(n.office)}</b>　{t(n.place)}<br/>{t(n.address)}", "cell"),
            ("予約番号", f"<b>{n.number}</b>（案件番号 {n.case}）", "cell"),
            ("お問い合わせ", f"{t(n.corner)}　電話 {t(n.phone)}", "cell")]
    table = Table([[Paragraph(a, s["cell"]), Paragraph(b, s[style])] for a, b, style in rows],
                  colWidths=[36 * mm, 140 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, colors.HexColor("#555555")),
                               ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eeeeee")),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("TOPPADDING", (0, 0), (-1, -1), 1.8 * mm), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8 * mm)]))
    def listed(cells: list, columns: int) -> list:
        if columns == 1:
            return cells
        half = (len(cells) + 1) // 2
        grid = Table([[cells[i], cells[i + half] if i + half < len(cells) else ""] for i in range(half)],
                     colWidths=[88 * mm, 88 * mm])
        grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                  ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 1 * mm),
                                  ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
        return [grid]

    story += [table, Paragraph("■ 必ずお持ちください", s["head"])]
    required = n.required if fit.req_limit is None else n.required[:fit.req_limit]
    cells = [Paragraph(f"□ {t(item)}", s["item"]) for item in n.always]
    cells += [Paragraph(named(item, titles), s["item"]) for item, titles in required]
    story += listed(cells, fit.req_columns)
    if len(required) < len(n.required):
        story.append(Paragraph(f"ほか{len(n.required) - len(required)}点は、窓口でご案内します。", s["note"]))
    if n.maybe:
        shown = n.maybe if fit.limit is None else n.maybe[:fit.limit]
        rest = len(n.maybe) - len(shown)
        if shown:  # a heading is never left with nothing but 「ほかN点」 under it
            story.append(Paragraph("■ 該当する方はお持ちください（まだ伺っていない手続きのもの）", s["head"]))
            story += listed([Paragraph(f"□ {t(item)}", s["item"]) for item, _titles in shown], fit.columns)
            if rest:
                story.append(Paragraph(f"ほか{rest}点は、該当するかどうかを伺ってから、お電話または窓口でご案内します。",
                                       s["note"]))
        else:
            story.append(Spacer(1, 1.5 * mm))
            story.append(Paragraph("このほか、まだ伺っていない手続きでお持ちいただく物があれば、お電話または窓口で"
                                   "ご案内します。", s["note"]))
    if n.undecided:
        story.append(Paragraph("※ 生年月日などが分かると、お持ちいただく物をさらに詳しくご案内できます。", s["note"]))
    story += [Spacer(1, 3 * mm),
              Paragraph("各課では、ご予約の日までに書類を準備してお待ちしています。ご都合が悪くなったとき、"
                        f"ご不明な点があるときは、{t(n.corner)}（電話 {t(n.phone)}）へお電話ください。", s["note"])]
    return story


def _fits(n: AdvanceNotice) -> list[_Fit]:
    """The layouts to try, roomiest first; every one keeps the type at 14 pt or more."""
    out = [_Fit(15.0), _Fit(14.0), _Fit(14.0, titles=False), _Fit(14.0, titles=False, columns=2)]
    out += [_Fit(14.0, titles=False, columns=2, limit=k) for k in range(len(n.maybe) - 1, -1, -1)]
    out += [_Fit(14.0, titles=False, columns=2, limit=0, req_columns=2)]
    out += [_Fit(14.0, titles=False, columns=2, limit=0, req_columns=2, req_limit=k)
            for k in range(len(n.required) - 1, -1, -1)]
    return out


_MARGINS = dict(leftMargin=17 * mm, rightMargin=17 * mm, topMargin=13 * mm, bottomMargin=12 * mm)


def _height(story: list, width: float) -> float:
    """How tall the story stands on the page (measured, not drawn)."""
    total = 0.0
    for flowable in story:
        _w, h = flowable.wrap(width, 10_000)
        total += h + flowable.getSpaceBefore() + flowable.getSpaceAfter()
    return total


def render(n: AdvanceNotice, fonts: FontSet | None = None) -> tuple[bytes, int, float]:
    """The letter as PDF bytes: (pdf, pages, the smallest type used in pt). One page always: the first layout of
    :func:`_fits` whose measured height fits the page (then drawn once, and checked); type never below 14 pt."""
    fonts = fonts or find_fonts()
    width = A4[0] - _MARGINS["leftMargin"] - _MARGINS["rightMargin"]
    room = A4[1] - _MARGINS["topMargin"] - _MARGINS["bottomMargin"] - 12 - 2 * mm  # the frame's padding, a margin

    def build(fit: _Fit) -> tuple[bytes, int]:
        buf = io.BytesIO()
        pages: list[int] = []
        doc = SimpleDocTemplate(buf, pagesize=A4, title="ご来庁のご案内", author=n.city, **_MARGINS)
        doc.build(_story(n, fonts, fit), onFirstPage=lambda c, d: pages.append(1),
                  onLaterPages=lambda c, d: pages.append(1))
        return buf.getvalue(), len(pages)

    fits = _fits(n)
    lo, hi = 0, len(fits) - 1  # the layouts stand shorter and shorter: the first that fits, by halving
    while lo < hi:
        mid = (lo + hi) // 2
        if _height(_story(n, fonts, fits[mid]), width) <= room:
            hi = mid
        else:
            lo = mid + 1
    start = lo
    for fit in fits[start:]:
        pdf, pages = build(fit)
        if pages == 1:
            return pdf, pages, min(fit.body, max(fit.body - 1, MIN_PT))
    return pdf, pages, fits[-1].body  # (nothing left to drop: a list longer than the page, never met in practice)


def write_pdf(n: AdvanceNotice, path: Path) -> Path:
    pdf, _pages, _size = render(n)
    Path(path).write_bytes(pdf)
    return Path(path)
