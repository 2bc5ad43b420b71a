"""The strict YAML reader: traps of YAML 1.1 and duplicate keys are located errors, not silent changes."""

import datetime as dt

import pytest

from okuyami.core.problems import Problems
from okuyami.core.yamlio import load_text


def load(text):
    problems = Problems()
    doc = load_text(text, "f.yaml", problems)
    return doc, [str(p) for p in problems.sorted()]


@pytest.mark.parametrize("word", ["no", "yes", "on", "off", "No", "YES", "y", "n"])
def test_yaml11_booleans_are_refused(word):
    doc, errors = load(f"funeral_held: {word}\n")
    assert len(errors) == 1
    assert errors[0].startswith("f.yaml:1:15: ")
    assert errors[0].endswith("[ambiguous boolean]") and ("なら true" in errors[0] or "なら false" in errors[0])


def test_quoted_trap_words_are_plain_text():
    doc, errors = load('a: "no"\nb: \'yes\'\n')
    assert errors == []
    assert doc.data == {"a": "no", "b": "yes"}


@pytest.mark.parametrize("text, hint", [("012", "数なら 12"), ("0x1F", "普通の10進数"), ("1_000", "普通の10進数"),
                                        ("1:30", "普通の10進数")])
def test_numbers_read_differently_by_yaml_readers_are_refused(text, hint):
    doc, errors = load(f"number: {text}\n")
    assert len(errors) == 1 and errors[0].startswith("f.yaml:1:9:") and hint in errors[0]


def test_duplicate_key_names_the_first_one():
    doc, errors = load("code: a\ntitle: x\ncode: b\n")
    assert errors == ["f.yaml:3:1: キー 'code' が重複しています（最初は 1行1桁）。YAMLでは後のほうだけが黙って使われるため、"
                      "どちらかを消すか名前を変えてください [duplicate key]"]
    assert doc.data["code"] == "a"


def test_values_and_marks():
    doc, errors = load("a:\n  - 1\n  - 2026-11-15\n  - true\n  - 山田 太郎\n  - 0123-45-6789\n  - 1.5\n")
    assert errors == []
    assert doc.data == {"a": [1, dt.date(2026, 11, 15), True, "山田 太郎", "0123-45-6789", 1.5]}
    assert str(doc.mark(("a", 1))) == "f.yaml:3:5"
    assert str(doc.mark(("a",), key=True)) == "f.yaml:1:1"


def test_impossible_date_is_refused():
    doc, errors = load("death_date: 2026-02-30\n")
    assert errors == ["f.yaml:1:13: '2026-02-30' という日付はありません。日付を確かめてください（YYYY-MM-DD） [impossible date]"]


def test_syntax_error_is_located():
    doc, errors = load("a: [1, 2\nb: 3\n")
    assert errors == ["f.yaml:1:4: ここで始まる [ が閉じられていません。対応する ] を書き足してください [unclosed bracket]"]
    assert doc.data is None


def test_tab_indentation_is_located():
    doc, errors = load("a:\n\tb: 1\n")
    assert len(errors) == 1 and errors[0].startswith("f.yaml:2:1: 字下げにタブ文字があります") and errors[0].endswith("[tab]")


def test_every_problem_of_a_file_in_one_run():
    doc, errors = load("a: no\nb: 012\nc: 1\nc: 2\n")
    assert [e.split(":")[1] for e in errors] == ["1", "2", "4"]
