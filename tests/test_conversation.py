"""Conversations: follow-ups resolved against the last answers, numbered choices, refusals kept, memory bounded."""

from __future__ import annotations

import pytest

from bot.conversation import Conversation, Conversations
from bot.match import Outcome, Verdict


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def replies(conversation: Conversation, *messages: str) -> list[str | None]:
    results = []
    for message in messages:
        match = conversation.reply(message)
        results.append(match.fact.id if match.answered and match.fact else match.outcome.value)
    return results


def test_another_place_for_the_same_attribute_is_answered_for_that_place(matcher):
    assert replies(Conversation(matcher), "how big is the Horgos area?", "and Kashgar?", "what about Urumqi") == [
        "horgos_area", "kashgar_area", "urumqi_area"]


def test_a_share_follow_up_moves_to_the_next_place_as_a_share(matcher):
    conversation = Conversation(matcher)
    assert replies(conversation, "how big is kashgar?", "what's that as a share of the total?", "and horgos?") == [
        "kashgar_area", "kashgar_share", "horgos_share"]


@pytest.mark.parametrize(("first", "follow_up", "expected"), [
    ("霍尔果斯片区多大", "喀什的呢？", "kashgar_area"),
    ("какая площадь Хоргоса?", "а у Кашгара?", "kashgar_area"),
])
def test_follow_ups_work_in_chinese_and_russian(matcher, first, follow_up, expected):
    conversation = Conversation(matcher)
    conversation.reply(first)
    match = conversation.reply(follow_up)
    assert match.answered and match.fact.id == expected and match.follow_up


def test_a_follow_up_answer_keeps_the_language_it_was_asked_in(matcher):
    conversation = Conversation(matcher)
    conversation.reply("how big is the Horgos area?")
    assert conversation.reply("а у Кашгара?").language == "ru"


def test_a_complete_question_is_answered_on_its_own(matcher):
    conversation = Conversation(matcher)
    conversation.reply("how big is the Horgos area?")
    match = conversation.reply("how big is the whole zone?")
    assert match.fact.id == "total_area" and not match.follow_up


def test_context_never_turns_a_refusal_into_an_answer(matcher):
    conversation = Conversation(matcher)
    conversation.reply("how many countries does it connect?")
    assert conversation.reply("which countries are they?").outcome is Outcome.NO_MATCH


def test_small_talk_in_a_conversation_stays_small_talk(matcher):
    conversation = Conversation(matcher)
    conversation.reply("how big is the Horgos area?")
    assert conversation.reply("谢谢").outcome is Outcome.SMALL_TALK
    assert conversation.reply("ок понял спасибо").outcome is Outcome.SMALL_TALK


def test_typing_the_number_of_a_choice_answers_that_choice(matcher):
    conversation = Conversation(matcher)
    offered = conversation.reply("foreign")
    assert offered.outcome is Outcome.CLARIFY
    picked = conversation.reply("2")
    assert picked.answered and picked.fact.id == offered.suggestions[1].fact_id


def test_a_number_with_no_choice_on_offer_is_an_ordinary_message(matcher):
    assert Conversation(matcher).reply("2").follow_up is False


def test_context_expires_after_the_memory_time(matcher):
    clock = FakeClock()
    conversation = Conversation(matcher, memory_seconds=600, clock=clock)
    conversation.reply("how big is the Horgos area?")
    clock.now += 601
    match = conversation.reply("and Kashgar?")
    assert not match.follow_up


def test_conversations_are_kept_apart_by_key_and_bounded(matcher):
    conversations = Conversations(matcher, limit=2)
    conversations.reply(("group", 1), "how big is the Horgos area?")
    conversations.reply(("group", 2), "when was it established?")
    assert conversations.reply(("group", 1), "and Kashgar?").fact.id == "kashgar_area"
    conversations.reply(("group", 3), "hello")
    assert len(conversations) == 2
    assert not conversations.reply(("group", 2), "and Kashgar?").follow_up  # dropped as the oldest


def test_no_key_means_no_context(matcher):
    conversations = Conversations(matcher)
    conversations.reply(None, "how big is the Horgos area?")
    assert not conversations.reply(None, "and Kashgar?").follow_up


@pytest.mark.parametrize(("first", "comparison"), [("how big is the kashgar bit", "is it bigger than horgos"),
                                                   ("喀什片区多大", "比霍尔果斯大吗")])
def test_is_it_bigger_than_another_place_compares_the_last_answers_place_with_it(matcher, first, comparison):
    assert replies(Conversation(matcher), first, comparison) == ["kashgar_area", "area_ranking"]


def test_a_follow_up_after_the_largest_area_asks_about_that_area(matcher):
    assert replies(Conversation(matcher), "what are the 3 areas", "which one is biggest",
                   "whats that as a share of the total") == ["three_areas", "largest_area", "urumqi_share"]


@pytest.mark.parametrize(("question", "how"), [("are r&d centres welcome in the free trade zone", "how?"),
                                             ("какие барьеры снизят для R&D", "как?")])
