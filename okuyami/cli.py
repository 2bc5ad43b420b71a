"""The ``okuyami`` command (contract §6).

    okuyami rules check [--rules PATH]
    okuyami rules test  [--rules PATH]
    okuyami evaluate CASE.yaml --format json|text [--rules PATH]

Exit codes: 0 success; 1 an invalid case or rulebook, or a failing scenario (located messages on stderr,
never a traceback); 2 bad usage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

from .core.case import load_case
from .core.engine import evaluate
from .core.problems import InvalidInput, display_path
from .core.report import render_text
from .core.rulebook import check_rulebook, load_rulebook
from .core.scenarios import run_all


def _today() -> dt.date:
    """The day of the visit: today, or ``$OKUYAMI_TODAY`` (ISO date) for demonstrations and tests."""
    value = os.environ.get("OKUYAMI_TODAY")
    return dt.date.fromisoformat(value) if value else dt.date.today()


def _print_problems(problems) -> None:
    for p in problems:
        print(str(p), file=sys.stderr)


def cmd_check(args) -> int:
    book, problems = check_rulebook(args.rules)
    _print_problems(problems.sorted())
    if problems.errors or book is None:
        n = len(problems.errors)
        print(f"{n} error{'s' if n != 1 else ''}: the rulebook cannot be used until {'they are' if n != 1 else 'it is'} fixed",
              file=sys.stderr)
        return 1
    print(f"ok: {display_path(book.path)} — {len(book.rules)} procedures, {len(book.root.counters)} counters, "
          f"{len(book.root.agencies)} outside agencies, {len(book.questions)} questions"
          + (f", {len(problems.warnings)} warnings" if problems.warnings else ""))
    return 0


def cmd_test(args) -> int:
    try:
        book = load_rulebook(args.rules)
    except InvalidInput as exc:
        _print_problems(exc.problems)
        return 1
    outcomes, problems = run_all(book)
    _print_problems(problems.sorted())
    for o in outcomes:
        if o.passed:
            print(f"ok    {o.name}")
        else:
            print(f"FAIL  {o.name}  ({o.mark})")
            for f in o.failures:
                print(f"      {f}")
    passed = sum(o.passed for o in outcomes)
    failed = len(outcomes) - passed
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and not problems.errors else 1


def cmd_evaluate(args) -> int:
    try:
        book = load_rulebook(args.rules)
        case = load_case(Path(args.case), display_path(args.case), today=_today())
    except InvalidInput as exc:
        _print_problems(exc.problems)
        return 1
    result = evaluate(book, case)
    if args.format == "json":
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_text(book, case, result))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="okuyami", description="おくやみコーナー: 手続きの判定と案内")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    rules = sub.add_parser("rules", help="check or test a rulebook")
    rules_sub = rules.add_subparsers(dest="rules_command", metavar="SUBCOMMAND")
    for name, func, text in (("check", cmd_check, "validate the rulebook; every problem as file:line:col"),
                             ("test", cmd_test, "run the scenario tests beside the rules")):
        p = rules_sub.add_parser(name, help=text)
        p.add_argument("--rules", type=Path, default=None, help="rules.yaml (default: the built-in rulebook)")
        p.set_defaults(func=func)

    ev = sub.add_parser("evaluate", help="list the procedures for a case file")
    ev.add_argument("case", help="case file (YAML, contract §1)")
    ev.add_argument("--format", choices=("json", "text"), default="text")
    ev.add_argument("--rules", type=Path, default=None, help="rules.yaml (default: the built-in rulebook)")
    ev.set_defaults(func=cmd_evaluate)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        target = parser
        if args.command == "rules":
            target = next(a for a in parser._subparsers._group_actions[0].choices.values() if a.prog.endswith("rules"))
        target.print_help(sys.stderr)
        return 2
    try:
        return func(args)
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    except Exception as exc:  # a bug, not bad input: say so in one line (OKUYAMI_DEBUG=1 shows the traceback)
        if os.environ.get("OKUYAMI_DEBUG"):
            raise
        print(f"okuyami: internal error ({type(exc).__name__}: {exc}). This is a bug in okuyami, not in your "
              "file: please report it with the command and the files used (OKUYAMI_DEBUG=1 shows details).",
              file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
