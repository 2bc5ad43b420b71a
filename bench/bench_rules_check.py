"""Benchmark: how long `rules check` (the loader and every check, in process) takes on the rulebooks of issue 23,
and the spreadsheet round trip. Medians of --repeat runs.

    python bench/bench_rules_check.py [--repeat 5]

1. the default rulebook (53 procedures), clean;
2. the default rulebook with an alias bomb in rules/shimin.yaml (9 levels of 9 aliases: 387 million values if
   expanded) — refused;
3. the same bomb in a case file (okuyami evaluate's loader) — refused;
4. a 5 MB department file (5,000 procedures, comments) — accepted;
5. export-xlsx of the default rulebook, and import-xlsx of the unedited workbook (no change).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from okuyami.core.case import load_case  # noqa: E402
from okuyami.core.problems import InvalidInput  # noqa: E402
from okuyami.core.rulebook import check_rulebook, load_rulebook  # noqa: E402
from okuyami.core.xlsx_rules import export_workbook, import_workbook  # noqa: E402


def bomb() -> str:
    lines = ['b0: &b0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"b{i}: &b{i} [" + ",".join([f"*b{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def copy_rulebook(into: Path) -> Path:
    shutil.copy(ROOT / "rules.yaml", into / "rules.yaml")
    shutil.copytree(ROOT / "rules", into / "rules")
    shutil.copytree(ROOT / "forms_templates", into / "forms_templates")
    return into / "rules.yaml"


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="okuyami-bench-"))
    os.chdir(work)
    try:
        clean = copy_rulebook((work / "clean").mkdir() or work / "clean")
        print(f"rules check, default rulebook:        {timed(lambda: check_rulebook(clean), args.repeat) * 1000:8.0f} ms")

        bombed = copy_rulebook((work / "bomb").mkdir() or work / "bomb")
        shimin = bombed.parent / "rules" / "shimin.yaml"
        shimin.write_text(shimin.read_text(encoding="utf-8").replace("procedures:\n", bomb() + "procedures:\n", 1),
                          encoding="utf-8")
        _, problems = check_rulebook(bombed)
        assert "[alias expansion]" in str(problems.errors[0])
        print(f"rules check, alias bomb in a file:    {timed(lambda: check_rulebook(bombed), args.repeat) * 1000:8.0f} ms")

        case = work / "bomb-case.yaml"
        case.write_text(bomb() + "format: okuyami-case/1\n", encoding="utf-8")

        def load_bomb_case():
            try:
                load_case(case)
            except InvalidInput:
                return
            raise AssertionError("accepted")

        print(f"case file with an alias bomb:         {timed(load_bomb_case, args.repeat) * 1000:8.0f} ms")

        big = copy_rulebook((work / "big").mkdir() or work / "big")
        kankyou = big.parent / "rules" / "kankyou.yaml"
        parts = [kankyou.read_text(encoding="utf-8")]
        size, i = len(parts[0].encode()), 0
        while size < 5 * 1024 * 1024:
            part = (f"\n  # 手続き {i}: {'長い説明の行です。' * 20}\n  - code: big_{i}\n    title: 大きな手続き{i}\n"
                    "    counter: kankyou\n    when: {dog_registered: true}\n    deadline: {days: 30}\n"
                    f"    bring: [犬の鑑札, 注射済票]\n    note: {'大きなファイルの手続きです。' * 12}\n"
                    "    provenance: {basis: 狂犬病予防法, source: 例規集, verified: 2026-11-01}\n")
            parts.append(part)
            size += len(part.encode())
            i += 1
        kankyou.write_text("".join(parts), encoding="utf-8")
        book, problems = check_rulebook(big)
        assert book is not None and not problems.errors
        print(f"rules check, 5 MB file ({i} procedures):{timed(lambda: check_rulebook(big), max(1, args.repeat // 2)):7.2f} s")

        book = load_rulebook(clean)
        xlsx = work / "rules.xlsx"
        print(f"export-xlsx, default rulebook:        {timed(lambda: export_workbook(book, xlsx), args.repeat) * 1000:8.0f} ms")
        print(f"import-xlsx, unedited workbook:       "
              f"{timed(lambda: import_workbook(xlsx, clean, dry_run=True), args.repeat) * 1000:8.0f} ms")
    finally:
        os.chdir(ROOT)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
