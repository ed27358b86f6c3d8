"""Match a question against the fact base: answer, clarify, refuse, or recognise small talk.

Pure functions over plain data (no Telegram here). A question is normalised (Unicode, case, quotes, accents),
split into terms, and each term is mapped through the lexicon to a place, a concept (synonym group), a refusal cue
(a place or attribute the article never covers) or a plain word; typos are corrected against the vocabulary with
rapidfuzz. Facts are indexed by the same terms, so scoring is a weighted overlap between the question's terms and
each fact's, blended with a rapidfuzz similarity to the fact's alternate questions.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import Stemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from text_to_num import alpha2digit

from bot.knowledge import Fact, FactBase
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
    typo_cutoff: int = 80  # rapidfuzz ratio a word needs to count as a misspelling of a known word
    fuzzy_weight: float = 0.25  # share of the score from rapidfuzz similarity to the alternate questions


DEFAULT_THRESHOLDS = Thresholds()

# Term kinds. A term is (kind, value).
PLACE, CONCEPT, UNKNOWN_ATTRIBUTE, OUTSIDE = "place", "concept", "unknown", "outside"
STOP, WORD, NUMBER = "stop", "word", "number"
_MARK = "\ue000"
_TOKEN = re.compile(_MARK + r"\d+|\d+(?:\.\d+)?|[^\W_]+")
_ZH_SPAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\u3400-\u9fff\uf900-\ufaff]+")
_NUMBER_WORD = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand)\b")
_HALF = re.compile(r"\b(\d+) and a half\b")
_SPLIT_YEAR = re.compile(r"\b(19|20) (\d\d)\b")
_WORD = re.compile(r"[^\W\d_]+")
_PUNCT = re.compile(r"[^\w\s%&²'.]")
_POSSESSIVE = re.compile(r"(\w)'s\b")
_ZONE_PLACES = frozenset({"ftz"})


@dataclass
class Analysis:
    """A question turned into terms."""

    concepts: list[str] = field(default_factory=list)
    places: set[str] = field(default_factory=set)
    unknown: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    oov: list[str] = field(default_factory=list)
    text: str = ""


class Matcher:
    """A fact base indexed for matching. Build once (a few milliseconds), then call `match` per question."""

    def __init__(self, fact_base: FactBase, thresholds: Thresholds = DEFAULT_THRESHOLDS):
        self.fact_base = fact_base
        self.thresholds = thresholds
        lexicon = fact_base.lexicon
        self._stemmer = Stemmer.Stemmer("english")
        self._words: dict[str, tuple[str, str]] = {}
        self._phrases: dict[str, tuple[str, str]] = {}
        self._zh_terms: dict[str, tuple[str, str]] = {}
        # Lower layers first: later entries override, so places beat refusal cues beat concepts beat stopwords.
        for word in lexicon.stopwords_en:
            self._add_en(word, (STOP, word))
        for word in lexicon.stopwords_zh:
            self._zh_terms[word] = (STOP, word)
        for concept, words in lexicon.concepts.items():
            for word in words:
                self._add_term(word, (CONCEPT, concept))
        for word in lexicon.unknown_attributes_en:
            self._add_en(word, (UNKNOWN_ATTRIBUTE, word))
        for word in lexicon.unknown_attributes_zh:
            self._zh_terms[word] = (UNKNOWN_ATTRIBUTE, word)
        for word in lexicon.outside_entities_en:
            self._add_en(word, (OUTSIDE, word))
        for word in lexicon.outside_entities_zh:
            self._zh_terms[word] = (OUTSIDE, word)
        for place in lexicon.places:
            for name in place.names:
                self._add_en(name, (PLACE, place.id))
            for name in place.names_zh:
                self._zh_terms[name] = (PLACE, place.id)
        longest_first = sorted(self._phrases, key=len, reverse=True)
        self._phrase_pattern = re.compile(
            r"(?<![^\W_])(" + "|".join(re.escape(p) for p in longest_first) + r")(?![^\W_])"
        ) if self._phrases else None
        self._phrase_list = list(self._phrases)
        self._phrase_index = {p: i for i, p in enumerate(self._phrase_list)}
        # Words the facts use that the lexicon does not define are terms of their own (by stem).
        lexicon_stems = {self._stemmer.stemWord(w): term for w, term in self._words.items() if term[0] != STOP}
        for fact in fact_base.facts:
            for text in (*fact.questions_en, *fact.keywords, fact.answer_en):
                for token in _TOKEN.findall(self._mark_phrases(self._prepare_en(fold(text)))):
                    if token[0] != _MARK and not token[0].isdigit() and token not in self._words and not has_cjk(token):
                        stem = self._stemmer.stemWord(token)
                        self._words.setdefault(token, lexicon_stems.get(stem, (WORD, stem)))
            for keyword in fact.keywords:
                if has_cjk(keyword):
                    self._zh_terms.setdefault(fold(keyword), (CONCEPT, "zh:" + fold(keyword)))
        self._numbers: list[tuple[str, float]] = []
        for fact in fact_base.facts:
            for text in (*fact.questions_en, *fact.keywords, fact.answer_en):
                for number in re.findall(r"\d+(?:\.\d+)?", self._prepare_en(fold(text))):
                    if (number, float(number)) not in self._numbers:
                        self._numbers.append((number, float(number)))
        self._stems = {self._stemmer.stemWord(w): term for w, term in self._words.items() if term[0] != STOP}
        # Every word the lexicon or the facts use, phrases included, is a target for typo correction.
        self._known = set(self._words) | {w for p in self._phrases for w in _WORD.findall(p)}
        self._vocabulary_by_initial: dict[str, list[str]] = {}
        for word in sorted(self._known):
            if len(word) >= 3 and word.isalpha():
                self._vocabulary_by_initial.setdefault(word[0], []).append(word)
        self._zh_max = max((len(t) for t in self._zh_terms), default=1)
        self._typo_cache: dict[str, tuple[str, str] | None] = {}
        self._small_talk = {fold(p): kind for kind, phrases in lexicon.small_talk.items() for p in phrases}
        self._small_talk_words = {w for p in self._small_talk for w in _WORD.findall(p)} - set(self._words)
        self._small_talk = {_plain(k): kind for k, kind in self._small_talk.items()}
        self._small_talk_keys = list(self._small_talk)
        self._small_talk_kinds = list(self._small_talk.values())
        self._index_facts()

    # --- building ---------------------------------------------------------------------------------------------

    def _add_term(self, word: str, term: tuple[str, str]) -> None:
        if has_cjk(word):
            self._zh_terms[word] = term
        else:
            self._add_en(word, term)

    def _add_en(self, word: str, term: tuple[str, str]) -> None:
        word = " ".join(self._prepare_en(fold(word)).split())
        tokens = _TOKEN.findall(word)
        if len(tokens) == 1 and tokens[0] == word:
            self._words[word] = term
        else:
            self._phrases[word] = term

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
                counts.update(set(self._analyse(question, correct=False).concepts))
            for concept, count in counts.items():
                weights[concept] = 0.3 + 0.7 * count / len(questions)
            # What nearly every alternate question asks about is what the fact is about: "largest", "share".
            self._required.append({c for c, n in counts.items() if n >= 0.8 * len(questions) and c != "@ftz"})
            for keyword in fact.keywords:
                for concept in self._analyse(keyword, correct=False).concepts:
                    weights[concept] = 1.0
            for concept in self._analyse(fact.answer_en, correct=False).concepts:
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
                concepts = " ".join(sorted(set(self._analyse(question, correct=False).concepts)))
                choices.setdefault(concepts, set()).add(index)
        self._choices = list(choices)
        self._choice_facts = [sorted(indexes) for indexes in choices.values()]
        self._place_first_fact: dict[str, int] = {}
        for index, fact in sorted(enumerate(facts), key=lambda item: (len(item[1].entities), item[0])):
            for entity in fact.entities:
                self._place_first_fact.setdefault(entity, index)

    # --- analysing --------------------------------------------------------------------------------------------

    def _prepare_en(self, text: str) -> str:
        """English text (already folded) ready for phrase matching: numbers as digits, no stray punctuation."""
        text = _POSSESSIVE.sub(r"\1", text).replace("%", " percent ")
        if _NUMBER_WORD.search(text):
            # "one hundred and thirty-five" → 135, "twenty twenty-three" → 2023, "sixteen and a half" → 16.5
            text = alpha2digit(text, "en")
            text = _SPLIT_YEAR.sub(r"\1\2", _HALF.sub(lambda m: f"{m.group(1)}.5", text))
        return _PUNCT.sub(" ", text.replace("-", " "))

    def _mark_phrases(self, text: str) -> str:
        if self._phrase_pattern is None:
            return text
        return self._phrase_pattern.sub(lambda m: f" {_MARK}{self._phrase_index[m.group(1)]} ", text)

    def _term(self, token: str) -> tuple[str, str] | None:
        if token[0] == _MARK:
            return self._phrases[self._phrase_list[int(token[1:])]]
        term = self._words.get(token)
        if term is not None:
            return term
        if token[0].isdigit():
            return (NUMBER, self._nearest_number(token))
        return self._stems.get(self._stemmer.stemWord(token))

    def _nearest_number(self, token: str) -> str:
        """A number close to one the facts state (180 for 179.66) stands for it; others stay as they are."""
        try:
            value = float(token)
        except ValueError:
            return token
        for number, known in self._numbers:
            if value == known or (known > 10 and abs(value - known) <= 0.03 * known):
                return number
        return token

    def _correct(self, word: str) -> str:
        """The known word a misspelt word stands for, or the word itself."""
        if word in self._known or len(word) < 3 or not word.isalpha() or self._stemmer.stemWord(word) in self._stems:
            return word
        cached = self._typo_cache.get(word)
        if cached is not None:
            return cached
        # Misspellings keep the first letter and are one edit away (two in long words); real words that merely
        # resemble a known one ("account" / "count") differ more, so they stay unknown and lower the confidence.
        limit = 1 if len(word) < 7 else 2
        found = process.extract(word, self._vocabulary_by_initial.get(word[0], ()), scorer=OSA.distance,
                                score_cutoff=limit, limit=None)
        # Among equally close words prefer a longer one: typing drops letters more often than it adds them.
        # Then a word that means something on its own ("when") over one that only occurs inside a phrase ("went").
        best = min(found, key=lambda f: (f[1], len(f[0]) < len(word), f[0] not in self._words,
                                         -_common_prefix(f[0], word), abs(len(f[0]) - len(word))), default=None)
        result = best[0] if best is not None else word
        if len(self._typo_cache) > 50_000:
            self._typo_cache.clear()
        self._typo_cache[word] = result
        return result

    def _analyse(self, question: str, correct: bool = True) -> Analysis:
        return self._analyse_folded(fold(question), correct)

    def _analyse_folded(self, text: str, correct: bool = True) -> Analysis:
        analysis = Analysis(text=text)
        for span in _ZH_SPAN.findall(text):
            if has_cjk(span):
                self._analyse_zh(span, analysis)
            else:
                self._analyse_en(span, analysis, correct)
        return analysis

    def _analyse_en(self, text: str, analysis: Analysis, correct: bool) -> None:
        text = self._prepare_en(text)
        if correct:
            text = _WORD.sub(lambda m: self._correct(m.group(0)), text)
        for token in _TOKEN.findall(self._mark_phrases(text)):
            term = self._term(token)
            if term is None:
                if token.isalpha() and len(token) > 1:
                    analysis.oov.append(token)
                continue
            self._collect(term, analysis)

    def _analyse_zh(self, text: str, analysis: Analysis) -> None:
        # Greedy longest match of known terms; leftover characters count as unknown words.
        position, leftover = 0, []
        while position < len(text):
            for length in range(min(self._zh_max, len(text) - position), 0, -1):
                term = self._zh_terms.get(text[position:position + length])
                if term is not None:
                    if leftover:
                        analysis.oov.append("".join(leftover))
                        leftover = []
                    self._collect(term, analysis)
                    position += length
                    break
            else:
                leftover.append(text[position])
                position += 1
        if leftover:
            analysis.oov.append("".join(leftover))

    @staticmethod
    def _collect(term: tuple[str, str], analysis: Analysis) -> None:
        kind, value = term
        if kind == PLACE:
            analysis.places.add(value)
            analysis.concepts.append("@" + value)
        elif kind in (CONCEPT, WORD, NUMBER):
            analysis.concepts.append(value)
        elif kind == UNKNOWN_ATTRIBUTE:
            analysis.unknown.append(value)
        elif kind == OUTSIDE:
            analysis.outside.append(value)

    # --- matching ---------------------------------------------------------------------------------------------

    def small_talk_kind(self, question: str) -> str | None:
        """The kind of small talk a whole message is (greeting, thanks, ...), or None."""
        return self._small_talk_kind(_plain(fold(question)), question)

    def _small_talk_kind(self, text: str, question: str) -> str | None:
        if not text:
            stripped = question.strip()
            return "acknowledgement" if stripped and not any(ch.isalnum() for ch in stripped) else None
        kind = self._small_talk.get(text)
        if kind is None and len(text) >= 3 and len(text) <= 30:
            best = process.extractOne(text, self._small_talk_keys, scorer=fuzz.ratio, score_cutoff=86)
            if best is not None:
                kind = self._small_talk_kinds[best[2]]
        return kind

    def _only_small_talk_words(self, text: str) -> bool:
        """True for the tail of "thanks, that was really helpful": nothing but stopwords and small-talk words."""
        words = _WORD.findall(text)
        return all(w in self._small_talk_words or self._words.get(w, ("",))[0] == STOP for w in words)

    def _strip_small_talk(self, text: str) -> tuple[str, str | None]:
        """Split a leading greeting or thanks off a longer question ("hi, how big is it?"); text is plain."""
        words = text.split()
        for cut in range(min(4, len(words) - 1), 0, -1):
            kind = self._small_talk.get(" ".join(words[:cut]))
            if kind in ("greeting", "thanks", "acknowledgement"):
                return " ".join(words[cut:]), kind
        return text, None

    def match(self, question: str) -> Match:
        """Match one question; never raises for any text."""
        language = "zh" if has_cjk(question) else "en"
        plain = _plain(fold(question))
        kind = self._small_talk_kind(plain, question)
        if kind is not None:
            return Match(question, Outcome.SMALL_TALK, language, small_talk=kind, confidence=100)
        rest, greeting = self._strip_small_talk(plain)
        if greeting and self._only_small_talk_words(rest):
            return Match(question, Outcome.SMALL_TALK, language, small_talk=greeting, confidence=100)
        analysis = self._analyse_folded(rest)
        if analysis.outside:
            return Match(question, Outcome.NO_MATCH, language, reason=f"outside the article: {analysis.outside[0]}")
        if analysis.unknown:
            return Match(question, Outcome.NO_MATCH, language, reason=f"not in the article: {analysis.unknown[0]}")
        query = set(analysis.concepts)
        for rule in self.fact_base.lexicon.not_given:
            if rule.concepts <= query and not rule.unless & query:
                return Match(question, Outcome.NO_MATCH, language, reason=f"not in the article: {rule.why}")
        if not analysis.concepts:
            if greeting or self._small_talk_kind(rest, rest):
                return Match(question, Outcome.SMALL_TALK, language, small_talk=greeting or "greeting", confidence=100)
            return Match(question, Outcome.NO_MATCH, language, reason="no known words")
        scores = self.score(analysis)
        return self._decide(question, language, analysis, scores)

    def score(self, analysis: Analysis) -> list[float]:
        """A 0–100 score per fact (in fact-base order) for an analysed question."""
        query = set(analysis.concepts)
        idf = self._idf
        query_mass = sum(idf.get(c, self._oov_weight) for c in query) + self._oov_weight * len(analysis.oov) * (
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

    def _decide(self, question: str, language: str, analysis: Analysis, scores: Sequence[float]) -> Match:
        t = self.thresholds
        facts = self.fact_base.facts
        query = set(analysis.concepts)
        if not analysis.oov and query and all(c.startswith("@") for c in query) and len(query) == 1:
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
        analysis = self._analyse_folded(self._strip_small_talk(_plain(fold(question)))[0])
        return {"concepts": analysis.concepts, "unknown": analysis.unknown, "outside": analysis.outside,
                "oov": analysis.oov}


_matchers: dict[int, Matcher] = {}


def match_question(question: str, fact_base: FactBase, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Match:
    """Match one question against a fact base (the index is built on first use and kept)."""
    key = id(fact_base) ^ hash(thresholds)
    matcher = _matchers.get(key)
    if matcher is None or matcher.fact_base is not fact_base:
        matcher = _matchers[key] = Matcher(fact_base, thresholds)
    return matcher.match(question)


def match_many(questions: Iterable[str], matcher: Matcher) -> list[Match]:
    return [matcher.match(q) for q in questions]


def _plain(text: str) -> str:
    """Folded text without punctuation, single-spaced: what small talk is compared on."""
    return " ".join(_PUNCT.sub(" ", text).split())


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
