"""Run the bot as production runs it — `bot.telegram.service.Service`: polling or webhook mode, with the monitor
server for /healthz and /metrics — in a background thread against the Bot API stand-in, and talk to it over HTTP."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
from typing import Any

from harness import LoopThread, wait_until
from standin import BotAPIStandIn

from bot.config import Settings
from bot.deployment import Listen
from bot.matcher import Matcher
from bot.telegram.service import Service

WEBHOOK_URL = "https://bot.example.test/telegram/hook"
WEBHOOK_PATH = "/telegram/hook"
SECRET = "s3cret-Token_for-the-webhook"


def free_port() -> int:
    """A TCP port nothing listens on right now (for the webhook server, which needs its port up front)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(port: int, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 10.0) -> tuple[int, str]:
    """One HTTP request to 127.0.0.1:`port`; returns (status, body text)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def post_update(port: int, update: dict[str, Any] | bytes, secret: str | None = SECRET,
                path: str = WEBHOOK_PATH) -> tuple[int, str]:
    """POST an update to the bot's webhook as Telegram does (JSON, the secret header when `secret` is given)."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    body = update if isinstance(update, bytes) else json.dumps(update).encode("utf-8")
    return request(port, "POST", path, body, headers)


class RunningService(LoopThread):
    """`with RunningService(standin, matcher, webhook=True):` — the service is up inside the block (polling, or its
    webhook registered and listening) and stopped cleanly after it, as SIGTERM would."""

    what = "the service"

    def __init__(self, standin: BotAPIStandIn, matcher: Matcher, *, webhook: bool = False, metrics: bool = True,
                 secret: str = SECRET, **service_options: Any) -> None:
        self.standin = standin
        self.webhook_port = free_port() if webhook else 0
        self.settings = Settings(
            token=standin.token, base_url=standin.base_url,
            webhook_url=WEBHOOK_URL if webhook else "", webhook_secret=secret if webhook else "",
            webhook_listen=Listen("127.0.0.1", self.webhook_port),
            metrics_listen=Listen("127.0.0.1", 0) if metrics else None)
        service_options.setdefault("poll_timeout", 1.0)
        self.service = Service(self.settings, matcher, **service_options)
        super().__init__("service-under-test")

    async def _serve(self, stop: asyncio.Event) -> None:
        await self.service.run(stop)

    @property
    def metrics_port(self) -> int:
        assert self.service.monitor is not None and self.service.monitor.port is not None
        return self.service.monitor.port

    def start(self, timeout: float = 10.0) -> RunningService:
        polls_before = len(self.standin.poll_offsets)
        self._thread.start()

        def up() -> bool:
            if not self._thread.is_alive():
                raise self.error or RuntimeError("the service stopped while starting")
            if self.settings.webhook_url:
                return self.service.application.running
            return len(self.standin.poll_offsets) > polls_before

        wait_until(up, timeout, "the service to start")
        return self

    def healthz(self) -> tuple[int, str]:
        return request(self.metrics_port, "GET", "/healthz")

    def metrics_text(self) -> str:
        status, text = request(self.metrics_port, "GET", "/metrics")
        assert status == 200, text
        return text

    def __enter__(self) -> RunningService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def sample(metrics_text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text (0 when absent), e.g. sample(text, "x_total", outcome="answer")."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(metrics_text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return 0.0
