"""Inline keyboards and their callback data, at most 64 bytes, checked when it comes back.

Four kinds of payload:

* `t:size:en` shows a topic's facts, `f:total_area:zh` shows one fact (browsing);
* `c:total_area:en:<row>` answers a "did you mean" choice: the fact, plus the question log row of the clarification
  it was offered for (in hexadecimal), so the choice can be logged with the question that was asked;
* `v:<row>:u` / `v:<row>:d` is a 👍 / 👎 on the answer logged as `<row>` (in hexadecimal).

A payload that does not parse, is too long, or names a topic or fact the fact base does not have (an old button
after the knowledge changed, or a forged one) is refused by `parse_press` / `parse_vote`, and the handler only
answers the button press politely. Payloads that write to the question log (`c`, `v`) must also be among the
buttons of the message they were pressed on (`offered`), so a forged one cannot vote on someone else's answer.

Keyboards are built as the Bot API's own JSON (`InlineKeyboard`, plain dicts), which python-telegram-bot sends
as they are. Built as `InlineKeyboardButton` / `InlineKeyboardMarkup` objects and turned back into JSON, the two
👍 / 👎 buttons under every answer cost 57 µs of CPU per reply; as dicts, 8 µs (docs/benchmarks.md, "The question
log on and off"). Pressed buttons arrive as python-telegram-bot objects, as usual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

from telegram import MaybeInaccessibleMessage, Message

from bot.formatting import TELEGRAM_CALLBACK_LIMIT, snippet, topic_title
from bot.knowledge import FactBase, Topic
from bot.match import Match
from bot.matcher import Matcher

TOPIC, FACT, CHOICE, VOTE = "t", "f", "c", "v"
UP, DOWN = 1, -1
_PAYLOAD = re.compile(r"(t|f):([A-Za-z0-9_.-]{1,56}):([a-z]{2})", re.ASCII)
_CHOICE = re.compile(r"c:([A-Za-z0-9_.-]{1,56}):([a-z]{2}):([0-9a-f]{1,16})", re.ASCII)
_VOTE = re.compile(r"v:([0-9a-f]{1,16}):([ud])", re.ASCII)
_VOTE_CODES = {UP: "u", DOWN: "d"}
_MAX_ROW = 2**63 - 1  # SQLite's largest integer key
_BUTTON_TEXT = 60  # characters; longer questions are cut with an ellipsis
FEEDBACK_LABELS = {UP: "👍", DOWN: "👎"}

Button: TypeAlias = dict[str, str]
InlineKeyboard: TypeAlias = dict[str, list[list[Button]]]
"""The Bot API's InlineKeyboardMarkup: {"inline_keyboard": [[{"text": ..., "callback_data": ...}, ...], ...]}."""


@dataclass(frozen=True)
class Press:
    """A valid button press: show topic or fact `target` in `language` (for a choice, `row` is the clarification's
    question log row)."""

    kind: str
    target: str
    language: str
    row: int | None = None


@dataclass(frozen=True)
class VotePress:
    """A valid 👍 (+1) or 👎 (-1) press on the answer logged as `row`."""

    row: int
    vote: int


def _row(text: str) -> int | None:
    value = int(text, 16)
    return value if 0 < value <= _MAX_ROW else None


def _fits(data: str) -> bool:
    return len(data.encode("utf-8")) <= TELEGRAM_CALLBACK_LIMIT


def callback_data(kind: str, target: str, language: str) -> str | None:
    """The payload for a topic or fact button, or None when it cannot be encoded within Telegram's 64 bytes."""
    data = f"{kind}:{target}:{language}"
    if not _fits(data) or not _PAYLOAD.fullmatch(data):
        return None
    return data


def choice_data(fact_id: str, language: str, row: int) -> str | None:
    """The payload for a "did you mean" button that answers `fact_id` and logs the choice against clarification
    `row`; None when it would not fit (the caller then falls back to a plain fact button)."""
    if not 0 < row <= _MAX_ROW:
        return None
    data = f"{CHOICE}:{fact_id}:{language}:{row:x}"
    return data if _fits(data) and _CHOICE.fullmatch(data) else None


def vote_data(row: int, vote: int) -> str | None:
    """The payload of the 👍 (vote +1) or 👎 (vote -1) button under the answer logged as `row`."""
    if not 0 < row <= _MAX_ROW or vote not in _VOTE_CODES:
        return None
    return f"{VOTE}:{row:x}:{_VOTE_CODES[vote]}"


