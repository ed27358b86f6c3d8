"""The HTTP layer under the bot: which failed requests count as possibly received by Telegram (and so are not sent
again when they create a message), bounded retries, and error messages that never show the token. Each failure is
a real one, made by a small server on 127.0.0.1 that misbehaves in one way."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import struct
import threading
from collections.abc import Awaitable, Callable, Iterator

import pytest
from telegram import Bot, InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData

from bot.telegram.delivery import MaybeDelivered, ReliableRequest, creates_message, describe, may_have_arrived
from bot.telegram.transport import AiohttpRequest, without_urls

SECRET = "1234:very-secret-token"


def _read_request(connection: socket.socket) -> bytes:
    """One whole HTTP request (headers, and a Content-Length or chunked body) from `connection`."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    headers = head.lower().split(b"\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in headers if line.startswith(b"content-length:")), 0)
    chunked = b"transfer-encoding: chunked" in headers
    while (len(body) < length) if not chunked else not body.endswith(b"0\r\n\r\n"):
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _answer(connection: socket.socket, request: bytes) -> None:
    body = b'{"ok":true,"result":true}'
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                       b"Connection: close\r\n\r\n%s" % (len(body), body))


def _reset(connection: socket.socket, request: bytes) -> None:
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends a TCP reset


def _close_without_answer(connection: socket.socket, request: bytes) -> None:
    pass


def _half_an_answer(connection: socket.socket, request: bytes) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"ok\":")


def _recorder(bodies: list[bytes]) -> Callable[[socket.socket, bytes], None]:
    def record(connection: socket.socket, request: bytes) -> None:
        bodies.append(request.partition(b"\r\n\r\n")[2])
        _answer(connection, request)
    return record


