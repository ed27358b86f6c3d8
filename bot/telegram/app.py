"""Build and run the Telegram application: `build_application` for tests and the benchmark, `run_polling` for
production (`bot.telegram.service` adds webhook mode, /healthz and /metrics around the same application).

The lifecycle is written out instead of `Application.run_polling`, and polling is the bot's own (`Poller`, not
python-telegram-bot's `Updater`), so that:

* a rejected token (at start-up or later, 401) becomes one clear line and exit code 1 (python-telegram-bot's
  message for it contains the token, and after a 401 its polling stops while the process stays up);
* polling that ends without being asked to ends the process with exit code 1, so a supervisor restarts it;
* SIGTERM / Ctrl-C stop fetching at once, finish answering for at most `Delivery.stop_grace` seconds and leave the
  rest in the inbox, to be answered after a restart;
* updates are confirmed to Telegram only once they are in the inbox (see `bot.telegram.polling`), run in order
  within a chat and concurrently across chats (`bot.telegram.ordering`), and each chat's rate limits and 429s hold
  up only that chat (`bot.telegram.ratelimit`).

The token is in every request URL, so it must never reach a log: the HTTP libraries' loggers (`aiohttp`, and the
`httpx` and `httpcore` that python-telegram-bot brings along, which log URLs) are kept at WARNING, and every log
record is made with the token masked (see `mask_token_in_logs`).

Webhook mode (`bot.telegram.webhook`) serves the same application: the webhook server's updates go through the same
processor, rate limiter and handlers; `_Hooks` settles each update with whichever way it came in (the `Poller`'s
inbox, or the webhook's HTTP answer).

The application owns the question log: `build_application` opens it (or takes one), and `serve` closes it when the
bot stops, whichever way it stops, after logging the inline queries still waiting to be final.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import traceback
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, BaseRateLimiter
from telegram.request import BaseRequest
from telegram.warnings import PTBDeprecationWarning

from bot.config import Delivery, Settings
from bot.exits import ExitCode, fail
from bot.formatting import menus
from bot.matcher import Matcher
from bot.questionlog import DeferredRows, QuestionLog
from bot.telegram.admin import register_admin_handlers, register_admin_menus
from bot.telegram.delivery import ReliableRequest
from bot.telegram.handlers import needs_turn, question_in, register_handlers
from bot.telegram.ordering import ChatOrderedProcessor, order_key
from bot.telegram.polling import Poller, PollingEnded, TokenRejected
from bot.telegram.privacy import chat_tag
from bot.telegram.ratelimit import FairRateLimiter
from bot.telegram.recorder import INLINE_QUIET_SECONDS, QuestionRecorder
from bot.telegram.state import bot_state
from bot.telegram.transport import AiohttpRequest

if TYPE_CHECKING:
    from bot.telegram.webhook import WebhookDelivery

_LOGGER = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
CONCURRENT_UPDATES = Delivery().handler_slots  # updates worked on at once (see bot.config.Delivery)
# Connections to the Bot API for everything but getUpdates: 16 keep up with Telegram's 30 messages a second even at
# 500 ms per request.
CONNECTIONS = 16
POLL_TIMEOUT = 10  # seconds a getUpdates long poll may wait for news
PIPELINE_KEY = "ftz_pipeline"
DROPPED_REASON = "dropped unanswered: more questions from this chat were waiting than Telegram lets the bot answer"
EXPIRED_REASON = "expired: waited longer than BOT_INBOX_MAX_AGE_SECONDS"


class StartupError(RuntimeError):
    """The bot cannot start, or had to stop (the token was rejected, polling ended): the message is one line for
    the person running it (and never holds the token)."""


@dataclass
class Pipeline:
    """How updates flow: fetched by `poller` (polling mode; in webhook mode it only replays the inbox left by an
    earlier polling run) or received by `webhook` (webhook mode, `bot.telegram.webhook`), ordered and bounded by
    `processor`, sent under `rate_limiter`."""

    delivery: Delivery
    poller: Poller
    processor: ChatOrderedProcessor
    rate_limiter: BaseRateLimiter
    webhook: WebhookDelivery | None = None


def fair_rate_limiter(delivery: Delivery) -> FairRateLimiter:
    """The rate limiter the bot runs with, in either mode: Telegram's limits per chat and overall."""
    return FairRateLimiter(messages_per_second=delivery.messages_per_second,
                           group_messages_per_minute=delivery.group_messages_per_minute,
                           max_retries=delivery.flood_retries)


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
                      concurrent_updates: int | None = None, poll_timeout: float = POLL_TIMEOUT,
                      observe_polling: Callable[[BaseRequest], BaseRequest] | None = None) -> Application:
    """The Telegram application with every handler registered, talking to `settings.base_url`.

    Questions are logged to `question_log`, or to a `QuestionLog` opened here at `settings.db_path` /
    `BOT_DB_PATH` / the default location; `log_questions=False` (and no `question_log`) logs nothing, and answers
    then carry no 👍 / 👎 buttons, and there is no inbox (no durability). `serve` closes the log.
    `inline_quiet`: see `bot.telegram.recorder`.

    `rate_limiter` defaults to `FairRateLimiter` with `settings.delivery`'s limits (30 messages a second, 20 a
    minute per group) and retries on 429; the benchmark passes one without limits to measure the bot itself.
    `concurrent_updates` (default `settings.delivery.handler_slots`) is the number of handler slots.

    `observe_polling` wraps the getUpdates request the `Poller` sends (`bot.telegram.observe.ObservedRequest`, for
    /healthz and the getUpdates metric).

    The same application serves webhook mode (`bot.telegram.webhook`): there updates come from the webhook server
    instead of the `Poller`, through the same processor, rate limiter and handlers.
    """
    matcher.warm_up()  # the semantic layer loads now, not in the event loop on the first unsure question
    quiet_http_loggers()
    mask_token_in_logs(settings.token)
    # python-telegram-bot 22 warns about its own use of RetryAfter.retry_after on every 429; nothing to act on.
    warnings.filterwarnings("ignore", message=r".*attribute `retry_after`", category=PTBDeprecationWarning)
    delivery = settings.delivery
    if question_log is None and log_questions:
        # Its writer thread opens the file: start-up does not wait. Rows wait at most 50 ms, so that an answered
        # update leaves the inbox soon (what a crash answers twice is what was answered in that window).
        question_log = QuestionLog(settings=settings, linger=0.05)
    rate_limiter = rate_limiter or fair_rate_limiter(delivery)
    poll_request: BaseRequest = AiohttpRequest(connection_pool_size=2, connect_timeout=5.0, read_timeout=10.0)
    if observe_polling is not None:
        poll_request = observe_polling(poll_request)
    recorder = QuestionRecorder(question_log, inline_quiet=inline_quiet)
    hooks = _Hooks(recorder)
    processor = ChatOrderedProcessor(
        slots=concurrent_updates or delivery.handler_slots, backlog=delivery.chat_backlog,
        max_in_flight=delivery.max_in_flight, on_finished=hooks.finished, on_dropped=hooks.dropped,
        on_left=hooks.left, immediate=hooks.immediate)
    application = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.base_url)
        .request(ReliableRequest(connection_pool_size=CONNECTIONS, connect_timeout=5.0, read_timeout=10.0,
                                 write_timeout=10.0, pool_timeout=5.0))
        .get_updates_request(poll_request)
        .rate_limiter(rate_limiter)
        .concurrent_updates(processor)
        .updater(None)  # the bot polls with its own Poller; webhook mode makes its own Updater (bot.telegram.webhook)
        .build()
    )
    poller = Poller(application, poll_request, question_log, delivery, poll_timeout=poll_timeout,
                    allowed_updates=ALLOWED_UPDATES, on_expired=hooks.expired)
    hooks.application, hooks.poller = application, poller
    application.bot_data[PIPELINE_KEY] = Pipeline(delivery, poller, processor, rate_limiter)
    register_handlers(application, matcher, recorder=recorder, admin_ids=settings.admin_ids,
                      on_token_rejected=poller.token_rejected, conversation_seconds=settings.conversation_seconds)
    register_admin_handlers(application)
    return application


