"""Turn text into terms: places, concepts, refusal cues and plain words, through the lexicon.

The analyser is built once from a fact base. It folds Unicode and case, reads numbers written as words, corrects
misspellings against the vocabulary (rapidfuzz edit distance), matches phrases longest first, and splits Chinese
into the longest known terms. It also recognises small talk. Scoring lives in `bot.matcher`.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import Stemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from text_to_num import alpha2digit

from bot.knowledge import FactBase
from bot.text import alternation, fold, has_cjk

_MARK = "\ue000"
_GAP = "..."  # in a lexicon phrase: any words here ("who ... for")
_TOKEN = re.compile(_MARK + r"\d+|\d+(?:\.\d+)?|[^\W_]+")
# Chinese runs, and the rest; a day or month in figures stays with its character ("11月", "1日"): a date, not a count
_ZH_SPAN = re.compile(r"(?:\d{1,2}(?=[月日号]))?[\u3400-\u9fff\uf900-\ufaff]+"
                      r"|(?:(?!\d{1,2}[月日号])[^\u3400-\u9fff\uf900-\ufaff])+|\d{1,2}")
_NUMBER_WORD = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand"
    r"|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\b")
_HALF = re.compile(r"\b(\d+) and a half\b")
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")
_SPLIT_YEAR = re.compile(r"\b(19|20) (\d\d)\b")
_DECIMAL_COMMA = re.compile(r"(\d),(\d)")  # 16,58 (Russian style) is 16.58
_WORD = re.compile(r"[^\W\d_]+")
_ZH_MEASURE_WORDS = frozenset("个座家块处")  # stop words between a figure and what it counts ("2个片区")
_FIGURE = re.compile(r"\d+(?:\.\d+)?")
_PUNCT = re.compile(r"[^\w\s%&²'.]")
_POSSESSIVE = re.compile(r"(\w)'s\b")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


class TermKind(StrEnum):
    """What a word of a question stands for."""

    PLACE = "place"  # a place the article names (value: the place id)
    CONCEPT = "concept"  # a synonym group from the lexicon (value: its canonical name)
    KEYWORD = "keyword"  # a Chinese keyword of a fact that the lexicon does not define (value: the keyword)
    WORD = "word"  # a word the facts use that the lexicon does not define (value: its stem)
    NUMBER = "number"  # a figure (value: the figure the facts state that it stands for, or itself)
    UNKNOWN_ATTRIBUTE = "unknown"  # something the article never says (population, taxes, ...)
    OUTSIDE = "outside"  # a place or zone the article does not cover
    STOP = "stop"  # carries no meaning for matching


class Term(NamedTuple):
    """One meaningful unit of a question or fact: its kind and value."""

    kind: TermKind
    value: str

    @property
    def key(self) -> str:
        """A short text form for string similarity: '@horgos', 'area', '134.6'."""
        return "@" + self.value if self.kind is TermKind.PLACE else self.value


# The generic lexicon's concepts the matcher's rules name: a size ("how much land"), a pick ("which", "name them"),
# a count, an order ("rank"), and the measures of a comparison ("how many times bigger"), not which comes first.
SIZE = Term(TermKind.CONCEPT, "area")
LOCATION = Term(TermKind.CONCEPT, "location")
PARTS = Term(TermKind.CONCEPT, "areas")  # a part of the zone, as a noun: "the Kashgar area", "片区"
PICK = Term(TermKind.CONCEPT, "list")
NAME = Term(TermKind.CONCEPT, "name")  # a name asked for ("the zone's name"), not one to give ("name them")
COUNT = Term(TermKind.CONCEPT, "count")
RANKING = Term(TermKind.CONCEPT, "ranking")
SUM = Term(TermKind.CONCEPT, "sum")
RATIO = Term(TermKind.CONCEPT, "ratio")
TOTAL = Term(TermKind.CONCEPT, "total")
SHARE = Term(TermKind.CONCEPT, "share")
COMPARE = Term(TermKind.CONCEPT, "compare")
MEASURES = frozenset({RATIO.value, "share", "sum"})

# Reading one message analyses the same text several times (the message, its clauses, the conversation's check);
# the last few analyses are kept. Small, so that memory stays flat however many different questions come.
_RECENT_ANALYSES = 64
_INDEXED = frozenset({TermKind.PLACE, TermKind.CONCEPT, TermKind.KEYWORD, TermKind.WORD, TermKind.NUMBER})


@dataclass
class Analysis:
    """A question turned into terms."""

    terms: list[Term] = field(default_factory=list)  # places, concepts, words, numbers: what facts are indexed by
    places: set[str] = field(default_factory=set)
    numbers: list[Term] = field(default_factory=list)  # the figures named, also when scoring leaves them out
    unknown: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    oov: list[str] = field(default_factory=list)
    text: str = ""
    counts: list[tuple[Term, Term]] = field(default_factory=list)  # a figure and the concept right after it
    last_number: Term | None = field(default=None, repr=False, compare=False)  # the token just read, if a figure

    @property
    def concept_names(self) -> set[str]:
        return {t.value for t in self.terms if t.kind is TermKind.CONCEPT}

    def copy(self) -> Analysis:
        """An analysis of its own: the matcher rewrites a clause's terms as it reads what the clause asks."""
        return replace(self, terms=list(self.terms), places=set(self.places), numbers=list(self.numbers),
                       unknown=list(self.unknown), outside=list(self.outside), oov=list(self.oov),
                       counts=list(self.counts))


