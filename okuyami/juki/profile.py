"""Vendor profiles (取込プロファイル): how another vendor's death list maps onto the default layout (contract §10).

A profile is a YAML file (UTF-8)::

    format: okuyami-juki-profile/1
    name: サンプル電算 住記パッケージ
    columns:            # 既定の列名: この業者のファイルの列名
      宛名番号: 住民コード
      氏名: 漢字氏名
    codes:              # 既定の列名: {この業者の値: 既定の値}
      性別: {M: 1, F: 2}
    flag_codes: {有: 1, 無: 0}   # 1/0 の列すべてに使う対応
    dates: [wareki, yyyymmdd]

It is checked like the rulebook: every problem at once, each as ``file:line:col: message`` (in Japanese, for the
city's IT staff), and nothing is imported with a profile that has an error. The default profile
(``profiles/default.yaml``) is the contract's layout; ``profiles/example-vendor.yaml`` shows another vendor's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from ..core.problems import InvalidInput, Mark, Problems, closest, display_path
from ..core.yamlio import Document, StrictModel, load_file
from .dates import DATE_FORMATS

PROFILE_FORMAT = "okuyami-juki-profile/1"
PROFILES_DIR = Path(__file__).with_name("profiles")
DEFAULT_PROFILE = PROFILES_DIR / "default.yaml"
EXAMPLE_PROFILE = PROFILES_DIR / "example-vendor.yaml"

# The default layout (contract §10), in its order: column → what it becomes.
PERSON_COLUMNS = {"氏名": "deceased.name", "氏名カナ": "deceased.kana", "性別": "deceased.sex",
                  "生年月日": "deceased.birth_date", "死亡日": "deceased.death_date", "住所": "deceased.address",
                  "本籍": "deceased.registered_domicile"}
COUNT_COLUMNS = {"残る世帯員15歳以上": "household_remaining_15plus"}
FLAG_COLUMNS = {"世帯主": "was_household_head", "国保": "health_insurance", "後期": "health_insurance",
                "介護認定": "kaigo_certified", "年金受給": "pension_recipient", "印鑑登録": "seal_registered",
                "マイナンバーカード": "mynumber_card", "外国籍": "foreign_national",
                "児童手当": "child_allowance_recipient", "障害者手帳": "disability_certificate",
                "生活保護": "welfare_recipient"}
KEY_COLUMN = "宛名番号"
DEFAULT_COLUMNS = (KEY_COLUMN, "氏名", "氏名カナ", "性別", "生年月日", "死亡日", "住所", "本籍", "世帯主",
                   "残る世帯員15歳以上", "国保", "後期", "介護認定", "年金受給", "印鑑登録", "マイナンバーカード",
                   "外国籍", "児童手当", "障害者手帳", "生活保護")
REQUIRED_COLUMNS = (KEY_COLUMN, "死亡日")  # without these a row cannot become a case
TEXT_COLUMNS = ("氏名", "氏名カナ", "住所", "本籍")
DATE_COLUMNS = ("生年月日", "死亡日")
#: the default codes of the coded columns (an empty cell: not known)
DEFAULT_CODES = {"性別": {"1": "male", "2": "female"}, **{c: {"1": True, "0": False} for c in FLAG_COLUMNS}}
ANY_OTHER = "*"  # in ``codes``: any other non-empty value


class Profile(StrictModel):
    """One vendor's layout, mapped onto the default one."""

    format: Literal["okuyami-juki-profile/1"]
    name: str
    description: str | None = None
    encoding: Literal["auto", "cp932", "utf-8"] = "auto"
    header_line: int = Field(default=1, ge=1)
    other_columns: Literal["error", "ignore"] = "ignore"
    columns: dict[str, str]
    codes: dict[str, dict[str, str | int | bool | None]] = Field(default_factory=dict)
    flag_codes: dict[str, str | int | bool | None] = Field(default_factory=dict)
    dates: list[Literal["yyyymmdd", "wareki", "iso", "era_code"]] = Field(
        default_factory=lambda: ["yyyymmdd", "wareki"])
    only_rows: dict[str, list[str | int]] = Field(default_factory=dict)

    def code_table(self, column: str) -> dict[str, str | bool]:
        """vendor value → the value it becomes for ``column`` (a default code's meaning: male, True …)."""
        defaults = DEFAULT_CODES.get(column, {})
        table: dict[str, str | bool] = dict(defaults)
        own = {**(self.flag_codes if column in FLAG_COLUMNS else {}), **self.codes.get(column, {})}
        for vendor_value, default_code in own.items():
            code = _code_text(default_code)
            table[vendor_value] = "" if code == "" else defaults.get(code, code)
        return table