class _Hooks:
    """What happens to an update at the end of its way through the processor. An update the webhook received is
    settled with the webhook (`WebhookDelivery.settle`: its HTTP answer waits for that); any other came from the
    `Poller` (fetched, or replayed from the inbox) and is done with there."""

    def __init__(self, recorder: QuestionRecorder) -> None:
        self.recorder = recorder
        self.application: Application | None = None
        self.poller: Poller | None = None

    @property
    def _username(self) -> str:
        assert self.application is not None
        try:
            return self.application.bot.username
        except RuntimeError:  # not initialized yet
            return ""

    def _webhook(self, update: Update) -> WebhookDelivery | None:
        assert self.application is not None
        webhook = pipeline(self.application).webhook
        return webhook if webhook is not None and webhook.owns(update.update_id) else None

    def finished(self, update: Update, rows: DeferredRows) -> None:
        """Answered (or failed for good): its rows and its removal from the inbox are written together."""
        webhook = self._webhook(update)
        log = self.recorder.log
        if webhook is not None:
            if log is not None:
                log.commit(rows)  # a webhook update is not in the inbox
            webhook.settle(update.update_id, "answered")
            return
        assert self.poller is not None
        self.poller.answered(rows, update.update_id)
        self.poller.finished()

    def dropped(self, update: Update) -> None:
        """Dropped from a chat's full backlog: one line, a "dropped" row for a question, out of the inbox."""
        chat = update.effective_chat
        _LOGGER.info("chat %s has more than %d updates waiting: update %d dropped unanswered",
                     chat_tag(order_key(update) if chat is None else chat.id),
                     self.poller.delivery.chat_backlog if self.poller else 0, update.update_id)
        self._unanswered(update, "dropped", DROPPED_REASON)
        webhook = self._webhook(update)
        if webhook is not None:
            webhook.settle(update.update_id, "dropped")  # acknowledged: dropped on purpose, and logged
            return
        log = self.recorder.log
        if log is not None:
            log.inbox_done(update.update_id)
        assert self.poller is not None
        self.poller.finished()

    def left(self, update: Update) -> None:
        """Not answered because the bot is stopping: it stays in the inbox (polling), or its webhook delivery is
        not acknowledged, so Telegram delivers it again (webhook)."""
        webhook = self._webhook(update)
        if webhook is not None:
            webhook.settle(update.update_id, "left")
            return
        assert self.poller is not None
        self.poller.finished()

    def expired(self, update: Update, age: float) -> None:
        self._unanswered(update, "expired", EXPIRED_REASON)

    def immediate(self, update: Update) -> bool:
        return not needs_turn(update)

    def _unanswered(self, update: Update, outcome: str, reason: str) -> None:
        assert self.application is not None
        try:
            found = question_in(update, self._username, bot_state(self.application).fact_base)
        except Exception:  # a malformed update: nothing to log
            return
        if found is not None:
            self.recorder.unanswered(found, outcome, reason)


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


