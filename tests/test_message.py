"""Reading a whole message: the questions inside it found, each answered, and the answers combined in order."""

from __future__ import annotations

import pytest

from bot.match import Outcome, Refusal, Verdict
from bot.matcher import Matcher
from bot.message import read_message


def test_a_message_is_read_the_same_through_the_matcher_and_on_its_own(matcher: Matcher):
    message = "hi all, how big are kashgar and horgos? and when did it open?"
    assert read_message(matcher, message) == matcher.match(message)
    assert [p.fact.id for p in matcher.match(message).parts] == ["kashgar_area", "horgos_area", "establishment_date"]


def test_a_question_with_an_answer_of_its_own_keeps_it_after_a_clause_naming_a_city(matcher):
    match = matcher.match("我在乌鲁木齐做外贸好几年了，听说自贸区对外资研发中心放宽门槛，具体放宽了哪几方面")
    assert match.fact.id == "rnd_centres" and not match.parts


def test_a_place_asked_to_be_on_a_list_the_article_does_not_give_is_refused_like_the_list(matcher):
    assert matcher.match("which 8 countries? is kazakhstan on the list?").refused
    assert matcher.match("8 стран это какие? казахстан в списке есть?").refused
    match = matcher.match("what is the population of horgos? is yining part of it?")  # a membership of its own
    assert [p.fact.id if p.answered else None for p in match.parts] == [None, "three_areas"]


@pytest.mark.parametrize("question", ["how big are Kashgar and Horgos?", "kashgar area size horgos area size",
                                      "喀什和霍尔果斯各多大", "площадь кашгара площадь хоргоса"])
def test_the_sizes_of_two_areas_are_answered_area_by_area_in_the_order_asked(matcher, question):
    match = matcher.match(question)
    assert [p.fact.id for p in match.parts] == ["kashgar_area", "horgos_area"]


@pytest.mark.parametrize(("question", "fact"), [("is Kashgar bigger than Horgos?", "area_ranking"),
                                                ("how big are urumqi, kashgar and horgos", "area_ranking"),
                                                ("kashgar and horgos together", "smaller_areas_combined")])
def test_two_areas_compared_added_up_or_all_three_named_get_the_one_fact_that_relates_them(matcher, question, fact):
    match = matcher.match(question)
    assert match.fact.id == fact and not match.parts


def test_a_yes_no_question_in_words_the_bot_cannot_read_is_said_unanswered_beside_the_answer(matcher):
    match = matcher.match("urumqi size? is there a bonded warehouse?")
    assert [p.fact.id if p.answered else p.outcome for p in match.parts] == ["urumqi_area", Outcome.NO_MATCH]
    for message in ("how big is horgos, can you tell?", "how big is horgos, any idea?"):
        assert matcher.match(message).fact.id == "horgos_area" and not matcher.match(message).parts, message


def test_a_list_of_short_things_asked_without_question_words_is_answered_item_by_item(matcher):
    match = matcher.match("hey, quick qs: total area, number of regions, largest region")
    assert [p.fact.id for p in match.parts] == ["total_area", "three_areas", "largest_area"]
    assert not matcher.match("im from almaty, we trade tea, total area pls").parts  # context is no item


def test_a_russian_pronoun_after_an_answer_in_the_same_message_means_the_place_answered(matcher):
    match = matcher.match("из каких трех участков состоит зона, какой самый большой и какая у него доля")
    assert [p.fact.id for p in match.parts] == ["three_areas", "largest_area", "urumqi_share"]


@pytest.mark.parametrize("question", ["what share are kashgar and horgos", "сколько процентов у кашгара и у хоргоса"])
def test_the_shares_of_two_areas_are_answered_area_by_area(matcher, question):
    assert [p.fact.id for p in matcher.match(question).parts] == ["kashgar_share", "horgos_share"]


def test_every_attribute_listed_before_a_question_is_answered_in_order(matcher):
    match = matcher.match("kashgar size, horgos size, and which is smaller")
    assert [p.fact.id for p in match.parts] == ["kashgar_area", "horgos_area", "smallest_area"]


