"""The packet a family takes home (書類一式): the guidance sheet and every prefilled form, in visiting order.

:func:`make_packet` checks everything before it writes anything: every character of every printed value against
the fonts (a 外字 such as 𠮷 is reported with the field it is in and the line of the case file), every value
against its box. Then it writes ``guidance.pdf``, ``forms/<form id>.pdf`` and ``packet.pdf`` (contract §7).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from ..core.case import Case
from ..core.engine import REQUIRED, Evaluation, evaluate
from ..core.problems import InvalidInput, Mark, Problems
from ..core.progress import Progress
from ..core.rulebook import Rulebook
from ..core.yamlio import Document
from .context import Context, build_context, visitor_acts_for_another
from .fonts import FontSet, find_fonts
from .forms import Placed, draw_form
from .guidance import build_guidance, cover_note
from .templates import FormTemplate, load_templates


@dataclass
class Packet:
    out_dir: Path
    result: Evaluation
    guidance_pages: int
    forms: list[tuple[str, Path]] = field(default_factory=list)
    placed: list[Placed] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    min_font_size: float = 0.0
    language: str = "ja"
    untranslated: list[str] = field(default_factory=list)  # rulebook texts printed in Japanese for want of one
    cover_pages: int = 0  # cover notes in packet.pdf (one before each form when the language is not ja)

    @property
    def packet_path(self) -> Path:
        return self.out_dir / "packet.pdf"


def forms_for(book: Rulebook, case: Case, result: Evaluation, templates: dict[str, FormTemplate],
              progress: Mapping[str, Progress] | None = None) -> list[str]:
    """Form ids to print, in visiting order: the forms of every procedure that applies (required), once each,
    each form's ``print_when`` respected. With ``progress`` (a return visit), not those of procedures already done
    or found not needed."""
    out: list[str] = []
    for p in result.procedures:
        if p.status != REQUIRED or (progress and p.code in progress and progress[p.code].settled):
            continue
        for form in p.rule.spec.forms:
            tpl = templates.get(form)
            if tpl is None or form in out:
                continue
            if tpl.spec.print_when == "visitor_acts_for_another" and not visitor_acts_for_another(case):
                continue
            out.append(form)
    return out


def _glyph_problems(ctx: Context, fonts: FontSet, case_doc: Document | None, problems: Problems,
                    case_file: str) -> None:
    for binding, text in ctx.printable().items():
        missing = fonts.missing(text)
        if not missing:
            continue
        path = tuple(binding.split("."))
        mark = case_doc.mark(path) if case_doc is not None and path[0] in ("deceased", "applicant", "funeral") \
            else Mark(case_file)
        chars = "、".join(f"'{ch}' (U+{ord(ch):04X})" for ch in missing)
        problems.error(mark, f"{binding} 「{text}」: {chars} is not in the font {fonts.fonts['gothic'].family} and "
                             "would print as a blank — write a standard form of the character in the case file, or "
                             "print with --allow-missing-glyphs (it then prints as 〓 for the family to write by hand)")


def make_packet(book: Rulebook, case: Case, out_dir: Path, *, today: dt.date, large: bool = False,
                offset_mm: tuple[float, float] = (0.0, 0.0), allow_missing_glyphs: bool = False,
                case_doc: Document | None = None, case_file: str = "case", only_forms: list[str] | None = None,
                guidance_copies: int = 1, language: str = "ja",
                progress: Mapping[str, Progress] | None = None, number: int | None = None) -> Packet:
    """Check, then write the packet; raises :class:`InvalidInput` (nothing written) on any problem.

    ``only_forms`` keeps just those forms (the clerk's choice); ``guidance_copies`` puts that many copies of the
    guidance sheet at the front of packet.pdf (the family's, one for relatives far away…). ``language`` (ja, en,
    easy-ja) is the family's language: the sheet is in it, and in packet.pdf each official form — which stays
    Japanese, it goes to the city — follows a short cover note in it saying what the form is and where it goes.
    ``progress`` (a return visit) shows on the sheet what was done and what was put off, and leaves out the forms
    of what is settled (see :func:`~okuyami.documents.guidance.build_guidance`). ``number`` is a stored case's
    案件番号, printed on the sheet (with its QR code) and under every form; a case file has none."""
    problems = Problems()
    templates = load_templates(book.forms_dir, problems)
    for rule in book.ordered:
        for form in rule.spec.forms:  # the file may exist but be invalid (reported above): say which procedure
            if form not in templates:
                problems.error(rule.mark, f"procedure '{rule.code}' names form '{form}', which has no template in "
                                          f"{book.root.settings.forms}/")
    if problems.errors:
        raise InvalidInput(problems.sorted())
    fonts = find_fonts()
    result = evaluate(book, case)
    ctx = build_context(book, case, result, today, number)
    glyphs = Problems()
    _glyph_problems(ctx, fonts, case_doc, glyphs, case_file)
    form_ids = forms_for(book, case, result, templates, progress)
    if only_forms is not None:
        form_ids = [f for f in form_ids if f in only_forms]
    titles = {fid: templates[fid].spec.title for fid in form_ids}
    forms_by_code = {p.code: [titles[f] for f in p.rule.spec.forms if f in titles] for p in result.procedures}
    guidance = build_guidance(book, case, result, ctx, fonts, today=today, large=large, forms_by_code=forms_by_code,
                              language=language, progress=progress)
    covers = {fid: cover_note(book, result, fid, titles[fid], fonts, language, large=large)
              for fid in form_ids} if language != "ja" else {}
    footer = book.root.municipality.name + (f" 案件番号 {number}" if number is not None else "")
    rendered = [(fid, draw_form(templates[fid], ctx, fonts, offset_mm=offset_mm, footer=footer)) for fid in form_ids]
    other = [m for m in guidance.problems] + [m for _, out in rendered for m in out.problems] + \
        [m for _, problems_ in covers.values() for m in problems_]
    overflow = [m for m in other if "does not fit" in m or "characters for" in m or "taller than the page" in m]
    for m in overflow:
        problems.error(Mark(case_file), m)
    if glyphs.errors and not allow_missing_glyphs:
        problems.extend(glyphs)
    elif not glyphs.errors and not allow_missing_glyphs:
        for m in other:  # a character of the rulebook or a template the font lacks
            if m not in overflow:
                problems.error(Mark(case_file), m + " — fix the text in the rulebook or template")
    if problems.errors:
        raise InvalidInput(problems.sorted())
    warnings = list(fonts.warnings) + ([str(p) for p in glyphs.errors] if allow_missing_glyphs else [])

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "forms").mkdir(exist_ok=True)
    (out_dir / "guidance.pdf").write_bytes(guidance.pdf)
    packet = PdfWriter()
    for _ in range(max(1, guidance_copies)):
        packet.append(PdfReader(io.BytesIO(guidance.pdf)))
    written = []
    for fid, out in rendered:
        path = out_dir / "forms" / f"{fid}.pdf"
        path.write_bytes(out.pdf)
        if fid in covers:
            packet.append(PdfReader(io.BytesIO(covers[fid][0])))
        packet.append(PdfReader(io.BytesIO(out.pdf)))
        written.append((fid, path))
    packet.add_metadata({"/Title": "おくやみ手続きのご案内" + (f" {number}" if number is not None else ""),
                         "/Author": f"{book.root.municipality.name} {book.root.municipality.corner.name}"})
    with open(out_dir / "packet.pdf", "wb") as fh:
        packet.write(fh)
    return Packet(out_dir, result, guidance.pages, written, [p for _, out in rendered for p in out.placed],
                  warnings, guidance.min_font_size, language, guidance.untranslated, len(covers))
