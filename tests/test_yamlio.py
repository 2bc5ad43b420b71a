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
    assert "ambiguous" in errors[0] and ("write true" in errors[0] or "write false" in errors[0])


def test_quoted_trap_words_are_plain_text():
    doc, errors = load('a: "no"\nb: \'yes\'\n')
    assert errors == []
    assert doc.data == {"a": "no", "b": "yes"}


@pytest.mark.parametrize("text, hint", [("012", "write 12"), ("0x1F", "plain decimal"), ("1_000", "plain decimal"),
                                        ("1:30", "plain decimal")])
def test_numbers_read_differently_by_yaml_readers_are_refused(text, hint):
    doc, errors = load(f"number: {text}\n")
    assert len(errors) == 1 and errors[0].startswith("f.yaml:1:9:") and hint in errors[0]


def test_duplicate_key_names_the_first_one():
    doc, errors = load("code: a\ntitle: x\ncode: b\n")
    assert errors == ["f.yaml:3:1: duplicate key 'code' (first at 1:1); YAML would silently keep only the last "
                      "one — remove or rename one of them"]
    assert doc.data["code"] == "a"


def test_values_and_marks():
    doc, errors = load("a:\n  - 1\n  - 2026-11-15\n  - true\n  - 山田 太郎\n  - 0123-45-6789\n  - 1.5\n")
    assert errors == []
    assert doc.data == {"a": [1, dt.date(2026, 11, 15), True, "山田 太郎", "0123-45-6789", 1.5]}
    assert str(doc.mark(("a", 1))) == "f.yaml:3:5"
    assert str(doc.mark(("a",), key=True)) == "f.yaml:1:1"


def test_impossible_date_is_refused():
    doc, errors = load("death_date: 2026-02-30\n")
    assert errors == ["f.yaml:1:13: impossible date '2026-02-30' (no such day in the calendar)"]


def test_syntax_error_is_located():
    doc, errors = load("a: [1, 2\nb: 3\n")
    assert len(errors) == 1 and errors[0].startswith("f.yaml:") and "YAML syntax error" in errors[0]
    assert doc.data is None


def test_tab_indentation_is_located():
    doc, errors = load("a:\n\tb: 1\n")
    assert len(errors) == 1 and errors[0].startswith("f.yaml:2:")


def test_every_problem_of_a_file_in_one_run():
    doc, errors = load("a: no\nb: 012\nc: 1\nc: 2\n")
    assert [e.split(":")[1] for e in errors] == ["1", "2", "4"]
