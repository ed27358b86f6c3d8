"""Load and validate a knowledge folder: the article, its metadata, the curated facts and the lexicon.

Nothing here knows about Telegram or matching; it turns data files into typed, checked objects or raises
`KnowledgeError` naming the file, the fact and the field at fault.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from bot.text import fold_quotes

ARTICLE_FILE = "article.txt"
METADATA_FILE = "article.toml"
FACTS_FILE = "facts.toml"
LEXICON_FILE = "lexicon.toml"
KNOWLEDGE_DIR_VARIABLE = "BOT_KNOWLEDGE_DIR"

_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


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


@dataclass(frozen=True)
class Article:
    """The source article: its verbatim text and metadata."""

    text: str
    title: str
    date: dt.date
    publisher_line: str

    def contains(self, sentence: str) -> bool:
        """True when `sentence` stands verbatim in the article, ignoring quote style and runs of spaces."""
        return _comparable(sentence) in _comparable(self.text)


@dataclass(frozen=True)
class Topic:
    id: str
    title_en: str
    title_zh: str


@dataclass(frozen=True)
class Fact:
    """One curated fact: a short answer in English and Chinese, backed by verbatim source sentences."""

    id: str
    topic: str
    entities: tuple[str, ...]
    answer_en: str
    answer_zh: str
    sources: tuple[str, ...]
    questions_en: tuple[str, ...]
    questions_zh: tuple[str, ...]
    keywords: tuple[str, ...]

    def answer(self, language: str) -> str:
        return self.answer_zh if language == "zh" else self.answer_en


@dataclass(frozen=True)
class Place:
    """A place or named thing the article covers, with every spelling people use for it."""

    id: str
    names: tuple[str, ...]
    names_zh: tuple[str, ...]


@dataclass(frozen=True)
class NotGiven:
    """A combination of concepts that asks for something the article does not give (names behind a number)."""

    concepts: frozenset[str]
    why: str
    unless: frozenset[str] = frozenset()  # concepts that make the question answerable after all


@dataclass(frozen=True)
class Lexicon:
    """Words the matcher needs: places, concepts (synonym groups), stopwords, small talk, refusal cues."""

    places: tuple[Place, ...]
    concepts: Mapping[str, tuple[str, ...]]
    stopwords_en: frozenset[str]
    stopwords_zh: tuple[str, ...]
    small_talk: Mapping[str, tuple[str, ...]]
    unknown_attributes_en: tuple[str, ...]
    unknown_attributes_zh: tuple[str, ...]
    outside_entities_en: tuple[str, ...]
    outside_entities_zh: tuple[str, ...]
    not_given: tuple[NotGiven, ...] = ()


@dataclass(frozen=True)
class FactBase:
    """Everything the bot knows: the article, topics, facts (in file order) and the lexicon."""

    directory: Path
    article: Article
    topics: tuple[Topic, ...]
    facts: tuple[Fact, ...]
    lexicon: Lexicon
    _by_id: Mapping[str, Fact] = field(default_factory=dict, repr=False, compare=False)

    def fact(self, fact_id: str) -> Fact | None:
        return self._by_id.get(fact_id)

    def facts_in_topic(self, topic_id: str) -> list[Fact]:
        return [f for f in self.facts if f.topic == topic_id]

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)


def default_knowledge_dir() -> Path:
    """The knowledge folder to use: `BOT_KNOWLEDGE_DIR`, else the copy packaged with the code, else the repo's."""
    configured = os.environ.get(KNOWLEDGE_DIR_VARIABLE, "").strip()
    if configured:
        return Path(configured).expanduser()
    packaged = Path(__file__).parent / "_knowledge"
    if (packaged / FACTS_FILE).is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "knowledge"


def load_fact_base(directory: Path | str | None = None) -> FactBase:
    """Read and validate a knowledge folder; raise `KnowledgeError` on the first problem found."""
    folder = Path(directory) if directory is not None else default_knowledge_dir()
    if not folder.is_dir():
        raise KnowledgeError(folder, "no such knowledge folder; point --knowledge or BOT_KNOWLEDGE_DIR at one")
    article = _load_article(folder)
    lexicon = _load_lexicon(folder / LEXICON_FILE)
    topics, facts = _load_facts(folder / FACTS_FILE, article, lexicon)
    return FactBase(folder, article, topics, facts, lexicon, {f.id: f for f in facts})


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
    title = _string(meta, "title", meta_path, None)
    publisher_line = _string(meta, "publisher_line", meta_path, None)
    date = meta.get("date")
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        raise KnowledgeError(meta_path, "must be a date like 2023-11-02", field_name="date")
    return Article(text=text, title=title, date=date, publisher_line=publisher_line)


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


_FACT_FIELDS = {f.name for f in fields(Fact)}


