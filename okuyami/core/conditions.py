"""The condition language of the rulebook (条件), in plain YAML, without eval.

A condition is one of::

    when: always                                   # every death
    when: {was_household_head: true}               # a fact equals a value
    when: {health_insurance: [kokuho, kouki]}      # one of several values
    when: {household_remaining_15plus: {at_least: 2}}
    when: {age_at_death: {at_least: 40, at_most: 64}}
    when: {was_household_head: true, funeral_held: true}   # several facts: all of them
    when:
      all:                                         # every item holds
        - applies: kokuho_soshitsu                 # another procedure applies
        - any:                                     # at least one item holds
            - funeral_held: true
            - not: {welfare_recipient: true}       # negation

Comparison words: ``is``, ``is_not``, ``one_of``, ``none_of``, ``at_least`` (≥), ``at_most`` (≤), ``above`` (>),
``below`` (<). Several words in one mapping must all hold.

Evaluation is three-valued (plus "not yet asked"): every node returns a :data:`Truth` and a *blame*:

- TRUE with the leaves that made it true (used to write the reason),
- FALSE,
- UNKNOWN with the facts answered わからない that it hinges on (→ 要確認),
- PENDING with the unanswered facts whose answers would settle it (→ ``pending_questions``).

``all`` is FALSE as soon as one item is FALSE; otherwise PENDING if one is PENDING; otherwise UNKNOWN if one is
UNKNOWN; otherwise TRUE. ``any`` is the mirror image. ``not`` swaps TRUE and FALSE and keeps the rest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol

from .facts import FACTS, INT_RANGES, NOT_APPLICABLE, FactDef, Pending, Unknown
from .messages import quoted, say
from .problems import Mark, Problems, hint
from .yamlio import Document, PathKey

FALSE, TRUE, UNKNOWN, PENDING = 0, 1, 2, 3
Truth = int
Result = tuple[Truth, tuple]

CONNECTIVES = ("all", "any", "not", "applies")
COMPARISONS = ("is", "is_not", "one_of", "none_of", "at_least", "at_most", "above", "below")
_INT_ONLY = {"at_least", "at_most", "above", "below"}


class Context(Protocol):
    def fact(self, name: str) -> Any: ...

    def applies(self, code: str) -> Result: ...


class Node:
    mark: Mark

    def eval(self, ctx: Context) -> Result:  # pragma: no cover - abstract
        raise NotImplementedError

    def facts(self) -> set[str]:
        return set()

    def applies_codes(self) -> list[tuple[str, Mark]]:
        return []

    def walk(self) -> Iterable["Node"]:
        yield self


@dataclass
class Always(Node):
    mark: Mark

    def eval(self, ctx: Context) -> Result:
        return TRUE, (self,)

    def phrase(self) -> str:
        return "すべての方が対象"


@dataclass
class Compare(Node):
    """A leaf: ``fact`` compared with one or more ``(word, value)`` tests, all of which must hold."""

    fact: str
    tests: tuple[tuple[str, Any], ...]
    mark: Mark
    d: FactDef | None = None  # the fact's definition (a city's own fact is not in FACTS)

    def holds(self, value: Any) -> bool:
        for word, want in self.tests:
            if word == "is":
                ok = value == want
            elif word == "is_not":
                ok = value != want
            elif word == "one_of":
                ok = value in want
            elif word == "none_of":
                ok = value not in want
            elif word == "at_least":
                ok = value >= want
            elif word == "at_most":
                ok = value <= want
            elif word == "above":
                ok = value > want
            else:  # below
                ok = value < want
            if not ok:
                return False
        return True

    def eval(self, ctx: Context) -> Result:
        value = ctx.fact(self.fact)
        if isinstance(value, Pending):
            return PENDING, tuple(value.facts)
        if isinstance(value, Unknown):
            return UNKNOWN, tuple(value.facts)
        if value is NOT_APPLICABLE:
            return FALSE, ()
        return (TRUE, (self,)) if self.holds(value) else (FALSE, ())

    def facts(self) -> set[str]:
        return {self.fact}

    def phrase(self, negated: bool = False) -> str:
        """Plain Japanese for the family: 「故人が住民票上の世帯主だった」「死亡時の年齢が75歳以上」."""
        d = self.d or FACTS[self.fact]
        parts = []
        for word, want in self.tests:
            if d.kind == "bool" and word in ("is", "is_not"):
                positive = (want is True) == (word == "is")
                parts.append(d.meaning if positive else f"「{d.meaning}」に当たらない")
                continue
            if isinstance(want, list):
                shown = "・".join(d.label(v) for v in want)
            else:
                shown = _shown(d, want)
            suffix = {"is": "", "is_not": "以外", "one_of": "のいずれか", "none_of": "以外",
                      "at_least": "以上", "at_most": "以下", "above": "を超える", "below": "未満"}[word]
            if word == "one_of" and len(want) == 1:
                suffix = ""
            parts.append(f"{d.meaning}が{shown}{suffix}")
        text = "、".join(parts)
        return f"「{text}」ではない" if negated else text


def _shown(d: FactDef, value: Any) -> str:
    if d.kind == "date":
        return f"{value.year}年{value.month}月{value.day}日"
    return d.label(value) + (d.unit if d.kind == "int" else "")


@dataclass
class Applies(Node):
    """``applies: code`` — TRUE when that procedure applies (required)."""

    code: str
    mark: Mark
    title: str = ""  # filled in by the rulebook once all procedures are known

    def eval(self, ctx: Context) -> Result:
        return ctx.applies(self.code)

    def applies_codes(self) -> list[tuple[str, Mark]]:
        return [(self.code, self.mark)]

    def phrase(self, negated: bool = False) -> str:
        name = self.title or self.code
        return f"「{name}」の対象ではない" if negated else f"「{name}」の対象"


@dataclass
class Not(Node):
    child: Node
    mark: Mark

    def eval(self, ctx: Context) -> Result:
        truth, blame = self.child.eval(ctx)
        if truth == TRUE:
            return FALSE, ()
        if truth == FALSE:
            return TRUE, (self,)
        return truth, blame

    def facts(self) -> set[str]:
        return self.child.facts()

    def applies_codes(self) -> list[tuple[str, Mark]]:
        return self.child.applies_codes()

    def walk(self) -> Iterable[Node]:
        yield self
        yield from self.child.walk()

    def phrase(self) -> str:
        child = self.child
        if isinstance(child, (Compare, Applies)):
            return child.phrase(negated=True)
        return "次のいずれにも当たらない：" + "／".join(p for p in _phrases(child))


def _phrases(node: Node) -> list[str]:
    if isinstance(node, (All, AnyOf)):
        return [p for c in node.children for p in _phrases(c)]
    phrase = getattr(node, "phrase", None)
    return [phrase()] if phrase else []


@dataclass
class All(Node):
    children: list[Node]
    mark: Mark

    def eval(self, ctx: Context) -> Result:
        pending: list = []
        unknown: list = []
        true_blame: list = []
        for child in self.children:
            truth, blame = child.eval(ctx)
            if truth == FALSE:
                return FALSE, ()
            if truth == PENDING:
                pending.extend(blame)
            elif truth == UNKNOWN:
                unknown.extend(blame)
            else:
                true_blame.extend(blame)
        if pending:
            return PENDING, tuple(pending)
        if unknown:
            return UNKNOWN, tuple(unknown)
        return TRUE, tuple(true_blame)

    def facts(self) -> set[str]:
        return set().union(*(c.facts() for c in self.children)) if self.children else set()

    def applies_codes(self) -> list[tuple[str, Mark]]:
        return [x for c in self.children for x in c.applies_codes()]

    def walk(self) -> Iterable[Node]:
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass
class AnyOf(Node):
    children: list[Node]
    mark: Mark

    def eval(self, ctx: Context) -> Result:
        pending: list = []
        unknown: list = []
        true_blame: list = []
        for child in self.children:
            truth, blame = child.eval(ctx)
            if truth == TRUE:
                true_blame.extend(blame)
            elif truth == PENDING:
                pending.extend(blame)
            elif truth == UNKNOWN:
                unknown.extend(blame)
        if true_blame:
            return TRUE, tuple(true_blame)
        if pending:
            return PENDING, tuple(pending)
        if unknown:
            return UNKNOWN, tuple(unknown)
        return FALSE, ()

    facts = All.facts
    applies_codes = All.applies_codes
    walk = All.walk


def describe(node: Node, depth: int = 0) -> list[str]:
    """A condition in plain Japanese, one line per part, nested parts indented (for people reading a rulebook
    without YAML, e.g. the spreadsheet of ``rules export-xlsx``)::

        次のすべてに当たる：
        ・住民票上の世帯主だった
        ・残る世帯員のうち15歳以上の人数が2人以上
    """
    pad = "　" * depth + ("・" if depth else "")
    if isinstance(node, Always):
        return [pad + node.phrase()]
    if isinstance(node, (Compare, Applies)):
        return [pad + node.phrase()]
    if isinstance(node, Not):
        if isinstance(node.child, (Compare, Applies)):
            return [pad + node.child.phrase(negated=True)]
        return [pad + "次のどれにも当たらない："] + describe(node.child, depth + 1)
    if isinstance(node, (All, AnyOf)):
        head = "次のすべてに当たる：" if isinstance(node, All) else "次のどれかに当たる："
        return [pad + head] + [line for child in node.children for line in describe(child, depth + 1)]
    return [pad + str(node)]


# --- parsing ------------------------------------------------------------------------------------------


@dataclass
class Parser:
    """Parses conditions out of a loaded document, adding located problems for everything wrong."""

    doc: Document
    problems: Problems
    #: every constant compared with each int, date or text fact (for reachability checks)
    int_constants: dict[str, set] = field(default_factory=dict)
    facts: dict[str, FactDef] = field(default_factory=lambda: FACTS)  # the rulebook's catalogue
    broken_facts: set[str] = field(default_factory=set)  # facts whose question could not be read (reported there)

    def bad(self, mark: Mark, what: str) -> None:
        self.problems.error(mark, say("bad condition", what=what))

    def parse(self, raw: Any, path: PathKey) -> Node | None:
        mark = self.doc.mark(path)
        if isinstance(raw, str):
            if raw == "always":
                return Always(mark)
            self.bad(mark, "条件は 'always'（すべての方）か、{was_household_head: true} のような『事実: 値』で書きます"
                           f"（今は {quoted(raw)}{hint(raw, ['always'])}）")
            return None
        if isinstance(raw, list):
            self.bad(mark, "条件を並べるときは 'all:'（すべて）か 'any:'（どれか）の下に書きます")
            return None
        if not isinstance(raw, dict) or not raw:
            self.bad(mark, "条件が空です。'always' か、{funeral_held: true} のような『事実: 値』を書いてください")
            return None
        connectives = [k for k in raw if k in CONNECTIVES]
        if connectives and len(raw) > 1:
            self.bad(mark, f"'{connectives[0]}:' はそのマッピングに1つだけで書きます。ほかの条件は 'all:' のリストの中に入れてください")
            return None
        if connectives:
            key = connectives[0]
            value = raw[key]
            sub = path + (key,)
            if key in ("all", "any"):
                if not isinstance(value, list) or not value:
                    self.bad(self.doc.mark(sub), f"'{key}:' の下には条件のリスト（「- 」で始まる行）を書きます")
                    return None
                children = [self.parse(v, sub + (i,)) for i, v in enumerate(value)]
                if any(c is None for c in children):
                    return None
                return All(children, mark) if key == "all" else AnyOf(children, mark)
            if key == "not":
                child = self.parse(value, sub)
                return Not(child, mark) if child is not None else None
            if not isinstance(value, str):
                self.bad(self.doc.mark(sub), "'applies:' には手続きのコードを1つ書きます（例：applies: kokuho_soshitsu）")
                return None
            return Applies(value, self.doc.mark(sub))
        leaves = []
        for fact, value in raw.items():
            leaf = self.parse_leaf(fact, value, path + (fact,))
            if leaf is None:
                return None
            leaves.append(leaf)
        return leaves[0] if len(leaves) == 1 else All(leaves, mark)

    def parse_leaf(self, fact: str, raw: Any, path: PathKey) -> Compare | None:
        key_mark = self.doc.mark(path, key=True)
        d = self.facts.get(fact)
        if d is None:
            if fact in self.broken_facts:
                return None  # its question is wrong: reported there
            close = hint(fact, list(self.facts) + list(CONNECTIVES))
            fix = "正しい事実名に直してください（手引き3章の表）" if close else \
                "市独自の事実なら、それを聞く質問に 'type: bool'（または count・date）を書いて宣言してください"
            self.problems.error(key_mark, say("unknown fact", fact=fact, hint=close, fix=fix))
            return None
        mark = self.doc.mark(path)
        if isinstance(raw, dict):
            if not raw:
                self.bad(mark, f"'{fact}' と比べる値がありません。{{at_least: 2}} のように書いてください")
                return None
            tests = []
            for word, want in raw.items():
                if word not in COMPARISONS:
                    self.problems.error(self.doc.mark(path + (word,), key=True),
                                        say("unknown comparison", word=word, hint=hint(word, COMPARISONS),
                                            words=", ".join(COMPARISONS)))
                    return None
                if not self.check_value(d, word, want, self.doc.mark(path + (word,))):
                    return None
                tests.append((word, want))
        elif isinstance(raw, list):
            if not self.check_value(d, "one_of", raw, mark):
                return None
            tests = [("one_of", raw)]
        else:
            if not self.check_value(d, "is", raw, mark):
                return None
            tests = [("is", raw)]
        if d.kind in ("int", "date", "text"):
            consts = self.int_constants.setdefault(fact, set())
            for _, want in tests:
                consts.update(want if isinstance(want, list) else [want])
        return Compare(fact, tuple(tests), key_mark, d)

    def check_value(self, d: FactDef, word: str, want: Any, mark: Mark) -> bool:
        if word in _INT_ONLY and d.kind not in ("int", "date"):
            self.bad(mark, f"'{word}' は数や日付を比べます。'{d.name}' は{_kind_ja(d)}なので、'is:' か値だけを書いてください")
            return False
        if word in ("one_of", "none_of"):
            if not isinstance(want, list) or not want:
                self.bad(mark, f"'{word}' には値のリストを書きます（例：[kokuho, kouki]）")
                return False
            return all(self.check_value(d, "is", w, mark) for w in want)
        if want == "unknown":
            self.problems.error(mark, say("test for unknown"))
            return False
        if d.kind == "bool":
            ok = isinstance(want, bool)
        elif d.kind == "int":
            ok = isinstance(want, int) and not isinstance(want, bool)
        elif d.kind == "date":
            ok = isinstance(want, dt.date)
        elif d.kind == "text":
            ok = isinstance(want, str)
        else:
            ok = isinstance(want, str) and want in d.values
        if not ok:
            options = d.values if d.kind == "enum" else ("true", "false") if d.kind == "bool" else ()
            close = hint(want, options) if isinstance(want, str) else ""
            shown = want if isinstance(want, str) else quoted(want).strip("'")
            self.problems.error(mark, say("wrong value", fact=d.name, expected=_kind_ja(d), got=shown, hint=close))
            return False
        low, high = _range(d)
        if d.kind == "int" and not (low <= want <= high):
            self.problems.error(mark, say("condition out of range", fact=d.name, got=quoted(want), low=low, high=high))
            return False
        if d.kind == "date" and not (_DATE_LOW <= want <= _DATE_HIGH):
            self.problems.error(mark, say("condition out of range", fact=d.name, got=want, low=_DATE_LOW,
                                          high=_DATE_HIGH))
            return False
        return True


_DATE_LOW, _DATE_HIGH = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


def _range(d: FactDef) -> tuple[int, int]:
    return INT_RANGES.get(d.name, INT_RANGES["*"])


def _kind_ja(d: FactDef) -> str:
    if d.kind == "bool":
        return "true か false"
    if d.kind == "int":
        low, high = _range(d)
        return f"{low}〜{high}の整数"
    if d.kind == "date":
        return "日付（YYYY-MM-DD）"
    if d.kind == "text":
        return "文字"
    return f"{', '.join(d.values)} のどれか"
