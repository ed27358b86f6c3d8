"""Draft a knowledge folder from any English article (`ftz-bot init ARTICLE.txt DIR`).

The draft is a working bot before any curation: one fact per informative sentence (the sentence is its verbatim
source and, until a curator shortens it, its answer), alternate questions drafted from the sentence (an echo
question for each figure, date and name in it: "The farm has how many solar panels?", and each of its clauses),
proper nouns proposed as places (the subject flagged `zone = true`: a name ending in a facility word such as "hub",
else the most mentioned; organisations also by their initials), everyday questions for the kinds of fact a sentence
states (`templates/attributes.en.toml`), everyday synonyms of the article's words (`templates/synonyms.en.toml`),
the matcher numbers a draft needs, English wording with the subject filled in, and the generic lexicon in force.
Pure text functions; `write_draft` writes the files.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.knowledge import GENERIC_LEXICON, article_sha256

TEMPLATES = Path(__file__).parent / "templates"
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE = re.compile(rf"\b(?:\d{{1,2}} {_MONTH},? \d{{4}}|{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}|{_MONTH} \d{{4}}|"
                   rf"{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?|\d{{4}}-\d\d-\d\d|(?:19|20)\d\d)\b")
_SCALE = r"(?:\s(?:million|billion|thousand|hundred|trillion|percent|per cent))?"
_FIGURE = re.compile(rf"(?:[$€£¥]\s?)?\b\d[\d,]*(?:\.\d+)?%?{_SCALE}(?:-[a-z]+\b)?")
_DURATION = re.compile(r"-(?:year|month|week|day|hour|minute)$")
_APPROX = re.compile(r"\b(?:about|around|some|nearly|almost|over|more than|less than|up to|roughly|approximately)\s*$",
                     re.IGNORECASE)
_MONEY = re.compile(r"[$€£¥]|\b(?:dollars?|euros?|pounds|yuan|rmb|usd|cost|costs|price|worth|budget|invest\w*)\b",
                    re.IGNORECASE)
_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve", "twenty",
                 "hundred", "thousand")
_STOP_AFTER = frozenset({"of", "in", "on", "at", "to", "for", "by", "from", "with", "and", "or", "a", "the", "that",
                         "which", "who", "is", "are", "was", "were", "an", "per", "each", "after", "before",
                         "than", "as", "into", "its", "their", "keeps"})
_CONNECTORS = frozenset({"of", "and", "de", "du", "van", "von", "la", "le", "al", "&"})
# Small words inside names: "Bank of China", "Dar es Salaam", "Trade and Logistics Hub", "Rio de Janeiro".
_NAME_JOINERS = "of|de|&|and|es|el|al|da|do|dos|das|di|del|la|le|du|van|von|bin|ibn"
_DESCRIBED = re.compile(r"-(?:based|owned|led|run|backed|funded|born|registered|listed)$", re.IGNORECASE)
_NOT_NAMES = frozenset({"The", "A", "An", "It", "Its", "This", "That", "These", "Those", "He", "She", "They", "We",
                        "In", "On", "At", "By", "For", "From", "With", "Once", "After", "Before", "When", "While",
                        "But", "And", "Or", "As", "If", "Since", "Today", "Yesterday", "Mr", "Mrs", "Ms", "Dr",
                        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
                        *(m.title() for m in _MONTHS)})
_ABBREVIATIONS = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Prof|St|No|Co|Inc|Ltd|Jr|Sr|vs|etc|e\.g|i\.e|U\.S|U\.K)\.$")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
# Where a long sentence divides into parts a question may ask about alone: punctuation and clause openers.
_PART_BREAK = re.compile(r"\s*(?:[,;:]\s|[()\"“”]|\s[-—–]\s)\s*|\s+(?=(?:while|although|though|whereas|which|who|"
                         r"with|adding|after|because|but|once|noting|warning|according to)\b)")
_PLACE_PREPOSITIONS = frozenset({"in", "at", "near", "nearby", "from", "to", "of", "across", "around", "outside",
                                 "inside"})


@dataclass
class DraftPlace:
    id: str
    names: list[str]
    zone: bool = False
    mentions: int = 0


@dataclass
class DraftFact:
    id: str
    topic: str
    sentence: str
    entities: list[str]
    questions: list[str]
    keywords: list[str]


@dataclass(frozen=True)
class Attribute:
    """A kind of fact articles state (an area, a cost, jobs): how to see it in a sentence, how people ask for it."""

    name: str
    evidence: tuple[str, ...]
    pattern: re.Pattern[str] | None
    questions: tuple[str, ...]
    concept: tuple[str, ...]
    answer_kind: bool  # a question asking for it is refused by a fact that does not state it
    names: bool = False  # shown by any name in the sentence other than the subject's (who did it, who said it)

    def shown_in(self, sentence: str, named: bool = False) -> bool:
        folded = sentence.lower()
        return (self.names and named) or bool(self.pattern and self.pattern.search(sentence)) or any(
            re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", folded) for word in self.evidence)


@functools.cache
def _attribute_data() -> dict[str, Any]:
    return tomllib.loads((TEMPLATES / "attributes.en.toml").read_text(encoding="utf-8"))


@functools.cache
def _attribute_words(key: str) -> frozenset[str]:
    """A word list of the kinds-of-fact template (`organisation_heads`, `person_titles`, …), lowercased."""
    return frozenset(word.lower() for word in _attribute_data().get(key, []))


def load_attributes() -> tuple[Attribute, ...]:
    """The kinds of fact in `bot/templates/attributes.en.toml` (data curators may extend)."""
    data = _attribute_data()
    return tuple(Attribute(entry["name"], tuple(entry.get("evidence", ())),
                           re.compile(entry["pattern"], re.IGNORECASE) if "pattern" in entry else None,
                           tuple(entry.get("questions", ())), tuple(entry.get("concept", ())),
                           bool(entry.get("answer_kind", False)), bool(entry.get("names", False)))
                 for entry in data.get("attribute", []))


@dataclass
class Draft:
    title: str
    date: dt.date
    publisher_line: str
    subject: str  # "the Lake Merrow Solar Farm"
    topics: list[tuple[str, str]] = field(default_factory=list)  # (id, title)
    facts: list[DraftFact] = field(default_factory=list)
    places: list[DraftPlace] = field(default_factory=list)
    ignore_generic: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # people's titles the article never uses: asked for, refused
    concepts: dict[str, list[str]] = field(default_factory=dict)  # the kinds of fact the article states
    answer_kinds: list[str] = field(default_factory=list)  # concepts only a fact stating them answers
    thresholds: dict[str, float] = field(default_factory=dict)  # the matcher numbers a draft needs


# --- reading the article ----------------------------------------------------------------------------------------


def paragraphs(text: str) -> list[str]:
    """The article's paragraphs (blank-line separated; single line breaks inside one are spaces)."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph: a break after . ! ? followed by a capital, a digit or a quote, not after "Dr."."""
    pieces = re.split(r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[\"“‘(]?[A-Z0-9])", paragraph)
    sentences: list[str] = []
    for piece in pieces:
        if sentences and _ABBREVIATIONS.search(sentences[-1]):
            sentences[-1] += " " + piece
        else:
            sentences.append(piece)
    return [s.strip() for s in sentences if s.strip()]


_DATE_LINE = re.compile(r"^\W*(?:date|dated|published|posted)?\W*\d{4}-\d\d-\d\d\W*$", re.IGNORECASE)


def _is_title(paragraph: str) -> bool:
    return len(paragraph) < 160 and not re.search(r"[.!?]$", paragraph)


def informative(sentence: str) -> bool:
    """Worth a fact: a figure or date in it, or at least six words."""
    return bool(_FIGURE.search(sentence)) or len(_WORD.findall(sentence)) >= 6


def proper_nouns(sentence: str) -> list[tuple[int, str]]:
    """Capitalised word runs ("Westmark Energy Board", "Bank of China") with their offsets, without a leading
    "The" and without a possessive."""
    found = []
    for match in re.finditer(rf"[A-Z][\w’'-]*(?:\s+(?:(?:{_NAME_JOINERS})\s+)?[A-Z][\w’'-]*)*", sentence):
        words = match.group(0).split()
        start = match.start()
        if words and _DESCRIBED.search(words[0]):  # "Kenya-based Savannah Corridor Holdings"
            start += len(words[0]) + 1
            words = words[1:]
        while words and (words[0] in _NOT_NAMES or words[0].lower() in _CONNECTORS):
            start += len(words[0]) + 1
            words = words[1:]
        while words and words[-1].lower() in _CONNECTORS:
            words = words[:-1]
        if not words:
            continue
        name = re.sub(r"['’]s$", "", " ".join(words))
        if " and " in name and words[-1].lower() not in _attribute_words("subject_heads"):
            # "Bank of Westmark and Heliotrope Energy" is two names; "Trade and Logistics Hub" is one.
            first, second = name.split(" and ", 1)
            found += [(start, first), (start + len(first) + 5, re.sub(r"['’]s$", "", second))]
            continue
        if name.isupper() and len(name) <= 2:
            continue
        found.append((start, name))
    return found


def _slug(text: str, limit: int = 30) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:limit].strip("_")
    return slug if slug and slug[0].isalpha() else "x_" + slug


