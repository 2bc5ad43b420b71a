"""The counter workflow without Qt (受付の流れ): what the clerk types, checked and converted as the contract says.

- :func:`check_field` turns what was typed into the stored value (dates: 和暦 or ISO → ISO; kana: ひらがな
  becomes カタカナ, anything else is refused) or a Japanese message saying what is wrong;
- :func:`to_case` builds the contract's :class:`~okuyami.core.case.Case` from a stored case, for printing;
- :func:`case_dates` gives the engine what it needs as soon as both dates are known;
- :func:`parse_short_date` reads 「11/14」「11月18日」 (年を省略した日付) relative to today, :func:`parse_count` reads a
  count typed with full-width digits (「２」 is 2), :func:`printer_offset_mm` the configured form offset.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from dataclasses import dataclass

from pydantic import ValidationError

from ..core.case import Applicant, Case, Deceased, Funeral
from ..core.engine import CaseDates, Evaluation
from ..core.wareki import format_date, parse_date
from .cases import CaseRow, to_katakana

DATE_FIELDS = {("deceased", "birth_date"), ("deceased", "death_date"), ("applicant", "birth_date"),
               ("funeral", "date")}
KANA_FIELDS = {("deceased", "kana"), ("applicant", "kana")}
NAME_FIELDS = {("deceased", "name"), ("applicant", "name"), ("funeral", "chief_mourner")}
_KANA = re.compile(r"^[\u30A0-\u30FF\u31F0-\u31FF]+( [\u30A0-\u30FF\u31F0-\u31FF]+)*$")
_PHONE = re.compile(r"^[0-9\-()]{6,}$")


_SHORT_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})$|^(\d{1,2})月(\d{1,2})日?$")
_COUNT = re.compile(r"^(\d{1,3})(人|名|件|つ|個)?$")


def parse_follow_up(text: str, today: dt.date) -> dt.date | None:
    """後日の予定日 as typed: 「12/4」「12月4日」 (the nearest such day), 「R8.12.4」, 「2026-12-04」; empty → None.
    Raises ValueError (Japanese) for what is not a date or a day already past."""
    if not text.strip():
        return None
    text = re.sub(r"\s*[（(][月火水木金土日][)）]\s*$", "", text)  # as shown: 令和8年12月4日(金)
    d = parse_short_date(text, today, future_ok=True) or parse_date(text)
    if d < today:
        raise ValueError(f"後日の予定日「{text.strip()}」は過ぎた日です（今日は{today.month}月{today.day}日）")
    return d


def parse_short_date(text: str, today: dt.date, *, future_ok: bool = False) -> dt.date | None:
    """「11/14」「11月18日」（全角も可）: this year, or last year if that would be after ``today``.

    With ``future_ok`` (the funeral may be ahead), the year that puts the date nearest to ``today`` is taken.
    Returns None if ``text`` is not a short date; raises ValueError for an impossible day (「2/30」).
    """
    s = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    m = _SHORT_DATE.match(s)
    if not m:
        return None
    month, day = (int(g) for g in (m.group(1, 2) if m.group(1) else m.group(3, 4)))
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(dt.date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        raise ValueError(f"「{text.strip()}」という日はありません（{month}月{day}日）")
    if future_ok:
        return min(candidates, key=lambda d: abs((d - today).days))
    past = [d for d in candidates if d <= today]
    return max(past) if past else min(candidates)


def parse_count(text: str, maximum: int = 20) -> int | None:
    """A count as typed: 「2」「２」「２人」 → 2; None if it is not a count from 0 to ``maximum``."""
    s = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    m = _COUNT.match(s)
    if not m:
        return None
    n = int(m.group(1))
    return n if 0 <= n <= maximum else None


def printer_offset_mm(environ=None) -> tuple[float, float]:
    """The form offset measured for this PC's printer (``OKUYAMI_PRINTER_OFFSET=X,Y`` in mm; 0,0 if unset/bad)."""
    env = environ if environ is not None else os.environ
    text = unicodedata.normalize("NFKC", env.get("OKUYAMI_PRINTER_OFFSET", ""))
    try:
        x, y = (float(v) for v in text.replace("、", ",").split(","))
    except ValueError:
        return (0.0, 0.0)
    return (x, y)


