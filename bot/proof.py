"""Prove a knowledge folder works, beyond its structure: every fact's alternate questions come back to it, and the
lexicon has no entries that match nothing, are never used, or mean two things.

Pure functions over a loaded fact base and its matcher; `ftz-bot check` prints the result and `--strict` fails on
any finding (docs/curating.md says how to fix each kind).
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.knowledge import GENERIC_LEXICON, LEXICON_FILE, FactBase, lexicon_files
from bot.match import Match, Outcome
from bot.matcher import Matcher
from bot.terms import Term, TermKind
from bot.text import fold, has_cjk


@dataclass(frozen=True)
class Misrouted:
    """An alternate question of a fact that does not get that fact back."""

    fact_id: str
    language: str
    question: str
    got: str  # the fact answered instead, "clarify: a, b", "no match (reason)" or "small talk (kind)"


@dataclass(frozen=True)
class LexiconFinding:
    """A lexicon entry that matches nothing, is never used, or is claimed twice."""

    file: str
    section: str
    entry: str
    problem: str


@dataclass
class Proof:
    questions: int = 0  # alternate questions tried
    routes: list[Misrouted] = field(default_factory=list)  # every alternate question and what it returned
    misrouted: list[Misrouted] = field(default_factory=list)
    empty: list[LexiconFinding] = field(default_factory=list)  # normalise to nothing ("$")
    unused: list[LexiconFinding] = field(default_factory=list)  # concepts and places no fact or rule uses
    ambiguous: list[LexiconFinding] = field(default_factory=list)  # one word in two concepts (or two places)

    @property
    def findings(self) -> int:
        return len(self.misrouted) + len(self.empty) + len(self.unused) + len(self.ambiguous)

    @property
    def ok(self) -> bool:
        return self.findings == 0

    def verdict(self) -> str:
        """One line: proven, or what is wrong in counts."""
        routed = self.questions - len(self.misrouted)
        head = f"{routed} of {self.questions} alternate questions return their own fact"
        if self.ok:
            return f"proven: {head}; lexicon clean"
        return (f"not proven: {head}; {len(self.empty)} lexicon entries match nothing, {len(self.unused)} unused, "
                f"{len(self.ambiguous)} claimed twice")

    def to_dict(self) -> dict[str, object]:
        return {"proven": self.ok, "verdict": self.verdict(), "questions": self.questions,
                "routes": [asdict(r) for r in self.routes],
                "misrouted": [asdict(m) for m in self.misrouted], "empty": [asdict(f) for f in self.empty],
                "unused": [asdict(f) for f in self.unused], "ambiguous": [asdict(f) for f in self.ambiguous]}


def prove(fact_base: FactBase, matcher: Matcher) -> Proof:
    """Route every alternate question and audit the lexicon files in force (generic and the folder's)."""
    proof = Proof()
    for fact in fact_base.facts:
        for language, questions in fact.questions.items():
            for question in questions:
                proof.questions += 1
                route = Misrouted(fact.id, language, question, describe(matcher.match(question)))
                proof.routes.append(route)
                if route.got != fact.id:
                    proof.misrouted.append(route)
    proof.empty = list(_empty_entries(fact_base, matcher))
    proof.unused = list(_unused_entries(fact_base, matcher))
    proof.ambiguous = list(_ambiguous_entries(fact_base, matcher))
    return proof


def describe(match: Match) -> str:
    """What a match returned, in a few words."""
    if match.outcome is Outcome.ANSWER and match.fact is not None:
        return match.fact.id
    if match.outcome is Outcome.CLARIFY:
        return "clarify: " + ", ".join(s.fact_id for s in match.suggestions)
    if match.outcome is Outcome.SMALL_TALK:
        return f"small talk ({match.small_talk})"
    return f"no match ({match.reason})"


def _words(path: Path) -> Iterator[tuple[str, str, str]]:
    """(section, key, word) for every word of a lexicon file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return  # the loader has reported it already
    for place in data.get("place", []):
        for key, names in place.items():
            if key.startswith("names"):
                for name in names:
                    yield "place", f"{place.get('id')}.{key}", name
    for section, table in data.items():
        if isinstance(table, dict):
            for key, words in table.items():
                for word in words if isinstance(words, list) else ():
                    if isinstance(word, str):
                        yield section, key, word
    for word in data.get("ignore_generic", []):
        yield "ignore_generic", "", word


def _display(path: Path, fact_base: FactBase) -> str:
    return str(path) if path.parent != GENERIC_LEXICON.parent else f"(generic) {path.name}"


def _empty_entries(fact_base: FactBase, matcher: Matcher) -> Iterator[LexiconFinding]:
    for path in lexicon_files(fact_base.directory, fact_base.article.languages):
        for section, key, word in _words(path):
            if section not in ("clauses", "follow_up") and not matcher.analyser.normalise(word):
                yield LexiconFinding(_display(path, fact_base), f"[{section}] {key}".strip(), word,
                                     "normalises to nothing, so no question can contain it; remove it")


def _folder_tables(fact_base: FactBase) -> tuple[set[str], set[str]]:
    """The concepts and places the folder's own lexicon files define."""
    concepts: set[str] = set()
    places: set[str] = set()
    for path in lexicon_files(fact_base.directory, fact_base.article.languages, generic=None):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if path.name == LEXICON_FILE:
            concepts |= set(data.get("concepts", {}))
            places |= {p["id"] for p in data.get("place", []) if isinstance(p, dict) and isinstance(p.get("id"), str)}
    return concepts, places


def _unused_entries(fact_base: FactBase, matcher: Matcher) -> Iterator[LexiconFinding]:
    lexicon = fact_base.lexicon
    used: set[Term] = set()
    for fact in fact_base.facts:
        used |= matcher.fact_terms(fact.id)
    referenced = {c for rule in lexicon.not_given for c in (*rule.concepts, *rule.unless)}
    referenced |= set(lexicon.follow_up.comparisons) | {lexicon.membership_concept or ""} | set(lexicon.answer_kinds)
    ruled_places = {p for rule in lexicon.not_given for p in rule.places} | {
        e for fact in fact_base.facts for e in fact.entities}
    concepts, places = _folder_tables(fact_base)
    where = str(fact_base.directory / LEXICON_FILE)
    for concept in sorted(concepts):
        if Term(TermKind.CONCEPT, concept) not in used and concept not in referenced:
            yield LexiconFinding(where, "[concepts]", concept,
                                 "no fact's questions, keywords or answer use it, and no rule names it")
    for place in sorted(p for p in places if p):
        if Term(TermKind.PLACE, place) not in used and place not in ruled_places:
            yield LexiconFinding(where, "[[place]]", place, "no fact lists it in entities or is asked about it")


def _ambiguous_entries(fact_base: FactBase, matcher: Matcher) -> Iterator[LexiconFinding]:
    lexicon = fact_base.lexicon
    owners: dict[str, set[str]] = defaultdict(set)
    for concept, words in lexicon.concepts.items():
        for word in words:
            owners[_key(word, matcher)].add(concept)
    place_owners: dict[str, set[str]] = defaultdict(set)
    for place in lexicon.places:
        for name in place.all_names():
            place_owners[_key(name, matcher)].add(place.id)
    where = str(fact_base.directory / LEXICON_FILE)
    for word, claimants in sorted(owners.items()):
        if len(claimants) > 1 and word:
            yield LexiconFinding(where, "[concepts]", word, f"claimed by {len(claimants)} concepts: "
                                 f"{', '.join(sorted(claimants))}; keep it in one")
    for word, claimants in sorted(place_owners.items()):
        if len(claimants) > 1 and word:
            yield LexiconFinding(where, "[[place]]", word, f"a name of {len(claimants)} places: "
                                 f"{', '.join(sorted(claimants))}; keep it in one")


def _key(word: str, matcher: Matcher) -> str:
    return fold(word) if has_cjk(word) else matcher.analyser.normalise(word)