@pytest.mark.parametrize("question", ["when did it start and when will construction be done",
                                      "kogda otkryli zonu i kto eyu upravlyaet"])
def test_a_second_question_the_article_does_not_answer_is_said_so_beside_the_answer(matcher, question):
    match = matcher.match(question)
    assert [p.fact.id if p.answered else None for p in match.parts] == ["establishment_date", None]


def test_an_apology_before_a_question_does_not_hide_it(matcher):
    match = matcher.match("Sorry if this was asked already but when exactly did the Xinjiang free trade zone start?")
    assert match.fact.id == "establishment_date" and not match.parts


@pytest.mark.parametrize(("question", "parts"), [
    ("自贸区谁管理 面积多大", [None, "total_area"]),  # 谁 (who) asks, and the article does not say
    ("урумчи сколько км2 и это самый большой участок?", ["urumqi_area", "largest_area"]),
    ("urumqi vs kashgar, whats the ratio", []),  # the areas side by side are what the question is about
])
def test_each_question_of_a_message_is_found_in_chinese_and_russian_too(matcher, question, parts):
    assert [p.fact.id if p.answered else None for p in matcher.match(question).parts] == parts


@pytest.mark.parametrize("question", ["total area of urumqi, kashgar and horgos", "sizes of urumqi, kashgar, horgos"])
def test_places_listed_after_commas_end_the_question_they_began(matcher, question):
    match = matcher.match(question)
    assert match.fact.id == "area_ranking" and not match.parts


def test_a_clause_opening_with_if_belongs_to_the_question_before_it(matcher):
    match = matcher.match("мы страховая из Казахстана. приветствуется ли, если мы как зарубежная страховая откроем "
                          "подразделение в Синьцзянской ЗСТ?")
    assert match.fact.id == "overseas_financial_institutions" and not match.parts


def test_a_figure_asked_after_a_refused_question_is_part_of_that_refusal(matcher):
    match = matcher.match("клиенты спрашивают снижены ли пошлины на ввоз товаров и на сколько процентов, "
                          "в статье есть что-то")
    assert match.outcome is Outcome.NO_MATCH and match.refused and not match.parts


def test_it_after_a_remark_naming_one_area_is_that_area(matcher):
    match = matcher.match("someone said the khorgos area is tiny, how many sq km is it")
    assert match.fact.id == "horgos_area"


def test_a_place_in_the_context_before_a_request_is_only_what_a_question_leaning_on_it_asks_about(matcher):
    match = matcher.match("Hello! I'm a master's student writing my thesis on BRI. Could you tell me how big the "
                          "Xinjiang pilot FTZ is in total? Much appreciated")
    assert match.fact.id == "total_area"
    match = matcher.match("доброе утро группа. логистика у нас через хоргас, интересно сколько места там отвели под "
                          "зону, вроде немного")
    assert match.fact.id == "horgos_area"


def test_a_request_that_says_nothing_before_the_question_leaves_no_unanswered_part(matcher):
    match = matcher.match("всем салют, я диспетчер, весь день на телефоне. скажите коротко - какой участок самый "
                          "большой?")
    assert match.fact.id == "largest_area" and not match.parts


@pytest.mark.parametrize("message", ["Кашгарский участок самый большой, 134,6 км², да?",
                                     "quick sanity check: Urumqi 134.6, Kashgar 28.48, Horgos 16.58 sq km - right?"])
def test_a_tag_after_a_claim_in_clauses_checks_the_whole_claim(matcher, message):
    match = matcher.match(message)
    assert match.fact.id in ("largest_area", "area_ranking") and not match.parts


def test_a_clause_opening_with_than_goes_on_with_the_comparison_before_it(matcher):
    match = matcher.match("Урумчи больше, чем Кашгар и Хоргос вместе взятые? На сколько?")
    assert match.parts[0].fact.id == "urumqi_vs_others"


