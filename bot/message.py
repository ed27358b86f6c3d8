"""Read a whole chat message: the questions in it, each matched, combined into the one match a reply is made from.

Greetings and small talk around a question, context clauses, implied questions, a question that only names a
place or only picks ("and horgos?", "which ones?"), two areas asked together: this module finds the questions
(`bot.clauses` cuts the clauses) and asks `Matcher.match_clause` for each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.clauses import Clause, is_yes_no, message_clauses, opens_with, premise_of
from bot.match import FRAGMENT, Match, Outcome, Refusal, Verdict
from bot.terms import COUNT, MEASURES, RANKING, SHARE, SIZE, TOTAL, Analysis, TermKind, plain_text
from bot.text import detect_language, fold, has_cjk, says

if TYPE_CHECKING:
    from bot.matcher import Matcher


def read_message(matcher: Matcher, question: str, *, one_question: bool = False) -> Match:
    """The match for one message (see `Matcher.match`)."""
    return _Reader(matcher).read(question, one_question=one_question)


class _Reader:
    """One message's reading, over a matcher's lexicon and its clause matching."""

    def __init__(self, matcher: Matcher):
        self.matcher = matcher
        self.analyser = matcher.analyser
        self.fact_base = matcher.fact_base
        self.place_names = matcher.place_names
        self._zone_places = matcher.fact_base.lexicon.zone_places
        self._clause = matcher.match_clause
        self._without = matcher.without_places
        self._leans = matcher.leans
        self._answer_explains = matcher.answer_explains
        self._analyses: dict[str, Analysis] = {}  # read-only analyses of clauses, shared by the tests below
        self._disputed: str | None = None  # the claims a "who's right?" asks about, when a message has one
        self._context: dict[str, str] = {}  # a question's text -> the clause just before it that asks nothing

    def read(self, question: str, *, one_question: bool = False) -> Match:
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
        whole = self._clause(question, rest, language, greeting=greeting, membership=len(clauses) <= 1,
                             question_mark=folded.rstrip().endswith(("?", "？")))
        if len(clauses) <= 1:
            return self._each_place(whole, rest, language)
        units = self._question_units(clauses)
        parts = [part for part, (text, implied) in zip(self._match_units(units, language), units, strict=True)
                 if part.answered or not implied
                 for part in self._each_place(part, text, language).parts or (part,)]
        parts = [p for p in parts if p.outcome is not Outcome.SMALL_TALK and p.reason != FRAGMENT]
        if not parts and not whole.answered and len(units) == 1:
            # "студентка КазНУ. что в статье сказано про Пояс и путь?": the one question names only its topic
            parts = [self._clause(units[0][0], units[0][0], language, question_mark=True)]
        if not whole.answered and len(units) == 1 and not any(p.answered or p.refused for p in parts):
            parts = self._with_context(units[0][0], language) or parts
        parts = self._contradicted_premises(clauses, language, parts) + parts
        if whole.refused and not any(p.refused for p in parts):
            # The refusal cue sits in the context ("I'm a student from Bishkek ... how big is it?"), not in what
            # is asked: the whole message is no refusal.
            whole = Match(question, Outcome.NO_MATCH, language, reason=Refusal.TOO_WEAK.value)
        combined = _combine(whole, parts)
        return replace(combined, verdict=None) if self._disputed is not None else combined

    def _question_units(self, clauses: Sequence[Clause]) -> list[tuple[str, bool]]:
        """The text of each question in a message, and whether it is only implied: an asking clause with the clauses
        that follow it in its sentence ("how big is the Khorgos zone, on the Kazakh side?"), and for one that says
        nothing of its own ("..., can you tell?"), the clause before it too. With no asking clause, the last clause
        that says something. A clause just before a question that names only what the article knows ("kashgar area
        size and what % of the zone") is implied: kept if it is answered. Other clauses before it are context."""
        units: list[tuple[str, bool]] = []
        texts = [plain_text(c.text) for c in clauses]
        asking = [i for i, c in enumerate(clauses) if c.asks]
        cues = self.fact_base.lexicon.clauses
        dispute = next((i for i in asking if i > 0 and opens_with(texts[i], cues.dispute_words)), 0)
        # the claims start where someone is said to say something ("мужики спорили, одни говорят ...")
        start = next((j for j in range(dispute) if cues.reported_pattern.search(texts[j])), 0)
        claims = [text for text in texts[start:dispute] if self._has_content(text)]
        if claims:
            # "одни говорят открыли в ноябре, другие что в октябре. кто прав?": the claims before it are what is
            # asked (questions among them included), and no Yes or No answers it
            units.append((" ".join(claims), False))
            self._disputed = units[-1][0]
            asking = [i for i in asking if i > dispute]
        elif not asking:
            last = next((i for i in reversed(range(len(texts))) if self._has_content(texts[i])), len(clauses) - 1)
            while (last > 0 and self._only_places(texts[last])
                   and clauses[last - 1].sentence == clauses[last].sentence):
                last -= 1  # "total area of urumqi, kashgar and horgos": the places end the list the clause began
            asking = [last]
            # "quick qs: total area, number of regions, largest region": a list of things asked, each implied
            units = [(texts[i], True) for i in range(last) if self._names_a_question(texts[i])]
        for i in asking:
            if self._leads_in(clauses, texts, i) or self._asks_again(clauses, texts, i):
                continue
            end = i + 1
            while (end < len(clauses) and not clauses[end].asks and clauses[end].sentence == clauses[i].sentence
                   and self._narrows(texts[end])):
                end += 1
            text = " ".join(texts[i:end])
            implied = False
            if (i > 0 and not clauses[i - 1].asks and clauses[i - 1].sentence == clauses[i].sentence
                    and is_yes_no(text, cues) and not is_yes_no(text, cues, tags=False)):
                # "кашгарский участок самый большой, 134,6 км², да?": the claim the tag asks about, all of it
                text = " ".join([*texts[_context_start(clauses, i):i], text])
            elif (i > 0 and not clauses[i - 1].asks and self._only_why(self._analysed(text))
                  and self._analysed(texts[i - 1]).concept_names):
                # "外资银行不让进 为啥啊", "иностранным банкам запретили заходить, почему?": why of a claim, which the
                # article gives no reason for; what it says of the claim answers (or corrects) it
                text = self._claim_of(texts[i - 1])
            elif i > 0 and not self._has_content(text) and not self._asks_unread(text):
                # "..., can you tell?"; not "..., is there a bonded warehouse?"
                text = f"{self._claim_of(texts[i - 1])} {text}"
                # "я диспетчер, весь день на телефоне, скажите коротко - какой участок самый большой?": kept only if
                # answered when a question follows
                implied = any(c.asks for c in clauses[end:])
            elif i > 0 and not clauses[i - 1].asks and (self._asks_what_it_is(text) or (
                    self._leans_on_context(text) and not self._names_an_attribute(texts[i - 1]))):
                # "коллега сказал что зона соединяет какие-то порты и страны, сколько их там?": what it picks
                # from is in the clause before it; "ядро пояса и пути - это что?": what it asks about
                text = f"{texts[i - 1]} {text}"
            elif i > 0 and not clauses[i - 1].asks and self._points_to_another_zone(texts[i - 1], text):
                text = f"{texts[i - 1]} {text}"  # "СЭЗ Навои - какие там льготы?": there is the other zone
            elif i > 0 and not clauses[i - 1].asks and (area := self._area_it_stands_for(texts[i - 1], text)):
                # "someone said the khorgos area is tiny, how big is it"; all of a claim the article contradicts ("since
                # horgos is the largest part, how big is it": the largest is Urumqi)
                claim = self.matcher.claims_of_another(self._analysed(texts[i - 1]))
                text = f"{texts[i - 1]} {text}" if claim else f"{text} {self.place_names[area]}"
            elif i > 0 and not clauses[i - 1].asks and (
                    self._asks_membership_of_context(texts[i - 1], text)  # "я живу в инине, это в зоне?"
                    or opens_with(texts[i - 1], cues.topic_words)  # "что касается банков, что от них хотят?"
                    # "… the zone makes things easier for foreign research centres. what exactly do they make easier?"
                    or self._asks_of_context(texts[i - 1], text)):
                text = f"{texts[i - 1]} {text}"  # the clause before says what, or of what, it asks
            else:
                # "kashgar size, horgos size, and which is smaller": each attribute named before it, in order (not
                # a condition: "if Horgos covers 28.48 km², how big is Kashgar?" asks of Kashgar alone)
                first = _context_start(clauses, i, keep=lambda j: self._names_an_attribute(texts[j])
                                       and texts[j].split()[0] not in cues.conditions)
                units.extend((texts[j], True) for j in range(first, i))
                if first == i and i > 0 and not clauses[i - 1].asks:
                    self._context[text] = self._claim_of(texts[i - 1])
            units.append((text, implied))
        return units

    def _leads_in(self, clauses: Sequence[Clause], texts: Sequence[str], i: int) -> bool:
        """An asking clause that says nothing, opens its sentence and is followed by a question in it: it leads into
        that question ("… пишу курсовую. Подскажите, когда открыли зону?"; not "…, is that right, and how big is it?",
        nor "i need the date, and if possible …")."""
        return (i + 1 < len(clauses) and clauses[i + 1].asks and clauses[i + 1].sentence == clauses[i].sentence
                and (i == 0 or clauses[i - 1].sentence != clauses[i].sentence)
                and not self._has_content(texts[i]) and not self._asks_unread(texts[i])
                and not is_yes_no(texts[i], self.fact_base.lexicon.clauses))

    def _contradicted_premises(self, clauses: Sequence[Clause], language: str, parts: list[Match]) -> list[Match]:
        """"since it was set up in 2013, how has it grown?": a claim a question takes for granted that the article
        contradicts, answered No with its fact (unless the question's own answer is that fact)."""
        answered = {p.fact.id for p in parts if p.answered and p.fact is not None}
        read = [plain_text(p.question) for p in parts if p.answered]  # a reading that failed still leaves the claim
        found: list[Match] = []
        for i in range(len(clauses)):
            claim = self._claim_before_question(clauses, i)
            if (claim is None or not (self._analysed(claim).places or self.matcher.leans(claim))
                    or any(claim in text for text in read)):
                # of the zone, by name or pronoun, or of one of its areas ("since we ship a lot, ..." claims nothing
                # of it), and not answered with the question already ("since horgos is the largest part, how big is
                # it")
                continue
            match = self._clause(claim, claim, language, claim=True)
            if (match.answered and match.verdict is Verdict.NO and match.fact is not None
                    and match.fact.id not in answered):
                found.append(match)
        return found

    def _with_context(self, text: str, language: str) -> list[Match]:
        """A question too weak on its own, read with the clause before it, when that makes an answer of the fact the
        question itself leaned to ("… для иностранных научных центров есть поблажки какие именно облегчения там
        обещают по расходам"): the context confirms what is asked, never changes it."""
        context = self._context.get(text)
        analysis = self._analysed(text)
        if context is None or analysis.unknown or analysis.outside or not analysis.terms:
            return []
        scores = self.matcher.score(analysis)
        leaning = max(range(len(scores)), key=scores.__getitem__)
        if scores[leaning] <= 0:
            return []  # the question leans to no fact: nothing for the context to confirm
        joined = self._clause(text, f"{context} {text}", language, question_mark=True)
        return [joined] if joined.answered and joined.fact is self.fact_base.facts[leaning] else []

    def _claim_of(self, context: str) -> str:
        """What a context clause says of the zone: what it reports, else its last few words (who writes and why is
        no part of it)."""
        return self._reported(context) or " ".join(context.split()[-_CONTEXT_WORDS:])

    def _figure_of_the_zone(self, context: str) -> str | None:
        """A context clause that opens with the zone (or a pronoun for it, or what is measured of it) and states a
        figure of it ("зона 1796 кв км, …", "она связывает пять стран …", "площадь зоны 79 кв км, …"; not "we moved to
        the zone in 2019"): a claim to check."""
        analysis = self._analysed(context)
        if not analysis.numbers or not analysis.places <= self._zone_places:
            return None
        words = context.split()
        if words and words[0] in self.fact_base.lexicon.follow_up.pronouns and not analysis.places:
            return context  # "она связывает пять стран и восемь портов, …"
        for word in words:
            said = self._analysed(word)
            if said.places & self._zone_places:
                return context
            if said.places or said.outside or said.unknown or said.oov or not set(said.terms) <= _MEASURED:
                return None  # "the zone is …", "эта зона …", "the total area of the zone is …", not "we moved …"
        return None

    def _claim_before_question(self, clauses: Sequence[Clause], i: int) -> str | None:
        """What clause `i` claims for a question after it to take for granted: a premise, a report or a figure of the
        zone right before the question; a reported figure clauses before it."""
        if clauses[i].asks or i + 1 == len(clauses):
            return None
        said = plain_text(clauses[i].text)
        if clauses[i + 1].asks:
            return premise_of(said, self.fact_base.lexicon.clauses) or self._reported(said) or (
                self._figure_of_the_zone(said))
        return self._reported_figure(said) if any(c.asks for c in clauses[i + 2:]) else None

    def _reported_figure(self, context: str) -> str | None:
        """A reported claim stating a figure, clauses before a question ("my notes say it covers 1,796 km² - quite
        large. what's the breakdown?")."""
        claim = self._reported(context)
        return claim if claim is not None and self._analysed(claim).numbers else None

    def _reported(self, context: str) -> str | None:
        """What a clause reports someone said: after its last reporting word ("нам сказали что …"), if any."""
        ends = [m.end() for m in self.fact_base.lexicon.clauses.reported_pattern.finditer(context)]
        return context[max(ends):].strip() or None if ends else None

    def _narrows(self, text: str) -> bool:
        """A clause after a question that says where or what of ("..., on the Kazakh side?"), not who asks ("..., 我们
        公司在那边有业务")."""
        cues = self.fact_base.lexicon.clauses
        if opens_with(text, cues.closer_words) or cues.reported_pattern.search(text):
            return False  # "..., а то отец спрашивает", "... 我们这边有人说是去年"
        analysis = self._analysed(text)
        return bool(analysis.places or analysis.outside or analysis.unknown) or len(analysis.terms) >= len(analysis.oov)

    def _leans_on_context(self, text: str) -> bool:
        """Only picks or how much: "сколько именно?", "сколько их там?", "how many?", "на сколько?"."""
        return self.matcher.only_picks(self._analysed(text), measures=True)

    def _asks_again(self, clauses: Sequence[Clause], texts: Sequence[str], i: int) -> bool:
        """An asking clause that only asks what something means, right after a question in its sentence: that question
        asked again ("что за 'ядро' пояса и пути, что это значит?", "кто такие квалифицированные предприятия, кого
        так считают?")."""
        if i == 0 or not clauses[i - 1].asks or clauses[i - 1].sentence != clauses[i].sentence:
            return False
        definition = self.fact_base.lexicon.definition_concept
        return (self._only_what_it_is(texts[i])
                and (definition in self._analysed(texts[i]).concept_names or self._leans(texts[i]))
                and self._has_content(texts[i - 1]))

    def _points_to_another_zone(self, context: str, text: str) -> bool:
        """A question that names no place and leans on a pronoun, after a clause naming another zone ("СЭЗ Навои -
        какие там льготы?", "the FTZ in Shanghai, when did it open?"): the pronoun stands for that zone."""
        if premise_of(context, self.fact_base.lexicon.clauses) or self._reported(context):
            return False  # "after they set the zone up in Gansu, …": a claim about this zone, checked as one
        named = self._analysed(context)
        asked = self._analysed(text)
        return (bool(named.outside) and bool(named.places) and all(t.kind is TermKind.PLACE for t in named.terms)
                and named.places <= self._zone_places and not (named.numbers or named.oov)
                and not (asked.places or asked.outside) and self._leans_back(text))

    def _leans_back(self, text: str) -> bool:
        """A pronoun for the last thing named, not one for what is at hand ("this one")."""
        return self._leans(text) and self.fact_base.lexicon.follow_up.demonstratives.isdisjoint(text.split())

    def _asks_what_it_is(self, text: str) -> bool:
        """What something is, of a pronoun: "ядро пояса и пути - это что?", "the guarantee mechanism - what is it?"."""
        return self._only_what_it_is(text) and self._leans(text)

    def _only_what_it_is(self, text: str) -> bool:
        """Nothing but "what is" or "what does it mean", in words the bot reads."""
        analysis = self._analysed(text)
        definition = self.fact_base.lexicon.definition_concept
        what_is = {*self.fact_base.lexicon.abbreviations_asked_with, *([definition] if definition else [])}
        return (bool(analysis.terms) and all(t.kind is TermKind.CONCEPT and t.value in what_is for t in analysis.terms)
                and not (analysis.oov or analysis.unknown or analysis.outside))

    def _area_it_stands_for(self, context: str, text: str) -> str | None:
        """The one area the context clause names, when the question asks only its size of a pronoun ("how many sq km
        is it", "какая у него площадь") or of the size the clause names too."""
        analysis, said = self._analysed(text), self._analysed(context)
        if analysis.places or analysis.outside or analysis.unknown or analysis.oov:
            return None
        if not analysis.concept_names or not analysis.concept_names <= {SIZE.value, COUNT.value}:
            return None
        if not self._leans(text) and not analysis.concept_names <= said.concept_names:
            return None  # no pronoun ("客户老问霍尔果斯片区的面积，多少平方公里"): the clause before asks the same
        named = said.places - self._zone_places
        return next(iter(named)) if len(named) == 1 else None

    def _asks_membership_of_context(self, context: str, text: str) -> bool:
        """A question with a pronoun naming only the zone ("это в зоне?", "is that in the zone?") after a clause
        naming one place."""
        analysis = self._analysed(text)
        if not self._leans(text) or analysis.outside or analysis.unknown or analysis.oov or not analysis.terms:
            return False
        member = self.fact_base.lexicon.membership_concept
        if not analysis.places <= self._zone_places or not all(
                t.kind is TermKind.PLACE or t.value == member for t in analysis.terms):
            return False
        before = self._analysed(context)
        return len(before.outside) + len(before.places - self._zone_places) == 1

    def _asks_of_context(self, context: str, text: str) -> bool:
        """A question with a pronoun that asks only what the clause before it says, of more than it names ("what
        exactly do they make easier?" after "… makes things easier for foreign research centres")."""
        asked, said = self._analysed(text), self._analysed(context)
        concepts = asked.concept_names
        return (self._leans(text) and bool(concepts) and concepts < said.concept_names
                and not (asked.places - self._zone_places or asked.unknown or asked.outside)
                and not (said.unknown or said.outside))

    def _analysed(self, text: str) -> Analysis:
        """A clause's terms, analysed once per message: for reading only (matching changes its own analysis)."""
        analysis = self._analyses.get(text)
        if analysis is None:
            analysis = self._analyses[text] = self.analyser.analyse_folded(text)
        return analysis

    def _names_a_question(self, text: str) -> bool:
        """A few words the article knows, among them something asked of it ("number of regions"), nothing else."""
        analysis = self._analysed(text)
        return (len(text.split()) <= 5 and not (analysis.oov or analysis.unknown or analysis.outside)
                and any(t.kind is TermKind.CONCEPT for t in analysis.terms))

    def _asks_unread(self, text: str) -> bool:
        """A yes/no question in words the bot cannot read ("is there a bonded warehouse?"): a question of its own,
        not the tail of the one before ("can you tell?"). Not for Chinese, whose leftover characters say little."""
        return (not has_cjk(text) and bool(self._analysed(text).oov)
                and is_yes_no(text, self.fact_base.lexicon.clauses))

    def _names_an_attribute(self, text: str) -> bool:
        """Only words the article knows: one of its areas and something asked of it ("urumqi area size"), not only
        the areas set side by side ("urumqi vs kashgar, what's the ratio": what the question after it is about)."""
        analysis = self._analysed(text)
        cues = self.fact_base.lexicon.clauses
        verbs = cues.yes_no_words  # "since Urumqi is the largest, ...": a premise
        concepts = analysis.concept_names
        return (not (analysis.oov or analysis.unknown or analysis.outside) and bool(analysis.places - self._zone_places)
                and bool(concepts - self.fact_base.lexicon.follow_up.comparisons) and not verbs & set(text.split())
                and premise_of(text, cues) is None)  # "раз Хоргос самый большой участок, …"

    def _match_units(self, units: list[tuple[str, bool]], language: str) -> list[Match]:
        """Match each question of a message (and whether it is only implied). One that names only a place, or only
        picks ("which ones?", "total?"), asks what the question before it asked; one that names no place may mean the
        place the one before it named or answered about ("what's the population of Horgos and how big is it?"), if
        that gives an answer (a place in context, where no question was found, only to one that leans on it: "my
        thesis is on BRI, can you tell me how big the zone is" asks the zone's size)."""
        matches: list[Match] = []
        places: list[str] = []
        mentioned: list[str] = []
        asked_before = False  # the unit before was a question of the message, not only implied
        for unit, implied in units:
            analysis = self.analyser.analyse_folded(unit)
            named = analysis.places - self._zone_places
            match = self._clause(unit, unit, language, question_mark=True, fragment=True, analysis=analysis)
            before = matches[-1] if matches and matches[-1].answered else None
            picks = self.matcher.only_picks(analysis)
            if matches and matches[-1].refused and self.matcher.only_picks(analysis, measures=True):
                # "which ports? need names", "снижены ли пошлины и на сколько процентов": the refused question again;
                # but "which ports and how many" asks the count too, which the article may give
                match = self._count_of_refused(unit, matches[-1], language, analysis) or Match(
                    unit, Outcome.NO_MATCH, language, reason=FRAGMENT)
            elif (matches and asked_before and not analysis.places and not analysis.outside
                  and matches[-1].refusal is Refusal.OUTSIDE and self._leans_back(unit)):
                # "а в Шанхае тоже есть такая зона? когда её открыли?": the pronoun is the other place's ("what about
                # Karamay, is it in?": whether it is a member)
                match = self._clause(unit, f"{matches[-1].question} {unit}", language, question_mark=True)
            elif matches and (why := self.matcher.unlisted(analysis, (matches[-1].question,))):
                # "which 8 countries? is kazakhstan on the list?", "how many ports? is horgos one of them?"
                match = Match(unit, Outcome.NO_MATCH, language, reason=f"{Refusal.NOT_GIVEN.value}: {why}")
            elif before is not None and before.fact is not None and self._answer_explains(analysis, before.fact):
                match = replace(before, question=unit)  # "what are banks urged to do and why": that answer says why
            elif before is not None and ((match.reason == FRAGMENT and named and places) or picks
                                         or (analysis.outside and not analysis.terms and not analysis.unknown)):
                # "kashgar area size? and horgos?", "how many countries, and which ones?", "is Khorgos included? and
                # Yining?": the question before.
                dropped = [] if picks and self._leans(unit) else places  # "what share of total is that": its place
                carried = self._clause(unit, f"{self._without(dropped, before.question)} {unit}", language,
                                       question_mark=True)
                if not picks or carried.refused or (carried.answered and carried.fact != before.fact):
                    match = carried  # "…, and which is the largest?" asks about the areas the answer before named
            if named and (match.answered or not implied):
                places = sorted(named)
            elif named:
                mentioned = sorted(named)  # context, no question: for a question that leans on it ("сколько там")
            elif not picks:
                fact = before.fact if before is not None else None
                answered_of: list[str] = []  # "what are the three areas and how big is each": of those areas
                if fact is not None and self._leans(unit):
                    answered_of = [fact.subject] if fact.subject else sorted(set(fact.entities) - self._zone_places)
                carry = places or answered_of or (mentioned if self._leans(unit) else [])
                if carry:
                    names = " ".join(self.place_names[p] for p in carry)
                    carried = self._clause(unit, f"{unit} {names}", language, question_mark=True, fragment=True)
                    if carried.answered and (not match.answered or self._only_about(carried, carry)):
                        match = carried  # an answer of its own stands unless the place narrows it to that place
            if unit == self._disputed:
                match = replace(match, verdict=None)  # "..., who's right?" is no yes/no question
            matches.append(match)
            asked_before = not implied
        return matches

    def _count_of_refused(self, unit: str, refused: Match, language: str, analysis: Analysis) -> Match | None:
        """"How many" after a question refused for asking names ("which ports and how many"): the count of what it
        named, if the article gives it."""
        if COUNT not in analysis.terms or refused.refusal is not Refusal.NOT_GIVEN:
            return None
        wh_words = self.fact_base.lexicon.clauses.wh_words
        named = " ".join(w for w in plain_text(fold(refused.question)).split() if w not in wh_words)
        counted = self._clause(unit, f"{unit} {named}", language, question_mark=True)
        return counted if counted.answered else None

    def _only_why(self, analysis: Analysis) -> bool:
        """A bare "why?" ("为啥啊", "почему?") of nothing named."""
        return self.matcher.only_why(analysis) and not (analysis.places or analysis.outside or analysis.unknown)

    def _only_about(self, match: Match, places: list[str]) -> bool:
        """The answer is about those places alone ("how big is it" → the Horgos area, not the three areas)."""
        specific = set(match.fact.entities) - self._zone_places if match.fact is not None else set()
        return bool(specific) and specific <= set(places)

    def _each_place(self, match: Match, text: str, language: str) -> Match:
        """"How big are Kashgar and Horgos?": an answer for each area named (as parts, in the order named), not the
        one fact naming all three; never where the question compares, ranks, adds up or picks among them."""
        if not match.answered or match.fact is None or match.verdict is not None or match.parts:
            return match
        analysis = self._analysed(text)
        named = list(dict.fromkeys(t.value for t in analysis.terms
                                   if t.kind is TermKind.PLACE and t.value not in self._zone_places))
        cues = self.fact_base.lexicon.follow_up
        # "what share do Kashgar and Horgos have" is asked of each; "together", "how many times" relate them
        relating = (cues.comparisons | cues.selectors | MEASURES | {RANKING.value}) - {SHARE.value}
        about = set(match.fact.entities) - self._zone_places  # the fact naming all three, or one of those named
        if (len(named) < 2 or not (set(named) < about or about < set(named))
                or not {SIZE, SHARE} & set(analysis.terms) or analysis.concept_names & relating
                or any(says(text, c) for c in cues.comparatives)):
            return match  # all three areas named: the fact naming them all answers it; "bigger than" compares
        parts = []
        for place in named:
            alone = self._without([p for p in named if p != place], text)
            part = self._clause(alone, alone, language)
            if part.fact is None or not part.answered or set(part.fact.entities) - self._zone_places != {place}:
                return match
            parts.append(part)
        return replace(parts[0], question=match.question, confidence=min(p.confidence for p in parts),
                       parts=tuple(parts))

    def _only_places(self, text: str) -> bool:
        analysis = self._analysed(text)
        return bool(analysis.terms) and all(t.kind is TermKind.PLACE for t in analysis.terms) and not (
            analysis.oov or analysis.unknown or analysis.outside)

    def _has_content(self, text: str) -> bool:
        analysis = self._analysed(text)
        return bool(analysis.terms or analysis.unknown or analysis.outside)


# What a clause may say of the zone before naming it and still state a figure of it ("площадь зоны 79 кв км")
_MEASURED = frozenset({SIZE, TOTAL, COUNT})

# How much of a context clause with no reporting word may say what a question too weak on its own is about.
_CONTEXT_WORDS = 12


def _context_start(clauses: Sequence[Clause], i: int, *, keep: Callable[[int], bool] = lambda _: True) -> int:
    """The first of the clauses just before clause `i` in its sentence that ask nothing (and that `keep` takes)."""
    first = i
    while (first > 0 and not clauses[first - 1].asks and clauses[first - 1].sentence == clauses[i].sentence
           and keep(first - 1)):
        first -= 1
    return first


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

