"""The guidance sheet (手続き案内票), A4: where to go, in what order, what to bring, by which date, and why —
in Japanese, English or やさしい日本語 (``language``: ja / en / easy-ja; the rulebook's ``_en`` / ``_easy`` texts and
:mod:`okuyami.documents.i18n`; a text without its translation prints in Japanese, marked).

- a summary first: 今日ここで済むこと / 2週間以内 / 後日でよいこと, urgent items (overdue or within 7 days) first
  and marked ★, each deadline with 「あとN日」 or 「期限切れ（N日超過）」 counted from the print date, and what to
  do once it has passed (the rule's ``late:``, or: it can still be done — do it soon);

- header: 故人, date of death in 和暦, the visitor and relationship, date issued, case number (and a QR code of it),
  the city and the corner's phone;
- the city's counters in visiting order (floor, counter number, department, phone), one row per procedure with a
  checkbox, the title, the deadline as a date with weekday, what to bring, why it applies, prefilled forms;
- a 要確認 block for answers given as わからない, and the questions not yet asked;
- the outside agencies (年金事務所, 税務署, 法務局, 家庭裁判所, …) with address and phone;
- "1 / 3" on every page.

``large=True`` reflows everything with body text of 14 pt or more (not a scaled page), for the elderly.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from pypdf import PdfReader
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Rect
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table,
                                TableStyle)

from ..core.case import Case
from ..core.engine import REQUIRED, TO_CONFIRM, Evaluation, ProcedureResult
from ..core.progress import DEFERRED, DONE, NOT_NEEDED, Progress
from ..core.report import group_by_place, question_text
from ..core.rulebook import Rulebook
from ..core.translations import translated
from ..core.urgency import Urgency, urgency
from ..family.sheet import family_qr
from . import i18n
from .context import Context
from .fonts import FontSet

_READING = re.compile(r"([\u4e00-\u9fff々〆ヶ]+)（([\u3041-\u3096ー]+)）")  # (escaped: not printed text); 窓口（まどぐち）: a kanji word and its reading
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"  # ㉑ and above are not in the CID fallback font


@dataclass
class GuidanceOutput:
    pdf: bytes
    pages: int
    problems: list[str] = field(default_factory=list)
    min_font_size: float = 0.0
    untranslated: list[str] = field(default_factory=list)  # texts printed in Japanese for want of a translation


class _Styles:
    def __init__(self, fonts: FontSet, large: bool):
        body = 14 if large else 10
        small = 14 if large else 8.5
        self.body_size, self.small_size = body, small
        g, gb = fonts["gothic"], fonts["gothic_bold"]

        def st(name, font, size, lead=1.45, **kw):
            return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * lead, wordWrap="CJK", **kw)

        self.title = st("title", gb, 24 if large else 17, 1.3, alignment=1, spaceAfter=2 * mm)
        self.head = st("head", g, body)
        self.body = st("body", g, body)
        self.small = st("small", g, small, textColor=colors.HexColor("#333333"))
        self.proc = st("proc", gb, body + (2 if large else 1.5), 1.35)
        self.due = st("due", gb, body)
        self.counter = st("counter", gb, body + (2 if large else 2), 1.3, textColor=colors.white)
        self.section = st("section", gb, body + (4 if large else 3), 1.3, spaceBefore=4 * mm, spaceAfter=2 * mm,
                          keepWithNext=1)
        self.box = st("box", g, 22 if large else 16, 1.0, alignment=1)
        self.sizes = [s.fontSize for s in (self.title, self.head, self.body, self.small, self.proc, self.due,
                                           self.counter, self.section, self.box)]


class _Text:
    """Escapes text for Paragraph and checks every character against the fonts."""

    def __init__(self, fonts: FontSet, reading_size: float | None = None):
        self.fonts = fonts
        self.problems: list[str] = []
        self.reading_size = reading_size  # やさしい日本語: 漢字（かんじ） with the reading in this size (pt)

    def check(self, text: str, where: str) -> str:
        """``text`` with any character the fonts lack replaced by 〓, and a problem noted for each."""
        text, missing = self.fonts.printable(text, ("gothic", "gothic_bold"))
        if missing:
            chars = "、".join(f"'{ch}' (U+{ord(ch):04X})" for ch in missing)
            self.problems.append(f"guidance: {where}: {chars} not in the font {self.fonts.fonts['gothic'].family}")
        return text

    def __call__(self, text: str, where: str) -> str:
        return self.markup(escape(self.check(text, where)))

    def markup(self, html: str) -> str:
        """In やさしい日本語, the reading after a kanji word 「窓口（まどぐち）」 is printed smaller, so the word
        stays easy to find and the reading is there for whoever needs it (reportlab has no ruby)."""
        if not self.reading_size:
            return html
        return _READING.sub(lambda m: f'{m.group(1)}<font size="{self.reading_size:g}">（{m.group(2)}）</font>', html)


def _numbered_canvas(footer_left: str, footer_mid: str, fonts: FontSet, size: float, gap: str = "　"):
    class NumberedCanvas(rl_canvas.Canvas):
        """Draws 'n / N' once the number of pages is known."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(fonts["gothic"], size)
                self.setFillGray(0.25)
                right = f"{footer_mid}{gap if footer_mid else ''}{self._pageNumber} / {total}"
                both = stringWidth(footer_left, fonts["gothic"], size) + stringWidth(right, fonts["gothic"], size)
                y = 8 * mm
                if both + 8 * mm > A4[0] - 30 * mm:  # two lines (large print)
                    self.drawString(15 * mm, y + size * 1.3, footer_left)
                else:
                    self.drawString(15 * mm, y, footer_left)
                self.drawRightString(A4[0] - 15 * mm, y, right)
                super().showPage()
            super().save()

    return NumberedCanvas


