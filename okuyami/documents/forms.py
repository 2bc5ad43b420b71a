"""Drawing application forms (申請書の作成): a drawn municipal form, or values overlaid on the city's PDF.

Every value placed is logged as a :class:`Placed` (text, font size, width used, width of its box), so tests can
prove nothing leaves its box, and every problem (a value that cannot fit even at the smallest size, a character
the font lacks) is reported with the form and the field — never printed as a silent blank or overflow.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any

from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas

from ..core.wareki import date_parts, format_date
from .context import Context
from .fonts import FontSet
from .templates import FieldSpec, FormTemplate

MIN_SIZE = 6.0
PAD = 1.4 * mm
_TOKEN = re.compile(r"[0-9A-Za-z０-９,.\-/:%＄$¥]+[円年月日歳号]?|.", re.S)
NO_LINE_START = set("、。，．・：；？！ー－）」』】〉》ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々")


@dataclass
class Placed:
    """One value as drawn."""

    form: str
    label: str
    binding: str | None
    text: str
    size: float
    text_w: float  # points, the widest line
    box_w: float  # points available
    lines: int = 1

    @property
    def fits(self) -> bool:
        return self.text_w <= self.box_w + 0.01


@dataclass
class FormOutput:
    pdf: bytes
    placed: list[Placed] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Japanese line breaking: by character, no line starting with 、。）」 etc.; explicit newlines kept."""
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for tok in _TOKEN.findall(para):  # numbers and Latin words stay whole: 50,000円, 090-1234-5678
            if stringWidth(line + tok, font, size) <= width or not line:
                line += tok
                continue
            if stringWidth(tok, font, size) > width:  # a token longer than the line: break it by character
                for ch in tok:
                    if stringWidth(line + ch, font, size) > width and line:
                        lines.append(line)
                        line = ""
                    line += ch
                continue
            if tok[0] in NO_LINE_START and len(line) > 1:  # carry the last character down with it
                lines.append(line[:-1])
                line = line[-1] + tok
            else:
                lines.append(line)
                line = tok
        lines.append(line)
    return lines


