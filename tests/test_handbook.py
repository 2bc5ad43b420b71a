"""The department handbook (docs/rules-guide.md), followed step by step: add a procedure, see check catch a typo,
fix it, test it with a scenario, see diff show the effect."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

NEW_PROCEDURE = """
  - code: passport_henno
    title: パスポートの返納（旅券窓口）
    counter: kankyou
    when: {foreign_national: flase}
    deadline: {text: 速やかに}
    bring: [故人のパスポート, 死亡の事実がわかる書類]
    reason: 故人のパスポートを失効させるため
    provenance:
      basis: 旅券法18条
      source: 県旅券センターの案内
      verified: 2026-11-20
"""

SCENARIO = """scenarios:
  - name: パスポートの返納（日本国籍の方）
    today: 2026-11-22
    case:
      deceased: {name: 木村 茂, birth_date: 1942-12-12, death_date: 2026-11-15}
      facts: {foreign_national: false}
    expect:
      required: [passport_henno]
"""


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "okuyami", *args], capture_output=True, text=True, cwd=cwd,
                          env=dict(os.environ, OKUYAMI_TODAY="2026-11-22"))


def test_handbook_walkthrough(rules_copy):
    folder = rules_copy.parent
    kankyou = folder / "rules" / "kankyou.yaml"
    when_line = len(kankyou.read_text(encoding="utf-8").splitlines()) + 5  # the 'when:' of the new procedure
    kankyou.write_text(kankyou.read_text(encoding="utf-8") + NEW_PROCEDURE, encoding="utf-8")
    check = run("rules", "check", "--rules", "rules.yaml", cwd=folder)  # 1. check catches the typo
    assert check.returncode == 1
    assert f"rules/kankyou.yaml:{when_line}:30: 'foreign_national' は true か false です。'flase' とは比べられません" \
        "（'false' のことですか？） [wrong value]" in check.stderr
    kankyou.write_text(kankyou.read_text(encoding="utf-8").replace("flase", "false"), encoding="utf-8")
    assert run("rules", "check", "--rules", "rules.yaml", cwd=folder).returncode == 0
    (folder / "rules" / "scenarios" / "passport.yaml").write_text(SCENARIO, encoding="utf-8")  # 2. a scenario
    test = run("rules", "test", "--rules", "rules.yaml", cwd=folder)
    assert test.returncode == 0 and "ok    パスポートの返納（日本国籍の方）" in test.stdout
    diff = run("rules", "diff", str(ROOT / "rules.yaml"), "rules.yaml", cwd=folder)  # 3. what changes
    assert diff.returncode == 0
    assert "+ 追加  passport_henno（パスポートの返納（旅券窓口））" in diff.stdout
    assert "+ 新たに対象  passport_henno パスポートの返納（旅券窓口）（要）" in diff.stdout