@pytest.mark.parametrize(("message", "fact"), [("喀什片区比霍尔果斯片区大吗？", "area_ranking"),
                                               ("what happens with banks over there", "bank_infrastructure_support"),
                                               ("а смысл всего этого какой?", "trade_investment_promotion")])
def test_everyday_comparisons_and_asides_in_three_languages(matcher, message, fact):
    assert matcher.match(message).fact.id == fact


def test_a_russian_question_opened_by_a_particle_after_a_joiner_is_a_second_question(matcher):
    match = matcher.match("скока участков в зст и надо ли визу для работы там")
    assert [p.fact.id if p.answered else p.outcome for p in match.parts] == ["three_areas", Outcome.NO_MATCH]


@pytest.mark.parametrize("message", [
    "коллеги переслали новость что синьцзянская зона соединяет 5 портов и 8 стран а что за порты там не написано?",
    "I read that the zone links 5 ports, which ones?"])
def test_what_someone_forwarded_is_context_and_the_names_asked_of_it_are_refused(matcher, message):
    match = matcher.match(message)
    assert match.refused and not match.parts


def test_who_asks_is_context_and_the_question_starts_at_its_question_word(matcher):
    match = matcher.match("Hey, I'm a student in Almaty, my classmates keep asking me about this 😂 what's the role of "
                          "banks in the FTZ according to the news?")
    assert match.fact.id == "bank_infrastructure_support"


@pytest.mark.parametrize(("message", "fact_id"), [
    pytest.param("if you take urumqi out, how much is left?", "smaller_areas_combined",
                 id="an if clause opening the sentence goes with the question after it"),
    pytest.param("Could you rank the three areas of the zone by size, biggest first? Need it for a slide.",
                 "area_ranking",
                 id="a remark after a question asked with a question mark asks nothing"),
    pytest.param("我是做中亚贸易的 跑了十几年了 具体是几个口岸几个国家", "strategic_location",
                 id="a dozen or so years in Chinese asks nothing"),
    pytest.param("коллега сказал что зона соединяет какие-то порты и страны, сколько их там?", "strategic_location",
                 id="what a colleague said is context and how many picks from it"),
    pytest.param("yo. need this for a quiz night tomorrow haha - total area of xinjiang's free trade zone?",
                 "total_area",
                 id="a soft opening before a dash and the question asks nothing"),
    pytest.param("just curious, if you take urumqi out, how much is left?", "smaller_areas_combined",
                 id="an if clause after a remark goes with the question after it"),
    pytest.param("hello 请问霍尔果斯是不是自贸区的一部分 我们公司在那边有业务", "three_areas",
                 id="a remark after a Chinese question about who asks does not dilute it"),
    pytest.param("добрый вечер! студентка КазНУ. подскажите что в статье сказано про Пояс и путь", "logistics_hub_bri",
                 id="the one question of a message names only its topic"),
    pytest.param("салам алейкум я торгую на барахолке в бишкеке товар вожу из китая скажите проще чем эта зона поможет "
                 "таким как я", "trade_investment_promotion",
                 id="in a run-on message the question starts at the question word after 'tell me'"),
])
def test_the_one_question_of_a_message_is_answered_alone(matcher, message, fact_id):
    match = matcher.match(message)
    assert match.fact.id == fact_id and not match.parts


@pytest.mark.parametrize(("message", "fact"), [
    ("всем привет я из оша у нас семейный бизнес сухофрукты везем в кашгар вот хотел спросить кашгарский участок "
     "зоны он большой или так себе сколько там км2 а то отец спрашивает а я не знаю", "kashgar_area"),
    ("hi quick one, preparing slides for a meeting tomorrow morning and i only need the size of the kashgar part",
     "kashgar_area"),
    ("老板们好 主要跑霍尔果斯口岸 想问下新疆自贸区是哪天正式挂牌的啊 我们这边有人说是去年", "establishment_date")])
def test_the_question_of_a_run_on_message_is_answered_whatever_its_story_says(matcher, message, fact):
    assert matcher.match(message).fact.id == fact


