"""Telegram handlers: one small async function per kind of update, each turning it into matcher calls and replies.

Which updates get an answer:

* private chats: every text message (or a caption) is a question; other messages get a one-line hint;
* groups and supergroups: only messages that mention the bot, reply to one of its messages, or are `/ask`
  (`/ask@botname`); the mention is stripped before matching, and the reply quotes the asking message;
* inline queries, button presses, and the commands /start, /help, /topics, /ask and /source anywhere.

Every question the matcher handles is logged through `BotState.recorder` (see `bot.telegram.recorder` for what is
logged when), and every reply to one — answer, "did you mean", no match; not small talk — carries 👍 / 👎 buttons
for its log row. The shared state lives in `bot.telegram.state`, the admin commands in `bot.telegram.admin`.

Everything else — edited messages, channel posts, other people's service messages, unaddressed group chatter, other
bots — is ignored on purpose: no handler matches it.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable

from telegram import (
    CallbackQuery,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType, MessageEntityType, ParseMode
from telegram.error import BadRequest, InvalidToken, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.conversation import DEFAULT_MEMORY_SECONDS
from bot.formatting import (
    help_html,
    notice,
    notice_html,
    render_fact_html,
    render_html,
    snippet,
    source_html,
    topic_html,
    topic_title,
    topics_prompt_html,
)
from bot.knowledge import FactBase
from bot.match import Match, Outcome
from bot.matcher import MAX_QUESTION_CHARS, Matcher
from bot.questionlog import LogChatType
from bot.telegram.delivery import MaybeDelivered, describe
from bot.telegram.keyboards import (
    CHOICE,
    FACT,
    TOPIC,
    InlineKeyboard,
    callback_data,
    offered,
    parse_press,
    parse_vote,
    suggestions_keyboard,
    topic_facts_keyboard,
    topics_keyboard,
    with_feedback,
)
from bot.telegram.privacy import chat_tag
from bot.telegram.recorder import MENTION_PLACEHOLDER, QuestionRecorder
from bot.telegram.state import STATE_KEY, BotState, state
from bot.text import detect_language

_LOGGER = logging.getLogger(__name__)

INLINE_CACHE_SECONDS = 300  # inline results depend only on the query text, so Telegram may reuse them a while
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def conversation_key(update: Update) -> tuple[int, int] | int | None:
    """Whose conversation a message belongs to: a private chat; in a group, one user in that chat (two people
    asking in one group do not share context). Kept in memory only."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return None
    if chat.type == ChatType.PRIVATE or user is None:
        return chat.id
    return (chat.id, user.id)


# --- reading updates ------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _mention_pattern(username: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w@])@{re.escape(username)}(?!\w)", re.IGNORECASE)


def mentions_bot(message: Message, username: str) -> bool:
    text = message.text or message.caption or ""
    return bool(username) and _mention_pattern(username).search(text) is not None


class _AddressedToBot(filters.MessageFilter):
    """A group message meant for this bot: it mentions @botname or replies to one of the bot's messages."""

    def filter(self, message: Message) -> bool:
        if message.from_user is not None and message.from_user.is_bot:
            return False  # never talk to other bots: two bots could answer each other for ever
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
            return True
        return mentions_bot(message, bot.username)


ADDRESSED_TO_BOT = _AddressedToBot(name="AddressedToBot")


_GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)


def needs_turn(update: Update) -> bool:
    """Whether an update may get a reply, and so must wait for its chat's turn: everything but group messages the
    bot leaves alone (not addressed to it, not a command, not the bot joining). Cheap: no handler is consulted."""
    message = update.message
    if message is None or message.chat.type not in _GROUPS:
        return True
    text = message.text or message.caption or ""
    return (text.startswith("/") or bool(message.new_chat_members)
            or ADDRESSED_TO_BOT.check_update(update) is True)


def question_in(update: Update, username: str,
                fact_base: FactBase) -> tuple[str, str, str, list[tuple[str, str]]] | None:
    """The question a message asks, as the handlers would read it — (question, chat type, language, personal
    details) — or None when it asks none (a command other than /ask, a group message not addressed to the bot, a
    press, an inline query, media). For logging a question that was dropped or expired without an answer."""
    message = update.message
    if message is None:
        return None
    text = message.text or message.caption or ""
    if text.startswith("/"):
        command, _, rest = text.partition(" ")
        name, _, target = command[1:].partition("@")
        if name.lower() != "ask" or not message.text or (target and target.lower() != username.lower()):
            return None
        text = rest
    elif message.chat.type in _GROUPS and ADDRESSED_TO_BOT.check_update(update) is not True:
        return None
    question = clean_question(text, username)
    if not question or len(question) > MAX_QUESTION_CHARS:
        return None
    return question, message.chat.type, user_language(update, fact_base, question), personal_details(message)


