"""Console chat: the bot's answers in a terminal, with the same matcher and wording as in Telegram.

With a `QuestionLog`, each question is logged with chat type "console", as the Telegram bot logs its own.
"""

from __future__ import annotations

import sys
from typing import TextIO

from bot.formatting import render_text
from bot.matcher import Matcher
from bot.questionlog import ChatType, QuestionLog

_PROMPT = "you> "
_WELCOME = ("FTZ Facts console — ask about the Xinjiang Pilot Free Trade Zone (English or 中文). "
            "Empty line, Ctrl-D or Ctrl-C to quit.")


def run_console(matcher: Matcher, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, *,
                question_log: QuestionLog | None = None) -> int:
    """Read questions line by line and print answers until end of input; returns an exit code."""
    interactive = stdin.isatty()
    print(_WELCOME, file=stdout)
    try:
        while True:
            if interactive:
                print(_PROMPT, end="", file=stdout, flush=True)
            line = stdin.readline()
            if not line or (interactive and not line.strip()):
                break
            if not line.strip():
                continue
            match = matcher.match(line.strip())
            if question_log is not None:
                question_log.log_match(match, ChatType.CONSOLE)  # queued for the writer thread: no waiting
            print(render_text(match, matcher.fact_base), file=stdout)
            print(file=stdout, flush=True)
    except KeyboardInterrupt:
        print(file=stdout)
    return 0
