"""Turn matcher results into words: HTML for Telegram, plain text for the console and CLI, dicts for JSON.

One place decides the wording, so Telegram, the console chat and `ftz-bot ask` say the same thing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from bot.knowledge import Fact, FactBase, Topic
from bot.match import Match, Outcome

TELEGRAM_MESSAGE_LIMIT = 4096
TELEGRAM_CALLBACK_LIMIT = 64  # bytes

def citation(fact_base: FactBase, language: str) -> str:
    """The short citation line under every answer: article title and date."""
    return fact_base.messages.text(language, "citation", title=fact_base.article.title,
                                   date=article_date(fact_base, language))


def article_date(fact_base: FactBase, language: str) -> str:
    """The article's date as the language writes it: 2 November 2023, 2023年11月2日, 2 ноября 2023 г."""
    date, messages = fact_base.article.date, fact_base.messages
    return messages.text(language, "date", day=date.day, month=messages.months(language)[date.month - 1],
                         year=date.year)


def topic_list(fact_base: FactBase, language: str) -> str:
    """The topic titles joined as a list in running text."""
    messages = fact_base.messages
    lower = messages.flag(language, "lowercase_topics")
    titles = [t.title(messages.resolve(language)) for t in fact_base.topics]
    titles = [t.lower() for t in titles] if lower else titles
    if len(titles) == 1:
        return titles[0]
    return (messages.text(language, "topics_separator").join(titles[:-1])
            + messages.text(language, "topics_last_separator") + titles[-1])


def small_talk_reply(fact_base: FactBase, kind: str | None, language: str) -> str:
    return fact_base.messages.small_talk(language, kind or "greeting")


def no_match_reply(fact_base: FactBase, language: str) -> str:
    return fact_base.messages.text(language, "no_match", topics=topic_list(fact_base, language))


def answer_text(match: Match, fact_base: FactBase, language: str) -> str:
    """The answer of an answered match, starting with Yes or No for a yes/no question."""
    assert match.fact is not None
    lang = fact_base.messages.resolve(language)
    prefix = fact_base.messages.text(lang, match.verdict.value) if match.verdict is not None else ""
    return prefix + match.fact.answer(lang)


def _part_question(part: Match, fact_base: FactBase) -> str:
    """A part's own words as quoted back, without the joiner it was cut at ("and which ones" → "which ones")."""
    first, _, rest = part.question.partition(" ")
    return rest if rest and first in fact_base.lexicon.clauses.joiners else part.question


def _answered_parts(match: Match) -> tuple[Match, ...]:
    return match.parts or (match,)


def _quotes_its_source(parts: tuple[Match, ...]) -> list[bool]:
    """For each part, whether its source is quoted after it: not when the next part quotes the same sentences
    ("how big are Kashgar and Horgos?" quotes the one sentence that gives both once, after both answers)."""
    return [part.fact is not None and not (after is not None and after.fact is not None
                                           and after.fact.sources == part.fact.sources)
            for part, after in zip(parts, (*parts[1:], None), strict=True)]


def render_text(match: Match, fact_base: FactBase, *, show_confidence: bool = True) -> str:
    """Plain text for the console chat and `ask`: answer, quoted source, citation, confidence; for a message with
    several questions, each part in order."""
    lang = fact_base.messages.resolve(match.language)
    messages = fact_base.messages
    if match.outcome is Outcome.ANSWER and match.fact is not None:
        lines: list[str] = []
        parts = _answered_parts(match)
        for part, quoted in zip(parts, _quotes_its_source(parts), strict=True):
            if lines:
                lines.append("")
            if part.fact is None:
                lines.append(messages.text(lang, "part_not_given", question=_part_question(part, fact_base)))
                continue
            lines.append(answer_text(part, fact_base, lang))
            if quoted:
                lines += ["", *(f"  “{source}”" for source in part.fact.sources)]
        lines.append(f"  {citation(fact_base, lang)}")
        if show_confidence:
            lines.append(f"  ({messages.text(lang, 'confidence')} {match.confidence})")
        return "\n".join(lines)
    if match.outcome is Outcome.CLARIFY:
        lines = [messages.text(lang, "clarify")]
        lines += [f"  {n}. {s.question}" for n, s in enumerate(match.suggestions, start=1)]
        return "\n".join(lines)
    if match.outcome is Outcome.SMALL_TALK:
        return small_talk_reply(fact_base, match.small_talk, lang)
    return no_match_reply(fact_base, lang)


