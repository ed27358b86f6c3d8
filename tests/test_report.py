"""Curator reports: the period, grouping of near-duplicate questions, figures, disliked facts, daily counts, the
renderers, the chart, and `ftz-bot report` end to end."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.knowledge import Fact, FactBase
from bot.match import Match, Outcome, Suggestion
from bot.matcher import Matcher
from bot.questionlog import QuestionLog, QuestionLogError, Vote
from bot.report import (
    ChartUnavailable,
    build_report,
    group_similar,
    headline,
    parse_since,
    render_chart,
    render_csv,
    render_json,
    render_text,
    report_to_dict,
    top_unanswered,
)
from bot.thresholds import DEFAULT_THRESHOLDS
from tests.conftest import KNOWLEDGE

NOW = dt.datetime(2025, 11, 20, 12, 0, tzinfo=dt.UTC)


def ago(**delta: float) -> dt.datetime:
    return NOW - dt.timedelta(**delta)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A log with a known mix: 6 answered, 3 clarified, 6 not matched, 1 small talk in the last week, one old row."""
    path = tmp_path / "questions.sqlite3"
    with QuestionLog(path) as log:
        def add(question: str, outcome: str, hours: float, **fields: object) -> int:
            return log.log_question(question, outcome, chat_type="private", language="en", at=ago(hours=hours),
                                    **fields)  # type: ignore[arg-type]

        area = [add("How big is Horgos?", "answer", h, fact_id="horgos_area", confidence=90) for h in (1, 2, 3, 30)]
        add("When was the zone set up?", "answer", 50, fact_id="establishment_date", confidence=85)
        add("Where is it?", "answer", 70, fact_id="location", confidence=80)
        offered = [{"fact_id": "kashgar_area", "question": "How big is Kashgar?", "confidence": 45}]
        add("kashgar size", "clarify", 5, confidence=45, suggestions=offered)
        add("Kashgar size?", "clarify", 6, confidence=47, suggestions=offered)
        add("size kashgar", "clarify", 28, confidence=44, suggestions=offered)
        for hours in (4, 8, 26):
            add("Who is the mayor of Horgos?", "no_match", hours, reason="not in the article: mayor")
        add("who is the mayor of horgos", "no_match", 9, reason="not in the article: mayor")
        add("who is the mayr of Horgos", "no_match", 10, reason="not in the article: mayor")
        add("=HYPERLINK(\"http://example.com\")", "no_match", 11)
        add("hello", "small_talk", 12, confidence=100)
        add("ancient question", "no_match", 24 * 40)  # outside the 7-day period
        # 👎 on horgos_area from three people (one changed their mind to 👍), one 👎 on location.
        log.record_vote(area[0], 1, Vote.DOWN)
        log.record_vote(area[1], 2, Vote.DOWN)
        log.record_vote(area[2], 3, Vote.DOWN)
        log.record_vote(area[2], 3, Vote.UP)
        log.record_vote(area[3], 4, Vote.DOWN)
    return path


# --- the period -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "since"), [
    ("7d", ago(days=7)), ("24h", ago(hours=24)), ("30m", ago(minutes=30)), ("2w", ago(weeks=2)),
    (" 3D ", ago(days=3)), ("2025-11-01", dt.datetime(2025, 11, 1, tzinfo=dt.UTC)),
    ("2025-11-01T08:00+08:00", dt.datetime(2025, 11, 1, 0, 0, tzinfo=dt.UTC)), ("all", None),
])
def test_since_accepts_relative_periods_iso_dates_and_all(text: str, since: dt.datetime | None) -> None:
    period = parse_since(text, now=NOW)
    assert period.since == since and period.until == NOW


@pytest.mark.parametrize("text", ["7", "seven days", "0d", "-1d", "2030-01-01", "7y", ""])
def test_since_rejects_anything_else_with_a_message_naming_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match="--since"):
        parse_since(text, now=NOW)


# --- grouping -----------------------------------------------------------------------------------------------


