"""Load and validate a knowledge folder: the article, its metadata, the curated facts and the lexicon.

Nothing here knows about Telegram or matching; it turns data files into typed, checked objects or raises
`KnowledgeError` naming the file, the fact and the field at fault.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from bot.clauses import NO_CUES, ClauseCues
from bot.config import configured_knowledge_dir
from bot.messages import MESSAGES_FILE, Messages, validate
from bot.text import fold_quotes

ARTICLE_FILE = "article.txt"
METADATA_FILE = "article.toml"
FACTS_FILE = "facts.toml"
LEXICON_FILE = "lexicon.toml"

_T = TypeVar("_T")
_LANGUAGE_PATTERN = re.compile(r"^[a-z]{2}$")
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")


class KnowledgeError(ValueError):
    """A knowledge file is missing or wrong; the message says which file, fact and field, and what to do."""

    def __init__(self, path: Path | str, problem: str, *, fact_id: str | None = None, field_name: str | None = None):
        self.path = Path(path)
        self.fact_id = fact_id
        self.field_name = field_name
        self.problem = problem
        where = str(self.path)
        if fact_id:
            where += f": fact '{fact_id}'"
        if field_name:
            where += f", field '{field_name}'"
        super().__init__(f"{where}: {problem}")


class KnowledgeErrors(KnowledgeError):
    """Several problems found in one pass over a knowledge folder; `errors` lists each (the first is the headline)."""

    def __init__(self, errors: list[KnowledgeError]):
        first = errors[0]
        super().__init__(first.path, first.problem, fact_id=first.fact_id, field_name=first.field_name)
        self.errors = list(errors)
        self.args = (f"{len(errors)} problems:\n" + "\n".join(f"  {e}" for e in errors),)


def all_errors(exc: KnowledgeError) -> list[KnowledgeError]:
    """Every problem an error stands for."""
    return list(exc.errors) if isinstance(exc, KnowledgeErrors) else [exc]


@dataclass(frozen=True)
class Article:
    """The source article: its verbatim text and metadata, and the languages the folder answers in."""

    text: str
    title: str
    date: dt.date
    publisher_line: str
    languages: tuple[str, ...] = ("en",)  # the first is the fallback for any other language

    def contains(self, sentence: str) -> bool:
        """True when `sentence` stands verbatim in the article, ignoring quote style and runs of spaces."""
        return _comparable(sentence) in _comparable(self.text)


@dataclass(frozen=True)
class Topic:
    id: str
    titles: Mapping[str, str]  # language → title

    def title(self, language: str) -> str:
        return _in_language(self.titles, language)

    @property
    def title_en(self) -> str:
        return self.title("en")

    @property
    def title_zh(self) -> str:
        return self.title("zh")


@dataclass(frozen=True)
class Fact:
    """One curated fact: a short answer in each language, backed by verbatim source sentences."""

    id: str
    topic: str
    entities: tuple[str, ...]
    answers: Mapping[str, str]  # language → answer
    sources: tuple[str, ...]
    questions: Mapping[str, tuple[str, ...]]  # language → alternate questions
    keywords: tuple[str, ...]
    subject: str | None = None  # the place the answer singles out ("Urumqi is the largest"): a yes/no question
    # naming another place gets "No"
    since: dt.date | None = None  # the date an answer's {elapsed} counts from ("3 years ago")
    defines: tuple[str, ...] = ()  # concepts whose meaning the answer explains ("what do the barriers refer to?")

    def answer(self, language: str, *, today: dt.date | None = None) -> str:
        """The answer in `language` (else the folder's first language), its {elapsed} counted up to `today`."""
        text = _in_language(self.answers, language)
        if self.since is None:
            return text
        return text.replace(ELAPSED, elapsed((today or dt.date.today()) - self.since, language))

    def answer_words(self, language: str) -> str:
        """The answer's own words, without what is counted at reply time: what the matcher indexes."""
        return _in_language(self.answers, language).replace(ELAPSED, "")

    def questions_in(self, language: str) -> tuple[str, ...]:
        return _in_language(self.questions, language)

    def all_questions(self) -> tuple[str, ...]:
        return tuple(question for questions in self.questions.values() for question in questions)

    @property
    def answer_en(self) -> str:
        return self.answer("en")

    @property
    def answer_zh(self) -> str:
        return self.answer("zh")

    @property
    def questions_en(self) -> tuple[str, ...]:
        return self.questions_in("en")

    @property
    def questions_zh(self) -> tuple[str, ...]:
        return self.questions_in("zh")


ELAPSED = "{elapsed}"


def elapsed(span: dt.timedelta, language: str) -> str:
    """A time span in words of `language` ("3 years", "3 года", "3年"): Babel knows each language's plurals."""
    from babel.dates import format_timedelta  # imported on first use: most answers need no date arithmetic

    return format_timedelta(span, locale=language, threshold=1.1)


def _in_language(by_language: Mapping[str, _T], language: str) -> _T:
    value = by_language.get(language)
    return value if value is not None else next(iter(by_language.values()))


@dataclass(frozen=True)
class Place:
    """A place or named thing the article covers, with every spelling people use for it, by language."""

    id: str
    names: Mapping[str, tuple[str, ...]]  # language → names
    zone: bool = False  # the zone itself: naming it does not narrow a question to one of its areas
    area: bool = False  # one of the zone's areas: "outside Urumqi" means the other areas

    def all_names(self) -> tuple[str, ...]:
        return tuple(name for names in self.names.values() for name in names)


@dataclass(frozen=True)
class NotGiven:
    """A combination of concepts that asks for something the article does not give (names behind a number)."""

    concepts: frozenset[str]
    why: str
    unless: frozenset[str] = frozenset()  # concepts that make the question answerable after all
    places: frozenset[str] = frozenset()  # places the question must name too

    def asked_by(self, names: set[str] | frozenset[str], *, granted: frozenset[str] = frozenset()) -> bool:
        """A question of these concept `names` asks for what the rule refuses: all its concepts but the `granted`
        ones are there, and none of its `unless`."""
        return self.concepts - granted <= names and not self.unless & names


@dataclass(frozen=True)
class FollowUpCues:
    """Words that mark a short message as leaning on the conversation ("and Kashgar?", "when was that?")."""

    leading: frozenset[str] = frozenset()  # first word: and, also, а, и
    pronouns: frozenset[str] = frozenset()  # it, that, they, это, он
    cjk: tuple[str, ...] = ()  # Chinese cues at the start or end: 那, 还有, 呢
    comparisons: frozenset[str] = frozenset()  # concepts that compare the last two answers: largest, smallest
    comparatives: tuple[str, ...] = ()  # "bigger than": the last answer's place against the one named ("is it ...")
    why: frozenset[str] = frozenset()  # concepts of a bare "why?" (purpose)
    reasons: tuple[str, ...] = ()  # an answer holding one gives its own reason ("..., creating a favourable ...")
    # concepts that pick from what was asked without saying what (which, how many, total): a question of only these
    # inside a message asks about what the question before it asked ("how many countries, and which ones?")
    selectors: frozenset[str] = frozenset()
    how: frozenset[str] = frozenset()  # a bare "how?", "как?", "怎么做": answered by an answer holding one of `means`
    means: tuple[str, ...] = ()  # an answer holding one says how ("..., with lower entry barriers on ...")
    # "by how much", "насколько", "多多少": two places compared by how much, not put in order
    differences: tuple[str, ...] = ()
    # pronouns that point at what is at hand, not back at the last thing named: "does Kazakhstan have an FTZ? when
    # was this one opened?" asks about this zone
    demonstratives: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Lexicon:
    """Words the matcher needs: places, concepts (synonym groups), stopwords, small talk, refusal cues."""

    places: tuple[Place, ...]
    concepts: Mapping[str, tuple[str, ...]]
    stopwords: Mapping[str, tuple[str, ...]]  # language → words
    small_talk: Mapping[str, tuple[str, ...]]
    unknown_attributes: Mapping[str, tuple[str, ...]]  # language → words
    outside_entities: Mapping[str, tuple[str, ...]]  # language → words
    not_given: tuple[NotGiven, ...] = ()
    clauses: ClauseCues = NO_CUES
    membership_concept: str | None = None  # "is Yining part of it?" is answered (No), not refused as outside
    year_concept: str | None = None  # what a year in a yes/no claim asks about ("was it set up in 2024?")
    definition_concept: str | None = None  # "what does 'qualified' mean?": a word the facts only use is refused
    # word groups a yes/no claim is checked against (months, ...): each member with its other words ("october",
    # "октябре", "十月")
    exclusive: tuple[tuple[frozenset[str], ...], ...] = ()
    follow_up: FollowUpCues = FollowUpCues()
    answer_kinds: frozenset[str] = frozenset()  # concepts only a fact that states them answers (a cost, jobs)
    # Asked about alone ("what's BRI?", "R&D = ?"), these ask what they stand for; other words of such a question
    # may still make the concepts of `abbreviations_asked_with` ("что такое" reads as `overview`)
    abbreviations: frozenset[str] = frozenset()
    abbreviations_asked_with: frozenset[str] = frozenset()
    # names of the zone that name its whole region too ("Xinjiang"): a place "in Xinjiang" may lie outside the zone
    region_names: frozenset[str] = frozenset()
    # language → (Latin spelling, letters) pairs, longest first: Russian typed in Latin letters ("skolko stran")
    transliteration: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # language → (letter, letter it sounds like) pairs: "плошать" and "площадь" sound alike ("$" marks a word's end)
    sound_alike: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # "more"/"less" → words that compare a stated figure with the question's own ("is it over 150 km²?"); a percent
    # ("50") → the fractions that stand for it ("half", "一半")
    yardstick: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # a figure ("4") → the words that spell it ("четыре", "四个"): read as the figure
    numbers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # a year said relative to today ("last year", "去年") → how many years from this one: in a claim to check, read as
    # that year ("was it set up last year?")
    relative_years: Mapping[str, int] = field(default_factory=dict)
    # The folder's own matcher numbers over `bot.thresholds.Thresholds` (a draft trusts its semantic layer less)
    thresholds: Mapping[str, float] = field(default_factory=dict)

    def place(self, place_id: str) -> Place:
        return next(p for p in self.places if p.id == place_id)

    def all_stopwords(self) -> tuple[str, ...]:
        return _flatten(self.stopwords)

    def all_unknown_attributes(self) -> tuple[str, ...]:
        return _flatten(self.unknown_attributes)

    def all_outside_entities(self) -> tuple[str, ...]:
        return _flatten(self.outside_entities)

    @property
    def zone_places(self) -> frozenset[str]:
        return frozenset(p.id for p in self.places if p.zone)

    @property
    def fractions(self) -> dict[str, str]:
        """Each fraction word of the yardstick ("half", "一半") → the percent it stands for ("50")."""
        return {word: key for key, words in self.yardstick.items() if _is_percent(key) for word in words}

    @property
    def area_places(self) -> frozenset[str]:
        return frozenset(p.id for p in self.places if p.area)


def _flatten(by_language: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(word for words in by_language.values() for word in words)


@dataclass(frozen=True)
class FactBase:
    """Everything the bot knows: the article, topics, facts (in file order) and the lexicon."""

    directory: Path
    article: Article
    topics: tuple[Topic, ...]
    facts: tuple[Fact, ...]
    lexicon: Lexicon
    messages: Messages
    _by_id: Mapping[str, Fact] = field(default_factory=dict, repr=False, compare=False)

    def fact(self, fact_id: str) -> Fact | None:
        return self._by_id.get(fact_id)

    def facts_in_topic(self, topic_id: str) -> list[Fact]:
        return [f for f in self.facts if f.topic == topic_id]

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)


def default_knowledge_dir() -> Path:
    """The knowledge folder to use: `BOT_KNOWLEDGE_DIR`, else the copy packaged with the code, else the repo's."""
    configured = configured_knowledge_dir()
    if configured is not None:
        return configured
    packaged = Path(__file__).parent / "_knowledge"
    if (packaged / FACTS_FILE).is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "knowledge"


def fact_base_key(directory: Path | str | None = None) -> str:
    """A short stable name for a knowledge folder: its folder name and a hash of its resolved path
    ("knowledge-1a2b3c4d"). Names its question log file and marks each logged question with its fact base."""
    folder = Path(directory).expanduser() if directory is not None else default_knowledge_dir()
    resolved = folder.resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:8]
    name = re.sub(r"[^a-z0-9]+", "-", resolved.name.lower()).strip("-")[:24] or "knowledge"
    return f"{name}-{digest}"


