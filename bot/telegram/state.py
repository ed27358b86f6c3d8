"""What the handlers share: the matcher being served, the question recorder, the admins and the conversations,
kept in `application.bot_data` as one `BotState`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

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
    on_new_matcher: list[Callable[[Matcher], None]] = field(default_factory=list, repr=False)  # after use_matcher

    def __post_init__(self) -> None:
        self.conversations = Conversations(self.matcher, memory_seconds=self.conversation_seconds)

    @property
    def fact_base(self) -> FactBase:
        return self.matcher.fact_base

    def use_matcher(self, matcher: Matcher) -> None:
        """Serve `matcher` from now on, with fresh conversations."""
        self.matcher = matcher
        self.conversations = Conversations(matcher, memory_seconds=self.conversation_seconds)
        for hook in self.on_new_matcher:
            hook(matcher)


def bot_state(application: Application) -> BotState:
    """The handlers' shared state: the matcher being served, the question log, the admins."""
    return application.bot_data[STATE_KEY]


def state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    """`bot_state` of the application a handler runs in."""
    return bot_state(context.application)
