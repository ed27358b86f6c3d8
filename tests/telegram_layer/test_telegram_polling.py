"""End to end: how the bot fetches updates (bot/telegram/polling.py) — an unparseable update skipped once, 409
Conflict, a token revoked while running, an update too old to answer, and the inbox replayed at start-up."""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import time
from pathlib import Path

import pytest
from harness import RunningBot, answerable
from standin import BotAPIStandIn

from bot.config import Delivery
from bot.matcher import Matcher
from bot.telegram import StartupError

USER = 7401


def test_an_unparseable_update_is_fetched_once_logged_once_and_the_next_question_is_answered(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher, all_logs) -> None:
    fact, question = answerable(matcher)
    secret = "my private words"
    bad = standin.push(message={"message_id": 1, "date": "yesterday", "text": secret,
                                "chat": standin.private_chat(USER), "from": standin.user(USER)})
    good = standin.private_text(USER, question)
    [answer] = standin.wait_for_sent(1, USER)
    standin.wait_until_handled(good)
    assert fact.answer_en in answer["visible_text"]
    assert standin.handed_out[bad] == 1 and standin.handed_out[good] == 1
    [line] = [r.getMessage() for r in all_logs.records if r.levelno >= logging.WARNING]
    assert f"update {bad} cannot be read" in line and "TypeError" in line
    assert not [r for r in all_logs.records if secret in r.getMessage() or r.exc_info]


def test_a_409_conflict_is_one_warning_then_quiet_retries_and_questions_are_answered_after_it(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher, all_logs) -> None:
    fact, question = answerable(matcher)
    standin.fail_next("getUpdates", "409", times=2)
    standin.private_text(USER, question)
    [answer] = standin.wait_for_sent(1, USER, timeout=10)
    assert fact.answer_en in answer["visible_text"]
    assert [c.outcome for c in standin.calls_to("getUpdates")].count("409") == 2
    [warning] = [r.getMessage() for r in all_logs.records if r.levelno >= logging.WARNING]
    assert "409 Conflict" in warning and "another instance" in warning and "webhook" in warning


def test_a_token_revoked_while_running_stops_the_bot_with_one_clear_error_within_seconds(
        standin: BotAPIStandIn, matcher: Matcher, all_logs) -> None:
    bot = RunningBot(standin, matcher).start()
    started = time.monotonic()
    standin.revoke()
    with pytest.raises(StartupError, match="Telegram rejected the bot token"):
        bot.wait_for_exit(timeout=10)
    assert time.monotonic() - started < 10
    assert not [r for r in all_logs.records if r.exc_info]


def test_a_question_older_than_the_inbox_limit_is_not_answered_and_is_logged_as_expired(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher, question_db: Path, all_logs) -> None:
    _, question = answerable(matcher)
    old = standin.private_text(USER, question, date=int(time.time()) - 2 * 3600)
    fresh = standin.private_text(USER + 1, question)
    standin.wait_for_sent(1, USER + 1)
    standin.wait_until_handled(max(old, fresh))
    assert standin.sent_to(USER) == []
    assert [r for r in all_logs.records if f"update {old} is 120 min old" in r.getMessage()]
    bot.stop()
    with contextlib.closing(sqlite3.connect(question_db)) as db:
        assert db.execute("SELECT outcome, question FROM questions WHERE outcome = 'expired'").fetchall() == [
            ("expired", question)]


def test_questions_left_in_the_inbox_are_answered_after_a_restart_and_confirmed_ones_are_not_answered_again(
        standin: BotAPIStandIn, matcher: Matcher, question_db: Path) -> None:
    fact, question = answerable(matcher)
    standin.fail_next("sendMessage", "429", retry_after=30, chat_id=USER)
    with RunningBot(standin, matcher, delivery=Delivery(stop_grace=0.2)):
        left = standin.private_text(USER, question)
        answered = standin.private_text(USER + 1, question)
        standin.wait_for_sent(1, USER + 1)
        standin.wait_for(lambda: any(c.outcome == "429" for c in standin.calls_to("sendMessage")), what="the 429")
    with contextlib.closing(sqlite3.connect(question_db)) as db:
        [(update_id, body)] = db.execute("SELECT update_id, body FROM inbox").fetchall()
    assert update_id == left and "User" not in body  # the update, without the person's name
    assert json.loads(body)["message"]["text"] == question
    with RunningBot(standin, matcher):
        [answer] = standin.wait_for_sent(1, USER)
        standin.wait_until_handled(left)
    assert fact.answer_en in answer["visible_text"]
    assert len(standin.sent_to(USER + 1)) == 1 and standin.handed_out[answered] == 1


def test_an_answered_question_leaves_the_inbox_with_its_row_within_moments_when_no_other_question_follows(
        standin: BotAPIStandIn, matcher: Matcher, question_db: Path) -> None:
    # Answered updates wait for the next store's transaction, but never for the next question: a crash later must
    # not answer this one again.
    _, question = answerable(matcher)

    def in_file() -> tuple[int, int]:
        with contextlib.closing(sqlite3.connect(question_db)) as db:
            return (db.execute("SELECT count(*) FROM inbox").fetchone()[0],
                    db.execute("SELECT count(*) FROM questions").fetchone()[0])

    with RunningBot(standin, matcher):
        standin.private_text(USER, question)
        standin.wait_for_sent(1, USER)
        standin.wait_for(lambda: in_file() == (0, 1), timeout=1.0, what="the inbox emptied and the row written")


def test_polling_that_ends_without_being_asked_to_stops_the_bot_with_an_error_so_a_supervisor_restarts_it(
        standin: BotAPIStandIn, matcher: Matcher, monkeypatch: pytest.MonkeyPatch, all_logs) -> None:
    from bot.telegram.polling import Poller

    async def broken(self: Poller, offset: int, limit: int) -> None:
        raise RuntimeError("a bug in the polling loop")

    monkeypatch.setattr(Poller, "_get_updates", broken)
    bot = RunningBot(standin, matcher).start(wait_for_poll=False)
    with pytest.raises(StartupError, match="polling stopped unexpectedly"):
        bot.wait_for_exit(timeout=10)
    assert [r for r in all_logs.records if r.levelno == logging.ERROR and "polling ended unexpectedly" in
            r.getMessage()]
