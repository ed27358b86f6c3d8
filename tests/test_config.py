"""Settings: the delivery numbers (bot/config.py `Delivery`) from BOT_… variables, their defaults, and a clear error
for a value the bot cannot use."""

from __future__ import annotations

import pytest

from bot.config import DELIVERY_VARIABLES, Delivery, SettingsError, load_settings


@pytest.fixture(autouse=True)
def no_delivery_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in DELIVERY_VARIABLES:
        monkeypatch.delenv(variable, raising=False)


def test_without_variables_the_delivery_numbers_are_the_documented_defaults() -> None:
    delivery = load_settings(env_file=None).delivery
    assert delivery == Delivery()
    assert (delivery.messages_per_second, delivery.group_messages_per_minute, delivery.chat_backlog,
            delivery.stop_grace, delivery.inbox_max_age) == (30, 20, 10, 8, 3600)


def test_each_delivery_variable_sets_its_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_MESSAGES_PER_SECOND", "0")
    monkeypatch.setenv("BOT_CHAT_BACKLOG", "25")
    monkeypatch.setenv("BOT_STOP_GRACE_SECONDS", "2.5")
    monkeypatch.setenv("BOT_MAX_IN_FLIGHT", " ")  # empty: the default
    delivery = load_settings(env_file=None).delivery
    assert (delivery.messages_per_second, delivery.chat_backlog, delivery.stop_grace, delivery.max_in_flight) == (
        0, 25, 2.5, Delivery().max_in_flight)


@pytest.mark.parametrize(("variable", "value"), [("BOT_CHAT_BACKLOG", "0"), ("BOT_CHAT_BACKLOG", "2.5"),
                                                 ("BOT_MAX_IN_FLIGHT", "lots"), ("BOT_STOP_GRACE_SECONDS", "-1"),
                                                 ("BOT_MESSAGES_PER_SECOND", "nan")])
def test_a_value_the_bot_cannot_use_is_a_settings_error_naming_the_variable(
        monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings(env_file=None)


def test_bot_conversation_minutes_defaults_to_ten(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOT_CONVERSATION_MINUTES", raising=False)
    assert load_settings(None).conversation_seconds == 600
    monkeypatch.setenv("BOT_CONVERSATION_MINUTES", "2.5")
    assert load_settings(None).conversation_seconds == 150
    monkeypatch.setenv("BOT_CONVERSATION_MINUTES", "0")
    assert load_settings(None).conversation_seconds == 0


@pytest.mark.parametrize("value", ["-1", "ten", "nan", "inf"])
def test_a_bad_bot_conversation_minutes_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("BOT_CONVERSATION_MINUTES", value)
    with pytest.raises(SettingsError, match="BOT_CONVERSATION_MINUTES"):
        load_settings(None)