def test_near_duplicates_are_grouped_and_the_most_frequent_wording_leads() -> None:
    questions = ["How big is Kashgar?", "how big is kashgar", "how big is kashgr", "Kashgar, how big is it",
                 "how big is kashgar!", "How big is Horgos?", "what is the tax rate"]
    groups = group_similar(questions)
    texts = [[questions[i] for i in group] for group in groups]
    assert set(texts[0]) == {"How big is Kashgar?", "how big is kashgar", "how big is kashgar!", "how big is kashgr",
                             "Kashgar, how big is it"}
    assert texts[0][0] in {"How big is Kashgar?", "how big is kashgar", "how big is kashgar!"}
    assert ["How big is Horgos?"] in texts and ["what is the tax rate"] in texts
    assert sum(len(g) for g in groups) == len(questions)


def test_chinese_questions_differing_only_in_punctuation_are_grouped() -> None:
    groups = group_similar(["喀什有多大？", "喀什有多大", "霍尔果斯有多大"])
    assert sorted(map(len, groups)) == [1, 2]


# --- figures ------------------------------------------------------------------------------------------------


def test_the_report_counts_each_outcome_with_its_rate_for_the_period(db: Path) -> None:
    report = build_report(db, "7d", now=NOW)
    assert report.total == 16
    assert {f.outcome: f.count for f in report.outcomes} == {"answer": 6, "clarify": 3, "no_match": 6,
                                                             "small_talk": 1}
    assert {f.outcome: f.rate for f in report.outcomes}["answer"] == pytest.approx(6 / 16)
    assert report.coverage == pytest.approx(6 / 15)
    assert (report.votes_up, report.votes_down) == (1, 3)
    assert build_report(db, "all", now=NOW).total == 17
    assert build_report(db, "2h", now=NOW).total == 2


def test_unanswered_questions_are_listed_most_frequent_first_with_their_closest_logged_fact(db: Path) -> None:
    report = build_report(db, "7d", now=NOW)
    mayor, kashgar, formula = report.unanswered
    assert (mayor.question, mayor.count, mayor.no_match, mayor.clarify) == ("Who is the mayor of Horgos?", 5, 5, 0)
    assert set(mayor.variants) == {"who is the mayor of horgos", "who is the mayr of Horgos"}
    assert mayor.reason == "not in the article: mayor" and mayor.closest is None
    assert (kashgar.count, kashgar.clarify) == (3, 3)
    assert kashgar.closest is not None
    assert (kashgar.closest.fact_id, kashgar.closest.confidence, kashgar.closest.basis) == \
        ("kashgar_area", 45, "logged")
    assert formula.count == 1
    assert mayor.last_asked.startswith("2025-11-20T08:00")


def test_facts_with_the_most_thumbs_down_come_first_with_their_answer_counts(db: Path) -> None:
    report = build_report(db, "7d", now=NOW)
    assert [(v.fact_id, v.down, v.up, v.answers) for v in report.disliked] == [("horgos_area", 3, 1, 4)]


def test_daily_counts_cover_every_day_of_the_period_including_quiet_ones(db: Path) -> None:
    daily = build_report(db, "7d", now=NOW).daily
    assert [d.day for d in daily] == [dt.date(2025, 11, 13) + dt.timedelta(days=n) for n in range(8)]
    by_day = {d.day: d.counts for d in daily}
    assert by_day[dt.date(2025, 11, 20)] == {"answer": 3, "clarify": 2, "no_match": 5, "small_talk": 1}
    assert by_day[dt.date(2025, 11, 15)]["answer"] == 0
    assert sum(d.total for d in daily) == 16


def test_headline_and_top_unanswered_give_the_figures_for_stats_and_unanswered(db: Path) -> None:
    figures = headline(db, "7d", now=NOW)
    assert (figures.total, figures.answered, figures.clarified, figures.no_match, figures.small_talk) == \
        (16, 6, 3, 6, 1)
    assert figures.answer_rate == pytest.approx(6 / 16) and figures.coverage == pytest.approx(6 / 15)
    assert (figures.votes_up, figures.votes_down) == (1, 3)
    assert [g.count for g in top_unanswered(db, "7d", now=NOW)] == [5, 3, 1]
    assert len(top_unanswered(db, "7d", limit=1, now=NOW)) == 1


