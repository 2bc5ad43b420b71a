"""The shared store's command line (contract §8): ``okuyami db …``, ``cases …``, ``tasks …``, ``audit``.

Other systems and terminals rely on these commands, so their names, options and JSON fields are fixed by the
contract. ``--db URL`` (or ``$OKUYAMI_DB``) chooses the store, ``--operator NAME`` (or ``$OKUYAMI_OPERATOR``)
names who acts; both are accepted before or after the subcommand. A database that cannot be reached, or a refused
change, is exit 1 with a Japanese message naming the reason — never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml

from .cli_args import INT32_MAX, date_arg, int_arg
from .core.calendar import JST
from .core.calendar import today as _today
from .core.case import load_case_doc
from .core.facts import UNKNOWN_LITERAL, check_value
from .core.problems import InvalidInput, did_you_mean_ja, display_path
from .core.rulebook import Rulebook, load_rulebook
from .core.wareki import parse_date
from .store import migrate
from .store.cases import STATE_LABELS, TASK_LABELS
from .store.database import Database, StoreError, resolve_url, to_jst
from .store.roles import GROUPS
from .store.schema import MAX_COUNT
from .store.schema import TASK_STATUSES
from .store.store import Store
from .store.casefile import case_to_document, evaluate_row, values_from_case


class UsageError(Exception):
    """Bad usage (exit 2)."""




def _operator(args) -> str:
    import getpass

    name = getattr(args, "operator", None) or os.environ.get("OKUYAMI_OPERATOR")
    if not name:
        try:
            name = getpass.getuser()
        except Exception:  # noqa: BLE001 - no login name on this system
            name = ""
    return name


def _store(args, *, auto_upgrade: bool | None = None) -> Store:
    return Store.open(getattr(args, "db", None), operator=_operator(args), auto_upgrade=auto_upgrade)


def _book(args) -> Rulebook:
    return load_rulebook(getattr(args, "rules", None))


def _date(text: str) -> dt.date:
    return date_arg(text)


def _emit(items: list[dict], fmt: str, text_lines) -> None:
    if fmt == "json":
        print(json.dumps(items, ensure_ascii=False, indent=2))
    else:
        for line in text_lines():
            print(line)


def _sync(store: Store, book: Rulebook, case_id: int) -> None:
    row = store.get(case_id)
    result = evaluate_row(book, row)
    if result is not None:
        store.sync_tasks(case_id, result, book)


# -- db ------------------------------------------------------------------------------------------------------
def cmd_db_upgrade(args) -> int:
    db = Database(resolve_url(args.db))
    try:
        before, after = migrate.upgrade(db)
    finally:
        db.dispose()
    if before == after:
        print(f"{db.describe()}: スキーマは最新です（{after}）。変更はありません。")
    else:
        print(f"{db.describe()}: スキーマを {before or '（なし）'} から {after} にしました。")
    return 0


def cmd_db_purge(args) -> int:
    days = args.retention_days
    if days is None:
        try:
            days = _book(args).root.settings.retention_days
        except InvalidInput:
            days = 1825
    store = _store(args)
    try:
        ids = store.purge(days)
        notes = store.purge_notices()  # (端末間のお知らせ: $OKUYAMI_NOTICE_DAYS, default 7 days)
    finally:
        store.close()
    print(f"完了から{days}日を過ぎた案件 {len(ids)}件を削除しました" + (f"（案件番号 {', '.join(map(str, ids))}）" if ids else "")
          + f"。監査ログには記録が残ります。端末間のお知らせの古い記録 {notes}件も削除しました。")
    return 0


# -- cases ---------------------------------------------------------------------------------------------------
def cmd_cases_add(args) -> int:
    book = _book(args)
    shown = display_path(args.case)
    case, _doc = load_case_doc(Path(args.case), shown, today=_today(), facts=book.facts)
    store = _store(args)
    try:
        case_id = store.create_case(values=values_from_case(case), visit=False)
        for fact, value in case.facts.items():
            store.set_answer(case_id, fact, value, source=args.source)
        _sync(store, book, case_id)
    finally:
        store.close()
    print(case_id)
    return 0


def _case_number(text: str) -> int:
    import unicodedata

    digits = unicodedata.normalize("NFKC", text).strip().lstrip("#")
    if not digits.isdigit() or not digits.isascii():
        raise UsageError(f"案件番号は数字です：{text[:30]}")
    if len(digits) > 10 or not 1 <= int(digits) <= INT32_MAX:
        raise StoreError(f"案件番号 {digits[:20]} はありません。")
    return int(digits)


def cmd_cases_show(args) -> int:
    book = _book(args)
    store = _store(args)
    try:
        row = store.view(_case_number(args.number))
        gaiji = store.gaiji_choices(row.id)
    finally:
        store.close()
    doc = case_to_document(row, book.facts)
    if args.format == "yaml":
        sys.stdout.write(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, default_flow_style=False))
        return 0
    out: dict[str, Any] = {"number": row.id, "version": row.version, "state": row.state, **doc,
                           "tasks": [{"procedure": t.procedure, "department": t.department, "status": t.status,
                                      "note": t.note, "applies": t.applies, "version": t.version,
                                      "updated_at": to_jst(t.updated_at).isoformat(timespec="seconds")}
                                     for t in sorted(row.tasks.values(), key=lambda t: t.procedure)],
                           "sources": dict(sorted(row.sources.items())),
                           "warnings": _warnings(row, gaiji)}
    print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    return 0


def _warnings(row, gaiji_choices: dict[str, str] | None = None) -> list[str]:
    """外字 (private-use characters) in anything that prints, with how each will print (documents/gaiji.py)."""
    from .documents.gaiji import warnings_for

    return warnings_for({"deceased": row.deceased, "applicant": row.applicant, "funeral": row.funeral}, gaiji_choices)


def cmd_cases_list(args) -> int:
    store = _store(args)
    try:
        rows = store.list_cases(args.search or "", limit=args.limit, date=args.date, audited=True)
    finally:
        store.close()
    _emit([r.to_json() for r in rows], args.format, lambda: (
        f"{r.id:>6}  {r.deceased_name or '（氏名未入力）'}  死亡日 {r.death_date or '—'}  {STATE_LABELS[r.state]}"
        f"  未完了 {r.open_tasks}件  更新 {to_jst(r.updated_at):%Y-%m-%d %H:%M}" for r in rows))
    return 0


def _parse_value(fact: str, text: str, facts: dict) -> Any:
    """VALUE as typed on the command line → the answer, checked against the rulebook's catalogue of facts."""
    d = facts.get(fact)
    if d is None or d.derived and not d.askable:
        raise StoreError(f"質問（事実）名 '{fact}' はありません{did_you_mean_ja(fact, facts)}。")
    if text == UNKNOWN_LITERAL:
        value: Any = text
    elif d.kind == "bool":
        words = {"true": True, "false": False, "はい": True, "いいえ": False, "yes": True, "no": False}
        value = words.get(text.strip().lower(), text)
    elif d.kind == "int":
        import unicodedata
        t = unicodedata.normalize("NFKC", text).strip()
        value = int(t) if t.isdigit() and t.isascii() and len(t) <= 6 else text
    elif d.kind == "date":
        try:
            value = parse_date(text)
        except ValueError:
            value = text
    else:
        value = text
    expected = check_value(d, value)
    if expected:
        shown = text if len(text) <= 30 else text[:30] + "…"
        words = {"bool": "true・false・unknown（はい・いいえ・わからない）", "int": f"0から{MAX_COUNT}までの整数",
                 "date": "日付（YYYY-MM-DD）", "text": "文字"}.get(d.kind) or "・".join([*d.values, "unknown"]) + " のどれか"
        raise StoreError(f"'{fact}' の値は {words} です（'{shown}' は使えません）。")
    return value.isoformat() if isinstance(value, dt.date) else value  # dates are kept as ISO text


