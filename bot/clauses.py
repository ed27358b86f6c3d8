"""Find the questions inside a chat message: split it into sentences and clauses, and tell asking clauses from
context ("we import tea over the border — does it cover a lot of land?").

Pure text functions over folded text (see `bot.text.fold`); the cue words are data in the lexicon's `[clauses]`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.text import alternation

# Sentence ends: . ! ? and their Chinese forms, semicolons and line breaks; a full stop inside a number is no end.
_SENTENCE = re.compile(r"(?<=[!?;！？；。\n])|(?<=[.])(?!\d)")
# Clause breaks inside a sentence: commas, dashes and colons (not a comma inside a number, 16,58).
# Emoji end a clause too ("... keep asking me about this 😂 what's the role of banks").
_CLAUSE = re.compile(r"(?<!\d)[,，、:：](?!\d)|[,，](?=\D)|\s[-–—]+\s|[–—]|[\u2600-\u27bf\U0001f300-\U0001faff]+"
                     r"|(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")  # Chinese typed with spaces for commas
_WORD = re.compile(r"[^\W\d_]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_NOTHING = re.compile(r"(?!)")  # a cue list left empty
_A_NOT_A = re.compile(r"([\u3400-\u9fff])[不没]\1")  # "冷不冷", "远不远": a Chinese yes/no question of any verb


@dataclass(frozen=True)
class Clause:
    """A piece of a message: its text and whether it asks something."""

    text: str
    asks: bool
    sentence: int = 0  # which sentence of the message it belongs to


@dataclass(frozen=True)
class ClauseCues:
    """Words that mark a clause as a question, by position; data from the lexicon's [clauses] section."""

    question_words: frozenset[str]  # anywhere: what, how, когда, 什么 (CJK entries match as substrings)
    leading_words: frozenset[str]  # only first: is, does, can (and imperatives: tell, list, explain)
    yes_no_words: frozenset[str]  # a yes/no question: is, was, does, can, ли, 吗, 是不是
    joiners: tuple[str, ...]  # "and", "also", "还有", "и": split before a second question ("... and when?")
    # "the", "its": after a joiner, they open a second thing asked by the question before ("what's the population
    # of Urumqi and the size of its area")
    noun_openers: frozenset[str] = frozenset()
    together: frozenset[str] = frozenset()  # "kashgar and the horgos area together": one thing asked, not two
    origins: frozenset[str] = frozenset()  # "a client from Xi'an asks ...": a place after one is context, not asked
    excluding: frozenset[str] = frozenset()  # "outside Urumqi", "кроме Урумчи": the zone's other areas, together
    conditions: frozenset[str] = frozenset()  # "is it welcomed, if we open a branch": one question, not two
    excluding_after: frozenset[str] = frozenset()  # "take Urumqi out", "Урумчи не считать": the same, after the area
    # leading words that ask only with a question mark when the message uses one ("Any figures would help.")
    soft_leading: frozenset[str] = frozenset()
    # words holding a question word that ask nothing ("跑了十几年了": "a dozen or so years")
    not_asking: tuple[str, ...] = ()
    # what someone said, not what is asked: a question word after one ("коллега сказал что ...") asks nothing
    reported: tuple[str, ...] = ()
    # who asks ("he's asking me", "клиенты спрашивают"): the question starts at the question word after one
    asked_by: tuple[str, ...] = ()
    # a figure right after one of these counts some of them, not all ("the other 2 areas"): no claim to check
    some_of: frozenset[str] = frozenset()
    # a particle after the first word that makes it a question ("и надо ли визу", "и можно ли открыть банк")
    particles: frozenset[str] = frozenset()
    # words ending a statement that make it a yes/no question ("it opened in October, right?", "2 участка же?", "对吧")
    tags: tuple[str, ...] = ()
    # a piece opening with one of these goes on with the one before it ("Урумчи больше, чем Кашгар и Хоргос вместе?")
    continuations: frozenset[str] = frozenset()
    # a choice between two things ("goods or money?", "в 2023 или 2024?", "还是"): no Yes or No answers it, unless it
    # opens one of `still_yes_no` ("or not", "или меньше": a claim to check all the same)
    alternatives: frozenset[str] = frozenset()
    still_yes_no: tuple[str, ...] = ()
    # the zone's name right after one of these holds the place asked about ("инин в зоне?", "is Yining in the FTZ?")
    within: frozenset[str] = frozenset()
    # a question starts at one of these in a run-on message ("... вот хотел спросить кашгарский участок он большой"):
    # what comes before is context
    openers: tuple[str, ...] = ()
    # a question ends before one of these ("... сколько там км2 а то отец спрашивает", "... how big is it coz my boss
    # asked"): what comes after is context
    closers: tuple[str, ...] = ()
    # a question asking which of the claims before it is right ("он говорит в октябре, я в ноябре, кто прав?"):
    # those claims are what is asked
    disputes: tuple[str, ...] = ()
    # a clause opening with one of these names what the question after it is about ("as for banks, what are they
    # asked to do?", "что касается банков, что от них хотят")
    topics: tuple[str, ...] = ()
    # a clause opening with one of these takes a claim for granted ("since it opened in 2013, how has it grown?",
    # "раз это вторая ЗСТ, где первая?", "既然…"): the article may contradict it
    premises: tuple[str, ...] = ()
    # words asking whether something exists ("is there an FTZ in Kazakhstan?", "в алматы есть зона?"): a zone asked
    # of another place is no claim that this one is there
    existence: tuple[str, ...] = ()
    # a word right before a zone's name that makes it some zone, not this one ("the best free zone in Dubai", "a zone
    # in Tibet?")
    another: frozenset[str] = frozenset()
    # Chinese words between a place and a part of the zone asked of it ("阿拉山口算新疆自贸区的片区吗")
    part_links: tuple[str, ...] = ()
    # asking for a name or what letters stand for ("full name", "全称", "расшифровывается"), not what a word means
    names_asked: tuple[str, ...] = ()
    # asking what a thing is, opening the clause ("what's the core area of the Belt and Road?") or, in Chinese, ending
    # it ("外商投资服务保障机制是什么"): of a term the article leaves unexplained, its meaning
    what_is: tuple[str, ...] = ()
    # a word right before an abbreviation that makes it what is asked about, not what it stands for ("what's there
    # for R&D centres?", "что там для R&D центров")
    about_markers: frozenset[str] = frozenset()

    @functools.cached_property
    def not_asking_pattern(self) -> re.Pattern[str]:
        """`not_asking` as one pattern."""
        return phrases_pattern(self.not_asking)

    @functools.cached_property
    def reported_pattern(self) -> re.Pattern[str]:
        """`reported` as one pattern."""
        return phrases_pattern(self.reported)

    @functools.cached_property
    def existence_pattern(self) -> re.Pattern[str]:
        """`existence` as one pattern."""
        return phrases_pattern(self.existence)

    @functools.cached_property
    def names_asked_pattern(self) -> re.Pattern[str]:
        """`names_asked` as one pattern."""
        return phrases_pattern(self.names_asked)

    @functools.cached_property
    def what_is_pattern(self) -> re.Pattern[str]:
        """A clause asking what a thing is: a `what_is` phrase opening it ("what is the"; without its last word, before
        a quote: "what are 'qualified ...'"), or a Chinese one ending it."""
        opening = [p for p in self.what_is if not _CJK.search(p)]
        ending = [p for p in self.what_is if _CJK.search(p)]
        quoting = {p.rsplit(" ", 1)[0] for p in opening if " " in p}
        return re.compile("|".join(
            ([rf"^(?:{alternation(opening)})\s+\W*\w"] if opening else [])
            + ([rf"^(?:{alternation(quoting)})\s*['\"«“‘]"] if quoting else [])
            + ([rf"\w(?:{alternation(ending)})\W*$"] if ending else []))) if self.what_is else _NOTHING

    @functools.cached_property
    def premises_longest_first(self) -> tuple[str, ...]:
        """`premises`, the longest first, so that "раз уж" is taken before "раз"."""
        return tuple(sorted(self.premises, key=len, reverse=True))

    @functools.cached_property
    def tag_endings(self) -> tuple[str, ...]:
        """`tags` word by word, as a text's ending is compared: "isn't it" as " isn t it"."""
        return tuple(f" {' '.join(_WORD.findall(tag))}" for tag in self.tags)

    @functools.cached_property
    def yes_no_phrases(self) -> tuple[str, ...]:
        """The `yes_no_words` of several words ("или нет", "or not"), looked for as whole words anywhere."""
        return tuple(phrase for phrase in self.yes_no_words if " " in phrase)

    @functools.cached_property
    def not_asking_words(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        """`not_asking` as word tuples, by first word."""
        return _by_first_word(self.not_asking)

    @functools.cached_property
    def opener_words(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        """`openers` as word tuples, by first word."""
        return _by_first_word(self.openers)

    @functools.cached_property
    def closer_words(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        """`closers` as word tuples, by first word."""
        return _by_first_word(self.closers)

    @functools.cached_property
    def dispute_words(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        """`disputes` as word tuples, by first word."""
        return _by_first_word(self.disputes)

    @functools.cached_property
    def topic_words(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        """`topics` as word tuples, by first word."""
        return _by_first_word(self.topics)

    @functools.cached_property
    def still_yes_no_words(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        """`still_yes_no` as word tuples, by first word."""
        return _by_first_word(self.still_yes_no)

    @functools.cached_property
    def wh_words(self) -> frozenset[str]:
        """The question words that ask for something (what, how, когда), not for yes or no (吗, ли)."""
        return self.question_words - self.yes_no_words


NO_CUES = ClauseCues(frozenset(), frozenset(), frozenset(), ())  # only question marks mark questions


def split_sentences(text: str) -> list[str]:
    """The sentences of a message, each stripped, empty ones dropped."""
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def split_clauses(sentence: str, cues: ClauseCues) -> list[str]:
    """A sentence cut at commas and dashes, and before a joiner that starts another question; a piece opening with a
    `conditions` word stays with the question before it ("приветствуется ли, если мы откроем филиал"), or else with
    the piece after it ("if you take Urumqi out, how much is left?")."""
    pieces: list[str] = []
    opening = ""
    for piece in (p.strip() for p in _CLAUSE.split(sentence) if p and p.strip()):
        if pieces and _first_word(piece) in cues.continuations:
            pieces[-1] = f"{pieces[-1]} {piece}"
        elif _first_word(piece) in cues.conditions and not opening and not (pieces and asks(pieces[-1], cues)):
            opening = piece  # "just curious, if you put Kashgar and Horgos together, how much land is that?"
        elif pieces and _first_word(piece) in cues.conditions:
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(f"{opening} {piece}" if opening else piece)
            opening = ""
    if opening:
        pieces.append(opening)
    result: list[str] = []
    for marked in (part for piece in pieces for part in _split_at_markers(piece, cues)):
        for joined in _split_at_joiners(marked, cues):
            for asked in _split_at_second_question(joined, cues):
                result.extend(_split_before_question(asked, cues))
    return result


def _split_at_markers(piece: str, cues: ClauseCues) -> list[str]:
    """Cut a run-on piece before its first `openers` phrase (with context before it) and, after that, before the
    first `closers` phrase: context, the question (opening with the opener, so that it asks), context."""
    words = piece.split()
    start = next((i for i in range(2, len(words) - 2) if _phrase_at(words, i, cues.opener_words)), None)
    pieces = [" ".join(words[:start]), " ".join(words[start:])] if start is not None else [piece]
    question = pieces[-1].split()
    end = next((i for i in range(3, len(question)) if _phrase_at(question, i, cues.closer_words)), None)
    if end is not None:
        pieces[-1:] = [" ".join(question[:end]), " ".join(question[end:])]
    return pieces


def _by_first_word(phrases: Iterable[str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    grouped: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        words = tuple(phrase.split())
        if words:
            grouped.setdefault(words[0], []).append(words)
    return {first: tuple(group) for first, group in grouped.items()}


def _phrase_at(words: list[str], index: int, phrases: dict[str, tuple[tuple[str, ...], ...]]) -> int:
    """How many words one of `phrases` (by first word) takes at `index`: 0 when none starts there."""
    return next((len(p) for p in phrases.get(words[index], ()) if tuple(words[index:index + len(p)]) == p), 0)


def phrases_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    """`phrases` as one pattern, the longest first: Chinese anywhere, other words as whole words (none: a pattern
    that matches nothing)."""
    ordered = sorted(phrases, key=len, reverse=True)
    if not ordered:
        return _NOTHING
    return re.compile("|".join(re.escape(p) if _CJK.search(p) else rf"(?<!\w){re.escape(p)}(?!\w)" for p in ordered))


def _ends_with_chinese_tag(text: str, cues: ClauseCues) -> bool:
    """"外资银行能进去不", "霍尔果斯最小对吧": a Chinese tag ends a question as a question mark would."""
    end = text.rstrip(" ?？!！。.")
    return any(end.endswith(tag) for tag in cues.tags if _CJK.search(tag))


def opens_with(text: str, phrases: dict[str, tuple[tuple[str, ...], ...]]) -> bool:
    """True when a clause starts with one of `phrases` (a cue's word tuples by first word, as `closer_words`)."""
    words = text.split()
    return bool(words) and _phrase_at(words, 0, phrases) > 0


def _split_before_question(piece: str, cues: ClauseCues) -> list[str]:
    """Cut before the first question word after one of `asked_by` ("my classmates keep asking me about this what's
    the role of banks", "he's asking me whether Horgos is included"): who asks is context."""
    words = piece.split()
    index = next((i for i, w in enumerate(words) if w in cues.wh_words and w not in cues.conditions), 0)
    if index < 2 or len(words) - index < 2 or not _has_cue(words[:index], cues.asked_by):
        return [piece]
    return [" ".join(words[:index]), " ".join(words[index:])]


def _split_at_joiners(piece: str, cues: ClauseCues) -> list[str]:
    words = piece.split()
    wh = cues.wh_words
    for index in range(1, len(words) - 1):
        rest = words[index + 1:]
        if words[index] in cues.joiners and (_starts_question(" ".join(rest), cues) or (
                len(rest) >= 2 and rest[-1] in wh and any(w in wh for w in words[:index]))):
            # "how big is it and when...", and a second question whose question word comes last ("площадь урумчи
            # какая и население урумчи сколько")
            return [" ".join(words[:index]), *_split_at_joiners(" ".join(rest), cues)]
        if (words[index] in cues.joiners and rest[0] in cues.noun_openers and len(rest) >= 3
                and (any(w in wh for w in words[:index]) or _has_cue(words[:index], cues.asked_by))
                and not cues.together & set(rest)):
            # the joiner stays, so that `asks` knows "and the size of its area" asks
            return [" ".join(words[:index]), *_split_at_joiners(" ".join(words[index:]), cues)]
    return [piece]


def _has_cue(words: list[str], phrases: Iterable[str]) -> bool:
    """True when one of `phrases` stands in `words` as whole words ("could you tell me its total area")."""
    joined = f" {' '.join(words)} "
    return any(f" {phrase} " in joined for phrase in phrases)


def _split_at_second_question(piece: str, cues: ClauseCues) -> list[str]:
    """Cut before a question word that follows a question of its own, typed without a comma or joiner ("urumqi area
    how big whats the total", "how big is it how many areas"); both sides need two words or more, and the same word
    right after the first ("какой участок какой по размеру") is one question, and so is one the question word
    follows a preposition in ("what's so special about where it is?")."""
    words = piece.split()
    wh = cues.wh_words
    # a question word that ends a `not_asking` phrase ("так что любая инфа пригодится") starts no question
    inside = {i + k for i in range(len(words)) for k in range(1, _phrase_at(words, i, cues.not_asking_words))}
    pieces: list[str] = []
    start, last = 0, -1
    for index, word in enumerate(words):
        if word not in wh:
            continue
        if last >= 0 and index not in inside and index - start >= 2 and len(words) - index >= 2 and (
                word != words[last] or index - last >= 3) and words[index - 1] not in cues.about_markers:
            pieces.append(" ".join(words[start:index]))
            start = index
        last = index
    return [*pieces, " ".join(words[start:])] if pieces else [piece]


def _first_word(text: str) -> str:
    words = _WORD.findall(text)
    return words[0] if words else ""


def _soft_opening(text: str, cues: ClauseCues) -> bool:
    """A soft word opens the piece without a particle after it: "можно" alone asks nothing, "можно ли" asks."""
    words = _WORD.findall(text)
    return bool(words) and words[0] in cues.soft_leading and not (len(words) > 1 and words[1] in cues.particles)


def _starts_question(text: str, cues: ClauseCues) -> bool:
    words = text.split()
    if not words:
        return False
    if words[0] in cues.question_words or words[0] in cues.leading_words:
        return True
    # a short preposition first: "… и в каком году её создали", "and in which year"; or a particle second: "… и надо
    # ли визу"
    return len(words) > 1 and ((len(words[0]) <= 2 and words[1] in cues.question_words) or words[1] in cues.particles)


_HEDGE_WORDS = 3  # "if possible", "если можно": a condition this short asks, of what came before


def premise_of(text: str, cues: ClauseCues) -> str | None:
    """The claim a clause takes for granted after its premise cue ("since it opened in 2013" -> "it opened in
    2013"), or None when it opens with none. Text is plain."""
    for cue in cues.premises_longest_first:
        if text.startswith(cue) and (_CJK.search(cue) or text[len(cue):len(cue) + 1] in ("", " ")):
            return text[len(cue):].strip() or None
    return None


def asks(text: str, cues: ClauseCues, *, ends_with_question_mark: bool = False) -> bool:
    """True when a clause reads as a question: a question mark, a question word, or a leading verb."""
    if ends_with_question_mark:
        return True
    text = cues.not_asking_pattern.sub(" ", text.replace("-", " "))  # "сколько-то портов", "跑了十几年了"
    words = _WORD.findall(text)
    if words and words[0] in cues.joiners:
        words = words[1:]  # "..., and can foreign banks open there"
        if words and words[0] in cues.noun_openers:
            return True  # "what's the population of Urumqi and the size of its area"
    if len(words) > _HEDGE_WORDS and words[0] in cues.conditions:
        # "if Horgos covers 28.48 km², …" sets a condition and asks nothing by itself ("…, and if possible" and "if
        # so" still ask: of what came before)
        words = words[1:]
        if words[0] in cues.leading_words:
            return False
    if not words:
        return False
    if words[0] in cues.leading_words or any(w in cues.question_words for w in words):
        return True
    if 0 < _phrase_at(words, 0, cues.opener_words) < len(words):
        return True  # "хотел спросить кашгарский участок он большой"
    if _has_cue(words, cues.yes_no_phrases):
        return True  # "по площади он больше кашгара или нет", with no question mark
    if not _CJK.search(text):
        return False
    return (any(w in text for w in cues.question_words if _CJK.search(w)) or _A_NOT_A.search(text) is not None
            or _ends_with_chinese_tag(text, cues))


def is_yes_no(text: str, cues: ClauseCues, *, question_mark: bool = False, tags: bool = True) -> bool:
    """A question to answer Yes or No: a yes/no verb or particle and no question word ("was it set up in 2024?",
    "是2024年成立的吗", "ее открыли в 2024?" — in Russian a question mark alone makes one), or with `tags` a statement
    ending with a tag ("…, right?")."""
    words = _WORD.findall(text)
    if not words:
        return False
    wh = cues.wh_words
    # a question word right after a yes/no word joins the claim to it: "правда что зона больше 170?" (is it true that)
    if any(w in wh and not (i and words[i - 1] in cues.yes_no_words) for i, w in enumerate(words)) or (
            _CJK.search(text) and any(w in text for w in wh if _CJK.search(w))):
        return False
    tokens = text.split()  # figures too: "in 2023 or 2024"
    if any(0 < i < len(tokens) - 1 and w in cues.alternatives and not _phrase_at(tokens, i, cues.still_yes_no_words)
           for i, w in enumerate(tokens)) or (
            _CJK.search(text) and any(w in text for w in cues.alternatives if _CJK.search(w))):
        return False  # "is it mainly about goods or money?", "是2023年还是2024年"
    if words[0] in cues.yes_no_words or any(w in cues.yes_no_words for w in words if not w.isascii()):
        return True
    if _has_cue(words, cues.yes_no_phrases):
        return True  # "хотан тоже в зону попал или нет"
    ending = f" {' '.join(words)}"
    if tags and (ending.endswith(cues.tag_endings) or _ends_with_chinese_tag(text, cues)):
        return True
    if _CJK.search(text) and (any(w in text for w in cues.yes_no_words if _CJK.search(w)) or _A_NOT_A.search(text)):
        return True
    return question_mark and not text.isascii() and not _CJK.search(text)


def _reported(pieces: list[str], index: int, cues: ClauseCues) -> bool:
    """What someone said, not what is asked: a reporting word before the piece's first question word ("коллега
    сказал что зона соединяет какие то порты"), or ending the piece before one that opens with its question word
    ("Коллега уверяет, что Кашгар и Хоргос вместе больше Урумчи")."""
    if not cues.reported:
        return False
    words = _WORD.findall(pieces[index])
    first = next((i for i, w in enumerate(words) if w in cues.question_words), len(words))
    said = " ".join(words[:first])
    if any(f" {cue} " in f" {said} " for cue in cues.reported):
        return True
    if index > 0 and first == 0:
        before = " ".join(_WORD.findall(pieces[index - 1])[-2:])
        # a Chinese cue may end the piece glued to what it follows ("老板听说"); other words stand alone ("essay")
        return any(f" {cue} " in f" {before} " or (_CJK.search(cue) is not None and before.endswith(cue))
                   for cue in cues.reported)
    return False


def message_clauses(text: str, cues: ClauseCues) -> list[Clause]:
    """Every clause of a message (folded text), in order, marked asking or context. A question mark makes the
    last clause of its sentence ask only when no other clause of the sentence does ("which is bigger, Urumqi or
    Kashgar?" asks one question, not two)."""
    clauses: list[Clause] = []
    marked = "?" in text or "？" in text
    for number, sentence in enumerate(split_sentences(text)):
        question_mark = sentence.rstrip().endswith(("?", "？"))
        pieces = split_clauses(sentence.rstrip("?？!！.。;； "), cues)
        # "Any figures would help.", "need this for a quiz - total area?": a soft opening beside a "?" asks nothing
        marks = [asks(piece, cues) and not _reported(pieces, index, cues)
                 and not (marked and _soft_opening(piece, cues)
                          and not (question_mark and index == len(pieces) - 1))
                 for index, piece in enumerate(pieces)]
        if question_mark and pieces and (not any(marks) or _first_word(pieces[-1]) in cues.joiners):
            marks[-1] = True  # "why was it set up, and is it the first?": the mark is the joined clause's
        clauses.extend(Clause(piece, mark, number) for piece, mark in zip(pieces, marks, strict=True))
    return clauses
