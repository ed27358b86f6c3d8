"""Webhook mode: Telegram POSTs each update to TELEGRAM_WEBHOOK_URL; python-telegram-bot's own webhook server
(tornado, the `webhooks` extra) receives it on WEBHOOK_LISTEN behind a reverse proxy.

What python-telegram-bot does, unchanged: `Updater.start_webhook` calls setWebhook (with the secret token,
`ALLOWED_UPDATES`, and `drop_pending_updates` off, so what Telegram holds while the bot was down is delivered), and
its handler answers 403 to a request whose `X-Telegram-Bot-Api-Secret-Token` header is missing or wrong, and 403 to
one that is not `application/json`, before reading the body; a body that is not an update gets 400 (or 500 when it
is not even JSON), and the server carries on.

What this module adds is *when* Telegram gets its 200, and *how* the update is handled. python-telegram-bot's
handler awaits `update_queue.put(update)` and then answers 200. Here the "queue" is a `WebhookDelivery`, whose
`put` hands the update at once to the application's update processor — the same `ChatOrderedProcessor` as in
polling (order within a chat, handler slots, the bounded backlog per chat), the same handlers and the same
`FairRateLimiter` — and returns only once the processor is done with it:

* **answered** (or failed for good: a 403, a lost response): 200. Its question-log rows are queued then;
* **dropped** from its chat's full backlog (logged with outcome "dropped", as in polling): 200, on purpose;
* **expired** (older than BOT_INBOX_MAX_AGE_SECONDS, say after a long outage): logged as expired, 200;
* **left** unanswered because the bot is stopping (the stop grace ran out): 503, so Telegram delivers it again;
* a request arriving while the bot stops: 503 at once.

So in webhook mode the 200 means "answered" and the durable store is Telegram itself: an update is not written to
the inbox (Telegram keeps every update it has no 200 for and delivers it again, for up to 24 hours). A crash (kill
-9) before the 200 leaves Telegram without one, and Telegram delivers the update again after the restart: nothing
is lost, and an update whose answer was sent in the moment before the crash is answered twice (at most the updates
being answered at that moment: bounded by Telegram's `max_connections`, 40 by default). Writing the update to the
inbox as well would add nothing but a second copy that is answered twice after every crash. The one use of the
inbox in webhook mode: updates left in it by an earlier *polling* run are answered at start-up.

A 401 (the token was revoked: a send refused, or the periodic getWebhookInfo) stops the bot with one line and exit
code 1, as in polling. Stopping (SIGTERM): new deliveries get 503 at once, the ones being answered get up to
BOT_STOP_GRACE_SECONDS to finish (the processor's stop grace) and are acknowledged; the rest get 503 (Telegram
delivers them again after the restart). The webhook stays registered when the bot stops, so Telegram queues what
arrives meanwhile.

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
from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, Updater

from bot.config import Settings
from bot.deployment import webhook_path
from bot.telegram.app import (
    ALLOWED_UPDATES,
    StartupError,
    initialize,
    mask_token_in_logs,
    pipeline,
    register_commands,
    token_rejected_while_running,
)
from bot.telegram.delivery import describe
from bot.telegram.state import bot_state

if TYPE_CHECKING:
    from bot.metrics import Metrics
    from bot.telegram.health import Health
    from bot.telegram.polling import Poller

_LOGGER = logging.getLogger(__name__)

CHECK_SECONDS = 60.0  # getWebhookInfo this often
BOOTSTRAP_RETRIES = 3  # setWebhook is tried this many more times (1 s apart) when Telegram cannot be reached


class WebhookDelivery:
    """Stands in for the update queue python-telegram-bot's webhook handler puts each accepted update on: `put`
    returns once the update is answered (the handler then answers 200), or raises a 503 for Telegram to deliver it
    again. See the module docstring."""

    def __init__(self, application: Application) -> None:
        self.application = application
        self.accepting = True
        self.in_flight = 0
        self.delivered = 0
        self.unacknowledged = 0  # left unanswered at a stop: 503, delivered again by Telegram
        self._outcomes: dict[int, str] = {}  # update id -> "" while in the processor, then how it was settled
        self._idle = asyncio.Event()
        self._idle.set()

    def owns(self, update_id: int) -> bool:
        """Whether an update in the processor came through this webhook (not replayed from the inbox)."""
        return update_id in self._outcomes

    def settle(self, update_id: int, outcome: str) -> None:
        """The processor is done with an update: "answered", "dropped" or "left" (see the module docstring)."""
        if update_id in self._outcomes:
            self._outcomes[update_id] = outcome

    async def put(self, update: object) -> None:
        if not self.accepting:  # stopping: Telegram gets 503 and delivers it again later
            raise tornado.web.HTTPError(503, reason="stopping")
        application = self.application
        flow = pipeline(application)
        if not isinstance(update, Update) or update.update_id in self._outcomes:
            return  # not an update python-telegram-bot made, or one delivered again while it is being answered
        if flow.poller.too_old(update):
            return  # logged as expired; acknowledged
        update_id = update.update_id
        self._outcomes[update_id] = ""
        self.in_flight += 1
        self._idle.clear()
        try:
            # A task of its own: the processor cancels what still runs when the stop grace is over, and that must
            # end in a 503 here, not in a cancelled tornado handler.
            work = asyncio.ensure_future(application.update_processor.process_update(
                update, application.process_update(update)))
            await asyncio.wait({work})
            if not work.cancelled() and work.exception() is not None:
                error = work.exception()
                _LOGGER.error("webhook: handling an update failed: %s: %s", type(error).__name__, error,
                              exc_info=error)
            outcome = self._outcomes.get(update_id) or ("left" if work.cancelled() else "answered")
        finally:
            self._outcomes.pop(update_id, None)
            self.in_flight -= 1
            self.delivered += 1
            if not self.in_flight:
                self._idle.set()
        if outcome == "left":  # not answered: no 200, so that Telegram delivers it again
            self.unacknowledged += 1
            raise tornado.web.HTTPError(503, reason="stopping")

    async def drain(self, timeout: float) -> int:
        """Refuse new deliveries, let the processor finish for up to `timeout` seconds (then it leaves the rest,
        which get 503), and wait for their HTTP answers; returns how many got 503 for Telegram to deliver again."""
        self.accepting = False
        before = self.unacknowledged
        await pipeline(self.application).processor.stop(timeout)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), 2.0)
        return self.unacknowledged - before + self.in_flight


async def serve_webhook(application: Application, stop: asyncio.Event, settings: Settings, *,
                        health: Health | None = None, metrics: Metrics | None = None,
                        check_interval: float = CHECK_SECONDS, drain_seconds: float | None = None,
                        delivery: WebhookDelivery | None = None) -> None:
    """Run `application` in webhook mode until `stop` is set, then shut it down cleanly (the counterpart of
    `bot.telegram.app.serve` for polling). Raises `StartupError` with one line when it cannot start, and when
    Telegram rejects the token while it runs. `drain_seconds` (default BOT_STOP_GRACE_SECONDS) is the stop grace.
    The question log is closed on the way out."""
    delivery = delivery or WebhookDelivery(application)
    pipeline(application).webhook = delivery
    grace = settings.delivery.stop_grace if drain_seconds is None else drain_seconds
    try:
        await _serve(application, stop, settings, health, metrics, check_interval, grace, delivery)
    finally:
        await bot_state(application).recorder.close()


async def _serve(application: Application, stop: asyncio.Event, settings: Settings, health: Health | None,
                 metrics: Metrics | None, check_interval: float, drain_seconds: float,
                 delivery: WebhookDelivery) -> None:
    mask_token_in_logs(settings.webhook_secret)
    await initialize(application)
    # The application is built without an Updater (polling is the bot's own Poller): webhook mode makes the one
    # it needs for python-telegram-bot's webhook server, with the WebhookDelivery as its "queue".
    updater = Updater(application.bot, delivery)  # type: ignore[arg-type]  # only put() is used
    await updater.initialize()
    listen, url = settings.webhook_listen, settings.webhook_url
    poller = pipeline(application).poller
    tasks: list[asyncio.Task[None]] = []
    rejected = False
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
        if poller.log is not None:  # what an earlier polling run left in the inbox
            tasks.append(asyncio.create_task(poller.replay(), name="ftz-inbox-replay"))
        if health is not None:
            health.webhook_registered = True
            health.api_call("ok")
        tasks.append(asyncio.create_task(_watch(application, url, health, metrics, check_interval, poller),
                                         name="ftz-webhook-check"))
        _LOGGER.info("FTZ Facts is answering as @%s through the webhook %s (listening on %s)",
                     application.bot.username, url, listen)
        stopping = asyncio.ensure_future(stop.wait())
        revoked = asyncio.ensure_future(poller.until_token_rejected())
        await asyncio.wait({stopping, revoked}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        revoked.cancel()
        rejected = not stop.is_set()
        if rejected:
            _LOGGER.error("%s; stopping", token_rejected_while_running())
        else:
            _LOGGER.info("stopping: new deliveries get 503; finishing answers for up to %.0f s", drain_seconds)
    finally:
        if health is not None:
            health.stopping = True
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        # After a 401 nothing can be sent: give up at once (Telegram keeps what got no 200).
        left = await delivery.drain(0.0 if rejected else drain_seconds)
        if left:
            _LOGGER.warning("stopping with %d update(s) not answered: Telegram will deliver them again", left)
        if updater.running:
            await updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
    if rejected:
        raise token_rejected_while_running()


async def _watch(application: Application, url: str, health: Health | None, metrics: Metrics | None,
                 interval: float, poller: Poller) -> None:
    """Every `interval` seconds: getWebhookInfo, reported to `health` and `metrics` (see the module docstring).
    A 401 stops the bot (`Poller.token_rejected`), health check or not."""
    last_error: dt.datetime | None = None
    while True:
        await asyncio.sleep(interval)
        try:
            info = await application.bot.get_webhook_info()
        except InvalidToken:
            if health is not None:
                health.api_call("401", "HTTP 401: Telegram rejected the bot token")
            poller.token_rejected()
            continue
        except TelegramError as error:
            if health is not None:
                health.api_call("network" if isinstance(error, NetworkError) else "other", describe(error))
            continue
        except Exception as error:  # a bug here must not end the check silently
            _LOGGER.error("webhook check failed: %s: %s", type(error).__name__, error, exc_info=error)
            continue
        if health is not None:
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