@lru_cache(maxsize=1)
def _pinyin_table() -> dict[int, str]:
    """pypinyin's table of how 40,000 characters are read, loaded once a Chinese homophone is suspected: the module
    on its own (14 MB, 0.1 s), not the package, whose phrase dictionaries would cost 50 MB more."""
    spec = importlib.util.find_spec("pypinyin")
    folder = next(iter(spec.submodule_search_locations or ())) if spec is not None else None
    if folder is None:
        return {}
    module_spec = importlib.util.spec_from_file_location("_pypinyin_table", Path(folder) / "pinyin_dict.py")
    if module_spec is None or module_spec.loader is None:
        return {}
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    table: dict[int, str] = module.pinyin_dict
    return table


@lru_cache(maxsize=4096)
def _pinyin(char: str) -> tuple[str, ...]:
    """How a Chinese character may be read, commonest first, without tones (pinyin input has none: "的" → de, di,
    di, di); empty for any other character."""
    return tuple("".join(c for c in unicodedata.normalize("NFD", r) if not unicodedata.combining(c))
                 for r in _pinyin_table().get(ord(char), "").split(",") if r)


def _sounds_like(typed: str, meant: str) -> bool:
    """`typed`, read the usual way, is one way to read `meant` ("过" for 国; not "的" for 第, which only a rare
    reading of 的 shares)."""
    return bool(_pinyin(typed)) and _pinyin(typed)[0] in _pinyin(meant)


def _transliterate(word: str, pairs: tuple[tuple[str, str], ...]) -> str:
    """`word` in another script, reading the longest Latin spelling at each position ("svyazyvaet" → связывает)."""
    result, position = [], 0
    while position < len(word):
        for latin, letters in pairs:
            if word.startswith(latin, position):
                result.append(letters)
                position += len(latin)
                break
        else:
            result.append(word[position])
            position += 1
    return "".join(result)


def _stemmers() -> dict[str, Stemmer.Stemmer]:
    return {"en": Stemmer.Stemmer("english"), "ru": Stemmer.Stemmer("russian")}


