"""What the question log costs the event loop per answered update: `inbox_store_now` and `QuestionLog.commit`.

Usage: python bench/questionlog_bench.py [--answers N] [--json]. Each answer is one update stored in the inbox, one
question row logged while it is answered, and the commit of that row with the update's removal. Prints medians and
p90 in µs; asserts nothing (timings on shared machines are noisy).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from machine import describe_machine  # noqa: E402  (bench/ is on sys.path when run as a script)

from bot.match import Outcome  # noqa: E402
from bot.questionlog import QuestionLog, deferring_rows  # noqa: E402


def measure(answers: int) -> dict[str, float]:
    """µs on the caller's thread for storing each update and for committing its answer (median and p90)."""
    stores: list[float] = []
    commits: list[float] = []
    with tempfile.TemporaryDirectory() as folder, QuestionLog(Path(folder) / "questions.sqlite3") as log:
        log.flush()  # the file is open
        for update_id in range(1, answers + 1):
            started = time.perf_counter()
            log.inbox_store_now([(update_id, time.time(), f'{{"update_id": {update_id}}}')])
            stores.append(time.perf_counter() - started)
            with deferring_rows() as held:
                log.log_question(f"question {update_id}", Outcome.NO_MATCH, chat_type="private", language="en")
            started = time.perf_counter()
            log.commit(held, update_id)
            commits.append(time.perf_counter() - started)
    figures: dict[str, float] = {}
    for name, values in (("store", stores), ("commit", commits)):
        ordered = sorted(values)
        figures[f"{name}_median_us"] = round(statistics.median(ordered) * 1e6, 1)
        figures[f"{name}_p90_us"] = round(ordered[int(0.9 * (len(ordered) - 1))] * 1e6, 1)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=2000, help="updates stored and answered (default 2000)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    figures = {"machine": describe_machine(), "answers": args.answers, **measure(args.answers)}
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
