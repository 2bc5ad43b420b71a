"""The screenshot of the desk app's list of rulebook problems (docs/rules-guide.md §8–9), offscreen:
python docs/screenshots_rules.py"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OKUYAMI_TODAY", "2026-11-25")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from okuyami.ui.app import build_window, make_app  # noqa: E402


def main() -> None:
    app = make_app()
    folder = Path(tempfile.mkdtemp())
    shutil.copy(ROOT / "rules.yaml", folder / "rules.yaml")
    shutil.copytree(ROOT / "rules", folder / "rules")
    shutil.copytree(ROOT / "forms_templates", folder / "forms_templates")
    os.chdir(folder)
    w = build_window(folder / "data", folder / "rules.yaml", "窓口 一郎")
    w.show()
    shimin = folder / "rules" / "shimin.yaml"  # a department's edit that went wrong: a full-width colon ...
    shimin.write_text(shimin.read_text(encoding="utf-8").replace("    title: 世帯主変更届\n", "    title：世帯主変更届\n"),
                      encoding="utf-8")
    kourei = folder / "rules" / "kourei.yaml"  # ... and a misspelled fact in another department's file
    kourei.write_text(kourei.read_text(encoding="utf-8").replace("elderly_services: true", "elderly_service: true"),
                      encoding="utf-8")
    w.reload_rules()
    for _ in range(20):
        app.processEvents()
    w.rule_dialog.grab().save(str(ROOT / "docs" / "screen-rule-problems.png"))
    w.close()


if __name__ == "__main__":
    main()
