"""Contract §8 from the command line, on both backends: db upgrade, cases add/show/list/answer, tasks list/set,
audit; --db and --operator before or after the subcommand; Japanese one-line errors with exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from okuyami import cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def run(db_url, terminal_url, capsys, monkeypatch):
    monkeypatch.setenv("OKUYAMI_TODAY", "2026-11-23")
    monkeypatch.delenv("OKUYAMI_DB", raising=False)

    def _run(*args: str, db: bool = True) -> tuple[int, str, str]:
        code = cli.main([*args, "--db", url[0]] if db else list(args))
        out, err = capsys.readouterr()
        return code, out, err

    url = [db_url]  # db upgrade as the owner (IT) …
    assert _run("db", "upgrade")[0] == 0
    url[0] = terminal_url("counter")  # … then every command as a corner terminal (PostgreSQL: its own login)
    return _run


def test_cases_add_show_roundtrip_and_evaluate(run, tmp_path):
    code, out, _ = run("cases", "add", str(ROOT / "examples" / "case.yaml"), "--operator", "窓口 一郎")
    assert code == 0
    number = out.strip()
    code, shown, _ = run("cases", "show", number, "--format", "yaml")
    doc = yaml.safe_load(shown)
    original = yaml.safe_load((ROOT / "examples" / "case.yaml").read_text(encoding="utf-8"))
    assert doc == original  # exactly the case file
    (tmp_path / "back.yaml").write_text(shown, encoding="utf-8")
    code, ev_back, _ = run("evaluate", str(tmp_path / "back.yaml"), "--format", "json", db=False)
    code2, ev_orig, _ = run("evaluate", str(ROOT / "examples" / "case.yaml"), "--format", "json", db=False)
    assert code == code2 == 0 and json.loads(ev_back) == json.loads(ev_orig)
    code, js, _ = run("cases", "show", number, "--format", "json")
    data = json.loads(js)
    assert data["number"] == int(number) and data["version"] >= 1
    assert data["sources"]["health_insurance"] == "counter" and data["warnings"] == []
    assert {t["procedure"] for t in data["tasks"]} >= {"kouki_soshitsu", "inkan_haishi"}


def test_answer_with_if_version_and_tasks(run):
    number = run("cases", "add", str(ROOT / "examples" / "case.yaml"))[1].strip()
    version = json.loads(run("cases", "show", number, "--format", "json")[1])["version"]
    assert run("cases", "answer", number, "car", "true", "--if-version", str(version))[0] == 0
    code, _, err = run("cases", "answer", number, "car", "false", "--if-version", str(version))
    assert code == 1 and "他の端末で変更されました" in err and "Traceback" not in err
    assert run("cases", "answer", number, "pension_recipient", "unknown")[0] == 0
    assert run("cases", "answer", number, "car", "--clear")[0] == 0
    shown = yaml.safe_load(run("cases", "show", number, "--format", "yaml")[1])
    assert shown["facts"]["pension_recipient"] == "unknown" and "car" not in shown["facts"]
    code, _, err = run("cases", "answer", number, "kuruma", "true")
    assert code == 1 and "kuruma" in err
    # the department's work
    code, out, _ = run("tasks", "list", "--department", "hoken_nenkin", "--format", "json")
    tasks = json.loads(out)
    assert {t["procedure"] for t in tasks} >= {"kouki_soshitsu"}
    assert set(tasks[0]) >= {"case", "procedure", "department", "status", "deceased", "visit", "updated_at"}
    assert run("--operator", "保険 次郎", "tasks", "set", number, "kouki_soshitsu", "done", "--note", "返却済")[0] == 0
    out = json.loads(run("tasks", "list", "--department", "hoken_nenkin", "--format", "json")[1])
    assert "kouki_soshitsu" not in {t["procedure"] for t in out}  # without --date: not yet done only
    code, _, err = run("tasks", "list", "--department", "hoken_nenkn")
    assert code == 1 and "hoken_nenkin" in err
    with pytest.raises(SystemExit) as bad:  # bad usage: argparse says which statuses exist
        run("tasks", "set", number, "kouki_soshitsu", "finished")
    assert bad.value.code == 2


def test_list_search_and_audit(run):
    number = run("cases", "add", str(ROOT / "examples" / "case.yaml"), "--operator", "窓口 一郎")[1].strip()
    out = json.loads(run("cases", "list", "--search", "やまだ", "--format", "json")[1])
    assert [c["number"] for c in out] == [int(number)]
    assert set(out[0]) == {"number", "deceased", "death_date", "state", "open_tasks", "updated_at"}
    assert out[0]["updated_at"].endswith("+09:00")
    assert json.loads(run("cases", "list", "--search", "R8.11.15", "--format", "json")[1])[0]["number"] == int(number)
    run("cases", "show", number, "--operator", "監査 三郎")
    entries = json.loads(run("audit", "--case", number, "--format", "json")[1])
    assert {"at", "operator", "terminal", "action", "case"} <= set(entries[0])
    assert ("case.create", "窓口 一郎") in {(e["action"], e["operator"]) for e in entries}
    assert ("case.view", "監査 三郎") in {(e["action"], e["operator"]) for e in entries}


def test_unknown_case_and_unreachable_server_are_one_line_japanese(run, capsys):
    code, _, err = run("cases", "show", "99999")
    assert code == 1 and "ありません" in err and len(err.strip().splitlines()) == 1
    code = cli.main(["cases", "list", "--db", "postgresql://nobody@127.0.0.1:1/none"])
    err = capsys.readouterr().err
    assert code == 1 and "接続できません" in err and "Traceback" not in err
