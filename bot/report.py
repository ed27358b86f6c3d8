"""Curator reports over the question log: outcome figures, the unanswered to-do list, disliked facts, daily counts.

Everything here reads the database through a read-only connection and returns plain dataclasses; the renderers
turn a `Report` into text for people, JSON, CSV or (with the optional `chart` extra) a PNG chart. The functions are
blocking (a report over a few thousand rows takes milliseconds); from async code call them via `asyncio.to_thread`.

Unanswered questions (outcome no_match or clarify) are normalised (case, accents, punctuation, spaces) and grouped
with rapidfuzz's token-sort ratio, leader style: the most frequent wording leads a group and any other wording at
least `similarity` (0–100) like it joins, so "How big is Kashgar?", "how big is kashgr" and "Kashgar, how big is"
count together while "how big is Horgos" stays apart. Comparing with the leader only (not with every member) keeps
groups from drifting through chains of small differences.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from bot.matcher import ClosestFact, Matcher
from bot.questionlog import open_for_reading, utc_timestamp
from bot.text import fold

OUTCOMES = ("answer", "clarify", "no_match", "small_talk")
OUTCOME_LABELS = {"answer": "answered", "clarify": "clarified", "no_match": "not matched", "small_talk": "small talk"}
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


# --- rendering ------------------------------------------------------------------------------------------------


def _describe(period: Period) -> str:
    until = period.until.strftime("%Y-%m-%d %H:%M")
    if period.since is None:
        return f"all questions up to {until} UTC"
    return f"questions from {period.since.strftime('%Y-%m-%d %H:%M')} to {until} UTC ({period.label})"


def _percent(rate: float) -> str:
    return f"{100 * rate:.1f}%"


def render_text(report: Report) -> str:
    """The report for people reading a terminal."""
    lines = [f"FTZ Facts question log: {_describe(report.period)}", ""]
    lines.append(f"  {'questions':<13}{report.total:>6}")
    for figure in report.outcomes:
        lines.append(f"  {OUTCOME_LABELS[figure.outcome]:<13}{figure.count:>6}  {_percent(figure.rate):>6}")
    lines.append(f"  {'coverage':<13}{'':>6}  {_percent(report.coverage):>6}  (answered, small talk left out)")
    lines.append(f"  {'votes':<13}👍 {report.votes_up}  👎 {report.votes_down}")

    lines += ["", "Most frequent unanswered questions (not matched or clarified):"]
    if not report.unanswered:
        lines.append("  none in this period")
    for rank, group in enumerate(report.unanswered, 1):
        kinds = ", ".join(f"{OUTCOME_LABELS[k]} {n}" for k, n in (("no_match", group.no_match),
                                                                  ("clarify", group.clarify)) if n)
        lines.append(f"  {rank:>2}. {group.count:>4}×  “{group.question}”  [{kinds}]")
        if group.closest:
            note = "  (answered now)" if group.answered_now else ""
            lines.append(f"        closest fact: {group.closest.fact_id}, confidence {group.closest.confidence} "
                         f"({group.closest.basis}){note}")
        else:
            lines.append("        closest fact: none")
        if group.reason and not group.answered_now:
            lines.append(f"        why: {group.reason}")
        if group.variants:
            lines.append("        also: " + "; ".join(f"“{v}”" for v in group.variants))

    lines += ["", "Facts with the most 👎:"]
    if not report.disliked:
        lines.append("  none in this period")
    for votes in report.disliked:
        lines.append(f"  {votes.fact_id:<28} 👎 {votes.down:<4} 👍 {votes.up:<4} ({votes.answers} answers)")

    lines += ["", "Daily counts (UTC):", "  " + f"{'date':<12}" + "".join(f"{o:>12}" for o in OUTCOMES)]
    for day in report.daily:
        lines.append("  " + f"{day.day.isoformat():<12}" + "".join(f"{day.counts[o]:>12}" for o in OUTCOMES))
    return "\n".join(lines)


def report_to_dict(report: Report) -> dict[str, Any]:
    """The JSON form (stable field names; times in ISO 8601 UTC)."""
    period = report.period
    return {
        "period": {"since": period.since.isoformat() if period.since else None, "until": period.until.isoformat(),
                   "label": period.label},
        "total": report.total,
        "outcomes": {f.outcome: {"count": f.count, "rate": round(f.rate, 4)} for f in report.outcomes},
        "coverage": round(report.coverage, 4),
        "votes": {"up": report.votes_up, "down": report.votes_down},
        "unanswered": [
            {"question": g.question, "count": g.count, "no_match": g.no_match, "clarify": g.clarify,
             "variants": list(g.variants),
             "closest_fact": g.closest.fact_id if g.closest else None,
             "confidence": g.closest.confidence if g.closest else None,
             "closest_basis": g.closest.basis if g.closest else None, "reason": g.reason,
             "answered_now": g.answered_now, "last_asked": g.last_asked}
            for g in report.unanswered
        ],
        "most_disliked": [{"fact_id": v.fact_id, "down": v.down, "up": v.up, "answers": v.answers}
                          for v in report.disliked],
        "daily": [{"date": d.day.isoformat(), **d.counts} for d in report.daily],
    }


def render_json(report: Report) -> str:
    return json.dumps(report_to_dict(report), ensure_ascii=False, indent=2)


CSV_COLUMNS = ("section", "key", "outcome", "count", "rate", "fact_id", "confidence", "up", "down", "reason", "detail")


def _cell(text: str) -> str:
    # Questions are typed by strangers; a leading = + - @ would make a spreadsheet run them as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_csv(report: Report) -> str:
    """One table in long form (a `section` column says what each row is), easy to filter or pivot.

    Sections: `outcome` (key: the outcome), `votes`, `unanswered` (key: the representative question; detail: the
    other wordings, joined with " | "), `disliked` (key: the fact id; count: its answers), `daily` (key: the date;
    one row per outcome).
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    for f in report.outcomes:
        writer.writerow({"section": "outcome", "key": f.outcome, "outcome": f.outcome, "count": f.count,
                         "rate": f"{f.rate:.4f}"})
    writer.writerow({"section": "votes", "key": "all", "count": report.votes_up + report.votes_down,
                     "up": report.votes_up, "down": report.votes_down})
    for g in report.unanswered:
        outcome = "no_match" if not g.clarify else "clarify" if not g.no_match else "no_match+clarify"
        writer.writerow({"section": "unanswered", "key": _cell(g.question), "outcome": outcome, "count": g.count,
                         "fact_id": g.closest.fact_id if g.closest else "",
                         "confidence": g.closest.confidence if g.closest else "",
                         "reason": _cell(g.reason or ""), "detail": _cell(" | ".join(g.variants))})
    for v in report.disliked:
        writer.writerow({"section": "disliked", "key": v.fact_id, "outcome": "answer", "count": v.answers,
                         "fact_id": v.fact_id, "up": v.up, "down": v.down})
    for d in report.daily:
        for outcome in OUTCOMES:
            writer.writerow({"section": "daily", "key": d.day.isoformat(), "outcome": outcome,
                             "count": d.counts[outcome]})
    return buffer.getvalue()


