"""The production settings, the health verdict, the container image's exact entry and health-check commands run
outside a container against the stand-in (no container engine runs here; `make test` lints the Dockerfile with
hadolint), and the systemd unit."""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from harness import answerable, reap, stopped, wait_until
from service_harness import free_port, post_update
from standin import BotAPIStandIn
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.deployment import Listen, parse_listen, production_settings
from bot.matcher import Matcher
from bot.telegram.delivery import MaybeDelivered
from bot.telegram.health import Health
from bot.telegram.observe import failure_kind
from tests.conftest import REPO

URL = "https://bot.example.com/telegram/hook"
SECRET = "abc_DEF-123"


# --- settings ---------------------------------------------------------------------------------------------------


def test_production_settings_default_to_polling_without_metrics() -> None:
    settings = production_settings({})
    assert settings == {"webhook_url": "", "webhook_secret": "", "webhook_listen": Listen("127.0.0.1", 8080),
                        "metrics_listen": None}


def test_production_settings_read_the_webhook_and_metrics_variables() -> None:
    settings = production_settings({"TELEGRAM_WEBHOOK_URL": URL, "TELEGRAM_WEBHOOK_SECRET": SECRET,
                                    "WEBHOOK_LISTEN": "0.0.0.0:8443", "METRICS_LISTEN": "[::1]:9090"})
    assert settings["webhook_url"] == URL and settings["webhook_secret"] == SECRET
    assert settings["webhook_listen"] == Listen("0.0.0.0", 8443)
    assert settings["metrics_listen"] == Listen("::1", 9090) and str(settings["metrics_listen"]) == "[::1]:9090"


@pytest.mark.parametrize(("environ", "says"), [
    ({"TELEGRAM_WEBHOOK_URL": URL}, "TELEGRAM_WEBHOOK_SECRET is not"),
    ({"TELEGRAM_WEBHOOK_URL": URL, "TELEGRAM_WEBHOOK_SECRET": "has spaces"}, "may only hold"),
    ({"TELEGRAM_WEBHOOK_URL": URL, "TELEGRAM_WEBHOOK_SECRET": "x" * 257}, "may only hold"),
    ({"TELEGRAM_WEBHOOK_URL": "http://bot.example.com/hook", "TELEGRAM_WEBHOOK_SECRET": SECRET}, "https://"),
    ({"WEBHOOK_LISTEN": "8080"}, "is not host:port"),
    ({"METRICS_LISTEN": "localhost:port"}, "is not host:port"),
    ({"METRICS_LISTEN": "::1:9090"}, "is not host:port"),
    ({"TELEGRAM_WEBHOOK_URL": URL, "TELEGRAM_WEBHOOK_SECRET": SECRET, "METRICS_LISTEN": "127.0.0.1:8080"},
     "must not use the webhook's port"),
])
def test_a_bad_production_setting_is_one_line_naming_the_variable(environ: dict[str, str], says: str) -> None:
    with pytest.raises(ValueError, match=says) as caught:
        production_settings(environ)
    assert "\n" not in str(caught.value)


def test_webhook_mode_without_a_secret_stops_python_m_bot_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "METRICS_"))}
    env.update(PYTHONPATH=str(REPO), TELEGRAM_BOT_TOKEN="1:x", TELEGRAM_WEBHOOK_URL=URL)
    done = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "ftz-bot: TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not: webhook mode needs a secret "
        "(1-256 of A-Z a-z 0-9 _ -), e.g. from python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"]


# --- health and metrics units -----------------------------------------------------------------------------------


def test_health_needs_answers_from_telegram_and_facts() -> None:
    now = [100.0]
    health = Health("polling", lambda: 25, clock=lambda: now[0], silence_limit=60)
    assert health.check() == (False, "starting: no answer to getUpdates yet")
    health.api_call("ok")
    assert health.check()[0]
    health.api_call("409", "HTTP 409 Conflict: another instance is polling with this token, or a webhook is set")
    health.api_call("409", "HTTP 409 Conflict: another instance is polling with this token, or a webhook is set")
    assert health.check()[0]  # two failures are weather
    health.api_call("409", "HTTP 409 Conflict: another instance is polling with this token, or a webhook is set")
    assert health.check() == (False, "getUpdates failed 3 times in a row, last: HTTP 409 Conflict: another instance "
                                     "is polling with this token, or a webhook is set")
    health.api_call("ok")
    now[0] += 61
    assert health.check() == (False, "no answer to getUpdates for 61 s")
    health.api_call("ok")
    empty = Health("webhook", lambda: 0)
    assert empty.check() == (False, "no fact base loaded")
    health.stopping = True
    assert health.check() == (False, "stopping")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter's own, in PTB 22