def _code_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


_TYPE_JA = {"string_type": "文字列", "int_type": "整数", "dict_type": "対応表（キー: 値 の行）",
            "model_type": "対応表（キー: 値 の行）", "list_type": "リスト（[a, b] または - の行）",
            "bool_type": "true / false", "greater_than_equal": "1以上の整数"}
_KEYS_JA = {"format": "形式", "name": "名前", "description": "説明", "encoding": "文字コード",
            "header_line": "見出しの行", "other_columns": "その他の列", "columns": "列の対応", "codes": "コードの対応",
            "flag_codes": "1/0 の列のコード", "dates": "日付の形式", "only_rows": "取り込む行の条件"}


def _ja_validation(exc: ValidationError, doc: Document, problems: Problems) -> None:
    allowed = list(Profile.model_fields)
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        kind = err["type"]
        if kind == "extra_forbidden":
            near = closest(str(loc[-1]), allowed)
            problems.error(doc.mark(loc, key=True), f"キー「{loc[-1]}」は使えません"
                           + (f"（もしかして '{near}'？）" if near else f"（使えるキー：{', '.join(allowed)}）"))
        elif kind == "missing":
            problems.error(doc.mark(loc[:-1]), f"キー「{loc[-1]}」（{_KEYS_JA.get(str(loc[-1]), '')}）がありません")
        elif kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            problems.error(doc.mark(loc), f"「{err.get('input')}」は使えません。{expected.replace(' or ', '、')} "
                                          "のどれかにしてください")
        elif kind in _TYPE_JA:
            problems.error(doc.mark(loc), f"ここは{_TYPE_JA[kind]}で書いてください（「{err.get('input')}」）")
        else:
            problems.error(doc.mark(loc), f"値を確認してください（{err['msg']}）")


def _check_semantics(p: Profile, doc: Document, problems: Problems) -> None:
    seen: dict[str, str] = {}
    for column, vendor in p.columns.items():
        if column not in DEFAULT_COLUMNS:
            near = closest(column, DEFAULT_COLUMNS)
            problems.error(doc.mark(("columns", column), key=True),
                           f"既定の列名「{column}」はありません" + (f"（もしかして「{near}」？）" if near else
                                                                  f"（使える列名：{'・'.join(DEFAULT_COLUMNS)}）"))
        if not vendor.strip():
            problems.error(doc.mark(("columns", column)), f"「{column}」に対応する列名が空です")
        elif vendor in seen:
            problems.error(doc.mark(("columns", column)), f"列「{vendor}」が「{seen[vendor]}」と「{column}」の"
                                                          "両方に割り当てられています")
        seen.setdefault(vendor, column)
    for column in REQUIRED_COLUMNS:
        if column not in p.columns:
            problems.error(doc.mark(("columns",), key=True) if ("columns",) in doc.key_marks else doc.mark(()),
                           f"「{column}」の列がありません（この列がないと取り込めません）")
    for column, table in p.codes.items():
        if column not in DEFAULT_CODES:
            coded = "・".join(DEFAULT_CODES)
            problems.error(doc.mark(("codes", column), key=True),
                           f"「{column}」はコードの列ではありません（コードを対応させる列：{coded}）")
            continue
        if column not in p.columns:
            problems.error(doc.mark(("codes", column), key=True), f"「{column}」は columns で対応させていません")
        for vendor_value, code in table.items():
            _check_code(column, _code_text(code), doc, ("codes", column, vendor_value), problems)
    for vendor_value, code in p.flag_codes.items():
        _check_code("世帯主", _code_text(code), doc, ("flag_codes", vendor_value), problems)
    if not p.dates:
        problems.error(doc.mark(("dates",)), f"日付の形式を1つ以上書いてください（{', '.join(DATE_FORMATS)}）")
    if p.format != "okuyami-juki-profile/1":  # pragma: no cover - the Literal refuses it first
        problems.error(doc.mark(("format",)), f"format は {PROFILE_FORMAT} です")