class _Qr(Flowable):
    """A QR code drawn as filled squares (reportlab's Drawing would bring in Helvetica, never embedded)."""

    def __init__(self, data: str, size_mm: float):
        super().__init__()
        widget = QrCodeWidget(data)
        x0, y0, x1, y1 = widget.getBounds()
        self.scale = size_mm * mm / (x1 - x0)
        self.rects = [(r.x - x0, r.y - y0, r.width, r.height) for r in _rects(widget.draw())]
        self.width = self.height = size_mm * mm

    def draw(self) -> None:
        self.canv.setFillColor(colors.black)
        k = self.scale
        for x, y, w, h in self.rects:
            self.canv.rect(x * k, y * k, w * k, h * k, stroke=0, fill=1)


def _rects(shape) -> list:
    if isinstance(shape, Rect):
        return [shape] if shape.fillColor is not None and shape.fillColor != colors.white else []
    return [r for child in getattr(shape, "contents", []) for r in _rects(child)]


def build_guidance(book: Rulebook, case: Case, result: Evaluation, ctx: Context, fonts: FontSet, *,
                   today: dt.date, large: bool = False, forms_by_code: dict[str, list[str]] | None = None,
                   language: str = "ja", progress: Mapping[str, Progress] | None = None) -> GuidanceOutput:
    """The family's sheet. Nothing internal is printed: no procedure codes, no staff hints (the questions'
    ``hint:`` are for the clerk), no file names.

    ``progress`` (a return visit: procedure code → what was recorded) shows the case as it is now: a procedure done
    gets ✓ and its date instead of the box, one put off (後日) says for when and why, one the counter found not
    needed is listed apart at the end; the summary counts only what remains."""
    lang = language if language in i18n.LANGUAGES else "ja"
    s = _Styles(fonts, large)
    t = _Text(fonts, reading_size=(s.small_size * 0.8) if lang == "easy-ja" else None)
    base = [("FONTNAME", (0, 0), (-1, -1), fonts["gothic"])]  # a table's default font would be Helvetica
    forms_by_code = forms_by_code or {}
    prog: Mapping[str, Progress] = progress or {}
    root = book.root
    muni, corner = root.municipality, root.municipality.corner
    story: list = []
    width = A4[0] - 30 * mm
    untranslated: list[str] = []
    marker = i18n.text("untranslated", lang) if lang != "ja" else ""
    gap = " | " if lang == "en" else "　"  # between the parts of a line
    bullet = "- " if lang == "en" else "・"

    def L(key: str, **values) -> str:  # a fixed text of the sheet
        return i18n.text(key, lang, **values)

    def tr(obj, key: str, where: str, original=None):
        """The rulebook's text ``obj.key`` in the family's language; Japanese (marked) when not translated."""
        value, fell_back = translated(obj, key, lang, original)
        if fell_back:
            untranslated.append(where)
            return [marker + v for v in value] if isinstance(value, list) else marker + value
        return value

    def hours_of(place) -> str:
        default = type(place).model_fields["hours"].default
        if lang != "ja" and place.hours == default and getattr(place, "hours" + ("_en" if lang == "en" else "_easy")) is None:
            return L("default_hours")
        return tr(place, "hours", "hours")

    def settled(p: ProcedureResult) -> bool:
        return p.code in prog and prog[p.code].settled

    def urgency_of(p: ProcedureResult) -> Urgency:
        return urgency(None if settled(p) else p.deadline, today)  # done or not needed: no deadline to chase

    def later_text(pr: Progress) -> str:
        when = L("later_on", date=i18n.format_day(pr.follow_up, lang)) if pr.follow_up else L("later")
        return when + (f"{gap}{pr.note}" if pr.note else "")

    def past_deadline(p: ProcedureResult, pr: Progress) -> str:
        """A 後日 day after the legal deadline (the clerk confirmed it): said in red, with the deadline."""
        if not (pr.follow_up and p.deadline and pr.follow_up > p.deadline):
            return ""
        text = t(f"{gap}" + L("later_past_deadline", date=i18n.format_day(p.deadline, lang)), "progress")
        return f'<font color="#b00000">{text}</font>'

    # -- header ---------------------------------------------------------------------------------------
    story.append(Paragraph(t(L("title"), "title"), s.title))
    d, a = case.deceased, case.applicant
    rows = [[Paragraph(t(L("deceased"), "header"), s.small),
             Paragraph(t(L("deceased_name", name=d.name, age=case.age_at_death), "deceased.name"), s.proc)],
            [Paragraph(t(L("death_date"), "header"), s.small),
             Paragraph(t(i18n.format_day(d.death_date, lang, wareki=True), "deceased.death_date"), s.body)]]
    if a:
        rel = f"（{a.relationship}）" if a.relationship and lang != "en" else ""  # 続柄 is Japanese text
        rows.append([Paragraph(t(L("visitor"), "header"), s.small),
                     Paragraph(t(L("visitor_name", name=a.name, rel=rel), "applicant.name / applicant.relationship"),
                               s.body)])
    rows += [[Paragraph(t(L("issued"), "header"), s.small),
              Paragraph(t(i18n.format_day(today, lang, wareki=True), "today"), s.body)]]
    number = ctx.get("case.number")  # a stored case's 案件番号 (a case file has none: no row, no QR code)
    if number:
        rows.append([Paragraph(t(L("case_number"), "header"), s.small), Paragraph(t(number, "case.number"), s.proc)])
    qr_mm = (30 if large else 24) if number else 0
    label_w = (38 if large else 24 if lang == "ja" else 30 if lang == "en" else 34) * mm
    # スマートフォンで見る: the family's list on their phone (okuyami/family; None without settings.family_page)
    family = family_qr(book, case, result, today=today, language=lang, progress=prog, size_mm=34 if large else 30,
                       label=lambda key: t(L(key), "header"), title_style=s.due, small_style=s.small, base_style=base,
                       across=width if large else None)  # large print: a row of its own under the header
    family_w = family._colWidths[0] + 3 * mm if family is not None and not large else 0
    qr_w = (qr_mm + 4) * mm if number else 0
    left = Table(rows, colWidths=[label_w, width - qr_w - family_w - label_w])
    left.setStyle(TableStyle(base + [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                              ("TOPPADDING", (0, 0), (-1, -1), 1), ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.grey)]))
    cells, widths = [left], [width - qr_w - family_w]
    if family_w:
        cells.append(family)
        widths.append(family_w)
    if number:  # the case's QR code holds the number itself
        case_qr = _Qr(number, qr_mm)
        if family is not None:  # two codes: say which one is the staff's
            case_qr = [case_qr, Paragraph(t(L("case_qr"), "header"),
                                          ParagraphStyle("case_qr", parent=s.small, alignment=2))]
        cells.append(case_qr)
        widths.append(qr_w)
    header = Table([cells], colWidths=widths)
    header.setStyle(TableStyle(base + [("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (-1, 0), (-1, 0), "RIGHT")]))
    story.append(header)
    if family is not None and not family_w:
        story += [Spacer(1, 2 * mm), family]
    story.append(Spacer(1, 2 * mm))
    office = root.offices[corner.office]
    corner_name = tr(corner, "name", "municipality.corner.name")
    city = tr(muni, "name", "municipality.name")
    contact = L("contact", city=city, corner=corner_name,
                office=tr(office, "name", f"offices.{corner.office}.name"),
                place=tr(corner, "place", "municipality.corner.place"), phone=corner.phone)
    if corner.hours:
        contact += gap + tr(corner, "hours", "municipality.corner.hours")
    story.append(Paragraph(t(contact, "rules.yaml: municipality.corner"), s.small))
    story.append(Spacer(1, 2 * mm))

    not_needed = [p for p in result.procedures if p.code in prog and prog[p.code].status == NOT_NEEDED]
    groups = [(kind, pid, [p for p in items if p not in not_needed]) for kind, pid, items in group_by_place(book, result)]
    groups = [g for g in groups if g[2]]
    counters = [g for g in groups if g[0] == "counter"]
    agencies = [g for g in groups if g[0] == "agency"]
    n_city = sum(len(items) for _, _, items in counters)
    n_out = sum(len(items) for _, _, items in agencies)
    n_confirm = sum(1 for p in result.procedures if p.status == TO_CONFIRM)
    story.append(Paragraph(t(L("count", counters=len(counters), city=n_city, outside=n_out,
                                 confirm=L("count_confirm", n=n_confirm) if n_confirm else ""), "summary"), s.body))
    story.append(Paragraph(t(L("intro"), "intro"), s.small))
    legend_at = len(story)  # the legend of untranslated texts goes here once they are known

    # -- summary: 今日ここで済むこと / 2週間以内 / 後日でよいこと -------------------------------------------
    counter_numbers = {cid: (CIRCLED[i] if i < len(CIRCLED) else f"({i + 1})") for i, (_, cid, _) in enumerate(counters)}
    title_of = {p.code: tr(p.rule.spec, "title", f"{p.rule.file}: {p.code} title") for p in result.procedures}
    done = [p for p in result.procedures if p.code in prog and prog[p.code].status == DONE]
    required = [p for p in result.procedures if p.status == REQUIRED and not settled(p)]
    order = {p.code: i for i, p in enumerate(result.procedures)}

    def ranked(items: list[ProcedureResult]) -> list[ProcedureResult]:  # what is done goes last
        return sorted(items, key=lambda p: (settled(p), urgency_of(p).sort_key[0] if urgency_of(p).is_urgent else 1,
                                            urgency_of(p).days_left if urgency_of(p).is_urgent else 0, order[p.code]))

    def put_off(p: ProcedureResult) -> bool:
        return p.code in prog and prog[p.code].status == DEFERRED

    deferred = ranked([p for p in required if put_off(p)])  # a return visit's 後日 items have their own bucket
    today_here = ranked([p for p in required if p.rule.spec.counter and not put_off(p)])
    outside = [p for p in required if not p.rule.spec.counter and not put_off(p)]
    soon = ranked([p for p in outside if urgency_of(p).days_left is not None and urgency_of(p).days_left <= 14])
    later = ranked([p for p in outside if p not in soon])
    any_urgent = any(urgency_of(p).is_urgent for p in required)

    def summary_line(p: ProcedureResult) -> str:
        u = urgency_of(p)
        where = f"{counter_numbers[p.rule.spec.counter]} " if p.rule.spec.counter in counter_numbers else ""
        label = u.label(lang)
        text = t(f"{where}{title_of[p.code]}", f"{p.rule.file}: {p.code} title")
        if label:
            text += t(f"{gap}{label}", "urgency")
        if put_off(p):
            text += t(f"{gap}{later_text(prog[p.code])}", "progress") + past_deadline(p, prog[p.code])
        if u.is_urgent:
            return f'<font color="#b00000">{t(L("urgent"), "urgency")}</font> {text}'
        return t(bullet, "bullet") + text

    # one row a line, so that a long summary (large print) can go on over the page
    rows, style = [[Paragraph(t(L("summary"), "summary"), s.due)]], []
    if done:
        rows.append([Paragraph(t(L("bucket_done", n=len(done), mark="✓"), "summary"), s.small)])
    buckets = [("bucket_today", today_here), ("bucket_two_weeks", soon), ("bucket_later", later)]
    if deferred:
        buckets.append(("bucket_deferred", deferred))
    for key, items in buckets:
        style.append(("LINEABOVE", (0, len(rows)), (-1, len(rows)), 0.6, colors.HexColor("#3b4a5a")))
        rows.append([Paragraph(t(L(key), "summary"), s.due)])
        rows += [[Paragraph(summary_line(p), s.small)] for p in items] or \
            [[Paragraph(t(L("bucket_none"), "summary"), s.small)]]
    box = Table(rows, colWidths=[width], repeatRows=1)
    box.setStyle(TableStyle(base + style + [("BOX", (0, 0), (-1, -1), 1.0, colors.HexColor("#3b4a5a")),
                                            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf2")),
                                            ("TOPPADDING", (0, 0), (-1, -1), 0.6),
                                            ("BOTTOMPADDING", (0, 0), (-1, -1), 0.8)]))
    story.append(Spacer(1, 1.5 * mm))
    story.append(box)
    if any_urgent:
        story.append(Paragraph(f'<font color="#b00000">{t(L("legend_urgent"), "legend")}</font>', s.small))

    def procedure_rows(items: list[ProcedureResult]) -> list:
        out = []
        for p in ranked(items):
            rule = p.rule
            spec = rule.spec
            where = f"{rule.file}: {p.code}"
            u = urgency_of(p)
            title = t(title_of[p.code], f"{where} title")
            pr = prog.get(p.code)
            if pr is not None and pr.status == DONE:  # a return visit: done, with its date; nothing more to read
                when = L("done_on", date=i18n.format_day(pr.on, lang)) if pr.on else L("done_on", date="")
                paras = [Paragraph(f'<font color="#555555">{title}</font>', s.proc),
                         Paragraph(t(when, "progress"), s.due)]
                if pr.note:
                    paras.append(Paragraph(t(L("note") + pr.note, "progress note"), s.small))
                out.append([Paragraph(t("✓", "progress"), s.box), paras])
                continue
            if p.status == TO_CONFIRM:
                title = t(L("to_confirm"), "label") + title
            paras = [Paragraph(title, s.proc)]
            if p.deadline:
                due = L("deadline", date=i18n.format_day(p.deadline, lang))
                if spec.deadline.text is None:
                    due += L("deadline_how", how=i18n.describe_deadline(spec.deadline, lang))
            else:
                text = tr(spec, "deadline", f"{where} deadline", original=spec.deadline.describe()) \
                    if spec.deadline.text else i18n.describe_deadline(spec.deadline, lang)
                bare = text.removeprefix(marker) if marker else text
                due = text if bare.startswith("期限") or bare.lower().startswith("no deadline") \
                    else L("deadline_text", text=text)
            due = t(due, f"{where} deadline")
            label = u.label(lang)
            if label:
                mark = f"{L('urgent')} " if u.is_urgent else ""
                color = "#b00000" if u.is_urgent else "#000000"
                due += f'{t(gap, "gap")}<font color="{color}">{t(mark + label, "urgency")}</font>'
            paras.append(Paragraph(due, s.due))
            if pr is not None and pr.status == DEFERRED:
                paras.append(Paragraph(f'<font color="#1f4e8c">{t(later_text(pr), "progress")}</font>'
                                       + past_deadline(p, pr), s.due))
            if u.level == "overdue":
                late = tr(spec, "late", f"{where} late") if spec.late else L("late_default")
                paras.append(Paragraph(f'<font color="#b00000">{t(L("late_label") + late, f"{where} late")}</font>',
                                       s.body))
            if spec.bring:  # one item a line: a checklist, and no line starting with 、
                bring = tr(spec, "bring", f"{where} bring")
                items_html = "<br/>".join(t(bullet + item, f"{where} bring") for item in bring)
                paras.append(Paragraph(f"{t(L('bring'), 'label')}<br/>{items_html}", s.body))
            if p.status == REQUIRED:
                if spec.reason:
                    reasons = [tr(spec, "reason", f"{where} reason")]
                else:
                    reasons = [(marker + r) if lang != "ja" else r for r in p.reasons]
                    if lang != "ja" and reasons:
                        untranslated.append(f"{where} reason")
                for r in reasons:
                    paras.append(Paragraph(t(L("reason") + r, f"{where} reason"), s.small))
            elif lang == "ja":
                for r in p.reasons:
                    paras.append(Paragraph(t(r, f"{where} reason"), s.small))
            else:
                for fact in p.confirm_facts:
                    q = book.questions.get(fact)
                    question = tr(q.spec, "text", f"question {fact}") if q else marker + question_text(book, fact)
                    paras.append(Paragraph(t(L("confirm_reason", question=question), f"{where} reason"), s.small))
            if forms_by_code.get(p.code):
                titles = forms_by_code[p.code]
                paras.append(Paragraph(t(L("forms", titles="、".join(titles), n=len(titles)), f"{where} forms"), s.small))
            if spec.note:
                paras.append(Paragraph(t(L("note") + tr(spec, "note", f"{where} note"), f"{where} note"), s.small))
            out.append([Paragraph("□", s.box), paras])
        return out

    def place_block(number: str, heading: str, sub: str | None, items: list[ProcedureResult], lead=None) -> list:
        """A counter (or agency) and its procedures; ``lead`` (a section heading) stays with its first one."""
        head = Table([[Paragraph(t(f"{number} {heading}", "place"), s.counter)]], colWidths=[width])
        head.setStyle(TableStyle(base + [("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#3b4a5a")),
                                  ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
        blocks = list(lead or []) + [head]
        if sub:
            blocks.append(Paragraph(t(sub, "place"), s.small))
        first = True
        for row in procedure_rows(items):
            table = Table([row], colWidths=[(14 if large else 11) * mm, width - (14 if large else 11) * mm])
            table.setStyle(TableStyle(base + [("VALIGN", (0, 0), (-1, -1), "TOP"),
                                       ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                                       ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
            if first:  # keep the heading with its first procedure
                blocks = [KeepTogether(blocks + [table])]
                first = False
            else:
                blocks.append(KeepTogether([table]))
        return blocks

    lead = [Paragraph(t(L("city_counters"), "section"), s.section)] if counters else None
    for i, (kind, cid, items) in enumerate(counters):
        c = root.counters[cid]
        place_office = "" if c.office == corner.office else \
            f"{tr(root.offices[c.office], 'name', f'offices.{c.office}.name')}{', ' if lang == 'en' else ' '}"
        place = i18n.counter_place(c, lang, lambda obj, key: tr(obj, key, f"counters.{cid}.{key}"))
        heading = f"{place_office}{place}{gap}{tr(c, 'name', f'counters.{cid}.name')}"
        sub = L("phone", phone=c.phone) + f"{gap}{hours_of(c)}" + (f"{gap}{tr(c, 'note', f'counters.{cid}.note')}" if c.note else "")
        story.extend(place_block(counter_numbers[cid], heading, sub, items, lead))
        lead = None
        story.append(Spacer(1, 2 * mm))

    confirm = [p for p in result.procedures if p.status == TO_CONFIRM]
    if confirm:
        story.append(Paragraph(t(L("confirm_head"), "section"), s.section))
        by_fact: dict[str, list[ProcedureResult]] = {}
        for p in confirm:
            for fact in p.confirm_facts:
                by_fact.setdefault(fact, []).append(p)
        for fact, procs in by_fact.items():
            q = book.questions.get(fact)
            question = tr(q.spec, "text", f"question {fact}") if q else (marker if lang != "ja" else "") + question_text(book, fact)
            lines = [Paragraph(t(f"● {question}", f"question {fact}"), s.proc)]  # no hint: hints are for the clerk
            sep = ", " if lang == "en" else "、"
            lines.append(Paragraph(t(L("confirm_then", titles=sep.join(title_of[p.code] for p in procs)),
                                     f"question {fact}"), s.body))
            story.append(KeepTogether(lines + [Spacer(1, 2 * mm)]))

    if result.pending_questions:
        story.append(Paragraph(t(L("pending_head"), "section"), s.section))
        story.append(Paragraph(t(L("pending_intro", corner=corner_name, phone=corner.phone), "pending"), s.body))
        for fact in result.pending_questions:
            q = book.questions.get(fact)
            question = tr(q.spec, "text", f"question {fact}") if q else (marker if lang != "ja" else "") + question_text(book, fact)
            story.append(Paragraph(t(f"{bullet}{question}", f"question {fact}"), s.body))

    if not_needed:
        story.append(Paragraph(t(L("not_needed_head"), "section"), s.section))
        for p in not_needed:
            note = prog[p.code].note
            story.append(Paragraph(t(f"{bullet}{title_of[p.code]}" + (f"{gap}{note}" if note else ""), "progress"),
                                   s.body))

    if agencies:
        lead = [Paragraph(t(L("outside"), "section"), s.section)]
        for i, (kind, aid, items) in enumerate(agencies):
            ag = root.agencies[aid]
            sub = f"{ag.address}{gap}" + L("phone", phone=ag.phone) + \
                  (f"{gap}{tr(ag, 'hours', f'agencies.{aid}.hours')}" if ag.hours else "") + \
                  (f"{gap}{tr(ag, 'note', f'agencies.{aid}.note')}" if ag.note else "")
            story.extend(place_block("◆", tr(ag, "name", f"agencies.{aid}.name"), sub, items, lead))
            lead = None
            story.append(Spacer(1, 2 * mm))

    if untranslated and lang != "ja":
        story.insert(legend_at, Paragraph(t(L("legend_untranslated"), "legend"), s.small))

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=13 * mm,
                            bottomMargin=(24 if large else 16) * mm, initialFontName=fonts["gothic"],
                            title=L("doc_title"), author=f"{city} {corner_name}")
    footer_size = 14 if large else 8
    footer_left = t.check(f"{city} {corner_name}{gap}" + L("phone", phone=corner.phone), "footer")  # right: case no. and page
    footer_mid = t.check(L("footer_case", number=number), "footer") if number else ""
    canvasmaker = _numbered_canvas(footer_left, footer_mid, fonts, footer_size, gap="  " if lang == "en" else "　")
    doc.build(story, canvasmaker=canvasmaker)
    pdf = buf.getvalue()
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    return GuidanceOutput(pdf, pages, t.problems, min(s.sizes + [footer_size]), sorted(set(untranslated)))


def cover_note(book: Rulebook, result: Evaluation, form_id: str, form_title: str, fonts: FontSet, language: str,
               *, large: bool = False) -> tuple[bytes, list[str]]:
    """One A4 page in the family's language put in front of an official form (which stays Japanese): what the
    form is, which procedure it is for, and the counter it goes to. Returns (pdf, problems)."""
    lang = language if language in i18n.LANGUAGES else "ja"
    s = _Styles(fonts, large)
    t = _Text(fonts, reading_size=(s.small_size * 0.8) if lang == "easy-ja" else None)
    root = book.root
    marker = i18n.text("untranslated", lang) if lang != "ja" else ""

    def tr(obj, key):
        value, fell_back = translated(obj, key, lang)
        return marker + value if fell_back else value

    procs = [p for p in result.procedures if p.status == REQUIRED and form_id in p.rule.spec.forms]
    sep = ", " if lang == "en" else "、"
    places: list[str] = []
    for p in procs:
        if p.rule.spec.counter:
            c = root.counters[p.rule.spec.counter]
            office = "" if c.office == root.municipality.corner.office else f"{tr(root.offices[c.office], 'name')} "
            place = f"{office}{i18n.counter_place(c, lang, tr)}{' - ' if lang == 'en' else '　'}{tr(c, 'name')}"
        else:
            ag = root.agencies[p.rule.spec.agency]
            place = f"{tr(ag, 'name')}（{ag.address}）"
        if place not in places:
            places.append(place)
    story = [Paragraph(t(i18n.text("cover_title", lang), "cover"), s.title),
             Paragraph(t(i18n.text("cover_body", lang, form=form_title,
                                   procedures=sep.join(tr(p.rule.spec, "title") for p in procs)), "cover"), s.proc),
             Spacer(1, 3 * mm)]
    story += [Paragraph(t(i18n.text("cover_where", lang, place=place), "cover"), s.proc) for place in places]
    story += [Spacer(1, 3 * mm), Paragraph(t(i18n.text("cover_check", lang), "cover"), s.proc)]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                      bottomMargin=20 * mm, initialFontName=fonts["gothic"],
                      title=i18n.text("cover_title", lang)).build(story)
    return buf.getvalue(), t.problems
