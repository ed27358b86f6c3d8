"""Turn matcher results into words: HTML for Telegram, plain text for the console and CLI, dicts for JSON.

One place decides the wording, so Telegram, the console chat and `ftz-bot ask` say the same thing.
"""

from __future__ import annotations

import html
from typing import Any

from bot.knowledge import Article, Fact, FactBase
from bot.matcher import Match, Outcome

TELEGRAM_MESSAGE_LIMIT = 4096
TELEGRAM_CALLBACK_LIMIT = 64  # bytes

_SMALL_TALK = {
    "en": {
        "greeting": "Hello! 👋 Ask me anything about the Xinjiang Pilot Free Trade Zone — for example, how big it is.",
        "thanks": "You're welcome! Ask me another one any time.",
        "goodbye": "Goodbye! Come back with more questions about the Xinjiang FTZ.",
        "about_bot": "I'm FTZ Facts: I answer quick questions about the Xinjiang Pilot Free Trade Zone from one "
                     "news article, and quote the sentence each answer comes from. Try “When was it established?”",
        "acknowledgement": "👍 Anything else about the Xinjiang FTZ?",
    },
    "zh": {
        "greeting": "你好！👋 关于新疆自贸试验区，有什么想问的？比如：它有多大？",
        "thanks": "不客气！欢迎随时提问。",
        "goodbye": "再见！有关于新疆自贸区的问题欢迎再来。",
        "about_bot": "我是 FTZ Facts：根据一篇新闻报道回答关于新疆自贸试验区的问题，并引用原文出处。"
                     "试试问“什么时候成立的？”",
        "acknowledgement": "👍 还想了解新疆自贸区的什么？",
    },
}
_NO_MATCH = {
    "en": "Sorry, I don't know that: the article I draw on doesn't say. I can tell you about the Xinjiang Pilot FTZ's "
          "{topics}.",
    "zh": "抱歉，这个我不知道：我依据的文章没有提到。我可以回答新疆自贸试验区的{topics}等问题。",
}
_CLARIFY = {"en": "Did you mean:", "zh": "你是想问："}
_SOURCE_LABEL = {"en": "Source", "zh": "原文"}
_CONFIDENCE_LABEL = {"en": "confidence", "zh": "置信度"}


def citation(article: Article) -> str:
    """The short citation line under every answer: article title and date."""
    return f"— “{article.title}”, {article.date.day} {article.date:%B %Y}"


def topic_list(fact_base: FactBase, language: str) -> str:
    titles = [t.title_zh if language == "zh" else t.title_en.lower() for t in fact_base.topics]
    return "、".join(titles) if language == "zh" else ", ".join(titles[:-1]) + " and " + titles[-1]


def small_talk_reply(kind: str | None, language: str) -> str:
    replies = _SMALL_TALK["zh" if language == "zh" else "en"]
    return replies.get(kind or "greeting", replies["greeting"])


def no_match_reply(fact_base: FactBase, language: str) -> str:
    lang = "zh" if language == "zh" else "en"
    return _NO_MATCH[lang].format(topics=topic_list(fact_base, lang))


def render_text(match: Match, fact_base: FactBase, *, show_confidence: bool = True) -> str:
    """Plain text for the console chat and `ask`: answer, quoted source, citation, confidence."""
    lang = "zh" if match.language == "zh" else "en"
    if match.outcome is Outcome.ANSWER and match.fact is not None:
        lines = [match.fact.answer(lang), ""]
        lines += [f"  “{source}”" for source in match.fact.sources]
        lines.append(f"  {citation(fact_base.article)}")
        if show_confidence:
            lines.append(f"  ({_CONFIDENCE_LABEL[lang]} {match.confidence})")
        return "\n".join(lines)
    if match.outcome is Outcome.CLARIFY:
        lines = [_CLARIFY[lang]]
        lines += [f"  {n}. {s.question}" for n, s in enumerate(match.suggestions, start=1)]
        return "\n".join(lines)
    if match.outcome is Outcome.SMALL_TALK:
        return small_talk_reply(match.small_talk, lang)
    return no_match_reply(fact_base, lang)


def render_fact_html(fact: Fact, fact_base: FactBase, language: str) -> str:
    """A fact as Telegram HTML: the answer, the verbatim source as a quote, the citation."""
    parts = [html.escape(fact.answer(language))]
    quote = "\n".join(html.escape(source) for source in fact.sources)
    parts.append(f"<blockquote>{quote}</blockquote>")
    parts.append(f"<i>{html.escape(citation(fact_base.article))}</i>")
    return truncate("\n".join(parts))


def render_html(match: Match, fact_base: FactBase) -> str:
    """Telegram HTML (parse mode HTML) for a match; every piece of user or data text is escaped."""
    lang = "zh" if match.language == "zh" else "en"
    if match.outcome is Outcome.ANSWER and match.fact is not None:
        return render_fact_html(match.fact, fact_base, lang)
    if match.outcome is Outcome.CLARIFY:
        return html.escape(_CLARIFY[lang])
    if match.outcome is Outcome.SMALL_TALK:
        return html.escape(small_talk_reply(match.small_talk, lang))
    return html.escape(no_match_reply(fact_base, lang))


def truncate(text: str, limit: int = TELEGRAM_MESSAGE_LIMIT) -> str:
    """Cut text to Telegram's message limit, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def match_to_dict(match: Match) -> dict[str, Any]:
    """The JSON object `ask --json` prints for one question (fields fixed by the CLI contract)."""
    fact = match.fact if match.outcome is Outcome.ANSWER else None
    lang = "zh" if match.language == "zh" else "en"
    return {
        "question": match.question,
        "answered": match.answered,
        "outcome": match.outcome.value,
        "fact_id": fact.id if fact else None,
        "confidence": match.confidence,
        "answer": fact.answer(lang) if fact else None,
        "source": " ".join(fact.sources) if fact else None,
        "language": match.language,
        "suggestions": [
            {"fact_id": s.fact_id, "question": s.question, "confidence": s.confidence} for s in match.suggestions
        ],
    }
