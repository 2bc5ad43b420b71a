"""Which encoding a vendor's CSV is in (文字コードの判定): UTF-8 (with or without BOM) or Shift_JIS (cp932).

Python's ``cp932`` codec is Windows' Shift_JIS: it reads the NEC special characters (①, ㈱, №), the NEC-selected
and IBM extensions (髙 at 0xFBFC and 0xEEE0, 﨑 at 0xFAB1 and 0xED95), and maps the user-defined area
0xF040–0xF9FC — where a city's own 外字 live — onto the private-use area U+E000–U+E757, so such a character
arrives as one code point that the import reports and flags (contract §10).

The order of the tries: a UTF-8 BOM says UTF-8; else a file that is valid UTF-8 is UTF-8 (Japanese text in
Shift_JIS is practically never valid UTF-8); else cp932. A file that is neither is read with the encoding that
fails on fewer lines, and each line with a byte sequence that cannot be read is reported by number.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

ENCODING_LABELS = {"utf-8-sig": "UTF-8（BOM付き）", "utf-8": "UTF-8", "cp932": "Shift_JIS（cp932）"}
BAD_CHAR = "\ufffd"


@dataclass
class Decoded:
    text: str
    encoding: str  # utf-8-sig / utf-8 / cp932
    bad_lines: list[int] = field(default_factory=list)  # lines (1-based) with bytes that could not be read

    @property
    def label(self) -> str:
        return ENCODING_LABELS.get(self.encoding, self.encoding)


def _bad_lines(raw: bytes, encoding: str) -> list[int]:
    """The lines where ``raw`` is not valid in ``encoding``."""
    lines = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode(encoding)
        except UnicodeDecodeError:
            lines.append(number)
    return lines


def decode(raw: bytes, wanted: str = "auto") -> Decoded:
    """The file's text and encoding; ``wanted`` (a profile's ``encoding``) is ``auto``, ``cp932`` or ``utf-8``."""
    if raw.startswith(codecs.BOM_UTF8) and wanted in ("auto", "utf-8"):
        body = raw[len(codecs.BOM_UTF8):]
        try:
            return Decoded(body.decode("utf-8"), "utf-8-sig")
        except UnicodeDecodeError:
            return Decoded(body.decode("utf-8", errors="replace"), "utf-8-sig", _bad_lines(body, "utf-8"))
    candidates = {"auto": ("utf-8", "cp932"), "utf-8": ("utf-8",), "cp932": ("cp932",)}[wanted]
    for encoding in candidates:
        try:
            return Decoded(raw.decode(encoding), encoding)
        except UnicodeDecodeError:
            continue
    scored = sorted(((len(_bad_lines(raw, e)), i, e) for i, e in enumerate(candidates)))
    encoding = scored[0][2]
    return Decoded(raw.decode(encoding, errors="replace"), encoding, _bad_lines(raw, encoding))


def is_gaiji(ch: str) -> bool:
    """A private-use character (外字, U+E000–U+F8FF)."""
    return 0xE000 <= ord(ch) <= 0xF8FF


def gaiji_in(text: str) -> list[str]:
    """The private-use characters of ``text``, in order, without repeats."""
    out: list[str] = []
    for ch in text:
        if is_gaiji(ch) and ch not in out:
            out.append(ch)
    return out
