"""End to end on a second article (tests/fixtures/solar: drafted by `ftz-bot init`, curated a little): the same bot
serves it with its own name, subject, topics and answers, and nothing of the bundled Xinjiang article appears."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from harness import RunningBot
from standin import BotAPIStandIn

from bot.matcher import Matcher

USER = 901  # (the stand-in bot is @ftz_facts_test_bot: its own name, not the article's)
BUNDLED_WORDS = re.compile(r"xinjiang|horgos|kashgar|urumqi|\bftz\b|free trade|belt and road|新疆|синьцзян", re.I)


@pytest.fixture
def solar_bot(standin: BotAPIStandIn, solar_matcher: Matcher) -> Iterator[RunningBot]:
    with RunningBot(standin, solar_matcher) as running:
        yield running


def test_every_reply_and_menu_of_the_second_articles_bot_is_about_that_article_only(
        solar_bot: RunningBot, standin: BotAPIStandIn, solar_matcher: Matcher) -> None:
    messages = ["/start", "/help", "/source", "/topics", "hello", "How many solar panels does the farm have?",
                "What is the population of Iceland?", "who are you?", "thanks!"]
    for text in messages:
        standin.private_text(USER, text)
    replies = standin.wait_for_sent(len(messages), USER)
    texts = [r["visible_text"] for r in replies]
    buttons = [b["text"] for r in replies for row in r.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
    menus = [c["description"] for call in standin.calls_to("setMyCommands") for c in call.params["commands"]]
    assert not [t for t in (*texts, *buttons, *menus) if BUNDLED_WORDS.search(t)]
    fact_base = solar_matcher.fact_base
    assert any(fact_base.fact("farm_solar_panels").answer_en in t for t in texts)
    assert any("Lake Merrow Facts" in t for t in texts)  # /help and "who are you?" name the bot of this folder
    assert any(fact_base.article.title in t for t in texts)  # /source
    assert {t.title_en for t in fact_base.topics} <= set(buttons)  # /topics


def test_pressing_a_topic_of_the_second_article_lists_its_facts(
        solar_bot: RunningBot, standin: BotAPIStandIn, solar_matcher: Matcher) -> None:
    standin.private_text(USER, "/topics")
    [menu] = standin.wait_for_sent(1, USER)
    first = menu["reply_markup"]["inline_keyboard"][0][0]
    standin.press(USER, menu, first["callback_data"])
    standin.wait_for(lambda: len(standin.sent_to(USER)) + len(standin.calls_to("editMessageText")) >= 2,
                     what="the topic's facts")
    shown = " ".join(str(c.params) for c in standin.calls if c.method in ("sendMessage", "editMessageText"))
    topic = solar_matcher.fact_base.topics[0]
    assert any(Matcher.display_question(f, "en") in shown for f in solar_matcher.fact_base.facts_in_topic(topic.id))
    assert not BUNDLED_WORDS.search(shown)
