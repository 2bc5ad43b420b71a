"""外字 at printing (外字の印刷): a private-use character (U+E000–U+F8FF) — a city's own 外字, as the 住基 export
brings it — prints as nothing a family can read (no font has the city's glyph at that code point), so before
anything prints the clerk decides, per case and per character, how it prints:

- written by hand (手書き): it prints as 〓 in its place, and the clerk or the family writes the character in;
- a substitute the clerk types (代わりの字): e.g. 吉 for 𠮷's 外字 form, printed instead.

The choice is stored with the case (``Store.set_gaiji_choice``); it is applied only to what prints
(:func:`apply_choices`): the stored name keeps the private-use character, so a later export to the core system
gives back the same code. :func:`warnings_for` gives the 外字 lines of ``cases show --format json``.
"""

from __future__ import annotations

from typing import Any, Iterable

from ..core.case import Case
from .fonts import MISSING_MARK

HANDWRITTEN = ""  # the stored choice "to be written by hand": prints as 〓
PARTS = ("deceased", "applicant", "funeral")
FIELD_JA = {"deceased.name": "故人の氏名", "deceased.kana": "故人のフリガナ", "deceased.address": "故人の住所",
            "deceased.registered_domicile": "故人の本籍", "applicant.name": "届出人の氏名",
            "applicant.address": "届出人の住所", "applicant.relationship": "届出人の続柄",
            "funeral.chief_mourner": "喪主の氏名"}


def is_gaiji(ch: str) -> bool:
    return 0xE000 <= ord(ch) <= 0xF8FF


def gaiji_in(text: Any) -> list[str]:
    out: list[str] = []
    if isinstance(text, str):
        for ch in text:
            if is_gaiji(ch) and ch not in out:
                out.append(ch)
    return out


def found_in_people(people: dict[str, dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(field, its text, 外字) for every private-use character in ``{"deceased": {...}, ...}``, in order."""
    out = []
    for part in PARTS:
        for key, value in (people.get(part) or {}).items():
            for ch in gaiji_in(value):
                out.append((f"{part}.{key}", value, ch))
    return out


def found_in_case(case: Case) -> list[tuple[str, str, str]]:
    people = {part: (getattr(case, part).model_dump() if getattr(case, part) is not None else {}) for part in PARTS}
    return found_in_people(people)


def unresolved(chars: Iterable[str], choices: dict[str, str]) -> list[str]:
    """The 外字 for which no choice was made yet (printing waits for them)."""
    out: list[str] = []
    for ch in chars:
        if ch not in choices and ch not in out:
            out.append(ch)
    return out


def printed_as(ch: str, choices: dict[str, str]) -> str:
    return choices.get(ch) or MISSING_MARK


def replace(text: str, choices: dict[str, str]) -> str:
    return "".join(printed_as(c, choices) if is_gaiji(c) else c for c in text)


def apply_choices(case: Case, choices: dict[str, str]) -> Case:
    """The case as it prints: every private-use character replaced by its substitute, or 〓 (written by hand)."""
    updates = {}
    for part in PARTS:
        section = getattr(case, part)
        if section is None:
            continue
        changed = {k: replace(v, choices) for k, v in section.model_dump().items() if gaiji_in(v)}
        if changed:
            updates[part] = section.model_copy(update=changed)
    return case.model_copy(update=updates) if updates else case


def describe_choice(ch: str, choices: dict[str, str]) -> str:
    if ch not in choices:
        return "印刷方法が未定"
    return "手書き（〓で印刷）" if choices[ch] == HANDWRITTEN else f"「{choices[ch]}」で印刷"


def warnings_for(people: dict[str, dict[str, Any]], choices: dict[str, str] | None = None) -> list[str]:
    """``外字あり: deceased.name U+E000（印刷方法が未定）`` — one line per field with 外字."""
    choices = choices or {}
    by_field: dict[str, list[str]] = {}
    for field, _text, ch in found_in_people(people):
        by_field.setdefault(field, []).append(ch)
    return [f"外字あり: {field} " + " ".join(f"U+{ord(c):04X}" for c in chars)
            + "（" + "・".join(describe_choice(c, choices) for c in chars) + "）"
            for field, chars in by_field.items()]
