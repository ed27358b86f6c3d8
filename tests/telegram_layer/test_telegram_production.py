"""Running it in production, end to end against the stand-in on 127.0.0.1: webhook mode (registration with the
secret, answering before the 200, refusing a wrong or missing secret, surviving a malformed body, stopping), the
webhook left from before deleted in polling mode, /healthz turning 503 on a 401 or a silent Bot API, /metrics
counting a scripted conversation, and what start-up loaded kept out of the garbage collector's way while serving."""

from __future__ import annotations

import asyncio
import gc
import threading

import pytest
from harness import RunningBot, answerable, wait_until
from service_harness import SECRET, WEBHOOK_URL, RunningService, post_update, request, sample
from standin import BotAPIStandIn

from bot.exits import ExitCode
from bot.match import Outcome
from bot.matcher import Matcher
from bot.telegram.app import ALLOWED_UPDATES, StartupError, pipeline, run_until_signalled
from bot.telegram.ordering import ChatOrderedProcessor

USER, OTHER = 901, 902


def healthz_soon(service: RunningService, status: int, timeout: float = 10.0) -> str:
    """Wait for /healthz to answer `status` and return its line."""
    found: list[str] = []

    def answers() -> bool:
        got, text = service.healthz()
        found[:] = [text]
        return got == status

    wait_until(answers, timeout, f"/healthz to answer {status}")
    return found[0]


def healthy_soon(service: RunningService) -> str:
    return healthz_soon(service, 200)


def unhealthy_soon(service: RunningService, timeout: float = 10.0) -> str:
    return healthz_soon(service, 503, timeout)


# --- webhook mode ---------------------------------------------------------------------------------------------


def test_webhook_mode_registers_with_the_secret_and_answers_before_acknowledging(
        standin: BotAPIStandIn, matcher: Matcher) -> None:
    fact, question = answerable(matcher)
    with RunningService(standin, matcher, webhook=True) as service:
        [registered] = standin.calls_to("setWebhook")
        assert registered.params["url"] == WEBHOOK_URL
        assert registered.params["secret_token"] == SECRET
        assert registered.params["allowed_updates"] == ALLOWED_UPDATES
        assert registered.params["drop_pending_updates"] is False
        assert standin.calls_to("getUpdates") == [] and standin.calls_to("deleteWebhook") == []
        update_id = standin.private_text(USER, question)
        status, _ = post_update(service.webhook_port, standin.updates[update_id])
        # The 200 came back only once the answer had been sent: no waiting here.
        assert status == 200
        [answer] = standin.sent_to(USER)
        assert fact.answer_en in answer["visible_text"]
        assert "ok: webhook registered" in healthy_soon(service)
    assert service.stop_seconds is not None and service.stop_seconds < 5
    assert standin.webhook["url"] == WEBHOOK_URL  # left registered: Telegram keeps updates while the bot is down


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x"], ids=["missing", "empty", "wrong",
                                                                                   "longer"])
def test_webhook_refuses_a_request_without_the_right_secret_and_processes_nothing(
        standin: BotAPIStandIn, matcher: Matcher, secret: str | None) -> None:
    _, question = answerable(matcher)
    with RunningService(standin, matcher, webhook=True) as service:
        forged = standin.private_text(OTHER, question)
        status, _ = post_update(service.webhook_port, standin.updates[forged], secret=secret)
        assert status == 403
        genuine = standin.private_text(USER, question)
        assert post_update(service.webhook_port, standin.updates[genuine])[0] == 200
        assert standin.sent_to(OTHER) == []
        assert len(standin.calls_to("sendMessage")) == 1


def test_webhook_survives_malformed_bodies_and_still_answers_then_stops_cleanly(
        standin: BotAPIStandIn, matcher: Matcher) -> None:
    fact, question = answerable(matcher)
    with RunningService(standin, matcher, webhook=True) as service:
        for body in (b"{not json", b"", b"[]", b'{"no_update_id": 1}', b'"text"', b"\xff\xfe"):
            status, _ = post_update(service.webhook_port, body)
            assert 400 <= status < 600, body
        status, _ = request(service.webhook_port, "GET", "/telegram/hook")  # only POST is served
        assert status == 405
        status, _ = post_update(service.webhook_port, b"{}", path="/metrics")  # the webhook port has nothing else
        assert status == 404
        update_id = standin.private_text(USER, question)
        assert post_update(service.webhook_port, standin.updates[update_id])[0] == 200
        assert fact.answer_en in standin.sent_to(USER)[0]["visible_text"]
    assert service.stop_seconds is not None and service.stop_seconds < 5


