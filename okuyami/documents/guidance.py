"""The guidance sheet (手続き案内票), A4: where to go, in what order, what to bring, by which date, and why.

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
from ..core.report import group_by_place, question_text
from ..core.rulebook import Rulebook
from ..core.wareki import format_date
from .context import Context
from .fonts import FontSet

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳㉑㉒㉓㉔㉕㉖㉗㉘㉙㉚"


@dataclass
class GuidanceOutput:
    pdf: bytes
    pages: int
    problems: list[str] = field(default_factory=list)
    min_font_size: float = 0.0


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
        self.section = st("section", gb, body + (4 if large else 3), 1.3, spaceBefore=4 * mm, spaceAfter=2 * mm)
        self.box = st("box", g, 22 if large else 16, 1.0, alignment=1)
        self.sizes = [s.fontSize for s in (self.title, self.head, self.body, self.small, self.proc, self.due,
                                           self.counter, self.section, self.box)]


class _Text:
    """Escapes text for Paragraph and checks every character against the fonts."""

    def __init__(self, fonts: FontSet):
        self.fonts = fonts
        self.problems: list[str] = []

    def check(self, text: str, where: str) -> str:
        """``text`` with any character the fonts lack replaced by 〓, and a problem noted for each."""
        text, missing = self.fonts.printable(text, ("gothic", "gothic_bold"))
        if missing:
            chars = "、".join(f"'{ch}' (U+{ord(ch):04X})" for ch in missing)
            self.problems.append(f"guidance: {where}: {chars} not in the font {self.fonts.fonts['gothic'].family}")
        return text

    def __call__(self, text: str, where: str) -> str:
        return escape(self.check(text, where))


def _numbered_canvas(footer_left: str, footer_mid: str, fonts: FontSet, size: float):
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
                right = f"{footer_mid}　{self._pageNumber} / {total}"
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
                   today: dt.date, large: bool = False, forms_by_code: dict[str, list[str]] | None = None
                   ) -> GuidanceOutput:
    s = _Styles(fonts, large)
    t = _Text(fonts)
    base = [("FONTNAME", (0, 0), (-1, -1), fonts["gothic"])]  # a table's default font would be Helvetica
    forms_by_code = forms_by_code or {}
    root = book.root
    muni, corner = root.municipality, root.municipality.corner
    story: list = []
    width = A4[0] - 30 * mm

    # -- header ---------------------------------------------------------------------------------------
    story.append(Paragraph(t("おくやみ手続きのご案内（手続き案内票）", "title"), s.title))
    d, a = case.deceased, case.applicant
    rows = [[Paragraph(t("亡くなった方", "header"), s.small),
             Paragraph(t(f"{d.name} 様（{case.age_at_death}歳）", "deceased.name"), s.proc)],
            [Paragraph(t("亡くなった日", "header"), s.small),
             Paragraph(t(format_date(d.death_date, weekday=True), "deceased.death_date"), s.body)]]
    if a:
        rel = f"（{a.relationship}）" if a.relationship else ""
        rows.append([Paragraph(t("ご来庁の方", "header"), s.small),
                     Paragraph(t(f"{a.name} 様{rel}", "applicant.name / applicant.relationship"), s.body)])
    rows += [[Paragraph(t("発行日", "header"), s.small), Paragraph(t(format_date(today, weekday=True), "today"), s.body)],
             [Paragraph(t("案件番号", "header"), s.small), Paragraph(t(ctx.get("case.number"), "case.number"), s.body)]]
    qr_mm = 30 if large else 24
    label_w = (38 if large else 24) * mm
    left = Table(rows, colWidths=[label_w, width - (qr_mm + 4) * mm - label_w])
    left.setStyle(TableStyle(base + [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                              ("TOPPADDING", (0, 0), (-1, -1), 1), ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.grey)]))
    header = Table([[left, _Qr(ctx.get("case.number"), qr_mm)]], colWidths=[width - (qr_mm + 4) * mm, (qr_mm + 4) * mm])
    header.setStyle(TableStyle(base + [("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "RIGHT")]))
    story.append(header)
    story.append(Spacer(1, 2 * mm))
    office = root.offices[corner.office]
    contact = (f"お問い合わせ：{muni.name} {corner.name}（{office.name} {corner.place}）電話 {corner.phone}"
               + (f"　{corner.hours}" if corner.hours else ""))
    story.append(Paragraph(t(contact, "rules.yaml: municipality.corner"), s.small))
    story.append(Spacer(1, 2 * mm))

    counters = [g for g in group_by_place(book, result) if g[0] == "counter"]
    agencies = [g for g in group_by_place(book, result) if g[0] == "agency"]
    n_city = sum(len(items) for _, _, items in counters)
    n_out = sum(len(items) for _, _, items in agencies)
    n_confirm = sum(1 for p in result.procedures if p.status == TO_CONFIRM)
    summary = (f"市役所の窓口 {len(counters)}か所で {n_city}件、市役所以外で {n_out}件の手続きがあります"
               + (f"（うち要確認 {n_confirm}件）" if n_confirm else "") + "。")
    story.append(Paragraph(t(summary, "summary"), s.body))
    story.append(Paragraph(t("番号の順に窓口をお回りください。終わった手続きは □ に ✓ を付けてください。"
                             "期限の日が土日・祝日・年末年始にあたるときは、次の開庁日までとしています。", "intro"),
                           s.small))

    def procedure_rows(items: list[ProcedureResult]) -> list:
        out = []
        for p in items:
            rule = p.rule
            where = f"{rule.file}: {p.code}"
            title = t(p.title, f"{where} title")
            if p.status == TO_CONFIRM:
                title = f"［要確認］{title}"
            paras = [Paragraph(title, s.proc)]
            if p.deadline:
                due = f"期限：{format_date(p.deadline, weekday=True)}まで"
                if rule.spec.deadline.text is None:
                    due += f"（{rule.spec.deadline.describe()}）"
            else:
                text = rule.spec.deadline.describe()
                due = text if text.startswith("期限") else f"期限：{text}"
            paras.append(Paragraph(t(due, f"{where} deadline"), s.due))
            if rule.spec.bring:  # one item a line: a checklist, and no line starting with 、
                items = "<br/>".join("・" + t(item, f"{where} bring") for item in rule.spec.bring)
                paras.append(Paragraph(f"持ち物：<br/>{items}", s.body))
            for r in p.reasons:
                paras.append(Paragraph(t(("理由：" if p.status == REQUIRED else "") + r, f"{where} reason"), s.small))
            if forms_by_code.get(p.code):
                paras.append(Paragraph(t("記入済みの申請書：" + "、".join(forms_by_code[p.code]), f"{where} forms"), s.small))
            if rule.spec.note:
                paras.append(Paragraph(t("ご注意：" + rule.spec.note, f"{where} note"), s.small))
            box = Paragraph("□", s.box)
            out.append([box, paras])
        return out

    def place_block(number: str, heading: str, sub: str | None, items: list[ProcedureResult]) -> list:
        head = Table([[Paragraph(t(f"{number} {heading}", "place"), s.counter)]], colWidths=[width])
        head.setStyle(TableStyle(base + [("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#3b4a5a")),
                                  ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
        blocks = [head]
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

    if counters:
        story.append(Paragraph(t("市役所の窓口", "section"), s.section))
    for i, (kind, cid, items) in enumerate(counters):
        c = root.counters[cid]
        number = f"{c.number}番窓口" if isinstance(c.number, int) else c.number
        place_office = "" if c.office == corner.office else f"{root.offices[c.office].name} "
        heading = f"{place_office}{c.floor} {number}　{c.name}"
        sub = f"電話 {c.phone}　{c.hours}" + (f"　{c.note}" if c.note else "")
        story.extend(place_block(CIRCLED[i] if i < len(CIRCLED) else f"({i + 1})", heading, sub, items))
        story.append(Spacer(1, 2 * mm))

    confirm = [p for p in result.procedures if p.status == TO_CONFIRM]
    if confirm:
        story.append(Paragraph(t("確認が必要なこと（「わからない」とお答えいただいた項目）", "section"), s.section))
        by_fact: dict[str, list[ProcedureResult]] = {}
        for p in confirm:
            for fact in p.confirm_facts:
                by_fact.setdefault(fact, []).append(p)
        for fact, procs in by_fact.items():
            lines = [Paragraph(t(f"● {question_text(book, fact)}", f"question {fact}"), s.proc)]
            hint = book.questions[fact].spec.hint if fact in book.questions else None
            if hint:
                lines.append(Paragraph(t(hint, f"question {fact} hint"), s.small))
            lines.append(Paragraph(t("わかったら、次の手続きが必要かどうかが決まります："
                                     + "、".join(p.title for p in procs), f"question {fact}"), s.body))
            story.append(KeepTogether(lines + [Spacer(1, 2 * mm)]))

    if result.pending_questions:
        story.append(Paragraph(t("まだお聞きしていないこと", "section"), s.section))
        story.append(Paragraph(t("次のことに当てはまる場合は、ほかにも手続きが必要になることがあります。"
                                 f"{corner.name}（電話 {corner.phone}）にお問い合わせください。", "pending"), s.body))
        for fact in result.pending_questions:
            story.append(Paragraph(t(f"・{question_text(book, fact)}", f"question {fact}"), s.body))

    if agencies:
        story.append(Paragraph(t("市役所以外での手続き", "section"), s.section))
        for i, (kind, aid, items) in enumerate(agencies):
            ag = root.agencies[aid]
            sub = f"{ag.address}　電話 {ag.phone}" + (f"　{ag.hours}" if ag.hours else "") + \
                  (f"　{ag.note}" if ag.note else "")
            story.extend(place_block("◆", ag.name, sub, items))
            story.append(Spacer(1, 2 * mm))

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=13 * mm,
                            bottomMargin=(24 if large else 16) * mm, initialFontName=fonts["gothic"], title="おくやみ手続きのご案内", author=f"{muni.name} {corner.name}")
    footer_size = 14 if large else 8
    footer_left = t.check(f"{muni.name} {corner.name}　電話 {corner.phone}", "footer")  # right: case no. and page
    canvasmaker = _numbered_canvas(footer_left, f"案件番号 {ctx.get('case.number')}", fonts, footer_size)
    doc.build(story, canvasmaker=canvasmaker)
    pdf = buf.getvalue()
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    return GuidanceOutput(pdf, pages, t.problems, min(s.sizes + [footer_size]))
