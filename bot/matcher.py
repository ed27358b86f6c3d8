"""Match a question against the fact base: answer, clarify, refuse, or recognise small talk.

Pure Python over plain data (no Telegram here). `bot.clauses` finds the asking clauses of a message; `bot.terms`
turns each into terms (places, concepts, refusal cues); facts are indexed by the same terms, so a fact's score is
the weighted overlap between its terms and the clause's, blended with the rapidfuzz similarity to its alternate
questions. Thresholds turn scores into one of four outcomes. Where that lexical decision is unsure, and nothing
in the clause asks for what the article does not give, a semantic layer (`bot.semantic`) may settle it.
"""

from __future__ import annotations

import copy
import functools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from enum import StrEnum

from rapidfuzz import fuzz, process

from bot.clauses import Clause, is_yes_no, message_clauses
from bot.knowledge import Fact, FactBase
from bot.semantic import SemanticIndex, load_encoder, top_two
from bot.terms import Analysis, Term, TermAnalyser, TermKind, plain_text
from bot.text import fold, has_cjk, phrase_pattern, says

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_COMPARISON = re.compile(r"\bthan\b|比|больше|меньше|чем")  # "bigger than 100 km²?" is no claim to check


class Outcome(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    NO_MATCH = "no_match"
    SMALL_TALK = "small_talk"


class Verdict(StrEnum):
    """How a yes/no question is answered, before the fact: "Yes — …" or "No — …"."""

    YES = "yes"
    NO = "no"


class Refusal(StrEnum):
    """Why nothing was answered: the kinds a curator can act on."""

    OUTSIDE = "outside the article"
    NOT_GIVEN = "not in the article"
    NO_KNOWN_WORDS = "no known words"
    TOO_WEAK = "no fact matches well enough"
    UNSURE = "not confident enough"
    SEVERAL = "several facts fit"


@dataclass(frozen=True)
class Suggestion:
    """A fact offered as "did you mean", with the question to show for it."""

    fact_id: str
    question: str
    confidence: int


@dataclass(frozen=True)
class ClosestFact:
    """The fact nearest to a question nobody could answer (`Matcher.closest_fact`), and how that was judged."""

    fact_id: str
    confidence: int  # 0–100
    # "matcher": the matcher answers or suggests it; "below threshold": its best fact, under the bar for a suggestion;
    # "logged": the suggestion offered when the question was asked (`bot.report`, when it has no matcher's word)
    basis: str
    answered: bool = False  # the matcher answers the question with this fact: the fact base has caught up


@dataclass(frozen=True)
class Match:
    """What the matcher made of one message (of one question in it; `parts` holds each when there are several)."""

    question: str
    outcome: Outcome
    language: str
    fact: Fact | None = None
    confidence: int = 0
    suggestions: tuple[Suggestion, ...] = ()
    small_talk: str | None = None  # greeting, thanks, goodbye, about_bot, acknowledgement
    reason: str | None = None  # why nothing was answered, for logs and curators
    verdict: Verdict | None = None  # for a yes/no question: the Yes or No its answer starts with
    parts: tuple[Match, ...] = ()  # a message with several questions: one match per question, in order
    semantic: bool = False  # the semantic layer decided this answer
    follow_up: bool = False  # resolved against the conversation ("and Kashgar?"), or a choice picked by number

    @property
    def answered(self) -> bool:
        return self.outcome is Outcome.ANSWER

    @property
    def refused(self) -> bool:
        """Refused for what it asks (an explicit "not in the article" rule), not for want of a match."""
        return self.outcome is Outcome.NO_MATCH and (self.reason or "").startswith(
            (Refusal.OUTSIDE.value, Refusal.NOT_GIVEN.value))


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
    cjk_oov_share: float = 0.5  # unknown Chinese characters dilute half as much (segmenting them is rough)
    yardstick_weight: float = 0.2  # a figure the article does not state ("bigger than 100 km²?") hardly counts
    coverage_share: float = 0.75  # of the lexical score: how much of the question the fact covers (rest: key terms)
    other_place_penalty: float = 0.45  # the question names Kashgar; a fact about Horgos is not its answer
    zone_wide_penalty: float = 0.75  # the question names Kashgar; a fact about the whole zone may still hold there
    missing_required_penalty: float = 0.7  # per term the fact is about that the question lacks
    subject_elsewhere_penalty: float = 0.6  # "Horgos or Kashgar, which is bigger?" is not about Urumqi the largest
    # Semantic layer (cosine similarity 0–1), consulted only where the lexical match is unsure.
    semantic_min_words: int = 2  # fewer words (Chinese: twice as many characters) never go to the semantic layer
    semantic_answer: float = 0.55  # a question with no usable lexical match is answered at or above this
    semantic_candidates: int = 3  # ... by one of the lexical matcher's best few facts (its words must point there)
    semantic_margin: float = 0.04  # ... and only this far ahead of the next fact
    semantic_tiebreak: float = 0.40  # a "did you mean" is settled by the suggestion at or above this
    semantic_tiebreak_margin: float = 0.05  # ... this far ahead of the other suggestions
    semantic_agree: float = 0.35  # a "did you mean" whose first suggestion is also the semantic best, this close


DEFAULT_THRESHOLDS = Thresholds()
# The longest message read as a question: a longer one is no question, and the front ends (Telegram, the console) answer
# it with the `too_long` notice instead of a match.
MAX_QUESTION_CHARS = 1000
_UNEXPLAINED = "the article uses that word without explaining it"
_FRAGMENT = "a fragment of a question"
# The generic lexicon's concepts for a size ("how much land"), a pick ("which", "name them") and an order ("rank").
_SIZE = Term(TermKind.CONCEPT, "area")
_PICK = Term(TermKind.CONCEPT, "list")
_COUNT = Term(TermKind.CONCEPT, "count")
_RANKING = Term(TermKind.CONCEPT, "ranking")
# Generic concepts asking a measure of a comparison ("how many times bigger"), not which comes first.
_MEASURES = frozenset({"ratio", "share", "sum"})

def with_overrides(thresholds: Thresholds, overrides: Mapping[str, float]) -> Thresholds:
    """`thresholds` with a folder's `[thresholds]` numbers in place (an integer field stays an integer)."""
    unknown = sorted(set(overrides) - {f.name for f in fields(Thresholds)})
    if unknown:
        raise ValueError(f"[thresholds] {unknown[0]}: no such matcher threshold (see bot.matcher.Thresholds)")
    return replace(thresholds, **{name: type(getattr(thresholds, name))(value) for name, value in overrides.items()})


SemanticLoader = Callable[[FactBase], SemanticIndex | None]


def load_semantic_index(fact_base: FactBase) -> SemanticIndex | None:
    """The semantic layer over a fact base, or None when the encoder is not installed."""
    encoder = load_encoder()
    return SemanticIndex(fact_base, encoder) if encoder is not None else None


class Matcher:
    """A fact base indexed for matching. Build once (a few tens of milliseconds), then call `match` per message.

    The semantic layer loads on first need (about a second), or at once with `warm_up()`; `semantic=None` turns
    it off."""

    def __init__(self, fact_base: FactBase, thresholds: Thresholds = DEFAULT_THRESHOLDS,
                 analyser: TermAnalyser | None = None, *,
                 semantic: SemanticLoader | None = load_semantic_index):
        self.fact_base = fact_base
        self.thresholds = with_overrides(thresholds, fact_base.lexicon.thresholds)
        self.analyser = analyser if analyser is not None else TermAnalyser(fact_base)
        self._semantic_loader = semantic
        self._semantic: SemanticIndex | None = None
        self._examples: dict[tuple[str, int], tuple[str, ...]] = {}
        self._probe: Matcher | None = None  # see closest_fact
        self._zone_places = fact_base.lexicon.zone_places
        self._index_facts()

    def fact_terms(self, fact_id: str) -> frozenset[Term]:
        """The terms a fact is indexed by (what questions about it talk of)."""
        for fact, weights in zip(self.fact_base.facts, self._weights, strict=True):
            if fact.id == fact_id:
                return frozenset(weights)
        return frozenset()

    @functools.cached_property
    def lexical(self) -> Matcher:
        """This matcher without its semantic layer, sharing its indexes: for the readings a conversation tries beside
        the message itself (each would otherwise be encoded again: most of a follow-up's time)."""
        view = copy.copy(self)
        view._semantic_loader = None
        view._semantic = None
        return view

    def warm_up(self) -> None:
        """Load the semantic layer now (the bot does, at start-up) instead of on the first unsure question."""
        self._semantic_index()

    def _semantic_index(self) -> SemanticIndex | None:
        if self._semantic is None and self._semantic_loader is not None:
            self._semantic = self._semantic_loader(self.fact_base)
            if self._semantic is None:
                self._semantic_loader = None
        return self._semantic

    def _index_facts(self) -> None:
        t = self.thresholds
        facts = self.fact_base.facts
        self._weights: list[dict[Term, float]] = []
        self._required: list[set[Term]] = []
        self._key_numbers: list[set[Term]] = []
        self._answer_numbers: list[set[str]] = []
        self._stated_numbers: list[set[str]] = []
        zone_terms = {Term(TermKind.PLACE, p) for p in self._zone_places}
        for fact in facts:
            weights: dict[Term, float] = {}
            # The share of a fact's questions that use a term, averaged over its languages, so that the language
            # with the most alternate questions does not outweigh the others.
            shares: defaultdict[Term, float] = defaultdict(float)
            for questions in fact.questions.values():
                counts: Counter[Term] = Counter()
                for question in questions:
                    counts.update(set(self.analyser.analyse(question, correct=False).terms))
                for term, count in counts.items():
                    shares[term] += count / len(questions) / len(fact.questions)
            for term, share in shares.items():
                weights[term] = t.question_base_weight + t.question_share_weight * share
            # What nearly every alternate question asks about is what the fact is about: "largest", "share".
            self._required.append({c for c, share in shares.items()
                                   if share >= t.required_share and c not in zone_terms})
            for keyword in fact.keywords:
                for term in self.analyser.analyse(keyword, correct=False).terms:
                    weights[term] = 1.0
            answer_terms = self.analyser.analyse(fact.answer_words("en"), correct=False).terms
            for term in answer_terms:
                weights.setdefault(term, t.answer_weight)
            for entity in fact.entities:
                weights[Term(TermKind.PLACE, entity)] = 1.0
            self._key_numbers.append({c for c, w in weights.items() if w == 1.0 and c.kind is TermKind.NUMBER})
            numbers = {c.value for c in answer_terms if c.kind is TermKind.NUMBER}
            self._answer_numbers.append(numbers)
            # The figures the article states, not the answer's conversions ("about 69.4 square miles"): a yardstick
            # question ("is it over 150 km²?") is weighed against these.
            quoted = {c.value for source in fact.sources for c in self.analyser.analyse(source, correct=False).terms
                      if c.kind is TermKind.NUMBER}
            self._stated_numbers.append(numbers & quoted or numbers)
            self._weights.append(weights)
        self._entities = [frozenset(fact.entities) for fact in facts]
        self._subjects = [fact.subject for fact in facts]
        self._postings: dict[Term, list[tuple[int, float]]] = {}
        for index, weights in enumerate(self._weights):
            for term, weight in weights.items():
                self._postings.setdefault(term, []).append((index, weight))
        document_frequency: Counter[Term] = Counter()
        for weights in self._weights:
            document_frequency.update(weights)
        total = len(facts)
        self._idf = {c: math.log(1 + total / df) for c, df in document_frequency.items()}
        self._oov_weight = max(self._idf.values(), default=1.0) * t.oov_weight
        self._key_mass = [
            sum(self._idf[c] * w for c, w in weights.items() if w >= t.key_weight) or 1.0 for weights in self._weights
        ]
        # rapidfuzz choices: each alternate question as a sorted term string, with the fact it belongs to.
        choices: dict[str, set[int]] = {}
        for index, fact in enumerate(facts):
            for question in fact.all_questions():
                key = _term_string(self.analyser.analyse(question, correct=False).terms)
                choices.setdefault(key, set()).add(index)
        self._choices = list(choices)
        self._choice_facts = [sorted(indexes) for indexes in choices.values()]
        self._place_first_fact: dict[str, int] = {}
        for index, fact in sorted(enumerate(facts), key=lambda item: (len(item[1].entities), item[0])):
            for entity in fact.entities:
                self._place_first_fact.setdefault(entity, index)
        self.place_names = {p.id: p.all_names()[0] for p in self.fact_base.lexicon.places}  # a name per place id
        year = self.fact_base.lexicon.year_concept
        self._year = Term(TermKind.CONCEPT, year) if year else None
        membership = self.fact_base.lexicon.membership_concept
        self._membership = Term(TermKind.CONCEPT, membership) if membership else None
        definition = self.fact_base.lexicon.definition_concept
        self._definition = Term(TermKind.CONCEPT, definition) if definition else None
        # Words the article uses that the lexicon does not define: "what does 'qualified' mean?" is not answered.
        article = self.analyser.analyse(self.fact_base.article.text, correct=False)
        self._article_words = frozenset(t for t in article.terms if t.kind is TermKind.WORD)

    # --- matching ---------------------------------------------------------------------------------------------

    def match(self, question: str, *, one_question: bool = False) -> Match:
        """Match one message; never raises for any text. With `one_question`, the message is not cut into several
        questions (a follow-up read together with the question before it)."""
        language = detect_language(question)
        terms = self.analyser
        folded = fold(question)
        if language == "en" and terms.reads_as_russian(folded):
            language = "ru"  # "skolko stran svyazyvaet": Russian in Latin letters gets the Russian answer
        plain = plain_text(folded)
        kind = terms.small_talk_of_plain(plain, question)
        if kind is not None:
            return Match(question, Outcome.SMALL_TALK, language, small_talk=kind, confidence=100)
        kind = terms.small_talk_within(plain)
        if kind is not None:
            return Match(question, Outcome.SMALL_TALK, language, small_talk=kind, confidence=100)
        rest, greeting = terms.split_greeting(plain)
        if greeting and (terms.only_small_talk_words(rest) or terms.small_talk_of_plain(rest, rest)):
            return Match(question, Outcome.SMALL_TALK, language, small_talk=greeting, confidence=100)
        clauses = [] if one_question else message_clauses(folded, self.fact_base.lexicon.clauses)
        # In a longer message, a place outside the zone and a membership word must meet in one question: "we ship
        # via Torugart ... how big is the Kashgar part of the zone?" asks no membership.
        whole = self._match_text(question, rest, language, greeting=greeting, membership=len(clauses) <= 1,
                                 question_mark=folded.rstrip().endswith(("?", "？")))
        if len(clauses) <= 1:
            return self._each_place(whole, rest, language)
        units = self._question_units(clauses)
        parts = [part for part, (text, implied) in zip(self._match_units([text for text, _ in units], language),
                                                       units, strict=True) if part.answered or not implied
                 for part in self._each_place(part, text, language).parts or (part,)]
        parts = [p for p in parts if p.outcome is not Outcome.SMALL_TALK and p.reason != _FRAGMENT]
        if whole.refused and not any(p.refused for p in parts):
            # The refusal cue sits in the context ("I'm a student from Bishkek ... how big is it?"), not in what
            # is asked: the whole message is no refusal.
            whole = Match(question, Outcome.NO_MATCH, language, reason=Refusal.TOO_WEAK.value)
        return _combine(whole, parts)

    def _question_units(self, clauses: Sequence[Clause]) -> list[tuple[str, bool]]:
        """The text of each question in a message, and whether it is only implied: an asking clause with the clauses
        that follow it in its sentence ("how big is the Khorgos zone, on the Kazakh side?"), and for one that says
        nothing of its own ("..., can you tell?"), the clause before it too. With no asking clause, the last clause
        that says something. A clause just before a question that names only what the article knows ("kashgar area
        size and what % of the zone") is implied: kept if it is answered. Other clauses before it are context."""
        units: list[tuple[str, bool]] = []
        texts = [plain_text(c.text) for c in clauses]
        asking = [i for i, c in enumerate(clauses) if c.asks]
        if not asking:
            last = next((i for i in reversed(range(len(texts))) if self._has_content(texts[i])), len(clauses) - 1)
            asking = [last]
            # "quick qs: total area, number of regions, largest region": a list of things asked, each implied
            units = [(texts[i], True) for i in range(last) if self._names_a_question(texts[i])]
        for i in asking:
            end = i + 1
            while end < len(clauses) and not clauses[end].asks and clauses[end].sentence == clauses[i].sentence:
                end += 1
            text = " ".join(texts[i:end])
            if i > 0 and not self._has_content(text) and not self._asks_unread(text):
                text = f"{texts[i - 1]} {text}"  # "..., can you tell?"; not "..., is there a bonded warehouse?"
            elif (i > 0 and not clauses[i - 1].asks and clauses[i - 1].sentence == clauses[i].sentence
                  and self._names_an_attribute(texts[i - 1])):
                units.append((texts[i - 1], True))
            units.append((text, False))
        return units

    def _names_a_question(self, text: str) -> bool:
        """A few words the article knows, among them something asked of it ("number of regions"), nothing else."""
        analysis = self.analyser.analyse_folded(text)
        return (len(text.split()) <= 5 and not (analysis.oov or analysis.unknown or analysis.outside)
                and any(t.kind is TermKind.CONCEPT for t in analysis.terms))

    def _asks_unread(self, text: str) -> bool:
        """A yes/no question in words the bot cannot read ("is there a bonded warehouse?"): a question of its own,
        not the tail of the one before ("can you tell?"). Not for Chinese, whose leftover characters say little."""
        return (not has_cjk(text) and bool(self.analyser.analyse_folded(text).oov)
                and is_yes_no(text, self.fact_base.lexicon.clauses))

    def _names_an_attribute(self, text: str) -> bool:
        """Only words the article knows: one of its areas and something asked of it ("urumqi area size")."""
        analysis = self.analyser.analyse_folded(text)
        verbs = self.fact_base.lexicon.clauses.yes_no_words  # "since Urumqi is the largest, ...": a premise
        return (not (analysis.oov or analysis.unknown or analysis.outside) and bool(analysis.places - self._zone_places)
                and any(t.kind is TermKind.CONCEPT for t in analysis.terms) and not verbs & set(text.split()))

    def _match_units(self, units: list[str], language: str) -> list[Match]:
        """Match each question of a message. One that names only a place, or only picks ("which ones?", "total?"),
        asks what the question before it asked; one that names no place may mean the place the one before it named
        or answered about ("what's the population of Horgos and how big is it?"), if that gives an answer."""
        matches: list[Match] = []
        places: list[str] = []
        for unit in units:
            analysis = self.analyser.analyse_folded(unit)
            named = analysis.places - self._zone_places
            match = self._match_text(unit, unit, language, question_mark=True, fragment=True, analysis=analysis)
            before = matches[-1] if matches and matches[-1].answered else None
            picks = self.only_picks(analysis)
            if picks and matches and matches[-1].refused:
                match = replace(match, reason=_FRAGMENT)  # "which ports? need names": the refused question again
            elif matches and (why := self.unlisted(analysis, (matches[-1].question,))):
                # "which 8 countries? is kazakhstan on the list?", "how many ports? is horgos one of them?"
                match = Match(unit, Outcome.NO_MATCH, language, reason=f"{Refusal.NOT_GIVEN.value}: {why}")
            elif before is not None and before.fact is not None and self.gives_its_reason(analysis, before.fact):
                match = replace(before, question=unit)  # "what are banks urged to do and why": that answer says why
            elif before is not None and ((match.reason == _FRAGMENT and named and places) or picks
                                         or (analysis.outside and not analysis.terms and not analysis.unknown)):
                # "kashgar area size? and horgos?", "how many countries, and which ones?", "is Khorgos included? and
                # Yining?": the question before.
                dropped = [] if picks and self._leans(unit) else places  # "what share of total is that": its place
                carried = self._match_text(unit, f"{self._without(dropped, before.question)} {unit}",
                                           language, question_mark=True)
                if not picks or carried.refused or (carried.answered and carried.fact != before.fact):
                    match = carried  # "…, and which is the largest?" asks about the areas the answer before named
            if named:
                places = sorted(named)
            elif not picks:
                fact = before.fact if before is not None else None
                answered_of: list[str] = []  # "what are the three areas and how big is each": of those areas
                if fact is not None and self._leans(unit):
                    answered_of = [fact.subject] if fact.subject else sorted(set(fact.entities) - self._zone_places)
                carry = places or answered_of
                if carry:
                    names = " ".join(self.place_names[p] for p in carry)
                    carried = self._match_text(unit, f"{unit} {names}", language, question_mark=True, fragment=True)
                    if carried.answered and (not match.answered or self._only_about(carried, carry)):
                        match = carried  # an answer of its own stands unless the place narrows it to that place
            matches.append(match)
        return matches

    def _only_about(self, match: Match, places: list[str]) -> bool:
        """The answer is about those places alone ("how big is it" → the Horgos area, not the three areas)."""
        specific = set(match.fact.entities) - self._zone_places if match.fact is not None else set()
        return bool(specific) and specific <= set(places)

    def gives_its_reason(self, analysis: Analysis, fact: Fact) -> bool:
        """A bare "why?" (the `why` concepts alone) after a fact whose answer gives its own reason (a `reasons` word:
        "…, creating a favourable environment")."""
        cues = self.fact_base.lexicon.follow_up
        names = analysis.concept_names
        return (bool(cues.why) and bool(names) and names <= cues.why and not analysis.places - self._zone_places
                and any(reason in fact.answer_words("en").casefold() for reason in cues.reasons))

    def _each_place(self, match: Match, text: str, language: str) -> Match:
        """"How big are Kashgar and Horgos?": an answer for each area named (as parts, in the order named), not the
        one fact naming all three; never where the question compares, ranks, adds up or picks among them."""
        if not match.answered or match.fact is None or match.verdict is not None or match.parts:
            return match
        analysis = self.analyser.analyse_folded(text)
        named = list(dict.fromkeys(t.value for t in analysis.terms
                                   if t.kind is TermKind.PLACE and t.value not in self._zone_places))
        cues = self.fact_base.lexicon.follow_up
        relating = cues.comparisons | cues.selectors | _MEASURES | {_RANKING.value}
        if (len(named) < 2 or not set(named) < set(match.fact.entities) - self._zone_places
                or _SIZE not in analysis.terms or analysis.concept_names & relating
                or any(says(text, c) for c in cues.comparatives)):
            return match  # all three areas named: the fact naming them all answers it; "bigger than" compares
        parts = []
        for place in named:
            alone = self._without([p for p in named if p != place], text)
            part = self._match_text(alone, alone, language)
            if part.fact is None or not part.answered or set(part.fact.entities) - self._zone_places != {place}:
                return match
            parts.append(part)
        return replace(parts[0], question=match.question, confidence=min(p.confidence for p in parts),
                       parts=tuple(parts))

    def unlisted(self, analysis: Analysis, before: Sequence[str]) -> str | None:
        """Why the article cannot say whether a place is one of the things the last question `before` counted or
        asked to list ("how many ports? is Horgos one of them?", "which 8 countries? is Kazakhstan on the list?"),
        read with the fragments after it ("how many ports? and countries?"): the `not_given` reason for listing
        them; None when the question is about the zone (named) or lists its areas."""
        specific = analysis.places - self._zone_places
        if self._membership not in analysis.terms or not (analysis.outside or specific) or (
                analysis.places & self._zone_places):
            return None
        each: list[set[str]] = []
        for question in reversed(before):
            # Word by word: a refusal phrase ("which ports", "какие 8 стран") hides the words it is made of.
            words = plain_text(fold(question)).split()
            each = [{t.value for t in self.analyser.analyse_folded(word).terms} for word in words] + each
            if _PICK.value in set().union(*each) or self.fact_base.lexicon.clauses.wh_words.intersection(words):
                break
        else:
            return None  # nothing before asked to count or list
        names = set().union(*each)
        rules = [rule for rule in self.fact_base.lexicon.not_given if _PICK.value in rule.concepts
                 and not rule.places and rule.concepts - {_PICK.value} <= names and not rule.unless & names]
        for said in reversed(each):  # "how many ports? and countries?": the countries, named last
            for rule in rules:
                if rule.concepts & said - {_PICK.value}:
                    return rule.why
        return None

    def only_picks(self, analysis: Analysis) -> bool:
        """Only selector concepts (which, how many, total): nothing of what is picked from."""
        selectors = self.fact_base.lexicon.follow_up.selectors
        says_more = analysis.places or analysis.unknown or analysis.outside or analysis.oov
        return bool(analysis.terms) and not says_more and all(
            t.kind is TermKind.CONCEPT and t.value in selectors for t in analysis.terms)

    def _leans(self, unit: str) -> bool:
        """A pronoun stands for what was answered before ("whats the smallest area, how big is it")."""
        cues = self.fact_base.lexicon.follow_up
        return any(word in cues.pronouns for word in unit.split()) or any(cue in unit for cue in cues.cjk)

    def _without(self, places: list[str], question: str) -> str:
        """The question without the places named and without its figures."""
        for name in (n for p in places for n in self.fact_base.lexicon.place(p).all_names()):
            question = phrase_pattern(name).sub(" ", question)
        return re.sub(r"\d[\d.,]*", " ", question)  # "kashgar 28.48? whats horgos": its figure is no clue

    def _has_content(self, text: str) -> bool:
        analysis = self.analyser.analyse_folded(text)
        return bool(analysis.terms or analysis.unknown or analysis.outside)

    def _match_text(self, question: str, text: str, language: str, *, greeting: str | None = None,
                    question_mark: bool = False, fragment: bool = False, analysis: Analysis | None = None,
                    membership: bool = True) -> Match:
        """Match one clause (plain text; `analysis` when the caller has it already); with `fragment`, a clause
        naming only places ("..., is Horgos?") is no question of its own; without `membership`, a place outside
        the article is refused even beside a membership word."""
        terms = self.analyser
        analysis = analysis if analysis is not None else terms.analyse_folded(text)
        query = set(analysis.terms)
        yes_no = is_yes_no(text, self.fact_base.lexicon.clauses, question_mark=question_mark)
        only_places = bool(query) and all(t.kind is TermKind.PLACE for t in query)
        specific = analysis.places - self._zone_places
        if (yes_no and only_places and specific and analysis.places & self._zone_places and not analysis.unknown
                and self._membership is not None):
            return self._membership_answer(question, language, analysis)  # "is Horgos inside the zone?"
        if (yes_no and analysis.outside and analysis.places & self._zone_places and not analysis.unknown
                and not analysis.numbers and self._membership is not None and not self._direction(text)
                and {t for t in query if t.kind is not TermKind.PLACE} == {_SIZE}):
            # "does the zone cover Turpan?" (not "is it bigger than the Shanghai one?")
            return self._membership_answer(question, language, analysis)
        if fragment and not analysis.unknown and not analysis.outside and only_places:
            return Match(question, Outcome.NO_MATCH, language, reason=_FRAGMENT)
        if (specific and not analysis.places & self._zone_places and not analysis.numbers
                and {t for t in query if t.kind is not TermKind.PLACE} == {_COUNT}):
            # "хоргос скока?", "kashgar how much": an area has nothing to count; how much of it there is, its size
            analysis.terms = [_SIZE if t == _COUNT else t for t in analysis.terms]
            query = set(analysis.terms)
        membership = membership and self._membership is not None and self._membership in query
        sizing = _SIZE in query or bool(analysis.concept_names & self.fact_base.lexicon.follow_up.comparisons)
        if membership and not yes_no and not analysis.outside and sizing and (specific or _PICK in query):
            # "how much land does the Urumqi part of the zone take up", "which city has the largest part of the
            # zone": a size asked of a part, not a membership
            analysis.terms = [t for t in analysis.terms if t != self._membership]
            query.discard(self._membership)
            membership = False
        if analysis.outside and not (membership and not analysis.unknown):
            return Match(question, Outcome.NO_MATCH, language,
                         reason=f"{Refusal.OUTSIDE.value}: {analysis.outside[0]}")
        if analysis.unknown:
            return Match(question, Outcome.NO_MATCH, language,
                         reason=f"{Refusal.NOT_GIVEN.value}: {analysis.unknown[0]}")
        names = analysis.concept_names
        for rule in self.fact_base.lexicon.not_given:
            if rule.concepts <= names and not rule.unless & names and rule.places <= analysis.places:
                return Match(question, Outcome.NO_MATCH, language, reason=f"{Refusal.NOT_GIVEN.value}: {rule.why}")
        if self._definition in query and not specific and query & self._article_words:  # "what does 'qualified' mean?"
            return Match(question, Outcome.NO_MATCH, language, reason=f"{Refusal.NOT_GIVEN.value}: {_UNEXPLAINED}")
        if not analysis.terms:
            if greeting or terms.small_talk_of_plain(text, text):
                return Match(question, Outcome.SMALL_TALK, language, small_talk=greeting or "greeting",
                             confidence=100)
            # A question of a message in words the bot cannot read ("..., is there a bonded warehouse?") is a
            # question all the same: said to be unanswered beside the answers
            unread = Refusal.TOO_WEAK if fragment and analysis.oov else Refusal.NO_KNOWN_WORDS
            return self._settle(question, text, language, analysis, None,
                                Match(question, Outcome.NO_MATCH, language, reason=unread.value))
        if membership and analysis.outside:
            return self._membership_answer(question, language, analysis)
        comparing = names & self.fact_base.lexicon.follow_up.comparisons
        if len(specific) == 2 and comparing and not yes_no and not names & _MEASURES:
            # "which is bigger, Kashgar or Horgos?" chooses between the two places named: it lists nothing, and
            # it asks their order (the largest of all, Urumqi, is no answer; the smallest, Horgos, may be)
            analysis.terms = [t for t in analysis.terms if t != _PICK] + [_RANKING]
            query = set(analysis.terms)
        why = self.fact_base.lexicon.follow_up.why
        if names & why and not yes_no and any(t not in self._idf for t in analysis.numbers):
            # "why does the zone have four areas?", "why was it set up in 2024?": a figure no fact states is a claim
            # to check first, as if asked "does it have four areas?"
            analysis.terms = [t for t in analysis.terms if not (t.kind is TermKind.CONCEPT and t.value in why)]
            yes_no = True
        if yes_no:
            # "was it set up in 2024?": the figure is the claim to check, not what the question is about; a year
            # still says the question is about a year.
            kept = [t if t.kind is not TermKind.NUMBER or t in self._idf else self._year
                    for t in analysis.terms
                    if t.kind is not TermKind.NUMBER or t in self._idf or _is_year(t.value)]
            analysis.terms = [t for t in kept if t is not None]
            if analysis.numbers and self._direction(text):
                # "зона больше 150 км2?": "больше" compares with the figure, it does not ask for the largest area
                comparisons = self.fact_base.lexicon.follow_up.comparisons
                analysis.terms = [t for t in analysis.terms
                                  if not (t.kind is TermKind.CONCEPT and t.value in comparisons)]
            if not analysis.terms:
                return Match(question, Outcome.NO_MATCH, language, reason=Refusal.TOO_WEAK.value)
            query = set(analysis.terms)
        scores = self.score(analysis)
        decided = self._decide(question, language, query, not analysis.oov, scores)
        decided = self._settle(question, text, language, analysis, scores, decided)
        if decided.answered and decided.fact is not None:
            missing = self._kinds_missing(decided.fact.id, names)
            if missing:  # "how much will phase two cost?": the fact about phase two states no cost
                return Match(question, Outcome.NO_MATCH, language,
                             reason=f"{Refusal.NOT_GIVEN.value}: the article gives no {missing[0]} for that")
        if decided.outcome is Outcome.CLARIFY:
            # Offer only facts that state what is asked for: "which company made the panels?" offers no fact
            # naming nobody, and with none left it is refused like an answer would be.
            offered = tuple(s for s in decided.suggestions if not self._kinds_missing(s.fact_id, names))
            if not offered:
                missing = self._kinds_missing(decided.suggestions[0].fact_id, names)
                return Match(question, Outcome.NO_MATCH, language,
                             reason=f"{Refusal.NOT_GIVEN.value}: the article gives no {missing[0]} for that")
            decided = replace(decided, suggestions=offered)
        if decided.answered and yes_no:
            decided = replace(decided, verdict=self._verdict(decided, analysis, text))
        return decided

    def _kinds_missing(self, fact_id: str, names: set[str]) -> list[str]:
        """The `answer_kinds` a question asks for (of its concept `names`) that the fact does not state."""
        index = next(i for i, fact in enumerate(self.fact_base.facts) if fact.id == fact_id)
        return sorted(k for k in self.fact_base.lexicon.answer_kinds & names
                      if Term(TermKind.CONCEPT, k) not in self._weights[index])

    def _membership_answer(self, question: str, language: str, analysis: Analysis) -> Match:
        """"Is Yining part of it?" No; "is Horgos inside the zone?" Yes: with the fact that lists the zone's areas
        (the one the membership concept weighs most for)."""
        assert self._membership is not None
        postings = self._postings.get(self._membership, [])
        if not postings:
            return Match(question, Outcome.NO_MATCH, language,
                         reason=f"{Refusal.OUTSIDE.value}: {analysis.outside[0]}")
        index = max(postings, key=lambda posting: (posting[1], -posting[0]))[0]
        fact = self.fact_base.facts[index]
        member = not analysis.outside and analysis.places - self._zone_places <= set(fact.entities)
        return Match(question, Outcome.ANSWER, language, fact, 100, verdict=Verdict.YES if member else Verdict.NO)

    def _settle(self, question: str, text: str, language: str, analysis: Analysis, scores: Sequence[float] | None,
                decided: Match) -> Match:
        """Let the semantic layer settle a "did you mean" or a weak no-match; never an explicit refusal, and for a
        no-match only in favour of a fact the question's words already point at."""
        t = self.thresholds
        if decided.outcome not in (Outcome.CLARIFY, Outcome.NO_MATCH) or decided.refused:
            return decided
        if len(text.split()) < t.semantic_min_words and not (has_cjk(text) and len(text) >= 2 * t.semantic_min_words):
            return decided  # one word ("foreign") is too little for a sentence encoder: the user picks
        index = self._semantic_index()
        if index is None:
            return decided
        facts = self.fact_base.facts
        similarities = index.similarities(text)
        specific = {p for p in analysis.places if p not in self._zone_places}
        if decided.outcome is Outcome.CLARIFY:
            offered_ids = {s.fact_id for s in decided.suggestions}
            best, value, runner_up = top_two([similarity if fact.id in offered_ids else -1.0
                                              for fact, similarity in zip(facts, similarities, strict=True)])
            if value >= t.semantic_tiebreak and value - runner_up >= t.semantic_tiebreak_margin:
                return Match(question, Outcome.ANSWER, language, facts[best], decided.confidence, semantic=True)
            overall, value, _ = top_two(similarities)
            if facts[overall].id == decided.suggestions[0].fact_id and value >= t.semantic_agree:
                # Both layers put the same fact first: enough to answer a lexical "not quite sure".
                return Match(question, Outcome.ANSWER, language, facts[overall], decided.confidence, semantic=True)
            return decided
        best, value, runner_up = top_two(similarities)
        if value < t.semantic_answer or value - runner_up < t.semantic_margin:
            return decided
        if scores is not None:
            lexical = sorted(range(len(scores)), key=lambda i: -scores[i])[:t.semantic_candidates]
            if best not in lexical or scores[best] <= 0:
                return decided
        if specific and specific.isdisjoint(self._entities[best]):
            return decided  # it names Kashgar; a fact about another place is no answer, however similar the words
        return Match(question, Outcome.ANSWER, language, facts[best], round(100 * value), semantic=True)

    def _verdict(self, match: Match, analysis: Analysis, text: str) -> Verdict:
        """Yes, unless the question's own claim contradicts the fact: another figure, another place, a non-member."""
        if match.fact is None:
            return Verdict.YES
        index = self.fact_base.facts.index(match.fact)
        if analysis.outside:
            return Verdict.NO  # "is Yining part of it?": not one of the areas
        direction = self._direction(text)
        if direction:
            figures = _figures(t.value for t in analysis.numbers)
            stated = _figures(self._stated_numbers[index])
            if len(figures) == 1 and len(stated) == 1 and figures[0] != stated[0]:
                # "is it over 150 km²?": 179.66 is; "is Horgos under 10 km²?": 16.58 is not.
                return Verdict.YES if (stated[0] > figures[0]) == (direction > 0) else Verdict.NO
        elif not _COMPARISON.search(text):
            claimed = {t.value for t in analysis.numbers}
            if claimed - self._answer_numbers[index]:
                return Verdict.NO  # "was it set up in 2024?"
            answer = fold(match.fact.answer_words("en"))
            for group in self.fact_base.lexicon.exclusive:
                said = {w for w in group if re.search(rf"\b{re.escape(w)}\b", text)}
                if said and not any(re.search(rf"\b{re.escape(w)}\b", answer) for w in said) and any(
                        re.search(rf"\b{re.escape(w)}\b", answer) for w in group):
                    return Verdict.NO  # "did it open in October?": the answer says November
        subject = match.fact.subject
        specific = {p for p in analysis.places if p not in self._zone_places}
        if subject and specific and subject not in specific:
            return Verdict.NO  # "is Kashgar the biggest?"
        return Verdict.YES

    def _direction(self, text: str) -> int:
        """1 when a question compares upwards ("over", "bigger"), -1 downwards ("under"), 0 when neither or both."""
        yardstick = self.fact_base.lexicon.yardstick
        more = any(says(text, w) for w in yardstick.get("more", ()))
        less = any(says(text, w) for w in yardstick.get("less", ()))
        return 1 if more and not less else -1 if less and not more else 0

    def score(self, analysis: Analysis) -> list[float]:
        """A 0–100 score per fact (in fact-base order) for an analysed question."""
        t = self.thresholds
        query = set(analysis.terms)
        idf = self._idf
        # A figure the article does not state ("bigger than 100 km²") is the question's yardstick, not its subject.
        query_mass = sum(idf.get(c) or (t.yardstick_weight if c.kind is TermKind.NUMBER else 1.0) * self._oov_weight
                         for c in query)
        query_mass += self._oov_weight * len(analysis.oov) * (
            t.cjk_oov_share if any(has_cjk(w) for w in analysis.oov) else 1.0)
        specific = {p for p in analysis.places if p not in self._zone_places}
        matched = [0.0] * len(self._weights)
        for term in query:
            for index, weight in self._postings.get(term, ()):
                matched[index] += idf[term] * weight
        candidates = [index for index, value in enumerate(matched) if value > 0]
        fuzzy = [0.0] * len(matched)
        # Choices are sorted term strings already, so plain ratio is token_sort_ratio without re-sorting.
        for _, similarity, position in process.extract(
                _term_string(query), self._choices, scorer=fuzz.ratio, limit=None, score_cutoff=t.fuzzy_cutoff):
            for fact_index in self._choice_facts[position]:
                if similarity > fuzzy[fact_index]:
                    fuzzy[fact_index] = similarity
        weight = t.fuzzy_weight
        result = [0.0] * len(matched)
        for index in candidates:
            coverage = (t.coverage_share * matched[index] / query_mass
                        + (1 - t.coverage_share) * min(1.0, matched[index] / self._key_mass[index]))
            value = (1 - weight) * coverage + weight * fuzzy[index] / 100 * min(1.0, coverage * 2)
            if specific and specific.isdisjoint(self._entities[index]):
                # A fact about the whole zone still holds in each of its areas, less surely than the area's own.
                zone_wide = self._entities[index] <= self._zone_places
                value *= t.zone_wide_penalty if zone_wide else t.other_place_penalty
            subject = self._subjects[index]
            if subject is not None and len(specific) >= 2 and subject not in specific:
                value *= t.subject_elsewhere_penalty
            if query.isdisjoint(self._key_numbers[index]):  # "16.58 km²" names the Horgos area as surely as "Horgos"
                value *= t.missing_required_penalty ** len(self._required[index] - query)
            result[index] = 100 * value
        return result

    def _decide(self, question: str, language: str, query: set[Term], all_known: bool,
                scores: Sequence[float]) -> Match:
        t = self.thresholds
        facts = self.fact_base.facts
        if all_known and len(query) == 1 and next(iter(query)).kind is TermKind.PLACE:
            # Only a place named ("Horgos", "the Xinjiang FTZ"): answer the first fact about it.
            index = self._place_first_fact.get(next(iter(query)).value)
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
            # Two facts from the same sentence tie ("established?": the date or the year): the one drawn from fewer
            # sentences (an overview quotes several), then the earlier; the quoted sentence is right either way.
            chosen = min(best, runner_up, key=lambda i: (len(facts[i].sources), i))
            return Match(question, Outcome.ANSWER, language, facts[chosen], confidence)
        if top >= t.clarify:
            picks = [i for i in ranked[:3] if scores[i] >= max(t.clarify, top - t.suggestion_window)]
            if len(picks) == 1 and top >= t.answer:
                return Match(question, Outcome.ANSWER, language, facts[best], confidence)
            suggestions = tuple(
                Suggestion(facts[i].id, self.display_question(facts[i], language), round(scores[i])) for i in picks)
            reason = Refusal.SEVERAL if len(picks) > 1 else Refusal.UNSURE
            return Match(question, Outcome.CLARIFY, language, confidence=confidence, suggestions=suggestions,
                         reason=reason.value)
        return Match(question, Outcome.NO_MATCH, language, confidence=confidence, reason=Refusal.TOO_WEAK.value)

    @staticmethod
    def display_question(fact: Fact, language: str) -> str:
        """The question to show for a fact in a "did you mean" list."""
        return fact.questions_in(language)[0]

    def explain(self, question: str) -> dict[str, object]:
        """The terms a question was reduced to, for curators debugging a miss."""
        analysis = self.analyser.analyse_folded(self.analyser.split_greeting(plain_text(fold(question)))[0])
        return {"concepts": [t.key for t in analysis.terms], "unknown": analysis.unknown,
                "outside": analysis.outside, "oov": analysis.oov}

    # --- what the front ends offer around answers (Telegram, the console, the curator report) -------------------

    def example_questions(self, language: str, count: int = 3) -> tuple[str, ...]:
        """Example questions (/help): the first question of each topic's first fact that this matcher answers with
        that very fact; the first facts' questions when it answers none of them."""
        key = (language, count)
        if key not in self._examples:
            picked = []
            for topic in self.fact_base.topics:
                facts = self.fact_base.facts_in_topic(topic.id)
                if not facts:
                    continue
                question = self.display_question(facts[0], language)
                if self.match(question).fact == facts[0]:
                    picked.append(question)
            if not picked:  # a matcher that answers none of them still gets examples to show
                picked = [self.display_question(f, language) for f in self.fact_base.facts[:count]]
            self._examples[key] = tuple(picked[:count])
        return self._examples[key]

    def related_facts(self, match: Match, limit: int = 5) -> list[Fact]:
        """The facts to offer for a match (inline results): the fact answered, then others of its topic; or the
        facts suggested; no facts for a refusal or small talk."""
        if match.outcome is Outcome.ANSWER and match.fact is not None:
            related = [f for f in self.fact_base.facts_in_topic(match.fact.topic) if f != match.fact]
            return [match.fact, *related[:limit - 1]]
        if match.outcome is Outcome.CLARIFY:
            suggested = (self.fact_base.fact(s.fact_id) for s in match.suggestions)
            return [f for f in suggested if f is not None][:limit]
        return []

    def closest_fact(self, question: str) -> ClosestFact | None:
        """The fact nearest to a question, for curators: the one answered (`answered`) or suggested first; when there
        is neither, the best-scoring fact with the answer and suggestion bars out of reach ("below threshold")."""
        match = self.match(question)
        if match.outcome is Outcome.ANSWER and match.fact is not None:
            return ClosestFact(match.fact.id, match.confidence, "matcher", answered=True)
        if match.suggestions:
            return ClosestFact(match.suggestions[0].fact_id, match.suggestions[0].confidence, "matcher")
        if self._probe is None:
            # Every fact that scores at all becomes a suggestion. Built once (its index takes a few tens of ms); the
            # analyser and the semantic layer are this matcher's own.
            self._probe = Matcher(self.fact_base, replace(self.thresholds, answer=101, sure=101, clarify=1),
                                  self.analyser, semantic=lambda _: self._semantic_index())
        probe = self._probe.match(question)
        if probe.suggestions:
            return ClosestFact(probe.suggestions[0].fact_id, probe.suggestions[0].confidence, "below threshold")
        if probe.fact is not None:
            return ClosestFact(probe.fact.id, probe.confidence, "below threshold")
        return None


def _figures(values: Iterable[str]) -> list[float]:
    """The figures among `values` that are no year (a figure that does not parse is none)."""
    found = []
    for value in values:
        try:
            number = float(value)
        except ValueError:
            continue
        if not _is_year(value):
            found.append(number)
    return found


def _is_year(value: str) -> bool:
    return value.isdigit() and 1900 <= int(value) <= 2099


def _term_string(terms: Sequence[Term] | set[Term]) -> str:
    return " ".join(sorted({t.key for t in terms}))


def detect_language(text: str) -> str:
    """zh for any Chinese, ru for Cyrillic, else en."""
    if has_cjk(text):
        return "zh"
    return "ru" if _CYRILLIC.search(text) else "en"


def _combine(whole: Match, parts: list[Match]) -> Match:
    """One match for a message from the match of the whole and of each question in it (parts carry their own
    text as `question`; the result carries the whole message's)."""
    answered: list[Match] = []
    for part in parts:
        if part.answered and all(part.fact != a.fact for a in answered):
            answered.append(part)
    refused = [p for p in parts if p.refused]
    # Beside an answer, a question nothing answers is said so ("... what about crypto?"), never silently dropped.
    unanswered = [p for p in parts if p.outcome is Outcome.NO_MATCH and p.reason != Refusal.NO_KNOWN_WORDS.value
                  ] if answered else refused  # "can anyone help?" asks nothing of the article: not shown
    if len(answered) >= 2 or (answered and unanswered):
        shown: list[Match] = []
        for part in parts:
            if part in unanswered or (part.answered and all(part.fact != s.fact for s in shown)):
                shown.append(part)
        return replace(answered[0], question=whole.question, parts=tuple(shown))
    if whole.answered:
        if answered and answered[0].fact != whole.fact and answered[0].confidence > whole.confidence:
            return replace(answered[0], question=whole.question)  # context around the question diluted the whole
        return whole
    if answered:
        return replace(answered[0], question=whole.question)
    if refused:
        return replace(refused[0], question=whole.question)
    if whole.outcome is Outcome.CLARIFY:
        return whole
    clarified = [p for p in parts if p.outcome is Outcome.CLARIFY]
    return replace(clarified[0], question=whole.question) if clarified else whole

