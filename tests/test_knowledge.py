"""The knowledge loader accepts the bundled files and rejects broken ones, naming file, fact and field."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import tomllib
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError, article_sha256, load_fact_base
from bot.matcher import Matcher
from tests.conftest import KNOWLEDGE, REPO, SOLAR

SEED = REPO.parent / "shared" / "seeds" / "000_256a41285a598912.txt"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_the_bundled_article_toml_records_the_seed_articles_checksum():
    """The loader checks article.txt against the recorded SHA-256 (next tests); where the seed the article came from
    is beside the checkout (CI), the recorded checksum must be the seed's."""
    recorded = tomllib.loads((KNOWLEDGE / "article.toml").read_text(encoding="utf-8"))["sha256"]
    assert recorded == article_sha256(KNOWLEDGE / "article.txt")
    if not SEED.exists():
        pytest.skip("../shared/seeds is not beside this checkout")
    assert recorded == hashlib.sha256(SEED.read_bytes()).hexdigest()


def test_an_article_that_matches_its_recorded_checksum_loads(knowledge_copy):
    assert 'sha256 = "' in (knowledge_copy / "article.toml").read_text(encoding="utf-8")
    assert "Xinjiang Pilot Free Trade Zone" in load_fact_base(knowledge_copy).article.text


def test_a_changed_article_is_refused_naming_article_txt_and_saying_what_to_do(knowledge_copy):
    article = knowledge_copy / "article.txt"
    article.write_bytes(article.read_bytes() + b"\nAn added line.\n")
    with pytest.raises(KnowledgeError) as error:
        load_fact_base(knowledge_copy)
    assert error.value.path == article and str(error.value).startswith(f"{article}: its SHA-256 is ")
    assert "byte for byte" in str(error.value) and f'set sha256 = "{article_sha256(article)}"' in str(error.value)


def test_a_checksum_that_is_not_a_sha256_is_refused_naming_the_field(knowledge_copy):
    _edit(knowledge_copy / "article.toml", 'sha256 = "f2043f8e', 'sha256 = "F2043F8E')
    with pytest.raises(KnowledgeError, match="64 lowercase hexadecimal digits") as error:
        load_fact_base(knowledge_copy)
    assert (error.value.path.name, error.value.field_name) == ("article.toml", "sha256")


def test_a_folder_that_records_no_checksum_loads_without_one(knowledge_copy):
    metadata = knowledge_copy / "article.toml"
    metadata.write_text("".join(line for line in metadata.read_text(encoding="utf-8").splitlines(keepends=True)
                                if not line.startswith("sha256")), encoding="utf-8")
    article = knowledge_copy / "article.txt"
    article.write_bytes(article.read_bytes() + b"\n")
    assert load_fact_base(knowledge_copy).facts


def test_the_bundled_knowledge_loads_with_every_fact_bilingual_and_sourced(fact_base):
    assert len(fact_base.facts) >= 20
    for fact in fact_base.facts:
        assert fact.answer_en and fact.answer_zh and fact.sources and fact.questions_en and fact.questions_zh
        for source in fact.sources:
            assert fact_base.article.contains(source)


def test_article_metadata_gives_title_and_date(fact_base):
    assert fact_base.article.title.startswith("Xinjiang Pilot Free Trade Zone")
    assert fact_base.article.date.isoformat() == "2023-11-02"


def test_every_article_sentence_with_a_claim_is_cited_by_some_fact(fact_base):
    cited = " ".join(s for f in fact_base.facts for s in f.sources)
    body = "\n".join(line for line in fact_base.article.text.splitlines() if "Title:" not in line)
    sentences = [s.strip() for s in re.split(r"(?<=[.])\s+|\n+", body) if len(s.strip()) > 40]
    uncited = [s for s in sentences if s.rstrip(".") not in cited and s not in cited]
    assert uncited == []


def test_derived_area_facts_agree_with_the_article_numbers(fact_base):
    total, urumqi, kashgar, horgos = 179.66, 134.6, 28.48, 16.58
    assert round(urumqi + kashgar + horgos, 2) == total
    for fact_id, part in (("urumqi_share", urumqi), ("kashgar_share", kashgar), ("horgos_share", horgos)):
        assert f"{100 * part / total:.1f}%" in fact_base.fact(fact_id).answer_en
    assert "Urumqi" in fact_base.fact("largest_area").answer_en
    assert "Horgos" in fact_base.fact("smallest_area").answer_en
    assert "2023" in fact_base.fact("establishment_year").answer_en


