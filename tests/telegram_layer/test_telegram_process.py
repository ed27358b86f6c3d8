"""Running the bot: `python -m bot` with and without a token, a rejected token (at start-up and while running),
stopping on Ctrl-C / SIGTERM with a backlog, `kill -9` mid-burst, memory after a flood, and the token never appearing
in any output."""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from harness import RunningBot, answerable, reap, stopped
from standin import BotAPIStandIn

from bot.knowledge import FactBase
from bot.match import Match
from bot.matcher import Matcher
from bot.telegram import StartupError
from tests.conftest import REPO

USER = 801


def bot_process(standin: BotAPIStandIn, tmp_path: Path, token: str, *args: str,
                **variables: str) -> subprocess.Popen[str]:
    """`python -m bot` in an empty folder (no .env), configured only through the environment (plus `variables`)."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("TELEGRAM_", "BOT_", "LOG_LEVEL", "PYTHON"))}
    env.update(PYTHONPATH=str(REPO), TELEGRAM_BOT_TOKEN=token, TELEGRAM_BASE_URL=standin.base_url,
               LOG_LEVEL="INFO", BOT_DB_PATH=str(tmp_path / "questions.sqlite3"), **variables)
    return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_rejected_token_stops_python_m_bot_with_one_clear_line_and_no_traceback(
        standin: BotAPIStandIn, tmp_path: Path) -> None:
    wrong = "1111111111:AAH-a-revoked-token-that-must-not-leak"
    process = bot_process(standin, tmp_path, wrong)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert err.strip().splitlines()[-1].startswith("ftz-bot: Telegram rejected the bot token")
    assert "Traceback" not in err + out
    assert wrong not in err + out and wrong.split(":")[1] not in err + out
    assert [c.outcome for c in standin.calls] == ["401"]


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_python_m_bot_answers_and_stops_cleanly_within_a_few_seconds_on_a_signal(
        standin: BotAPIStandIn, tmp_path: Path, matcher: Matcher, stop_signal: int) -> None:
    process = bot_process(standin, tmp_path, standin.token)
    try:
        standin.wait_for(lambda: len(standin.poll_offsets) > 0, timeout=20, what="the bot to poll")
        fact, question = answerable(matcher)
        standin.private_text(USER, question)
        [answer] = standin.wait_for_sent(1, USER)
        assert fact.answer_en in answer["visible_text"]
        out, err, took = stopped(process, stop_signal, timeout=10)
        assert took < 5
    finally:
        reap(process)
    assert process.returncode == 0
    assert "Traceback" not in err + out
    assert standin.token not in err + out
    assert "HTTP Request" not in err  # httpx's request lines (which hold the URL, and so the token) stay quiet


def test_without_a_token_python_m_bot_says_how_to_get_one_and_opens_the_console_chat_which_logs_questions(
        standin: BotAPIStandIn, tmp_path: Path, matcher: Matcher) -> None:
    process = bot_process(standin, tmp_path, "")
    fact, question = answerable(matcher)
    out, err = process.communicate(question + "\n", timeout=30)
    assert process.returncode == 0
    hint, *others = err.strip().splitlines()
    assert "@BotFather" in hint
    assert all("INFO bot.questionlog" in line for line in others)  # "created" on first run, nothing else
    assert fact.answer_en in out
    assert standin.calls == []
    with contextlib.closing(sqlite3.connect(tmp_path / "questions.sqlite3")) as db:
        assert db.execute("SELECT chat_type, question, fact_id FROM questions").fetchall() == [
            ("console", question, fact.id)]


def test_a_rejected_token_raises_a_startup_error_that_does_not_contain_the_token(
        standin: BotAPIStandIn, matcher: Matcher, all_logs) -> None:
    wrong = "2222222222:AAH-another-token-that-must-not-leak"
    with pytest.raises(StartupError) as raised:
        RunningBot(standin, matcher, token=wrong).start()
    assert wrong not in str(raised.value)
    assert not [line for line in all_logs.lines() if wrong in line or wrong.split(":")[1] in line]


def test_an_unreachable_bot_api_stops_the_bot_with_one_line_naming_the_host_after_a_few_tries(
        matcher: Matcher) -> None:
    closed = BotAPIStandIn()
    closed.close()  # nothing listens on its port any more
    started = time.monotonic()
    with pytest.raises(StartupError, match=r"cannot reach the Telegram Bot API at 127\.0\.0\.1") as raised:
        RunningBot(closed, matcher).start()
    assert 1 < time.monotonic() - started < 10 and "\n" not in str(raised.value)


def test_the_token_never_appears_in_any_log_line_or_traceback_even_when_things_fail(
        standin: BotAPIStandIn, fact_base: FactBase, all_logs) -> None:
    class Faulty(Matcher):
        def match(self, question: str) -> Match:
            if question == "crash":
                raise RuntimeError("a bug in the matcher")
            return super().match(question)

    secret = standin.token.split(":")[1]
    with RunningBot(standin, Faulty(fact_base)):
        for fault in ("500", "reset", "drop", "403", "429"):
            standin.fail_next("sendMessage", fault)
        standin.fail_next("getUpdates", "500")
        standin.fail_next("getUpdates", "reset")
        updates = [standin.private_text(USER + n, "How big is the zone?") for n in range(6)]
        updates.append(standin.private_text(USER, "crash"))
        standin.wait_for(lambda: len(standin.calls_to("sendMessage")) >= 8, timeout=15, what="the sends")
        standin.wait_until_handled(max(updates), settle=0.5)
    lines = all_logs.lines()
    assert any("a bug in the matcher" in line and "Traceback" in line for line in lines)  # bugs keep tracebacks
    assert len(lines) > 50  # debug logging was on throughout
    assert not [line for line in lines if secret in line]
    assert not [r for r in all_logs.records
                if r.name.startswith(("httpx", "httpcore", "aiohttp")) and r.levelno < logging.WARNING]


# --- crashes, stops and floods ----------------------------------------------------------------------------------


def answers_per_user(standin: BotAPIStandIn, users: range) -> list[int]:
    counts = collections.Counter(m["chat"]["id"] for m in standin.sent)
    return [counts[user] for user in users]


def ask_everyone(standin: BotAPIStandIn, matcher: Matcher, users: range) -> None:
    _, question = answerable(matcher)
    for user in users:
        standin.private_text(user, question)


def test_kill_9_mid_burst_then_a_restart_answers_every_question_and_repeats_only_the_few_being_sent(
        standin: BotAPIStandIn, tmp_path: Path, matcher: Matcher) -> None:
    users = range(20_000, 20_300)
    process = bot_process(standin, tmp_path, standin.token, BOT_MESSAGES_PER_SECOND="100")
    try:
        standin.wait_for(lambda: len(standin.poll_offsets) > 0, timeout=20, what="the bot to poll")
        ask_everyone(standin, matcher, users)
        # Past the rate limiter's first burst of 100: the kill meets answers going out at a steady 100 a second.
        standin.wait_for(lambda: len(standin.sent) >= 200, timeout=20, what="200 answers")
        killed_at = time.perf_counter()
        stopped(process, signal.SIGKILL)
        before = len(standin.sent)
        first_sent = dict(reversed(standin.stats.sent_at))  # chat -> when its first answer went out
        process = bot_process(standin, tmp_path, standin.token, BOT_MESSAGES_PER_SECOND="100")
        standin.wait_for(lambda: min(answers_per_user(standin, users)) >= 1, timeout=20, what="every answer")
        stopped(process, signal.SIGTERM)
    finally:
        reap(process)
    counts = answers_per_user(standin, users)
    repeated = [user for user, count in zip(users, counts, strict=True) if count > 1]
    assert 200 <= before < 300 and min(counts) == 1 and max(counts) <= 2
    assert len(repeated) <= DUPLICATES_AFTER_A_CRASH, f"{len(repeated)} answered twice"
    # Only answers still on the wire are repeated, never one that went out well before the kill.
    oldest = max(killed_at - first_sent[user] for user in repeated) if repeated else 0.0
    assert oldest < ON_THE_WIRE_SECONDS, f"an answer sent {oldest:.3f} s before the kill was sent again"
    assert process.returncode == 0


# docs/delivery.md: the answers on the wire at the kill; 1-2 measured on an idle 2-core machine, up to 13 when two
# busy processes share its cores (the rate limiter then lets answers out in clumps).
DUPLICATES_AFTER_A_CRASH = 20
ON_THE_WIRE_SECONDS = 0.5


def test_sigterm_with_a_backlog_larger_than_the_grace_allows_stops_in_time_and_the_rest_is_answered_after_restart(
        standin: BotAPIStandIn, tmp_path: Path, matcher: Matcher) -> None:
    users = range(21_000, 21_100)
    process = bot_process(standin, tmp_path, standin.token, BOT_MESSAGES_PER_SECOND="20",
                          BOT_STOP_GRACE_SECONDS="1")
    try:
        standin.wait_for(lambda: len(standin.poll_offsets) > 0, timeout=20, what="the bot to poll")
        ask_everyone(standin, matcher, users)
        standin.wait_for(lambda: len(standin.sent) >= 10, timeout=20, what="10 answers")
        out, err, took = stopped(process, signal.SIGTERM)
        answered_before = len(standin.sent)
        with contextlib.closing(sqlite3.connect(tmp_path / "questions.sqlite3")) as db:
            left = db.execute("SELECT count(*) FROM inbox").fetchone()[0]
        process = bot_process(standin, tmp_path, standin.token, BOT_MESSAGES_PER_SECOND="0")
        standin.wait_for(lambda: min(answers_per_user(standin, users)) >= 1, timeout=20, what="every answer")
        stopped(process, signal.SIGTERM)
    finally:
        reap(process)
    assert took < 1 + 3 and "Traceback" not in err + out
    assert answered_before < 100 and left >= 100 - answered_before
    assert sum(answers_per_user(standin, users)) - 100 <= 2  # at most what was being sent when the grace ran out


def test_a_token_revoked_while_python_m_bot_runs_exits_1_within_10_seconds_with_one_line(
        standin: BotAPIStandIn, tmp_path: Path) -> None:
    process = bot_process(standin, tmp_path, standin.token)
    try:
        standin.wait_for(lambda: len(standin.poll_offsets) > 0, timeout=20, what="the bot to poll")
        started = time.monotonic()
        standin.revoke()
        out, err = process.communicate(timeout=10)
    finally:
        reap(process)
    assert process.returncode == 1 and time.monotonic() - started < 10
    assert err.strip().splitlines()[-1].startswith("ftz-bot: Telegram rejected the bot token")
    assert "Traceback" not in err + out and standin.token.split(":")[1] not in err + out


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the bot's memory from /proc")
def test_the_bots_memory_settles_back_near_its_resting_figure_after_a_flood_of_5000_users(
        standin: BotAPIStandIn, tmp_path: Path, matcher: Matcher) -> None:
    process = bot_process(standin, tmp_path, standin.token, BOT_MESSAGES_PER_SECOND="0")
    try:
        standin.wait_for(lambda: len(standin.poll_offsets) > 0, timeout=20, what="the bot to poll")
        ask_everyone(standin, matcher, range(30_000, 30_050))
        standin.wait_for(lambda: len(standin.sent) >= 50, timeout=10, what="the warm-up")
        rest = rss_mb(process.pid)
        ask_everyone(standin, matcher, range(40_000, 45_000))
        standin.wait_for(lambda: len(standin.sent) >= 5050, timeout=30, what="every answer")
        deadline = time.monotonic() + 10
        while rss_mb(process.pid) > rest + 10 and time.monotonic() < deadline:
            time.sleep(0.1)
        after = rss_mb(process.pid)
        stopped(process, signal.SIGTERM)
    finally:
        reap(process)
    assert after <= rest + 10, f"{rest:.1f} MB at rest, {after:.1f} MB after the flood"
