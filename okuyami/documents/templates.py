"""Form templates (申請書のテンプレート): one YAML file per form in ``forms_templates/``.

Two ways to make a form:

- **drawn** — the template describes the form and okuyami draws it like a municipal form: the title, the
  addressee, ruled sections with a vertical heading, gray 明朝 label cells and value cells::

      form: kokuho_soshitsu
      title: 国民健康保険 資格喪失届
      sections:
        - part: shibousha                 # a section shared by several forms (_parts.yaml)
        - heading: 喪失の内容
          rows:
            - - {label: 喪失年月日, value: deceased.loss_date, kind: date_parts}
              - {label: 喪失理由, fixed: 死亡}

- **overlay** — the city's own official form as a background PDF, and fields placed on it in millimetres from
  the top-left corner of the page::

      form: inu_touroku
      title: 犬の登録事項変更届
      background: backgrounds/inu_touroku.pdf
      fields:
        - {left: 52, top: 71, w: 60, h: 9, value: deceased.name}

Field kinds: ``text`` (one line that shrinks to fit, two lines if it must), ``multiline`` (Japanese wrapping),
``date`` (和暦 in one string), ``date_parts`` (era printed as choices with a ○, then year / month / day),
``cells`` (one character per cell: フリガナ, 口座番号), ``choice`` (○ on printed choices: 男・女, 続柄), ``fixed``
(constant text), ``list`` (one line per item, with a □ to tick). A field with no ``value`` is left for the
family to write.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from ..core.facts import FACTS
from ..core.messages import say
from ..core.problems import Mark, Problems, display_path, hint
from ..core.yamlio import Document, StrictModel, load_file, our_error, validate


def _form(what: str) -> str:
    """A form template's message (Japanese, with the key word [form template])."""
    return say("form template", what=what)
from .context import BINDINGS

Kind = Literal["text", "multiline", "date", "date_parts", "cells", "choice", "fixed", "list"]
ERAS = ("明治", "大正", "昭和", "平成", "令和")


class FieldSpec(StrictModel):
    """A value cell of a drawn form, or a field placed on a background PDF."""

    label: str | None = None  # the printed label (drawn forms)
    value: str | None = None  # a binding (see okuyami.documents.context.BINDINGS) or facts.<fact>
    fixed: str | None = None  # constant text (kind: fixed)
    kind: Kind | None = None
    w: float | None = Field(None, gt=0)  # drawn: fraction of the row; overlay: width in mm
    h: float | None = Field(None, ge=5, le=120)  # height in mm (drawn: of the whole row)
    left: float | None = None  # overlay: mm from the left edge of the page ('x' would be fine, but
    top: float | None = None  # overlay: mm from the top edge              'y' is "true" in YAML 1.1)
    cells: int | None = Field(None, ge=1, le=40)  # kind: cells
    choices: dict[str, str] | None = None  # kind: choice — value → printed label
    other: bool = False  # kind: choice — add その他（…） for any other value
    eras: list[Literal["明治", "大正", "昭和", "平成", "令和"]] = ["大正", "昭和", "平成", "令和"]
    size: float = Field(11, ge=6, le=24)  # preferred font size (pt)
    align: Literal["left", "center"] = "left"

    @model_validator(mode="after")
    def _kind(self) -> "FieldSpec":
        if self.kind is None:
            object.__setattr__(self, "kind", "fixed" if self.fixed is not None else
                               "cells" if self.cells else "choice" if self.choices else "text")
        if self.kind == "cells" and not self.cells:
            raise our_error("form template", what="kind: cells には 'cells:'（マスの数）を書いてください")
        if self.kind == "choice" and not self.choices:
            raise our_error("form template", what="kind: choice には 'choices:'（値: 印刷する文字）を書いてください")
        if self.kind == "fixed" and self.fixed is None:
            raise our_error("form template", what="kind: fixed には 'fixed:'（印刷する文字）を書いてください")
        return self


@dataclass
class Row:
    h: float  # height in mm: the largest 'h' of its cells, 11 by default
    cells: list[FieldSpec]


class Section(StrictModel):
    heading: str | None = None
    rows: list[list[FieldSpec]] | None = None
    part: str | None = None  # a section of _parts.yaml