def test_a_misquoted_source_sentence_is_rejected_naming_fact_and_field(knowledge_copy):
    _edit(knowledge_copy / "facts.toml", "Covering an expansive area of 179.66", "Covering a vast area of 179.66")
    with pytest.raises(KnowledgeError) as error:
        load_fact_base(knowledge_copy)
    assert error.value.fact_id == "overview" and error.value.field_name == "sources"
    assert "facts.toml" in str(error.value) and "not found verbatim" in str(error.value)


def test_curly_and_straight_quotes_count_as_the_same_sentence(knowledge_copy):
    _edit(knowledge_copy / "facts.toml", "favorable “hardware” environment", 'favorable \\"hardware\\" environment')
    assert load_fact_base(knowledge_copy).fact("bank_infrastructure_support") is not None


def test_a_duplicate_fact_id_is_rejected(knowledge_copy):
    _edit(knowledge_copy / "facts.toml", 'id = "establishment_year"', 'id = "establishment_date"')
    with pytest.raises(KnowledgeError, match="duplicate id") as error:
        load_fact_base(knowledge_copy)
    assert error.value.fact_id == "establishment_date" and error.value.field_name == "id"


def test_a_missing_answer_is_rejected_naming_the_field(knowledge_copy):
    _edit(knowledge_copy / "facts.toml",
          'answer_zh = "乌鲁木齐片区面积为134.6平方公里（约13460公顷，约20.19万亩，合52平方英里）。"\n', "")
    with pytest.raises(KnowledgeError, match="is missing") as error:
        load_fact_base(knowledge_copy)
    assert (error.value.fact_id, error.value.field_name) == ("urumqi_area", "answer_zh")


def test_an_empty_question_list_is_rejected(knowledge_copy):
    text = (knowledge_copy / "facts.toml").read_text(encoding="utf-8")
    start = text.index("questions_zh = [", text.index('id = "kashgar_area"'))
    end = text.index("]", start)
    (knowledge_copy / "facts.toml").write_text(text[:start] + "questions_zh = [" + text[end:], encoding="utf-8")
    with pytest.raises(KnowledgeError, match="non-empty list") as error:
        load_fact_base(knowledge_copy)
    assert (error.value.fact_id, error.value.field_name) == ("kashgar_area", "questions_zh")


def test_a_toml_syntax_error_names_the_file_and_line(knowledge_copy):
    _edit(knowledge_copy / "facts.toml", 'id = "total_area"', 'id = "total_area')
    with pytest.raises(KnowledgeError) as error:
        load_fact_base(knowledge_copy)
    assert "facts.toml" in str(error.value) and re.search(r"line \d+", str(error.value))


def test_an_unknown_entity_is_rejected_naming_the_file_the_fact_and_the_field(knowledge_copy):
    _edit(knowledge_copy / "facts.toml", 'entities = ["horgos"]', 'entities = ["hainan"]')
    with pytest.raises(KnowledgeError, match="unknown entity 'hainan'") as error:
        load_fact_base(knowledge_copy)
    assert (error.value.path.name, error.value.fact_id, error.value.field_name) == (
        "facts.toml", "horgos_area", "entities")


def test_an_unknown_topic_is_rejected_naming_the_file_the_fact_and_the_field(knowledge_copy):
    text = (knowledge_copy / "facts.toml").read_text(encoding="utf-8")
    fact = text.index('id = "kashgar_area"')
    topic = text.index("topic = ", fact)
    line_end = text.index("\n", topic)
    (knowledge_copy / "facts.toml").write_text(text[:topic] + 'topic = "harbours"' + text[line_end:], encoding="utf-8")
    with pytest.raises(KnowledgeError) as error:
        load_fact_base(knowledge_copy)
    assert (error.value.path.name, error.value.fact_id, error.value.field_name) == (
        "facts.toml", "kashgar_area", "topic")
    assert str(error.value).startswith(f"{knowledge_copy / 'facts.toml'}: fact 'kashgar_area', field 'topic': "
                                       "unknown topic 'harbours' (known: ")


def test_an_unknown_field_is_rejected_so_typos_do_not_pass_silently(knowledge_copy):
    kashgar = 'answer_en = "The Kashgar area'
    _edit(knowledge_copy / "facts.toml", kashgar, 'answr_en = "x"\n' + kashgar)
    with pytest.raises(KnowledgeError, match="unknown field") as error:
        load_fact_base(knowledge_copy)
    assert (error.value.fact_id, error.value.field_name) == ("kashgar_area", "answr_en")