class Painter:
    """Draws text into boxes on one canvas, logging and checking everything it places."""

    def __init__(self, c: rl_canvas.Canvas, fonts: FontSet, form: str, page_h: float):
        self.c, self.fonts, self.form, self.page_h = c, fonts, form, page_h
        self.placed: list[Placed] = []
        self.problems: list[str] = []

    def y(self, top: float) -> float:
        """A distance from the top of the page (points) as reportlab's y."""
        return self.page_h - top

    def safe(self, text: str, role: str, where: str) -> str:
        text, missing = self.fonts.printable(text, (role,))
        if missing:
            chars = "、".join(f"'{ch}' (U+{ord(ch):04X})" for ch in missing)
            self.problems.append(f"{self.form}: {where}: {chars} not in the font {self.fonts.fonts[role].family}")
        return text

    def string(self, x: float, top: float, text: str, role: str = "mincho", size: float = 10,
               where: str = "label", char_space: float = 0) -> float:
        text = self.safe(text, role, where)
        font = self.fonts[role]
        self.c.setFont(font, size)
        if char_space:  # Tc persists in the PDF text state: set it back to 0 afterwards
            t = self.c.beginText(x, self.y(top))
            t.setFont(font, size)
            t.setCharSpace(char_space)
            t.textOut(text)
            t.setCharSpace(0)
            self.c.drawText(t)
        else:
            self.c.drawString(x, self.y(top), text)
        return stringWidth(text, font, size) + char_space * max(len(text) - 1, 0)

    # -- a value in a box (x, top: top-left corner; w, h: size; all in points) --------------------------
    def value(self, f: FieldSpec, value: Any, x: float, top: float, w: float, h: float, label: str) -> None:
        kind = f.kind
        if kind == "cells":
            self._cells(f, value, x, top, w, h, label)
        elif kind == "choice":
            self._choice(f, value, x, top, w, h, label)
        elif kind == "date_parts":
            self._date_parts(f, value, x, top, w, h, label)
        elif kind == "list":
            items = value if isinstance(value, list) else []
            self._block(f, "\n".join(f"□ {i}" for i in items), x, top, w, h, label, multiline=True)
        elif kind == "fixed":
            self._block(f, f.fixed or "", x, top, w, h, label, multiline=False)
        elif kind == "date":
            text = format_date(value) if isinstance(value, dt.date) else ""
            self._block(f, text, x, top, w, h, label, multiline=False)
        else:
            text = "" if value is None else str(value)
            self._block(f, text, x, top, w, h, label, multiline=kind == "multiline")

    def _log(self, f: FieldSpec, label: str, text: str, size: float, text_w: float, box_w: float, lines: int = 1):
        self.placed.append(Placed(self.form, label, f.value, text, size, text_w, box_w, lines))

    def _block(self, f: FieldSpec, text: str, x: float, top: float, w: float, h: float, label: str,
               multiline: bool) -> None:
        if not text:
            return
        font = self.fonts["gothic"]
        text = self.safe(text, "gothic", f"{label} ({f.value or 'fixed'})")
        inner_w, inner_h = w - 2 * PAD, h - 2 * PAD * 0.6
        size = f.size
        if not multiline:  # one line, shrinking; then two lines if the box is tall enough
            while size > MIN_SIZE and stringWidth(text, font, size) > inner_w:
                size -= 0.25
            if stringWidth(text, font, size) <= inner_w:
                tw = stringWidth(text, font, size)
                tx = x + PAD if f.align == "left" else x + (w - tw) / 2
                self.c.setFont(font, size)
                self.c.drawString(tx, self.y(top + h / 2 + size * 0.35), text)
                self._log(f, label, text, size, tw, inner_w)
                return
            size = f.size
        # several lines
        while True:
            lines = wrap(text, font, size, inner_w)
            leading = size * 1.25
            widest = max(stringWidth(line, font, size) for line in lines)
            if (len(lines) * leading <= inner_h and widest <= inner_w) or size <= MIN_SIZE:
                break
            size -= 0.25
        if len(lines) * leading > inner_h or widest > inner_w:
            self.problems.append(f"{self.form}: {label}: 「{text[:30]}…」 does not fit its box even at {MIN_SIZE:g} pt "
                                 "— shorten it or make the box larger")
            self.c.saveState()
            p = self.c.beginPath()
            p.rect(x, self.y(top + h), w, h)
            self.c.clipPath(p, stroke=0, fill=0)
        self.c.setFont(font, size)
        start = top + (h - len(lines) * leading) / 2 + size * 0.95
        for i, line in enumerate(lines):
            self.c.drawString(x + PAD, self.y(start + i * leading), line)
        if len(lines) * leading > inner_h or widest > inner_w:
            self.c.restoreState()
        self._log(f, label, text, size, widest, inner_w, len(lines))

    def _cells(self, f: FieldSpec, value: Any, x: float, top: float, w: float, h: float, label: str) -> None:
        n = f.cells or 1
        cw = w / n
        self.c.setLineWidth(0.3)
        for i in range(1, n):
            self.c.line(x + i * cw, self.y(top), x + i * cw, self.y(top + h))
        text = "" if value is None else str(value).replace(" ", "\u3000" if len(str(value)) <= n else "")
        if len(text) > n:
            self.problems.append(f"{self.form}: {label}: 「{text}」 has {len(text)} characters for {n} cells")
            text = text[:n]
        font = self.fonts["gothic"]
        text = self.safe(text, "gothic", f"{label} ({f.value})")
        size = min(f.size, cw / mm * 2.4, h / mm * 2.2)
        self.c.setFont(font, size)
        widest = 0.0
        for i, ch in enumerate(text):
            cx = x + i * cw + cw / 2
            self.c.drawCentredString(cx, self.y(top + h / 2 + size * 0.35), ch)
            widest = max(widest, stringWidth(ch, font, size))
        if text:
            self._log(f, label, text, size, widest, cw - 0.5)

    def _circle(self, x: float, top: float, text_w: float, size: float) -> None:
        self.c.setLineWidth(0.7)
        cy = self.y(top) + size * 0.35
        rx = max(text_w / 2 + size * 0.35, size * 0.75)
        self.c.ellipse(x + text_w / 2 - rx, cy - size * 0.72, x + text_w / 2 + rx, cy + size * 0.72)

    def _choice(self, f: FieldSpec, value: Any, x: float, top: float, w: float, h: float, label: str) -> None:
        choices = dict(f.choices or {})
        other_value = None
        if f.other:
            other_value = value if value is not None and value not in choices else None
            choices["__other__"] = f"その他（{other_value or '　　　'}）"
        font = self.fonts["mincho"]
        size = f.size
        sep = "　"
        total = lambda s: sum(stringWidth(t, font, s) for t in choices.values()) + \
            stringWidth(sep, font, s) * (len(choices) - 1)  # noqa: E731
        while size > MIN_SIZE and total(size) > w - 2 * PAD:
            size -= 0.25
        cx = x + PAD
        baseline = top + h / 2 + size * 0.35
        for key, text in choices.items():
            role = "gothic" if key == "__other__" and other_value else "mincho"
            tw = self.string(cx, baseline, text, role, size, where=f"{label} ({f.value})")
            if (value is not None and key == value) or (key == "__other__" and other_value):
                self._circle(cx, baseline, tw if key != "__other__" else stringWidth("その他", font, size), size)
            cx += tw + stringWidth(sep, font, size)
        shown = sep.join(choices.values())
        self._log(f, label, shown, size, total(size), w - 2 * PAD)

    def _date_parts(self, f: FieldSpec, value: Any, x: float, top: float, w: float, h: float, label: str) -> None:
        era_name = year = month = day = None
        if isinstance(value, dt.date):
            era_name, year, month, day = date_parts(value)
        eras = list(f.eras)
        if era_name and era_name not in eras:
            eras.append(era_name)
        era_size = min(8.5, f.size)
        font = self.fonts["mincho"]
        era_text_w = sum(stringWidth(e, font, era_size) for e in eras) + stringWidth("・", font, era_size) * (len(eras) - 1)
        two_rows = era_text_w > w * 0.45
        cx = x + PAD
        per_row = (len(eras) + 1) // 2 if two_rows else len(eras)
        widest_era_row = 0.0
        for i, era in enumerate(eras):
            r = i // per_row
            if i % per_row == 0:
                cx = x + PAD
            t = top + (h * (0.3 + 0.4 * r) + era_size * 0.35 if two_rows else h / 2 + era_size * 0.35)
            tw = self.string(cx, t, era, "mincho", era_size)
            if era == era_name:
                self._circle(cx, t, tw, era_size)
            cx += tw
            if i % per_row != per_row - 1 and i != len(eras) - 1:
                cx += self.string(cx, t, "・", "mincho", era_size)
            widest_era_row = max(widest_era_row, cx - x - PAD)
        # year / month / day
        size = f.size
        parts = [(year, "年"), (month, "月"), (day, "日")]
        gx = x + PAD + widest_era_row + 2 * mm
        avail = x + w - PAD - gx
        slot = min(avail / 3, max(stringWidth("0000年", self.fonts["gothic"], size), 16 * mm))
        base = top + h / 2 + size * 0.35
        gothic = self.fonts["gothic"]
        text_w = 0.0
        for number, unit in parts:
            unit_w = stringWidth(unit, font, size)
            num = "" if number is None else str(number)
            num_w = stringWidth(num, gothic, size)
            if num:
                self.c.setFont(gothic, size)
                self.c.drawRightString(gx + slot - unit_w - 1, self.y(base), num)
            self.string(gx + slot - unit_w, base, unit, "mincho", size)
            text_w = max(text_w, num_w + unit_w + 1)
            gx += slot
        if value is not None:
            self._log(f, label, format_date(value), size, text_w, slot)