def cmd_cases_answer(args) -> int:
    case_id = _case_number(args.number)
    if args.clear == (args.value is not None):
        raise UsageError("VALUE か --clear のどちらか一方を指定してください")
    book = _book(args)
    store = _store(args)
    try:
        if args.clear:
            version = store.clear_answer(case_id, args.fact, if_version=args.if_version)
        else:
            value = _parse_value(args.fact, args.value, book.facts)
            version = store.set_answer(case_id, args.fact, value, source=args.source, if_version=args.if_version)
        _sync(store, book, case_id)
        version = store.get(case_id).version
    finally:
        store.close()
    print(f"案件 {case_id}: {args.fact} を{'取り消しました' if args.clear else '記録しました'}（版 {version}）")
    return 0


# -- tasks ---------------------------------------------------------------------------------------------------
def _check_department(book: Rulebook, dept: str) -> None:
    known = {**book.root.departments, **book.root.agencies}
    if dept not in known:
        raise StoreError(f"課・機関のID '{dept}' は rules.yaml にありません{did_you_mean_ja(dept, known)}。")


def cmd_tasks_list(args) -> int:
    if args.department:
        _check_department(_book(args), args.department)
    store = _store(args)
    try:
        lines = store.work_list(department=args.department, date=args.date)
    finally:
        store.close()
    _emit([t.to_json() for t in lines], args.format, lambda: (
        f"{t.case:>6}  {t.deceased or '（氏名未入力）'}  {t.procedure}  [{t.department}]  {TASK_LABELS[t.status]}"
        + (f"  来庁 {to_jst(t.visit):%m/%d %H:%M}" if t.visit else "") + (f"  メモ：{t.note}" if t.note else "")
        for t in lines))
    return 0


