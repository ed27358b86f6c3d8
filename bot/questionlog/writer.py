"""The question log's writer: `QuestionLog` queues what the bot hands it and one thread writes it to the file.

Writes never block answering. `QuestionLog.log_match` and `QuestionLog.record_vote` only append the values as
given to a bounded queue and return (about a microsecond, no lock, no I/O, safe to call straight from async
handlers). One background thread owns the only writing connection; every `_LINGER_SECONDS` (or at once when
flushed or closed) it checks and converts what has queued up and writes it in one transaction, up to 50 rows to an
INSERT, so that SQLite works without holding the GIL the event loop needs. Why a single writer thread rather than
`asyncio.to_thread` per write:
  * SQLite admits one writer at a time; a pool of threads would only queue on the database lock while occupying
    executor threads the Telegram library also uses;
  * a burst of 200 questions becomes one or a few transactions, not 200, and under steady load the writer wakes
    five times a second rather than once per question;
  * callers need no `await`, so the console, the CLI and tests use the same calls;
  * jobs are written in order, so a vote always lands after the question row it refers to;
  * the bounded queue caps memory if the disk stalls: overflow is dropped with one warning, never an exception;
    a row with a value that cannot be stored is dropped on its own (counted in `status().dropped`).
If the database cannot be opened or written (missing or unwritable directory, read-only file, disk full, not a
database, a newer schema), the log writes ONE warning, keeps dropping rows quietly, retries now and then, and says
so again at INFO level when it recovers. No exception from the database ever reaches a caller.

Row ids are allocated by the caller's thread (time-ordered integers, unique in this process and past those already
in the file), so `log_match` can return the id for the answer's buttons before the row is written.

The same file holds the Telegram bot's *inbox* (schema version 2): each update fetched from Telegram, as JSON,
written before Telegram is told it was received, and deleted once it has been answered, so that a crash loses no
question (see `bot.telegram.polling` and docs/delivery.md). A fetched batch is stored by the event loop itself when
the file is free at that moment (`inbox_store_now`: one insert, never waiting for a lock). An answered update is
deleted in the same transaction as its rows (`DeferredRows`, `commit`), so a crash never leaves a row for an answer
that was not sent; that transaction too runs on the event loop when the file is free and nothing is queued before
it (some 90 µs), so that an update whose answer went out does not wait in the inbox for the writer. The bot holds
it back a few milliseconds first (`commit_later`), so that at a steady pace it shares the next store's transaction.
The largest update id ever stored (where polling resumes after a restart) is in the inbox itself until its update
is deleted, and is written to the `meta` table by the transaction that deletes it (`read_inbox` reads both).

The writer also watches the file itself: before each write it compares the device and inode of the open file with
those at the path, and checks the file still starts like an SQLite database. A file deleted, replaced or
overwritten while the bot runs is reported in ONE warning, set aside (if overwritten) and created afresh, with the
inbox carried over; `status()` says what was lost and why.

What the file holds, and what it never holds, is in `bot.questionlog.schema`.
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import datetime as dt
import functools
import hmac
import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from bot.config import DB_PATH_VARIABLE
from bot.questionlog.schema import (
    BUSY_TIMEOUT_MS,
    HIGH_WATER_KEY,
    LogChatType,
    QuestionLogError,
    Vote,
    epoch_seconds,
    log_chat_type,
    meta_high_water,
    migrate,
    resolve_db_path,
    utc_timestamp,
)

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.match import Match, Outcome, Suggestion

logger = logging.getLogger(__name__)

# A row keeps at most this much of a question's text (Telegram's message length). The bot never matches more than
# bot.matcher.MAX_QUESTION_CHARS, but log_question takes any text it is given.
MAX_STORED_QUESTION_CHARS = 4096

_BATCH_LIMIT = 500  # jobs per transaction: big enough for a burst, small enough to keep transactions short
# The writer looks at the queue this often. Woken for every row instead, it competed with the event loop for the GIL
# hundreds of times a second and cost the bot a quarter of its throughput (bench/telegram_bench.py). flush() and
# close() cut the wait short, and after a full batch the writer is behind, so it does not wait at all then.
_LINGER_SECONDS = 0.2
_RETRY_OPEN_SECONDS = 30.0
_TIDY_SECONDS = 2.0  # the write-ahead log is emptied at most this often, once the inbox is empty
_HEADER_CHECK_SECONDS = 1.0  # the file's header is read at most this often (to notice it was overwritten)
_CHECKPOINT_SECONDS = 1.0  # the write-ahead log is copied into the database this often
_SQLITE_HEADER = b"SQLite format 3\x00"



@dataclass(frozen=True)
class LogStatus:
    """How the log is doing, for an admin's /stats and for tests. Counts are since this process started."""

    path: Path
    available: bool  # the last attempt to open or write the database worked
    written: int  # rows (questions and votes) committed
    dropped: int  # rows lost: database unavailable, queue full, or a bad row
    pending: int  # rows waiting in the queue
    dropped_by: tuple[tuple[str, int], ...] = ()  # (why, rows) for each reason rows were dropped
    lost_with_file: int = 0  # rows written to a file that was then deleted, replaced or overwritten
    incidents: tuple[str, ...] = ()  # what happened to the file, oldest first (the last 5)
    inbox: int | None = None  # updates in the inbox as last written (None: not known yet)