def test_a_bare_how_after_an_answer_that_says_how_is_that_answer(matcher, question, how):
    assert replies(Conversation(matcher), question, how) == ["rnd_centres", "rnd_centres"]


def test_a_place_outside_the_zone_after_a_membership_question_is_answered_no_but_not_after_a_size(matcher):
    conversation = Conversation(matcher)
    assert replies(conversation, "is horgos part of the zone?", "and yining?") == ["three_areas", "three_areas"]
    assert conversation.reply("and yining?").verdict is not None
    assert replies(Conversation(matcher), "how big is kashgar", "what about almaty") == ["kashgar_area", "no_match"]


@pytest.mark.parametrize("first", ["which cities make up the zone", "какие города входят в зону"])
def test_a_place_outside_the_zone_after_the_areas_were_listed_is_answered_not_one_of_them(matcher, first):
    conversation = Conversation(matcher)
    assert replies(conversation, first, "and Alashankou?") == ["three_areas", "three_areas"]
    assert conversation.reply("and Alashankou?").verdict is Verdict.NO


def test_a_bare_why_after_an_answer_that_gives_its_reason_is_that_answer(matcher):
    assert replies(Conversation(matcher), "what are banks supposed to do in the FTZ", "why?") == [
        "bank_infrastructure_support", "bank_infrastructure_support"]


@pytest.mark.parametrize(("first", "follow_up"), [("how many countries does it connect?", "which ones?"),
                                                  ("сколько стран связывает зона?", "а какие?")])
def test_a_follow_up_that_only_picks_is_refused_when_the_article_gives_only_a_number(matcher, first, follow_up):
    conversation = Conversation(matcher)
    assert conversation.reply(first).fact.id == "strategic_location"
    match = conversation.reply(follow_up)
    assert match.refused and "names" in match.reason


def test_after_a_membership_question_the_next_one_is_about_the_place_asked_of(matcher):
    assert replies(Conversation(matcher), "is Urumqi part of the zone?", "how big is it?") == [
        "three_areas", "urumqi_area"]


@pytest.mark.parametrize(("first", "follow_up"), [
    ("are entry barriers for foreign R&D centres lowered?", "lowered by how much?"),
    ("研发中心门槛降低了吗", "具体降到多少")])
def test_by_how_much_a_barrier_was_lowered_is_refused_the_article_gives_no_amount(matcher, first, follow_up):
    conversation = Conversation(matcher)
    assert conversation.reply(first).fact.id == "rnd_centres"
    assert conversation.reply(follow_up).outcome is Outcome.NO_MATCH


def test_which_is_bigger_after_two_areas_compares_those_two(matcher):
    assert replies(Conversation(matcher), "how big is the Horgos area?", "and Kashgar?", "which is bigger?") == [
        "horgos_area", "kashgar_area", "area_ranking"]


@pytest.mark.parametrize("messages", [("喀什片区多大", "霍尔果斯的呢", "哪个大"),
                                      ("какая площадь кашгара", "а хоргоса?", "какой больше")])
def test_which_is_bigger_in_chinese_and_russian_compares_the_last_two_areas(matcher, messages):
    assert replies(Conversation(matcher), *messages)[-1] == "area_ranking"


@pytest.mark.parametrize(("first", "then"), [("which five ports does it connect?", "is alashankou one of them?"),
                                             ("какие 8 стран?", "казахстан входит?")])
def test_asking_whether_a_place_is_in_a_list_the_article_refused_to_give_is_refused_again(matcher, first, then):
    conversation = Conversation(matcher)
    assert replies(conversation, first, then) == ["no_match", "no_match"]


def test_asking_whether_a_place_is_one_of_the_ports_or_countries_just_counted_is_refused(matcher):
    conversation = Conversation(matcher)
    assert replies(conversation, "via how many ports?", "is horgos one of them") == ["strategic_location", "no_match"]
    assert "number of ports" in conversation.reply("is Alashankou one of them?").reason
    conversation = Conversation(matcher)
    assert replies(conversation, "сколько портов связывает зона", "а стран?", "казахстан входит?") == [
        "strategic_location", "strategic_location", "no_match"]
    assert "countries" in conversation.reply("а узбекистан входит?").reason


def test_asking_whether_a_city_is_one_of_them_after_an_answer_about_an_area_is_a_membership_question(matcher):
    assert replies(Conversation(matcher), "how big is horgos", "is yining one of them?") == ["horgos_area",
                                                                                            "three_areas"]


def test_a_follow_up_asking_with_a_word_the_bot_cannot_read_is_not_answered_from_context(matcher):
    assert replies(Conversation(matcher), "what are banks urged to do?", "how much are they lending?") == [
        "bank_infrastructure_support", "no_match"]
    assert replies(Conversation(matcher), "what are banks urged to do?", "why?") == [
        "bank_infrastructure_support", "bank_infrastructure_support"]


def test_after_two_areas_are_compared_the_two_added_up_are_those_two(matcher):
    assert replies(Conversation(matcher), "霍尔果斯片区多大", "喀什呢", "哪个大", "两个加起来多少") == [
        "horgos_area", "kashgar_area", "area_ranking", "smaller_areas_combined"]
