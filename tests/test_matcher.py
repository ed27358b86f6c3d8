"""The matcher answers, clarifies, refuses and recognises small talk the way a user would expect."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.match import Outcome, Refusal, Verdict
from bot.matcher import Matcher
from bot.terms import Term, TermKind
from bot.thresholds import DEFAULT_THRESHOLDS


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


def test_a_three_letter_word_is_not_read_as_another_with_one_letter_changed(matcher):
    # "dry" is no "day" (a date), "buy" no "but": before, "is the khorgos dry port ..." asked a date
    assert Term(TermKind.CONCEPT, "date") not in matcher.analyser.analyse("is the khorgos dry port there").terms
    assert answered(matcher, "can foreigners buy land in the zone") is None
    assert answered(matcher, "teh size of kashgar") == "kashgar_area"  # two letters swapped is still a slip


def test_what_a_part_measures_asks_its_size(matcher):
    assert answered(matcher, "what does the horgos bit measure") == "horgos_area"
    assert answered(matcher, "what does the kashgar part measure") == "kashgar_area"


@pytest.mark.parametrize(("question", "fact"), [("Правда что зона больше 170 кв км?", "total_area"),
                                                ("新疆这个自贸区是几号开始的？", "establishment_date"),
                                                ("why is the Xinjiang FTZ based in Lanzhou?", "location")])
def test_claims_and_dates_in_everyday_words(matcher, question, fact):
    assert answered(matcher, question) == fact


@pytest.mark.parametrize("question", ["How much bigger is the Urumqi area than Kashgar and Horgos put together?",
                                      "how many times is urumqi bigger than kashgar and horgos combined"])
def test_one_area_against_the_others_added_up_is_the_fact_that_adds_them_up(matcher, question):
    assert answered(matcher, question) == "urumqi_vs_others"
    assert answered(matcher, "how many times bigger is urumqi than kashgar") == "area_ratios"


def test_how_much_trade_went_through_is_refused(matcher):
    assert matcher.match("How much trade went through the zone in its first year?").refused


def test_a_greeting_to_the_whole_chat_is_small_talk(matcher):
    assert matcher.match("всем доброе утро в чате").outcome is Outcome.SMALL_TALK


def test_numbers_written_as_words_are_read(matcher):
    assert answered(matcher, "was it set up in twenty twenty-three?") == "establishment_year"
    assert answered(matcher, "is the urumqi area about one hundred and thirty-five square kilometres?") == "urumqi_area"


def test_a_place_name_alone_gets_the_first_fact_about_that_place(matcher):
    assert answered(matcher, "Kashgar") == "kashgar_area"
    assert answered(matcher, "xinjiang ftz") == "overview"


def test_greetings_and_thanks_are_small_talk_not_facts(matcher):
    for text, kind in (("hi", "greeting"), ("helo!", "greeting"), ("thanks a lot", "thanks"), ("你好", "greeting"),
                       ("who are you?", "about_bot"), ("👍", "acknowledgement"),
                       ("thanks a lot, super helpful!", "thanks")):
        match = matcher.match(text)
        assert (match.outcome, match.small_talk) == (Outcome.SMALL_TALK, kind), text
        assert match.fact is None


@pytest.mark.parametrize(("text", "kind"), [("рахмат катта", "thanks"), ("Бот что ли?", "about_bot")])
def test_central_asian_thanks_and_a_doubt_about_the_bot_are_small_talk(matcher, text, kind):
    match = matcher.match(text)
    assert (match.outcome, match.small_talk) == (Outcome.SMALL_TALK, kind)


@pytest.mark.parametrize("question", ["why this FTZ matters for Belt and Road", "新疆自贸区的定位"])
def test_what_the_zone_matters_for_or_how_it_is_positioned_asks_its_role(matcher, question):
    assert answered(matcher, question) == "logistics_hub_bri"


@pytest.mark.parametrize(("question", "fact"), [("新疆自贸区连着几个口案", "strategic_location"),
                                                ("自贸区连着几个过家", "strategic_location"),
                                                ("什么时候成利的", "establishment_date")])
def test_a_chinese_word_typed_with_a_homophone_is_read_as_meant(matcher, question, fact):
    assert answered(matcher, question) == fact


def test_a_chinese_function_word_is_never_read_as_a_homophone_slip(matcher):
    match = matcher.match("hello 请问霍尔果斯是不是自贸区的一部分 我们公司在那边有业务")  # 在那 is not 在哪 ("where")
    assert match.fact.id == "three_areas"
    assert answered(matcher, "文章里说的一带一路和这个自贸区是什么关系") == "logistics_hub_bri"  # 的一 is not 第一


@pytest.mark.parametrize("question", ["how many times smaller is horgos than urumqi",
                                      "хоргос во сколько раз меньше урумчи"])
def test_smaller_or_bigger_in_a_ratio_of_two_areas_says_its_direction_not_a_superlative(matcher, question):
    assert answered(matcher, question) == "area_ratios"


def test_more_or_less_than_a_share_asks_the_share(matcher):
    assert answered(matcher, "урумчи больше трех четвертей всей зоны занимает или меньше?") == "urumqi_share"


def test_opening_an_office_is_setting_up_and_a_report_for_management_is_context(matcher):
    assert answered(matcher, "страховые компании из-за рубежа могут там офис открыть?") == (
        "overseas_financial_institutions")
    assert answered(matcher, "для отчета руководству прошу уточнить площадь хоргосского района ЗСТ") == "horgos_area"
    assert matcher.match("где офис администрации зоны").refused


def test_analysing_a_text_again_gives_an_analysis_of_its_own(matcher):
    first = matcher.analyser.analyse("how big is horgos")
    first.terms.clear()
    again = matcher.analyser.analyse("how big is horgos")
    assert again.terms and again.places == {"horgos"} and again is not first


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


@pytest.mark.parametrize("text", ["", "   ", "\x00\x07\x1b[31m", "א" * 50 + " مرحبا", "\u202eozf eht si gib woh"])
def test_empty_unreadable_or_unknown_script_input_is_not_answered_and_says_why(matcher, text):
    match = matcher.match(text)
    assert (match.outcome, match.fact, match.suggestions, match.confidence) == (Outcome.NO_MATCH, None, (), 0)
    assert match.reason in ("no known words", "no fact matches well enough")


@pytest.mark.parametrize("text", ["?!", "😀" * 30])
def test_punctuation_or_emoji_alone_is_taken_as_an_acknowledgement(matcher, text):
    match = matcher.match(text)
    assert (match.outcome, match.small_talk, match.fact) == (Outcome.SMALL_TALK, "acknowledgement", None)


@pytest.mark.parametrize("text", ["how big " * 1500, "１７９.６６ ｋｍ２"])
def test_a_question_repeated_at_length_or_typed_in_full_width_characters_is_still_answered(matcher, text):
    assert answered(matcher, text) == "total_area"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_at_all_gets_a_reply_a_user_can_act_on(matcher, text):
    match = matcher.match(text)
    assert 0 <= match.confidence <= 100
    assert (match.fact is not None) == (match.outcome is Outcome.ANSWER)
    if match.outcome is Outcome.ANSWER:  # an answer always comes with its quote
        assert match.fact.answer(match.language) and match.fact.sources
    elif match.outcome is Outcome.CLARIFY:  # "did you mean" offers one to three buttons, each a real fact
        assert 1 <= len(match.suggestions) <= 3
        assert all(matcher.fact_base.fact(s.fact_id) is not None for s in match.suggestions)
    elif match.outcome is Outcome.SMALL_TALK:  # a kind messages.toml has a reply for
        assert match.small_talk in matcher.fact_base.lexicon.small_talk
    else:  # nothing answered: the curators are told why
        assert match.outcome is Outcome.NO_MATCH and match.reason


def test_a_stricter_answer_threshold_turns_answers_into_suggestions(fact_base):
    strict = Matcher(fact_base, dataclasses.replace(DEFAULT_THRESHOLDS, answer=101, sure=101), semantic=None)
    match = strict.match("How big is the Kashgar area?")
    assert match.outcome is Outcome.CLARIFY
    assert match.suggestions[0].fact_id == "kashgar_area"


def test_a_matcher_built_on_a_fact_base_answers_from_it(fact_base):
    assert Matcher(fact_base).match("when was it established").fact.id == "establishment_date"


@pytest.mark.parametrize("language", ["en", "zh", "ru"])
def test_each_example_question_is_answered_with_the_fact_it_is_the_question_of(matcher, language):
    examples = matcher.example_questions(language)
    assert 1 <= len(examples) <= 3
    for question in examples:
        fact = matcher.match(question).fact
        assert fact is not None and Matcher.display_question(fact, language) == question


def test_related_facts_are_the_answer_then_its_topic_or_the_suggestions_and_none_for_a_refusal(matcher, fact_base):
    answer = matcher.match("How big is the Kashgar area?")
    related = matcher.related_facts(answer)
    assert related[0] == answer.fact and 1 < len(related) <= 5
    assert {f.topic for f in related} == {answer.fact.topic}
    clarified = matcher.match("foreign")
    assert [f.id for f in matcher.related_facts(clarified)] == [s.fact_id for s in clarified.suggestions]
    assert matcher.related_facts(matcher.match("What is the weather like in Kashgar?")) == []


def test_the_closest_fact_is_the_answer_else_the_first_suggestion_else_the_best_below_the_threshold(fact_base):
    assert Matcher(fact_base, semantic=None).closest_fact("How big is the Kashgar area?").answered
    unsure = dataclasses.replace(DEFAULT_THRESHOLDS, answer=101, sure=101)
    closest = Matcher(fact_base, unsure, semantic=None).closest_fact("How big is the Kashgar area?")
    assert (closest.fact_id, closest.basis, closest.answered) == ("kashgar_area", "matcher", False)
    silent = dataclasses.replace(unsure, clarify=101)
    closest = Matcher(fact_base, silent, semantic=None).closest_fact("How big is the Kashgar area?")
    assert (closest.fact_id, closest.basis, closest.answered) == ("kashgar_area", "below threshold", False)
    assert Matcher(fact_base, semantic=None).closest_fact("What is the weather like in Kashgar?") is None


def test_comparing_two_areas_cites_the_sentence_with_both_sizes(matcher):
    match = matcher.match("Is Horgos bigger than Kashgar?")
    assert match.outcome is Outcome.ANSWER
    assert "28.48" in match.fact.sources[0] and "16.58" in match.fact.sources[0]


def test_a_figure_used_as_a_yardstick_still_finds_the_size(matcher):
    assert answered(matcher, "is the zone bigger than 100 km2?") == "total_area"
    assert answered(matcher, "my colleague reckons urumqi is about 130 km2, right?") == "urumqi_area"


# --- real chat: clauses, definitions, yes/no, false premises, membership, the semantic gate --------------------


def test_a_question_inside_a_longer_message_is_found_and_answered(matcher):
    message = ("hi everyone, long-time lurker, we import tea over the border and keep hearing about this new zone "
               "— does it cover a lot of land?")
    assert answered(matcher, message) == "total_area"


def test_a_refusal_word_in_the_context_does_not_veto_the_question(matcher):
    message = "good evening, I am a student from Bishkek. Can you tell me how big the Horgos area is?"
    assert answered(matcher, message) == "horgos_area"


def test_a_refusal_word_in_the_question_itself_still_refuses(matcher):
    match = matcher.match("I trade in Kashgar a lot. What is the population there?")
    assert match.outcome is Outcome.NO_MATCH and "population" in match.reason


def test_two_questions_in_one_message_are_both_answered_in_order(matcher):
    match = matcher.match("how big is the zone and when did it open?")
    assert match.answered
    assert [part.fact.id for part in match.parts] == ["total_area", "establishment_date"]


def test_a_question_that_only_picks_asks_about_what_the_one_before_it_asked(matcher):
    match = matcher.match("how many countries does it connect and which ones")
    assert [p.outcome for p in match.parts] == [Outcome.ANSWER, Outcome.NO_MATCH]
    assert "names" in match.parts[1].reason  # which countries: the article gives only their number
    match = matcher.match("kashgar size? horgos size? total?")
    assert [p.fact.id for p in match.parts] == ["kashgar_area", "horgos_area", "total_area"]


def test_a_pick_already_answered_by_the_question_before_stands_on_its_own(matcher):
    match = matcher.match("what are the areas of the zone and which is the biggest")
    assert [p.fact.id for p in match.parts] == ["three_areas", "largest_area"]


def test_it_in_a_second_question_is_the_place_the_first_answer_was_about(matcher):
    match = matcher.match("whats the smallest area, how big is it")
    assert [p.fact.id for p in match.parts] == ["smallest_area", "horgos_area"]
    match = matcher.match("喀什片区多少平方公里，霍尔果斯呢")
    assert [p.fact.id for p in match.parts] == ["kashgar_area", "horgos_area"]


def test_a_message_of_small_talk_and_filler_words_is_small_talk(matcher):
    for message, kind in [("thx mate that helped", "thanks"), ("see ya later", "goodbye"),
                          ("what kind of questions can i ask you", "about_bot")]:
        match = matcher.match(message)
        assert (match.outcome, match.small_talk) == (Outcome.SMALL_TALK, kind), message
    assert matcher.match("thanks! and how big is horgos?").fact.id == "horgos_area"


def test_a_part_the_article_does_not_answer_is_kept_as_a_refusal_beside_the_answer(matcher):
    match = matcher.match("what's the population of Horgos and how big is it?")
    assert match.answered and match.fact.id == "horgos_area"
    assert [p.outcome for p in match.parts] == [Outcome.NO_MATCH, Outcome.ANSWER]
    assert "population" in match.parts[0].reason


def test_what_ftz_means_is_the_name_not_the_economic_significance(matcher):
    assert answered(matcher, "what does FTZ mean?") == "ftz_name"
    assert answered(matcher, "what does FTZ stand for") == "ftz_name"


def test_what_the_article_does_not_define_is_refused(matcher):
    assert matcher.match("what does 'pilot' mean in the zone's name?").outcome is Outcome.NO_MATCH


def test_a_misspelt_refusal_word_still_refuses(matcher):
    match = matcher.match("whats the wether like in kashgar")
    assert match.outcome is Outcome.NO_MATCH and "weather" in match.reason


@pytest.mark.parametrize("mark", ["\u200d", "\u00ad", "\u200b", "\u2060", "\ufeff"])
def test_invisible_format_characters_inside_a_name_are_ignored(matcher, mark):
    assert answered(matcher, f"how big is Hor{mark}gos?") == "horgos_area"


def test_a_false_premise_is_answered_no_with_the_right_date(matcher):
    match = matcher.match("was it set up in 2024?")
    assert match.answered and match.fact.id in ("establishment_date", "establishment_year")
    assert match.verdict is Verdict.NO


@pytest.mark.parametrize("question", ["did the zone open in October?", "зону открыли в октябре?",
                                      "是十月份成立的吗"])
def test_a_wrong_month_is_answered_no_in_every_language(matcher, question):
    match = matcher.match(question)
    assert match.answered and match.verdict is Verdict.NO
    assert matcher.match("открыли в ноябре?").verdict is Verdict.YES


@pytest.mark.parametrize(("question", "verdict"), [("it was launched in october right?", Verdict.NO),
                                                   ("kashgar is the biggest area right?", Verdict.NO),
                                                   ("霍尔果斯是最大的片区吧", Verdict.NO),
                                                   ("зона 2 участка да?", Verdict.NO),
                                                   ("urumqi is the biggest, correct?", Verdict.YES)])
def test_a_statement_ending_with_a_tag_is_answered_yes_or_no(matcher, question, verdict):
    assert matcher.match(question).verdict is verdict


def test_a_claim_someone_made_checked_with_a_tag_is_no_membership_question(matcher):
    match = matcher.match("hey, my cousin says the zone is basically all urumqi. is that right? roughly what share is "
                          "urumqi?")
    assert match.fact.id == "urumqi_share"


def test_a_figure_of_one_area_claimed_for_another_is_answered_no(matcher):
    assert matcher.match("is kashgar 134.6 km2?").verdict is Verdict.NO
    assert matcher.match("is urumqi 134.6 km2?").verdict is Verdict.YES


@pytest.mark.parametrize(("question", "fact"), [("Сколько у Урумчинского участка?", "urumqi_area"),
                                                ("а у Кашгара сколько места", "kashgar_area"),
                                                ("外国人能在那边开实验室吗", "rnd_centres")])
def test_everyday_russian_and_chinese_words_for_an_area_and_a_lab(matcher, question, fact):
    assert answered(matcher, question) == fact


def test_what_one_area_is_gets_that_area_s_own_first_fact(matcher):
    assert answered(matcher, "Что такое Урумчинский участок?") == "urumqi_area"
    assert answered(matcher, "что такое ЗСТ") == "overview"


def test_a_minimum_the_article_does_not_give_is_refused_in_chinese(matcher):
    assert matcher.match("外资研发中心最低研发费用要求是多少？").refused


def test_a_true_yes_no_question_is_answered_yes(matcher):
    match = matcher.match("can foreign insurers set up there?")
    assert match.fact.id == "overseas_financial_institutions" and match.verdict is Verdict.YES


def test_naming_another_area_as_the_biggest_is_answered_no(matcher):
    match = matcher.match("Is Kashgar the biggest area?")
    assert match.fact.id == "largest_area" and match.verdict is Verdict.NO


@pytest.mark.parametrize("question", ["is Yining part of it?", "is Alashankou one of the zone areas?",
                                      "伊宁算不算在自贸区里"])
def test_a_place_that_is_not_one_of_the_areas_is_answered_no_with_the_three_areas(matcher, question):
    match = matcher.match(question)
    assert match.answered and match.fact.id == "three_areas" and match.verdict is Verdict.NO


@pytest.mark.parametrize(("question", "fact_id"), [
    ("rank the three areas by size", "area_ranking"),
    ("what do Kashgar and Horgos add up to?", "smaller_areas_combined"),
    ("how many times bigger is Urumqi than Horgos?", "area_ratios"),
    ("is Urumqi bigger than the other two combined?", "urumqi_vs_others"),
])
def test_derived_figures_are_answered_from_their_own_facts(matcher, question, fact_id):
    assert answered(matcher, question) == fact_id


def test_the_semantic_layer_never_answers_past_an_explicit_refusal(matcher):
    # Embeddings alone score this like a paraphrase of the Horgos area; the refusal rule must win.
    match = matcher.match("how big is the Khorgos free trade zone on the Kazakh side, in Kazakhstan?")
    assert match.outcome is Outcome.NO_MATCH and not match.semantic


def test_the_semantic_layer_settles_a_paraphrase_the_lexicon_is_unsure_of(fact_base):
    question = "what kind of labs do they want to draw in from abroad?"
    assert Matcher(fact_base, semantic=None).match(question).outcome is not Outcome.ANSWER
    match = Matcher(fact_base).match(question)
    assert match.answered and match.fact.id == "rnd_centres" and match.semantic


def test_glued_words_are_read_apart(matcher):
    assert answered(matcher, "xinjiang ftz howmany areas") == "three_areas"


@pytest.mark.parametrize("question", ["when will the kashgar area be finished",
                                      "what incentives do R&D centres get in money terms",
                                      "when does phase two start", "二期什么时候开工", "когда достроят хоргос"])
def test_completion_dates_later_phases_and_subsidies_are_not_in_the_article(matcher, question):
    match = matcher.match(question)
    assert match.outcome is Outcome.NO_MATCH and match.refused, (question, match.fact and match.fact.id)


def _parts(match) -> list[str | None]:
    return [part.fact.id if part.fact else None for part in match.parts]


def test_a_second_question_joined_after_a_comma_takes_the_question_mark(matcher):
    match = matcher.match("зачем её создали, и это первая такая зона на северо-западе?")
    assert _parts(match)[1] == "first_in_northwest" and _parts(match)[0] != "first_in_northwest"


def test_a_place_asked_after_others_takes_their_question_but_not_their_figures(matcher):
    match = matcher.match("urumqi is 134.6 km2 right? and kashgar 28.48? whats horgos")
    assert _parts(match) == ["urumqi_area", "kashgar_area", "horgos_area"]


def test_a_plus_between_two_questions_joins_them(matcher):
    match = matcher.match("what's the total area + what's the date it opened?")
    assert _parts(match) == ["total_area", "establishment_date"]


def test_an_unanswerable_question_beside_an_answer_is_said_so_not_dropped(matcher):
    match = matcher.match("how big is the horgos area? what is the main road there?")  # no rule refuses it
    assert _parts(match) == ["horgos_area", None] and match.parts[1].outcome is Outcome.NO_MATCH


def test_is_a_place_in_the_zone_gets_a_reply_in_a_folder_without_a_membership_concept(solar_matcher):
    match = solar_matcher.match("is northfield part of the lake merrow solar farm?")  # once an AssertionError
    assert match.outcome is Outcome.NO_MATCH and match.reason  # the folder says nothing of membership: a refusal


def test_russian_typed_in_latin_letters_is_read_and_answered_in_russian(matcher):
    match = matcher.match("skolko stran svyazyvaet")  # сколько стран связывает
    assert match.fact.id == "strategic_location" and match.language == "ru"
    assert matcher.match("kogda otkryli zonu").fact.id == "establishment_date"
    english = matcher.match("how big is horgos")
    assert english.fact.id == "horgos_area" and english.language == "en"


def test_a_misspelt_english_word_is_corrected_before_it_is_read_as_russian(matcher):
    assert matcher.match("kashgr area how many sq km").fact.id == "kashgar_area"


@pytest.mark.parametrize(("question", "verdict"), [
    ("is the zone over 150 square km?", Verdict.YES), ("is the zone over 500 square km?", Verdict.NO),
    ("面积超过150平方公里吗", Verdict.YES), ("зона более 150 кв км?", Verdict.YES),
    ("is horgos under 10 km2?", Verdict.NO), ("is horgos smaller than 20 sq km", Verdict.YES)])
def test_a_figure_compared_with_the_stated_one_is_answered_yes_or_no_by_comparing_them(matcher, question, verdict):
    match = matcher.match(question)
    assert match.fact.id in ("total_area", "horgos_area") and match.verdict is verdict


@pytest.mark.parametrize("message", ["hi, can anyone help? how big is horgos",
                                     "can you help me please, how big is horgos?", "помогите, какая площадь хоргоса?"])
def test_asking_for_help_around_a_question_is_no_question_of_its_own(matcher, message):
    match = matcher.match(message)
    assert match.fact.id == "horgos_area" and not match.parts



def test_a_place_outside_the_zone_in_the_context_asks_no_membership(matcher):
    match = matcher.match("salam, we ship dried fruit via Torugart to Osh. how big is the Kashgar part of the zone? "
                          "we may open a warehouse there")
    assert match.fact.id == "kashgar_area" and match.verdict is None
    assert matcher.match("is Yining part of the zone?").verdict is Verdict.NO


@pytest.mark.parametrize("question", ["which is bigger, kashgar or horgos", "哪个更大 喀什 霍尔果斯",
                                      "хоргос или кашгар кто больше"])
def test_a_choice_between_two_named_areas_is_answered_with_their_order(matcher, question):
    assert matcher.match(question).fact.id == "area_ranking"


def test_how_many_times_bigger_stays_a_ratio_and_the_largest_of_all_stays_the_largest(matcher):
    assert matcher.match("во сколько раз урумчи больше хоргоса").fact.id == "area_ratios"
    assert matcher.match("which is the largest of urumqi, kashgar and horgos").fact.id == "largest_area"


def test_a_second_question_typed_without_comma_or_joiner_is_answered_too(matcher):
    match = matcher.match("urumqi area how big whats the total")
    assert [p.fact.id for p in match.parts] == ["urumqi_area", "total_area"]
    assert matcher.match("какой участок какой по размеру в зст").fact.id == "area_ranking"  # one question


def test_an_areas_attribute_named_before_a_question_is_answered_too(matcher):
    match = matcher.match("kashgar area size and what % of the zone")
    assert [p.fact.id for p in match.parts] == ["kashgar_area", "kashgar_share"]
    match = matcher.match("how big is urumqi area what share of total is that")
    assert [p.fact.id for p in match.parts] == ["urumqi_area", "urumqi_share"]


def test_a_premise_before_the_question_is_context_not_a_question(matcher):
    match = matcher.match("Since Urumqi is the largest area, what proportion of the total does it make up?")
    assert match.fact.id == "urumqi_share" and not match.parts


def test_each_in_a_second_question_means_each_of_the_areas_the_first_answer_named(matcher):
    match = matcher.match("what are the three areas and how big is each")
    assert [p.fact.id for p in match.parts] == ["three_areas", "area_ranking"]


def test_what_the_zone_is_for_asks_its_purpose(matcher):
    match = matcher.match("hey guys whats the ftz for and when did it start lol")
    assert [p.fact.id for p in match.parts] == ["trade_investment_promotion", "establishment_date"]


def test_a_second_thing_asked_after_and_the_is_answered_unless_asked_together(matcher):
    match = matcher.match("whats the population of urumqi and the size of its ftz area")
    assert [p.outcome for p in match.parts] == [Outcome.NO_MATCH, Outcome.ANSWER]
    assert match.fact.id == "urumqi_area"
    assert matcher.match("how big are kashgar and the horgos area together").fact.id == "smaller_areas_combined"


@pytest.mark.parametrize(("question", "fact"), [("why does the zone have four areas", "three_areas"),
                                                ("why was it set up in 2024?", "establishment_year")])
def test_a_why_question_resting_on_a_wrong_figure_is_answered_no_with_the_right_one(matcher, question, fact):
    match = matcher.match(question)
    assert match.fact.id == fact and match.verdict is Verdict.NO


def test_a_figure_with_a_comparison_word_is_a_yardstick_not_a_superlative(matcher):
    match = matcher.match("зона больше 150 км2?")
    assert match.fact.id == "total_area" and match.verdict is Verdict.YES


def test_a_bare_why_after_an_answer_that_gives_its_reason_adds_no_second_answer(matcher):
    match = matcher.match("what are banks urged to do and why")
    assert match.fact.id == "bank_infrastructure_support" and not match.parts


def test_questions_run_together_with_the_same_question_word_are_each_answered(matcher):
    match = matcher.match("when was it established how big is it how many areas")
    assert [p.fact.id for p in match.parts] == ["establishment_date", "total_area", "three_areas"]


def test_how_many_staff_is_refused_the_article_gives_no_number(matcher):
    assert matcher.match("how many full time staff do they need exactly").refused
    assert matcher.match("иностранным r&d центрам снизят требования по числу персонала?").fact.id == "rnd_centres"


@pytest.mark.parametrize(("question", "fact"), [("霍尔果丝片区多少km2", "horgos_area"),
                                                ("霍尔国斯片区面积多少", "horgos_area"),
                                                ("乌木齐片区几平方", "urumqi_area")])
def test_a_chinese_place_name_with_one_character_mistyped_or_left_out_is_still_the_place(matcher, question, fact):
    assert matcher.match(question).fact.id == fact


def test_a_place_outside_the_zone_after_a_membership_question_asks_the_same(matcher):
    match = matcher.match("Is Khorgos included? And Yining?")
    assert match.fact.id == "three_areas" and all(p.answered for p in match.parts or (match,))


def test_the_lexical_view_shares_the_facts_and_never_settles_by_the_semantic_layer(matcher):
    question = "谢谢 最后问下 自贸区全称叫啥"
    assert matcher.match(question).semantic  # settled by the semantic layer
    lexical = matcher.lexical
    assert lexical.fact_base is matcher.fact_base and lexical is matcher.lexical
    assert lexical.match(question).outcome is Outcome.CLARIFY


def test_a_pick_after_a_refused_question_is_that_question_again_not_a_new_one(matcher):
    match = matcher.match("which five ports does the xinjiang zone connect? need names")
    assert match.refused and not match.parts


def test_bro_is_no_typo_for_the_belt_and_road(matcher):
    assert matcher.match("wen was it establishd bro").fact.id == "establishment_date"


@pytest.mark.parametrize("message", ["好的明白了", "好的谢谢你了", "明白了 多谢"])
def test_chinese_small_talk_phrases_run_together_without_spaces_are_small_talk(matcher, message):
    assert matcher.match(message).outcome is Outcome.SMALL_TALK


def test_asking_what_a_word_the_article_only_uses_means_is_refused_but_its_abbreviations_are_answered(matcher):
    for question in ("what does 'qualified' mean?", "what counts as a qualified foreign-invested enterprise?",
                     "what does leverage mean here"):
        match = matcher.match(question)
        assert match.refused and match.reason.startswith(Refusal.NOT_GIVEN.value), question
    assert answered(matcher, "what does FTZ mean?") == "ftz_name"
    assert answered(matcher, "what does R&D stand for?") == "abbreviations"


@pytest.mark.parametrize("question", ["is Yining also an area of the zone?", "伊宁也是片区吗",
                                      "а кульджа (инин) тоже участок зоны?"])
def test_asking_whether_an_outside_city_is_also_one_of_the_areas_is_answered_no(matcher, question):
    match = matcher.match(question)
    assert match.fact.id == "three_areas" and match.verdict is Verdict.NO


@pytest.mark.parametrize("question", ["how many ftz does china have", "中国有几个自贸区", "сколько всего ЗСТ в китае"])
def test_how_many_free_trade_zones_china_has_is_refused_not_read_as_the_three_areas(matcher, question):
    assert matcher.match(question).refused


@pytest.mark.parametrize("question", ["my client from Xi'an asks how big the Kashgar area is",
                                      "заказчик из Гуанчжоу спрашивает площадь кашгара",
                                      "来自西安的客户问喀什片区多大"])
def test_a_place_the_asker_comes_from_is_context_not_a_reason_to_refuse(matcher, question):
    assert answered(matcher, question) == "kashgar_area"


@pytest.mark.parametrize("question", ["how much of the zone lies outside Urumqi?",
                                      "how big is the zone apart from urumqi", "сколько занимает зона кроме урумчи",
                                      "除了乌鲁木齐 其他片区加起来多大", "if you take urumqi out how much is left",
                                      "if you took out the Urumqi area, how much would be left?",
                                      "если урумчи не считать, сколько площади остается", "乌鲁木齐不算的话剩下多大"])
def test_the_zone_outside_one_area_is_the_other_two_areas_together(matcher, question):
    assert answered(matcher, question) == "smaller_areas_combined"


def test_minus_between_two_areas_still_asks_for_their_difference(matcher):
    assert answered(matcher, "urumqi minus horgos in sq km") == "area_ratios"


def test_an_area_out_of_the_total_is_its_share_not_the_other_areas(matcher):
    assert answered(matcher, "how much is kashgar out of the total") == "kashgar_share"


@pytest.mark.parametrize("question", ["whats BRI", "BRI = ?", "in this context what is BRI?", "R&D = ?",
                                      "文章里的BRI指的是啥", "R&D是啥", "что такое BRI"])
def test_an_abbreviation_asked_about_alone_asks_what_it_stands_for(matcher, question):
    assert answered(matcher, question) == "abbreviations"


@pytest.mark.parametrize(("question", "fact_id"), [("what about r&d", "rnd_centres"),
                                                   ("what role in BRI", "logistics_hub_bri"),
                                                   ("what r&d centres are encouraged", "rnd_centres")])
def test_an_abbreviation_asked_about_with_more_words_is_matched_on_those_words(matcher, question, fact_id):
    assert answered(matcher, question) == fact_id


@pytest.mark.parametrize(("question", "fact_id", "verdict"), [
    ("is urumqi more than half of the zone", "urumqi_share", Verdict.YES),
    ("is urumqi more than three quarters of the zone?", "urumqi_share", Verdict.NO),  # 74.9%
    ("is horgos less than a tenth of the total?", "horgos_share", Verdict.YES),
    ("is horgos about a tenth of the zone?", "horgos_share", Verdict.YES),  # 9.2%
    ("乌鲁木齐占一半以上吗", "urumqi_share", Verdict.YES),
    ("кашгар это треть зоны?", "kashgar_share", Verdict.NO)])
def test_a_fraction_of_the_zone_is_weighed_against_the_areas_share(matcher, question, fact_id, verdict):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == fact_id and match.verdict is verdict


def test_chat_shorthand_for_to_is_not_read_as_a_figure(matcher):
    assert answered(matcher, "wat kinda hub they want 2 be") == "logistics_hub_bri"
    assert answered(matcher, "hw many areas ftz xj") == "three_areas"


def test_asking_whether_the_zone_covers_a_city_outside_it_is_answered_no_but_a_size_comparison_is_refused(matcher):
    match = matcher.match("does the ftz cover turpan")
    assert match.fact.id == "three_areas" and match.verdict is Verdict.NO
    assert matcher.match("Is the Xinjiang FTZ bigger than the Shanghai one?").refused


@pytest.mark.parametrize(("question", "fact"), [("хоргас скока", "horgos_area"), ("kashgar how many", "kashgar_area")])
def test_how_much_or_how_many_of_an_area_alone_asks_its_size(matcher, question, fact):
    assert answered(matcher, question) == fact


@pytest.mark.parametrize("message", ["ясно, спасибо большое", "ok thanks, that helped"])
def test_small_talk_phrases_that_overlap_are_still_small_talk(matcher, message):
    assert matcher.match(message).outcome is Outcome.SMALL_TALK


def test_asking_which_kinds_of_institution_may_set_up_is_answered_but_which_banks_are_there_is_refused(matcher):
    assert answered(matcher, "which banks, insurers or brokers can set up there") == "overseas_financial_institutions"
    assert matcher.match("which banks are in the zone").refused


@pytest.mark.parametrize(("question", "fact_id"), [("skolko ploshad zony v sinczyane", "total_area"),
                                                   ("inostrannye banki mojno otkryt tam?",
                                                    "overseas_financial_institutions")])
def test_russian_typed_in_latin_letters_is_read_in_cyrillic(matcher, question, fact_id):
    assert answered(matcher, question) == fact_id


@pytest.mark.parametrize(("question", "fact_id"), [("урумчи скоко плошать", "urumqi_area"),
                                                   ("кагда аткрыли зону", "establishment_date")])
def test_russian_written_as_it_sounds_is_read_as_the_word_it_sounds_like(matcher, question, fact_id):
    assert answered(matcher, question) == fact_id


def test_a_refusal_word_written_as_it_sounds_is_still_refused(matcher):
    assert matcher.match("насиление хоргоса").refused


@pytest.mark.parametrize("question", ["total area of kashgar and horgos", "Какая общая площадь Кашгара и Хоргоса?"])
def test_the_total_of_two_areas_is_their_sum(matcher, question):
    assert answered(matcher, question) == "smaller_areas_combined"


@pytest.mark.parametrize("question", ["а что значит пилотная зона, чем она от обычной отличается",
                                      "под какой процент банки дают кредиты на инфраструктуру в зоне"])
def test_what_pilot_means_and_interest_rates_are_refused_in_russian(matcher, question):
    assert matcher.match(question).refused


@pytest.mark.parametrize("question", ["the zone has five areas right?", "зачем зону разделили на пять участков?",
                                      "does the zone have 4 areas?", "там четыре участка?", "has it got 2 areas",
                                      "зона же 2 участка урумчи и кашгар?"])
def test_a_count_no_fact_states_of_what_it_counts_is_a_claim_answered_no(matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "three_areas" and match.verdict is Verdict.NO


@pytest.mark.parametrize("question", ["почему в зоне всего два участка - урумчи и хоргос?",
                                      "why are there only 2 areas in total?"])
def test_only_so_many_areas_is_a_count_to_check_not_a_total(matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "three_areas" and match.verdict is Verdict.NO


@pytest.mark.parametrize("question", ["which of the four areas is best for logistics?",
                                      "какой из четырех участков лучше для логистики?"])
def test_a_wrong_count_under_a_question_the_article_cannot_answer_is_corrected(matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "three_areas" and match.verdict is Verdict.NO


def test_a_figure_that_counts_no_parts_is_no_count_to_correct(matcher):
    match = matcher.match("возим текстиль в урумчи уже лет пять сколько земли у урумчинского участка")
    assert match.fact is None or match.fact.id == "urumqi_area"


@pytest.mark.parametrize("question", ["片区是啥意思", "“片区”指的是什么？", "что значит участок",
                                      "как называются участки зоны?", "what are the areas of the zone called?"])
def test_what_the_word_for_the_areas_means_is_answered_by_naming_them(matcher, question):
    assert answered(matcher, question) == "three_areas"


@pytest.mark.parametrize("question", ["is the zone in a coastal city?", "自贸区在沿海吗"])
def test_the_zone_said_to_be_by_the_sea_is_answered_no_with_where_it_is(matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "location" and match.verdict is Verdict.NO


@pytest.mark.parametrize("question", ["Казахстанская часть Хоргоса тоже считается частью этой зоны?",
                                      "is the kazakh side of khorgos in the zone?"])
def test_the_kazakh_part_of_khorgos_is_no_part_of_the_zone(matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "three_areas" and match.verdict is Verdict.NO


@pytest.mark.parametrize("question", ["Tell me about the free zone in Aktau", "а в Караганде есть такая зона?"])
def test_a_city_of_the_users_own_countries_is_another_place(matcher, question):
    assert matcher.match(question).refused


@pytest.mark.parametrize("question", ["what do the other 2 areas add up to", "the 2 smaller areas combined?"])
def test_a_figure_counting_some_of_the_areas_claims_nothing_about_how_many_there_are(matcher, question):
    assert matcher.match(question).verdict is not Verdict.NO


@pytest.mark.parametrize("question", ["the zone has 8 ports?", "зона соединяет 8 портов?"])
def test_a_figure_the_answer_states_of_something_else_is_no_count_of_this(matcher, question):
    match = matcher.match(question)  # 8 countries, 5 ports
    assert match.fact.id == "strategic_location" and match.verdict is Verdict.NO


def test_a_count_the_article_states_is_confirmed(matcher):
    match = matcher.match("зона связывает восемь стран?")
    assert match.fact is not None and match.fact.id == "strategic_location" and match.verdict is Verdict.YES


def test_a_month_written_as_a_figure_is_no_count(matcher):
    assert matcher.match("自贸区是11月成立的吗").verdict is not Verdict.NO


def test_asking_which_eight_countries_in_chinese_is_still_refused(matcher):
    assert matcher.match("八个国家具体是哪八个").outcome is Outcome.NO_MATCH


@pytest.mark.parametrize(("question", "verdict"), [("is horgos bigger than kashgar?", Verdict.NO),
                                                   ("is kashgar bigger than horgos?", Verdict.YES),
                                                   ("хоргас же больше кашгара по площади?", Verdict.NO),
                                                   ("喀什比霍尔果斯大吗", Verdict.YES)])
def test_one_area_against_another_is_answered_by_their_sizes(matcher, question, verdict):
    assert matcher.match(question).verdict is verdict


@pytest.mark.parametrize("question", ["is it the first FTZ in China?", "это первая ЗСТ в Китае?",
                                      "这是全国第一个自贸区吗"])
def test_the_first_in_the_northwest_is_not_the_first_in_all_of_china(matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "first_in_northwest" and match.verdict is Verdict.NO


def test_chat_fillers_in_russian_do_not_hide_the_question(matcher):
    assert answered(matcher, "бро а скок участков там ваще") == "three_areas"


@pytest.mark.parametrize("question", ["这个自贸区搞来干啥的", "自贸区有啥用"])
def test_what_the_zone_is_for_in_chinese_chat(matcher, question):
    assert answered(matcher, question) == "trade_investment_promotion"


@pytest.mark.parametrize("question", ["why xinjiang of all places", "почему именно там а не в другом месте",
                                      "为什么选新疆"])
def test_why_the_zone_is_where_it_is_asks_its_strategic_location(matcher, question):
    assert answered(matcher, question) == "strategic_location"


def test_how_much_room_the_zone_takes_in_chinese_is_its_area(matcher):
    assert answered(matcher, "整个自贸区占了多大地方") == "total_area"


@pytest.mark.parametrize("question", ["сколько раенов в зоне", "iz kakih rayonov sostoit zona"])
def test_russian_yo_typed_as_it_sounds_is_the_same_word(matcher, question):
    assert answered(matcher, question) == "three_areas"


@pytest.mark.parametrize("question", ["what is a free trade zone exactly",
                                      "what actually is a free trade zone, like how does it work?"])
def test_what_free_trade_zones_are_in_general_is_not_in_the_article(matcher, question):
    assert matcher.match(question).outcome is Outcome.NO_MATCH


def test_what_the_zone_is_stays_answered(matcher):
    assert answered(matcher, "what is the xinjiang free trade zone") == "overview"


@pytest.mark.parametrize("question", ["乌鲁木齐片区具体在哪个区 哪条路上", "自贸区管委会在哪办公",
                                      "which district of urumqi is the area in"])
def test_the_exact_site_of_an_area_is_not_in_the_article(matcher, question):
    assert matcher.match(question).outcome is Outcome.NO_MATCH


@pytest.mark.parametrize(("question", "fact_id"), [("新疆自贸区是在哪一天设立的？", "establishment_date"),
                                                   ("自贸去啥时侯成立的", "establishment_date"),
                                                   ("新疆自贸试验区到底是个啥 简单说说", "overview"),
                                                   ("what slice of the zone is Horgos", "horgos_share")])
def test_chinese_and_english_chat_wordings(matcher, question, fact_id):
    assert answered(matcher, question) == fact_id


@pytest.mark.parametrize(("question", "fact_id"), [("what is the zone trying to push forward overall?",
                                                    "trade_investment_promotion"),
                                                   ("what's the zone hoping to turn into for moving goods around?",
                                                    "logistics_hub_bri")])
def test_everyday_wordings_of_the_zones_aims(matcher, question, fact_id):
    assert answered(matcher, question) == fact_id


@pytest.mark.parametrize(("question", "fact_id"), [("how much ground does the kashgar bit cover", "kashgar_area"),
                                                   ("how roomy is the horgos part", "horgos_area"),
                                                   ("what two parts of the world does it tie together?",
                                                    "strategic_location")])
def test_everyday_words_for_size_and_for_the_continents(matcher, question, fact_id):
    assert answered(matcher, question) == fact_id


@pytest.mark.parametrize("question", ["how many km from horgos to kashgar", "dist urumqi to horgos km?"])
def test_distances_between_areas_are_not_in_the_article(matcher, question):
    assert matcher.match(question).outcome is Outcome.NO_MATCH


@pytest.mark.parametrize("question", ["насколько кашгар больше хоргоса по площади", "喀什比霍尔果斯多几个平方",
                                      "by how much is kashgar bigger than horgos"])
def test_by_how_much_one_area_exceeds_another_is_their_ratios_and_differences(matcher, question):
    assert answered(matcher, question) == "area_ratios"


def test_two_areas_together_are_still_their_sum(matcher):
    assert answered(matcher, "Urumqi and Kashgar together come to how many square kilometres?") == "urumqi_vs_others"


@pytest.mark.parametrize("question", ["а инин в зоне?", "алашанькоу в фтз есть?", "伊宁在自贸区吗",
                                      "is alashankou in the ftz"])
def test_a_place_asked_to_be_in_the_zone_is_answered_no_with_the_zones_areas(matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "three_areas" and match.verdict is Verdict.NO


@pytest.mark.parametrize("question", ["в казахстане есть зст?", "Does Kazakhstan have a free trade zone?",
                                      "is yining in xinjiang?", "伊宁在新疆吗"])
def test_a_zone_in_another_place_or_a_place_in_the_region_is_no_membership_question(matcher, question):
    assert matcher.match(question).refused


@pytest.mark.parametrize("question", ["who is this zone for?", "для кого это всё делается вообще",
                                      "这个自贸区是给谁的"])
def test_who_the_zone_is_for_is_answered_with_what_it_offers_foreign_investors(matcher, question):
    assert answered(matcher, question) == "foreign_investment_services"


@pytest.mark.parametrize("question", ["хотан тоже в зону попал или нет", "чугучак тоже зона?"])
def test_a_place_also_in_the_zone_asked_in_russian_chat_is_a_membership_question(matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "three_areas" and match.verdict is Verdict.NO


@pytest.mark.parametrize(("question", "verdict"), [("自贸区是11月成立的吗", Verdict.YES), ("是5月成立的吗", Verdict.NO),
                                                   ("его открыли в мае?", Verdict.NO),
                                                   ("was it opened in may?", Verdict.NO)])
def test_a_month_claimed_in_figures_or_words_is_checked_against_the_date(matcher, question, verdict):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "establishment_date" and match.verdict is verdict


@pytest.mark.parametrize("question", ["что такое пояс и путь простыми словами", "what is belt and road?",
                                      "what is the Belt and Road Initiative",
                                      "一带一路是啥", "что такое BRI"])
def test_what_the_belt_and_road_is_asks_what_the_name_stands_for(matcher, question):
    assert answered(matcher, question) == "abbreviations"


@pytest.mark.parametrize(("question", "fact"), [("who is this thing even meant for?", "foreign_investment_services"),
                                                ("what is this zone for", "trade_investment_promotion"),
                                                ("What is BRI short for?", "abbreviations")])
def test_a_question_framed_by_who_or_what_and_a_final_for_asks_its_audience_or_purpose(matcher, question, fact):
    assert answered(matcher, question) == fact


@pytest.mark.parametrize("question", ["the zone connects 8 ports and 5 countries - which ones?",
                                      "i heard it links 10 ports, which ones",
                                      "Зона связывает семь стран — какие именно?"])
def test_a_wrong_count_before_asking_for_names_the_article_lacks_is_corrected(matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "strategic_location"
    assert match.verdict is Verdict.NO


def test_asking_for_names_the_article_lacks_with_the_right_count_is_still_refused(matcher):
    assert matcher.match("the zone connects 5 ports and 8 countries - which ones?").refused


@pytest.mark.parametrize(("question", "fact"), [
    ("in plain terms what is this zone actually trying to achieve?", "trade_investment_promotion"),
    ("What this zone wants to promote, in general?", "trade_investment_promotion"),
    ("brief summary of the areas pls", "three_areas"),
    ("what is this free trade zone?", "overview")])
def test_what_is_this_asks_for_an_overview_only_when_nothing_else_is_asked(matcher, question, fact):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == fact


@pytest.mark.parametrize("question", ["how big is the Yining area of the zone", "阿拉山口片区有多大", "克拉玛依有份吗",
                                      "когда открыли кульджинский район зст",
                                      "какой площади участок в кульдже", "does it cover Karamay too",
                                      "we have a warehouse in Alashankou, is that inside the new FTZ or no?"])
def test_a_part_of_the_zone_named_after_a_place_outside_it_is_answered_no_with_the_zones_areas(matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "three_areas" and match.verdict is Verdict.NO


@pytest.mark.parametrize(("question", "fact"), [("we are based in the Almaty area, how big is Horgos?", "horgos_area"),
                                                ("we are based in the Almaty area, how big is the zone?",
                                                 "total_area")])
def test_a_place_outside_the_zone_said_to_be_where_the_user_is_asks_no_membership(matcher, question, fact):
    assert answered(matcher, question) == fact


@pytest.mark.parametrize(("question", "verdict"), [("is it the third ftz in the northwest?", Verdict.NO),
                                                   ("это вторая зона на северо-западе?", Verdict.NO),
                                                   ("is it the first ftz in the northwest?", Verdict.YES)])
def test_an_ordinal_claimed_is_checked_against_the_first_in_the_northwest(matcher, question, verdict):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "first_in_northwest" and match.verdict is verdict


@pytest.mark.parametrize("question", ["planning a trip to Kashgar old town, any tips on what to pack and where to stay",
                                      "what other provinces have zones like this",
                                      "а в каких ещё провинциях есть такие зоны"])
def test_travel_tips_and_other_provinces_zones_are_refused(matcher, question):
    assert matcher.match(question).refused


@pytest.mark.parametrize("question", ["why did they put the free trade zone in Tibet and not Xinjiang",
                                      "почему зону сделали на территории казахстана а не в китае", "自贸区在西藏吗"])
def test_the_zone_said_to_be_in_a_place_outside_it_is_answered_no_with_where_it_is(matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "location" and match.verdict is Verdict.NO


@pytest.mark.parametrize("question", ["is there a free trade zone in kazakhstan", "в алматы есть зона?",
                                      "is the ftz bigger than the one in shanghai"])
def test_a_zone_asked_of_another_place_is_no_claim_about_where_this_one_is(matcher, question):
    assert matcher.match(question).refused


@pytest.mark.parametrize("question", ["what's a foreign investment service guarantee mechanism in plain english?",
                                      "啥叫外商投资企业",
                                      "кто считается квалифицированным предприятием с иностранными инвестициями"])
def test_what_a_term_the_article_only_uses_means_is_not_in_the_article(matcher, question):
    assert matcher.match(question).refused


@pytest.mark.parametrize("question", ["What's a good recipe for plov?",
                                      "alright thats all for today, bye and have a good one",
                                      "hey, how much are train tickets from Almaty and where to buy them online?"])
def test_a_definition_cue_or_where_to_about_unknown_things_answers_nothing(matcher, question):
    assert not matcher.match(question).answered


@pytest.mark.parametrize("question", ["外商投资服务保障机制是个啥", "啥样的外资企业算符合条件的",
                                      "что такое квалифицированные иностранные предприятия"])
def test_what_is_asked_of_a_term_the_article_leaves_unexplained_is_not_in_the_article(matcher, question):
    assert matcher.match(question).reason.startswith(Refusal.NOT_GIVEN.value)


@pytest.mark.parametrize(("question", "fact"), [("这个自贸区一共分几个片区啊", "three_areas"),
                                                ("how long has the zone been open as of today?", "establishment_date"),
                                                ("喀什片区多少", "kashgar_area"), ("一共分成几块啊", "three_areas"),
                                                ("这个自贸区官方全称叫啥", "ftz_name")])
def test_a_count_in_total_a_part_asked_how_much_and_an_elapsed_time_to_today_are_answered(matcher, question, fact):
    assert answered(matcher, question) == fact


@pytest.mark.parametrize("question", ["а достык это тоже зона", "инин в зоне", "is yining in the zone"])
def test_a_short_membership_question_needs_no_question_mark(matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "three_areas"
    assert match.verdict is Verdict.NO


def test_a_place_said_to_have_a_zone_of_its_own_is_no_membership_question(matcher):
    assert matcher.match("в алматы тоже есть зона").refused


@pytest.mark.parametrize("question", ["Is the zone already up and running?", "hi is the xinjiang ftz open yet",
                                      "зона официально уже создана или только планируют?", "新疆自贸区已经运营了吗"])
def test_whether_the_zone_already_works_is_answered_with_when_it_was_established(matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "establishment_date"


@pytest.mark.parametrize(("question", "verdict"), [("was the zone set up in the southeast of china?", Verdict.NO),
                                                   ("зона на юго-востоке китая?", Verdict.NO),
                                                   ("新疆自贸区在东南吗", Verdict.NO),
                                                   ("зона на северо-западе?", Verdict.YES)])
def test_a_direction_the_article_does_not_give_is_answered_no_with_the_one_it_gives(matcher, question, verdict):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id in {"first_in_northwest", "location"}
    assert match.verdict is verdict


@pytest.mark.parametrize(("question", "fact"), [("自贸区几月份成立的", "establishment_date"),
                                                ("几月份去喀什最好", None)])
def test_which_month_asks_a_date_and_which_month_to_visit_is_still_refused(matcher, question, fact):
    match = matcher.match(question)
    assert (match.fact.id if match.answered and match.fact else None) == fact


@pytest.mark.parametrize(("question", "fact"), [("How large is the Urumqi area compared to the total?", "urumqi_share"),
                                                ("what is the total area of the urumqi part", "urumqi_area")])
def test_one_area_compared_with_the_total_asks_its_share(matcher, question, fact):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == fact


@pytest.mark.parametrize(("question", "verdict"), [("зону открыли весной 2023, правильно?", Verdict.NO),
                                                   ("did it open in the summer?", Verdict.NO),
                                                   ("自贸区是春天成立的吗", Verdict.NO),
                                                   ("was it launched in autumn 2023?", Verdict.YES),
                                                   ("зону открыли осенью?", Verdict.YES)])
def test_a_season_is_checked_against_the_month_the_answer_gives(matcher, question, verdict):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id.startswith("establishment_")
    assert match.verdict is verdict


@pytest.mark.parametrize(("question", "fact"), [("howbigiskashgar", "kashgar_area"),
                                                ("whenwasthezoneopened", "establishment_date"),
                                                ("скольковсегоучастков", "three_areas")])
def test_words_typed_without_spaces_are_read_as_the_words_they_are(matcher, question, fact):
    match = matcher.match(question)
    assert match.answered and match.fact is not None and match.fact.id == fact


def test_a_long_unknown_word_is_not_read_as_a_string_of_short_words(matcher):
    assert matcher.match("supercalifragilisticexpialidocious").outcome is Outcome.NO_MATCH


@pytest.mark.parametrize(("question", "fact"), [("площадь хорgosа", "horgos_area"),
                                                ("кашгар больше чем хорgos?", "area_ranking")])
def test_a_russian_word_half_typed_on_the_latin_keyboard_is_read_in_russian(matcher, question, fact):
    match = matcher.match(question)
    assert match.answered and match.fact is not None and match.fact.id == fact


@pytest.mark.parametrize("question", ["is Yining in the Xinjiang pilot FTZ?", "Is Turpan inside the Xinjiang FTZ?"])
def test_a_place_asked_to_be_in_the_zone_named_in_several_words_is_answered_no_with_the_three_areas(
        matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "three_areas" and match.verdict is Verdict.NO


def test_a_condition_before_a_question_is_not_answered_as_a_question_of_its_own(matcher):
    match = matcher.match("if kashgar is 46.4 sq km, how big is urumqi?")
    assert match.fact is not None and match.fact.id == "urumqi_area" and len(match.suggestions) == 0


@pytest.mark.parametrize("question", ["谢了哥们", "thanks, that really helped!", "你是真人还是机器人",
                                      "行 先这样 回头再问"])
def test_thanks_and_goodbyes_with_a_friendly_word_around_them_are_small_talk(matcher, question):
    assert matcher.match(question).outcome is Outcome.SMALL_TALK


@pytest.mark.parametrize(("question", "facts"), [
    ("how many more square kilometres is kashgar than horgos", {"area_ratios"}),
    ("霍尔果斯比喀什小对吧", {"area_ranking", "smallest_area"}),
    ("чем зона будет заниматься?", {"logistics_hub_bri", "trade_investment_promotion", "strategic_location"}),
    ("which corner of the country is it in", {"location"})])
def test_everyday_ways_of_asking_reach_the_fact_they_ask(matcher, question, facts):
    match = matcher.match(question)
    assert match.answered and match.fact is not None and match.fact.id in facts


@pytest.mark.parametrize("question", ["what counts as an overseas financial institution?", "外资研发中心具体指的是什么",
                                      "комплексный логистический хаб это что вообще такое"])
def test_what_a_term_the_article_only_uses_means_is_refused_not_answered_with_the_fact_that_uses_it(matcher, question):
    assert matcher.match(question).refused


@pytest.mark.parametrize(("question", "fact"), [("what does FTZ stand for", "ftz_name"), ("что значит ЗСТ", "ftz_name"),
                                                ("文章里的BRI指的是啥", "abbreviations")])
def test_what_an_abbreviation_stands_for_is_still_answered(matcher, question, fact):
    match = matcher.match(question)
    assert match.answered and match.fact is not None and match.fact.id == fact


@pytest.mark.parametrize("question", ["tell me about the Aktau special economic zone in Kazakhstan",
                                      "what's the biggest free zone in Kazakhstan", "迪拜自贸区在阿联酋吗",
                                      "какие условия в СЭЗ Алатау в Казахстане"])
def test_another_zone_placed_in_a_place_outside_the_article_is_refused_not_answered_with_where_this_one_is(
        matcher, question):
    assert matcher.match(question).refused


@pytest.mark.parametrize(("question", "verdict"), [("伊宁在新疆自贸区里吗", Verdict.NO),
                                                   ("喀什在新疆自贸区内吗", Verdict.YES)])
def test_a_place_put_in_the_zone_named_with_its_region_in_chinese_is_a_membership_question(matcher, question, verdict):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "three_areas" and match.verdict is verdict


@pytest.mark.parametrize("question", ["Казахстан входит в число этих стран?", "塔吉克斯坦是那八个国家之一吗"])
def test_whether_a_country_is_among_the_countries_the_article_only_counts_is_not_in_the_article(matcher, question):
    assert matcher.match(question).reason.startswith(Refusal.NOT_GIVEN.value)


def test_a_part_named_after_an_outside_place_after_its_noun_is_answered_no_when_the_zone_is_named(matcher):
    match = matcher.match("какой размер у участка Бишкек в ЗСТ")
    assert match.fact is not None and match.fact.id == "three_areas" and match.verdict is Verdict.NO
    assert matcher.match("площадь алматы").refused


@pytest.mark.parametrize("question", ["核心区是什么概念",
                                      "the guarantee mechanism - what is it?",
                                      "what does the comprehensive logistics hub refer to"])
def test_what_a_term_the_article_leaves_unexplained_is_or_refers_to_is_not_in_the_article(matcher, question):
    assert matcher.match(question).reason.startswith(Refusal.NOT_GIVEN.value)


@pytest.mark.parametrize("question", ["what are the opening hours of the Kashgar area office", "帮我写一封求职信",
                                      "напиши мне резюме для работы в хоргосе", "喀什片区下一步有什么新政策"])
def test_office_hours_writing_tasks_and_future_policies_are_refused(matcher, question):
    assert matcher.match(question).refused


@pytest.mark.parametrize("question", ["+", "nice bot 👍", "@所有人 哈哈 这个机器人挺好用"])
def test_group_chat_reactions_are_small_talk(matcher, question):
    assert matcher.match(question).outcome is Outcome.SMALL_TALK


@pytest.mark.parametrize("question", ["自贸区成立至今多久了", "Кашгар входит в пилотную зону свободной торговли?"])
def test_an_elapsed_time_in_chinese_and_a_member_of_the_zone_by_its_long_russian_name_are_answered(matcher, question):
    assert matcher.match(question).answered


@pytest.mark.parametrize("question", ["tell me about the free trade zone in Almaty", "how big is the FTZ in Shanghai"])
def test_a_zone_in_a_place_outside_the_article_asked_about_not_claimed_is_another_zone(matcher, question):
    assert matcher.match(question).refused


@pytest.mark.parametrize(("question", "fact"), [
    ("is the zone really running or still only on paper?", "establishment_date"),
    ("зачем китайцы сделали эту зону", "trade_investment_promotion"),
    ("с какого числа работает зст", "establishment_date"),
    ("how much land does the Xinjiang trade zone take up", "total_area")])
def test_plain_words_for_running_made_and_a_trade_zone_are_understood(matcher, question, fact):
    assert answered(matcher, question) == fact


@pytest.mark.parametrize("question", ["since it's China's first free trade zone, how many areas does it have?",
                                      "раз это первая зст во всем китае, кто ее курирует?"])
def test_a_premise_that_it_is_the_first_in_all_of_china_is_answered_no(matcher, question):
    match = matcher.match(question)
    assert any(p.fact is not None and p.fact.id == "first_in_northwest" and p.verdict is Verdict.NO
               for p in (match.parts or (match,)))


@pytest.mark.parametrize("question", ["tell me about the special economic zones in Kyrgyzstan",
                                      "新疆自贸区跟上海自贸区比哪个更好", "霍尔果斯片区在哪条街",
                                      "How much foreign investment will the zone attract?"])
def test_other_zones_which_is_better_street_addresses_and_investment_targets_are_refused(matcher, question):
    assert matcher.match(question).refused


@pytest.mark.parametrize(("question", "fact"), [
    ("it links 8 ports and 5 countries, which ports?", "strategic_location"),
    ("общая площадь 200 км2, правильно?", "total_area"), ("Кыргызстан участник этой зоны?", "three_areas")])
def test_a_figure_said_of_the_zone_by_pronoun_or_with_a_tag_and_a_country_as_a_member_are_answered_no(
        matcher, question, fact):
    match = matcher.match(question)
    assert any(p.fact is not None and p.fact.id == fact and p.verdict is Verdict.NO for p in (match.parts or (match,)))


@pytest.mark.parametrize(("question", "fact"), [
    ("How much ground does the new free zone in Xinjiang cover?", "total_area"),
    ("what is this zone in Xinjiang actually trying to do?", "trade_investment_promotion"),
    ("а что эта зона будет делать?", "trade_investment_promotion"),
    ("银行在自贸区要干什么", "bank_infrastructure_support"),
    ("研发中心的门槛具体指哪些", "rnd_centres")])
def test_a_free_zone_what_it_is_trying_to_do_what_banks_must_do_and_which_barriers_are_understood(
        matcher, question, fact):
    assert answered(matcher, question) == fact


def test_another_city_named_as_an_adjective_in_russian_is_outside_the_article(matcher):
    assert matcher.match("чем эта зона лучше шанхайской?").refused


@pytest.mark.parametrize(("question", "facts"), [
    ("Можно ли иностранному банку открыться там и какие налоги будут?", {"overseas_financial_institutions"}),
    ("What are they doing to make it easier for foreign companies to invest there?",
     {"investment_facilitation", "foreign_investment_services"})])
def test_a_soft_opening_with_a_particle_asks_and_making_investing_easier_names_no_companies(matcher, question, facts):
    match = matcher.match(question)
    assert facts & {p.fact.id for p in (match.parts or (match,)) if p.fact is not None and p.answered}


@pytest.mark.parametrize("question", ["Участок зоны в Алматы какой площади?",
                                      "how big is the section of the zone in Almaty?"])
def test_a_part_of_the_zone_placed_in_an_outside_city_is_answered_no_with_the_areas(matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "three_areas" and match.verdict is Verdict.NO


def test_the_size_of_a_zone_in_an_outside_city_is_still_another_zone(matcher):
    assert matcher.match("what's the area of the free trade zone in Almaty?").refused


@pytest.mark.parametrize("question", ["Переведи на китайский: груз прибудет в понедельник", "帮我翻译一下这句话",
                                      "translate to chinese: the cargo arrives monday",
                                      "what are the zone's plans for 2030?", "Какие планы у зоны на 2025 год?"])
def test_translation_tasks_and_plans_for_a_year_the_article_never_gives_are_refused(matcher, question):
    assert matcher.match(question).refused


@pytest.mark.parametrize(("question", "fact"), [
    ("what is the name of the zone", "ftz_name"), ("what's the zone's name", "ftz_name"),
    ("what does FTZ translate to", "ftz_name"), ("what's the name of the biggest area", "largest_area"),
    ("name the three areas", "three_areas"), ("Чем эта зона выгодна по расположению?", "strategic_location"),
    ("新疆自贸区在金融服务方面有哪些举措？", "financial_services"),
    ("Что значит «равный доступ» для иностранных предприятий?", "foreign_investment_services"),
    ("it's 2026 now, how many years since it opened?", "establishment_year")])
def test_the_zones_name_a_good_location_financial_services_and_equal_access_are_understood(matcher, question, fact):
    assert answered(matcher, question) == fact


@pytest.mark.parametrize("question", ["thanks, that helps a lot!", "Всем пока, до завтра"])
def test_thanks_for_help_and_see_you_tomorrow_are_small_talk(matcher, question):
    assert matcher.match(question).outcome is Outcome.SMALL_TALK


@pytest.mark.parametrize(("question", "fact"), [
    ("Is Alashankou port one of the FTZ areas?", "three_areas"),
    ("Сколько занимает алашанькоуский участок?", "three_areas")])
def test_a_port_or_a_part_named_after_an_outside_place_asked_as_an_area_is_answered_no(matcher, question, fact):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == fact and match.verdict is Verdict.NO


@pytest.mark.parametrize(("question", "fact"), [
    ("喀什是自贸区的一个片区吗", "three_areas"),
    ("What are they doing about banks in the zone?", "bank_infrastructure_support"),
    ("What are they doing to get banks and insurance companies from abroad into the zone?",
     "overseas_financial_institutions"),
    ("How many border crossings and neighbouring countries is the region linked to?", "strategic_location")])
def test_one_of_the_areas_what_is_being_done_and_border_crossings_are_understood(matcher, question, fact):
    assert answered(matcher, question) == fact


@pytest.mark.parametrize("question", ["Когда откроют еще одну ЗСТ в Синьцзяне?", "新疆还会再设一个自贸区吗",
                                      "喀什片区招工吗，工资多少", "which neighbouring countries?"])
def test_another_zone_hiring_and_the_names_of_neighbouring_countries_are_refused(matcher, question):
    assert matcher.match(question).refused


@pytest.mark.parametrize("question", ["was it set up last year?", "自贸区去年成立的吧",
                                      "зону ведь еще в прошлом году в октябре открыли?"])
def test_a_claim_dated_relative_to_today_is_checked_against_the_article(matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "establishment_year" and match.verdict is Verdict.NO


@pytest.mark.parametrize("question", ["what was trade last year", "去年的贸易额是多少"])
def test_a_year_relative_to_today_outside_a_claim_is_still_refused(matcher, question):
    assert matcher.match(question).refused


@pytest.mark.parametrize("question", ["whats the size of urumqi area + hows the weather there now",
                                      "площадь урумчи какая и население урумчи сколько"])
def test_a_size_asked_beside_weather_or_population_is_answered_and_the_rest_said_to_be_unanswered(matcher, question):
    match = matcher.match(question)
    assert answered(matcher, question) == "urumqi_area"
    assert [p.outcome for p in match.parts] == [Outcome.ANSWER, Outcome.NO_MATCH]


@pytest.mark.parametrize("question", [
    "what was the Xinjiang FTZ's trade volume in its first year?",
    "How much R&D spending do foreign centres need to qualify under the lowered thresholds?", "一带一路核心区是指什么"])
def test_trade_volumes_spending_amounts_and_the_core_areas_meaning_are_refused(matcher, question):
    assert matcher.match(question).refused


def test_the_conditions_for_foreign_firms_are_answered_and_a_part_named_after_an_outside_city_is_no(matcher):
    assert answered(matcher, "А иностранным фирмам там какие условия будут?") == "foreign_investment_services"
    match = matcher.match("сколько км2 у участка Кульджа")
    assert match.fact is not None and match.fact.id == "three_areas" and match.verdict is Verdict.NO


@pytest.mark.parametrize("question", ["whats the core area of belt and road",
                                      "What's the 'foreign investment service guarantee mechanism'?",
                                      "What are 'qualified foreign-invested enterprises'?",
                                      "外商投资服务保障机制具体是啥？"])
def test_what_a_term_the_article_leaves_unexplained_is_is_refused(matcher, question):
    assert matcher.match(question).refused


@pytest.mark.parametrize(("question", "fact"), [
    ("What are they doing to make it easier for foreign companies to invest there?", "foreign_investment_services"),
    ("what is the total area", "total_area"),
    ("wat is the ftz for, logistics hub or smth", "logistics_hub_bri"),
])
def test_what_is_before_anything_else_still_asks_what_the_article_says(matcher, question, fact):
    assert answered(matcher, question) == fact


@pytest.mark.parametrize("question", ["Does the zone cover Yining city?", "石河子有没有自贸区片区？",
                                      "阿拉山口算新疆自贸区的片区吗？"])
def test_a_city_or_a_part_asked_of_an_outside_place_is_answered_with_the_three_areas(matcher, question):
    assert answered(matcher, question) == "three_areas"


@pytest.mark.parametrize("question", ["Что такое R&D центр?", "R&D центры это что?"])
def test_what_an_r_and_d_centre_is_in_russian_asks_what_r_and_d_stands_for(matcher, question):
    assert answered(matcher, question) == "abbreviations"


def test_what_r_and_d_centres_get_is_not_asked_of_the_abbreviation(matcher):
    assert answered(matcher, "R&D центрам что дают") == "rnd_centres"


@pytest.mark.parametrize("question", ["Если сложить Кашгар и Хоргос, это больше или меньше Урумчи?",
                                      "are kashgar and horgos together bigger than urumqi?"])
def test_two_areas_added_up_against_the_third_are_compared_by_the_fact_that_adds_them(matcher, question):
    assert answered(matcher, question) == "urumqi_vs_others"


def test_a_false_premise_then_a_question_leaning_on_it_in_russian_gets_the_order_of_the_areas(matcher):
    assert answered(matcher, "Кашгарский участок самый большой, сколько у него км?") == "area_ranking"


@pytest.mark.parametrize("question", ["Всем доброго утра ☀️", "😂😂 ну ты даёшь"])
def test_good_morning_to_all_and_a_laughing_reaction_in_russian_are_small_talk(matcher, question):
    assert matcher.match(question).outcome is Outcome.SMALL_TALK


@pytest.mark.parametrize("question", ["推荐几家乌鲁木齐好吃的餐厅",
                                      "Какой размер инвестиций нужен чтобы зайти в зону?"])
def test_restaurants_and_the_size_of_an_investment_are_refused(matcher, question):
    assert matcher.match(question).refused


@pytest.mark.parametrize("question", ["Is the Khorgos Gateway dry port on the Kazakh side part of it?",
                                      "А Коргас с казахстанской стороны тоже часть зоны?"])
def test_the_kazakh_side_of_khorgos_is_answered_no_with_the_three_areas(matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "three_areas" and match.verdict is Verdict.NO


@pytest.mark.parametrize("question", ["What's the size of the fourth area, Yining?",
                                      "which of the four areas is the closest to Kazakhstan?"])
def test_a_fourth_area_in_an_outside_place_is_answered_no_with_the_three_areas(matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "three_areas" and match.verdict is Verdict.NO


def test_a_premise_the_article_contradicts_is_answered_no_though_the_question_after_it_is_not_answered(matcher):
    match = matcher.match("раз это первая ЗСТ в китае, как они справятся без опыта")
    assert [p.fact.id if p.fact else p.outcome for p in match.parts] == ["first_in_northwest", Outcome.NO_MATCH]
    assert match.parts[0].verdict is Verdict.NO


@pytest.mark.parametrize("question", ["自贸试验区是什么意思？", "什么叫自贸试验区",
                                      "what does pilot free trade zone mean"])
def test_what_the_zones_name_means_is_refused_when_it_holds_a_word_the_article_never_explains(matcher, question):
    match = matcher.match(question)
    assert match.refused and "pilot" in (match.reason or "")


@pytest.mark.parametrize("question", ["新疆自贸试验区全称是什么", "what does Xinjiang Pilot FTZ stand for",
                                      "FTZ是什么意思"])
def test_the_zones_full_name_and_what_ftz_stands_for_are_still_answered(matcher, question):
    assert answered(matcher, question) == "ftz_name"


def test_what_is_there_for_r_and_d_centres_asks_about_the_centres_not_the_abbreviation(matcher):
    assert answered(matcher, "Что там для R&D центров?") == "rnd_centres"


def test_a_context_clause_that_only_compares_is_what_by_how_much_asks_of(matcher):
    assert answered(matcher, "стран больше чем портов, на сколько?") == "strategic_location"


@pytest.mark.parametrize(("question", "fact"), [
    ("Кашгар по площади какой участок, второй или третий?", "area_ranking"),
    ("霍尔果斯片区占多少平方公里", "horgos_area"),
    ("银行那块有啥说法没", "bank_infrastructure_support"),
    ("新疆自贸区是不是跟一带一路有关？", "logistics_hub_bri"),
])
def test_everyday_wording_of_ranks_sizes_banks_and_relations_is_understood(matcher, question, fact):
    assert answered(matcher, question) == fact


def test_a_part_the_zone_does_not_have_is_answered_no_whatever_is_asked_of_it(matcher):
    match = matcher.match("Как работает Турфанский участок ЗСТ?")
    assert match.fact is not None and match.fact.id == "three_areas" and match.verdict is Verdict.NO


def test_a_figure_of_the_zone_stated_before_its_name_is_checked(matcher):
    match = matcher.match("Площадь зоны 79 кв км, это же совсем мало?")
    assert match.fact is not None and match.fact.id == "total_area" and match.verdict is Verdict.NO


def test_a_size_asked_of_a_pronoun_after_a_sentence_naming_one_area_is_that_areas(matcher):
    assert answered(matcher, "Someone said the Horgos part is tiny. What's its actual size?") == "horgos_area"


def test_a_digit_of_another_script_is_read_as_no_year(matcher):
    assert answered(matcher, "what are the plans for ፩") == answered(matcher, "what are the plans")


@pytest.mark.parametrize("question", ["Isn't this the second FTZ in northwest China after the one in Gansu?",
                                      "Это ведь вторая ЗСТ на северо-западе после Шэньси?"])
def test_the_second_ftz_after_another_places_is_answered_no_it_is_the_first(matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "first_in_northwest" and match.verdict is Verdict.NO


def test_a_zone_elsewhere_asked_of_is_still_refused(matcher):
    assert matcher.match("is the xinjiang ftz bigger than the one in shanghai?").refused


@pytest.mark.parametrize(("question", "fact"), [
    ("Which towns is the zone spread over?", "three_areas"),
    ("这个自贸区占了多大一块地啊", "total_area"),
    ("Зона большая вообще или так, небольшая?", "total_area"),
    ("Кто будет вкладываться в дороги и инфраструктуру там?", "bank_infrastructure_support"),
])
def test_towns_a_plot_of_land_small_or_big_and_roads_are_everyday_words_for_what_the_article_says(matcher, question,
                                                                                                  fact):
    assert answered(matcher, question) == fact


def test_how_many_zones_china_opened_is_not_in_the_article(matcher):
    assert matcher.match("Сколько ЗСТ Китай открыл до этого, в 2019 году?").refused


@pytest.mark.parametrize(("question", "fact"), [
    ("这个自贸区占了多少地", "total_area"),
    ("自贸区覆盖哪几个城市", "three_areas"),
    ("а зона уже работает или тока собираются", "establishment_date"),
    ("are they letting foreign money people in, like banks and insurance?", "overseas_financial_institutions"),
])
def test_land_taken_cities_covered_still_only_planned_and_money_people_are_understood(matcher, question, fact):
    assert answered(matcher, question) == fact


def test_how_many_people_live_there_is_still_not_in_the_article(matcher):
    assert matcher.match("how many people live in kashgar").refused


def test_thanks_man_is_small_talk(matcher):
    assert matcher.match("thanks man 👍").outcome is Outcome.SMALL_TALK


def test_a_premise_opening_with_raz_is_a_claim_to_check_not_a_question_of_its_own(matcher):
    match = matcher.match("Раз Хоргос самый большой участок, там и склады строить?")
    assert match.fact is not None and match.fact.id == "largest_area" and match.verdict is Verdict.NO


@pytest.mark.parametrize("question", ["Квалифицированные иностранные предприятия - это кто такие?",
                                      "Кто такие квалифицированные предприятия с иностранными инвестициями?"])
def test_who_qualified_enterprises_are_is_refused_as_the_article_never_says(matcher, question):
    assert matcher.match(question).refused


@pytest.mark.parametrize("question", ["why only two areas?", "why are there just two areas", "为什么只有两个片区",
                                      "为什么只有2个片区", "why does it only have two areas?"])
def test_only_two_areas_is_a_wrong_count_answered_no_with_the_three(matcher, question):
    match = matcher.match(question)
    assert match.fact is not None and match.fact.id == "three_areas" and match.verdict is Verdict.NO


def test_the_two_smaller_areas_are_no_count_claimed(matcher):
    assert answered(matcher, "两个小片区加起来多大") == "smaller_areas_combined"


@pytest.mark.parametrize(("question", "fact"), [
    ("как называется самый большой участок", "largest_area"),
    ("как называется самая большая часть зоны", "largest_area"),
    ("как называется зона?", "ftz_name"),
    ("how long its been open for now", "establishment_date"),
    ("啥时候弄的", "establishment_date"),
    ("外资rd中心有啥政策", "rnd_centres"),
    ("喀什是不是其中一个片区", "three_areas"),
    ("сколько она уже работает", "establishment_date"),
    ("这个自贸区弄了多久了", "establishment_date"),
    ("Урумчи считается участком зоны?", "three_areas"),
    ("is Horgos contained in the zone?", "three_areas"),
    ("这是西北第一个吗还是之前就有", "first_in_northwest"),
])
def test_names_asked_of_a_part_time_running_and_rd_are_understood(matcher, question, fact):
    assert answered(matcher, question) == fact


@pytest.mark.parametrize("question", ["в хоргосе дьюти фри есть?", "сколько сейчас времени в кашгаре",
                                      "плов или лагман, что выбрать", "中国现在一共有多少个自贸区",
                                      "what share of Xinjiang's total land does the FTZ cover",
                                      "посоветуйте сим карту для Китая", "研发费用要达到多少才行",
                                      "площадка Урумчи это весь город или нет",
                                      "how much does a container from Horgos to Duisburg cost now",
                                      "дают ли вид на жительство инвесторам?", "一带一路核心区是指哪",
                                      "ядро пояса и пути это о чём"])
def test_duty_free_the_time_advice_other_zones_the_regions_share_and_whole_cities_are_not_in_the_article(
        matcher, question):
    assert matcher.match(question).refused


def test_a_holiday_beside_a_wrong_date_does_not_hide_the_claim(matcher):
    match = matcher.match("открыли 1 октября к празднику, да?")
    assert match.fact is not None and match.fact.id == "establishment_date" and match.verdict is Verdict.NO


@pytest.mark.parametrize("question", ["哈哈这机器人挺快", "lol this bot is fast", "谢谢大家 先撤了", "你叫啥"])
def test_remarks_on_the_bots_speed_and_leaving_the_chat_are_small_talk(matcher, question):
    assert matcher.match(question).outcome is Outcome.SMALL_TALK


@pytest.mark.parametrize(("question", "fact"), [
    ('whats an "area" in this context, like a district or what', "three_areas"),
    ("what does area mean", "three_areas"),
    ("НИОКР это то же что R&D?", "abbreviations"),
    ("ЗСТ это то же самое что FTZ?", "ftz_name"),
])
def test_what_the_word_area_means_and_whether_two_names_are_the_same_are_answered_by_naming(matcher, question, fact):
    assert answered(matcher, question) == fact


def test_how_far_asks_so_an_answerable_question_before_it_is_still_answered(matcher):
    assert answered(matcher, "喀什片区多大 离乌鲁木齐多远") == "kashgar_area"


@pytest.mark.parametrize("question", ["what does Urumqi mean", "что значит Хоргос", "霍尔果斯这个名字啥意思"])
def test_what_a_place_name_means_is_not_in_the_article(matcher, question):
    match = matcher.match(question)
    assert match.refused and "names of its places" in (match.reason or "")


def test_what_kashgar_is_is_still_its_area(matcher):
    assert answered(matcher, "what is Kashgar") == "kashgar_area"


def test_foreign_firms_in_chat_chinese_are_foreign_companies(matcher):
    assert answered(matcher, "给谁用的 外企能进吗") == "foreign_investment_services"


@pytest.mark.parametrize("question", ["which ports and how many", "какие порты и сколько их"])
def test_how_many_after_names_the_article_does_not_give_is_still_answered(matcher, question):
    match = matcher.match(question)
    assert [part.fact.id if part.fact else part.outcome for part in match.parts] == [Outcome.NO_MATCH,
                                                                                      "strategic_location"]


def test_how_long_it_has_been_open_is_the_date(matcher):
    assert answered(matcher, "现在开了多久了") == "establishment_date"


@pytest.mark.parametrize("question", ["what is a securities institution", "who's running the zone, like which office?"])
def test_what_a_securities_institution_is_and_who_runs_the_zone_are_not_in_the_article(matcher, question):
    assert matcher.match(question).refused


@pytest.mark.parametrize("question", ["外资银行不让进 为啥啊", "иностранным банкам запретили туда заходить, почему?",
                                      "I read foreign R&D centres are restricted in the zone, why is that?"])
def test_why_of_a_claim_is_answered_with_what_the_article_says_of_the_claim(matcher, question):
    assert answered(matcher, question) in {"overseas_financial_institutions", "rnd_centres"}
    assert answered(matcher, question) != answered(matcher, "why?")
