"""The question log's file: its schema and migrations, where it lives, how times are stored, and reading it.

What is stored, per question: the UTC time, the chat type (private, group, inline or console), the language, the
question text as typed, the matcher's outcome, the fact answered and its confidence, the suggestions offered, and
the matcher's reason when nothing was answered ("not in the article: tourism").
Per vote: the question's row id, +1 or -1, the time, and a *voter key*.

What is never stored: Telegram user ids, names, usernames or chat ids. The voter key exists only so that a second
press on the same answer changes the vote instead of adding one. It is an HMAC-SHA256 of the answer's row id and the
user id, keyed with a random salt made for each database (kept in its `meta` table). Because the row id is part of
the hash, one person's votes on different answers cannot be linked to each other, and the key cannot be compared
with any other database. It is pseudonymous rather than anonymous: someone holding the file (and so the salt) could
test guessed user ids against one vote, one guess at a time; nothing in the file lists who voted.

Schema version 2 adds the Telegram bot's *inbox*: each update fetched from Telegram, as JSON, until it has been
answered (see `bot.questionlog.writer`).

Schema version 3 adds `questions.follow_up`: 1 for a message read against its conversation ("and Kashgar?"), which is
logged with the outcome and fact it was answered with, so the curator report counts it as answered.

Schema version 4 adds `questions.fact_base`: which knowledge folder answered (`bot.knowledge.fact_base_key`), so a
file shared by two bots (`BOT_DB_PATH`) can still be told apart; rows from before it have NULL. Each folder has its
own log by default (`default_db_path`).

The schema is versioned with `PRAGMA user_version`; `_MIGRATIONS` lists the steps from each version to the next.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import math
import sqlite3
import time
from enum import IntEnum, StrEnum
from pathlib import Path

import platformdirs

from bot import APP_NAME
from bot.config import DB_PATH_VARIABLE, Settings, configured_db_path

logger = logging.getLogger(__name__)

DB_FILE_NAME = "questions.sqlite3"  # the default before one log per knowledge folder
SCHEMA_VERSION = 4

# Each entry upgrades the schema from version i to i + 1 (the first from an empty file to version 1).
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
        """CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            asked_at TEXT NOT NULL,            -- UTC, 'YYYY-MM-DDTHH:MM:SS.mmmZ', so text order is time order
            chat_type TEXT NOT NULL,           -- private | group | inline | console
            language TEXT NOT NULL,
            question TEXT NOT NULL,
            outcome TEXT NOT NULL,             -- answer | clarify | no_match | small_talk
            fact_id TEXT,                      -- the fact answered, if any
            confidence INTEGER NOT NULL,
            suggestions TEXT NOT NULL DEFAULT '[]',  -- JSON: [{fact_id, question, confidence}, ...]
            reason TEXT                        -- the matcher's note on why nothing was answered
        )""",
        "CREATE INDEX questions_by_time ON questions (asked_at)",
        """CREATE TABLE feedback (
            question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
            voter TEXT NOT NULL,               -- salted hash, see the module docstring; never a user id
            vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
            voted_at TEXT NOT NULL,
            PRIMARY KEY (question_id, voter)
        ) WITHOUT ROWID""",
    ),
    (
        # The Telegram bot's inbox: updates fetched but not yet answered (JSON as Telegram sent it).
        """CREATE TABLE inbox (
            update_id INTEGER PRIMARY KEY,
            received_at REAL NOT NULL,         -- seconds since the epoch
            body TEXT NOT NULL
        )""",
    ),
    (
        # 1 for a question read against the conversation ("and Kashgar?" after an answer about Horgos, or a "did
        # you mean" choice typed as its number): its fact_id is the fact the follow-up was answered with.
        "ALTER TABLE questions ADD COLUMN follow_up INTEGER NOT NULL DEFAULT 0",
    ),
    # Which fact base answered (bot.knowledge.fact_base_key); NULL for rows from before version 4.
    ("ALTER TABLE questions ADD COLUMN fact_base TEXT",),
)
assert len(_MIGRATIONS) == SCHEMA_VERSION

# meta: "<largest update id ever stored> <when it was received, seconds since the epoch>". Written with the deletion
# of updates from the inbox, not with each store: until then the inbox itself holds that id (see `read_inbox`).
HIGH_WATER_KEY = "inbox_high_water"
# The writer thread or a report waits this long for another process's lock; the bot's own connection is at 0 outside
# the writer's work (`QuestionLog._patient`), so that the event loop's inbox writes never wait.
BUSY_TIMEOUT_MS = 5000


class LogChatType(StrEnum):
    """Where a question was asked, as the log records it (not `telegram.constants.ChatType`: Telegram's supergroups
    and channels are folded into GROUP, and the console is one too)."""

    PRIVATE = "private"
    GROUP = "group"
    INLINE = "inline"
    CONSOLE = "console"


# Telegram's own chat types, folded onto ours: a supergroup or channel is a group for reporting purposes.
_TELEGRAM_CHAT_TYPES = {"supergroup": LogChatType.GROUP, "channel": LogChatType.GROUP, "sender": LogChatType.PRIVATE}


def log_chat_type(value: LogChatType | str) -> str:
    """The chat type a row records, and the metrics count by, for ours or one of Telegram's."""
    text = str(value).strip().lower()
    folded = _TELEGRAM_CHAT_TYPES.get(text)
    return str(folded) if folded else text



class Vote(IntEnum):
    DOWN = -1
    UP = 1