def _load_facts(path: Path, article: Article, lexicon: Lexicon) -> tuple[tuple[Topic, ...], tuple[Fact, ...]]:
    data = _read_toml(path)
    topics = []
    for index, raw in enumerate(data.get("topic", [])):
        label = raw.get("id") if isinstance(raw.get("id"), str) else f"topic #{index + 1}"
        topics.append(Topic(*(_string(raw, key, path, label) for key in ("id", "title_en", "title_zh"))))
    topic_ids = {t.id for t in topics}
    if not topics:
        raise KnowledgeError(path, "no [[topic]] tables; add at least one topic")
    place_ids = {p.id for p in lexicon.places}
    raw_facts = data.get("fact")
    if not isinstance(raw_facts, list) or not raw_facts:
        raise KnowledgeError(path, "no [[fact]] tables; add at least one fact")
    facts: list[Fact] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_facts):
        fact_id = _string(raw, "id", path, f"#{index + 1}")
        if not _ID_PATTERN.match(fact_id):
            raise KnowledgeError(path, "use lowercase letters, digits and underscores",
                                 fact_id=fact_id, field_name="id")
        if fact_id in seen:
            raise KnowledgeError(path, "duplicate id; every fact needs its own", fact_id=fact_id, field_name="id")
        seen.add(fact_id)
        unknown = sorted(set(raw) - _FACT_FIELDS)
        if unknown:
            raise KnowledgeError(path, f"unknown field (allowed: {', '.join(sorted(_FACT_FIELDS))})",
                                 fact_id=fact_id, field_name=unknown[0])
        fact = Fact(
            id=fact_id,
            topic=_string(raw, "topic", path, fact_id),
            entities=_strings(raw, "entities", path, fact_id),
            answer_en=_string(raw, "answer_en", path, fact_id),
            answer_zh=_string(raw, "answer_zh", path, fact_id),
            sources=_strings(raw, "sources", path, fact_id),
            questions_en=_strings(raw, "questions_en", path, fact_id),
            questions_zh=_strings(raw, "questions_zh", path, fact_id),
            keywords=_strings(raw, "keywords", path, fact_id),
        )
        if fact.topic not in topic_ids:
            raise KnowledgeError(path, f"unknown topic '{fact.topic}' (known: {', '.join(sorted(topic_ids))})",
                                 fact_id=fact_id, field_name="topic")
        for entity in fact.entities:
            if entity not in place_ids:
                raise KnowledgeError(path, f"unknown entity '{entity}'; add it as a [[place]] in {LEXICON_FILE}",
                                     fact_id=fact_id, field_name="entities")
        for number, sentence in enumerate(fact.sources, start=1):
            if not article.contains(sentence):
                raise KnowledgeError(
                    path, f"source {number} is not found verbatim in {ARTICLE_FILE}: {sentence[:80]!r}; "
                    "copy the sentence from the article exactly", fact_id=fact_id, field_name="sources")
        facts.append(fact)
    return tuple(topics), tuple(facts)


def _load_lexicon(path: Path) -> Lexicon:
    data = _read_toml(path)
    places = []
    for index, raw in enumerate(data.get("place", [])):
        label = raw.get("id") if isinstance(raw.get("id"), str) else f"place #{index + 1}"
        places.append(Place(_string(raw, "id", path, label), _lower(_strings(raw, "names", path, label)),
                            _strings(raw, "names_zh", path, label)))
    if not places:
        raise KnowledgeError(path, "no [[place]] tables; facts need at least the place 'ftz'")
    sections = {}
    for section in ("concepts", "stopwords", "small_talk", "unknown_attributes", "outside_entities"):
        table = data.get(section)
        if not isinstance(table, dict) or not table:
            raise KnowledgeError(path, f"section [{section}] is missing or empty")
        sections[section] = {key: _lower(_strings(table, key, path, f"[{section}]")) for key in table}
    for section, keys in (("stopwords", ("en", "zh")), ("unknown_attributes", ("en", "zh")),
                          ("outside_entities", ("en", "zh"))):
        for key in keys:
            if key not in sections[section]:
                raise KnowledgeError(path, f"is missing from [{section}]", field_name=key)
    not_given = []
    for index, raw in enumerate(data.get("not_given", [])):
        label = f"not_given #{index + 1}"
        concepts = _lower(_strings(raw, "concepts", path, label))
        unless = _lower(_strings(raw, "unless", path, label)) if "unless" in raw else ()
        for concept in (*concepts, *unless):
            if concept not in sections["concepts"]:
                raise KnowledgeError(path, f"unknown concept '{concept}'; use a name from [concepts]",
                                     fact_id=label, field_name="concepts")
        not_given.append(NotGiven(frozenset(concepts), _string(raw, "why", path, label), frozenset(unless)))
    return Lexicon(
        places=tuple(places),
        concepts=sections["concepts"],
        stopwords_en=frozenset(sections["stopwords"]["en"]),
        stopwords_zh=sections["stopwords"]["zh"],
        small_talk=sections["small_talk"],
        unknown_attributes_en=sections["unknown_attributes"]["en"],
        unknown_attributes_zh=sections["unknown_attributes"]["zh"],
        outside_entities_en=sections["outside_entities"]["en"],
        outside_entities_zh=sections["outside_entities"]["zh"],
        not_given=tuple(not_given),
    )


def _lower(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(item.casefold() for item in items)
