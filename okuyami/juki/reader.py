"""Reading a death list (死亡者一覧の読込): a CSV file and a profile → import records and the bad rows.

Every row is checked on its own: a bad row (an impossible or future date, a death before the birth, no 宛名番号,
a code the profile does not know, a 宛名番号 given twice) is reported with its line number in the file (the header
is line 1 in the default layout) and skipped; the others become records. An empty cell means not known: the
question stays to be asked at the counter. A 外字 (private-use character) is kept and reported for its line.

A problem with the whole file (a missing or unknown column, a header that is not there) stops everything: nothing
is imported, and the message says which column and what the profile expected.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..core.problems import Mark, closest, display_path
from ..store.schema import MAX_COUNT, TEXT_LIMITS
from ..store.schema import PERSON_COLUMNS as _STORE_COLUMNS
from ..store.store import JukiRecord
from .dates import parse_juki_date
from .encoding import BAD_CHAR, Decoded, decode, gaiji_in
from .profile import (ANY_OTHER, COUNT_COLUMNS, DATE_COLUMNS, DEFAULT_COLUMNS, FLAG_COLUMNS, KEY_COLUMN,
                      PERSON_COLUMNS, Profile, load_profile)

_KANA = re.compile(r"^[\u30A0-\u30FF\u31F0-\u31FF]+( [\u30A0-\u30FF\u31F0-\u31FF]+)*$")
_SPACES = re.compile(r"[ \u3000]+")
_COLUMN_OF = {f"{part}.{name}": column for (part, name), column in _STORE_COLUMNS.items()}
FIELD_JA = {"deceased.name": "氏名", "deceased.kana": "氏名カナ", "deceased.sex": "性別",
            "deceased.birth_date": "生年月日", "deceased.death_date": "死亡日", "deceased.address": "住所",
            "deceased.registered_domicile": "本籍"}


class FileProblem(Exception):
    """The whole file cannot be read with this profile (nothing is imported)."""

    def __init__(self, mark: Mark, message: str):
        self.mark, self.message = mark, message
        super().__init__(f"{mark}: {message}")


@dataclass
class LineProblem:
    line: int
    message: str
    kind: str = "skipped"  # skipped (the row was not imported) / warning (imported; e.g. 外字)

    def located(self, shown: str) -> str:
        return f"{shown}:{self.line}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "message": self.message}


@dataclass
class ReadResult:
    file: str  # as shown in messages
    name: str  # the file's name (for the import log)
    sha256: str
    encoding: str
    encoding_label: str
    profile: Profile
    records: list[JukiRecord] = field(default_factory=list)
    skipped: list[LineProblem] = field(default_factory=list)
    warnings: list[LineProblem] = field(default_factory=list)
    passed_over: int = 0  # rows the profile's only_rows leaves out (not deaths): not errors
    rows: int = 0  # data rows read (blank lines not counted)
    lines: int = 0  # physical lines after the header (for a progress bar before the rows are counted)


def _clean(value: str) -> str:
    return value.strip(" \t\u3000\r\n")


def normalize_name(value: str) -> str:
    """氏名 as §1 wants it: parts separated by one half-width space. The characters themselves are kept (no NFKC:
    it would turn a 異体字 such as 塚 (U+FA10) into 塚)."""
    return _SPACES.sub(" ", _clean(value))


def normalize_kana(value: str) -> str | None:
    """フリガナ: half-width ｶﾅ and ひらがな become カタカナ; None when it is not kana at all."""
    text = unicodedata.normalize("NFKC", _clean(value))
    text = "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)
    text = _SPACES.sub(" ", text).strip()
    return text if _KANA.match(text) else None


MAX_FIELD = 4096  # characters in one cell (contract §10): more is a broken row, not a name or an address
MAX_SPAN = 20  # physical lines one quoted cell may span (an address with a line break) before it is a stray quote
MAX_FILE = 500 * 1024 * 1024  # bytes: a death list of a whole prefecture is far smaller


def _lines(text: str) -> list[str]:
    """The file's physical lines (CRLF or LF); only "\n" ends a line (a stray \x0b or \u2028 is data)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _records(lines: list[str], skip_to: int, width: int | None = None):
    """(first line, cells or a problem) of each record from line ``skip_to`` on. A row is read on its own: a stray
    quote, a NUL character or an oversized cell is reported for that row's line and reading goes on with the next
    line — one broken row never swallows the rows after it. A quoted cell may span a few lines (up to
    :data:`MAX_SPAN`) when its quote is closed and the record has ``width`` cells."""
    i, n = max(skip_to - 1, 0), len(lines)
    while i < n:
        line, first = lines[i], i + 1
        if '"' not in line:
            i += 1
            yield first, line.split(",")
            continue
        text, j = line, i
        while text.count('"') % 2 and j + 1 < n and j - i < MAX_SPAN and len(text) <= MAX_FIELD * 4:
            j += 1
            text += "\n" + lines[j]
        if text.count('"') % 2:
            i += 1
            yield first, LineProblem(first, "引用符（\"）が閉じていません（この行だけを飛ばして、次の行から読み続けました）")
            continue
        try:
            parsed = list(csv.reader(io.StringIO(text, newline=""), strict=True))
        except csv.Error:
            parsed = []
        if len(parsed) != 1 or (j > i and width is not None and len(parsed[0]) != width):
            # quotes that pair up across lines but do not make one record: only this line is skipped
            i += 1
            yield first, LineProblem(first, "引用符（\"）の位置が正しくありません（この行だけを飛ばして、次の行から読み続けました）")
            continue
        i = j + 1
        yield first, parsed[0]


