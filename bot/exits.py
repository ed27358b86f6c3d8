"""How a command ends: its exit code, and when it fails, one line on standard error that says why.

Every entry point (`ftz-bot` and its commands, the bot's runner, `python -m bot.healthcheck`) returns one of these
codes, and says what went wrong through `fail` or `err`, so that standard output stays the command's result.
"""

from __future__ import annotations

import sys
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    # Bad knowledge, accuracy below the bar, no question log; the bot could not start, or had to stop (a rejected
    # token, polling that ended); the health check found the bot unhealthy.
    FAILURE = 1
    USAGE = 2  # the command line or a setting is wrong: nothing was tried


def err(line: str) -> None:
    """Write one line for the person at the terminal on standard error."""
    print(line, file=sys.stderr)


def fail(message: str, code: ExitCode = ExitCode.FAILURE, *, command: str = "") -> ExitCode:
    """Say why on standard error, as `ftz-bot[ command]: message`, and return `code` to exit with."""
    err(f"ftz-bot{' ' + command if command else ''}: {message}")
    return code