def clean_question(text: str, username: str = "") -> str:
    """The question in a message: the bot's @mention removed, control characters dropped, spaces squeezed."""
    if username:
        text = _mention_pattern(username).sub(" ", text)
    text = " ".join(_CONTROL.sub(" ", text).split())
    return text.lstrip(",:;.-–— ").strip()


_PERSONAL_ENTITIES: dict[str, str] = {
    MessageEntityType.MENTION: MENTION_PLACEHOLDER,
    MessageEntityType.TEXT_MENTION: MENTION_PLACEHOLDER,  # a person's name, linked to their account
    MessageEntityType.EMAIL: "[email]",
    MessageEntityType.PHONE_NUMBER: "[phone]",
}


def personal_details(message: Message | None) -> list[tuple[str, str]]:
    """The spans Telegram marked in a message as mentions, e-mail addresses or phone numbers, each with the
    placeholder the question log stores instead."""
    if message is None:
        return []
    types: list[str | None] = [*_PERSONAL_ENTITIES]
    found = message.parse_entities(types) if message.text else message.parse_caption_entities(types)
    return [(text, _PERSONAL_ENTITIES[entity.type]) for entity, text in found.items()]


def user_language(update: Update, fact_base: FactBase, text: str = "") -> str:
    """The language to answer in: the text's own (Chinese, Russian), else the user's Telegram language through
    messages.toml's mapping (Kazakh, Kyrgyz, Uzbek, Tajik → Russian), else the folder's first language."""
    messages = fact_base.messages
    if text:
        return messages.resolve(detect_language(text))
    user = update.effective_user
    return messages.for_telegram_user(user.language_code if user is not None else None)


# --- sending --------------------------------------------------------------------------------------------------


async def send(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str, *,
               markup: InlineKeyboard | None = None, reply_to: Message | None = None) -> None:
    """Send one HTML message; in groups it replies to `reply_to` (still sent if that message is gone)."""
    data: dict[str, object] = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML,
                               "link_preview_options": _NO_PREVIEW}
    if markup is not None:
        data["reply_markup"] = markup  # Bot API JSON, sent as it is (see bot.telegram.keyboards)
    if reply_to is not None:
        data["reply_parameters"] = ReplyParameters(reply_to.message_id, allow_sending_without_reply=True)
        if reply_to.is_topic_message:
            data["message_thread_id"] = reply_to.message_thread_id
    # The way `Bot.send_message` posts (defaults, the rate limiter, errors), without turning Telegram's answer into
    # a `Message` that nothing here reads: that took about a tenth of the bot's CPU per answer (docs/delivery.md).
    await context.bot._post("sendMessage", data)


async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str,
                markup: InlineKeyboard | None = None) -> None:
    """Answer the message of `update`: a plain message in a private chat, a reply to it in a group."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    await send(context, chat.id, text, markup=markup, reply_to=None if chat.type == ChatType.PRIVATE else message)


def keyboard_for(match: Match, fact_base: FactBase, row: int | None = None) -> InlineKeyboard | None:
    """The buttons under a reply: suggestions or topics, then 👍 / 👎 for log row `row` (not under small talk:
    a vote on "You're welcome!" would say nothing about the fact base)."""
    if match.outcome is Outcome.CLARIFY:
        markup = suggestions_keyboard(match, row)
    elif match.outcome is Outcome.NO_MATCH:
        markup = topics_keyboard(fact_base, match.language)
    else:
        markup = None
    return markup if match.outcome is Outcome.SMALL_TALK else with_feedback(markup, row)


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    """Match one question and reply with the answer, a "did you mean", a no-match line or a small-talk reply."""
    bot_state = state(context)
    fact_base = bot_state.fact_base
    language = user_language(update, fact_base, question)
    if not question or len(question) > MAX_QUESTION_CHARS:
        example = next(iter(bot_state.matcher.example_questions(language)), "")
        kind = "empty" if not question else "too_long"
        await reply(update, context, notice_html(fact_base, kind, language, example=example))
        return
    matcher = bot_state.matcher
    match = bot_state.conversations.reply(conversation_key(update), question)
    chat = update.effective_chat
    row = bot_state.recorder.question(match, chat.type if chat is not None else LogChatType.PRIVATE,
                                      personal_details(update.effective_message))
    await reply(update, context, render_html(match, matcher.fact_base), keyboard_for(match, matcher.fact_base, row))


# --- handlers -------------------------------------------------------------------------------------------------


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start and /help: what the bot knows, examples, and how to ask in groups and inline."""
    bot_state = state(context)
    language = user_language(update, bot_state.fact_base)
    examples = bot_state.matcher.example_questions(language)
    await reply(update, context, help_html(bot_state.fact_base, context.bot.username, examples, language))


