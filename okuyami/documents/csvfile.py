"""Every CSV okuyami writes (CSVの書き出し): one writer, safe to open in a spreadsheet (contract §8).

- UTF-8 with a BOM (Excel reads the BOM and shows the Japanese), or ``cp932`` on request for older tools, where a
  character cp932 lacks becomes 〓 and is reported (row, column, code point); a 外字 (private-use character)
  stays in the user-defined area, where the city's 外字 font shows it;
- CRLF line ends, every cell quoted as the csv module needs;
- a cell that would begin with ``=``, ``+``, ``-``, ``@``, TAB or CR gets a leading ``'``, so a spreadsheet shows
  it as text instead of running it as a formula (a name booked by phone as ``=HYPERLINK(…)`` stays a name).

Used by ``okuyami export cases`` / ``export prep`` (juki/export.py) and the department terminal's 準備リスト
(documents/prep_list.py); any new CSV goes through :func:`csv_bytes` too.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterable, Sequence

ENCODINGS = {"utf-8": "utf-8-sig", "utf-8-sig": "utf-8-sig", "cp932": "cp932"}
REPLACEMENT = "〓"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell as text, neutralised when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_bytes(header: Sequence[object], rows: Iterable[Sequence[object]],
              encoding: str = "utf-8") -> tuple[bytes, list[str]]:
    """The file's bytes and, for cp932, what was replaced by 〓 (「3行目「亡くなった方」U+20BB7」)."""
    if encoding not in ENCODINGS:
        raise ValueError(encoding)
    header = [safe_cell(h) for h in header]
    table = [header] + [[safe_cell(c) for c in row] for row in rows]
    replaced: list[str] = []
    if ENCODINGS[encoding] == "cp932":
        for i, row in enumerate(table, start=1):
            for j, cell in enumerate(row):
                try:
                    cell.encode("cp932")
                    continue
                except UnicodeEncodeError:
                    pass
                chars = []
                for ch in cell:
                    try:
                        ch.encode("cp932")
                        chars.append(ch)
                    except UnicodeEncodeError:
                        chars.append(REPLACEMENT)
                        column = header[j] if j < len(header) else f"{j + 1}列目"
                        replaced.append(f"{i}行目「{column}」U+{ord(ch):04X}")
                row[j] = "".join(chars)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(table)
    return buf.getvalue().encode(ENCODINGS[encoding]), replaced


def write_csv(path: Path | str, header: Sequence[object], rows: Iterable[Sequence[object]],
              encoding: str = "utf-8") -> list[str]:
    """Write the file; returns what was replaced by 〓 (cp932 only)."""
    data, replaced = csv_bytes(header, rows, encoding)
    Path(path).write_bytes(data)
    return replaced
