"""Score the matcher on a labelled question file (TSV: category, expected, question) and report accuracy."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bot.match import Match, Outcome
from bot.matcher import Matcher

REFUSAL_LABELS = frozenset({"no_match"})
# The article answers it but no fact does yet: counted as answerable, and wrong whatever the matcher says.
MISSING_LABEL = "missing"


@dataclass(frozen=True)
class LabelledQuestion:
    category: str
    expected: tuple[str, ...]  # fact ids, or "no_match" / "small_talk"; any one of them is right
    question: str
    line: int


@dataclass(frozen=True)
class Verdict:
    item: LabelledQuestion
    got: str  # the fact id answered, or the outcome
    confidence: int
    correct: bool


@dataclass
class EvalReport:
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return _share(self.verdicts)

    def by_category(self) -> dict[str, tuple[int, int]]:
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for verdict in self.verdicts:
            counts[verdict.item.category][0] += verdict.correct
            counts[verdict.item.category][1] += 1
        return {category: (right, total) for category, (right, total) in sorted(counts.items())}

    @property
    def answerable_accuracy(self) -> float:
        return _share([v for v in self.verdicts if not REFUSAL_LABELS.intersection(v.item.expected)
                       and "small_talk" not in v.item.expected])

    @property
    def refusal_accuracy(self) -> float:
        return _share([v for v in self.verdicts if REFUSAL_LABELS.intersection(v.item.expected)])

    @property
    def failures(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.correct]


def _share(verdicts: list[Verdict]) -> float:
    return sum(v.correct for v in verdicts) / len(verdicts) if verdicts else 1.0


def load_labelled(path: Path | str) -> list[LabelledQuestion]:
    """Read a labelled TSV file with the header `category expected question`; raise ValueError naming the line."""
    path = Path(path)
    items = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header != ["category", "expected", "question"]:
            raise ValueError(f"{path}:1: the header must be: category<TAB>expected<TAB>question")
        for number, row in enumerate(reader, start=2):
            if not row or not "".join(row).strip():
                continue
            if len(row) != 3 or not all(cell.strip() for cell in row):
                raise ValueError(f"{path}:{number}: expected 3 non-empty tab-separated fields, got {len(row)}")
            category, expected, question = (cell.strip() for cell in row)
            items.append(LabelledQuestion(category, tuple(e.strip() for e in expected.split("|")), question, number))
    return items


def outcome_label(match: Match) -> str:
    """What a match amounts to for scoring: the fact id answered, or the outcome's name."""
    if match.outcome is Outcome.ANSWER and match.fact is not None:
        return match.fact.id
    return match.outcome.value


def evaluate(matcher: Matcher, items: list[LabelledQuestion]) -> EvalReport:
    """Match every labelled question and record whether the outcome was right."""
    report = EvalReport()
    for item in items:
        match = matcher.match(item.question)
        got = outcome_label(match)
        report.verdicts.append(Verdict(item, got, match.confidence, got in item.expected))
    return report


def unknown_labels(items: list[LabelledQuestion], fact_ids: set[str]) -> list[LabelledQuestion]:
    """Labelled questions whose expected label names no fact and no outcome (a typo in the eval file)."""
    allowed = fact_ids | {"no_match", "small_talk", "clarify", MISSING_LABEL}
    return [item for item in items if not set(item.expected) <= allowed]


# --- conversations and messages with several questions --------------------------------------------------------

CONVERSATION_HEADER = ["conversation", "turn", "language", "expected", "question"]
COMPOUND_HEADER = ["id", "language", "expected", "question"]
FIRST_TURN, FOLLOW_UP = "first turn", "follow-up"


