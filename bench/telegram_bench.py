"""Benchmark the Telegram bot: 1,000 questions from 200 users through the real bot and the Bot API stand-in.

Each run starts the bot in its own process (`build_application` + `serve`, exactly as `python -m bot` does, but
with the flood limits of its `FairRateLimiter` switched off: Telegram caps a bot at about 30 messages a second, and the
point here is to show the bot itself is never the bottleneck). This process serves the stand-in on 127.0.0.1 and
plays the users:

* burst — --questions (default 1000) queued at once; updates/s = questions ÷ (last reply − first question);
* paced — --paced (default 3000: ten seconds' worth, so that p99 is the 30th slowest reply, not one hiccup)
  questions offered at a steady --rate (default 300/s, the goal); p50 / p99 of the time from an update becoming
  available to getUpdates to its reply arriving at sendMessage.

Peak RSS is the bot process's own (VmHWM, see `peak_rss_mb`), and so is its CPU time per question (user + system
time after start-up, divided by the questions asked): unlike latency, which queueing amplifies near capacity, CPU
time shows what each feature costs. Every question must get exactly one reply, or the run fails.

Each run measures the bot twice, with the question log off and on (a fresh bot each time, writing to a fresh
SQLite file in a temporary folder, with 👍/👎 under every answer), alternating which goes first so that neither
always gets the warmer machine. With the log on, every question must be in the file afterwards, or the run fails.
What the log costs is worked out per run (log on against log off, measured one after the other) and the median
of those is shown: on a shared VM the machine's own speed drifts by more than the log costs, and pairing cancels
the drift.

Two things keep the measuring out of the figures. On a machine with two or more CPUs the bot is pinned to the last
one and this process (users and stand-in) to the others, so they never take turns on one core. And this process's
garbage collector is off while a phase runs: the stand-in keeps every call it answers, and a collection of all
that paused it for 20-40 ms, which showed up as the bot's p99. The "spread" column is how far the log-off runs
stray from their median (half their range, in percent): a cost below it is within the machine's own noise.

Usage: python bench/telegram_bench.py [--runs 5] [--questions 1000] [--paced 3000] [--users 200] [--rate 300]
       [--concurrency N] [--log on|off|both] [--json]
Goals: ≥ 300 updates/s, p99 < 100 ms, peak RSS ≤ 250 MB (the semantic model included), and the log costing under
10% on each figure. Timings on shared machines are noisy: quote medians.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import logging
import os
import resource
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "telegram_layer"))

from machine import describe_machine  # noqa: E402  (bench/ is on sys.path when run as a script)
from standin import BotAPIStandIn  # noqa: E402

WARM_UP = 50
OFF = "off"  # what the child process gets instead of a database path
FIGURES = {  # key: (label, better when higher)
    "burst_updates_per_s": ("throughput (burst), updates/s", True),
    "p50_ms": ("latency p50 at the paced rate, ms", False),
    "p99_ms": ("latency p99 at the paced rate, ms", False),
    "peak_rss_mb": ("peak RSS of the bot, MB", False),
    "cpu_us_per_question": ("bot CPU per question, µs", False),
}


def questions(count: int) -> list[str]:
    """Real questions of every kind (answers, clarifications, refusals, small talk, Chinese, typos)."""
    pool = []
    for name in ("dev.tsv", "dev2.tsv"):
        path = REPO / "tests" / "eval" / name
        if path.is_file():
            rows = path.read_text(encoding="utf-8").splitlines()[1:]
            pool += [row.split("\t")[2] for row in rows if row.count("\t") >= 2]
    pool = pool or ["How big is the Xinjiang FTZ?", "When was it set up?", "新疆自贸区有多大？", "hello"]
    return list(itertools.islice(itertools.cycle(pool), count))


# --- the bot's side (a child process) -------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's own peak RSS. Not ru_maxrss: on Linux that keeps the high-water mark of the process that
    forked this one (the benchmark, with its stand-in and every call it recorded) across exec, and reports it once
    the benchmark outgrows the bot. VmHWM belongs to this program's memory alone."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def bot_main(base_url: str, token: str, concurrency: int, db: str) -> None:
    """Run the bot until SIGTERM (logging questions to `db`, or not when it is "off"), then print its peak RSS and
    the CPU time it spent after start-up as JSON."""
    from bot.config import Settings, load_delivery
    from bot.knowledge import load_fact_base
    from bot.matcher import Matcher
    from bot.telegram import build_application, serve
    from bot.telegram.app import freeze_start_up_objects
    from bot.telegram.ratelimit import FairRateLimiter

    logging.basicConfig(level=logging.WARNING, format="bot: %(levelname)s %(name)s: %(message)s")
    # The BOT_… delivery variables apply (BOT_MAX_IN_FLIGHT, say); the rate limits are off whatever they say.
    settings = Settings(token=token, base_url=base_url, db_path=None if db == OFF else Path(db),
                        delivery=load_delivery())
    application = build_application(settings, Matcher(load_fact_base()), log_questions=db != OFF,
                                    rate_limiter=FairRateLimiter(messages_per_second=0, group_messages_per_minute=0),
                                    concurrent_updates=concurrency or None)
    freeze_start_up_objects()  # as `python -m bot` does before serving

    started = cpu_seconds()  # imports, the fact base and the matcher are behind us; serving is what counts

    async def main() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await serve(application, stop)

    asyncio.run(main())
    print(json.dumps({"max_rss_mb": peak_rss_mb(), "cpu_s": cpu_seconds() - started}), flush=True)


# --- the users' side ------------------------------------------------------------------------------------------


def latencies(standin: BotAPIStandIn, update_ids: list[int], chat_of: dict[int, int]) -> list[float]:
    """Update → reply times, pairing each chat's replies with its questions in order."""
    replies: dict[int, list[float]] = {}
    for chat_id, at in standin.stats.sent_at:
        replies.setdefault(chat_id, []).append(at)
    asked: dict[int, list[float]] = {}
    for update_id in update_ids:
        asked.setdefault(chat_of[update_id], []).append(standin.stats.available_at[update_id])
    result = []
    for chat_id, times in asked.items():
        answered = replies.get(chat_id, [])[-len(times):]
        result += [reply - question for question, reply in zip(times, answered, strict=True)]
    return result


