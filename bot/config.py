"""Settings from environment variables, with a `.env` file in the working directory read when present."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import load_dotenv

from bot.deployment import DEFAULT_LISTEN, Listen, production_settings

DEFAULT_BASE_URL = "https://api.telegram.org/bot"


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

    @property
    def has_token(self) -> bool:
        return bool(self.token)


class SettingsError(ValueError):
    """A setting has a value the bot cannot use; the message names the variable and what to do."""


def load_settings(env_file: Path | str | None = ".env") -> Settings:
    """Read settings from the environment (and `.env`, which never overrides a variable already set)."""
    if env_file is not None and Path(env_file).is_file():
        load_dotenv(env_file, override=False)
    knowledge = os.environ.get("BOT_KNOWLEDGE_DIR", "").strip()
    db_path = os.environ.get("BOT_DB_PATH", "").strip()
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
        knowledge_dir=Path(knowledge).expanduser() if knowledge else None,
        log_level=level,
        db_path=Path(db_path).expanduser() if db_path else None,
        admin_ids=_parse_ids(os.environ.get("BOT_ADMIN_IDS", "")),
        **production,  # type: ignore[arg-type]
    )


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