def cmd_tasks_set(args) -> int:
    case_id = _case_number(args.number)
    book = _book(args)
    rule = book.rules.get(args.procedure)
    if rule is None:
        raise StoreError(f"手続きコード '{args.procedure}' はルールブックにありません{did_you_mean_ja(args.procedure, book.rules)}。")
    from .store.cases import ANY
    from .store.tasks import department_of
    from .store.workflow import follow_up_past_deadline

    follow_up = args.follow_up
    if follow_up is not None and args.status != "deferred":
        raise UsageError("--follow-up（後日の予定日）は状態 deferred（後日）のときだけ指定できます")
    if follow_up is not None and follow_up < _today():
        raise StoreError(f"後日の予定日 {follow_up.isoformat()} は過ぎた日です（今日は {_today().isoformat()}）。")
    department = department_of(book, rule)
    store = _store(args)
    try:
        group, mine = store.terminal_role()
        if group == "department" and mine != department:  # the server refuses it anyway: say why, in words
            from .documents.prep_list import department_label

            raise StoreError(f"この端末は{department_label(book, mine or '')}の端末です。{rule.title}は"
                             f"{department_label(book, department)}の手続きなので、ここでは記録できません。")
        late = follow_up_past_deadline(book, store.get(case_id), args.procedure, follow_up) if follow_up else None
        if late and not args.past_deadline:  # contract §8: refused, the deadline named, unless confirmed
            raise StoreError(f"{late}。期限を過ぎてもよいときは --past-deadline を付けてください。")
        version = store.set_task(case_id, args.procedure, args.status, note=args.note,
                                 department=department, if_version=args.if_version,
                                 follow_up=follow_up if follow_up is not None else ANY)
    finally:
        store.close()
    when = f"（後日の予定日 {follow_up.isoformat()}{'・期限後' if late else ''}）" if follow_up else ""
    print(f"案件 {case_id}: {args.procedure} → {TASK_LABELS[args.status]}{when}（手続きの版 {version}）")
    return 0


# -- audit ---------------------------------------------------------------------------------------------------
def cmd_audit(args) -> int:
    since = dt.datetime.combine(args.since, dt.time(), JST) if args.since else None
    store = _store(args)
    try:
        entries = store.audit_entries(case_id=_case_number(args.case) if args.case else None, since=since)
    finally:
        store.close()
    _emit([e.to_json() for e in entries], args.format, lambda: (
        f"{to_jst(e.at):%Y-%m-%d %H:%M:%S}  {e.operator or '（不明）'}@{e.terminal}  {e.describe_ja()}"
        + (f"  案件 {e.case}" if e.case else "") for e in entries))
    return 0


def cmd_audit_verify(args) -> int:
    store = _store(args)
    try:
        report = store.verify_audit()
    finally:
        store.close()
    if report.ok:
        print(report.line())
        return 0
    print(f"okuyami: {report.line()}", file=sys.stderr)
    return 1


