"""Turn matcher results into words: HTML for Telegram, plain text for the console and CLI, dicts for JSON.

One place decides the wording, so Telegram, the console chat and `ftz-bot ask` say the same thing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from bot.knowledge import Article, Fact, FactBase, Topic
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
_VERDICT = {"en": {"yes": "Yes. ", "no": "No. "}, "zh": {"yes": "是的。", "no": "不是。"}}
_PART_NOT_GIVEN = {"en": "The article does not say: “{question}”", "zh": "文章没有提到：“{question}”"}
_SOURCE_LABEL = {"en": "Source", "zh": "原文"}
_CONFIDENCE_LABEL = {"en": "confidence", "zh": "置信度"}


def citation(article: Article) -> str:
    """The short citation line under every answer: article title and date."""
    return f"— “{article.title}”, {article.date.day} {article.date:%B %Y}"


def topic_list(fact_base: FactBase, language: str) -> str:
    titles = [t.title(language) if language == "zh" else t.title_en.lower() for t in fact_base.topics]
    return "、".join(titles) if language == "zh" else ", ".join(titles[:-1]) + " and " + titles[-1]


def small_talk_reply(kind: str | None, language: str) -> str:
    replies = _SMALL_TALK["zh" if language == "zh" else "en"]
    return replies.get(kind or "greeting", replies["greeting"])


def no_match_reply(fact_base: FactBase, language: str) -> str:
    lang = "zh" if language == "zh" else "en"
    return _NO_MATCH[lang].format(topics=topic_list(fact_base, lang))


def answer_text(match: Match, language: str) -> str:
    """The answer of an answered match, starting with Yes or No for a yes/no question."""
    assert match.fact is not None
    lang = _lang(language)
    prefix = _VERDICT[lang][match.verdict.value] if match.verdict is not None else ""
    return prefix + match.fact.answer(lang)


def _answered_parts(match: Match) -> tuple[Match, ...]:
    return match.parts or (match,)


def render_text(match: Match, fact_base: FactBase, *, show_confidence: bool = True) -> str:
    """Plain text for the console chat and `ask`: answer, quoted source, citation, confidence; for a message with
    several questions, each part in order."""
    lang = _lang(match.language)
    if match.outcome is Outcome.ANSWER and match.fact is not None:
        lines: list[str] = []
        for part in _answered_parts(match):
            if lines:
                lines.append("")
            if part.fact is None:
                lines.append(_PART_NOT_GIVEN[lang].format(question=part.question))
                continue
            lines += [answer_text(part, lang), ""]
            lines += [f"  “{source}”" for source in part.fact.sources]
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
    return truncate_html(_fact_html(html.escape(fact.answer(language)), fact) + "\n" + _citation_html(fact_base))


def _fact_html(answer_html: str, fact: Fact) -> str:
    quote = "\n".join(html.escape(source) for source in fact.sources)
    return f"{answer_html}\n<blockquote>{quote}</blockquote>"


def _citation_html(fact_base: FactBase) -> str:
    return f"<i>{html.escape(citation(fact_base.article))}</i>"


def render_html(match: Match, fact_base: FactBase) -> str:
    """Telegram HTML (parse mode HTML) for a match; every piece of user or data text is escaped."""
    lang = _lang(match.language)
    if match.outcome is Outcome.ANSWER and match.fact is not None:
        pieces = []
        for part in _answered_parts(match):
            if part.fact is None:
                pieces.append(html.escape(_PART_NOT_GIVEN[lang].format(question=part.question)))
            else:
                pieces.append(_fact_html(html.escape(answer_text(part, lang)), part.fact))
        return truncate_html("\n\n".join(pieces) + "\n" + _citation_html(fact_base))
    if match.outcome is Outcome.CLARIFY:
        return html.escape(_CLARIFY[lang])
    if match.outcome is Outcome.SMALL_TALK:
        return html.escape(small_talk_reply(match.small_talk, lang))
    return html.escape(no_match_reply(fact_base, lang))


def truncate(text: str, limit: int = TELEGRAM_MESSAGE_LIMIT) -> str:
    """Cut text to Telegram's message limit, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def match_to_dict(match: Match) -> dict[str, Any]:
    """The JSON object `ask --json` prints for one message (fields fixed by the CLI contract). For a message with
    several questions, `answer` and `source` hold every part in order and `parts` gives each one."""
    fact = match.fact if match.outcome is Outcome.ANSWER else None
    lang = _lang(match.language)
    answered = [p for p in _answered_parts(match) if p.fact is not None] if fact else []
    return {
        "question": match.question,
        "answered": match.answered,
        "outcome": match.outcome.value,
        "fact_id": fact.id if fact else None,
        "confidence": match.confidence,
        "answer": "\n".join(answer_text(p, lang) for p in answered) if fact else None,
        "source": " ".join(s for p in answered for s in p.fact.sources) if fact else None,  # type: ignore[union-attr]
        "language": match.language,
        "verdict": match.verdict.value if match.verdict else None,
        "reason": match.reason,
        "suggestions": [
            {"fact_id": s.fact_id, "question": s.question, "confidence": s.confidence} for s in match.suggestions
        ],
        "follow_up": match.follow_up,
        "parts": [
            {"question": p.question, "outcome": p.outcome.value, "fact_id": p.fact.id if p.fact else None,
             "answer": answer_text(p, lang) if p.fact else None,
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
    if message_length(html_text) <= limit:
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

COMMANDS = {
    "en": (
        ("ask", "Ask a question about the Xinjiang FTZ"),
        ("topics", "Browse the facts by topic"),
        ("source", "The article the answers come from"),
        ("help", "What I know and how to ask"),
    ),
    "zh": (
        ("ask", "提问关于新疆自贸区的问题"),
        ("topics", "按主题浏览"),
        ("source", "答案出自的文章"),
        ("help", "我能回答什么、怎么问"),
    ),
}

_HELP = {
    "en": ("<b>FTZ Facts</b> answers quick questions about the Xinjiang Pilot Free Trade Zone from one news article, "
           "and quotes the sentence each answer comes from.\n\n"
           "I know about its {topics}.\n\n"
           "Try:\n{examples}\n\n"
           "<b>In groups</b>: mention me (@{bot} how big is it?), reply to one of my messages, "
           "or send /ask and your question.\n"
           "<b>In any chat</b>: type @{bot} and a question to share an answer.\n\n"
           "/topics browse by topic · /source the article · /help this message"),
    "zh": ("<b>FTZ Facts</b> 根据一篇新闻报道回答关于新疆自贸试验区的问题，并引用每个答案出自的原文句子。\n\n"
           "我可以回答它的{topics}等问题。\n\n"
           "试试问：\n{examples}\n\n"
           "<b>在群组中</b>：发送 @{bot} 加上问题、回复我的消息，或发送 /ask 加上问题。\n"
           "<b>在任何聊天中</b>：输入 @{bot} 和问题，即可分享答案。\n\n"
           "/topics 按主题浏览 · /source 原文信息 · /help 使用说明"),
}
_TOPICS_PROMPT = {"en": "Pick a topic:", "zh": "选择一个主题："}
_TOPIC_FOOTER = {"en": "Tap a question below to see the sentence it comes from.", "zh": "点击下面的问题查看原文出处。"}
_SOURCE = {
    "en": "📰 <b>{title}</b>\nPublished {date}\nPublisher line: {publisher}\n\nEvery answer quotes this article "
          "word for word.",
    "zh": "📰 <b>{title}</b>\n发布日期：{date}\n出处行：{publisher}\n\n每个回答都逐字引用这篇文章。",
}
_NOTICES = {
    "en": {
        "not_text": "I can only read text. Send me your question in words, for example: {example}",
        "too_long": "That message is too long for me. Please ask one short question, for example: {example}",
        "empty": "Yes? Ask me a question, for example: {example}",
        "ask_usage": "Put your question after the command, for example: /ask {example}",
        "unknown_command": "I don't know that command. Send /help to see what I can do.",
        "added_to_group": "Hello! I answer questions about the Xinjiang Pilot Free Trade Zone. Mention me "
                          "(@{bot} your question), reply to one of my messages, or send /ask and your question. "
                          "/help tells you more.",
        "stale_button": "Sorry, that button no longer works. Send /topics for a fresh list.",
        "inline_private": "Ask me in a private chat",
        "vote_up": "Thanks! Glad it helped.",
        "vote_down": "Thanks for telling us. We use this to fix answers.",
    },
    "zh": {
        "not_text": "我只能读文字。请用文字提问，比如：{example}",
        "too_long": "这条消息太长了。请只问一个简短的问题，比如：{example}",
        "empty": "请问？直接提问吧，比如：{example}",
        "ask_usage": "请在命令后面写上问题，比如：/ask {example}",
        "unknown_command": "我不认识这个命令。发送 /help 看看我能做什么。",
        "added_to_group": "大家好！我回答关于新疆自贸试验区的问题。@{bot} 加上问题、回复我的消息，"
                          "或发送 /ask 加上问题。发送 /help 了解更多。",
        "stale_button": "抱歉，这个按钮已失效。发送 /topics 获取新的列表。",
        "inline_private": "在私聊中问我",
        "vote_up": "谢谢！很高兴能帮上忙。",
        "vote_down": "谢谢反馈，我们会据此改进答案。",
    },
}


def _lang(language: str) -> str:
    return "zh" if language == "zh" else "en"


def topic_title(topic: Topic, language: str) -> str:
    return topic.title(_lang(language))


def help_html(fact_base: FactBase, bot_username: str, examples: Sequence[str], language: str) -> str:
    """/start and /help: what the bot knows, example questions, and how to use it in groups and inline."""
    lang = _lang(language)
    return truncate_html(_HELP[lang].format(
        topics=html.escape(topic_list(fact_base, lang)),
        examples="\n".join(f"• {html.escape(example)}" for example in examples),
        bot=html.escape(bot_username),
    ))


def topics_prompt_html(language: str) -> str:
    """The text above the /topics buttons."""
    return html.escape(_TOPICS_PROMPT[_lang(language)])


def topic_html(fact_base: FactBase, topic: Topic, language: str, *, buttons: bool = True) -> str:
    """A topic's facts: its title, each fact's answer, the citation; with `buttons`, a line pointing at the
    question buttons sent with it."""
    lang = _lang(language)
    lines = [f"<b>{html.escape(topic_title(topic, lang))}</b>"]
    lines += [f"• {html.escape(fact.answer(lang))}" for fact in fact_base.facts_in_topic(topic.id)]
    lines.append(f"<i>{html.escape(citation(fact_base.article))}</i>")
    if buttons:
        lines += ["", html.escape(_TOPIC_FOOTER[lang])]
    return truncate_html("\n".join(lines))


def source_html(article: Article, language: str) -> str:
    """/source: the article's title, date and publisher line."""
    lang = _lang(language)
    date = f"{article.date.year}年{article.date.month}月{article.date.day}日" if lang == "zh" else (
        f"{article.date.day} {article.date:%B %Y}")
    return _SOURCE[lang].format(title=html.escape(article.title), date=html.escape(date),
                                publisher=html.escape(article.publisher_line))


def notice(kind: str, language: str, *, example: str = "", bot_username: str = "") -> str:
    """A short fixed message (plain text) for the cases that are not questions: `not_text`, `too_long`, `empty`,
    `ask_usage`, `unknown_command`, `added_to_group`, `stale_button`, `inline_private`, `vote_up`, `vote_down`."""
    return _NOTICES[_lang(language)][kind].format(example=example, bot=bot_username)


def notice_html(kind: str, language: str, *, example: str = "", bot_username: str = "") -> str:
    """`notice` escaped for HTML parse mode."""
    return html.escape(notice(kind, language, example=example, bot_username=bot_username))
