"""Updates handled in order within a chat, concurrently across chats, with a bounded backlog per chat:
`ChatOrderedProcessor`, a python-telegram-bot `BaseUpdateProcessor` (the documented hook for this).

* **Order**: updates with the same order key (`order_key`: the chat; an inline query's user) run one after the
  other, in the order they arrived, so one person's answers arrive in the order they asked. Different keys run
  concurrently.
* **Handler slots**: at most `slots` updates run at once. A slot is given back while its update waits for a rate
  limit or a 429 (`slot_released`, used by `bot.telegram.ratelimit`), so a chat held up by Telegram never holds up
  the others.
* **Backlog per chat**: at most `backlog` updates of one key wait for their turn. One more, and the oldest waiting
  one is dropped (`on_dropped`: the bot logs it, with outcome "dropped" for a question): a group that asks faster
  than Telegram lets the bot answer never builds minutes of backlog.
* **Stopping**: `stop(grace)` lets running and waiting updates go on for `grace` seconds, then cancels what still
  runs and leaves the rest (`on_left`): they stay in the inbox and are answered after a restart.

Each update that ran to its end is reported to `on_finished` with the question-log rows it made
(`bot.questionlog.deferring_rows`), so that its rows and its removal from the inbox are written together.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.questionlog import DeferredRows, deferring_rows

_LOGGER = logging.getLogger(__name__)


class _Slot:
    """The handler slot held by the task running one update."""

    __slots__ = ("_semaphore", "held")

    def __init__(self, semaphore: asyncio.Semaphore) -> None:
        self._semaphore = semaphore
        self.held = False

    async def acquire(self) -> None:
        await self._semaphore.acquire()
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self._semaphore.release()


_SLOT: contextvars.ContextVar[_Slot | None] = contextvars.ContextVar("handler_slot", default=None)


@contextlib.asynccontextmanager
async def slot_released() -> AsyncIterator[None]:
    """Give the current update's handler slot back for the duration of a wait (a rate limit, a 429), and take one
    again after it. Outside an update (or without slots) it does nothing."""
    slot = _SLOT.get()
    if slot is None or not slot.held:
        yield
        return
    slot.release()
    yield  # not in try/finally: an update cancelled while it waits (a stop) must not queue for a slot again
    await slot.acquire()


def order_key(update: object) -> Hashable | None:
    """Updates with the same key are handled one at a time, in order: the chat (a button press: the chat of its
    message), an inline query's user. None: no order to keep."""
    if not isinstance(update, Update):
        return None
    if update.inline_query is not None:
        return ("inline", update.inline_query.from_user.id)
    query = update.callback_query
    if query is not None:
        return query.message.chat.id if query.message is not None else ("user", query.from_user.id)
    chat = update.effective_chat
    if chat is not None:
        return chat.id
    user = update.effective_user
    return ("user", user.id) if user is not None else None


class _Entry:
    __slots__ = ("coroutine", "done", "update")

    def __init__(self, update: Update, coroutine: Awaitable[Any], done: asyncio.Future[None]) -> None:
        self.update = update
        self.coroutine = coroutine
        self.done = done


class _Chat:
    __slots__ = ("pending",)

    def __init__(self) -> None:
        self.pending: deque[_Entry] = deque()  # waiting for their turn; the one running is not in it


def _close(coroutine: Awaitable[Any]) -> None:
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()


