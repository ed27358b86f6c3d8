"""python-telegram-bot's HTTP requests made with aiohttp: `AiohttpRequest`, a `telegram.request.BaseRequest`.

Why not python-telegram-bot's own `HTTPXRequest`: measured with `bench/telegram_bench.py`, httpx and httpcore spent
about 1 ms of CPU on every Bot API call (the connection pool polls each pooled socket on every request), aiohttp
about a quarter of that; the bot answers three times as many questions a second on the same core, and at
Telegram's own pace it idles.

Timeouts are python-telegram-bot's four, mapped onto aiohttp's: `connect_timeout` → `sock_connect`, `read_timeout`
→ `sock_read` (the longest wait for the next bytes of the answer), and `pool_timeout` + `connect_timeout` →
`connect` (aiohttp counts waiting for a free pooled connection as part of connecting). aiohttp has no write
timeout, so the sum of the four bounds the whole request instead.

Failures become python-telegram-bot's errors: `TimedOut` for timeouts, `NetworkError` for the rest, each with the
aiohttp error as `__cause__` (`bot.telegram.delivery` reads it to decide whether to send again). Their messages
never hold a URL: a Bot API URL holds the token.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TypedDict

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>()\[\]]+", re.IGNORECASE)


def without_urls(text: str) -> str:
    """`text` with every URL in it replaced by `<url>` (a Bot API URL holds the token)."""
    return _URL.sub("<url>", text)


@dataclass(frozen=True)
class Timeouts:
    """python-telegram-bot's four timeouts, in seconds (None: no limit)."""

    read: float | None = 5.0
    write: float | None = 5.0
    connect: float | None = 5.0
    pool: float | None = 1.0

    def client_timeout(self) -> aiohttp.ClientTimeout:
        """The same limits as aiohttp understands them (see the module docstring)."""
        parts = (self.pool, self.connect, self.write, self.read)
        return aiohttp.ClientTimeout(
            total=None if None in parts else sum(part for part in parts if part is not None),
            connect=None if self.pool is None or self.connect is None else self.pool + self.connect,
            sock_connect=self.connect,
            sock_read=self.read,
        )


class _Body(TypedDict, total=False):
    """aiohttp's keyword arguments for a request body: JSON, or multipart form data."""

    json: Mapping[str, object]
    data: aiohttp.FormData


def _body(request_data: RequestData | None) -> _Body:
    """The request body, as keyword arguments for aiohttp: the parameters as one JSON object (the Bot API takes
    JSON; one `json.dumps` of everything costs a fraction of encoding each value and URL-encoding the lot), or
    multipart form data when files are uploaded."""
    if request_data is None:
        return {}
    files = request_data.multipart_data
    if not files:
        parameters = request_data.parameters
        return {"json": parameters} if parameters else {}
    form = aiohttp.FormData(request_data.json_parameters)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return {"data": form}


def _seconds(timeout: object) -> float | None:
    """A timeout python-telegram-bot passed (other than `BaseRequest.DEFAULT_NONE`): seconds, or None for no limit."""
    if timeout is None or isinstance(timeout, int | float):
        return timeout
    raise TypeError(f"a timeout is a number of seconds or None, not {timeout!r}")


def uses_proxy() -> bool:
    """Whether a proxy is configured in the environment (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, any case)."""
    return any(scheme in urllib.request.getproxies() for scheme in ("https", "http", "all"))


class AiohttpRequest(BaseRequest):
    """`BaseRequest` on one `aiohttp.ClientSession` with up to `connection_pool_size` connections.

    The session is made by `initialize` (aiohttp ties it to the running event loop) and closed by `shutdown`;
    python-telegram-bot calls both. HTTPS_PROXY / HTTP_PROXY / ALL_PROXY and NO_PROXY are honoured, as with
    python-telegram-bot's default request.
    """

    __slots__ = ("_pool_size", "_session", "timeouts")

    def __init__(self, connection_pool_size: int = 1, *, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0) -> None:
        self._pool_size = max(1, connection_pool_size)
        self._session: aiohttp.ClientSession | None = None
        self.timeouts = Timeouts(read_timeout, write_timeout, connect_timeout, pool_timeout)

    @property
    def read_timeout(self) -> float | None:
        return self.timeouts.read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets no cookies: skip the bookkeeping
                timeout=aiohttp.ClientTimeout(total=None),  # every request passes its own
                # With trust_env aiohttp reads the proxy variables on every request (a third of its CPU per call),
                # so it is on only when one is set.
                trust_env=uses_proxy(),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def _timeouts_for(self, read: object, write: object, connect: object, pool: object) -> Timeouts:
        given = {name: _seconds(value) for name, value in (("read", read), ("write", write), ("connect", connect),
                                                           ("pool", pool)) if value is not BaseRequest.DEFAULT_NONE}
        return replace(self.timeouts, **given) if given else self.timeouts

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
        """Send one request; returns the HTTP status and the body of the answer. A timeout is seconds, None for no
        limit, or `BaseRequest.DEFAULT_NONE` for this request's own (`timeouts`)."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized: call initialize() first")
        timeouts = self._timeouts_for(read_timeout, write_timeout, connect_timeout, pool_timeout)
        try:
            async with session.request(method, url, timeout=timeouts.client_timeout(), allow_redirects=False,
                                       **_body(request_data)) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as error:
            raise TimedOut("Pool timeout or connect timeout: no connection to Telegram was ready in time; the "
                           "request was not sent") from error
        except TimeoutError as error:
            raise TimedOut(f"Timed out waiting for Telegram's answer ({type(error).__name__})") from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {without_urls(str(error))}") from error
