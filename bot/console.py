"""Console chat: the bot's answers in a terminal, with the same conversation, matcher and wording as in Telegram.

Follow-ups work as in a private chat, typing the number of a "did you mean" choice answers it, and /help, /topics
and /source answer as their Telegram commands do. Line editing and history come from `readline` where the terminal
has it. With a `QuestionLog`, each question is logged with chat type "console", as the Telegram bot logs its own.
"""

from __future__ import annotations

import contextlib
import sys
from typing import TextIO

from bot.conversation import Conversation
from bot.exits import ExitCode
from bot.formatting import (
    help_html,
    html_to_text,
    notice,
    render_text,
    source_html,
    topic_html,
    truncate,
)
from bot.matcher import MAX_QUESTION_CHARS, Matcher
from bot.questionlog import LogChatType, QuestionLog

_PROMPT = "you> "


def run_console(matcher: Matcher, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, *,
                question_log: QuestionLog | None = None) -> ExitCode:
    """Read questions line by line and print answers until end of input; returns an exit code."""
    interactive = stdin.isatty()
    if interactive:
        _enable_line_editing()
        matcher.warm_up()  # load the semantic layer before the prompt, so its log lines come first
    conversation = Conversation(matcher)
    fact_base = matcher.fact_base
    print(fact_base.messages.text(fact_base.messages.languages[0], "console_welcome"), file=stdout)
    try:
        while True:
            line = _read(stdin, stdout, interactive)
            if line is None:
                break
            text = line.strip()
            if not text:
                continue
            print(_answer(text, conversation, question_log), file=stdout)
            print(file=stdout, flush=True)
    except KeyboardInterrupt:
        print(file=stdout)
    return ExitCode.OK


def _read(stdin: TextIO, stdout: TextIO, interactive: bool) -> str | None:
    if not interactive:
        line = stdin.readline()
        return line or None
    try:
        return input(_PROMPT)  # readline's line editing and history, when available
    except EOFError:
        print(file=stdout)  # Ctrl-D: end on a fresh line
        return None


def _answer(text: str, conversation: Conversation, question_log: QuestionLog | None) -> str:
    matcher = conversation.matcher
    fact_base = matcher.fact_base
    command = text.split()[0].lower() if text.startswith("/") else ""
    if command in ("/help", "/start"):
        return html_to_text(help_html(fact_base, "console", matcher.example_questions("en"), "en"))
    if command == "/topics":
        return "\n\n".join(html_to_text(topic_html(fact_base, topic, "en", buttons=False))
                           for topic in fact_base.topics)
    if command == "/source":
        return html_to_text(source_html(fact_base, "en"))
    if command:
        return notice(fact_base, "unknown_command", "en")
    if len(text) > MAX_QUESTION_CHARS:
        return notice(fact_base, "too_long", "en", example=next(iter(matcher.example_questions("en")), ""))
    match = conversation.reply(text)
    if question_log is not None:
        question_log.log_match(match, LogChatType.CONSOLE)  # queued for the writer thread: no waiting
    return truncate(render_text(match, fact_base))


def _enable_line_editing() -> None:
    # Importing readline gives input() arrow keys and history; it is not on every platform, and input() works
    # without it.
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401
