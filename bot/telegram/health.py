"""`/healthz` and `/metrics`: whether the bot is really answering, told to a supervisor and a metrics scraper.

`Health` decides from what the running bot reports: every getUpdates (polling) or the periodic getWebhookInfo
(webhook mode, `bot.telegram.webhook`) with its result, whether the webhook is registered, whether the fact base has
facts, whether the bot is stopping. `MonitorServer` serves, on METRICS_LISTEN only (never the webhook's port):

* `GET /healthz` — 200 and one line starting "ok" while updates can flow; 503 and one line saying why otherwise:
  starting, Telegram rejected the token (401: the bot then exits with code 1, in either mode), getUpdates or the
  Bot API failing several times in a row, no answer from Telegram for too long (unless polling is paused at
  BOT_MAX_IN_FLIGHT), the webhook not registered or replaced, no facts, stopping;
* `GET /metrics` — `bot.metrics` in the Prometheus text format.

The server runs on the bot's own event loop, so a bot whose loop is stuck does not answer its health check either
(Docker's HEALTHCHECK and systemd see a timeout, which counts as unhealthy).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.deployment import Listen
from bot.metrics import Metrics

_LOGGER = logging.getLogger(__name__)

FAILURES_BEFORE_UNHEALTHY = 3  # one failed long poll is weather; three in a row (about 2.5 s of retries) is news
SILENCE_LIMIT = 60.0  # seconds without an answer from Telegram before the bot counts as cut off


@dataclass
class _Calls:
    last_ok: float | None = None
    failures: int = 0
    last_result: str = ""
    last_detail: str = ""


class Health:
    """The health verdict of one running bot. `mode` is "polling" or "webhook". Not thread-safe: call it from the
    bot's event loop (the server does)."""

    def __init__(self, mode: str, facts: Callable[[], int], *,
                 failures_before_unhealthy: int = FAILURES_BEFORE_UNHEALTHY, silence_limit: float = SILENCE_LIMIT,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.mode = mode
        self.facts = facts
        self.failures_before_unhealthy = failures_before_unhealthy
        self.silence_limit = silence_limit
        self.clock = clock
        self.webhook_registered = False
        self.webhook_problem = ""  # set by the webhook check when Telegram's webhook is not ours
        self.stopping = False
        # Polling: True while the Poller does not fetch because BOT_MAX_IN_FLIGHT updates are being answered; no
        # getUpdates is sent then, which is not silence.
        self.paused: Callable[[], bool] = lambda: False
        self._calls = _Calls()

    def api_call(self, result: str, detail: str = "") -> None:
        """One getUpdates (polling) or getWebhookInfo (webhook) came back: result "ok", "401", "409", "5xx", "4xx",
        "network" or "other"; `detail` a short line (no URLs)."""
        calls = self._calls
        if result == "ok":
            calls.last_ok, calls.failures = self.clock(), 0
        else:
            calls.failures += 1
        calls.last_result, calls.last_detail = result, detail

    def polling_began(self) -> None:
        """A getUpdates is on its way. The first one is sent only once Telegram has answered getMe and deleteWebhook
        at start-up, so it counts as Telegram's first answer: a long poll may take 10 s to come back."""
        if self._calls.last_ok is None:
            self._calls.last_ok = self.clock()

    def check(self) -> tuple[bool, str]:
        """(healthy, one line saying why)."""
        calls, now = self._calls, self.clock()
        if calls.last_result == "401":  # before "stopping": a 401 is why the bot stops (exit code 1)
            return False, "Telegram rejected the bot token (HTTP 401): the bot stops; check TELEGRAM_BOT_TOKEN"
        if self.stopping:
            return False, "stopping"
        facts = self.facts()
        if facts <= 0:
            return False, "no fact base loaded"
        what = "getUpdates" if self.mode == "polling" else "the Bot API (getWebhookInfo)"
        if self.mode == "webhook" and not self.webhook_registered:
            return False, "starting: the webhook is not registered yet"
        if self.webhook_problem:
            return False, self.webhook_problem
        if calls.failures >= self.failures_before_unhealthy:
            last = calls.last_detail or calls.last_result
            return False, f"{what} failed {calls.failures} times in a row, last: {last}"
        if calls.last_ok is None:
            return False, f"starting: no answer to {what} yet"
        quiet = now - calls.last_ok
        if quiet > self.silence_limit:
            if self.mode == "polling" and self.paused():
                return True, f"ok: polling paused while the bot answers the updates in flight, {facts} facts"
            return False, f"no answer to {what} for {quiet:.0f} s"
        how = "polling" if self.mode == "polling" else "webhook registered"
        return True, f"ok: {how}, Telegram answered {quiet:.1f} s ago, {facts} facts"


class MonitorServer:
    """GET /healthz and GET /metrics on `listen`, served by aiohttp on the running event loop."""

    def __init__(self, listen: Listen, health: Health, metrics: Metrics) -> None:
        self.listen = listen
        self.health = health
        self.metrics = metrics
        metrics.sources.healthy = lambda: health.check()[0]
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        self.port: int | None = None

    async def _healthz(self, request: web.Request) -> web.Response:
        healthy, reason = self.health.check()
        return web.Response(status=200 if healthy else 503, text=reason + "\n")

    async def _metrics(self, request: web.Request) -> web.Response:
        response = web.Response(body=self.metrics.exposition())
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    async def start(self) -> None:
        """Bind and serve; raises OSError when `listen` cannot be bound."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.listen.host, self.listen.port, reuse_address=True)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            raise
        self.port = self._runner.addresses[0][1]
        _LOGGER.info("health and metrics on http://%s/healthz and /metrics", Listen(self.listen.host, self.port))

    async def stop(self) -> None:
        await self._runner.cleanup()
