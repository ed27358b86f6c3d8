"""Benchmark the matcher: µs per question (median, p99), questions/s on one core, `ask` cold start, peak memory.

Usage: python bench/matcher_bench.py [--rounds N] [--json]. Prints figures; asserts nothing (timings on shared
machines are noisy, so compare medians across runs, not single numbers).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from machine import describe_machine  # noqa: E402  (bench/ is on sys.path when run as a script)

from bot.evaluation import load_labelled  # noqa: E402
from bot.knowledge import load_fact_base  # noqa: E402
from bot.matcher import Matcher  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def rss_mib() -> float:
    """This process's resident memory now (VmRSS), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def per_question(matcher: Matcher, questions: list[str]) -> list[float]:
    timings = []
    for question in questions:
        start = time.perf_counter_ns()
        matcher.match(question)
        timings.append((time.perf_counter_ns() - start) / 1000)
    return timings


def cold_start_ms(runs: int) -> tuple[float, list[float]]:
    """`ask` in a new process: the first run in an empty cache (it builds the matcher and keeps it, bot.prebuilt),
    then `runs` more (they load it)."""
    times = []
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": cache}
        for _ in range(runs + 1):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "How big is the Horgos area?"], check=True,
                           capture_output=True, env=env, cwd=REPO)
            times.append((time.perf_counter() - start) * 1000)
    return times[0], times[1:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="warm passes over the question set (default 20)")
    parser.add_argument("--cold-runs", type=int, default=10,
                        help="`ask` processes to time after the first, which builds the matcher (default 10)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the goal says
    # Clean questions (the older sets) and real chat messages (the blind chat sets), English, Chinese, Russian.
    questions = [item.question for name in ("dev", "heldout", "blind", "chat_dev", "chat_heldout", "ru_dev")
                 for item in load_labelled(REPO / "tests" / "eval" / f"{name}.tsv")]
    start = time.perf_counter()
    fact_base = load_fact_base()
    loaded = time.perf_counter()
    matcher = Matcher(fact_base)
    built = time.perf_counter()
    matcher.warm_up()  # the semantic layer, as the bot loads it at start-up
    warmed = time.perf_counter()
    rss_after_start = rss_mib()
    tracemalloc.start()  # a second build, traced: tracing slows allocation, so it is not timed
    Matcher(load_fact_base())
    _, index_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    first_pass = per_question(matcher, questions)  # typo cache empty: what a new question costs
    warm: list[float] = []
    for _ in range(args.rounds):
        warm.extend(per_question(matcher, questions))
    batch_start = time.perf_counter()
    for question in questions:
        matcher.match(question)
    per_second = len(questions) / (time.perf_counter() - batch_start)
    first_ask, cold = cold_start_ms(args.cold_runs)

    figures = {
        "machine": describe_machine(),
        "questions": len(questions),
        "load_ms": round((loaded - start) * 1000, 1),
        "index_ms": round((built - loaded) * 1000, 1),
        "semantic_load_ms": round((warmed - built) * 1000, 1),
        "semantic_share": round(sum(matcher.match(q).semantic for q in questions) / len(questions), 3),
        "rss_after_start_mib": rss_after_start,
        "first_pass_median_us": round(statistics.median(first_pass), 1),
        "first_pass_p99_us": round(percentile(first_pass, 0.99), 1),
        "median_us": round(statistics.median(warm), 1),
        "p99_us": round(percentile(warm, 0.99), 1),
        "questions_per_second_one_core": round(per_second),
        "ask_cold_start_median_ms": round(statistics.median(cold), 1),
        "ask_cold_start_min_ms": round(min(cold), 1),
        "ask_first_run_ms": round(first_ask, 1),
        "load_and_index_peak_mib": round(index_peak / 2**20, 2),
        "process_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        width = max(len(k) for k in figures)
        for key, value in figures.items():
            print(f"{key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
