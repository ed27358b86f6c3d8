"""The question log: rows and votes on a real SQLite file, privacy of voters, failures that never reach callers,
and bursts of concurrent writers."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import sqlite3
import struct
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import platformdirs
import pytest

import bot.questionlog as questionlog
import bot.questionlog.schema as schema
import bot.questionlog.writer as writer
from bot.config import Settings
from bot.match import Match, Outcome, Suggestion
from bot.questionlog import LogChatType, QuestionLog, Vote, default_db_path, resolve_db_path

LOGGER = "bot.questionlog"
CAN_CHMOD_AWAY_ACCESS = sys.platform != "win32" and hasattr(os, "geteuid") and os.geteuid() != 0


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "questions.sqlite3"


@pytest.fixture
def log(db_path: Path) -> Iterator[QuestionLog]:
    question_log = QuestionLog(db_path)
    yield question_log
    question_log.close()


@pytest.fixture
def lingering_log(db_path: Path) -> Iterator[QuestionLog]:
    """A log whose writer thread waits a minute between batches: only what the caller writes at once is written."""
    question_log = QuestionLog(db_path, linger=60.0)
    yield question_log
    question_log.close()


def rows(path: Path, sql: str, *params: object) -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def warnings_in(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(LOGGER) and r.levelno >= logging.WARNING]


def log_a_few(question_log: QuestionLog, count: int = 3) -> list[int]:
    return [question_log.log_question(f"question {i}", Outcome.NO_MATCH, chat_type="private", language="en")
            for i in range(count)]


# --- rows -------------------------------------------------------------------------------------------------------


def test_a_logged_match_is_stored_with_every_field_the_curator_needs(log: QuestionLog, db_path: Path) -> None:
    match = Match("How big is Horgos?", Outcome.CLARIFY, "en", confidence=44,
                  suggestions=(Suggestion("horgos_area", "How big is Horgos?", 44),
                               Suggestion("total_area", "How big is the zone?", 40)),
                  reason="several facts fit")
    asked = dt.datetime(2025, 11, 20, 8, 30, 15, 250_000, tzinfo=dt.UTC)
    row_id = log.log_match(match, LogChatType.GROUP, at=asked)
    assert log.flush()

    [row] = rows(db_path, "SELECT id, asked_at, chat_type, language, question, outcome, fact_id, confidence, "
                          "suggestions, reason FROM questions")
    assert row[:8] == (row_id, "2025-11-20T08:30:15.250Z", "group", "en", "How big is Horgos?", "clarify", None, 44)
    assert json.loads(row[8]) == [
        {"fact_id": "horgos_area", "question": "How big is Horgos?", "confidence": 44},
        {"fact_id": "total_area", "question": "How big is the zone?", "confidence": 40},
    ]
    assert row[9] == "several facts fit"


def test_a_batch_larger_than_one_insert_is_stored_whole_and_in_order(log: QuestionLog, db_path: Path) -> None:
    match = Match("新疆自贸区有多大？", Outcome.CLARIFY, "zh", confidence=47,
                  suggestions=(Suggestion("total_area", "自贸区总面积是多少？", 47),), reason="several facts fit")
    ids = [log.log_match(match, LogChatType.PRIVATE) for _ in range(123)]  # written together: 50 + 50 + 23 rows
    assert log.flush()
    stored = rows(db_path, "SELECT id, question, suggestions FROM questions ORDER BY asked_at, id")
    assert [r[0] for r in stored] == ids
    assert {(r[1], r[2]) for r in stored} == {
        ("新疆自贸区有多大？", '[{"fact_id": "total_area", "question": "自贸区总面积是多少？", "confidence": 47}]')}


def test_a_question_with_a_value_that_cannot_be_stored_costs_only_its_own_row(log: QuestionLog, db_path: Path) -> None:
    log.log_question("fine", "answer", chat_type="private", language="en", confidence=90)
    log.log_question("broken", "answer", chat_type="private", language="en", confidence="very")  # type: ignore[arg-type]
    log.log_question("also fine", "answer", chat_type="private", language="en", confidence=80)
    assert log.flush()
    assert rows(db_path, "SELECT question, confidence FROM questions ORDER BY id") == [("fine", 90), ("also fine", 80)]
    assert log.status().dropped == 1


def test_row_ids_are_returned_at_once_and_are_unique_and_increasing(log: QuestionLog) -> None:
    ids = log_a_few(log, 50)
    assert ids == sorted(ids) and len(set(ids)) == 50


def test_telegram_chat_types_are_folded_onto_the_logs_own(log: QuestionLog, db_path: Path) -> None:
    for chat_type in ("private", "supergroup", "channel", LogChatType.INLINE, "console"):
        log.log_question("q", "answer", chat_type=chat_type, language="en", fact_id="overview", confidence=90)
    log.flush()
    assert [r[0] for r in rows(db_path, "SELECT chat_type FROM questions ORDER BY id")] == \
        ["private", "group", "group", "inline", "console"]


def test_the_database_and_its_missing_directories_are_created_on_first_use(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "questions.sqlite3"
    with QuestionLog(path) as question_log:
        log_a_few(question_log)
        question_log.flush()
    assert path.is_file()
    assert rows(path, "PRAGMA user_version") == [(questionlog.SCHEMA_VERSION,)]
    assert rows(path, "PRAGMA journal_mode") == [("wal",)]
    assert rows(path, "SELECT count(*) FROM questions") == [(3,)]


def test_reopening_a_database_keeps_its_rows_and_salt_and_issues_larger_ids(db_path: Path) -> None:
    with QuestionLog(db_path) as first:
        first_ids = log_a_few(first)
    salt = rows(db_path, "SELECT value FROM meta WHERE key = 'voter_salt'")
    with QuestionLog(db_path) as second:
        second.flush()  # the writer has opened the file and raised the id floor past what it holds
        second_ids = log_a_few(second)
    assert rows(db_path, "SELECT value FROM meta WHERE key = 'voter_salt'") == salt
    assert min(second_ids) > max(first_ids)
    assert rows(db_path, "SELECT count(*) FROM questions") == [(6,)]


def test_the_path_comes_from_the_argument_then_settings_then_BOT_DB_PATH_then_the_data_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_DB_PATH", str(tmp_path / "from-env.sqlite3"))
    settings = Settings(db_path=tmp_path / "from-settings.sqlite3")
    assert resolve_db_path(tmp_path / "given.sqlite3", settings) == tmp_path / "given.sqlite3"
    assert resolve_db_path(None, settings) == tmp_path / "from-settings.sqlite3"
    assert resolve_db_path(None, Settings()) == tmp_path / "from-env.sqlite3"
    monkeypatch.delenv("BOT_DB_PATH")
    assert resolve_db_path() == default_db_path()
    assert default_db_path().parent == platformdirs.user_data_path("ftz-facts", appauthor=False)


# --- votes ------------------------------------------------------------------------------------------------------


def test_a_second_press_by_the_same_person_changes_the_vote_instead_of_adding_one(
        log: QuestionLog, db_path: Path) -> None:
    [answer] = log_a_few(log, 1)
    assert log.record_vote(answer, 123456789, Vote.UP)
    assert log.record_vote(answer, 123456789, Vote.UP)  # the same button twice
    log.flush()
    assert rows(db_path, "SELECT vote FROM feedback") == [(1,)]
    log.record_vote(answer, 123456789, -1)  # changed their mind
    log.flush()
    assert rows(db_path, "SELECT vote FROM feedback") == [(-1,)]


def test_votes_by_different_people_or_on_different_answers_count_separately(log: QuestionLog, db_path: Path) -> None:
    first, second = log_a_few(log, 2)
    log.record_vote(first, 1001, Vote.UP)
    log.record_vote(first, 1002, Vote.DOWN)
    log.record_vote(second, 1001, Vote.DOWN)
    log.flush()
    assert sorted(rows(db_path, "SELECT question_id, vote FROM feedback")) == sorted(
        [(first, 1), (first, -1), (second, -1)])


def test_a_vote_for_an_unknown_answer_or_with_a_forged_value_is_ignored(log: QuestionLog, db_path: Path) -> None:
    [answer] = log_a_few(log, 1)
    assert log.record_vote(answer + 10**9, 42, Vote.UP)  # queued, but no such row: skipped by the writer
    assert not log.record_vote(answer, 42, 5)
    assert not log.record_vote("not a number", 42, Vote.UP)  # type: ignore[arg-type]
    log.flush()
    assert rows(db_path, "SELECT count(*) FROM feedback") == [(0,)]


def test_no_raw_user_id_appears_anywhere_in_the_database_files(tmp_path: Path) -> None:
    path = tmp_path / "questions.sqlite3"
    voters = [739182736451, 5550123987, 987654321]
    with QuestionLog(path) as question_log:
        for answer in log_a_few(question_log, 5):
            for voter in voters:
                question_log.record_vote(answer, voter, Vote.DOWN)
                question_log.record_vote(answer, voter, Vote.UP)
        question_log.flush()
        # Look at the files while the WAL is live, and again after close (checkpointed into the main file).
        live = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    closed = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert rows(path, "SELECT count(*) FROM feedback") == [(15,)]
    for data in (live, closed):
        for voter in voters:
            for form in (str(voter).encode(), struct.pack(">q", voter), struct.pack("<q", voter)):
                assert form not in data, f"user id {voter} stored as {form!r}"


def test_each_database_has_its_own_salt_so_voter_keys_cannot_be_matched_across_files(tmp_path: Path) -> None:
    keys = []
    for name in ("one.sqlite3", "two.sqlite3"):
        with QuestionLog(tmp_path / name) as question_log:
            [answer] = log_a_few(question_log, 1)
            question_log.record_vote(answer, 77, Vote.UP)
        keys.append(rows(tmp_path / name, "SELECT voter FROM feedback")[0][0])
        assert len(rows(tmp_path / name, "SELECT value FROM meta WHERE key = 'voter_salt'")[0][0]) == 64
    assert keys[0] != keys[1]


# --- failures never reach the caller ------------------------------------------------------------------------------


def assert_keeps_working_with_one_warning(path: Path, caplog: pytest.LogCaptureFixture) -> QuestionLog:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    question_log = QuestionLog(path)
    for _ in range(3):
        ids = log_a_few(question_log, 5)
        assert len(set(ids)) == 5
        question_log.record_vote(ids[0], 99, Vote.UP)
        assert question_log.flush()
    assert len(warnings_in(caplog)) == 1, [r.getMessage() for r in warnings_in(caplog)]
    assert str(path) in warnings_in(caplog)[0].getMessage()
    assert not question_log.status().available
    question_log.close()
    return question_log


def test_a_directory_that_cannot_be_created_gives_one_warning_and_logging_calls_keep_working(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    assert_keeps_working_with_one_warning(tmp_path / "a-file" / "questions.sqlite3", caplog)


def test_a_path_that_is_a_directory_gives_one_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "questions.sqlite3").mkdir()
    assert_keeps_working_with_one_warning(tmp_path / "questions.sqlite3", caplog)


def test_a_file_that_is_not_a_database_gives_one_warning_and_is_left_alone(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "questions.sqlite3"
    path.write_bytes(b"these are someone's notes, not a database" * 100)
    before = path.read_bytes()
    assert_keeps_working_with_one_warning(path, caplog)
    assert path.read_bytes() == before


def test_a_database_from_a_newer_version_gives_one_warning_and_is_left_alone(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "questions.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {questionlog.SCHEMA_VERSION + 1}")
    connection.close()
    assert_keeps_working_with_one_warning(path, caplog)
    assert rows(path, "SELECT name FROM sqlite_master") == []


@pytest.mark.skipif(not CAN_CHMOD_AWAY_ACCESS, reason="needs a POSIX user that file permissions apply to (not root)")
def test_a_read_only_directory_gives_one_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert_keeps_working_with_one_warning(folder / "questions.sqlite3", caplog)
    finally:
        folder.chmod(0o755)


@pytest.mark.skipif(not CAN_CHMOD_AWAY_ACCESS, reason="needs a POSIX user that file permissions apply to (not root)")
def test_a_read_only_database_file_gives_one_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "questions.sqlite3"
    with QuestionLog(path) as question_log:
        log_a_few(question_log)
    path.chmod(0o444)
    try:
        assert_keeps_working_with_one_warning(path, caplog)
    finally:
        path.chmod(0o644)


# The two tests above need a user that permissions apply to, and CI runs as root. These two make the same failures
# for root as well: one from the database file itself, one from the file system.


def test_a_database_file_sqlite_must_only_read_gives_one_warning_even_for_root(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "questions.sqlite3"
    with QuestionLog(path) as question_log:
        log_a_few(question_log)
    header = bytearray(path.read_bytes())
    header[18] = 3  # the file format's write version: above 2, SQLite opens the file read-only, whoever asks
    path.write_bytes(bytes(header))
    assert_keeps_working_with_one_warning(path, caplog)
    assert path.read_bytes() == bytes(header)
    assert rows(path, "SELECT count(*) FROM questions") == [(3,)]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux's /proc")
def test_a_directory_that_refuses_new_files_even_to_root_gives_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    # /proc/self cannot hold a folder of ours, for root too (the kernel answers "no such file or directory").
    assert_keeps_working_with_one_warning(Path("/proc/self/ftz-facts/questions.sqlite3"), caplog)


def test_a_full_disk_gives_one_warning_and_logging_calls_keep_working(
        log: QuestionLog, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    log_a_few(log, 1)
    log.flush()
    # Cap the file at its current size on the writer's own connection (idle after flush): SQLite then reports
    # "database or disk is full" exactly as on a full disk.
    connection = log._connection
    assert connection is not None
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.execute(f"PRAGMA max_page_count = {pages}")
    for _ in range(3):
        for _ in range(20):
            log.log_question("x" * 3000, "no_match", chat_type="private", language="en")
        assert log.flush()
    assert len(warnings_in(caplog)) == 1
    assert "full" in warnings_in(caplog)[0].getMessage()
    assert log.status().dropped > 0


def test_the_log_recovers_once_the_problem_is_fixed_and_says_so(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    monkeypatch.setattr(writer, "_RETRY_OPEN_SECONDS", 0.0)
    blocker = tmp_path / "data"
    blocker.write_text("in the way")
    path = blocker / "questions.sqlite3"
    with QuestionLog(path) as question_log:
        log_a_few(question_log)
        question_log.flush()
        blocker.unlink()  # the administrator clears the way
        log_a_few(question_log, 2)
        question_log.flush()
        assert question_log.status().available
    assert rows(path, "SELECT count(*) FROM questions") == [(2,)]
    assert len(warnings_in(caplog)) == 1
    assert any("again" in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)


def test_a_full_queue_drops_rows_with_one_warning_instead_of_waiting(
        db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    QuestionLog(db_path).close()  # create the file
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock, so the writer thread waits
    question_log = QuestionLog(db_path, queue_size=2)
    try:
        started = time.perf_counter()
        ids = log_a_few(question_log, 50)
        assert time.perf_counter() - started < 0.5
        assert len(set(ids)) == 50
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    question_log.close()
    assert len(warnings_in(caplog)) == 1 and "queue is full" in warnings_in(caplog)[0].getMessage()
    written = rows(db_path, "SELECT count(*) FROM questions")[0][0]
    assert 1 <= written < 50 and question_log.status().dropped == 50 - written


def test_logging_returns_at_once_while_the_database_is_locked_and_catches_up_afterwards(db_path: Path) -> None:
    QuestionLog(db_path).close()
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    with QuestionLog(db_path) as question_log:
        try:
            started = time.perf_counter()
            log_a_few(question_log, 200)
            elapsed = time.perf_counter() - started
            assert holder.execute("SELECT count(*) FROM questions").fetchone() == (0,)  # nothing written yet
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert elapsed < 0.5
        assert question_log.flush()
    assert rows(db_path, "SELECT count(*) FROM questions") == [(200,)]


def test_close_writes_everything_queued_and_later_calls_are_harmless(db_path: Path) -> None:
    question_log = QuestionLog(db_path)
    ids = log_a_few(question_log, 100)
    question_log.close()
    question_log.close()
    assert rows(db_path, "SELECT count(*) FROM questions") == [(100,)]
    assert question_log.log_question("late", "answer", chat_type="private", language="en") > max(ids)
    assert not question_log.record_vote(ids[0], 1, Vote.UP)
    assert question_log.flush()


# --- bursts ------------------------------------------------------------------------------------------------------


def test_a_burst_of_200_concurrent_threads_loses_no_row(log: QuestionLog, db_path: Path) -> None:
    start = threading.Barrier(200)
    ids: list[int] = []
    lock = threading.Lock()

    def user(number: int) -> None:
        start.wait()
        row_id = log.log_question(f"question from user {number}", "answer", chat_type="private", language="en",
                                  fact_id="overview", confidence=90)
        log.record_vote(row_id, 10_000 + number, Vote.UP if number % 2 else Vote.DOWN)
        with lock:
            ids.append(row_id)

    threads = [threading.Thread(target=user, args=(n,)) for n in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert log.flush()
    assert len(set(ids)) == 200
    assert rows(db_path, "SELECT count(*), count(DISTINCT question) FROM questions") == [(200, 200)]
    assert rows(db_path, "SELECT count(*), sum(vote) FROM feedback") == [(200, 0)]
    assert log.status().dropped == 0


def test_a_burst_of_200_async_handlers_logs_every_question_without_awaiting_the_database(
        log: QuestionLog, db_path: Path) -> None:
    async def handler(number: int) -> int:
        await asyncio.sleep(0)
        return log.log_question(f"async question {number}", "no_match", chat_type="group", language="en")

    async def burst() -> list[int]:
        return await asyncio.gather(*(handler(n) for n in range(200)))

    ids = asyncio.run(burst())
    assert log.flush()
    assert len(set(ids)) == 200
    assert rows(db_path, "SELECT count(*) FROM questions WHERE chat_type = 'group'") == [(200,)]


# --- the file deleted, replaced or overwritten while the log is open ---------------------------------------------


def _replace_with_another_log(path: Path) -> None:
    other = path.with_name("other.sqlite3")
    QuestionLog(other).close()
    os.replace(other, path)


def _overwrite_with_garbage(path: Path) -> None:
    with open(path, "r+b") as file:  # the same file (same inode), written over
        file.write(b"garbage, not a database" * 100)


@pytest.mark.parametrize(("damage", "words"), [
    (lambda path: path.unlink(), "was deleted"),
    (_replace_with_another_log, "was replaced by another file"),
    (_overwrite_with_garbage, "was overwritten with data that is not an SQLite database"),
])
def test_a_log_file_deleted_replaced_or_overwritten_is_noticed_once_and_a_new_file_takes_the_next_rows(
        log: QuestionLog, db_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
        damage, words: str) -> None:
    monkeypatch.setattr(writer, "_HEADER_CHECK_SECONDS", 0.0)  # read the header before every batch
    # and no checkpoint meanwhile: one right after the damage would write page 1 back over the garbage
    monkeypatch.setattr(writer, "_CHECKPOINT_SECONDS", 3600.0)
    log_a_few(log, 3)
    assert log.flush()
    damage(db_path)
    for _ in range(3):  # several batches: still one warning
        log_a_few(log, 2)
        assert log.flush()
    [warning] = warnings_in(caplog)
    assert words in warning.getMessage() and "the 3 rows written to it" in warning.getMessage()
    assert rows(db_path, "SELECT count(*) FROM questions") == [(6,)]
    status = log.status()
    assert status.available and status.lost_with_file == 3 and status.written == 9 and status.dropped == 0
    assert len(status.incidents) == 1 and words in status.incidents[0]
    if damage is _overwrite_with_garbage:  # kept, not destroyed: someone may want to look at it
        assert len(list(db_path.parent.glob("questions.sqlite3.damaged-*"))) == 1


def test_the_inbox_keeps_updates_until_they_are_done_and_carries_them_over_to_a_recreated_file(
        log: QuestionLog, db_path: Path) -> None:
    stored = threading.Event()
    log.inbox_store([(11, 1.0, '{"update_id": 11}'), (12, 2.0, '{"update_id": 12}')],
                    lambda ok: ok and stored.set())
    assert stored.wait(5)
    log.inbox_done(12)  # the newest leaves: its id goes to the meta row, which is carried over too
    assert log.flush()
    db_path.unlink()
    log_a_few(log, 1)
    assert log.flush()
    assert rows(db_path, "SELECT update_id, body FROM inbox") == [(11, '{"update_id": 11}')]
    assert rows(db_path, "SELECT value FROM meta WHERE key = 'inbox_high_water'")[0][0].startswith("12 ")


def test_the_largest_update_id_stored_is_kept_by_the_inbox_until_its_deletion_writes_it_to_meta(
        log: QuestionLog, db_path: Path) -> None:
    # A store on the event loop is one insert; the meta row follows only when updates leave the inbox, so at every
    # moment the inbox or the meta row holds the largest id (what a restart polls from), with when it came.
    assert log.flush()  # the file is open
    assert log.inbox_store_now([(21, 100.0, '{"update_id": 21}'), (22, 200.0, '{"update_id": 22}')])
    assert rows(db_path, "SELECT value FROM meta WHERE key = 'inbox_high_water'") == []
    with sqlite3.connect(db_path) as reader:
        assert questionlog.read_inbox(reader)[1:] == (22, 200.0)
    log.inbox_done(21)
    log.inbox_done(22)
    assert log.flush()
    assert rows(db_path, "SELECT value FROM meta WHERE key = 'inbox_high_water'") == [("22 200",)]
    with sqlite3.connect(db_path) as reader:
        assert questionlog.read_inbox(reader) == ([], 22, 200.0)
    assert log.status().inbox == 0
    assert log.inbox_store_now([(23, 300.0, '{"update_id": 23}')]) and log.status().inbox == 1


def test_deleting_an_older_update_leaves_the_meta_row_alone_while_the_newest_is_still_in_the_inbox(
        log: QuestionLog, db_path: Path) -> None:
    # At a steady pace each store shares its transaction with the deletion of the update before: one page fewer.
    assert log.flush()
    assert log.inbox_store_now([(41, 100.0, '{"update_id": 41}')])
    log.inbox_done(41)
    assert log.flush()
    assert rows(db_path, "SELECT value FROM meta WHERE key = 'inbox_high_water'") == [("41 100",)]
    assert log.inbox_store_now([(42, 200.0, '{"update_id": 42}'), (43, 300.0, '{"update_id": 43}')])
    log.inbox_done(42)
    assert log.flush()
    assert rows(db_path, "SELECT value FROM meta WHERE key = 'inbox_high_water'") == [("41 100",)]
    with sqlite3.connect(db_path) as reader:
        assert questionlog.read_inbox(reader)[1:] == (43, 300.0)
    log.inbox_done(43)
    assert log.flush()
    assert rows(db_path, "SELECT value FROM meta WHERE key = 'inbox_high_water'") == [("43 300",)]
    with sqlite3.connect(db_path) as reader:
        assert questionlog.read_inbox(reader) == ([], 43, 300.0)


def test_an_update_left_in_the_inbox_by_the_last_run_takes_its_id_to_meta_when_it_is_deleted(db_path: Path) -> None:
    first = QuestionLog(db_path)
    assert first.flush() and first.inbox_store_now([(31, 100.0, '{"update_id": 31}')])
    first.close()  # as after a crash: stored, never answered
    assert rows(db_path, "SELECT value FROM meta WHERE key = 'inbox_high_water'") == []
    second = QuestionLog(db_path)
    second.inbox_done(31)  # replayed and answered
    assert second.flush()
    second.close()
    assert rows(db_path, "SELECT value FROM meta WHERE key = 'inbox_high_water'") == [("31 100",)]
    assert rows(db_path, "SELECT count(*) FROM inbox") == [(0,)]


def test_rows_held_back_for_an_update_are_written_only_when_it_is_committed(log: QuestionLog, db_path: Path) -> None:
    with questionlog.deferring_rows() as held:
        log_a_few(log, 2)
    assert log.flush() and rows(db_path, "SELECT count(*) FROM questions") == [(0,)]
    log.commit(held, update_id=None)
    assert log.flush() and rows(db_path, "SELECT count(*) FROM questions") == [(2,)]


def test_an_answered_update_leaves_the_inbox_with_its_rows_at_once_without_waiting_for_the_writer(
        lingering_log: QuestionLog, db_path: Path) -> None:
    # After a crash, whatever is still in the inbox is answered again: a sent answer's update must not linger there.
    assert lingering_log.flush() and lingering_log.inbox_store_now([(41, 1.0, '{"update_id": 41}')])
    with questionlog.deferring_rows() as held:
        log_a_few(lingering_log, 2)
    lingering_log.commit(held, update_id=41)
    assert rows(db_path, "SELECT count(*) FROM inbox") == [(0,)]
    assert rows(db_path, "SELECT count(*) FROM questions") == [(2,)]


def test_an_answered_update_waits_for_the_writer_while_earlier_jobs_are_queued_so_nothing_lands_out_of_order(
        lingering_log: QuestionLog, db_path: Path) -> None:
    assert lingering_log.flush() and lingering_log.inbox_store_now([(42, 1.0, '{"update_id": 42}')])
    log_a_few(lingering_log, 1)  # queued for the writer, which is lingering
    with questionlog.deferring_rows() as held:
        log_a_few(lingering_log, 1)
    lingering_log.commit(held, update_id=42)
    assert rows(db_path, "SELECT update_id FROM inbox") == [(42,)]
    assert lingering_log.flush()
    assert rows(db_path, "SELECT count(*) FROM inbox") == [(0,)]
    assert rows(db_path, "SELECT question FROM questions ORDER BY id") == [("question 0",), ("question 0",)]


def test_an_answered_update_held_back_is_written_in_the_transaction_of_the_next_store(
        lingering_log: QuestionLog, db_path: Path) -> None:
    assert lingering_log.flush() and lingering_log.inbox_store_now([(43, 1.0, '{"update_id": 43}')])
    with questionlog.deferring_rows() as held:
        log_a_few(lingering_log, 2)
    lingering_log.commit_later(held, update_id=43)
    assert lingering_log.held == 3 and rows(db_path, "SELECT count(*) FROM questions") == [(0,)]
    assert lingering_log.inbox_store_now([(44, 2.0, '{"update_id": 44}')])
    assert lingering_log.held == 0
    assert rows(db_path, "SELECT update_id FROM inbox") == [(44,)]
    assert rows(db_path, "SELECT count(*) FROM questions") == [(2,)]


def test_an_answered_update_held_back_without_a_store_is_written_when_the_bot_says_so(
        lingering_log: QuestionLog, db_path: Path) -> None:
    assert lingering_log.flush() and lingering_log.inbox_store_now([(45, 1.0, '{"update_id": 45}')])
    with questionlog.deferring_rows() as held:
        log_a_few(lingering_log, 1)
    lingering_log.commit_later(held, update_id=45)
    lingering_log.commit_held()
    assert lingering_log.held == 0
    assert rows(db_path, "SELECT count(*) FROM inbox") == [(0,)]
    assert rows(db_path, "SELECT count(*) FROM questions") == [(1,)]


def test_an_answered_update_held_back_while_earlier_jobs_are_queued_waits_for_them_so_nothing_lands_out_of_order(
        lingering_log: QuestionLog, db_path: Path) -> None:
    assert lingering_log.flush() and lingering_log.inbox_store_now([(46, 1.0, '{"update_id": 46}')])
    log_a_few(lingering_log, 1)  # queued for the writer, which is lingering
    with questionlog.deferring_rows() as held:
        lingering_log.log_question("the answered one", Outcome.NO_MATCH, chat_type="private", language="en")
    lingering_log.commit_later(held, update_id=46)
    assert lingering_log.inbox_store_now([(47, 2.0, '{"update_id": 47}')])  # stored; the held ones wait their turn
    assert lingering_log.held == 2  # the answered question and its removal
    lingering_log.commit_held()
    assert rows(db_path, "SELECT update_id FROM inbox ORDER BY update_id") == [(46,), (47,)]
    assert lingering_log.flush()
    assert rows(db_path, "SELECT update_id FROM inbox") == [(47,)]
    assert rows(db_path, "SELECT question FROM questions ORDER BY id") == [("question 0",), ("the answered one",)]


def test_a_held_back_removal_from_the_inbox_is_queued_even_when_the_write_queue_is_full(db_path: Path) -> None:
    # A removal dropped for a full queue would leave the answered update in the inbox, to be answered again.
    log = QuestionLog(db_path, linger=60.0, queue_size=1)
    try:
        assert log.flush() and log.inbox_store_now([(49, 1.0, '{"update_id": 49}')])
        log.commit_later(questionlog.DeferredRows(), update_id=49)
        log_a_few(log, 1)  # the queue is full now, and the held removal must wait behind it
        log.commit_held()
        assert log.flush()
        assert rows(db_path, "SELECT count(*) FROM inbox") == [(0,)]
    finally:
        log.close()


def test_closing_the_log_writes_the_answered_updates_it_held_back(lingering_log: QuestionLog, db_path: Path) -> None:
    assert lingering_log.flush() and lingering_log.inbox_store_now([(48, 1.0, '{"update_id": 48}')])
    with questionlog.deferring_rows() as held:
        log_a_few(lingering_log, 2)
    lingering_log.commit_later(held, update_id=48)
    lingering_log.close()
    assert rows(db_path, "SELECT count(*) FROM inbox") == [(0,)]
    assert rows(db_path, "SELECT count(*) FROM questions") == [(2,)]


# --- schema 3: follow-ups ----------------------------------------------------------------------------------------


def test_a_follow_up_answered_in_its_conversation_is_logged_as_answered_with_its_fact_and_flagged(
        matcher, db_path: Path) -> None:
    from bot.conversation import Conversations
    from bot.report import build_report
    from bot.telegram.recorder import QuestionRecorder

    conversations = Conversations(matcher)
    question_log = QuestionLog(db_path)
    recorder = QuestionRecorder(question_log)
    for text in ("how big is the Horgos area?", "and Kashgar?", "what is the population of Mars?"):
        recorder.question(conversations.reply("a chat", text), LogChatType.PRIVATE)
    question_log.close()
    logged = rows(db_path, "SELECT question, outcome, fact_id, follow_up FROM questions ORDER BY id")
    assert logged[:2] == [("how big is the Horgos area?", "answer", "horgos_area", 0),
                          ("and Kashgar?", "answer", "kashgar_area", 1)]
    assert logged[2][1] != "answer" and logged[2][3] == 0
    # The curator's to-do list holds the unanswered question only, not the follow-up that was answered.
    unanswered = [group.question for group in build_report(db_path, "all").unanswered]
    assert not any("kashgar" in question.lower() for question in unanswered)
    assert any("mars" in question.lower() for question in unanswered)


def test_a_schema_2_log_is_upgraded_to_the_latest_keeping_its_rows_and_inbox(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    connection = sqlite3.connect(db_path, isolation_level=None)
    for step in schema._MIGRATIONS[:2]:
        for statement in step:
            connection.execute(statement)
    connection.execute("PRAGMA user_version = 2")
    connection.execute("INSERT INTO questions (id, asked_at, chat_type, language, question, outcome, confidence) "
                       "VALUES (1, '2025-01-01T00:00:00.000Z', 'private', 'en', 'old question', 'answer', 90)")
    connection.execute("INSERT INTO inbox (update_id, received_at, body) VALUES (5, 0, '{}')")
    connection.close()
    question_log = QuestionLog(db_path)
    question_log.log_question("and Kashgar?", Outcome.ANSWER, chat_type="private", language="en",
                              fact_id="kashgar_area", confidence=90, follow_up=True)
    question_log.close()
    assert rows(db_path, "PRAGMA user_version") == [(questionlog.SCHEMA_VERSION,)]
    assert rows(db_path, "SELECT question, follow_up, fact_base IS NULL FROM questions ORDER BY id") == [
        ("old question", 0, 1), ("and Kashgar?", 1, 0)]
    assert rows(db_path, "SELECT update_id FROM inbox") == [(5,)]


# --- schema 4: one log per knowledge folder, the fact base on every row ------------------------------------------


def test_each_knowledge_folder_has_its_own_default_log_named_by_its_folder(monkeypatch):
    from tests.conftest import KNOWLEDGE
    from tests.conftest import SOLAR as solar

    monkeypatch.delenv("BOT_DB_PATH")
    bundled, second = default_db_path(KNOWLEDGE), default_db_path(solar)
    assert bundled != second and bundled.parent == second.parent
    assert bundled.name.startswith("questions-knowledge-") and second.name.startswith("questions-solar-")
    assert default_db_path(solar) == second  # stable: keyed by the folder's resolved path
    assert resolve_db_path(None, Settings(knowledge_dir=solar)) == second


def test_every_row_records_which_fact_base_answered_it(tmp_path: Path):
    from bot.knowledge import fact_base_key
    from tests.conftest import SOLAR as solar

    path = tmp_path / "shared.sqlite3"
    with QuestionLog(path) as bundled_log:
        bundled_log.log_question("how big?", "answer", chat_type="console", language="en", fact_id="total_area")
    with QuestionLog(path, knowledge_dir=solar) as solar_log:
        solar_log.log_question("how many panels?", "answer", chat_type="console", language="en",
                               fact_id="farm_solar_panels")
    assert rows(path, "SELECT fact_id, fact_base FROM questions ORDER BY id") == [
        ("total_area", fact_base_key()), ("farm_solar_panels", fact_base_key(solar))]


def test_a_schema_1_log_is_upgraded_in_place_through_every_step_keeping_its_rows_and_votes(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as connection:
        for statement in schema._MIGRATIONS[0]:
            connection.execute(statement)
        connection.execute("PRAGMA user_version = 1")
        connection.execute("INSERT INTO questions (id, asked_at, chat_type, language, question, outcome, confidence)"
                           " VALUES (1, '2025-01-01T00:00:00.000Z', 'console', 'en', 'old one', 'no_match', 0)")
        connection.execute("INSERT INTO feedback (question_id, voter, vote, voted_at)"
                           " VALUES (1, 'a voter', 1, '2025-01-01T00:00:01.000Z')")
    with QuestionLog(path) as log:
        log.log_question("new one", "no_match", chat_type="console", language="en")
    assert rows(path, "PRAGMA user_version") == [(questionlog.SCHEMA_VERSION,)] == [(4,)]
    assert rows(path, "SELECT question, follow_up, fact_base IS NULL FROM questions ORDER BY id") == [
        ("old one", 0, 1), ("new one", 0, 0)]
    assert rows(path, "SELECT question_id, vote FROM feedback") == [(1, 1)]
    assert rows(path, "SELECT count(*) FROM inbox") == [(0,)]


def test_a_log_from_the_curators_branch_schema_2_with_fact_base_but_no_inbox_is_upgraded_too(tmp_path: Path):
    # Before the merge with main, the curators branch numbered its fact_base step 2, as main did its inbox.
    path = tmp_path / "curators.sqlite3"
    with sqlite3.connect(path) as connection:
        for statement in (*schema._MIGRATIONS[0], "ALTER TABLE questions ADD COLUMN fact_base TEXT"):
            connection.execute(statement)
        connection.execute("PRAGMA user_version = 2")
        connection.execute("INSERT INTO questions (id, asked_at, chat_type, language, question, outcome, confidence,"
                           " fact_base) VALUES (1, '2025-01-01T00:00:00.000Z', 'console', 'en', 'old', 'answer', 90,"
                           " 'solar-0123')")
    with QuestionLog(path) as log:
        log.log_question("new", "no_match", chat_type="console", language="en")
        assert log.status().available
    assert rows(path, "PRAGMA user_version") == [(questionlog.SCHEMA_VERSION,)]
    assert rows(path, "SELECT question, follow_up, fact_base FROM questions ORDER BY id") == [
        ("old", 0, "solar-0123"), ("new", 0, log.fact_base)]
    assert rows(path, "SELECT count(*) FROM inbox") == [(0,)]