def test_a_missing_article_file_says_what_to_do(knowledge_copy):
    (knowledge_copy / "article.txt").unlink()
    with pytest.raises(KnowledgeError, match=r"article\.txt: file not found"):
        load_fact_base(knowledge_copy)


def test_a_missing_knowledge_folder_is_reported(tmp_path):
    with pytest.raises(KnowledgeError, match="no such knowledge folder"):
        load_fact_base(tmp_path / "nowhere")


def test_a_not_given_rule_with_an_unknown_concept_is_rejected(knowledge_copy):
    _edit(knowledge_copy / "lexicon.toml", 'concepts = ["list", "port"]', 'concepts = ["list", "harbour"]')
    with pytest.raises(KnowledgeError, match="unknown concept 'harbour'"):
        load_fact_base(knowledge_copy)


def test_the_knowledge_folder_can_be_chosen_by_environment_variable(knowledge_copy, monkeypatch):
    _edit(knowledge_copy / "facts.toml",
          "It covers 179.66 square kilometres (km²) in total, the sum of its areas (134.6 + 28.48 + 16.58) — about "
          "69.4 square miles, 44,400 acres or 17,966 hectares.",
          "Replaced answer for the test.")
    monkeypatch.setenv("BOT_KNOWLEDGE_DIR", str(knowledge_copy))
    assert load_fact_base().fact("total_area").answer_en == "Replaced answer for the test."


def test_the_generic_lexicon_ships_with_the_code_and_names_no_place_of_any_article():
    generic = "".join(p.read_text(encoding="utf-8") for p in (REPO / "bot" / "lexicon").glob("*.toml"))
    assert not re.search(r"xinjiang|horgos|kashgar|urumqi|新疆|синьцзян", generic, re.IGNORECASE)
    assert "[[place]]" not in generic and "[[not_given]]" not in generic


def test_a_folder_without_small_talk_or_stopwords_gets_them_from_the_generic_lexicon(solar_fact_base):
    lexicon = solar_fact_base.lexicon
    assert "thank you" in lexicon.small_talk["thanks"] and "the" in lexicon.stopwords["en"]
    assert "weather" in lexicon.unknown_attributes["en"] and "km2" in lexicon.concepts["area"]
    assert "ru" not in lexicon.stopwords  # Russian words come only with "ru" declared in article.toml


def test_a_word_the_folder_gives_a_meaning_to_or_ignores_drops_the_generic_entry(tmp_path):

    folder = tmp_path / "solar"
    shutil.copytree(SOLAR, folder)
    lexicon_file = folder / "lexicon.toml"
    text = lexicon_file.read_text(encoding="utf-8").replace(
        'capacity = ["capacity",', 'price = ["price", "prices", "tariff"]\ncapacity = ["capacity",')
    lexicon_file.write_text(text.replace('ignore_generic = ["hiring", "employment"]',
                                         'ignore_generic = ["hiring", "employment", "weather"]'), encoding="utf-8")
    lexicon = load_fact_base(folder).lexicon
    assert lexicon.concepts["price"] == ("price", "prices", "tariff")
    refused = lexicon.all_unknown_attributes()
    assert not {"price", "prices", "tariff", "weather", "employment"} & set(refused) and "visa" in refused


def test_the_bundled_lexicon_keeps_the_articles_words_and_the_generic_lexicon_the_rest():
    bundled = (KNOWLEDGE / "lexicon.toml").read_text(encoding="utf-8")
    assert "[small_talk]" not in bundled and "[clauses]" not in bundled and "[follow_up]" not in bundled
    assert '"weather"' not in bundled and '"pakistan"' in bundled and '"cotton"' in bundled


