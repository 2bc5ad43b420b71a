"""The case file (contract §1): who died, who came to the counter, the funeral, and the answers (facts).

事案ファイル — what a counter session produces. Validation is strict and located: unknown keys, wrong types,
impossible dates, a death before the birth or in the future are errors naming the file, line and key, and
nothing is evaluated.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path
from typing import Any, Literal

from pydantic import field_validator

from .facts import FACTS, age_in_years, check_value
from .problems import InvalidInput, Mark, Problems, did_you_mean
from .yamlio import Document, StrictModel, load_file, load_text, validate

CASE_FORMAT = "okuyami-case/1"

_NAME = re.compile(r"^\S+([ \u3000]+\S+)*$")
_KANA = re.compile(r"^[\u30A0-\u30FF\u31F0-\u31FF]+([ \u3000]+[\u30A0-\u30FF\u31F0-\u31FF]+)*$")
_PHONE = re.compile(r"^[0-9０-９\-－()（） ]{6,}$")


def _check_name(v: str | None) -> str | None:
    """氏名 (contract §1): one or more parts separated by spaces (全角・半角), in any script — 山田 太郎,
    グエン ヴァン アン, SMITH JOHN WILLIAM, or 山田太郎 typed without a space."""
    if v is None:
        return v
    if not _NAME.match(v.strip()):
        raise ValueError("write the name, its parts separated by spaces (山田 太郎, SMITH JOHN)")
    return v.strip()


def split_name(name: str | None) -> tuple[str | None, str | None]:
    """(氏, 名) for forms with separate boxes: the first part is the family name, the rest the given name
    (contract §1). A name typed without a space cannot be split: it goes whole into the 氏 box, 名 stays empty."""
    if not name:
        return None, None
    parts = name.replace("\u3000", " ").split()
    if len(parts) == 1:
        return parts[0], None
    return parts[0], " ".join(parts[1:])


def _check_kana(v: str | None) -> str | None:
    if v is None:
        return v
    v = unicodedata.normalize("NFKC", v).strip()  # half-width ｶﾅ → full-width
    if not _KANA.match(v):
        raise ValueError("フリガナ must be katakana, its parts separated by spaces like the name (ヤマダ タロウ)")
    return v



class Deceased(StrictModel):
    """故人."""

    name: str
    kana: str | None = None
    sex: Literal["male", "female"] | None = None
    birth_date: dt.date
    death_date: dt.date
    address: str | None = None
    registered_domicile: str | None = None  # 本籍

    _name = field_validator("name")(_check_name)
    _kana = field_validator("kana")(_check_kana)


class Applicant(StrictModel):
    """届出人・来庁者."""

    name: str
    kana: str | None = None
    relationship: str | None = None  # 続柄, as written on forms
    birth_date: dt.date | None = None
    address: str | None = None
    phone: str | None = None

    _name = field_validator("name")(_check_name)
    _kana = field_validator("kana")(_check_kana)

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        if v is not None and not _PHONE.match(v):
            raise ValueError("a phone number is digits and hyphens, e.g. 090-1234-5678")
        return v


class Funeral(StrictModel):
    """葬儀."""

    date: dt.date | None = None
    chief_mourner: str | None = None  # 喪主


class Case(StrictModel):
    """A whole case file. ``facts`` holds answers: concrete values or the literal ``unknown`` (わからない)."""

    format: Literal["okuyami-case/1"] = CASE_FORMAT
    deceased: Deceased
    applicant: Applicant | None = None
    funeral: Funeral | None = None
    facts: dict[str, Any] = {}

    @property
    def age_at_death(self) -> int:
        return age_in_years(self.deceased.birth_date, self.deceased.death_date)


def check_case(doc: Document, problems: Problems, *, today: dt.date | None = None,
               base: tuple = (), facts: dict | None = None) -> Case | None:
    """Validate a loaded case (the whole document, or the mapping at ``base`` inside it). ``facts`` is the
    rulebook's catalogue (``Rulebook.facts``: with the city's own facts); without it, the contract's."""
    catalogue = facts if facts is not None else FACTS
    data = doc.data
    for key in base:
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and key < len(data):
            data = data[key]
        else:
            data = None
    if not isinstance(data, dict):
        problems.error(doc.mark(base), "a case is a mapping with deceased:, applicant:, funeral: and facts:")
        return None
    before = len(problems.errors)
    facts = data.get("facts")
    if isinstance(facts, dict):
        for key, value in facts.items():
            path = base + ("facts", key)
            d = catalogue.get(key)
            if d is None:
                problems.error(doc.mark(path, key=True), f"unknown fact '{key}'{did_you_mean(key, catalogue)}"
                                                         f"{'' if facts is not None else ' (a fact of a city rulebook? give it with --rules)'}")
                continue
            expected = check_value(d, value)
            if expected:
                problems.error(doc.mark(path), f"'{key}' must be {expected}, not {value!r}")
    payload = dict(data)
    if payload.get("facts") is None:
        payload["facts"] = {}
    case = validate(Case, doc, problems, data=payload, base=base)
    if case is None or len(problems.errors) > before:
        return None
    dec = case.deceased
    today = today or dt.date.today()
    if dec.death_date < dec.birth_date:
        problems.error(doc.mark(base + ("deceased", "death_date")),
                       f"the death date {dec.death_date} is before the birth date {dec.birth_date}")
    if dec.death_date > today:
        problems.error(doc.mark(base + ("deceased", "death_date")),
                       f"the death date {dec.death_date} is in the future (today is {today})")
    if case.funeral and case.funeral.date and case.funeral.date < dec.death_date:
        problems.error(doc.mark(base + ("funeral", "date")),
                       f"the funeral date {case.funeral.date} is before the death date {dec.death_date}")
    if "age_at_death" in case.facts and isinstance(case.facts["age_at_death"], int) \
            and case.facts["age_at_death"] != case.age_at_death:
        problems.error(doc.mark(base + ("facts", "age_at_death")),
                       f"age_at_death {case.facts['age_at_death']} does not match the dates "
                       f"({case.age_at_death}); leave it out and it is computed")
    return None if len(problems.errors) > before else case


def load_case(path: Path, shown_as: str | None = None, *, today: dt.date | None = None,
              facts: dict | None = None) -> Case:
    """Load and validate a case file; raises :class:`InvalidInput` with every located problem."""
    return load_case_doc(path, shown_as, today=today, facts=facts)[0]


def load_case_doc(path: Path, shown_as: str | None = None, *, today: dt.date | None = None,
                  facts: dict | None = None) -> tuple[Case, Document]:
    """Like :func:`load_case`, also returning the document (its marks locate later problems, e.g. a glyph)."""
    problems = Problems()
    doc = load_file(path, shown_as or str(path), problems)
    case = None if doc.data is None else check_case(doc, problems, today=today, facts=facts)
    if problems or case is None:
        if not problems:
            problems.error(Mark(doc.file), "empty case file")
        raise InvalidInput(problems.sorted())
    return case, doc


def parse_case_text(text: str, name: str = "<case>", *, today: dt.date | None = None,
                    facts: dict | None = None) -> Case:
    problems = Problems()
    doc = load_text(text, name, problems)
    case = None if doc.data is None else check_case(doc, problems, today=today, facts=facts)
    if problems or case is None:
        raise InvalidInput(problems.sorted())
    return case
