"""The rulebook (ルールブック): ``rules.yaml`` (the municipality, its offices, counters, departments, outside
agencies, question bank and settings) and one file per department under ``rules/`` (its procedures).

Loading reports every problem at once, each as ``file:line:col: message`` — see :func:`load_rulebook`.
The format is described for departments in ``docs/rules-format.md``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from annotated_types import MaxLen
from pydantic import BaseModel, Field, field_validator

from . import conditions as C
from .calendar import OfficeCalendar
from .facts import (DERIVED, FACTS, NOT_APPLICABLE, NOT_APPLICABLE_LITERAL, FactDef, Pending, check_value)
from .messages import say
from .problems import InvalidInput, Mark, Problems, closest, display_path, hint
from .translations import (MAX_ITEMS, AgencyT, CornerT, CounterT, NameT, ProcedureT, QuestionT, check_translations)
from .translations import text as Text
from .translations import texts as Texts
from .yamlio import Document, StrictModel, load_file, our_error, validate, validate_each

RULES_FORMAT = "okuyami-rules/1"
CODE = re.compile(r"^[a-z][a-z0-9_]*$")

# --- schema ---------------------------------------------------------------------------------------------



def _opening_range(value: Any) -> tuple[int, int]:
    """'9:00-12:00' → (540, 720); otherwise an error in the departments' words (:func:`our_error`)."""
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*[-〜~－]\s*(\d{1,2}):(\d{2})\s*", str(value))
    if not m or int(m[1]) > 23 or int(m[3]) > 24 or int(m[2]) > 59 or int(m[4]) > 59:
        raise our_error("bad opening hours", text=value, why="時刻の範囲として読めません")
    start, end = int(m[1]) * 60 + int(m[2]), int(m[3]) * 60 + int(m[4])
    if end <= start:
        raise our_error("bad opening hours", text=value, why="終わりが始めと同じか、始めより前です")
    return start, end


class OfficeBooking(StrictModel):
    """予約枠: when families may book a visit at this office's corner (contract §9). Slots start at each opening
    range's start and follow one another every ``slot_minutes`` while a whole slot fits before the range ends."""

    slot_minutes: int = Field(60, ge=10, le=480)  # one family's visit (1組の所要時間)
    desks: int = Field(2, ge=1, le=50)  # families served at once (並行して対応できる窓口の数)
    hours: Annotated[list[str], MaxLen(24)] = ["9:00-12:00", "13:00-16:00"]  # opening ranges, e.g. 9:00-12:00
    notice_open_days: int = Field(1, ge=0, le=60)  # book at least this many 開庁日 before the visit (0: same day)
    ahead_days: int = Field(60, ge=1, le=730)  # and at most this many calendar days ahead
    place: Text("place") | None = None  # where the family goes in this office (default: the corner's place)

    def ranges(self) -> list[tuple[int, int]]:
        """The opening ranges as (start, end) in minutes after midnight, in order."""
        return sorted(_opening_range(text) for text in self.hours)

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: list[str]) -> list[str]:
        ranges = []
        for text in value:
            start, end = _opening_range(text)
            ranges.append((start, end, text))
        ranges.sort()
        for (s1, e1, t1), (s2, _e2, t2) in zip(ranges, ranges[1:]):
            if s2 < e1:
                raise our_error("overlapping hours", first=t1, second=t2)
        if not ranges:
            raise our_error("no opening hours")
        return value


class Office(StrictModel, NameT):
    """庁舎・支所."""

    name: Text("name")
    address: Text("address")
    phone: Text("phone") | None = None
    booking: OfficeBooking | None = None  # bookable times of the corner at this office (none: no bookings)


class Department(StrictModel, NameT):
    """課 (or another municipal body such as 水道局, 農業委員会)."""

    name: Text("name")
    phone: Text("phone") | None = None


class Counter(StrictModel, CounterT):
    """窓口: where the family goes. Counters are visited in the order they are listed in ``rules.yaml``."""

    name: Text("name")
    department: str
    office: str
    floor: Text("floor")
    number: Text("number") | Annotated[int, Field(ge=0, le=9999)]
    phone: Text("phone")
    hours: Text("hours") = "平日 8:30〜17:15"
    note: Text("note") | None = None


class Agency(StrictModel, AgencyT):
    """外部機関: an office outside the city hall (年金事務所, 税務署, 法務局, 家庭裁判所, …)."""

    name: Text("name")
    address: Text("address")
    phone: Text("phone")
    hours: Text("hours") | None = None
    note: Text("note") | None = None


class Corner(StrictModel, CornerT):
    """おくやみコーナー itself."""

    name: Text("name")
    office: str
    place: Text("place")
    phone: Text("phone")
    hours: Text("hours") | None = None


class Municipality(StrictModel, NameT):
    name: Text("name")
    code: str | None = None  # 全国地方公共団体コード
    corner: Corner


class SameItem(StrictModel):
    """事前案内: one thing the family brings, however the procedures word it (「届出人の本人確認書類」「喪主の本人確認
    書類」… are one 本人確認書類 for the family). A ``bring:`` text that contains one of ``words`` (and none of
    ``except``) is listed once, as ``item``; a text naming several things (「請求者の預金通帳・本人確認書類」) is
    split at 「、」「・」 when every part is such an item."""

    item: str
    words: list[str]
    except_: list[str] = Field([], alias="except")

    def matches(self, text: str) -> bool:
        return any(w in text for w in self.words) and not any(w in text for w in self.except_)


class BookingSettings(StrictModel):
    """予約 (contract §9): the city's choices for every office."""

    require_death_registered: bool = False  # book only once the death is registered (an answer or the 住基 import)
    always_bring: Texts("bring") = []  # what every visit needs (事前案内), besides the procedures' own 持ち物
    same_item: list[SameItem] = []  # 事前案内: bring texts that are one thing for the family, listed once


