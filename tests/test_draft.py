"""`ftz-bot init` drafts a working knowledge folder from any English article (bot/draft.py): sentences, facts with
verbatim sources, echo questions for figures, dates and names, proper nouns as places, the subject as the zone."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest

from bot.draft import (
    acronym,
    draft,
    draft_questions,
    name_questions,
    proper_nouns,
    sentence_parts,
    split_sentences,
    titles_not_in,
    write_draft,
)
from bot.evaluation import LabelledQuestion, evaluate, evaluate_file
from bot.knowledge import article_sha256, load_fact_base
from bot.match import Outcome
from bot.matcher import Matcher
from bot.proof import prove
from tests.conftest import REPO, SOLAR

SECOND_ARTICLE_SET = REPO / "tests" / "eval" / "second_article.tsv"


@pytest.fixture(scope="module")
def drafted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The second article drafted by init, with no curation at all."""
    directory = tmp_path_factory.mktemp("draft") / "solar"
    write_draft(SOLAR / "article.txt", directory)
    return directory


def test_sentences_split_at_full_stops_but_not_after_a_title_like_dr():
    text = "Dr. Ana Ruiz opened it in 2020. It cost $5 million! Is it big? Yes."
    assert split_sentences(text) == ["Dr. Ana Ruiz opened it in 2020.", "It cost $5 million!", "Is it big?", "Yes."]


def test_proper_nouns_drop_a_leading_the_and_a_possessive_and_keep_of():
    nouns = [name for _, name in proper_nouns("The Bank of Westmark and Heliotrope Energy's chief met in March.")]
    assert nouns == ["Bank of Westmark", "Heliotrope Energy"]


def test_echo_questions_ask_for_each_figure_date_and_name_of_a_sentence():
    questions = draft_questions("Construction started in June 2022 and employed about 900 workers at its peak.",
                                ["construction", "workers"])
    assert "Construction started when?" in questions
    assert "Construction started in June 2022 and employed how many workers?" in questions
    assert "How many workers?" in questions
    assert draft_questions("Built by Heliotrope Energy at a cost of 420 million dollars.", [])[0] == "Built by who?"
    assert "How long is the purchase agreement?" in draft_questions(
        "The power is sold under a 25-year purchase agreement.", [])


def test_the_article_subject_is_the_zone_and_every_proper_noun_a_place():
    result = draft((SOLAR / "article.txt").read_text(encoding="utf-8"))
    zone = [p for p in result.places if p.zone]
    assert [p.id for p in zone] == ["lake_merrow_solar_farm"] and result.subject == "the Lake Merrow Solar Farm"
    assert {"northfield", "westmark", "ashby", "dana_okafor", "westmark_energy_board"} <= {p.id for p in result.places}
    assert result.date.isoformat() == "2024-03-14"
    assert len(result.facts) == 11 and all(f.entities[0] == "lake_merrow_solar_farm" for f in result.facts)


def test_a_drafted_folder_passes_check_declares_english_only_and_names_its_own_subject(drafted: Path):
    fact_base = load_fact_base(drafted)
    assert fact_base.article.languages == ("en",)
    assert f'sha256 = "{article_sha256(drafted / "article.txt")}"' in (drafted / "article.toml").read_text("utf-8")
    assert all(fact.sources[0] == fact.answer_en for fact in fact_base.facts)  # the draft answer is the sentence
    assert fact_base.messages.text("en", "subject") == "the Lake Merrow Solar Farm"
    assert "generic" not in (drafted / "lexicon.toml").read_text(encoding="utf-8").split("[[place]]")[1]
    assert 'ignore_generic = ["hiring", "employment"]' in (drafted / "lexicon.toml").read_text(encoding="utf-8")


def test_an_uncurated_draft_answers_most_questions_about_the_new_article_and_refuses_the_rest(drafted: Path):
    """The bar of the issue (0.6 / 0.8), measured on 25 answerable and 10 unanswerable questions written before any
    draft; held at the figures reached (docs/curating.md)."""
    fact_base = load_fact_base(drafted)
    report = evaluate_file(Matcher(fact_base), SECOND_ARTICLE_SET, {f.id for f in fact_base.facts})
    assert report.answerable_accuracy >= 1.0 and report.refusal_accuracy >= 0.9