def _stopwords() -> frozenset[str]:
    data = tomllib.loads(GENERIC_LEXICON.read_text(encoding="utf-8"))
    words = {w for w in data.get("stopwords", {}).get("en", []) if " " not in w}
    return frozenset(words)


# --- drafting -------------------------------------------------------------------------------------------------


def draft(text: str) -> Draft:
    """A knowledge folder's content drafted from an English article."""
    stop = _stopwords()
    blocks = paragraphs(text)
    if not blocks:
        raise ValueError("the article is empty")
    while len(blocks) > 1 and _DATE_LINE.match(blocks[0]) and _is_title(blocks[1]):
        blocks = blocks[1:]  # "date 2025-06-12" above the title: a header, not the title (its date is still found)
    title = blocks[0] if _is_title(blocks[0]) else split_sentences(blocks[0])[0][:150]
    body = blocks[1:] if _is_title(blocks[0]) else blocks
    date_match = _DATE.search(text)
    date = _parse_date(date_match.group(0)) if date_match else None
    places, subject = _draft_places(body, title)
    result = Draft(title=title, date=date or dt.date.today(), publisher_line=title, subject=subject,
                   places=places, answer_kinds=list(_attribute_data().get("answer_kinds", [])))
    names = {name: p for p in places for name in p.names}
    zone = next(p for p in places if p.zone)
    used_ids: set[str] = set()
    attributes = load_attributes()
    for number, paragraph in enumerate(body, start=1):
        sentences = [s for s in split_sentences(paragraph) if informative(s)]
        if not sentences:
            continue
        topic_id = f"part_{number}"
        result.topics.append((topic_id, _topic_title(paragraph, stop, names)))
        for sentence in sentences:
            keywords = _keywords(sentence, stop)
            fact_id = _unique(_slug("_".join(keywords[:3]) or "fact"), used_ids)
            entities = []
            for _, name in proper_nouns(sentence):
                place = names.get(name.lower())
                if place is not None and place.id not in entities:
                    entities.append(place.id)
            if zone.id not in entities:
                entities.insert(0, zone.id)
            questions = draft_questions(sentence, keywords)
            for attribute in attributes:
                if attribute.shown_in(sentence, named=len(entities) > 1):
                    questions += [q for q in attribute.questions if q not in questions]
                    if attribute.concept:
                        result.concepts[attribute.name] = list(attribute.concept)
                    if attribute.answer_kind and attribute.name not in result.answer_kinds:
                        result.answer_kinds.append(attribute.name)
            result.facts.append(DraftFact(fact_id, topic_id, sentence, entities, questions, keywords))
    result.ignore_generic = _generic_refusals_in(text)
    taken = {word for words in result.concepts.values() for word in words}
    for name, words in synonyms_in(text, taken).items():
        result.concepts.setdefault(name, words)
    meant = {word for words in result.concepts.values() for word in words}
    result.refused = [title for title in titles_not_in(text) if title not in meant]
    result.thresholds = dict(_attribute_data().get("thresholds", {}))
    return result