class FamilyPageSettings(StrictModel):
    """スマートフォンで見る: the page the city puts on its own website (``okuyami family-page``). With it, the sheet
    prints a second QR code: this address and, after '#', the family's list (okuyami/family/fragment.py)."""

    url: str  # e.g. https://www.city.example.jp/okuyami/

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        m = re.fullmatch(r"(https|http)://([A-Za-z0-9.-]+)(:[0-9]+)?(/[!-~]*)?", value)
        if not m or "#" in value:
            raise ValueError(f"'{value}' はページのアドレスとして使えません。https:// で始まり、半角英数字と記号だけで "
                             "書いてください（例: https://www.city.example.jp/okuyami/）")
        if m[1] == "http" and m[2] not in ("localhost", "127.0.0.1"):
            raise ValueError(f"'{value}' は http:// です。スマートフォンで電波がなくても見られるように、"
                             "https:// のアドレスを書いてください")
        return value


class Settings(StrictModel):
    booking: BookingSettings = BookingSettings()
    family_page: FamilyPageSettings | None = None  # without it, the sheet prints no second QR code
    rollover: Literal["next_open_day", "none"] = "next_open_day"
    extra_closed_days: list[dt.date] = []  # the city's own closed days, besides weekends, 祝日 and 12/29–1/3
    scenarios: list[str] = ["rules/scenarios"]  # folders (or files) of scenario tests, relative to rules.yaml
    forms: str = "forms_templates"  # the folder of form templates, relative to rules.yaml
    verified_max_age_days: int = Field(365, ge=1, le=3650)
    retention_days: int = Field(1825, ge=1, le=36500)  # okuyami db purge: closed cases are kept this many days (保存期間), then removed


class Question(StrictModel, QuestionT):
    """A question of the bank: how the clerk asks for one fact."""

    fact: str
    text: Text("text")
    hint: Text("hint") | None = None
    choices: dict[str, Text("name")] | None = None  # enum facts: a label for every value
    ask_when: Any = None  # a condition; while it is false the question is not asked…
    if_not_asked: Any = None  # …and the fact takes this value (or not_applicable: every test on it is false)
    type: Literal["bool", "count", "date"] | None = None  # a fact of the city's own: its type (or 'choices:')
    meaning: Text("meaning") | None = None  # a fact of the city's own: what it means, for reasons (「敬老パスを持っていた」)
    derive: list[Any] | None = None  # [{when: condition, value: V}]: the answer when the intake already says it
    group: str | None = None  # questions of one group are answered on one checklist screen
    for_forms: bool = False  # asked for what the forms print (no procedure tests it), e.g. 喪主 = 来庁者


class Root(StrictModel):
    format: Literal["okuyami-rules/1"]
    municipality: Municipality
    offices: dict[str, Office]
    departments: dict[str, Department]
    counters: dict[str, Counter]
    agencies: dict[str, Agency] = {}
    settings: Settings = Settings()
    questions: list[Question]
    include: list[str]


MAX_DAYS, MAX_MONTHS, MAX_YEARS = 3650, 120, 10  # no procedure after a death has a longer deadline than 10 years


class DeadlineSpec(StrictModel):
    """期限. One of days / months / years, or none of them for a deadline without a date (``text`` says it)."""

    days: int | None = Field(None, ge=1, le=MAX_DAYS)
    months: int | None = Field(None, ge=1, le=MAX_MONTHS)
    years: int | None = Field(None, ge=1, le=MAX_YEARS)
    from_: Literal["death", "funeral"] = Field("death", alias="from")
    count_first_day: bool = False
    rollover: Literal["next_open_day", "none"] | None = None
    text: Text("deadline") | None = None

    @property
    def has_period(self) -> bool:
        return any(v is not None for v in (self.days, self.months, self.years))

    def describe(self) -> str:
        """「死亡日から14日以内」 — how the deadline is counted, for people."""
        if self.text:
            return self.text
        if not self.has_period:
            return "期限なし"
        start = "死亡日" if self.from_ == "death" else "葬儀日"
        if self.days is not None:
            span = f"{self.days}日"
        elif self.months is not None:
            span = f"{self.months}か月"
        else:
            span = f"{self.years}年"
        return f"{start}{'を含めて' if self.count_first_day else 'から'}{span}以内"


class Provenance(StrictModel):
    """出典: where the rule comes from and who keeps it current."""

    basis: Text("basis") | None = None  # legal basis (根拠法令)
    source: Text("source") | None = None  # where it was read (URL, 例規, 通知)
    owner: str | None = None  # owning department id; defaults to the file's department
    verified: dt.date | None = None  # last verified


class ProcedureSpec(StrictModel, ProcedureT):
    code: str
    title: Text("title")
    counter: str | None = None
    agency: str | None = None
    when: Any
    deadline: DeadlineSpec
    bring: Texts("bring") = []
    forms: Annotated[list[str], MaxLen(MAX_ITEMS)] = []
    reason: Text("reason") | None = None
    note: Text("note") | None = None
    late: Text("late") | None = None  # what to do once the deadline has passed (期限を過ぎたら)
    provenance: Provenance

    @field_validator("deadline", mode="before")
    @classmethod
    def _none(cls, v: Any) -> Any:
        return {} if v == "none" else v


class DepartmentFile(StrictModel):
    department: str
    procedures: list[ProcedureSpec]


# --- the loaded rulebook --------------------------------------------------------------------------------


@dataclass
class Rule:
    """A procedure of the rulebook, with its compiled condition."""

    spec: ProcedureSpec
    when: C.Node
    department: str  # owning department id
    file: str
    mark: Mark
    index: int = 0  # position in visiting order
    path: tuple | None = None  # where the procedure is in its file's document (("procedures", 3))
    file_department: str = ""  # the department of the file it lives in ('department:' of rules/xxx.yaml)

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def title(self) -> str:
        return self.spec.title


@dataclass
class QuestionRule:
    spec: Question
    gate: C.Node | None
    mark: Mark
    mark_path: tuple = ()
    derive: list[tuple[C.Node, Any]] = field(default_factory=list)  # (when, value), first that holds wins

    @property
    def fact(self) -> str:
        return self.spec.fact

    @property
    def group(self) -> str | None:
        return self.spec.group

    def conditions(self) -> list[C.Node]:
        """Every condition the question reads (its gate and its derive entries)."""
        return ([self.gate] if self.gate is not None else []) + [when for when, _ in self.derive]