class Template(StrictModel):
    form: str
    title: str
    addressee: str | None = "municipality.mayor"  # a binding or text; None: no addressee line
    filing_date: bool = True  # print 「届出日　令和　年　月　日」 for the family to fill in
    intro: str | None = None
    print_when: Literal["always", "visitor_acts_for_another"] = "always"
    sections: list[Section] = []
    note: str | None = None
    background: str | None = None  # overlay: the city's PDF, relative to forms_templates/
    fields: list[FieldSpec] = []  # overlay fields


class PartsFile(StrictModel):
    parts: dict[str, Section]


@dataclass
class FormTemplate:
    spec: Template
    path: Path
    doc: Document
    sections: list[tuple[str | None, list[Row]]]  # drawn forms, parts resolved
    background: Path | None

    @property
    def id(self) -> str:
        return self.spec.form


def _rows(section: Section) -> list[Row]:
    return [Row(max((c.h or 11) for c in cells), cells) for cells in section.rows or []]


_CACHE: dict[Path, tuple[tuple, dict[str, "FormTemplate"], list]] = {}


def load_templates(folder: Path, problems: Problems) -> dict[str, FormTemplate]:
    """Every template of ``folder``, validated; problems are located (file:line:col).

    Read once per process and kept while no file of the folder changes (name, modification time, size), so the
    desk app's preview does not re-read 19 files each time; an edited template is read again."""
    folder = Path(folder)
    try:
        stamp = tuple(sorted((p.relative_to(folder).as_posix(), p.stat().st_mtime_ns, p.stat().st_size)
                             for p in folder.rglob("*") if p.is_file()))
    except OSError:
        stamp = None
    cached = _CACHE.get(folder.resolve()) if stamp is not None else None
    if cached is not None and cached[0] == stamp:
        problems.extend(cached[2])
        return dict(cached[1])
    own = Problems()
    out = _load_templates(folder, own)
    problems.extend(own.items)
    if stamp is not None:
        _CACHE[folder.resolve()] = (stamp, out, list(own.items))
    return dict(out)


