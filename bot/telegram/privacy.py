"""Telling chats apart in log lines without naming them.

At INFO and above the bot's log lines carry no Telegram user id, chat id, name or username. Where a line must say
which chat it is about (a 429 for one chat, a question dropped from one chat's backlog), it carries `chat_tag`: the
first 8 hex digits of an HMAC-SHA256 of the id under a key made at random when the process starts. Lines of one run
can be matched to each other; a tag cannot be matched to a chat id without the key, which is never written
anywhere, nor to the tags of another run.
"""

from __future__ import annotations

import hmac
import secrets
from hashlib import sha256

_KEY = secrets.token_bytes(16)


def chat_tag(chat_id: object) -> str:
    """A short keyed hash of a chat (or user) id, for log lines: the same id gives the same tag within one run."""
    return hmac.new(_KEY, str(chat_id).encode(), sha256).hexdigest()[:8]