@dataclass
class Rulebook:
    root: Root
    path: Path
    rules: dict[str, Rule]
    questions: dict[str, QuestionRule]  # by fact, in bank order
    calendar: OfficeCalendar
    int_constants: dict[str, set] = field(default_factory=dict)  # constants compared with each fact
    facts: dict[str, FactDef] = field(default_factory=lambda: dict(FACTS))  # contract + derived + the city's own
    docs: dict[str, Document] = field(default_factory=dict)  # every file read, by the name shown in messages
    files: dict[str, Path] = field(default_factory=dict)  # the same names → the files

    @property
    def question_order(self) -> dict[str, int]:
        order = self.__dict__.get("_question_order")
        if order is None:
            order = self.__dict__["_question_order"] = {f: i for i, f in enumerate(self.questions)}
        return order

    @property
    def form_questions(self) -> list[str]:
        """Facts asked for the forms only (``for_forms: true``), in bank order."""
        return [f for f, q in self.questions.items() if q.spec.for_forms]

    @property
    def ordered(self) -> list[Rule]:
        return sorted(self.rules.values(), key=lambda r: r.index)

    def place_of(self, rule: Rule) -> tuple[str, str]:
        """(kind, id): ("counter", "shimin_koseki") or ("agency", "nenkin_jimusho")."""
        if rule.spec.counter:
            return "counter", rule.spec.counter
        return "agency", rule.spec.agency or ""

    def department_name(self, rule: Rule) -> str:
        if rule.spec.counter:
            counter = self.root.counters[rule.spec.counter]
            return self.root.departments[counter.department].name
        return self.root.agencies[rule.spec.agency].name

    @property
    def forms_dir(self) -> Path:
        return self.path.parent / self.root.settings.forms

    def scenario_paths(self) -> list[Path]:
        base = self.path.parent
        out: list[Path] = []
        for entry in self.root.settings.scenarios:
            p = base / entry
            if p.is_dir():
                out.extend(sorted(p.glob("*.yaml")))
            elif p.exists():
                out.append(p)
        return out


def default_rules_path() -> Path:
    """Where the default rulebook is: ``$OKUYAMI_RULES``, the source checkout, or the installed copy."""
    env = os.environ.get("OKUYAMI_RULES")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[2] / "rules.yaml"
    if here.exists():
        return here
    bundled = Path(getattr(sys, "_MEIPASS", "")) / "rules.yaml"
    if getattr(sys, "_MEIPASS", None) and bundled.exists():
        return bundled
    return Path(sys.prefix) / "share" / "okuyami" / "rules.yaml"


def load_rulebook(path: Path | str | None = None) -> Rulebook:
    """Load, validate and check a rulebook; raises :class:`InvalidInput` listing every problem."""
    book, problems = check_rulebook(path)
    if problems.errors or book is None:
        raise InvalidInput(problems.sorted())
    return book


def check_rulebook(path: Path | str | None = None, *, today: dt.date | None = None,
                   texts: dict[Path, str] | None = None, spans: bool = False) -> tuple[Rulebook | None, Problems]:
    """Load a rulebook and return it (None when unusable) with every problem found, and provenance warnings
    (a procedure without a legal basis or source, or not verified within ``settings.verified_max_age_days``).

    ``texts`` gives the content of some files (by resolved path) instead of what is on disk: a change checked
    before it is written (``rules import-xlsx``). ``spans`` keeps every node's place in the text (for writing)."""
    path = Path(path) if path is not None else default_rules_path()
    problems = Problems()
    loader = _Loader(path, problems, texts or {}, spans)
    book = loader.load()
    if book is not None and not problems.causes:
        check_provenance(book, problems, today or dt.date.today())
        if not problems.errors:  # translations matter once the rulebook works
            check_translations(book, problems)
    return (book if not problems.errors else None), problems


def check_provenance(book: Rulebook, problems: Problems, today: dt.date) -> None:
    """Warnings a department reads: where a rule comes from, and whether someone checked it lately."""
    max_age = book.root.settings.verified_max_age_days
    for rule in book.ordered:
        prov = rule.spec.provenance
        owner = book.root.departments[rule.department].name if rule.department in book.root.departments \
            else rule.department
        missing = [label for label, value in (("根拠法令（basis）", prov.basis), ("出典（source）", prov.source))
                   if not value]
        if missing:
            problems.warning(rule.mark, say("no provenance", code=rule.code, missing="と".join(missing), owner=owner))
        if prov.verified is None:
            problems.warning(rule.mark, say("never verified", code=rule.code, owner=owner))
        elif (today - prov.verified).days > max_age:
            problems.warning(rule.mark, say("verification old", code=rule.code, date=prov.verified, days=max_age,
                                            owner=owner))


