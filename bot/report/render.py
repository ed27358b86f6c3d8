"""Curator report renderers: a `Report` (`bot.report.figures`) as text for people, JSON, CSV, or a PNG chart of the
daily counts (with the optional `chart` extra: matplotlib)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from bot.report.figures import OUTCOMES, Period, Report

OUTCOME_LABELS = {"answer": "answered", "clarify": "clarified", "no_match": "not matched", "small_talk": "small talk"}


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
        from matplotlib.ticker import MaxNLocator
    except ImportError as exc:
        raise ChartUnavailable(CHART_HINT) from exc
    path = Path(path)
    # As numpy dates: matplotlib plots them as it does datetime.date, and its type stubs accept them.
    days = np.array([d.day for d in report.daily], dtype="datetime64[D]")
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
    locator = axes.yaxis.get_major_locator()
    if isinstance(locator, MaxNLocator):  # the default AutoLocator is one
        locator.set_params(integer=True)
    figure.autofmt_xdate()
    figure.savefig(path, format="png")
    return path
