"""What the printed documents can show (差し込みデータ): the case, the evaluation and the city, by binding name.

A form template binds a field to one of :data:`BINDINGS` (``value: deceased.name``); ``facts.<fact>`` is also
allowed (printed as はい / いいえ / the value's label). Whatever the family has not told us stays ``None`` and the
field is left blank for them to write by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..core.case import Case, split_name
from ..core.engine import REQUIRED, Evaluation
from ..core.facts import FACTS, UNKNOWN_LITERAL
from ..core.rulebook import Rulebook

#: binding name → what it is (shown by ``okuyami rules check`` when a template names an unknown one)
BINDINGS: dict[str, str] = {
    "deceased.name": "故人の氏名", "deceased.kana": "故人のフリガナ", "deceased.sex": "故人の性別 (male/female)",
    "deceased.birth_date": "故人の生年月日", "deceased.death_date": "死亡年月日",
    "deceased.loss_date": "資格喪失日（死亡日の翌日）", "deceased.age": "死亡時の年齢",
    "deceased.address": "故人の住所", "deceased.registered_domicile": "故人の本籍",
    "deceased.family_name": "故人の氏（分けられない氏名は全体）", "deceased.given_name": "故人の名",
    "applicant.family_name": "届出人の氏（分けられない氏名は全体）", "applicant.given_name": "届出人の名",
    "mourner.family_name": "喪主の氏（分けられない氏名は全体）", "mourner.given_name": "喪主の名",
    "applicant.name": "届出人の氏名", "applicant.kana": "届出人のフリガナ", "applicant.relationship": "届出人の続柄",
    "applicant.birth_date": "届出人の生年月日", "applicant.address": "届出人の住所", "applicant.phone": "届出人の電話",
    "funeral.date": "葬儀日", "funeral.chief_mourner": "喪主の氏名",
    "mourner.name": "喪主の氏名", "mourner.address": "喪主の住所（来庁者が喪主本人と確認したとき）",
    "mourner.phone": "喪主の電話（来庁者が喪主のとき）", "mourner.relationship": "喪主の続柄（来庁者が喪主のとき）",
    "municipality.name": "市の名前", "municipality.mayor": "市長（あて先）",
    "municipality.corner_phone": "おくやみコーナーの電話",
    "case.number": "案件番号", "today": "発行日",
    "procedures.using_this_form": "この様式を使う手続き（該当するもの。委任状の委任事項など）",
}


def fact_text(fact: str, value: Any) -> str | None:
    if value is None or value == UNKNOWN_LITERAL:
        return None
    return FACTS[fact].label(value)


@dataclass
class Context:
    """Resolved values for one case: ``ctx.get("deceased.name")``."""

    values: dict[str, Any]

    def get(self, binding: str, form: str | None = None) -> Any:
        if binding == "procedures.using_this_form":
            return self.values.get(f"procedures.using:{form}", [])
        return self.values.get(binding)

    def printable(self) -> dict[str, str]:
        """Every text value that may be printed, by binding (for the glyph check)."""
        out = {}
        for key, value in self.values.items():
            if key.endswith((".family_name", ".given_name")):
                continue  # parts of a name, checked (and located) as the whole name
            if isinstance(value, str):
                out[key] = value
            elif isinstance(value, list):
                out[key] = "\n".join(str(v) for v in value)
        return out


def build_context(book: Rulebook, case: Case, result: Evaluation, today: dt.date,
                  number: int | None = None) -> Context:
    """``number``: the stored case's 案件番号 (the same number the app, the letter, exports and ``cases list
    --search`` use); a case file has none, and then nothing is printed for it."""
    d, a, f = case.deceased, case.applicant, case.funeral
    mourner_is_visitor = mourner_is_applicant(case) is True
    muni = book.root.municipality
    v: dict[str, Any] = {
        "deceased.name": d.name, "deceased.kana": d.kana, "deceased.sex": d.sex,
        "deceased.birth_date": d.birth_date, "deceased.death_date": d.death_date,
        "deceased.loss_date": d.death_date + dt.timedelta(days=1), "deceased.age": str(case.age_at_death),
        "deceased.address": d.address, "deceased.registered_domicile": d.registered_domicile,
        "applicant.name": a.name if a else None, "applicant.kana": a.kana if a else None,
        "applicant.relationship": a.relationship if a else None,
        "applicant.birth_date": a.birth_date if a else None, "applicant.address": a.address if a else None,
        "applicant.phone": a.phone if a else None,
        "funeral.date": f.date if f else None, "funeral.chief_mourner": f.chief_mourner if f else None,
        "mourner.name": f.chief_mourner if f else None,
        "mourner.address": a.address if mourner_is_visitor else None,
        "mourner.phone": a.phone if mourner_is_visitor else None,
        "mourner.relationship": a.relationship if mourner_is_visitor else None,
        **_split("deceased", d.name), **_split("applicant", a.name if a else None),
        **_split("mourner", f.chief_mourner if f else None),
        "municipality.name": muni.name, "municipality.mayor": f"{muni.name}長",
        "municipality.corner_phone": muni.corner.phone,
        "case.number": str(number) if number is not None else None, "today": today,
    }
    for p in result.procedures:  # form id → titles of the procedures that apply and use that form
        if p.status == REQUIRED:
            for form in p.rule.spec.forms:
                v.setdefault(f"procedures.using:{form}", []).append(p.title)
    for fact in FACTS:
        v[f"facts.{fact}"] = fact_text(fact, case.facts.get(fact))
    return Context(v)


def _split(who: str, name: str | None) -> dict[str, str | None]:
    family, given = split_name(name)
    return {f"{who}.family_name": family, f"{who}.given_name": given}


def _same_name(x: str, y: str) -> bool:
    return x.replace("\u3000", " ").split() == y.replace("\u3000", " ").split()


#: The fact by which the clerk says the visitor is the 喪主 (declared by the default rulebook's question with
#: ``for_forms: true``). Only a "はい" lets the 喪主 boxes take the visitor's address, phone and 続柄: two people
#: of the same name are not assumed to be one.
MOURNER_IS_APPLICANT = "mourner_is_applicant"


def mourner_is_applicant(case: Case) -> bool | None:
    """True / False as the clerk answered; None when not asked (then the names decide only the 委任状)."""
    value = case.facts.get(MOURNER_IS_APPLICANT)
    return value if isinstance(value, bool) else None


def visitor_acts_for_another(case: Case) -> bool:
    """The visitor is not the 喪主 (a 委任状 from the 喪主 is then needed for the 葬祭費 and the like)."""
    a, f = case.applicant, case.funeral
    if not (a and f and f.chief_mourner):
        return False
    said = mourner_is_applicant(case)
    return not said if said is not None else not _same_name(a.name, f.chief_mourner)
