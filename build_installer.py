"""Build okuyami for a counter PC with no Python and no network: ``python build_installer.py``.

Makes a PyInstaller one-folder bundle (``dist/okuyami/``) of the desk app and the command line, with
``rules.yaml``, ``rules/``, ``forms_templates/`` and the Japanese TrueType fonts found on this build machine
(BIZ UD / IPAex / MS fonts, with their licence texts; no font file lives in the repository). Then:

- on Windows, wraps the folder in an installer with Inno Setup (``ISCC``) or NSIS (``makensis``) when present,
  else a zip;
- elsewhere, a ``.tar.gz`` of the folder.

The bundle is kept lean: PySide6-Essentials + PySide6-Pdf (no WebEngine), and Qt modules okuyami does not use are
left out. Its size is reported. Check a build with ``dist/okuyami/okuyami --smoke-test``.

Options: ``--out DIR`` (default ``dist``), ``--no-archive``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
EXCLUDE = [  # Qt modules and stdlib parts the app never imports (keeps the bundle lean)
    "tkinter", "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets", "PySide6.QtQml", "PySide6.QtQuick",
    "PySide6.Qt3DCore", "PySide6.QtMultimedia", "PySide6.QtNetwork", "PySide6.QtSql", "PySide6.QtTest",
    "PySide6.QtOpenGL", "PySide6.QtDBus", "PySide6.QtConcurrent", "PySide6.QtXml", "PySide6.QtSvg",
    "PySide6.QtDesigner", "PySide6.QtHelp", "PySide6.QtUiTools", "pytest", "hypothesis", "importlinter",
    "IPython", "numpy",
]
LICENCE_PLACES = ["/usr/share/doc/fonts-morisawa-bizud-mincho/copyright", "/usr/share/doc/fonts-morisawa-bizud-gothic/copyright",
                  "/usr/share/doc/fonts-ipaexfont-mincho/copyright", "/usr/share/doc/fonts-ipaexfont-gothic/copyright"]


def say(text: str) -> None:
    print(f"[build] {text}", flush=True)


def collect_fonts(staging: Path) -> list[Path]:
    """Copy the fonts okuyami would print with on this machine, and their licences, into staging/fonts."""
    sys.path.insert(0, str(ROOT))
    from okuyami.documents.fonts import find_fonts, licence_of

    fonts = find_fonts()
    if not fonts.embedded:
        raise SystemExit("no Japanese TrueType font on this build machine (install fonts-morisawa-bizud-mincho and "
                         "fonts-morisawa-bizud-gothic, or run on Windows): the bundle would print with unembedded "
                         "fonts")
    folder = staging / "fonts"
    folder.mkdir(parents=True, exist_ok=True)
    copied = []
    notes = []
    for font in fonts.fonts.values():
        if font.path and not (folder / font.path.name).exists():
            shutil.copy(font.path, folder / font.path.name)
            copied.append(font.path)
            notes.append(f"{font.path.name}: {licence_of(font.path)} (from {font.path})")
    licence_texts = []
    for place in LICENCE_PLACES:
        p = Path(place)
        if p.is_file() and any(part in place for part in ("bizud", "ipaex")) and \
                any(part.lower() in f.name.lower() for f in copied for part in (("bizud",) if "bizud" in place else ("ipaex",))):
            licence_texts.append(f"==== {place} ====\n{p.read_text(encoding='utf-8', errors='replace')}")
    for f in copied:  # a licence file beside the font (Windows font folders have none: the OS licence applies)
        for name in ("LICENSE", "LICENSE.txt", "OFL.txt", "COPYING"):
            if (f.parent / name).is_file():
                licence_texts.append(f"==== {f.parent / name} ====\n{(f.parent / name).read_text(errors='replace')}")
    (folder / "FONT-LICENCES.txt").write_text(
        "Fonts bundled with okuyami, used to print the guidance sheet and the forms (embedded as subsets).\n\n"
        + "\n".join(notes) + "\n\n" + ("\n\n".join(licence_texts) or "See the font vendor's licence."),
        encoding="utf-8")
    return copied


def build(out: Path, archive: bool) -> Path:
    try:
        import PyInstaller.__main__ as pyinstaller
    except ImportError:
        raise SystemExit("PyInstaller is not installed: pip install -e '.[build]'") from None
    work = ROOT / "build"
    staging = work / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    fonts = collect_fonts(staging)
    say("fonts: " + ", ".join(f.name for f in fonts))
    entry = work / "okuyami_entry.py"
    entry.write_text("import sys\nfrom okuyami.cli import main\nsys.exit(main())\n", encoding="utf-8")
    sep = os.pathsep
    args = [
        str(entry), "--name", "okuyami", "--onedir", "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", str(out), "--workpath", str(work / "pyinstaller"), "--specpath", str(work),
        "--add-data", f"{ROOT / 'rules.yaml'}{sep}.",
        "--add-data", f"{ROOT / 'rules'}{sep}rules",
        "--add-data", f"{ROOT / 'forms_templates'}{sep}forms_templates",
        "--add-data", f"{staging / 'fonts'}{sep}fonts",
        "--add-data", f"{ROOT / 'okuyami' / 'store' / 'migrations'}{sep}okuyami/store/migrations",  # Alembic reads files
        "--add-data", f"{ROOT / 'okuyami' / 'juki' / 'profiles'}{sep}okuyami/juki/profiles",  # 住基 import profiles
        "--add-data", f"{ROOT / 'okuyami' / 'family' / 'static'}{sep}okuyami/family/static",  # okuyami family-page
        "--hidden-import", "sqlalchemy.dialects.sqlite.pysqlite",  # SQLAlchemy loads dialects by name
        "--hidden-import", "sqlalchemy.dialects.postgresql.psycopg",
        "--collect-submodules", "psycopg",
        "--collect-binaries", "psycopg_binary",
        "--hidden-import", "holidays.countries.japan",  # loaded by name at run time
        "--collect-data", "holidays",  # the Japanese holiday names (.mo)
        "--collect-submodules", "okuyami",
        "--collect-submodules", "reportlab.graphics.barcode",  # the QR code widget loads these by name
    ]
    for module in EXCLUDE:
        args += ["--exclude-module", module]
    say("PyInstaller (a few minutes)…")
    pyinstaller.run(args)
    bundle = out / "okuyami"
    size = sum(f.stat().st_size for f in bundle.rglob("*") if f.is_file() and not f.is_symlink())
    say(f"bundle: {bundle} — {size / 1e6:.0f} MB in {sum(1 for _ in bundle.rglob('*'))} files")
    if archive:
        made = wrap(bundle, out)
        say(f"archive: {made} — {made.stat().st_size / 1e6:.0f} MB")
    return bundle


def wrap(bundle: Path, out: Path) -> Path:
    version = _version()
    if sys.platform == "win32":
        iscc = shutil.which("ISCC") or shutil.which("iscc")
        makensis = shutil.which("makensis")
        if iscc:
            script = ROOT / "build" / "okuyami.iss"
            script.write_text(f"""[Setup]
