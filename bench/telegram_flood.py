"""Memory after a flood: the bot's RSS at rest, at its peak while a flood of questions is answered, and once it has
settled again.

The bot runs in its own process (the same `--bot` child as `bench/telegram_bench.py`: `build_application` +
`serve`, the question log and its inbox on, Telegram's flood limits off so that the flood takes seconds, not the
11 minutes 20,000 answers take at Telegram's 30 a second). This process serves the stand-in on 127.0.0.1 and plays
the users: a warm-up of 50 questions, then --users (default 20,000) users asking one question each, all at once.
Every question must get exactly one answer, or the run fails.

Figures (from /proc/<pid>/status): RSS at rest after the warm-up, the peak (VmHWM), and RSS after the flood: the
lowest of the samples taken every 0.25 s for --settle seconds (default 5) once the last answer has arrived.

Usage: python bench/telegram_flood.py [--users 20000] [--settle 5] [--runs 1] [--json]
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import telegram_bench  # noqa: E402  (bench/ is on sys.path when run as a script)
from machine import describe_machine  # noqa: E402
from standin import BotAPIStandIn  # noqa: E402  (tests/telegram_layer is on sys.path through telegram_bench)


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


def one_run(users: int, settle: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="ftz-flood-") as folder, BotAPIStandIn() as standin:
        db = Path(folder) / "questions.sqlite3"
        bot = subprocess.Popen(telegram_bench.bot_command(standin, 0, db), stdout=subprocess.PIPE, text=True)
        try:
            standin.wait_for(lambda: len(standin.poll_offsets) > 0, timeout=30, what="the bot to poll")
            texts = telegram_bench.questions(users)
            for n, text in enumerate(texts[:50]):
                standin.private_text(1_000_000 + n, text)
            standin.wait_for(lambda: len(standin.sent) >= 50, timeout=30, what="the warm-up answers")
            time.sleep(1.0)  # let the warm-up's garbage go before measuring the resting figure
            rest = rss_mb(bot.pid)
            started = time.perf_counter()
            for n, text in enumerate(texts):
                standin.private_text(2_000_000 + n, text)
            standin.wait_for(lambda: len(standin.sent) >= 50 + users, timeout=600, what="every answer")
            seconds = time.perf_counter() - started
            samples = []
            deadline = time.monotonic() + settle
            while time.monotonic() < deadline:
                samples.append(rss_mb(bot.pid))
                time.sleep(0.25)
            peak = rss_mb(bot.pid, "VmHWM")
            answered = len(standin.sent)
        finally:
            bot.send_signal(signal.SIGTERM)
            bot.communicate(timeout=30)
    if answered != 50 + users:
        raise SystemExit(f"{answered} answers to {50 + users} questions: not exactly once")
    return {"rest_mb": rest, "peak_mb": peak, "after_mb": min(samples), "seconds": seconds,
            "answers_per_s": users / seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20_000, help="users asking at once (default 20,000)")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds of samples after the flood (default 5)")
    parser.add_argument("--runs", type=int, default=1, help="independent runs (default 1)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    runs = [one_run(args.users, args.settle) for _ in range(args.runs)]
    median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    if args.json:
        print(json.dumps({"machine": describe_machine(), "users": args.users, "runs": runs, "median": median},
                         indent=2))
        return 0
    print(f"{args.users} users at once, median of {args.runs} run(s) on {describe_machine()}:")
    print(f"  RSS at rest {median['rest_mb']:.1f} MB, peak {median['peak_mb']:.1f} MB, "
          f"after the flood {median['after_mb']:.1f} MB ({median['after_mb'] - median['rest_mb']:+.1f} MB); "
          f"{median['answers_per_s']:.0f} answers/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
