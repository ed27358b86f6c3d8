"""`ftz-bot run` with a token: the bot as a service — long polling or webhook mode, with /healthz and /metrics when
METRICS_LISTEN is set. See docs/deployment.md.

With neither TELEGRAM_WEBHOOK_URL nor METRICS_LISTEN set, `run_bot` is `bot.telegram.app.run_polling`, untouched.
Otherwise `Service` builds the same application (the same Poller, ChatOrderedProcessor and FairRateLimiter in both
modes), adds the counting hooks of `bot.telegram.observe` when metrics are on (the Poller's getUpdates request is
observed for /healthz; pending updates, the queue, the inbox and the question log are read at scrape time), starts
the monitor server (before Telegram is contacted, so a supervisor sees "starting" rather than nothing), and runs
`bot.telegram.app.serve` (polling) or `bot.telegram.webhook.serve_webhook` until SIGTERM / Ctrl-C. A 401 in either
mode ends `run` with a `StartupError` (one line; exit code 1).
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.ext import Application

from bot.config import Settings
from bot.exits import ExitCode
from bot.matcher import Matcher
from bot.metrics import Metrics
from bot.telegram.app import (
    POLL_TIMEOUT,
    StartupError,
    build_application,
    fair_rate_limiter,
    pipeline,
    run_polling,
    run_until_signalled,
    serve,
)
from bot.telegram.health import Health, MonitorServer
from bot.telegram.observe import MeasuredRateLimiter, ObservedRequest, instrument
from bot.telegram.state import bot_state
from bot.telegram.webhook import CHECK_SECONDS, WebhookDelivery, serve_webhook


class Service:
    """One run of the bot as configured by `settings`. `run(stop)` returns once `stop` is set and everything is
    shut down; the keyword arguments are the knobs tests turn (shorter polls and checks)."""

    def __init__(self, settings: Settings, matcher: Matcher, *, poll_timeout: float = POLL_TIMEOUT,
                 check_interval: float = CHECK_SECONDS, drain_seconds: float | None = None,
                 health_options: dict[str, Any] | None = None, **build_options: Any) -> None:
        self.settings = settings
        self.mode = "webhook" if settings.webhook_url else "polling"
        self.poll_timeout = poll_timeout
        self.check_interval = check_interval
        self.drain_seconds = drain_seconds
        self.metrics: Metrics | None = None
        self.health: Health | None = None
        self.monitor: MonitorServer | None = None
        if settings.metrics_listen is not None:
            self.metrics = Metrics(self.mode)
            self.health = Health(self.mode, self._facts, **(health_options or {}))
            build_options.setdefault("rate_limiter",
                                     MeasuredRateLimiter(fair_rate_limiter(settings.delivery), self.metrics))
            health = self.health
            build_options["observe_polling"] = lambda request: ObservedRequest(request, self._polled,
                                                                               health.polling_began)
        build_options.setdefault("poll_timeout", poll_timeout)
        self.application: Application = build_application(settings, matcher, **build_options)
        self.delivery = WebhookDelivery(self.application) if self.mode == "webhook" else None
        if self.metrics is not None:
            instrument(self.application, self.metrics, self.delivery)
            if self.health is not None:
                poller = pipeline(self.application).poller
                self.health.paused = lambda: poller.paused

    def _facts(self) -> int:
        return len(bot_state(self.application).fact_base.facts)

    def _polled(self, result: str, detail: str) -> None:
        assert self.health is not None and self.metrics is not None
        self.health.api_call(result, detail)
        self.metrics.get_updates.labels(result).inc()

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set. Raises `StartupError` (one line) when the bot cannot start."""
        if self.metrics is not None and self.health is not None:
            assert self.settings.metrics_listen is not None
            self.monitor = MonitorServer(self.settings.metrics_listen, self.health, self.metrics)
            try:
                await self.monitor.start()
            except OSError as error:
                await bot_state(self.application).recorder.close()
                raise StartupError(f"cannot listen on {self.settings.metrics_listen} for health and metrics "
                                   f"(METRICS_LISTEN): {error.strerror or error}") from None
        watcher = asyncio.create_task(self._note_stopping(stop))
        try:
            if self.delivery is not None:
                await serve_webhook(self.application, stop, self.settings, health=self.health, metrics=self.metrics,
                                    check_interval=self.check_interval, drain_seconds=self.drain_seconds,
                                    delivery=self.delivery)
            else:
                await serve(self.application, stop)
        finally:
            watcher.cancel()
            if self.monitor is not None:
                await self.monitor.stop()

    async def _note_stopping(self, stop: asyncio.Event) -> None:
        await stop.wait()
        if self.health is not None:
            self.health.stopping = True


def run_bot(settings: Settings, matcher: Matcher) -> ExitCode:
    """Run the bot until Ctrl-C or SIGTERM; returns an exit code (1 when it cannot start, with one line why)."""
    if not settings.webhook_url and settings.metrics_listen is None:
        return run_polling(settings, matcher)
    return run_until_signalled(Service(settings, matcher).run)