class QuestionLogError(Exception):
    """The question log cannot be read; the message says which file and what to do."""


def default_db_path(knowledge_dir: Path | str | None = None) -> Path:
    """One log per knowledge folder: `questions-<folder>-<hash of its path>.sqlite3` in the user's data directory
    (e.g. ~/.local/share/ftz-facts on Linux); the folder is the bundled one unless given."""
    from bot.knowledge import fact_base_key

    return platformdirs.user_data_path(APP_NAME, appauthor=False) / f"questions-{fact_base_key(knowledge_dir)}.sqlite3"


def resolve_db_path(path: Path | str | None = None, settings: Settings | None = None) -> Path:
    """The database to use: an explicit path, else `Settings.db_path`, else `$BOT_DB_PATH`, else the default."""
    if path is not None and str(path).strip():
        return Path(path).expanduser()
    if settings is not None and settings.db_path is not None:
        return settings.db_path
    configured = configured_db_path()
    return configured if configured is not None else default_db_path(
        settings.knowledge_dir if settings is not None else None)


def epoch_seconds(moment: dt.datetime | None = None) -> float:
    """Seconds since the epoch (now, by default). Naive datetimes are taken to be UTC already."""
    if moment is None:
        return time.time()
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)).timestamp()


@functools.lru_cache(maxsize=4)
def _utc_second(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


def utc_timestamp(moment: dt.datetime | float | None = None) -> str:
    """The stored form of a time (a datetime, or seconds since the epoch): UTC with milliseconds and a Z, e.g.
    2025-11-20T08:30:15.250Z. Naive datetimes are taken to be UTC already."""
    seconds = moment if isinstance(moment, float | int) else epoch_seconds(moment)
    whole = math.floor(seconds)
    # The formatted second is cached: strftime was a sixth of the log's CPU per row.
    return f"{_utc_second(whole)}.{int((seconds - whole) * 1000):03d}Z"


def open_for_reading(path: Path | str) -> sqlite3.Connection:
    """A read-only connection to an existing question log, for reports. Raises `QuestionLogError` if it is not one."""
    path = Path(path).expanduser()
    if not path.exists():
        raise QuestionLogError(f"no question log at {path}: the bot creates it when it answers its first question "
                               f"(set {DB_PATH_VARIABLE} or pass --db to read another file)")
    if path.is_dir():
        raise QuestionLogError(f"{path} is a directory, not a question log database")
    try:
        connection = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        version = connection.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        raise QuestionLogError(f"{path} cannot be read as an SQLite database ({exc})") from exc
    if version == 0:
        connection.close()
        raise QuestionLogError(f"{path} is not a question log (no schema version; is it another program's file?)")
    if version > SCHEMA_VERSION:
        connection.close()
        raise QuestionLogError(f"{path} has schema version {version}, newer than this ftz-bot understands "
                               f"({SCHEMA_VERSION}); upgrade ftz-bot to read it")
    if version < SCHEMA_VERSION:
        connection.close()
        raise QuestionLogError(f"{path} has the older schema version {version}; start the bot once to upgrade it")
    return connection


def read_inbox(connection: sqlite3.Connection | None) -> tuple[list[tuple[int, float, str]], int | None, float]:
    """For the writer thread (`QuestionLog.on_writer`): the updates in the inbox, oldest first, and the largest
    update id ever stored with when it was received (None, 0 when there is none): the meta row's, or the newest
    update's in the inbox when that is larger (the meta row is brought up to date only when updates are deleted)."""
    if connection is None:
        return [], None, 0.0
    entries = connection.execute("SELECT update_id, received_at, body FROM inbox ORDER BY update_id").fetchall()
    high = meta_high_water(connection)
    if entries and (high is None or entries[-1][0] > high[0]):
        high = (entries[-1][0], entries[-1][1])
    return (entries, *high) if high is not None else (entries, None, 0.0)


def meta_high_water(connection: sqlite3.Connection) -> tuple[int, float] | None:
    """The meta row's largest update id and when it was received, if it holds one."""
    row = connection.execute("SELECT value FROM meta WHERE key = ?", (HIGH_WATER_KEY,)).fetchone()
    if row is None:
        return None
    with contextlib.suppress(ValueError, IndexError):
        parts = row[0].split()
        return int(parts[0]), float(parts[1])
    return None


def migrate(connection: sqlite3.Connection, path: Path) -> None:
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise QuestionLogError(f"schema version {version} is newer than this ftz-bot's {SCHEMA_VERSION}; "
                               "upgrade ftz-bot or point it at another file")
    if version == 0 and connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
        raise QuestionLogError("the file holds another program's tables, not a question log")
    steps = [(step + 1, _MIGRATIONS[step]) for step in range(version, SCHEMA_VERSION)]  # (version reached, SQL)
    if version == 2 and "fact_base" in _columns(connection, "questions"):
        # A log from the curators branch before its merge, whose version 2 added fact_base (no inbox, no follow_up):
        # the inbox and follow_up are added and it is version 4 at once.
        steps = [(4, (*_MIGRATIONS[1], *_MIGRATIONS[2]))]
    for target, statements in steps:
        connection.execute("BEGIN IMMEDIATE")
        try:
            for statement in statements:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {target}")  # transactional: part of the file header
            connection.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            raise
    if version < SCHEMA_VERSION:
        logger.info("question log: %s %s schema version %d", path, "created with" if version == 0 else "upgraded to",
                    SCHEMA_VERSION)


def _columns(connection: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
