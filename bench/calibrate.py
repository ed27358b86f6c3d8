"""Grid-search the matcher's decision thresholds on a labelled set and print the best settings.

Usage: python bench/calibrate.py [tests/eval/dev.tsv]. Scores are computed once; only the decision rule varies.
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.evaluation import evaluate, load_labelled
from bot.knowledge import load_fact_base
from bot.matcher import Matcher
from bot.thresholds import DEFAULT_THRESHOLDS


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/eval/dev.tsv")
    items = load_labelled(path)
    fact_base = load_fact_base()
    results = []
    for answer, clarify, margin in itertools.product(range(40, 66, 2), range(24, 50, 2), (3, 5, 7, 9, 12)):
        if clarify > answer:
            continue
        thresholds = dataclasses.replace(DEFAULT_THRESHOLDS, answer=answer, clarify=clarify, margin=margin)
        report = evaluate(Matcher(fact_base, thresholds), items)
        results.append((report.accuracy, report.answerable_accuracy, report.refusal_accuracy, answer, clarify, margin))
    results.sort(reverse=True)
    print(f"{path}: {len(items)} questions; current {DEFAULT_THRESHOLDS.answer}/{DEFAULT_THRESHOLDS.clarify}/"
          f"{DEFAULT_THRESHOLDS.margin}")
    print("accuracy answerable refusals  answer clarify margin")
    for accuracy, answerable, refusals, answer, clarify, margin in results[:15]:
        print(f"{accuracy:8.3f} {answerable:10.3f} {refusals:8.3f}  {answer:6} {clarify:7} {margin:6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
