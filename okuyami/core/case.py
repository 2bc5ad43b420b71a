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
from .messages import say
from .problems import InvalidInput, Mark, Problems, hint
from .yamlio import Document, StrictModel, load_file, load_text, our_error, validate

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
        raise our_error("case", what="氏名は、氏と名をスペースで区切って書いてください（山田 太郎、SMITH JOHN）")
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
        raise our_error("case", what="フリガナはカタカナで、氏名と同じようにスペースで区切って書いてください（ヤマダ タロウ）")
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
            raise our_error("case", what="電話番号は数字とハイフンで書いてください（例：090-1234-5678）")
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
        problems.error(doc.mark(base), say("case", what="ケースファイルには deceased:、applicant:、funeral:、facts: を"
                                                         "『キー: 値』の形で書きます"))
        return None
    before = len(problems.errors)
    facts = data.get("facts")
    if isinstance(facts, dict):
        for key, value in facts.items():
            path = base + ("facts", key)
            d = catalogue.get(key)
            if d is None:
                close = hint(key, catalogue)
                problems.error(doc.mark(path, key=True), say(
                    "unknown fact", fact=key, hint=close,
                    fix="正しい事実名に直してください" if close else "市独自の事実なら、そのルールを --rules で指定してください"))
                continue
            expected = check_value(d, value)
            if expected:
                from .messages import quoted
                problems.error(doc.mark(path), say("wrong type", name=f"'{key}'", expected=expected, got=quoted(value),
                                                   fix=""))
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
                       say("case", what=f"死亡日 {dec.death_date} が生年月日 {dec.birth_date} より前です。日付を確かめてください"))
    if dec.death_date > today:
        problems.error(doc.mark(base + ("deceased", "death_date")),
                       say("case", what=f"死亡日 {dec.death_date} が今日（{today}）より後です。日付を確かめてください"))
    if case.funeral and case.funeral.date and case.funeral.date < dec.death_date:
        problems.error(doc.mark(base + ("funeral", "date")),
                       say("case", what=f"葬儀日 {case.funeral.date} が死亡日 {dec.death_date} より前です。日付を確かめてください"))
    if "age_at_death" in case.facts and isinstance(case.facts["age_at_death"], int) \
            and case.facts["age_at_death"] != case.age_at_death:
        problems.error(doc.mark(base + ("facts", "age_at_death")),
                       say("case", what=f"age_at_death {case.facts['age_at_death']} が日付から計算した年齢"
                                        f"（{case.age_at_death}歳）と合いません。age_at_death は書かなくても計算されます"))
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
            problems.cause(Mark(doc.file), say("empty file", what="deceased:（故人）などを書いてください"))
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
