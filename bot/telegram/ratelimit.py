"""Telegram's flood limits, applied chat by chat: `FairRateLimiter`, a python-telegram-bot `BaseRateLimiter`.

python-telegram-bot's `AIORateLimiter` pauses *every* request while any one of them waits out a 429, and a handler
waiting for a group's 20-a-minute limit keeps its handler slot. Here:

* **All chats together**: at most `messages_per_second` requests that name a chat (Telegram allows about 30).
* **One group**: at most `group_messages_per_minute` to it (Telegram: 20); other chats are not held up by it.
* **429 for one chat** (`retry_after`): only that chat waits; the request is tried again after the wait, up to
  `max_retries` times. A 429 for a request that names no chat, or 429s for `global_after` different chats within a
  second, is taken as the whole bot being over its limit: then every request waits, as with `AIORateLimiter`.
* **Handler slots are never held while waiting**: the wait happens inside `slot_released()` (see
  `bot.telegram.ordering`), so a chat waiting on its limit lets other chats' updates run.

Each 429 is one INFO line naming the chat only by `chat_tag`; giving up after the last retry is one WARNING line.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.telegram.ordering import slot_released
from bot.telegram.privacy import chat_tag

_LOGGER = logging.getLogger(__name__)

GLOBAL_AFTER_CHATS = 3  # 429s for this many different chats within a second: the limit is the bot's, not a chat's
_MAX_GROUP_LIMITERS = 1024  # idle group limiters are forgotten beyond this many


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (read without python-telegram-bot 22's deprecation warning)."""
    value = getattr(error, "_retry_after", None)
    if value is None:
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def _chat_of(data: dict[str, Any]) -> int | str | None:
    chat_id = data.get("chat_id")
    if chat_id is None:
        return None
    with contextlib.suppress(TypeError, ValueError):
        return int(chat_id)
    return str(chat_id)


def _is_group(chat: int | str) -> bool:
    return isinstance(chat, str) or chat < 0  # negative ids and @channelnames are groups and channels


class FairRateLimiter(BaseRateLimiter[int]):
    """Telegram's limits per chat and overall, with a 429 pausing only the chat it was for (see module docstring).
    A limit of 0 switches that limit off (the benchmark measures the bot itself that way)."""

    def __init__(self, *, messages_per_second: float = 30.0, group_messages_per_minute: float = 20.0,
                 max_retries: int = 3, global_after: int = GLOBAL_AFTER_CHATS) -> None:
        self.max_retries = max_retries
        self.global_after = max(1, global_after)
        self._overall = AsyncLimiter(messages_per_second, 1) if messages_per_second > 0 else None
        self._group_rate = group_messages_per_minute
        self._groups: dict[int | str, AsyncLimiter] = {}
        self._chat_until: dict[int | str, float] = {}
        self._global_until = 0.0
        self._recent: deque[tuple[float, int | str]] = deque()

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    def paused_chats(self) -> int:
        """How many chats are waiting out a 429 right now."""
        now = asyncio.get_running_loop().time()
        return sum(until > now for until in self._chat_until.values())

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        chat = _chat_of(data)
        attempt = 0
        while True:
            await self._turn(chat)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                seconds = retry_after_seconds(error)
                whole_bot = self._pause(chat, seconds)
                who = "every chat" if whole_bot else f"chat {chat_tag(chat)}"
                if attempt >= retries:
                    _LOGGER.warning("%s: Telegram's flood control (429) again after %d tries; %s is given up",
                                    endpoint, attempt + 1, "the request" if chat is None else "the message")
                    raise
                attempt += 1
                _LOGGER.info("%s: Telegram's flood control (429): %s waits %.0f s, then tries again (%d of %d)%s",
                             endpoint, who, seconds, attempt, retries, "" if whole_bot else "; other chats carry on")

    def _pause(self, chat: int | str | None, seconds: float) -> bool:
        """Note a 429: pause `chat`, or everything; returns True when everything is paused."""
        now = asyncio.get_running_loop().time()
        until = now + seconds + 0.1
        if chat is not None:
            while self._recent and now - self._recent[0][0] > 1.0:
                self._recent.popleft()
            self._recent.append((now, chat))
            if len({c for _, c in self._recent}) < self.global_after:
                self._chat_until[chat] = max(self._chat_until.get(chat, 0.0), until)
                return False
        self._global_until = max(self._global_until, until)
        return True

    async def _turn(self, chat: int | str | None) -> None:
        """Wait (with the handler slot given back) until `chat` may send: pauses first, then the limits."""
        loop = asyncio.get_running_loop()
        while True:
            until = self._global_until
            if chat is not None and self._chat_until:
                until = max(until, self._chat_until.get(chat, 0.0))
            wait = until - loop.time()
            if wait <= 0:
                break
            async with slot_released():
                await asyncio.sleep(wait)
        if chat is None:
            return
        paused = self._chat_until.get(chat)
        if paused is not None and paused <= loop.time():
            del self._chat_until[chat]
        if self._group_rate > 0 and _is_group(chat):
            await self._acquire(self._group_limiter(chat))
        if self._overall is not None:
            await self._acquire(self._overall)

    @staticmethod
    async def _acquire(limiter: AsyncLimiter) -> None:
        if limiter.has_capacity():
            await limiter.acquire()
            return
        async with slot_released():
            await limiter.acquire()

    def _group_limiter(self, chat: int | str) -> AsyncLimiter:
        limiter = self._groups.get(chat)
        if limiter is None:
            if len(self._groups) >= _MAX_GROUP_LIMITERS:  # forget the groups with nothing sent lately
                for key in [k for k, v in self._groups.items() if v.has_capacity(v.max_rate)]:
                    del self._groups[key]
            limiter = self._groups[chat] = AsyncLimiter(self._group_rate, 60)
        return limiter
