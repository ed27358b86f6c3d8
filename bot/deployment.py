"""The production settings: webhook mode and the health/metrics endpoint (see docs/deployment.md).

`production_settings(environ)` reads TELEGRAM_WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET, WEBHOOK_LISTEN and
METRICS_LISTEN and returns the matching `bot.config.Settings` fields; every problem is a `ValueError` whose message
is one line naming the variable and what to do (`load_settings` turns it into a `SettingsError`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple, TypedDict
from urllib.parse import urlsplit

DEFAULT_WEBHOOK_LISTEN = "127.0.0.1:8080"
# What Telegram accepts as a secret_token: 1-256 characters, A-Z a-z 0-9 _ and -.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_MAKE_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"


class Listen(NamedTuple):
    """A `host:port` to bind. Port 0 (tests) lets the system choose."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_listen(variable: str, raw: str) -> Listen:
    """`host:port` (`[::1]:9090` for IPv6; a bare `:9090` means every interface) → `Listen`."""
    text = raw.strip()
    host, sep, port = text.rpartition(":")
    host = host.strip("[]") if host.startswith("[") else host
    if not sep or not port.isdigit() or int(port) > 65535 or (":" in host and not text.startswith("[")):
        raise ValueError(f"{variable}={raw!r} is not host:port; write e.g. 127.0.0.1:8080 or [::1]:8080")
    return Listen(host or "0.0.0.0", int(port))


class ProductionSettings(TypedDict):
    """The `Settings` fields `production_settings` fills."""

    webhook_url: str
    webhook_secret: str
    webhook_listen: Listen
    metrics_listen: Listen | None


def production_settings(environ: Mapping[str, str]) -> ProductionSettings:
    """The webhook and metrics fields of `Settings`, checked; raises ValueError with one line on a bad value."""
    url = environ.get("TELEGRAM_WEBHOOK_URL", "").strip()
    secret = environ.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
    webhook_listen = parse_listen("WEBHOOK_LISTEN", environ.get("WEBHOOK_LISTEN", "").strip() or DEFAULT_WEBHOOK_LISTEN)
    raw_metrics = environ.get("METRICS_LISTEN", "").strip()
    metrics_listen = parse_listen("METRICS_LISTEN", raw_metrics) if raw_metrics else None
    if url:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(f"TELEGRAM_WEBHOOK_URL={url!r} must be the public https:// URL Telegram posts to "
                             "(Telegram only delivers to HTTPS)")
        if not secret:
            raise ValueError("TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not: webhook mode needs a "
                             f"secret (1-256 of A-Z a-z 0-9 _ -), e.g. from {_MAKE_SECRET}")
        if not _SECRET.fullmatch(secret):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET may only hold 1-256 of A-Z a-z 0-9 _ and - (Telegram's rule); "
                             f"make one with {_MAKE_SECRET}")
        if metrics_listen is not None and metrics_listen.port == webhook_listen.port and metrics_listen.port:
            raise ValueError(f"METRICS_LISTEN ({metrics_listen}) must not use the webhook's port "
                             f"({webhook_listen}): health and metrics are never served on the public port")
    return {"webhook_url": url, "webhook_secret": secret if url else "", "webhook_listen": webhook_listen,
            "metrics_listen": metrics_listen}


def webhook_path(url: str) -> str:
    """The path of the public webhook URL, which the local webhook server serves (`/` when it has none)."""
    return urlsplit(url).path or "/"


DEFAULT_LISTEN = parse_listen("WEBHOOK_LISTEN", DEFAULT_WEBHOOK_LISTEN)
