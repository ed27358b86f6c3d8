"""End to end: Telegram answering 429, 5xx, 403 or dropping connections — every question is answered exactly once,
or (when that cannot be known) at most once with one log line; the bot keeps serving."""

from __future__ import annotations

import logging

import pytest
from harness import RunningBot, answerable
from standin import BotAPIStandIn

from bot.matcher import Matcher

USER = 601


def outcomes(standin: BotAPIStandIn, method: str = "sendMessage") -> list[str]:
    return [c.outcome for c in standin.calls_to(method)]


def ask_and_settle(standin: BotAPIStandIn, matcher: Matcher, user: int = USER, *, expect: int = 1) -> str:
    """Ask a question; wait for `expect` calls to sendMessage, then for a quiet spell in which a duplicate would
    show up."""
    fact, question = answerable(matcher)
    update_id = standin.private_text(user, question)
    standin.wait_for(lambda: len([c for c in standin.calls_to("sendMessage")
                                  if c.params["chat_id"] == user]) >= expect, timeout=8, what="sendMessage")
    standin.wait_until_handled(update_id, settle=0.5)
    return fact.answer_en


def test_flood_control_429_is_waited_out_and_the_answer_arrives_once_without_a_traceback(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher, all_logs) -> None:
    standin.fail_next("sendMessage", "429", retry_after=1)
    answer = ask_and_settle(standin, matcher, expect=2)
    [message] = standin.sent_to(USER)
    assert answer in message["visible_text"]
    first, second = standin.calls_to("sendMessage")
    assert (first.outcome, second.outcome) == ("429", "ok") and second.at - first.at >= 1.0
    assert not [r for r in all_logs.records if r.exc_info or r.levelno >= logging.WARNING]


@pytest.mark.parametrize("fault", ["500", "reset"])
def test_a_send_that_telegram_did_not_process_is_sent_again_and_arrives_once(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher, fault: str) -> None:
    standin.fail_next("sendMessage", fault, times=2)
    answer = ask_and_settle(standin, matcher, expect=3)
    assert outcomes(standin) == [fault, fault, "ok"]
    [message] = standin.sent_to(USER)
    assert answer in message["visible_text"]


def test_a_send_whose_response_was_lost_after_delivery_is_not_sent_again(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher, all_logs) -> None:
    standin.fail_next("sendMessage", "drop")
    answer = ask_and_settle(standin, matcher)
    assert outcomes(standin) == ["drop"]
    [message] = standin.sent_to(USER)  # delivered by the dropped request: the user has it, once
    assert answer in message["visible_text"]
    [line] = all_logs.lines(logging.WARNING)
    assert "not sent again" in line and "\n" not in line


def test_sending_gives_up_after_a_bounded_number_of_tries_and_the_bot_keeps_serving(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher, all_logs) -> None:
    standin.fail_next("sendMessage", "500", times=5)
    ask_and_settle(standin, matcher, expect=5)
    assert outcomes(standin) == ["500"] * 5
    first, *_, last = standin.calls_to("sendMessage")
    assert last.at - first.at < 6.0
    assert len(all_logs.lines(logging.WARNING)) == 1
    answer = ask_and_settle(standin, matcher, user=USER + 1)
    assert answer in standin.sent_to(USER + 1)[0]["visible_text"]


def test_a_user_who_blocked_the_bot_is_logged_once_and_not_retried(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher, all_logs) -> None:
    standin.fail_next("sendMessage", "403")
    ask_and_settle(standin, matcher)
    assert outcomes(standin) == ["403"]
    [line] = all_logs.lines(logging.WARNING)
    assert "Forbidden" in line and "blocked" in line
    assert not [r for r in all_logs.records if r.exc_info]


@pytest.mark.parametrize("fault", ["500", "reset", "drop"])
def test_a_failed_getupdates_neither_loses_nor_repeats_an_update(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher, fault: str, all_logs) -> None:
    _, question = answerable(matcher)
    standin.fail_next("getUpdates", fault)
    users = [USER + n for n in range(5)]
    last = 0
    for user in users:
        last = standin.private_text(user, question)
    standin.wait_for_sent(5, timeout=8)
    standin.wait_until_handled(last, settle=0.5)
    assert [len(standin.sent_to(user)) for user in users] == [1] * 5
    assert fault in outcomes(standin, "getUpdates")
    assert not [r for r in all_logs.records if r.exc_info]


def test_a_lost_answer_to_a_button_press_is_retried_harmlessly_and_the_fact_is_shown_once(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    standin.private_text(USER, "/topics")
    [menu] = standin.wait_for_sent(1, USER)
    topic = matcher.fact_base.topics[0]
    standin.fail_next("answerCallbackQuery", "drop")
    update_id, _ = standin.press(USER, menu, f"t:{topic.id}:en")
    # The resend comes 0.2-0.3 s after the drop (0.25 s ±20%): settle for longer than that, or it may come after.
    standin.wait_until_handled(update_id, settle=0.5)
    assert outcomes(standin, "answerCallbackQuery") == ["drop", "400"]  # the retry finds it already answered
    assert len(standin.sent_to(USER)) == 2


def test_an_inline_answer_that_failed_with_500_is_sent_again(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    standin.fail_next("answerInlineQuery", "500")
    standin.inline(USER, answerable(matcher)[1])
    standin.wait_for(lambda: outcomes(standin, "answerInlineQuery") == ["500", "ok"], what="the inline answer")


def test_under_mixed_faults_every_question_of_a_burst_is_answered_exactly_once(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    _, question = answerable(matcher)
    standin.fail_next("sendMessage", "500", times=3)
    standin.fail_next("sendMessage", "reset", times=3)
    standin.fail_next("sendMessage", "429", retry_after=1)
    standin.fail_next("getUpdates", "500")
    users = [USER + n for n in range(10)]
    last = 0
    for round_ in range(4):
        for user in users:
            last = standin.private_text(user, f"{question} ({round_})")
    standin.wait_for_sent(40, timeout=20)
    standin.wait_until_handled(last, settle=0.5)
    assert [len(standin.sent_to(user)) for user in users] == [4] * 10