def test_failures_are_labelled_by_kind() -> None:
    connection = NetworkError("aiohttp.ClientConnectorError: refused")
    connection.__cause__ = aiohttp.ClientConnectionError("refused")
    lost = MaybeDelivered("sendMessage: lost")
    lost.__cause__ = connection
    assert failure_kind(RetryAfter(dt.timedelta(seconds=3))) == "429"
    assert failure_kind(Forbidden("Forbidden: bot was blocked by the user")) == "403"
    assert failure_kind(NetworkError("Internal Server Error (500)")) == "5xx"
    assert failure_kind(NetworkError("Bad Gateway")) == "5xx"
    assert failure_kind(connection) == "network"
    assert failure_kind(lost) == "network"
    assert failure_kind(TimedOut()) == "network"
    assert failure_kind(BadRequest("Bad Request: chat not found")) == "other"


# --- the container image, outside a container -----------------------------------------------------------------


def dockerfile() -> dict[str, object]:
    """The instructions of the final stage that matter here: ENV, USER, VOLUME, ENTRYPOINT, CMD, HEALTHCHECK."""
    lines, joined = (REPO / "Dockerfile").read_text(encoding="utf-8").splitlines(), []
    for line in lines:
        if joined and joined[-1].endswith("\\"):
            joined[-1] = joined[-1][:-1] + " " + line.strip()
        elif line.strip() and not line.lstrip().startswith("#"):
            joined.append(line.strip())
    final = max(i for i, line in enumerate(joined) if line.upper().startswith("FROM "))
    found: dict[str, object] = {"ENV": {}}
    for line in joined[final:]:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "ENV":
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                found["ENV"][name] = value  # type: ignore[index]
        elif keyword == "HEALTHCHECK":
            found[keyword] = json.loads(rest[rest.index("CMD ") + 4:])
        elif keyword in ("ENTRYPOINT", "CMD", "VOLUME"):
            found[keyword] = json.loads(rest)
        else:
            found[keyword] = rest
    found["FROM"] = joined[final]
    return found


def test_the_image_is_slim_runs_as_a_user_keeps_data_on_a_volume_and_holds_no_token() -> None:
    image = dockerfile()
    env = image["ENV"]
    assert isinstance(env, dict)
    assert "slim" in str(image["FROM"]) and "python:3.11" in str(image["FROM"])
    assert image["USER"] not in ("root", "0", "0:0")
    assert image["VOLUME"] == ["/data"] and env["BOT_DB_PATH"].startswith("/data/")
    assert not any("TOKEN" in name or "SECRET" in name for name in env)
    assert "ARG" not in image
    assert image["ENTRYPOINT"] == ["ftz-bot"] and image["CMD"] == ["run"]  # exec form: SIGTERM reaches the bot
    assert image["HEALTHCHECK"] == ["python", "-m", "bot.healthcheck"]
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored and ".venv" in ignored


