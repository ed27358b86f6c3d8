"""Check that no figure was lost when README.md was split into a user guide and docs/.

    python tools/figures_kept.py [REV]        # REV: the commit whose README.md and docs/ are "before" (default HEAD)

Every number in the README of REV (figures, limits, dates, ids, versions) must still stand somewhere in README.md or
docs/*.md of the working tree. Numbers that now appear fewer times than before (README and docs together) are listed
for review: a figure that stood twice and now stands once (deduplicated) is fine, one that is gone is not. Exit 1 if
any number of the old README is missing everywhere.
"""

from __future__ import annotations

import collections
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# 1,420 / 0.772 / 2026 / 16.58 / 2–6 (two numbers) / 4.13 / 7387118 (a commit); a comma or point between digits is
# part of the number, one at the end is punctuation.
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")


def numbers(text: str) -> collections.Counter[str]:
    return collections.Counter(NUMBER.findall(text))


def at(rev: str, path: str) -> str:
    shown = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=REPO, capture_output=True, text=True)
    return shown.stdout if shown.returncode == 0 else ""


def docs_at(rev: str) -> str:
    listed = subprocess.run(["git", "ls-tree", "--name-only", rev, "docs/"], cwd=REPO, capture_output=True,
                            text=True, check=True).stdout.split()
    return "\n".join(at(rev, path) for path in listed if path.endswith(".md"))


def main(argv: list[str]) -> int:
    rev = argv[0] if argv else "HEAD"
    old_readme = at(rev, "README.md")
    old_all = numbers(old_readme + "\n" + docs_at(rev))
    new_readme = (REPO / "README.md").read_text(encoding="utf-8")
    new_docs = {p.name: p.read_text(encoding="utf-8") for p in sorted((REPO / "docs").glob("*.md"))}
    new_all = numbers(new_readme + "\n" + "\n".join(new_docs.values()))
    wanted = numbers(old_readme)
    missing = sorted((n for n in wanted if new_all[n] == 0), key=lambda n: (len(n), n))
    fewer = sorted((n for n in wanted if 0 < new_all[n] < old_all[n]), key=lambda n: (len(n), n))
    print(f"{rev}: README.md had {len(old_readme.splitlines())} lines and {len(wanted)} distinct numbers; "
          f"README.md now has {len(new_readme.splitlines())} lines")
    print(f"missing everywhere: {len(missing)}" + (f": {' '.join(missing)}" if missing else ""))
    print(f"standing fewer times than before (README and docs together; review): {len(fewer)}")
    for number in fewer:
        where = [name for name, text in (("README.md", new_readme), *new_docs.items()) if numbers(text)[number]]
        print(f"  {number}: {old_all[number]} → {new_all[number]} ({', '.join(where)})")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
