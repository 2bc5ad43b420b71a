"""The handbook's worked example (docs/rules-guide.md 6.2), followed as a clerk would: the city's own question
敬老パス (asked from 70) and its procedure, copied from the guide itself, then check, test and diff."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "docs" / "rules-guide.md").read_text(encoding="utf-8")


def block(name: str) -> str:
    """The YAML block that follows ``<!-- handbook:keiro:NAME -->`` in the guide."""
    m = re.search(rf"<!-- handbook:keiro:{name} -->\n```yaml\n(.*?)```", GUIDE, re.S)
    assert m, name
    return m.group(1)


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "okuyami", *args], capture_output=True, text=True, cwd=cwd,
                          env=dict(os.environ, OKUYAMI_TODAY="2026-11-22"))


def test_keiro_pass_walkthrough(rules_copy):
    folder = rules_copy.parent
    # 手順1: the question at the end of questions:, before include:
    text = rules_copy.read_text(encoding="utf-8")
    rules_copy.write_text(text.replace("\ninclude:\n", "\n" + block("question") + "\ninclude:\n"), encoding="utf-8")
    # 手順2: the procedure at the end of rules/kourei.yaml
    kourei = folder / "rules" / "kourei.yaml"
    kourei.write_text(kourei.read_text(encoding="utf-8") + "\n" + block("procedure"), encoding="utf-8")
    # 手順3: the scenario file
    (folder / "rules" / "scenarios" / "keiro.yaml").write_text(block("scenario"), encoding="utf-8")
    # 手順4: check, test, diff
    check = run("rules", "check", "--rules", "rules.yaml", cwd=folder)
    assert check.returncode == 0, check.stderr
    test = run("rules", "test", "--rules", "rules.yaml", cwd=folder)
    assert "ok    敬老パスを持っていた80歳 → 敬老パスの返却" in test.stdout
    assert "ok    65歳の方には敬老パスを聞かない" in test.stdout
    # as the guide warns: the scenario that checks "no question left" for an 80-year-old now sees keiro_pass
    assert test.returncode == 1 and "['keiro_pass'] です [scenario]" in test.stdout
    for scenarios in (folder / "rules" / "scenarios").glob("*.yaml"):  # every such scenario gets keiro_pass: false
        scenarios.write_text(scenarios.read_text(encoding="utf-8").replace(
            "considering_renunciation: false}", "considering_renunciation: false, keiro_pass: false}"), encoding="utf-8")
    test = run("rules", "test", "--rules", "rules.yaml", cwd=folder)
    assert test.returncode == 0 and "不合格 0件" in test.stdout, test.stdout
    diff = run("rules", "diff", str(ROOT / "rules.yaml"), "rules.yaml", cwd=folder)
    assert diff.returncode == 0, diff.stderr
    assert "+ 追加  keiro_pass_henkyaku（敬老パスの返却）" in diff.stdout


def test_keiro_mistakes_from_the_guide_are_caught(rules_copy):
    text = rules_copy.read_text(encoding="utf-8")
    rules_copy.write_text(text.replace("\ninclude:\n", "\n" + block("question").replace("    type: bool\n", "")
                                       + "\ninclude:\n"), encoding="utf-8")
    check = run("rules", "check", "--rules", "rules.yaml", cwd=rules_copy.parent)
    assert check.returncode == 1
    assert "事実名 'keiro_pass' はありません。市独自の事実なら、質問に 'type: bool'" in check.stderr
