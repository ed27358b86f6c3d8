"""`ftz-bot run`: start the Telegram bot, or the console chat when no token is configured."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from bot.config import SettingsError, load_settings
from bot.console import run_console
from bot.exits import ExitCode, err, fail
from bot.knowledge import load_fact_base
from bot.matcher import Matcher
from bot.questionlog import QuestionLog

NO_TOKEN_HINT = ("No TELEGRAM_BOT_TOKEN set: get one from @BotFather (/newbot), put it in .env "
                 "(see .env.example), then run again. Meanwhile, here is the console chat:")


def run(knowledge_dir: Path | None = None, *, force_console: bool = False) -> ExitCode:
    """Run the bot (long polling, or webhook mode when TELEGRAM_WEBHOOK_URL is set); without a token, open the
    console chat. Returns an exit code.

    Both log questions to the question log (`BOT_DB_PATH`, else one per knowledge folder); the Telegram
    application opens and closes its own."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        return fail(str(exc), ExitCode.USAGE)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=settings.log_level)
    fact_base = load_fact_base(knowledge_dir or settings.knowledge_dir)
    # The folder in use, also when given by --knowledge: its question log and /reload go with it.
    settings = dataclasses.replace(settings, knowledge_dir=fact_base.directory)
    matcher = Matcher(fact_base)
    if force_console or not settings.has_token:
        if not force_console:
            err(NO_TOKEN_HINT)
        with QuestionLog(settings=settings) as question_log:  # closing writes what is still queued
            return run_console(matcher, question_log=question_log)
    from bot.telegram.service import run_bot  # polling or webhook, health and metrics (docs/deployment.md)

    return run_bot(settings, matcher)
