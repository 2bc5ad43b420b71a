"""The domain core imports no Qt: enforced by the import-linter contract in pyproject.toml."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contract_holds():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    proc = subprocess.run([exe, "--config", str(ROOT / "pyproject.toml")], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 kept, 0 broken" in proc.stdout


def test_core_sources_name_no_qt_module():
    """A second, independent look: not even a lazy import inside a function."""
    for path in [*(ROOT / "okuyami" / "core").rglob("*.py"), *(ROOT / "okuyami" / "documents").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(("PySide6", "shiboken6", "PyQt")), f"{path}: imports {name}"


def test_the_views_get_their_store_and_never_reach_through_the_window():
    """Each page is given the store it uses; none reaches it through the main window."""
    for path in (ROOT / "okuyami" / "ui").glob("*.py"):
        if path.name in ("app.py", "smoke.py", "main_window.py"):  # these own the window and open the store
            continue
        text = path.read_text(encoding="utf-8")
        assert "window.store" not in text, f"{path.name}: reaches the store through the window"
