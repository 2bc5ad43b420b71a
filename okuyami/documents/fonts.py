"""Japanese fonts for printing (フォント): find an installed TrueType font, embed subsets, check every glyph.

Search order, for 明朝 (labels, formal text) and ゴシック (values, the guidance sheet):
1. ``$OKUYAMI_FONT_DIR`` (a folder with .ttf/.ttc files), or the ``fonts/`` folder of an installed bundle;
2. BIZ UD明朝 / BIZ UDゴシック (Debian ``fonts-morisawa-bizud-*``; Windows ships them as BIZ-UD*.ttc);
3. IPAex明朝 / IPAexゴシック (Debian ``fonts-ipaexfont``);
4. Windows MS 明朝 / MS ゴシック.
With none of these, reportlab's built-in CID fonts (HeiseiMin-W3 / HeiseiKakuGo-W5) are used and a warning says
so loudly: they are not embedded, so the printout depends on the PDF viewer's fonts.

reportlab embeds only the glyphs used (subsets). A character the font lacks would print as a silent blank, so
:func:`missing_glyphs` checks every character before anything is printed.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

#: (role, candidate file names in order of preference, subfont index for .ttc)
CANDIDATES: dict[str, list[tuple[str, int]]] = {
    "mincho": [("BIZUDMincho-Regular.ttf", 0), ("BIZ-UDMinchoM.ttc", 0), ("ipaexm.ttf", 0), ("msmincho.ttc", 0)],
    "gothic": [("BIZUDGothic-Regular.ttf", 0), ("BIZ-UDGothicR.ttc", 0), ("ipaexg.ttf", 0), ("msgothic.ttc", 0)],
    "gothic_bold": [("BIZUDGothic-Bold.ttf", 0), ("BIZ-UDGothicB.ttc", 0), ("ipaexg.ttf", 0), ("msgothic.ttc", 0)],
}
LICENCE_HINTS = {"BIZUD": "SIL Open Font License 1.1 (Morisawa BIZ UD)", "BIZ-UD": "Microsoft Windows font licence",
                 "ipaex": "IPA Font License Agreement v1.0", "ms": "Microsoft Windows font licence"}
CID_FALLBACK = {"mincho": "HeiseiMin-W3", "gothic": "HeiseiKakuGo-W5", "gothic_bold": "HeiseiKakuGo-W5"}
DISPLAY = {"mincho": "明朝", "gothic": "ゴシック", "gothic_bold": "ゴシック（太字）"}
MISSING_MARK = "〓"  # the customary mark for a character that could not be printed (ゲタ)


def font_dirs() -> list[Path]:
    dirs: list[Path] = []
    env = os.environ.get("OKUYAMI_FONT_DIR")
    if env:
        dirs.append(Path(env))
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        dirs.append(Path(meipass) / "fonts")
    if sys.platform == "win32":
        windir = Path(os.environ.get("WINDIR", r"C:\Windows"))
        dirs += [windir / "Fonts", Path(os.environ.get("LOCALAPPDATA", "")) / "Microsoft" / "Windows" / "Fonts"]
    elif sys.platform == "darwin":
        dirs += [Path("/Library/Fonts"), Path.home() / "Library" / "Fonts"]
    else:
        dirs += [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts",
                 Path.home() / ".fonts"]
    return [d for d in dirs if d.is_dir()]


@lru_cache(maxsize=None)
def _index() -> dict[str, Path]:
    """file name (lower case) → path, over every font folder (first folder wins)."""
    found: dict[str, Path] = {}
    for d in font_dirs():
        for p in d.rglob("*"):
            if p.suffix.lower() in (".ttf", ".ttc"):
                found.setdefault(p.name.lower(), p)
    return found


@dataclass
class Font:
    role: str
    name: str  # the reportlab font name
    path: Path | None  # None for a CID fallback
    chars: frozenset[int] | None  # code points the font has (None: unknown, CID fallback)

    @property
    def embedded(self) -> bool:
        return self.path is not None

    @property
    def family(self) -> str:
        return self.path.stem if self.path else self.name

    def has(self, ch: str) -> bool:
        if self.chars is not None:
            return ord(ch) in self.chars
        try:  # CID fallback (Adobe-Japan1): roughly what Shift_JIS can encode
            ch.encode("cp932")
            return True
        except UnicodeEncodeError:
            return False


@dataclass
class FontSet:
    fonts: dict[str, Font]
    warnings: list[str] = field(default_factory=list)

    def __getitem__(self, role: str) -> str:
        return self.fonts[role].name

    @property
    def embedded(self) -> bool:
        return all(f.embedded for f in self.fonts.values())

    def missing(self, text: str, roles=("mincho", "gothic", "gothic_bold")) -> list[str]:
        """Characters of ``text`` that some of ``roles`` cannot print (in order, without repeats)."""
        out: list[str] = []
        for ch in text:
            if ch in out or ch in "\n\t" or ch.isspace():
                continue
            if any(not self.fonts[r].has(ch) for r in roles):
                out.append(ch)
        return out

    def printable(self, text: str, roles=("mincho", "gothic", "gothic_bold")) -> tuple[str, list[str]]:
        """``text`` with every character some of ``roles`` lacks replaced by 〓, and those characters."""
        missing = self.missing(text, roles)
        if missing:
            text = "".join(MISSING_MARK if ch in missing else ch for ch in text)
        return text, missing

    def describe(self) -> list[str]:
        lines = []
        for role, f in self.fonts.items():
            where = str(f.path) if f.path else "reportlab built-in CID font (NOT embedded)"
            lines.append(f"{DISPLAY[role]}: {f.family} — {where}")
        return lines + [f"warning: {w}" for w in self.warnings]


def licence_of(path: Path) -> str:
    for key, text in LICENCE_HINTS.items():
        if path.name.lower().startswith(key.lower()):
            return text
    return "see the font's own licence"


@lru_cache(maxsize=None)
def find_fonts() -> FontSet:
    """Register the best fonts available with reportlab (once per process)."""
    index = _index()
    fonts: dict[str, Font] = {}
    warnings: list[str] = []
    for role, candidates in CANDIDATES.items():
        chosen = None
        for filename, sub in candidates:
            path = index.get(filename.lower())
            if path is None:
                continue
            name = f"okuyami-{role}-{path.stem}"
            try:
                ttf = TTFont(name, str(path), subfontIndex=sub)
            except (TTFError, OSError) as exc:
                warnings.append(f"{path}: cannot be used ({exc})")
                continue
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(ttf)
            chosen = Font(role, name, path, frozenset(ttf.face.charToGlyph))
            break
        if chosen is None:
            cid = CID_FALLBACK[role]
            if cid not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(UnicodeCIDFont(cid))
            chosen = Font(role, cid, None, None)
            warnings.append(f"no Japanese TrueType font found for {DISPLAY[role]}: using {cid}, which is NOT "
                            "embedded — install fonts-morisawa-bizud-mincho/-gothic (or fonts-ipaexfont), or set "
                            "OKUYAMI_FONT_DIR")
        fonts[role] = chosen
    return FontSet(fonts, warnings)
