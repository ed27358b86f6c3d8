"""Settings from environment variables, with a `.env` file in the working directory read when present.

The only module that reads the environment: the rest of the bot gets `Settings`, or asks the `configured_…`
functions here for the one variable it falls back on (the knowledge folder, the question log, the health check).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.deployment import DEFAULT_LISTEN, Listen, production_settings

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
KNOWLEDGE_DIR_VARIABLE = "BOT_KNOWLEDGE_DIR"
DB_PATH_VARIABLE = "BOT_DB_PATH"
METRICS_LISTEN_VARIABLE = "METRICS_LISTEN"
DEFAULT_CONVERSATION_MINUTES = 10.0  # bot.conversation.DEFAULT_MEMORY_SECONDS, in minutes


@dataclass(frozen=True)
class Delivery:
    """The numbers behind delivery, fairness and durability (see docs/delivery.md for why each default).

    * `messages_per_second`: messages the bot sends a second, all chats together (Telegram's limit is about 30);
      0 switches the limit off (the benchmark does).
    * `group_messages_per_minute`: messages to one group a minute (Telegram's limit: 20); 0 switches it off.
    * `chat_backlog`: questions of one chat waiting for their turn; beyond it the oldest is dropped (logged with
      outcome "dropped"). 10 is 30 s of a group's answers at 20 a minute.
    * `max_in_flight`: updates fetched and not yet answered, all chats together; the bot stops fetching at this
      many (Telegram keeps the rest), which bounds memory in a flood.
    * `handler_slots`: updates being worked on at once (matching and sending). A chat waiting for its rate
      limit or a 429 gives its slot back while it waits.
    * `stop_grace`: seconds a stop (SIGTERM, Ctrl-C) spends finishing answers before leaving the rest in the
      inbox; under Docker's 10 s before SIGKILL.
    * `inbox_max_age`: seconds after which a question still waiting (in the inbox across a restart, or held by
      Telegram while the bot was down) is not answered but logged as expired.
    * `flood_retries`: times a 429 is waited out before the message is given up.
    """

    messages_per_second: float = 30.0
    group_messages_per_minute: float = 20.0
    chat_backlog: int = 10
    max_in_flight: int = 500
    handler_slots: int = 32
    stop_grace: float = 8.0
    inbox_max_age: float = 3600.0
    flood_retries: int = 3


@dataclass(frozen=True)
class Settings:
    """What the bot needs to run. The token is kept out of `repr` so it cannot leak into logs or tracebacks."""

    token: str = field(default="", repr=False)
    base_url: str = DEFAULT_BASE_URL
    knowledge_dir: Path | None = None
    log_level: str = "INFO"
    db_path: Path | None = None
    admin_ids: frozenset[int] = frozenset()
    # --- production (bot/deployment.py, docs/deployment.md): webhook mode when webhook_url is set; the health and
    # metrics endpoint when metrics_listen is set.
    webhook_url: str = ""
    webhook_secret: str = field(default="", repr=False)
    webhook_listen: Listen = DEFAULT_LISTEN
    metrics_listen: Listen | None = None
    # --- end production
    delivery: Delivery = Delivery()
    # Minutes a conversation's context lasts: a follow-up ("and Kashgar?") is read against the last answers given
    # in the same private chat (or to the same user in a group) within this time.
    conversation_minutes: float = DEFAULT_CONVERSATION_MINUTES

    @property
    def conversation_seconds(self) -> float:
        return self.conversation_minutes * 60.0

    @property
    def has_token(self) -> bool:
        return bool(self.token)


class SettingsError(ValueError):
    """A setting has a value the bot cannot use; the message names the variable and what to do."""


def load_settings(env_file: Path | str | None = ".env") -> Settings:
    """Read settings from the environment (and `.env`, which never overrides a variable already set)."""
    if env_file is not None and Path(env_file).is_file():
        # Imported here, so that importing this module stays standard library only (bot.healthcheck does).
        from dotenv import load_dotenv

        load_dotenv(env_file, override=False)
    level = os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise SettingsError(f"LOG_LEVEL={level!r} is not a level; use DEBUG, INFO, WARNING or ERROR")
    try:
        production = production_settings(os.environ)  # webhook and metrics variables (bot/deployment.py)
    except ValueError as problem:
        raise SettingsError(str(problem)) from None
    return Settings(
        token=os.environ.get("TELEGRAM_BOT_TOKEN", "").strip(),
        base_url=os.environ.get("TELEGRAM_BASE_URL", "").strip() or DEFAULT_BASE_URL,
        knowledge_dir=configured_knowledge_dir(),
        log_level=level,
        db_path=configured_db_path(),
        admin_ids=_parse_ids(os.environ.get("BOT_ADMIN_IDS", "")),
        **production,
        delivery=load_delivery(),
        conversation_minutes=_conversation_minutes(),
    )


def configured_knowledge_dir() -> Path | None:
    """BOT_KNOWLEDGE_DIR: the knowledge folder to use instead of the bundled one; None when unset."""
    return _path(KNOWLEDGE_DIR_VARIABLE)


def configured_db_path() -> Path | None:
    """BOT_DB_PATH: the question log's file instead of the knowledge folder's own; None when unset."""
    return _path(DB_PATH_VARIABLE)


def configured_metrics_listen() -> str:
    """METRICS_LISTEN as written (`host:port`, or empty): where the running bot serves /healthz and /metrics."""
    return os.environ.get(METRICS_LISTEN_VARIABLE, "").strip()


def _path(variable: str) -> Path | None:
    raw = os.environ.get(variable, "").strip()
    return Path(raw).expanduser() if raw else None


# variable -> (Delivery field, smallest value allowed, whole numbers only)
DELIVERY_VARIABLES: dict[str, tuple[str, float, bool]] = {
    "BOT_MESSAGES_PER_SECOND": ("messages_per_second", 0, False),
    "BOT_GROUP_MESSAGES_PER_MINUTE": ("group_messages_per_minute", 0, False),
    "BOT_CHAT_BACKLOG": ("chat_backlog", 1, True),
    "BOT_MAX_IN_FLIGHT": ("max_in_flight", 1, True),
    "BOT_HANDLER_SLOTS": ("handler_slots", 1, True),
    "BOT_STOP_GRACE_SECONDS": ("stop_grace", 0, False),
    "BOT_INBOX_MAX_AGE_SECONDS": ("inbox_max_age", 1, False),
    "BOT_FLOOD_RETRIES": ("flood_retries", 0, True),
}


def load_delivery() -> Delivery:
    """`Delivery` from the BOT_… variables in `DELIVERY_VARIABLES`; an empty or unset one keeps its default."""
    values: dict[str, Any] = {}  # field -> value: an int or a float, as DELIVERY_VARIABLES says
    for variable, (name, smallest, whole) in DELIVERY_VARIABLES.items():
        raw = os.environ.get(variable, "").strip()
        if not raw:
            continue
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < smallest or (whole and not value.is_integer()):
            kind = "a whole number" if whole else "a number"
            raise SettingsError(f"{variable}={raw!r} is not {kind} of at least {smallest:g}")
        values[name] = int(value) if whole else value
    return Delivery(**values)


def _conversation_minutes() -> float:
    """BOT_CONVERSATION_MINUTES: how long a conversation's context lasts (0: no follow-ups); empty: 10."""
    raw = os.environ.get("BOT_CONVERSATION_MINUTES", "").strip()
    if not raw:
        return DEFAULT_CONVERSATION_MINUTES
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise SettingsError(f"BOT_CONVERSATION_MINUTES={raw!r} is not a number of minutes (0 or more)")
    return value


def _parse_ids(raw: str) -> frozenset[int]:
    ids = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise SettingsError(f"BOT_ADMIN_IDS: {part!r} is not a Telegram user id; list numbers separated by commas")
        ids.add(int(part))
    return frozenset(ids)
