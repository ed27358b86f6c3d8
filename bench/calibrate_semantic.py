"""Grid-search the semantic layer's thresholds on the development sets and print accuracy and refusals for each.

Usage: python bench/calibrate_semantic.py [SET.tsv ...] (default: the development sets). The semantic index is built
once; only the thresholds vary. Never pass a held-out set: it is measured once, not tuned on.
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.evaluation import evaluate, load_labelled
from bot.knowledge import load_fact_base
from bot.matcher import Matcher, load_semantic_index
from bot.thresholds import DEFAULT_THRESHOLDS

DEVELOPMENT = ("tests/eval/chat_dev.tsv", "tests/eval/dev.tsv", "tests/eval/dev2.tsv")


def main() -> int:
    paths = [Path(p) for p in (sys.argv[1:] or DEVELOPMENT)]
    if any("heldout" in p.name for p in paths):
        print("calibrate_semantic: held-out sets are measured once, never tuned on", file=sys.stderr)
        return 2
    sets = {p.stem: load_labelled(p) for p in paths}
    fact_base = load_fact_base()
    index = load_semantic_index(fact_base)
    d = DEFAULT_THRESHOLDS
    print(f"current: answer {d.semantic_answer}, agree {d.semantic_agree}, tiebreak {d.semantic_tiebreak}")
    print("answer agree tiebreak  " + "  ".join(f"{name} (all/refusals)" for name in sets))
    for answer, agree, tiebreak in itertools.product((0.5, 0.55, 0.62, 0.7), (0.3, 0.35, 0.45, 1.0),
                                                     (0.35, 0.4, 0.45, 0.55)):
        thresholds = dataclasses.replace(d, semantic_answer=answer, semantic_agree=agree, semantic_tiebreak=tiebreak)
        matcher = Matcher(fact_base, thresholds, semantic=lambda _: index)
        reports = [evaluate(matcher, items) for items in sets.values()]
        print(f"{answer:6} {agree:5} {tiebreak:8}  " + "  ".join(
            f"{r.accuracy:.3f}/{r.refusal_accuracy:.3f}" for r in reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
