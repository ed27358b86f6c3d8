"""Getting replies to Telegram exactly once: which failed requests are sent again, and which are not.

Telegram's Bot API has no idempotency key, so a message that is sent twice is shown twice. A failed request is
therefore sent again only when Telegram cannot have acted on it:

* **429 flood control** — Telegram did nothing and says when to come back: python-telegram-bot's `AIORateLimiter`
  waits `retry_after` and retries (see `bot.telegram.app`).
* **5xx** — Telegram answered that the request failed: sent again.
* **The request never (fully) reached Telegram** — no connection (connect error or timeout, no free connection in
  the pool), the request could not be written completely, or the connection was *reset* (a TCP reset: the server
  side threw the connection away, which is what closing it with the request still unread produces): sent again.
* **The whole request reached Telegram and the answer was lost** — the server closed the connection without a
  response, or no response came within the read timeout. Telegram may well have delivered the message already. A
  request that *creates* a message (`sendMessage` and the other `send*`, `forward*`, `copy*` methods) is **not**
  sent again: the failure is raised as `MaybeDelivered` and logged in one line. The user may, rarely, miss an answer
  (and can ask again); they never see it twice. Requests that are safe to repeat (answering a button press or an
  inline query, setting the command menu, `getMe`, …) are sent again in this case too.

Retries use exponential backoff with jitter (0.25 s, 0.5 s, 1 s, 2 s: at most five attempts, under four seconds of
waiting), so a failure costs little and shutting down is never held up for long. getUpdates is not handled here:
python-telegram-bot's polling loop repeats it with the same offset, which neither loses nor repeats an update.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import random
from typing import Any

import aiohttp
from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

from bot.telegram.transport import AiohttpRequest, without_urls

_LOGGER = logging.getLogger(__name__)

# aiohttp errors raised before the request was completely handed to the server: no connection could be made or
# taken from the pool in time, or writing the request failed.
_NOT_RECEIVED = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError, BrokenPipeError)
_RESET = (errno.ECONNRESET, errno.EPIPE)
_MESSAGE_CREATING_PREFIXES = ("send", "forward", "copy")
_SAFE_TO_REPEAT = frozenset({"sendChatAction"})


class MaybeDelivered(NetworkError):
    """The whole request reached Telegram but its response was lost; it creates a message, so it is not resent."""


def creates_message(endpoint: str) -> bool:
    """True for Bot API methods that put a new message in a chat (sending one twice shows it twice)."""
    return endpoint.startswith(_MESSAGE_CREATING_PREFIXES) and endpoint not in _SAFE_TO_REPEAT


def _was_reset(error: BaseException) -> bool:
    """Whether a TCP reset (or a write to a connection already reset) is behind `error`."""
    seen: BaseException | None = error
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, ConnectionResetError) or (isinstance(seen, OSError) and seen.errno in _RESET):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def may_have_arrived(error: NetworkError) -> bool:
    """Whether Telegram may have received the whole request that failed with `error` (and so acted on it)."""
    cause = error.__cause__
    if isinstance(cause, _NOT_RECEIVED):
        return False
    return cause is None or not _was_reset(cause)


def describe(error: BaseException) -> str:
    """A short, one-line description of a failure, naming the transport error behind it; never a URL."""
    cause = error.__cause__
    if isinstance(cause, aiohttp.ClientError | TimeoutError):
        detail = " ".join(without_urls(str(cause)).split())
        return f"{type(cause).__name__}: {detail}" if detail else type(cause).__name__
    text, name = " ".join(without_urls(str(error)).split()), type(error).__name__
    return text if text.startswith(name) else f"{name}: {text}"


class ReliableRequest(AiohttpRequest):
    """`AiohttpRequest` that sends a failed request again (with bounded backoff) when Telegram cannot have acted on
    it; see the module docstring for the rules. The URL, which holds the token, is never logged."""

    def __init__(self, *, attempts: int = 5, first_delay: float = 0.25, max_delay: float = 2.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.attempts = max(1, attempts)
        self.first_delay = first_delay
        self.max_delay = max_delay

    def _delay(self, attempt: int) -> float:
        return min(self.max_delay, self.first_delay * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        endpoint = url.rpartition("/")[2]
        for attempt in range(1, self.attempts + 1):
            try:
                code, payload = await super().do_request(url, method, request_data, read_timeout, write_timeout,
                                                         connect_timeout, pool_timeout)
            except NetworkError as error:  # TimedOut is a NetworkError too
                if may_have_arrived(error) and creates_message(endpoint):
                    raise MaybeDelivered(
                        f"{endpoint}: the connection was lost after Telegram received the request "
                        f"({describe(error)}); not sent again, so the message is shown at most once") from error
                if attempt == self.attempts:
                    raise
                problem = describe(error)
            else:
                if code < 500 or attempt == self.attempts:
                    return code, payload
                problem = f"HTTP {code}"
            delay = self._delay(attempt)
            _LOGGER.info("%s failed (%s); sending it again in %.2f s (attempt %d of %d)",
                         endpoint, problem, delay, attempt + 1, self.attempts)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover
