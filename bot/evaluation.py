"""Score the matcher on a labelled question file (TSV: category, expected, question) and report accuracy."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bot.matcher import Match, Matcher, Outcome

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