def render_fact_html(fact: Fact, fact_base: FactBase, language: str) -> str:
    """A fact as Telegram HTML: the answer, the verbatim source as a quote, the citation."""
    answer = html.escape(fact.answer(fact_base.messages.resolve(language)))
    return truncate_html(_fact_html(answer, fact) + "\n" + _citation_html(fact_base, language))


def _fact_html(answer_html: str, fact: Fact, *, quoted: bool = True) -> str:
    if not quoted:
        return answer_html
    quote = "\n".join(html.escape(source) for source in fact.sources)
    return f"{answer_html}\n<blockquote>{quote}</blockquote>"


def _citation_html(fact_base: FactBase, language: str) -> str:
    return f"<i>{html.escape(citation(fact_base, language))}</i>"


def render_html(match: Match, fact_base: FactBase) -> str:
    """Telegram HTML (parse mode HTML) for a match; every piece of user or data text is escaped."""
    lang = fact_base.messages.resolve(match.language)
    messages = fact_base.messages
    if match.outcome is Outcome.ANSWER and match.fact is not None:
        pieces = []
        parts = _answered_parts(match)
        for part, quoted in zip(parts, _quotes_its_source(parts), strict=True):
            if part.fact is None:
                pieces.append(html.escape(messages.text(lang, "part_not_given",
                                                        question=_part_question(part, fact_base))))
            else:
                pieces.append(_fact_html(html.escape(answer_text(part, fact_base, lang)), part.fact, quoted=quoted))
        return truncate_html("\n\n".join(pieces) + "\n" + _citation_html(fact_base, lang))
    if match.outcome is Outcome.CLARIFY:
        return html.escape(messages.text(lang, "clarify"))
    if match.outcome is Outcome.SMALL_TALK:
        return html.escape(small_talk_reply(fact_base, match.small_talk, lang))
    return html.escape(no_match_reply(fact_base, lang))


def truncate(text: str, limit: int = TELEGRAM_MESSAGE_LIMIT) -> str:
    """Cut text to Telegram's message limit, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def match_to_dict(match: Match, fact_base: FactBase) -> dict[str, Any]:
    """The JSON object `ask --json` prints for one message (fields fixed by the CLI contract). For a message with
    several questions, `answer` and `source` hold every part in order and `parts` gives each one."""
    fact = match.fact if match.outcome is Outcome.ANSWER else None
    lang = fact_base.messages.resolve(match.language)
    answered = [p for p in _answered_parts(match) if p.fact is not None] if fact else []
    sources = [s for p in answered if p.fact is not None for s in p.fact.sources]
    return {
        "question": match.question,
        "answered": match.answered,
        "outcome": match.outcome.value,
        "fact_id": fact.id if fact else None,
        "confidence": match.confidence,
        "answer": "\n".join(answer_text(p, fact_base, lang) for p in answered) if fact else None,
        "source": " ".join(sources) if fact else None,
        "language": match.language,
        "verdict": match.verdict.value if match.verdict else None,
        "reason": match.reason,
        "suggestions": [
            {"fact_id": s.fact_id, "question": s.question, "confidence": s.confidence} for s in match.suggestions
        ],
        "follow_up": match.follow_up,
        "parts": [
            {"question": p.question, "outcome": p.outcome.value, "fact_id": p.fact.id if p.fact else None,
             "answer": answer_text(p, fact_base, lang) if p.fact else None,
             "source": " ".join(p.fact.sources) if p.fact else None, "reason": p.reason}
            for p in match.parts
        ],
    }


# --- Telegram: length limits ----------------------------------------------------------------------------------

_HTML_TOKEN = re.compile(r"<(/?)([a-zA-Z-]+)[^>]*>|&(?:#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);|[^<&]+|[<&]")
_ELLIPSIS = "…"


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def message_length(html_text: str) -> int:
    """The length Telegram counts for an HTML message: visible characters (tags dropped, entities as one), in
    UTF-16 code units, which is never less than the number of characters."""
    total = 0
    for token in _HTML_TOKEN.finditer(html_text):
        if token.group(2) is None:
            total += _utf16_units(html.unescape(token.group(0)))
    return total


def truncate_html(html_text: str, limit: int = TELEGRAM_MESSAGE_LIMIT) -> str:
    """Cut Telegram HTML to `limit` visible characters: never inside a tag or an entity, with an ellipsis at the
    cut and every tag still open there closed, so Telegram can still parse it."""
    # A character is at most two UTF-16 units, and tags and entities count less than they are long: most answers
    # fit without being counted.
    if 2 * len(html_text) <= limit or message_length(html_text) <= limit:
        return html_text
    budget = limit - _utf16_units(_ELLIPSIS)
    out: list[str] = []
    open_tags: list[str] = []
    for token in _HTML_TOKEN.finditer(html_text):
        piece = token.group(0)
        name = token.group(2)
        if name is not None:
            if token.group(1):
                if name in open_tags:
                    del open_tags[len(open_tags) - 1 - open_tags[::-1].index(name)]
            else:
                open_tags.append(name)
            out.append(piece)
            continue
        text = html.unescape(piece)
        size = _utf16_units(text)
        if size <= budget:
            out.append(piece)
            budget -= size
            continue
        kept = []
        for char in text:
            budget -= _utf16_units(char)
            if budget < 0:
                break
            kept.append(char)
        out.append(html.escape("".join(kept), quote=False))
        break
    out.append(_ELLIPSIS)
    out.extend(f"</{name}>" for name in reversed(open_tags))
    return "".join(out)


def html_to_text(html_text: str) -> str:
    """Telegram HTML as plain text for the console: tags dropped, entities unescaped."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


