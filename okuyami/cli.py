"""The ``okuyami`` command (contract §6).

    okuyami rules check [--rules PATH]
    okuyami rules test  [--rules PATH]
    okuyami evaluate CASE.yaml --format json|text [--rules PATH]

Exit codes: 0 success; 1 an invalid case or rulebook, or a failing scenario (located messages on stderr,
never a traceback); 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import __version__
from .core.calendar import today as _today  # $OKUYAMI_TODAY or today
from .core.case import load_case
from .core.engine import evaluate
from .core.problems import InvalidInput, display_path
from .core.report import render_text
from .core.rulebook import check_rulebook, load_rulebook
from .core.scenarios import run_all
from .cli_args import JapaneseArgumentParser, undecodable_argument
from .cli_store import add_commands as add_store_commands
from .cli_store import common_options, run_guarded
from .cli_juki import add_commands as add_juki_commands
from .cli_reservations import COMMANDS as RESERVATION_COMMANDS
from .cli_reservations import add_commands as add_reservation_commands

_COMMANDS = ("rules", "evaluate", "print", "gui", "doctor", "db", "cases", "tasks", "audit", "import",
             "export") + RESERVATION_COMMANDS




def _print_problems(problems) -> None:
    for p in problems:
        print(str(p), file=sys.stderr)


def _check_with_forms(rules, today):
    """The rulebook and its form templates, checked together: (book, problems, number of templates)."""
    from .documents.templates import load_templates

    book, problems = check_rulebook(rules, today=today)
    n_forms = len(load_templates(book.forms_dir, problems)) if book is not None and book.forms_dir.is_dir() else 0
    return book, problems, n_forms


def cmd_check(args) -> int:
    book, problems, n_forms = _check_with_forms(args.rules, _today())
    _print_problems(problems.sorted())
    if problems.errors or book is None:
        n = len(problems.errors)
        print(f"{n} error{'s' if n != 1 else ''}: the rulebook cannot be used until {'they are' if n != 1 else 'it is'} fixed",
              file=sys.stderr)
        return 1
    print(f"ok: {display_path(book.path)} — {len(book.rules)} procedures, {len(book.root.counters)} counters, "
          f"{len(book.root.agencies)} outside agencies, {len(book.questions)} questions, {n_forms} form templates"
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
        case = load_case(Path(args.case), display_path(args.case), today=_today(), facts=book.facts)
    except InvalidInput as exc:
        _print_problems(exc.problems)
        return 1
    result = evaluate(book, case)
    if args.format == "json":
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_text(book, case, result))
    return 0


def cmd_diff(args) -> int:
    from .core.diff import diff_rulebooks, render_text as render_diff

    try:
        old = load_rulebook(args.old)
        new = load_rulebook(args.new)
        extra = [(display_path(c), load_case(Path(c), display_path(c), today=_today(), facts={**old.facts, **new.facts}))
                 for c in args.cases]
    except InvalidInput as exc:
        _print_problems(exc.problems)
        return 1
    from .core.problems import Problems

    problems = Problems()
    diff = diff_rulebooks(old, new, extra, problems)
    _print_problems(problems.sorted())
    if args.format == "json":
        print(json.dumps(diff.to_json(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_diff(diff, old, new))
    return 1 if problems.errors else 0


def _offset(text: str) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in text.replace("，", ",").split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("write the offset as X,Y in millimetres, e.g. 1.5,-0.8") from None
    return x, y


def cmd_print(args) -> int:
    from .core.case import load_case_doc
    from .documents.packet import make_packet

    try:
        book = load_rulebook(args.rules)
        shown = display_path(args.case)
        case, doc = load_case_doc(Path(args.case), shown, today=_today(), facts=book.facts)
        offset = args.offset_mm or _offset(os.environ.get("OKUYAMI_PRINTER_OFFSET", "0,0"))
        packet = make_packet(book, case, Path(args.out), today=_today(), large=args.large_print, offset_mm=offset,
                             allow_missing_glyphs=args.allow_missing_glyphs, case_doc=doc, case_file=shown,
                             language=args.language)
    except InvalidInput as exc:
        _print_problems(exc.problems)
        return 1
    except argparse.ArgumentTypeError as exc:
        print(f"OKUYAMI_PRINTER_OFFSET: {exc}", file=sys.stderr)
        return 2
    for w in packet.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if packet.untranslated:
        print(f"warning: {len(packet.untranslated)} text(s) of the rulebook have no {args.language} translation and "
              "are printed in Japanese (marked); okuyami rules check lists them", file=sys.stderr)
    print(f"{display_path(packet.out_dir / 'guidance.pdf')}: 手続き案内票 {packet.guidance_pages} page(s)")
    for fid, path in packet.forms:
        print(f"{display_path(path)}")
    print(f"{display_path(packet.packet_path)}: {packet.guidance_pages + packet.cover_pages + len(packet.forms)} pages")
    return 0


def cmd_doctor(args) -> int:
    """What this PC will print with, and anything wrong with it."""
    import holidays
    import pypdf
    import reportlab

    from .documents.fonts import check_app_strings, find_fonts, licence_of

    bad = 0
    print(f"okuyami {__version__} — Python {sys.version.split()[0]}, reportlab {reportlab.Version}, "
          f"pypdf {pypdf.__version__}, holidays {holidays.__version__}")
    fonts = find_fonts()
    print("fonts:")
    for role, font in fonts.fonts.items():
        if font.embedded:
            print(f"  {role}: {font.family} ({font.path}) — embedded as a subset; licence: {licence_of(font.path)}")
        else:
            print(f"  {role}: {font.name} — NOT embedded (reportlab built-in CID font)")
    for w in fonts.warnings:
        print(f"  problem: {w}")
        bad += 1
    if not fonts.embedded:
        print("  FONTS NOT EMBEDDED: documents print, but with the fonts of whatever opens the PDF (a printer or "
              "viewer without Japanese fonts shows blanks). 日本語フォントが埋め込まれていません。Debian/Ubuntu: "
              "sudo apt-get install fonts-morisawa-bizud-mincho fonts-morisawa-bizud-gothic")
    app_problems, app_notes = check_app_strings(fonts)
    for line in app_notes:
        print(f"  note: {line}")
    for line in app_problems:
        print(f"  problem: the app's own text {line}")
        bad += 1
    if not app_problems:
        print("  the app's own printed text: every character printable with these fonts")
    book, problems, _ = _check_with_forms(args.rules, _today())
    if problems.errors:
        print(f"rulebook: {len(problems.errors)} error(s) — run 'okuyami rules check'")
        bad += 1
    else:
        print(f"rulebook: ok ({display_path(book.path)}, {len(book.rules)} procedures)")
    return 1 if bad else 0


def cmd_gui(args) -> int:
    try:
        from .ui.app import run
    except ImportError as exc:  # PySide6 missing or the system lacks a Qt library
        print(f"okuyami: the desk app cannot start: {exc}. Install it with: pip install 'okuyami[gui]'",
              file=sys.stderr)
        return 1
    return run(args.data_dir, args.rules, args.clerk or args.operator or "", db=args.db,
               department=args.department)


def build_parser() -> argparse.ArgumentParser:
    parser = JapaneseArgumentParser(prog="okuyami", description="おくやみコーナー: 手続きの判定と案内")
    parser.add_argument("--smoke-test", action="store_true",
                        help="check that this installation works (window, evaluation, printing) and exit")
    common_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    rules = sub.add_parser("rules", help="check or test a rulebook")
    rules_sub = rules.add_subparsers(dest="rules_command", metavar="SUBCOMMAND")
    for name, func, text in (("check", cmd_check, "validate the rulebook; every problem as file:line:col"),
                             ("test", cmd_test, "run the scenario tests beside the rules")):
        p = rules_sub.add_parser(name, help=text)
        p.add_argument("--rules", type=Path, default=None, help="rules.yaml (default: the built-in rulebook)")
        p.set_defaults(func=func)
    df = rules_sub.add_parser("diff", help="what an edit changes, scenario by scenario")
    df.add_argument("old", type=Path, help="the rulebook now in use (its rules.yaml)")
    df.add_argument("new", type=Path, help="the edited rulebook (its rules.yaml)")
    df.add_argument("cases", nargs="*", help="case files to compare too")
    df.add_argument("--format", choices=("text", "json"), default="text")
    df.set_defaults(func=cmd_diff)

    ev = sub.add_parser("evaluate", help="list the procedures for a case file")
    ev.add_argument("case", help="case file (YAML, contract §1)")
    ev.add_argument("--format", choices=("json", "text"), default="text")
    ev.add_argument("--rules", type=Path, default=None, help="rules.yaml (default: the built-in rulebook)")
    ev.set_defaults(func=cmd_evaluate)

    pr = sub.add_parser("print", help="write the guidance sheet and the prefilled forms (contract §7)")
    pr.add_argument("case", help="case file (YAML, contract §1)")
    pr.add_argument("--out", required=True, help="folder for guidance.pdf, forms/, packet.pdf")
    pr.add_argument("--rules", type=Path, default=None, help="rules.yaml (default: the built-in rulebook)")
    pr.add_argument("--large-print", action="store_true", help="大きな文字: body text 14 pt or more")
    pr.add_argument("--offset-mm", type=_offset, default=None, metavar="X,Y",
                    help="shift everything printed by X,Y mm (right, down) so a pre-printed form lines up on this "
                         "printer (default: $OKUYAMI_PRINTER_OFFSET or 0,0)")
    pr.add_argument("--allow-missing-glyphs", action="store_true",
                    help="print even if a character is not in the font (it prints as 〓 to be written by hand)")
    pr.add_argument("--language", choices=("ja", "en", "easy-ja"), default="ja",
                    help="the family's language for the guidance sheet: ja (default), en (English), easy-ja "
                         "(やさしい日本語); official forms stay Japanese, each with a cover note in that language")
    pr.set_defaults(func=cmd_print)

    gui = sub.add_parser("gui", help="open the desk app (the default without a command)")
    _gui_options(gui)
    gui.set_defaults(func=cmd_gui)

    doc = sub.add_parser("doctor", help="report the fonts in use and any problem with this installation")
    doc.add_argument("--rules", type=Path, default=None)
    doc.set_defaults(func=cmd_doctor)

    add_store_commands(sub)  # contract §8: db, cases, tasks, audit
    add_juki_commands(sub)  # contract §10: import juki, export cases / prep
    add_reservation_commands(sub)  # contract §9: slots, reservations
    return parser


def _gui_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", type=Path, default=None,
                   help="where this PC keeps its settings, and its cases unless --db says otherwise "
                        "(default: $OKUYAMI_DATA_DIR or the user data folder)")
    p.add_argument("--rules", type=Path, default=None, help="rules.yaml (default: the built-in rulebook)")
    p.add_argument("--clerk", default="", help="same as --operator (kept for older shortcuts)")
    p.add_argument("--department", default=None, metavar="ID",
                   help="open as this department's terminal (default: the choice remembered on this PC)")
    common_options(p)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    bad = undecodable_argument(argv)
    if bad is not None:
        print(f"okuyami: {bad}番目の引数にUTF-8として読めない文字があります。端末の文字コード（UTF-8）を確かめてください。",
              file=sys.stderr)
        return 2
    if not argv or argv[0].startswith("--data-dir") or argv[0] in ("--rules", "--clerk", "--department") or (
            argv[0] in ("--db", "--operator") and not any(a in _COMMANDS for a in argv)):
        argv = ["gui", *argv]  # `okuyami` alone opens the desk app
    args = parser.parse_args(argv)
    if args.smoke_test:
        from .ui.smoke import smoke_test

        return smoke_test()
    func = getattr(args, "func", None)
    if func is None:
        target = parser
        choices = parser._subparsers._group_actions[0].choices
        if args.command in choices:
            target = choices[args.command]
        target.print_help(sys.stderr)
        return 2
    try:
        if args.command in ("db", "cases", "tasks", "audit", "import", "export") + RESERVATION_COMMANDS:
            return run_guarded(func, args)
        return func(args)
    except InvalidInput as exc:
        _print_problems(exc.problems)
        return 1
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    except BrokenPipeError:  # `okuyami cases list | head`: the reader stopped listening
        sys.stderr.close()
        return 0
    except Exception as exc:  # a bug, not bad input: say so in one line (OKUYAMI_DEBUG=1 shows the traceback)
        if os.environ.get("OKUYAMI_DEBUG"):
            raise
        # the exception's text may hold SQL or a resident's data: only its kind is shown, the rest goes to the
        # IT log, masked (okuyami.core.redact)
        from .core.redact import it_log

        log = it_log("internal-error", command=" ".join(a for a in argv[:3] if not a.startswith("-")),
                     error=type(exc).__name__, message=exc)
        print(f"okuyami: 内部エラーです（{type(exc).__name__}）。入力ではなくokuyamiの不具合です。使ったコマンドとファイルを"
              "添えて情報システム担当に連絡してください" + (f"（記録：{log}）" if log else "")
              + "。OKUYAMI_DEBUG=1 で詳細を表示します。", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
