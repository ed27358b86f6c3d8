"""Fixtures for the end-to-end tests: the Bot API stand-in on 127.0.0.1, the real bot running against it, and a
capture of every log record.

Modules here import each other by their plain names (`standin`, `harness`): the folder has no `__init__.py`, so
pytest puts it on sys.path (bench/telegram_bench.py does the same).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from harness import RunningBot
from standin import BotAPIStandIn

from bot.matcher import Matcher


@pytest.fixture
def standin() -> Iterator[BotAPIStandIn]:
    with BotAPIStandIn() as server:
        yield server


@pytest.fixture
def bot(standin: BotAPIStandIn, matcher: Matcher) -> Iterator[RunningBot]:
    with RunningBot(standin, matcher) as running:
        yield running


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self, level: int = logging.DEBUG) -> list[str]:
        """Every record at `level` or above, formatted with its traceback as a handler would write it."""
        return [self.format(r) for r in self.records if r.levelno >= level]


@pytest.fixture
def all_logs() -> Iterator[_Collect]:
    """Every log record of every logger, DEBUG and up, with tracebacks — and no token masking."""
    root = logging.getLogger()
    handler, level = _Collect(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)