def phase(standin: BotAPIStandIn, texts: list[str], users: int, rate: float | None, first_user: int) -> dict:
    """Send `texts` from `users` users (all at once, or at `rate` per second); wait for every reply."""
    with no_garbage_collection():
        return _phase(standin, texts, users, rate, first_user)


@contextlib.contextmanager
def no_garbage_collection():
    """This process's garbage collector off for the duration (see the module docstring), and a collection after."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


def _phase(standin: BotAPIStandIn, texts: list[str], users: int, rate: float | None, first_user: int) -> dict:
    standin.stats.sent_at.clear()
    chat_of: dict[int, int] = {}
    update_ids = []
    started = time.perf_counter()
    for number, text in enumerate(texts):
        if rate:
            delay = started + number / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        user = first_user + number % users
        update_id = standin.private_text(user, text)
        chat_of[update_id] = user
        update_ids.append(update_id)
    standin.wait_for(lambda: len(standin.stats.sent_at) >= len(texts), timeout=120, what="every reply")
    standin.wait_until_handled(update_ids[-1], settle=0.3)
    if len(standin.stats.sent_at) != len(texts):
        raise SystemExit(f"{len(standin.stats.sent_at)} replies to {len(texts)} questions: not exactly once")
    first_available = standin.stats.available_at[update_ids[0]]
    last_reply = max(at for _, at in standin.stats.sent_at)
    times = sorted(latencies(standin, update_ids, chat_of))
    return {
        "updates_per_s": len(texts) / (last_reply - first_available),
        "p50_ms": 1000 * statistics.median(times),
        "p99_ms": 1000 * times[min(len(times) - 1, int(0.99 * len(times)))],
    }


def bot_command(standin: BotAPIStandIn, concurrency: int, db: Path | None) -> list[str]:
    """The command that runs the bot against `standin` (see `bot_main`), logging to `db` or not at all."""
    return [sys.executable, str(Path(__file__).resolve()), "--bot", standin.base_url, standin.token, str(concurrency),
            str(db) if db is not None else OFF]


@contextlib.contextmanager
def pinned(bot_pid: int):
    """Pin the bot to the last CPU and this process to the others, for the duration (where the OS allows it)."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cpus) < 2:
        yield
        return
    os.sched_setaffinity(bot_pid, {cpus[-1]})
    os.sched_setaffinity(0, set(cpus[:-1]))
    try:
        yield
    finally:
        os.sched_setaffinity(0, set(cpus))


def one_run(count: int, paced_count: int, users: int, rate: float, concurrency: int, db: Path | None) -> dict:
    """Start a bot (logging to `db`, or not), run the three phases, stop it; with a log, check every question is
    in it."""
    with BotAPIStandIn() as standin:
        bot = subprocess.Popen(bot_command(standin, concurrency, db), stdout=subprocess.PIPE, text=True)
        try:
            with pinned(bot.pid):
                standin.wait_for(lambda: len(standin.poll_offsets) > 0, timeout=30, what="the bot to poll")
                phase(standin, questions(WARM_UP), WARM_UP, None, 10_000)
                burst = phase(standin, questions(count), users, None, 20_000)
                paced = phase(standin, questions(paced_count), users, rate, 30_000)
        finally:
            bot.send_signal(signal.SIGTERM)
            out, _ = bot.communicate(timeout=30)
    child = json.loads(out.strip().splitlines()[-1])
    asked = WARM_UP + count + paced_count
    result = {"burst_updates_per_s": burst["updates_per_s"], "burst_p50_ms": burst["p50_ms"],
              "burst_p99_ms": burst["p99_ms"], "paced_updates_per_s": paced["updates_per_s"],
              "p50_ms": paced["p50_ms"], "p99_ms": paced["p99_ms"], "peak_rss_mb": child["max_rss_mb"],
              "cpu_us_per_question": 1e6 * child["cpu_s"] / asked}
    if db is not None:
        connection = sqlite3.connect(db)
        try:
            logged = connection.execute("SELECT count(*) FROM questions").fetchone()[0]
        finally:
            connection.close()
        if logged != asked:
            raise SystemExit(f"{logged} rows in the question log for {asked} questions: rows were lost")
        result["rows_logged"] = logged
    return result