def open_death_list(path: Path | str, profile: Profile | None = None, *, today: dt.date,
                    shown: str | None = None) -> tuple[ReadResult, Iterator[JukiRecord]]:
    """Open ``path`` with ``profile`` (the default layout without one): the header is checked at once (raises
    :class:`FileProblem` when the file as a whole cannot be used); the records come one by one from the returned
    iterator, while ``ReadResult`` counts rows and collects the lines skipped and the warnings — a city's
    100,000-row list is never held as records all at once."""
    path = Path(path)
    shown = shown or display_path(path)
    profile = profile or load_profile()
    try:
        if path.stat().st_size > MAX_FILE:
            raise FileProblem(Mark(shown), f"ファイルが大きすぎます（{MAX_FILE // (1024 * 1024)}MBまで）。分けて取り込んでください")
        raw = path.read_bytes()
    except OSError as exc:
        raise FileProblem(Mark(shown), f"ファイルを読めません：{exc.strerror or exc}") from None
    decoded = decode(raw, profile.encoding)
    result = ReadResult(shown, path.name, hashlib.sha256(raw).hexdigest(), decoded.encoding, decoded.label, profile)
    del raw
    lines = _lines(decoded.text)
    decoded.text = ""
    heads = _records(lines, profile.header_line)
    header_line, header = next(heads, (profile.header_line, None))
    if header is None or isinstance(header, LineProblem) or not any(_clean(c) for c in header):
        raise FileProblem(Mark(shown, profile.header_line),
                          f"{profile.header_line}行目に見出しの行がありません（空のファイルか、見出しの行の位置が違います）")
    index = _columns(header, profile, Mark(shown, header_line))
    result.lines = max(len(lines) - header_line, 0)
    rows = _records(lines, header_line + 1, len(header))
    return result, _take(result, rows, header, index, profile, decoded, today)


def read_death_list(path: Path | str, profile: Profile | None = None, *, today: dt.date,
                    shown: str | None = None) -> ReadResult:
    """Read the whole file (its records in ``records``); see :func:`open_death_list`."""
    result, records = open_death_list(path, profile, today=today, shown=shown)
    result.records = list(records)
    return result