class ChartUnavailable(RuntimeError):
    """matplotlib is not installed; the message says how to get it."""


CHART_HINT = "the chart needs matplotlib: pip install 'ftz-facts[chart]' (or pip install matplotlib)"


def render_chart(report: Report, path: Path | str) -> Path:
    """Draw the daily outcome counts as stacked bars into a PNG file. Raises `ChartUnavailable` without matplotlib,
    OSError if the file cannot be written."""
    try:
        # The Figure API needs no pyplot, so no GUI backend is chosen and no global state is touched.
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ChartUnavailable(CHART_HINT) from exc
    path = Path(path)
    days = [d.day for d in report.daily]
    figure = Figure(figsize=(max(6.0, min(16.0, 0.35 * len(days) + 3)), 4.0), dpi=100, layout="constrained")
    axes = figure.subplots()
    colours = {"answer": "#2e7d32", "clarify": "#f9a825", "no_match": "#c62828", "small_talk": "#90a4ae"}
    bottom = [0] * len(days)
    for outcome in OUTCOMES:
        heights = [d.counts[outcome] for d in report.daily]
        axes.bar(days, heights, bottom=bottom, label=OUTCOME_LABELS[outcome], color=colours[outcome], width=0.8)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_title(f"FTZ Facts: questions per day ({report.period.label})")
    axes.set_ylabel("questions")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)  # off the bars
    axes.yaxis.get_major_locator().set_params(integer=True)
    figure.autofmt_xdate()
    figure.savefig(path, format="png")
    return path