def _check_code(column: str, code: str, doc: Document, path: tuple, problems: Problems) -> None:
    allowed = list(DEFAULT_CODES[column]) + [""]
    if code not in allowed:
        meaning = "1 男・2 女" if column == "性別" else "1・0"
        problems.error(doc.mark(path), f"「{code}」は「{column}」の既定のコードではありません（{meaning}、"
                                       "または空 \"\" でわからない）")


def load_profile(path: Path | str | None = None) -> Profile:
    """The profile at ``path`` (the default layout without one); :class:`InvalidInput` with every located problem."""
    path = Path(path) if path else DEFAULT_PROFILE
    shown = display_path(path)
    problems = Problems()
    doc = load_file(path, shown, problems)
    if problems:
        raise InvalidInput([_ja_yaml_problem(p) for p in problems.sorted()])
    if not isinstance(doc.data, dict):
        raise InvalidInput([_located(Mark(shown, 1, 1), "取込プロファイルは「キー: 値」の行で書いてください")])
    try:
        profile = Profile.model_validate(doc.data)
    except ValidationError as exc:
        _ja_validation(exc, doc, problems)
        unknown = {e["loc"][0] for e in exc.errors() if e["type"] == "extra_forbidden" and len(e["loc"]) == 1}
        try:  # the rest of the file is still checked, so one run shows every problem
            profile = Profile.model_validate({k: v for k, v in doc.data.items() if k not in unknown})
        except ValidationError:
            raise InvalidInput(problems.sorted()) from None
    _check_semantics(profile, doc, problems)
    if problems:
        raise InvalidInput(problems.sorted())
    return profile


def _located(mark: Mark, message: str):
    from ..core.problems import Problem

    return Problem(mark, message)


_YAML_JA = [
    (re.compile(r"^duplicate key '(.*)' \(first at (\d+):(\d+)\)"), "キー「{0}」が重複しています（最初は {1}行{2}列）"),
    (re.compile(r"^YAML syntax error: (.*)"), "YAMLの書き方の誤り：{0}（インデントは空白で、「キー: 値」の形で書いてください）"),
    (re.compile(r"^the file is not UTF-8"), "ファイルが UTF-8 ではありません。UTF-8 で保存してください"),
    (re.compile(r"^cannot read the file: (.*)"), "ファイルを読めません：{0}"),
    (re.compile(r"^'(.*)' is ambiguous in YAML"), "「{0}」は読み方があいまいです。文字列なら \"{0}\" と引用符で囲んでください"),
    (re.compile(r"^'(.*)' has a leading zero"), "「{0}」は先頭が0の数です。コードなら \"{0}\" と引用符で囲んでください"),
]


def _ja_yaml_problem(p):
    """The YAML reader's messages (shared with the rulebook, in English) said in Japanese for the IT staff."""
    from ..core.messages import kind_of
    from ..core.problems import Problem

    if kind_of(p.message):  # already in Japanese (okuyami.core.yamlio's own messages)
        return p
    for pattern, text in _YAML_JA:
        m = pattern.match(p.message)
        if m:
            return Problem(p.mark, text.format(*m.groups()), p.severity)
    return Problem(p.mark, f"YAMLを読めません：{p.message}", p.severity)
