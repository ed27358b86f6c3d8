"""End to end: the admin commands — /stats, /unanswered and /reload for the ids in BOT_ADMIN_IDS, in a private chat,
and nothing at all for anyone else."""

from __future__ import annotations

import json
import logging
import tomllib
from pathlib import Path

from harness import RunningBot, answerable
from standin import BotAPIStandIn

from bot.knowledge import load_fact_base
from bot.matcher import Matcher

USER, ADMIN, GROUP = 951, 959, -100959
NOT_IN_ARTICLE = "What is the population of Iceland?"
SETUP_CALLS = ("getUpdates", "getMe", "deleteWebhook", "setMyCommands")


def test_admin_commands_do_not_exist_for_anyone_else_not_even_as_an_unknown_command(
        standin: BotAPIStandIn, matcher: Matcher) -> None:
    with RunningBot(standin, matcher, admin_ids=[ADMIN]):
        updates = [standin.private_text(USER, command) for command in ("/stats", "/unanswered", "/reload",
                                                                       "/stats 24h", "/STATS")]
        updates += [standin.group_text(GROUP, USER, f"/stats@{standin.username}"),
                    standin.group_text(GROUP, ADMIN, f"/unanswered@{standin.username}")]  # admins: private only
        standin.wait_until_handled(max(updates))
    assert standin.sent == []
    assert [c.method for c in standin.calls if c.method not in SETUP_CALLS] == []
    menus = standin.calls_to("setMyCommands")
    default = [c for c in menus if "scope" not in c.params]
    scoped = [c for c in menus if "scope" in c.params]
    languages = {c.params.get("language_code") for c in default}
    assert {None, "zh", "ru", "kk"} <= languages and len(default) == len(languages)
    assert all("stats" not in {m["command"] for m in c.params["commands"]} for c in default)
    assert {c.params["scope"]["chat_id"] for c in scoped} == {ADMIN} and len(scoped) == len(default)
    assert all({"stats", "unanswered", "reload", "ask"} <= {m["command"] for m in c.params["commands"]}
               for c in scoped)


def test_an_admin_gets_the_headline_figures_and_the_top_unanswered_questions(
        standin: BotAPIStandIn, matcher: Matcher) -> None:
    _, question = answerable(matcher)
    with RunningBot(standin, matcher, admin_ids=[ADMIN]) as bot:
        for text in (question, NOT_IN_ARTICLE, NOT_IN_ARTICLE.lower(), "hi"):
            standin.private_text(USER, text)
        standin.wait_for_sent(4, USER)
        bot.wait_until_idle()  # a row is logged once its answer is sent: the 4th may be a moment behind its reply
        standin.private_text(ADMIN, "/stats")
        [stats] = standin.wait_for_sent(1, ADMIN)
        standin.private_text(ADMIN, "/unanswered 24h")
        unanswered = standin.wait_for_sent(2, ADMIN)[1]
        standin.private_text(ADMIN, "/stats soon")
        usage = standin.wait_for_sent(3, ADMIN)[2]
    text = stats["visible_text"]
    for line in ("questions: 4", "answered: 1 (25.0%)", "not matched: 2", "small talk: 1", "coverage: 33.3%"):
        assert line in text, text
    assert "rows written" in text
    assert f"1. 2× “{NOT_IN_ARTICLE}”" in unanswered["visible_text"] or \
        f"1. 2× “{NOT_IN_ARTICLE.lower()}”" in unanswered["visible_text"]
    assert "/stats 'soon'" in usage["visible_text"]


# --- /reload --------------------------------------------------------------------------------------------------


def _set_answer(facts_file: Path, old_answer: str, new_lines: str) -> None:
    lines = facts_file.read_text(encoding="utf-8").splitlines()
    [index] = [i for i, line in enumerate(lines)
               if line.startswith("answer_en") and tomllib.loads(line).get("answer_en") == old_answer]
    lines[index] = new_lines
    facts_file.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_reload_of_a_corrected_fact_file_changes_the_next_answer_and_a_broken_one_changes_nothing_and_says_why(
        standin: BotAPIStandIn, knowledge_copy: Path, all_logs) -> None:
    matcher = Matcher(load_fact_base(knowledge_copy))
    fact, question = answerable(matcher)
    facts_file = knowledge_copy / "facts.toml"
    corrected = "CORRECTED: " + fact.answer_en

    def ask(user: int) -> str:
        standin.private_text(user, question)
        return standin.wait_for_sent(1, user)[0]["visible_text"]

    def admin_says(text: str, count: int) -> str:
        standin.private_text(ADMIN, text)
        return standin.wait_for_sent(count, ADMIN, timeout=10)[count - 1]["visible_text"]

    with RunningBot(standin, matcher, admin_ids=[ADMIN]):
        assert fact.answer_en in ask(USER) and "CORRECTED" not in ask(USER + 1)
        _set_answer(facts_file, fact.answer_en, f"answer_en = {json.dumps(corrected, ensure_ascii=False)}")
        assert "CORRECTED" not in ask(USER + 2)  # nothing changes until an admin says so
        reloaded = admin_says("/reload", 1)
        assert "Reloaded" in reloaded and f"changed: {fact.id}" in reloaded
        assert corrected in ask(USER + 3)

        _set_answer(facts_file, corrected, f"answer_en = {json.dumps(fact.answer_en)}\nanswr_en = \"typo\"")
        refused = admin_says("/reload", 2)
        assert "Reload failed" in refused and "still serving" in refused
        assert f"{facts_file}: fact '{fact.id}', field 'answr_en'" in refused
        assert corrected in ask(USER + 4)  # the fact base that was serving still is
    assert any("reload refused" in line for line in all_logs.lines(logging.WARNING))


def test_an_admin_command_whose_reply_fails_is_logged_once_and_not_answered_as_an_unknown_command(
        standin: BotAPIStandIn, matcher: Matcher, all_logs) -> None:
    with RunningBot(standin, matcher, admin_ids=[ADMIN]):
        standin.fail_next("sendMessage", "403")
        update_id = standin.private_text(ADMIN, "/stats")
        standin.wait_until_handled(update_id)
    assert [c.outcome for c in standin.calls_to("sendMessage")] == ["403"]
    assert len([line for line in all_logs.lines(logging.WARNING) if "Forbidden" in line]) == 1
