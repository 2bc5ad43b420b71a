"""The rulebook as a spreadsheet and back (表計算での編集, contract §12): ``okuyami rules export-xlsx`` and
``okuyami rules import-xlsx``.

What changes every year — a title, a counter, what to bring, a note, a reason and their translations — a
department clerk edits in Excel; the conditions and the deadlines stay in YAML, where ``rules diff`` reviews them
(the workbook shows them read-only, in words).

Export: one sheet per department (the ``department:`` of the file the procedure lives in), one row per procedure,
the code locked. A hidden sheet (``_okuyami``) records what the workbook was made from: every file's SHA-256 and
the codes of each sheet in order.

Import: every cell that differs from the rulebook is checked (an empty or too long text, an unknown counter, a
formula, a changed / added / removed code, a workbook made from files that have changed since); any error, and
nothing is written. The changes are then written into the YAML files as line-exact edits of the values' own text
(:mod:`okuyami.core.yamledit`): comments, order and formatting of every untouched line stay; the result is read
again and checked as a whole rulebook before anything is written, and printed as a diff. An unedited workbook
changes nothing, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .conditions import describe
from .messages import kind_of, say
from .problems import Mark, Problem, Problems, display_path, hint
from .rulebook import Rule, Rulebook, check_rulebook
from .translations import DEFAULT_LIMIT, MAX_ITEMS, TEXT_LIMITS
from .yamledit import Editor

FORMAT = "okuyami-rules-xlsx/1"
META = "_okuyami"
HEADER_ROWS = 2  # row 1: what a clerk reads; row 2: the YAML key of the column
FIRST_ROW = HEADER_ROWS + 1


@dataclass(frozen=True)
class Column:
    key: str  # the YAML key (row 2)
    label: str  # Japanese heading (row 1)
    width: int
    kind: str = "text"  # text | list | place | info (read-only)

    @property
    def editable(self) -> bool:
        return self.key != "code" and self.kind != "info"

    @property
    def base(self) -> str:
        """'title' for title, title_en and title_easy."""
        return re.sub(r"_(en|easy)$", "", self.key)

    @property
    def translation(self) -> bool:
        return self.key != self.base


COLUMNS = [
    Column("code", "コード（変更不可）", 22, "info"),
    Column("title", "手続き名", 30),
    Column("title_en", "手続き名（英語）", 30),
    Column("title_easy", "手続き名（やさしい日本語）", 30),
    Column("counter", "窓口・外部機関のID", 18, "place"),
    Column("place_name", "窓口・外部機関の名前（参考）", 26, "info"),
    Column("deadline", "期限（参考：変更はYAMLで）", 24, "info"),
    Column("bring", "持ち物（1行に1つ）", 34, "list"),
    Column("bring_en", "持ち物（英語・1行に1つ）", 34, "list"),
    Column("bring_easy", "持ち物（やさしい日本語・1行に1つ）", 34, "list"),
    Column("note", "備考（案内票に印刷）", 40),
    Column("note_en", "備考（英語）", 40),
    Column("note_easy", "備考（やさしい日本語）", 40),
    Column("reason", "理由（なぜ対象か）", 34),
    Column("reason_en", "理由（英語）", 34),
    Column("reason_easy", "理由（やさしい日本語）", 34),
    Column("when", "対象となる条件（参考：変更はYAMLで）", 44, "info"),
    Column("file", "ファイル（参考）", 22, "info"),
]
BY_KEY = {c.key: c for c in COLUMNS}
MULTILINE = {"note", "note_en", "note_easy"}  # texts that may hold a line break (the others are one line)


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sheet_title(name: str, used: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "・", name).strip("'")[:28] or "sheet"
    base, n = title, 2
    while title in used or title == META:
        title = f"{base}{n}"
        n += 1
    used.add(title)
    return title


# --- what a cell shows --------------------------------------------------------------------------------------------

def _deadline_words(book: Rulebook, rule: Rule) -> str:
    spec = rule.spec.deadline
    words = spec.describe()
    if spec.has_period:
        policy = spec.rollover or book.root.settings.rollover
        words += "（期限の日が閉庁日なら翌開庁日）" if policy == "next_open_day" else "（閉庁日でも延びない）"
    return words


def _place_name(book: Rulebook, rule: Rule) -> str:
    root = book.root
    if rule.spec.counter and rule.spec.counter in root.counters:
        c = root.counters[rule.spec.counter]
        dept = root.departments.get(c.department)
        return f"{dept.name if dept else ''} {c.name}".strip()
    if rule.spec.agency and rule.spec.agency in root.agencies:
        return root.agencies[rule.spec.agency].name
    return ""


def current_value(book: Rulebook, rule: Rule, key: str) -> Any:
    """The value a column shows for a procedure: text, a list of texts, or None."""
    spec = rule.spec
    if key == "code":
        return rule.code
    if key == "counter":
        return spec.counter or spec.agency
    if key == "place_name":
        return _place_name(book, rule)
    if key == "deadline":
        return _deadline_words(book, rule)
    if key == "when":
        return "\n".join(describe(rule.when))
    if key == "file":
        return rule.file
    return getattr(spec, key)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(value)
    return str(value)


# --- export ---------------------------------------------------------------------------------------------------------

@dataclass
class Exported:
    path: Path
    sheets: dict[str, list[str]]  # sheet → codes


def export_workbook(book: Rulebook, out: Path, department: str | None = None) -> Exported:
    """Write the workbook (one sheet per department, or only ``department``'s)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    root = book.root
    by_dept: dict[str, list[Rule]] = {}
    for rule in sorted(book.rules.values(), key=lambda r: (list(book.docs).index(r.file) if r.file in book.docs
                                                           else 0, r.path or ())):
        by_dept.setdefault(rule.file_department, []).append(rule)
    order = [d for d in root.departments if d in by_dept] + [d for d in by_dept if d not in root.departments]
    if department is not None:
        order = [d for d in order if d == department]
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    sheets: dict[str, list[str]] = {}
    files: dict[str, str] = {}
    grey = PatternFill("solid", fgColor="E7E6E6")
    head_fill = PatternFill("solid", fgColor="D9E1F2")
    wrap = Alignment(wrap_text=True, vertical="top")
    places = list(root.counters) + list(root.agencies)
    meta_rows: list[list[str]] = []
    for dept in order:
        rules = by_dept[dept]
        name = root.departments[dept].name if dept in root.departments else dept
        ws = wb.create_sheet(_sheet_title(name, used))
        sheets[ws.title] = [r.code for r in rules]
        meta_rows.append(["sheet", ws.title, dept, ",".join(r.code for r in rules)])
        for file in dict.fromkeys(r.file for r in rules):
            files[file] = _sha256(book.files[file])
        for col, c in enumerate(COLUMNS):
            head = ws.cell(row=1, column=col + 1, value=c.label)
            head.font = Font(bold=True)
            head.fill = head_fill
            head.alignment = wrap
            key = ws.cell(row=2, column=col + 1, value=c.key)
            key.font = Font(color="808080", size=8)
            key.fill = head_fill
            ws.column_dimensions[_letter(col)].width = c.width
        ws.cell(row=1, column=1).comment = Comment(
            "白い欄を書き換えて保存し、okuyami rules import-xlsx で取り込みます。灰色の欄（コード・期限・条件）は"
            "参考です。手続きの追加・削除と条件・期限の変更は YAML で行います。", "okuyami")
        for i, rule in enumerate(rules):
            row = FIRST_ROW + i
            lines = 1
            for col, c in enumerate(COLUMNS):
                value = current_value(book, rule, c.key)
                text = _cell_text(value)
                cell = ws.cell(row=row, column=col + 1)
                cell.value = text if text else None
                if text.startswith("="):
                    cell.data_type = "s"  # a text, never a formula
                cell.alignment = wrap
                locked = not c.editable or (c.kind == "list" and any("\n" in v for v in (value or [])))
                cell.protection = Protection(locked=locked)
                if locked:
                    cell.fill = grey
                lines = max(lines, text.count("\n") + 1, len(text) // max(c.width // 2, 1) + 1)
            ws.row_dimensions[row].height = min(15 * lines, 300)
        ws.freeze_panes = ws.cell(row=FIRST_ROW, column=3)
        ws.page_setup.orientation = "landscape"  # printed for a meeting: A3 across, code and title on every page
        ws.page_setup.paperSize = ws.PAPERSIZE_A3
        ws.print_title_rows = "1:2"
        ws.print_title_cols = "A:B"
        ws.protection.sheet = True  # the locked cells (code, conditions, deadline) cannot be typed over
        ws.protection.formatColumns = False  # widths and heights may change
        ws.protection.formatRows = False
        ws.protection.formatCells = False
        ws.protection.insertRows = True  # procedures are added and removed in YAML
        ws.protection.deleteRows = True
        last = FIRST_ROW + len(rules) - 1
        if places and rules:
            dv = DataValidation(type="list", formula1=f"'{META}'!$B$2:$B${1 + len(places)}", allow_blank=False,
                                showErrorMessage=True, errorTitle="窓口・外部機関のID",
                                error="rules.yaml の counters: または agencies: にあるIDを選んでください")
            ws.add_data_validation(dv)
            col = _letter(COLUMNS.index(BY_KEY["counter"]))
            dv.add(f"{col}{FIRST_ROW}:{col}{last}")
    meta = wb.create_sheet(META)
    meta.append(["format", FORMAT])
    for pid in places:  # B2… : the place ids, for the counter column's drop-down list
        meta.append(["place", pid])
    meta.append(["rules", display_path(book.path)])
    meta.append(["made", dt.datetime.now().astimezone().isoformat(timespec="seconds")])
    meta.append(["department", department or ""])
    for row in meta_rows:
        meta.append(row)
    for file, digest in files.items():
        meta.append(["file", file, digest])
    meta.sheet_state = "veryHidden"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    wb.save(tmp)
    os.replace(tmp, out)
    return Exported(out, sheets)


# --- import ---------------------------------------------------------------------------------------------------------

@dataclass
class Change:
    file: str  # the YAML file (as shown)
    rule: Rule
    key: str
    old: Any
    new: Any
    where: Mark  # the cell


@dataclass
class Imported:
    changes: list[Change] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)  # file → unified diff
    texts: dict[Path, str] = field(default_factory=dict)  # file → new text (bytes as written, decoded)
    warnings: list[Problem] = field(default_factory=list)
    written: bool = False


class _Sheet:
    def __init__(self, ws, title: str, shown: str):
        self.ws, self.title, self.shown = ws, title, shown

    def mark(self, row: int | None = None, col: int | None = None) -> Mark:
        if row is None:
            return Mark(f"{self.shown}!{self.title}")
        cell = f"{_letter(col or 0)}{row}"
        return Mark(f"{self.shown}!{self.title}!{cell}")


def _cell_value(cell, problems: Problems, sheet: _Sheet, row: int, col: int) -> str | None:
    """The text of a cell as the clerk typed it (a number typed as a number becomes its text); None after an error."""
    value = cell.value
    if value is None:
        return ""
    if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=") and cell.data_type != "s"):
        problems.error(sheet.mark(row, col), say("cell", what="数式は使えません。文字をそのまま書いてください"))
        return None
    if isinstance(value, bool):
        problems.error(sheet.mark(row, col), say("cell", what="TRUE・FALSE ではなく、文字を書いてください"))
        return None
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        problems.error(sheet.mark(row, col), say("cell", what="日付・時刻として入力されています。先頭に ' を付けて文字として"
                                                             "入力してください"))
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _check_text(key: str, text: str, problems: Problems, where: Mark) -> bool:
    column = BY_KEY[key]
    limit = TEXT_LIMITS.get(column.base, DEFAULT_LIMIT) * (2 if column.translation else 1)
    if _CONTROL.search(text):
        problems.error(where, say("cell", what="表示できない制御文字が入っています。文字を打ち直してください"))
        return False
    if "\n" in text and key not in MULTILINE:
        problems.error(where, say("cell", what=f"{column.label}は1行で書いてください（改行は使えません）"))
        return False
    if len(text) > limit:
        problems.error(where, say("text too long", name=column.label, got=len(text), limit=limit))
        return False
    return True


def _wanted(key: str, raw: str, problems: Problems, where: Mark, book: Rulebook) -> tuple[bool, Any]:
    """(ok, the value the cell asks for): a text (None when emptied), a list, or a counter id."""
    column = BY_KEY[key]
    if column.kind == "list":
        items = [line.strip() for line in raw.split("\n") if line.strip()]
        if len(items) > MAX_ITEMS:
            problems.error(where, say("too many items", name=column.label, got=len(items), limit=MAX_ITEMS))
            return False, None
        ok = True
        for item in items:
            limit = TEXT_LIMITS["bring"] * (2 if column.translation else 1)
            if _CONTROL.search(item):
                problems.error(where, say("cell", what="表示できない制御文字が入っています。文字を打ち直してください"))
                ok = False
            elif len(item) > limit:
                problems.error(where, say("text too long", name=f"{column.label}の「{item[:10]}…」", got=len(item),
                                          limit=limit))
                ok = False
        return ok, items
    text = raw.strip()
    if column.kind == "place":
        places = list(book.root.counters) + list(book.root.agencies)
        if text not in places:
            if not text:
                problems.error(where, say("empty text", name=column.label))
            else:
                problems.error(where, say("unknown counter", id=text, hint=hint(text, places)))
            return False, None
        return True, text
    if not text:
        if key == "title":
            problems.error(where, say("empty text", name=column.label))
            return False, None
        return True, None
    return _check_text(key, text, problems, where), text


def _same(old: Any, new: Any) -> bool:
    """Whether the workbook says what the rulebook says (an unedited cell): lists item by item, texts without the
    spaces and line ends a spreadsheet may add or drop around them."""
    if isinstance(old, list) or isinstance(new, list):
        return [x.strip() for x in (old or [])] == [x.strip() for x in (new or [])]
    return (old or "").strip() == (new or "").strip()


def read_workbook(path: Path, book: Rulebook, problems: Problems) -> list[Change]:
    """Every edited cell of the workbook, checked; errors (named file.xlsx!Sheet!B12) go to ``problems``."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    shown = display_path(path)
    try:
        wb = load_workbook(path, data_only=False)
    except (InvalidFileException, Exception) as exc:  # not a zip, broken XML, no such file: not a workbook
        why = "ファイルがありません" if isinstance(exc, FileNotFoundError) else "Excel のファイル（.xlsx）として開けません"
        problems.cause(Mark(shown), say("not an okuyami workbook", why=why))
        return []
    if META not in wb.sheetnames:
        problems.cause(Mark(shown), say("not an okuyami workbook", why="記録用のシートがありません"))
        return []
    meta_rows = [[c for c in row] for row in wb[META].iter_rows(values_only=True)]
    meta = {row[0]: row[1:] for row in meta_rows if row and row[0] in ("format", "rules", "made", "department")}
    if not meta.get("format") or meta["format"][0] != FORMAT:
        problems.cause(Mark(shown), say("not an okuyami workbook", why="形式が違います"))
        return []
    made = str(meta.get("made", [""])[0] or "")[:16].replace("T", " ")
    # the workbook was made from these files: any of them changed since → stale
    for row in meta_rows:
        if row and row[0] == "file":
            file, digest = row[1], row[2]
            real = book.files.get(file)
            if real is None or not real.exists() or _sha256(real) != digest:
                problems.cause(Mark(shown), say("stale workbook", file=file, made=made))
    if problems.errors:
        return []
    changes: list[Change] = []
    for row in meta_rows:
        if not row or row[0] != "sheet":
            continue
        title, codes = row[1], [c for c in str(row[3] or "").split(",") if c]
        if title not in wb.sheetnames:
            problems.error(Mark(f"{shown}!{title}"), say("not an okuyami workbook",
                                                          why=f"シート「{title}」がありません（名前を変えないでください）"))
            continue
        changes += _read_sheet(_Sheet(wb[title], title, shown), codes, book, problems)
    return changes


def _read_sheet(sheet: _Sheet, codes: list[str], book: Rulebook, problems: Problems) -> list[Change]:
    ws = sheet.ws
    keys = [ws.cell(row=2, column=i + 1).value for i in range(ws.max_column)]
    cols = {k: i for i, k in enumerate(keys) if k in BY_KEY}
    if "code" not in cols:
        problems.error(sheet.mark(), say("not an okuyami workbook", why="2行目の 'code' の列がありません（列を消さないでください）"))
        return []
    changes: list[Change] = []
    seen: dict[str, int] = {}
    expected = set(codes)
    for row in range(FIRST_ROW, ws.max_row + 1):
        values = [ws.cell(row=row, column=i + 1).value for i in range(len(keys))]
        if all(v in (None, "") for v in values):
            continue  # an empty row
        raw_code = _cell_value(ws.cell(row=row, column=cols["code"] + 1), problems, sheet, row, cols["code"])
        code = (raw_code or "").strip()
        where_code = sheet.mark(row, cols["code"])
        position = row - FIRST_ROW
        if code not in expected:
            was = codes[position] if 0 <= position < len(codes) and codes[position] not in seen else None
            if was is not None and code:
                problems.error(where_code, say("code changed", was=was, now=code))
            else:
                problems.error(where_code, say("row added", code=code or "（空）"))
            continue
        if code in seen:
            problems.error(where_code, say("row added", code=f"{code}（{seen[code]}行目と同じ）"))
            continue
        seen[code] = row
        rule = book.rules.get(code)
        if rule is None:  # pragma: no cover - the workbook is not stale, so every code is in the rulebook
            problems.error(where_code, say("row added", code=code))
            continue
        for key, col in cols.items():
            column = BY_KEY[key]
            if not column.editable:
                continue
            cell = ws.cell(row=row, column=col + 1)
            old = current_value(book, rule, key)
            if cell.value is not None and cell.data_type == "s" and _cell_text(old) == cell.value:
                continue  # untouched
            raw = _cell_value(cell, problems, sheet, row, col)
            if raw is None:
                continue
            if raw == _cell_text(old):
                continue
            where = sheet.mark(row, col)
            ok, new = _wanted(key, raw, problems, where, book)
            if not ok or _same(old, new):
                continue
            changes.append(Change(rule.file, rule, key, old, new, where))
    for code in codes:
        if code not in seen and not any(p.mark.file.startswith(sheet.mark().file) and code in p.message
                                        for p in problems.errors):
            problems.error(sheet.mark(), say("row removed", code=code))
    return changes


def _apply(book: Rulebook, changes: list[Change]) -> dict[str, str]:
    """The new text of every file that changes (line-exact edits of the values' own text)."""
    by_file: dict[str, list[Change]] = {}
    for ch in changes:
        by_file.setdefault(ch.file, []).append(ch)
    out: dict[str, str] = {}
    for file, chs in by_file.items():
        doc = book.docs[file]
        editor = Editor(doc)
        additions: dict[tuple, list[tuple[str, Any]]] = {}
        for ch in chs:
            base = ch.rule.path
            data = doc.data
            for part in base:
                data = data[part]
            if ch.key == "counter":
                old_key = "counter" if ch.rule.spec.counter else "agency"
                new_key = "counter" if ch.new in book.root.counters else "agency"
                editor.set_scalar(base + (old_key,), ch.new)
                if new_key != old_key:
                    editor.rename_key(base + (old_key,), new_key)
                continue
            if ch.key in data:
                if ch.new is None or ch.new == []:
                    if ch.key == "bring":
                        editor.set_list(base + (ch.key,), [])
                    else:
                        editor.remove_key(base, ch.key)
                elif isinstance(ch.new, list):
                    editor.set_list(base + (ch.key,), ch.new)
                else:
                    editor.set_scalar(base + (ch.key,), ch.new)
                continue
            if ch.new is None or ch.new == []:
                continue
            # a key not written yet: right under the text it translates (title → title_en → title_easy)
            column = BY_KEY[ch.key]
            anchors = [column.base, column.base + "_en"] if ch.key.endswith("_easy") else [column.base]
            removed = {c.key for c in chs if c.rule is ch.rule and (c.new is None or c.new == [])}
            anchor = next((a for a in reversed(anchors) if a in data and a not in removed), None)
            if anchor is None:  # a note, a reason or a list written for the first time: after the title's group
                anchor = next(a for a in ("title_easy", "title_en", "title") if a in data and a not in removed)
            additions.setdefault((base, anchor), []).append((ch.key, ch.new))
        for (base, anchor), pairs in additions.items():
            order = [c.key for c in COLUMNS]
            pairs.sort(key=lambda kv: order.index(kv[0]))
            editor.add_keys(base, anchor, pairs)
        out[file] = editor.result()
    return out


def _verify(book: Rulebook, texts: dict[str, str], changes: list[Change], problems: Problems) -> None:
    """Read every written file again: each changed value is what the cell said, and nothing else moved."""
    from .yamlio import load_text

    for file, text in texts.items():
        p = Problems()
        new = load_text(text, file, p)
        old = book.docs[file].data
        if p.errors or not isinstance(new.data, dict):
            problems.error(Mark(file), say("cell", what="書き込み後のファイルを読めませんでした。取り込みをやめました"
                                                        "（担当者に連絡してください）"))
            continue
        expected = _deep_copy(old)
        for ch in (c for c in changes if c.file == file):
            node = expected
            for part in ch.rule.path:
                node = node[part]
            if ch.key == "counter":
                node.pop("counter", None)
                node.pop("agency", None)
                node["counter" if ch.new in book.root.counters else "agency"] = ch.new
            elif ch.new is None or (ch.new == [] and ch.key != "bring"):
                node.pop(ch.key, None)
            else:
                node[ch.key] = ch.new
        if _normal(new.data) != _normal(expected):
            problems.error(Mark(file), say("cell", what="書き込み後の内容が表と一致しませんでした。取り込みをやめました"
                                                        "（担当者に連絡してください）"))


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def _normal(value: Any) -> Any:
    """For comparing: mappings without key order (an added key's place is not a change of meaning)."""
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def import_workbook(xlsx: Path, rules: Path | None, *, dry_run: bool = False,
                    today: dt.date | None = None) -> tuple[Imported, Problems]:
    """Check the workbook against the rulebook at ``rules`` and (unless ``dry_run``) write the changes."""
    problems = Problems()
    result = Imported()
    book, book_problems = check_rulebook(rules, today=today, spans=True)
    if book is None:
        problems.extend(book_problems.errors)
        problems.cause(Mark(display_path(xlsx)), say("cell", what="ルールに誤りがあるため、取り込めません。先に "
                                                                  "okuyami rules check の誤りを直してください"))
        return result, problems
    changes = read_workbook(xlsx, book, problems)
    if problems.errors:
        return result, problems
    result.changes = changes
    if not changes:
        return result, problems
    try:
        texts = _apply(book, changes)
    except ValueError:  # two edits of the same characters (a note removed and its translation added at once)
        problems.error(changes[0].where, say("cell", what="一度に取り込めない組み合わせの変更があります（同じ手続きの文を"
                                                          "消して、その訳を足すなど）。2回に分けて取り込んでください"))
        return result, problems
    _verify(book, texts, changes, problems)
    if problems.errors:
        return result, problems
    by_path = {book.files[f].resolve(): t for f, t in texts.items()}
    new_book, new_problems = check_rulebook(book.path, today=today, texts=by_path)
    if new_problems.errors:  # the edit would break the rulebook: say where, write nothing
        cells = {c.file: c.where for c in changes}
        for p in new_problems.errors:
            where = cells.get(p.mark.file, p.mark)
            problems.error(where, say("cell", what=f"この変更でルールに誤りが出ます：{p}"))
        return result, problems
    before = {(p.mark.file, kind_of(p.message), re.sub(r"\d+", "#", p.message)) for p in book_problems.warnings}
    result.warnings = [p for p in new_problems.warnings
                       if (p.mark.file, kind_of(p.message), re.sub(r"\d+", "#", p.message)) not in before]
    for file, text in texts.items():
        old_text = book.docs[file].text or ""
        result.diffs[file] = "".join(difflib.unified_diff(
            old_text.replace("\r\n", "\n").splitlines(keepends=True),
            text.replace("\r\n", "\n").splitlines(keepends=True), fromfile=f"a/{file}", tofile=f"b/{file}", n=1))
        result.texts[book.files[file]] = text
    if not dry_run:
        for path, text in result.texts.items():
            _write(path, text)
        result.written = True
    return result, problems


def _write(path: Path, text: str) -> None:
    """Write the new text as the file was: with its BOM if it had one; atomically (never half a file)."""
    raw = path.read_bytes()
    data = (b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b"") + text.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, path.stat().st_mode & 0o7777)  # as the file was (mkstemp makes it 0600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = ["export_workbook", "import_workbook", "read_workbook", "COLUMNS", "FORMAT"]
