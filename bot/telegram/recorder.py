"""What the Telegram bot writes to the question log, and when: the rules of the curator loop on the bot's side.

* A question the matcher handled in a private chat, or in a group when it was addressed to the bot (a mention, a
  reply to the bot, `/ask`), is logged at once, and its row id goes on the reply's 👍 / 👎 buttons. Group messages
  the bot ignores never reach a handler, so nothing about them is stored. Empty or over-long messages never reach
  the matcher and are not logged either.
* A "did you mean" choice is logged as its own row: the question that was asked (remembered in memory for the
  last `CLARIFY_MEMORY` clarifications; after a restart the fact's own question stands in), outcome `answer`, the
  chosen fact, and the reason `CHOICE_REASON`. Each choice is logged once per "did you mean" message, however
  often it is pressed (remembered for the last `CLARIFY_MEMORY` choices): a press again shows the fact with the
  👍 / 👎 of the first row. The clarification stays logged too, so the to-do list still shows
  the question the matcher could not settle, and the choice says which fact the person meant.
* Inline queries arrive keystroke by keystroke ("h", "ho", "how b", …). Only the *final* query of each user is
  logged: the newest one, once that user has sent no other inline query for `INLINE_QUIET_SECONDS`. A newer query
  replaces the waiting one (even an empty one, which means the field was cleared: then nothing is logged), and a
  final query under `INLINE_MIN_CHARS` characters (2 for Chinese) is not logged, so an abandoned "h" does not
  reach the to-do list. Waiting queries are logged at shutdown rather than lost. The user id is used only as the
  in-memory key of the waiting query; it is never written.
* @usernames, and the names, e-mail addresses and phone numbers Telegram marks in a message, are replaced by
  placeholders before the text is logged: the log keeps questions, not who was talked about.

Every call here returns at once: `QuestionLog` only queues rows for its writer thread, and nothing here awaits
database I/O except `close`, which runs the log's final flush in a worker thread at shutdown. A bug in logging is
reported once and never reaches the handler that is answering.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from bot.knowledge import Fact
from bot.match import Match, Outcome
from bot.matcher import Matcher
from bot.questionlog import LogChatType, LogStatus, QuestionLog
from bot.text import has_cjk

_LOGGER = logging.getLogger(__name__)

INLINE_QUIET_SECONDS = 3.0  # Telegram sends an inline query per pause in typing; this long without one: final
INLINE_MIN_CHARS = 3
CLARIFY_MEMORY = 2048  # clarifications whose question is remembered for a choice (~1 MB at most)
CHOICE_REASON = "chosen from “did you mean”"
_MAX_WAITING_INLINE = 10_000  # users typing at once; beyond this the oldest waiting query is logged early

# A Telegram @username: 5–32 letters, digits and underscores (not inside an e-mail address).
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z][A-Za-z0-9_]{4,31}\b", re.ASCII)
MENTION_PLACEHOLDER = "@user"


@dataclass(frozen=True)
class _Clarified:
    question: str
    confidences: dict[str, int]


@dataclass
class _WaitingInline:
    sequence: int
    match: Match
    timer: asyncio.TimerHandle


def redact(text: str, personal: Iterable[tuple[str, str]] = ()) -> str:
    """`text` with each (span, placeholder) of `personal` replaced, and any @username left replaced by @user."""
    for span, placeholder in personal:
        if span.strip():
            text = text.replace(span, placeholder)
    return _HANDLE.sub(MENTION_PLACEHOLDER, text)


def loggable_inline(text: str) -> bool:
    """Whether a final inline query is long enough to be a question rather than an abandoned start."""
    text = text.strip()
    return len(text) >= (2 if has_cjk(text) else INLINE_MIN_CHARS)


class QuestionRecorder:
    """The bot's side of the question log. With `question_log=None` nothing is logged and answers carry no
    feedback buttons (there would be nothing to record a vote against)."""

    def __init__(self, question_log: QuestionLog | None, *, inline_quiet: float = INLINE_QUIET_SECONDS) -> None:
        self.log = question_log
        self.inline_quiet = inline_quiet
        self._waiting: OrderedDict[int, _WaitingInline] = OrderedDict()
        self._clarified: OrderedDict[int, _Clarified] = OrderedDict()
        self._chosen: OrderedDict[tuple[int, str], int] = OrderedDict()  # (clarify row, fact) -> the choice's row
        self._failed = False

    @property
    def enabled(self) -> bool:
        return self.log is not None

    def status(self) -> LogStatus | None:
        return self.log.status() if self.log is not None else None

    # --- questions ----------------------------------------------------------------------------------------------

    def question(self, match: Match, chat_type: LogChatType | str,
                 personal: Iterable[tuple[str, str]] = ()) -> int | None:
        """Log one handled question; returns its row id (for the 👍 / 👎 buttons), or None when not logging."""
        if self.log is None:
            return None
        try:
            fact = match.fact
            row = self.log.log_question(
                redact(match.question, personal), match.outcome, chat_type=chat_type, language=match.language,
                fact_id=fact.id if fact is not None else None, confidence=match.confidence,
                suggestions=match.suggestions, reason=match.reason, follow_up=match.follow_up)
        except Exception as error:
            self._report(error)
            return None
        if match.outcome is Outcome.CLARIFY:
            self._remember(row, match)
        return row

    def choice(self, clarify_row: int, fact: Fact, language: str, chat_type: LogChatType | str) -> int | None:
        """Log a "did you mean" choice of `fact`, offered for the clarification logged as `clarify_row`."""
        if self.log is None:
            return None
        key = (clarify_row, fact.id)
        chosen = self._chosen.get(key)
        if chosen is not None:  # pressed again: logged once per message
            self._chosen.move_to_end(key)
            return chosen
        remembered = self._clarified.get(clarify_row)
        question = remembered.question if remembered else Matcher.display_question(fact, language)
        confidence = remembered.confidences.get(fact.id, 0) if remembered else 0
        try:
            row = self.log.log_question(question, Outcome.ANSWER, chat_type=chat_type, language=language,
                                        fact_id=fact.id, confidence=confidence, reason=CHOICE_REASON)
        except Exception as error:
            self._report(error)
            return None
        self._chosen[key] = row
        while len(self._chosen) > CLARIFY_MEMORY:
            self._chosen.popitem(last=False)
        return row

    def unanswered(self, found: tuple[str, str, str, Iterable[tuple[str, str]]], outcome: str,
                   reason: str) -> int | None:
        """Log a question that got no answer — `outcome` "dropped" (a chat's backlog was full) or "expired" (it
        waited too long) — so that curators see it. `found` is `handlers.question_in`'s (question, chat type,
        language, personal details)."""
        if self.log is None:
            return None
        question, chat_type, language, personal = found
        try:
            return self.log.log_question(redact(question, personal), outcome, chat_type=chat_type,
                                         language=language, reason=reason)
        except Exception as error:
            self._report(error)
            return None

    def _remember(self, row: int, match: Match) -> None:
        self._clarified[row] = _Clarified(match.question, {s.fact_id: s.confidence for s in match.suggestions})
        while len(self._clarified) > CLARIFY_MEMORY:
            self._clarified.popitem(last=False)

    # --- inline queries ---------------------------------------------------------------------------------------

    def inline_query(self, user_key: int, sequence: int, match: Match | None) -> None:
        """Note the newest inline query of one user (`sequence`: its update id); it is logged once the user has
        been quiet for `inline_quiet` seconds. `match` None (an empty query) cancels the waiting one.

        Must be called from the event loop (it sets a timer there)."""
        if self.log is None:
            return
        waiting = self._waiting.get(user_key)
        if waiting is not None:
            if waiting.sequence > sequence:  # an older keystroke handled after a newer one: it is not the final one
                return
            waiting.timer.cancel()
            del self._waiting[user_key]
        if match is None or not loggable_inline(match.question):
            return
        # A context of its own: the handler's (which holds its rows back until it is answered) is long gone then.
        timer = asyncio.get_running_loop().call_later(self.inline_quiet, self._log_waiting, user_key, sequence,
                                                      context=contextvars.Context())
        self._waiting[user_key] = _WaitingInline(sequence, match, timer)
        while len(self._waiting) > _MAX_WAITING_INLINE:
            _, oldest = self._waiting.popitem(last=False)
            oldest.timer.cancel()
            self.question(oldest.match, LogChatType.INLINE)

    def _log_waiting(self, user_key: int, sequence: int) -> None:
        waiting = self._waiting.get(user_key)
        if waiting is not None and waiting.sequence == sequence:
            del self._waiting[user_key]
            self.question(waiting.match, LogChatType.INLINE)

    def flush_inline(self) -> None:
        """Log every waiting inline query now (at shutdown: the user stopped typing when the bot stopped)."""
        while self._waiting:
            _, waiting = self._waiting.popitem(last=False)
            waiting.timer.cancel()
            self.question(waiting.match, LogChatType.INLINE)

    # --- votes and lifecycle ----------------------------------------------------------------------------------

    def vote(self, row: int, voter_id: int, vote: int) -> bool:
        """Queue a 👍 (+1) / 👎 (-1) by one person on the answer logged as `row`; False when it was not queued."""
        if self.log is None:
            return False
        try:
            return self.log.record_vote(row, voter_id, vote)
        except Exception as error:
            self._report(error)
            return False

    async def close(self) -> None:
        """Log the waiting inline queries, then write everything queued and close the log (in a worker thread:
        the final flush may wait on the disk)."""
        self.flush_inline()
        if self.log is not None:
            await asyncio.to_thread(self.log.close)

    def _report(self, error: Exception) -> None:
        # QuestionLog never raises on database trouble, so this is a bug; say so once, and keep answering.
        if not self._failed:
            self._failed = True
            _LOGGER.error("question log: a row could not be queued; answers continue", exc_info=error)
        else:
            _LOGGER.debug("question log: a row could not be queued: %r", error)