@contextlib.contextmanager
def loopback_server(behaviour: Callable[[socket.socket, bytes], None] | None,
                    accepted: threading.Event | None = None) -> Iterator[str]:
    """A server on 127.0.0.1 that reads each request and then does `behaviour` (None: never answers); yields the
    Bot API base URL to use, token included. `accepted` is set once a connection has been accepted."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            if accepted is not None:
                accepted.set()
            if behaviour is None:
                held.append(connection)  # accepted and never answered
                continue
            with connection:
                request = _read_request(connection)
                behaviour(connection, request)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/bot{SECRET}"
    finally:
        stop.set()
        thread.join(5)
        listener.close()
        for connection in held:
            connection.close()


def _closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again at once: connections are refused
    return f"http://127.0.0.1:{port}/bot{SECRET}"


def _run(request: AiohttpRequest, call: Callable[[AiohttpRequest], Awaitable[tuple[int, bytes]]]) -> tuple[int, bytes]:
    async def go() -> tuple[int, bytes]:
        async with request:
            return await call(request)
    return asyncio.run(go())


def _post(request: AiohttpRequest, url: str, data: RequestData | None = None) -> tuple[int, bytes]:
    return _run(request, lambda r: r.do_request(url, "POST", data or RequestData()))


def _failure_from(behaviour: Callable[[socket.socket, bytes], None] | None) -> NetworkError:
    with loopback_server(behaviour) as base_url, pytest.raises(NetworkError) as raised:
        _post(AiohttpRequest(read_timeout=0.3), f"{base_url}/sendMessage")
    return raised.value


@pytest.mark.parametrize(("behaviour", "arrived"), [
    (_reset, False),
    (_close_without_answer, True),
    (_half_an_answer, True),
    (None, True),  # no answer within the read timeout
], ids=["reset", "closed-without-an-answer", "half-an-answer", "no-answer"])
def test_a_failure_counts_as_received_only_when_the_whole_request_may_have_reached_telegram(
        behaviour: Callable[[socket.socket, bytes], None] | None, arrived: bool) -> None:
    error = _failure_from(behaviour)
    assert may_have_arrived(error) is arrived
    assert SECRET not in str(error) and SECRET not in describe(error)


def test_a_refused_connection_counts_as_not_received() -> None:
    with pytest.raises(NetworkError) as raised:
        _post(AiohttpRequest(), f"{_closed_port()}/sendMessage")
    assert may_have_arrived(raised.value) is False
    assert SECRET not in describe(raised.value)


def test_waiting_too_long_for_a_free_connection_counts_as_not_received() -> None:
    accepted = threading.Event()

    async def two_at_once(request: AiohttpRequest, url: str) -> list[object]:
        first = asyncio.create_task(request.do_request(f"{url}/getMe", "POST", RequestData(), read_timeout=2.0))
        # Once the server has its connection, the only connection is busy waiting for an answer that never comes.
        assert await asyncio.to_thread(accepted.wait, 5.0), "the first request never reached the server"
        second = await asyncio.gather(request.do_request(f"{url}/sendMessage", "POST", RequestData()),
                                      return_exceptions=True)
        first.cancel()
        return second

    with loopback_server(None, accepted) as base_url:
        [error] = _run(AiohttpRequest(1, pool_timeout=0.2, connect_timeout=0.2), lambda r: two_at_once(r, base_url))  # type: ignore[arg-type]
    assert isinstance(error, TimedOut)
    assert may_have_arrived(error) is False


def test_only_methods_that_create_messages_are_never_repeated_blindly() -> None:
    assert all(creates_message(m) for m in ("sendMessage", "sendPhoto", "copyMessage", "forwardMessage"))
    assert not any(creates_message(m) for m in ("sendChatAction", "answerCallbackQuery", "answerInlineQuery",
                                                "editMessageText", "setMyCommands", "getMe"))


def test_a_request_that_cannot_connect_is_tried_a_bounded_number_of_times(caplog) -> None:
    request = ReliableRequest(attempts=3, first_delay=0.01, connect_timeout=1.0)
    caplog.set_level(logging.INFO, "bot.telegram.delivery")
    with pytest.raises(NetworkError):
        _post(request, f"{_closed_port()}/sendMessage")
    assert len(caplog.records) == 2  # two retries logged, one line each
    assert all(SECRET not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("method", "attempts", "error"), [("sendMessage", 1, MaybeDelivered),
                                                          ("answerCallbackQuery", 3, TimedOut)])
def test_a_request_that_timed_out_waiting_for_the_answer_is_repeated_only_if_that_is_harmless(
        method: str, attempts: int, error: type[Exception], caplog) -> None:
    request = ReliableRequest(attempts=3, first_delay=0.01, read_timeout=0.2)
    caplog.set_level(logging.INFO, "bot.telegram.delivery")
    with loopback_server(None) as base_url, pytest.raises(error):
        _post(request, f"{base_url}/{method}")
    assert len(caplog.records) == attempts - 1


def test_parameters_are_sent_as_json_and_files_as_multipart() -> None:
    bodies: list[bytes] = []

    async def send(request: AiohttpRequest, base_url: str) -> tuple[int, bytes]:
        bot = Bot(SECRET, base_url=base_url.removesuffix(SECRET), request=request, get_updates_request=request)
        await bot.do_api_request("plain_call", api_kwargs={"chat_id": 42, "text": "héllo & bye",
                                                           "reply_markup": {"inline_keyboard": [[]]}})
        await bot.do_api_request("upload_call", api_kwargs={
            "chat_id": 42, "document": InputFile(b"PDF-BYTES", filename="a.pdf")})
        return 200, b""

    with loopback_server(_recorder(bodies)) as base_url:
        _run(AiohttpRequest(), lambda r: send(r, base_url))
    plain, multipart = bodies
    assert json.loads(plain) == {"chat_id": 42, "text": "héllo & bye", "reply_markup": {"inline_keyboard": [[]]}}
    assert b'name="chat_id"' in multipart and b"PDF-BYTES" in multipart and b'filename="a.pdf"' in multipart


def test_a_proxy_set_in_the_environment_carries_the_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    requests: list[bytes] = []

    def proxy(connection: socket.socket, request: bytes) -> None:
        requests.append(request)
        _answer(connection, request)

    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    with loopback_server(proxy) as proxy_url:
        monkeypatch.setenv("HTTP_PROXY", proxy_url.partition("/bot")[0])
        status, _ = _post(AiohttpRequest(), f"http://api.telegram.invalid/bot{SECRET}/getMe")
    assert status == 200
    [request] = requests
    assert request.startswith(f"POST http://api.telegram.invalid/bot{SECRET}/getMe HTTP/1.1".encode())


def test_a_request_made_before_initialize_says_so() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        asyncio.run(AiohttpRequest().do_request("http://127.0.0.1:9/bot1:x/getMe", "POST"))


def test_urls_are_taken_out_of_error_text() -> None:
    text = f"Cannot connect to https://api.telegram.org/bot{SECRET}/getMe (and http://x/y)"
    assert without_urls(text) == "Cannot connect to <url> (and <url>)"