AppName=okuyami
AppVersion={version}
DefaultDirName={{autopf}}\\okuyami
DefaultGroupName=okuyami
OutputDir={out}
OutputBaseFilename=okuyami-{version}-setup
Compression=lzma2
[Files]
Source: "{bundle}\\*"; DestDir: "{{app}}"; Flags: recursesubdirs
[Icons]
Name: "{{group}}\\おくやみコーナー"; Filename: "{{app}}\\okuyami.exe"
Name: "{{commondesktop}}\\おくやみコーナー"; Filename: "{{app}}\\okuyami.exe"
""", encoding="utf-8-sig")
            subprocess.run([iscc, str(script)], check=True)
            return out / f"okuyami-{version}-setup.exe"
        if makensis:
            script = ROOT / "build" / "okuyami.nsi"
            script.write_text(f"""Unicode true
Name "okuyami"
OutFile "{out}\\okuyami-{version}-setup.exe"
InstallDir "$PROGRAMFILES64\\okuyami"
Section
SetOutPath "$INSTDIR"
File /r "{bundle}\\*"
CreateShortcut "$DESKTOP\\おくやみコーナー.lnk" "$INSTDIR\\okuyami.exe"
SectionEnd
""", encoding="utf-8-sig")
            subprocess.run([makensis, str(script)], check=True)
            return out / f"okuyami-{version}-setup.exe"
        target = out / f"okuyami-{version}-windows.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
            for f in bundle.rglob("*"):
                z.write(f, Path("okuyami") / f.relative_to(bundle))
        return target
    target = out / f"okuyami-{version}-{platform.system().lower()}-{platform.machine()}.tar.gz"
    with tarfile.open(target, "w:gz") as tar:
        tar.add(bundle, arcname="okuyami")
    return target


def _version() -> str:
    sys.path.insert(0, str(ROOT))
    from okuyami import __version__

    return __version__


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--no-archive", action="store_true")
    args = parser.parse_args()
    build(args.out.resolve(), not args.no_archive)
    return 0


if __name__ == "__main__":
    sys.exit(main())
