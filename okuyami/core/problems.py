"""Located problems: every user-facing error names a file, a line, a column and what to do.

問題の報告 — a department clerk reads these, so the message says what is wrong and how to fix it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Mark:
    """A place in a file. ``line`` and ``col`` are 1-based, as editors show them."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.col}"
        return self.file


@dataclass(frozen=True)
class Problem:
    mark: Mark
    message: str
    severity: Severity = "error"
    #: the cause of other trouble (a file that cannot be read): listed before everything else
    cause: bool = False

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else "警告: "
        return f"{self.mark}: {prefix}{self.message}"


@dataclass
class Problems:
    """An ordered collection of problems, so that one run reports all of them."""

    items: list[Problem] = field(default_factory=list)
    #: places already reported by the YAML reader: a follow-on error at the same place would say the same thing
    settled: set[Mark] = field(default_factory=set)

    def error(self, mark: Mark, message: str, *, settle: bool = False, cause: bool = False) -> None:
        if mark in self.settled:
            return
        self.items.append(Problem(mark, message, "error", cause))
        if settle:
            self.settled.add(mark)

    def cause(self, mark: Mark, message: str) -> None:
        """A file that cannot be read (or used at all): the cause of everything that depends on it."""
        self.error(mark, message, settle=True, cause=True)

    @property
    def causes(self) -> list[Problem]:
        return [p for p in self.items if p.cause]

    def warning(self, mark: Mark, message: str) -> None:
        self.items.append(Problem(mark, message, "warning"))

    def extend(self, other: Iterable[Problem]) -> None:
        for p in other:
            if p.severity == "warning":
                self.items.append(p)
            else:
                self.error(p.mark, p.message, cause=p.cause)
        if isinstance(other, Problems):
            self.settled |= other.settled

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def sorted(self) -> list[Problem]:
        """Causes first (a file that cannot be read), then the other errors, then warnings; each by place."""
        seen: set[tuple] = set()
        out = []
        rank = {True: 0, False: 1}
        for p in sorted(self.items, key=lambda p: (rank[p.cause] if p.severity == "error" else 2,
                                                   p.mark.file, p.mark.line, p.mark.col, p.message)):
            key = (p.mark, p.message, p.severity)
            if key not in seen:
                seen.add(key)
                out.append(p)
        return out

    def __bool__(self) -> bool:
        return bool(self.errors)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class InvalidInput(Exception):
    """Raised with the full list of problems when a file cannot be used.

    The CLI prints ``str(problem)`` for each and exits 1; nothing else reaches the user.
    """

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate a typo most likely meant, or None."""
    close = difflib.get_close_matches(str(word), list(candidates), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'kokuho'?)`` or an empty string."""
    close = closest(word, candidates)
    return f" (did you mean '{close}'?)" if close else ""


def did_you_mean_ja(word: str, candidates: Iterable[str]) -> str:
    """「（もしかして 'kokuho'？）」 or an empty string (for messages to clerks and IT staff)."""
    close = closest(word, candidates)
    return f"（もしかして '{close}'？）" if close else ""


def hint(word: object, candidates: Iterable[str]) -> str:
    """「（'kokuho' のことですか？）」 or an empty string: the did-you-mean of the rulebook's messages."""
    if not isinstance(word, str):
        return ""
    close = closest(word, candidates)
    return f"（'{close}' のことですか？）" if close else ""


def display_path(path: Path | str, base: Path | None = None) -> str:
    """A path as the user should see it: relative to ``base`` (or the cwd) when inside it."""
    p = Path(path)
    for root in (base, Path.cwd()):
        if root is None:
            continue
        try:
            return p.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    return str(p)
