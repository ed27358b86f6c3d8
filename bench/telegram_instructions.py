"""Count the CPU instructions the Telegram bot spends per question, with the question log off and on.

Timings on a shared VM drift by more than the question log costs; instruction counts do not. This runs the bot
exactly as bench/telegram_bench.py does (its own process, the Bot API stand-in on 127.0.0.1, 👍/👎 under every
answer when the log is on) but under valgrind's callgrind, which counts every instruction the process executes,
writer thread included. Each mode runs twice, with --small and --large questions in a burst; the difference
divided by the difference in questions is the cost of one question, start-up taken out.

With --rate the questions are asked at that pace instead of all at once (say --rate 10 --small 30 --large 90): each
then comes in a getUpdates of its own, as at a steady 300 a second without callgrind, and pays for what is done
per poll rather than per burst.

Usage: python bench/telegram_instructions.py [--small 100] [--large 400] [--rate R] [--json]
Needs valgrind (Debian: apt install valgrind). Takes a few minutes: the bot runs about 50 times slower under it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "telegram_layer"))

from machine import describe_machine  # bench/ is on sys.path when run as a script
from standin import BotAPIStandIn
from telegram_bench import WARM_UP, bot_command, phase, questions

USERS = 50


def instructions(count: int, log: bool, folder: Path, rate: float | None = None) -> int:
    """Instructions executed by a bot that starts, answers WARM_UP + `count` questions, and stops."""
    out_file = folder / f"callgrind-{'on' if log else 'off'}-{count}.out"
    db = folder / f"questions-{count}.sqlite3" if log else None
    with BotAPIStandIn() as standin:
        bot = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}",
                                *bot_command(standin, 0, db)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            standin.wait_for(lambda: len(standin.poll_offsets) > 0, timeout=300, what="the bot to poll")
            phase(standin, questions(WARM_UP), WARM_UP, None, 10_000)
            phase(standin, questions(count), USERS, rate, 20_000)
        finally:
            bot.send_signal(signal.SIGTERM)
            bot.wait(timeout=300)
    totals = [line for line in out_file.read_text().splitlines() if line.startswith("totals:")]
    if not totals:
        raise SystemExit(f"callgrind wrote no totals to {out_file}")
    return int(totals[0].split()[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=100, help="questions in the smaller run (default 100)")
    parser.add_argument("--large", type=int, default=400, help="questions in the larger run (default 400)")
    parser.add_argument("--rate", type=float, default=None, help="ask this many a second instead of all at once")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("telegram_instructions: valgrind is not installed (Debian: apt install valgrind)", file=sys.stderr)
        return 2
    if not 0 < args.small < args.large:
        parser.error("--small must be positive and smaller than --large")
    per_question = {}
    with tempfile.TemporaryDirectory(prefix="ftz-instructions-") as folder:
        for mode in ("off", "on"):
            small, large = (instructions(n, mode == "on", Path(folder), args.rate) for n in (args.small, args.large))
            per_question[mode] = (large - small) / (args.large - args.small)
    cost = (per_question["on"] - per_question["off"]) / per_question["off"] * 100
    if args.json:
        print(json.dumps({"machine": describe_machine(), "small": args.small, "large": args.large, "rate": args.rate,
                          "instructions_per_question": per_question, "log_cost_percent": cost}, indent=2))
        return 0
    asked = f"at {args.rate:g}/s" if args.rate else "in a burst"
    print(f"Instructions per question ({args.small} vs {args.large} {asked}, under callgrind) on "
          f"{describe_machine()}:")
    print(f"  log off {per_question['off']:,.0f}   log on {per_question['on']:,.0f}   the log costs {cost:+.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
