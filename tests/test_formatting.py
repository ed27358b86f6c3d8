"""The formatting module: Telegram HTML with everything escaped, within Telegram's length limit, in both languages."""

from __future__ import annotations

import dataclasses
import html
import re

import pytest

from bot.formatting import (
    TELEGRAM_MESSAGE_LIMIT,
    help_html,
    message_length,
    notice,
    notice_html,
    render_fact_html,
    render_html,
    snippet,
    source_html,
    topic_html,
    topics_prompt_html,
    truncate_html,
)
from bot.knowledge import FactBase
from bot.match import Match, Outcome, Suggestion
from bot.matcher import Matcher

HOSTILE = "<script>alert('x')</script> & <b>bold</b> &amp; </blockquote> <a href=\"javascript:x\">"
_TAG = re.compile(r"</?(b|i|blockquote)>")


LANGUAGES = ("en", "zh", "ru")


@pytest.fixture(scope="module")
def hostile(fact_base: FactBase) -> FactBase:
    """The fact base with markup-like text in every field the bot shows."""
    fact = dataclasses.replace(fact_base.facts[0], answers=dict.fromkeys(LANGUAGES, HOSTILE),
                               sources=(HOSTILE, HOSTILE), questions=dict.fromkeys(LANGUAGES, (HOSTILE,)))
    topic = dataclasses.replace(fact_base.topics[0], titles=dict.fromkeys(LANGUAGES, HOSTILE))
    article = dataclasses.replace(fact_base.article, title=HOSTILE, publisher_line=HOSTILE)
    return dataclasses.replace(fact_base, article=article, topics=(topic, *fact_base.topics[1:]),
                               facts=(fact, *fact_base.facts[1:]), _by_id={**fact_base._by_id, fact.id: fact})


def assert_safe_html(text: str) -> None:
    """Only the bot's own tags, balanced, and no stray `<` or `&` left once they are removed."""
    stack = []
    for tag in _TAG.finditer(text):
        if tag.group(0).startswith("</"):
            assert stack and stack.pop() == tag.group(1), text
        else:
            stack.append(tag.group(1))
    assert not stack, text
    rest = _TAG.sub("", text)
    assert "<" not in rest and ">" not in rest, rest
    assert not re.search(r"&(?!amp;|lt;|gt;|quot;|#x27;)", rest), rest
    assert message_length(text) <= TELEGRAM_MESSAGE_LIMIT


def test_an_answer_escapes_the_answer_the_source_quote_and_the_citation(hostile: FactBase) -> None:
    for language in LANGUAGES:
        text = render_fact_html(hostile.facts[0], hostile, language)
        assert_safe_html(text)
        assert html.unescape(_TAG.sub("", text)).count(HOSTILE) == 4  # answer, two sources, title in the citation
        assert "<blockquote>" in text


def test_every_reply_kind_is_safe_html(hostile: FactBase) -> None:
    fact = hostile.facts[0]
    matches = [
        Match(HOSTILE, Outcome.ANSWER, "en", fact=fact, confidence=90),
        Match(HOSTILE, Outcome.CLARIFY, "en", suggestions=(Suggestion(fact.id, HOSTILE, 40),)),
        Match(HOSTILE, Outcome.NO_MATCH, "zh"),
        Match(HOSTILE, Outcome.SMALL_TALK, "en", small_talk="thanks"),
    ]
    for match in matches:
        assert_safe_html(render_html(match, hostile))
    for language in LANGUAGES:
        assert_safe_html(help_html(hostile, "bot<&>", [HOSTILE, HOSTILE], language))
        assert_safe_html(topic_html(hostile, hostile.topics[0], language))
        assert_safe_html(source_html(hostile, language))
        assert_safe_html(topics_prompt_html(hostile, language))
        assert_safe_html(notice_html(hostile, "not_text", language, example=HOSTILE))