# -- db terminal ---------------------------------------------------------------------------------------------
def cmd_db_terminal_add(args) -> int:
    from .store import roles

    if args.department is not None:
        book = _book(args)
        if args.department not in book.root.departments:
            raise StoreError(f"課のID '{args.department}' は rules.yaml にありません"
                             f"{did_you_mean_ja(args.department, book.root.departments)}。")
    db = Database(resolve_url(args.db))
    try:
        with db.write() as conn:
            t = roles.add_terminal(conn, args.login, args.group, args.department)
    finally:
        db.dispose()
    print(f"{t.login}: {roles.GROUP_JA[t.group]}の端末にしました（{roles.GROUPS[t.group]}"
          + (f"、課 {t.department}" if t.department else "") + "）。")
    return 0


def cmd_db_terminal_list(args) -> int:
    from .store import roles

    db = Database(resolve_url(args.db))
    try:
        with db.read() as conn:
            found = roles.list_terminals(conn)
    finally:
        db.dispose()
    _emit([t.to_json() for t in found], args.format, lambda: (
        f"{t.login}  {t.group}（{roles.GROUP_JA[t.group]}）" + (f"  {t.department}" if t.department else "")
        for t in found))
    return 0


# -- parser --------------------------------------------------------------------------------------------------
def common_options(p: argparse.ArgumentParser, *, top: bool = False) -> None:
    """--db and --operator, accepted before or after the subcommand (a subcommand's copy never hides the top's)."""
    default = None if top else argparse.SUPPRESS
    p.add_argument("--db", default=default, metavar="URL",
                   help="the case store: a file path, sqlite:///PATH or postgresql://USER@HOST/DB (default: $OKUYAMI_DB "
                        "or the user data folder)")
    p.add_argument("--operator", default=default, metavar="NAME",
                   help="who acts, for the audit log (default: $OKUYAMI_OPERATOR or the login name)")


def _rules_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", type=Path, default=None, help="rules.yaml (default: the built-in rulebook)")