class _Loader:
    def __init__(self, path: Path, problems: Problems, texts: dict[Path, str], spans: bool):
        self.failed_codes: set[str] = set()  # procedures that could not be loaded (already reported)
        self.looping: set[str] = set()  # procedures whose 'applies' lead back to themselves
        self.path = path
        self.base = path.parent
        self.problems = problems
        self.texts = texts
        self.spans = spans
        self.docs: dict[str, Document] = {}
        self.files: dict[str, Path] = {}
        #: some procedures could not be read at all (a file that cannot be read, a missing include): checks that
        #: need every procedure ("this question is used by none", "no such procedure") would only mislead
        self.incomplete = False
        self.broken_facts: set[str] = set()  # facts whose question could not be read
        self.questions_broken = False

    def shown(self, p: Path) -> str:
        return display_path(p)

    def read(self, path: Path) -> Document:
        shown = self.shown(path)
        text = self.texts.get(path.resolve())
        doc = load_file(path, shown, self.problems, spans=self.spans, text=text)
        self.docs[shown] = doc
        self.files[shown] = path
        return doc

    def load(self) -> Rulebook | None:
        problems = self.problems
        if not self.path.exists() and self.path.resolve() not in self.texts:
            problems.cause(Mark(self.shown(self.path)),
                           say("file not found", file=self.shown(self.path), hint="（--rules で rules.yaml の場所を指定できます）"))
            return None
        doc = self.read(self.path)
        if doc.data is None and problems.errors:
            return None  # cannot be read: nothing to check further
        if not isinstance(doc.data, dict):
            problems.cause(doc.mark(), say("not a mapping", what="rules.yaml には 'format:'、'municipality:'、"
                                                                "'counters:' などを『キー: 値』の形で書きます"))
            return None
        root = self.read_root(doc)
        if root is None:
            return None
        self.root, self.doc = root, doc
        self.facts = self.declare_city_facts()
        self.check_places()
        rules: dict[str, Rule] = {}
        int_constants: dict[str, set[int]] = {}
        included: set[Path] = set()
        missing_include = False
        for i, entry in self.include_items:
            file = (self.base / entry)
            mark = doc.mark(("include", i))
            if not file.exists() and file.resolve() not in self.texts:
                near = [display_path(p, self.base) for p in self.base.glob("rules/*.yaml")]
                problems.cause(mark, say("file not found", file=entry, hint=hint(entry, near)))
                self.incomplete = missing_include = True
                continue
            if file.resolve() in included:
                problems.error(mark, say("included twice", file=entry))
                continue
            included.add(file.resolve())
            self.load_department_file(file, rules, int_constants)
        rules_dir = self.base / "rules"
        if rules_dir.is_dir() and not missing_include:
            for stray in sorted(rules_dir.glob("*.yaml")):
                if stray.resolve() not in included:
                    problems.warning(Mark(self.shown(stray)), say("stray file"))
        questions = self.load_questions(int_constants)
        for idx, rule in enumerate(self.visiting_order(rules)):
            rule.index = idx
        book = Rulebook(root=root, path=self.path, rules=rules, questions=questions,
                        calendar=OfficeCalendar(frozenset(root.settings.extra_closed_days)),
                        int_constants=int_constants, facts=self.facts, docs=self.docs, files=self.files)
        self.check_form_files(book)
        # Cross checks run even when something above failed; they stay quiet about what failed to load.
        self.check_applies(book)
        # "can never apply" and "not used by any procedure" only once everything else reads right: a condition
        # that failed to load uses nothing and applies never, and saying so would send the clerk the wrong way
        clean = not problems.errors
        if not self.failed_codes and not self.incomplete:
            self.check_questions_cover(book, report_unused=clean)
        if clean:
            self.check_reachable(book)
        return book

    def read_root(self, doc: Document) -> Root | None:
        """Validate rules.yaml section by section (and item by item), so one mistake hides no other."""
        problems, data = self.problems, doc.data
        _check_keys(doc, problems, (), Root)
        if data.get("format") is not None and data.get("format") != RULES_FORMAT:
            problems.error(doc.mark(("format",)), say("wrong format", want=RULES_FORMAT))
        municipality = validate(Municipality, doc, problems, data=data.get("municipality"), base=("municipality",)) \
            if "municipality" in data else None
        sections = {}
        self.broken: set[str] = set()
        for name, model in (("offices", Office), ("departments", Department), ("counters", Counter),
                            ("agencies", Agency)):
            sections[name] = validate_each(model, doc, problems, (name,), mapping=True)
            raw = data.get(name)
            if isinstance(raw, dict):
                self.broken |= set(raw) - set(sections[name])
            elif raw is not None:
                self.incomplete = True
        settings = validate(Settings, doc, problems, data=data.get("settings") or {}, base=("settings",)) or Settings()
        self.question_items = validate_each(Question, doc, problems, ("questions",), mapping=False)
        raw_questions = data.get("questions")
        if isinstance(raw_questions, list):
            good = {i for i, _ in self.question_items}
            for i, raw in enumerate(raw_questions):
                if i not in good:
                    fact = raw.get("fact") if isinstance(raw, dict) else None
                    if isinstance(fact, str):
                        self.broken_facts.add(fact)
                    else:
                        self.questions_broken = True
        elif raw_questions is not None or "questions" not in data:
            self.questions_broken = True
        include = data.get("include") or []
        if not isinstance(include, list):
            problems.error(doc.mark(("include",)), say("wrong type", name="'include'", got="一つの値", fix="",
                                                       expected="課のファイルのリスト（- rules/xxx.yaml）"))
            include = []
            self.incomplete = True
        if "include" not in data:
            self.incomplete = True
        good_include = []
        for i, entry in enumerate(include):
            if isinstance(entry, str):
                good_include.append((i, entry))
            else:
                problems.error(doc.mark(("include", i)), say("include item", n=i + 1))
                self.incomplete = True
        self.include_items = good_include
        if municipality is None:
            return None
        return Root.model_construct(format=RULES_FORMAT, municipality=municipality, settings=settings,
                                    questions=[q for _, q in self.question_items],
                                    include=[e for _, e in good_include], **sections)

    # -- places ---------------------------------------------------------------------------------------
    def check_places(self) -> None:
        root, doc, problems = self.root, self.doc, self.problems
        known_offices = set(root.offices) | self.broken
        corner_office = root.municipality.corner.office
        if corner_office not in known_offices:
            problems.error(doc.mark(("municipality", "corner", "office")),
                           say("unknown office", id=corner_office, hint=hint(corner_office, root.offices)))
        for cid, counter in root.counters.items():
            if not CODE.match(cid):
                problems.error(doc.mark(("counters", cid), key=True),
                               say("bad id", what="窓口のID", id=cid, example="shimin_koseki"))
            if counter.department not in root.departments and counter.department not in self.broken:
                problems.error(doc.mark(("counters", cid, "department")),
                               say("unknown department", id=counter.department,
                                   hint=hint(counter.department, root.departments)))
            if counter.office not in known_offices:
                problems.error(doc.mark(("counters", cid, "office")),
                               say("unknown office", id=counter.office, hint=hint(counter.office, root.offices)))
        for oid, office in root.offices.items():
            b = office.booking
            for i, text in enumerate(b.hours if b else ()):
                start, end = _opening_range(text)
                if end - start < b.slot_minutes:
                    problems.error(doc.mark(("offices", oid, "booking", "hours", i)),
                                   say("range shorter than a slot", text=text, minutes=b.slot_minutes))
        for section, what, example in (("departments", "課のID", "shimin"), ("agencies", "外部機関のID", "zeimusho"),
                                       ("offices", "庁舎のID", "honcho")):
            for key in getattr(root, section):
                if not CODE.match(key):
                    problems.error(doc.mark((section, key), key=True), say("bad id", what=what, id=key, example=example))

    def visiting_order(self, rules: dict[str, Rule]) -> list[Rule]:
        counters = list(self.root.counters)
        agencies = list(self.root.agencies)

        def key(r: Rule):
            if r.spec.counter in self.root.counters:
                return (0, counters.index(r.spec.counter), r.index)
            return (1, agencies.index(r.spec.agency) if r.spec.agency in agencies else 0, r.index)

        return sorted(rules.values(), key=key)

    # -- department files -----------------------------------------------------------------------------
    def load_department_file(self, file: Path, rules: dict[str, Rule], int_constants: dict) -> None:
        problems, root = self.problems, self.root
        doc = self.read(file)
        if doc.data is None:
            self.incomplete = True
            if not any(p.mark.file == doc.file for p in problems.errors):
                problems.cause(doc.mark(), say("empty file", what="'department:'（課のID）と 'procedures:'（手続きの一覧）を書いてください"))
            return
        if not isinstance(doc.data, dict):
            self.incomplete = True
            problems.cause(doc.mark(), say("not a mapping", what="課のファイルには 'department:'（課のID）と "
                                                                "'procedures:'（手続きの一覧）を『キー: 値』の形で書きます"))
            return
        _check_keys(doc, problems, (), DepartmentFile)
        department = doc.data.get("department")
        if department is not None and not isinstance(department, str):
            problems.error(doc.mark(("department",)), say("wrong type", name="'department'", got=department, fix="",
                                                          expected="課のID（例：shimin）"))
            department = None
        if not isinstance(doc.data.get("procedures"), list):
            self.incomplete = True
            if "procedures" in doc.data and doc.data["procedures"] is None:
                problems.cause(doc.mark(("procedures",), key=True),
                               say("wrong type", name="'procedures'", got="何も書かれていない", fix="",
                                   expected="手続きのリスト（「- code: …」で始まる行）"))
        items = validate_each(ProcedureSpec, doc, problems, ("procedures",), mapping=False)
        if department is None:
            self.incomplete = True
            return
        spec = DepartmentFile.model_construct(department=department, procedures=[p for _, p in items])
        if spec.department not in root.departments and spec.department not in self.broken:
            problems.error(doc.mark(("department",)),
                           say("unknown department", id=spec.department, hint=hint(spec.department, root.departments)))
        parser = C.Parser(doc, problems, int_constants, self.facts, self.broken_facts)
        raw_items = doc.data.get("procedures") if isinstance(doc.data.get("procedures"), list) else []
        loaded = {i for i, _ in items}
        for i, raw in enumerate(raw_items):
            if i not in loaded:
                code = raw.get("code") if isinstance(raw, dict) else None
                self.failed_codes.add(code if isinstance(code, str) else f"#{i}")
                if not isinstance(code, str):
                    self.incomplete = True
        for i, proc in items:
            path = ("procedures", i)
            mark = doc.mark(path + ("code",))
            if not CODE.match(proc.code):
                problems.error(mark, say("bad id", what="手続きコード", id=proc.code,
                                         example=re.sub(r"[^a-z0-9_]", "_", proc.code.lower()) or "setainushi_henko"))
            if proc.code in rules:
                first = rules[proc.code].mark
                problems.error(mark, say("duplicate code", code=proc.code, first=first))
                self.failed_codes.add(f"{proc.code}#{i}")
                continue
            if bool(proc.counter) == bool(proc.agency):
                problems.error(doc.mark(path), say("counter or agency", code=proc.code))
            if proc.counter and proc.counter not in root.counters and proc.counter not in self.broken:
                problems.error(doc.mark(path + ("counter",)),
                               say("unknown counter", id=proc.counter, hint=hint(proc.counter, root.counters)))
            if proc.agency and proc.agency not in root.agencies and proc.agency not in self.broken:
                problems.error(doc.mark(path + ("agency",)),
                               say("unknown agency", id=proc.agency, hint=hint(proc.agency, root.agencies)))
            owner = proc.provenance.owner or spec.department
            if proc.provenance.owner and owner not in root.departments:
                problems.error(doc.mark(path + ("provenance", "owner")),
                               say("unknown department", id=owner, hint=hint(owner, root.departments)))
            if proc.deadline.from_ == "funeral" and not proc.deadline.has_period:
                problems.error(doc.mark(path + ("deadline",)), say("funeral needs period"))
            if sum(v is not None for v in (proc.deadline.days, proc.deadline.months, proc.deadline.years)) > 1:
                problems.error(doc.mark(path + ("deadline",)), say("one deadline period"))
            for j, form in enumerate(proc.forms):
                if not CODE.match(form):
                    problems.error(doc.mark(path + ("forms", j)), say("bad id", what="様式ID", id=form,
                                                                      example="kokuho_soshitsu"))
            when = parser.parse(proc.when, path + ("when",))
            if when is None:
                self.failed_codes.add(proc.code)
                continue
            rules[proc.code] = Rule(spec=proc, when=when, department=owner, file=doc.file, mark=mark,
                                    index=len(rules), path=path, file_department=spec.department)

    # -- questions ------------------------------------------------------------------------------------
    def declare_city_facts(self) -> dict[str, FactDef]:
        """The catalogue: the contract's facts, the derived ones, and the facts the city's own questions declare
        with ``type:`` or ``choices:`` (contract §2). A declared name may not be one of the contract's."""
        problems, doc = self.problems, self.doc
        facts = dict(FACTS)
        for i, q in self.question_items:
            path = ("questions", i)
            if q.type is None and (q.choices is None or q.fact in FACTS):
                continue
            if q.fact in FACTS:
                d = FACTS[q.fact]
                what = "エンジンが計算する事実（契約§3）" if d.derived else "契約（§2）の事実"
                problems.error(doc.mark(path + ("type",), key=True),
                               say("contract fact type", fact=q.fact, what=what, meaning=d.meaning))
                continue
            if not CODE.match(q.fact):
                problems.error(doc.mark(path + ("fact",)), say("bad id", what="事実名", id=q.fact, example="keiro_pass"))
                self.broken_facts.add(q.fact)
                continue
            if q.type is not None and q.choices is not None:
                problems.error(doc.mark(path + ("choices",), key=True), say("type or choices"))
                self.broken_facts.add(q.fact)
                continue
            meaning = q.meaning or q.text.rstrip("？?")
            if q.choices is not None:
                if not q.choices or not all(CODE.match(str(k)) for k in q.choices):
                    problems.error(doc.mark(path + ("choices",)),
                                   say("bad choices", what="'choices:' には、値の名前（半角の小文字・数字・_）と表示名を"
                                                           "『名前: 表示名』の形で書きます"))
                    self.broken_facts.add(q.fact)
                    continue
                facts[q.fact] = FactDef(q.fact, "enum", meaning, tuple(q.choices), tuple(q.choices.values()), city=True)
            else:
                kind = {"bool": "bool", "count": "int", "date": "date"}[q.type]
                facts[q.fact] = FactDef(q.fact, kind, meaning, city=True)
        return facts

    def load_questions(self, int_constants: dict) -> dict[str, QuestionRule]:
        problems, doc = self.problems, self.doc
        parser = C.Parser(doc, problems, int_constants, self.facts, self.broken_facts)
        out: dict[str, QuestionRule] = {}
        for i, q in self.question_items:
            path = ("questions", i)
            mark = doc.mark(path + ("fact",))
            d = self.facts.get(q.fact)
            if d is None:
                if q.fact in self.broken_facts:
                    continue
                close = hint(q.fact, self.facts)
                if close:
                    problems.error(mark, say("unknown fact", fact=q.fact, hint=close, fix="正しい事実名に直してください"))
                    self.broken_facts.add(closest(q.fact, self.facts))  # its question is this one: not "missing"
                else:
                    problems.error(mark, say("city fact needs type", fact=q.fact))
                self.broken_facts.add(q.fact)
                continue
            if q.type is not None and d.city is False:
                continue  # reported by declare_city_facts
            if not d.askable:
                problems.error(mark, say("computed fact", fact=q.fact))
                continue
            if q.fact in out:
                problems.error(mark, say("second question", fact=q.fact, first=out[q.fact].mark))
                continue
            if d.kind == "enum":
                given = q.choices or {}
                missing = [v for v in d.values if v not in given]
                if missing:
                    problems.error(doc.mark(path + ("choices",)) if q.choices else doc.mark(path),
                                   say("bad choices", what=f"'{q.fact}' の 'choices:' に表示名がない値があります："
                                                           f"{', '.join(missing)}。『値: 表示名』の形で書き足してください"))
                for key in given:
                    if key not in d.values:
                        problems.error(doc.mark(path + ("choices", key), key=True),
                                       say("bad choices", what=f"'{key}' は '{q.fact}' の値ではありません"
                                                               f"{hint(key, d.values)}。値は {', '.join(d.values)} です"))
            elif q.choices is not None:
                problems.error(doc.mark(path + ("choices",), key=True),
                               say("bad choices", what=f"'{q.fact}' は{_type_ja(d)}の事実なので 'choices:' は書けません。"
                                                       "'choices:' を消してください"))
            gate = None
            if q.ask_when is not None:
                gate = parser.parse(q.ask_when, path + ("ask_when",))
                if q.if_not_asked is None:
                    problems.error(doc.mark(path + ("ask_when",), key=True), say("ask_when needs if_not_asked"))
                elif q.if_not_asked == NOT_APPLICABLE_LITERAL:
                    pass
                elif check_value(d, q.if_not_asked) or q.if_not_asked == "unknown":
                    problems.error(doc.mark(path + ("if_not_asked",)),
                                   say("bad if_not_asked", fact=q.fact, expected=_type_ja(d)))
                if gate is not None and gate.applies_codes():
                    problems.error(doc.mark(path + ("ask_when",)), say("ask_when applies"))
                    gate = None
            elif q.if_not_asked is not None:
                problems.error(doc.mark(path + ("if_not_asked",), key=True), say("if_not_asked alone"))
            if q.group is not None and d.kind != "bool":
                problems.error(doc.mark(path + ("group",)), say("group not bool", fact=q.fact))
            derive = self.load_derive(parser, q, d, path)
            out[q.fact] = QuestionRule(q, gate, mark, path, derive)
        # a question whose ask_when refers to itself (directly or through other questions): each loop once
        reported: set[frozenset] = set()
        cyclic = []
        for fact, qr in out.items():
            cycle = _find_cycle(fact, lambda f: sorted(out[f].gate.facts()) if f in out and out[f].gate else [])
            if cycle:
                cyclic.append(qr)
                members = frozenset(cycle)
                if members not in reported:
                    reported.add(members)
                    problems.error(doc.mark(qr.mark_path + ("ask_when",)), say("question loop", cycle=" → ".join(cycle)))
        for qr in cyclic:  # reported; never evaluate a loop
            qr.gate = None
        return out

    def load_derive(self, parser: C.Parser, q: Question, d: FactDef, path: tuple) -> list[tuple[C.Node, Any]]:
        """``derive:`` — the answer the intake already gives (``{when: {funeral_date_given: true}, value: true}``);
        its conditions may read derived facts only, so that nothing asked decides whether something is asked."""
        problems, doc = self.problems, self.doc
        out: list[tuple[C.Node, Any]] = []
        for j, item in enumerate(q.derive or []):
            sub = path + ("derive", j)
            if not isinstance(item, dict) or set(item) != {"when", "value"}:
                problems.error(doc.mark(sub), say("bad derive", what="'derive:' の各項目には 'when:'（条件）と "
                                                                     "'value:'（その答え）を書きます。例：{when: {funeral_date_given: true}, value: true}"))
                continue
            when = parser.parse(item["when"], sub + ("when",))
            if when is None:
                continue
            asked = sorted(f for f in when.facts() if not self.facts[f].derived)
            if asked or when.applies_codes():
                problems.error(doc.mark(sub + ("when",)), say("derive reads answers", facts=", ".join(asked) or "applies"))
                continue
            value = item["value"]
            if check_value(d, value) or value == "unknown":
                problems.error(doc.mark(sub + ("value",)), say("bad derive value", fact=q.fact, expected=_type_ja(d)))
                continue
            out.append((when, value))
        return out

    def check_form_files(self, book: Rulebook) -> None:
        """Every form a procedure names has a template file (the templates themselves are checked by
        okuyami.documents.templates)."""
        folder = book.forms_dir
        if not folder.is_dir():
            if any(r.spec.forms for r in book.rules.values()):
                self.problems.error(self.doc.mark(("settings",)) if "settings" in self.doc.data else Mark(self.shown(self.path)),
                                    say("forms folder missing", folder=book.root.settings.forms))
            return
        available = sorted(p.stem for p in folder.glob("*.yaml") if not p.name.startswith("_"))
        for rule in book.rules.values():
            doc = self.docs.get(rule.file)
            for j, form in enumerate(rule.spec.forms):
                if form not in available and CODE.match(form):
                    where = doc.mark(rule.path + ("forms", j)) if doc is not None and rule.path else rule.mark
                    self.problems.error(where, say("unknown form", code=rule.code, form=form,
                                                   folder=book.root.settings.forms, hint=hint(form, available)))

    # -- cross checks ---------------------------------------------------------------------------------
    def check_applies(self, book: Rulebook) -> None:
        problems = self.problems
        for rule in book.rules.values():
            for code, mark in rule.when.applies_codes():
                if code not in book.rules and code not in self.failed_codes and not self.incomplete:
                    problems.error(mark, say("unknown procedure", code=code, hint=hint(code, book.rules)))
            for node in rule.when.walk():
                if isinstance(node, C.Applies) and node.code in book.rules:
                    node.title = book.rules[node.code].title
        edges = {code: [x for x, _ in rule.when.applies_codes() if x in book.rules] for code, rule in book.rules.items()}
        reported: set[frozenset] = set()
        for code, rule in book.rules.items():
            cycle = _find_cycle(code, lambda c: edges[c])
            if cycle:
                self.looping.add(code)
                members = frozenset(cycle)
                if members in reported:
                    continue  # one loop, one message (at the first of its procedures)
                reported.add(members)
                where = next((m for c, m in rule.when.applies_codes() if c == cycle[1]), rule.mark)
                problems.error(where, say("applies loop", cycle=" → ".join(cycle)))
        # a procedure that leads into a loop cannot be evaluated either
        for code in book.rules:
            if code not in self.looping and _reaches(code, edges, self.looping):
                self.looping.add(code)
        # a chain of 'applies:' deeper than anyone writes would exhaust the evaluator's stack at the counter
        depth = _chain_depths({c: e for c, e in edges.items() if c not in self.looping})
        for code, n in depth.items():
            if n > MAX_APPLIES_CHAIN:
                problems.error(book.rules[code].when.mark, say("applies chain", code=code, depth=n,
                                                               limit=MAX_APPLIES_CHAIN))
                self.looping.add(code)
                break

    def check_questions_cover(self, book: Rulebook, *, report_unused: bool = True) -> None:
        """Every fact a condition tests has a question, and every question is used by something."""
        problems = self.problems
        used: dict[str, Mark] = {}

        def use(fact: str, mark: Mark) -> None:
            if fact in used:
                return
            used[fact] = mark
            derived = DERIVED.get(fact)
            for inp in (derived.inputs if derived else ()):
                use(inp, mark)
            q = book.questions.get(fact)
            for cond in (q.conditions() if q else ()):
                for node in cond.walk():
                    if isinstance(node, C.Compare):
                        use(node.fact, node.mark)

        for rule in book.rules.values():
            for node in rule.when.walk():
                if isinstance(node, C.Compare):
                    use(node.fact, node.mark)
        for fact, q in book.questions.items():
            if q.spec.for_forms:
                use(fact, q.mark)
        if not self.questions_broken:
            for fact, mark in used.items():
                d = book.facts[fact]
                if d.askable and fact not in book.questions and fact not in self.broken_facts:
                    problems.error(mark, say("no question", fact=fact, file=self.shown(self.path)))
        if self.broken_facts or self.questions_broken or not report_unused:
            return
        for fact, q in book.questions.items():
            if fact not in used:
                problems.error(q.mark, say("unused question", fact=fact))

    def check_reachable(self, book: Rulebook) -> None:
        for rule in book.rules.values():
            if rule.code in self.looping or any(c not in book.rules for c, _ in rule.when.applies_codes()):
                continue
            verdict = reachable(book, rule.code)
            if verdict is False:
                self.problems.error(rule.when.mark, say("never applies", code=rule.code))
        for fact, q in book.questions.items():
            if q.gate is not None and not _satisfiable(book, q.gate):
                self.problems.error(q.mark, say("never asked", fact=fact))


