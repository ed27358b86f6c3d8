"""The console chat answers like a private Telegram chat: follow-ups, numbered choices, commands."""

from __future__ import annotations

import io
import re

from bot.console import run_console


def chat(matcher, *lines: str) -> list[str]:
    out = io.StringIO()
    assert run_console(matcher, io.StringIO("\n".join(lines) + "\n"), out) == 0
    return out.getvalue().split("\n\n")


def test_a_follow_up_in_the_console_is_answered_for_the_new_place(matcher, fact_base):
    text = "\n\n".join(chat(matcher, "how big is the Horgos area?", "and Kashgar?"))
    assert fact_base.fact("horgos_area").answer_en in text and fact_base.fact("kashgar_area").answer_en in text


def test_typing_the_number_of_a_choice_answers_it(matcher, fact_base):
    text = "\n\n".join(chat(matcher, "foreign", "2"))
    offered = matcher.match("foreign").suggestions[1].fact_id
    assert "Did you mean:" in text and fact_base.fact(offered).answer_en in text


def test_slash_commands_answer_as_in_telegram_and_are_never_questions(matcher, fact_base):
    text = "\n\n".join(chat(matcher, "/source", "/topics", "/help", "/nonsense"))
    assert fact_base.article.title in text
    assert all(topic.title_en in text for topic in fact_base.topics)
    assert "don't know that command" in text
    assert "<b>" not in text and "&amp;" not in text


def test_the_console_of_a_second_article_speaks_only_of_that_article(solar_matcher):
    out = io.StringIO()
    chat = io.StringIO("hello\nhow many solar panels?\nand how many homes?\n/help\n/topics\n")
    assert run_console(solar_matcher, chat, out) == 0
    text = out.getvalue()
    assert "Lake Merrow Facts console — ask about the Lake Merrow Solar Farm." in text
    assert "610,000 solar panels" in text and "150,000 homes" in text
    assert not re.search(r"xinjiang|horgos|kashgar|urumqi|\bftz\b|free trade", text, re.IGNORECASE)