def test_on_sigterm_a_delivery_in_progress_is_answered_and_acknowledged_and_new_ones_get_503(
        standin: BotAPIStandIn, matcher: Matcher) -> None:
    fact, question = answerable(matcher)
    service = RunningService(standin, matcher, webhook=True, metrics=False).start()
    try:
        standin.fail_next("sendMessage", "500", times=2)  # the answer takes two resends: about 0.75 s
        first = standin.private_text(USER, question)
        acknowledged: list[int] = []
        delivery = threading.Thread(
            target=lambda: acknowledged.append(post_update(service.webhook_port, standin.updates[first])[0]))
        delivery.start()
        standin.wait_for(lambda: any(c.outcome == "500" for c in standin.calls), what="the first 500")
        service.request_stop()
        assert service.service.delivery is not None
        wait_until(lambda: not service.service.delivery.accepting, what="the webhook to stop accepting")
        later = standin.private_text(OTHER, question)
        assert post_update(service.webhook_port, standin.updates[later])[0] == 503  # Telegram delivers it again
        delivery.join(10)
        assert acknowledged == [200]
        assert fact.answer_en in standin.sent_to(USER)[0]["visible_text"]
        assert standin.sent_to(OTHER) == []
    finally:
        service.stop()
    assert service.stop_seconds is not None and service.stop_seconds < 5


def test_webhook_health_turns_503_when_the_webhook_is_replaced_and_a_revoked_token_stops_the_bot(
        standin: BotAPIStandIn, matcher: Matcher) -> None:
    service = RunningService(standin, matcher, webhook=True, check_interval=0.1).start()
    try:
        healthy_soon(service)
        standin.webhook = {}  # another instance, say, called deleteWebhook
        assert "webhook was deleted" in unhealthy_soon(service)
        standin.webhook = {"url": WEBHOOK_URL}
        healthy_soon(service)
        standin.revoke_token()
        # As in polling: a 401 stops the bot with one line (exit code 1), within seconds.
        service._thread.join(10)
        assert not service._thread.is_alive(), "the bot kept running after a 401"
        assert service.service.health is not None
        healthy, line = service.service.health.check()
        assert not healthy and "rejected the bot token (HTTP 401)" in line
    finally:
        with pytest.raises(StartupError, match=r"rejected the bot token while the bot was running \(HTTP 401\)"):
            service.stop()


def test_webhook_updates_go_through_the_chat_ordered_processor_and_one_chat_is_answered_in_order(
        standin: BotAPIStandIn, matcher: Matcher) -> None:
    questions = [answerable(matcher, skip=i) for i in range(4)]
    with RunningService(standin, matcher, webhook=True, metrics=False) as service:
        flow = pipeline(service.service.application)
        assert isinstance(flow.processor, ChatOrderedProcessor) and flow.webhook is service.service.delivery
        standin.fail_next("sendMessage", "500", times=2)  # the first answer takes two resends: the rest must wait
        statuses: dict[int, int] = {}
        threads = []
        for i, (_, question) in enumerate(questions):
            update_id = standin.private_text(USER, question)
            thread = threading.Thread(target=lambda u=update_id, n=i: statuses.__setitem__(
                n, post_update(service.webhook_port, standin.updates[u])[0]))
            thread.start()
            threads.append(thread)
            wait_until(lambda n=i: service.service.delivery.in_flight == n + 1 or n in statuses,
                       what="the delivery to reach the processor")
        waited = flow.processor.waiting()
        # Meanwhile another chat is answered at once: it does not wait behind this one.
        _, other_question = answerable(matcher)
        other = standin.private_text(OTHER, other_question)
        assert post_update(service.webhook_port, standin.updates[other])[0] == 200
        assert standin.sent_to(OTHER)
        for thread in threads:
            thread.join(10)
        assert statuses == {0: 200, 1: 200, 2: 200, 3: 200}
        assert waited >= 1  # the later ones waited for their turn in the processor
        sent = [message["visible_text"] for message in standin.sent_to(USER)]
        assert [next(i for i, (fact, _) in enumerate(questions) if fact.answer_en in text) for text in sent] == [
            0, 1, 2, 3]


# --- polling mode ---------------------------------------------------------------------------------------------


def test_polling_deletes_a_webhook_left_from_before_and_keeps_what_telegram_held(
        standin: BotAPIStandIn, matcher: Matcher) -> None:
    fact, question = answerable(matcher)
    standin.webhook = {"url": WEBHOOK_URL, "secret_token": SECRET}
    standin.private_text(USER, question)  # arrived while the webhook was set
    with RunningBot(standin, matcher, poll_timeout=1.0):
        [answer] = standin.wait_for_sent(1, USER)
        assert fact.answer_en in answer["visible_text"]
        [deleted] = standin.calls_to("deleteWebhook")
        assert not deleted.params.get("drop_pending_updates")
        assert standin.webhook == {}