class _QuestionJob(NamedTuple):
    """One question as the caller gave it; the writer thread checks and converts the values (`_question_row`), so
    that queueing it costs the caller almost nothing."""

    id: int
    asked_at: float  # seconds since the epoch
    chat_type: LogChatType | str
    language: str
    question: str
    outcome: Outcome | str
    fact_id: str | None
    confidence: int
    suggestions: tuple[Suggestion | dict[str, object], ...]
    reason: str | None
    follow_up: bool = False


@dataclass(frozen=True)
class _VoteJob:
    question_id: int
    voter_id: str = field(repr=False)  # hashed on the writer thread, where the salt is; never written as is
    vote: int
    voted_at: float  # seconds since the epoch


@dataclass(frozen=True)
class _FlushJob:
    done: threading.Event


class _StopJob:
    pass


@dataclass(frozen=True)
class _InboxStoreJob:
    entries: Sequence[tuple[int, float, str]]  # (update id, received at, JSON)
    done: Callable[[bool], None]  # called on the writer thread: True once committed


@dataclass(frozen=True)
class _InboxDoneJob:
    update_id: int


@dataclass(frozen=True)
class _CallJob:
    function: Callable[[sqlite3.Connection | None], object]  # run on the writer thread with its connection
    done: Callable[[object], None]


_Job = _QuestionJob | _VoteJob | _FlushJob | _StopJob | _InboxStoreJob | _InboxDoneJob | _CallJob


class DeferredRows:
    """Rows (questions, votes) queued while one update was being answered, held back until it is answered: they
    then go to the writer together with the deletion of the update from the inbox, in one transaction."""

    __slots__ = ("jobs", "open")

    def __init__(self) -> None:
        self.jobs: list[_Job] = []
        self.open = True


_DEFERRED: contextvars.ContextVar[DeferredRows | None] = contextvars.ContextVar("question_log_deferred",
                                                                               default=None)


@contextlib.contextmanager
def deferring_rows() -> Iterator[DeferredRows]:
    """Within the block (and the coroutines it awaits), rows any `QuestionLog` is given are held in the
    `DeferredRows` yielded instead of being queued; hand them over with `QuestionLog.commit`."""
    deferred = DeferredRows()
    token = _DEFERRED.set(deferred)
    try:
        yield deferred
    finally:
        deferred.open = False
        _DEFERRED.reset(token)


class _Row(NamedTuple):
    """A row ready to insert: a question's values in column order, or a vote's statement parameters."""

    question: bool
    values: Sequence[object]


