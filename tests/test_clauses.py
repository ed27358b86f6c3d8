"""Cutting a message into clauses: where a run-on message's question starts and ends."""

from __future__ import annotations

import pytest

from bot.clauses import is_yes_no, message_clauses, premise_of
from bot.knowledge import FactBase
from bot.text import fold


def clauses_of(fact_base: FactBase, message: str) -> list[tuple[str, bool]]:
    return [(c.text, c.asks) for c in message_clauses(fold(message), fact_base.lexicon.clauses)]


def test_a_run_on_question_starts_at_its_opener_and_ends_before_its_closer(fact_base):
    message = ("всем привет я из оша у нас бизнес вот хотел спросить кашгарский участок он большой сколько там км2 "
               "а то отец спрашивает")
    assert clauses_of(fact_base, message) == [
        ("всем привет я из оша у нас бизнес вот", False),
        ("хотел спросить кашгарский участок он большой сколько там км2", True),
        ("а то отец спрашивает", False)]


def test_an_opener_with_nothing_after_it_asks_nothing_of_its_own(fact_base):
    assert ("хотел узнать", False) in clauses_of(fact_base, "всем привет! хотел узнать, когда открыли зону?")


def test_an_english_run_on_is_cut_the_same_way(fact_base):
    message = "preparing slides for a meeting tomorrow and i only need the size of the kashgar part coz my boss asked"
    assert clauses_of(fact_base, message) == [
        ("preparing slides for a meeting tomorrow and", False),
        ("i only need the size of the kashgar part", True),
        ("coz my boss asked", False)]


@pytest.mark.parametrize(("question", "yes_no"), [("was it set up in 2023 or 2024", False),
                                                  ("это больше про грузы или про деньги", False),
                                                  ("是2023年还是2024年成立的", False),
                                                  ("is it the first or not", True),
                                                  ("урумчи больше трех четвертей или меньше", True),
                                                  ("хотан тоже в зону попал или нет", True)])
def test_a_choice_between_two_things_asks_which_not_yes_or_no(fact_base, question, yes_no):
    assert is_yes_no(question, fact_base.lexicon.clauses, question_mark=True) is yes_no


@pytest.mark.parametrize(("question", "yes_no"), [("правда что зона больше 170 кв км", True),
                                                  ("верно ли что зону открыли в 2024", True),
                                                  ("is what they said true", True),
                                                  ("что правда в статье", False),
                                                  ("what is true about the zone", False)])
def test_a_question_word_after_a_yes_no_word_joins_a_claim_to_it(fact_base, question, yes_no):
    assert is_yes_no(question, fact_base.lexicon.clauses) is yes_no


def test_when_it_comes_to_asks_nothing_but_when_did_it_open_asks(fact_base):
    assert clauses_of(fact_base, "when it comes to belt and road") == [("when it comes to belt and road", False)]
    assert clauses_of(fact_base, "when did it open") == [("when did it open", True)]


def test_so_that_holds_a_question_word_but_starts_no_question(fact_base):
    message = "какие именно облегчения обещают по расходам так что любая инфа пригодится"
    assert clauses_of(fact_base, message) == [(message, True)]


def test_i_need_opens_the_question_after_who_writes(fact_base):
    message = "привет я журналист в астане пишу заметку мне нужно одним предложением чем зона поможет"
    assert clauses_of(fact_base, message) == [("привет я журналист в астане пишу заметку", False),
                                              ("мне нужно одним предложением чем зона поможет", True)]


def test_or_not_asks_without_a_question_mark_and_almost_like_asks_nothing(fact_base):
    assert clauses_of(fact_base, "по площади он больше кашгара или нет") == [
        ("по площади он больше кашгара или нет", True)]
    assert clauses_of(fact_base, "шеф говорит что хоргос почти как урумчи по размеру") == [
        ("шеф говорит что хоргос почти как урумчи по размеру", False)]


def test_a_request_to_be_told_two_things_is_cut_into_two_questions(fact_base):
    assert clauses_of(fact_base, "could you tell me its total area and the date it was established") == [
        ("could you tell me its total area", True), ("and the date it was established", True)]


def test_a_chinese_clause_ending_with_a_tag_like_bu_asks_as_a_question_mark_would(fact_base):
    assert clauses_of(fact_base, "霍尔果斯多大 另外外资保险公司能进去不") == [
        ("霍尔果斯多大", True), ("另外外资保险公司能进去不", True)]
    assert is_yes_no("外资保险公司能进去不", fact_base.lexicon.clauses)