def load_fact_base(directory: Path | str | None = None) -> FactBase:
    """Read and validate a knowledge folder; raise `KnowledgeError` on the first problem found."""
    folder = Path(directory) if directory is not None else default_knowledge_dir()
    if not folder.is_dir():
        raise KnowledgeError(folder, "no such knowledge folder; point --knowledge or BOT_KNOWLEDGE_DIR at one")
    article = _load_article(folder)  # everything else is checked against it
    problems: list[KnowledgeError] = []
    lexicon = None
    try:
        lexicon = _load_lexicon(folder / LEXICON_FILE, article.languages)
    except KnowledgeError as exc:
        problems.append(exc)
    topics, facts = _load_facts(folder / FACTS_FILE, article, lexicon, problems)
    messages = None
    try:
        messages = _load_messages(folder / MESSAGES_FILE, article.languages,
                                  frozenset(lexicon.small_talk) if lexicon is not None else None)
    except KnowledgeError as exc:
        problems.extend(all_errors(exc))
    if problems:
        raise problems[0] if len(problems) == 1 else KnowledgeErrors(problems)
    assert lexicon is not None and messages is not None
    return FactBase(folder, article, topics, facts, lexicon, messages, {f.id: f for f in facts})


def _load_messages(path: Path, languages: tuple[str, ...], small_talk_kinds: frozenset[str] | None) -> Messages:
    data = _read_toml(path)
    problems = validate(data, languages, small_talk_kinds if small_talk_kinds is not None else frozenset())
    if problems:
        errors = [KnowledgeError(path, problem) for problem in problems]
        raise errors[0] if len(errors) == 1 else KnowledgeErrors(errors)
    mapping = data.get("telegram_languages", {})
    if not isinstance(mapping, dict) or not all(v in languages for v in mapping.values()):
        raise KnowledgeError(path, f"every value must be one of the declared languages ({', '.join(languages)})",
                             field_name="telegram_languages")
    return Messages(languages, {language: data[language] for language in languages}, mapping)