def test_the_curated_fixture_is_proven_and_refuses_better_than_the_draft(drafted: Path, solar_matcher: Matcher):
    """Since drafts ask each clause of a sentence, the draft answers this set as well as the curated fixture (whose
    curator wrote the set); curation still refuses better."""
    curated = solar_matcher.fact_base
    assert prove(curated, solar_matcher).ok
    draft_report = evaluate_file(Matcher(load_fact_base(drafted)), SECOND_ARTICLE_SET, {f.id for f in curated.facts})
    curated_report = evaluate_file(solar_matcher, SECOND_ARTICLE_SET, {f.id for f in curated.facts})
    assert curated_report.refusal_accuracy >= draft_report.refusal_accuracy


BLIND_SET = REPO / "tests" / "eval" / "second_article_blind.tsv"


def test_an_uncurated_draft_stays_at_its_first_figure_on_questions_written_blind(drafted: Path):
    """30 answerable and 12 unanswerable questions by a helper who saw only the solar article (labels: the draft's
    fact for the sentence each answer comes from). First measurement: 0.333 answered, 0.750 refused; its failures
    have since been read (no longer blind), and the figures reached are held as floors."""
    fact_base = load_fact_base(drafted)
    report = evaluate_file(Matcher(fact_base), BLIND_SET, {f.id for f in fact_base.facts})
    assert report.answerable_accuracy >= 0.7 and report.refusal_accuracy >= 0.91


def test_a_drafted_fact_answers_the_everyday_words_for_what_its_sentence_states(drafted: Path):
    matcher = Matcher(load_fact_base(drafted))  # the semantic layer settles what the words leave close
    assert matcher.match("how much land does it take up").fact.id == "built_heliotrope_energy"  # "covers 1,150 ha"
    assert matcher.match("how much did the whole thing cost").fact.id == "built_heliotrope_energy"  # "420 million"


def test_a_cost_asked_of_a_fact_whose_sentence_states_none_is_refused(drafted: Path):
    fact_base = load_fact_base(drafted)
    assert "money" in fact_base.lexicon.answer_kinds
    match = Matcher(fact_base, semantic=None).match("cost of the battery storage")
    assert match.outcome is Outcome.NO_MATCH and "no money" in match.reason
    without = dataclasses.replace(fact_base, lexicon=dataclasses.replace(fact_base.lexicon, answer_kinds=frozenset()))
    assert Matcher(without, semantic=None).match("cost of the battery storage").fact.id == "battery_storage_system"


def test_a_facility_is_the_subject_even_when_its_country_is_mentioned_more_and_a_date_line_is_no_title():
    text = ("date 2025-06-12\n\nRuvala Opens Port Kemi Dry Port\n\n"
            "Ruvala on Monday opened the Kemi Trade and Logistics Hub, 930 kilometres from Dar es Salaam. "
            "Ruvala said Ruvala would grow. The hub was built by Kenya-based Savannah Holdings for $40 million.\n")
    result = draft(text)
    assert result.title == "Ruvala Opens Port Kemi Dry Port" and result.date.isoformat() == "2025-06-12"
    zone = next(p for p in result.places if p.zone)
    assert zone.names[0] == "kemi trade and logistics hub" and "hub" in zone.names
    names = {n for p in result.places for n in p.names}
    assert {"dar es salaam", "savannah holdings"} <= names and "kenya-based savannah holdings" not in names
    assert {"money", "distance"} <= set(result.answer_kinds)


ARTICLES = REPO / "tests" / "fixtures" / "articles"


