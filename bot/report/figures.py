"""Curator report figures over the question log: outcome counts, the unanswered to-do list, disliked facts, daily
counts.

Everything here reads the database through a read-only connection and returns plain dataclasses (`Report`,
`Headline`); `bot.report.render` turns a `Report` into text for people, JSON, CSV or a PNG chart. The functions are
blocking (a report over a few thousand rows takes milliseconds); from async code call them via `asyncio.to_thread`.

Unanswered questions (outcome no_match or clarify) are normalised (case, accents, punctuation, spaces) and grouped
with rapidfuzz's token-sort ratio, leader style: the most frequent wording leads a group and any other wording at
least `similarity` (0–100) like it joins, so "How big is Kashgar?", "how big is kashgr" and "Kashgar, how big is"
count together while "how big is Horgos" stays apart. Comparing with the leader only (not with every member) keeps
groups from drifting through chains of small differences.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.match import ClosestFact
from bot.matcher import Matcher
from bot.questionlog import open_for_reading, utc_timestamp
from bot.text import fold

OUTCOMES = ("answer", "clarify", "no_match", "small_talk")
UNANSWERED = ("no_match", "clarify")
DEFAULT_SINCE = "7d"
DEFAULT_SIMILARITY = 85
MAX_UNANSWERED_ROWS = 50_000  # most recent first; keeps a report over years of logs bounded in time and memory

_RELATIVE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_NOT_WORD = re.compile(r"[^\w\s]")

# --- the period -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The stretch of time a report covers: from `since` (None: from the first row) up to `until`."""

    since: dt.datetime | None
    until: dt.datetime
    label: str  # as given: "7d", "2025-11-01", "all"


def parse_since(text: str, *, now: dt.datetime | None = None) -> Period:
    """`30m`, `24h`, `7d`, `2w` back from now; an ISO date or date-time (UTC unless it says otherwise); or `all`.

    Raises ValueError with a message for people when the text is none of these.
    """
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    label = text.strip()
    if label.lower() in {"all", "ever"}:
        return Period(None, now, "all")
    relative = _RELATIVE.match(label)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2).lower()
        if amount <= 0:
            raise ValueError(f"--since {text!r}: the period must be longer than zero")
        return Period(now - dt.timedelta(**{_UNITS[unit]: amount}), now, label)
    try:
        moment = dt.datetime.fromisoformat(label)
    except ValueError:
        raise ValueError(f"--since {text!r}: use a period such as 30m, 24h, 7d or 2w, a date such as 2025-11-01, "
                         "or 'all'") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(dt.UTC)
    if moment > now:
        raise ValueError(f"--since {text!r} is in the future")
    return Period(moment, now, label)


# --- what a report holds --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeFigure:
    outcome: str  # answer | clarify | no_match | small_talk
    count: int
    rate: float  # share of all questions in the period, 0–1


@dataclass(frozen=True)
class UnansweredGroup:
    """Near-identical unanswered questions counted together: one line of the curator's to-do list."""

    question: str  # the representative: the most frequent wording, as typed
    count: int
    no_match: int
    clarify: int
    variants: tuple[str, ...]  # other wordings, most frequent first (at most five)
    closest: ClosestFact | None
    reason: str | None  # the matcher's most frequent reason for these ("not in the article: tourism")
    answered_now: bool  # the current matcher answers the representative: the fact base has caught up
    last_asked: str  # UTC timestamp of the most recent one


@dataclass(frozen=True)
class FactVotes:
    fact_id: str
    down: int
    up: int
    answers: int  # times the fact was answered in the period


@dataclass(frozen=True)
class DayCounts:
    day: dt.date
    counts: dict[str, int] = field(default_factory=dict)  # outcome -> count, every outcome present

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Report:
    period: Period
    total: int
    outcomes: tuple[OutcomeFigure, ...]  # in OUTCOMES order
    votes_up: int
    votes_down: int
    unanswered: tuple[UnansweredGroup, ...]
    disliked: tuple[FactVotes, ...]  # facts with at least one 👎, most 👎 first
    daily: tuple[DayCounts, ...]  # every day of the period, oldest first, zero days included

    def count(self, outcome: str) -> int:
        return next((f.count for f in self.outcomes if f.outcome == outcome), 0)

    @property
    def coverage(self) -> float:
        """Answered as a share of real questions (small talk left out): the figure curators try to raise."""
        questions = self.total - self.count("small_talk")
        return self.count("answer") / questions if questions else 0.0