@dataclass
class Checked:
    value: str | None  # what to store (None: clear the field)
    error: str | None = None  # what is wrong, in Japanese (nothing is stored then)
    shown: str = ""  # how the value is read back (e.g. the converted date)


def check_field(part: str, field: str, text: str, row: CaseRow, today: dt.date) -> Checked:
    text = text.strip()
    if not text:
        return Checked(None)
    key = (part, field)
    if key in DATE_FIELDS:
        try:
            d = parse_short_date(text, today, future_ok=key == ("funeral", "date"))
            if d is not None and field == "birth_date":
                return Checked(None, "生年月日は年も入力してください（例：昭和16年3月2日、S16.3.2）")
            if d is None:
                d = parse_date(text)
        except ValueError as exc:
            return Checked(None, str(exc))
        birth = _iso(row.deceased.get("birth_date"))
        death = _iso(row.deceased.get("death_date"))
        if key == ("deceased", "death_date"):
            if d > today:
                return Checked(None, f"死亡日 {format_date(d)} は今日（{format_date(today)}）より後です")
            if birth and d < birth:
                return Checked(None, f"死亡日 {format_date(d)} が生年月日 {format_date(birth)} より前です")
        if key == ("deceased", "birth_date"):
            if d > today:
                return Checked(None, f"生年月日 {format_date(d)} は今日より後です")
            if death and d > death:
                return Checked(None, f"生年月日 {format_date(d)} が死亡日 {format_date(death)} より後です")
        if key == ("funeral", "date") and death and d < death:
            return Checked(None, f"葬儀日 {format_date(d)} が死亡日 {format_date(death)} より前です")
        return Checked(d.isoformat(), None, f"{format_date(d, weekday=True)}（{d.isoformat()}）")
    if key in KANA_FIELDS:
        kana = to_katakana(unicodedata.normalize("NFKC", text)).replace("\u3000", " ")
        kana = re.sub(r" +", " ", kana)
        if not _KANA.match(kana):
            return Checked(None, "フリガナはカタカナ（またはひらがな）で入力してください")
        return Checked(kana, None, kana)
    if key in NAME_FIELDS:
        name = re.sub(r"[ \u3000]+", " ", text)
        if " " not in name:
            return Checked(name, "姓と名の間にスペースを入れてください（例：山田 太郎）", name)
        return Checked(name, None, name)
    if key == ("applicant", "phone"):
        phone = unicodedata.normalize("NFKC", text).replace(" ", "")
        if not _PHONE.match(phone):
            return Checked(None, "電話番号は数字とハイフンで入力してください（例：090-1234-5678）")
        return Checked(phone, None, phone)
    return Checked(text, None, text)


