"""Fetching updates from Telegram so that none is lost and none wedges the bot: `Poller`.

python-telegram-bot's own polling loop confirms updates to Telegram as soon as it has fetched them (a crash then
loses everything fetched and not yet answered), parses a whole batch at once (one update it cannot parse fails the
batch, which is fetched again and again, and logged at CRITICAL with its contents), and on a 401 stops polling
while the process stays up. This loop replaces it:

* **Durable before confirmed.** Each batch is written to the inbox (a table in the question log's SQLite file,
  names and usernames left out: `without_names`) before the next getUpdates confirms it; each update is deleted
  from the inbox once it has been answered, dropped or expired. At start-up the inbox is replayed. Processing
  starts at once, in parallel with the write, so answering waits for no disk. If the inbox cannot be written, the
  bot still answers and says once that it runs without durability.
* **Bounded in flight.** At most `max_in_flight` updates are fetched and not yet finished; beyond that the bot
  stops fetching (Telegram keeps the rest), which bounds memory in a flood.
* **Already seen.** The largest update id ever stored is kept in the file; after a crash, updates Telegram hands
  out again up to it are confirmed without being answered a second time (they are in the inbox, or answered).
* **Expired.** An update older than `inbox_max_age` (by its message date, or when it was stored) is not answered:
  one INFO line, deleted from the inbox.
* **Unparseable.** An update python-telegram-bot cannot read is logged once (its id and the error, no content)
  and confirmed with the rest of its batch; the others are answered.
* **Errors.** 401 (the token was revoked) raises `TokenRejected`: the bot exits 1 with one line. 409 Conflict
  (another instance polls with this token, or a webhook is set) is one WARNING, then quiet retries with backoff.
  Other failures are retried with backoff (1 s growing to 30 s); the first few are WARNING lines, the rest DEBUG,
  and one INFO line says when polling works again. A 429 waits what Telegram asks.

getUpdates is sent with the bot's own polling `BaseRequest` (`request.post`), so that the raw JSON of each update
is at hand: to store it, and to parse updates one by one.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import gc
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter  # how python-telegram-bot builds RequestData

from bot.config import Delivery
from bot.questionlog import DeferredRows, QuestionLog, read_inbox
from bot.telegram.delivery import describe
from bot.telegram.ratelimit import retry_after_seconds

_LOGGER = logging.getLogger(__name__)

BATCH = 100  # updates per getUpdates (Telegram's maximum)
LOUD_FAILURES = 3  # consecutive getUpdates failures logged as WARNING; the rest at DEBUG
FIRST_DELAY, MAX_DELAY = 1.0, 30.0
HIGH_WATER_TRUSTED = 6 * 24 * 3600.0  # Telegram numbers updates afresh after a week without any: trust less
STORE_TRIES = 20  # a busy inbox is tried again every millisecond this many times before the writer thread does it
FLOOD = 200  # updates in flight at once that count as a flood: once it is over, memory is handed back
SETTLE_SECONDS = 2.0  # nothing fetched for this long after a flood before memory is handed back (a full collection)
# An answered update's rows and removal from the inbox wait at most this long to be written in the transaction of
# the next store; a crash meanwhile answers it again, so it is short (at a steady 300 a second most are in time).
ANSWERED_WAIT = 0.01
_T = TypeVar("_T")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


class TokenRejected(Exception):
    """Telegram answered 401: the token was revoked or is wrong."""


class PollingEnded(Exception):
    """The polling loop ended without being asked to."""


class _Interrupted(Exception):
    """A long poll (or a wait) was cut short because the bot stops or the token was rejected."""


def without_content(error: BaseException) -> str:
    """An error's type and message with quoted parts (which could be a user's text) left out."""
    text = _QUOTED.sub("'…'", " ".join(str(error).split()))
    return f"{type(error).__name__}: {text[:200]}" if text else type(error).__name__


_NAMES = frozenset({"first_name", "last_name", "username", "title"})
_NESTED = (dict, list)  # the values without_names looks into; the others (most of them) are copied as they are
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # made once, not per update


def without_names(item: Any) -> Any:
    """An update's JSON with every name, username and chat title blanked, for the inbox: answering needs the ids
    (to reply, to check an admin), the text and its entities, never what people are called."""
    if isinstance(item, dict):
        return {key: "" if key in _NAMES and isinstance(value, str)
                else without_names(value) if isinstance(value, _NESTED) else value
                for key, value in item.items()}
    if isinstance(item, list):
        return [without_names(value) if isinstance(value, _NESTED) else value for value in item]
    return item


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None  # glibc only
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def _resolve(future: asyncio.Future[_T], value: _T) -> None:
    """Give `future` its result unless it has one (called on the event loop, for the writer thread)."""
    if not future.done():
        future.set_result(value)


def forget_persistence_ids(application: Application) -> None:
    """python-telegram-bot notes the id of every chat and user it sees for its persistence, and without one never
    forgets them: two sets that grow by every new user for the life of the process. This bot has no persistence."""
    if application.persistence is not None:
        return
    for name in ("_chat_ids_to_be_updated_in_persistence", "_user_ids_to_be_updated_in_persistence"):
        ids = getattr(application, name, None)
        if isinstance(ids, set):
            ids.clear()


def hand_back_memory(application: Application) -> None:
    """After a flood: forget what python-telegram-bot kept for nothing, collect cyclic garbage, and ask glibc's
    malloc to return its free memory to the system (without that, the freed memory of thousands of updates stays
    in the process, counted in its RSS)."""
    forget_persistence_ids(application)
    gc.collect()
    if _TRIM is not None:
        _TRIM(0)


def update_time(update: Update) -> float | None:
    """When the update's message was sent (seconds since the epoch), if it says."""
    message = update.message
    return message.date.timestamp() if message is not None and message.date is not None else None


