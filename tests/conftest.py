"""Shared fixtures: the bundled fact base, a matcher over it, and a writable copy of the knowledge folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.knowledge import FactBase, load_fact_base
from bot.matcher import Matcher

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE = REPO / "knowledge"


@pytest.fixture(scope="session")
def fact_base() -> FactBase:
    return load_fact_base(KNOWLEDGE)


@pytest.fixture(scope="session")
def matcher(fact_base: FactBase) -> Matcher:
    return Matcher(fact_base)


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A copy of the bundled knowledge folder that a test may break."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target