@dataclass(frozen=True)
class Headline:
    """The figures for a /stats reply."""

    period: Period
    total: int
    answered: int
    clarified: int
    no_match: int
    small_talk: int
    answer_rate: float  # answered / total
    coverage: float  # answered / (total - small talk)
    votes_up: int
    votes_down: int


# --- computing ------------------------------------------------------------------------------------------------


def build_report(db_path: Path | str, since: str | Period = DEFAULT_SINCE, *, matcher: Matcher | None = None,
                 top: int = 20, similarity: int = DEFAULT_SIMILARITY, now: dt.datetime | None = None) -> Report:
    """The full report for a period. `matcher` lets the report say which fact is closest to questions nobody could
    answer (`Matcher.closest_fact`), and which of them the current fact base now answers.

    Raises `QuestionLogError` when the file is not a readable question log, ValueError for a bad `since`.
    """
    period = since if isinstance(since, Period) else parse_since(since, now=now)
    connection = open_for_reading(db_path)
    try:
        counts, up, down = _outcome_counts(connection, period)
        unanswered = _unanswered(connection, period, matcher, top, similarity)
        disliked = _disliked(connection, period)
        daily = _daily(connection, period)
    finally:
        connection.close()
    return Report(period, sum(counts.values()), _figures(counts), up, down, tuple(unanswered), tuple(disliked),
                  tuple(daily))


def headline(db_path: Path | str, since: str | Period = DEFAULT_SINCE, *,
             now: dt.datetime | None = None) -> Headline:
    """The headline figures for the Telegram /stats command (cheap: two aggregate queries)."""
    period = since if isinstance(since, Period) else parse_since(since, now=now)
    connection = open_for_reading(db_path)
    try:
        counts, up, down = _outcome_counts(connection, period)
    finally:
        connection.close()
    total = sum(counts.values())
    questions = total - counts["small_talk"]
    return Headline(period, total, counts["answer"], counts["clarify"], counts["no_match"], counts["small_talk"],
                    counts["answer"] / total if total else 0.0, counts["answer"] / questions if questions else 0.0,
                    up, down)


def top_unanswered(db_path: Path | str, since: str | Period = DEFAULT_SINCE, *, limit: int = 10,
                   matcher: Matcher | None = None, similarity: int = DEFAULT_SIMILARITY,
                   now: dt.datetime | None = None) -> list[UnansweredGroup]:
    """The most frequent unanswered question groups, for the Telegram /unanswered command."""
    period = since if isinstance(since, Period) else parse_since(since, now=now)
    connection = open_for_reading(db_path)
    try:
        return _unanswered(connection, period, matcher, limit, similarity)
    finally:
        connection.close()


def normalise_question(text: str) -> str:
    """The form questions are compared in: folded case and accents, no punctuation, single spaces."""
    return " ".join(_NOT_WORD.sub(" ", fold(text)).split())


def group_similar(questions: Sequence[str], *, similarity: int = DEFAULT_SIMILARITY) -> list[list[int]]:
    """Group question texts (by index) that are the same after normalising or at least `similarity` alike.

    Groups come largest first; inside a group the indices of the most frequent normalised wording come first.
    """
    by_key: dict[str, list[int]] = defaultdict(list)
    for index, text in enumerate(questions):
        by_key[normalise_question(text)].append(index)
    # Most frequent wording first, so that it leads its group; ties keep first-seen order (dicts are ordered).
    keys = sorted(by_key, key=lambda k: -len(by_key[k]))
    leaders: list[str] = []
    groups: list[list[str]] = []
    for key in keys:
        best = process.extractOne(key, leaders, scorer=fuzz.token_sort_ratio, score_cutoff=similarity) \
            if leaders and key else None
        if best is None:
            leaders.append(key)
            groups.append([key])
        else:
            groups[best[2]].append(key)
    result = [[i for key in group for i in by_key[key]] for group in groups]
    result.sort(key=len, reverse=True)  # stable: equal sizes keep the order their leaders were seen
    return result


def _figures(counts: Counter[str]) -> tuple[OutcomeFigure, ...]:
    total = sum(counts.values())
    return tuple(OutcomeFigure(o, counts[o], counts[o] / total if total else 0.0) for o in OUTCOMES)


def _since(period: Period) -> str:
    # Stored times are fixed-width UTC text, so comparing text compares times.
    return utc_timestamp(period.since) if period.since else ""


