"""The corner's month in figures and charts (月次報告, contract §13): a PDF for the city's managers and council,
and the same numbers as CSV.

The corner's report is two A4 pages: the headline figures, a table of every figure (this month, the month before,
the difference, and the same month a year before when there is data for it), families served per week and the time
at the corner (page 1); procedures per department with what the departments marked 完了 or 後日, waiting, questions
asked and the bookings' outcome (page 2); every figure is defined in a numbered footnote (※). ``department`` gives
one department (課) its own page: its families, its procedures one by one, its 後日. A month without any data gives
one clean page that says so.

Charts are drawn with reportlab's own graphics (``reportlab.graphics.charts``). Every string printed goes through
the font check (:meth:`okuyami.documents.fonts.FontSet.printable`): a character the fonts lack becomes its customary
substitute, never a silent blank. No name is printed or written: the figures (:mod:`okuyami.store.report`) hold
case numbers and times only, and this module never shows a case number either.

The CSV (UTF-8 with BOM) has exactly the columns ``figure``, ``value``, ``previous_month``, ``definition``; one row
per figure, including each week, each department and each step of the distributions. Every cell goes through
the one CSV writer (okuyami/documents/csvfile.py: a cell starting with ``=`` ``+`` ``-`` ``@`` TAB or CR gets a
leading ``'``).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Callable
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle)

from ..core.calendar import to_jst
from ..core.rulebook import Rulebook
from ..core.wareki import format_date
from ..store.report import Month, MonthFigures, MonthReport
from . import csvfile
from .fonts import FontSet, find_fonts

CSV_COLUMNS = ("figure", "value", "previous_month", "definition")

# colours that stay apart in black-and-white print too (dark / mid / light)
C_MAIN = colors.HexColor("#1f4e79")
C_DONE = colors.HexColor("#1f4e79")
C_DEFERRED = colors.HexColor("#e0a030")
C_OPEN = colors.HexColor("#b8c4d0")
C_NA = colors.HexColor("#eeeeee")
C_GRID = colors.HexColor("#888888")

# (from, up to but not including, label): minutes at the corner, minutes waiting, questions per family
STAY_BINS = ((0, 30, "30未満"), (30, 45, "30～45"), (45, 60, "45～60"), (60, 90, "60～90"), (90, 120, "90～120"),
             (120, None, "120以上"))
WAIT_BINS = ((0, 5, "5未満"), (5, 10, "5～10"), (10, 20, "10～20"), (20, 30, "20～30"), (30, None, "30以上"))
QUESTION_BINS = ((0, 1, "0"), (1, 6, "1～5"), (6, 11, "6～10"), (11, 21, "11～20"), (21, 31, "21～30"),
                 (31, None, "31以上"))


def axis_label(label: str) -> str:
    """A bin's label on a chart's axis, on two lines so that narrow bars keep their labels apart (「30」「～45」)."""
    if "～" in label:
        lo, hi = label.split("～")
        return f"{lo}\n～{hi}"
    for word in ("未満", "以上"):
        if label.endswith(word):
            return f"{label[:-len(word)]}\n{word}"
    return label


def bin_text(label: str, unit: str) -> str:
    """A bin as words: ('30未満', '分') → '30分未満'; ('30～45', '分') → '30～45分'."""
    for word in ("未満", "以上"):
        if label.endswith(word):
            return f"{label[:-len(word)]}{unit}{word}"
    return f"{label}{unit}"


OUTSIDE = "__outside__"  # the outside agencies, shown together


# -- the figures -------------------------------------------------------------------------------------------------
@dataclass
class Row:
    """One figure: its label (as printed and as the CSV's ``figure``), its values for this month, the month before
    and the same month a year before (None: cannot be given), and its footnote."""

    label: str
    unit: str
    values: tuple
    note: int  # footnote number (※n)
    indent: bool = False
    in_table: bool = True  # False: CSV only (weeks, distributions, departments)


@dataclass
class Content:
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: dict[int, str] = field(default_factory=dict)  # ※n → definition


def _median(values) -> float | None:
    values = list(values)
    return float(median(values)) if values else None


def _bins(values, bins) -> list[int]:
    out = [0] * len(bins)
    for v in values:
        for i, (lo, hi, _label) in enumerate(bins):
            if v >= lo and (hi is None or v < hi):
                out[i] += 1
                break
    return out


def _week_label(a: dt.date, b: dt.date, i: int, *, two_lines: bool = True) -> str:
    days = f"{a.month}/{a.day}" if a == b else f"{a.month}/{a.day}～{b.month}/{b.day}"
    return f"第{i}週\n{days}" if two_lines else f"第{i}週（{days}）"


def _dept_names(book: Rulebook | None) -> dict[str, str]:
    if book is None:
        return {}
    names = {k: d.name for k, d in book.root.departments.items()}
    names.update({k: a.name for k, a in book.root.agencies.items()})
    return names


def _departments(book: Rulebook | None, figures: list[MonthFigures]) -> list[tuple[str, str]]:
    """(id, name) of the city's departments in the rulebook's order (those with procedures in any of the months),
    then the outside agencies together."""
    seen = set().union(*(f.tasks.keys() for f in figures)) if figures else set()
    city = dict(book.root.departments.items()) if book else {}
    out = [(k, d.name) for k, d in city.items() if k in seen]
    out += [(k, k) for k in sorted(seen) if k not in city and (book is None or k not in book.root.agencies)]
    if book is not None and any(k in book.root.agencies for k in seen):
        out.append((OUTSIDE, "市役所外の機関"))
    return out


def _dept_counter(f: MonthFigures, dept: str, book: Rulebook | None) -> Counter:
    if dept == OUTSIDE:
        total: Counter = Counter()
        for k, c in f.tasks.items():
            if book is not None and k in book.root.agencies:
                total.update(c)
        return total
    return f.tasks.get(dept, Counter())


def corner_content(report: MonthReport, book: Rulebook | None) -> Content:
    """The corner's figures for the table, the CSV and the footnotes."""
    months = (report.current, report.previous, report.last_year)
    c = Content(f"おくやみコーナーの{report.current.month}")
    notes = c.notes

    def add(label, unit, fn: Callable[[MonthFigures], float | int | None], note, **kw):
        c.rows.append(Row(label, unit, tuple(fn(m) for m in months), note, **kw))

    notes[1] = ("来庁：窓口への来庁。予約で「完了」になったもの、予約なしの来庁（取消を除く）、予約なしに窓口で"
                "開いた来庁（新しい案件・再来庁）を数える。日付は予約枠の日、予約なしは到着した日（日本時間）。"
                "電話での聞き取りだけでは来庁としない。対応した家族＝この月に来庁のあった案件の数（同じ家族が2回"
                "来ても1）。来庁（延べ）＝家族ごと・日ごとの来庁の数。")
    add("対応した家族", "家族", lambda m: m.served, 1)
    add("来庁（延べ）", "件", lambda m: len(m.visits), 1)
    notes[2] = "予約での来庁＝予約が「完了」になった来庁。予約なし＝予約なしで来庁し受け付けたもの（飛び込み・再来庁を含む）。"
    add("うち予約での来庁", "件", lambda m: m.kind_count("booked"), 2, indent=True)
    add("うち予約なしの来庁", "件", lambda m: m.walk_ins, 2, indent=True)
    notes[3] = ("住基の死亡者数＝住基の死亡者一覧から取り込んだ方のうち、死亡日がこの月の方の数（取込がなければ"
                "「取込なし」）。割合＝対応した家族÷住基の死亡者数。前月以前に亡くなった方の家族も対応した家族に"
                "含むため、100%を超えることがある。")
    add("住基の死亡者数", "人", lambda m: m.registered_deaths or None, 3)
    add("死亡者数に対する割合", "%", lambda m: m.share, 3)
    notes[4] = ("滞在時間＝到着（受付）から完了までの分。到着と完了の両方が記録された来庁だけを数える。"
                "中央値＝小さい順に並べたときの真ん中の値。")
    add("滞在時間（中央値）", "分", lambda m: _median(m.stays), 4)
    add("滞在時間を記録できた来庁", "件", lambda m: len(m.stays), 4, indent=True)
    notes[5] = "待ち時間＝到着（受付）から対応を始める（対応中）までの分。受付と対応開始が別に記録された来庁だけを数える。"
    add("待ち時間（中央値）", "分", lambda m: _median(m.waits), 5)
    notes[6] = ("予約＝予約枠の日がこの月の予約（予約なしの来庁は含まない）。集計したときの状態で数える。"
                "来庁なし＝予約の時間に来なかったもの。取消＝取り消された予約。未完了＝到着・対応中のまま完了の記録"
                "がないもの、またはまだ来ていないもの（対応した家族には数えない）。")
    add("予約", "件", lambda m: sum(m.bookings.values()), 6)
    add("完了", "件", lambda m: m.bookings.get("done", 0), 6, indent=True)
    add("来庁なし", "件", lambda m: m.bookings.get("no_show", 0), 6, indent=True)
    add("取消", "件", lambda m: m.bookings.get("cancelled", 0), 6, indent=True)
    add("未完了", "件", lambda m: sum(m.bookings.get(s, 0) for s in ("booked", "arrived", "in_service")), 6,
        indent=True)
    notes[7] = ("電話での事前聞き取り＝この月に記録した電話での聞き取り（通話）の数と、その家族の数。電話で済んだ"
                "質問＝それらの家族の回答のうち電話で聞き取ったものの数（窓口で聞かずに済んだ質問）。")
    add("電話での事前聞き取り", "件", lambda m: m.phone_calls, 7)
    add("電話で聞き取った家族", "家族", lambda m: m.phone_families, 7, indent=True)
    add("電話で済んだ質問", "問", lambda m: m.phone_answers, 7, indent=True)
    notes[8] = ("窓口で聞いた質問＝対応した家族ごとの、窓口で記録された回答の数（住基・電話からの回答は含まない）。"
                "1家族あたりの中央値。")
    add("窓口で聞いた質問（1家族あたり中央値）", "問", lambda m: _median(m.questions.values()), 8)
    notes[9] = "再来庁＝この月の来庁のうち、同じ案件の来庁がそれより前の日（前月以前を含む）にもあったもの。"
    add("再来庁", "件", lambda m: m.return_visits, 9)
    add("再来庁した家族", "家族", lambda m: m.return_families, 9, indent=True)
    notes[10] = ("手続き＝対応した家族の手続き（判定で「要」「要確認」となったもの）を、集計したときの状態で数える。"
                 "完了・後日は各課が記録したもの。未完了＝未着手・準備済。不要＝課が不要とした手続き。")
    add("手続き（対応した家族の分）", "件", lambda m: sum(sum(x.values()) for x in m.tasks.values()), 10)
    for status, label in (("done", "完了"), ("deferred", "後日"), ("open", "未完了"), ("not_applicable", "不要")):
        statuses = ("open", "prepared") if status == "open" else (status,)
        add(f"手続きのうち{label}", "件",
            lambda m, st=statuses: sum(x.get(s, 0) for x in m.tasks.values() for s in st), 10, indent=True)

    # CSV only: the weeks, the departments, the distributions
    notes[11] = ("週ごとの対応した家族＝その週（月曜～日曜。月の初めと終わりの閉庁日だけの週は隣の週に含める）に来庁の"
                 "あった家族の数。2つの週に来た家族は両方に数える。前月の値は前月の同じ番号の週。")
    for i, (a, b) in enumerate(report.current.weeks, start=1):
        add(f"対応した家族 {_week_label(a, b, i, two_lines=False)}", "家族",
            lambda m, i=i: m.weekly()[i - 1] if i <= len(m.weeks) else None, 11, in_table=False)
    for dept, name in _departments(book, list(months)):
        for status, label in ((None, "手続き"), ("done", "完了"), ("deferred", "後日")):
            add(f"{name}：{label}", "件", lambda m, d=dept, s=status: (
                sum(_dept_counter(m, d, book).values()) if s is None else _dept_counter(m, d, book).get(s, 0)),
                10, in_table=False)
    for title, attr, bins, unit, note in (("滞在時間", "stays", STAY_BINS, "分", 4), ("待ち時間", "waits", WAIT_BINS, "分", 5)):
        for i, (_lo, _hi, label) in enumerate(bins):
            add(f"{title} {bin_text(label, unit)}", "件", lambda m, a=attr, i=i, b=bins: _bins(getattr(m, a), b)[i], note,
                in_table=False)
    for i, (_lo, _hi, label) in enumerate(QUESTION_BINS):
        add(f"窓口で聞いた質問 {bin_text(label, '問')}の家族", "家族", lambda m, i=i: _bins(m.questions.values(), QUESTION_BINS)[i], 8,
            in_table=False)
    return c


def department_content(report: MonthReport, book: Rulebook | None) -> Content:
    dept = report.current.department or ""
    name = _dept_names(book).get(dept, dept)
    months = (report.current, report.previous, report.last_year)
    c = Content(f"{name}の{report.current.month}")
    notes = c.notes

    def add(label, unit, fn, note, **kw):
        c.rows.append(Row(label, unit, tuple(fn(m) for m in months), note, **kw))

    notes[1] = (f"{name}の手続きがあった家族＝この月におくやみコーナーに来庁した家族（予約の完了・予約なしの来庁）の"
                f"うち、{name}の手続き（判定で「要」「要確認」）があった家族の数。")
    add(f"{name}の手続きがあった家族", "家族", lambda m: m.served, 1)
    add("うち予約での来庁", "件", lambda m: m.kind_count("booked"), 1, indent=True)
    add("うち予約なしの来庁", "件", lambda m: m.walk_ins, 1, indent=True)
    notes[2] = ("手続き＝その家族の、この課の手続きの数。集計したときの状態で数える。完了・後日・不要は課が記録した"
                "もの。未完了＝未着手・準備済。")
    add("手続き", "件", lambda m: sum(m.tasks.get(dept, Counter()).values()), 2)
    for status, label in (("done", "完了"), ("deferred", "後日"), ("open", "未完了"), ("not_applicable", "不要")):
        statuses = ("open", "prepared") if status == "open" else (status,)
        add(f"手続きのうち{label}", "件", lambda m, st=statuses: sum(m.tasks.get(dept, Counter()).get(s, 0) for s in st),
            2, indent=True)
    notes[3] = "後日の予定日がこの月のもの＝この課の「後日」の手続きのうち、ご家族が来る予定の日がこの月にあるもの（集計時点でまだ後日のもの）。"
    add("後日の予定日がこの月のもの", "件", lambda m: m.follow_ups_due, 3)
    notes[4] = "週ごと＝その週（月曜～日曜）に来庁のあった、この課の手続きがある家族の数。前月の値は前月の同じ番号の週。"
    for i, (a, b) in enumerate(report.current.weeks, start=1):
        add(f"家族 {_week_label(a, b, i, two_lines=False)}", "家族",
            lambda m, i=i: m.weekly()[i - 1] if i <= len(m.weeks) else None, 4, in_table=False)
    titles = {code: rule.title for code, rule in book.rules.items()} if book else {}
    codes = _procedure_order(report, book)
    for code in codes:
        for status, label in ((None, "件数"), ("done", "完了"), ("deferred", "後日")):
            add(f"{titles.get(code, code)}：{label}", "件", lambda m, k=code, s=status: (
                sum(m.procedures.get(k, Counter()).values()) if s is None else m.procedures.get(k, Counter()).get(s, 0)),
                2, in_table=False)
    return c


def _procedure_order(report: MonthReport, book: Rulebook | None) -> list[str]:
    seen = set(report.current.procedures) | set(report.previous.procedures)
    order = list(book.rules) if book else []
    return [k for k in order if k in seen] + sorted(k for k in seen if k not in order)


# -- numbers as printed --------------------------------------------------------------------------------------------
def number(value, unit: str = "") -> str:
    """12 → '12'; 60.0 → '60'; 66.666 → '66.7'; None → ''."""
    if value is None:
        return ""
    if isinstance(value, float):
        value = round(value, 1)
        return f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    return str(value)


def difference(now, before) -> str:
    if now is None or before is None:
        return ""
    d = round(now - before, 1)
    if d == 0:
        return "±0"
    text = number(abs(d) if isinstance(d, float) else abs(int(d)))
    return ("+" if d > 0 else "-") + text


# -- CSV ---------------------------------------------------------------------------------------------------------
def safe_csv_rows(rows) -> bytes:
    """UTF-8 with BOM, CRLF, every cell formula-safe: through the one CSV writer (okuyami/documents/csvfile.py)."""
    rows = [[str(c) for c in row] for row in rows]
    return csvfile.csv_bytes(rows[0], rows[1:])[0]


def csv_rows(contents: list[Content]) -> list[list[str]]:
    rows = [list(CSV_COLUMNS)]
    for content in contents:
        prefix = "" if len(contents) == 1 else f"{content.title}："
        for r in content.rows:
            rows.append([f"{prefix}{r.label}（{r.unit}）", number(r.values[0]), number(r.values[1]),
                         content.notes.get(r.note, "")])
    return rows


def csv_bytes(contents: list[Content]) -> bytes:
    return safe_csv_rows(csv_rows(contents))


# -- PDF ---------------------------------------------------------------------------------------------------------
class _Pdf:
    """Styles, fonts and the chart helpers for one document."""

    def __init__(self, fonts: FontSet):
        self.fonts = fonts
        self.g, self.gb = fonts["gothic"], fonts["gothic_bold"]
        self.missing: list[str] = []

        def st(name, font, size, lead=1.4, **kw):
            return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * lead, wordWrap="CJK", **kw)

        self.s = {"title": st("title", self.gb, 17, 1.25, spaceAfter=1 * mm),
                  "sub": st("sub", self.g, 9.5, textColor=colors.HexColor("#333333"), spaceAfter=3 * mm),
                  "h": st("h", self.gb, 11, 1.3, spaceBefore=3 * mm, spaceAfter=1.5 * mm),
                  "cell": st("cell", self.g, 8.6, 1.25),
                  "cellb": st("cellb", self.gb, 8.6, 1.25),
                  "cell_in": st("cell_in", self.g, 8.6, 1.25, leftIndent=4 * mm),
                  "num": st("num", self.g, 8.6, 1.25, alignment=2),
                  "numb": st("numb", self.gb, 8.6, 1.25, alignment=2),
                  "big": st("big", self.gb, 20, 1.15, alignment=1),
                  "bigl": st("bigl", self.g, 8.5, 1.25, alignment=1),
                  "body": st("body", self.g, 9.5),
                  "note": st("note", self.g, 7.2, 1.32, leftIndent=6 * mm, firstLineIndent=-6 * mm),
                  "warn": st("warn", self.gb, 9.5, textColor=colors.HexColor("#8a3a00")),
                  "empty": st("empty", self.gb, 15, 1.5, alignment=1)}

    def t(self, text: str) -> str:
        """Text as it will print (a character the fonts lack: its substitute, else 〓 — and remembered)."""
        out, missing = self.fonts.printable(text, ("gothic", "gothic_bold"))
        self.missing += [ch for ch in missing if ch not in self.missing]
        return out

    def p(self, text: str, style: str = "body") -> Paragraph:
        return Paragraph(escape(self.t(text)).replace("\n", "<br/>"), self.s[style])

    # -- charts --------------------------------------------------------------------------------------------------
    def _title(self, d: Drawing, text: str, unit: str = "") -> None:
        d.add(String(0, d.height - 10, self.t(text), fontName=self.gb, fontSize=9.5, fillColor=colors.black))
        if unit:
            d.add(String(0, d.height - 22, self.t(unit), fontName=self.g, fontSize=7.5,
                         fillColor=colors.HexColor("#333333")))

    def _legend(self, d: Drawing, items: list[tuple[str, colors.Color]], right: float, y: float) -> None:
        """A one-line legend ending at ``right``: a swatch and its words per item."""
        size, box, gap = 7.8, 7, 10
        texts = [self.t(label) for label, _color in items]
        widths = [box + 3 + stringWidth(t, self.g, size) for t in texts]
        x = right - sum(widths) - gap * (len(items) - 1)
        for text, (_label, color), w in zip(texts, items, widths):
            d.add(Rect(x, y - 1, box, box, fillColor=color, strokeColor=C_GRID, strokeWidth=0.3))
            d.add(String(x + box + 3, y, text, fontName=self.g, fontSize=size))
            x += w + gap

    def _value_axis(self, axis) -> None:
        """Every chart's value axis alike: small labels, light grid lines."""
        axis.labels.fontName = self.g
        axis.labels.fontSize = 7
        axis.strokeColor = C_GRID
        axis.visibleGrid = True
        axis.gridStrokeColor = colors.HexColor("#dddddd")
        axis.gridStrokeWidth = 0.4

    @staticmethod
    def _scale(axis, top: float) -> None:
        top = max(1, top)
        step = 1
        for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
            step = s
            if top / s <= 5:
                break
        axis.valueMin = 0
        axis.valueStep = step
        axis.valueMax = step * (int(top // step) + 1)
        axis.labelTextFormat = "%d"

    def bar_chart(self, width: float, height: float, title: str, unit: str, labels: list[str], values: list[float],
                  *, x_title: str = "", bar_labels: bool = True, label_size: float = 7.5) -> Drawing:
        """A vertical bar chart: title, the y axis' unit, labelled categories, the value on each bar."""
        d = Drawing(width, height)
        self._title(d, title, unit)
        c = VerticalBarChart()
        c.x, c.y = 26, 30 if "\n" in "".join(labels) else 22
        if x_title:
            c.y += 10
        c.width, c.height = width - c.x - 6, height - c.y - 30
        c.data = [list(values) or [0]]
        c.categoryAxis.categoryNames = [self.t(x) for x in labels] or [""]
        c.categoryAxis.labels.fontName = self.g
        c.categoryAxis.labels.fontSize = label_size
        c.categoryAxis.labels.boxAnchor = "n"
        c.categoryAxis.labels.textAnchor = "middle"
        c.categoryAxis.labels.dy = -3
        c.categoryAxis.labels.leading = label_size * 1.2
        c.categoryAxis.strokeColor = C_GRID
        self._value_axis(c.valueAxis)
        self._scale(c.valueAxis, max(values or [0]) * 1.12)
        c.bars[0].fillColor = C_MAIN
        c.bars[0].strokeColor = None
        c.barWidth = 10
        c.groupSpacing = 8
        if bar_labels:
            c.barLabelFormat = "%d"
            c.barLabels.fontName = self.gb
            c.barLabels.fontSize = 7.5
            c.barLabels.nudge = 6
        d.add(c)
        if x_title:
            d.add(String(c.x + c.width / 2, 2, self.t(x_title), fontName=self.g, fontSize=7.5, textAnchor="middle",
                         fillColor=colors.HexColor("#333333")))
        return d

    def stacked_bars(self, width: float, title: str, unit: str, names: list[str],
                     series: list[tuple[str, colors.Color, list[int]]], *, name_width: float = 34 * mm) -> Drawing:
        """Horizontal stacked bars, one per name (a department, a procedure), with a legend and the total."""
        row = 13
        plot_h = max(row * len(names), row)
        height = plot_h + 52
        d = Drawing(width, height)
        self._title(d, title, unit)
        c = HorizontalBarChart()
        c.x, c.y = name_width, 16
        c.width, c.height = width - name_width - 28, plot_h
        c.data = [list(reversed(vals)) for _label, _color, vals in series]
        c.categoryAxis.categoryNames = [self.t(n) for n in reversed(names)]
        c.categoryAxis.style = "stacked"
        c.categoryAxis.labels.fontName = self.g
        c.categoryAxis.labels.fontSize = 7.8
        c.categoryAxis.labels.boxAnchor = "e"
        c.categoryAxis.labels.dx = -3
        c.categoryAxis.strokeColor = C_GRID
        self._value_axis(c.valueAxis)
        totals = [sum(vals[i] for _l, _c, vals in series) for i in range(len(names))]
        self._scale(c.valueAxis, max(totals or [0]) * 1.08)
        for i, (_label, color, _vals) in enumerate(series):
            c.bars[i].fillColor = color
            c.bars[i].strokeColor = colors.white
            c.bars[i].strokeWidth = 0.3
        c.barWidth = 8
        c.groupSpacing = 5
        d.add(c)
        span = c.valueAxis.valueMax or 1
        for i, total in enumerate(reversed(totals)):  # the total at the end of each bar
            y = c.y + c.height * (i + 0.5) / max(len(names), 1) - 3
            d.add(String(c.x + c.width * total / span + 3, y, str(total), fontName=self.gb, fontSize=7.2))
        self._legend(d, [(label, color) for label, color, _vals in series], width, height - 22)
        return d


def _value_text(value, unit: str, *, none: str = "—") -> str:
    if value is None:
        return none
    return f"{number(value)}{unit}" if unit in ("%", "分") else number(value)


def _table(pdf: _Pdf, content: Content, report: MonthReport, *, width: float) -> Table:
    show_year = report.last_year.has_data
    prev_label = f"前月\n（{report.previous.month.month}月）"
    head = ["項目", "単位", f"{report.current.month.month}月", prev_label, "前月比"]
    if show_year:
        head.append(f"前年同月\n（{report.last_year.month.year}年）")
    head.append("注")
    data = [[pdf.p(h, "cellb") for h in head]]
    no_import = "取込なし"
    for r in content.rows:
        if not r.in_table:
            continue
        cur, prev, year = r.values
        none = no_import if r.label.startswith(("住基の死亡者数", "死亡者数に対する割合")) else "—"
        row = [pdf.p(r.label, "cell_in" if r.indent else "cell"), pdf.p(r.unit, "cell"),
               pdf.p(_value_text(cur, "", none=none), "numb"), pdf.p(_value_text(prev, "", none=none), "num"),
               pdf.p(difference(cur, prev), "num")]
        if show_year:
            row.append(pdf.p(_value_text(year, "", none=none), "num"))
        row.append(pdf.p(f"※{r.note}", "cell"))
        data.append(row)
    label_w = width - (13 + 16 * 3 + 10 + (18 if show_year else 0)) * mm
    widths = [label_w, 13 * mm, 16 * mm, 16 * mm, 16 * mm] + ([18 * mm] if show_year else []) + [10 * mm]
    table = Table(data, colWidths=widths, repeatRows=1)
    style = [("GRID", (0, 0), (-1, -1), 0.4, C_GRID), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4ebf2")),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 1.1),
             ("BOTTOMPADDING", (0, 0), (-1, -1), 1.6), ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
             ("RIGHTPADDING", (0, 0), (-1, -1), 2.5), ("BACKGROUND", (2, 1), (2, -1), colors.HexColor("#f4f7fa"))]
    table.setStyle(TableStyle(style))
    return table


def _headline(pdf: _Pdf, report: MonthReport, width: float) -> Table:
    cur, prev = report.current, report.previous
    share = cur.share
    stay = _median(cur.stays)
    cells = [
        ("対応した家族", f"{cur.served}", f"家族（前月 {prev.served}）"),
        ("死亡者数に対する割合", "—" if share is None else f"{number(share)}%",
         "住基の取込なし" if share is None else f"住基の死亡者 {cur.registered_deaths}人"),
        ("滞在時間の中央値", "—" if stay is None else f"{number(stay)}分", f"記録のある来庁 {len(cur.stays)}件"),
        ("予約の来庁なし", f"{cur.bookings.get('no_show', 0)}", f"件（予約 {sum(cur.bookings.values())}件）"),
    ]
    row_label = [pdf.p(a, "bigl") for a, _b, _c in cells]
    row_value = [pdf.p(b, "big") for _a, b, _c in cells]
    row_sub = [pdf.p(c, "bigl") for _a, _b, c in cells]
    t = Table([row_label, row_value, row_sub], colWidths=[width / 4] * 4)
    t.setStyle(TableStyle([("BOX", (0, 0), (0, -1), 0.6, C_GRID), ("BOX", (1, 0), (1, -1), 0.6, C_GRID),
                           ("BOX", (2, 0), (2, -1), 0.6, C_GRID), ("BOX", (3, 0), (3, -1), 0.6, C_GRID),
                           ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f4f7fa")),
                           ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
    return t


def _notes(pdf: _Pdf, content: Content, extra: list[str] = ()) -> list:
    out = [pdf.p("注（各数値の定義）", "h")]
    for n, text in sorted(content.notes.items()):
        out.append(Paragraph(f"※{n}　" + escape(pdf.t(text)), pdf.s["note"]))
    for text in extra:
        out.append(Paragraph(escape(pdf.t(text)), pdf.s["note"]))
    return out


def _common_notes(report: MonthReport) -> list[str]:
    cur = report.current
    out = [f"前月＝{report.previous.month}。前年同月＝{report.last_year.month}"
           + ("（データがないため表には載せていません）" if not report.last_year.has_data else "") + "。"
           "集計したときの状態で数えるため、後で作り直すと手続きの状態などが変わることがあります。"
           "氏名などの個人情報は載せていません。"]
    if cur.unfinished:
        out.append(f"この月の予約のうち{cur.unfinished}件は、到着または対応中のまま完了が記録されていません"
                   "（対応した家族には数えていません。当日の予約一覧で「完了」にすると数えられます）。")
    return out


def _juki_line(report: MonthReport) -> str:
    cur = report.current
    last = f"（最後の住基取込：{format_date(to_jst(cur.last_import).date())}）" if cur.last_import else "（住基の取込はまだ一度もありません）"
    if not cur.registered_deaths:
        return (f"この月（{cur.month}）に亡くなった方の住基取込はありません。死亡者数に対する割合は出せません{last}。")
    return f"住基の死亡者数は、住基の死亡者一覧から取り込んだ、この月に亡くなった方の数です{last}。"


def _corner_story(pdf: _Pdf, report: MonthReport, book: Rulebook | None, width: float) -> list:
    cur = report.current
    content = corner_content(report, book)
    story = [pdf.p(content.title + "（月次報告）", "title"),
             pdf.p(f"{format_date(cur.month.first)}～{format_date(cur.month.last)}　"
                   f"作成 {format_date(to_jst(report.made_at).date())}", "sub"),
             _headline(pdf, report, width), Spacer(1, 2.5 * mm),
             pdf.p(_juki_line(report), "body" if cur.registered_deaths else "warn"), Spacer(1, 2 * mm),
             _table(pdf, content, report, width=width), Spacer(1, 3 * mm)]
    labels = [_week_label(a, b, i) for i, (a, b) in enumerate(cur.weeks, start=1)]
    weekly = pdf.bar_chart(width * 0.56, 62 * mm, "週ごとの対応した家族（※1・※11）", "（家族）", labels, cur.weekly(),
                           x_title="週（月曜～日曜）")
    stays = _bins(cur.stays, STAY_BINS)
    stay = pdf.bar_chart(width * 0.42, 62 * mm, "滞在時間の分布（※4）", "（来庁の件数）",
                         [axis_label(b[2]) for b in STAY_BINS], stays, x_title="到着から完了までの時間（分）")
    charts = Table([[weekly, stay]], colWidths=[width * 0.58, width * 0.42])
    charts.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [KeepTogether([charts]), PageBreak()]

    # page 2
    depts = _departments(book, [cur])
    series = []
    for status, label, color in (("done", "完了", C_DONE), ("deferred", "後日", C_DEFERRED),
                                 ("open", "未完了（未着手・準備済）", C_OPEN), ("not_applicable", "不要", C_NA)):
        statuses = ("open", "prepared") if status == "open" else (status,)
        series.append((label, color, [sum(_dept_counter(cur, d, book).get(s, 0) for s in statuses) for d, _n in depts]))
    story.append(pdf.p(f"{content.title}（続き）", "h"))
    if depts:
        story.append(pdf.stacked_bars(width, "課ごとの手続きと、課が記録した完了・後日（※10）", "（手続きの件数。右端の数は合計）",
                                      [n for _d, n in depts], series))
    else:
        story.append(pdf.p("この月に対応した家族の手続きはありません。", "body"))
    story.append(Spacer(1, 3 * mm))
    w3 = width / 3
    waits = pdf.bar_chart(w3 - 2 * mm, 56 * mm, "待ち時間の分布（※5）", "（来庁の件数）", [axis_label(b[2]) for b in WAIT_BINS],
                          _bins(cur.waits, WAIT_BINS), x_title="到着から対応開始まで（分）")
    questions = pdf.bar_chart(w3 - 2 * mm, 56 * mm, "窓口で聞いた質問（※8）", "（家族の数）", [axis_label(b[2]) for b in QUESTION_BINS],
                              _bins(cur.questions.values(), QUESTION_BINS), x_title="1家族あたりの質問の数（問）")
    booking_labels = ["完了", "来庁\nなし", "取消", "未完了", "予約\nなし"]
    booking_values = [cur.bookings.get("done", 0), cur.bookings.get("no_show", 0), cur.bookings.get("cancelled", 0),
                      sum(cur.bookings.get(s, 0) for s in ("booked", "arrived", "in_service")), cur.walk_ins]
    bookings = pdf.bar_chart(w3 - 2 * mm, 56 * mm, "予約の結果と予約なしの来庁（※2・※6）", "（件）", booking_labels,
                             booking_values)
    row = Table([[waits, questions, bookings]], colWidths=[w3] * 3)
    row.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                             ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [row, Spacer(1, 2 * mm)]
    phone = (f"電話での事前聞き取り：{cur.phone_calls}件（{cur.phone_families}家族）。その家族の回答のうち"
             f"{cur.phone_answers}問は電話で聞き取り済みで、窓口では聞かずに済みました"
             + (f"（1家族あたり{number(cur.phone_answers / cur.phone_families)}問）" if cur.phone_families else "")
             + f"。電話で聞き取った家族のうち{cur.phone_then_came}家族がこの月に来庁しました。（※7）")
    story.append(pdf.p(phone, "body"))
    story += _notes(pdf, content, _common_notes(report))
    return story


def _department_story(pdf: _Pdf, report: MonthReport, book: Rulebook | None, width: float) -> list:
    cur = report.current
    content = department_content(report, book)
    story = [pdf.p(content.title + "（課の月次報告）", "title"),
             pdf.p(f"{format_date(cur.month.first)}～{format_date(cur.month.last)}　おくやみコーナーに来庁した家族の"
                   f"うち、この課の手続きがあった家族　作成 {format_date(to_jst(report.made_at).date())}", "sub")]
    if not (cur.has_data or report.previous.has_data):
        story += [Spacer(1, 20 * mm), pdf.p(f"{cur.month}は、この課の手続きがある家族の来庁はありませんでした。", "empty"),
                  Spacer(1, 6 * mm)]
        story += _notes(pdf, content, _common_notes(report)[:1])
        return story
    story += [_table(pdf, content, report, width=width), Spacer(1, 3 * mm)]
    labels = [_week_label(a, b, i) for i, (a, b) in enumerate(cur.weeks, start=1)]
    story.append(pdf.bar_chart(width * 0.6, 52 * mm, "週ごとの家族（※4）", "（家族）", labels, cur.weekly(),
                               x_title="週（月曜～日曜）"))
    titles = {code: rule.title for code, rule in book.rules.items()} if book else {}
    codes = [k for k in _procedure_order(report, book) if k in cur.procedures]
    if codes:
        series = []
        for status, label, color in (("done", "完了", C_DONE), ("deferred", "後日", C_DEFERRED),
                                     ("open", "未完了（未着手・準備済）", C_OPEN), ("not_applicable", "不要", C_NA)):
            statuses = ("open", "prepared") if status == "open" else (status,)
            series.append((label, color, [sum(cur.procedures[k].get(s, 0) for s in statuses) for k in codes]))
        names = [_short(titles.get(k, k), 22) for k in codes]
        story += [Spacer(1, 2 * mm),
                  pdf.stacked_bars(width, "手続きごとの件数と状態（※2）", "（件。右端の数は合計）", names, series,
                                   name_width=58 * mm)]
    story += _notes(pdf, content, _common_notes(report))
    return story


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


def _empty_story(pdf: _Pdf, report: MonthReport, width: float) -> list:
    cur, prev = report.current, report.previous
    story = [pdf.p(f"おくやみコーナーの{cur.month}（月次報告）", "title"),
             pdf.p(f"{format_date(cur.month.first)}～{format_date(cur.month.last)}　"
                   f"作成 {format_date(to_jst(report.made_at).date())}", "sub"),
             Spacer(1, 30 * mm),
             pdf.p(f"{cur.month}のデータはありません。", "empty"), Spacer(1, 6 * mm),
             pdf.p("この月には、窓口への来庁、予約、電話での聞き取り、住基の取込（この月に亡くなった方）のどれも記録"
                   "されていません。月を確かめてください。", "body"), Spacer(1, 3 * mm)]
    if to_jst(report.made_at).date() < cur.month.first:
        story.append(pdf.p(f"{cur.month}はまだ始まっていません（作成日：{format_date(to_jst(report.made_at).date())}）。",
                           "body"))
    if prev.has_data:
        story.append(pdf.p(f"参考：前月（{prev.month}）に対応した家族は{prev.served}家族でした。", "body"))
    return story


def page_count(pdf_bytes: bytes) -> int:
    """Pages of a PDF this module wrote (reportlab writes one ``/Type /Page`` object per page; no parser needed)."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf_bytes))


def render(reports: list[MonthReport], book: Rulebook | None, *, city: str = "", fonts: FontSet | None = None,
           corner: bool = True) -> tuple[bytes, list[str]]:
    """The PDF: the corner's report (``corner``: the first of ``reports``, department None) and/or one page per
    department report. Returns (pdf bytes, characters no font in use has — printed as 〓)."""
    pdf = _Pdf(fonts or find_fonts())
    buf = io.BytesIO()
    first = reports[0].current.month
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=16 * mm,
                            bottomMargin=14 * mm, title=f"おくやみコーナー 月次報告 {first}", author=city,
                            subject="おくやみコーナーの月次報告（氏名を含みません）")
    width = A4[0] - 30 * mm
    story: list = []
    for i, report in enumerate(reports):
        if story:
            story.append(PageBreak())
        if report.current.department is None:
            has = report.current.has_data
            story += _corner_story(pdf, report, book, width) if has else _empty_story(pdf, report, width)
        else:
            story += _department_story(pdf, report, book, width)
    header = pdf.t(f"{city} おくやみコーナー　月次報告　{first}".strip())
    footer = pdf.t("氏名などの個人情報は含みません")

    def on_page(canvas, doc_):
        canvas.saveState()
        canvas.setFont(pdf.g, 8)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(15 * mm, A4[1] - 10 * mm, header)
        canvas.drawRightString(A4[0] - 15 * mm, A4[1] - 10 * mm, f"{doc_.page}")
        canvas.drawString(15 * mm, 8 * mm, footer)
        canvas.restoreState()

    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue(), list(pdf.missing)


def contents(reports: list[MonthReport], book: Rulebook | None) -> list[Content]:
    return [corner_content(r, book) if r.current.department is None else department_content(r, book)
            for r in reports]


def write(reports: list[MonthReport], book: Rulebook | None, out: Path, csv_out: Path | None = None, *,
          city: str = "") -> tuple[int, list[str]]:
    """Write the PDF (and the CSV); returns (pages, characters printed as 〓)."""
    data, missing = render(reports, book, city=city)
    Path(out).write_bytes(data)
    if csv_out is not None:
        Path(csv_out).write_bytes(csv_bytes(contents(reports, book)))
    return page_count(data), missing


__all__ = ["CSV_COLUMNS", "Month", "MonthReport", "corner_content", "department_content", "csv_bytes", "csv_rows",
           "render", "write", "page_count", "number"]