def test_an_empty_log_gives_a_report_of_zeros(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    QuestionLog(path).close()
    report = build_report(path, "24h", now=NOW)
    assert report.total == 0 and report.coverage == 0 and not report.unanswered and not report.disliked
    assert "none in this period" in render_text(report)


def test_a_missing_or_foreign_file_is_refused_with_a_message_for_people(tmp_path: Path) -> None:
    with pytest.raises(QuestionLogError, match="no question log at"):
        build_report(tmp_path / "nowhere.sqlite3")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(QuestionLogError, match="cannot be read"):
        build_report(tmp_path / "notes.txt")


# --- closest facts from a matcher ---------------------------------------------------------------------------------


def test_the_matchers_closest_fact_names_the_fact_and_says_when_the_fact_base_now_answers(
        db: Path, fact_base: FactBase) -> None:
    fact = fact_base.facts[0]

    class ScriptedMatcher(Matcher):
        def match(self, question: str) -> Match:
            if "mayor" in question.lower():
                return Match(question, Outcome.ANSWER, "en", fact=fact, confidence=77)
            return Match(question, Outcome.CLARIFY, "en", confidence=50,
                         suggestions=(Suggestion("total_area", "How big is the zone?", 50),))

    mayor, kashgar, _ = build_report(db, "7d", matcher=ScriptedMatcher(fact_base, semantic=None), now=NOW).unanswered
    assert mayor.answered_now and mayor.closest is not None
    assert (mayor.closest.fact_id, mayor.closest.confidence, mayor.closest.basis) == (fact.id, 77, "matcher")
    assert not kashgar.answered_now and kashgar.closest is not None
    assert (kashgar.closest.fact_id, kashgar.closest.basis) == ("total_area", "matcher")


def test_for_a_question_the_matcher_cannot_place_the_report_names_its_best_fact_below_the_threshold(
        tmp_path: Path, fact_base: FactBase) -> None:
    unsure = dataclasses.replace(DEFAULT_THRESHOLDS, answer=101, sure=101, clarify=101)  # answers and offers nothing
    matcher = Matcher(fact_base, unsure, semantic=None)
    question = "How big is the Kashgar area?"
    assert matcher.match(question).outcome is Outcome.NO_MATCH and not matcher.match(question).suggestions
    path = tmp_path / "questions.sqlite3"
    with QuestionLog(path) as log:
        log.log_question(question, "no_match", chat_type="private", language="en", at=ago(hours=1))
    [group] = build_report(path, "1d", matcher=matcher, now=NOW).unanswered
    assert group.closest is not None and not group.answered_now
    assert (group.closest.fact_id, group.closest.basis) == ("kashgar_area", "below threshold")


def test_the_real_matcher_marks_questions_its_fact_base_answers_now(tmp_path: Path, matcher: Matcher) -> None:
    answered: Fact = next(f for f in matcher.fact_base.facts
                          if matcher.match(f.questions_en[0]).outcome is Outcome.ANSWER)
    path = tmp_path / "questions.sqlite3"
    with QuestionLog(path) as log:
        log.log_question(answered.questions_en[0], "no_match", chat_type="private", language="en", at=ago(hours=1))
    [group] = build_report(path, "1d", matcher=matcher, now=NOW).unanswered
    assert group.answered_now and group.closest is not None and group.closest.basis == "matcher"
    assert group.closest.fact_id == matcher.match(answered.questions_en[0]).fact.id  # type: ignore[union-attr]


# --- renderers ----------------------------------------------------------------------------------------------------


def test_the_text_report_shows_figures_the_to_do_list_and_disliked_facts(db: Path) -> None:
    text = render_text(build_report(db, "7d", now=NOW))
    assert "answered          6   37.5%" in text
    assert "“Who is the mayor of Horgos?”  [not matched 5]" in text
    assert "closest fact: kashgar_area, confidence 45 (logged)" in text
    assert "why: not in the article: mayor" in text
    assert "horgos_area" in text and "👎 3" in text
    assert "2025-11-20" in text


def test_the_json_report_carries_every_section(db: Path) -> None:
    data = json.loads(render_json(build_report(db, "7d", now=NOW)))
    assert data["total"] == 16 and data["outcomes"]["no_match"] == {"count": 6, "rate": 0.375}
    assert data["unanswered"][0]["question"] == "Who is the mayor of Horgos?"
    assert data["unanswered"][1]["closest_fact"] == "kashgar_area"
    assert data["most_disliked"] == [{"fact_id": "horgos_area", "down": 3, "up": 1, "answers": 4}]
    assert data["daily"][-1] == {"date": "2025-11-20", "answer": 3, "clarify": 2, "no_match": 5, "small_talk": 1}
    assert data["period"]["label"] == "7d"


def test_the_csv_report_is_one_table_and_defuses_formulas_typed_by_users(db: Path) -> None:
    table = list(csv.DictReader(io.StringIO(render_csv(build_report(db, "7d", now=NOW)))))
    sections = {row["section"] for row in table}
    assert sections == {"outcome", "votes", "unanswered", "disliked", "daily"}
    outcome = {row["key"]: row["count"] for row in table if row["section"] == "outcome"}
    assert outcome == {"answer": "6", "clarify": "3", "no_match": "6", "small_talk": "1"}
    unanswered = [row for row in table if row["section"] == "unanswered"]
    assert unanswered[1]["fact_id"] == "kashgar_area" and unanswered[1]["confidence"] == "45"
    assert unanswered[2]["key"].startswith("'=")
    assert len([row for row in table if row["section"] == "daily"]) == 8 * 4


def test_the_chart_is_a_png_when_matplotlib_is_installed(db: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = render_chart(build_report(db, "7d", now=NOW), tmp_path / "daily.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_matplotlib_the_chart_says_how_to_install_it(db: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # makes the import fail
    with pytest.raises(ChartUnavailable, match=r"pip install 'ftz-facts\[chart\]'"):
        render_chart(build_report(db, "7d", now=NOW), tmp_path / "daily.png")
    assert not (tmp_path / "daily.png").exists()


def test_report_to_dict_and_render_json_agree(db: Path) -> None:
    report = build_report(db, "7d", now=NOW)
    assert json.loads(render_json(report)) == json.loads(json.dumps(report_to_dict(report)))


# --- the command line ----------------------------------------------------------------------------------------


@pytest.fixture
def recent_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A log relative to the real clock (the CLI reports up to now), with the environment isolated."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.delenv("BOT_DB_PATH", raising=False)
    monkeypatch.setenv("BOT_KNOWLEDGE_DIR", str(KNOWLEDGE))
    path = tmp_path / "questions.sqlite3"
    now = dt.datetime.now(dt.UTC)
    with QuestionLog(path) as log:
        for minutes in (5, 10, 15):
            log.log_question("who is the mayor of horgos", "no_match", chat_type="group", language="en",
                             at=now - dt.timedelta(minutes=minutes))
        log.log_question("hi", "small_talk", chat_type="private", language="en", at=now - dt.timedelta(minutes=1))
    return path


def test_cli_report_prints_the_text_report(recent_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--db", str(recent_db)]) == 0
    out = capsys.readouterr().out
    assert "questions         4" in out and "3×  “who is the mayor of horgos”" in out


def test_cli_report_prints_json_for_machines(recent_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--db", str(recent_db), "--since", "1h", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 4 and data["unanswered"][0]["count"] == 3


def test_cli_report_prints_csv_for_spreadsheets(recent_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--db", str(recent_db), "--csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {row["key"]: row["count"] for row in table if row["section"] == "outcome"}["no_match"] == "3"


def test_cli_report_reads_the_database_named_by_BOT_DB_PATH(recent_db: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BOT_DB_PATH", str(recent_db))
    assert main(["report", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 4


def test_cli_report_writes_the_chart_when_matplotlib_is_installed(
        recent_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    chart = tmp_path / "daily.png"
    assert main(["report", "--db", str(recent_db), "--json", "--chart", str(chart)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["total"] == 4  # stdout stays clean JSON
    assert "chart written" in captured.err and chart.read_bytes().startswith(b"\x89PNG")


def test_cli_report_exits_1_when_the_chart_cannot_be_drawn(recent_db: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    assert main(["report", "--db", str(recent_db), "--chart", str(tmp_path / "c.png")]) == 1
    assert "pip install" in capsys.readouterr().err


def test_cli_report_exits_1_with_a_clear_message_when_the_database_does_not_exist(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--db", str(tmp_path / "missing.sqlite3")]) == 1
    err = capsys.readouterr().err
    assert "no question log at" in err and "BOT_DB_PATH" in err


@pytest.mark.parametrize("arguments", [["--since", "soon"], ["--json", "--csv"], ["--top", "0"], ["--bogus"]])
def test_cli_report_exits_2_on_a_usage_error(recent_db: Path, arguments: list[str],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--db", str(recent_db), *arguments]) == 2
    assert capsys.readouterr().err


def test_cli_report_help_lists_the_options_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--since", "--json", "--csv", "--chart", "--db"):
        assert option in out

