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

from .cli_store import _book, _date, _store, common_options
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