def synonyms_in(text: str, taken: set[str]) -> dict[str, list[str]]:
    """The groups of `templates/synonyms.en.toml` the article uses a word of, as concepts named after their first
    word, without words the generic lexicon or an earlier concept (`taken`) already gives a meaning."""
    folded = " ".join(re.findall(r"[a-z0-9-]+", text.lower()))
    known = _generic_words() | taken
    concepts: dict[str, list[str]] = {}
    for group in tomllib.loads((TEMPLATES / "synonyms.en.toml").read_text(encoding="utf-8")).get("groups", []):
        if not any(re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", folded) for word in group):
            continue
        words = [w for w in group if w not in known]
        if len(words) >= 2:
            concepts[f"same_{_slug(group[0])}"] = words  # a name no generic concept has
            known |= set(words)
    return concepts


@functools.cache
def _generic_words() -> frozenset[str]:
    """Words the generic lexicon's concepts and stopwords already give a meaning."""
    data = tomllib.loads(GENERIC_LEXICON.read_text(encoding="utf-8"))
    sections = [*data.get("concepts", {}).values(), *data.get("stopwords", {}).values()]
    return frozenset(word.lower() for words in sections for word in words)


def _unique(base: str, used: set[str]) -> str:
    candidate, n = base, 2
    while candidate in used:
        candidate = f"{base}_{n}"
        n += 1
    used.add(candidate)
    return candidate


def _parse_date(text: str) -> dt.date | None:
    text = re.sub(r"(\d)(st|nd|rd|th)", r"\1", text.replace(",", ""))
    for pattern in ("%d %B %Y", "%B %d %Y", "%Y-%m-%d", "%B %Y", "%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _draft_places(body: list[str], title: str) -> tuple[list[DraftPlace], str]:
    """Proper nouns as places, most mentioned first; the subject first of all: the first name ending in a facility
    word ("... Logistics Hub"), else the most mentioned one."""
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    position = 0
    for paragraph in body:
        for sentence in split_sentences(paragraph):
            nouns = proper_nouns(sentence)
            for offset, name in nouns:
                # A single capitalised word opening a sentence is a name only if it is capitalised elsewhere too.
                if offset == 0 and " " not in name and not any(
                        name in s[1:] for p in body for s in split_sentences(p)):
                    continue
                counts[name] += 1
                first_seen.setdefault(name, position)
                position += 1
    if not counts:  # no names at all: the title's main words stand for the subject
        counts[" ".join(title.split()[:3])] = 1
        first_seen[" ".join(title.split()[:3])] = 0
    # The subject: mentions, plus the title's weight (the name it opens with most), plus opening the article.
    in_title = sorted((title.find(n), n) for n in counts if n in title)
    first = min(first_seen, key=first_seen.__getitem__)

    def weight(name: str) -> float:
        score = counts[name] + (2 if name in title else 0) + (1 if name == first else 0)
        return score + (2 if in_title and in_title[0][1] == name else 0)

    ranked = sorted(counts, key=lambda n: (-weight(n), first_seen[n]))
    heads = _attribute_words("subject_heads")
    abbreviated = heads | _attribute_words("organisation_heads") | _attribute_words("initials_heads")
    facilities = [n for n in ranked if len(n.split()) >= 2 and n.split()[-1].lower() in heads]
    if facilities:  # "the Nakonde ... Logistics Hub" is the subject of its article, not Zambia, mentioned more
        ranked.remove(facilities[0])
        ranked.insert(0, facilities[0])
    places: list[DraftPlace] = []
    used: set[str] = set()
    for index, name in enumerate(ranked):
        names = [name.lower()]
        if index == 0 and len(name.split()) >= 3:
            words = name.lower().split()
            names += [" ".join(words[:2]), " ".join(words[-2:])]  # "lake merrow", "solar farm"
        if index == 0:
            # A one-word name inside the subject's ("Nakonde") is the subject too, as is its head ("the hub").
            names += [n.lower() for n in ranked[1:] if " " not in n and n.lower() in name.lower().split()]
            if name.split()[-1].lower() in heads:
                names.append(name.split()[-1].lower())
        if name.split()[-1].lower() in abbreviated and acronym(name):
            names.append(acronym(name))  # "IDC": an organisation or facility, not a person ("Dana Okafor")
        names = [n for n in dict.fromkeys(names) if not any(n in p.names for p in places)]
        if names:
            places.append(DraftPlace(_unique(_slug(name), used), names, zone=index == 0, mentions=counts[name]))
    subject_name = ranked[0]
    with_article = any(f"the {subject_name}".lower() in p.lower() for p in body)
    return places, f"the {subject_name}" if with_article else subject_name


def acronym(name: str) -> str:
    """The initials of a name of three words or more, small words skipped ("European Bank for Reconstruction and
    Development" → "ebrd"): how articles and people shorten it."""
    words = [w for w in name.split() if w.lower() not in _CONNECTORS and w.lower() not in ("for", "the")]
    initials = "".join(w[0] for w in words).lower()
    if len(words) < 3 or not all(w[0].isupper() for w in words) or re.fullmatch(r"[^aeiou][aeiou][^aeiou]", initials):
        return ""  # a three-letter one that reads as a word ("Westmark Energy Board": web) is no acronym
    return initials


def _keywords(sentence: str, stop: frozenset[str]) -> list[str]:
    words = [w.lower().strip("'’-") for w in _WORD.findall(sentence)]
    seen: dict[str, None] = {}
    for word in words:
        if len(word) > 2 and word not in stop and word not in _STOP_AFTER and word not in _NUMBER_WORDS:
            seen.setdefault(word, None)
    return list(seen)[:8]


def _topic_title(paragraph: str, stop: frozenset[str], names: dict[str, DraftPlace]) -> str:
    words = [w.lower() for w in _WORD.findall(paragraph)]
    counts = Counter(w for w in words if len(w) > 3 and w not in stop and w not in _STOP_AFTER
                     and w not in names and w not in _MONTHS)
    top = [w for w, _ in counts.most_common(2)] or ["details"]
    return " and ".join(top).capitalize()


def draft_questions(sentence: str, keywords: list[str]) -> list[str]:
    """Alternate questions for a sentence: an echo question per figure, date and name in it, and one on its main
    words ("The farm has how many solar panels?", "Built by who?", "What about solar panels trackers?")."""
    body = sentence.rstrip(" .!")
    questions: list[str] = []
    spans: list[tuple[int, int, str]] = []
    for match in _DATE.finditer(body):
        spans.append((match.start(), match.end(), "when"))
    for match in _FIGURE.finditer(body):
        if any(s <= match.start() < e for s, e, _ in spans):
            continue
        spans.append((match.start(), match.end(), "figure"))
    for offset, name in proper_nouns(body):
        if offset == 0 or any(s <= offset < e for s, e, _ in spans):
            continue
        spans.append((offset, offset + len(name), "name"))
    for start, end, kind in sorted(spans):
        prefix = _APPROX.sub("", body[:start]).rstrip()
        if kind == "when":  # "began ... on 14 March 2024" → "began ... when?"
            prefix = re.sub(r"\b(?:on|in|at|by|since|from|until|of|the)\s*$", "", prefix, flags=re.IGNORECASE).rstrip()
            question = f"{prefix} when?" if prefix else None
        elif kind == "figure" and _DURATION.search(body[start:end]):  # "a 25-year agreement" → how long
            noun = _noun_after(body[end:])
            question = f"{prefix} how long {noun}".rstrip() + "?" if prefix else None
            if noun:
                questions.append(f"How long is the {noun}?")
        elif kind == "figure":
            noun = _noun_after(body[end:])
            if _MONEY.search(body[start:end] + " " + noun) or _MONEY.search(prefix[-15:]):
                word = "how much"
                noun = "" if not noun or _MONEY.search(noun) else noun
            else:
                word = "how many" if noun else "how much"
            question = f"{prefix} {word} {noun}".rstrip() + "?" if prefix else f"{word.capitalize()} {noun}?"
            if noun:
                questions.append(f"{word.capitalize()} {noun}?")
        else:
            before = re.sub(r"\bthe\s*$", "", body[:start], flags=re.IGNORECASE).split()
            preposition = before[-1].lower() if before else ""
            word = "where" if preposition in _PLACE_PREPOSITIONS else "who"
            prefix = re.sub(r"\bthe\s*$", "", prefix, flags=re.IGNORECASE).rstrip()
            question = f"{prefix} {word}?" if prefix else None
        if question:
            questions.append(_capitalise(" ".join(question.split())))
    questions += [q for _, name in proper_nouns(body) for q in name_questions(name)]
    for match in re.finditer(rf"\b(?:{'|'.join(_NUMBER_WORDS)})\s+(?=[a-z])", body, re.IGNORECASE):
        noun = _noun_after(body[match.end():])  # "three manufacturers" is a figure too
        if noun:
            questions.append(f"How many {noun}?")
    questions += [part for part in sentence_parts(body) if part != body]
    if keywords:
        questions.append("What about " + " ".join(keywords[:4]) + "?")
    questions.append(_capitalise(body) + "?")  # the sentence as a yes/no question: every word of it counts
    return list(dict.fromkeys(q for q in questions if len(q) > 3))


def name_questions(name: str) -> list[str]:
    """What a name answers in everyday words, which the name itself hides from the matcher: "Who is the transport
    minister?" for "Transport Minister Olena Varga", "Which bank?" for "Coastal Development Bank"."""
    words = name.split()
    titles = _attribute_words("person_titles")
    titled = [i for i, word in enumerate(words[:-1]) if word.lower() in titles]  # a title, then a name
    questions = [f"Who is the {' '.join(words[:titled[-1] + 1]).lower()}?"] if titled else []
    head = words[-1].lower()
    if len(words) >= 2 and head in _attribute_words("organisation_heads"):
        questions.append(f"Which {head}?")
    return questions


def sentence_parts(sentence: str) -> list[str]:
    """The clauses of a long sentence that say something alone (three words or more), each a question of its own:
    a short question is nearer one part than the whole sentence."""
    parts = [" ".join(p.split()).strip(" .,;:") for p in _PART_BREAK.split(sentence) if p]
    return [_capitalise(p) for p in parts if len(_WORD.findall(p)) >= 3]


def _noun_after(text: str) -> str:
    words = []
    for word in text.strip().split():
        clean = word.strip(",;:()")
        if not clean or clean.lower() in _STOP_AFTER or not re.match(r"^[A-Za-z-]+$", clean):
            break
        words.append(clean.lower())
        if len(words) == 3 or word.endswith((",", ";", ":")):
            break
    return " ".join(words)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def titles_not_in(text: str) -> list[str]:
    """The people's titles of `person_titles` the article never uses (by stem): it names no such person, so "who
    is the CEO?" is refused instead of answered with the sentence that names the company."""
    import Stemmer

    stem = Stemmer.Stemmer("english").stemWord
    stems = {stem(w) for w in re.findall(r"[a-z]+", text.lower())}
    return sorted(title for title in _attribute_words("person_titles") if stem(title) not in stems)


def _generic_refusals_in(text: str) -> list[str]:
    """Generic "not covered" words the article does use, also by stem ("employed" is "employment"): a draft must not
    refuse questions about them."""
    import Stemmer

    stem = Stemmer.Stemmer("english").stemWord
    data = tomllib.loads(GENERIC_LEXICON.read_text(encoding="utf-8"))
    words = re.findall(r"[a-z0-9]+", text.lower())
    folded = " " + " ".join(words) + " "
    stems = {stem(w) for w in words}
    found = []
    for entry in data.get("unknown_attributes", {}).get("en", []):
        parts = re.findall(r"[a-z0-9]+", entry.lower())
        if parts and (f" {' '.join(parts)} " in folded or (len(parts) == 1 and stem(parts[0]) in stems)):
            found.append(entry)
    return found


# --- writing ----------------------------------------------------------------------------------------------------


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _list(items: list[str]) -> str:
    return "[" + ", ".join(_q(i) for i in items) + "]"


def write_draft(article_path: Path, directory: Path) -> Draft:
    """Draft a knowledge folder from `article_path` into `directory` (which must not hold one already)."""
    text = article_path.read_text(encoding="utf-8")
    result = draft(text)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "article.txt").write_text(text, encoding="utf-8")
    (directory / "article.toml").write_text(
        "# Drafted by `ftz-bot init`: check the title, the date (the first date in the article) and the publisher.\n"
        f"title = {_q(result.title)}\ndate = {result.date.isoformat()}\npublisher_line = {_q(result.publisher_line)}\n"
        "# The SHA-256 of article.txt (`sha256sum article.txt`): the loader refuses an article that has changed.\n"
        f"sha256 = {_q(article_sha256(directory / 'article.txt'))}\n"
        '# The languages the folder answers in; add "zh" or "ru" with answer_<code>, questions_<code>, title_<code>.\n'
        'languages = ["en"]\n', encoding="utf-8")
    facts = ["# Drafted by `ftz-bot init`: one fact per informative sentence. Curate: shorten answers, merge or drop",
             "# facts, add the questions people really ask. `ftz-bot check --strict` proves the result.", ""]
    for topic_id, title in result.topics:
        facts += ["[[topic]]", f"id = {_q(topic_id)}", f"title_en = {_q(title)}", ""]
    for fact in result.facts:
        facts += ["[[fact]]", f"id = {_q(fact.id)}", f"topic = {_q(fact.topic)}",
                  f"entities = {_list(fact.entities)}", f"answer_en = {_q(fact.sentence)}",
                  f"sources = {_list([fact.sentence])}", "questions_en = ["]
        facts += [f"  {_q(q)}," for q in fact.questions] + ["]", f"keywords = {_list(fact.keywords or [fact.id])}", ""]
    (directory / "facts.toml").write_text("\n".join(facts), encoding="utf-8")
    lexicon = ["# Drafted by `ftz-bot init`: the article's proper nouns as places (the zone, `zone = true`, is the",
               "# article's subject). The generic lexicon (small talk, stopwords, units, question words, weather,",
               "# taxes, ...) is merged under this file; see docs/curating.md for every section.", ""]
    if result.answer_kinds:
        lexicon += ["# A question asking for one of these is answered only by a fact that states it.",
                    f"answer_kinds = {_list(result.answer_kinds)}", ""]
    if result.ignore_generic:
        lexicon += ["# Generic \"not covered\" words this article does speak of: not refused here.",
                    f"ignore_generic = {_list(result.ignore_generic)}", ""]
    if result.refused:  # a table: after every top-level key
        lexicon += ["# People's titles the article never uses (bot/templates/attributes.en.toml): a question about one "
                    "is refused.", "[unknown_attributes]", f"en = {_list(result.refused)}", ""]
    if result.thresholds:
        lexicon += ["# The matcher's numbers for a draft (bot/templates/attributes.en.toml): drop them once curated.",
                    "[thresholds]"] + [f"{name} = {value}" for name, value in result.thresholds.items()] + [""]
    if result.concepts:
        lexicon += ["# Kinds of fact the article states (bot/templates/attributes.en.toml): synonyms, never refused.",
                    "[concepts]"] + [f"{name} = {_list(words)}" for name, words in result.concepts.items()] + [""]
    for place in result.places:
        lexicon += ["[[place]]", f"id = {_q(place.id)}"] + (["zone = true"] if place.zone else []) + [
            f"names = {_list(place.names)}", ""]
    (directory / "lexicon.toml").write_text("\n".join(lexicon), encoding="utf-8")
    subject_words = result.subject.removeprefix("the ")
    template = (TEMPLATES / "messages.en.toml").read_text(encoding="utf-8")
    bot_name = f"{subject_words} Facts"
    (directory / "messages.toml").write_text(
        template.replace("{{BOT_NAME}}", bot_name.replace('"', "'")).replace(
            "{{SUBJECT}}", result.subject.replace('"', "'")), encoding="utf-8")
    return result