def pipeline(application: Application) -> Pipeline:
    """The poller, processor and rate limiter of an application made by `build_application`."""
    return application.bot_data[PIPELINE_KEY]


async def serve(application: Application, stop: asyncio.Event, *, poll_timeout: float | None = None) -> None:
    """Run `application` with long polling until `stop` is set, then shut it down within the stop grace.

    Raises `StartupError` when Telegram rejects the token (at start-up or later) or cannot be reached at all, and
    when polling ends without being asked to. Either way, the question log is closed on the way out (everything
    queued is written first; what was not answered stays in the inbox).
    """
    if poll_timeout is not None:
        pipeline(application).poller.poll_timeout = poll_timeout
    try:
        await _serve(application, stop)
    finally:
        await bot_state(application).recorder.close()


def _token_rejected(host: str) -> StartupError:
    return StartupError("Telegram rejected the bot token: check TELEGRAM_BOT_TOKEN (from @BotFather) "
                        f"and TELEGRAM_BASE_URL ({host})")


def token_rejected_while_running() -> StartupError:
    """The one line for a 401 after start-up (polling or webhook mode): the token was revoked."""
    return StartupError("Telegram rejected the bot token while the bot was running (HTTP 401): check "
                        "TELEGRAM_BOT_TOKEN (from @BotFather)")


async def delete_webhook(application: Application) -> None:
    """Polling mode: remove a webhook left from an earlier webhook-mode run (getUpdates answers 409 while one is
    set). What Telegram holds is kept (`drop_pending_updates` off). A failure is one WARNING; polling then says
    409 with the likely cause."""
    try:
        await application.bot.delete_webhook(drop_pending_updates=False)
    except TelegramError as error:  # a 401 here comes back at the first getUpdates, which stops the bot
        _LOGGER.warning("could not delete a webhook left from before (deleteWebhook: %s: %s)",
                        type(error).__name__, error)


