"""What an edit of the rulebook changes (ルールの変更点): ``okuyami rules diff OLD NEW``.

For every scenario of both rulebooks (and any case files given), the case is evaluated with the old and the new
rulebook, and the differences are listed: procedures that appear or disappear, statuses and deadlines that change,
questions that are now asked or no longer asked. The procedures added, removed or edited in the rulebook itself
are listed first. This is the report a department reads before an edit goes live.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .case import Case, check_case
from .engine import Evaluation, evaluate
from .problems import Problems, display_path
from .rulebook import Rulebook
from .scenarios import load_scenarios


@dataclass
class CaseDiff:
    name: str
    source: str
    appeared: list[dict] = field(default_factory=list)
    disappeared: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)
    questions_added: list[str] = field(default_factory=list)
    questions_removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.appeared or self.disappeared or self.changed or self.questions_added
                    or self.questions_removed)


@dataclass
class RulebookDiff:
    added: list[str]
    removed: list[str]
    edited: list[str]
    cases: list[CaseDiff]

    def to_json(self) -> dict:
        return {"rulebook": {"added": self.added, "removed": self.removed, "edited": self.edited},
                "cases": [{"name": c.name, "source": c.source, "appeared": c.appeared,
                           "disappeared": c.disappeared, "changed": c.changed,
                           "questions_added": c.questions_added, "questions_removed": c.questions_removed}
                          for c in self.cases if not c.empty],
                "unchanged_cases": sum(c.empty for c in self.cases)}


def _cases(book: Rulebook, problems: Problems) -> list[tuple[str, str, Case, dt.date | None]]:
    out = []
    for path in book.scenario_paths():
        doc, spec = load_scenarios(path, problems)
        if spec is None:
            continue
        for i, sc in enumerate(spec.scenarios):
            case = check_case(doc, problems, today=sc.today, base=("scenarios", i, "case"), facts=book.facts)
            if case is not None:
                out.append((sc.name, str(doc.mark(("scenarios", i, "name"))), case, sc.today))
    return out


def _item(p) -> dict:
    return {"id": p.code, "title": p.title, "status": p.status,
            "deadline": p.deadline.isoformat() if p.deadline else None}


def compare(name: str, source: str, old: Evaluation, new: Evaluation) -> CaseDiff:
    d = CaseDiff(name, source)
    before = {p.code: p for p in old.procedures}
    after = {p.code: p for p in new.procedures}
    d.appeared = [_item(p) for code, p in after.items() if code not in before]
    d.disappeared = [_item(p) for code, p in before.items() if code not in after]
    for code in before.keys() & after.keys():
        a, b = before[code], after[code]
        for attr in ("status", "deadline"):
            x, y = getattr(a, attr), getattr(b, attr)
            if x != y:
                d.changed.append({"id": code, "title": b.title, "field": attr,
                                  "old": x.isoformat() if isinstance(x, dt.date) else x,
                                  "new": y.isoformat() if isinstance(y, dt.date) else y})
    d.changed.sort(key=lambda c: (c["id"], c["field"]))
    d.questions_added = [q for q in new.pending_questions if q not in old.pending_questions]
    d.questions_removed = [q for q in old.pending_questions if q not in new.pending_questions]
    return d


def _spec(rule) -> dict[str, Any]:
    return rule.spec.model_dump(mode="json", by_alias=True)


def diff_rulebooks(old: Rulebook, new: Rulebook, extra_cases: list[tuple[str, Case]] | None = None,
                   problems: Problems | None = None) -> RulebookDiff:
    problems = problems if problems is not None else Problems()
    added = [c for c in new.rules if c not in old.rules]
    removed = [c for c in old.rules if c not in new.rules]
    edited = [c for c in new.rules if c in old.rules and _spec(new.rules[c]) != _spec(old.rules[c])]
    seen: set[str] = set()
    cases: list[CaseDiff] = []
    for book in (new, old):  # the new scenarios first; an old one the edit removed still counts
        for name, source, case, _today in _cases(book, problems):
            if name in seen:
                continue
            seen.add(name)
            cases.append(compare(name, source, evaluate(old, case), evaluate(new, case)))
    for source, case in extra_cases or []:
        cases.append(compare(Path(source).name, source, evaluate(old, case), evaluate(new, case)))
    return RulebookDiff(added, removed, edited, cases)


STATUS_JA = {"required": "要", "to_confirm": "要確認"}


def render_text(diff: RulebookDiff, old: Rulebook, new: Rulebook) -> str:
    lines = [f"ルールの変更点：{display_path(old.path)} → {display_path(new.path)}", ""]
    if diff.added or diff.removed or diff.edited:
        lines.append("【ルールブック】")
        lines += [f"  + 追加  {c}（{new.rules[c].title}）" for c in diff.added]
        lines += [f"  - 削除  {c}（{old.rules[c].title}）" for c in diff.removed]
        lines += [f"  ~ 変更  {c}（{new.rules[c].title}）" for c in diff.edited]
        lines.append("")
    changed = [c for c in diff.cases if not c.empty]
    lines.append(f"【シナリオと事案】{len(diff.cases)}件のうち、結果が変わるもの {len(changed)}件")
    for c in changed:
        lines.append(f"■ {c.name}　（{c.source}）")
        for p in c.appeared:
            due = f"　期限 {p['deadline']}" if p["deadline"] else ""
            lines.append(f"  + 新たに対象  {p['id']} {p['title']}（{STATUS_JA[p['status']]}）{due}")
        for p in c.disappeared:
            lines.append(f"  - 対象外に    {p['id']} {p['title']}（これまで{STATUS_JA[p['status']]}）")
        for ch in c.changed:
            if ch["field"] == "status":
                lines.append(f"  ~ 判定        {ch['id']} {ch['title']}：{STATUS_JA[ch['old']]} → {STATUS_JA[ch['new']]}")
            else:
                lines.append(f"  ~ 期限        {ch['id']} {ch['title']}：{ch['old'] or 'なし'} → {ch['new'] or 'なし'}")
        for q in c.questions_added:
            lines.append(f"  ? 新たに聞く質問  {q}")
        for q in c.questions_removed:
            lines.append(f"  ? 聞かなくなる質問  {q}")
    if not changed:
        lines.append("  どのシナリオの結果も変わりません。")
    return "\n".join(lines) + "\n"
