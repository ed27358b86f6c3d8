"""Accuracy on the labelled question sets stays at the bar, overall and in every category.

dev.tsv and dev2.tsv were used to tune the lexicon and thresholds, heldout.tsv was measured once before any tuning
on it (see README), and blind.tsv has never been tuned on: it guards against regressions with a lower bar.

chat_dev.tsv and chat_heldout.tsv are real chat messages written blind (by a helper who saw only the article and a
description of the users): the development half is tuned on, the held-out half was measured once and is a
regression bar at its first figure, never tuned on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluation import evaluate, evaluate_file, load_labelled, unknown_labels

EVAL = Path(__file__).parent / "eval"
CATEGORIES = {"paraphrase", "typo", "alias", "short", "chinese", "small_talk", "out_of_scope", "hard_negative"}


@pytest.fixture(scope="module")
def labelled() -> dict[str, list]:
    return {name: load_labelled(EVAL / f"{name}.tsv")
            for name in ("dev", "dev2", "heldout", "blind", "chat_dev", "chat_heldout")}


def test_the_labelled_sets_are_big_enough_and_cover_every_kind_of_question(labelled, fact_base):
    tuned = labelled["dev"] + labelled["dev2"] + labelled["heldout"]
    assert len(tuned) >= 200
    assert {item.category for item in tuned} == CATEGORIES
    chat = labelled["chat_dev"] + labelled["chat_heldout"]
    assert len(chat) >= 300
    assert {fid for item in tuned + chat for fid in item.expected} >= {f.id for f in fact_base.facts}
    for items in labelled.values():
        assert unknown_labels(items, {f.id for f in fact_base.facts}) == []


@pytest.mark.parametrize("name", ["dev", "heldout"])
def test_accuracy_is_at_least_95_percent_overall_and_in_every_category(labelled, matcher, name):
    report = evaluate(matcher, labelled[name])
    failures = [(v.item.question, v.item.expected, v.got) for v in report.failures]
    assert report.accuracy >= 0.95, failures
    for category, (right, total) in report.by_category().items():
        assert right / total >= 0.95, (category, right, total, failures)


def test_the_second_development_set_is_at_least_95_percent_overall(labelled, matcher):
    assert evaluate(matcher, labelled["dev2"]).accuracy >= 0.95


def test_answerable_and_refusal_accuracy_are_each_at_least_95_percent(labelled, matcher):
    report = evaluate(matcher, labelled["dev"] + labelled["dev2"] + labelled["heldout"])
    assert report.answerable_accuracy >= 0.95
    assert report.refusal_accuracy >= 0.95


def test_the_blind_set_never_tuned_on_stays_above_its_first_measurement_less_a_margin(labelled, matcher):
    report = evaluate(matcher, labelled["blind"])
    assert report.accuracy >= 0.93


def test_real_chat_messages_written_blind_stay_at_their_development_figure(labelled, matcher):
    report = evaluate(matcher, labelled["chat_dev"])
    assert report.accuracy >= 0.86, [(v.item.question, v.item.expected, v.got) for v in report.failures]
    assert report.refusal_accuracy >= 0.95


# First measurements of the held-out sets (README, "Accuracy"); each is a floor, less a small margin for trade-offs
# elsewhere. Each was measured once, after the work it measures; rounds 1 to 5 were read as development data only
# afterwards. Rounds 6's and 7's failures have not been read.
HELD_OUT_FLOORS = {"chat_heldout.tsv": 0.772, "ru_heldout.tsv": 0.738, "followups_heldout.tsv": 0.733,
                   "compound_heldout.tsv": 0.565, "chat_heldout2.tsv": 0.823, "followups_heldout2.tsv": 0.833,
                   "compound_heldout2.tsv": 0.667, "chat3_heldout.tsv": 0.810, "ru3_heldout.tsv": 0.818,
                   "followups3_heldout.tsv": 0.786, "compound3_heldout.tsv": 0.565, "chat4_heldout.tsv": 0.798,
                   "ru4_heldout.tsv": 0.821, "followups4_heldout.tsv": 0.911, "compound4_heldout.tsv": 0.733,
                   "chat5_heldout.tsv": 0.800, "ru5_heldout.tsv": 0.800, "followups5_heldout.tsv": 0.891,
                   "compound5_heldout.tsv": 0.756, "chat6_heldout.tsv": 0.851, "ru6_heldout.tsv": 0.853,
                   "followups6_heldout.tsv": 0.922, "compound6_heldout.tsv": 0.815, "chat7_heldout.tsv": 0.884,
                   "ru7_heldout.tsv": 0.907, "followups7_heldout.tsv": 0.896, "compound7_heldout.tsv": 0.831,
                   "chat8_heldout.tsv": 0.913, "ru8_heldout.tsv": 0.838, "followups8_heldout.tsv": 0.908,
                   "compound8_heldout.tsv": 0.892, "chat9_heldout.tsv": 0.917, "ru9_heldout.tsv": 0.856,
                   "followups9_heldout.tsv": 0.953, "compound9_heldout.tsv": 0.849, "ru10_heldout.tsv": 0.883,
                   "chat11_heldout.tsv": 0.948, "ru11_heldout.tsv": 0.833,
                   "chat13_heldout.tsv": 0.895, "ru13_heldout.tsv": 0.827,
                   "chat15_heldout.tsv": 0.875, "ru15_heldout.tsv": 0.830,
                   "chat16_heldout.tsv": 0.907, "ru16_heldout.tsv": 0.922,
                   "chat17_heldout.tsv": 0.969, "ru17_heldout.tsv": 0.82,
                   "chat21_heldout.tsv": 0.9, "ru21_heldout.tsv": 0.867,
                   "chat22_heldout.tsv": 0.88, "ru22_heldout.tsv": 0.833,
                   "chat24_heldout.tsv": 0.92, "ru24_heldout.tsv": 0.911,
                   "chat25_heldout.tsv": 0.94, "ru25_heldout.tsv": 0.889,
                   "chat26_heldout.tsv": 0.927, "ru26_heldout.tsv": 0.922,
                   "chat27_heldout.tsv": 0.907, "ru27_heldout.tsv": 0.922,
                   "chat28_heldout.tsv": 0.907, "ru28_heldout.tsv": 0.833,
                   "chat29_heldout.tsv": 0.9, "ru29_heldout.tsv": 0.811,
                   "chat30_heldout.tsv": 0.873, "ru30_heldout.tsv": 0.878,
                   "chat31_heldout.tsv": 0.82, "ru31_heldout.tsv": 0.8,
                   "chat32_heldout.tsv": 0.853, "ru32_heldout.tsv": 0.878,
                   "chat34_heldout.tsv": 0.893, "ru34_heldout.tsv": 0.889,
                   "chat35_heldout.tsv": 0.893, "ru35_heldout.tsv": 0.9,
                   "chat36_heldout.tsv": 0.993, "ru36_heldout.tsv": 0.956,
                   "chat39_heldout.tsv": 0.947, "ru39_heldout.tsv": 0.944,
                   "chat41_heldout.tsv": 0.98, "ru41_heldout.tsv": 0.967,
                   "chat43_heldout.tsv": 0.953, "ru43_heldout.tsv": 0.911,
                   "chat44_heldout.tsv": 0.947, "ru44_heldout.tsv": 0.944,
                   "chat45_heldout.tsv": 0.98, "ru45_heldout.tsv": 0.922,
                   "chat46_heldout.tsv": 0.967, "ru46_heldout.tsv": 0.922,
                   "chat53_heldout.tsv": 0.96, "ru53_heldout.tsv": 0.944,
                   "chat54_heldout.tsv": 0.94, "ru54_heldout.tsv": 0.956,
                   "chat59_heldout.tsv": 0.967, "ru59_heldout.tsv": 0.978,
                   "chat60_heldout.tsv": 0.973, "ru60_heldout.tsv": 0.967,
                   "chat65_heldout.tsv": 0.987, "ru65_heldout.tsv": 0.967,
                   "chat66_heldout.tsv": 0.96, "ru66_heldout.tsv": 0.978,
                   "chat67_heldout.tsv": 0.96, "ru67_heldout.tsv": 0.967,
                   "chat68_heldout.tsv": 0.947, "ru68_heldout.tsv": 0.933,
                   "chat73_heldout.tsv": 0.967, "ru73_heldout.tsv": 0.956,
                   "chat74_heldout.tsv": 0.987, "ru74_heldout.tsv": 0.978,
                   "chat77_heldout.tsv": 0.953, "ru77_heldout.tsv": 0.967, "chat78_heldout.tsv": 0.98,
                   "ru78_heldout.tsv": 0.967, "chat79_heldout.tsv": 0.967, "ru79_heldout.tsv": 0.944,
                   "chat80_heldout.tsv": 0.973, "ru80_heldout.tsv": 0.967,
                   "chat85_heldout.tsv": 0.987, "ru85_heldout.tsv": 0.978, "chat86_heldout.tsv": 0.96,
                   "ru86_heldout.tsv": 0.989, "chat87_heldout.tsv": 0.96, "ru87_heldout.tsv": 0.967,
                   "chat88_heldout.tsv": 0.967, "ru88_heldout.tsv": 0.933, "chat93_heldout.tsv": 0.987,
                   "ru93_heldout.tsv": 0.956, "chat94_heldout.tsv": 0.973, "ru94_heldout.tsv": 0.978,
                   "chat99_heldout.tsv": 0.96, "ru99_heldout.tsv": 1.0, "chat100_heldout.tsv": 0.967,
                   "ru100_heldout.tsv": 0.967, "chat101_heldout.tsv": 0.96, "ru101_heldout.tsv": 0.978,
                   "chat102_heldout.tsv": 0.973, "ru102_heldout.tsv": 0.956, "chat105_heldout.tsv": 0.973,
                   "ru105_heldout.tsv": 0.989, "chat106_heldout.tsv": 0.993, "ru106_heldout.tsv": 0.978,
                   "chat111_heldout.tsv": 0.960, "ru111_heldout.tsv": 0.967, "chat112_heldout.tsv": 0.953,
                   "ru112_heldout.tsv": 0.978, "chat115_heldout.tsv": 0.967, "ru115_heldout.tsv": 0.944,
                   "chat116_heldout.tsv": 0.960, "ru116_heldout.tsv": 0.956}
DEVELOPMENT_FLOORS = {"ru_dev.tsv": 0.95, "followups_dev.tsv": 0.87, "compound_dev.tsv": 0.95, "chat3_dev.tsv": 0.86,
                      "ru3_dev.tsv": 0.97, "followups3_dev.tsv": 0.95, "compound3_dev.tsv": 0.86, "chat4_dev.tsv": 0.88,
                      "ru4_dev.tsv": 0.95, "followups4_dev.tsv": 0.92, "compound4_dev.tsv": 0.9, "chat8_dev.tsv": 0.94,
                      "ru8_dev.tsv": 0.94, "followups8_dev.tsv": 0.96, "compound8_dev.tsv": 0.91, "ru10_dev.tsv": 0.96,
                      "chat12_dev.tsv": 0.98, "ru12_dev.tsv": 0.95,
                      "chat14_dev.tsv": 0.96, "ru14_dev.tsv": 0.9, "chat18_dev.tsv": 0.98, "ru18_dev.tsv": 0.94,
                      "chat19_dev.tsv": 0.97, "ru19_dev.tsv": 0.9, "chat20_dev.tsv": 0.93, "ru20_dev.tsv": 0.87,
                      "chat23_dev.tsv": 0.89, "ru23_dev.tsv": 0.73, "chat33_dev.tsv": 0.93, "ru33_dev.tsv": 0.95,
                      "chat37_dev.tsv": 0.98, "ru37_dev.tsv": 0.98, "chat38_dev.tsv": 0.97, "ru38_dev.tsv": 0.95,
                      "chat40_dev.tsv": 0.97, "ru40_dev.tsv": 0.97, "chat42_dev.tsv": 0.97, "ru42_dev.tsv": 0.97,
                      "chat47_dev.tsv": 0.98, "ru47_dev.tsv": 0.95, "chat48_dev.tsv": 0.98, "ru48_dev.tsv": 0.96,
                      "chat49_dev.tsv": 0.95, "ru49_dev.tsv": 0.97, "chat50_dev.tsv": 0.96, "ru50_dev.tsv": 0.96,
                      "chat51_dev.tsv": 0.96, "ru51_dev.tsv": 0.95, "chat52_dev.tsv": 0.96, "ru52_dev.tsv": 0.95,
                      "chat55_dev.tsv": 0.97, "ru55_dev.tsv": 0.95, "chat56_dev.tsv": 0.94, "ru56_dev.tsv": 0.95,
                      "chat57_dev.tsv": 0.96, "ru57_dev.tsv": 0.96, "chat58_dev.tsv": 0.98, "ru58_dev.tsv": 0.97,
                      "chat61_dev.tsv": 0.97, "ru61_dev.tsv": 0.96, "chat62_dev.tsv": 0.98, "ru62_dev.tsv": 0.96,
                      "chat63_dev.tsv": 0.95, "ru63_dev.tsv": 0.98, "chat64_dev.tsv": 0.98, "ru64_dev.tsv": 0.98,
                      "chat69_dev.tsv": 0.97, "ru69_dev.tsv": 0.95, "chat70_dev.tsv": 0.95, "ru70_dev.tsv": 0.97,
                      "chat71_dev.tsv": 0.97, "ru71_dev.tsv": 0.97, "chat72_dev.tsv": 0.96, "ru72_dev.tsv": 0.95,
                      "chat75_dev.tsv": 0.97, "ru75_dev.tsv": 0.97, "chat76_dev.tsv": 0.98, "ru76_dev.tsv": 0.98,
                      "chat81_dev.tsv": 0.99, "ru81_dev.tsv": 0.98, "chat82_dev.tsv": 0.96, "ru82_dev.tsv": 0.97,
                      "chat83_dev.tsv": 0.98, "ru83_dev.tsv": 1.0, "chat84_dev.tsv": 0.98, "ru84_dev.tsv": 0.96,
                      "chat89_dev.tsv": 0.98, "ru89_dev.tsv": 0.97, "chat90_dev.tsv": 0.97, "ru90_dev.tsv": 0.97,
                      "chat91_dev.tsv": 0.98, "ru91_dev.tsv": 1.0, "chat92_dev.tsv": 0.98, "ru92_dev.tsv": 0.98,
                      "chat95_dev.tsv": 0.96, "ru95_dev.tsv": 0.96, "chat96_dev.tsv": 0.97, "ru96_dev.tsv": 0.97,
                      "chat97_dev.tsv": 0.96, "ru97_dev.tsv": 1.0, "chat98_dev.tsv": 0.98, "ru98_dev.tsv": 0.98,
                      "chat103_dev.tsv": 0.97, "ru103_dev.tsv": 0.96, "chat104_dev.tsv": 0.98, "ru104_dev.tsv": 0.99,
                      "chat107_dev.tsv": 0.91, "ru107_dev.tsv": 0.97, "chat108_dev.tsv": 0.93, "ru108_dev.tsv": 0.92,
                      "chat109_dev.tsv": 0.97, "ru109_dev.tsv": 0.94, "chat110_dev.tsv": 0.98, "ru110_dev.tsv": 0.97,
                      "chat113_dev.tsv": 0.97, "ru113_dev.tsv": 0.92, "chat114_dev.tsv": 0.96, "ru114_dev.tsv": 0.96,
                      "chat117_dev.tsv": 0.92, "ru117_dev.tsv": 0.94, "chat118_dev.tsv": 0.89, "ru118_dev.tsv": 0.88}


@pytest.mark.parametrize(("name", "floor"), [*HELD_OUT_FLOORS.items(), *DEVELOPMENT_FLOORS.items()])
def test_every_blind_set_stays_at_or_above_its_recorded_figure(matcher, fact_base, name, floor):
    report = evaluate_file(matcher, EVAL / name, {f.id for f in fact_base.facts})
    margin = 0.03 if name in HELD_OUT_FLOORS else 0.0
    assert report.accuracy >= floor - margin, [(v.item.question, v.item.expected, v.got) for v in report.failures]


def test_follow_up_turns_are_scored_apart_from_first_turns(matcher, fact_base):
    report = evaluate_file(matcher, EVAL / "followups_dev.tsv", {f.id for f in fact_base.facts})
    assert set(report.by_category()) == {"first turn", "follow-up"}
