"""What the matcher makes of a message: an outcome, the fact answered or offered, and why nothing was.

Plain typed data shared by the matcher, the conversation layer, formatting, the question log and the front ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.knowledge import Fact


class Outcome(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    NO_MATCH = "no_match"
    SMALL_TALK = "small_talk"


class Verdict(StrEnum):
    """How a yes/no question is answered, before the fact: "Yes — …" or "No — …"."""

    YES = "yes"
    NO = "no"


class Refusal(StrEnum):
    """Why nothing was answered: the kinds a curator can act on."""

    OUTSIDE = "outside the article"
    NOT_GIVEN = "not in the article"
    NO_KNOWN_WORDS = "no known words"
    TOO_WEAK = "no fact matches well enough"
    UNSURE = "not confident enough"
    SEVERAL = "several facts fit"


# The `reason` of a clause that is no question of its own ("…, is Horgos?" after a question): not shown, not logged.
FRAGMENT = "a fragment of a question"


@dataclass(frozen=True)
class Suggestion:
    """A fact offered as "did you mean", with the question to show for it."""

    fact_id: str
    question: str
    confidence: int


@dataclass(frozen=True)
class ClosestFact:
    """The fact nearest to a question nobody could answer (`Matcher.closest_fact`), and how that was judged."""

    fact_id: str
    confidence: int  # 0–100
    # "matcher": the matcher answers or suggests it; "below threshold": its best fact, under the bar for a suggestion;
    # "logged": the suggestion offered when the question was asked (`bot.report`, when it has no matcher's word)
    basis: str
    answered: bool = False  # the matcher answers the question with this fact: the fact base has caught up


@dataclass(frozen=True)
class Match:
    """What the matcher made of one message (of one question in it; `parts` holds each when there are several)."""

    question: str
    outcome: Outcome
    language: str
    fact: Fact | None = None
    confidence: int = 0
    suggestions: tuple[Suggestion, ...] = ()
    small_talk: str | None = None  # greeting, thanks, goodbye, about_bot, acknowledgement
    reason: str | None = None  # why nothing was answered, for logs and curators
    verdict: Verdict | None = None  # for a yes/no question: the Yes or No its answer starts with
    parts: tuple[Match, ...] = ()  # a message with several questions: one match per question, in order
    semantic: bool = False  # the semantic layer decided this answer
    follow_up: bool = False  # resolved against the conversation ("and Kashgar?"), or a choice picked by number

    @property
    def answered(self) -> bool:
        return self.outcome is Outcome.ANSWER

    @property
    def refusal(self) -> Refusal | None:
        """The kind of refusal its reason gives ("outside the article: shanghai"), if it is one."""
        if self.outcome is not Outcome.NO_MATCH or self.reason is None:
            return None
        return next((kind for kind in Refusal if self.reason.startswith(kind.value)), None)

    @property
    def refused(self) -> bool:
        """Refused for what it asks (an explicit "not in the article" rule), not for want of a match."""
        return self.refusal in (Refusal.OUTSIDE, Refusal.NOT_GIVEN)
