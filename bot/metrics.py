"""The bot's Prometheus metrics, in a registry of their own (one per running bot, so tests count exactly).

Served as `GET /metrics` by `bot.telegram.health` when METRICS_LISTEN is set; nothing here runs otherwise. What
each metric means is in its help text, and docs/deployment.md says which to alert on. Counters are since the
process started. Values read from elsewhere (the question log, the queues, the fact base) are read at scrape time
through the `sources` given to `Metrics.watch`, so the answering path pays nothing for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

PREFIX = "ftz_bot"
# Seconds from the start of handling an update to Telegram accepting its first reply. The bot's own work is about a
# millisecond; Telegram's round trip dominates. 2.5 s and up means retries or flood control.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
FAILURE_KINDS = ("429", "5xx", "network", "403", "other")

disable_created_metrics()  # no *_created series: they double the output and nobody alerts on them


@dataclass
class Sources:
    """Where the scrape-time values come from; each returns the value now (None: not known, not exported)."""

    pending_updates: Callable[[], int | None] = lambda: None
    queue_depth: Callable[[], int | None] = lambda: None
    log_status: Callable[[], object | None] = lambda: None  # a bot.questionlog.LogStatus
    facts: Callable[[], int | None] = lambda: None
    healthy: Callable[[], bool] = lambda: False


class _ScrapeTimeCollector(Collector):
    def __init__(self, sources: Sources) -> None:
        self.sources = sources

    def collect(self) -> Iterator[Metric]:
        s = self.sources
        pending = s.pending_updates()
        if pending is not None:
            yield GaugeMetricFamily(f"{PREFIX}_updates_pending",
                                    "Updates received from Telegram and not yet finished (waiting, being answered, "
                                    "or a webhook delivery waiting for its answer)",
                                    value=pending)
        depth = s.queue_depth()
        if depth is not None:
            yield GaugeMetricFamily(f"{PREFIX}_queue_depth",
                                    "Updates waiting for their chat's turn (order within a chat), all chats together",
                                    value=depth)
        facts = s.facts()
        if facts is not None:
            yield GaugeMetricFamily(f"{PREFIX}_fact_base_facts", "Facts in the fact base being served", value=facts)
        yield GaugeMetricFamily(f"{PREFIX}_healthy", "1 when /healthz answers 200, else 0", value=int(s.healthy()))
        status = s.log_status()
        if status is not None:
            yield GaugeMetricFamily(f"{PREFIX}_question_log_available",
                                    "1 while the question log's last open or write worked, 0 while it is failing",
                                    value=int(getattr(status, "available", False)))
            yield GaugeMetricFamily(f"{PREFIX}_question_log_pending_rows", "Rows queued for the question log",
                                    value=getattr(status, "pending", 0))
            yield CounterMetricFamily(f"{PREFIX}_question_log_rows_written", "Rows written to the question log",
                                      value=getattr(status, "written", 0))
            yield CounterMetricFamily(f"{PREFIX}_question_log_rows_dropped",
                                      "Rows the question log lost (database unavailable, queue full, bad row)",
                                      value=getattr(status, "dropped", 0))
            inbox = getattr(status, "inbox", None)
            if inbox is not None:
                yield GaugeMetricFamily(f"{PREFIX}_inbox_updates",
                                        "Updates in the durable inbox: fetched by polling and not yet answered "
                                        "(as last written; webhook mode stores none)", value=inbox)


class Metrics:
    """Every metric of one running bot. Counting methods are cheap (a lock and an add) and never raise."""

    def __init__(self, mode: str = "polling") -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        ProcessCollector(registry=r)  # process_resident_memory_bytes, process_cpu_seconds_total, open fds…
        self.info = Gauge(f"{PREFIX}_info", "Always 1; the labels say how the bot runs", ["mode"], registry=r)
        self.info.labels(mode).set(1)
        self.updates = Counter(f"{PREFIX}_updates", "Updates received from Telegram", registry=r)
        self.questions = Counter(f"{PREFIX}_questions", "Questions the matcher handled (the rows of the question log)",
                                 ["outcome", "language", "chat_type"], registry=r)
        self.replies = Counter(
            f"{PREFIX}_replies",
            "Replies to users (send*, answer*, edit* calls) by final result after every retry: sent, or failed with "
            "429 (flood control outlasted the retries), 5xx, network, 403 (blocked by the user) or other",
            ["method", "result"], registry=r)
        self.reply_latency = Histogram(
            f"{PREFIX}_reply_latency_seconds",
            "From the start of handling an update to Telegram accepting its first reply", buckets=LATENCY_BUCKETS,
            registry=r)
        self.get_updates = Counter(f"{PREFIX}_get_updates", "getUpdates calls by result (polling mode)", ["result"],
                                   registry=r)
        self.reloads = Counter(f"{PREFIX}_fact_base_reloads", "Fact bases swapped in by /reload", registry=r)
        self.webhook_pending = Gauge(f"{PREFIX}_webhook_pending_updates",
                                     "Updates Telegram holds for the webhook (getWebhookInfo; webhook mode)",
                                     registry=r)
        self.webhook_last_error = Gauge(
            f"{PREFIX}_webhook_last_error_timestamp_seconds",
            "When Telegram last failed to deliver to the webhook (getWebhookInfo; 0: never)", registry=r)
        self.sources = Sources()
        r.register(_ScrapeTimeCollector(self.sources))

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric, for GET /metrics."""
        return generate_latest(self.registry)
