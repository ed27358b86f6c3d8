"""Inline keyboards and their callback data: `<kind>:<id>:<language>`, at most 64 bytes, checked when it comes back.

`t:size:en` shows a topic's facts, `f:total_area:zh` shows one fact. A payload that does not parse, is too long, or
names a topic or fact the fact base does not have (an old button after the knowledge changed, or a forged one) is
refused by `parse_press`, and the handler only answers the button press politely.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.formatting import TELEGRAM_CALLBACK_LIMIT, snippet, topic_title
from bot.knowledge import FactBase, Topic
from bot.matcher import Match, Matcher

TOPIC, FACT = "t", "f"
_PAYLOAD = re.compile(r"(t|f):([A-Za-z0-9_.-]{1,56}):(en|zh)", re.ASCII)
_BUTTON_TEXT = 60  # characters; longer questions are cut with an ellipsis


@dataclass(frozen=True)
class Press:
    """A valid button press: show topic or fact `target` in `language`."""

    kind: str
    target: str
    language: str


def callback_data(kind: str, target: str, language: str) -> str | None:
    """The payload for a button, or None when it cannot be encoded within Telegram's 64 bytes."""
    data = f"{kind}:{target}:{'zh' if language == 'zh' else 'en'}"
    if len(data.encode("utf-8")) > TELEGRAM_CALLBACK_LIMIT or not _PAYLOAD.fullmatch(data):
        return None
    return data


def parse_press(data: object, fact_base: FactBase) -> Press | None:
    """The press a payload stands for, or None for anything unknown, stale or forged."""
    if not isinstance(data, str) or len(data) > TELEGRAM_CALLBACK_LIMIT:
        return None
    parsed = _PAYLOAD.fullmatch(data)
    if parsed is None:
        return None
    kind, target, language = parsed.groups()
    if kind == TOPIC and fact_base.topic(target) is None:
        return None
    if kind == FACT and fact_base.fact(target) is None:
        return None
    return Press(kind, target, language)


def _keyboard(buttons: list[tuple[str, str | None]], per_row: int) -> InlineKeyboardMarkup | None:
    usable = [InlineKeyboardButton(snippet(text, _BUTTON_TEXT), callback_data=data) for text, data in buttons if data]
    if not usable:
        return None
    return InlineKeyboardMarkup([usable[i:i + per_row] for i in range(0, len(usable), per_row)])


def topics_keyboard(fact_base: FactBase, language: str) -> InlineKeyboardMarkup | None:
    """One button per topic, two to a row."""
    return _keyboard([(topic_title(t, language), callback_data(TOPIC, t.id, language)) for t in fact_base.topics], 2)


def topic_facts_keyboard(fact_base: FactBase, topic: Topic, language: str) -> InlineKeyboardMarkup | None:
    """One button per fact of a topic, labelled with the fact's question."""
    return _keyboard([(Matcher.display_question(f, language), callback_data(FACT, f.id, language))
                      for f in fact_base.facts_in_topic(topic.id)], 1)


def suggestions_keyboard(match: Match) -> InlineKeyboardMarkup | None:
    """"Did you mean…": up to three buttons, each answering its fact."""
    return _keyboard([(s.question, callback_data(FACT, s.fact_id, match.language)) for s in match.suggestions[:3]], 1)
