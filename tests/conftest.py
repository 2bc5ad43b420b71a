"""Shared fixtures. Qt (later) runs offscreen; the rulebook is loaded once per session."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from hypothesis import settings  # noqa: E402

# CI runs the property tests derandomized (the same examples every run); locally they explore.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def book():
    from okuyami.core.rulebook import load_rulebook

    return load_rulebook(ROOT / "rules.yaml")


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """A private copy of the default rulebook to break on purpose; returns its rules.yaml."""
    shutil.copy(ROOT / "rules.yaml", tmp_path / "rules.yaml")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copytree(ROOT / "forms_templates", tmp_path / "forms_templates")
    return tmp_path / "rules.yaml"


def make_case(birth="1950-01-01", death="2026-11-15", funeral=None, **facts):
    from okuyami.core.case import Applicant, Case, Deceased, Funeral

    return Case(
        deceased=Deceased(name="試験 太郎", birth_date=dt.date.fromisoformat(birth),
                          death_date=dt.date.fromisoformat(death)),
        applicant=Applicant(name="試験 花子"),
        funeral=Funeral(date=dt.date.fromisoformat(funeral)) if funeral else None,
        facts=facts,
    )
