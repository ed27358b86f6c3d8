"""Instrumenting a built Telegram application for `bot.metrics` and `bot.telegram.health`, from the outside.

Installed only when METRICS_LISTEN is set (`bot.telegram.service`); without it the bot runs exactly as before.
Nothing here changes what the bot answers; every hook counts and passes on:

* `MeasuredRateLimiter` wraps the rate limiter, which sees each Bot API call once with its final result (after
  `ReliableRequest`'s resends and the rate limiter's own waits on 429): replies sent or failed, by kind, and the
  reply latency;
* `ObservedRequest` wraps the getUpdates request the bot's `Poller` sends: every long poll's result goes to the
  health check (a 401, a run of failures, or silence make /healthz answer 503) and to `ftz_bot_get_updates_total`;
* a handler in `STAMP_GROUP`, ahead of every other, counts each update and notes when its handling started (a
  context variable, which the tasks an update's handler starts inherit), so the first reply can be timed;
* `CountingRecorder` counts every question the question log is given (by outcome, language and chat type), so the
  metrics and `ftz-bot report` count the same questions;
* a `BotState.on_new_matcher` hook counts fact-base reloads.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any

import aiohttp
from telegram import Update
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, BaseRateLimiter, ContextTypes, TypeHandler
from telegram.request import BaseRequest, RequestData

from bot.match import Match
from bot.metrics import Metrics
from bot.questionlog import LogChatType, log_chat_type
from bot.telegram.app import pipeline
from bot.telegram.delivery import describe
from bot.telegram.recorder import QuestionRecorder
from bot.telegram.state import bot_state

if TYPE_CHECKING:
    from bot.telegram.webhook import WebhookDelivery

STAMP_GROUP = -1000  # before the admin commands (-1) and everything else
_REPLY_PREFIXES = ("send", "answer", "edit", "copy", "forward")


class _Handling:
    __slots__ = ("replied", "started")

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.replied = False


_handling: contextvars.ContextVar[_Handling | None] = contextvars.ContextVar("ftz_handling", default=None)


def failure_kind(error: BaseException) -> str:
    """How a Bot API call failed, as the metrics label it: 429, 5xx, network, 403 or other."""
    if isinstance(error, RetryAfter):
        return "429"
    if isinstance(error, Forbidden):
        return "403"
    if isinstance(error, BadRequest | Conflict):  # python-telegram-bot makes these NetworkErrors too
        return "other"
    if isinstance(error, TimedOut):
        return "network"
    if isinstance(error, NetworkError):
        # python-telegram-bot raises NetworkError for 5xx answers too; ours (bot.telegram.transport) carry the
        # aiohttp error behind a connection failure as __cause__ (MaybeDelivered: that NetworkError).
        cause = error.__cause__
        network = aiohttp.ClientError | TimeoutError | OSError | NetworkError
        return "network" if isinstance(cause, network) else "5xx"
    return "other"


def is_reply(endpoint: str) -> bool:
    return endpoint.startswith(_REPLY_PREFIXES)


class MeasuredRateLimiter(BaseRateLimiter[Any]):
    """A `BaseRateLimiter` that lets `inner` do the limiting and counts each reply's final result."""

    def __init__(self, inner: BaseRateLimiter[Any], metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: Any) -> Any:
        if not is_reply(endpoint):
            return await self.inner.process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        try:
            result = await self.inner.process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        except TelegramError as error:
            self.metrics.replies.labels(endpoint, failure_kind(error)).inc()
            raise
        self.metrics.replies.labels(endpoint, "sent").inc()
        handling = _handling.get()
        if handling is not None and not handling.replied:
            handling.replied = True
            self.metrics.reply_latency.observe(time.perf_counter() - handling.started)
        return result


class ObservedRequest(BaseRequest):
    """A `BaseRequest` that sends through `inner` and reports each call's outcome to `report(result, detail)`:
    result "ok", "401", "409", "5xx", "4xx" or "network"; detail a short line without URLs. `began()`, when given,
    is called as each call is sent."""

    def __init__(self, inner: BaseRequest, report: Callable[[str, str], None],
                 began: Callable[[], None] | None = None) -> None:
        self.inner = inner
        self.report = report
        self.began = began

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(  # type: ignore[override]  # the timeouts go on as given (their type is private to PTB)
            self, url: str, method: str, request_data: RequestData | None = None, **timeouts: Any,
    ) -> tuple[int, bytes]:
        if self.began is not None:
            self.began()
        try:
            code, payload = await self.inner.do_request(url, method, request_data, **timeouts)
        except NetworkError as error:
            self.report("network", describe(error))
            raise
        if code < 300:
            self.report("ok", "")
        elif code in (401, 404):
            self.report("401", f"HTTP {code}: Telegram rejected the bot token")
        elif code == 409:
            self.report("409", "HTTP 409 Conflict: another instance is polling with this token, or a webhook is set")
        elif code >= 500:
            self.report("5xx", f"HTTP {code}")
        else:
            self.report("4xx", f"HTTP {code}")
        return code, payload


async def _stamp(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    _handling.set(_Handling())
    metrics: Metrics | None = context.bot_data.get(_METRICS_KEY)
    if metrics is not None:
        metrics.updates.inc()


_METRICS_KEY = "ftz_facts_metrics"


class CountingRecorder(QuestionRecorder):
    """`QuestionRecorder` that also counts each question it is given in `Metrics.questions`."""

    def __init__(self, question_log: Any, *, inline_quiet: float, metrics: Metrics) -> None:
        super().__init__(question_log, inline_quiet=inline_quiet)
        self.metrics = metrics

    def question(self, match: Match, chat_type: LogChatType | str,
                 personal: Iterable[tuple[str, str]] = ()) -> int | None:
        self._count(match, chat_type)
        return super().question(match, chat_type, personal)

    def choice(self, clarify_row: int, fact: Any, language: str, chat_type: LogChatType | str) -> int | None:
        self.metrics.questions.labels("answer", language, log_chat_type(chat_type)).inc()
        return super().choice(clarify_row, fact, language, chat_type)

    def _count(self, match: Match, chat_type: LogChatType | str) -> None:
        self.metrics.questions.labels(match.outcome.value, match.language, log_chat_type(chat_type)).inc()


def instrument(application: Application, metrics: Metrics, webhook: WebhookDelivery | None = None) -> None:
    """Install the counting hooks (see the module docstring) on a built application, and point the scrape-time
    metrics at its pipeline (the Poller, the ChatOrderedProcessor, the `webhook` in webhook mode), question log and
    fact base."""
    application.bot_data[_METRICS_KEY] = metrics
    application.add_handler(TypeHandler(Update, _stamp), group=STAMP_GROUP)
    state = bot_state(application)
    old = state.recorder
    state.recorder = CountingRecorder(old.log, inline_quiet=old.inline_quiet, metrics=metrics)
    state.on_new_matcher.append(lambda _: metrics.reloads.inc())
    flow = pipeline(application)
    poller, processor = flow.poller, flow.processor
    sources = metrics.sources
    # Received and not finished: fetched by the Poller (or replayed from the inbox) and not yet answered, dropped
    # or left; in webhook mode also the deliveries whose HTTP answer waits for their update to be answered.
    if webhook is None:
        sources.pending_updates = lambda: poller.in_flight
    else:
        sources.pending_updates = lambda: poller.in_flight + webhook.in_flight
    sources.queue_depth = processor.waiting
    sources.log_status = lambda: bot_state(application).recorder.status()
    sources.facts = lambda: len(bot_state(application).fact_base.facts)
