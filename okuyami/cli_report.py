"""The monthly report's command line (contract §13): ``okuyami report month YYYY-MM --out FILE.pdf [--csv FILE.csv]
[--department ID]``.

``--department ID`` makes the department's own page (its month); ``--department all`` makes the corner's report
followed by a page for each department with procedures that month. ``--db``, ``--operator`` as in §8. A malformed
month (``2026-13``, ``26-11``), an unknown department or a store that cannot be reached is exit 1 with one Japanese
line; the PDF and the CSV hold no names.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .cli_store import _book, _store, common_options
from .core.problems import did_you_mean_ja, display_path
from .store.database import StoreError

ALL = "all"


def _check_department(book, dept: str) -> None:
    known = {**book.root.departments, **book.root.agencies}
    if dept != ALL and dept not in known:
        raise StoreError(f"課・機関のID '{dept}' は rules.yaml にありません{did_you_mean_ja(dept, known)}"
                         "（すべての課は --department all）。")


def cmd_report_month(args) -> int:
    from .documents.month_report import write
    from .store.report import Month

    try:
        month = Month.parse(args.month)
    except ValueError as exc:
        raise StoreError(str(exc)) from None
    for path in (args.out, args.csv):
        if path is not None and not Path(path).parent.is_dir():
            raise StoreError(f"書き出し先のフォルダ {display_path(Path(path).parent)} がありません。")
    book = _book(args)
    if args.department:
        _check_department(book, args.department)
    store = _store(args)
    try:
        if args.department == ALL:
            corner = store.month_report(month, book=book)
            depts = [d for d in book.root.departments
                     if sum(corner.current.tasks.get(d, {}).values()) or sum(corner.previous.tasks.get(d, {}).values())]
            reports = [corner] + [store.month_report(month, department=d, book=book) for d in depts]
        else:
            reports = [store.month_report(month, department=args.department, book=book)]
    finally:
        store.close()
    pages, missing = write(reports, book, Path(args.out), Path(args.csv) if args.csv else None,
                           city=book.root.municipality.name)
    if missing:
        print(f"okuyami: フォントにない文字 {''.join(missing)} を 〓 で印刷しました。", file=sys.stderr)
    what = "データなし" if not any(r.current.has_data for r in reports) else f"対応した家族 {reports[0].current.served}家族"
    print(f"{display_path(args.out)}: {month} の月次報告 {pages}ページ（{what}）")
    if args.csv:
        print(f"{display_path(args.csv)}: 同じ数値のCSV（UTF-8、BOM付き）")
    return 0


def add_commands(sub) -> None:
    rep = sub.add_parser("report", help="reports for the city's managers and council (contract §13)")
    r_sub = rep.add_subparsers(dest="report_command", metavar="SUBCOMMAND")
    mo = r_sub.add_parser("month", help="the corner's month in figures and charts (PDF, and CSV with --csv); no names")
    mo.add_argument("month", help="YYYY-MM, e.g. 2026-11")
    mo.add_argument("--out", required=True, type=Path, help="the PDF to write")
    mo.add_argument("--csv", type=Path, default=None, help="also write the figures as CSV (UTF-8 with BOM)")
    mo.add_argument("--department", default=None, metavar="ID",
                    help="the department's own page (ID from rules.yaml), or 'all' for the corner's report and a page "
                         "for each department")
    mo.add_argument("--rules", type=Path, default=None, help="rules.yaml (default: the built-in rulebook)")
    common_options(mo)
    mo.set_defaults(func=cmd_report_month)