def test_a_question_with_a_pronoun_asks_what_the_clause_before_it_said_of_more(matcher):
    message = ("Someone at a conference told me the Xinjiang zone makes things easier for foreign research centres. "
               "What exactly do they make easier?")
    assert matcher.match(message).fact.id == "rnd_centres"


@pytest.mark.parametrize(("message", "fact"), [("кто из городов самый жирный кусок отхватил", "largest_area"),
                                               ("а иностранцам туда можно или тока китайцам",
                                                "foreign_investment_services")])
def test_everyday_russian_for_the_biggest_share_and_equal_access(matcher, message, fact):
    assert matcher.match(message).fact.id == fact


@pytest.mark.parametrize(("message", "fact"), [
    ("my friend says the zone has 4 areas, I say 3. who's right?", "three_areas"),
    ("hi bot, my friend and I are arguing: he says the Urumqi part is more than half of the whole zone, I say less. "
     "who's right? 😂 we're both in logistics in bishkek btw", "urumqi_share"),
    ("пока грузились мужики спорили, одни говорят зону открыли в ноябре, другие что в октябре. кто прав?",
     "establishment_date")])
def test_who_is_right_asks_about_the_claims_before_it_and_gets_no_yes_or_no(matcher, message, fact):
    match = matcher.match(message)
    assert match.fact is not None and match.fact.id == fact
    assert match.verdict is None


def test_who_is_right_about_something_the_article_does_not_say_is_refused(matcher):
    assert matcher.match("he says hainan has a bigger ftz than this one, I say no. who's right?").refused


@pytest.mark.parametrize(("message", "fact"), [
    ("as for banks, what are they asked to do?", "bank_infrastructure_support"),
    ("про хоргос: сколько там км2?", "horgos_area"),
    ("my supervisor asked what the zone is supposed to support when it comes to belt and road. what does the news "
     "say?", "logistics_hub_bri")])
def test_a_clause_naming_the_topic_says_what_the_question_after_it_is_about(matcher, message, fact):
    match = matcher.match(message)
    assert match.fact is not None and match.fact.id == fact


@pytest.mark.parametrize("message", ["we trade in Yining. is that in the zone?",
                                     "мы торгуем в кульдже, это входит в зону?",
                                     "we ship through Dostyk. is it in the FTZ?"])
def test_is_that_in_the_zone_asks_about_the_place_named_before_it(matcher, message):
    match = matcher.match(message)
    assert match.fact is not None and match.fact.id == "three_areas"
    assert match.verdict is Verdict.NO


@pytest.mark.parametrize("message", ["спасибо большое выручили 🙏 хорошего дня", "ладно, хорошего вечера", "u a bot?",
                                     "what languages do you speak?", "you're useless lol", "тупой бот"])
def test_thanks_goodbyes_and_questions_about_the_bot_in_chat_words_are_small_talk(matcher, message):
    assert matcher.match(message).outcome is Outcome.SMALL_TALK


@pytest.mark.parametrize("message", ["since horgos is the largest part, how big is it exactly",
                                     "хоргос самый большой участок, сколько он?",
                                     "霍尔果斯片区作为面积最大的片区，有多少平方公里"])
def test_a_size_asked_on_a_false_claim_of_the_largest_gets_the_areas_in_order(matcher, message):
    match = matcher.match(message)
    assert match.fact is not None and match.fact.id == "area_ranking"


def test_a_size_asked_of_the_area_that_is_the_largest_gets_it(matcher):
    assert matcher.match("how big is urumqi, the largest area").fact.id in {"largest_area", "urumqi_area"}


def test_the_words_opening_a_run_on_question_and_apologies_around_it_never_dilute_it(matcher):
    message = ("ребята всем привет давно в этом чате сижу но пишу впервые работаю экспедитором в актобе и вот такой "
               "вопрос эта синьцзянская зона она больше для торговли или для инвестиций или для всего сразу "
               "как вы поняли извиняюсь если уже обсуждали")
    assert matcher.match(message).fact.id == "trade_investment_promotion"


