"""The ``okuyami`` command (contract §6).

    okuyami rules check [--rules PATH]
    okuyami rules test  [--rules PATH]
    okuyami rules export-xlsx --out FILE.xlsx [--department ID] [--rules PATH]
    okuyami rules import-xlsx FILE.xlsx [--rules PATH] [--dry-run]
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
from .cli_report import add_commands as add_report_commands

_COMMANDS = ("rules", "evaluate", "print", "gui", "doctor", "db", "cases", "tasks", "audit", "import",
             "export", "family-page", "report") + RESERVATION_COMMANDS




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
        print(f"誤り {n}件：直すまで、このルールは使えません（上から順に直してください。最初の誤りが原因で、"
              "ほかの誤りが出ていることがあります）", file=sys.stderr)
        return 1
    print(f"ok：{display_path(book.path)} — 手続き {len(book.rules)}件、窓口 {len(book.root.counters)}、"
          f"外部機関 {len(book.root.agencies)}、質問 {len(book.questions)}、様式 {n_forms}"
          + (f"、警告 {len(problems.warnings)}件" if problems.warnings else ""))
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
            print(f"不合格  {o.name}（{o.mark}）")
            for f in o.failures:
                print(f"      {f}")
    passed = sum(o.passed for o in outcomes)
    failed = len(outcomes) - passed
    print(f"合格 {passed}件、不合格 {failed}件")
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


def cmd_export_xlsx(args) -> int:
    """okuyami rules export-xlsx: the rulebook as a workbook for the departments (contract §12)."""
    from .core.xlsx_rules import export_workbook

    try:
        book = load_rulebook(args.rules)
    except InvalidInput as exc:
        _print_problems(exc.problems)
        print("ルールに誤りがあるため、表を作れません。先に誤りを直してください", file=sys.stderr)
        return 1
    if args.department is not None:
        known = {r.file_department for r in book.rules.values()}
        if args.department not in known:
            from .core.problems import did_you_mean_ja

            print(f"課のID '{args.department}' の手続きはありません{did_you_mean_ja(args.department, known)}。"
                  f"使えるID：{', '.join(sorted(known))}", file=sys.stderr)
            return 1
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        print(f"{args.out}: 出力ファイルの名前は .xlsx で終わるようにしてください", file=sys.stderr)
        return 2
    try:
        exported = export_workbook(book, out, args.department)
    except OSError as exc:
        print(f"{display_path(out)}: 書き込めません（{exc.strerror or exc}）。開いている Excel を閉じるか、"
              "別の場所を指定してください", file=sys.stderr)
        return 1
    n = sum(len(codes) for codes in exported.sheets.values())
    print(f"{display_path(out)}: {len(exported.sheets)}シート（{'、'.join(exported.sheets)}）、手続き {n}件")
    return 0


def cmd_import_xlsx(args) -> int:
    """okuyami rules import-xlsx: the edited cells back into the YAML files, line-exact (contract §12)."""
    from .core.xlsx_rules import import_workbook

    result, problems = import_workbook(Path(args.workbook), args.rules, dry_run=args.dry_run, today=_today())
    if problems.errors:
        _print_problems(problems.sorted())
        print(f"誤り {len(problems.errors)}件：何も書き込んでいません。表を直して、もう一度取り込んでください",
              file=sys.stderr)
        return 1
    for p in result.warnings:
        print(str(p), file=sys.stderr)
    if not result.changes:
        print("変更はありません（どのファイルも書き換えていません）")
        return 0
    for file, diff in result.diffs.items():
        sys.stdout.write(diff)
    files = "、".join(result.diffs)
    if args.dry_run:
        print(f"--dry-run：{len(result.changes)}か所の変更を確かめました。まだ書き込んでいません（{files}）")
    else:
        print(f"{len(result.changes)}か所を書き込みました（{files}）。okuyami rules test と rules diff で確かめてください")
    return 0


def _offset(text: str) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in text.replace("，", ",").split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("write the offset as X,Y in millimetres, e.g. 1.5,-0.8") from None
    return x, y


def cmd_print(args) -> int:
    from .core.case import load_case_doc
    from .documents.packet import make_packet

    if (args.case is None) == (args.stored_case is None):
        print("okuyami print: 案件ファイル（CASE.yaml）か --case 案件番号 のどちらか一方を指定してください",
              file=sys.stderr)
        return 2
    if args.stored_case is not None:
        return run_guarded(_print_stored, args)
    args.language = args.language or "ja"
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


def _print_stored(args) -> int:
    """``okuyami print --case NUMBER --out DIR`` (contract §7): a stored case printed as a case file would be, with
    what the departments recorded (a return visit's ✓ / 後日), the 外字 print choices made at the corner, the
    family's language, and its 案件番号 on the sheet and in the QR code. Logged like the desk app's 「PDFとして保存」
    (print log, the packet kept, audit): the family's papers were made."""
    from .cli_store import _case_number, _store
    from .documents.gaiji import apply_choices
    from .documents.packet import make_packet
    from .store.database import StoreError
    from .store.workflow import to_case

    book = load_rulebook(args.rules)
    number = _case_number(args.stored_case)
    offset = args.offset_mm or _offset(os.environ.get("OKUYAMI_PRINTER_OFFSET", "0,0"))
    store = _store(args)
    try:
        row = store.view(number)  # audited: who read the case
        case, missing = to_case(row)
        if case is None:
            raise StoreError(f"案件 {number} はまだ印刷できません：" + "、".join(missing))
        case = apply_choices(case, store.gaiji_choices(number))
        language = args.language or row.language or "ja"
        try:
            packet = make_packet(book, case, Path(args.out), today=_today(), large=args.large_print, offset_mm=offset,
                                 allow_missing_glyphs=args.allow_missing_glyphs, case_file=f"案件 {number}",
                                 language=language, progress=row.progress, number=number)
        except InvalidInput as exc:
            _print_problems(exc.problems)
            return 1
        pdf = packet.packet_path.read_bytes()
        from pypdf import PdfReader

        pages = len(PdfReader(packet.packet_path).pages)
        store.log_print(number, None, {"to": "pdf", "target": str(Path(args.out)), "forms": [f for f, _ in packet.forms],
                                       "guidance_copies": 1, "large_print": args.large_print, "language": language,
                                       "pages": pages}, pdf=pdf, pages=pages)
    finally:
        store.close()
    for w in packet.warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"{display_path(packet.out_dir / 'guidance.pdf')}: 手続き案内票 {packet.guidance_pages} page(s)（案件番号 {number}）")
    for _fid, path in packet.forms:
        print(f"{display_path(path)}")
    print(f"{display_path(packet.packet_path)}: {pages} pages")
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
    from .store import diagnose  # the connection: reachable, how fast, the last problems from the log file
    from .store.database import default_data_dir

    report = diagnose.check(getattr(args, "db", None), args.data_dir or default_data_dir())
    for line in diagnose.lines(report):
        print(line)
    if report.reachable is False:
        bad += 1
    return 1 if bad else 0