def _type_ja(d: FactDef) -> str:
    """「true か false」「0以上の整数」「basic_only, employee, mutual_aid のどれか」."""
    if d.kind == "bool":
        return "true か false"
    if d.kind == "int":
        return "0以上の整数"
    if d.kind == "date":
        return "日付（YYYY-MM-DD）"
    if d.kind == "text":
        return "文字"
    return f"{', '.join(d.values)} のどれか"


MAX_APPLIES_CHAIN = 50


def _chain_depths(edges: dict[str, list[str]]) -> dict[str, int]:
    """How many 'applies:' steps lead on from each procedure (edges without loops), computed without recursion."""
    depth: dict[str, int] = {}
    for start in edges:
        stack = [(start, False)]
        while stack:
            code, done = stack.pop()
            if code in depth:
                continue
            nexts = [n for n in edges.get(code, ()) if n in edges]
            if done:
                depth[code] = 1 + max((depth[n] for n in nexts), default=0)
                continue
            stack.append((code, True))
            stack.extend((n, False) for n in nexts if n not in depth)
    return depth


def _reaches(start: str, edges: dict[str, list[str]], targets: set[str]) -> bool:
    """Whether ``start`` leads (through 'applies:') to any of ``targets``; iterative, any depth."""
    seen, todo = {start}, list(edges.get(start, ()))
    while todo:
        code = todo.pop()
        if code in targets:
            return True
        if code not in seen:
            seen.add(code)
            todo.extend(edges.get(code, ()))
    return False


