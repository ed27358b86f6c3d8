"""The pieces under the end-to-end tests: callback data (topics, facts, choices, votes) and the question recorder's
rules. Which failed requests are sent again: test_telegram_delivery.py."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from standin import BotAPIStandIn
from telegram import Bot, Chat, InlineKeyboardMarkup, Message, Update

from bot.knowledge import FactBase
from bot.matcher import Matcher
from bot.questionlog import QuestionLog
from bot.telegram.handlers import question_in
from bot.telegram.keyboards import (
    CHOICE,
    DOWN,
    FACT,
    TOPIC,
    UP,
    InlineKeyboard,
    VotePress,
    callback_data,
    choice_data,
    offered,
    parse_press,
    parse_vote,
    topics_keyboard,
    vote_data,
    with_feedback,
)
from bot.telegram.recorder import QuestionRecorder, loggable_inline, redact

NOW_ROW = (1_764_000_000_000 << 16) + 7  # a row id as the question log makes them: milliseconds << 16
LARGEST_ROW = 2**63 - 1


def test_every_topic_and_fact_fits_in_64_bytes_of_callback_data_and_parses_back(
        fact_base: FactBase) -> None:
    targets = [(TOPIC, t.id) for t in fact_base.topics] + [(FACT, f.id) for f in fact_base.facts]
    for kind, target in targets:
        for language in ("en", "zh"):
            data = callback_data(kind, target, language)
            assert data is not None and len(data.encode()) <= 64
            press = parse_press(data, fact_base)
            assert press is not None and (press.kind, press.target, press.language) == (kind, target, language)


@pytest.mark.parametrize("data", [None, "", "t:size", "t:size:en:extra", "t:nope:en", "f:nope:en", "q:size:en",
                                  "t:size:de", "T:size:en", "t:size:en\n", "t:" + "a" * 70 + ":en", 42, "t:sízé:en"])
def test_forged_or_stale_callback_data_is_refused(data: object, fact_base: FactBase) -> None:
    assert parse_press(data, fact_base) is None


def test_callback_data_that_would_not_fit_is_not_made() -> None:
    assert callback_data(TOPIC, "x" * 70, "en") is None
    assert callback_data(TOPIC, "has space", "en") is None


@pytest.mark.parametrize("row", [1, NOW_ROW, LARGEST_ROW])
def test_vote_payloads_fit_in_64_bytes_and_parse_back_to_the_same_row_and_vote(row: int) -> None:
    for vote in (UP, DOWN):
        data = vote_data(row, vote)
        assert data is not None and len(data.encode()) <= 64
        assert parse_vote(data) == VotePress(row, vote)


@pytest.mark.parametrize("data", [None, 42, "", "v:", "v:abc", "v:abc:x", "v:0:u", "v:ABC:u", "v:-5:d", "v:a b:u",
                                  "v:xyz:u", "v:" + "f" * 17 + ":u", "v:" + "f" * 16 + ":u", "v:1:u\n", "V:1:u",
                                  "v:1:u:1", "f:overview:en"])
def test_forged_vote_payloads_are_refused(data: object) -> None:
    assert parse_vote(data) is None


def test_a_choice_payload_fits_in_64_bytes_even_for_the_longest_fact_id_and_parses_back(
        fact_base: FactBase) -> None:
    assert len(choice_data("x" * 41, "zh", LARGEST_ROW).encode()) <= 64  # 41: the longest id knowledge.py allows
    fact = fact_base.facts[0]
    press = parse_press(choice_data(fact.id, "zh", NOW_ROW), fact_base)
    assert press is not None and (press.kind, press.target, press.language, press.row) == (CHOICE, fact.id, "zh",
                                                                                         NOW_ROW)
    assert parse_press(f"c:{fact.id}:en:0", fact_base) is None
    assert parse_press(f"c:no_such_fact:en:{NOW_ROW}", fact_base) is None
    assert choice_data(fact.id, "en", 0) is None


BASICS: InlineKeyboard = {"inline_keyboard": [[{"text": "Basics", "callback_data": "t:basics:en"}]]}


def _message(markup: InlineKeyboard | None) -> Message:
    """The bot's message as a button press brings it back: the keyboard it was sent with, parsed by
    python-telegram-bot."""
    return Message(1, dt.datetime.now(dt.UTC), Chat(5, Chat.PRIVATE),
                   reply_markup=InlineKeyboardMarkup.de_json(markup, None) if markup else None)


def test_a_payload_counts_as_offered_only_when_the_pressed_message_carries_it() -> None:
    markup = with_feedback(BASICS, 99)
    assert markup is not None and len(markup["inline_keyboard"]) == 2
    assert [b["text"] for b in markup["inline_keyboard"][-1]] == ["👍", "👎"]
    up = vote_data(99, UP)
    assert up is not None and offered(_message(markup), up)
    assert not offered(_message(markup), vote_data(98, UP) or "")
    assert not offered(_message(None), up)
    assert not offered(None, up)


def test_without_a_log_row_no_feedback_buttons_are_added() -> None:
    assert with_feedback(BASICS, None) is BASICS
    assert with_feedback(None, None) is None


def test_keyboards_are_the_bot_api_json_that_telegram_accepts(fact_base: FactBase, matcher: Matcher) -> None:
    topics = topics_keyboard(fact_base, "en")
    assert topics is not None
    parsed = InlineKeyboardMarkup.de_json(json.loads(json.dumps(with_feedback(topics, NOW_ROW))), None)
    assert [b.callback_data for b in parsed.inline_keyboard[0]] == \
        [callback_data(TOPIC, t.id, "en") for t in fact_base.topics[:2]]
    assert [b.text for b in parsed.inline_keyboard[-1]] == ["👍", "👎"]


def test_mentions_emails_and_phone_numbers_are_redacted_but_ordinary_at_signs_are_not() -> None:
    assert redact("@alice_w how big is it?") == "@user how big is it?"
    assert redact("mail me@example.com or @bob_smith") == "mail me@example.com or @user"
    assert redact("call 0991 123 4567 now", [("0991 123 4567", "[phone]")]) == "call [phone] now"
    assert redact("size @ 5 km", []) == "size @ 5 km"


def test_an_inline_query_needs_three_characters_or_two_chinese_ones_to_be_logged() -> None:
    assert [loggable_inline(t) for t in ("h", "ho", "how", "面积", "面", "  ")] == [False, False, True, True, False,
                                                                                     False]


def test_a_keystroke_handled_after_a_newer_one_does_not_replace_it(tmp_path: Path,
                                                                  matcher: Matcher) -> None:
    path = tmp_path / "q.sqlite3"

    def logged() -> list[tuple]:
        with contextlib.closing(sqlite3.connect(path)) as connection:
            return connection.execute("SELECT chat_type, question FROM questions").fetchall()

    async def typing() -> None:
        log = QuestionLog(path)
        recorder = QuestionRecorder(log, inline_quiet=0.05)
        recorder.inline_query(7, 12, matcher.match("how big is horgos"))
        recorder.inline_query(7, 11, matcher.match("how big"))  # update 11, handled late
        deadline = asyncio.get_running_loop().time() + 5
        while not (log.flush() and logged()):  # update 12's quiet timer still runs, and logs it
            assert asyncio.get_running_loop().time() < deadline, "the final inline query was never logged"
            await asyncio.sleep(0.01)
        await recorder.close()

    asyncio.run(typing())
    assert logged() == [("inline", "how big is horgos")]


def test_a_recorder_without_a_log_logs_nothing_and_returns_no_row(matcher: Matcher) -> None:
    recorder = QuestionRecorder(None)
    match = matcher.match("how big is horgos")
    assert recorder.question(match, "private") is None
    assert recorder.choice(NOW_ROW, match.fact, "en", "private") is None
    assert not recorder.vote(NOW_ROW, 1, UP)


# --- which updates wait for their chat's turn, and what a dropped one asked -----------------------------------


def _update(text: str, chat: dict) -> Update:
    data = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": chat, "from": BotAPIStandIn.user(55),
                                        "text": text}}
    return Update.de_json(data, Bot("4242424242:AAH-units"))


def test_a_dropped_question_is_read_as_the_handlers_would_read_it_and_other_bots_commands_ask_nothing(
        fact_base) -> None:
    private = {"id": 55, "type": "private"}
    assert question_in(_update("  how big is it? ", private), "ftz_bot", fact_base)[:3] == (
        "how big is it?", "private", "en")
    assert question_in(_update("/ask@ftz_bot 多大？", private), "ftz_bot", fact_base)[:3] == ("多大？", "private", "zh")
    assert question_in(_update("/ask@ftz_bot какая площадь?", private), "ftz_bot", fact_base)[2] == "ru"
    assert question_in(_update("/ask@other_bot how big?", private), "ftz_bot", fact_base) is None
    assert question_in(_update("/help", private), "ftz_bot", fact_base) is None