def _source_labelled(path: Path, fact_base) -> list[LabelledQuestion]:
    """A blind set labelled by source sentence (category, source, question): each answerable question expects the
    drafted fact whose sentence it is; NONE expects a refusal."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    by_source = {fact.sources[0]: fact.id for fact in fact_base.facts}
    return [LabelledQuestion(row["category"], (by_source[row["source"]] if row["source"] != "NONE" else "no_match",),
                             row["question"], number) for number, row in enumerate(rows, start=2)]


@pytest.mark.parametrize(("article", "answered", "refused"), [("nakonde", 0.725, 0.90), ("kumanovo", 0.65, 0.95)])
def test_an_uncurated_draft_of_a_development_article_stays_at_its_figure(tmp_path, article, answered, refused):
    """Two more articles (a logistics hub in Zambia, a dry port in North Macedonia, written by one helper) with 60
    questions each by another who saw only the article. First measured at 0.45 / 0.95 and 0.40 / 0.90; since used
    as development data (their failures read), so these floors are no blind figures (docs/curating.md)."""
    answered_share, refused_share = _draft_figures(tmp_path, article)
    assert answered_share >= answered and refused_share >= refused


@pytest.mark.parametrize(("article", "answered", "refused"), [("itapua", 0.62, 0.80), ("shavat", 0.60, 0.80)])
def test_an_uncurated_draft_of_an_article_nobody_tuned_on_answers_most_and_refuses_most(tmp_path, article, answered,
                                                                                         refused):
    """A dry port in Paraguay and a border trade zone between Uzbekistan and Turkmenistan, each written with 70
    questions by a helper who saw nothing of the code, kept unseen until the draft work was done and measured once:
    these floors are those first figures (docs/curating.md)."""
    answered_share, refused_share = _draft_figures(tmp_path, article)
    assert answered_share >= answered and refused_share >= refused


def _draft_figures(tmp_path: Path, article: str) -> tuple[float, float]:
    write_draft(ARTICLES / f"{article}.txt", tmp_path / article)
    fact_base = load_fact_base(tmp_path / article)
    report = evaluate(Matcher(fact_base), _source_labelled(ARTICLES / f"{article}_questions.tsv", fact_base))
    return report.answerable_accuracy, report.refusal_accuracy


def test_a_draft_sets_its_own_matcher_numbers_and_an_unknown_one_fails(drafted: Path):
    fact_base = load_fact_base(drafted)
    assert Matcher(fact_base, semantic=None).thresholds.clarify == fact_base.lexicon.thresholds["clarify"] == 45
    wrong = dataclasses.replace(fact_base, lexicon=dataclasses.replace(fact_base.lexicon, thresholds={"clarfy": 45}))
    with pytest.raises(ValueError, match="clarfy"):
        Matcher(wrong, semantic=None)


def test_a_long_sentence_is_asked_clause_by_clause_and_an_organisation_by_its_initials():
    parts = sentence_parts("The site lies 35 kilometres north-east of Skopje, 6 kilometres from the A1 motorway, "
                           "and it is linked by a 4.2-kilometre rail spur, which opened in 2024.")
    assert parts == ["The site lies 35 kilometres north-east of Skopje", "6 kilometres from the A1 motorway",
                     "And it is linked by a 4.2-kilometre rail spur", "Which opened in 2024"]
    assert acronym("Industrial Development Corporation") == "idc" and acronym("Westmark Energy Board") == ""
    names = {n for p in draft((ARTICLES / "nakonde.txt").read_text(encoding="utf-8")).places for n in p.names}
    assert {"idc", "zda"} <= names


def test_who_and_how_many_are_refused_by_a_fact_naming_nobody_and_stating_no_figure(drafted: Path):
    matcher = Matcher(load_fact_base(drafted), semantic=None)
    made = matcher.match("Which company made the solar panels?")  # a "did you mean" offers only facts naming someone
    assert made.outcome is Outcome.NO_MATCH and "no agent" in (made.reason or "")
    assert "no count" in (matcher.match("how many sheep graze between the panels").reason or "")
    assert matcher.match("who buys the electricity").fact.id == "electricity_sold_westmark"


def test_a_title_or_an_organisation_in_a_name_is_asked_for_and_a_title_the_article_never_uses_is_refused():
    assert name_questions("Commerce Minister Chipoka Mulenga") == ["Who is the commerce minister?"]
    assert name_questions("Coastal Development Bank") == ["Which bank?"] and name_questions("Dana Okafor") == []
    titles = titles_not_in((SOLAR / "article.txt").read_text(encoding="utf-8"))
    assert "ceo" in titles and "executive" not in titles  # "Heliotrope Energy's chief executive"
