"""End to end: answers in one chat go out in the order asked, chats are handled concurrently, and a chat that asks
faster than Telegram lets the bot answer loses its oldest questions (logged as "dropped") instead of holding up
everyone else (bot/telegram/ordering.py)."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from pathlib import Path

from harness import RunningBot, answerable
from standin import BotAPIStandIn

from bot.config import Delivery
from bot.matcher import Matcher

GROUP, PRIVATE = -100777, 7001
QUICK_STOP = Delivery(stop_grace=0.5)


def rows(path: Path, sql: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


def test_a_flooding_group_does_not_hold_up_a_private_user_who_is_answered_within_two_seconds(
        standin: BotAPIStandIn, matcher: Matcher, question_db: Path, all_logs) -> None:
    fact, question = answerable(matcher)
    with RunningBot(standin, matcher, delivery=QUICK_STOP):
        flood = [standin.group_text(GROUP, 9000 + n % 50, f"@{standin.username} {question} #{n}")
                 for n in range(500)]
        asked = time.monotonic()
        standin.private_text(PRIVATE, question)
        [answer] = standin.wait_for_sent(1, PRIVATE, timeout=2)
        waited = time.monotonic() - asked
        standin.wait_for(lambda: max(standin.handed_out, default=0) >= flood[-1], what="the whole flood fetched")
        standin.wait_for(lambda: sum(1 for r in all_logs.records if "dropped unanswered" in r.getMessage())
                         >= 500 - 20 - QUICK_STOP.chat_backlog, timeout=5, what="the drops")
        group_answers = len(standin.sent_to(GROUP))
    assert fact.answer_en in answer["visible_text"] and waited < 2
    assert group_answers <= 20  # Telegram's 20 a minute for one group: the rest waited or were dropped
    dropped = rows(question_db, "SELECT count(*) FROM questions WHERE outcome = 'dropped'")[0][0]
    assert dropped >= 500 - 20 - QUICK_STOP.chat_backlog
    info = [r.getMessage() for r in all_logs.records if r.levelno >= logging.INFO]
    assert not [line for line in info if str(GROUP) in line or str(PRIVATE) in line]  # chats by tag only


def test_ten_rapid_questions_from_one_user_are_answered_in_the_order_asked_in_twenty_rounds(
        standin: BotAPIStandIn, matcher: Matcher) -> None:
    asked = [answerable(matcher, skip=n) for n in range(10)]
    # Telegram's overall limit off, so that 200 answers take no 7 s; the first round meets a cold connection pool.
    with RunningBot(standin, matcher, delivery=Delivery(messages_per_second=0)):
        for round_ in range(20):
            user = 7100 + round_
            for _, question in asked:
                standin.private_text(user, question)
            replies = standin.wait_for_sent(10, user, timeout=5)
            order = [next(i for i, (fact, _) in enumerate(asked) if fact.answer_en in reply["visible_text"])
                     for reply in replies]
            assert order == list(range(10)), f"round {round_}: {order}"