def _rows(path: Path, header: list[str]) -> list[tuple[int, list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if next(reader, None) != header:
            raise ValueError(f"{path}:1: the header must be: {'<TAB>'.join(header)}")
        rows = []
        for number, row in enumerate(reader, start=2):
            if not row or not "".join(row).strip():
                continue
            if len(row) != len(header) or not all(cell.strip() for cell in row):
                raise ValueError(f"{path}:{number}: expected {len(header)} non-empty tab-separated fields")
            rows.append((number, [cell.strip() for cell in row]))
        return rows


def file_kind(path: Path | str) -> str:
    """"labelled", "conversations" or "compound", by the file's header line."""
    with Path(path).open(encoding="utf-8") as handle:
        header = handle.readline().rstrip("\r\n").split("\t")
    return {tuple(CONVERSATION_HEADER): "conversations", tuple(COMPOUND_HEADER): "compound"}.get(
        tuple(header), "labelled")


def load_conversations(path: Path | str) -> list[list[LabelledQuestion]]:
    """Conversations (TSV: conversation, turn, language, expected, question), each a list of turns in order."""
    path = Path(path)
    conversations: dict[str, list[tuple[int, LabelledQuestion]]] = {}
    for number, (conversation, turn, _language, expected, question) in _rows(path, CONVERSATION_HEADER):
        category = FIRST_TURN if turn == "1" else FOLLOW_UP
        item = LabelledQuestion(category, tuple(e.strip() for e in expected.split("|")), question, number)
        conversations.setdefault(conversation, []).append((int(turn), item))
    return [[item for _, item in sorted(turns, key=lambda t: t[0])] for turns in conversations.values()]


def evaluate_conversations(matcher: Matcher, conversations: list[list[LabelledQuestion]]) -> EvalReport:
    """Play each conversation turn by turn; a turn is right when its reply is (follow-ups resolved)."""
    from bot.conversation import Conversation  # the conversation builds on this module's matcher import

    report = EvalReport()
    for turns in conversations:
        conversation = Conversation(matcher)
        for item in turns:
            match = conversation.reply(item.question)
            got = outcome_label(match)
            report.verdicts.append(Verdict(item, got, match.confidence, got in item.expected))
    return report


def load_compound(path: Path | str) -> list[tuple[LabelledQuestion, tuple[tuple[str, ...], ...]]]:
    """Messages with several questions (TSV: id, language, expected, question); expected parts split by ' || '."""
    items = []
    for number, (_id, language, expected, question) in _rows(Path(path), COMPOUND_HEADER):
        parts = tuple(tuple(e.strip() for e in part.split("|")) for part in expected.split("||"))
        items.append((LabelledQuestion(language, tuple(sorted({e for p in parts for e in p})), question, number),
                      parts))
    return items


def evaluate_compound(matcher: Matcher, items: list[tuple[LabelledQuestion, tuple[tuple[str, ...], ...]]]
                      ) -> EvalReport:
    """A message is right when every expected part is answered (or refused) and nothing unexpected is answered;
    one fact may answer two parts that ask the same thing."""
    report = EvalReport()
    for item, parts in items:
        match = matcher.match(item.question)
        got = [outcome_label(part) for part in (match.parts or (match,))]
        correct = all(any(g in part for g in got) for part in parts) and all(
            any(g in part for part in parts) for g in got)
        report.verdicts.append(Verdict(item, " || ".join(got), match.confidence, correct))
    return report


def evaluate_file(matcher: Matcher, path: Path | str, fact_ids: set[str]) -> EvalReport:
    """Load and score any labelled file (questions, conversations or compound messages); ValueError names the
    line of a malformed row or an unknown label."""
    kind = file_kind(path)
    if kind == "conversations":
        conversations = load_conversations(path)
        _check_labels([item for turns in conversations for item in turns], fact_ids, path)
        return evaluate_conversations(matcher, conversations)
    if kind == "compound":
        compound = load_compound(path)
        _check_labels([item for item, _ in compound], fact_ids, path)
        return evaluate_compound(matcher, compound)
    items = load_labelled(path)
    _check_labels(items, fact_ids, path)
    return evaluate(matcher, items)


def _check_labels(items: list[LabelledQuestion], fact_ids: set[str], path: Path | str) -> None:
    wrong = unknown_labels(items, fact_ids)
    if wrong:
        raise ValueError(f"{path}:{wrong[0].line}: unknown label {'|'.join(wrong[0].expected)!r}")