def _check_keys(doc: Document, problems: Problems, base: tuple, model: type[BaseModel]) -> None:
    """Unknown and missing top-level keys of a file, located (the sections are validated one by one)."""
    data = doc.data
    allowed = [f.alias or name for name, f in model.model_fields.items()]
    for key in data:
        if key not in allowed:
            close = hint(key, allowed)
            problems.error(doc.mark(base + (key,), key=True),
                           say("unknown key", key=key, hint=close,
                               fix="正しいキー名に直してください" if close else f"ここに書けるキーは {', '.join(allowed)} です"))
    for name, f in model.model_fields.items():
        if f.is_required() and (f.alias or name) not in data:
            problems.error(doc.mark(base), say("missing key", where="ファイル", key=f.alias or name, fix="書き足してください"))


def if_not_asked_value(q: QuestionRule) -> Any:
    """The value a fact takes when its question is not asked."""
    value = q.spec.if_not_asked
    return NOT_APPLICABLE if value == NOT_APPLICABLE_LITERAL else value


def _find_cycle(start: str, edges) -> list[str] | None:
    """A path start → … → start through ``edges``, or None."""
    stack = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in edges(node):
            if nxt == start:
                return path + [start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, path + [nxt]))
    return None


# --- reachability: is there any combination of answers that makes a condition true? ----------------------

