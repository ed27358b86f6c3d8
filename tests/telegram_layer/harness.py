"""Run the real bot — python-telegram-bot's Application and HTTP stack, built by `build_application` and run by
`serve`, exactly as in production — in a background thread against the Bot API stand-in."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from standin import BotAPIStandIn
from telegram.ext import Application

from bot.config import Delivery, Settings
from bot.knowledge import Fact, FactBase
from bot.match import Match
from bot.matcher import Matcher
from bot.telegram import build_application, serve
from bot.telegram.app import pipeline
from bot.telegram.state import BotState, bot_state


def wait_until(condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    """Return as soon as `condition()` holds; fail naming `what` once `timeout` seconds have passed without it."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


def stopped(process: subprocess.Popen[str], how: int = signal.SIGTERM, timeout: float = 15) -> tuple[str, str, float]:
    """Send a bot process `how` (SIGTERM, SIGINT, SIGKILL) and wait for it to exit: its output, and how many seconds
    it took to stop."""
    started = time.monotonic()
    process.send_signal(how)
    out, err = process.communicate(timeout=timeout)
    return out, err, time.monotonic() - started


def reap(process: subprocess.Popen[str]) -> None:
    """At the end of a test, however it went: kill the bot process if it still runs, and wait for it."""
    if process.poll() is None:
        process.kill()
        process.communicate()


class LoopThread:
    """An asyncio program in a background thread, stopped as SIGTERM would stop it; what it died of is re-raised
    in the test thread. Subclasses give `_serve(stop)`."""

    what = "the bot"

    def __init__(self, name: str) -> None:
        self.error: BaseException | None = None
        self.stop_seconds: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    async def _serve(self, stop: asyncio.Event) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # handed to the test thread by start() / stop()
            self.error = error

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        await self._serve(self._stop)

    def request_stop(self) -> None:
        """Ask it to stop, as SIGTERM does, without waiting."""
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask it to stop as SIGTERM would, wait for it, and re-raise anything it died of."""
        started = time.monotonic()
        self.request_stop()
        self._thread.join(timeout)
        self.stop_seconds = time.monotonic() - started
        if self._thread.is_alive():
            raise AssertionError(f"{self.what} did not stop within {timeout} s")
        if self.error is not None:
            raise self.error

    def wait_for_exit(self, timeout: float = 10.0) -> None:
        """Wait for it to stop by itself (it was not asked to), and re-raise what it stopped with."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise AssertionError(f"{self.what} was still running after {timeout} s")
        if self.error is not None:
            raise self.error


class RunningBot(LoopThread):
    """`with RunningBot(standin, matcher):` — the bot is polling inside the block and stopped cleanly after it.

    The question log goes to `db_path`, else to `BOT_DB_PATH` (each test's own, see tests/conftest.py); it is
    closed, with every row written, once the bot has stopped."""

    def __init__(self, standin: BotAPIStandIn, matcher: Matcher, *, token: str | None = None,
                 poll_timeout: float = 5.0, admin_ids: Iterable[int] = (), db_path: Path | None = None,
                 delivery: Delivery | None = None, **build_options: Any):
        self.standin = standin
        self.settings = Settings(token=token or standin.token, base_url=standin.base_url,
                                 admin_ids=frozenset(admin_ids), db_path=db_path, delivery=delivery or Delivery())
        self.matcher = matcher
        self.poll_timeout = poll_timeout
        self.build_options = build_options
        self.application: Application | None = None
        super().__init__("bot-under-test")

    async def _serve(self, stop: asyncio.Event) -> None:
        self.application = build_application(self.settings, self.matcher, **self.build_options)
        await serve(self.application, stop, poll_timeout=self.poll_timeout)

    def start(self, timeout: float = 10.0, *, wait_for_poll: bool = True) -> RunningBot:
        """Start the bot and return once it polls for updates (or at once); raises whatever stopped it from
        starting."""
        polls_before = len(self.standin.poll_offsets)
        self._thread.start()
        if not wait_for_poll:
            return self

        def polling() -> bool:
            if not self._thread.is_alive():
                raise self.error or RuntimeError("the bot stopped while starting")
            return len(self.standin.poll_offsets) > polls_before

        wait_until(polling, timeout, "the bot to start polling")
        return self

    def wait_until_idle(self, timeout: float = 5.0) -> None:
        """Wait until every update fetched has been dealt with (answered, dropped or expired): its log rows are then
        written or queued for the writer, and it is on its way out of the inbox."""
        assert self.application is not None, "the bot has not started"
        poller = pipeline(self.application).poller
        log = poller.log
        wait_until(lambda: not poller.in_flight and not (log is not None and log.held), timeout,
                   "every update fetched to be dealt with")

    @property
    def state(self) -> BotState:
        """The handlers' shared state: the matcher being served and the question recorder."""
        assert self.application is not None, "the bot has not started"
        return bot_state(self.application)

    def __enter__(self) -> RunningBot:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def answerable(matcher: Matcher, language: str = "en", skip: int = 0) -> tuple[Fact, str]:
    """A fact and a question the matcher answers with it (its own first question), whatever the knowledge holds."""
    found = 0
    for fact in matcher.fact_base.facts:
        question = Matcher.display_question(fact, language)
        if matcher.match(question).fact == fact:
            if found == skip:
                return fact, question
            found += 1
    raise AssertionError("the matcher answers none of the facts' own questions")


class ScriptedMatcher(Matcher):
    """The real matcher, except that the given questions get canned matches (to force a "did you mean", say)."""

    def __init__(self, fact_base: FactBase, canned: dict[str, Match]):
        super().__init__(fact_base)
        self._canned = canned

    def match(self, question: str) -> Match:
        return self._canned.get(question) or super().match(question)