class TermAnalyser:
    """The lexicon and the facts' own words, ready to analyse questions. Build once, then call `analyse`."""

    def __init__(self, fact_base: FactBase):
        lexicon = fact_base.lexicon
        # Numbers spelt in words the English reader leaves ("четыре" → "4"), one word each, read as figures wherever
        # words are prepared, so that lexicon phrases ("какие пять портов") are read the same way
        self._number_words = {fold(word): figure for figure, words in lexicon.numbers.items()
                              for word in words if not has_cjk(word) and " " not in word.strip()}
        self._stemmers = _stemmers()
        self._words: dict[str, Term] = {}
        self._phrases: dict[str, Term] = {}
        # "who ... for": a question opening with the head and ending with the tail, any words between ("who is this
        # thing even meant for?"); key → (head words, tail words)
        self._frames: dict[str, tuple[list[str], list[str]]] = {}
        self._zh_terms: dict[str, Term] = {}
        # Lower layers first: later entries override, so places beat refusal cues beat concepts beat stopwords.
        # The words that open a question or a dispute ("такой вопрос", "i only need", "кто прав") say nothing of it.
        for word in (*lexicon.all_stopwords(), *lexicon.clauses.openers, *lexicon.clauses.disputes):
            self._add_term(word, Term(TermKind.STOP, word))
        for concept, words in lexicon.concepts.items():
            for word in words:
                self._add_term(word, Term(TermKind.CONCEPT, concept))
        for word in lexicon.all_unknown_attributes():
            self._add_term(word, Term(TermKind.UNKNOWN_ATTRIBUTE, word))
        for word in lexicon.all_outside_entities():
            self._add_term(word, Term(TermKind.OUTSIDE, word))
        for place in lexicon.places:
            for name in place.all_names():
                self._add_term(name, Term(TermKind.PLACE, place.id))
        self._phrase_pattern = re.compile(
            r"(?<![^\W_])(" + alternation(p for p in self._phrases if p not in self._frames) + r")(?![^\W_])"
        ) if self._phrases else None
        self._phrase_list = list(self._phrases)
        self._phrase_index = {p: i for i, p in enumerate(self._phrase_list)}
        # Words the facts use that the lexicon does not define are terms of their own (by stem).
        lexicon_stems = {self._stem(w): term for w, term in self._words.items() if term.kind is not TermKind.STOP}
        # The figures the facts state, so that a question's "about 130" can stand for 134.6.
        self._numbers: list[tuple[str, float]] = []
        # Only the article's own figures stand for a number near them: 150 is not the derived 151.18.
        self._article_figures = {float(n) for fact in fact_base.facts for source in fact.sources
                                 for n in _FIGURE.findall(self._prepare(fold(source)))}
        for fact in fact_base.facts:
            for text in (*fact.all_questions(), *fact.keywords, fact.answer_words("en")):
                if has_cjk(text):
                    continue
                prepared = self._prepare(fold(text))
                for number in _FIGURE.findall(prepared):
                    if (number, float(number)) not in self._numbers:
                        self._numbers.append((number, float(number)))
                for token in _TOKEN.findall(self._mark_phrases(prepared)):
                    if token[0] != _MARK and not token[0].isdecimal() and token not in self._words:
                        stem = self._stem(token)
                        self._words.setdefault(token, lexicon_stems.get(stem, Term(TermKind.WORD, stem)))
            for keyword in fact.keywords:
                if has_cjk(keyword):
                    self._zh_terms.setdefault(fold(keyword), Term(TermKind.KEYWORD, "zh:" + fold(keyword)))
        self._stems = {self._stem(w): term for w, term in self._words.items() if term.kind is not TermKind.STOP}
        # Typo targets: words the lexicon or the facts use, and longer words inside phrases ("kilometres"), refusal
        # cues included, so that a misspelt "wether" is still weather and refused. A known word is never corrected
        # ("whether" is a stopword, not the weather).
        self._known = set(self._words) | {w for p in self._phrases for w in _WORD.findall(p)}
        targets = set(self._words) | {w for p in self._phrases for w in _WORD.findall(p) if len(w) >= 5}
        self._refusal_words = {w for w, term in self._words.items()
                               if term.kind in (TermKind.UNKNOWN_ATTRIBUTE, TermKind.OUTSIDE)}
        self._vocabulary_by_initial: dict[str, list[str]] = {}
        for word in sorted(targets):
            if len(word) >= 3 and word.isalpha():
                self._vocabulary_by_initial.setdefault(word[0], []).append(word)
        # Words as they sound ("плошать" is площадь, "таргавли" торговли): a misspelling that sounds like one word of
        # the lexicon, and like no other, stands for it, even where a fact's own question spells it so. Per language:
        # each letter → the letter heard, anywhere and at a word's end.
        self._heard: list[tuple[frozenset[str], dict[str, str], dict[str, str]]] = []  # letters, anywhere, at the end
        for pairs in lexicon.sound_alike.values():
            heard = {letter: sound for letter, sound in pairs if not letter.endswith("$")}
            at_end = {letter[:-1]: sound for letter, sound in pairs if letter.endswith("$")}
            self._heard.append((frozenset(heard) | frozenset(heard.values()) | frozenset(at_end), heard, at_end))
        sounds: dict[str, dict[Term | TermKind, str]] = {}  # how it sounds → what it stands for → a word for it
        lexicon_words = [*self._words.items(), *((w, term) for phrase, term in self._phrases.items()
                                                 for w in _WORD.findall(phrase) if w not in self._words)]
        for word, term in lexicon_words:
            key = self._sound_key(word)
            if key is not None and len(word) >= 4 and term.kind not in (TermKind.WORD, TermKind.STOP):
                # refusal cues stand for their kind: "население" and "населения" are one
                meaning = term if term.kind in _INDEXED else term.kind
                sounds.setdefault(key, {}).setdefault(meaning, word)
        self._sounds = {key: next(iter(words.values())) for key, words in sounds.items() if len(words) == 1}
        self._zh_max = max((len(t) for t in self._zh_terms), default=1)
        # Each Chinese term of two characters or more under each of its characters left out ("口?" → 口岸), for terms
        # typed with one character a homophone ("口案", "成利"): pinyin input's commonest slip.
        self._zh_one_off: dict[str, list[tuple[int, str, Term]]] = {}
        self._zh_function_words = {name for name, term in self._zh_terms.items() if term.kind is TermKind.STOP}
        for name, term in self._zh_terms.items():
            if term.kind is not TermKind.STOP and len(name) >= 2 and all(has_cjk(c) for c in name):
                for i, char in enumerate(name):
                    self._zh_one_off.setdefault(f"{name[:i]}?{name[i + 1:]}", []).append((i, char, term))
        self._zh_places = [(name, term) for name, term in self._zh_terms.items()
                           if term.kind is TermKind.PLACE and len(name) >= 3]
        self._typo_cache: dict[str, str] = {}
        self._transliteration = lexicon.transliteration
        self._origins = lexicon.clauses.origins
        self._some_of = lexicon.clauses.some_of
        self._excluding = {" ".join(self._prepare(fold(cue)).split()) for cue in lexicon.clauses.excluding}
        self._excluding_starts = {cue.split()[0] for cue in self._excluding if cue}
        self._excluding_zh = tuple(cue for cue in lexicon.clauses.excluding if has_cjk(cue))
        self._excluding_after = {" ".join(self._prepare(fold(cue)).split()) for cue in lexicon.clauses.excluding_after}
        self._excluding_after_starts = {cue.split()[0] for cue in self._excluding_after if cue}
        self._excluding_after_zh = tuple(cue for cue in lexicon.clauses.excluding_after if has_cjk(cue))
        self._articles = lexicon.clauses.noun_openers  # "took out the Urumqi area": the cue, then "the"
        self._areas = lexicon.area_places
        # Words read as figures in questions only: fractions as the percent they stand for ("half" → "50 percent"),
        # numbers in Chinese ("四个" → "4") and phrases ("only two" → "2": a count claimed, not "the two smaller")
        spelled = {fold(word): figure for figure, words in lexicon.numbers.items() for word in words
                   if has_cjk(word) or " " in word.strip()}
        spelled |= {fold(word): f"{percent} percent" for word, percent in lexicon.fractions.items()}
        self._spelled = spelled
        self._spelled_pattern = re.compile("|".join(
            # "哪八个" (which eight) stays as the lexicon has it: a list asked for
            rf"(?<!哪){re.escape(w)}" if has_cjk(w) else rf"(?<![^\W_]){re.escape(w)}(?![^\W_])"
            for w in sorted(spelled, key=len, reverse=True))) if spelled else None
        # The pattern is slow to run over every question; an entry's longest word must be in it first
        self._spelled_cues = frozenset(max(_WORD.findall(w) or [w], key=len) for w in spelled)
        self._known |= {word for cue in self._excluding | self._excluding_after
                        for word in cue.split()}  # "apart" is no typo for "part"
        self._reads_russian: dict[str, bool] = {}  # a Latin word → whether it reads as a known Russian word
        self._small_talk = {plain_text(fold(p)): kind for kind, phrases in lexicon.small_talk.items() for p in phrases}
        self._small_talk_words = {w for p in self._small_talk for w in _WORD.findall(p)} - set(self._words)
        self._small_talk_keys = list(self._small_talk)
        self._small_talk_kinds = list(self._small_talk.values())

    def __getstate__(self) -> dict[str, object]:
        # the stemmers are C objects that do not pickle; bot.prebuilt keeps the rest
        return {name: value for name, value in self.__dict__.items() if name != "_stemmers"}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._stemmers = _stemmers()

    def _stem(self, word: str) -> str:
        stemmer = self._stemmers["ru" if _CYRILLIC.match(word) else "en"]
        return str(stemmer.stemWord(word))

    def normalise(self, word: str) -> str:
        """A lexicon entry as questions are matched against it; "" when nothing a question holds could match it."""
        if has_cjk(word):
            return fold(word)
        prepared = " ".join(self._prepare(fold(word)).split())
        return prepared if _TOKEN.findall(prepared) else ""

    def _add_term(self, word: str, term: Term) -> None:
        if has_cjk(word):
            self._zh_terms[fold(word)] = term
            return
        if _GAP in word:
            head, tail = (" ".join(self._prepare(fold(part)).split()) for part in word.split(_GAP, 1))
            key = f"{head} {_GAP} {tail}"
            self._frames[key] = (head.split(), tail.split())
            self._phrases[key] = term
            return
        word = " ".join(self._prepare(fold(word)).split())
        tokens = _TOKEN.findall(word)
        if not tokens:
            return  # "$": nothing a question could contain (`check` reports such entries)
        if len(tokens) == 1 and tokens[0] == word:
            self._words[word] = term
        else:
            self._phrases[word] = term

    # --- analysing --------------------------------------------------------------------------------------------

    def _prepare(self, text: str) -> str:
        """English text (already folded) ready for phrase matching: numbers as digits, no stray punctuation."""
        text = _DECIMAL_COMMA.sub(r"\1.\2", _POSSESSIVE.sub(r"\1", text)).replace("%", " percent ")
        if _NUMBER_WORD.search(text):
            # "one hundred and thirty-five" → 135, "twenty twenty-three" → 2023, "sixteen and a half" → 16.5
            text = alpha2digit(text, "en")
            text = _SPLIT_YEAR.sub(r"\1\2", _HALF.sub(lambda m: f"{m.group(1)}.5", text))
            text = _ORDINAL.sub(r"\1", text)  # "the fourth area" → "the 4th area" → "the 4 area"
        if self._number_words and not self._number_words.keys().isdisjoint(_WORD.findall(text)):
            text = _WORD.sub(lambda m: self._number_words.get(m.group(0), m.group(0)), text)
        return _PUNCT.sub(" ", text.replace("-", " "))

    def _mark_phrases(self, text: str) -> str:
        words = text.split()
        for key, (first, last) in self._frames.items():
            if (len(words) > len(first) + len(last) and words[:len(first)] == first
                    and words[len(words) - len(last):] == last
                    and " ".join(words[len(words) - len(last) - 1:]) not in self._phrases):  # not "short for"
                text = " ".join([f"{_MARK}{self._phrase_index[key]}", *words[len(first):len(words) - len(last)]])
                break
        if self._phrase_pattern is None:
            return text
        return self._phrase_pattern.sub(lambda m: f" {_MARK}{self._phrase_index[m.group(1)]} ", text)

    def _term(self, token: str) -> Term | None:
        if token[0] == _MARK:
            return self._phrases[self._phrase_list[int(token[1:])]]
        term = self._words.get(token)
        if term is not None:
            return term
        if token[0].isdecimal():  # a figure ("፩" is a digit, yet no figure: int() and float() cannot read it)
            return Term(TermKind.NUMBER, self._nearest_number(token))
        return self._stems.get(self._stem(token))

    def _nearest_number(self, token: str) -> str:
        """A number close to one the facts state (180 for 179.66) stands for it; others stay as they are."""
        try:
            value = float(token)
        except ValueError:
            return token
        for number, known in self._numbers:
            # "about 130 km²" means 134.6; but a year must be exact (2020 is not 2023)
            if value == known or (10 < known < 1000 and known in self._article_figures
                                  and abs(value - known) <= 0.05 * known):
                return number
        return token

    def reads_as_russian(self, text: str) -> bool:
        """Russian typed in Latin letters ("kogda otkryli zonu"): more of its words are unknown in English but known
        read in Cyrillic than are known English words (place names count for neither)."""
        if not self._transliteration:
            return False
        russian = english = 0
        for word in _WORD.findall(text):
            if not word.isascii() or (word in self._words and self._words[word].kind is TermKind.PLACE):
                continue
            reads = self._reads_russian.get(word)
            if reads is None:
                reads = len(word) > 2 and not self._read_in_letters(word).isascii()
                if len(self._reads_russian) < 50_000:
                    self._reads_russian[word] = reads
            if reads and (word in self._known or self._stem(word) not in self._stems):
                russian += 1  # "otkryli" (the lexicon's own Latin spelling), "zonu": Russian words
            elif word in self._known or self._stem(word) in self._stems:
                english += 1
        return russian > english

    def _correct(self, word: str) -> str:
        """The known word a misspelt word stands for, or the word itself."""
        cached = self._typo_cache.get(word)
        if cached is not None:
            return cached
        if word in self._known and word not in self._words and word.isascii() and len(word) > 3:
            return self._remember(word, self._read_in_letters(word))  # "zony" (in "zony svobodnoy torgovli")
        if len(word) >= 4 and self._sounds and (word not in self._known or (
                word in self._words and self._words[word].kind is TermKind.WORD)):
            sounded = self._sounds.get(self._sound_key(word) or "")
            if sounded is not None:
                return self._remember(word, sounded)
        if word in self._known or len(word) < 3 or not word.isalpha() or self._stem(word) in self._stems:
            return word
        # Misspellings keep the first letter and are one edit away (two in long words); real words that merely
        # resemble a known one ("account" / "count") differ more, so they stay unknown and lower the confidence.
        limit = 1 if len(word) < 9 else 2
        # A refusal cue, or a word of three letters (one letter changed turns "dry" into "day", "bit" into "big"),
        # is only read for a slip of the fingers
        found = [f for f in process.extract(word, self._vocabulary_by_initial.get(word[0], ()), scorer=OSA.distance,
                                            score_cutoff=limit, limit=None)
                 if _slip(word, f[0]) or (f[0] not in self._refusal_words and len(word) > _SHORT_WORD)]
        # Among equally close words prefer a longer one: typing drops letters more often than it adds them.
        # Then a word that means something on its own ("when") over one that only occurs inside a phrase ("went").
        best = min(found, key=lambda f: (f[1], len(f[0]) < len(word), f[0] not in self._words,
                                         -_common_prefix(f[0], word), len(f[0]) <= len(word),
                                         abs(len(f[0]) - len(word))), default=None)
        result = best[0] if best is not None else self._unglue(word)
        if result == word and any(c.isascii() for c in word):
            # "stran" is страна typed in Latin letters; "хорgos" is хоргос, half typed with the wrong keyboard
            result = self._read_in_letters(word)
        return self._remember(word, result)

    def _remember(self, word: str, correction: str) -> str:
        """`correction`, kept for the next time `word` is typed (a bounded cache: cleared when full)."""
        if len(self._typo_cache) > 50_000:
            self._typo_cache.clear()
        self._typo_cache[word] = correction
        return correction

    def _sound_key(self, word: str) -> str | None:
        """How a word sounds, by the `sound_alike` pairs of the language whose letters it has (None if none):
        "площадь" and "плошать" both sound "плашат"; a letter heard twice in a row counts once."""
        for letters, heard, at_end in self._heard:
            if letters.isdisjoint(word):
                continue  # none of the language's letters
            sounds = "".join(heard.get(c, c) for c in word)
            key = "".join(c for i, c in enumerate(sounds) if i == 0 or c != sounds[i - 1])
            return key[:-1] + at_end[key[-1]] if key and key[-1] in at_end else key
        return None

    def _read_in_letters(self, word: str) -> str:
        """A Latin word read in another script's letters when that makes it a known word, else the word."""
        for pairs in self._transliteration.values():
            written = fold(_transliterate(word, pairs))
            if written in self._known or self._stem(written) in self._stems:
                return written
        return word

    def _unglue(self, word: str) -> str:
        """Known words typed without the spaces ("howmany", "whichcitiesareinthezone"), or the word itself: the
        fewest words of two letters or more; three or more only in a long word with words of three letters on
        average, so that an unknown name is not read as a string of short words."""
        if len(word) > _LONGEST_GLUED:
            return word
        fewest: list[list[str] | None] = [[]] + [None] * len(word)  # at each position: the fewest words so far
        for end in range(2, len(word) + 1):
            for start in range(max(0, end - _LONGEST_WORD), end - 1):
                before, piece = fewest[start], word[start:end]
                if before is not None and piece in self._known and (
                        fewest[end] is None or len(before) + 1 < len(fewest[end] or ())):
                    fewest[end] = [*before, piece]
        words = fewest[-1]
        if words is None or len(words) < 2 or (len(words) > 2 and (
                len(word) < _GLUED_MIN_LETTERS or len(word) < 3 * len(words))):
            return word
        return " ".join(words)

    def analyse(self, question: str, correct: bool = True) -> Analysis:
        """The terms of a question; `correct=False` skips typo correction (for indexing the facts themselves)."""
        return self.analyse_folded(fold(question), correct)

    def analyse_folded(self, text: str, correct: bool = True) -> Analysis:
        """Like `analyse` for text already through `fold`."""
        return self._analysed(text, correct).copy()

    @lru_cache(maxsize=_RECENT_ANALYSES)  # noqa: B019 - one analyser lives as long as the process
    def _analysed(self, text: str, correct: bool) -> Analysis:
        analysis = Analysis(text=text)
        if correct and self._spelled_pattern is not None and any(cue in text for cue in self._spelled_cues):
            # "more than half of the zone" is "more than 50 percent": a share, weighed against the answer's percent
            text = self._spelled_pattern.sub(lambda m: f" {self._spelled[m.group(0)]} ", text)
        for span in _ZH_SPAN.findall(text):
            if has_cjk(span):
                self._analyse_zh(span, analysis, correct)
            else:
                self._analyse_words(span, analysis, correct)
        return analysis

    def _analyse_words(self, text: str, analysis: Analysis, correct: bool) -> None:
        text = self._prepare(text)
        if correct:
            text = _WORD.sub(lambda m: self._correct(m.group(0)), text)
        tokens = _TOKEN.findall(self._mark_phrases(text))
        index = 0
        while index < len(tokens):
            token = tokens[index]
            excluded = self._excluded_area(tokens, index)
            if excluded is not None:
                place, width = excluded
                self._collect_others(place, analysis)
                index += width + 1
                continue
            term = self._term(token)
            index += 1
            if term is None:
                analysis.last_number = None  # "five of them": a count of nothing named
                if token.isalpha() and len(token) > 1:
                    analysis.oov.append(token)
                continue
            if term.kind is TermKind.OUTSIDE and index > 1 and tokens[index - 2] in self._origins:
                continue  # "a client from Xi'an asks ...": who asks, not what
            self._collect(term, analysis)
            if term.kind is TermKind.NUMBER and index > 1 and tokens[index - 2] in self._some_of:
                analysis.last_number = None  # "the other 2 areas": which of them, not how many there are

    def _excluded_area(self, tokens: list[str], index: int) -> tuple[str, int] | None:
        """The area an excluding cue starting at `index` leaves out ("outside Urumqi", "take out the Urumqi"), or the
        area at `index` with a cue after it ("take Urumqi out", "Урумчи не считать"), with the tokens after `index`
        that this takes."""
        after = self._token_text(tokens[index + 1]).split(" ", 1)[0] if index + 1 < len(tokens) else ""
        area = self._area_at(tokens, index) if after in self._excluding_after_starts else None
        if area is not None:
            for width in (1, 2, 3):
                cue = " ".join(self._token_text(t) for t in tokens[index + 1:index + 1 + width])
                following = tokens[index + 1 + width] if index + 1 + width < len(tokens) else ""
                if cue in self._excluding_after and not (cue == "out" and following == "of"):  # "… out of the total"
                    return area, width
            return None
        if self._token_text(tokens[index]).split(" ", 1)[0] not in self._excluding_starts:
            return None
        for width in (1, 2, 3):
            cue = " ".join(self._token_text(t) for t in tokens[index:index + width])
            if cue in self._excluding:
                skip = width + (index + width < len(tokens) and tokens[index + width] in self._articles)
                area = self._area_at(tokens, index + skip)
                if area is not None:
                    return area, skip
        return None

    def _area_at(self, tokens: list[str], index: int) -> str | None:
        term = self._term(tokens[index]) if index < len(tokens) else None
        return term.value if term is not None and term.kind is TermKind.PLACE and term.value in self._areas else None

    def _token_text(self, token: str) -> str:
        return self._phrase_list[int(token[1:])] if token[0] == _MARK else token

    def _collect_others(self, area: str, analysis: Analysis) -> None:
        """The zone's areas other than `area`, taken together: what "outside Urumqi" asks about."""
        for other in sorted(self._areas - {area}):
            self._collect(Term(TermKind.PLACE, other), analysis)
        self._collect(SUM, analysis)

    def _analyse_zh(self, text: str, analysis: Analysis, correct: bool = True) -> None:
        # Greedy longest match of known terms, then a place name with one character mistyped or dropped; leftover
        # characters count as unknown words.
        position = 0
        leftover: list[str] = []
        while position < len(text):
            found = self._zh_term_at(text, position, correct=correct)
            if found is None:
                leftover.append(text[position])
                analysis.last_number = None
                position += 1
                continue
            if leftover:
                analysis.oov.append("".join(leftover))
                leftover = []
            term, length = found
            if term.kind is TermKind.PLACE and term.value in self._areas and (
                    any(text.endswith(cue, 0, position) for cue in self._excluding_zh)
                    or any(text.startswith(cue, position + length) for cue in self._excluding_after_zh)):
                self._collect_others(term.value, analysis)  # "除了乌鲁木齐", "乌鲁木齐不算": the other areas
            elif term.kind is TermKind.STOP and term.value in _ZH_MEASURE_WORDS:
                pass  # "2个片区": the figure still counts the areas
            elif not (term.kind is TermKind.OUTSIDE and any(text.endswith(o, 0, position) for o in self._origins)):
                self._collect(term, analysis)  # "来自西安的客户问…": who asks, not what
            position += length
        if leftover:
            analysis.oov.append("".join(leftover))

    def _zh_term_at(self, text: str, position: int, *, correct: bool) -> tuple[Term, int] | None:
        exact = next(((term, length) for length in range(min(self._zh_max, len(text) - position), 0, -1)
                      if (term := self._zh_terms.get(text[position:position + length])) is not None), None)
        if not correct:
            return exact
        heard = self._zh_homophone_at(text, position, longer_than=exact[1] if exact else 0)
        if heard is not None or exact is not None:
            return heard or exact
        # "霍尔果丝", "乌木齐": a Chinese place name of three characters or more, its first one right and one other
        # typed as a homophone or left out
        for name, term in self._zh_places:
            window = text[position:position + len(name)]
            mistyped = sum(a != b for a, b in zip(window, name, strict=True)) if len(window) == len(name) else 0
            if mistyped == 1 and window[0] == name[0]:
                return term, len(name)
            short = window[:-1]
            if len(short) == len(name) - 1 and any(name[:i] + name[i + 1:] == short for i in range(1, len(name))):
                return term, len(short)
        return None

    def _zh_homophone_at(self, text: str, position: int, *, longer_than: int) -> tuple[Term, int] | None:
        """A known term at `position` typed with one character a homophone ("口案" is 口岸), longer than the term
        found there as typed. A function word ("在", "那") is typed as meant."""
        for length in range(min(self._zh_max, len(text) - position), longer_than, -1):
            window = text[position:position + length]
            heard = next((term for i in range(length)
                          for index, char, term in self._zh_one_off.get(f"{window[:i]}?{window[i + 1:]}", ())
                          if index == i and char != window[i] and _sounds_like(window[i], char)
                          and window[i] not in self._zh_function_words), None)
            if heard is not None and not any(
                    text[position + k:end] in self._zh_terms for k in range(1, length)
                    for end in range(position + length + 1, min(len(text), position + k + self._zh_max) + 1)):
                return heard, length  # not "说的一带一路": 一带一路 as typed, not 的一 heard as 第一
        return None

    @staticmethod
    def _collect(term: Term, analysis: Analysis) -> None:
        if term.kind is TermKind.CONCEPT and analysis.last_number is not None:
            analysis.counts.append((analysis.last_number, term))  # "five areas", "8 ports", "4 片区"
        analysis.last_number = term if term.kind is TermKind.NUMBER else None
        if term.kind in _INDEXED:
            analysis.terms.append(term)
            if term.kind is TermKind.PLACE:
                analysis.places.add(term.value)
            elif term.kind is TermKind.NUMBER:
                analysis.numbers.append(term)
        elif term.kind is TermKind.UNKNOWN_ATTRIBUTE:
            analysis.unknown.append(term.value)
        elif term.kind is TermKind.OUTSIDE:
            analysis.outside.append(term.value)

    def small_talk_kind(self, question: str) -> str | None:
        """The kind of small talk a whole message is (greeting, thanks, ...), or None."""
        return self.small_talk_of_plain(plain_text(fold(question)), question)

    def small_talk_of_plain(self, text: str, question: str) -> str | None:
        if not text:
            stripped = question.strip()
            return "acknowledgement" if stripped and not any(ch.isalnum() for ch in stripped) else None
        kind = self._small_talk.get(text)
        if kind is None and len(text) >= 3 and len(text) <= 30:
            best = process.extractOne(text, self._small_talk_keys, scorer=fuzz.ratio, score_cutoff=86)
            if best is not None:
                kind = self._small_talk_kinds[best[2]]
        return kind

    def only_small_talk_words(self, text: str) -> bool:
        """True for the tail of "thanks, that was really helpful": nothing but stopwords and small-talk words."""
        words = _WORD.findall(text)
        return all(w in self._small_talk_words or self._is_stopword(w) for w in words)

    def small_talk_within(self, text: str) -> str | None:
        """The kind of a message that is small talk through and through ("thx mate that helped", "ясно, спасибо
        большое", "好的明白了"): small-talk phrases with nothing but stopwords around them; the first phrase's kind.
        Text is plain."""
        return self._covered(text.split(), " ") or None

    def _covered(self, pieces: list[str], joiner: str) -> str | None:
        """The first small-talk kind of `pieces` (words, or a Chinese word's characters) read wholly as small-talk
        phrases and stopwords, "" when only stopwords; None when some piece is neither. Every way of cutting them
        is tried: "ясно спасибо" must not hide "спасибо большое"."""
        reached: list[str | None] = [""] + [None] * len(pieces)  # at each position: the first kind so far
        for start in range(len(pieces)):
            so_far = reached[start]
            if so_far is None:
                continue
            for end in range(start + 1, min(len(pieces), start + 8) + 1):
                kind = self._small_talk.get(joiner.join(pieces[start:end]))
                if kind is None and end == start + 1:
                    kind = self._small_talk_piece(pieces[start], joiner)
                elif kind is None and not joiner:  # a Chinese stopword of several characters ("谢了兄弟")
                    kind = self._small_talk_piece("".join(pieces[start:end]), joiner)
                if kind is not None and not reached[end]:
                    reached[end] = so_far or kind
        return reached[-1]

    def _small_talk_piece(self, piece: str, joiner: str) -> str | None:
        """"" for a stopword, a kind for a Chinese word of small talk ("好的明白了"), else None."""
        if joiner:
            if self._is_stopword(piece):
                return ""
            return self._covered(list(piece), "") if has_cjk(piece) else None
        stop = self._zh_terms.get(piece)
        return "" if stop is not None and stop.kind is TermKind.STOP else None

    def _is_stopword(self, word: str) -> bool:
        term = self._words.get(word)
        return term is not None and term.kind is TermKind.STOP

    def split_greeting(self, text: str) -> tuple[str, str | None]:
        """Split a leading greeting or thanks off a longer question ("hi, how big is it?"); text is plain."""
        words = text.split()
        for cut in range(min(4, len(words) - 1), 0, -1):
            kind = self._small_talk.get(" ".join(words[:cut]))
            if kind in ("greeting", "thanks", "acknowledgement"):
                return " ".join(words[cut:]), kind
        return text, None



# Words typed without spaces: at most this long in all, each word at most `_LONGEST_WORD` letters; three words or
# more only from `_GLUED_MIN_LETTERS` letters.
_SHORT_WORD = 3  # letters: a word this short is not read with one letter changed, it is as often another word
_LONGEST_GLUED = 60
_LONGEST_WORD = 20
_GLUED_MIN_LETTERS = 10


def plain_text(text: str) -> str:
    """Folded text without punctuation (a decimal comma becomes a point: 16,58), single-spaced."""
    return " ".join(_PUNCT.sub(" ", _DECIMAL_COMMA.sub(r"\1.\2", text).replace("+", " plus ")).split())


def _slip(typed: str, word: str) -> bool:
    """A slip of the fingers rather than another word: a letter dropped or doubled, or two swapped ("wether" is
    weather; "mixing" is not mining)."""
    return abs(len(typed) - len(word)) == 1 or (len(typed) == len(word) and sorted(typed) == sorted(word))


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