class _IdAllocator:
    """Time-ordered row ids: milliseconds since the epoch shifted left 16 bits, never repeating in this process.

    Ordered ids keep inserts at the end of the table's B-tree, and the writer raises the floor past the largest
    id already in the file so that a clock set back between runs cannot reuse one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> int:
        with self._lock:
            self._last = max(self._last + 1, (time.time_ns() // 1_000_000) << 16)
            return self._last

    def advance_past(self, value: int) -> None:
        with self._lock:
            self._last = max(self._last, value)


def _clean(text: str, limit: int) -> str:
    # A lone surrogate (possible in JSON from a client) cannot be encoded as UTF-8 and would fail the whole row.
    text = text[:limit]
    return text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")


def _chat_type(value: LogChatType | str) -> str:
    return _clean(log_chat_type(value), 20) or "unknown"


_to_json = json.JSONEncoder(ensure_ascii=False).encode


def _suggestions_json(suggestions: Sequence[Suggestion | dict[str, object]]) -> str:
    if not suggestions:
        return "[]"
    items = []
    for s in suggestions:
        if isinstance(s, dict):
            items.append({key: s.get(key) for key in ("fact_id", "question", "confidence")})
        else:
            items.append({"fact_id": s.fact_id, "question": s.question, "confidence": s.confidence})
    return _to_json(items)


def _question_row(job: _QuestionJob) -> tuple[object, ...]:
    """The values of one `questions` row, in column order. Raises TypeError or ValueError for a value that cannot
    be stored."""
    return (job.id, utc_timestamp(job.asked_at), _chat_type(job.chat_type), _clean(str(job.language), 20),
            _clean(str(job.question), MAX_STORED_QUESTION_CHARS), str(job.outcome),
            _clean(str(job.fact_id), 200) if job.fact_id else None, int(job.confidence),
            _suggestions_json(job.suggestions),
            _clean(str(job.reason), 500) if job.reason else None, 1 if job.follow_up else 0)


_QUESTION_COLUMNS = ("id", "asked_at", "chat_type", "language", "question", "outcome", "fact_id", "confidence",
                     "suggestions", "reason", "follow_up", "fact_base")
# Questions are inserted up to 50 rows to a statement (600 values: under the 999 that SQLite allowed before 3.32).
# SQLite runs each statement without the GIL, and binding the values is C. Row by row (executemany), the writer
# took the GIL twice per row and the event loop kept waiting for it; one JSON array per batch (json_each) cost three
# times the instructions (measured with callgrind).
_ROWS_PER_INSERT = 50


@functools.lru_cache(maxsize=_ROWS_PER_INSERT)
def _insert_questions(rows: int) -> str:
    """INSERT for `rows` question rows at once (one SQL text per size, so SQLite's statement cache keeps them)."""
    one = "(" + ", ".join("?" * len(_QUESTION_COLUMNS)) + ")"
    return f"INSERT INTO questions ({', '.join(_QUESTION_COLUMNS)}) VALUES " + ", ".join([one] * rows)


class QuestionLog:
    """The question log of one bot process. Create once at start-up, `close()` at shutdown (or use `with`).

    Every method is safe to call from any thread or from async code and none of them raises on a database problem.
    """

    def __init__(self, path: Path | str | None = None, *, settings: Settings | None = None,
                 queue_size: int = 10_000, linger: float = _LINGER_SECONDS,
                 knowledge_dir: Path | str | None = None) -> None:
        self.path = resolve_db_path(path, settings)
        from bot.knowledge import fact_base_key  # curators: every row says which fact base answered it

        self.fact_base = fact_base_key(knowledge_dir or (settings.knowledge_dir if settings is not None else None))
        # A deque, not a queue.Queue: appending takes no lock and wakes nobody (the writer looks every
        # _LINGER_SECONDS, or at once when hurried), so queueing a row costs the event loop about a microsecond.
        self._queue: collections.deque[_Job] = collections.deque()
        self._queue_size = queue_size
        self._linger = linger
        self._ids = _IdAllocator()
        self._state_lock = threading.Lock()
        self._warned = False
        self._available = True
        self._written = 0
        self._dropped = 0
        self._dropped_by: collections.Counter[str] = collections.Counter()
        self._lost_with_file = 0
        self._written_to_file = 0  # rows committed to the file open now
        self._incidents: collections.deque[str] = collections.deque(maxlen=5)
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file open now
        self._inbox_dirty = False  # updates were stored since the write-ahead log was last emptied
        self._inbox_rows: int | None = None  # rows in the inbox table as last written (counted once per file)
        # The largest update id stored in the inbox and when it was received, the id the file's meta row holds, and
        # whether the file's inbox still has the row of the first (then meta need not, yet; see HIGH_WATER_KEY); all
        # three only under _db_lock.
        self._stored_high: tuple[int, float] | None = None
        self._high_written = 0
        self._high_in_inbox = False
        self._header_checked_at = 0.0
        self._checkpoint_at = time.monotonic() + _CHECKPOINT_SECONDS
        self._wal_written = False  # a transaction was committed since the last checkpoint
        self._tidy_at = 0.0
        self._closed = False
        self._held: list[_Job] = []  # `commit_later`'s answered updates and their rows (the event loop's only)
        self._busy = False  # the writer thread holds jobs it took from the queue and has not finished writing
        self._hurry = threading.Event()
        # Held while the connection is used or changed: by the writer thread for each transaction (not while it
        # prepares rows), and by `inbox_store_now`, which never waits for it.
        self._db_lock = threading.RLock()
        self._connection: sqlite3.Connection | None = None
        self._salt: bytes = b""
        self._retry_at = 0.0
        # The writer thread opens the connection itself, so a slow or broken disk cannot hold up start-up either.
        self._thread = threading.Thread(target=self._run, name="question-log-writer", daemon=True)
        self._thread.start()

    # --- the calls the bot makes ----------------------------------------------------------------------------

    def log_match(self, match: Match, chat_type: LogChatType | str, *, at: dt.datetime | None = None) -> int:
        """Queue one handled question; returns its row id for the answer's 👍/👎 buttons. Never blocks or raises."""
        fact = match.fact
        return self.log_question(match.question, match.outcome, chat_type=chat_type, language=match.language,
                                 fact_id=fact.id if fact is not None else None, confidence=match.confidence,
                                 suggestions=match.suggestions, reason=match.reason, at=at,
                                 follow_up=match.follow_up)

    def log_question(self, question: str, outcome: Outcome | str, *, chat_type: LogChatType | str, language: str,
                     fact_id: str | None = None, confidence: int = 0,
                     suggestions: Sequence[Suggestion | dict[str, object]] = (),
                     reason: str | None = None, at: dt.datetime | None = None, follow_up: bool = False) -> int:
        """Queue one question from its parts (what `log_match` does with a `Match`); returns its row id.
        `follow_up`: the question was read against its conversation (see the module docstring)."""
        row_id = self._ids.next()
        snapshot: tuple[Suggestion | dict[str, object], ...]
        try:
            snapshot = tuple(suggestions)  # the caller's list may change before the writer runs
        except TypeError:
            snapshot = ()
        self._put(_QuestionJob(row_id, epoch_seconds(at), chat_type, language, question, outcome, fact_id,
                               confidence, snapshot, reason, follow_up))
        return row_id

    def record_vote(self, question_id: int, voter_id: int | str, vote: Vote | int, *,
                    at: dt.datetime | None = None) -> bool:
        """Queue a 👍 (+1) or 👎 (-1) by one person on one answer; a later vote by them on it replaces this one.

        `voter_id` (the Telegram user id) is hashed with the database's salt before it is written; see the module
        docstring. Returns False, without raising, when the vote is not +1/-1 or the id is not a number (forged
        callback data, say); True once queued. A vote for a row id the database does not hold is ignored.
        """
        try:
            value = Vote(int(vote))
            job = _VoteJob(int(question_id), str(voter_id), int(value), epoch_seconds(at))
        except (TypeError, ValueError, AttributeError):
            logger.debug("question log: ignored a vote with a bad value")
            return False
        return self._put(job)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is written (or dropped); False if that took longer than `timeout`."""
        if self._closed or not self._thread.is_alive():
            return True
        done = threading.Event()
        self._queue.append(_FlushJob(done))
        self._hurry.set()
        return done.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued, then stop the writer thread and close the database. Safe to call twice."""
        if self._closed:
            return
        held, self._held = self._held, []
        self._queue.extend(held)  # written before the writer stops
        self._closed = True
        self._queue.append(_StopJob())
        self._hurry.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            logger.warning("question log: could not finish writing within %.0f s; some rows are lost", timeout)

    def status(self) -> LogStatus:
        with self._state_lock:
            return LogStatus(self.path, self._available, self._written, self._dropped, len(self._queue),
                             tuple(sorted(self._dropped_by.items())), self._lost_with_file,
                             tuple(self._incidents), self._inbox_rows)

    # --- the Telegram bot's inbox ---------------------------------------------------------------------------

    def inbox_store_now(self, entries: Sequence[tuple[int, float, str]]) -> bool | None:
        """Store updates in the inbox on the caller's thread, if that can be done at once: the file is open, the
        writer thread is not in a transaction, and no other process holds its write lock. True once committed (a
        transaction of some 20 µs); False when the file is busy (try again in a moment); None when the file is not
        open, or was deleted or replaced (or the log closed), and then `inbox_store` is the way.

        Why on the caller's thread: the bot stores every batch it fetches before it polls again, and waking the
        writer thread for each one cost about 150 µs of CPU per question in thread switches at 300 questions a
        second, more than the transaction itself.

        Answered updates held by `commit_later` go in the same transaction, when nothing queued could land after
        them."""
        held = self._held if self._held and not self._queue and not self._busy else []
        stored = self._write_now([_InboxStoreJob(tuple(entries), _ignore), *held])
        if stored and held:
            self._held = []
        return stored

    def inbox_store(self, entries: Sequence[tuple[int, float, str]], done: Callable[[bool], None]) -> None:
        """Queue updates (id, received at, JSON) for the inbox and hurry the writer; `done(True)` is called on the
        writer thread once they are committed, `done(False)` if they could not be (no durability then)."""
        if self._closed:
            done(False)
            return
        self._queue.append(_InboxStoreJob(tuple(entries), done))
        self._hurry.set()

    def inbox_done(self, update_id: int) -> None:
        """Queue the deletion of an answered (or dropped, or expired) update from the inbox."""
        if not self._closed:
            self._queue.append(_InboxDoneJob(update_id))

    def commit(self, deferred: DeferredRows, update_id: int | None = None) -> None:
        """Write the rows held back while an update was answered together with the deletion of that update from
        the inbox: at once on the caller's thread when nothing is waiting to be written before them (as
        `inbox_store_now` does), else queued so that the writer commits them together.

        Why at once: after a crash every update still in the inbox is answered again, and waiting for the writer
        (up to its linger, longer on a busy machine) left a sent answer's update there for tens of milliseconds."""
        jobs, deferred.jobs = deferred.jobs, []
        if update_id is None:
            self._queue_all(jobs)
        else:
            self._write_soon([*jobs, _InboxDoneJob(update_id)])

    def commit_later(self, deferred: DeferredRows, update_id: int) -> None:
        """`commit`, held back for the next inbox store (`inbox_store_now`), which writes it in its own transaction,
        or for `commit_held`, whichever comes first. Called from the event loop only, as the two others are.

        Why: at a steady pace every update came with two transactions on the event loop, its store and its removal;
        this makes it one. The caller bounds the wait (`commit_held` after a few milliseconds): after a crash, an
        update answered meanwhile is answered again."""
        if self._closed:
            self.commit(deferred, update_id)
            return
        jobs, deferred.jobs = deferred.jobs, []
        self._held += [*jobs, _InboxDoneJob(update_id)]

    @property
    def held(self) -> int:
        """Jobs `commit_later` holds (rows and removals from the inbox) until the next store or `commit_held`."""
        return len(self._held)

    def commit_held(self) -> None:
        """Write what `commit_later` holds: at once when nothing is waiting to be written before it, else queued
        for the writer."""
        held, self._held = self._held, []
        if held:
            self._write_soon(held)

    def _write_soon(self, jobs: list[_Job]) -> None:
        """`jobs` in one transaction at once on the caller's thread when nothing queued or being written could land
        after them (an update's store, say), else queued for the writer."""
        # Checked in this order because the writer marks itself busy before it takes jobs from the queue.
        if self._queue or self._busy or not self._write_now(jobs):
            self._queue_all(jobs)

    def _queue_all(self, jobs: list[_Job]) -> None:
        for job in jobs:
            if isinstance(job, _InboxDoneJob):
                self.inbox_done(job.update_id)  # never dropped for a full queue: a crash would answer it again
            else:
                self._enqueue(job)

    def on_writer(self, function: Callable[[sqlite3.Connection | None], object],
                  done: Callable[[object], None]) -> None:
        """Run `function(connection)` on the writer thread, after what is queued, and pass its result to `done`
        (there too). The connection is None when the file cannot be used; an exception is passed as the result."""
        if self._closed:
            done(None)
            return
        self._queue.append(_CallJob(function, done))
        self._hurry.set()

    def _write_now(self, jobs: Sequence[_Job]) -> bool | None:
        """`jobs` in one transaction on the caller's thread if it can be done at once: True once committed, False
        when the file is busy, None when it is not open, was deleted, replaced or overwritten (the writer thread
        deals with that, hurried), or the log is closed."""
        if self._closed or self._connection is None:
            return None
        if not self._db_lock.acquire(blocking=False):
            return False
        try:
            connection = self._connection
            if connection is None or self._identity is None:
                return None
            if self._file_problem() is not None:
                self._header_checked_at = 0.0  # so that the writer sees it too, at once
                self._hurry.set()
                return None
            # converted past the checks that hand the jobs back to the writer, which would count a bad row again
            rows, inbox = self._rows(jobs), _InboxWork.of(jobs)
            # The connection's busy timeout is 0 outside the writer's own work: another process's lock fails at once.
            self._run_transaction(connection, rows, inbox)
        except sqlite3.Error:
            return False
        finally:
            self._db_lock.release()
        if inbox is not None:
            self._inbox_dirty = True
            self._tidy_at = time.monotonic() + _TIDY_SECONDS
        if rows:
            self._recovered(len(rows))
        return True

    def __enter__(self) -> QuestionLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- the caller's side of the queue ---------------------------------------------------------------------

    def _put(self, job: _Job) -> bool:
        deferred = _DEFERRED.get()
        if deferred is not None and deferred.open:
            deferred.jobs.append(job)
            return True
        return self._enqueue(job)

    def _enqueue(self, job: _Job) -> bool:
        if self._closed:
            self._count_dropped(1, "logged after the log was closed")
            return False
        if len(self._queue) >= self._queue_size:
            self._count_dropped(1, "write queue full")
            self._warn(f"question log: the write queue is full ({self._queue_size} rows; is the disk stalled?); "
                       "dropping rows until it drains. Answers are not affected.")
            return False
        self._queue.append(job)  # thread-safe: deque.append is atomic
        return True

    def _count_dropped(self, count: int, why: str) -> None:
        if count <= 0:
            return
        with self._state_lock:
            self._dropped += count
            self._dropped_by[why] += count

    def _warn(self, message: str) -> None:
        """One warning per outage; repeats go to DEBUG so a full disk cannot flood the log."""
        with self._state_lock:
            first, self._warned, self._available = not self._warned, True, False
        if first:
            logger.warning(message)
        else:
            logger.debug(message)

    def _recovered(self, written: int) -> None:
        with self._state_lock:
            self._written += written
            self._written_to_file += written
            was_warned, self._warned, self._available = self._warned, False, True
        if was_warned:
            logger.info("question log: writing to %s again", self.path)

    # --- the writer thread ----------------------------------------------------------------------------------

    def _run(self) -> None:
        with self._db_lock:
            try:
                self._connect()  # at once: a problem is reported at start-up rather than at the first question
            except Exception as exc:
                self._warn(f"question log: unexpected error opening {self.path}: {exc!r}")
        stop = behind = False
        while not stop:
            if not behind:  # let rows gather: one wake-up and one transaction for all of them
                self._hurry.wait(self._linger)
                self._hurry.clear()
            stop, behind = self._batch()
            if time.monotonic() >= self._checkpoint_at:
                self._checkpoint()
        with self._db_lock:
            self._disconnect()

    def _batch(self) -> tuple[bool, bool]:
        """Write one batch from the queue; returns (stop, behind)."""
        stop = False
        batch: list[_Job] = []
        self._busy = True  # before taking jobs: see `commit`
        while len(batch) < _BATCH_LIMIT and not (batch and isinstance(batch[-1], _StopJob)):
            try:
                batch.append(self._queue.popleft())
            except IndexError:
                break
        behind = len(batch) >= _BATCH_LIMIT
        writes: list[_Job] = [job for job in batch
                              if isinstance(job, _QuestionJob | _VoteJob | _InboxStoreJob | _InboxDoneJob)]
        try:
            if writes:
                self._write(writes)
        except Exception as exc:  # the thread must outlive any surprise, or the queue would fill for good
            self._count_dropped(sum(isinstance(job, _QuestionJob | _VoteJob) for job in writes),
                                "unexpected error")
            _settle_stores(writes, False)
            self._warn(f"question log: unexpected error, rows dropped: {exc!r}")
        finally:
            self._busy = False
        for job in batch:
            if isinstance(job, _FlushJob):
                job.done.set()
            elif isinstance(job, _CallJob):
                self._call(job)
            stop = stop or isinstance(job, _StopJob)
        if self._inbox_dirty and time.monotonic() >= self._tidy_at:
            self._tidy_inbox()  # only once the inbox has been quiet a while: a checkpoint must not delay a store
        return stop, behind

    def _checkpoint(self) -> None:
        """Copy what the write-ahead log holds into the database (what SQLite's automatic checkpoint would do), on a
        connection of the writer thread's own: a passive checkpoint takes no lock, so nobody waits for it. Not when
        nothing was written since the last one (an idle bot opened a connection every second for nothing)."""
        self._checkpoint_at = time.monotonic() + _CHECKPOINT_SECONDS
        if not self._wal_written:
            return
        self._wal_written = False  # before copying: a commit meanwhile sets it again for the next checkpoint
        with self._db_lock:  # never copy pages into a file that was overwritten meanwhile: look first
            self._header_checked_at = 0.0
            self._check_file()
        if self._connection is None:
            return
        try:
            # mode=rw: never create the file (it may just have been deleted: that is for _check_file to see).
            with contextlib.closing(sqlite3.connect(self.path.resolve().as_uri() + "?mode=rw", uri=True, timeout=0,
                                                    isolation_level=None)) as checkpointer:
                checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as exc:
            logger.debug("question log: checkpoint not done: %s", exc)

    def _tidy_inbox(self) -> None:
        """Once the inbox is empty and has been left alone for `_TIDY_SECONDS`, empty the write-ahead log too: it
        still holds the pages the answered updates were written to, chat ids included. Not while updates keep
        coming: the checkpoint (and its fsync) would hold up the next store, and so the next getUpdates."""
        self._tidy_at = time.monotonic() + _TIDY_SECONDS
        connection = self._connection
        if connection is None:
            return
        try:
            with self._db_lock:
                empty = connection.execute("SELECT 1 FROM inbox LIMIT 1").fetchone() is None
                busy = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] if empty else 1
            if empty:
                self._inbox_dirty = bool(busy)  # a report reading the file: try again later
        except sqlite3.Error as exc:
            logger.debug("question log: could not empty the write-ahead log: %s", exc)

    @contextlib.contextmanager
    def _patient(self, connection: sqlite3.Connection | None) -> Iterator[None]:
        """For the writer thread's work, under _db_lock: wait up to BUSY_TIMEOUT_MS for another process's lock.
        The connection's own setting is 0, so that the event loop (`inbox_store_now`) never waits for one."""
        if connection is None:
            yield
            return
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        try:
            yield
        finally:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("PRAGMA busy_timeout = 0")

    def _call(self, job: _CallJob) -> None:
        try:
            with self._db_lock:
                connection = self._connect()
                with self._patient(connection):
                    result = job.function(connection)
        except Exception as exc:
            result = exc
        try:
            job.done(result)
        except Exception:
            logger.debug("question log: a writer-thread callback failed", exc_info=True)

    def _connect(self) -> sqlite3.Connection | None:
        if self._connection is not None:
            return self._connection
        if time.monotonic() < self._retry_at:
            return None
        try:
            self._connection = self._open()
        except (OSError, sqlite3.Error, QuestionLogError) as exc:
            self._retry_at = time.monotonic() + _RETRY_OPEN_SECONDS
            self._warn(f"question log: cannot use {self.path} ({_reason(exc)}); answers continue, but questions "
                       f"are not being logged. Check {DB_PATH_VARIABLE} and the directory's permissions and space.")
            return None
        return self._connection

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT) so a batch is all-or-nothing.
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                     check_same_thread=False)
        try:
            connection.execute("PRAGMA journal_mode = WAL")  # readers (reports) never block the writer
            connection.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; a crash loses at most the last batch
            # No automatic checkpoints: one would run in whichever thread commits, and the event loop commits the
            # inbox (`inbox_store_now`). The writer thread checkpoints instead, on a connection of its own.
            connection.execute("PRAGMA wal_autocheckpoint = 0")
            connection.execute("PRAGMA foreign_keys = ON")
            # Deleted rows are overwritten with zeros: an answered update leaves no chat id behind in the file.
            connection.execute("PRAGMA secure_delete = ON")
            migrate(connection, self.path)
            connection.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('voter_salt', ?)",
                               (secrets.token_hex(32),))
            self._salt = bytes.fromhex(
                connection.execute("SELECT value FROM meta WHERE key = 'voter_salt'").fetchone()[0])
            largest = connection.execute("SELECT max(id) FROM questions").fetchone()[0]
            if largest is not None:
                self._ids.advance_past(largest)
            written = meta_high_water(connection)
            self._high_written = written[0] if written is not None else 0
            newest = connection.execute(
                "SELECT update_id, received_at FROM inbox ORDER BY update_id DESC LIMIT 1").fetchone()
            for known in (written, newest):
                if known is not None and (self._stored_high is None or known[0] > self._stored_high[0]):
                    self._stored_high = (known[0], known[1])
            self._high_in_inbox = (newest is not None and self._stored_high is not None
                                   and newest[0] == self._stored_high[0])
            self._inbox_rows = connection.execute("SELECT count(*) FROM inbox").fetchone()[0]
            connection.execute("PRAGMA busy_timeout = 0")  # see _patient
            status = os.stat(self.path)
        except BaseException:
            connection.close()
            raise
        self._identity = (status.st_dev, status.st_ino)
        with self._state_lock:
            self._written_to_file = 0
        return connection

    def _disconnect(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(sqlite3.Error):
                self._connection.close()
            self._connection = None

    def _file_problem(self) -> str | None:
        """What happened to the file behind the open connection, if anything: deleted, replaced by another file
        (one `stat` per batch), or overwritten with something that is not SQLite (its first 16 bytes, read at most
        once a second)."""
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            return "deleted"
        except OSError:
            return None  # cannot tell (a permission problem, say): writing will say what is wrong
        if (status.st_dev, status.st_ino) != self._identity:
            return "replaced by another file"
        now = time.monotonic()
        if now < self._header_checked_at + _HEADER_CHECK_SECONDS:
            return None
        self._header_checked_at = now
        try:
            with open(self.path, "rb") as file:
                header = file.read(len(_SQLITE_HEADER))
        except OSError:
            return None
        if header != _SQLITE_HEADER:
            return "overwritten with data that is not an SQLite database"
        return None

    def _check_file(self) -> None:
        """Reopen (recreate) the file when it was deleted, replaced or overwritten under the open connection:
        ONE warning, the inbox carried over, and `status()` tells what was lost."""
        if self._connection is None or self._identity is None:
            return
        problem = self._file_problem()
        if problem is None:
            return
        old = self._connection
        carried: list[tuple[object, ...]] = []
        with contextlib.suppress(sqlite3.Error):  # the old file may be beyond reading: then the inbox is lost
            carried = old.execute("SELECT update_id, received_at, body FROM inbox").fetchall()
            carried += [("meta", key, value) for key, value in old.execute(
                "SELECT key, value FROM meta WHERE key = ?", (HIGH_WATER_KEY,))]
        self._connection = None
        with contextlib.suppress(sqlite3.Error):
            old.close()
        moved = ""
        if problem.startswith("overwritten"):
            aside = self.path.with_name(f"{self.path.name}.damaged-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
            with contextlib.suppress(OSError):
                os.replace(self.path, aside)
                moved = f" (moved aside to {aside.name})"
        # SQLite leaves the old file's write-ahead log behind when that file was deleted or replaced, and would
        # replay it into the new file: remove it (and its index) with the old connection closed.
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(f"{self.path}{suffix}")
        with self._state_lock:
            lost, self._written_to_file = self._written_to_file, 0
            self._lost_with_file += lost
            self._incidents.append(f"{utc_timestamp()[:19]}Z: the file was {problem}{moved}; the {lost} rows "
                                   f"written to it since start-up (or since the last such incident) went with it")
        logger.warning("question log: %s was %s while the bot was running%s; the %d rows written to it since "
                       "start-up went with it. Starting a new file there.", self.path, problem, moved, lost)
        connection = self._connect()
        if connection is None or not carried:
            return
        try:
            with self._patient(connection):
                connection.execute("BEGIN IMMEDIATE")
                connection.executemany("INSERT OR IGNORE INTO inbox (update_id, received_at, body) VALUES (?, ?, ?)",
                                       [row for row in carried if row[0] != "meta"])
                connection.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                       [row[1:] for row in carried if row[0] == "meta"])
                connection.execute("COMMIT")
            self._high_written = 0  # whatever the old file said: written again with the next deletion
            self._high_in_inbox = False
            self._wal_written = True
            self._inbox_rows = connection.execute("SELECT count(*) FROM inbox").fetchone()[0]
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            logger.warning("question log: the inbox could not be carried over to the new file (%s)", _reason(exc))

    def _write(self, writes: list[_Job]) -> None:
        with self._db_lock:
            self._check_file()
            connection = self._connect()
        if connection is None:
            self._count_dropped(sum(isinstance(job, _QuestionJob | _VoteJob) for job in writes), "file unusable")
            _settle_stores(writes, False)
            return
        rows = self._rows(writes)
        inbox = _InboxWork.of(writes)
        if inbox is not None:
            self._inbox_dirty = True
            self._tidy_at = time.monotonic() + _TIDY_SECONDS  # quiet for that long first
        try:
            self._transaction(connection, rows, inbox)
            self._recovered(len(rows))
            _settle_stores(writes, True)
            return
        except sqlite3.Error:
            pass
        # The batch failed: the inbox on its own, then row by row, so that one bad row (say an id that clashes)
        # costs only itself.
        error = None
        try:
            self._transaction(connection, [], inbox)
            stored = True
        except sqlite3.Error as exc:
            stored, error = False, exc
        _settle_stores(writes, stored)
        written = 0
        for row in rows:
            try:
                self._transaction(connection, [row], None)
                written += 1
            except sqlite3.Error as exc:
                error = exc
        self._count_dropped(len(rows) - written, "write failed")
        if written:
            self._recovered(written)
        if error is not None:
            self._warn(f"question log: cannot write to {self.path} ({_reason(error)}); answers continue, but "
                       f"{len(rows) - written} row(s) were not logged.")
            if not written and not stored:  # nothing goes through: reopen later rather than hammer a broken file
                with self._db_lock:
                    self._disconnect()
                self._retry_at = time.monotonic() + _RETRY_OPEN_SECONDS

    def _rows(self, writes: Sequence[_Job]) -> list[_Row]:
        """The rows to insert, in queue order; a question whose values cannot be stored is dropped (and counted)."""
        rows: list[_Row] = []
        for job in writes:
            if isinstance(job, _VoteJob):
                rows.append(_Row(False, (job.question_id, self._voter_key(job.question_id, job.voter_id), job.vote,
                                         utc_timestamp(job.voted_at), job.question_id)))
            elif isinstance(job, _QuestionJob):
                try:
                    rows.append(_Row(True, (*_question_row(job), self.fact_base)))
                except (TypeError, ValueError, AttributeError) as exc:  # a caller's bad value costs only its row
                    logger.debug("question log: row not written: %s", exc)
                    self._count_dropped(1, "a value that cannot be stored")
        return rows

    def _transaction(self, connection: sqlite3.Connection, rows: Sequence[_Row], inbox: _InboxWork | None) -> None:
        with self._db_lock, self._patient(connection):
            self._run_transaction(connection, rows, inbox)

    def _run_transaction(self, connection: sqlite3.Connection, rows: Sequence[_Row], inbox: _InboxWork | None) -> None:
        """One transaction; the caller holds _db_lock. The inbox's new updates first, then questions, then votes,
        each kind in queue order, then the inbox's answered updates. A vote's question was queued before it (its row
        id is handed out when it is logged), so it is in this batch or an earlier one; likewise an update is stored
        before it is answered."""
        questions = [row.values for row in rows if row.question]
        votes = [row.values for row in rows if not row.question]
        high, high_written, inbox_rows = self._stored_high, self._high_written, self._inbox_rows
        high_in_inbox = self._high_in_inbox
        connection.execute("BEGIN IMMEDIATE")
        try:
            if inbox is not None and inbox.store:
                added = connection.executemany(
                    "INSERT OR IGNORE INTO inbox (update_id, received_at, body) VALUES (?, ?, ?)", inbox.store).rowcount
                if inbox_rows is not None:
                    inbox_rows += added
                if high is None or inbox.high[0] >= high[0]:
                    high, high_in_inbox = inbox.high, True  # inserted now, or there already (OR IGNORE)
            for start in range(0, len(questions), _ROWS_PER_INSERT):
                chunk = questions[start:start + _ROWS_PER_INSERT]
                connection.execute(_insert_questions(len(chunk)), [value for row in chunk for value in row])
            # Insert-or-update on (question, voter): a second press changes the vote, never adds one.
            # The SELECT ... WHERE EXISTS skips votes for rows this database does not hold.
            if votes:
                connection.executemany(
                    "INSERT INTO feedback (question_id, voter, vote, voted_at) "
                    "SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM questions WHERE id = ?) "
                    "ON CONFLICT (question_id, voter) DO UPDATE SET vote = excluded.vote, "
                    "voted_at = excluded.voted_at", votes)
            if inbox is not None and inbox.done:
                # The largest id stored must outlive its inbox row: the transaction that deletes that row writes it
                # to the meta row. Not before (a store is one statement less, and so is the deletion of an older
                # update: one page fewer written per question at a steady pace).
                if high is not None and high[0] > high_written and (not high_in_inbox or (high[0],) in inbox.done):
                    connection.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                                       "value = excluded.value", (HIGH_WATER_KEY, f"{high[0]} {high[1]:.0f}"))
                    high_written = high[0]
                removed = connection.executemany("DELETE FROM inbox WHERE update_id = ?", inbox.done).rowcount
                if inbox_rows is not None:
                    inbox_rows -= removed
            connection.execute("COMMIT")
            self._stored_high, self._high_written, self._inbox_rows = high, high_written, inbox_rows
            self._high_in_inbox = high_in_inbox
            self._wal_written = True
        except BaseException:
            # SQLite may have rolled back already (a full disk does), leaving nothing to roll back.
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            raise

    def _voter_key(self, question_id: int, voter_id: str) -> str:
        message = f"{question_id}:{voter_id}".encode()
        return hmac.new(self._salt, message, sha256).hexdigest()[:32]


class _InboxWork(NamedTuple):
    """The inbox's part of a batch: updates to store (and the largest id among them, with when it was received),
    updates to delete."""

    store: list[tuple[int, float, str]]
    high: tuple[int, float]
    done: list[tuple[int]]

    @classmethod
    def of(cls, writes: Sequence[_Job]) -> _InboxWork | None:
        store: list[tuple[int, float, str]] = []
        done: list[tuple[int]] = []
        for job in writes:
            if isinstance(job, _InboxStoreJob):
                store += job.entries
            elif isinstance(job, _InboxDoneJob):
                done.append((job.update_id,))
        if not store and not done:
            return None
        newest = max(store, default=(0, 0.0, ""))
        return cls(store, (newest[0], newest[1]), done)


def _ignore(_: bool) -> None:
    pass


def _settle_stores(writes: Sequence[_Job], stored: bool) -> None:
    for job in writes:
        if isinstance(job, _InboxStoreJob):
            try:
                job.done(stored)
            except Exception:
                logger.debug("question log: an inbox callback failed", exc_info=True)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return str(exc) or type(exc).__name__