async def initialize(application: Application) -> str:
    """`application.initialize()`, a rejected token or an unreachable Bot API turned into one `StartupError` line;
    returns the Bot API's host name (base_url ends with the token, so only the host is ever shown)."""
    host = urlsplit(application.bot.base_url).hostname or "?"
    try:
        await application.initialize()
    except InvalidToken:
        with contextlib.suppress(Exception):
            await application.bot.shutdown()
        raise _token_rejected(host) from None
    except NetworkError as error:
        with contextlib.suppress(Exception):
            await application.bot.shutdown()
        raise StartupError(f"cannot reach the Telegram Bot API at {host}: {type(error).__name__}: {error}") from None
    return host


async def _serve(application: Application, stop: asyncio.Event) -> None:
    host = await initialize(application)
    flow = pipeline(application)
    failure: StartupError | None = None
    polling: asyncio.Task[None] | None = None
    try:
        await register_commands(application)
        await delete_webhook(application)
        await application.start()
        polling = asyncio.create_task(flow.poller.run(stop), name="ftz-facts:polling")
        _LOGGER.info("FTZ Facts is answering as @%s", application.bot.username)
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if polling.done() and (polling.cancelled() or polling.exception() is not None or not stop.is_set()):
            failure = _polling_failure(polling, host)
        else:
            _LOGGER.info("stopping: no more updates fetched; finishing answers for up to %.0f s",
                         flow.delivery.stop_grace)
    finally:
        stop.set()
        if polling is not None and not polling.done():
            with contextlib.suppress(asyncio.CancelledError, TokenRejected, Exception):
                await asyncio.wait_for(polling, timeout=5.0)
        if application.running:
            # After a 401 nothing can be sent: leave everything in the inbox at once.
            await flow.processor.stop(0.0 if failure is not None else flow.delivery.stop_grace)
            await application.stop()
        await application.shutdown()
    if failure is not None:
        raise failure


def _polling_failure(polling: asyncio.Task[None], host: str) -> StartupError:
    """Why polling ended without being asked to, as one line (logged too, for whoever reads the log)."""
    error = polling.exception() if not polling.cancelled() else None
    if isinstance(error, TokenRejected):
        failure = token_rejected_while_running()
        _LOGGER.error("%s; stopping", failure)
        return failure
    if error is None:
        error = PollingEnded("the polling loop returned")
        _LOGGER.error("polling ended unexpectedly; stopping so that a supervisor can restart the bot")
    else:
        _LOGGER.error("polling ended unexpectedly (%s: %s); stopping so that a supervisor can restart the bot",
                      type(error).__name__, error, exc_info=error)
    return StartupError(f"polling stopped unexpectedly ({type(error).__name__}); exiting so that it can be "
                        "restarted")


def stop_on_signals() -> asyncio.Event:
    """An event the first SIGINT or SIGTERM sets (a second one interrupts at once); call inside the event loop."""
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
    return stop


def freeze_start_up_objects() -> None:
    """Once everything is loaded (fact base, lexicon, semantic model, the application), before serving: the full
    collection that start-up's objects would soon set off runs now, not while answering (in the benchmark one fell
    into the first traffic of every run: 27-80 ms), and what is left is frozen."""
    gc.collect()
    gc.freeze()  # full collections skip these ~80,000 objects from now on (11 ms each on the benchmark's machine)


def run_until_signalled(serve_until: Callable[[asyncio.Event], Awaitable[None]]) -> ExitCode:
    """Run `serve_until(stop)` until Ctrl-C or SIGTERM sets `stop`; returns an exit code: 0 when it was asked to
    stop, 1 (with one line why) when a `StartupError` ended it. The objects loaded before it is called are frozen
    (`freeze_start_up_objects`)."""
    async def main() -> None:
        await serve_until(stop_on_signals())

    freeze_start_up_objects()
    try:
        asyncio.run(main())
    except StartupError as error:
        return fail(str(error))
    except KeyboardInterrupt:
        pass
    return ExitCode.OK


def run_polling(settings: Settings, matcher: Matcher) -> ExitCode:
    """Run the bot until Ctrl-C or SIGTERM; returns an exit code: 0 when it was asked to stop, 1 (with one line
    why) when it cannot start, the token was rejected, or polling ended on its own."""
    application = build_application(settings, matcher)  # also quiets httpx and masks the token in logs
    return run_until_signalled(lambda stop: serve(application, stop))
