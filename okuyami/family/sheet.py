"""The second QR code on the guidance sheet (スマートフォンで見る): the city's family page and, after '#', this
family's list (:mod:`okuyami.family.fragment`). Printed only when the rulebook names the page
(``settings.family_page.url``).

The code is drawn at error-correction level M from two segments: the page address as bytes, the fragment as QR
alphanumeric characters (5.5 bits each), so the heaviest sheet stays within version 15.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from ..core.case import Case
from ..core.engine import TO_CONFIRM, Evaluation
from ..core.progress import DEFERRED, DONE, NOT_NEEDED, Progress
from ..core.rulebook import Rulebook
from . import fragment as F

QUIET_ZONE = 4  # modules of white around the code (the standard's minimum)


def family_list(book: Rulebook, case: Case, result: Evaluation, *, today: dt.date, language: str,
                progress: Mapping[str, Progress] | None = None) -> F.FamilyList:
    """The family's list as the sheet prints it: every procedure listed (required or 要確認), with what the counter
    recorded on a return visit (済 / 後日 and its day / 不要)."""
    prog = progress or {}
    items = []
    for p in result.procedures:
        pr = prog.get(p.code)
        state = {DONE: F.DONE, DEFERRED: F.DEFERRED, NOT_NEEDED: F.NOT_NEEDED}.get(pr.status, F.OPEN) if pr else F.OPEN
        items.append(F.Item(p.code, F.TO_CONFIRM if p.status == TO_CONFIRM else F.REQUIRED, state, p.deadline,
                            pr.follow_up if pr is not None and state == F.DEFERRED else None))
    d = case.deceased
    key = F.case_key(book.root.municipality.code or book.root.municipality.name, d.name, d.birth_date, d.death_date)
    return F.FamilyList(language if language in F.LANG_CODES else "ja", today, key, tuple(items))


def family_link(book: Rulebook, case: Case, result: Evaluation, *, today: dt.date, language: str,
                progress: Mapping[str, Progress] | None = None) -> str | None:
    """The link of the second QR code, or None when the rulebook names no family page."""
    page = book.root.settings.family_page
    if page is None:
        return None
    family = family_list(book, case, result, today=today, language=language, progress=progress)
    return F.link(page.url, F.encode(family, F.unique_ids(book.rules)))


def qr_code(link: str) -> qrencoder.QRCode:
    """The QR code of a family link at level M: the address up to '#' as bytes, the fragment as alphanumerics."""
    prefix, _, frag = link.partition("#")
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(qrencoder.QR8bitByte(prefix + "#"))
    if frag:
        qr.addData(qrencoder.QRAlphaNum(frag))
    qr.make()
    return qr


class LinkQr(Flowable):
    """A QR code drawn as filled squares (reportlab's Drawing would bring in Helvetica, never embedded)."""

    def __init__(self, link: str, size_mm: float):
        super().__init__()
        qr = qr_code(link)
        self.version = qr.version
        self.modules = [list(map(bool, row)) for row in qr.modules]
        self.width = self.height = size_mm * mm

    def draw(self) -> None:
        n = len(self.modules)
        k = self.width / (n + 2 * QUIET_ZONE)
        self.canv.setFillColor(colors.black)
        for r, row in enumerate(self.modules):
            y = self.height - (r + QUIET_ZONE + 1) * k
            c = 0
            while c < n:
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < n and row[c]:
                    c += 1
                self.canv.rect((start + QUIET_ZONE) * k, y, (c - start) * k, k, stroke=0, fill=1)


def family_qr(book: Rulebook, case: Case, result: Evaluation, *, today: dt.date, language: str,
              progress: Mapping[str, Progress] | None, size_mm: float, label, title_style, small_style,
              base_style: list, across: float | None = None) -> Table | None:
    """The framed block for the sheet's header: the code, 「スマートフォンで見る」 and a line on what it opens
    (``label(key)`` gives the sheet's text, escaped and checked against the fonts). None without a family page.

    Beside the case's code (a column as narrow as the label allows), or, with ``across`` (points: large print,
    where the header's text needs the width), a row of that width: the code, and the label beside it."""
    url = family_link(book, case, result, today=today, language=language, progress=progress)
    if url is None:
        return None
    title, sub = label("family_qr"), label("family_qr_sub")

    def width_of(text: str, style) -> float:
        return stringWidth(re.sub(r"<[^>]+>", "", text.replace("|", "")), style.fontName, style.fontSize)

    def lines(text: str, style, room: float) -> str:  # one line if it fits, else broken at its '|'
        return text.replace("|", "") if width_of(text, style) <= room else text.replace("|", "<br/>")

    code = LinkQr(url, size_mm)
    if across is not None:
        text_w = across - size_mm * mm - 8 * mm
        block = Table([[code, [Paragraph(lines(title, title_style, text_w), title_style),
                               Paragraph(lines(sub, small_style, text_w), small_style)]]],
                      colWidths=[size_mm * mm + 4 * mm, text_w])
        block.setStyle(TableStyle(base_style + [
            ("BOX", (0, 0), (-1, -1), 1.2, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    else:
        # as wide as the label on one line (up to 16 mm wider than the code), else the label breaks at its '|'
        width = min(max(size_mm * mm, width_of(title, title_style)) + 4 * mm, (size_mm + 16) * mm)
        block = Table([[code], [Paragraph(lines(title, title_style, width - 4 * mm),
                                          ParagraphStyle("family_qr", parent=title_style, alignment=1))],
                       [Paragraph(lines(sub, small_style, width - 4 * mm),
                                  ParagraphStyle("family_qr_sub", parent=small_style, alignment=1))]],
                      colWidths=[width])
        block.setStyle(TableStyle(base_style + [
            ("BOX", (0, 0), (-1, -1), 1.2, colors.black), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
    block.link = url  # for tests
    block.qr_version = code.version
    return block