class ChatOrderedProcessor(BaseUpdateProcessor):
    """See the module docstring. `immediate(update)`: True for updates that need no turn (group chatter the bot
    does not answer): run at once, outside any order and backlog."""

    def __init__(self, *, slots: int, backlog: int, max_in_flight: int,
                 on_finished: Callable[[Update, DeferredRows], None],
                 on_dropped: Callable[[Update], None],
                 on_left: Callable[[Update], None],
                 immediate: Callable[[Update], bool] | None = None,
                 key: Callable[[object], Hashable | None] = order_key) -> None:
        # python-telegram-bot's own semaphore is not the limit here (the poller keeps at most max_in_flight updates
        # in flight, and waiting for a turn must not take a slot): the handler slots below are.
        super().__init__(max_concurrent_updates=max(2, max_in_flight + 1))
        self.slots = slots
        self.backlog = max(1, backlog)
        self._on_finished = on_finished
        self._on_dropped = on_dropped
        self._on_left = on_left
        self._immediate = immediate
        self._key = key
        # Not `_semaphore`: that is BaseUpdateProcessor's own (a slot of it is held while an update is processed).
        self._slot_semaphore: asyncio.Semaphore | None = None
        self._chats: dict[Hashable, _Chat] = {}
        self._stopping = False
        self._idle: asyncio.Event | None = None
        self._active = 0  # do_process_update calls not yet returned
        self._running: set[asyncio.Task[Any]] = set()  # tasks running an update's handlers right now

    async def initialize(self) -> None:
        self._slot_semaphore = asyncio.Semaphore(self.slots)
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = False

    async def shutdown(self) -> None:
        pass

    @property
    def busy_chats(self) -> int:
        return len(self._chats)

    @property
    def active(self) -> int:
        """Updates handed to the processor and not yet finished, dropped or left."""
        return self._active

    def waiting(self) -> int:
        """Updates waiting for their turn, all chats together."""
        return sum(len(chat.pending) for chat in self._chats.values())

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        assert self._idle is not None
        self._active += 1
        self._idle.clear()
        try:
            await self._process(update, coroutine)
        finally:
            self._active -= 1
            if not self._active:
                self._idle.set()

    async def _process(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self._stopping:
            _close(coroutine)
            if isinstance(update, Update):
                self._on_left(update)
            return
        key = self._key(update)
        if key is None or not isinstance(update, Update) or (self._immediate is not None and self._immediate(update)):
            await self._run(update, coroutine)
            return
        chat = self._chats.get(key)
        if chat is not None:  # the chat is busy: wait for its turn (whoever runs the chat runs this one too)
            entry = _Entry(update, coroutine, asyncio.get_running_loop().create_future())
            chat.pending.append(entry)
            if len(chat.pending) > self.backlog:
                oldest = chat.pending.popleft()
                _close(oldest.coroutine)
                oldest.done.set_result(None)
                self._on_dropped(oldest.update)
            await entry.done
            return
        chat = self._chats[key] = _Chat()
        try:
            await self._run(update, coroutine)
            while chat.pending and not self._stopping:
                entry = chat.pending.popleft()
                try:
                    await self._run(entry.update, entry.coroutine)
                finally:
                    if not entry.done.done():
                        entry.done.set_result(None)
        finally:
            if self._chats.get(key) is chat:
                del self._chats[key]
            for entry in chat.pending:  # only when stopping, or cancelled: they stay in the inbox
                _close(entry.coroutine)
                if not entry.done.done():
                    entry.done.set_result(None)
                self._on_left(entry.update)
            chat.pending.clear()

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run one update's handlers in a handler slot, its question-log rows held back until it is finished."""
        assert self._slot_semaphore is not None
        task = asyncio.current_task()
        assert task is not None  # the processor runs each update in a task of its own
        self._running.add(task)
        slot = _Slot(self._slot_semaphore)
        token = _SLOT.set(slot)
        finished = started = False
        rows = DeferredRows()
        try:
            await slot.acquire()
            if not self._stopping:
                started = True
                with deferring_rows() as rows:
                    await coroutine
                finished = True
        except asyncio.CancelledError:
            raise
        except Exception:  # Application.process_update reports handler errors itself; this would be its own bug
            _LOGGER.exception("an update could not be processed")
            finished = True
        finally:
            self._running.discard(task)
            _SLOT.reset(token)
            slot.release()
            if not started:
                _close(coroutine)
            if isinstance(update, Update):
                if finished:
                    self._on_finished(update, rows)
                else:
                    self._on_left(update)

    async def stop(self, grace: float) -> None:
        """Go on for at most `grace` seconds with what runs and waits, then cancel what still runs; waiting updates
        are left (`on_left`). New updates are not started any more once the grace is over."""
        assert self._idle is not None
        if self._active:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), timeout=max(0.0, grace))
        self._stopping = True
        tasks = list(self._running)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=2.0)
