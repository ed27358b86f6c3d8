"""End to end in Russian: a private question, a group mention, /help for a Russian-language user, inline."""

from __future__ import annotations

import html

from harness import RunningBot, answerable
from standin import BotAPIStandIn

from bot.matcher import Matcher

USER, GROUP = 611, -100611


def test_a_russian_question_gets_the_russian_answer_with_the_english_source(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    fact, question = answerable(matcher, "ru")
    standin.private_text(USER, question, language_code="ru")
    [answer] = standin.wait_for_sent(1, USER)
    assert fact.answer("ru") in answer["visible_text"]
    assert fact.sources[0] in answer["visible_text"]  # the quote stays the article's own English sentence
    assert "ноября 2023 г." in answer["visible_text"]  # the citation's date, Russian style


def test_a_russian_mention_in_a_group_is_answered_in_russian_as_a_reply(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    standin.group_text(GROUP, USER, f"@{standin.username} какая площадь у Хоргоса?")
    [answer] = standin.wait_for_sent(1, GROUP)
    assert matcher.fact_base.fact("horgos_area").answer("ru") in answer["visible_text"]
    assert "reply_parameters" in answer


def test_a_russian_yes_no_question_with_a_false_premise_starts_with_net(
        bot: RunningBot, standin: BotAPIStandIn) -> None:
    standin.private_text(USER, "зону открыли в 2024 году?", language_code="ru")
    [answer] = standin.wait_for_sent(1, USER)
    assert answer["visible_text"].startswith("Нет. ") and "1 ноября 2023" in answer["visible_text"]


def test_help_is_in_russian_for_russian_kazakh_and_kyrgyz_users(bot: RunningBot, standin: BotAPIStandIn) -> None:
    for user, code in ((USER, "ru"), (USER + 1, "kk"), (USER + 2, "ky")):
        standin.private_text(user, "/help", language_code=code)
        [message] = standin.wait_for_sent(1, user)
        assert "В группах" in message["visible_text"], code


def test_an_unknown_question_in_russian_is_refused_in_russian(bot: RunningBot, standin: BotAPIStandIn) -> None:
    standin.private_text(USER, "какая погода в кашгаре", language_code="ru")
    [answer] = standin.wait_for_sent(1, USER)
    assert answer["visible_text"].startswith("Извините")


def test_an_inline_query_in_russian_offers_the_russian_answer(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    fact, question = answerable(matcher, "ru")
    standin.inline(USER, question, language_code="ru")
    standin.wait_for_calls("answerInlineQuery", 1)
    [call] = standin.calls_to("answerInlineQuery")
    first = call.params["results"][0]
    assert fact.answer("ru") in html.unescape(first["input_message_content"]["message_text"])
