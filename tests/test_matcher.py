"""The matcher answers, clarifies, refuses and recognises small talk the way a user would expect."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.matcher import DEFAULT_THRESHOLDS, Matcher, Outcome, match_question


def answered(matcher: Matcher, question: str) -> str | None:
    match = matcher.match(question)
    return match.fact.id if match.outcome is Outcome.ANSWER and match.fact else None


def test_a_plain_question_gets_the_fact_with_its_source_and_a_confidence(matcher):
    match = matcher.match("How big is the Xinjiang Pilot FTZ?")
    assert match.outcome is Outcome.ANSWER and match.answered
    assert match.fact.id == "total_area"
    assert "179.66" in match.fact.answer_en
    assert 0 <= match.confidence <= 100 and match.confidence >= DEFAULT_THRESHOLDS.answer
    assert match.language == "en"


def test_a_chinese_question_is_answered_in_chinese(matcher):
    match = matcher.match("喀什片区的面积是多少？")
    assert match.outcome is Outcome.ANSWER and match.fact.id == "kashgar_area"
    assert match.language == "zh"
    assert "平方公里" in match.fact.answer(match.language)


@pytest.mark.parametrize("spelling", ["Horgos", "Khorgos", "Khorgas", "Korgas", "Huoerguosi", "霍尔果斯"])
def test_every_spelling_of_horgos_finds_the_horgos_area(matcher, spelling):
    assert answered(matcher, f"how big is the {spelling} area") == "horgos_area"


@pytest.mark.parametrize("spelling", ["Urumqi", "Ürümqi", "Urumchi", "Wulumuqi", "乌鲁木齐"])
def test_every_spelling_of_urumqi_finds_the_urumqi_area(matcher, spelling):
    assert answered(matcher, f"size of {spelling} area") == "urumqi_area"


@pytest.mark.parametrize("unit", ["km²", "km2", "sq km", "square kilometres", "square kilometers"])
def test_units_are_understood_in_any_spelling(matcher, unit):
    assert answered(matcher, f"how many {unit} does Kashi cover?") == "kashgar_area"


def test_typos_are_forgiven(matcher):
    assert answered(matcher, "wen was the free trade zone establised") == "establishment_date"
    assert answered(matcher, "whcih area is the smalest") == "smallest_area"


def test_numbers_written_as_words_are_read(matcher):
    assert answered(matcher, "was it set up in twenty twenty-three?") == "establishment_year"
    assert answered(matcher, "is the urumqi area about one hundred and thirty-five square kilometres?") == "urumqi_area"


def test_a_place_name_alone_gets_the_first_fact_about_that_place(matcher):
    assert answered(matcher, "Kashgar") == "kashgar_area"
    assert answered(matcher, "xinjiang ftz") == "overview"


def test_greetings_and_thanks_are_small_talk_not_facts(matcher):
    for text, kind in (("hi", "greeting"), ("helo!", "greeting"), ("thanks a lot", "thanks"), ("你好", "greeting"),
                       ("who are you?", "about_bot"), ("👍", "acknowledgement")):
        match = matcher.match(text)
        assert (match.outcome, match.small_talk) == (Outcome.SMALL_TALK, kind), text
        assert match.fact is None


def test_a_greeting_before_a_question_still_gets_the_answer(matcher):
    assert answered(matcher, "Hi there, when was the FTZ established?") == "establishment_date"


def test_a_question_two_facts_fit_equally_gets_did_you_mean_suggestions(matcher):
    match = matcher.match("foreign")
    assert match.outcome is Outcome.CLARIFY and not match.answered
    ids = [s.fact_id for s in match.suggestions]
    assert {"foreign_investment_services", "overseas_financial_institutions"} <= set(ids)
    assert len(ids) <= 3 and all(s.question.endswith("?") for s in match.suggestions)


@pytest.mark.parametrize("question", [
    "How big is the Shanghai free trade zone?",
    "When was the Hainan FTZ established?",
    "Does the zone border Kazakhstan?",
    "What is the population of Kashgar?",
    "What is the weather like in Urumqi?",
    "How far is Horgos from Urumqi?",
    "Which eight countries does it connect?",
    "What are the names of the five ports?",
    "How big is Xinjiang as a whole?",
    "How many banks have opened there?",
    "What is the capital of France?",
    "Who will win the football tonight?",
])
def test_questions_the_article_does_not_answer_are_refused(matcher, question):
    match = matcher.match(question)
    assert match.outcome is Outcome.NO_MATCH, (question, match.fact and match.fact.id)
    assert match.fact is None


def test_refusals_say_why_for_curators(matcher):
    assert "kazakhstan" in matcher.match("Does it connect to Kazakhstan?").reason
    assert "population" in matcher.match("population of Horgos").reason


@pytest.mark.parametrize("text", ["", "   ", "?!", "\x00\x07\x1b[31m", "א" * 50 + " مرحبا", "😀" * 30,
                                  "how big " * 1500, "\u202eozf eht si gib woh", "１７９.６６ ｋｍ２"])
def test_odd_input_never_crashes_and_gets_a_valid_outcome(matcher, text):
    match = matcher.match(text)
    assert match.outcome in set(Outcome)
    assert 0 <= match.confidence <= 100


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_at_all_gets_a_valid_outcome(matcher, text):
    match = matcher.match(text)
    assert match.outcome in set(Outcome)
    assert (match.fact is not None) == (match.outcome is Outcome.ANSWER)


def test_a_stricter_answer_threshold_turns_answers_into_suggestions(fact_base):
    strict = Matcher(fact_base, dataclasses.replace(DEFAULT_THRESHOLDS, answer=101, sure=101))
    match = strict.match("How big is the Kashgar area?")
    assert match.outcome is Outcome.CLARIFY
    assert match.suggestions[0].fact_id == "kashgar_area"


def test_match_question_is_a_one_call_shortcut(fact_base):
    assert match_question("when was it established", fact_base).fact.id == "establishment_date"


def test_comparing_two_areas_cites_the_sentence_with_both_sizes(matcher):
    match = matcher.match("Is Horgos bigger than Kashgar?")
    assert match.outcome is Outcome.ANSWER
    assert "28.48" in match.fact.sources[0] and "16.58" in match.fact.sources[0]


def test_a_figure_used_as_a_yardstick_still_finds_the_size(matcher):
    assert answered(matcher, "is the zone bigger than 100 km2?") == "total_area"
    assert answered(matcher, "my colleague reckons urumqi is about 130 km2, right?") == "urumqi_area"