def test_main_s_lexicon_additions_sit_in_their_layer_and_year_concept_is_the_folder_s(tmp_path, fact_base,
                                                                                      solar_fact_base):

    generic = (REPO / "bot" / "lexicon" / "generic.toml").read_text(encoding="utf-8")
    bundled = (KNOWLEDGE / "lexicon.toml").read_text(encoding="utf-8")
    assert '"名单"' in generic and '"名单"' not in bundled  # a list word of any article
    # Refusal cues this article needs but a solar farm with a stated cost must not inherit.
    assert '"how much did"' in bundled and '"how much did"' not in generic and '"班列"' in bundled
    lexicon = fact_base.lexicon
    assert lexicon.year_concept == "year" and "list" in lexicon.concepts and "名单" in lexicon.concepts["list"]
    assert solar_fact_base.lexicon.year_concept is None  # only a folder that names it
    folder = tmp_path / "solar"
    shutil.copytree(SOLAR, folder)
    _edit(folder / "lexicon.toml", 'ignore_generic = [', 'year_concept = "year"\nignore_generic = [')
    assert load_fact_base(folder).lexicon.year_concept == "year"  # a generic concept may be named
    _edit(folder / "lexicon.toml", 'year_concept = "year"', 'year_concept = "years"')
    with pytest.raises(KnowledgeError, match="unknown concept 'years'"):
        load_fact_base(folder)


def test_definition_concept_must_name_a_concept_of_the_lexicon(tmp_path, fact_base):
    assert fact_base.lexicon.definition_concept == "definition"
    folder = tmp_path / "solar"
    shutil.copytree(SOLAR, folder)
    _edit(folder / "lexicon.toml", 'ignore_generic = [', 'definition_concept = "meanings"\nignore_generic = [')
    with pytest.raises(KnowledgeError, match="unknown concept 'meanings'") as error:
        load_fact_base(folder)
    assert error.value.field_name == "definition_concept"


def test_answer_kinds_must_name_concepts_of_the_lexicon(tmp_path):
    folder = tmp_path / "solar"
    shutil.copytree(SOLAR, folder)
    _edit(folder / "lexicon.toml", 'ignore_generic = [', 'answer_kinds = ["area"]\nignore_generic = [')
    assert load_fact_base(folder).lexicon.answer_kinds == {"area"}
    _edit(folder / "lexicon.toml", 'answer_kinds = ["area"]', 'answer_kinds = ["acreage"]')
    with pytest.raises(KnowledgeError, match="unknown concept 'acreage'") as error:
        load_fact_base(folder)
    assert "answer_kinds" in str(error.value) and "lexicon.toml" in str(error.value)


def test_other_words_for_an_exclusive_member_join_it_and_an_unknown_member_is_reported(tmp_path, fact_base):
    months = next(group for group in fact_base.lexicon.exclusive if any("october" in member for member in group))
    assert any({"october", "октябре", "十月"} <= member for member in months)
    folder = tmp_path / "solar"
    shutil.copytree(SOLAR, folder)
    with (folder / "lexicon.toml").open("a", encoding="utf-8") as lexicon:
        lexicon.write('\n[exclusive_words]\noctober = ["oct"]\noctobre = ["okt"]\n')
    with pytest.raises(KnowledgeError, match="'octobre' is in no `exclusive` group") as error:
        load_fact_base(folder)
    assert error.value.field_name == "octobre" and "lexicon.toml" in str(error.value)


def test_every_problem_of_a_folder_is_reported_in_one_error(knowledge_copy):
    from bot.knowledge import KnowledgeErrors

    facts = knowledge_copy / "facts.toml"
    text = facts.read_text(encoding="utf-8").replace("Banks are also urged", "Banks are urged")
    facts.write_text(text.replace('topic = "size"', 'topic = "sizes"', 1), encoding="utf-8")
    with pytest.raises(KnowledgeErrors) as caught:
        load_fact_base(knowledge_copy)
    fields = {(e.fact_id, e.field_name) for e in caught.value.errors}
    assert ("bank_infrastructure_support", "sources") in fields and any(f == "topic" for _, f in fields)
    assert str(caught.value).startswith(f"{len(caught.value.errors)} problems:")


def test_an_english_only_folder_needs_no_chinese_and_no_outside_places(solar_fact_base):
    assert solar_fact_base.article.languages == ("en",)
    assert solar_fact_base.lexicon.zone_places == {"lake_merrow_solar_farm"}
    assert all(set(f.answers) == {"en"} for f in solar_fact_base.facts)


def test_an_answer_counts_the_time_since_its_date_in_the_askers_language():
    fact = next(f for f in load_fact_base(KNOWLEDGE).facts if f.id == "establishment_date")
    assert fact.answer("en", today=dt.date(2026, 11, 30)).endswith("November 1, 2023 — 3 years ago.")
    assert "3 года назад" in fact.answer("ru", today=dt.date(2026, 11, 30))
    assert "5 лет назад" in fact.answer("ru", today=dt.date(2028, 11, 30))
    assert "距今3年" in fact.answer("zh", today=dt.date(2026, 11, 30))
    assert "{elapsed}" not in fact.answer_words("en") and "3 years" not in fact.answer_words("en")


