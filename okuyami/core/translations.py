"""Translations in the rulebook (翻訳): English and やさしい日本語 beside each Japanese text.

A translatable text ``title:`` may have ``title_en:`` (English) and ``title_easy:`` (やさしい日本語) written
right under it, as sibling keys::

    - code: setainushi_henko
      title: 世帯主変更届
      title_en: Change of head of household
      title_easy: 世帯主（せたいぬし）を かえる 届け（とどけ）

A list (``bring:``) is translated by a list of the same length (``bring_en:``, ``bring_easy:``). Every key is
optional: an old rulebook stays valid, the sheet falls back to the Japanese text (and marks it), and
:func:`check_translations` warns — never errors — naming file:line and the owning department.

The mixins below add the translation keys to the schema models of :mod:`okuyami.core.rulebook`.
"""

from __future__ import annotations

from typing import Annotated, Any

from annotated_types import MaxLen  # pydantic's own dependency
from pydantic import AfterValidator, BaseModel, StringConstraints, create_model
from pydantic_core import PydanticCustomError

from .messages import say
from .problems import Problems, display_path
from .yamlio import load_file

LANGUAGES = ("ja", "en", "easy-ja")
SUFFIX = {"en": "_en", "easy-ja": "_easy"}  # the key suffix of each language besides ja
LANGUAGE_NAMES = {"en": "English", "easy-ja": "やさしい日本語"}


#: The longest text a department may write, by key (characters; a translation may be twice as long): what fits
#: on the guidance sheet. ``rules check`` and ``rules import-xlsx`` refuse a longer one.
TEXT_LIMITS = {"title": 80, "name": 80, "bring": 120, "note": 1000, "reason": 300, "late": 500, "deadline": 100,
               "text": 200, "hint": 300, "place": 120, "hours": 120, "floor": 40, "number": 40, "address": 200,
               "phone": 40, "meaning": 120, "basis": 300, "source": 500}
DEFAULT_LIMIT = 500
MAX_ITEMS = 100  # items in one list (what to bring, forms, opening hours)


def _nonblank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("empty_text", "empty")
    return value


def text(key: str, *, translation: bool = False) -> Any:
    """The type of a text of the rulebook: not empty, not longer than its limit (see :data:`TEXT_LIMITS`)."""
    limit = TEXT_LIMITS.get(key, DEFAULT_LIMIT) * (2 if translation else 1)
    return Annotated[str, StringConstraints(max_length=limit), AfterValidator(_nonblank)]


def texts(key: str, *, translation: bool = False) -> Any:
    """A list of texts (what to bring): each one a :func:`text`, at most :data:`MAX_ITEMS` of them."""
    return Annotated[list[text(key, translation=translation)], MaxLen(MAX_ITEMS)]


def _mixin(name: str, *fields: str, lists: tuple[str, ...] = ()) -> type[BaseModel]:
    spec: dict[str, Any] = {}
    for f in fields:
        for suffix in SUFFIX.values():
            spec[f + suffix] = (text(f, translation=True) | None, None)
    for f in lists:
        for suffix in SUFFIX.values():
            spec[f + suffix] = (texts(f, translation=True) | None, None)
    model = create_model(name, **spec)
    model.__translated__ = fields + lists  # type: ignore[attr-defined]
    return model


# which texts of which part of the rulebook can be translated
NameT = _mixin("NameT", "name")  # offices, departments, the municipality
CounterT = _mixin("CounterT", "name", "floor", "number", "hours", "note")
AgencyT = _mixin("AgencyT", "name", "hours", "note")
CornerT = _mixin("CornerT", "name", "place", "hours")
QuestionT = _mixin("QuestionT", "text")
ProcedureT = _mixin("ProcedureT", "title", "reason", "note", "deadline", "late", lists=("bring",))


def translated(obj: Any, key: str, lang: str, original: Any = None) -> tuple[Any, bool]:
    """(text, fell_back): the ``lang`` translation of ``obj.key``, or the Japanese original when there is none
    (``fell_back`` True). ``original`` overrides the Japanese text (e.g. a deadline's ``text``)."""
    ja = getattr(obj, key, None) if original is None else original
    if lang == "ja" or ja in (None, "", []):
        return ja, False
    value = getattr(obj, key + SUFFIX[lang], None)
    if value in (None, "", []) or (isinstance(ja, list) and len(value) != len(ja)):
        return ja, True
    return value, False