def add_commands(sub) -> None:
    db = sub.add_parser("db", help="the case store: create or migrate the schema, purge old cases")
    db_sub = db.add_subparsers(dest="db_command", metavar="SUBCOMMAND")
    up = db_sub.add_parser("upgrade", help="create the schema or migrate it to this version (safe to repeat)")
    common_options(up)
    up.set_defaults(func=cmd_db_upgrade)
    pg = db_sub.add_parser("purge", help="remove cases closed longer than the retention period (audited)")
    common_options(pg)
    _rules_option(pg)
    pg.add_argument("--retention-days", type=int_arg("保存日数", 1, 36500), default=None,
                    help="days after closing (default: rules.yaml settings.retention_days, else 1825 = 5 years)")
    pg.set_defaults(func=cmd_db_purge)

    cases = sub.add_parser("cases", help="cases in the store: add, show, list, answer")
    c_sub = cases.add_subparsers(dest="cases_command", metavar="SUBCOMMAND")
    add = c_sub.add_parser("add", help="store a case file (contract §1); prints the new case number")
    add.add_argument("case", help="case file (YAML)")
    add.add_argument("--source", choices=("counter", "phone"), default="counter",
                     help="where the answers were heard: counter (窓口) or phone (電話); 住基 answers come only from "
                          "okuyami import juki")
    common_options(add)
    _rules_option(add)
    add.set_defaults(func=cmd_cases_add)
    show = c_sub.add_parser("show", help="one case as a case file (yaml) or with tasks and sources (json)")
    show.add_argument("number")
    show.add_argument("--format", choices=("yaml", "json"), default="yaml")
    common_options(show)
    _rules_option(show)
    show.set_defaults(func=cmd_cases_show)
    ls = c_sub.add_parser("list", help="cases, most recently changed first")
    ls.add_argument("--date", type=_date, default=None, help="cases visiting, booked, created or changed that day")
    ls.add_argument("--search", default=None, help="name, kana, case number, 和暦 or western date")
    ls.add_argument("--format", choices=("json", "text"), default="text")
    ls.add_argument("--limit", type=int_arg("件数", 1, 100000), default=200)
    common_options(ls)
    ls.set_defaults(func=cmd_cases_list)
    ans = c_sub.add_parser("answer", help="record one answer (unknown for わからない) or --clear it")
    ans.add_argument("number")
    ans.add_argument("fact")
    ans.add_argument("value", nargs="?", default=None)
    ans.add_argument("--clear", action="store_true")
    ans.add_argument("--if-version", type=int_arg("版", 0, INT32_MAX), default=None, metavar="V",
                     help="refuse if the case changed since version V")
    ans.add_argument("--source", choices=("counter", "phone"), default="counter",
                     help="counter (窓口) or phone (電話); 住基 answers come only from okuyami import juki")
    common_options(ans)
    _rules_option(ans)
    ans.set_defaults(func=cmd_cases_answer)

    tasks = sub.add_parser("tasks", help="the departments' work: list and set task statuses")
    t_sub = tasks.add_subparsers(dest="tasks_command", metavar="SUBCOMMAND")
    tl = t_sub.add_parser("list", help="tasks (without --date: every task not yet done)")
    tl.add_argument("--department", default=None, metavar="ID", help="department or agency id from rules.yaml")
    tl.add_argument("--date", type=_date, default=None)
    tl.add_argument("--format", choices=("json", "text"), default="text")
    common_options(tl)
    _rules_option(tl)
    tl.set_defaults(func=cmd_tasks_list)
    ts = t_sub.add_parser("set", help="record a task's status")
    ts.add_argument("number")
    ts.add_argument("procedure")
    ts.add_argument("status", choices=TASK_STATUSES)
    ts.add_argument("--note", default=None)
    ts.add_argument("--if-version", type=int_arg("版", 0, INT32_MAX), default=None, metavar="V")
    ts.add_argument("--follow-up", type=_date, default=None, metavar="DATE",
                    help="the day a deferred (後日) task will be done; after the legal deadline only with --past-deadline")
    ts.add_argument("--past-deadline", action="store_true",
                    help="accept a --follow-up day after the procedure's legal deadline (the family was told)")
    common_options(ts)
    _rules_option(ts)
    ts.set_defaults(func=cmd_tasks_set)

    term = db_sub.add_parser("terminal", help="PostgreSQL: each terminal's own login and its group (contract §11)")
    term_sub = term.add_subparsers(dest="terminal_command", metavar="SUBCOMMAND")
    ta = term_sub.add_parser("add", help="(the owner) make an existing LOGIN role a terminal of a group")
    ta.add_argument("login", help="the terminal's LOGIN role (made by IT: CREATE ROLE name LOGIN PASSWORD ...)")
    ta.add_argument("--group", required=True, choices=tuple(GROUPS),
                    help="counter (corner, reservations, 住基 import), department (a department's counter) or "
                         "auditor (reads and verifies the audit log)")
    ta.add_argument("--department", default=None, metavar="ID", help="with --group department: its id in rules.yaml")
    common_options(ta)
    _rules_option(ta)
    ta.set_defaults(func=cmd_db_terminal_add)
    tl_ = term_sub.add_parser("list", help="the terminals' logins, groups and departments")
    tl_.add_argument("--format", choices=("json", "text"), default="text")
    common_options(tl_)
    tl_.set_defaults(func=cmd_db_terminal_list)

    au = sub.add_parser("audit", help="the audit log: who saw, printed or changed what, when; audit verify")
    au.add_argument("--case", default=None, metavar="NUMBER")
    au.add_argument("--since", type=_date, default=None, metavar="DATE")
    au.add_argument("--format", choices=("json", "text"), default="text")
    common_options(au)
    au.set_defaults(func=cmd_audit)
    au_sub = au.add_subparsers(dest="audit_command", metavar="SUBCOMMAND")
    av = au_sub.add_parser("verify", help="check the hash chain: exit 0 when intact, 1 naming the first entry "
                                          "changed, removed or inserted")
    common_options(av)
    av.set_defaults(func=cmd_audit_verify)


def run_guarded(func, args) -> int:
    """Store commands: Japanese one-line messages for every expected failure."""
    try:
        return func(args)
    except UsageError as exc:
        print(f"okuyami: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"okuyami: {exc}", file=sys.stderr)
        return 1