def test_an_elapsed_answer_without_its_date_or_a_date_without_one_fails_at_load(knowledge_copy):
    facts = knowledge_copy / "facts.toml"
    _edit(facts, "since = 2023-11-01\n", "")
    with pytest.raises(KnowledgeError, match="add since") as error:
        load_fact_base(knowledge_copy)
    assert "establishment_date" in str(error.value) and "facts.toml" in str(error.value)
    _edit(facts, "since = 2023-11-01\n", 'since = "2023-11-01"\n')
    with pytest.raises(KnowledgeError, match="must be a date"):
        load_fact_base(knowledge_copy)


def test_a_transliteration_entry_must_pair_a_latin_spelling_with_letters(knowledge_copy):
    _append(knowledge_copy / "lexicon.ru.toml", '\n[transliteration]\nru = ["shch"]\n')
    with pytest.raises(KnowledgeError, match="Latin spelling and its letters") as error:
        load_fact_base(knowledge_copy)
    assert "transliteration" in str(error.value)


def test_a_sound_alike_entry_must_pair_one_letter_with_the_letter_it_sounds_like(knowledge_copy):
    _append(knowledge_copy / "lexicon.ru.toml", '\n[sound_alike]\nru = ["ою а"]\n')
    with pytest.raises(KnowledgeError, match="the letter it sounds like") as error:
        load_fact_base(knowledge_copy)
    assert "sound_alike" in str(error.value)


def test_a_yardstick_key_other_than_more_or_less_fails_at_load(knowledge_copy):
    _append(knowledge_copy / "lexicon.ru.toml", '\n[yardstick]\nmor = ["больше"]\n')
    with pytest.raises(KnowledgeError, match="allowed: more, less") as error:
        load_fact_base(knowledge_copy)
    assert "yardstick" in str(error.value) and "mor" in str(error.value)


def test_a_numbers_key_that_is_no_figure_fails_at_load(knowledge_copy):
    _append(knowledge_copy / "lexicon.ru.toml", '\n[numbers]\nfour = ["четыре"]\n')
    with pytest.raises(KnowledgeError, match="a figure such as 4") as error:
        load_fact_base(knowledge_copy)
    assert "numbers" in str(error.value) and "four" in str(error.value)


def test_a_relative_years_key_that_is_no_count_of_years_fails_at_load(knowledge_copy):
    _append(knowledge_copy / "lexicon.ru.toml", '\n[relative_years]\nlast = ["в прошлом году"]\n')
    with pytest.raises(KnowledgeError, match="years from this one") as error:
        load_fact_base(knowledge_copy)
    assert "relative_years" in str(error.value) and "last" in str(error.value)


def test_a_number_written_as_a_phrase_is_read_as_that_figure_in_questions_only(knowledge_copy):
    _append(knowledge_copy / "lexicon.ru.toml", '\n[numbers]\n2 = ["всего пара"]\n')
    analyser = Matcher(load_fact_base(knowledge_copy)).analyser
    assert analyser.analyse("почему всего пара участков").counts == analyser.analyse("почему 2 участков").counts
    assert not analyser.analyse("почему всего пара участков", correct=False).counts


def test_an_unknown_concept_among_abbreviations_asked_with_fails_at_load(knowledge_copy):
    _edit(knowledge_copy / "lexicon.toml", 'abbreviations_asked_with = ["overview"]',
          'abbreviations_asked_with = ["overveiw"]')
    with pytest.raises(KnowledgeError, match="unknown concept 'overveiw'") as error:
        load_fact_base(knowledge_copy)
    assert "abbreviations_asked_with" in str(error.value)


def test_a_concept_a_fact_defines_must_be_one_the_lexicon_knows(knowledge_copy):
    _edit(knowledge_copy / "facts.toml", 'defines = ["barrier"]', 'defines = ["barriers"]')
    with pytest.raises(KnowledgeError, match="unknown concept 'barriers'") as error:
        load_fact_base(knowledge_copy)
    assert (error.value.path.name, error.value.fact_id, error.value.field_name) == (
        "facts.toml", "rnd_centres", "defines")