def test_the_images_entry_and_health_check_commands_run_the_bot_and_stop_on_sigterm_within_10_s(
        standin: BotAPIStandIn, matcher: Matcher, tmp_path: Path) -> None:
    image = dockerfile()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_", "WEBHOOK_", "METRICS_"))}
    env.update(image["ENV"])  # type: ignore[arg-type]
    # What differs from the image: the Bot API is the stand-in, the volume is a temporary folder, and health and
    # metrics bind loopback rather than every interface.
    env.update(TELEGRAM_BOT_TOKEN=standin.token, TELEGRAM_BASE_URL=standin.base_url,
               BOT_DB_PATH=str(tmp_path / "data" / "questions.sqlite3"),
               METRICS_LISTEN=f"127.0.0.1:{free_port()}", PATH=f"{Path(sys.executable).parent}{os.pathsep}"
                                                               f"{env.get('PATH', '')}")
    workdir = tmp_path / "app"
    workdir.mkdir()
    entry = [*image["ENTRYPOINT"], *image["CMD"]]  # type: ignore[misc]
    health = image["HEALTHCHECK"]
    assert shutil.which(entry[0], path=env["PATH"]) and shutil.which(health[0], path=env["PATH"])  # type: ignore[index]

    def health_check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(health, cwd=workdir, env=env, capture_output=True, text=True, timeout=10)  # type: ignore[arg-type]

    down = health_check()
    assert down.returncode == 1 and "no answer" in down.stderr
    bot = subprocess.Popen(entry, cwd=workdir, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        checked: list[subprocess.CompletedProcess[str]] = []
        wait_until(lambda: checked.append(health_check()) or checked[-1].returncode == 0, timeout=30,
                   what="the image's HEALTHCHECK command to pass")
        assert checked[-1].stdout.startswith("ok: polling")
        fact, question = answerable(matcher)
        standin.private_text(1201, question)
        assert fact.answer_en in standin.wait_for_sent(1, 1201)[0]["visible_text"]
        out, err, stopped_in = stopped(bot, signal.SIGTERM, timeout=10)
    finally:
        reap(bot)
    assert bot.returncode == 0 and stopped_in < 10
    assert "Traceback" not in out + err and standin.token not in out + err
    assert (tmp_path / "data" / "questions.sqlite3").is_file()
    assert health_check().returncode == 1  # stopped: unhealthy


def test_the_health_check_command_without_metrics_listen_fails_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "METRICS_LISTEN"}
    done = subprocess.run([sys.executable, "-m", "bot.healthcheck"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=10)
    assert done.returncode == 1
    assert done.stderr.strip() == "healthcheck: METRICS_LISTEN is not set, so the bot serves no /healthz"


def test_parse_listen_accepts_every_interface_shorthand() -> None:
    assert parse_listen("X", ":9090") == Listen("0.0.0.0", 9090)


# --- the systemd unit -------------------------------------------------------------------------------------------


def test_the_systemd_unit_restarts_on_failure_with_a_dedicated_user_an_environment_file_and_a_data_directory(
        tmp_path: Path) -> None:
    unit = (REPO / "deploy" / "ftz-bot.service").read_text(encoding="utf-8")
    settings = dict(line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#"))
    assert settings["Restart"] == "on-failure" and settings["RestartPreventExitStatus"] == "2"
    assert settings["User"] == "ftz-bot" and settings["EnvironmentFile"] == "/etc/ftz-bot/env"
    assert settings["StateDirectory"] == "ftz-bot" and settings["Environment"] == \
        "BOT_DB_PATH=/var/lib/ftz-bot/questions.sqlite3"
    assert int(settings["TimeoutStopSec"]) <= 10 and settings["KillSignal"] == "SIGTERM"
    analyse = shutil.which("systemd-analyze")
    if analyse is None:
        pytest.skip("systemd-analyze is not installed")
    copy = tmp_path / "ftz-bot.service"  # ExecStart pointed at an ftz-bot that exists here
    copy.write_text(unit.replace("/opt/ftz-bot/bin/ftz-bot", str(Path(sys.executable).parent / "ftz-bot")),
                    encoding="utf-8")
    verified = subprocess.run([analyse, "verify", str(copy)], capture_output=True, text=True, timeout=60)
    assert verified.returncode == 0, verified.stderr


# --- webhook mode through `python -m bot` -----------------------------------------------------------------------


def webhook_process(standin: BotAPIStandIn, tmp_path: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_", "WEBHOOK_", "METRICS_"))}
    env.update(PYTHONPATH=str(REPO), TELEGRAM_BOT_TOKEN=standin.token, TELEGRAM_BASE_URL=standin.base_url,
               TELEGRAM_WEBHOOK_URL=URL, TELEGRAM_WEBHOOK_SECRET=SECRET, WEBHOOK_LISTEN=f"127.0.0.1:{port}",
               BOT_DB_PATH=str(tmp_path / "questions.sqlite3"), LOG_LEVEL="INFO")
    return subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_python_m_bot_in_webhook_mode_answers_and_stops_on_sigterm(
        standin: BotAPIStandIn, matcher: Matcher, tmp_path: Path) -> None:
    port = free_port()
    bot = webhook_process(standin, tmp_path, port)
    try:
        fact, question = answerable(matcher)
        update = standin.updates[standin.private_text(1301, question)]

        def delivered() -> bool:
            if bot.poll() is not None:
                raise AssertionError(f"the bot exited: {bot.communicate()}")
            try:
                return post_update(port, update, secret=SECRET, path="/telegram/hook")[0] == 200
            except OSError:  # not listening yet
                return False

        wait_until(delivered, timeout=30, what="the webhook to take the update")
        assert fact.answer_en in standin.sent_to(1301)[0]["visible_text"]
        assert standin.webhook["secret_token"] == SECRET
        out, err, stopped_in = stopped(bot, signal.SIGTERM, timeout=10)
    finally:
        reap(bot)
    assert bot.returncode == 0 and stopped_in < 10
    assert f"through the webhook {URL} (listening on 127.0.0.1:{port})" in err
    assert "Traceback" not in out + err and SECRET not in out + err and standin.token not in out + err


def test_a_busy_webhook_port_stops_python_m_bot_with_one_line(standin: BotAPIStandIn, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        bot = webhook_process(standin, tmp_path, taken.getsockname()[1])
        out, err = bot.communicate(timeout=30)
    assert bot.returncode == 1
    assert err.strip().splitlines()[-1].startswith("ftz-bot: cannot listen on 127.0.0.1:")
    assert "(WEBHOOK_LISTEN): Address already in use" in err and "Traceback" not in out + err
