"""Benchmark: median time to re-evaluate after one changed answer (issue #2, targets ≤ 2 ms / ≤ 30 ms).

    python bench/bench_engine.py [--repeat 2000]

1. The default rulebook (サンプル市, 53 procedures), a realistic interview in progress.
2. A generated rulebook of 4,000 procedures (a large city's scale): the default city's counters and question
   bank, with department files of generated procedures whose conditions mix all / any / not / applies and
   comparisons over every fact, like real rules. It is written to a temporary folder and loaded through the
   normal loader (so it also passes every check), then timed the same way.

A "change" is one answer set to a new value followed by reading the full result (procedures with statuses,
deadlines and reasons, and the pending questions) — what the desk app does after each key press.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from okuyami.core.engine import CaseDates, Session  # noqa: E402
from okuyami.core.facts import FACTS  # noqa: E402
from okuyami.core.rulebook import load_rulebook  # noqa: E402

# Facts whose question has an 'ask_when' are left out: their value is tied to another answer, and a random
# combination could contradict it (the loader would then rightly refuse the procedure as unreachable).
GATED = {f for f, q in load_rulebook(ROOT / "rules.yaml").questions.items() if q.gate is not None}
BOOLS = [f for f, d in FACTS.items() if d.kind == "bool" and not d.derived and f not in GATED]
ENUMS = [f for f, d in FACTS.items() if d.kind == "enum" and not d.derived and f not in GATED]


def leaf(rnd: random.Random, used: set[str]) -> str:
    while True:
        kind = rnd.random()
        if kind < 0.7:
            fact = rnd.choice(BOOLS)
            text = f"{{{fact}: {rnd.choice(['true', 'false'])}}}"
        elif kind < 0.85:
            fact = rnd.choice(ENUMS)
            values = FACTS[fact].values
            text = f"{{{fact}: [{', '.join(rnd.sample(values, rnd.randint(1, 2)))}]}}"
        else:
            fact = rnd.choice(["age_at_death"] + [f for f in ("children_under_18",) if f not in GATED])
            text = f"{{{fact}: {{at_least: {rnd.randint(1, 80) if fact == 'age_at_death' else rnd.randint(1, 3)}}}}}"
        if fact not in used:  # distinct facts in one 'all': always satisfiable
            used.add(fact)
            return text


def condition(rnd: random.Random, earlier: list[tuple[str, set[str]]]) -> tuple[str, set[str]]:
    """A satisfiable condition (distinct facts throughout) and the facts it uses, 'applies' included."""
    used: set[str] = set()
    items = [leaf(rnd, used) for _ in range(rnd.randint(1, 3))]
    if rnd.random() < 0.3:
        a, b = leaf(rnd, used), leaf(rnd, used)
        items.append(f"{{any: [{a}, {b}]}}")
    if rnd.random() < 0.15:
        items.append(f"{{not: {leaf(rnd, used)}}}")
    if earlier and rnd.random() < 0.1:
        code, facts = rnd.choice(earlier)
        if not facts & used:
            items.append(f"{{applies: {code}}}")
            used |= facts
    text = items[0] if len(items) == 1 else "{all: [" + ", ".join(items) + "]}"
    return text, used


def generate(folder: Path, n: int, seed: int = 7) -> Path:
    """Write a rulebook of ``n`` procedures into ``folder``; returns its rules.yaml."""
    rnd = random.Random(seed)
    shutil.copy(ROOT / "rules.yaml", folder / "rules.yaml")
    shutil.copytree(ROOT / "rules", folder / "rules")
    shutil.copytree(ROOT / "forms_templates", folder / "forms_templates")
    base = load_rulebook(folder / "rules.yaml")
    counters = list(base.root.counters.items())
    per_file = n - len(base.rules)
    files: dict[str, list[str]] = {}
    earlier: list[tuple[str, set[str]]] = []
    for i in range(per_file):
        cid, counter = counters[i % len(counters)]
        code = f"gen_{cid}_{i:05d}"
        deadline = rnd.choice(["{days: 14}", "{months: 3}", "{years: 2, rollover: none}", "{text: 速やかに}"])
        when, facts = condition(rnd, earlier)
        files.setdefault(counter.department, []).append(
            f"  - code: {code}\n    title: 生成された手続き {i}\n    counter: {cid}\n"
            f"    when: {when}\n    deadline: {deadline}\n    bring: [本人確認書類]\n"
            f"    provenance: {{basis: ベンチマーク用, verified: 2026-11-01}}\n")
        earlier.append((code, facts))
        earlier = earlier[-50:]
    text = (folder / "rules.yaml").read_text(encoding="utf-8")
    includes = "".join(f"  - rules/gen_{dep}.yaml\n" for dep in files)
    (folder / "rules.yaml").write_text(text + includes, encoding="utf-8")
    for dep, procs in files.items():
        (folder / "rules" / f"gen_{dep}.yaml").write_text(
            f"department: {dep}\nprocedures:\n" + "".join(procs), encoding="utf-8")
    return folder / "rules.yaml"


def answer_values(fact: str, facts=FACTS) -> list:
    d = facts[fact]  # the rulebook's catalogue: the city's own facts too
    if d.kind == "bool":
        return [True, False, "unknown"]
    if d.kind == "int":
        return [0, 1, 2, 3]
    return list(d.values) + ["unknown"]


def bench(book, repeat: int, seed: int = 1) -> tuple[float, float]:
    """(median µs, p95 µs) of one changed answer + reading the whole result."""
    rnd = random.Random(seed)
    dates = CaseDates(dt.date(1946, 5, 1), dt.date(2026, 11, 15), dt.date(2026, 11, 19))
    askable = [f for f in book.questions]
    answers = {f: rnd.choice(answer_values(f, book.facts)) for f in askable[: len(askable) // 2]}
    session = Session(book, dates, answers)
    _ = session.result
    samples = []
    for _ in range(repeat):
        fact = rnd.choice(askable)
        value = rnd.choice(answer_values(fact, book.facts))
        t0 = time.perf_counter_ns()
        session.answer(fact, value)
        result = session.result
        t1 = time.perf_counter_ns()
        assert result is not None
        samples.append((t1 - t0) / 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95)]


def bench_fresh(book, repeat: int, seed: int = 2) -> float:
    """Median µs of evaluating a whole case from scratch (no incremental state), for comparison."""
    rnd = random.Random(seed)
    dates = CaseDates(dt.date(1946, 5, 1), dt.date(2026, 11, 15), dt.date(2026, 11, 19))
    askable = list(book.questions)
    samples = []
    for _ in range(repeat):
        answers = {f: rnd.choice(answer_values(f, book.facts)) for f in rnd.sample(askable, len(askable) // 2)}
        t0 = time.perf_counter_ns()
        Session(book, dates, answers).result
        samples.append((time.perf_counter_ns() - t0) / 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--size", type=int, default=4000)
    args = parser.parse_args()

    t0 = time.perf_counter()
    book = load_rulebook(ROOT / "rules.yaml")
    load_default = time.perf_counter() - t0
    med, p95 = bench(book, args.repeat)
    print(f"default rulebook: {len(book.rules)} procedures, load+check {load_default * 1000:.0f} ms; "
          f"re-evaluate after one changed answer: median {med / 1000:.3f} ms (p95 {p95 / 1000:.3f} ms) "
          f"[target ≤ 2 ms]; from scratch: median {bench_fresh(book, 300) / 1000:.3f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        path = generate(Path(tmp), args.size)
        t0 = time.perf_counter()
        big = load_rulebook(path)
        load_big = time.perf_counter() - t0
        med, p95 = bench(big, max(200, args.repeat // 4))
        print(f"generated rulebook: {len(big.rules)} procedures, load+check {load_big:.1f} s; "
              f"re-evaluate after one changed answer: median {med / 1000:.3f} ms (p95 {p95 / 1000:.3f} ms) "
              f"[target ≤ 30 ms]; from scratch: median {bench_fresh(big, 30) / 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