async def on_topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/topics: the topics as buttons."""
    fact_base = state(context).fact_base
    language = user_language(update, fact_base)
    await reply(update, context, topics_prompt_html(fact_base, language), topics_keyboard(fact_base, language))


async def on_source(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/source: the article's title, date and publisher line."""
    fact_base = state(context).fact_base
    await reply(update, context, source_html(fact_base, user_language(update, fact_base)))


async def on_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask <question> (or /ask@botname <question>), in any chat."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    parts = message.text.split(maxsplit=1)
    question = clean_question(parts[1] if len(parts) > 1 else "", context.bot.username)
    if not question:
        fact_base = state(context).fact_base
        language = user_language(update, fact_base)
        example = next(iter(state(context).matcher.example_questions(language)), "")
        await reply(update, context, notice_html(fact_base, "ask_usage", language, example=example))
        return
    await answer_question(update, context, question)


async def on_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text (or caption) in a private chat, or a group message addressed to the bot."""
    message = update.effective_message
    if message is None:
        return
    await answer_question(update, context, clean_question(message.text or message.caption or "",
                                                          context.bot.username))


async def on_not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A sticker, photo, voice message, location… in a private chat: say that only text is read."""
    fact_base = state(context).fact_base
    language = user_language(update, fact_base)
    example = next(iter(state(context).matcher.example_questions(language)), "")
    await reply(update, context, notice_html(fact_base, "not_text", language, example=example))


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not have, in a private chat (in groups it may be another bot's)."""
    fact_base = state(context).fact_base
    await reply(update, context, notice_html(fact_base, "unknown_command", user_language(update, fact_base)))


async def on_members_joined(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Introduce the bot when it is added to a group; other people joining are left alone."""
    message = update.effective_message
    if message is None or not any(member.id == context.bot.id for member in message.new_chat_members):
        return
    fact_base = state(context).fact_base
    await reply(update, context, notice_html(fact_base, "added_to_group", user_language(update, fact_base),
                                             bot_username=context.bot.username))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press on a topic, fact or "did you mean" button: answer the press, then show the topic or the fact."""
    query = update.callback_query
    if query is None:
        return
    bot_state = state(context)
    fact_base = bot_state.fact_base
    press = parse_press(query.data, fact_base)
    stale_choice = press is not None and press.kind == CHOICE and not offered(query.message, query.data or "")
    if press is None or query.message is None or stale_choice:
        await _answer_press(query, notice(fact_base, "stale_button", user_language(update, fact_base)))
        return
    await _answer_press(query)
    chat = query.message.chat
    if press.kind == TOPIC:
        topic = fact_base.topic(press.target)
        assert topic is not None  # parse_press checked it
        text, markup = topic_html(fact_base, topic, press.language), topic_facts_keyboard(fact_base, topic,
                                                                                           press.language)
    else:
        fact = fact_base.fact(press.target)
        assert fact is not None
        # A choice answers the question the clarification was for: logged, and open to 👍 / 👎. Browsing a
        # topic's facts answers no question, so it is neither.
        row = bot_state.recorder.choice(press.row, fact, press.language, chat.type) \
            if press.kind == CHOICE and press.row is not None else None
        text, markup = render_fact_html(fact, fact_base, press.language), with_feedback(None, row)
    replied_to = query.message if chat.type != ChatType.PRIVATE and isinstance(query.message, Message) else None
    await send(context, chat.id, text, markup=markup, reply_to=replied_to)


async def on_vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A 👍 / 👎 press: record it against the answer's log row (the same person again changes their vote) and
    thank them. A malformed payload, or one the pressed message does not carry, gets the stale-button answer."""
    query = update.callback_query
    if query is None:
        return
    fact_base = state(context).fact_base
    language = user_language(update, fact_base)
    vote = parse_vote(query.data)
    if vote is None or not offered(query.message, query.data or ""):
        await _answer_press(query, notice(fact_base, "stale_button", language))
        return
    # Thanked whether or not the log could take it: a database problem is the curator's, not the voter's.
    state(context).recorder.vote(vote.row, query.from_user.id, vote.vote)
    await _answer_press(query, notice(fact_base, "vote_up" if vote.vote > 0 else "vote_down", language))


async def _answer_press(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner. A press that can no longer be answered (too old) is not worth failing over."""
    try:
        await query.answer(text=text)
    except BadRequest as error:
        _LOGGER.debug("could not answer a button press: %s", error)


async def on_inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`@botname <question>` in any chat: the best facts as results; an empty query offers the topics."""
    query = update.inline_query
    if query is None:
        return
    bot_state = state(context)
    fact_base = bot_state.fact_base
    text = clean_question(query.query, context.bot.username)
    results: list[InlineQueryResultArticle] = []
    match: Match | None = None
    if not text:
        language = user_language(update, fact_base)
        for topic in fact_base.topics:
            result_id = callback_data(TOPIC, topic.id, language)
            facts = fact_base.facts_in_topic(topic.id)
            if result_id and facts:
                results.append(InlineQueryResultArticle(
                    id=result_id, title=topic_title(topic, language),
                    description=snippet(" · ".join(f.answer(language) for f in facts), 120),
                    input_message_content=InputTextMessageContent(
                        topic_html(fact_base, topic, language, buttons=False), parse_mode=ParseMode.HTML,
                        link_preview_options=_NO_PREVIEW)))
    else:
        language = user_language(update, fact_base, text)
        matcher = bot_state.matcher
        match = matcher.match(text[:MAX_QUESTION_CHARS])  # inline queries have no conversation
        for fact in matcher.related_facts(match):
            result_id = callback_data(FACT, fact.id, language)
            if result_id:
                results.append(InlineQueryResultArticle(
                    id=result_id, title=snippet(Matcher.display_question(fact, language), 64),
                    description=snippet(fact.answer(language), 120),
                    input_message_content=InputTextMessageContent(
                        render_fact_html(fact, fact_base, language), parse_mode=ParseMode.HTML,
                        link_preview_options=_NO_PREVIEW)))
    # Before the first await, so that keystrokes reach the recorder in the order they were typed.
    bot_state.recorder.inline_query(query.from_user.id, update.update_id, match)
    button = None if results else InlineQueryResultsButton(text=notice(fact_base, "inline_private", language),
                                                           start_parameter="inline")
    await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=False, button=button)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log one readable line per failure; a traceback only for errors that are bugs, not Telegram's weather."""
    error = context.error
    if isinstance(error, InvalidToken):  # revoked while running: the bot stops with one line (bot.telegram.app)
        _LOGGER.debug("a request was refused with 401: %s", error)
        hook = state(context).on_token_rejected
        if hook is not None:
            hook()
        return
    if update is None and isinstance(error, TelegramError):
        _LOGGER.warning("getUpdates failed, polling again: %s", describe(error))
    elif isinstance(error, MaybeDelivered):
        _LOGGER.warning("%s: %s", _describe_update(update), error)
    elif isinstance(error, TelegramError):
        _LOGGER.warning("%s: %s", _describe_update(update), describe(error))
    else:
        where = "polling" if update is None else _describe_update(update)
        _LOGGER.error("%s: unexpected %s: %s", where, type(error).__name__, error, exc_info=error)


def _describe_update(update: object) -> str:
    if not isinstance(update, Update):
        return "update"
    chat = update.effective_chat
    return f"update {update.update_id}" + (f" (chat {chat_tag(chat.id)})" if chat is not None else "")


# --- registration ---------------------------------------------------------------------------------------------


def register_handlers(application: Application, matcher: Matcher, *, recorder: QuestionRecorder | None = None,
                      admin_ids: frozenset[int] = frozenset(),
                      on_token_rejected: Callable[[], None] | None = None,
                      conversation_seconds: float = DEFAULT_MEMORY_SECONDS) -> None:
    """Put the shared state in `bot_data` and register every handler (first match wins, in this order).
    `conversation_seconds`: how long a conversation's context lasts (BOT_CONVERSATION_MINUTES)."""
    application.bot_data[STATE_KEY] = BotState(matcher, recorder or QuestionRecorder(None), frozenset(admin_ids),
                                               conversation_seconds=conversation_seconds,
                                               on_token_rejected=on_token_rejected)
    new_message = filters.UpdateType.MESSAGE  # not edits, not channel posts
    for names, callback in ((("start", "help"), on_help), (("topics",), on_topics), (("ask",), on_ask),
                            (("source",), on_source)):
        application.add_handler(CommandHandler(names, callback, filters=new_message))
    private = filters.ChatType.PRIVATE
    question = new_message & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND & (
        private | (filters.ChatType.GROUPS & ADDRESSED_TO_BOT))
    application.add_handler(MessageHandler(question, on_question))
    application.add_handler(MessageHandler(new_message & private & filters.COMMAND, on_unknown_command))
    application.add_handler(MessageHandler(new_message & filters.StatusUpdate.NEW_CHAT_MEMBERS, on_members_joined))
    application.add_handler(MessageHandler(
        new_message & private & ~filters.TEXT & ~filters.CAPTION & ~filters.StatusUpdate.ALL, on_not_text))
    application.add_handler(CallbackQueryHandler(on_vote, pattern=r"^v:"))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(InlineQueryHandler(on_inline_query))
    application.add_error_handler(on_error)