class Poller:
    """Fetches updates and hands them to the application's update processor (see the module docstring).
    `finished()` must be called once for each update handed over, when it is answered, dropped, expired or left at
    shutdown."""

    def __init__(self, application: Application, request: BaseRequest, log: QuestionLog | None,
                 delivery: Delivery, *, poll_timeout: float, allowed_updates: Sequence[str],
                 on_expired: Callable[[Update, float], None] | None = None) -> None:
        self.application = application
        self.request = request
        self.log = log
        self.delivery = delivery
        self.poll_timeout = poll_timeout
        self.allowed_updates = list(allowed_updates)
        self.on_expired = on_expired
        self.in_flight = 0
        self.fetched = 0
        self.skipped = 0
        self.replayed = 0
        self._room = asyncio.Event()
        self._room.set()
        self._high_water = 0
        self._durable: bool | None = None
        self._failures = 0
        self._token_rejected: asyncio.Event = asyncio.Event()
        self._busiest = 0  # most updates in flight at once since memory was last handed back
        self._settle: asyncio.TimerHandle | None = None
        self._idle_since: float | None = None  # when the last update in flight finished (None: some are in flight)
        self._waiting: asyncio.Task[Any] | None = None  # the task in `_interruptible`, if any
        self._interrupted = False
        self._fixed_parameters: tuple[float, list[RequestParameter]] | None = None  # getUpdates' unchanging ones
        self._commit: asyncio.TimerHandle | None = None  # writes what `answered` holds, unless a store did first

    # --- bookkeeping -----------------------------------------------------------------------------------------

    def finished(self) -> None:
        """One update handed over is done with (answered, dropped, expired, or left in the inbox at shutdown)."""
        self.in_flight -= 1
        # Fetching resumes once a whole batch fits again: not one poll (and one inbox write) per finished update.
        if self.in_flight <= max(0, self.delivery.max_in_flight - BATCH):
            self._room.set()
        if not self.in_flight and len(getattr(self.application, "_user_ids_to_be_updated_in_persistence", ())) > 1000:
            forget_persistence_ids(self.application)
        if not self.in_flight and self._busiest >= FLOOD:
            loop = asyncio.get_running_loop()
            self._idle_since = loop.time()
            if self._settle is None:  # one timer at a time, not one for every update that leaves the bot idle
                self._settle = loop.call_later(SETTLE_SECONDS, self._settled)

    def answered(self, rows: DeferredRows, update_id: int) -> None:
        """An update handed over was answered: its rows and its removal from the inbox are written with the next
        batch's store, or after `ANSWERED_WAIT` (one transaction instead of two at a steady pace)."""
        if self.log is None:
            return
        self.log.commit_later(rows, update_id)
        if self._commit is None:
            self._commit = asyncio.get_running_loop().call_later(ANSWERED_WAIT, self._commit_held)

    def _commit_held(self) -> None:
        self._commit = None
        if self.log is not None:
            self.log.commit_held()

    def _settled(self) -> None:
        """Hand memory back once nothing was fetched for SETTLE_SECONDS since the bot went idle after a flood."""
        self._settle = None
        if self.in_flight or self._idle_since is None:
            return  # busy again: the next time the bot goes idle sets a timer again
        loop = asyncio.get_running_loop()
        wait = self._idle_since + SETTLE_SECONDS - loop.time()
        if wait > 0:  # idle again, but not for long enough yet
            self._settle = loop.call_later(wait, self._settled)
            return
        self._busiest = 0
        self._idle_since = None
        hand_back_memory(self.application)

    def token_rejected(self) -> None:
        """A request got 401 (the token was revoked): stop polling and exit, whoever noticed."""
        self._token_rejected.set()

    async def until_token_rejected(self) -> None:
        """Returns once a 401 was noticed (`token_rejected`): webhook mode waits on this instead of polling."""
        await self._token_rejected.wait()

    @property
    def paused(self) -> bool:
        """Not fetching for now: `max_in_flight` updates are being answered (Telegram keeps the rest)."""
        return self.in_flight >= self.delivery.max_in_flight

    def too_old(self, update: Update) -> bool:
        """Webhook mode: whether an update Telegram delivers is older than `inbox_max_age` (then logged as expired,
        as polling does, and not answered)."""
        now = time.time()
        return self._expired(update, now, now)

    async def replay(self) -> None:
        """Webhook mode: answer what an earlier polling run left in the inbox (polling does this in `run`)."""
        await self._replay()

    @property
    def durable(self) -> bool | None:
        """Whether the last inbox write worked (None before the first)."""
        return self._durable

    # --- the loop --------------------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Replay the inbox, then poll until `stop` is set. Raises `TokenRejected` on 401."""
        offset = await self._replay()
        # A stop or a 401 cuts short the long poll (or the wait for room) under way: one watcher each for the whole
        # run, not a task and an asyncio.wait per poll (at a steady pace every update comes in a poll of its own).
        watchers = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._token_rejected.wait())]
        for watcher in watchers:
            watcher.add_done_callback(self._interrupt)
        try:
            while not stop.is_set():
                if self._token_rejected.is_set():
                    raise TokenRejected
                try:
                    if self.in_flight >= self.delivery.max_in_flight:
                        self._room.clear()
                        await self._interruptible(self._room.wait())
                        continue
                    limit = max(1, min(BATCH, self.delivery.max_in_flight - self.in_flight))
                    raw = await self._interruptible(self._get_updates(offset, limit))
                except _Interrupted:
                    if self._token_rejected.is_set():
                        raise TokenRejected from None
                    continue
                except InvalidToken:
                    raise TokenRejected from None
                except Conflict as error:
                    await self._failed(error, conflict=True)
                    continue
                except RetryAfter as error:
                    _LOGGER.info("getUpdates: Telegram's flood control (429): polling again in %.0f s",
                                 retry_after_seconds(error))
                    await self._sleep(retry_after_seconds(error) + 0.5)
                    continue
                except TimedOut as error:  # a long poll that went quiet: poll again at once, as PTB does
                    _LOGGER.debug("getUpdates timed out: %s", describe(error))
                    continue
                except TelegramError as error:
                    await self._failed(error)
                    continue
                if self._failures:
                    _LOGGER.info("getUpdates works again after %d failed attempt(s)", self._failures)
                    self._failures = 0
                # Stored before any of it is handled, and before the next getUpdates confirms the batch.
                offset = await self._take(raw if isinstance(raw, list) else [], offset)
                # The next long poll is sent before the updates just handed over start (they start while it waits
                # for its answer): an update that comes meanwhile waits less for a poll to fetch it. Paired against
                # letting them start first, at 300 a second: p50 -25 to -44%, p99 -10 to -27% (docs/delivery.md).
        finally:
            for watcher in watchers:
                watcher.cancel()

    async def _interruptible(self, waiting: Awaitable[_T]) -> _T:
        """Await `waiting` in this task; raises `_Interrupted` if the bot stops or the token is rejected meanwhile
        (`_interrupt` cancels this task, and the cancellation is taken back here)."""
        task = asyncio.current_task()
        assert task is not None
        self._waiting = task
        try:
            result = await waiting
        except asyncio.CancelledError:
            if self._interrupted:
                self._interrupted = False
                if not task.uncancel():  # cancelled by `_interrupt` alone, not from outside as well
                    raise _Interrupted from None
            raise
        finally:
            self._waiting = None
            if self._interrupted:  # cancelled, but `waiting` did not end with the cancellation: take it back
                self._interrupted = False
                task.uncancel()
        return result

    def _interrupt(self, _: object) -> None:
        task = self._waiting
        if task is not None and not self._interrupted:
            self._interrupted = True
            task.cancel()

    async def _sleep(self, seconds: float) -> None:
        """Wait before polling again, cut short when the bot stops or the token is rejected."""
        with contextlib.suppress(_Interrupted):
            await self._interruptible(asyncio.sleep(seconds))

    async def _failed(self, error: TelegramError, *, conflict: bool = False) -> None:
        self._failures += 1
        delay = min(MAX_DELAY, FIRST_DELAY * 1.5 ** (self._failures - 1))
        if conflict:
            message = ("getUpdates: 409 Conflict: another instance of this bot is polling with the same token, or "
                       "a webhook is set for it (deleteWebhook removes it); retrying quietly with backoff up to "
                       "%.0f s")
            args: tuple[object, ...] = (MAX_DELAY,)
            loud = self._failures == 1
        else:
            message, args = "getUpdates failed, polling again in %.1f s: %s", (delay, describe(error))
            loud = self._failures <= LOUD_FAILURES
        _LOGGER.log(logging.WARNING if loud else logging.DEBUG, message, *args)
        if self._failures == LOUD_FAILURES and not conflict:
            _LOGGER.warning("getUpdates keeps failing; retrying quietly (one line when it works again)")
        await self._sleep(delay)

    async def _get_updates(self, offset: int, limit: int) -> Any:
        fixed = self._fixed_parameters
        if fixed is None or fixed[0] != self.poll_timeout:  # made once (serve() may set poll_timeout before run)
            fixed = self._fixed_parameters = (self.poll_timeout, [
                RequestParameter.from_input("timeout", int(self.poll_timeout)),
                RequestParameter.from_input("allowed_updates", self.allowed_updates)])
        parameters = [*fixed[1], RequestParameter.from_input("limit", limit)]
        if offset:
            parameters.append(RequestParameter.from_input("offset", offset))
        read_timeout = (self.request.read_timeout or 0) + self.poll_timeout
        return await self.request.post(f"{self.application.bot.base_url}/getUpdates",
                                       request_data=RequestData(parameters), read_timeout=read_timeout)

    # --- updates in ------------------------------------------------------------------------------------------

    async def _take(self, raw: list[Any], offset: int) -> int:
        """Parse, dispatch and store one batch; returns the offset that confirms it."""
        now = time.time()
        stored: list[tuple[int, float, str]] = []
        updates: list[Update] = []
        for item in raw:
            update_id = item.get("update_id") if isinstance(item, dict) else None
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                _LOGGER.warning("getUpdates returned an update without an id; skipped")
                continue
            offset = max(offset, update_id + 1)
            if update_id <= self._high_water:
                continue  # stored before: in the inbox (replayed) or answered already
            update = self._parse(update_id, item)
            if update is None or self._expired(update, now, now):
                continue
            if self.log is not None:  # without the log there is no inbox (and no durability, said at start-up)
                stored.append((update_id, now, _to_json(without_names(item))))
            updates.append(update)
        if updates:
            self._high_water = max(self._high_water, updates[-1].update_id)
        self.fetched += len(updates)
        self._dispatch(updates)
        if stored:
            await self._store(stored)
        return offset

    def _parse(self, update_id: int, item: dict[str, Any]) -> Update | None:
        try:
            return Update.de_json(item, self.application.bot)
        except Exception as error:
            self.skipped += 1
            _LOGGER.warning("update %d cannot be read (%s); skipped, and confirmed so it is not fetched again",
                            update_id, without_content(error))
            return None

    def _expired(self, update: Update, received_at: float, now: float) -> bool:
        sent = update_time(update)
        age = now - min(received_at, sent if sent is not None else received_at)
        if age <= self.delivery.inbox_max_age:
            return False
        _LOGGER.info("update %d is %.0f min old (over the %.0f min limit): expired, not answered", update.update_id,
                     age / 60, self.delivery.inbox_max_age / 60)
        if self.on_expired is not None:
            self.on_expired(update, age)
        return True

    def _dispatch(self, updates: list[Update]) -> None:
        """Hand each update to the processor in a task of its own, as python-telegram-bot's update fetcher does
        with what its `update_queue` holds (webhook mode does the same): one hop less than going through the queue,
        and the tasks start in the loop's next round."""
        application = self.application
        processor = application.update_processor
        for update in updates:
            self.in_flight += 1
            application.create_task(processor.process_update(update, application.process_update(update)),
                                    update=update)
        self._busiest = max(self._busiest, self.in_flight)
        if updates:  # not idle after all: memory is handed back only after SETTLE_SECONDS with nothing fetched
            self._idle_since = None
        if self.in_flight >= self.delivery.max_in_flight:
            self._room.clear()

    async def _store(self, entries: list[tuple[int, float, str]]) -> None:
        """Write a batch to the inbox and wait for the commit (the next getUpdates will confirm the batch)."""
        log = self.log
        assert log is not None  # without the log nothing is stored (`_take`)
        stored = log.inbox_store_now(entries)  # usually done here, in ~20 µs
        for _ in range(STORE_TRIES):
            if stored is not False:
                break
            await asyncio.sleep(0.001)  # the writer thread is in a transaction: it takes a millisecond or two
            stored = log.inbox_store_now(entries)
        if stored:
            ok = True
        else:
            loop = asyncio.get_running_loop()
            written: asyncio.Future[bool] = loop.create_future()

            def done(result: bool) -> None:  # on the writer thread
                with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits any more
                    loop.call_soon_threadsafe(_resolve, written, result)

            log.inbox_store(entries, done)
            ok = await written
        self._durability(ok)

    def _durability(self, ok: bool) -> None:
        if ok == self._durable:
            return
        if not ok:
            why = (f"the inbox in {self.log.path} cannot be written (see the question log's warning)"
                   if self.log is not None else "the question log is off, and the inbox lives in its file")
            _LOGGER.warning("answering without durability: %s, so a crash loses the questions being answered", why)
        elif self._durable is not None:
            _LOGGER.info("the inbox can be written again: durability is back")
        self._durable = ok

    # --- start-up --------------------------------------------------------------------------------------------

    async def _replay(self) -> int:
        """Hand over the updates left in the inbox by the last run; returns the offset to poll from."""
        if self.log is None:
            self._durability(False)
            return 0
        loop = asyncio.get_running_loop()
        result: asyncio.Future[object] = loop.create_future()

        def done(value: object) -> None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve, result, value)

        self.log.on_writer(read_inbox, done)
        value = await result
        if not isinstance(value, tuple):  # the file could not be read: nothing to replay
            return 0
        entries, high_water, at = value
        offset = 0
        if high_water is not None and time.time() - at < HIGH_WATER_TRUSTED:
            self._high_water = high_water
            offset = high_water + 1
        now, updates = time.time(), []
        for update_id, received_at, body in entries:
            update = None
            with contextlib.suppress(ValueError, TypeError):
                update = self._parse(update_id, json.loads(body))
            if update is None or self._expired(update, received_at, now):
                self.log.inbox_done(update_id)
                continue
            updates.append(update)
        if updates:
            _LOGGER.info("answering %d question(s) left in the inbox by the last run", len(updates))
        self.replayed = len(updates)
        self._dispatch(updates)
        return offset