_MAX_COMBINATIONS = 200_000


def _domain(book: Rulebook, fact: str) -> list[Any]:
    d = book.facts[fact]
    if d.kind == "bool":
        return [True, False]
    if d.kind == "enum":
        return list(d.values)
    consts = set(book.int_constants.get(fact, set()))
    derived = DERIVED.get(fact)
    if d.kind == "text":
        return sorted(consts | set(derived.tries if derived else ()) | {""})
    if d.kind == "date":
        one = dt.timedelta(days=1)
        return sorted({v for c in consts for v in (c - one, c, c + one)} or {dt.date(2000, 1, 1)})
    consts |= set(derived.tries if derived else ())
    values = {0}
    for c in consts:
        values |= {c - 1, c, c + 1}
    return sorted(v for v in values if v >= 0)


class _AssignmentContext:
    intake = None  # the intake's facts are among ``values`` (every value of them is tried)

    def __init__(self, book: Rulebook, values: dict[str, Any]):
        self.book, self.values, self.cache = book, values, {}
        plain = book.__dict__.get("_plain_facts")
        if plain is None:  # facts that are just their answer (no derivation, derive entries or gate)
            plain = book.__dict__["_plain_facts"] = frozenset(
                f for f in book.facts if f not in DERIVED and not (f in book.questions and book.questions[f].conditions()))
        self.plain = plain

    def fact(self, name: str) -> Any:
        if name in self.plain:
            try:
                return self.values[name]
            except KeyError:
                return Pending(frozenset({name}))
        derived = DERIVED.get(name)
        if derived is not None and name not in self.values and not derived.intake:
            value = derived.compute(self)
            if value is not None:
                return value
        if derived is not None and derived.intake and name not in self.values:
            return _domain(self.book, name)[0]
        q = self.book.questions.get(name)
        for when, value in (q.derive if q is not None else ()):
            if when.eval(self)[0] == C.TRUE:
                return value
        if q is not None and q.gate is not None:
            truth, _ = q.gate.eval(self)
            if truth == C.FALSE:
                return if_not_asked_value(q)
        return self.values.get(name, Pending(frozenset({name})))

    def applies(self, code: str):
        if code not in self.cache:
            self.cache[code] = self.book.rules[code].when.eval(self)
        return self.cache[code]