def parse_press(data: object, fact_base: FactBase) -> Press | None:
    """The topic, fact or choice press a payload stands for, or None for anything unknown, stale or forged."""
    if not isinstance(data, str) or len(data) > TELEGRAM_CALLBACK_LIMIT:
        return None
    choice = _CHOICE.fullmatch(data)
    if choice is not None:
        target, language, row_text = choice.groups()
        row = _row(row_text)
        if row is None or fact_base.fact(target) is None or language not in fact_base.messages.languages:
            return None
        return Press(CHOICE, target, language, row)
    parsed = _PAYLOAD.fullmatch(data)
    if parsed is None:
        return None
    kind, target, language = parsed.groups()
    if language not in fact_base.messages.languages:
        return None
    if kind == TOPIC and fact_base.topic(target) is None:
        return None
    if kind == FACT and fact_base.fact(target) is None:
        return None
    return Press(kind, target, language)


def parse_vote(data: object) -> VotePress | None:
    """The vote a payload stands for, or None when it is not a well-formed vote payload."""
    if not isinstance(data, str) or len(data) > TELEGRAM_CALLBACK_LIMIT:
        return None
    parsed = _VOTE.fullmatch(data)
    if parsed is None:
        return None
    row = _row(parsed.group(1))
    if row is None:
        return None
    return VotePress(row, UP if parsed.group(2) == "u" else DOWN)


def offered(message: MaybeInaccessibleMessage | None, data: str) -> bool:
    """Whether the message a button was pressed on carries a button with this payload.

    Telegram sends the message along with the press; a client that makes up callback data cannot make the bot's
    message carry it. A message too old for Telegram to include (inaccessible) cannot be checked and is trusted:
    the payload has been parsed already, and a vote for a row the log does not hold is ignored by the log.
    """
    if message is None:
        return False
    if not isinstance(message, Message):
        return True
    markup = message.reply_markup
    if markup is None:
        return False
    return any(button.callback_data == data for row in markup.inline_keyboard for button in row)


def _keyboard(buttons: list[tuple[str, str | None]], per_row: int) -> InlineKeyboard | None:
    usable = [{"text": snippet(text, _BUTTON_TEXT), "callback_data": data} for text, data in buttons if data]
    if not usable:
        return None
    return {"inline_keyboard": [usable[i:i + per_row] for i in range(0, len(usable), per_row)]}


def topics_keyboard(fact_base: FactBase, language: str) -> InlineKeyboard | None:
    """One button per topic, two to a row."""
    return _keyboard([(topic_title(t, language), callback_data(TOPIC, t.id, language)) for t in fact_base.topics], 2)


def topic_facts_keyboard(fact_base: FactBase, topic: Topic, language: str) -> InlineKeyboard | None:
    """One button per fact of a topic, labelled with the fact's question."""
    return _keyboard([(Matcher.display_question(f, language), callback_data(FACT, f.id, language))
                      for f in fact_base.facts_in_topic(topic.id)], 1)


def suggestions_keyboard(match: Match, row: int | None = None) -> InlineKeyboard | None:
    """"Did you mean…": up to three buttons, each answering its fact. With the clarification's log `row`, a press
    is logged as the user's choice (see `choice_data`)."""
    buttons = []
    for suggestion in match.suggestions[:3]:
        data = choice_data(suggestion.fact_id, match.language, row) if row is not None else None
        buttons.append((suggestion.question, data or callback_data(FACT, suggestion.fact_id, match.language)))
    return _keyboard(buttons, 1)


def with_feedback(markup: InlineKeyboard | None, row: int | None) -> InlineKeyboard | None:
    """`markup` with a last row of 👍 / 👎 buttons for the answer logged as `row` (unchanged when `row` is None:
    with no log row there is nothing to vote on)."""
    if row is None:
        return markup
    votes = [{"text": label, "callback_data": data} for vote, label in FEEDBACK_LABELS.items()
             if (data := vote_data(row, vote)) is not None]
    if len(votes) != len(FEEDBACK_LABELS):
        return markup
    rows = markup["inline_keyboard"] if markup is not None else []
    return {"inline_keyboard": [*rows, votes]}