def _take(result: ReadResult, rows, header: list[str], index: dict[str, int], profile: Profile, decoded: Decoded,
          today: dt.date) -> Iterator[JukiRecord]:
    seen_keys: dict[str, int] = {}
    width = len(header)
    for line, cells in rows:
        if isinstance(cells, LineProblem):
            result.rows += 1
            result.skipped.append(cells)
            continue
        if len(cells) == 1 and not cells[0].strip(" \t\u3000"):
            continue  # a blank line
        if not any(_clean(c) for c in cells):
            continue  # a line of empty cells
        result.rows += 1
        if any("\x00" in c for c in cells):
            result.skipped.append(LineProblem(line, "NUL文字（0x00）が含まれています — この行は取り込みませんでした"))
            continue
        long = next((i for i, c in enumerate(cells) if len(c) > MAX_FIELD), None)
        if long is not None:
            name = _clean(header[long]) if long < width else f"{long + 1}列目"
            result.skipped.append(LineProblem(line, f"「{name}」の項目が{MAX_FIELD:,}文字を超えています"
                                                    " — この行は取り込みませんでした"))
            continue
        if len(cells) != width:
            result.skipped.append(LineProblem(line, f"列の数が{len(cells)}です（見出しは{width}列）。"
                                                    "区切りの「,」や引用符を確認してください"))
            continue
        if not _selected(cells, profile, index):
            result.passed_over += 1
            continue
        if _bad_bytes(decoded, cells):
            result.skipped.append(LineProblem(line, f"{decoded.label}として読めない文字があります"
                                                    "（ファイルの文字コードを確認してください）"))
            continue
        record, errors, warnings = _row(cells, index, profile, line, today)
        if errors:
            result.skipped.append(LineProblem(line, "、".join(errors) + " — この行は取り込みませんでした"))
            continue
        first = seen_keys.get(record.key)
        if first is not None:
            result.skipped.append(LineProblem(line, f"宛名番号が{first}行目と重複しています"
                                                    " — この行は取り込みませんでした"))
            continue
        seen_keys[record.key] = line
        result.warnings += warnings
        yield record


def _bad_bytes(decoded: Decoded, cells: list[str]) -> bool:
    return bool(decoded.bad_lines) and any(BAD_CHAR in c for c in cells)


def _columns(header: list[str], profile: Profile, mark: Mark) -> dict[str, int]:
    """default column → its index in the file, checked against the profile."""
    names = [_clean(h).lstrip("\ufeff") for h in header]
    where: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in where and name:
            raise FileProblem(mark, f"見出しの「{name}」が2回あります（{where[name] + 1}列目と{i + 1}列目）")
        where[name] = i
    wanted = profile.columns
    missing = [(col, vendor) for col, vendor in wanted.items() if vendor not in where]
    if missing:
        parts = []
        for col, vendor in missing:
            near = closest(vendor, [n for n in names if n not in wanted.values()])
            label = f"「{vendor}」" + (f"（既定の「{col}」）" if vendor != col else "")
            parts.append(label + (f"：ファイルには「{near}」があります" if near else ""))
        raise FileProblem(mark, "見出しに次の列がありません：" + "、".join(parts)
                          + f"（プロファイル「{profile.name}」の列名と比べています）")
    if profile.other_columns == "error":
        extra = [n for n in names if n not in wanted.values()]
        if extra:
            hints = []
            for n in extra:
                near = closest(n, [c for c in DEFAULT_COLUMNS if c not in names])
                hints.append(f"「{n}」" + (f"（もしかして「{near}」？）" if near else ""))
            raise FileProblem(mark, "見出しに既定の列にない列があります：" + "、".join(hints)
                              + "。他社の列の並びなら --profile で取込プロファイルを指定してください")
    for vendor_col in profile.only_rows:
        if vendor_col not in where:
            raise FileProblem(mark, f"取り込む行の条件（only_rows）の列「{vendor_col}」が見出しにありません")
    return {col: where[vendor] for col, vendor in wanted.items()} | {
        f"__only__{c}": where[c] for c in profile.only_rows}


def _selected(cells: list[str], profile: Profile, index: dict[str, int]) -> bool:
    for col, values in profile.only_rows.items():
        if _clean(cells[index[f"__only__{col}"]]) not in {str(v) for v in values}:
            return False
    return True


def _code(profile: Profile, column: str, text: str, errors: list[str]) -> Any:
    """The meaning of a coded cell (male, True …), None when empty/not known, or an error."""
    value = _clean(text)
    table = profile.code_table(column)
    if value in table:
        meaning = table[value]
        return None if meaning == "" else meaning
    normalized = unicodedata.normalize("NFKC", value)
    if normalized in table:
        meaning = table[normalized]
        return None if meaning == "" else meaning
    if value == "":
        return None
    if ANY_OTHER in table:
        meaning = table[ANY_OTHER]
        return None if meaning == "" else meaning
    allowed = "・".join(f"{k}" for k in table if k not in ("", ANY_OTHER))
    errors.append(f"{column}のコード「{value}」は使えません（{allowed}、または空欄）")
    return None


