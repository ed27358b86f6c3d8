"""Conversations: turn one incoming message into one reply, remembering what was last answered.

A short follow-up ("and Kashgar?", "when was that?", "which is bigger?", "what about insurers?") is resolved against
the last answers of the same conversation for a while (10 minutes by default); a complete question is always
answered on its own, and context never turns a refusal into an answer. Typing the number of a "did you mean"
choice answers that choice. Pure Python over the matcher: Telegram, the console and the CLI all use it.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace

from bot.match import Match, Outcome, Refusal, Verdict
from bot.matcher import Matcher
from bot.terms import Analysis, Term, TermKind, plain_text
from bot.text import detect_language, fold, says

DEFAULT_MEMORY_SECONDS = 600.0
DEFAULT_MAX_CONVERSATIONS = 10_000
_FOLLOW_UP_WORDS = 8  # a follow-up is short: at most this many words (Chinese: twice as many characters)
_CHOICE = re.compile(r"^\s*#?(\d{1,2})[.)]?\s*$")


@dataclass(frozen=True)
class Turn:
    """What the conversation remembers of one answered question: no user data beyond the question's terms."""

    question: str  # plain text of the question as it was resolved
    places: frozenset[str]
    fact_id: str


class Conversation:
    """One conversation's context: the last answered questions and the last "did you mean" offered."""

    def __init__(self, matcher: Matcher, *, memory_seconds: float = DEFAULT_MEMORY_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.matcher = matcher
        self._memory = memory_seconds
        self._clock = clock
        self._turns: list[Turn] = []
        self._choices: tuple[str, ...] = ()
        self._last_at = clock()
        self._last_language = "en"
        self._asked: tuple[str, ...] = ()  # the last three messages answered or refused

    def reply(self, message: str) -> Match:
        """The match to answer `message` with, follow-ups resolved; never raises for any text."""
        now = self._clock()
        if now - self._last_at > self._memory:
            self._turns, self._choices, self._asked = [], (), ()
        self._last_at = now
        chosen = self._choice(message)
        if chosen is not None:
            return chosen
        match = self.matcher.match(message)
        if not (self._asked or self._turns) or match.outcome is Outcome.SMALL_TALK:
            self._remember(match)
            return match
        text = plain_text(fold(message))
        analysis = self.matcher.analyser.analyse_folded(text)
        if match.refused and self._turns:
            match = self._another_member(message, text, analysis, match)
        if match.refused:
            self._remember(match)
            return match
        why = self.matcher.unlisted(analysis, self._asked) if match.answered else None
        if why:  # "how many countries does it connect?", then "is Kazakhstan one of them?"
            match = Match(message, Outcome.NO_MATCH, match.language, reason=f"{Refusal.NOT_GIVEN.value}: {why}",
                          follow_up=True)
        elif self._turns and (analysis.terms or not analysis.oov) and self._is_follow_up(text, analysis, match):
            # not "who announced it?": a word the bot cannot read is what is asked; no context makes it readable
            resolved = self._resolve(message, text, analysis, match)
            if resolved is not None:
                match = resolved
        self._remember(match)
        return match

    def _another_member(self, message: str, text: str, analysis: Analysis, refused: Match) -> Match:
        """"What about Almaty?" after "is Kashgar in the zone?": the membership asked again of a place outside the
        article (answered No, with the areas); any other refusal stands."""
        if not analysis.outside or analysis.terms or analysis.unknown:
            return refused
        asked = self._without_places(self._turns[-1].question, keep_zone=True)
        match = self.matcher.lexical.match(f"{asked} {text}", one_question=True)
        if not (match.answered and match.verdict is Verdict.NO and not match.parts):
            # "which cities make up the zone?", then "and Alashankou?": is it one of them
            member = self.matcher.membership_answer(message, refused.language, analysis)
            if not member.answered or member.fact is None or member.fact.id != self._turns[-1].fact_id:
                return refused
            match = member
        return replace(match, question=message, language=detect_language(message), follow_up=True)

    def _choice(self, message: str) -> Match | None:
        found = _CHOICE.match(message)
        if not found or not self._choices:
            return None
        number = int(found.group(1))
        if not 1 <= number <= len(self._choices):
            return None
        fact = self.matcher.fact_base.fact(self._choices[number - 1])
        if fact is None:
            return None
        question = self.matcher.display_question(fact, "en")
        match = Match(message, Outcome.ANSWER, self._last_language, fact, 100, follow_up=True)
        self._choices = ()
        self._turns.append(Turn(plain_text(fold(question)), frozenset(fact.entities), fact.id))
        return match

    def _is_follow_up(self, text: str, analysis: Analysis, match: Match) -> bool:
        """Short, and leaning on what came before: a cue word, a pronoun, no place named, or nothing but a place."""
        words = text.split()
        cjk = sum(1 for c in text if "\u3400" <= c <= "\u9fff")
        if len(words) > _FOLLOW_UP_WORDS or cjk > 2 * _FOLLOW_UP_WORDS:
            return False
        cues = self.matcher.fact_base.lexicon.follow_up
        if words and (words[0] in cues.leading or any(w in cues.pronouns for w in words)):
            return True
        if any(text.endswith(end) or text.startswith(end) for end in cues.cjk):
            return True
        return not analysis.places or all(t.kind is TermKind.PLACE for t in analysis.terms) or not match.answered

    def _resolve(self, message: str, text: str, analysis: Analysis, alone: Match) -> Match | None:
        """The first reading of a follow-up (`text`: the message as plain text) that the matcher answers, or None."""
        zone = self.matcher.fact_base.lexicon.zone_places
        named = frozenset(analysis.places - zone)
        last = self._turns[-1]
        names = self.matcher.place_names
        earlier = self._turns[-2].places - zone if len(self._turns) >= 2 else frozenset()
        candidates: list[str] = []
        cues = self.matcher.fact_base.lexicon.follow_up
        comparing = analysis.concept_names & cues.comparisons
        against = (last.places - zone) - named
        fact = self.matcher.fact_base.fact(last.fact_id)
        if fact is not None and self.matcher.answer_explains(analysis, fact):
            # "why?" after an answer that gives its own reason ("..., creating a favourable environment"): that one.
            return Match(message, Outcome.ANSWER, detect_language(message), fact, 100, follow_up=True)
        if self.matcher.only_picks(analysis) and not comparing:
            # "which ones?", "how many then?": what was last asked, picked from; refused if the article says not.
            match = self.matcher.lexical.match(f"{last.question} {text}", one_question=True)
            if match.refused or (match.answered and match.fact is not None and match.fact.id != last.fact_id):
                return replace(match, question=message, language=detect_language(message), follow_up=True,
                               parts=())
        if named and against and any(says(text, c) for c in cues.comparatives):
            # "is it bigger than Horgos?" after Kashgar: Kashgar against Horgos, however well Horgos alone fits.
            others = " ".join(names[p] for p in sorted(against))
            match = self.matcher.match(f"{text} {others}", one_question=True)
            if match.answered and match.fact is not None and named | against <= set(match.fact.entities):
                return replace(match, question=message, language=detect_language(message), follow_up=True,
                               parts=())
        if named:
            # "and Kashgar?": what was last asked (as the fact's own question, then as typed), about the new place.
            if fact is not None:
                own = plain_text(fold(self.matcher.display_question(fact, "en")))
                candidates.append(f"{self._without_places(own, keep_zone=False)} {text}")
            candidates.append(f"{self._without_places(last.question, keep_zone=True)} {text}")
        elif not analysis.places:
            carried = [last.places - zone, (last.places | earlier) - zone]
            if comparing:
                carried.reverse()  # "which is bigger?": across the last two answers first
            for places in carried:
                if places:
                    candidates.append(f"{text} {' '.join(names[p] for p in sorted(places))}")
        if not alone.answered:
            candidates.append(f"{last.question} {text}")  # "and insurers?": a neighbour in the same list
        asked = {t for t in analysis.terms if t.kind is not TermKind.PLACE}
        if comparing:  # "which is bigger?" of two areas is answered by their order as well as by a superlative
            asked |= {Term(TermKind.CONCEPT, c) for c in cues.comparisons}
        # "哪个大" after Kashgar and Horgos: a reading about both answers' places is taken even where the message alone
        # reads well, as the largest of all
        compared_places = (earlier | last.places) - zone if comparing else frozenset()
        for candidate in dict.fromkeys(candidates):
            match = self.matcher.lexical.match(candidate)
            if match.refused:
                return None  # context never turns a refusal into an answer
            if any(not part.answered for part in match.parts):
                continue  # read as two questions, it leaves the follow-up's own unanswered
            if match.answered and match.fact is not None and (
                    not asked or asked & self.matcher.fact_terms(match.fact.id)) and (
                    not alone.answered or match.confidence > alone.confidence
                    or (len(compared_places) >= 2 and compared_places <= set(match.fact.entities))):
                # The reading answers what the message itself asks ("when was that?" wants a date, whatever
                # place it is read with), and fits better than the message read alone, or compares both places.
                return replace(match, question=message, language=detect_language(message), follow_up=True,
                               parts=())
        return None

    def _without_places(self, question: str, *, keep_zone: bool) -> str:
        """A question with its place names taken out, as the matcher reads them (typos too): "how big is the
        kashgr area" → "how big is the area"."""
        analyser = self.matcher.analyser
        zone = self.matcher.fact_base.lexicon.zone_places
        kept = []
        for word in question.split():
            places = analyser.analyse_folded(word).places
            if places and not (keep_zone and places <= zone):
                continue
            kept.append(word)
        text = " ".join(kept)
        for place in self.matcher.fact_base.lexicon.places:  # Chinese names sit inside words
            if keep_zone and place.zone:
                continue
            for name in place.all_names():
                if not name.isascii():
                    text = text.replace(fold(name), " ")
        return " ".join(text.split())

    def _remember(self, match: Match) -> None:
        self._last_language = match.language
        self._asked = (*self._asked[-2:], match.question) if match.answered or match.refused else ()
        if match.outcome is Outcome.CLARIFY:
            self._choices = tuple(s.fact_id for s in match.suggestions)
            return
        self._choices = ()
        for part in match.parts or (match,):
            if part.answered and part.fact is not None:
                question = plain_text(fold(part.question))
                named = frozenset(self.matcher.analyser.analyse_folded(question).places)
                # "is Urumqi in the zone?" answered with the three areas: "how big?" next is about Urumqi
                zone = self.matcher.fact_base.lexicon.zone_places
                specific = named - zone
                places = specific or named | frozenset(part.fact.entities)
                if part.follow_up:
                    # "哪个大" after Horgos and Kashgar, answered with all three areas: still about those two
                    discussed = frozenset().union(*(t.places for t in self._turns[-2:]))
                    places = frozenset(part.fact.entities) & discussed - zone or frozenset(part.fact.entities)
                    question = plain_text(fold(self.matcher.display_question(part.fact, "en")))
                if part.fact.subject:  # "which one is biggest?" answered Urumqi: "its share?" is Urumqi's
                    places = frozenset({part.fact.subject})
                self._turns = [*self._turns[-1:], Turn(question, places, part.fact.id)]


class Conversations:
    """A bounded store of conversations by key (a private chat; one user in a group): the oldest are dropped."""

    def __init__(self, matcher: Matcher, *, memory_seconds: float = DEFAULT_MEMORY_SECONDS,
                 limit: int = DEFAULT_MAX_CONVERSATIONS, clock: Callable[[], float] = time.monotonic):
        self.matcher = matcher
        self._memory = memory_seconds
        self._limit = limit
        self._clock = clock
        self._store: OrderedDict[Hashable, Conversation] = OrderedDict()

    def reply(self, key: Hashable | None, message: str) -> Match:
        """Answer `message` in the conversation `key`; None (inline queries) has no context."""
        if key is None:
            return self.matcher.match(message)
        conversation = self._store.get(key)
        if conversation is None or conversation.matcher is not self.matcher:
            conversation = Conversation(self.matcher, memory_seconds=self._memory, clock=self._clock)
            self._store[key] = conversation
            if len(self._store) > self._limit:
                self._store.popitem(last=False)
        else:
            self._store.move_to_end(key)
        return conversation.reply(message)

    def __len__(self) -> int:
        return len(self._store)