def test_a_question_too_weak_on_its_own_is_read_with_the_claim_before_it(matcher):
    message = ("мы маленькая фирма думаем открыть лабораторию и нам сказали что в зоне для иностранных научных центров "
               "есть поблажки какие именно облегчения там обещают по расходам или по оборудованию мы пока только "
               "прикидываем")
    assert matcher.match(message).fact.id == "rnd_centres"


def test_the_context_before_a_question_never_makes_an_answer_the_question_did_not_lean_to(matcher):
    assert not matcher.match("i run a trucking firm and we go through horgos a lot. any advice?").answered


@pytest.mark.parametrize(("message", "fact"), [
    ("я студент третьего курса пишу курсовую про зону сколько там участков", "three_areas"),
    ("привет я журналист в астане пишу заметку мне нужно одним предложением чем зона поможет иностранным "
     "исследовательским центрам", "rnd_centres"),
    ("kashgar part how much km", "kashgar_area")])
def test_who_writes_and_bare_units_never_hide_the_question(matcher, message, fact):
    assert matcher.match(message).fact.id == fact


@pytest.mark.parametrize("message", ["how many km is kashgar from the border", "какой курс юаня в зоне"])
def test_a_distance_or_an_exchange_rate_is_still_refused(matcher, message):
    assert matcher.match(message).reason.startswith(Refusal.NOT_GIVEN.value)


@pytest.mark.parametrize("message", ["will the zone expand to other cities",
                                     "сколько земли ещё добавят к зоне, расширять её планируют или нет",
                                     "新疆自贸区以后会扩区吗"])
def test_plans_to_enlarge_the_zone_are_not_in_the_article(matcher, message):
    assert matcher.match(message).reason.startswith(Refusal.NOT_GIVEN.value)


def test_zones_before_this_one_are_not_in_the_article_unless_asked_of_the_northwest(matcher):
    assert matcher.match("how many zones did china set up before this one").reason.startswith(
        Refusal.NOT_GIVEN.value)
    assert matcher.match("was there an FTZ in China's northwest before this one?").fact.id == "first_in_northwest"


def test_a_good_spot_asks_what_is_strategic_about_the_location(matcher):
    assert matcher.match("why is xinjiang a good spot for an ftz").fact.id == "strategic_location"


def test_the_languages_spoken_in_a_place_are_still_not_in_the_article(matcher):
    assert matcher.match("what languages are spoken in kashgar").reason.startswith(Refusal.NOT_GIVEN.value)


@pytest.mark.parametrize("message", ["what does the urumqi area specialise in?",
                                     "what industries are in the kashgar area?",
                                     "when did the state council approve the zone?", "喀什片区主要发展什么产业",
                                     "на какой отрасли специализируется хоргос", "喀什片区租金多少",
                                     "研发中心要多少人才能入驻"])
def test_industries_rents_headcounts_and_who_approved_the_zone_are_not_in_the_article(matcher, message):
    assert matcher.match(message).reason.startswith(Refusal.NOT_GIVEN.value)


def test_xinjiangs_first_ftz_is_still_answered_with_its_date(matcher):
    assert matcher.match("when was xinjiang's first FTZ launched?").fact.id == "establishment_date"


@pytest.mark.parametrize(("message", "corrected", "asked"), [
    ("since the zone was set up back in 2019, how has it grown?", {"establishment_date", "establishment_year"},
     "economic_growth"),
    ("раз это уже вторая ЗСТ на северо-западе, где она находится?", {"first_in_northwest", "overview"},
     "location"),
    ("since it opened in 2021, how has it grown?", {"establishment_date", "establishment_year"}, "economic_growth"),
    ("my friend says the zone covers like 500 sq km, how is that split between the cities?", {"total_area"},
     "three_areas"),
    ("he said kashgar is the biggest, how big is urumqi", {"largest_area", "area_ranking"}, "urumqi_area"),
    ("after they set the zone up in Gansu, how big is it?", {"location"}, "total_area"),
    ("the zone is 500 sq km, how big is urumqi", {"total_area"}, "urumqi_area"),
    ("я слышал что зону открыли в 2021, а какая у неё площадь", {"establishment_date", "establishment_year"},
     "total_area")])
