"""The rulebook the desk app runs with (ルールの読み込み): the configured one, or the last good one.

When the configured rulebook loads cleanly, a copy (rules.yaml, rules/, forms_templates/) is kept in the data
folder. When it is broken (a department's edit went wrong), the app shows the located errors and goes on with that
last good copy, so the counter keeps working.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..core.problems import InvalidInput, Problem
from ..core.rulebook import Rulebook, default_rules_path, load_rulebook


@dataclass
class Loaded:
    book: Rulebook | None
    problems: list[Problem]  # of the configured rulebook (empty when it loaded)
    fallback: bool  # running on the last good copy


def _snapshot(book: Rulebook, folder: Path) -> None:
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    base = book.path.parent
    shutil.copy(book.path, tmp / "rules.yaml")
    for sub in ("rules", book.root.settings.forms):
        if (base / sub).is_dir():
            shutil.copytree(base / sub, tmp / sub)
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)


def load_rules(path: Path | None, data_dir: Path) -> Loaded:
    path = Path(path) if path else default_rules_path()
    last_good = data_dir / "last_good_rules"
    try:
        book = load_rulebook(path)
    except InvalidInput as exc:
        try:
            return Loaded(load_rulebook(last_good / "rules.yaml"), exc.problems, True)
        except InvalidInput:
            return Loaded(None, exc.problems, False)
    try:
        _snapshot(book, last_good)
    except OSError:
        pass  # a read-only data folder must not stop the counter
    return Loaded(book, [], False)