def test_an_oversized_source_is_cut_to_telegrams_limit_and_stays_valid_html(fact_base: FactBase) -> None:
    huge = dataclasses.replace(fact_base.facts[0], sources=("A very long sentence & more. " * 400,))
    text = render_fact_html(huge, fact_base, "en")
    assert_safe_html(text)
    assert message_length(text) == TELEGRAM_MESSAGE_LIMIT
    assert text.endswith("…</blockquote>")


def test_every_topic_listing_and_help_text_fits_in_one_message(fact_base: FactBase) -> None:
    for language in LANGUAGES:
        for topic in fact_base.topics:
            assert_safe_html(topic_html(fact_base, topic, language))
        assert_safe_html(help_html(fact_base, "ftz_bot", ["How big is it?"] * 3, language))


def test_truncation_never_cuts_inside_a_tag_or_an_entity_and_closes_what_is_open() -> None:
    text = "<b>" + "a&amp;b " * 2000 + "</b>"
    for limit in (1, 2, 5, 6, 7, 50, 4096):
        cut = truncate_html(text, limit)
        assert message_length(cut) <= limit
        assert cut.startswith("<b>") and cut.endswith("…</b>")
        assert not re.search(r"&[a-z]*…", cut)


def test_short_html_is_left_alone_and_length_counts_what_telegram_counts() -> None:
    assert truncate_html("<b>hi</b> &amp; bye") == "<b>hi</b> &amp; bye"
    assert message_length("<b>hi</b> &amp; bye") == len("hi & bye")
    assert message_length("😀") == 2  # outside the Basic Multilingual Plane: two UTF-16 code units
    emoji = truncate_html("😀" * 3000)
    assert message_length(emoji) <= TELEGRAM_MESSAGE_LIMIT and emoji.endswith("…")


def test_chinese_replies_use_chinese_wording(fact_base: FactBase) -> None:
    assert "在群组中" in help_html(fact_base, "ftz_bot", [], "zh")
    assert "发布日期" in source_html(fact_base, "zh") and "2023年11月2日" in source_html(fact_base, "zh")
    assert "基本情况" in topic_html(fact_base, fact_base.topics[0], "zh")
    assert notice(fact_base, "stale_button", "zh") != notice(fact_base, "stale_button", "en")


def test_russian_replies_use_russian_wording_dates_and_yes_no(fact_base: FactBase) -> None:
    assert "В группах" in help_html(fact_base, "ftz_bot", [], "ru")
    assert "2 ноября 2023 г." in source_html(fact_base, "ru")
    assert "Основные сведения" in topic_html(fact_base, fact_base.topics[0], "ru")
    fact = fact_base.fact("establishment_date")
    from bot.match import Verdict

    text = render_html(Match("её открыли в 2024?", Outcome.ANSWER, "ru", fact=fact, verdict=Verdict.NO), fact_base)
    assert text.startswith("Нет. ") and "1 ноября 2023" in text


def test_a_language_the_folder_lacks_falls_back_to_its_first(fact_base: FactBase) -> None:
    assert notice(fact_base, "stale_button", "de") == notice(fact_base, "stale_button", "en")


def test_snippets_are_one_line_and_cut_with_an_ellipsis() -> None:
    assert snippet("a\nb  c", 10) == "a b c"
    assert snippet("x" * 100, 10) == "x" * 9 + "…"


def test_a_part_the_article_does_not_answer_is_quoted_without_the_joiner_it_was_cut_at(fact_base: FactBase) -> None:
    match = Matcher(fact_base, semantic=None).match("how many countries does it connect, and which ones?")
    reply = render_html(match, fact_base)
    assert "“which ones”" in reply and "“and which ones”" not in reply


def test_two_answers_from_one_sentence_quote_it_once_after_both(fact_base: FactBase) -> None:
    matcher = Matcher(fact_base, semantic=None)
    reply = render_html(matcher.match("how big are Kashgar and Horgos?"), fact_base)
    assert reply.count("<blockquote>") == 1 and reply.index("28.48") < reply.index("16.58") < reply.index(
        "<blockquote>")
    reply = render_html(matcher.match("how big is horgos and when did it open"), fact_base)
    assert reply.count("<blockquote>") == 2  # two sentences, each after its answer