def test_a_chinese_a_not_a_question_asks_as_a_question_mark_would(fact_base):
    assert clauses_of(fact_base, "乌鲁木齐片区多大啊 顺便问下乌鲁木齐现在冷不冷") == [
        ("乌鲁木齐片区多大啊", True), ("顺便问下乌鲁木齐现在冷不冷", True)]
    assert is_yes_no("喀什远不远", fact_base.lexicon.clauses)


def test_a_condition_asks_nothing_of_its_own_but_if_possible_still_asks_of_what_came_before(fact_base):
    assert clauses_of(fact_base, "if kashgar is 46.4 sq km, how big is urumqi") == [
        ("if kashgar is 46.4 sq km", False), ("how big is urumqi", True)]
    assert clauses_of(fact_base, "i need the date, and if possible") == [("i need the date", False),
                                                                        ("and if possible", True)]


@pytest.mark.parametrize(("clause", "claim"), [("since it opened in 2013", "it opened in 2013"),
                                               ("раз уж это вторая зст", "это вторая зст"),
                                               ("既然有四个片区", "有四个片区"), ("sincere thanks", None)])
def test_a_premise_cue_gives_the_claim_the_clause_takes_for_granted(fact_base, clause, claim):
    assert premise_of(clause, fact_base.lexicon.clauses) == claim


def test_an_english_word_ending_in_a_reporting_word_reports_nothing(fact_base):
    clauses = message_clauses(fold("for a school essay: why was the zone created?"), fact_base.lexicon.clauses)
    assert [c.asks for c in clauses] == [False, True]


def test_a_soft_opening_followed_by_a_particle_asks_beside_a_later_question(fact_base):
    assert clauses_of(fact_base, "можно ли иностранному банку открыться там и какие налоги будут?") == [
        ("можно ли иностранному банку открыться там", True), ("какие налоги будут", True)]


def test_a_second_question_whose_question_word_comes_last_is_cut_at_its_joiner(fact_base):
    assert clauses_of(fact_base, "площадь урумчи какая и население урумчи сколько") == [
        ("площадь урумчи какая", True), ("население урумчи сколько", True)]
    assert clauses_of(fact_base, "kashgar + horgos how big together") == [("kashgar + horgos how big together", True)]


@pytest.mark.parametrize(("clause", "asks_what_is"), [
    ("what's the core area of the belt and road?", True),
    ("what are 'qualified foreign-invested enterprises'?", True),
    ("外商投资服务保障机制是什么", True),
    ("what are they doing for foreign companies?", False),
    ("what's in it for us?", False),
    ("so what is the core area", False),
])
def test_a_clause_asks_what_a_thing_is_when_it_opens_with_what_is_the_or_ends_in_chinese(fact_base, clause,
                                                                                          asks_what_is):
    found = fact_base.lexicon.clauses.what_is_pattern.search(fold(clause))
    assert (found is not None) is asks_what_is


@pytest.mark.parametrize("message", ["sorry if this is a basic one. is the zone big?",
                                     "извините если не по теме. зона большая?"])
def test_an_apology_with_if_asks_nothing(fact_base, message):
    assert [asks for _, asks in clauses_of(fact_base, message)] == [False, True]


def test_than_after_a_comparative_in_russian_starts_no_second_question(fact_base):
    assert clauses_of(fact_base, "на сколько кв км урумчи больше чем кашгар и хоргос вместе?") == [
        ("на сколько кв км урумчи больше чем кашгар и хоргос вместе", True)]


def test_a_question_word_after_a_preposition_starts_no_second_question(fact_base):
    assert clauses_of(fact_base, "what's so special about where this zone is located?") == [
        ("what's so special about where this zone is located", True)]


def test_a_contracted_question_word_after_and_starts_a_second_question(fact_base):
    assert clauses_of(fact_base, "what's the point of the zone and who's in charge of running it?") == [
        ("what's the point of the zone", True), ("who's in charge of running it", True)]


@pytest.mark.parametrize("clause", ["urumqi is the biggest area isn't it", "it opened in 2022 didn't it",
                                    "it opened in 2022 didnt it"])
def test_a_tag_with_an_apostrophe_asks_yes_or_no(fact_base, clause):
    assert is_yes_no(clause, fact_base.lexicon.clauses)