# --- helpers ---------------------------------------------------------------------------------------------------


def _comparable(text: str) -> str:
    return re.sub(r"\s+", " ", fold_quotes(text)).strip()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise KnowledgeError(path, "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already ends with "(at line N, column M)".
        raise KnowledgeError(path, f"TOML syntax error: {exc}") from None
    except UnicodeDecodeError as exc:
        raise KnowledgeError(path, f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from None


def _load_article(folder: Path) -> Article:
    text_path = folder / ARTICLE_FILE
    try:
        text = text_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KnowledgeError(text_path, "file not found; copy the source article here unchanged") from None
    except UnicodeDecodeError as exc:
        raise KnowledgeError(text_path, f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    if not text.strip():
        raise KnowledgeError(text_path, "the article is empty")
    meta_path = folder / METADATA_FILE
    meta = _read_toml(meta_path)
    if "sha256" in meta:
        _check_checksum(text_path, meta_path, meta["sha256"])
    title = _string(meta, "title", meta_path, None)
    publisher_line = _string(meta, "publisher_line", meta_path, None)
    date = meta.get("date")
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        raise KnowledgeError(meta_path, "must be a date like 2023-11-02", field_name="date")
    languages = _strings(meta, "languages", meta_path, None) if "languages" in meta else ("en",)
    for language in languages:
        if not _LANGUAGE_PATTERN.match(language):
            raise KnowledgeError(meta_path, f"'{language}' is not a language code such as en, zh or ru",
                                 field_name="languages")
    return Article(text=text, title=title, date=date, publisher_line=publisher_line, languages=languages)


def article_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as `sha256sum` prints it: what article.toml's `sha256` records."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_checksum(text_path: Path, meta_path: Path, recorded: Any) -> None:
    """The article must stay byte for byte as received: a folder that records its SHA-256 is checked against it."""
    if not isinstance(recorded, str) or not _SHA256_PATTERN.match(recorded):
        raise KnowledgeError(meta_path, f"must be the SHA-256 of {ARTICLE_FILE}: 64 lowercase hexadecimal digits, as "
                             f"`sha256sum {ARTICLE_FILE}` prints them", field_name="sha256")
    found = article_sha256(text_path)
    if found != recorded:
        raise KnowledgeError(
            text_path, f"its SHA-256 is {found}, not the {recorded} recorded in {METADATA_FILE}: the article must stay "
            "byte for byte as received. Restore it from the source; or, if the new text is meant (a corrected "
            f"article), set sha256 = \"{found}\" in {METADATA_FILE} and run `ftz-bot check`")


def _string(table: Mapping[str, Any], key: str, path: Path, fact_id: str | None) -> str:
    value = table.get(key)
    if value is None:
        raise KnowledgeError(path, "is missing", fact_id=fact_id, field_name=key)
    if not isinstance(value, str):
        raise KnowledgeError(path, f"must be text, not {type(value).__name__}", fact_id=fact_id, field_name=key)
    if not value.strip():
        raise KnowledgeError(path, "is empty", fact_id=fact_id, field_name=key)
    return value.strip()


def _strings(table: Mapping[str, Any], key: str, path: Path, fact_id: str | None) -> tuple[str, ...]:
    value = table.get(key)
    if value is None:
        raise KnowledgeError(path, "is missing", fact_id=fact_id, field_name=key)
    if not isinstance(value, list) or not value:
        raise KnowledgeError(path, "must be a non-empty list of text", fact_id=fact_id, field_name=key)
    items = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise KnowledgeError(path, f"item {index + 1} is empty or not text", fact_id=fact_id, field_name=key)
        items.append(item.strip())
    return tuple(items)


_FACT_FIELDS = ("id", "topic", "entities", "sources", "keywords", "subject", "since", "defines")


def _load_facts(path: Path, article: Article, lexicon: Lexicon | None,
                problems: list[KnowledgeError]) -> tuple[tuple[Topic, ...], tuple[Fact, ...]]:
    """Topics and facts; every problem found goes to `problems` (a fact with one is left out)."""
    try:
        data = _read_toml(path)
    except KnowledgeError as exc:
        problems.append(exc)
        return (), ()
    languages = article.languages
    topics = []
    for index, raw in enumerate(data.get("topic", [])):
        label = raw.get("id") if isinstance(raw.get("id"), str) else f"topic #{index + 1}"
        try:
            titles = {lang: _string(raw, f"title_{lang}", path, label) for lang in languages}
            topics.append(Topic(_string(raw, "id", path, label), titles))
        except KnowledgeError as exc:
            problems.append(exc)
    topic_ids = {t.id for t in topics}
    if not data.get("topic"):
        problems.append(KnowledgeError(path, "no [[topic]] tables; add at least one topic"))
    place_ids = {p.id for p in lexicon.places} if lexicon is not None else None
    raw_facts = data.get("fact")
    if not isinstance(raw_facts, list) or not raw_facts:
        problems.append(KnowledgeError(path, "no [[fact]] tables; add at least one fact"))
        return tuple(topics), ()
    allowed = {*_FACT_FIELDS, *(f"answer_{lang}" for lang in languages), *(f"questions_{lang}" for lang in languages)}
    facts: list[Fact] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_facts):
        found: list[KnowledgeError] = []

        def attempt(read: Callable[[], _T], default: _T, found: list[KnowledgeError] = found) -> _T:
            try:
                return read()
            except KnowledgeError as exc:
                found.append(exc)
                return default

        fact_id = attempt(partial(_string, raw, "id", path, f"#{index + 1}"), f"#{index + 1}")
        if not found and not _ID_PATTERN.match(fact_id):
            found.append(KnowledgeError(path, "use lowercase letters, digits and underscores",
                                        fact_id=fact_id, field_name="id"))
        if fact_id in seen:
            found.append(KnowledgeError(path, "duplicate id; every fact needs its own", fact_id=fact_id,
                                        field_name="id"))
        seen.add(fact_id)
        for unknown in sorted(set(raw) - allowed):
            found.append(KnowledgeError(path, f"unknown field (allowed: {', '.join(sorted(allowed))}; languages "
                                        f"come from {METADATA_FILE})", fact_id=fact_id, field_name=unknown))
        fact = Fact(
            id=fact_id,
            topic=attempt(partial(_string, raw, "topic", path, fact_id), ""),
            entities=attempt(partial(_strings, raw, "entities", path, fact_id), ()),
            answers={lang: attempt(partial(_string, raw, f"answer_{lang}", path, fact_id), "") for lang in languages},
            sources=attempt(partial(_strings, raw, "sources", path, fact_id), ()),
            questions={lang: attempt(partial(_strings, raw, f"questions_{lang}", path, fact_id), ())
                       for lang in languages},
            keywords=attempt(partial(_strings, raw, "keywords", path, fact_id), ()),
            subject=attempt(partial(_string, raw, "subject", path, fact_id), None) if "subject" in raw else None,
            since=raw.get("since") if isinstance(raw.get("since"), dt.date) else None,
            defines=attempt(partial(_strings, raw, "defines", path, fact_id), ()) if "defines" in raw else (),
        )
        counts_time = any(ELAPSED in answer for answer in fact.answers.values())
        if ("since" in raw and not isinstance(raw["since"], dt.date)) or isinstance(raw.get("since"), dt.datetime):
            found.append(KnowledgeError(path, "must be a date such as 2023-11-01 (no quotes)", fact_id=fact_id,
                                        field_name="since"))
        elif counts_time and fact.since is None:
            found.append(KnowledgeError(path, f"an answer uses {ELAPSED}: add since = <the date it counts from>",
                                        fact_id=fact_id, field_name="since"))
        elif fact.since is not None and not counts_time:
            found.append(KnowledgeError(path, f"no answer uses {ELAPSED}, so nothing counts from this date",
                                        fact_id=fact_id, field_name="since"))
        if fact.subject is not None and fact.subject not in fact.entities:
            found.append(KnowledgeError(path, f"'{fact.subject}' is not one of the fact's entities",
                                        fact_id=fact_id, field_name="subject"))
        for concept in fact.defines:
            if lexicon is not None and concept not in lexicon.concepts:
                found.append(KnowledgeError(path, f"unknown concept '{concept}'; add it to [concepts] in "
                                            f"{LEXICON_FILE}", fact_id=fact_id, field_name="defines"))
        if fact.topic and fact.topic not in topic_ids:
            found.append(KnowledgeError(path, f"unknown topic '{fact.topic}' (known: {', '.join(sorted(topic_ids))})",
                                        fact_id=fact_id, field_name="topic"))
        for entity in fact.entities:
            if place_ids is not None and entity not in place_ids:
                found.append(KnowledgeError(path, f"unknown entity '{entity}'; add it as a [[place]] in "
                                            f"{LEXICON_FILE}", fact_id=fact_id, field_name="entities"))
        for number, sentence in enumerate(fact.sources, start=1):
            if not article.contains(sentence):
                found.append(KnowledgeError(
                    path, f"source {number} is not found verbatim in {ARTICLE_FILE}: {sentence[:80]!r}; "
                    "copy the sentence from the article exactly", fact_id=fact_id, field_name="sources"))
        problems.extend(found)
        if not found:
            facts.append(fact)
    return tuple(topics), tuple(facts)


GENERIC_LEXICON = Path(__file__).parent / "lexicon" / "generic.toml"
# Sections whose words become terms: a word the folder lists in any of these (or in `ignore_generic`) is dropped
# from the generic lexicon's term sections, so the folder's meaning wins ("price" as a concept of a solar farm).
_TERM_SECTIONS = ("concepts", "stopwords", "unknown_attributes", "outside_entities")
_FIGURE_KEY = re.compile(r"\d+(?:\.\d+)?")
_YEARS_KEY = re.compile(r"[+-]?\d")
_TABLE_SECTIONS = (*_TERM_SECTIONS, "small_talk", "clauses", "follow_up", "transliteration", "sound_alike",
                   "yardstick", "numbers", "exclusive_words", "relative_years")
_FOLDER_KEYS = frozenset({*_TABLE_SECTIONS, "place", "not_given", "exclusive", "membership_concept", "year_concept",
                          "definition_concept", "answer_kinds", "ignore_generic", "thresholds",
                          "abbreviations", "abbreviations_asked_with", "region_names"})


def overlay_path(path: Path, language: str) -> Path:
    """lexicon.toml → lexicon.ru.toml: one language's words for a lexicon file."""
    return path.with_name(f"{path.stem}.{language}{path.suffix}")


def lexicon_files(folder: Path, languages: tuple[str, ...], generic: Path | None = GENERIC_LEXICON) -> list[Path]:
    """The lexicon files in force for a folder, in merge order: generic, its overlays, the folder's, its overlays."""
    files = []
    for base in ((generic,) if generic is not None else ()) + (folder / LEXICON_FILE,):
        files.append(base)
        files.extend(o for o in (overlay_path(base, lang) for lang in languages) if o.is_file())
    return files


def _load_lexicon(path: Path, languages: tuple[str, ...] = ("en",), generic: Path | None = GENERIC_LEXICON) -> Lexicon:
    """The generic lexicon (and its overlays for the declared languages) with the folder's lexicon merged over it."""
    data: dict[str, Any] = _read_toml(generic) if generic is not None else {}
    if generic is not None:
        for language in languages:
            if overlay_path(generic, language).is_file():
                _merge_overlay(data, _read_toml(overlay_path(generic, language)), overlay_path(generic, language),
                               language)
    folder = _read_toml(path)
    overlays = [(overlay_path(path, lang), lang) for lang in languages if overlay_path(path, lang).is_file()]
    overlay_data = [(_read_toml(o), o, lang) for o, lang in overlays]
    unknown_keys = sorted(set(folder) - _FOLDER_KEYS)
    if unknown_keys:
        raise KnowledgeError(path, f"unknown section (allowed: {', '.join(sorted(_FOLDER_KEYS))})",
                             field_name=unknown_keys[0])
    claimed = set(_lower(_strings(folder, "ignore_generic", path, None))) if "ignore_generic" in folder else set()
    claimed |= _claimed_words(folder)
    for overlay, _, _ in overlay_data:
        claimed |= _claimed_words(overlay)
    _drop_generic(data, claimed)
    _merge_folder(data, folder, path)
    for overlay, overlay_file, language in overlay_data:
        _merge_overlay(data, overlay, overlay_file, language)
    return _build_lexicon(data, path)


def _claimed_words(table: Mapping[str, Any]) -> set[str]:
    """Every word a folder's lexicon file gives a meaning to: place names and the term sections' words."""
    words: set[str] = set()
    for place in table.get("place", []):
        if isinstance(place, dict):
            for key, names in place.items():
                if key.startswith("names") and isinstance(names, list):
                    words.update(n.strip().casefold() for n in names if isinstance(n, str))
    for section in ("places", *_TERM_SECTIONS):
        entries = table.get(section)
        if isinstance(entries, dict):
            for value in entries.values():
                if isinstance(value, list):
                    words.update(w.strip().casefold() for w in value if isinstance(w, str))
    return words


def _drop_generic(data: dict[str, Any], claimed: set[str]) -> None:
    for section in _TERM_SECTIONS:
        table = data.get(section)
        if not isinstance(table, dict):
            continue
        for key, words in list(table.items()):
            kept = [w for w in words if w.strip().casefold() not in claimed]
            if kept:
                table[key] = kept
            elif section != "concepts":
                del table[key]
            else:
                table[key] = []  # an emptied generic concept stays known (rules may name it) but matches nothing


def _merge_folder(data: dict[str, Any], folder: Mapping[str, Any], path: Path) -> None:
    """The folder's lexicon.toml over the generic lexicon: lists extended, tables appended, scalars replaced."""
    for key, value in folder.items():
        if key in _TABLE_SECTIONS:
            if not isinstance(value, dict):
                raise KnowledgeError(path, f"section [{key}] must be a table")
            target = data.setdefault(key, {})
            for name, words in value.items():
                if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                    raise KnowledgeError(path, "must be a list of text", fact_id=f"[{key}]", field_name=name)
                target.setdefault(name, []).extend(words)
        elif key in ("place", "not_given", "exclusive"):
            if not isinstance(value, list):
                raise KnowledgeError(path, "must be a list", field_name=key)
            data.setdefault(key, []).extend(value)
        elif key != "ignore_generic":
            data[key] = value


def _build_lexicon(data: dict[str, Any], path: Path) -> Lexicon:
    places = []
    for index, raw in enumerate(data.get("place", [])):
        label = raw.get("id") if isinstance(raw.get("id"), str) else f"place #{index + 1}"
        names = {"en": _lower(_strings(raw, "names", path, label))}
        for key in raw:
            if key.startswith("names_"):
                names[key.removeprefix("names_")] = _lower(_strings(raw, key, path, label))
        flags = {}
        for flag in ("zone", "area"):
            flags[flag] = raw.get(flag, False)
            if not isinstance(flags[flag], bool):
                raise KnowledgeError(path, "must be true or false", fact_id=label, field_name=flag)
        places.append(Place(_string(raw, "id", path, label), names, **flags))
    if not places:
        raise KnowledgeError(path, "no [[place]] tables; add at least the zone itself (with zone = true)")
    sections = {}
    for section in ("concepts", "stopwords", "small_talk", "unknown_attributes", "outside_entities"):
        table = data.get(section, {} if section == "outside_entities" else None)  # an article may name no outside
        if not isinstance(table, dict) or (not table and section != "outside_entities"):
            raise KnowledgeError(path, f"section [{section}] is missing or empty")
        sections[section] = {key: _lower(_strings(table, key, path, f"[{section}]")) if table[key] or
                             section != "concepts" else () for key in table}
    for section in ("stopwords", "unknown_attributes", "outside_entities"):
        for key in sections[section]:
            if not _LANGUAGE_PATTERN.match(key):
                raise KnowledgeError(path, f"keys of [{section}] are language codes such as en, zh or ru",
                                     field_name=key)
    not_given = []
    for index, raw in enumerate(data.get("not_given", [])):
        label = f"not_given #{index + 1}"
        concepts = _lower(_strings(raw, "concepts", path, label))
        rule_places = _lower(_strings(raw, "places", path, label)) if "places" in raw else ()
        for place in rule_places:
            if place not in {p.id for p in places}:
                raise KnowledgeError(path, f"unknown place '{place}'; use an id from the [[place]] tables",
                                     fact_id=label, field_name="places")
        unless = _lower(_strings(raw, "unless", path, label)) if "unless" in raw else ()
        for concept in (*concepts, *unless):
            if concept not in sections["concepts"]:
                raise KnowledgeError(path, f"unknown concept '{concept}'; use a name from [concepts]",
                                     fact_id=label, field_name="concepts")
        not_given.append(NotGiven(frozenset(concepts), _string(raw, "why", path, label), frozenset(unless),
                                  frozenset(rule_places)))
    membership, year = data.get("membership_concept"), data.get("year_concept")
    definition = data.get("definition_concept")
    for key, named in (("membership_concept", membership), ("year_concept", year), ("definition_concept", definition)):
        if named is not None and named not in sections["concepts"]:
            raise KnowledgeError(path, f"unknown concept '{named}'; use a name from [concepts]", field_name=key)
    answer_kinds = _strings(data, "answer_kinds", path, None) if "answer_kinds" in data else ()
    asked_with = _strings(data, "abbreviations_asked_with", path, None) if "abbreviations_asked_with" in data else ()
    for key, listed in (("answer_kinds", answer_kinds), ("abbreviations_asked_with", asked_with)):
        for named in listed:
            if named not in sections["concepts"]:
                raise KnowledgeError(path, f"unknown concept '{named}'; use a name from [concepts]", field_name=key)
    abbreviations = _lower(_strings(data, "abbreviations", path, None)) if "abbreviations" in data else ()
    region_names = _lower(_strings(data, "region_names", path, None)) if "region_names" in data else ()
    return Lexicon(
        places=tuple(places),
        concepts=sections["concepts"],
        stopwords=sections["stopwords"],
        small_talk=sections["small_talk"],
        unknown_attributes=sections["unknown_attributes"],
        outside_entities=sections["outside_entities"],
        not_given=tuple(not_given),
        clauses=_load_clause_cues(data.get("clauses", {}), path),
        membership_concept=membership,
        year_concept=year,
        definition_concept=definition,
        exclusive=_load_exclusive(data.get("exclusive", []), data.get("exclusive_words", {}), path),
        follow_up=_load_follow_up(data.get("follow_up", {}), path, sections["concepts"]),
        answer_kinds=frozenset(answer_kinds),
        abbreviations=frozenset(abbreviations),
        abbreviations_asked_with=frozenset(asked_with),
        region_names=frozenset(region_names),
        transliteration=_load_transliteration(data.get("transliteration", {}), path),
        sound_alike=_load_sound_alike(data.get("sound_alike", {}), path),
        yardstick=_load_yardstick(data.get("yardstick", {}), path),
        numbers=_load_numbers(data.get("numbers", {}), path),
        relative_years=_load_relative_years(data.get("relative_years", {}), path),
        thresholds=_load_thresholds(data.get("thresholds", {}), path),
    )


def _load_thresholds(table: Any, path: Path) -> dict[str, float]:
    """`[thresholds]`: numbers by name; `bot.matcher` checks the names when it applies them."""
    if not isinstance(table, dict):
        raise KnowledgeError(path, "section [thresholds] must be a table")
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise KnowledgeError(path, "must be a number", fact_id="[thresholds]", field_name=key)
    return dict(table)


def _load_yardstick(table: Mapping[str, tuple[str, ...]], path: Path) -> dict[str, tuple[str, ...]]:
    for key in table:
        if key not in ("more", "less") and not _is_percent(key):
            raise KnowledgeError(path, "unknown key (allowed: more, less, or a percent such as 50 for \"half\")",
                                 fact_id="[yardstick]", field_name=key)
    return {key: _lower(tuple(words)) for key, words in table.items()}


def _load_numbers(table: Mapping[str, tuple[str, ...]], path: Path) -> dict[str, tuple[str, ...]]:
    for key in table:
        if not _FIGURE_KEY.fullmatch(key):
            raise KnowledgeError(path, "unknown key (allowed: a figure such as 4, and the words that spell it)",
                                 fact_id="[numbers]", field_name=key)
    return {key: _lower(tuple(words)) for key, words in table.items()}


def _load_relative_years(table: Mapping[str, tuple[str, ...]], path: Path) -> dict[str, int]:
    """`"-1" = ["last year", "去年"]`: each phrase and how many years from this one it means."""
    years: dict[str, int] = {}
    for key, phrases in table.items():
        if not _YEARS_KEY.fullmatch(key):
            raise KnowledgeError(path, "unknown key (allowed: years from this one, such as -1 for \"last year\")",
                                 fact_id="[relative_years]", field_name=key)
        years.update(dict.fromkeys(_lower(tuple(phrases)), int(key)))
    return years


def _is_percent(key: str) -> bool:
    try:
        return 0 < float(key) <= 100
    except ValueError:
        return False


def _load_transliteration(table: Any, path: Path) -> dict[str, tuple[tuple[str, str], ...]]:
    """"shch щ" entries as pairs, longest Latin spelling first so that "sh" is read before "s"."""
    pairs = _letter_pairs(table, path, "transliteration", valid=lambda parts: len(parts) == 2 and parts[0].isascii(),
                          hint='a Latin spelling and its letters, e.g. "sh ш"')
    return {language: tuple(sorted(found, key=lambda pair: -len(pair[0]))) for language, found in pairs.items()}


def _load_sound_alike(table: Any, path: Path) -> dict[str, tuple[tuple[str, str], ...]]:
    """"о а" entries as pairs; "ь" alone is a letter not heard; "д$ т" a letter heard otherwise at a word's end."""
    return _letter_pairs(table, path, "sound_alike",
                         valid=lambda parts: len(parts) in (1, 2) and len(parts[0].rstrip("$")) == 1,
                         hint='a letter and the letter it sounds like, e.g. "о а"')


def _letter_pairs(table: Any, path: Path, section: str, *, valid: Callable[[list[str]], bool],
                  hint: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """Each language's "from to" entries of `section` as pairs, in order (a lone "from" stands for nothing)."""
    result = {}
    for language, entries in table.items():
        pairs = []
        for entry in entries:
            parts = entry.split()
            if not valid(parts):
                raise KnowledgeError(path, f"'{entry}' must be {hint}", fact_id=f"[{section}]", field_name=language)
            pairs.append((parts[0].lower(), parts[1].lower() if len(parts) == 2 else ""))
        result[language] = tuple(pairs)
    return result


def _load_follow_up(table: Any, path: Path, concepts: Mapping[str, Any]) -> FollowUpCues:
    if not isinstance(table, dict):
        raise KnowledgeError(path, "section [follow_up] must be a table")
    def words(key: str) -> tuple[str, ...]:
        return _lower(_strings(table, key, path, "[follow_up]")) if key in table else ()
    for key in ("comparisons", "why", "selectors"):
        for concept in words(key):
            if concept not in concepts:
                raise KnowledgeError(path, f"unknown concept '{concept}'; use a name from [concepts]",
                                     fact_id="[follow_up]", field_name=key)
    return FollowUpCues(frozenset(words("leading")), frozenset(words("pronouns")), words("cjk"),
                        frozenset(words("comparisons")), words("comparatives"), frozenset(words("why")),
                        words("reasons"), frozenset(words("selectors")), how=frozenset(words("how")),
                        means=words("means"), differences=words("differences"),
                        demonstratives=frozenset(words("demonstratives")))


def _load_exclusive(value: Any, words: dict[str, list[str]], path: Path) -> tuple[tuple[frozenset[str], ...], ...]:
    if not isinstance(value, list) or not all(
            isinstance(group, list) and group and all(isinstance(w, str) and w.strip() for w in group)
            for group in value):
        raise KnowledgeError(path, "must be a list of lists of words", field_name="exclusive")
    members = {w.strip().casefold() for group in value for w in group}
    for member in words:
        if member.casefold() not in members:
            raise KnowledgeError(path, f"'{member}' is in no `exclusive` group; use one of its words",
                                 fact_id="[exclusive_words]", field_name=member)
    other = {member.casefold(): [w.strip().casefold() for w in others] for member, others in words.items()}
    def spellings(member: str) -> frozenset[str]:
        said = {member, *other.get(member, [])}
        return frozenset(said | {w.replace("-", " ") for w in said})  # a question's hyphens are read as spaces
    return tuple(tuple(spellings(w.strip().casefold()) for w in group) for group in value)


def _merge_overlay(base: dict[str, Any], overlay: dict[str, Any], path: Path, language: str) -> None:
    """Add one language's words (lexicon.<language>.toml) to the lexicon's sections, in place."""
    places = {p.get("id"): p for p in base.get("place", []) if isinstance(p, dict)}
    for section, table in overlay.items():
        if not isinstance(table, dict):
            raise KnowledgeError(path, f"[{section}] must be a table")
        for key, words in table.items():
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise KnowledgeError(path, "must be a list of text", fact_id=f"[{section}]", field_name=key)
            if section == "places":
                if key not in places:
                    raise KnowledgeError(path, f"unknown place '{key}'; use an id from the [[place]] tables",
                                         fact_id="[places]", field_name=key)
                places[key].setdefault(f"names_{language}", []).extend(words)
            elif section in _TABLE_SECTIONS:
                target = base.setdefault(section, {})
                if section == "concepts" and key not in target:
                    raise KnowledgeError(path, "unknown concept; add it to the main lexicon first",
                                         fact_id="[concepts]", field_name=key)
                target.setdefault(key, []).extend(words)
            else:
                raise KnowledgeError(path, f"unknown section (allowed: places, {', '.join(_TABLE_SECTIONS)})",
                                     field_name=section)


def _load_clause_cues(table: Any, path: Path) -> ClauseCues:
    if not isinstance(table, dict):
        raise KnowledgeError(path, "section [clauses] must be a table")
    def words(key: str) -> tuple[str, ...]:
        return _lower(_strings(table, key, path, "[clauses]")) if key in table else ()
    def word_set(key: str) -> frozenset[str]:
        return frozenset(words(key))
    # every cue by its name, so that adding one to ClauseCues cannot shift the others
    return ClauseCues(
        question_words=word_set("question_words"), leading_words=word_set("leading_words"),
        yes_no_words=word_set("yes_no_words"), joiners=words("joiners"), noun_openers=word_set("noun_openers"),
        together=word_set("together"), origins=word_set("origins"), excluding=word_set("excluding"),
        conditions=word_set("conditions"), excluding_after=word_set("excluding_after"),
        soft_leading=word_set("soft_leading"), not_asking=words("not_asking"), reported=words("reported"),
        asked_by=words("asked_by"), some_of=word_set("some_of"), particles=word_set("particles"), tags=words("tags"),
        continuations=word_set("continuations"), alternatives=word_set("alternatives"),
        still_yes_no=words("still_yes_no"), within=word_set("within"), openers=words("openers"),
        closers=words("closers"), disputes=words("disputes"), topics=words("topics"),
        premises=words("premises"), existence=words("existence"), another=word_set("another"),
        what_is=words("what_is"), part_links=words("part_links"), names_asked=words("names_asked"),
        about_markers=word_set("about_markers"))


def _lower(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(item.casefold() for item in items)
