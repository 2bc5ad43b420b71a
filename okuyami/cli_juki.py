"""The core-system import and the exports (contract §10): ``okuyami import juki``, ``okuyami export …``.

    okuyami import juki FILE.csv [--profile PROFILE.yaml] [--format text|json] [--check]
    okuyami export cases --from D --to D [--format csv] [--by case|day|department] [--encoding utf-8|cp932]
                         [--with-names] [--out FILE]
    okuyami export prep --department ID [--date D] [--until D] [--encoding utf-8|cp932] [--out FILE]

Exit codes: 0 success; 1 a bad row was skipped, the file or profile cannot be used, or the store refused (a
Japanese message naming the file and line); 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .cli_store import UsageError, _book, _date, _store, common_options
from .core.calendar import today as _today
from .core.problems import display_path


def cmd_import_juki(args) -> int:
    from .juki.importer import import_file
    from .juki.profile import load_profile
    from .juki.reader import FileProblem, read_death_list

    profile = load_profile(args.profile)  # InvalidInput: located problems, exit 1
    shown = display_path(args.file)
    try:
        if args.check:
            read = read_death_list(args.file, profile, today=_today(), shown=shown)
            for p in read.skipped + read.warnings:
                print(p.located(shown), file=sys.stderr if p.kind == "skipped" else sys.stdout)
            print(f"確認のみ（取り込んでいません）：{read.name}（{read.encoding_label}・{profile.name}）"
                  f"{read.rows}行のうち、取り込める行 {len(read.records)}行、取り込めない行 {len(read.skipped)}行。")
            return 0 if not read.skipped else 1
        book = _book(args)
        store = _store(args)
        try:
            report = import_file(store, args.file, profile, book=book, shown=shown)
        finally:
            store.close()
    except FileProblem as exc:
        print(f"okuyami: {exc.mark}: {exc.message}。何も取り込んでいません。", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2, default=str))
    else:
        case_of = report.outcome.case_of_line()
        for w in report.read.warnings:
            print(w.located(shown) + (f"（案件 {case_of[w.line]}）" if w.line in case_of else ""))
        for line in report.conflict_lines():
            print(line)
        print(report.summary())
    for s in report.read.skipped:
        print(s.located(shown), file=sys.stderr)
    return 0 if report.ok else 1


def _write(data: bytes, out: Path | None, replaced: list[str], encoding: str) -> None:
    if out is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        Path(out).write_bytes(data)
    if replaced:
        shown = "、".join(replaced[:10]) + (f" ほか{len(replaced) - 10}文字" if len(replaced) > 10 else "")
        print(f"okuyami: {encoding} にない文字 {len(replaced)}文字を〓に置き換えました（{shown}）。"
              "そのままの文字が必要なら --encoding utf-8 で書き出してください。", file=sys.stderr)


def cmd_export_cases(args) -> int:
    from .juki.export import cases_table, to_csv

    first, last = args.from_date, args.to_date
    if last < first:
        raise UsageError(f"--to（{last.isoformat()}）が --from（{first.isoformat()}）より前です")
    book = _book(args)
    store = _store(args)
    try:
        stats = store.export_stats(first, last, with_names=args.with_names, by=args.by)
    finally:
        store.close()
    data, replaced = to_csv(cases_table(stats, book, by=args.by, with_names=args.with_names), args.encoding)
    _write(data, args.out, replaced, args.encoding)
    if args.out:
        print(f"{args.out}: {len(stats)}件の案件を書き出しました（{first.isoformat()}〜{last.isoformat()}、"
              f"{'氏名あり' if args.with_names else '氏名なし'}）。")
    return 0


def cmd_export_prep(args) -> int:
    from .cli_store import _check_department
    from .juki.export import prep_table, to_csv

    book = _book(args)
    _check_department(book, args.department)
    store = _store(args)
    try:
        lines = store.work_list(department=args.department, date=args.date, until=args.until)
    finally:
        store.close()
    data, replaced = to_csv(prep_table(book, lines), args.encoding)
    _write(data, args.out, replaced, args.encoding)
    return 0


def add_commands(sub) -> None:
    imp = sub.add_parser("import", help="import from the city's core systems (住基 death list, contract §10)")
    i_sub = imp.add_subparsers(dest="import_command", metavar="SUBCOMMAND")
    jk = i_sub.add_parser("juki", help="the daily 住基 death list (CSV, Shift_JIS or UTF-8): one case per 宛名番号")
    jk.add_argument("file", help="the CSV file")
    jk.add_argument("--profile", type=Path, default=None,
                    help="a vendor profile (YAML) mapping other column names and codes onto the default layout")
    jk.add_argument("--format", choices=("text", "json"), default="text")
    jk.add_argument("--check", action="store_true", help="read and check only; import nothing")
    jk.add_argument("--rules", type=Path, default=None, help="rules.yaml (default: the built-in rulebook)")
    common_options(jk)
    jk.set_defaults(func=cmd_import_juki)

    exp = sub.add_parser("export", help="CSV for the city's statistics and the departments' preparation lists")
    e_sub = exp.add_subparsers(dest="export_command", metavar="SUBCOMMAND")
    ec = e_sub.add_parser("cases", help="per case (or --by day / department): visits, time at the corner, questions "
                                        "asked, procedures per department; no names unless --with-names (audited)")
    ec.add_argument("--from", dest="from_date", type=_date, required=True, metavar="D")
    ec.add_argument("--to", dest="to_date", type=_date, required=True, metavar="D")
    ec.add_argument("--format", choices=("csv",), default="csv")
    ec.add_argument("--by", choices=("case", "day", "department"), default="case")
    ec.add_argument("--with-names", action="store_true", help="add the names (recorded in the audit log)")
    _export_options(ec)
    ec.set_defaults(func=cmd_export_cases)
    ep = e_sub.add_parser("prep", help="a department's preparation list (準備リスト) as CSV")
    ep.add_argument("--department", required=True, metavar="ID", help="department or agency id from rules.yaml")
    ep.add_argument("--date", type=_date, default=None, help="families visiting or booked that day (default: every "
                                                             "task not yet done)")
    ep.add_argument("--until", type=_date, default=None, metavar="D", help="with --date: up to this day")
    _export_options(ep)
    ep.set_defaults(func=cmd_export_prep)


def _export_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--encoding", choices=("utf-8", "cp932"), default="utf-8",
                   help="utf-8 (with BOM, the default: Excel opens it) or cp932 (characters it lacks become 〓)")
    p.add_argument("--out", type=Path, default=None, help="the CSV file (default: standard output)")
    p.add_argument("--rules", type=Path, default=None, help="rules.yaml (default: the built-in rulebook)")
    common_options(p)