# --- drawn forms --------------------------------------------------------------------------------------

MARGIN = 15 * mm
HEADING_W = 9 * mm
SECTION_GAP = 3.5 * mm


def _cell_widths(cells: list[FieldSpec], total: float) -> list[float]:
    given = sum(c.w or 0 for c in cells)
    free = [c for c in cells if not c.w]
    share = (1 - given) / len(free) if free else 0
    return [(c.w or share) * total for c in cells]


def _label_width(fonts: FontSet, label: str, cell_w: float) -> float:
    natural = stringWidth(label, fonts["mincho"], 9) + 3 * mm
    return min(max(natural, 16 * mm), cell_w * 0.45)


def draw_form(tpl: FormTemplate, ctx: Context, fonts: FontSet, *, offset_mm: tuple[float, float] = (0, 0),
              footer: str = "") -> FormOutput:
    """A form as PDF bytes (one A4 page), drawn or overlaid on the template's background PDF."""
    spec = tpl.spec
    if tpl.background is not None:
        return _overlay(tpl, ctx, fonts, offset_mm)
    buf = io.BytesIO()
    page_w, page_h = A4
    c = rl_canvas.Canvas(buf, pagesize=A4, pageCompression=1, initialFontName=fonts["gothic"])  # no Helvetica
    c.setTitle(spec.title)
    c.setAuthor(str(ctx.get("municipality.name") or ""))
    c.translate(offset_mm[0] * mm, -offset_mm[1] * mm)
    p = Painter(c, fonts, spec.form, page_h)
    # title
    size = 17
    tw = stringWidth(spec.title, fonts["mincho"], size) + 3 * (len(spec.title) - 1)
    p.string((page_w - tw) / 2, 24 * mm, spec.title, "mincho", size, where="title", char_space=3)
    top = 34 * mm
    if spec.addressee:
        addressee = ctx.get(spec.addressee) if spec.addressee in ctx.values else spec.addressee
        p.string(MARGIN, top, f"{addressee}　様", "mincho", 11, where="addressee")
    if spec.filing_date:
        text = "届出日　令和　　　年　　　月　　　日"
        p.string(page_w - MARGIN - stringWidth(text, fonts["mincho"], 10), top, text, "mincho", 10)
    top += 5 * mm
    if spec.intro:
        p.string(MARGIN, top + 3 * mm, spec.intro, "mincho", 9.5, where="intro")
        top += 6 * mm
    else:
        top += 2 * mm
    width = page_w - 2 * MARGIN
    for heading, rows in tpl.sections:
        sec_h = sum(r.h for r in rows) * mm
        x0 = MARGIN + (HEADING_W if heading else 0)
        row_w = width - (HEADING_W if heading else 0)
        if heading:
            c.setFillGray(0.9)
            c.rect(MARGIN, p.y(top + sec_h), HEADING_W, sec_h, stroke=0, fill=1)
            c.setFillGray(0)
            chars = list(heading)
            hs = min(10, (sec_h / len(chars)) / 1.15)
            start = top + (sec_h - len(chars) * hs * 1.15) / 2 + hs
            for i, ch in enumerate(chars):
                cw = stringWidth(ch, fonts["mincho"], hs)
                p.string(MARGIN + (HEADING_W - cw) / 2, start + i * hs * 1.15, ch, "mincho", hs, where="heading")
        y = top
        # the first label column of a section is aligned, as on a printed form
        first_lw = max((_label_width(fonts, r.cells[0].label, _cell_widths(r.cells, row_w)[0])
                        for r in rows if r.cells and r.cells[0].label), default=0)
        for row in rows:
            h = row.h * mm
            x = x0
            for i, (cell, cw) in enumerate(zip(row.cells, _cell_widths(row.cells, row_w))):
                label = cell.label or ""
                lw = (min(first_lw, cw * 0.45) if i == 0 else _label_width(fonts, label, cw)) if label else 0
                if label:
                    c.setFillGray(0.93)
                    c.rect(x, p.y(y + h), lw, h, stroke=0, fill=1)
                    c.setFillGray(0)
                    lines = wrap(label, fonts["mincho"], 9, lw - 2 * mm)
                    ls = 9 if len(lines) * 11 <= h else max(6.5, h / len(lines) / 1.2)
                    lines = wrap(label, fonts["mincho"], ls, lw - 2 * mm)
                    start = y + (h - len(lines) * ls * 1.2) / 2 + ls * 0.95
                    for i, line in enumerate(lines):
                        p.string(x + 1 * mm, start + i * ls * 1.2, line, "mincho", ls, where="label")
                    c.setLineWidth(0.3)
                    c.line(x + lw, p.y(y), x + lw, p.y(y + h))
                p.value(cell, ctx.get(cell.value, spec.form) if cell.value else None, x + lw, y, cw - lw, h, label)
                x += cw
                c.setLineWidth(0.3)
                c.line(x, p.y(y), x, p.y(y + h))
            y += h
            c.setLineWidth(0.3)
            c.line(x0, p.y(y), MARGIN + width, p.y(y))
        c.setLineWidth(1.1)  # 太枠
        c.rect(MARGIN, p.y(top + sec_h), width, sec_h, stroke=1, fill=0)
        if heading:
            c.setLineWidth(0.5)
            c.line(x0, p.y(top), x0, p.y(top + sec_h))
        top += sec_h + SECTION_GAP
    if spec.note:
        for i, line in enumerate(wrap(spec.note, fonts["mincho"], 9, width)):
            p.string(MARGIN, top + 3 * mm + i * 11, line, "mincho", 9, where="note")
        top += 8 * mm
    if top > page_h - 14 * mm:
        p.problems.append(f"{spec.form}: the form is taller than the page ({top / mm:.0f} mm): remove rows or "
                          "make them lower")
    _footer(p, fonts, footer, page_w)
    c.showPage()
    c.save()
    return FormOutput(buf.getvalue(), p.placed, p.problems)


