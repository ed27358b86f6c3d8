"""Telegram's flood control chat by chat (bot/telegram/ratelimit.py): a 429 for one chat pauses only that chat; a
429 for the whole bot (several chats at once) pauses every chat."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sqlite3
import time
from pathlib import Path

import pytest
from harness import RunningBot, answerable
from standin import BotAPIStandIn
from telegram.error import RetryAfter

from bot.config import Delivery
from bot.matcher import Matcher
from bot.telegram.ratelimit import FairRateLimiter

SLOW, OTHER = 7301, 7302


def test_a_429_with_a_long_retry_after_for_one_chat_does_not_delay_another_chat(
        standin: BotAPIStandIn, matcher: Matcher, question_db: Path) -> None:
    fact, question = answerable(matcher)
    standin.fail_next("sendMessage", "429", retry_after=30, chat_id=SLOW)
    with RunningBot(standin, matcher, delivery=Delivery(stop_grace=0.5)):
        paused = standin.private_text(SLOW, question)
        standin.wait_for(lambda: [c.outcome for c in standin.calls_to("sendMessage")] == ["429"], what="the 429")
        asked = time.monotonic()
        standin.private_text(OTHER, question)
        [answer] = standin.wait_for_sent(1, OTHER, timeout=2)
        waited = time.monotonic() - asked
        assert standin.sent_to(SLOW) == []  # still waiting out its 30 s
    assert fact.answer_en in answer["visible_text"] and waited < 2
    with contextlib.closing(sqlite3.connect(question_db)) as db:  # left for the next start, not lost
        assert db.execute("SELECT update_id FROM inbox").fetchall() == [(paused,)]


async def _send_all(limiter: FairRateLimiter, chats: list[int], fail_first: set[int]) -> dict[int, float]:
    sent: dict[int, float] = {}

    async def send(chat: int) -> bool:
        if chat in fail_first:
            fail_first.discard(chat)
            raise RetryAfter(dt.timedelta(seconds=1))
        sent[chat] = time.monotonic()
        return True

    await asyncio.gather(*(limiter.process_request(send, (chat,), {}, "sendMessage", {"chat_id": chat}, None)
                           for chat in chats))
    return sent


@pytest.mark.filterwarnings("ignore:.*attribute `retry_after`")  # python-telegram-bot's own, in RetryAfter()
@pytest.mark.parametrize(("failing", "others_wait"), [({1}, False), ({1, 2, 3}, True)])
def test_a_429_pauses_one_chat_but_429s_for_three_chats_at_once_pause_every_chat(
        failing: set[int], others_wait: bool) -> None:
    limiter = FairRateLimiter(messages_per_second=0, group_messages_per_minute=0)
    started = time.monotonic()
    sent = asyncio.run(_send_all(limiter, [1, 2, 3, 4], set(failing)))
    assert sent[1] - started >= 1.0  # the chat that got the 429 waited what Telegram asked
    assert (sent[4] - started >= 1.0) is others_wait
