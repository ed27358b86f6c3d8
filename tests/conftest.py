"""Shared fixtures: the bundled fact base, a matcher over it, a writable copy of the knowledge folder, the second
article's folder (tests/fixtures/solar) and a matcher over it, and a question log of each test's own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.knowledge import FactBase, load_fact_base
from bot.matcher import Matcher

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE = REPO / "knowledge"
SOLAR = REPO / "tests" / "fixtures" / "solar"  # a second article: drafted by `ftz-bot init`, curated a little


@pytest.fixture(scope="session")
def fact_base() -> FactBase:
    return load_fact_base(KNOWLEDGE)


@pytest.fixture(scope="session")
def matcher(fact_base: FactBase) -> Matcher:
    return Matcher(fact_base)


@pytest.fixture(scope="session")
def solar_fact_base() -> FactBase:
    return load_fact_base(SOLAR)


@pytest.fixture(scope="session")
def solar_matcher(solar_fact_base: FactBase) -> Matcher:
    return Matcher(solar_fact_base)


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A copy of the bundled knowledge folder that a test may break."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


@pytest.fixture(autouse=True)
def question_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the question log of anything a test starts (the bot, the console chat) goes: the test's own folder,
    never the user's data directory. XDG_DATA_HOME covers subprocesses started without BOT_ variables."""
    path = tmp_path / "questions.sqlite3"
    monkeypatch.setenv("BOT_DB_PATH", str(path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    return path


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where anything a test starts keeps its prebuilt matcher (bot.prebuilt): the test's own folder, never the
    user's cache directory."""
    path = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(path))
    return path
