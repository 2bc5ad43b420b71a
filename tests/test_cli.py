"""The command line exactly as contract §6: JSON shape, text grouped by counter, exit codes 0/1/2."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args, env_today="2026-11-22", cwd=ROOT):
    env = dict(os.environ, OKUYAMI_TODAY=env_today)
    return subprocess.run([sys.executable, "-m", "okuyami", *args], capture_output=True, text=True, cwd=cwd, env=env)


def test_evaluate_json_matches_the_contract():
    proc = run("evaluate", "examples/case.yaml", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == {"procedures", "pending_questions"}
    for p in out["procedures"]:
        assert set(p) == {"id", "title", "department", "status", "deadline", "reasons"}
        assert p["status"] in ("required", "to_confirm")
        assert p["deadline"] is None or len(p["deadline"]) == 10
        assert p["reasons"] and all(isinstance(r, str) for r in p["reasons"])
    ids = {p["id"]: p for p in out["procedures"]}
    assert ids["kouki_soshitsu"]["deadline"] == "2026-11-30"  # 11/29 is a Sunday
    assert ids["kouki_soshitsu"]["department"] == "保険年金課"
    assert "setainushi_henko" not in ids  # one member left
    # contract §3: the funeral date on the intake answers funeral_held, the wife at the counter surviving_spouse
    assert "funeral_held" not in out["pending_questions"] and ids["kouki_sosaihi"]["status"] == "required"
    assert "surviving_spouse" not in out["pending_questions"]


def test_evaluate_text_is_grouped_by_counter_in_japanese():
    proc = run("evaluate", "examples/case.yaml", "--format", "text")
    assert proc.returncode == 0
    text = proc.stdout
    assert "故人：山田 太郎 様（令和8年11月15日 死亡・85歳）" in text
    assert "■ 保険年金課 後期高齢者医療係（サンプル市役所 本庁舎 1階 7番窓口・電話 0123-45-6722）" in text
    assert "期限：令和8年11月30日(月)まで" in text
    assert text.index("市民課 戸籍係") < text.index("保険年金課") < text.index("介護保険課")


def test_invalid_case_exit_1_located_no_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / "examples" / "case.yaml").read_text(encoding="utf-8")
                   .replace("seal_registered: true", "seal_registerd: yes"), encoding="utf-8")
    proc = run("evaluate", str(bad), "--format", "json")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].endswith("bad.yaml:24:3: 事実名 'seal_registerd' はありません（'seal_registered' のことですか？）。"
                             "正しい事実名に直してください [unknown fact]")
    assert "24:19: 'yes' は読み手によって意味が変わります" in lines[1]


def test_missing_case_file_exit_1():
    proc = run("evaluate", "nope.yaml")
    assert proc.returncode == 1 and "nope.yaml: ファイル 'nope.yaml' がありません" in proc.stderr


def test_future_death_is_refused():
    proc = run("evaluate", "examples/case.yaml", env_today="2026-11-14")
    assert proc.returncode == 1 and "が今日（2026-11-14）より後です" in proc.stderr


def test_bad_usage_exit_2():
    assert run("evaluate").returncode == 2
    assert run("evaluate", "examples/case.yaml", "--format", "xml").returncode == 2
    assert run("rules").returncode == 2


def test_rules_check_and_test_on_the_default_rulebook():
    check = run("rules", "check")
    assert check.returncode == 0 and check.stdout.startswith("ok：rules.yaml — 手続き 53件")
    test = run("rules", "test")
    assert test.returncode == 0
    assert test.stdout.strip().splitlines()[-1].endswith("件合格、不合格 0件") or \
        test.stdout.strip().splitlines()[-1].endswith("不合格 0件")


def test_rules_test_fails_on_a_broken_scenario(rules_copy):
    tmp_path = rules_copy.parent
    f = tmp_path / "rules" / "scenarios" / "kaigo.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace(
        "required: [kaigo_soshitsu, kaigo_hokenryo, kougaku_kaigo]\n      absent: [kaigo_torisage]",
        "required: [kaigo_soshitsu, kaigo_hokenryo, kougaku_kaigo, kaigo_torisage]"),
                 encoding="utf-8")
    proc = run("rules", "test", "--rules", str(tmp_path / "rules.yaml"), cwd=tmp_path)
    assert proc.returncode == 1
    assert "不合格  65歳以上" in proc.stdout
    assert "rules/scenarios/kaigo.yaml:9:" in proc.stdout and \
        "'kaigo_torisage' は required（要） のはずですが、出てきません [scenario]" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1].endswith("不合格 1件")


def test_a_scenario_that_cannot_run_counts_as_failed(rules_copy):
    tmp_path = rules_copy.parent
    f = tmp_path / "rules" / "scenarios" / "kaigo.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("absent: [kaigo_torisage]", "required: [kaigo_torisage]"),
                 encoding="utf-8")  # a second 'required:' key
    proc = run("rules", "test", "--rules", str(tmp_path / "rules.yaml"), cwd=tmp_path)
    assert proc.returncode == 1
    assert "キー 'required' が重複しています" in proc.stderr
    import re
    assert re.fullmatch(r"合格 \d+件、不合格 1件", proc.stdout.strip().splitlines()[-1])
