"""Japanese fonts for printing (フォント): find an installed TrueType font, embed subsets, check every glyph.

Search order, for 明朝 (labels, formal text) and ゴシック (values, the guidance sheet):
1. ``$OKUYAMI_FONT_DIR`` (a folder with .ttf/.ttc files; when set, the ONLY folder searched — an empty folder
   shows what a PC without Japanese fonts prints), or the ``fonts/`` folder of an installed bundle;
2. BIZ UD明朝 / BIZ UDゴシック (Debian ``fonts-morisawa-bizud-*``; Windows ships them as BIZ-UD*.ttc);
3. IPAex明朝 / IPAexゴシック (Debian ``fonts-ipaexfont``);
4. Windows MS 明朝 / MS ゴシック.
With none of these, reportlab's built-in CID fonts (HeiseiMin-W3 / HeiseiKakuGo-W5) are used and a warning says
so loudly: they are not embedded, so the printout depends on the PDF viewer's fonts.

reportlab embeds only the glyphs used (subsets). A character the font lacks would print as a silent blank, so
:meth:`FontSet.missing` checks every character before anything is printed. A few symbols have a customary
equivalent every Japanese font has (:data:`SUBSTITUTES`: ✓ → レ, the JIS wave dash 〜 → ～ …); those are printed
instead of 〓, so the app's own text prints on the built-in fallback too. :func:`check_app_strings` checks every
fixed string the document code prints (the app's own text, not the case's) against the fonts in use;
``okuyami doctor`` reports it.
"""

from __future__ import annotations

import ast
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
#: printed in place of a character the font lacks (only then): the customary equivalent in JIS X 0208 / cp932
SUBSTITUTES = {
    "✓": "レ", "✔": "レ", "☑": "■", "☐": "□",  # レ点: the Japanese check mark on forms
    "\u301c": "\uff5e",  # 〜 WAVE DASH → ～ (cp932's wave dash)
    "\u2212": "\uff0d",  # − MINUS SIGN → －
    "\u2016": "\u2225",  # ‖ → ∥
    "\u2014": "\u2015",  # — EM DASH → ―
    "\u00a2": "\uffe0", "\u00a3": "\uffe1", "\u00ac": "\uffe2",  # ¢ £ ¬ → full width
    "\u2013": "\uff0d",  # – EN DASH → －
    "¥": "￥",  # U+00A5 → U+FFE5
    **{chr(0x3251 + i): f"（{21 + i}）" for i in range(15)},  # ㉑–㉟ (JIS X 0208 has ①–⑳ only)
    **{chr(0x32B1 + i): f"（{36 + i}）" for i in range(15)},  # ㊱–㊿
}


def font_dirs() -> list[Path]:
    dirs: list[Path] = []
    env = os.environ.get("OKUYAMI_FONT_DIR")
    if env:  # only this folder
        return [Path(env)] if Path(env).is_dir() else []
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

    def _has(self, ch: str, roles) -> bool:
        return all(self.fonts[r].has(ch) for r in roles)

    def substitute(self, ch: str, roles=("mincho", "gothic", "gothic_bold")) -> str | None:
        """What to print for ``ch`` if ``roles`` lack it (a :data:`SUBSTITUTES` entry they have), else None."""
        alt = SUBSTITUTES.get(ch)
        return alt if alt is not None and all(self._has(c, roles) for c in alt) else None

    def missing(self, text: str, roles=("mincho", "gothic", "gothic_bold")) -> list[str]:
        """Characters of ``text`` that some of ``roles`` cannot print, even as a customary substitute
        (in order, without repeats)."""
        out: list[str] = []
        for ch in text:
            if ch in out or ch in "\n\t" or ch.isspace():
                continue
            if not self._has(ch, roles) and self.substitute(ch, roles) is None:
                out.append(ch)
        return out

    def printable(self, text: str, roles=("mincho", "gothic", "gothic_bold")) -> tuple[str, list[str]]:
        """``text`` as it will print: a character some of ``roles`` lack becomes its customary substitute
        (✓ → レ) or else 〓; and the characters that became 〓."""
        missing: list[str] = []
        out = []
        for ch in text:
            if ch in "\n\t" or ch.isspace() or self._has(ch, roles):
                out.append(ch)
                continue
            alt = self.substitute(ch, roles)
            if alt is not None:
                out.append(alt)
                continue
            out.append(MISSING_MARK)
            if ch not in missing:
                missing.append(ch)
        return "".join(out), missing

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


#: the modules whose string constants are printed on paper (the app's own text)
DOCUMENT_MODULES = ("guidance", "forms", "packet", "context", "month_report")


def app_strings() -> dict[str, str]:
    """Every string constant of the document modules, as ``module.py:line`` → text (empty in a frozen bundle
    without sources). Docstrings are left out: they are never printed."""
    out: dict[str, str] = {}
    here = Path(__file__).resolve().parent
    for name in DOCUMENT_MODULES:
        path = here / f"{name}.py"
        if not path.is_file():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                      and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                if any(ord(ch) > 0x7F for ch in node.value):  # ASCII is in every font; the rest is Japanese text
                    out[f"{path.name}:{node.lineno}"] = node.value
    return out


def check_app_strings(fonts: FontSet, strings: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """The app's own printed text against ``fonts``: (problems — characters that would print as 〓,
    notes — characters printed as their customary substitute), each as ``where: 'ch' (U+XXXX)``."""
    problems: list[str] = []
    notes: list[str] = []
    for where, text in (app_strings() if strings is None else strings).items():
        for ch in fonts.missing(text):
            problems.append(f"{where}: '{ch}' (U+{ord(ch):04X}) is in no font in use")
        _, gone = fonts.printable(text)
        subbed = {ch for ch in text if not ch.isspace() and not fonts._has(ch, ("mincho", "gothic", "gothic_bold"))
                  and ch not in gone}
        for ch in sorted(subbed):
            notes.append(f"{where}: '{ch}' (U+{ord(ch):04X}) prints as '{fonts.substitute(ch)}'")
    return problems, notes
