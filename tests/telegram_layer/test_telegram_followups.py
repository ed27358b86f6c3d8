"""End to end: follow-ups in a private chat, two people in one group kept apart, context expiry, and a message
with two questions in a group."""

from __future__ import annotations

from harness import RunningBot
from standin import BotAPIStandIn

from bot.conversation import Conversations
from bot.matcher import Matcher
from bot.telegram.state import STATE_KEY

USER, OTHER_USER, GROUP = 711, 712, -100711


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def ask(standin: BotAPIStandIn, chat: int, user: int, text: str, expected_total: int) -> str:
    if chat == user:
        standin.private_text(user, text)
    else:
        standin.group_text(chat, user, f"@{standin.username} {text}")
    return standin.wait_for_sent(expected_total, chat)[-1]["visible_text"]


def test_a_follow_up_in_a_private_chat_is_answered_for_the_new_place(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    facts = matcher.fact_base
    assert facts.fact("horgos_area").answer_en in ask(standin, USER, USER, "how big is the Horgos area?", 1)
    assert facts.fact("kashgar_area").answer_en in ask(standin, USER, USER, "and Kashgar?", 2)


def test_two_people_in_one_group_keep_their_own_follow_ups(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    facts = matcher.fact_base
    ask(standin, GROUP, USER, "how big is the Horgos area?", 1)
    ask(standin, GROUP, OTHER_USER, "what share of the zone is Urumqi?", 2)
    assert facts.fact("kashgar_area").answer_en in ask(standin, GROUP, USER, "and Kashgar?", 3)
    assert facts.fact("kashgar_share").answer_en in ask(standin, GROUP, OTHER_USER, "and Kashgar?", 4)


def test_a_follow_up_after_the_context_expired_is_read_on_its_own(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    clock = FakeClock()
    state = bot.application.bot_data[STATE_KEY]
    state.conversations = Conversations(matcher, memory_seconds=600, clock=clock)
    ask(standin, USER, USER, "what share of the zone is Horgos?", 1)
    clock.now += 601
    reply = ask(standin, USER, USER, "and Kashgar?", 2)
    assert matcher.fact_base.fact("kashgar_share").answer_en not in reply


def test_two_questions_in_one_group_message_get_one_reply_answering_both(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    facts = matcher.fact_base
    reply = ask(standin, GROUP, USER, "how big is the zone and when did it open?", 1)
    assert facts.fact("total_area").answer_en in reply and facts.fact("establishment_date").answer_en in reply
    assert len(standin.sent_to(GROUP)) == 1
