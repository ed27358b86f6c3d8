"""How long `make run` takes to show the console chat's prompt, through a pseudo-terminal as a person sees it.

    python bench/prompt_time.py [RUNS]

Run it from the checkout; the bot token and the production variables are left out, so `make run` opens the console
chat. The first run after pyproject.toml changed includes the install; the others show the start-up alone.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def seconds_to_prompt(env: dict[str, str]) -> float:
    master, slave = pty.openpty()
    started = time.monotonic()
    process = subprocess.Popen(["make", "run"], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=REPO)
    os.close(slave)
    seen = b""
    try:
        while b"you>" not in seen:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                raise SystemExit("no prompt within 60 s:\n" + seen.decode(errors="replace"))
            seen += os.read(master, 4096)
        elapsed = time.monotonic() - started
        os.write(master, b"\x04")  # Ctrl-D leaves the console
        process.wait(timeout=10)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    return elapsed


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "METRICS_", "WEBHOOK_"))}
        env["BOT_DB_PATH"] = str(Path(folder) / "questions.sqlite3")
        times = [seconds_to_prompt(env) for _ in range(runs)]
    print("seconds to the prompt:", " ".join(f"{t:.2f}" for t in times),
          f"(median {sorted(times)[len(times) // 2]:.2f})")


if __name__ == "__main__":
    main()
