"""Webhook mode: Telegram POSTs each update to TELEGRAM_WEBHOOK_URL; python-telegram-bot's own webhook server
(tornado, the `webhooks` extra) receives it on WEBHOOK_LISTEN behind a reverse proxy.

What python-telegram-bot does, unchanged: `Updater.start_webhook` calls setWebhook (with the secret token,
`ALLOWED_UPDATES`, and `drop_pending_updates` off, so what Telegram holds while the bot was down is delivered), and
its handler answers 403 to a request whose `X-Telegram-Bot-Api-Secret-Token` header is missing or wrong, and 403 to
one that is not `application/json`, before reading the body; a body that is not an update gets 400 (or 500 when it
is not even JSON), and the server carries on.

What this module adds is *when* Telegram gets its 200. python-telegram-bot's handler awaits `update_queue.put(update)`
and then answers 200. Here the "queue" is a `WebhookDelivery`, whose `put` handles the update at once, through the
application's own update processor (the same handlers, concurrency limit, and any fairness or ordering the
processor applies, as in polling), and returns only when the handlers are done. So the 200 means "answered" (or,
for an update no handler takes, "looked at"); a crash before that leaves Telegram without a 200, and Telegram
delivers the update again. A handler's failure is reported by the error handler and still acknowledged, as polling
confirms a failed update.

Stopping (SIGTERM): new deliveries get 503 at once (Telegram keeps them and delivers them again later), the ones
being answered get up to `DRAIN_SECONDS` to finish and be acknowledged, then the server closes. One still running
after that loses its connection without a 200: Telegram delivers it again after the restart, and its answer may
then be sent twice. The webhook stays registered when the bot stops, so Telegram queues what arrives meanwhile.

Where a durable inbox hooks in: `WebhookDelivery.put` is the one place an accepted update passes. With an inbox it
would store the update (durably) and return, and the inbox's worker would answer it: the 200 would then mean
"stored", which is the same guarantee with a shorter wait for Telegram.

While running, the bot asks getWebhookInfo every `CHECK_SECONDS`: a 401, the Bot API failing, or a webhook that is no
longer ours (another instance called setWebhook or deleteWebhook) make /healthz answer 503; Telegram's pending count
and last delivery error become metrics, and a new delivery error is logged once.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import tornado.web
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, Updater

from bot.config import Settings
from bot.deployment import webhook_path
from bot.telegram.app import ALLOWED_UPDATES, StartupError, bot_state, mask_token_in_logs, register_commands
from bot.telegram.delivery import describe

if TYPE_CHECKING:
    from bot.metrics import Metrics
    from bot.telegram.health import Health

_LOGGER = logging.getLogger(__name__)

DRAIN_SECONDS = 6.0  # deliveries in progress at SIGTERM get this long; with the rest, under Docker's 10 s grace
CHECK_SECONDS = 60.0  # getWebhookInfo this often
BOOTSTRAP_RETRIES = 3  # setWebhook is tried this many more times (1 s apart) when Telegram cannot be reached


class WebhookDelivery:
    """Stands in for the update queue python-telegram-bot's webhook handler puts each accepted update on: `put`
    answers the update before the handler returns 200. See the module docstring."""

    def __init__(self, application: Application) -> None:
        self.application = application
        self.accepting = True
        self.in_flight = 0
        self.delivered = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def put(self, update: object) -> None:
        if not self.accepting:  # stopping: Telegram gets 503 and delivers it again later
            raise tornado.web.HTTPError(503, reason="stopping")
        self.in_flight += 1
        self._idle.clear()
        try:
            application = self.application
            await application.update_processor.process_update(update, application.process_update(update))
        except Exception as error:  # process_update hands handler errors to the error handler; this is a bug
            _LOGGER.error("webhook: handling an update failed: %s: %s", type(error).__name__, error, exc_info=error)
        finally:
            self.in_flight -= 1
            self.delivered += 1
            if not self.in_flight:
                self._idle.set()

    async def drain(self, timeout: float) -> int:
        """Refuse new deliveries, wait up to `timeout` for those in progress; returns how many are still running."""
        self.accepting = False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)
        return self.in_flight


async def _initialize(application: Application) -> None:
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


async def serve_webhook(application: Application, stop: asyncio.Event, settings: Settings, *,
                        health: Health | None = None, metrics: Metrics | None = None,
                        check_interval: float = CHECK_SECONDS, drain_seconds: float = DRAIN_SECONDS,
                        delivery: WebhookDelivery | None = None) -> None:
    """Run `application` in webhook mode until `stop` is set, then shut it down cleanly (the counterpart of
    `bot.telegram.app.serve` for polling). Raises `StartupError` with one line when it cannot start. The question
    log is closed on the way out."""
    try:
        await _serve(application, stop, settings, health, metrics, check_interval, drain_seconds,
                     delivery or WebhookDelivery(application))
    finally:
        await bot_state(application).recorder.close()


async def _serve(application: Application, stop: asyncio.Event, settings: Settings, health: Health | None,
                 metrics: Metrics | None, check_interval: float, drain_seconds: float,
                 delivery: WebhookDelivery) -> None:
    mask_token_in_logs(settings.webhook_secret)
    await _initialize(application)
    updater = Updater(application.bot, delivery)  # type: ignore[arg-type]  # only put() is used
    await updater.initialize()
    listen, url = settings.webhook_listen, settings.webhook_url
    checker: asyncio.Task[None] | None = None
    try:
        await register_commands(application)
        try:
            await updater.start_webhook(listen=listen.host, port=listen.port, url_path=webhook_path(url),
                                        webhook_url=url, secret_token=settings.webhook_secret,
                                        allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False,
                                        bootstrap_retries=BOOTSTRAP_RETRIES)
        except InvalidToken:
            raise StartupError("Telegram rejected the bot token: check TELEGRAM_BOT_TOKEN (from @BotFather)") from None
        except TelegramError as error:
            raise StartupError(f"Telegram refused the webhook {url}: {describe(error)}") from None
        except OSError as error:
            raise StartupError(f"cannot listen on {listen} for the webhook (WEBHOOK_LISTEN): "
                               f"{error.strerror or error}") from None
        await application.start()
        if health is not None:
            health.webhook_registered = True
            health.api_call("ok")
            checker = asyncio.create_task(_watch(application, url, health, metrics, check_interval),
                                          name="ftz-webhook-check")
        _LOGGER.info("FTZ Facts is answering as @%s through the webhook %s (listening on %s)",
                     application.bot.username, url, listen)
        await stop.wait()
        _LOGGER.info("stopping")
    finally:
        if health is not None:
            health.stopping = True
        if checker is not None:
            checker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await checker
        left = await delivery.drain(drain_seconds)
        if left:
            _LOGGER.warning("stopping with %d update(s) still being answered: Telegram will deliver them again", left)
        if updater.running:
            await updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()


async def _watch(application: Application, url: str, health: Health, metrics: Metrics | None,
                 interval: float) -> None:
    """Every `interval` seconds: getWebhookInfo, reported to `health` and `metrics` (see the module docstring)."""
    last_error: dt.datetime | None = None
    while True:
        await asyncio.sleep(interval)
        try:
            info = await application.bot.get_webhook_info()
        except InvalidToken:
            health.api_call("401", "HTTP 401: Telegram rejected the bot token")
            continue
        except TelegramError as error:
            health.api_call("network" if isinstance(error, NetworkError) else "other", describe(error))
            continue
        except Exception as error:  # a bug here must not end the check silently
            _LOGGER.error("webhook check failed: %s: %s", type(error).__name__, error, exc_info=error)
            continue
        health.api_call("ok")
        if info.url == url:
            health.webhook_problem = ""
        else:
            where = "deleted" if not info.url else f"replaced by another URL (on {urlsplit(info.url).hostname})"
            health.webhook_problem = (f"the webhook was {where}: another instance or a deleteWebhook; "
                                      "restart this bot to register it again")
        if metrics is not None:
            metrics.webhook_pending.set(info.pending_update_count)
            if info.last_error_date is not None:
                metrics.webhook_last_error.set(info.last_error_date.timestamp())
        if info.last_error_date is not None and info.last_error_date != last_error:
            last_error = info.last_error_date
            _LOGGER.warning("Telegram could not deliver to the webhook (%s): %s",
                            info.last_error_date.isoformat(), info.last_error_message)
