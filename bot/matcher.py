"""Match one question against the fact base: answer, clarify, refuse, or recognise small talk.

Pure Python over plain data (no Telegram here). `bot.message` reads a whole message and asks `match_clause` for each
question in it; `bot.terms` turns a question into terms (places, concepts, refusal cues); facts are indexed by the
same terms, so a fact's score is the weighted overlap between its terms and the question's, blended with the
rapidfuzz similarity to its alternate questions. Thresholds (`bot.thresholds`) turn scores into one of four
outcomes (`bot.match`). Where that lexical decision is unsure, and nothing in the question asks for what the article
does not give, a semantic layer (`bot.semantic`) may settle it.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from bot.clauses import asks, is_yes_no, phrases_pattern
from bot.knowledge import Fact, FactBase, NotGiven
from bot.match import FRAGMENT, ClosestFact, Match, Outcome, Refusal, Suggestion, Verdict
from bot.message import read_message
from bot.terms import (
    COMPARE,
    COUNT,
    LOCATION,
    MEASURES,
    NAME,
    PARTS,
    PICK,
    RANKING,
    RATIO,
    SHARE,
    SIZE,
    SUM,
    TOTAL,
    Analysis,
    Term,
    TermAnalyser,
    TermKind,
    plain_text,
)
from bot.text import alternation, fold, has_cjk, phrase_pattern, says
from bot.thresholds import DEFAULT_THRESHOLDS, Thresholds, with_overrides

if TYPE_CHECKING:
    from bot.semantic import SemanticIndex

# "bigger than 100 km²?" is no claim to check ("чем" a word of its own: not "зачем")
_COMPARISON = re.compile(r"\bthan\b|比|больше|меньше|\bчем\b")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)%")


# The longest message read as a question: a longer one is no question, and the front ends (Telegram, the console) answer
# it with the `too_long` notice instead of a match.
MAX_QUESTION_CHARS = 1000
_UNEXPLAINED = "the article uses that word without explaining it"
_NAME_UNEXPLAINED = "the article does not say what the names of its places mean"
_MOST_COUNTED = 20  # "five areas", "8 ports": a count; larger figures are sizes, years or percents

SemanticLoader = Callable[[FactBase], "SemanticIndex | None"]


def load_semantic_index(fact_base: FactBase) -> SemanticIndex | None:
    """The semantic layer over a fact base, or None when the encoder is not installed."""
    # imported here: numpy and the model load only when the layer is wanted (not for `ask` of what the words settle)
    from bot.semantic import SemanticIndex, load_encoder

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
        self._areas = fact_base.lexicon.area_places
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
        self._percents: list[float | None] = []  # the share an answer states ("about 74.9%"), if any
        zone_terms = {Term(TermKind.PLACE, p) for p in self._zone_places}
        # What the facts count: each small figure with the concept right after it ("five ports", "三个片区")
        self._counts: set[tuple[Term, Term]] = set()
        self._counted_in_sources: list[set[Term]] = []  # what each fact's source sentences count
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
            sources = [self.analyser.analyse(source, correct=False) for source in fact.sources]
            quoted = {c.value for source in sources for c in source.terms if c.kind is TermKind.NUMBER}
            answers = [self.analyser.analyse(fact.answer(language), correct=False) for language in fact.questions]
            self._counts.update(pair for analysis in (*sources, *answers) for pair in _counted(analysis))
            # what the article itself counts ("three areas", "five ports"), not a span an answer works out ("3 years")
            self._counted_in_sources.append({counted for analysis in sources for _, counted in _counted(analysis)})
            self._stated_numbers.append(numbers & quoted or numbers)
            percent = _PERCENT.search(fact.answer("en"))
            self._percents.append(float(percent.group(1)) if percent else None)
            self._weights.append(weights)
        # What the facts count at all: "the 2 smaller areas" counts nothing they count, so it claims nothing
        self._counted_by_facts = {counted for _, counted in self._counts}
        self._entities = [frozenset(fact.entities) for fact in facts]
        self._subjects = [fact.subject for fact in facts]
        # What makes a fact about one place ("largest": Urumqi's), by that place: a question naming another area with
        # it rests on a false claim
        self._claims = [(subject, frozenset(t for t in required if t.kind is TermKind.CONCEPT and t != SIZE))
                        for subject, required in zip(self._subjects, self._required, strict=True)
                        if subject is not None]
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
        # "инин в зоне?", "is Yining in the FTZ?", "is Turpan inside the Xinjiang FTZ?": the zone named right after a
        # `within` word (a determiner and the region's name may come between) holds the place asked of
        within = sorted((fold(w) for w in self.fact_base.lexicon.clauses.within), key=len, reverse=True)
        regions = {fold(n) for n in self.fact_base.lexicon.region_names}
        zone_names = sorted({fold(n) for p in self.fact_base.lexicon.places if p.zone for n in p.all_names()} - regions,
                            key=len, reverse=True)
        names = alternation(zone_names) if zone_names else ""
        openers = "|".join(map(re.escape, sorted(self.fact_base.lexicon.clauses.noun_openers)))
        region_pattern = "|".join(map(re.escape, sorted(regions, key=len, reverse=True)))
        # Chinese puts a link and the zone's name between a place and a part ("阿拉山口算新疆自贸区的片区吗",
        # "石河子有没有自贸区片区")
        links = self.fact_base.lexicon.clauses.part_links
        region = rf"(?:(?:{region_pattern})\s*)?" if region_pattern else ""
        self._part_link = rf"(?:{alternation(links)})?{region}(?:(?:{names})\s*)?的?" if links and names else ""
        # a determiner with perhaps one more word ("in the new FTZ"), and the region's name, may come between
        between = (rf"(?:(?:{openers})\s+(?:\w+\s+)?)?" if openers else "") + (
            rf"(?:(?:{region_pattern})\s+)?" if region_pattern else "")
        within_zh = [w for w in within if has_cjk(w)]
        within_other = [w for w in within if not has_cjk(w)]
        self._in_zone = re.compile("|".join(
            ([rf"(?:{alternation(within_zh)})\s*(?:(?:{region_pattern})\s*)?(?:{names})"] if within_zh else [])
            + ([rf"(?<!\w)(?:{alternation(within_other)})\s+{between}(?:{names})(?!\w)"] if within_other else [])
        )) if within and zone_names else None
        # "the Yining area", "阿拉山口片区", "участок в Кульдже": a part of the zone named after a place outside it
        # (not zones as such: "the free trade zones in Kazakhstan" are other zones)
        parts = sorted(({fold(w) for w in self.fact_base.lexicon.concepts.get(PARTS.value, ())} | {SIZE.value})
                       - {f"{name}s" for name in zone_names}, key=len, reverse=True)
        self._part_nouns = "|".join(map(re.escape, parts))
        # "the area of the zone in Almaty" asks its size: only the words that name nothing but a part
        self._only_part_nouns = "|".join(re.escape(p) for p in parts if p != SIZE.value)
        self._within = "|".join(map(re.escape, within))
        self._zone_names = names
        self._names_zone = re.compile(rf"(?<!\w)(?:{names})(?!\w)") if names else None
        self._relative_years = {fold(phrase): years for phrase, years in self.fact_base.lexicon.relative_years.items()}
        self._opener = rf"(?:(?:{openers})\s+)?" if openers else ""  # "the", "эта" before a name
        # text ending in a `within` word and perhaps a determiner: what follows it is where something is
        self._ends_within = re.compile(rf"(?<!\w)(?:{self._within})\s+{self._opener}$") if within else None
        definition = self.fact_base.lexicon.definition_concept
        self._definition = Term(TermKind.CONCEPT, definition) if definition else None
        # Latin letters next to Chinese ones still stand alone ("文章里的BRI指的是啥")
        self._abbreviations = [
            (a, None if has_cjk(a) else re.compile(rf"(?<![a-z0-9]){re.escape(a)}(?!(?![\u3400-\u9fff])\w)"))
            for a in self.fact_base.lexicon.abbreviations]
        # Words the article uses that the lexicon does not define: "what does 'qualified' mean?" is not answered.
        article = self.analyser.analyse(self.fact_base.article.text, correct=False)
        self._article_words = frozenset(t for t in article.terms if t.kind is TermKind.WORD)
        # "自贸试验区是什么意思", "what does pilot free trade zone mean": a word the article leaves unexplained inside
        # the zone's name (the concept of a `not_given` rule that has only it beside the definition concept)
        hidden = []
        for rule in self.fact_base.lexicon.not_given:
            rest = rule.concepts - {definition}
            if definition in rule.concepts and len(rest) == 1 and not rule.places:
                (concept,) = rest
                words = self.fact_base.lexicon.concepts.get(concept, ())
                if words:
                    hidden.append((concept, phrases_pattern(fold(w) for w in words)))
        self._unexplained_words = hidden
        # The rules refusing to list what the article only counts (ports, countries): see `unlisted`.
        self._listing_rules = [rule for rule in self.fact_base.lexicon.not_given
                               if PICK.value in rule.concepts and not rule.places]

    # --- matching ---------------------------------------------------------------------------------------------

    def match(self, question: str, *, one_question: bool = False) -> Match:
        """Match one message; never raises for any text. With `one_question`, the message is not cut into several
        questions (a follow-up read together with the question before it). The reading of a whole message is
        `bot.message`'s; this class matches one question."""
        return read_message(self, question, one_question=one_question)

    def answer_explains(self, analysis: Analysis, fact: Fact) -> bool:
        """A bare "why?" (the `why` concepts alone) after a fact whose answer gives its own reason (a `reasons` word:
        "…, creating a favourable environment"), or a bare "how?" after one that says how (a `means` word)."""
        cues = self.fact_base.lexicon.follow_up
        answer = fact.answer_words("en").casefold()
        if plain_text(analysis.text) in cues.how:  # "how?" after "..., with lower entry barriers on ..."
            return any(says(answer, means) for means in cues.means)
        return (self.only_why(analysis) and not analysis.places - self._zone_places
                and any(reason in answer for reason in cues.reasons))

    def only_why(self, analysis: Analysis) -> bool:
        """Nothing asked but why ("why?", "почему?", "为啥啊"): the `why` concepts alone."""
        why = self.fact_base.lexicon.follow_up.why
        names = analysis.concept_names
        return bool(why) and bool(names) and names <= why

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
            if PICK.value in set().union(*each) or self.fact_base.lexicon.clauses.wh_words.intersection(words):
                break
        else:
            return None  # nothing before asked to count or list
        names = set().union(*each)
        rules = self._listing_rules_of(names)
        for said in reversed(each):  # "how many ports? and countries?": the countries, named last
            for rule in rules:
                if rule.concepts & said - {PICK.value}:
                    return rule.why
        return None

    def _listing_rules_of(self, names: set[str]) -> list[NotGiven]:
        """The `not_given` rules for listing what the article only counts that `names` (concept names) ask about."""
        return [rule for rule in self._listing_rules if rule.asked_by(names, granted=frozenset({PICK.value}))]

    def only_picks(self, analysis: Analysis, *, measures: bool = False) -> bool:
        """Only selector concepts (which, how many, total), and with `measures` how much of something ("на сколько
        процентов"): nothing of what is picked from or measured."""
        selectors = self.fact_base.lexicon.follow_up.selectors | (MEASURES if measures else frozenset())
        says_more = analysis.places or analysis.unknown or analysis.outside or analysis.oov
        return bool(analysis.terms) and not says_more and all(
            t.kind is TermKind.CONCEPT and t.value in selectors for t in analysis.terms)

    def leans(self, unit: str) -> bool:
        """A pronoun stands for what was answered before ("whats the smallest area, how big is it")."""
        cues = self.fact_base.lexicon.follow_up
        return any(word in cues.pronouns for word in unit.split()) or any(cue in unit for cue in cues.cjk)

    def without_places(self, places: list[str], question: str) -> str:
        """The question without the places named and without its figures."""
        for name in (n for p in places for n in self.fact_base.lexicon.place(p).all_names()):
            question = phrase_pattern(name).sub(" ", question)
        return re.sub(r"\d[\d.,]*", " ", question)  # "kashgar 28.48? whats horgos": its figure is no clue

    def match_clause(self, question: str, text: str, language: str, *, greeting: str | None = None,
                    question_mark: bool = False, fragment: bool = False, analysis: Analysis | None = None,
                    membership: bool = True, claim: bool = False) -> Match:
        """Match one clause (plain text; `analysis` when the caller has it already); with `fragment`, a clause
        naming only places ("..., is Horgos?") is no question of its own; without `membership`, a place outside
        the article is refused even beside a membership word; with `claim`, the clause is a claim to check (a
        yes/no question, whatever its words)."""
        terms = self.analyser
        places_may_be_members = membership
        analysis = analysis if analysis is not None else terms.analyse_folded(text)
        if NAME in analysis.terms:
            self._read_name(analysis)
        query = set(analysis.terms)
        if self._definition is not None and self._asks_expansion(question, text, analysis):
            # "what's BRI?", "R&D = ?", "что такое пояс и путь": what the abbreviation stands for ("что такое" asks
            # it too, not for an overview)
            asked_with = self.fact_base.lexicon.abbreviations_asked_with
            analysis.terms = [t for t in analysis.terms if not (t.kind is TermKind.CONCEPT and t.value in asked_with)]
            analysis.terms.append(self._definition)
            query = set(analysis.terms)
        yes_no = claim or is_yes_no(text, self.fact_base.lexicon.clauses, question_mark=question_mark)
        only_places = bool(query) and all(t.kind is TermKind.PLACE for t in query)
        specific = analysis.places - self._zone_places
        # "does the zone cover Yining (city)?": a word no concept holds beside the place does not change what is asked
        covers = (analysis.outside and not analysis.numbers and not self._direction(text)
                  and {t for t in query if t.kind not in (TermKind.PLACE, TermKind.WORD)} == {SIZE})
        zone_in_text = bool(analysis.places & self._zone_places)
        zone_named = zone_in_text or (covers and self.leans(text))  # "does it cover X"
        named_part = bool(analysis.outside) and self._names_outside_part(
            text, analysis.outside, zone_named=zone_in_text)
        asks_yes_no = is_yes_no(text, self.fact_base.lexicon.clauses, question_mark=question_mark, tags=False)
        # a place put in the zone and nothing else asked ("а достык тоже зона", "we are in Alashankou, is that in the
        # new FTZ") asks whether, question mark or not
        held = bool(analysis.outside) and self._in_zone is not None and self._in_zone.search(text) is not None
        # of the areas only: "新疆自贸区是不是跟一带一路有关" asks how the zone and the Belt and Road relate
        placed = ((only_places and (held or (asks_yes_no and specific & self._areas))) or (asks_yes_no and covers)
                  ) and zone_named
        # an area the zone does not have is so whatever is asked of it ("как работает Турфанский участок?")
        if (named_part or (placed and not analysis.unknown)) and self._membership is not None:
            # "is Horgos inside the zone?", "does the zone cover Turpan?", "а инин в зоне?", "how big is the Yining
            # area?" (not "is it bigger than the Shanghai one?", "does Kazakhstan have an FTZ?", nor "he says the zone
            # is all Urumqi, is that right?")
            return self.membership_answer(question, language, analysis)
        if fragment and not analysis.unknown and not analysis.outside and only_places:
            return Match(question, Outcome.NO_MATCH, language, reason=FRAGMENT)
        asked_of_place = {t for t in query if t.kind is not TermKind.PLACE}
        if (specific and not zone_in_text and not analysis.numbers
                and (asked_of_place - {PARTS} == {COUNT} or (asked_of_place == {PARTS} and not self.leans(text)
                                                             and asks(text, self.fact_base.lexicon.clauses)))):
            # "хоргос скока?", "kashgar how much", "喀什片区多少": an area has nothing to count; how much of it there
            # is, its size
            analysis.terms = list(dict.fromkeys(SIZE if t in (COUNT, PARTS) else t for t in analysis.terms))
            query = set(analysis.terms)
        asked = {t.value for t in query if t.kind is not TermKind.PLACE}
        if (len(specific & self._areas) == 1 and not analysis.numbers and asked
                and asked <= self.fact_base.lexicon.abbreviations_asked_with):
            # "что такое урумчинский участок?": what one of the areas is, its own first fact (as "Urumqi?" alone)
            analysis.terms = [t for t in analysis.terms if t.kind is TermKind.PLACE]
            query = set(analysis.terms)
        what_is = self.fact_base.lexicon.abbreviations_asked_with
        asks_what_is = any(t.value in what_is for t in query) or self._asks_what_thing_is(text)
        if asks_what_is and any(
                t.kind in (TermKind.CONCEPT, TermKind.KEYWORD) and t.value not in what_is for t in query):
            # "what is this zone trying to achieve": "what is this" asks what the rest says, not for an overview;
            # "что такое механизм гарантий", "what's the core area of the Belt and Road?" ask what a term the
            # article leaves unexplained means
            analysis.terms = [t for t in analysis.terms if not (t.kind is TermKind.CONCEPT and t.value in what_is)]
            if self._definition is not None and self._unexplained(analysis.concept_names):
                analysis.terms.append(self._definition)
            query = set(analysis.terms)
        concepts = {t for t in query if t.kind is TermKind.CONCEPT}
        if self._definition is not None and not specific and (concepts == {self._definition, PARTS} or (
                concepts == {self._definition, SIZE} and not analysis.numbers)):
            # "片区是啥意思", "что значит участок", "как называются пять участков зоны": the article says what its
            # areas are by naming them; "what is meant by an area here?" asks that word, not a size
            analysis.terms = [PICK if t == self._definition else PARTS if t == SIZE else t for t in analysis.terms]
            query = set(analysis.terms)
        if (self._definition is not None and specific and specific <= self._areas and not analysis.numbers
                and {t for t in query if t.kind is not TermKind.PLACE} == {self._definition}):
            # "what does Urumqi mean?", "霍尔果斯这个名字啥意思": what a name means, which the article never says
            return Match(question, Outcome.NO_MATCH, language, reason=f"{Refusal.NOT_GIVEN.value}: {_NAME_UNEXPLAINED}")
        # counts no fact states of what they count ("five areas"), and what they count: fixed once the clause is read
        miscounted = self._miscounted(analysis)
        miscounted_what = {c for n, c in analysis.counts if n in miscounted}
        if {TOTAL, COUNT} <= query and SIZE not in query:
            # "一共分几个片区", "how many areas in total": the count, not the total area
            analysis.terms = [t for t in analysis.terms if t != TOTAL]
            query = set(analysis.terms)
        if (TOTAL in query and len(specific & self._areas) >= 2 and not self._areas <= specific
                and not miscounted):  # not "всего два участка, урумчи и хоргос": a wrong count
            # "the total area of Kashgar and Horgos", "общая площадь Кашгара и Хоргоса": those areas added up
            analysis.terms = [SUM if t == TOTAL else t for t in analysis.terms]
            query = set(analysis.terms)
        elif (not yes_no and len(specific & self._areas) == 1 and query & {SIZE, COUNT}
              and (claimed := self._claimed_of_another(query, specific))):
            # "since horgos is the largest part, how big is it?": the largest is another area; their order answers
            analysis.terms = [t for t in analysis.terms if t not in claimed] + [RANKING]
            query = set(analysis.terms)
        elif {TOTAL, COMPARE} <= query and len(specific & self._areas) == 1:
            # "how large is the Urumqi area compared to the total?": its share of the whole
            analysis.terms = [SHARE if t == TOTAL else t for t in analysis.terms if t != COMPARE]
            query = set(analysis.terms)
        membership = membership and self._membership is not None and self._membership in query
        sizing = SIZE in query or bool(analysis.concept_names & self.fact_base.lexicon.follow_up.comparisons)
        if membership and not yes_no and not analysis.outside and sizing and (specific or PICK in query):
            # "how much land does the Urumqi part of the zone take up", "which city has the largest part of the
            # zone": a size asked of a part, not a membership
            analysis.terms = [t for t in analysis.terms if t != self._membership]
            query.discard(self._membership)
            membership = False
        if (analysis.outside and not specific and not analysis.unknown and not membership and zone_in_text
                and self._placed_outside(text, analysis, claimed=yes_no or bool(
                    analysis.concept_names & self.fact_base.lexicon.follow_up.why))):
            # "why did they put the zone in Tibet?", "эта ЗСТ же в тибете": No, with where it is
            located = self._most_weighed(LOCATION)
            if located is not None:
                return Match(question, Outcome.ANSWER, language, located, 100, verdict=Verdict.NO)
        if (analysis.outside and not analysis.unknown and self._membership is not None and places_may_be_members
                and any(counted in (PARTS, SIZE) for number, counted in _counted(analysis) if number in miscounted)):
            # "what's the size of the fourth area, Yining?", "which of the four areas is closest to Kazakhstan?": a
            # part the zone does not have, answered No with its areas
            return self.membership_answer(question, language, analysis)
        if analysis.outside and yes_no and zone_in_text and not analysis.unknown and not claim:
            contradicted = self._claim_beside_another_place(question, text, language, analysis)
            if contradicted is not None:
                return contradicted
        if analysis.outside and not (membership and not analysis.unknown):
            return Match(question, Outcome.NO_MATCH, language,
                         reason=f"{Refusal.OUTSIDE.value}: {analysis.outside[0]}")
        if analysis.unknown and (yes_no or analysis.concept_names & self.fact_base.lexicon.follow_up.why):
            self._date_relative_years(analysis)
        if analysis.unknown:
            return Match(question, Outcome.NO_MATCH, language,
                         reason=f"{Refusal.NOT_GIVEN.value}: {analysis.unknown[0]}")
        names = analysis.concept_names
        ruled = names | self._unstated_year(analysis, yes_no=yes_no) | self._unexplained_in_name(text, analysis)
        for rule in self.fact_base.lexicon.not_given:
            if rule.asked_by(ruled) and rule.places <= analysis.places and not miscounted:
                return Match(question, Outcome.NO_MATCH, language, reason=f"{Refusal.NOT_GIVEN.value}: {rule.why}")
        if self._definition in query and not specific and query & self._article_words:  # "what does 'qualified' mean?"
            return Match(question, Outcome.NO_MATCH, language, reason=f"{Refusal.NOT_GIVEN.value}: {_UNEXPLAINED}")
        if self._definition in query and any(len(w) > 1 and not has_cjk(w) for w in analysis.oov) and all(
                t == self._definition or t.kind is TermKind.NUMBER for t in query):
            # "what's a good recipe for plov?": what is asked of is in words the bot cannot read (not Chinese left
            # over between the words it knows: "官方全称叫啥")
            return Match(question, Outcome.NO_MATCH, language, reason=Refusal.NO_KNOWN_WORDS.value)
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
            # the zone may be named inside a membership phrase ("one of the FTZ areas"): then the zone is what is asked
            zone_said = zone_in_text or (self._names_zone is not None and self._names_zone.search(text) is not None)
            among = [] if zone_said else self._listing_rules_of(names)
            if among:  # "Узбекистан входит в эти 8 стран?": the article does not name them
                return Match(question, Outcome.NO_MATCH, language, reason=f"{Refusal.NOT_GIVEN.value}: {among[0].why}")
            return self.membership_answer(question, language, analysis)
        comparing = names & self.fact_base.lexicon.follow_up.comparisons
        if (len(specific) == 2 and SUM not in query
                and any(says(text, cue) for cue in self.fact_base.lexicon.follow_up.differences)):
            # "насколько кашгар больше хоргоса", "喀什比霍尔果斯多几个平方": by how much, the ratios and differences
            analysis.terms = [t for t in analysis.terms if t != PICK] + [RATIO]
            query = set(analysis.terms)
            names = analysis.concept_names
        if len(specific) == 2 and comparing and not names & MEASURES:
            # "which is bigger, Kashgar or Horgos?" chooses between the two places named: it lists nothing, and
            # it asks their order (the largest of all, Urumqi, is no answer; the smallest, Horgos, may be)
            analysis.terms = [t for t in analysis.terms if t != PICK] + [RANKING]
            query = set(analysis.terms)
        elif len(specific) == 2 and comparing and RATIO in query:
            # "how many times smaller is Horgos than Urumqi": "smaller" says which way the ratio goes, it asks for
            # no smallest area
            analysis.terms = [t for t in analysis.terms if not (t.kind is TermKind.CONCEPT and t.value in comparing)]
            query = set(analysis.terms)
        if SUM in query and (RATIO in query or comparing) and len(specific & self._areas) >= 2:
            # "how many times is Urumqi bigger than Kashgar and Horgos combined", "Кашгар и Хоргос вместе больше или
            # меньше Урумчи?": one area against others added up, which only a fact that adds them up relates (not
            # the ratios of one area to another, nor the largest or smallest)
            analysis.terms = [t for t in analysis.terms
                              if t != RATIO and not (t.kind is TermKind.CONCEPT and t.value in comparing)]
            query = set(analysis.terms)
        why = self.fact_base.lexicon.follow_up.why
        if miscounted or (names & why and not yes_no and any(t not in self._idf for t in analysis.numbers)):
            # "why does the zone have four areas?", "why was it set up in 2024?", "听说有四个片区": a figure no fact
            # states (or a count no fact states of what it counts: "five areas") is a claim to check first, as if
            # asked "does it have four areas?"
            analysis.terms = [t for t in analysis.terms
                              if t not in miscounted and not (t.kind is TermKind.CONCEPT and t.value in why)]
            if miscounted and all(t in miscounted_what or t == TOTAL or t.kind is not TermKind.CONCEPT
                                  for t in analysis.terms):
                # "зона же 2 участка, урумчи и кашгар?", "почему всего два участка?": how many there are is checked
                # (not in "which of the four areas is the biggest?", which asks the biggest)
                analysis.terms = [t for t in analysis.terms if t != TOTAL] + [COUNT]
            query = set(analysis.terms)
            yes_no = True
        if yes_no:
            # "was it set up in 2024?": the figure is the claim to check, not what the question is about; a year
            # still says the question is about a year.
            kept = [t if t.kind is not TermKind.NUMBER or t in self._idf else self._year
                    for t in analysis.terms
                    if t.kind is not TermKind.NUMBER or t in self._idf or _is_year(t.value)]
            analysis.terms = [t for t in kept if t is not None]
            if analysis.numbers and self._direction(text, either=True):
                # "зона больше 150 км2?", "больше трех четвертей или меньше?": "больше" compares with the figure, it
                # does not ask for the largest area
                comparisons = self.fact_base.lexicon.follow_up.comparisons
                analysis.terms = [t for t in analysis.terms
                                  if not (t.kind is TermKind.CONCEPT and t.value in comparisons)]
            if not analysis.terms:
                return Match(question, Outcome.NO_MATCH, language, reason=Refusal.TOO_WEAK.value)
            query = set(analysis.terms)
        scores = self.score(analysis)
        decided = self._decide(question, language, query, not analysis.oov, scores)
        decided = self._settle(question, text, language, analysis, scores, decided)
        if miscounted and not decided.answered:
            # "which of the four areas is best for logistics?": what is asked of them is not said, but the count it
            # rests on is wrong, and that the bot can correct
            decided = self._count_corrected(question, language, analysis, miscounted_what) or decided
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

    def claims_of_another(self, analysis: Analysis) -> bool:
        """True when a clause naming one area says what a fact holds of another ("horgos is the largest part")."""
        specific = analysis.places & self._areas
        return len(specific) == 1 and bool(self._claimed_of_another(set(analysis.terms), specific))

    def _claimed_of_another(self, query: set[Term], specific: set[str]) -> set[Term]:
        """What the query says that makes a fact about another place ("largest": Urumqi's) when it names one area."""
        return {term for subject, claimed in self._claims if subject not in specific for term in claimed & query}

    def _miscounted(self, analysis: Analysis) -> set[Term]:
        """Counts ("five areas", "8 ports") that no fact states of what they count."""
        return {number for number, counted in _counted(analysis)
                if counted in self._counted_by_facts and (number, counted) not in self._counts}

    def _count_corrected(self, question: str, language: str, analysis: Analysis,
                         counted: set[Term]) -> Match | None:
        """The fact whose sources count what a wrong count counts (`counted`; the closest to it, if several do),
        answered No."""
        claim = replace(analysis, terms=[*counted, COUNT])
        scores = self.score(claim)
        stating = [i for i, what in enumerate(self._counted_in_sources) if counted & what and scores[i] > 0]
        if not stating:
            return None
        best = max(stating, key=lambda i: scores[i])
        return Match(question, Outcome.ANSWER, language, self.fact_base.facts[best], 100, verdict=Verdict.NO)

    def _asks_expansion(self, question: str, text: str, analysis: Analysis) -> bool:
        """An abbreviation of the lexicon's asked about alone, with a question word or "=" ("what is BRI in the
        article?", "R&D = ?", "文章里的BRI指的是啥")."""
        if not analysis.terms or self._definition in analysis.terms:
            return False
        starts = {a: _start(pattern.search(text)) if pattern else text.find(a) for a, pattern in self._abbreviations}
        named = [a for a, start in starts.items() if start >= 0]
        markers = self.fact_base.lexicon.clauses.about_markers
        if not named or any(_word_before(text, starts[a]) in markers for a in named):
            return False  # "что там для R&D центров" asks what is there for them
        asked = text
        for cue in self.fact_base.lexicon.follow_up.leading:  # "what about R&D?" asks about R&D again, not its name
            asked = asked.removeprefix(f"{cue} ")
        if "=" not in question and not asks(asked, self.fact_base.lexicon.clauses):
            return False
        rest = text
        for abbreviation in sorted(named, key=len, reverse=True):  # "belt and road initiative" before "belt and road"
            rest = rest.replace(abbreviation, " ")
        left = self.analyser.analyse_folded(rest)
        asked_with = self.fact_base.lexicon.abbreviations_asked_with
        if left.places or left.outside or left.unknown or left.numbers or not all(
                t.kind is TermKind.CONCEPT and t.value in asked_with for t in left.terms):
            return False
        if left.terms or not any(" " in abbreviation for abbreviation in named):
            return True
        # A name of several words asks what it stands for in a short question ("what is belt and road?"), not in a
        # longer one ("что в статье сказано про пояс и путь" asks what the article says of it) nor in a bare "how"
        # carried over from the answer before
        words = rest.split()
        return (len(words) <= self.thresholds.definition_question_words
                and " ".join(words) not in self.fact_base.lexicon.follow_up.how)

    def _asks_what_thing_is(self, text: str) -> bool:
        """The clause asks what a thing is ("what's the core area of the Belt and Road?", "外商投资服务保障机制是什么"),
        not the zone ("what is the FTZ for?")."""
        found = self.fact_base.lexicon.clauses.what_is_pattern.search(text)
        if found is None:
            return False
        # an opening match ends on the thing's first character (or its quote); a Chinese one ends the clause
        thing = text[found.end() - 1:] if found.start() == 0 else ""
        return not (thing and self._names_zone is not None and self._names_zone.match(thing))

    def _kinds_missing(self, fact_id: str, names: set[str]) -> list[str]:
        """The `answer_kinds` a question asks for (of its concept `names`) that the fact does not state."""
        index = next(i for i, fact in enumerate(self.fact_base.facts) if fact.id == fact_id)
        # "what do the barriers refer to?": a fact that names them defines them
        explains = bool(names.intersection(self.fact_base.facts[index].defines))
        return sorted(k for k in self.fact_base.lexicon.answer_kinds & names
                      if Term(TermKind.CONCEPT, k) not in self._weights[index]
                      and not (explains and k == self.fact_base.lexicon.definition_concept))

    def _names_outside_part(self, text: str, outside: Sequence[str], *, zone_named: bool) -> bool:
        """A part of the zone named after a place outside it: the place right before a word for a part ("the Yining
        area", "阿拉山口片区"; not "based in the Almaty area"), a part `within` it ("участок в Кульдже"), or with the
        zone named, a part and then the place ("участок Алматы в ЗСТ"), the zone's name perhaps between ("участок зоны в
        Алматы"), or a word that names only a part right before the place ("у участка Кульджа")."""
        end = r"(?![^\W\u3400-\u9fff])"  # a word ends, or Chinese goes on ("片区有多大")
        after = rf"(?:(?:{self._within})\s+)?" if zone_named else rf"(?:{self._within})\s+"
        # the zone's name may stand between the part and where it is ("участок зоны в Алматы", "the section of the
        # FTZ in Almaty")
        of_zone = (rf"(?:of\s+)?{self._opener}(?:{self._zone_names})\s+" if self._zone_names and self._within
                   else "")
        part = rf"(?<!\w)(?:{self._part_nouns})\s+"
        only_part = rf"(?<!\w)(?:{self._only_part_nouns})\s+" if self._only_part_nouns else None
        for name in outside:
            place = re.escape(name) if has_cjk(name) else rf"(?<!\w){re.escape(name)}"
            between = self._part_link if has_cjk(name) else ""
            if any(not self._lies_within(text[:found.start()]) for found in re.finditer(
                    rf"{place}{between}\s*(?:{self._part_nouns}){end}", text)) or (
                    self._within and re.search(rf"{part}{after}{place}{end}", text)) or (
                    only_part and re.search(rf"{only_part}(?:{of_zone}{after})?{place}{end}", text)):
                return True
        return False

    def _read_name(self, analysis: Analysis) -> None:
        """A name asked of the zone alone is what it is called ("what's the zone's name?": the definition concept);
        of anything else, it picks that thing ("the name of the biggest area" asks which is the biggest)."""
        rest = [t for t in analysis.terms if t != NAME]
        called = bool(rest) and all(t.kind is TermKind.PLACE and t.value in self._zone_places for t in rest)
        named = self._definition if called and self._definition is not None else PICK
        analysis.terms = list(dict.fromkeys(named if t == NAME else t for t in analysis.terms))

    def _date_relative_years(self, analysis: Analysis) -> None:
        """A year said relative to today in a claim to check ("was it set up last year?", "去年成立的吧") is that
        year in figures, checked like one; anything else unknown beside it still refuses."""
        if not all(phrase in self._relative_years for phrase in analysis.unknown):
            return
        this_year = dt.date.today().year
        for phrase in analysis.unknown:
            year = Term(TermKind.NUMBER, str(this_year + self._relative_years[phrase]))
            analysis.terms.append(year)
            analysis.numbers.append(year)
        analysis.unknown = []

    def _unstated_year(self, analysis: Analysis, *, yes_no: bool) -> set[str]:
        """The year concept when a year no fact states is asked about ("what are the plans for 2030?"), for the
        `not_given` rules; a year in a yes/no question is a claim to check instead ("was it set up in 2024?")."""
        if self._year is None or yes_no:
            return set()
        unstated = any(_is_year(t.value) and t not in self._idf for t in analysis.numbers)
        return {self._year.value} if unstated else set()

    def _lies_within(self, before: str) -> bool:
        """`before` ends in a `within` word and perhaps a determiner: what follows is where something is."""
        return self._ends_within is not None and self._ends_within.search(before) is not None

    def _unexplained_in_name(self, text: str, analysis: Analysis) -> set[str]:
        """The concept of a word the article leaves unexplained inside the zone's name, when what that name means is
        asked ("自贸试验区是什么意思"; not its full name: "新疆自贸试验区全称是什么")."""
        if (self._definition not in analysis.terms or not analysis.places & self._zone_places
                or self.fact_base.lexicon.clauses.names_asked_pattern.search(text)):
            return set()
        return {concept for concept, pattern in self._unexplained_words if pattern.search(text)}

    def _unexplained(self, names: set[str]) -> bool:
        """`names` are all of what a `not_given` rule says the article leaves unexplained (its concepts beside the
        definition concept): "what is X" asks what X means."""
        assert self._definition is not None
        meaning = self._definition.value
        return any(meaning in rule.concepts and rule.asked_by(names, granted=frozenset({meaning})) and not rule.places
                   for rule in self.fact_base.lexicon.not_given)

    def _placed_outside(self, text: str, analysis: Analysis, *, claimed: bool) -> bool:
        """The zone said to be `within` a place outside it: asked whether or why (`claimed`: "is the zone in Tibet?",
        "自贸区在西藏吗", "why did they put the zone in Tibet") or with a word between ("зону сделали на территории
        казахстана"); not asked whether one is there ("is there an FTZ in Kazakhstan?"), nor another zone named ("the
        Navoi free economic zone in Uzbekistan", "迪拜自贸区在哪", "the best free zone in Dubai", "tell me about the
        FTZ in Shanghai")."""
        cues = self.fact_base.lexicon.clauses
        if not self._zone_names or not self._within or cues.existence_pattern.search(text):
            return False
        names_another = {*analysis.oov, *analysis.outside, *cues.another}
        for name in analysis.outside:
            # the zone, a word at most ("зону сделали", "ЗСТ же"), `within`, then the place ("на территории X")
            for found in re.finditer(rf"(?:{self._zone_names})\s*(?:(\w+)\s+)?(?:{self._within})\s*{self._opener}"
                                     rf"(?:\w+\s+)?{re.escape(name)}", text):
                before = text[:found.start()].rstrip().removesuffix("的")
                # the words naming the zone, back to a determiner ("the Navoi free economic zone": navoi, free, …)
                naming = list(itertools.takewhile(lambda word: word not in cues.noun_openers, before.split()[:-4:-1]))
                if ((claimed or found.group(1) is not None) and found.group(1) not in names_another
                        and not names_another.intersection(naming)
                        and not before.endswith(tuple(w for w in names_another if has_cjk(w)))):
                    return True
        return False

    def _most_weighed(self, term: Term) -> Fact | None:
        """The fact `term` weighs most for, the first of equals."""
        postings = self._postings.get(term, [])
        if not postings:
            return None
        return self.fact_base.facts[max(postings, key=lambda posting: (posting[1], -posting[0]))[0]]

    def membership_answer(self, question: str, language: str, analysis: Analysis) -> Match:
        """"Is Yining part of it?" No; "is Horgos inside the zone?" Yes: with the fact that lists the zone's areas
        (the one the membership concept weighs most for)."""
        assert self._membership is not None
        fact = self._most_weighed(self._membership)
        if fact is None:
            return Match(question, Outcome.NO_MATCH, language,
                         reason=f"{Refusal.OUTSIDE.value}: {analysis.outside[0]}")
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
            best, value, runner_up = _top_two([similarity if fact.id in offered_ids else -1.0
                                              for fact, similarity in zip(facts, similarities, strict=True)])
            if value >= t.semantic_tiebreak and value - runner_up >= t.semantic_tiebreak_margin:
                return Match(question, Outcome.ANSWER, language, facts[best], decided.confidence, semantic=True)
            overall, value, _ = _top_two(similarities)
            if facts[overall].id == decided.suggestions[0].fact_id and value >= t.semantic_agree:
                # Both layers put the same fact first: enough to answer a lexical "not quite sure".
                return Match(question, Outcome.ANSWER, language, facts[overall], decided.confidence, semantic=True)
            return decided
        best, value, runner_up = _top_two(similarities)
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
        figures = _figures(t.value for t in analysis.numbers)
        compared = self._sizes_in_order(text, analysis) if direction and not figures else []
        if len(compared) == 2:
            # "is Horgos bigger than Kashgar?", "хоргос больше кашгара?": the first area's size against the second's
            return Verdict.YES if (compared[0] > compared[1]) == (direction > 0) else Verdict.NO
        percent = self._percents[index]
        if percent is not None and SHARE in analysis.terms and len(figures) == 1:
            # "is Urumqi more than half of the zone?", "is Horgos about a tenth?": the claim against the answer's 74.9%
            if direction:
                return Verdict.YES if (percent > figures[0]) == (direction > 0) else Verdict.NO
            near = max(self.thresholds.share_claim_points, self.thresholds.share_claim_ratio * figures[0])
            return Verdict.YES if abs(percent - figures[0]) <= near else Verdict.NO
        if direction:
            stated = _figures(self._stated_numbers[index])
            if len(figures) == 1 and len(stated) == 1 and figures[0] != stated[0]:
                # "is it over 150 km²?": 179.66 is; "is Horgos under 10 km²?": 16.58 is not.
                return Verdict.YES if (stated[0] > figures[0]) == (direction > 0) else Verdict.NO
        elif not _COMPARISON.search(text):
            claimed = {t.value for t in analysis.numbers}
            if claimed - self._answer_numbers[index] or self._miscounted(analysis):
                return Verdict.NO  # "was it set up in 2024?", "the zone has 8 ports?" (8 countries, 5 ports)
            if self._excluded_by(match.fact, text):
                return Verdict.NO  # "did it open in October?", "открыли в октябре?": the answer says November
        subject = match.fact.subject
        specific = {p for p in analysis.places if p not in self._zone_places}
        if subject and specific and subject not in specific:
            return Verdict.NO  # "is Kashgar the biggest?"
        if specific and self._areas & set(match.fact.entities) and specific.isdisjoint(match.fact.entities):
            return Verdict.NO  # "Kashgar is 134.6 km², right?": that figure is Urumqi's
        return Verdict.YES

    def _excluded_by(self, fact: Fact, text: str) -> bool:
        """The text says a member of an `exclusive` group the fact's answer says another member of ("October" and
        "November", "second" and "first")."""
        answer = fold(fact.answer_words("en"))
        for group in self.fact_base.lexicon.exclusive:
            said = [member for member in group if any(says(text, w) for w in member)]
            if said and not any(says(answer, w) for member in said for w in member) and any(
                    says(answer, w) for member in group for w in member):
                return True
        return False

    def _claim_beside_another_place(self, question: str, text: str, language: str,
                                    analysis: Analysis) -> Match | None:
        """"Isn't this the second FTZ in the northwest, after Gansu's?": a claim of the zone the article contradicts
        whatever the other place ("first", not "second"), answered No; None when there is none."""
        rest = text
        for name in analysis.outside:
            rest = phrase_pattern(name).sub(" ", rest)
        match = self.match_clause(question, rest, language, claim=True)
        if match.answered and match.fact is not None and match.verdict is Verdict.NO and (
                self._excluded_by(match.fact, text)):
            return match
        return None

    def _sizes_in_order(self, text: str, analysis: Analysis) -> list[float]:
        """The sizes of the zone's areas a question names, in the order it names them (a size is the one figure the
        fact about that area alone states)."""
        named: list[tuple[int, float]] = []
        for place in analysis.places & self._areas:
            index = self._place_first_fact.get(place)
            stated = _figures(self._stated_numbers[index]) if index is not None else []
            positions = [m.start() for name in self.fact_base.lexicon.place(place).all_names()
                         for m in [phrase_pattern(name).search(text)] if m]
            if len(stated) == 1 and positions:
                named.append((min(positions), stated[0]))
        return [size for _, size in sorted(named)]

    def _direction(self, text: str, *, either: bool = False) -> int:
        """1 when a question compares upwards ("over", "bigger"), -1 downwards ("under"), 0 when neither or both;
        with `either`, 1 when it compares either way ("more or less than three quarters?")."""
        yardstick = self.fact_base.lexicon.yardstick
        more = any(says(text, w) for w in yardstick.get("more", ()))
        less = any(says(text, w) for w in yardstick.get("less", ()))
        if either:
            return int(more or less)
        return 1 if more and not less else -1 if less and not more else 0

    def score(self, analysis: Analysis) -> list[float]:
        """A 0–100 score per fact (in fact-base order) for an analysed question."""
        t = self.thresholds
        query = set(analysis.terms)
        idf = self._idf
        # A figure the article does not state ("bigger than 100 km²") is the question's yardstick, not its subject.
        query_mass = sum(idf.get(c) or (t.yardstick_weight if c.kind is TermKind.NUMBER else 1.0) * self._oov_weight
                         for c in query)
        query_mass += self._oov_weight * min(len(analysis.oov), t.oov_counted) * (
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


def _start(found: re.Match[str] | None) -> int:
    return found.start() if found is not None else -1


def _word_before(text: str, index: int) -> str:
    """The word just before `index` in `text` ("" at its start)."""
    words = text[:index].split()
    return words[-1] if words else ""


def _is_year(value: str) -> bool:
    return value.isdigit() and 1900 <= int(value) <= 2099


def _term_string(terms: Sequence[Term] | set[Term]) -> str:
    return " ".join(sorted({t.key for t in terms}))


def _counted(analysis: Analysis) -> Iterable[tuple[Term, Term]]:
    """Each small whole number with the concept right after it: what it counts ("five areas", "8 ports")."""
    for number, counted in analysis.counts:
        if number.value.isdigit() and 2 <= int(number.value) <= _MOST_COUNTED:
            yield number, counted


def _top_two(scores: Sequence[float]) -> tuple[int, float, float]:
    """The best index, its score, and the runner-up's score."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    runner_up = scores[order[1]] if len(order) > 1 else 0.0
    return order[0], scores[order[0]], runner_up