def test_health_turns_503_when_the_bot_api_answers_401(standin: BotAPIStandIn, matcher: Matcher) -> None:
    service = RunningService(standin, matcher).start()
    try:
        assert healthy_soon(service).startswith("ok: polling")
        standin.revoke_token()
        # The Poller stops at the 401 and the bot ends with one line (exit code 1), within seconds; the monitor
        # server goes with it, so the verdict and the metrics are read from the objects it served.
        service._thread.join(10)
        assert not service._thread.is_alive(), "the bot kept running after a 401"
        assert service.service.health is not None and service.service.metrics is not None
        healthy, line = service.service.health.check()
        assert not healthy and "Telegram rejected the bot token (HTTP 401)" in line
        assert standin.token not in line
        text = service.service.metrics.exposition().decode()
        assert sample(text, "ftz_bot_get_updates_total", result="401") == 1
        assert sample(text, "ftz_bot_healthy") == 0
    finally:
        with pytest.raises(StartupError, match=r"rejected the bot token while the bot was running \(HTTP 401\)"):
            service.stop()


def test_health_turns_503_when_the_bot_api_stops_answering(standin: BotAPIStandIn, matcher: Matcher) -> None:
    with RunningService(standin, matcher) as service:
        healthy_soon(service)
        standin.go_silent()
        line = unhealthy_soon(service, timeout=15)
        assert line.startswith("getUpdates failed 3 times in a row, last: ")
        assert "http" not in line.lower().replace("http 5", "")  # no URL, so no token
    assert service.stop_seconds is not None and service.stop_seconds < 5


# --- metrics ---------------------------------------------------------------------------------------------------


def test_metrics_count_a_scripted_conversation(standin: BotAPIStandIn, matcher: Matcher) -> None:
    _, english = answerable(matcher)
    _, chinese = answerable(matcher, "zh")
    questions = {1001: english, 1002: chinese, 1003: "what is the population of Mars?", 1004: "hello"}
    expected: dict[tuple[str, str], int] = {}
    for question in questions.values():
        match = matcher.match(question)
        key = (match.outcome.value, match.language)
        expected[key] = expected.get(key, 0) + 1
    assert {outcome for outcome, _ in expected} >= {Outcome.ANSWER.value, Outcome.SMALL_TALK.value}
    with RunningService(standin, matcher) as service:
        for user, question in questions.items():
            standin.private_text(user, question)
            standin.wait_for_sent(1, user)
        standin.fail_next("sendMessage", "500")  # resent by the transport: counts as sent
        standin.private_text(1005, english)
        standin.wait_for_sent(1, 1005)
        standin.fail_next("sendMessage", "403")  # blocked by the user: a failed reply
        blocked = standin.private_text(1006, english)
        standin.wait_for(lambda: any(c.outcome == "403" for c in standin.calls), what="the 403")
        standin.wait_until_handled(blocked)
        text = service.metrics_text()
        for (outcome, language), count in expected.items():
            extra = 2 if (outcome, language) == ("answer", "en") else 0  # 1005 and 1006
            assert sample(text, "ftz_bot_questions_total", outcome=outcome, language=language,
                          chat_type="private") == count + extra, (outcome, language)
        assert sample(text, "ftz_bot_updates_total") == 6
        assert sample(text, "ftz_bot_replies_total", method="sendMessage", result="sent") == 5
        assert sample(text, "ftz_bot_replies_total", method="sendMessage", result="403") == 1
        assert sample(text, "ftz_bot_replies_total", method="sendMessage", result="5xx") == 0
        assert sample(text, "ftz_bot_reply_latency_seconds_count") == 5
        assert 0 < sample(text, "ftz_bot_reply_latency_seconds_sum") < 5 * 4
        assert sample(text, "ftz_bot_get_updates_total", result="ok") >= 1
        assert sample(text, "ftz_bot_updates_pending") == 0
        assert sample(text, "ftz_bot_fact_base_facts") == len(matcher.fact_base.facts)
        assert sample(text, "ftz_bot_question_log_available") == 1
        assert sample(text, "ftz_bot_healthy") == 1
        assert sample(text, "ftz_bot_info", mode="polling") == 1
        wait_until(lambda: sample(service.metrics_text(), "ftz_bot_question_log_rows_written_total") == 6,
                   what="the six questions to be written to the log")
        assert sample(service.metrics_text(), "ftz_bot_question_log_rows_dropped_total") == 0
        status, _ = request(service.metrics_port, "GET", "/nothing-here")
        assert status == 404


def test_what_start_up_loaded_is_frozen_before_serving_and_the_collector_stays_on() -> None:
    loaded = [object()]  # stands in for the fact base, the lexicon and the semantic model
    seen: dict[str, bool] = {}

    async def serve_until(stop: asyncio.Event) -> None:
        seen["frozen"] = gc.get_freeze_count() > 0 and all(tracked is not loaded for tracked in gc.get_objects())
        seen["collector on"] = gc.isenabled()

    try:
        assert run_until_signalled(serve_until) is ExitCode.OK
    finally:
        gc.unfreeze()
    assert seen == {"frozen": True, "collector on": True}