def _date_problem(col: str, message: str) -> str:
    if "元号コード" in message:
        return f"{col}の元号コードが正しくありません（1 明治・2 大正・3 昭和・4 平成・5 令和）"
    if "という日はありません" in message:
        return f"{col}が存在しない日付です（月や日を確かめてください）"
    hint = message.partition("（この形式で：")[2].rstrip("）")
    return f"{col}が日付として読めません" + (f"（この形式で：{hint}）" if hint else "")


def _row(cells: list[str], index: dict[str, int], profile: Profile, line: int, today: dt.date):
    errors: list[str] = []
    warnings: list[LineProblem] = []

    def cell(col: str) -> str:
        return cells[index[col]] if col in index else ""

    key = unicodedata.normalize("NFKC", _clean(cell(KEY_COLUMN)))
    if not key:
        errors.append("宛名番号がありません")
    elif not key.isdigit() or not key.isascii():
        errors.append("宛名番号が数字ではありません")
    elif len(key) > 40:
        errors.append("宛名番号が長すぎます（40桁まで）")
    person: dict[str, str] = {}
    facts: dict[str, Any] = {}
    for col, target in PERSON_COLUMNS.items():
        raw = cell(col)
        text = _clean(raw)
        if not text:
            if col == "死亡日" and "死亡日" in index:
                errors.append("死亡日がありません")
            continue
        if col in DATE_COLUMNS:
            try:
                person[target] = parse_juki_date(text, profile.dates).isoformat()
            except ValueError as exc:  # said without the date itself (a birth date is personal data)
                errors.append(_date_problem(col, str(exc)))
        elif col == "性別":
            sex = _code(profile, col, text, errors)
            if sex is not None:
                person[target] = sex
        elif col == "氏名カナ":
            kana = normalize_kana(text)
            if kana is None:
                warnings.append(LineProblem(line, "氏名カナがカタカナではないため、フリガナは取り込みませんでした",
                                            "warning"))
            else:
                person[target] = kana
        elif col == "氏名":
            person[target] = normalize_name(text)
        else:
            person[target] = _SPACES.sub(" ", text) if col == "住所" else text
        if col in ("氏名", "住所", "本籍") and target in person:
            chars = gaiji_in(person[target])
            if chars:
                codes = "・".join(f"U+{ord(c):04X}" for c in chars)
                warnings.append(LineProblem(line, f"外字（{codes}）があります（{col}）。そのまま取り込みました。"
                                                  "印刷の前に外字の扱いを決めてください", "warning"))
    for target, value in person.items():
        limit = TEXT_LIMITS.get(_COLUMN_OF[target])
        if limit and len(value) > limit:
            errors.append(f"{FIELD_JA[target]}が長すぎます（{limit}文字まで）")
    birth, death = person.get("deceased.birth_date"), person.get("deceased.death_date")
    for col, iso in (("生年月日", birth), ("死亡日", death)):
        if iso and dt.date.fromisoformat(iso) > today:
            errors.append(f"{col}が今日（{today.isoformat()}）より後です")
    if birth and death and death < birth:
        errors.append("死亡日が生年月日より前です")
    for col, fact in COUNT_COLUMNS.items():
        text = unicodedata.normalize("NFKC", _clean(cell(col))).removesuffix("人")
        if not text:
            continue
        if text.isdigit() and text.isascii():
            if len(text) > 2 or int(text) > MAX_COUNT:
                errors.append(f"{col}が多すぎます（{MAX_COUNT}人まで）")
            else:
                facts[fact] = int(text)
        else:
            errors.append(f"{col}が人数（0以上の整数）ではありません")
    insurance = []
    for col, fact in FLAG_COLUMNS.items():
        if col not in index:
            continue
        value = _code(profile, col, cell(col), errors)
        if value is None:
            continue
        if fact == "health_insurance":
            if value is True:
                insurance.append(col)
            continue
        facts[fact] = value
    if len(insurance) > 1:
        errors.append("国保と後期がどちらも1です（どちらか一方です）")
    elif insurance:
        facts["health_insurance"] = "kokuho" if insurance[0] == "国保" else "kouki"
    return JukiRecord(line, key, person, facts), errors, warnings
