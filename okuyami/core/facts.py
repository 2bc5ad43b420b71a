"""The fact catalogue (contract §2) and the derived facts (contract §3).

事実 — the only names a rulebook's conditions may use. The names, types and allowed values are the fixed
interface of ``../shared/reference/contract.md``; the Japanese wording of questions lives in the rulebook's
question bank, the ``meaning`` here is used for reasons (「なぜ対象か」) and error messages.

Values during evaluation are one of:
- a concrete value (``True``, ``3``, ``"kokuho"``);
- :class:`Unknown` — the family answered わからない (``unknown`` in the case file), possibly through a derived fact;
- :class:`Pending` — not answered yet; ``facts`` names the questions whose answers would settle it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Literal, Protocol

FactKind = Literal["bool", "int", "enum", "date", "text"]

UNKNOWN_LITERAL = "unknown"

#: The sensible range of each whole-number fact (an answer, a constant in a condition): a typo such as 10^23 people
#: is refused where it is written, not discovered at the counter.
INT_RANGES = {"age_at_death": (0, 130), "*": (0, 999)}


@dataclass(frozen=True)
class FactDef:
    name: str
    kind: FactKind
    meaning: str
    values: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()  # Japanese label per enum value, same order as ``values``
    derived: bool = False  # computed by the engine (contract §3)
    askable: bool = True  # can appear in a question bank (age_at_death cannot)
    unit: str = ""  # for int facts in reasons: 歳, 人
    city: bool = False  # declared by the rulebook's own question (contract §2, a city's own service)

    def label(self, value: Any) -> str:
        if self.kind == "bool":
            return "はい" if value else "いいえ"
        if self.kind == "enum" and value in self.values:
            return self.labels[self.values.index(value)]
        return str(value)

    def type_words(self) -> str:
        """What a case file may give for this fact, in Japanese (for messages)."""
        if self.kind == "bool":
            return "true・false・unknown のどれか"
        if self.kind == "int":
            low, high = INT_RANGES.get(self.name, INT_RANGES["*"])
            return f"{low}〜{high}の整数"
        if self.kind == "date":
            return "日付（YYYY-MM-DD）"
        if self.kind == "text":
            return "文字"
        return "・".join(self.values) + "・unknown のどれか"


@dataclass(frozen=True)
class Unknown:
    """わからない: the value hinges on an answer of ``unknown`` for ``facts``."""

    facts: frozenset[str]


class _NotApplicable:
    """The fact does not apply (its question's ``ask_when`` is false and ``if_not_asked: not_applicable``).

    Every comparison on it is false: ``pension_type: basic_only`` is false when no pension was received."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_APPLICABLE"

    def __reduce__(self):
        return (_NotApplicable, ())


NOT_APPLICABLE = _NotApplicable()
NOT_APPLICABLE_LITERAL = "not_applicable"


@dataclass(frozen=True)
class Pending:
    """Not answered yet; answering ``facts`` would settle it."""

    facts: frozenset[str]


def _b(name: str, meaning: str) -> FactDef:
    return FactDef(name, "bool", meaning)


FACTS: dict[str, FactDef] = {
    f.name: f
    for f in [
        _b("death_registered", "死亡届が受理済み"),
        FactDef("health_insurance", "enum", "加入していた健康保険",
                ("kokuho", "kouki", "employee", "employee_dependent", "none"),
                ("国民健康保険", "後期高齢者医療", "被用者保険（本人）", "被用者保険（被扶養者）", "加入なし")),
        _b("was_household_head", "住民票上の世帯主だった"),
        FactDef("household_remaining_15plus", "int", "残る世帯員のうち15歳以上の人数", unit="人"),
        _b("household_others_in_kokuho", "国保世帯主で、他の世帯員が国保に残る"),
        _b("funeral_held", "葬儀（葬祭）を行った"),
        _b("kaigo_certified", "要介護・要支援の認定を受けていた"),
        _b("kaigo_application_pending", "要介護認定の申請中だった"),
        _b("pension_recipient", "年金を受給していた"),
        FactDef("pension_type", "enum", "受給していた年金の種類", ("basic_only", "employee", "mutual_aid"),
                ("国民年金のみ", "厚生年金あり", "共済年金")),
        _b("employee_pension_insured", "死亡時に厚生年金に加入中（在職中）だった"),
        _b("national_pension_36_months", "国民年金第1号の保険料納付が36か月以上"),
        _b("surviving_spouse", "配偶者がいる"),
        FactDef("children_under_18", "int", "18歳到達年度末までの子の数", unit="人"),
        _b("seal_registered", "印鑑登録をしていた"),
        _b("mynumber_card", "マイナンバーカードを持っていた"),
        _b("foreign_national", "外国籍（在留カード・特別永住者証明書あり）"),
        _b("disability_certificate", "障害者手帳を持っていた"),
        _b("disability_services", "障害福祉の受給者証・医療証を持っていた"),
        _b("disability_allowance", "特別障害者手当等を受給していた"),
        _b("elderly_services", "高齢者福祉サービスを利用していた"),
        _b("child_allowance_recipient", "児童手当の受給者だった"),
        _b("child_medical_certificate", "子ども医療費・ひとり親医療の受給者（保護者）だった"),
        _b("welfare_recipient", "生活保護を受けていた"),
        _b("resident_tax_payer", "その年度の住民税が課税されていた"),
        _b("real_estate_in_city", "市内に土地・家屋を所有していた"),
        _b("unregistered_building", "未登記家屋を所有していた"),
        _b("real_estate_any", "土地・建物を所有していた（市外を含む）"),
        _b("moped_or_small_special", "原付・小型特殊を所有していた"),
        _b("kei_vehicle", "軽自動車を所有していた"),
        _b("car", "普通自動車を所有していた"),
        _b("dog_registered", "犬を登録していた"),
        _b("municipal_housing_tenant", "市営住宅の名義人だった"),
        _b("water_contract_holder", "水道の使用者名義人だった"),
        _b("municipal_cemetery_user", "市営墓地の使用者だった"),
        _b("sole_proprietor", "個人事業を営んでいた"),
        _b("final_tax_return_needed", "準確定申告が必要"),
        _b("estate_over_exemption", "遺産総額が相続税の基礎控除を超えそう"),
        _b("considering_renunciation", "相続放棄を考えている"),
        _b("farmland", "農地を所有していた"),
        _b("forest", "森林を所有していた"),
        _b("high_medical_costs", "高額な医療費の自己負担があった"),
        _b("high_care_costs", "高額な介護サービス費の自己負担があった"),
        _b("spouse_restores_surname", "配偶者が旧姓に戻ることを希望"),
        _b("spouse_ends_inlaw_relation", "配偶者が姻族関係の終了を希望"),
    ]
}

@dataclass(frozen=True)
class Intake:
    """What the intake (受付票: the case file's deceased / applicant / funeral) says, besides the answers."""

    age: int
    sex: str | None = None  # male / female; None when the intake left it blank
    applicant_relationship: str | None = None  # 続柄 as written
    funeral_date: Any = None  # dt.date or None
    chief_mourner: str | None = None  # 喪主 as written
    applicant_name: str | None = None  # 来庁者 as written


class DeriveContext(Protocol):
    intake: Intake | None  # None in the reachability check: intake facts then come from ``fact``

    def fact(self, name: str) -> Any: ...


@dataclass(frozen=True)
class Derived:
    """A derived fact (contract §3), defined once: its type and Japanese meaning (``fact``), what it is computed
    from (``inputs``: answers, for dependency tracking), and how (``compute``). ``intake`` facts come from the
    受付票 only; the reachability check tries every value of them. ``compute`` returns None when the fact does not
    follow (then its question, if any, is asked)."""

    fact: FactDef
    compute: Callable[[DeriveContext], Any]
    inputs: frozenset[str] = frozenset()
    intake: bool = False
    #: the values the reachability check tries (besides the constants a rulebook compares it with)
    tries: tuple = ()


def _age(ctx: DeriveContext) -> Any:
    return ctx.fact("age_at_death")


def _health_insurance(ctx: DeriveContext) -> Any:
    """``kouki`` if age_at_death ≥ 75 and welfare_recipient is not true (contract §3); when it is true, asked.

    "Not true" is read literally: false, わからない and *not yet answered* are all "not true". So a 75-year-old
    with nothing answered shows the 後期高齢者医療 procedures as required from the start (nine in ten people of 75
    and over are in 後期高齢; a 生活保護 recipient is the exception), never hidden while 生活保護 waits to be
    asked. If the answer later says 生活保護, the insurance is asked and those procedures go (rules diff and the
    scenarios show both). Procedures of other facts that wait for an answer (kaigo_insured between 40 and 64
    waits for kaigo_certified, an *and*) stay pending: §3 decides them only once the answer is there."""
    if _age(ctx) < 75:
        return None
    welfare = ctx.fact("welfare_recipient")
    return None if welfare is True else "kouki"


def _kaigo_insured(ctx: DeriveContext) -> Any:
    """age ≥ 65, or 40 ≤ age ≤ 64 and kaigo_certified."""
    age = _age(ctx)
    if age >= 65:
        return True
    if age < 40:
        return False
    return ctx.fact("kaigo_certified")  # True / False / Unknown / Pending pass through


def _sex(ctx: DeriveContext) -> Any:
    sex = ctx.intake.sex
    return sex if sex is not None else Unknown(frozenset({"deceased_sex"}))


def _intake_fact(name: str, meaning: str, kind: FactKind, get, *, values=(), labels=(), unit="", tries=()) -> Derived:
    return Derived(FactDef(name, kind, meaning, values, labels, derived=True, askable=False, unit=unit),
                   get, intake=True, tries=tries)


#: The derived facts (contract §3 and what the intake gives), in one place: the engine, ``rules check`` (names,
#: types, reachability) and the docs (tests/test_registry.py compares docs/rules-format.md with it) use this.
DERIVED: dict[str, Derived] = {
    d.fact.name: d
    for d in [
        _intake_fact("age_at_death", "死亡時の年齢", "int", lambda ctx: ctx.intake.age, unit="歳",
                     tries=(0, 39, 40, 64, 65, 74, 75)),
        _intake_fact("deceased_sex", "故人の性別", "enum", _sex, values=("male", "female"), labels=("男性", "女性")),
        _intake_fact("applicant_relationship", "来庁者（届出人）の続柄", "text",
                     lambda ctx: ctx.intake.applicant_relationship or "", tries=("",)),
        _intake_fact("funeral_date_given", "受付票に葬儀の日付が書かれている", "bool",
                     lambda ctx: ctx.intake.funeral_date is not None),
        _intake_fact("chief_mourner_given", "受付票に喪主の氏名が書かれている", "bool",
                     lambda ctx: bool(ctx.intake.chief_mourner)),
        _intake_fact("mourner_named_as_applicant", "受付票の喪主の氏名が来庁者と同じ", "bool",
                     lambda ctx: bool(ctx.intake.chief_mourner and ctx.intake.applicant_name)
                     and ctx.intake.chief_mourner.split() == ctx.intake.applicant_name.split()),
        Derived(FactDef("kaigo_insured", "bool", "介護保険の被保険者だった", derived=True, askable=False),
                _kaigo_insured, frozenset({"kaigo_certified", "age_at_death"})),
        # an askable fact that is derived when it follows (a given answer wins; otherwise asked)
        Derived(FACTS["health_insurance"], _health_insurance, frozenset({"welfare_recipient", "age_at_death"})),
    ]
}

for _name, _d in DERIVED.items():  # the catalogue names every fact a condition may use
    FACTS.setdefault(_name, _d.fact)

#: Which facts each derived fact is computed from (for dependency tracking and reachability checks).
DERIVED_INPUTS: dict[str, frozenset[str]] = {name: d.inputs for name, d in DERIVED.items()}


def age_in_years(birth, death) -> int:
    """Whole years from ``birth`` to ``death`` (満年齢)."""
    years = death.year - birth.year
    if (death.month, death.day) < (birth.month, birth.day):
        years -= 1
    return years


def check_value(fact: FactDef, value: Any) -> str | None:
    """None when ``value`` is allowed for ``fact`` in a case file, else what is expected."""
    if value == UNKNOWN_LITERAL and fact.kind in ("bool", "enum"):
        return None
    if fact.kind == "bool":
        ok = isinstance(value, bool)
    elif fact.kind == "int":
        low, high = INT_RANGES.get(fact.name, INT_RANGES["*"])
        ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    elif fact.kind == "date":
        ok = isinstance(value, dt.date)
    elif fact.kind == "text":
        ok = isinstance(value, str)
    else:
        ok = isinstance(value, str) and value in fact.values
    return None if ok else fact.type_words()
