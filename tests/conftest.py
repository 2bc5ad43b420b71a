"""Shared fixtures. Qt (later) runs offscreen; the rulebook is loaded once per session."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
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


@contextlib.contextmanager
def no_collector_pause():
    """Around a call whose test bounds how long it keeps the caller (the window back at once, a bomb refused in a
    second): Python's collector, walking the objects of every test run before this one, can stop this process for
    0.2–0.6 s at any allocation — the suite's heap, not the code under test (the app freezes its own start-up
    objects: ``okuyami.ui.app.settle_memory``)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


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


# -- the shared store: every store test runs on a real SQLite file and on a real PostgreSQL ---------------------
PG_ADMIN = os.environ.get("OKUYAMI_TEST_PG")  # e.g. postgresql://okuyami_test:secret@127.0.0.1:5432/postgres


@pytest.fixture(scope="session")
def pg_admin() -> str:
    if not PG_ADMIN:
        if os.environ.get("CI"):
            pytest.fail("CI must run the store tests on a real PostgreSQL: .ci/run sets OKUYAMI_TEST_PG")
        pytest.skip("no PostgreSQL server: set OKUYAMI_TEST_PG=postgresql://USER:PASSWORD@HOST/postgres")
    return PG_ADMIN


def _pg_database(admin: str):
    """A throwaway database on the test server: (url, drop)."""
    from okuyami.store.scratch import throwaway_database

    return throwaway_database(admin, f"okuyami_t_{os.getpid()}")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """An empty store URL: a new SQLite file, or a new database on the PostgreSQL test server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    url, drop = _pg_database(request.getfixturevalue("pg_admin"))
    yield url
    drop()


def upgraded(url: str) -> None:
    """``okuyami db upgrade`` as the database's owner (IT)."""
    from okuyami.store import migrate
    from okuyami.store.database import Database

    db = Database(url)
    try:
        migrate.upgrade(db)
    finally:
        db.dispose()


@pytest.fixture
def terminal_url(db_url, request):
    """``terminal_url(group, department=None)``: the URL a terminal connects with. PostgreSQL: the owner upgrades
    the database, then a fresh LOGIN role is made a member of the group (contract §11; dropped after the test);
    SQLite: the file itself (a file has no logins)."""
    made = []

    def make(group: str = "counter", department: str | None = None) -> str:
        if db_url.startswith("sqlite"):
            return db_url
        from okuyami.store.scratch import terminal_login

        upgraded(db_url)
        url, drop = terminal_login(db_url, group, department)
        made.append(drop)
        return url

    yield make
    for drop in made:
        drop()


@pytest.fixture
def counter_url(db_url, terminal_url) -> str:
    """A migrated store's URL as a corner terminal reaches it: on PostgreSQL a LOGIN in okuyami_counter."""
    upgraded(db_url)
    return terminal_url("counter")


@pytest.fixture
def store(counter_url):
    """A migrated store with an operator at a terminal — on PostgreSQL under a counter login, not the owner."""
    from okuyami.store.store import Store

    s = Store.open(counter_url, operator="窓口 一郎", terminal="corner-1")
    yield s
    s.close()
