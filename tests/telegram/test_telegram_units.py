"""The pieces under the end-to-end tests: callback data, and which failed requests are sent again."""

from __future__ import annotations

import asyncio
import logging
import socket

import httpx
import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData

from bot.knowledge import FactBase
from bot.telegram.delivery import MaybeDelivered, ReliableRequest, creates_message, may_have_arrived
from bot.telegram.keyboards import FACT, TOPIC, callback_data, parse_press


def test_every_topic_and_fact_fits_in_64_bytes_of_callback_data_and_parses_back(
        telegram_fact_base: FactBase) -> None:
    targets = [(TOPIC, t.id) for t in telegram_fact_base.topics] + [(FACT, f.id) for f in telegram_fact_base.facts]
    for kind, target in targets:
        for language in ("en", "zh"):
            data = callback_data(kind, target, language)
            assert data is not None and len(data.encode()) <= 64
            press = parse_press(data, telegram_fact_base)
            assert press is not None and (press.kind, press.target, press.language) == (kind, target, language)


@pytest.mark.parametrize("data", [None, "", "t:size", "t:size:en:extra", "t:nope:en", "f:nope:en", "q:size:en",
                                  "t:size:de", "T:size:en", "t:size:en\n", "t:" + "a" * 70 + ":en", 42, "t:sízé:en"])
def test_forged_or_stale_callback_data_is_refused(data: object, telegram_fact_base: FactBase) -> None:
    assert parse_press(data, telegram_fact_base) is None


def test_callback_data_that_would_not_fit_is_not_made() -> None:
    assert callback_data(TOPIC, "x" * 70, "en") is None
    assert callback_data(TOPIC, "has space", "en") is None


def _failure(cause: BaseException) -> NetworkError:
    error = NetworkError("failed")
    error.__cause__ = cause
    return error


def _reset() -> httpx.ReadError:
    error = httpx.ReadError("")
    error.__context__ = ConnectionResetError(104, "Connection reset by peer")
    return error


@pytest.mark.parametrize(("cause", "arrived"), [
    (httpx.ConnectError("refused"), False),
    (httpx.ConnectTimeout("slow"), False),
    (httpx.PoolTimeout("busy"), False),
    (httpx.WriteError("broken pipe"), False),
    (_reset(), False),
    (httpx.ReadTimeout("no answer"), True),
    (httpx.RemoteProtocolError("Server disconnected without sending a response."), True),
    (httpx.ReadError("other"), True),
])
def test_a_failure_counts_as_received_only_when_the_whole_request_may_have_reached_telegram(
        cause: BaseException, arrived: bool) -> None:
    assert may_have_arrived(_failure(cause)) is arrived


def test_only_methods_that_create_messages_are_never_repeated_blindly() -> None:
    assert all(creates_message(m) for m in ("sendMessage", "sendPhoto", "copyMessage", "forwardMessage"))
    assert not any(creates_message(m) for m in ("sendChatAction", "answerCallbackQuery", "answerInlineQuery",
                                                "editMessageText", "setMyCommands", "getMe"))


def _post(request: ReliableRequest, url: str) -> tuple[int, bytes]:
    async def go() -> tuple[int, bytes]:
        await request.initialize()
        try:
            return await request.do_request(url, "POST", RequestData())
        finally:
            await request.shutdown()
    return asyncio.run(go())


def test_a_request_that_cannot_connect_is_tried_a_bounded_number_of_times(caplog) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again at once: connections are refused
    request = ReliableRequest(attempts=3, first_delay=0.01, connect_timeout=1.0)
    caplog.set_level(logging.INFO, "bot.telegram.delivery")
    with pytest.raises(NetworkError):
        _post(request, f"http://127.0.0.1:{port}/bot1:secret/sendMessage")
    assert len(caplog.records) == 2  # two retries logged, one line each
    assert all("secret" not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("method", "attempts", "error"), [("sendMessage", 1, MaybeDelivered),
                                                          ("answerCallbackQuery", 3, TimedOut)])
def test_a_request_that_timed_out_waiting_for_the_answer_is_repeated_only_if_that_is_harmless(
        method: str, attempts: int, error: type[Exception], caplog) -> None:
    with socket.socket() as silent:  # accepts connections (in the kernel's backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        request = ReliableRequest(attempts=3, first_delay=0.01, read_timeout=0.2)
        caplog.set_level(logging.INFO, "bot.telegram.delivery")
        with pytest.raises(error):
            _post(request, f"http://127.0.0.1:{silent.getsockname()[1]}/bot1:secret/{method}")
    assert len(caplog.records) == attempts - 1
