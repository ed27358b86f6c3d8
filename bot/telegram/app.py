"""Build and run the Telegram application: `build_application` for tests and the benchmark, `run_polling` for
production.

The lifecycle is python-telegram-bot's own (initialize → start polling → start → … → stop → shutdown), written out
instead of `Application.run_polling` so that a rejected token becomes one clear line (python-telegram-bot's message
for it contains the token) and Ctrl-C / SIGTERM stop the bot within a few seconds.

The token is in every request URL, so it must never reach a log: the HTTP libraries' loggers (`aiohttp`, and the
`httpx` and `httpcore` that python-telegram-bot brings along, which log URLs) are kept at WARNING, and every log
record is made with the token masked (see `mask_token_in_logs`).

The application owns the question log: `build_application` opens it (or takes one), and `serve` closes it when the
bot stops, whichever way it stops, after logging the inline queries still waiting to be final.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import traceback
import warnings
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, Application, BaseRateLimiter
from telegram.request import BaseRequest
from telegram.warnings import PTBDeprecationWarning

from bot.config import Settings
from bot.formatting import menus
from bot.matcher import Matcher
from bot.questionlog import QuestionLog
from bot.telegram.admin import register_admin_handlers, register_admin_menus
from bot.telegram.delivery import ReliableRequest
from bot.telegram.handlers import STATE_KEY, BotState, register_handlers
from bot.telegram.recorder import INLINE_QUIET_SECONDS, QuestionRecorder
from bot.telegram.transport import AiohttpRequest

_LOGGER = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
CONCURRENT_UPDATES = 32  # updates handled at once, so a slow reply to one chat does not hold up the others
# Connections to the Bot API for everything but getUpdates: 16 keep up with Telegram's 30 messages a second even at
# 500 ms per request.
CONNECTIONS = 16
FLOOD_RETRIES = 3  # times AIORateLimiter waits out a 429 and tries again
POLL_TIMEOUT = 10  # seconds a getUpdates long poll may wait for news


class StartupError(RuntimeError):
    """The bot cannot start; the message is one line for the person running it (and never holds the token)."""


def quiet_http_loggers() -> None:
    """httpx logs every request URL at INFO, and the URL holds the token: keep it, httpcore and aiohttp at WARNING."""
    for name in ("httpx", "httpcore", "aiohttp"):
        logging.getLogger(name).setLevel(logging.WARNING)


_MASK = "<token>"
_masked_secrets: set[str] = set()


def _mask_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed log call: logging itself reports it
        return
    if any(secret in message for secret in _masked_secrets):
        for secret in _masked_secrets:
            message = message.replace(secret, _MASK)
        record.msg, record.args = message, ()
    if record.exc_info and record.exc_info[1] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if any(secret in text for secret in _masked_secrets):
            for secret in _masked_secrets:
                text = text.replace(secret, _MASK)
            record.exc_text = text


def mask_token_in_logs(token: str) -> None:
    """Show `<token>` instead of the token's secret part in every log record made from now on, by any logger —
    python-telegram-bot itself logs the Bot API URL, token included, at DEBUG level when a bot is created."""
    secret = token.partition(":")[2] or token
    if not secret or secret in _masked_secrets:
        return
    if not _masked_secrets:
        make_record = logging.getLogRecordFactory()

        def masking_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make_record(*args, **kwargs)
            _mask_record(record)
            return record

        logging.setLogRecordFactory(masking_factory)
    _masked_secrets.add(secret)


def build_application(settings: Settings, matcher: Matcher, *, question_log: QuestionLog | None = None,
                      log_questions: bool = True, inline_quiet: float = INLINE_QUIET_SECONDS,
                      rate_limiter: BaseRateLimiter | None = None,
                      concurrent_updates: int = CONCURRENT_UPDATES,
                      observe_polling: Callable[[BaseRequest], BaseRequest] | None = None) -> Application:
    """The Telegram application with every handler registered, talking to `settings.base_url`.

    Questions are logged to `question_log`, or to a `QuestionLog` opened here at `settings.db_path` /
    `BOT_DB_PATH` / the default location; `log_questions=False` (and no `question_log`) logs nothing, and answers
    then carry no 👍 / 👎 buttons. `serve` closes the log. `inline_quiet`: see `bot.telegram.recorder`.

    `rate_limiter` defaults to `AIORateLimiter` with Telegram's limits (30 messages a second, 20 a minute per group)
    and retries on 429; the benchmark passes one without limits to measure the bot itself.

    `observe_polling` wraps the getUpdates request (`bot.telegram.observe.ObservedRequest`, for /healthz).
    """
    matcher.warm_up()  # the semantic layer loads now, not in the event loop on the first unsure question
    quiet_http_loggers()
    mask_token_in_logs(settings.token)
    # python-telegram-bot 22 warns about its own use of RetryAfter.retry_after on every 429; nothing to act on.
    warnings.filterwarnings("ignore", message=r".*attribute `retry_after`", category=PTBDeprecationWarning)
    polling_request = AiohttpRequest(connection_pool_size=2, connect_timeout=5.0, read_timeout=10.0)
    application = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.base_url)
        .request(ReliableRequest(connection_pool_size=CONNECTIONS, connect_timeout=5.0, read_timeout=10.0,
                                 write_timeout=10.0, pool_timeout=5.0))
        .get_updates_request(polling_request if observe_polling is None else observe_polling(polling_request))
        .rate_limiter(rate_limiter or AIORateLimiter(max_retries=FLOOD_RETRIES))
        .concurrent_updates(concurrent_updates)
        .build()
    )
    if question_log is None and log_questions:
        question_log = QuestionLog(settings=settings)  # its writer thread opens the file: start-up does not wait
    register_handlers(application, matcher, recorder=QuestionRecorder(question_log, inline_quiet=inline_quiet),
                      admin_ids=settings.admin_ids)
    register_admin_handlers(application)
    return application


def bot_state(application: Application) -> BotState:
    """The handlers' shared state: the matcher being served, the question log, the admins."""
    return application.bot_data[STATE_KEY]


