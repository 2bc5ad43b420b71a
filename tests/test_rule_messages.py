"""The rulebook's messages (issue 23): one Japanese catalogue, the handbook lists every kind with an example, and
every message the checks produce is one of the catalogue's (tests/test_broken_rulebooks.py runs the corpus)."""

import re
from pathlib import Path

from okuyami.core.messages import CATALOGUE, handbook_list, kind_of, say

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "docs" / "rules-guide.md").read_text(encoding="utf-8")


def test_the_handbook_lists_every_message_with_an_example():
    listed = re.search(r"<!-- messages:begin -->\n(.*)<!-- messages:end -->", GUIDE, re.S)
    assert listed, "docs/rules-guide.md §9 lost its list"
    assert listed.group(1) == handbook_list(), "regenerate it: python -m okuyami.core.messages"
    for key, m in CATALOGUE.items():
        assert f"**[{key}]** 例：`{m.where}: " in listed.group(1), key


def test_every_message_is_japanese_with_its_key_word_at_the_end():
    for key, m in CATALOGUE.items():
        text = say(key, **m.example)
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text), key
        assert kind_of(text) == key
        assert not text.rstrip(f" [{key}]").endswith("。"), key


def test_no_english_sentence_is_left_in_the_checkers():
    """The English messages of before (and pydantic's own) are gone from the code that checks a rulebook."""
    sources = [ROOT / "okuyami" / "core" / f for f in ("rulebook.py", "conditions.py", "yamlio.py", "scenarios.py",
                                                       "translations.py", "case.py")]
    sources.append(ROOT / "okuyami" / "documents" / "templates.py")
    old = ("did you mean", "unknown key '", "must be a", "YAML syntax error", "is not used by any procedure",
           "Input should", "can never apply", "refers to itself", "not found", "has no translation")
    for path in sources:
        text = path.read_text(encoding="utf-8")
        code = re.sub(r'"""[\s\S]*?"""|#[^\n]*', "", text)  # docstrings and comments may say anything
        code = re.sub(r'(say|our_error)\("[^"]*"', "", code)  # the key words of the catalogue are English on purpose
        for phrase in old:
            assert phrase not in code, (path.name, phrase)
