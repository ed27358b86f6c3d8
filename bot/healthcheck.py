"""`python -m bot.healthcheck`: ask the running bot's GET /healthz (at METRICS_LISTEN) and exit 0 when it is
healthy, 1 otherwise, printing its one-line reason. The container's HEALTHCHECK runs this (the slim image has no
curl). Standard library only, so it starts in a few tens of milliseconds.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from bot.config import METRICS_LISTEN_VARIABLE, configured_metrics_listen
from bot.deployment import parse_listen
from bot.exits import ExitCode, err

TIMEOUT = 3.0


def main(argv: list[str] | None = None) -> ExitCode:
    raw = (argv or sys.argv[1:] or [configured_metrics_listen()])[0].strip()
    if not raw:
        err("healthcheck: METRICS_LISTEN is not set, so the bot serves no /healthz")
        return ExitCode.FAILURE
    try:
        listen = parse_listen(METRICS_LISTEN_VARIABLE, raw)
    except ValueError as problem:
        err(f"healthcheck: {problem}")
        return ExitCode.FAILURE
    # A bot bound to every interface is asked on loopback.
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(listen.host, listen.host)
    url = f"http://{f'[{host}]' if ':' in host else host}:{listen.port}/healthz"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through HTTPS_PROXY & co
    try:
        with opener.open(url, timeout=TIMEOUT) as response:
            print(response.read().decode("utf-8", "replace").strip())
            return ExitCode.OK
    except urllib.error.HTTPError as error:
        print(error.read().decode("utf-8", "replace").strip() or f"HTTP {error.code}")
        return ExitCode.FAILURE
    except (OSError, ValueError) as error:
        err(f"healthcheck: no answer from {url}: {error}")
        return ExitCode.FAILURE


if __name__ == "__main__":
    sys.exit(main())
