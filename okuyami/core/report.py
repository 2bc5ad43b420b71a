"""Readable output of an evaluation: the Japanese list grouped by counter (``--format text``).

手続き一覧（テキスト） — the same grouping and order as the guidance sheet: city counters in visiting order,
then outside agencies; 要確認 items marked; deadlines in 和暦 with the weekday.
"""

from __future__ import annotations

from .case import Case
from .engine import REQUIRED, Evaluation
from .rulebook import Rulebook
from .wareki import format_date


def group_by_place(book: Rulebook, result: Evaluation) -> list[tuple[str, str, list]]:
    """[(kind, id, [ProcedureResult…])] in visiting order."""
    groups: dict[tuple[str, str], list] = {}
    for p in result.procedures:
        groups.setdefault(book.place_of(p.rule), []).append(p)
    return [(kind, pid, items) for (kind, pid), items in groups.items()]


def place_heading(book: Rulebook, kind: str, pid: str) -> str:
    root = book.root
    if kind == "counter":
        c = root.counters[pid]
        office = root.offices[c.office].name
        number = f"{c.number}番窓口" if isinstance(c.number, int) else c.number
        return f"{c.name}（{office} {c.floor} {number}・電話 {c.phone}）"
    a = root.agencies[pid]
    return f"{a.name}（{a.address}・電話 {a.phone}）"


def question_text(book: Rulebook, fact: str) -> str:
    q = book.questions.get(fact)
    return q.spec.text if q else book.facts[fact].meaning


def render_text(book: Rulebook, case: Case, result: Evaluation) -> str:
    d = case.deceased
    lines = [f"{book.root.municipality.name} {book.root.municipality.corner.name} — 手続きのご案内",
             f"故人：{d.name} 様（{format_date(d.death_date)} 死亡・{case.age_at_death}歳）", ""]
    if not result.procedures:
        lines.append("該当する手続きはまだありません。")
    counters = [g for g in group_by_place(book, result) if g[0] == "counter"]
    agencies = [g for g in group_by_place(book, result) if g[0] == "agency"]
    for title, groups in (("市役所の窓口", counters), ("市役所以外の窓口", agencies)):
        if not groups:
            continue
        lines.append(f"【{title}】")
        for kind, pid, items in groups:
            lines.append(f"■ {place_heading(book, kind, pid)}")
            for p in items:
                mark = "□" if p.status == REQUIRED else "□［要確認］"
                due = (f"期限：{format_date(p.deadline, weekday=True)}まで"
                       if p.deadline else f"期限：{p.rule.spec.deadline.describe()}")
                lines.append(f"  {mark} {p.title}　{due}")
                for r in p.reasons:
                    lines.append(f"      理由：{r}")
                if p.rule.spec.bring:
                    lines.append(f"      持ち物：{'、'.join(p.rule.spec.bring)}")
            lines.append("")
    if result.pending_questions:
        lines.append("【まだ伺っていない質問】（答えると手続きが確定します）")
        for fact in result.pending_questions:
            lines.append(f"  ・{question_text(book, fact)}")
    return "\n".join(lines).rstrip() + "\n"
