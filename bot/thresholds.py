"""Every tuning number of the matcher, each with its reason, and a knowledge folder's overrides of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Thresholds:
    """Every tuning number of the matcher, each with its reason; calibrated on tests/eval/dev*.tsv."""

    answer: int = 50  # at or above: answer, if clearly ahead of the runner-up
    clarify: int = 40  # at or above (and below answer, or too close to the runner-up): "did you mean"
    margin: int = 6  # how far ahead of the runner-up the best fact must be to be answered outright
    sure: int = 80  # at or above: answered even when the runner-up is close
    suggestion_window: int = 15  # suggestions within this many points of the best
    fuzzy_weight: float = 0.25  # share of the score from rapidfuzz similarity to the alternate questions
    fuzzy_cutoff: int = 30  # alternate questions less similar than this do not count at all
    # Indexing: how much a term weighs for a fact.
    question_base_weight: float = 0.3  # a term in one alternate question; plus the share below
    question_share_weight: float = 0.7  # times the share of the fact's questions that use the term
    answer_weight: float = 0.4  # a term only the answer uses
    required_share: float = 0.8  # a term in this share of a fact's questions is what the fact is about
    key_weight: float = 0.75  # terms weighing this much or more are the fact's key terms
    # Scoring.
    oov_weight: float = 0.8  # an unknown word weighs this share of the rarest known term: it dilutes the match
    oov_counted: int = 5  # past this many unknown words, more dilute no further (a long message's context)
    cjk_oov_share: float = 0.5  # unknown Chinese characters dilute half as much (segmenting them is rough)
    yardstick_weight: float = 0.2  # a figure the article does not state ("bigger than 100 km²?") hardly counts
    coverage_share: float = 0.75  # of the lexical score: how much of the question the fact covers (rest: key terms)
    other_place_penalty: float = 0.45  # the question names Kashgar; a fact about Horgos is not its answer
    zone_wide_penalty: float = 0.75  # the question names Kashgar; a fact about the whole zone may still hold there
    missing_required_penalty: float = 0.7  # per term the fact is about that the question lacks
    subject_elsewhere_penalty: float = 0.6  # "Horgos or Kashgar, which is bigger?" is not about Urumqi the largest
    # Definitions.
    # a name of several words asks what it stands for in a question this short ("what is the belt and road exactly")
    definition_question_words: int = 4
    # Yes/no verdicts.
    share_claim_points: float = 1.0  # "is Horgos about a tenth?": a claimed share this many points off the answer's
    share_claim_ratio: float = 0.05  # ... or this share of the claim, whichever is more, is right (9.2% is a tenth)
    # Semantic layer (cosine similarity 0–1), consulted only where the lexical match is unsure.
    semantic_min_words: int = 2  # fewer words (Chinese: twice as many characters) never go to the semantic layer
    semantic_answer: float = 0.55  # a question with no usable lexical match is answered at or above this
    semantic_candidates: int = 3  # ... by one of the lexical matcher's best few facts (its words must point there)
    semantic_margin: float = 0.04  # ... and only this far ahead of the next fact
    semantic_tiebreak: float = 0.40  # a "did you mean" is settled by the suggestion at or above this
    semantic_tiebreak_margin: float = 0.05  # ... this far ahead of the other suggestions
    semantic_agree: float = 0.35  # a "did you mean" whose first suggestion is also the semantic best, this close


DEFAULT_THRESHOLDS = Thresholds()


def with_overrides(thresholds: Thresholds, overrides: Mapping[str, float]) -> Thresholds:
    """`thresholds` with a folder's `[thresholds]` numbers in place (an integer field stays an integer)."""
    unknown = sorted(set(overrides) - {f.name for f in fields(Thresholds)})
    if unknown:
        raise ValueError(f"[thresholds] {unknown[0]}: no such matcher threshold (see bot.thresholds.Thresholds)")
    return replace(thresholds, **{name: type(getattr(thresholds, name))(value) for name, value in overrides.items()})