# --- rules check: which texts lack a translation -----------------------------------------------------------

def _auto(key: str, value: Any, model: Any) -> bool:
    """Texts the app translates by itself (a floor such as 2階, a counter number, the default hours)."""
    import re

    if key == "floor" and isinstance(value, str) and re.fullmatch(r"[0-9０-９]+階", value):
        return True
    if key == "number" and isinstance(value, int):
        return True
    if key == "hours" and type(model).model_fields.get("hours") is not None \
            and value == type(model).model_fields["hours"].default:
        return True
    return False


_JA_NAMES = {"en": "英語", "easy-ja": "やさしい日本語"}


def _check_item(obj: Any, doc, path: tuple, owner: str, problems: Problems, what: str,
                originals: dict[str, Any] | None = None) -> None:
    for key in type(obj).__translated__:
        ja = (originals or {}).get(key, getattr(obj, key, None))
        given = {lang: getattr(obj, key + sfx, None) for lang, sfx in SUFFIX.items()}
        if ja in (None, "", []):
            for lang, value in given.items():
                if value not in (None, "", []):
                    problems.warning(doc.mark(path + (key + SUFFIX[lang],), key=True),
                                     say("translation without text", what=what, key=key + SUFFIX[lang], base=key,
                                         owner=owner))
            continue
        if _auto(key, ja, obj):
            continue
        missing = [f"{_JA_NAMES[lang]}（{key}{SUFFIX[lang]}）" for lang, v in given.items() if v in (None, "", [])]
        if missing:
            shown = "、".join(ja) if isinstance(ja, list) else str(ja)
            shown = shown if len(shown) <= 24 else shown[:23] + "…"
            problems.warning(doc.mark(path + (key,)),
                             say("no translation", what=what, key=key, text=shown, missing="と".join(missing),
                                 owner=owner))
        for lang, value in given.items():
            if isinstance(ja, list) and isinstance(value, list) and len(value) != len(ja):
                problems.warning(doc.mark(path + (key + SUFFIX[lang],)),
                                 say("translation count", what=what, key=key + SUFFIX[lang], got=len(value), base=key,
                                     want=len(ja), owner=owner))


def check_translations(book, problems: Problems) -> None:
    """A warning for every text of the rulebook without its ``_en`` / ``_easy`` translation (file:line, and the
    department that owns the text). Warnings only: a department is never blocked by a missing translation."""
    root = book.root
    corner_owner = f"{root.municipality.corner.name}（{display_path(book.path)}）"
    doc = book.docs.get(display_path(book.path)) or load_file(book.path, display_path(book.path), Problems())
    if not isinstance(doc.data, dict):
        return

    def dept_name(dep_id: str) -> str:
        dep = root.departments.get(dep_id)
        return dep.name if dep else dep_id

    _check_item(root.municipality, doc, ("municipality",), corner_owner, problems, "市町村")
    _check_item(root.municipality.corner, doc, ("municipality", "corner"), corner_owner, problems, "おくやみコーナー")
    for oid, office in root.offices.items():
        _check_item(office, doc, ("offices", oid), corner_owner, problems, f"庁舎 '{oid}'")
    # departments' own names never reach the family's paper (their counters' names do): not checked
    for cid, counter in root.counters.items():
        _check_item(counter, doc, ("counters", cid), dept_name(counter.department), problems, f"窓口 '{cid}'")
    for aid, agency in root.agencies.items():
        _check_item(agency, doc, ("agencies", aid), corner_owner, problems, f"外部機関 '{aid}'")
    for i, q in enumerate(root.questions):
        _check_item(q, doc, ("questions", i), corner_owner, problems, f"質問 '{q.fact}'")

    for rule in book.ordered:
        ddoc = book.docs.get(rule.file)
        if ddoc is None or rule.path is None:
            continue
        spec = rule.spec
        _check_item(spec, ddoc, rule.path, dept_name(rule.department), problems,
                    f"手続き '{rule.code}'", {"deadline": spec.deadline.text})


__all__ = ["LANGUAGES", "SUFFIX", "translated", "check_translations"]