def measured(count: int, paced_count: int, users: int, rate: float, concurrency: int, log: bool) -> dict:
    if not log:
        return one_run(count, paced_count, users, rate, concurrency, None)
    with tempfile.TemporaryDirectory(prefix="ftz-bench-") as folder:
        return one_run(count, paced_count, users, rate, concurrency, Path(folder) / "questions.sqlite3")


def describe(result: dict, rate: float) -> str:
    return (f"burst {result['burst_updates_per_s']:.0f} updates/s "
            f"(p50 {result['burst_p50_ms']:.0f} ms, p99 {result['burst_p99_ms']:.0f} ms while queued); "
            f"at {rate:.0f}/s: p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms; "
            f"peak RSS {result['peak_rss_mb']:.1f} MB; CPU {result['cpu_us_per_question']:.0f} µs per question")


def spread_percent(results: list[dict]) -> dict[str, float]:
    """How far the runs stray from their median, per figure: half their range, in percent of the median."""
    spread = {}
    for key in FIGURES:
        values = [r[key] for r in results]
        middle = statistics.median(values)
        spread[key] = (max(values) - min(values)) / 2 / middle * 100 if middle else 0.0
    return spread


def paired_cost_percent(off_runs: list[dict], on_runs: list[dict]) -> dict[str, float]:
    """The log's cost on each figure: the median, over runs, of what it cost in that run."""
    costs = [cost_percent(off, on) for off, on in zip(off_runs, on_runs, strict=True)]
    return {key: statistics.median(c[key] for c in costs) for key in FIGURES}


def cost_percent(off: dict, on: dict) -> dict[str, float]:
    """How much worse each figure is with the log on, in percent of the figure with it off (negative: better)."""
    cost = {}
    for key, (_, higher_is_better) in FIGURES.items():
        change = (on[key] - off[key]) / off[key] * 100 if off[key] else 0.0
        cost[key] = -change if higher_is_better else change
    return cost


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="independent runs, each with a fresh bot (default 5)")
    parser.add_argument("--questions", type=int, default=1000, help="questions in the burst (default 1000)")
    parser.add_argument("--paced", type=int, default=3000, help="questions at the paced rate (default 3000)")
    parser.add_argument("--users", type=int, default=200, help="distinct users asking (default 200)")
    parser.add_argument("--rate", type=float, default=300.0, help="offered load of the paced phase, per second")
    parser.add_argument("--concurrency", type=int, default=0,
                        help="updates the bot handles at once (default: the bot's own setting)")
    parser.add_argument("--log", choices=("both", "on", "off"), default="both",
                        help="measure with the question log off and on (default), or only one of them")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--bot", nargs=4, metavar=("BASE_URL", "TOKEN", "CONCURRENCY", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bot:
        bot_main(args.bot[0], args.bot[1], int(args.bot[2]), args.bot[3])
        return 0

    modes = ["off", "on"] if args.log == "both" else [args.log]
    runs: dict[str, list[dict]] = {mode: [] for mode in modes}
    for number in range(1, args.runs + 1):
        for mode in modes if number % 2 else modes[::-1]:  # alternate the order: neither always goes first
            result = measured(args.questions, args.paced, args.users, args.rate, args.concurrency, mode == "on")
            runs[mode].append(result)
            if not args.json:
                print(f"run {number}, log {mode:>3}: {describe(result, args.rate)}", flush=True)
    median = {mode: {key: statistics.median(r[key] for r in results) for key in results[0]}
              for mode, results in runs.items()}
    cost = paired_cost_percent(runs["off"], runs["on"]) if len(modes) == 2 else None
    spread = spread_percent(runs[modes[0]])
    if args.json:
        print(json.dumps({"machine": describe_machine(), "command": " ".join(["python", *sys.argv]),
                          "questions": args.questions, "paced": args.paced, "users": args.users, "rate": args.rate,
                          "runs": runs, "median": median, "log_cost_percent": cost,
                          f"spread_percent_log_{modes[0]}": spread}, indent=2))
        return 0
    print(f"\n{args.questions} questions in a burst and {args.paced} at {args.rate:.0f}/s from {args.users} users, "
          f"median of {args.runs} runs on {describe_machine()}:")
    print(f"  {'':34}" + "".join(f"{'log ' + mode:>12}" for mode in modes) + ("    log costs" if cost else "")
          + f"  spread {modes[0]}")
    for key, (label, _) in FIGURES.items():
        line = f"  {label:34}" + "".join(f"{median[mode][key]:12.1f}" for mode in modes)
        if cost:
            line += f"    {cost[key]:+8.1f}%"
        print(line + f"     ±{spread[key]:.1f}%")
    if "on" in median:
        print(f"  rows logged per run (all of them): {median['on']['rows_logged']:.0f}")
    print("  goals: ≥ 300 updates/s, p99 < 100 ms, peak RSS ≤ 250 MB; the log costs < 10% on each figure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
