"""Match a question against the fact base: answer, clarify, refuse, or recognise small talk.

Pure Python over plain data (no Telegram here). `bot.terms` turns the question into terms (places, concepts,
refusal cues); facts are indexed by the same terms, so a fact's score is the weighted overlap between its terms and
the question's, blended with the rapidfuzz similarity to its alternate questions. Thresholds turn scores into one
of four outcomes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz, process

from bot.knowledge import Fact, FactBase
from bot.terms import Analysis, TermAnalyser, plain_text
from bot.text import fold, has_cjk


class Outcome(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    NO_MATCH = "no_match"
    SMALL_TALK = "small_talk"


@dataclass(frozen=True)
class Suggestion:
    """A fact offered as "did you mean", with the question to show for it."""

    fact_id: str
    question: str
    confidence: int


@dataclass(frozen=True)
class Match:
    """What the matcher made of one question."""

    question: str
    outcome: Outcome
    language: str
    fact: Fact | None = None
    confidence: int = 0
    suggestions: tuple[Suggestion, ...] = ()
    small_talk: str | None = None  # greeting, thanks, goodbye, about_bot, acknowledgement
    reason: str | None = None  # why nothing was answered, for logs and curators

    @property
    def answered(self) -> bool:
        return self.outcome is Outcome.ANSWER


@dataclass(frozen=True)
class Thresholds:
    """Calibrated on tests/eval/dev.tsv; see README "How the matcher decides"."""

    answer: int = 50  # at or above: answer, if clearly ahead of the runner-up
    clarify: int = 40  # at or above (and below answer, or too close to the runner-up): "did you mean"
    margin: int = 6  # how far ahead of the runner-up the best fact must be to be answered outright
    sure: int = 80  # at or above: answered even when the runner-up is close
    suggestion_window: int = 15  # suggestions within this many points of the best
    fuzzy_weight: float = 0.25  # share of the score from rapidfuzz similarity to the alternate questions


DEFAULT_THRESHOLDS = Thresholds()

_ZONE_PLACES = frozenset({"ftz"})  # naming the zone itself does not narrow a question to one of its areas


class Matcher:
    """A fact base indexed for matching. Build once (a few tens of milliseconds), then call `match` per question."""

    def __init__(self, fact_base: FactBase, thresholds: Thresholds = DEFAULT_THRESHOLDS,
                 analyser: TermAnalyser | None = None):
        self.fact_base = fact_base
        self.thresholds = thresholds
        self.analyser = analyser if analyser is not None else TermAnalyser(fact_base)
        self._index_facts()

    def _index_facts(self) -> None:
        facts = self.fact_base.facts
        self._weights: list[dict[str, float]] = []
        self._required: list[set[str]] = []
        self._key_numbers: list[set[str]] = []
        for fact in facts:
            weights: dict[str, float] = {}
            questions = [*fact.questions_en, *fact.questions_zh]
            counts: Counter[str] = Counter()
            for question in questions:
                counts.update(set(self.analyser.analyse(question, correct=False).concepts))
            for concept, count in counts.items():
                weights[concept] = 0.3 + 0.7 * count / len(questions)
            # What nearly every alternate question asks about is what the fact is about: "largest", "share".
            self._required.append({c for c, n in counts.items() if n >= 0.8 * len(questions) and c != "@ftz"})
            for keyword in fact.keywords:
                for concept in self.analyser.analyse(keyword, correct=False).concepts:
                    weights[concept] = 1.0
            for concept in self.analyser.analyse(fact.answer_en, correct=False).concepts:
                weights.setdefault(concept, 0.4)
            for entity in fact.entities:
                weights["@" + entity] = 1.0
            self._key_numbers.append({c for c, w in weights.items() if w == 1.0 and c[:1].isdigit()})
            self._weights.append(weights)
        self._entities = [frozenset(fact.entities) for fact in facts]
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for index, weights in enumerate(self._weights):
            for concept, weight in weights.items():
                self._postings.setdefault(concept, []).append((index, weight))
        document_frequency: Counter[str] = Counter()
        for weights in self._weights:
            document_frequency.update(weights)
        total = len(facts)
        self._idf = {c: math.log(1 + total / df) for c, df in document_frequency.items()}
        self._oov_weight = max(self._idf.values(), default=1.0) * 0.8
        self._key_mass = [
            sum(self._idf[c] * w for c, w in weights.items() if w >= 0.75) or 1.0 for weights in self._weights
        ]
        # rapidfuzz choices: each alternate question as a sorted concept string, with the fact it belongs to.
        choices: dict[str, set[int]] = {}
        for index, fact in enumerate(facts):
            for question in (*fact.questions_en, *fact.questions_zh):
                concepts = " ".join(sorted(set(self.analyser.analyse(question, correct=False).concepts)))
                choices.setdefault(concepts, set()).add(index)
        self._choices = list(choices)
        self._choice_facts = [sorted(indexes) for indexes in choices.values()]
        self._place_first_fact: dict[str, int] = {}
        for index, fact in sorted(enumerate(facts), key=lambda item: (len(item[1].entities), item[0])):
            for entity in fact.entities:
                self._place_first_fact.setdefault(entity, index)

    # --- matching ---------------------------------------------------------------------------------------------

    def match(self, question: str) -> Match:
        """Match one question; never raises for any text."""
        language = "zh" if has_cjk(question) else "en"
        terms = self.analyser
        plain = plain_text(fold(question))
        kind = terms.small_talk_of_plain(plain, question)
        if kind is not None:
            return Match(question, Outcome.SMALL_TALK, language, small_talk=kind, confidence=100)
        rest, greeting = terms.split_greeting(plain)
        if greeting and (terms.only_small_talk_words(rest) or terms.small_talk_of_plain(rest, rest)):
            return Match(question, Outcome.SMALL_TALK, language, small_talk=greeting, confidence=100)
        analysis = terms.analyse_folded(rest)
        if analysis.outside:
            return Match(question, Outcome.NO_MATCH, language, reason=f"outside the article: {analysis.outside[0]}")
        if analysis.unknown:
            return Match(question, Outcome.NO_MATCH, language, reason=f"not in the article: {analysis.unknown[0]}")
        query = set(analysis.concepts)
        for rule in self.fact_base.lexicon.not_given:
            if rule.concepts <= query and not rule.unless & query:
                return Match(question, Outcome.NO_MATCH, language, reason=f"not in the article: {rule.why}")
        if not analysis.concepts:
            if greeting or terms.small_talk_of_plain(rest, rest):
                return Match(question, Outcome.SMALL_TALK, language, small_talk=greeting or "greeting", confidence=100)
            return Match(question, Outcome.NO_MATCH, language, reason="no known words")
        scores = self.score(analysis)
        return self._decide(question, language, query, not analysis.oov, scores)

    def score(self, analysis: Analysis) -> list[float]:
        """A 0–100 score per fact (in fact-base order) for an analysed question."""
        query = set(analysis.concepts)
        idf = self._idf
        # A figure the article does not state ("bigger than 100 km²") is the question's yardstick, not its subject.
        query_mass = sum(idf.get(c) or (0.2 if c[0].isdigit() else 1.0) * self._oov_weight for c in query)
        query_mass += self._oov_weight * len(analysis.oov) * (
            0.5 if any(has_cjk(w) for w in analysis.oov) else 1.0)
        specific = {p for p in analysis.places if p not in _ZONE_PLACES}
        matched = [0.0] * len(self._weights)
        for concept in query:
            for index, weight in self._postings.get(concept, ()):
                matched[index] += idf[concept] * weight
        candidates = [index for index, value in enumerate(matched) if value > 0]
        fuzzy = [0.0] * len(matched)
        concept_string = " ".join(sorted(query))
        # Choices are sorted concept strings already, so plain ratio is token_sort_ratio without re-sorting.
        for _, similarity, position in process.extract(
                concept_string, self._choices, scorer=fuzz.ratio, limit=None, score_cutoff=30):
            for fact_index in self._choice_facts[position]:
                if similarity > fuzzy[fact_index]:
                    fuzzy[fact_index] = similarity
        weight = self.thresholds.fuzzy_weight
        result = [0.0] * len(matched)
        for index in candidates:
            coverage = 0.75 * matched[index] / query_mass + 0.25 * min(1.0, matched[index] / self._key_mass[index])
            value = (1 - weight) * coverage + weight * fuzzy[index] / 100 * min(1.0, coverage * 2)
            if specific and specific.isdisjoint(self._entities[index]):
                value *= 0.45  # the question names Kashgar; a fact about Horgos is not its answer
            if query.isdisjoint(self._key_numbers[index]):  # "16.58 km²" names the Horgos area as surely as "Horgos"
                value *= 0.7 ** len(self._required[index] - query)
            result[index] = 100 * value
        return result

    def _decide(self, question: str, language: str, query: set[str], all_known: bool,
                scores: Sequence[float]) -> Match:
        t = self.thresholds
        facts = self.fact_base.facts
        if all_known and query and all(c.startswith("@") for c in query) and len(query) == 1:
            # Only a place named ("Horgos", "the Xinjiang FTZ"): answer the first fact about it.
            index = self._place_first_fact.get(next(iter(query))[1:])
            if index is not None:
                return Match(question, Outcome.ANSWER, language, facts[index], max(t.answer, round(scores[index])))
        ranked = sorted(range(len(facts)), key=lambda i: -scores[i])
        best, runner_up = ranked[0], ranked[1] if len(ranked) > 1 else None
        top = scores[best]
        gap = top - scores[runner_up] if runner_up is not None else 100.0
        confidence = round(top)
        if top >= t.answer and (gap >= t.margin or top >= t.sure):
            return Match(question, Outcome.ANSWER, language, facts[best], confidence)
        if top >= t.answer and runner_up is not None and set(facts[best].sources) & set(facts[runner_up].sources):
            # Two facts from the same sentence tie ("established?": the date or the year): the earlier, more
            # general fact answers, and the quoted sentence is right either way.
            return Match(question, Outcome.ANSWER, language, facts[min(best, runner_up)], confidence)
        if top >= t.clarify:
            picks = [i for i in ranked[:3] if scores[i] >= max(t.clarify, top - t.suggestion_window)]
            if len(picks) == 1 and top >= t.answer:
                return Match(question, Outcome.ANSWER, language, facts[best], confidence)
            suggestions = tuple(
                Suggestion(facts[i].id, self.display_question(facts[i], language), round(scores[i])) for i in picks)
            return Match(question, Outcome.CLARIFY, language, confidence=confidence, suggestions=suggestions,
                         reason="several facts fit" if len(picks) > 1 else "not confident enough")
        return Match(question, Outcome.NO_MATCH, language, confidence=confidence, reason="no fact matches well enough")

    @staticmethod
    def display_question(fact: Fact, language: str) -> str:
        """The question to show for a fact in a "did you mean" list."""
        return fact.questions_zh[0] if language == "zh" else fact.questions_en[0]

    def explain(self, question: str) -> dict[str, object]:
        """The terms a question was reduced to, for curators debugging a miss."""
        analysis = self.analyser.analyse_folded(self.analyser.split_greeting(plain_text(fold(question)))[0])
        return {"concepts": analysis.concepts, "unknown": analysis.unknown, "outside": analysis.outside,
                "oov": analysis.oov}


_matchers: dict[tuple[int, Thresholds], Matcher] = {}


def match_question(question: str, fact_base: FactBase, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Match:
    """Match one question against a fact base (the index is built on first use and kept)."""
    key = (id(fact_base), thresholds)
    matcher = _matchers.get(key)
    if matcher is None or matcher.fact_base is not fact_base:
        matcher = _matchers[key] = Matcher(fact_base, thresholds)
    return matcher.match(question)