def snippet(text: str, limit: int) -> str:
    """Plain text on one line, cut to `limit` characters with an ellipsis (inline result titles, buttons)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + _ELLIPSIS


# --- Telegram: commands, topics, notices ----------------------------------------------------------------------


def menus(fact_base: FactBase) -> list[tuple[str | None, tuple[tuple[str, str], ...]]]:
    """(Telegram language code, menu) pairs to register: the folder's first language as the default (None), each
    other language under its code, and each mapped Telegram language (kk → ru) under its own code."""
    messages = fact_base.messages
    pairs: list[tuple[str | None, tuple[tuple[str, str], ...]]] = [(None, messages.commands(messages.languages[0]))]
    pairs += [(language, messages.commands(language)) for language in messages.languages[1:]]
    pairs += [(code, messages.commands(language)) for code, language in messages.telegram_languages.items()
              if language != messages.languages[0]]
    return pairs


def topic_title(topic: Topic, language: str) -> str:
    return topic.title(language)


def help_html(fact_base: FactBase, bot_username: str, examples: Sequence[str], language: str) -> str:
    """/start and /help: what the bot knows, example questions, and how to use it in groups and inline."""
    return truncate_html(fact_base.messages.text(
        language, "help",
        topics=html.escape(topic_list(fact_base, language)),
        examples="\n".join(f"• {html.escape(example)}" for example in examples),
        bot=html.escape(bot_username),
    ))


def topics_prompt_html(fact_base: FactBase, language: str) -> str:
    """The text above the /topics buttons."""
    return html.escape(fact_base.messages.text(language, "topics_prompt"))


def topic_html(fact_base: FactBase, topic: Topic, language: str, *, buttons: bool = True) -> str:
    """A topic's facts: its title, each fact's answer, the citation; with `buttons`, a line pointing at the
    question buttons sent with it."""
    lang = fact_base.messages.resolve(language)
    lines = [f"<b>{html.escape(topic.title(lang))}</b>"]
    lines += [f"• {html.escape(fact.answer(lang))}" for fact in fact_base.facts_in_topic(topic.id)]
    lines.append(_citation_html(fact_base, lang))
    if buttons:
        lines += ["", html.escape(fact_base.messages.text(lang, "topic_footer"))]
    return truncate_html("\n".join(lines))


def source_html(fact_base: FactBase, language: str) -> str:
    """/source: the article's title, date and publisher line."""
    article = fact_base.article
    return fact_base.messages.text(language, "source", title=html.escape(article.title),
                                   date=html.escape(article_date(fact_base, language)),
                                   publisher=html.escape(article.publisher_line))


def notice(fact_base: FactBase, kind: str, language: str, *, example: str = "", bot_username: str = "") -> str:
    """A short fixed message (plain text) for the cases that are not questions: `not_text`, `too_long`, `empty`,
    `ask_usage`, `unknown_command`, `added_to_group`, `stale_button`, `inline_private`, `vote_up`, `vote_down`."""
    return fact_base.messages.notice(language, kind, example=example, bot=bot_username)


def notice_html(fact_base: FactBase, kind: str, language: str, *, example: str = "", bot_username: str = "") -> str:
    """`notice` escaped for HTML parse mode."""
    return html.escape(notice(fact_base, kind, language, example=example, bot_username=bot_username))
