"""End to end: what people see when they talk to the bot in private, in groups, inline, and with buttons."""

from __future__ import annotations

import html

from harness import RunningBot, ScriptedMatcher, answerable
from standin import BotAPIStandIn

from bot.formatting import citation
from bot.knowledge import FactBase
from bot.match import Match, Outcome, Suggestion
from bot.matcher import Matcher

USER, OTHER_USER, GROUP = 501, 502, -100777


def all_buttons(message: dict) -> list[tuple[str, str]]:
    return [(b["text"], b["callback_data"]) for row in message.get("reply_markup", {}).get("inline_keyboard", [])
            for b in row]


def buttons(message: dict) -> list[tuple[str, str]]:
    """The buttons that show something (topics, facts, choices): all but 👍 / 👎."""
    return [(text, data) for text, data in all_buttons(message) if not data.startswith("v:")]


def feedback_labels(message: dict) -> list[str]:
    return [text for text, data in all_buttons(message) if data.startswith("v:")]


def test_a_question_in_a_private_chat_gets_exactly_one_answer_with_its_source_and_citation(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    fact, question = answerable(matcher)
    update_id = standin.private_text(USER, question)
    standin.wait_until_handled(update_id)
    [answer] = standin.sent_to(USER)
    assert fact.answer_en in answer["visible_text"]
    assert f"<blockquote>{html.escape(fact.sources[0])}" in answer["text"]
    assert citation(matcher.fact_base, "en") in answer["visible_text"]
    assert "reply_parameters" not in answer  # in a private chat the answer needs no quote of the question
    assert feedback_labels(answer) == ["👍", "👎"]


def test_a_chinese_question_gets_the_chinese_answer_with_the_english_source(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    fact, question = answerable(matcher, "zh")
    standin.private_text(USER, question, language_code="zh-hans")
    [answer] = standin.wait_for_sent(1, USER)
    assert fact.answer_zh in answer["visible_text"]
    assert fact.sources[0] in answer["visible_text"]


def test_start_and_help_explain_topics_examples_groups_and_inline_mode(
        bot: RunningBot, standin: BotAPIStandIn, fact_base: FactBase) -> None:
    standin.private_text(USER, "/start")
    standin.private_text(OTHER_USER, "/help")
    for chat in (USER, OTHER_USER):
        [text] = [m["visible_text"] for m in standin.wait_for_sent(1, chat)]
        assert fact_base.topics[0].title_en.lower() in text
        assert text.count("\n• ") == 3  # three example questions
        assert f"@{standin.username}" in text and "/ask" in text  # groups and inline mode


def test_help_is_in_chinese_for_a_user_whose_telegram_is_in_chinese(bot: RunningBot, standin: BotAPIStandIn) -> None:
    standin.private_text(USER, "/help", language_code="zh")
    [message] = standin.wait_for_sent(1, USER)
    assert "在群组中" in message["visible_text"]


def test_source_gives_the_articles_title_date_and_publisher_line(
        bot: RunningBot, standin: BotAPIStandIn, fact_base: FactBase) -> None:
    standin.private_text(USER, "/source")
    [message] = standin.wait_for_sent(1, USER)
    article = fact_base.article
    for part in (article.title, f"{article.date.day} {article.date:%B %Y}", article.publisher_line):
        assert part in message["visible_text"]


def test_the_command_menu_is_registered_in_every_language_and_for_central_asian_users_in_russian(
        bot: RunningBot, standin: BotAPIStandIn) -> None:
    calls = standin.calls_to("setMyCommands")
    menus = {c.params.get("language_code"): [cmd["command"] for cmd in c.params["commands"]] for c in calls}
    assert {None, "zh", "ru", "kk", "ky", "uz", "tg"} <= set(menus)
    assert all(commands == ["ask", "topics", "source", "help"] for commands in menus.values())
    descriptions = {c.params.get("language_code"): c.params["commands"][0]["description"] for c in calls}
    assert descriptions["kk"] == descriptions["ru"] != descriptions[None]


def test_topics_are_buttons_and_pressing_one_shows_its_facts_then_a_fact_button_shows_the_source(
        bot: RunningBot, standin: BotAPIStandIn, fact_base: FactBase) -> None:
    standin.private_text(USER, "/topics")
    [menu] = standin.wait_for_sent(1, USER)
    topic = fact_base.topics[1]
    facts = fact_base.facts_in_topic(topic.id)
    assert (topic.title_en, f"t:{topic.id}:en") in buttons(menu)
    assert len(buttons(menu)) == len(fact_base.topics)

    _, query_id = standin.press(USER, menu, f"t:{topic.id}:en")
    listing = standin.wait_for_sent(2, USER)[1]
    assert [c.params["callback_query_id"] for c in standin.calls_to("answerCallbackQuery")] == [query_id]
    assert all(fact.answer_en in listing["visible_text"] for fact in facts)
    assert [data for _, data in buttons(listing)] == [f"f:{fact.id}:en" for fact in facts]

    standin.press(USER, listing, f"f:{facts[-1].id}:en")
    shown = standin.wait_for_sent(3, USER)[2]
    assert facts[-1].answer_en in shown["visible_text"] and facts[-1].sources[0] in shown["visible_text"]


def test_every_button_the_bot_sends_carries_at_most_64_bytes_of_callback_data(
        bot: RunningBot, standin: BotAPIStandIn, fact_base: FactBase) -> None:
    standin.private_text(USER, "/topics", language_code="zh")
    [menu] = standin.wait_for_sent(1, USER)
    for number, topic in enumerate(fact_base.topics, start=2):
        standin.press(USER, menu, f"t:{topic.id}:zh", language_code="zh")
        standin.wait_for_sent(number, USER)
    datas = [data for message in standin.sent_to(USER) for _, data in buttons(message)]
    assert len(datas) == len(fact_base.topics) + len(fact_base.facts)
    assert all(len(data.encode()) <= 64 for data in datas)


def test_a_forged_or_stale_button_press_gets_only_a_polite_answer(bot: RunningBot, standin: BotAPIStandIn) -> None:
    standin.private_text(USER, "/topics")
    [menu] = standin.wait_for_sent(1, USER)
    forged = ["t:no_such_topic:en", "f:no_such_fact:en", "x:size:en", "t:size:fr", "f:../../etc:en",
              "' OR 1=1 --", "t:" + "a" * 62, ""]
    last = 0
    for data in forged:
        last, _ = standin.press(USER, menu, data)
    standin.wait_until_handled(last)
    answers = standin.calls_to("answerCallbackQuery")
    assert len(answers) == len(forged)
    assert all("no longer works" in c.params.get("text", "") for c in answers)
    assert len(standin.sent_to(USER)) == 1  # the menu only: nothing else was sent


def test_a_question_the_bot_cannot_answer_gets_a_friendly_line_and_topic_buttons(
        bot: RunningBot, standin: BotAPIStandIn, fact_base: FactBase) -> None:
    standin.private_text(USER, "What is the population of Iceland?")
    [reply] = standin.wait_for_sent(1, USER)
    assert "Sorry" in reply["visible_text"]
    assert len(buttons(reply)) == len(fact_base.topics)
    last_row = reply["reply_markup"]["inline_keyboard"][-1]
    assert [b["text"] for b in last_row] == ["👍", "👎"]  # on a row of their own, under the topics
    assert feedback_labels(reply) == ["👍", "👎"]


def test_small_talk_gets_a_short_friendly_reply(bot: RunningBot, standin: BotAPIStandIn) -> None:
    standin.private_text(USER, "thanks!")
    [reply] = standin.wait_for_sent(1, USER)
    assert len(reply["visible_text"]) < 200 and "reply_markup" not in reply


def test_did_you_mean_offers_up_to_three_buttons_and_a_press_answers_that_fact(
        standin: BotAPIStandIn, fact_base: FactBase) -> None:
    facts = fact_base.facts[:4]
    vague = Match("tell me the thing", Outcome.CLARIFY, "en", confidence=40, suggestions=tuple(
        Suggestion(f.id, f.questions_en[0], 40) for f in facts))

    with RunningBot(standin, ScriptedMatcher(fact_base, {vague.question: vague})):
        standin.private_text(USER, vague.question)
        [clarify] = standin.wait_for_sent(1, USER)
        assert clarify["visible_text"].startswith("Did you mean")
        assert [text for text, _ in buttons(clarify)] == [f.questions_en[0] for f in facts[:3]]
        assert [data.rpartition(":")[0] for _, data in buttons(clarify)] == [f"c:{f.id}:en" for f in facts[:3]]
        assert feedback_labels(clarify) == ["👍", "👎"]
        standin.press(USER, clarify, buttons(clarify)[1][1])
        answer = standin.wait_for_sent(2, USER)[1]
        assert facts[1].answer_en in answer["visible_text"]
        assert feedback_labels(answer) == ["👍", "👎"]


# --- groups ---------------------------------------------------------------------------------------------------


def test_a_group_message_that_mentions_the_bot_is_answered_as_a_reply_without_the_mention(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    fact, question = answerable(matcher)
    update_id = standin.group_text(GROUP, USER, f"@{standin.username.upper()} {question}")
    standin.wait_until_handled(update_id)
    [answer] = standin.sent_to(GROUP)
    assert fact.answer_en in answer["visible_text"]
    assert answer["reply_parameters"]["message_id"] == standin.updates[update_id]["message"]["message_id"]


def test_a_question_in_a_forum_topic_is_answered_in_that_topic_without_a_link_preview(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    fact, question = answerable(matcher)
    update_id = standin.group_text(GROUP, USER, f"@{standin.username} {question}", message_thread_id=7,
                                   is_topic_message=True)
    standin.wait_until_handled(update_id)
    [answer] = standin.sent_to(GROUP)
    assert fact.answer_en in answer["visible_text"]
    assert answer["message_thread_id"] == 7
    assert answer["reply_parameters"]["message_id"] == standin.updates[update_id]["message"]["message_id"]
    assert answer["link_preview_options"] == {"is_disabled": True}


def test_a_group_message_not_addressed_to_the_bot_gets_no_reply(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    _, question = answerable(matcher)
    ignored = [
        standin.group_text(GROUP, USER, question),
        standin.group_text(GROUP, USER, f"@someone_else {question}"),
        standin.group_text(GROUP, USER, f"email me at me@{standin.username}.com {question}"),
        standin.group_text(GROUP, USER, "/ask@some_other_bot " + question),
        standin.group_text(GROUP, USER, "/topics@some_other_bot"),
        standin.group_text(GROUP, USER, "/unknown_command"),
        standin.group_text(GROUP, USER, question, reply_to=standin.message(
            standin.group_chat(GROUP), standin.user(OTHER_USER), "an earlier message from a person")),
    ]
    standin.wait_until_handled(ignored[-1])
    assert standin.sent_to(GROUP) == []
    assert [c.method for c in standin.calls if c.method not in ("getUpdates", "getMe", "deleteWebhook",
                                                                "setMyCommands")] == []


def test_ask_and_ask_at_botname_are_answered_in_a_group(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    fact, question = answerable(matcher)
    asked = [standin.group_text(GROUP, USER, f"/ask {question}"),
             standin.group_text(GROUP, OTHER_USER, f"/ask@{standin.username} {question}")]
    replies = standin.wait_for_sent(2, GROUP)
    assert all(fact.answer_en in r["visible_text"] for r in replies)
    assert sorted(r["reply_parameters"]["message_id"] for r in replies) == sorted(
        standin.updates[u]["message"]["message_id"] for u in asked)


def test_ask_without_a_question_explains_how_to_use_it(bot: RunningBot, standin: BotAPIStandIn) -> None:
    standin.group_text(GROUP, USER, f"/ask@{standin.username}")
    [reply] = standin.wait_for_sent(1, GROUP)
    assert "/ask " in reply["visible_text"]


def test_a_reply_to_one_of_the_bots_messages_is_answered(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    fact, question = answerable(matcher, skip=1)
    standin.group_text(GROUP, USER, f"/ask@{standin.username} hello")
    [first] = standin.wait_for_sent(1, GROUP)
    standin.group_text(GROUP, OTHER_USER, question, reply_to=first)
    second = standin.wait_for_sent(2, GROUP)[1]
    assert fact.answer_en in second["visible_text"]


def test_a_group_button_press_answers_in_the_group(bot: RunningBot, standin: BotAPIStandIn,
                                                   fact_base: FactBase) -> None:
    standin.group_text(GROUP, USER, f"/topics@{standin.username}")
    [menu] = standin.wait_for_sent(1, GROUP)
    topic = fact_base.topics[0]
    standin.press(OTHER_USER, menu, f"t:{topic.id}:en")
    listing = standin.wait_for_sent(2, GROUP)[1]
    assert listing["reply_parameters"]["message_id"] == menu["message_id"]


def test_messages_from_other_bots_are_never_answered(bot: RunningBot, standin: BotAPIStandIn) -> None:
    other_bot = {"id": 999, "is_bot": True, "first_name": "Echo", "username": "echo_bot"}
    update_id = standin.push(message=standin.message(standin.group_chat(GROUP), other_bot,
                                                     f"@{standin.username} how big is it?"))
    standin.wait_until_handled(update_id)
    assert standin.sent_to(GROUP) == []


# --- inline mode ----------------------------------------------------------------------------------------------


def test_an_inline_query_offers_the_best_fact_first_with_its_answer_and_source(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    fact, question = answerable(matcher)
    _, query_id = standin.inline(USER, question)
    [call] = standin.wait_for_calls("answerInlineQuery")
    assert call.outcome == "ok" and call.params["inline_query_id"] == query_id
    first = call.params["results"][0]
    assert first["id"] == f"f:{fact.id}:en"
    assert fact.answer_en in html.unescape(first["input_message_content"]["message_text"])
    assert html.escape(fact.sources[0]) in first["input_message_content"]["message_text"]
    assert call.params["cache_time"] > 0 and not call.params.get("is_personal")


def test_an_empty_inline_query_offers_the_topics(bot: RunningBot, standin: BotAPIStandIn,
                                                 fact_base: FactBase) -> None:
    standin.inline(USER, "")
    [call] = standin.wait_for_calls("answerInlineQuery")
    assert [r["title"] for r in call.params["results"]] == [t.title_en for t in fact_base.topics]


def test_an_inline_query_the_bot_cannot_answer_offers_a_private_chat_instead(
        bot: RunningBot, standin: BotAPIStandIn) -> None:
    standin.inline(USER, "population of Iceland")
    [call] = standin.wait_for_calls("answerInlineQuery")
    assert call.params["results"] == [] and call.params["button"]["start_parameter"] == "inline"
