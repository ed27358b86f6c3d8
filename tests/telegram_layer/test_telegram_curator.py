"""End to end: the curator loop in the bot — the question log after real conversations, 👍 / 👎 votes, inline
queries, a database that cannot be written, and a burst of 200 users — on a real SQLite file in the test's folder.
(The admin commands and /reload are in test_telegram_admin.py.)"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import struct
from pathlib import Path

import pytest
from harness import RunningBot, ScriptedMatcher, answerable, wait_until
from standin import BotAPIStandIn

from bot.cli import main as ftz_bot
from bot.config import Delivery
from bot.knowledge import FactBase
from bot.match import Match, Outcome, Suggestion
from bot.matcher import Matcher
from bot.questionlog import QuestionLog
from bot.telegram.recorder import CHOICE_REASON

USER, OTHER_USER, GROUP = 901, 902, -100999
NOT_IN_ARTICLE = "What is the population of Iceland?"


def rows(path: Path, sql: str, *params: object) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql, params).fetchall()


def logged(path: Path) -> list[tuple]:
    """(chat type, question, outcome, fact id) of every logged question, sorted (updates are handled at once, so
    the order of rows is not the order of asking)."""
    return sorted(rows(path, "SELECT chat_type, question, outcome, coalesce(fact_id, '') FROM questions"))


def expected(matcher: Matcher, chat_type: str, question: str) -> tuple[str, str, str, str]:
    match = matcher.match(question)
    return chat_type, question, str(match.outcome), match.fact.id if match.fact else ""


def votes_of(message: dict) -> dict[str, str]:
    """The 👍 / 👎 buttons of a message: label -> callback data."""
    return {b["text"]: b["callback_data"] for row in message.get("reply_markup", {}).get("inline_keyboard", [])
            for b in row if b["callback_data"].startswith("v:")}


def press_answers(standin: BotAPIStandIn) -> list[str]:
    return [c.params.get("text", "") for c in standin.calls_to("answerCallbackQuery")]


def report_json(path: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert ftz_bot(["report", "--json", "--since", "all", "--top", "100", "--db", str(path)]) == 0
    return json.loads(capsys.readouterr().out)


# --- what is logged -------------------------------------------------------------------------------------------


def test_after_a_scripted_conversation_every_handled_question_is_logged_and_ignored_messages_are_not(
        standin: BotAPIStandIn, matcher: Matcher, question_db: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    _, question = answerable(matcher)
    _, other_question = answerable(matcher, skip=1)
    _, third_question = answerable(matcher, skip=2)
    with RunningBot(standin, matcher, inline_quiet=0.2):
        standin.private_text(USER, question)
        standin.private_text(USER, NOT_IN_ARTICLE)
        standin.private_text(USER, "thanks!")
        standin.group_text(GROUP, USER, f"@{standin.username} {other_question}")
        [group_answer] = standin.wait_for_sent(1, GROUP)
        standin.group_text(GROUP, OTHER_USER, "Who is the mayor of Kashgar?", reply_to=group_answer)
        standin.group_text(GROUP, OTHER_USER, f"/ask {third_question}")
        ignored = [standin.group_text(GROUP, USER, "How big is Horgos, do you think?"),
                   standin.group_text(GROUP, USER, "@someone_else how big is Urumqi?"),
                   standin.group_text(GROUP, USER, "/ask@some_other_bot when was it set up?")]
        for keystrokes in ("h", "how big", "how big is horgos"):  # typing, one inline query per pause
            standin.inline(USER, keystrokes)
        standin.inline(OTHER_USER, "")  # the topics: nothing asked
        standin.wait_for_sent(6)
        standin.wait_for_calls("answerInlineQuery", 4)
        standin.wait_until_handled(ignored[-1])

    assert logged(question_db) == sorted([
        expected(matcher, "private", question),
        expected(matcher, "private", NOT_IN_ARTICLE),
        expected(matcher, "private", "thanks!"),
        expected(matcher, "group", other_question),
        expected(matcher, "group", "Who is the mayor of Kashgar?"),
        expected(matcher, "group", third_question),
        expected(matcher, "inline", "how big is horgos"),
    ])
    assert {outcome for _, _, outcome, _ in logged(question_db)} >= {"answer", "no_match", "small_talk"}

    report = report_json(question_db, capsys)
    assert report["total"] == 7
    for _, text, outcome, _ in logged(question_db):
        assert report["outcomes"][outcome]["count"] >= 1
        if outcome in ("no_match", "clarify"):  # the to-do list names each unanswered question
            assert any(text == g["question"] or text in g["variants"] for g in report["unanswered"]), text


def test_the_database_file_holds_no_user_id_chat_id_username_or_name(
        standin: BotAPIStandIn, matcher: Matcher, question_db: Path) -> None:
    user_id, chat_id = 739182736451, -1001234567890
    person = {"id": user_id, "is_bot": False, "first_name": "Zebulon", "last_name": "Quackenbush",
              "username": "zebulon_q", "language_code": "en"}
    group = {"id": chat_id, "type": "supergroup", "title": "Sekrit Planning Circle"}
    private = {"id": user_id, "type": "private", "first_name": "Zebulon", "username": "zebulon_q"}
    _, question = answerable(matcher)
    secrets = [b"zebulon_q", b"Zebulon", b"Quackenbush", b"Sekrit", b"ottoline_v", b"+4915112345678"]
    with RunningBot(standin, matcher, inline_quiet=0.1) as running:
        standin.push(message=standin.message(private, person, question))
        standin.push(message=standin.message(group, person, f"@{standin.username} @ottoline_v says: {question}"))
        standin.push(message=standin.message(private, person, f"call me on +4915112345678: {NOT_IN_ARTICLE}",
                                             entities=[{"type": "phone_number", "offset": 11, "length": 14}]))
        standin.push(inline_query={"id": "iq-x", "from": person, "query": f"{question} cc @ottoline_v",
                                    "offset": ""})  # no entities in an inline query: the log spots the @name
        answers = standin.wait_for_sent(3)
        for answer in answers:
            for data in votes_of(answer).values():
                standin.push(callback_query={"id": f"q-{data}", "from": person, "chat_instance": "ci",
                                             "message": answer, "data": data})
        standin.wait_for_calls("answerCallbackQuery", 6)
        log = running.state.recorder.log
        assert log is not None
        wait_until(lambda: log.flush() and rows(question_db, "SELECT count(*) FROM questions") == [(4,)],
                   what="the inline query to be logged once final")
        running.wait_until_idle()

        def files() -> bytes:
            return b"".join(p.read_bytes() for p in question_db.parent.glob("questions.sqlite3*"))

        # While a question waits for its answer, the inbox holds its update (ids and text, never names); once
        # answered it is deleted (zeroed), and the write-ahead log is emptied within a couple of seconds.
        wait_until(lambda: str(user_id).encode() not in files(), what="the user id to leave the database files")
        live = files()
    closed = files()

    assert rows(question_db, "SELECT count(*) FROM questions") == [(4,)]
    assert rows(question_db, "SELECT count(*) FROM feedback") == [(3,)]  # one person, three answers
    questions = [r[1] for r in logged(question_db)]
    assert f"@user says: {question}" in questions and f"call me on [phone]: {NOT_IN_ARTICLE}" in questions
    assert f"{question} cc @user" in questions
    for data in (live, closed):
        for number in (user_id, chat_id):
            for form in (str(number).encode(), struct.pack(">q", number), struct.pack("<q", number),
                         struct.pack(">q", number)[2:]):  # SQLite keeps a 48-bit integer in 6 bytes
                assert form not in data, f"{number} stored as {form!r}"
        for secret in secrets:
            assert secret not in data, secret


# --- 👍 / 👎 ----------------------------------------------------------------------------------------------------


def test_a_vote_is_recorded_once_per_person_and_a_second_press_changes_it_instead_of_adding_one(
        standin: BotAPIStandIn, matcher: Matcher, question_db: Path) -> None:
    _, question = answerable(matcher)
    with RunningBot(standin, matcher):
        standin.private_text(USER, question)
        [answer] = standin.wait_for_sent(1, USER)
        up, down = votes_of(answer)["👍"], votes_of(answer)["👎"]
        for number, (voter, data) in enumerate([(USER, up), (USER, up), (USER, down), (OTHER_USER, up)], 1):
            standin.press(voter, answer, data)
            standin.wait_for_calls("answerCallbackQuery", number)
    [(row,)] = rows(question_db, "SELECT id FROM questions")
    assert sorted(rows(question_db, "SELECT question_id, vote FROM feedback")) == [(row, -1), (row, 1)]
    assert press_answers(standin) == ["Thanks! Glad it helped."] * 2 + [
        "Thanks for telling us. We use this to fix answers.", "Thanks! Glad it helped."]
    assert len(standin.sent) == 1  # a vote sends no message


def test_a_forged_vote_gets_only_a_polite_answer_and_changes_nothing(
        standin: BotAPIStandIn, matcher: Matcher, question_db: Path) -> None:
    _, question = answerable(matcher)
    _, other_question = answerable(matcher, skip=1)
    with RunningBot(standin, matcher):
        standin.private_text(USER, question)
        [answer] = standin.wait_for_sent(1, USER)
        standin.private_text(OTHER_USER, other_question)
        [theirs] = standin.wait_for_sent(1, OTHER_USER)
        someone_elses = votes_of(theirs)["👎"]  # well formed, but not a button of this message
        forged = [someone_elses, "v:0:u", "v:abc:x", "v:ABC:u", "v:-5:d", "v:" + "f" * 17 + ":u", "v:", "v:1:u:1",
                  "' OR 1=1 --"]
        for number, data in enumerate(forged, 1):
            standin.press(USER, answer, data)
            standin.wait_for_calls("answerCallbackQuery", number)
    assert all("no longer works" in text for text in press_answers(standin))
    assert rows(question_db, "SELECT count(*) FROM feedback") == [(0,)]
    assert len(standin.sent) == 2


def test_a_did_you_mean_choice_is_logged_with_the_question_asked_and_its_answer_takes_votes(
        standin: BotAPIStandIn, fact_base: FactBase, question_db: Path) -> None:
    facts = fact_base.facts[:3]
    vague = Match("tell me the thing", Outcome.CLARIFY, "en", confidence=40, suggestions=tuple(
        Suggestion(f.id, f.questions_en[0], 44 - n) for n, f in enumerate(facts)))

    with RunningBot(standin, ScriptedMatcher(fact_base, {vague.question: vague})):
        standin.private_text(USER, vague.question)
        [clarify] = standin.wait_for_sent(1, USER)
        choices = [b["callback_data"] for row in clarify["reply_markup"]["inline_keyboard"] for b in row
                   if b["callback_data"].startswith("c:")]
        assert len(choices) == 3 and all(len(data.encode()) <= 64 for data in choices)
        standin.press(USER, clarify, choices[1])
        answer = standin.wait_for_sent(2, USER)[1]
        assert facts[1].answer_en in answer["visible_text"]
        standin.press(USER, answer, votes_of(answer)["👎"])
        standin.wait_for_calls("answerCallbackQuery", 2)
    assert rows(question_db, "SELECT question, outcome, fact_id, confidence, reason FROM questions ORDER BY id") == [
        (vague.question, "clarify", None, 40, None),
        (vague.question, "answer", facts[1].id, 43, CHOICE_REASON),
    ]
    assert rows(question_db, "SELECT q.outcome, f.vote FROM feedback f JOIN questions q ON q.id = f.question_id") \
        == [("answer", -1)]


def test_a_did_you_mean_choice_pressed_twenty_times_is_logged_once(
        standin: BotAPIStandIn, fact_base: FactBase, question_db: Path) -> None:
    facts = fact_base.facts[:2]
    vague = Match("that thing", Outcome.CLARIFY, "en", confidence=40, suggestions=tuple(
        Suggestion(f.id, f.questions_en[0], 44 - n) for n, f in enumerate(facts)))
    with RunningBot(standin, ScriptedMatcher(fact_base, {vague.question: vague})) as bot:
        standin.private_text(USER, vague.question)
        [clarify] = standin.wait_for_sent(1, USER)
        choice = next(b["callback_data"] for row in clarify["reply_markup"]["inline_keyboard"] for b in row
                      if b["callback_data"].startswith("c:"))
        for presses in range(1, 21):  # one after the other: ten at once would overflow the chat's backlog
            standin.press(USER, clarify, choice)
            standin.wait_for_sent(1 + presses, USER)
        answers = standin.sent_to(USER)[1:]
        bot.wait_until_idle()
    assert len({json.dumps(votes_of(a)) for a in answers}) == 1  # every press shows the fact with the same row
    assert rows(question_db, "SELECT outcome, fact_id, reason FROM questions ORDER BY id") == [
        ("clarify", None, None), ("answer", facts[0].id, CHOICE_REASON)]


def test_browsing_topics_logs_nothing_and_small_talk_carries_no_vote_buttons(
        bot: RunningBot, standin: BotAPIStandIn, fact_base: FactBase, question_db: Path) -> None:
    standin.private_text(USER, "/topics")
    [menu] = standin.wait_for_sent(1, USER)
    topic = fact_base.topics[0]
    standin.press(USER, menu, f"t:{topic.id}:en")
    listing = standin.wait_for_sent(2, USER)[1]
    standin.press(USER, listing, f"f:{fact_base.facts_in_topic(topic.id)[0].id}:en")
    standin.private_text(USER, "hello!")
    messages = standin.wait_for_sent(4, USER)
    assert [votes_of(m) for m in messages] == [{}, {}, {}, {}]
    bot.stop()
    assert logged(question_db) == [("private", "hello!", "small_talk", "")]


# --- inline mode ----------------------------------------------------------------------------------------------


def test_only_the_final_inline_query_of_each_user_is_logged_once_they_stop_typing(
        standin: BotAPIStandIn, matcher: Matcher, question_db: Path) -> None:
    quiet = 0.5

    def inline_rows() -> list[tuple]:
        assert running.state.recorder.log is not None and running.state.recorder.log.flush()
        return sorted(rows(question_db, "SELECT question FROM questions WHERE chat_type = 'inline'"))

    def eventually(expected: list[tuple]) -> None:
        wait_until(lambda: inline_rows() == expected, what=f"the inline rows {expected}")

    with RunningBot(standin, matcher, inline_quiet=quiet) as running:
        for keystrokes in ("h", "ho", "how big", "how big is horgos"):
            standin.inline(USER, keystrokes)
        standin.inline(OTHER_USER, "where is the zone")
        standin.wait_for_calls("answerInlineQuery", 5)
        assert inline_rows() == []  # still typing, as far as the bot can tell
        eventually([("how big is horgos",), ("where is the zone",)])

        for keystrokes in ("wh", "what", ""):  # typed, then cleared: nothing asked
            standin.inline(OTHER_USER, keystrokes)
        standin.inline(USER + 10, "ab")  # too short to be a question
        standin.wait_for_calls("answerInlineQuery", 9)
        # A query typed after those becomes final after them: once it is logged, so would they be, had they counted.
        standin.inline(USER + 11, "how big is kashgar")
        standin.wait_for_calls("answerInlineQuery", 10)
        eventually([("how big is horgos",), ("how big is kashgar",), ("where is the zone",)])

        standin.inline(USER + 12, "how big is urumqi")
        standin.wait_for_calls("answerInlineQuery", 11)
    # Stopping the bot logs the query still waiting instead of losing it.
    assert sorted(rows(question_db, "SELECT question FROM questions WHERE chat_type = 'inline'")) == [
        ("how big is horgos",), ("how big is kashgar",), ("how big is urumqi",), ("where is the zone",)]


# --- a log that cannot be written -----------------------------------------------------------------------------


def _missing_directories(tmp_path: Path) -> Path:
    return tmp_path / "not" / "yet" / "there" / "questions.sqlite3"


def _parent_is_a_file(tmp_path: Path) -> Path:
    (tmp_path / "blocker").write_text("a file where the directory should be")
    return tmp_path / "blocker" / "questions.sqlite3"


def _not_a_database(tmp_path: Path) -> Path:
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(b"someone's notes, not a database\n" * 200)
    return path


def _read_only_database(tmp_path: Path) -> Path:
    # SQLite must not write a database whose header asks for a newer writer (byte 18 > 2), whoever runs it:
    # read-only even for root, unlike chmod.
    path = tmp_path / "readonly.sqlite3"
    QuestionLog(path).close()
    data = bytearray(path.read_bytes())
    data[18] = 3
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(("make_path", "writable"), [
    (_missing_directories, True), (_parent_is_a_file, False), (_not_a_database, False), (_read_only_database, False)])
def test_answers_and_vote_acknowledgements_keep_flowing_whatever_state_the_database_is_in(
        standin: BotAPIStandIn, matcher: Matcher, tmp_path: Path, make_path, writable: bool,
        all_logs) -> None:
    path = make_path(tmp_path)
    before = path.read_bytes() if path.is_file() else None
    fact, question = answerable(matcher)
    with RunningBot(standin, matcher, db_path=path):
        for user in (USER, USER + 1, USER + 2):
            standin.private_text(user, question)
        answers = standin.wait_for_sent(3)
        assert all(fact.answer_en in a["visible_text"] and set(votes_of(a)) == {"👍", "👎"} for a in answers)
        standin.press(USER, answers[0], votes_of(answers[0])["👍"])
        standin.wait_for_calls("answerCallbackQuery")
    assert press_answers(standin) == ["Thanks! Glad it helped."]
    warnings = [r for r in all_logs.records if r.name.startswith("bot.questionlog") and r.levelno >= logging.WARNING]
    assert not [r for r in all_logs.records if r.exc_info]
    if writable:
        assert not warnings
        assert rows(path, "SELECT count(*) FROM questions") == [(3,)]
        assert rows(path, "SELECT count(*) FROM feedback") == [(1,)]
    else:
        assert len(warnings) == 1 and str(path) in warnings[0].getMessage()
        assert before is None or path.read_bytes() == before  # left alone
        [durability] = [r.getMessage() for r in all_logs.records if r.name == "bot.telegram.polling"]
        assert "answering without durability" in durability  # said once


def test_a_question_log_deleted_mid_run_is_noticed_with_one_warning_and_the_rows_after_it_are_kept(
        standin: BotAPIStandIn, matcher: Matcher, question_db: Path, all_logs) -> None:
    _, question = answerable(matcher)
    admin = 4040
    with RunningBot(standin, matcher, admin_ids=[admin]) as bot:
        for user in range(USER, USER + 3):
            standin.private_text(user, question)
        standin.wait_for_sent(3)
        bot.wait_until_idle()
        assert bot.state.recorder.log is not None and bot.state.recorder.log.flush()
        for path in question_db.parent.glob("questions.sqlite3*"):
            path.unlink()
        for user in range(USER + 10, USER + 15):
            standin.private_text(user, question)
        standin.wait_for_sent(8)
        bot.wait_until_idle()
        assert bot.state.recorder.log.flush()
        status = bot.state.recorder.status()
        standin.private_text(admin, "/stats")
        [stats] = standin.wait_for_sent(1, admin)
    warnings = [r.getMessage() for r in all_logs.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "was deleted while the bot was running" in warnings[0]
    assert rows(question_db, "SELECT count(*) FROM questions") == [(5,)]  # every row after the deletion
    assert status is not None and status.available and status.lost_with_file == 3 and status.written == 8
    assert len(status.incidents) == 1 and "deleted" in status.incidents[0]
    assert "questions: 5" in stats["visible_text"]  # /stats tells the truth: the new file's rows, and what went
    assert "Lost with the file: 3 rows" in stats["visible_text"] and "was deleted" in stats["visible_text"]


# --- a burst --------------------------------------------------------------------------------------------------


def test_a_burst_of_200_users_loses_no_row_and_the_report_counts_every_question(
        standin: BotAPIStandIn, matcher: Matcher, question_db: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    pool = [answerable(matcher, skip=n)[1] for n in range(5)] + [NOT_IN_ARTICLE, "hello"]
    asked = {10_000 + n: f"{pool[n % len(pool)]}" for n in range(200)}
    # Telegram's 30 messages a second are not the point here: without the limit the burst takes a second, not 7.
    with RunningBot(standin, matcher, delivery=Delivery(messages_per_second=0, group_messages_per_minute=0)):
        for user, text in asked.items():
            standin.private_text(user, text)
        standin.wait_for_sent(200, timeout=30)
    assert all(len(standin.sent_to(user)) == 1 for user in asked)
    assert logged(question_db) == sorted(expected(matcher, "private", text) for text in asked.values())
    assert len(set(rows(question_db, "SELECT id FROM questions"))) == 200
    report = report_json(question_db, capsys)
    assert report["total"] == 200
    outcomes = [matcher.match(text).outcome for text in asked.values()]
    assert {o: report["outcomes"][o]["count"] for o in report["outcomes"]} == {
        str(o): outcomes.count(o) for o in Outcome}