def _iso(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def case_dates(row: CaseRow) -> CaseDates | None:
    birth, death = _iso(row.deceased.get("birth_date")), _iso(row.deceased.get("death_date"))
    if not birth or not death or death < birth:
        return None
    sex = row.deceased.get("sex")
    return CaseDates(birth, death, _iso(row.funeral.get("date")), sex if sex in ("male", "female") else None,
                     row.applicant.get("relationship") or None, row.funeral.get("chief_mourner") or None,
                     row.applicant.get("name") or None)


def to_case(row: CaseRow) -> tuple[Case | None, list[str]]:
    """The contract case for printing, or the list of what is still missing/wrong (in Japanese)."""
    d, a, f = row.deceased, row.applicant, row.funeral
    missing = [label for key, label in (("name", "故人の氏名"), ("birth_date", "生年月日"), ("death_date", "死亡日"))
               if not d.get(key)]
    if missing:
        return None, [f"{m}を入力してください" for m in missing]
    try:
        case = Case(
            deceased=Deceased(name=d["name"], kana=d.get("kana"), sex=d.get("sex"),
                              birth_date=dt.date.fromisoformat(d["birth_date"]),
                              death_date=dt.date.fromisoformat(d["death_date"]), address=d.get("address"),
                              registered_domicile=d.get("registered_domicile")),
            applicant=Applicant(name=a["name"], kana=a.get("kana"), relationship=a.get("relationship"),
                                birth_date=_iso(a.get("birth_date")), address=a.get("address"),
                                phone=a.get("phone")) if a.get("name") else None,
            funeral=Funeral(date=_iso(f.get("date")), chief_mourner=f.get("chief_mourner")) if f else None,
            facts=dict(row.answers),
        )
    except ValidationError as exc:
        part = {"Deceased": "deceased", "Applicant": "applicant", "Funeral": "funeral"}.get(exc.title, "")
        out = []
        for e in exc.errors(include_url=False):
            loc = [str(x) for x in e["loc"]]
            if loc and loc[0] in ("deceased", "applicant", "funeral"):
                key = ".".join(loc[:2])
            else:
                key = f"{part}.{loc[0] if loc else ''}"
            out.append(f"{FIELD_LABELS.get(key, '入力内容')}の入力を確認してください")
        return None, out
    return case, []


#: what a clerk calls each field (for messages)
FIELD_LABELS = {
    "deceased.name": "故人の氏名", "deceased.kana": "故人のフリガナ", "deceased.sex": "故人の性別",
    "deceased.birth_date": "故人の生年月日", "deceased.death_date": "死亡日", "deceased.address": "故人の住所",
    "deceased.registered_domicile": "故人の本籍", "applicant.name": "届出人の氏名", "applicant.kana": "届出人のフリガナ",
    "applicant.relationship": "届出人の続柄", "applicant.birth_date": "届出人の生年月日",
    "applicant.address": "届出人の住所", "applicant.phone": "届出人の電話", "funeral.date": "葬儀日",
    "funeral.chief_mourner": "喪主の氏名",
}
_GLYPH = re.compile(r"^(?:.*?: )?([a-z_]+\.[a-z_]+) 「(.*)」: (.+) is not in the font")
_CHAR = re.compile(r"'(.+?)' \(U\+([0-9A-F]{4,6})\)")


def plain_problem(message: str) -> str:
    """A printing problem as the clerk should read it (plain Japanese, no file names or English).

    外字 in what was typed: 「故人の氏名「𠮷田 太郎」の「𠮷」（U+20BB7）は、この文字は印刷できません。…」; anything else
    (a template or rulebook problem the clerk cannot fix) asks them to call the system's staff, with the
    technical text kept after 「担当者向け：」 so IT can act on it.
    """
    m = _GLYPH.match(message)
    if m:
        field, text, chars = m.group(1), m.group(2), _CHAR.findall(m.group(3))
        shown = "、".join(f"「{ch}」（U+{code}）" for ch, code in chars)
        return (f"{FIELD_LABELS.get(field, '入力内容')}「{text}」の {shown}：この文字は印刷できません"
                "（このパソコンのフォントにない外字です）。常用の字に直して入力するか、"
                "「フォントにない文字を 〓 で印刷して手書きで補う」にチェックを入れてください。")
    if _CHAR.search(message):
        return ("案内票や申請書の決まった文言に、このパソコンで印刷できない文字があります。システム担当者に連絡してください"
                f"（担当者向け：okuyami doctor／{message}）")
    return f"印刷の準備ができませんでした。システム担当者に連絡してください（担当者向け：{message}）"


def outstanding(row: CaseRow, result: Evaluation | None) -> int:
    """Procedures that apply and are not yet 完了 or 不要 (for the case list)."""
    if result is None:
        return 0
    return sum(1 for p in result.procedures if row.statuses.get(p.code, ("未着手", ""))[0] not in ("完了", "不要"))


def legal_deadline(book, row: CaseRow, procedure: str) -> dt.date | None:
    """The legal deadline of one procedure for a stored case (None: it has none, or the dates are missing)."""
    from ..core.engine import Session

    dates = case_dates(row)
    if dates is None:
        return None
    return next((p.deadline for p in Session(book, dates, row.answers).result.procedures if p.code == procedure),
                None)


def follow_up_past_deadline(book, row: CaseRow, procedure: str, day: dt.date | None) -> str | None:
    """後日の予定日 after the procedure's legal deadline: the Japanese sentence naming the deadline (the clerk must
    confirm such a day); None when the day is within it or the procedure has no deadline."""
    deadline = legal_deadline(book, row, procedure)
    if day is None or deadline is None or day <= deadline:
        return None
    rule = book.rules.get(procedure)
    title = rule.title if rule is not None else procedure
    return (f"後日の予定日 {format_date(day, weekday=True)} は「{title}」の期限 {format_date(deadline, weekday=True)} "
            f"より後です（{(day - deadline).days}日過ぎます）")