async def register_commands(application: Application) -> None:
    """The command menu in each language of the knowledge folder (the first is the default; Telegram languages
    mapped to another, such as Kazakh to Russian, get that one), and the admins' own. A failure is logged, not
    fatal."""
    for code, menu in menus(bot_state(application).fact_base):
        try:
            await application.bot.set_my_commands([BotCommand(name, text) for name, text in menu], language_code=code)
        except TelegramError as error:
            _LOGGER.warning("could not set the %s command menu: %s: %s", code or "default", type(error).__name__,
                            error)
    admins = bot_state(application).admin_ids
    if admins:
        await register_admin_menus(application, admins)


async def serve(application: Application, stop: asyncio.Event, *, poll_timeout: float = POLL_TIMEOUT) -> None:
    """Run `application` with long polling until `stop` is set, then shut it down cleanly.

    Raises `StartupError` when Telegram rejects the token or cannot be reached at all. Either way, the question log
    is closed on the way out (everything queued is written first).
    """
    try:
        await _serve(application, stop, poll_timeout)
    finally:
        await bot_state(application).recorder.close()


async def _serve(application: Application, stop: asyncio.Event, poll_timeout: float) -> None:
    host = urlsplit(application.bot.base_url).hostname or "?"  # base_url ends with the token: show only the host
    try:
        await application.initialize()
    except InvalidToken:
        with contextlib.suppress(Exception):
            await application.bot.shutdown()
        raise StartupError("Telegram rejected the bot token: check TELEGRAM_BOT_TOKEN (from @BotFather) "
                           f"and TELEGRAM_BASE_URL ({host})") from None
    except NetworkError as error:
        with contextlib.suppress(Exception):
            await application.bot.shutdown()
        raise StartupError(f"cannot reach the Telegram Bot API at {host}: {type(error).__name__}: {error}") from None
    updater = application.updater
    assert updater is not None
    try:
        await register_commands(application)

        def polling_failed(error: TelegramError) -> None:
            application.create_task(application.process_error(update=None, error=error))

        await updater.start_polling(timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES, bootstrap_retries=3,
                                    error_callback=polling_failed)
        await application.start()
        _LOGGER.info("FTZ Facts is answering as @%s", application.bot.username)
        await stop.wait()
        _LOGGER.info("stopping")
    finally:
        if updater.running:
            await updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()


async def _serve_until_signalled(application: Application) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)

    def first_signal() -> None:
        stop.set()
        for sig in signals:  # a second Ctrl-C interrupts at once
            loop.remove_signal_handler(sig)

    with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C still arrives as KeyboardInterrupt
        for sig in signals:
            loop.add_signal_handler(sig, first_signal)
    await serve(application, stop)


def run_polling(settings: Settings, matcher: Matcher) -> int:
    """Run the bot until Ctrl-C or SIGTERM; returns an exit code (1 when it cannot start, with one line why)."""
    application = build_application(settings, matcher)  # also quiets httpx and masks the token in logs
    try:
        asyncio.run(_serve_until_signalled(application))
    except StartupError as error:
        print(f"ftz-bot: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0