def _outcome_counts(connection: sqlite3.Connection, period: Period) -> tuple[Counter[str], int, int]:
    since = _since(period)
    counts: Counter[str] = Counter({o: 0 for o in OUTCOMES})
    for outcome, count in connection.execute(
            "SELECT outcome, count(*) FROM questions WHERE asked_at >= ? GROUP BY outcome", (since,)):
        counts[outcome] += count
    up, down = connection.execute(
        "SELECT coalesce(sum(f.vote = 1), 0), coalesce(sum(f.vote = -1), 0) FROM feedback f "
        "JOIN questions q ON q.id = f.question_id WHERE q.asked_at >= ?", (since,)).fetchone()
    return counts, up, down


def _unanswered(connection: sqlite3.Connection, period: Period, matcher: Matcher | None, limit: int,
                similarity: int) -> list[UnansweredGroup]:
    rows = connection.execute(
        "SELECT question, outcome, suggestions, asked_at, reason FROM questions "
        "WHERE asked_at >= ? AND outcome IN ('no_match', 'clarify') ORDER BY asked_at DESC LIMIT ?",
        (_since(period), MAX_UNANSWERED_ROWS)).fetchall()
    questions = [row[0] for row in rows]
    result = []
    for group in group_similar(questions, similarity=similarity)[:max(0, limit)]:
        wordings = Counter(questions[i] for i in group)
        ranked = [text for text, _ in wordings.most_common()]
        # The representative comes from the leading normalised form (group[0]), in its most common raw spelling.
        leader_key = normalise_question(questions[group[0]])
        representative = next(t for t in ranked if normalise_question(t) == leader_key)
        outcomes = Counter(rows[i][1] for i in group)
        logged = _logged_closest(rows[i][2] for i in group)
        found = matcher.closest_fact(representative) if matcher is not None else None
        reasons = Counter(rows[i][4] for i in group if rows[i][4])
        result.append(UnansweredGroup(
            question=representative, count=len(group), no_match=outcomes["no_match"], clarify=outcomes["clarify"],
            variants=tuple(t for t in ranked if t != representative)[:5], closest=found or logged,
            reason=reasons.most_common(1)[0][0] if reasons else None,
            answered_now=found is not None and found.answered, last_asked=max(rows[i][3] for i in group)))
    return result


def _logged_closest(suggestion_columns: Iterable[str]) -> ClosestFact | None:
    """The fact most often offered first when these questions were asked, with its best confidence."""
    firsts: Counter[str] = Counter()
    confidence: dict[str, int] = {}
    for column in suggestion_columns:
        try:
            suggestions = json.loads(column or "[]")
            if not suggestions:
                continue
            fact_id, value = str(suggestions[0]["fact_id"] or ""), int(suggestions[0].get("confidence") or 0)
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
        if fact_id:
            firsts[fact_id] += 1
            confidence[fact_id] = max(confidence.get(fact_id, 0), value)
    if not firsts:
        return None
    fact_id = firsts.most_common(1)[0][0]
    return ClosestFact(fact_id, confidence[fact_id], "logged")


def _disliked(connection: sqlite3.Connection, period: Period, limit: int = 10) -> list[FactVotes]:
    since = _since(period)
    answers = dict(connection.execute(
        "SELECT fact_id, count(*) FROM questions WHERE asked_at >= ? AND outcome = 'answer' "
        "AND fact_id IS NOT NULL GROUP BY fact_id", (since,)).fetchall())
    rows = connection.execute(
        "SELECT q.fact_id, sum(f.vote = -1) AS down, sum(f.vote = 1) AS up FROM feedback f "
        "JOIN questions q ON q.id = f.question_id WHERE q.asked_at >= ? AND q.fact_id IS NOT NULL "
        "GROUP BY q.fact_id HAVING down > 0 ORDER BY down DESC, up ASC, q.fact_id LIMIT ?", (since, limit))
    return [FactVotes(fact_id, down, up, answers.get(fact_id, 0)) for fact_id, down, up in rows]


def _daily(connection: sqlite3.Connection, period: Period) -> list[DayCounts]:
    by_day: dict[dt.date, Counter[str]] = defaultdict(Counter)
    for day, outcome, count in connection.execute(
            "SELECT substr(asked_at, 1, 10), outcome, count(*) FROM questions WHERE asked_at >= ? "
            "GROUP BY 1, 2", (_since(period),)):
        try:
            by_day[dt.date.fromisoformat(day)][outcome] += count
        except ValueError:
            continue
    first = period.since.date() if period.since else min(by_day, default=period.until.date())
    last = max(period.until.date(), *by_day) if by_day else period.until.date()
    days = []
    day = first
    while day <= last:
        counts = by_day.get(day, Counter())
        days.append(DayCounts(day, {o: counts[o] for o in OUTCOMES}))
        day += dt.timedelta(days=1)
    return days