def _load_templates(folder: Path, problems: Problems) -> dict[str, FormTemplate]:
    out: dict[str, FormTemplate] = {}
    if not folder.is_dir():
        problems.error(Mark(display_path(folder)), say("forms folder missing", folder=display_path(folder)))
        return out
    parts: dict[str, Section] = {}
    parts_file = folder / "_parts.yaml"
    if parts_file.exists():
        pdoc = load_file(parts_file, display_path(parts_file), problems)
        if pdoc.data is not None:
            spec = validate(PartsFile, pdoc, problems)
            if spec:
                parts = spec.parts
                for name, sec in parts.items():
                    _check_fields(pdoc, problems, [("parts", name, "rows", i, j) for i, r in enumerate(sec.rows or [])
                                                  for j in range(len(r))],
                                  [c for r in _rows(sec) for c in r.cells], drawn=True, section=sec,
                                  base=("parts", name))
    for path in sorted(folder.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        doc = load_file(path, display_path(path), problems)
        if doc.data is None:
            continue
        _check_raw(doc, problems, parts)
        spec: Template | None = validate(Template, doc, problems)
        if spec is None:
            continue
        if spec.form != path.stem:
            problems.error(doc.mark(("form",)), _form(f"様式ID '{spec.form}' はファイル名 '{path.stem}' と同じにしてください"))
        if spec.form in out:
            problems.error(doc.mark(("form",)), _form(f"様式ID '{spec.form}' が2つの様式にあります。どちらかを変えてください"))
            continue
        sections: list[tuple[str | None, list[Row]]] = []
        for i, sec in enumerate(spec.sections):
            if sec.part is not None:
                if sec.part not in parts:
                    problems.error(doc.mark(("sections", i, "part")),
                                   _form(f"部品 '{sec.part}' は _parts.yaml にありません{hint(sec.part, parts)}"))
                    continue
                sections.append((parts[sec.part].heading, _rows(parts[sec.part])))
                continue
            if not sec.rows:
                problems.error(doc.mark(("sections", i)), _form("欄（section）には 'rows:'（または 'part:'）を書いてください"))
                continue
            rows = _rows(sec)
            _check_fields(doc, problems, [("sections", i, "rows", r, c) for r, row in enumerate(sec.rows)
                                          for c in range(len(row))],
                          [c for row in rows for c in row.cells], drawn=True, section=sec, base=("sections", i))
            sections.append((sec.heading, rows))
        background = None
        if spec.background:
            background = folder / spec.background
            if not background.is_file():
                problems.error(doc.mark(("background",)), _form(f"背景のPDF '{spec.background}' がありません。ファイル名を確かめてください"))
                background = None
            elif background.read_bytes()[:5] != b"%PDF-":
                problems.error(doc.mark(("background",)), _form(f"'{spec.background}' はPDFファイルではありません"))
                background = None
            if not spec.fields:
                problems.error(doc.mark(("background",), key=True), _form("背景PDFに重ねる様式には 'fields:' を書いてください"))
            _check_fields(doc, problems, [("fields", i) for i in range(len(spec.fields))], spec.fields, drawn=False)
        elif spec.fields:
            problems.error(doc.mark(("fields",), key=True), _form("'fields:' は 'background:'（背景PDF）と一緒に書きます。"
                                                                  "線で描く様式には 'sections:' を使います"))
        elif not spec.sections:
            problems.error(doc.mark(), _form("様式には 'sections:'（線で描く）か、'background:' と 'fields:'（背景PDFに重ねる）を書きます"))
        out[spec.form] = FormTemplate(spec, path, doc, sections, background)
    return out


def _check_binding(doc: Document, problems: Problems, path: tuple, value: object) -> None:
    if not isinstance(value, str):
        return
    if value.startswith("facts."):
        fact = value[len("facts."):]
        if fact not in FACTS:
            close = hint(fact, FACTS)
            problems.error(doc.mark(path), say("unknown fact", fact=fact, hint=close,
                                               fix="正しい事実名に直してください" if close else "手引き3章の事実名を使ってください"))
    elif value not in BINDINGS:
        problems.error(doc.mark(path), _form(f"印刷する値 '{value}' はありません{hint(value, BINDINGS)}。"
                                             "docs/forms-format.md の一覧にある値か facts.<事実名> を書いてください"))


def _check_raw(doc: Document, problems: Problems, parts: dict) -> None:
    """Bindings and part names straight from the YAML, so they are reported even when another cell of the
    same template is invalid (pydantic then rejects the whole template)."""
    data = doc.data if isinstance(doc.data, dict) else {}
    sections = data.get("sections") if isinstance(data.get("sections"), list) else []
    for i, sec in enumerate(sections):
        if not isinstance(sec, dict):
            continue
        if isinstance(sec.get("part"), str) and parts and sec["part"] not in parts:
            problems.error(doc.mark(("sections", i, "part")),
                           _form(f"部品 '{sec['part']}' は _parts.yaml にありません{hint(sec['part'], parts)}"))
        for r, row in enumerate(sec.get("rows") or []):
            for c, cell in enumerate(row if isinstance(row, list) else []):
                if isinstance(cell, dict) and "value" in cell:
                    _check_binding(doc, problems, ("sections", i, "rows", r, c, "value"), cell["value"])
    for i, f in enumerate(data.get("fields") or []):
        if isinstance(f, dict) and "value" in f:
            _check_binding(doc, problems, ("fields", i, "value"), f["value"])


def _check_fields(doc: Document, problems: Problems, paths: list[tuple], fields: list[FieldSpec], *, drawn: bool,
                  section: Section | None = None, base: tuple = ()) -> None:
    for path, f in zip(paths, fields):
        if f.value is not None:
            _check_binding(doc, problems, path + ("value",), f.value)
        if drawn:
            if not f.label and f.kind != "fixed":
                problems.error(doc.mark(path), _form("線で描く様式の欄には 'label:'（見出し）を書いてください"))
            for key in ("left", "top"):
                if getattr(f, key) is not None:
                    problems.error(doc.mark(path + (key,), key=True),
                                   _form(f"'{key}' は背景PDFに重ねる様式の位置です。線で描く様式の欄は 'w' だけで幅を決めます"))
        else:
            for key in ("left", "top", "w", "h"):
                if getattr(f, key) is None:
                    problems.error(doc.mark(path), _form(f"背景PDFに重ねる欄には '{key}'（mm）を書いてください"))
    if drawn and section is not None:
        for r, cells in enumerate(section.rows or []):
            total = sum(c.w or 0 for c in cells)
            if total > 1.0001:
                problems.error(doc.mark(base + ("rows", r)), _form(f"欄の幅（w）の合計が {total:g} で、1行（1）を超えています"))
