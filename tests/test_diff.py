"""okuyami rules diff: what an edit changes, scenario by scenario, before it goes live."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "okuyami", *args], capture_output=True, text=True, cwd=cwd,
                          env=dict(os.environ, OKUYAMI_TODAY="2026-11-22"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_no_edit_no_change(rules_copy):
    proc = run("rules", "diff", "rules.yaml", str(rules_copy))
    assert proc.returncode == 0, proc.stderr
    assert "結果が変わるもの 0件" in proc.stdout and "どのシナリオの結果も変わりません" in proc.stdout


def test_an_edit_shows_what_appears_disappears_and_moves(rules_copy):
    rules = rules_copy.parent / "rules"
    edit(rules / "shimin.yaml", "household_remaining_15plus: {at_least: 2}", "household_remaining_15plus: {at_least: 1}")
    edit(rules / "kankyou.yaml", "deadline: {days: 30}", "deadline: {days: 20}")
    edit(rules / "kourei.yaml", "when: {elderly_services: true}",
         "when: {all: [{elderly_services: true}, {age_at_death: {at_least: 90}}]}")
    proc = run("rules", "diff", "rules.yaml", str(rules_copy), "examples/case.yaml", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert sorted(out["rulebook"]["edited"]) == ["inu_touroku", "koureisha_service", "setainushi_henko"]
    by_name = {c["name"]: c for c in out["cases"]}
    one_left = by_name["世帯主が亡くなり残るのは1人 → 世帯主変更届は不要"]
    assert one_left["appeared"] == [{"id": "setainushi_henko", "title": "世帯主変更届", "status": "required",
                                     "deadline": "2026-11-24"}]
    dog = by_name["市営住宅・水道・犬・市営墓地"]
    assert dog["changed"] == [{"id": "inu_touroku", "title": "犬の登録事項変更（所有者の変更）", "field": "deadline",
                               "old": "2026-12-15", "new": "2026-12-07"}]
    welfare = by_name["障害者手帳・受給者証・手当、高齢者福祉サービス"]
    assert welfare["disappeared"][0]["id"] == "koureisha_service"
    assert by_name["case.yaml"]["appeared"][0]["id"] == "setainushi_henko"
    text = run("rules", "diff", "rules.yaml", str(rules_copy)).stdout
    assert "- 対象外に    koureisha_service" in text and "~ 期限        inu_touroku" in text


def test_a_broken_new_rulebook_is_reported_not_diffed(rules_copy):
    edit(rules_copy.parent / "rules" / "kourei.yaml", "when: {elderly_services: true}", "when: {elderly_service: true}")
    proc = run("rules", "diff", "rules.yaml", str(rules_copy))
    assert proc.returncode == 1 and "事実名 'elderly_service' はありません" in proc.stderr and proc.stdout == ""