def cmd_family_page(args) -> int:
    """スマートフォンで見る: the static page for the city's website (okuyami/family/site.py)."""
    from .family.fragment import code_id
    from .family.site import write_site

    try:
        book = load_rulebook(args.rules)
    except InvalidInput as exc:
        _print_problems(exc.problems)
        return 1
    out = Path(args.out)
    try:
        written = write_site(book, out)
    except OSError as exc:
        print(f"{display_path(out)}: 書き込めません（{exc.strerror or exc}）。フォルダーの場所と書き込みの権限を確かめて"
              "ください", file=sys.stderr)
        return 1
    for path in written:
        print(display_path(path))
    seen: dict[str, str] = {}
    for code in book.rules:
        other = seen.setdefault(code_id(code), code)
        if other != code:
            print(f"注意: 手続き '{other}' と '{code}' はリンクの中の番号が同じになるため、名前で書かれます"
                  "（QRコードが少し大きくなります。新しい手続きなら、別のコードにすると避けられます）", file=sys.stderr)
    page = book.root.settings.family_page
    if page is None:
        print("注意: rules.yaml の settings: family_page: url: がないため、案内票に2つ目のQRコードは印刷されません。"
              "このフォルダーを市のウェブサイトに置き、そのアドレスを書いてください", file=sys.stderr)
    else:
        print(f"このフォルダーの中身を {page.url} に置いてください（案内票のQRコードはこのアドレスを開きます）")
    return 0


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
    ex = rules_sub.add_parser("export-xlsx", help="the rulebook as a workbook for the departments (contract §12)")
    ex.add_argument("--out", required=True, help="the workbook to write (FILE.xlsx)")
    ex.add_argument("--department", default=None, metavar="ID", help="only this department's sheet")
    ex.add_argument("--rules", type=Path, default=None, help="rules.yaml (default: the built-in rulebook)")
    ex.set_defaults(func=cmd_export_xlsx)
    im = rules_sub.add_parser("import-xlsx", help="write a workbook's edited cells back into the YAML files")
    im.add_argument("workbook", help="the workbook made by export-xlsx and edited (FILE.xlsx)")
    im.add_argument("--rules", type=Path, default=None, help="rules.yaml (default: the built-in rulebook)")
    im.add_argument("--dry-run", action="store_true", help="check and show the diff, write nothing")
    im.set_defaults(func=cmd_import_xlsx)
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
    pr.add_argument("case", nargs="?", default=None, help="case file (YAML, contract §1)")
    pr.add_argument("--case", dest="stored_case", default=None, metavar="NUMBER",
                    help="print a stored case instead (its 案件番号; --db chooses the store)")
    pr.add_argument("--out", required=True, help="folder for guidance.pdf, forms/, packet.pdf")
    pr.add_argument("--rules", type=Path, default=None, help="rules.yaml (default: the built-in rulebook)")
    pr.add_argument("--large-print", action="store_true", help="大きな文字: body text 14 pt or more")
    pr.add_argument("--offset-mm", type=_offset, default=None, metavar="X,Y",
                    help="shift everything printed by X,Y mm (right, down) so a pre-printed form lines up on this "
                         "printer (default: $OKUYAMI_PRINTER_OFFSET or 0,0)")
    pr.add_argument("--allow-missing-glyphs", action="store_true",
                    help="print even if a character is not in the font (it prints as 〓 to be written by hand)")
    pr.add_argument("--language", choices=("ja", "en", "easy-ja"), default=None,
                    help="the family's language for the guidance sheet: ja (default), en (English), easy-ja "
                         "(やさしい日本語); official forms stay Japanese, each with a cover note in that language "
                         "(a stored case: the language chosen for it at the corner)")
    common_options(pr)
    pr.set_defaults(func=cmd_print)

    gui = sub.add_parser("gui", help="open the desk app (the default without a command)")
    _gui_options(gui)
    gui.set_defaults(func=cmd_gui)

    doc = sub.add_parser("doctor", help="report the fonts in use, the database connection and any problem with "
                                        "this installation")
    doc.add_argument("--rules", type=Path, default=None)
    doc.add_argument("--data-dir", type=Path, default=None,
                     help="this PC's data folder (its settings and log file; default: $OKUYAMI_DATA_DIR or the user "
                          "data folder)")
    common_options(doc)
    doc.set_defaults(func=cmd_doctor)

    fp = sub.add_parser("family-page", help="write the family page (スマートフォンで見る) for the city's website")
    fp.add_argument("--out", required=True, help="folder for index.html, rules.json and sw.js")
    fp.add_argument("--rules", type=Path, default=None, help="rules.yaml (default: the built-in rulebook)")
    fp.set_defaults(func=cmd_family_page)

    add_store_commands(sub)  # contract §8: db, cases, tasks, audit
    add_juki_commands(sub)  # contract §10: import juki, export cases / prep
    add_reservation_commands(sub)  # contract §9: slots, reservations
    add_report_commands(sub)  # contract §13: report month
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
        if args.command in ("db", "cases", "tasks", "audit", "import", "export", "report") + RESERVATION_COMMANDS:
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
