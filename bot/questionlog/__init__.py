"""The question log: what people asked, what the bot made of it, and their 👍/👎 on answers, in one SQLite file.

`schema` owns the file (its tables and migrations, where it lives, how times are stored, reading it for reports);
`writer` owns `QuestionLog`, which queues rows without blocking and writes them from one thread.
"""

from bot.questionlog.schema import (
    HIGH_WATER_KEY,
    SCHEMA_VERSION,
    LogChatType,
    QuestionLogError,
    Vote,
    default_db_path,
    epoch_seconds,
    log_chat_type,
    open_for_reading,
    read_inbox,
    resolve_db_path,
    utc_timestamp,
)
from bot.questionlog.writer import DeferredRows, LogStatus, QuestionLog, deferring_rows

__all__ = [
    "HIGH_WATER_KEY",
    "SCHEMA_VERSION",
    "DeferredRows",
    "LogChatType",
    "LogStatus",
    "QuestionLog",
    "QuestionLogError",
    "Vote",
    "default_db_path",
    "deferring_rows",
    "epoch_seconds",
    "log_chat_type",
    "open_for_reading",
    "read_inbox",
    "resolve_db_path",
    "utc_timestamp",
]