def test_a_premise_the_article_contradicts_is_answered_no_before_the_question(matcher, message, corrected, asked):
    match = matcher.match(message)
    first, *rest = match.parts
    assert first.fact is not None and first.fact.id in corrected and first.verdict is Verdict.NO
    assert [p.fact.id for p in rest if p.fact is not None] == [asked]


@pytest.mark.parametrize(("message", "fact"), [("since the zone opened in 2023, how big is it?", "total_area"),
                                               ("my boss says the zone is great, how big is it", "total_area"),
                                               ("we moved to the zone in 2019, how big is it", "total_area"),
                                               ("since our firm opened in 2019, when did the zone open?",
                                                "establishment_date")])
def test_a_premise_the_article_confirms_or_one_not_about_the_zone_is_not_answered(matcher, message, fact):
    match = matcher.match(message)
    assert match.fact is not None and match.fact.id == fact and match.verdict is None and not match.parts


def test_a_size_asked_with_no_pronoun_after_a_clause_naming_one_area_and_its_size_is_that_areas(matcher):
    match = matcher.match("朋友一直问喀什片区的面积，多少平方公里")
    assert match.fact is not None and match.fact.id == "kashgar_area"


@pytest.mark.parametrize("question", ["механизм гарантий — это что такое?",
                                      "the core area of the belt and road, what is it?"])
def test_what_it_is_asked_of_the_clause_before_reads_that_clause(matcher, question):
    assert matcher.match(question).reason.startswith(Refusal.NOT_GIVEN.value)


def test_a_figure_reported_clauses_before_the_question_is_checked(matcher):
    match = matcher.match("my notes say the zone covers 2,000 square kilometres - a lot. how is it split?")
    assert any(p.fact is not None and p.fact.id == "total_area" and p.verdict is Verdict.NO for p in match.parts)


def test_a_request_to_be_told_leading_into_the_question_after_it_is_no_question_of_its_own(matcher):
    match = matcher.match("Я студентка, пишу про торговлю с Китаем. Подскажите, когда открыли зону?")
    assert match.fact is not None and match.fact.id == "establishment_date" and match.verdict is None


def test_a_wrong_size_of_the_zone_called_huge_is_answered_no_with_its_size(matcher):
    match = read_message(matcher, "Зона 1796 км², это же огромная территория, да?")
    assert match.fact is not None and match.fact.id == "total_area" and match.verdict is Verdict.NO


def test_thanks_in_uzbek_after_a_question_is_no_question_of_its_own(matcher):
    match = read_message(matcher, "Ассаламу алейкум, я из Андижана, возим текстиль в Урумчи уже лет пять. "
                                  "Сколько земли у урумчинского участка? Рахмат катта")
    assert match.fact is not None and match.fact.id == "urumqi_area"


@pytest.mark.parametrize("message", ["Что за 'ядро' пояса и пути, что это значит?",
                                     "Кто такие квалифицированные иностранные предприятия, кого так считают?"])
def test_what_it_means_after_a_question_asks_that_question_again_not_a_new_one(matcher, message):
    assert read_message(matcher, message).refused


@pytest.mark.parametrize("message", ["А в Шанхае тоже есть такая зона? когда её открыли?",
                                     "СЭЗ Навои - какие там льготы?", "the FTZ in Shanghai, when did it open?"])
def test_a_pronoun_after_another_zone_stands_for_that_zone(matcher, message):
    match = read_message(matcher, message)
    assert not match.answered and not any(p.answered for p in match.parts)


def test_this_one_after_another_zone_is_still_this_zone(matcher):
    match = read_message(matcher, "does Kazakhstan have an FTZ? when was this one opened?")
    assert match.fact is not None and match.fact.id == "establishment_date"