def _inputs(book: Rulebook, node: C.Node, seen_codes: set[str] | None = None) -> set[str]:
    seen_codes = seen_codes if seen_codes is not None else set()
    facts: set[str] = set()
    for n in node.walk():
        if isinstance(n, C.Compare):
            facts.add(n.fact)
        elif isinstance(n, C.Applies) and n.code not in seen_codes and n.code in book.rules:
            seen_codes.add(n.code)
            facts |= _inputs(book, book.rules[n.code].when, seen_codes)
    frontier = list(facts)
    while frontier:  # derived inputs, question gates and derive entries
        f = frontier.pop()
        derived = DERIVED.get(f)
        # an askable derived fact (health_insurance) takes each of its values directly: its inputs add nothing
        extra = set(derived.inputs) if derived and not book.facts[f].askable else set()
        q = book.questions.get(f)
        for cond in (q.conditions() if q is not None else ()):
            extra |= cond.facts()
        for e in extra - facts:
            facts.add(e)
            frontier.append(e)
    # computed from their inputs (health_insurance is also asked, so it stays)
    return {f for f in facts if not (f in DERIVED and not DERIVED[f].intake and not book.facts[f].askable)}


def _satisfiable(book: Rulebook, node: C.Node) -> bool | None:
    facts = sorted(_inputs(book, node))
    domains = [_domain(book, f) for f in facts]
    total = 1
    for dom in domains:
        total *= len(dom)
    if total > _MAX_COMBINATIONS:
        return None  # too many to try; assume reachable
    for combo in itertools.product(*domains):
        ctx = _AssignmentContext(book, dict(zip(facts, combo)))
        if node.eval(ctx)[0] == C.TRUE:
            return True
    return False


def reachable(book: Rulebook, code: str) -> bool | None:
    """True if some answers make procedure ``code`` apply, False if none can, None if too many to try."""
    return _satisfiable(book, book.rules[code].when)


__all__ = ["Rulebook", "Rule", "load_rulebook", "check_rulebook", "default_rules_path"]
