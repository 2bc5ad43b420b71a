"""What counts as a rulebook id on a screen or a printed page: a procedure code, a fact's name or one of its enum
values, a department's, agency's, office's or counter's id (``kouki_soshitsu``, ``pension_type``, ``kouki``,
``nenkin_jimusho``, ``honcho`` …). Families and clerks read names, never these (issue 22)."""

from __future__ import annotations

import re

ID_TOKEN = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


def rulebook_ids(book) -> set[str]:
    root = book.root
    ids = set(book.rules) | set(book.facts) | set(root.departments) | set(root.agencies) | set(root.offices)
    ids |= set(root.counters)
    for d in book.facts.values():
        if d.kind == "enum":
            ids |= {str(v) for v in d.values}
    return ids


def ids_in(text: str, ids: set[str]) -> set[str]:
    """The rulebook ids that appear as words in ``text``."""
    return {token for token in ID_TOKEN.findall(text or "") if token in ids}