def _footer(p: Painter, fonts: FontSet, footer: str, page_w: float) -> None:
    if footer:
        p.string(page_w - MARGIN - stringWidth(footer, fonts["gothic"], 7.5), A4[1] - 8 * mm, footer, "gothic", 7.5,
                 where="footer")


def _overlay(tpl: FormTemplate, ctx: Context, fonts: FontSet, offset_mm: tuple[float, float]) -> FormOutput:
    background = PdfReader(str(tpl.background))
    page = background.pages[0]
    page_w, page_h = float(page.mediabox.width), float(page.mediabox.height)
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=(page_w, page_h), initialFontName=fonts["gothic"])
    c.translate(offset_mm[0] * mm, -offset_mm[1] * mm)
    p = Painter(c, fonts, tpl.spec.form, page_h)
    for f in tpl.spec.fields:
        p.value(f, ctx.get(f.value, tpl.spec.form) if f.value else None, f.left * mm, f.top * mm, f.w * mm, f.h * mm,
                f.label or f.value or "")
    c.showPage()
    c.save()
    writer = PdfWriter(clone_from=background)
    writer.pages[0].merge_page(PdfReader(io.BytesIO(buf.getvalue())).pages[0])
    writer.add_metadata({"/Title": tpl.spec.title})
    out = io.BytesIO()
    writer.write(out)
    return FormOutput(out.getvalue(), p.placed, p.problems)
