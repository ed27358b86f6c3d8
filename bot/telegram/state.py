"""What the handlers share: the matcher being served, the question recorder, the admins and the conversations,
kept in `application.bot_data` as one `BotState`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from telegram.ext import Application, ContextTypes

from bot.conversation import DEFAULT_MEMORY_SECONDS, Conversations
from bot.knowledge import FactBase
from bot.matcher import Matcher
from bot.telegram.recorder import QuestionRecorder

STATE_KEY = "ftz_facts"


@dataclass
class BotState:
    """What the handlers share, kept in `application.bot_data`. `use_matcher` swaps in a new fact base; a handler
    reads `matcher` once, so an update in flight finishes with the fact base it started with."""

    matcher: Matcher
    recorder: QuestionRecorder = field(default_factory=lambda: QuestionRecorder(None))
    admin_ids: frozenset[int] = frozenset()
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    conversation_seconds: float = DEFAULT_MEMORY_SECONDS
    conversations: Conversations = field(init=False, repr=False)
    on_token_rejected: Callable[[], None] | None = field(default=None, repr=False)  # a 401: the bot must stop
    _examples: dict[tuple[int, str], tuple[str, ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.conversations = Conversations(self.matcher, memory_seconds=self.conversation_seconds)

    @property
    def fact_base(self) -> FactBase:
        return self.matcher.fact_base

    def use_matcher(self, matcher: Matcher) -> None:
        """Serve `matcher` from now on (the examples cache is keyed by matcher, and ids can be reused)."""
        self.matcher = matcher
        self._examples.clear()
        self.conversations = Conversations(matcher, memory_seconds=self.conversation_seconds)

    def examples(self, language: str, count: int = 3) -> tuple[str, ...]:
        """Example questions for /help: the first question of each topic's first fact that the matcher answers
        with that very fact."""
        key = (id(self.matcher), language)
        if key not in self._examples:
            picked = []
            for topic in self.fact_base.topics:
                facts = self.fact_base.facts_in_topic(topic.id)
                if not facts:
                    continue
                question = Matcher.display_question(facts[0], language)
                if self.matcher.match(question).fact == facts[0]:
                    picked.append(question)
            if not picked:  # a matcher that answers none of them still gets examples to show
                picked = [Matcher.display_question(f, language) for f in self.fact_base.facts[:count]]
            self._examples[key] = tuple(picked[:count])
        return self._examples[key]


def bot_state(application: Application) -> BotState:
    """The handlers' shared state: the matcher being served, the question log, the admins."""
    return cast(BotState, application.bot_data[STATE_KEY])


def state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    """`bot_state` of the application a handler runs in."""
    return bot_state(context.application)
