"""Admin commands for the curators listed in BOT_ADMIN_IDS: /stats, /unanswered and /reload, in a private chat.

For anyone else, and in groups, the commands do not exist: no reply at all (not even "unknown command"), and they
are not in that person's command menu (admins get their own menu, scoped to their private chat). Groups are left
out on purpose: /unanswered shows what strangers typed, which is not for a whole group to read.

The report queries and the reload read files, so they run in worker threads (`asyncio.to_thread`): answering other
people never waits for them.

/reload re-reads the knowledge folder the bot started with, validates it as start-up does, builds a new matcher and
swaps it in. If anything is wrong, the fact base already serving stays, and the admin gets the validation error,
which names the file, the fact and the field.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from pathlib import Path

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, ContextTypes, filters

from bot.formatting import menus, truncate_html
from bot.knowledge import FactBase, KnowledgeError, load_fact_base
from bot.matcher import Matcher
from bot.questionlog import LogStatus, QuestionLogError
from bot.report import DEFAULT_SINCE, Headline, Period, UnansweredGroup, headline, parse_since, top_unanswered
from bot.telegram.handlers import reply
from bot.telegram.state import BotState, bot_state, state
from bot.thresholds import Thresholds

_LOGGER = logging.getLogger(__name__)

ADMIN_COMMANDS = (
    ("stats", "Question log figures: /stats [7d|24h|all]"),
    ("unanswered", "Top 10 unanswered questions: /unanswered [7d]"),
    ("reload", "Reload the knowledge folder"),
)
ADMIN_GROUP = -1  # checked before the other handlers, so a non-admin's /stats never reaches "unknown command"
UNANSWERED_LIMIT = 10
_FLUSH_SECONDS = 2.0


def is_admin(update: Update, bot_state: BotState) -> bool:
    """An admin, in their private chat with the bot."""
    user, chat = update.effective_user, update.effective_chat
    return (user is not None and user.id in bot_state.admin_ids and chat is not None
            and chat.type == ChatType.PRIVATE)


async def on_admin_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats, /unanswered, /reload: run for an admin, and for everyone else pretend the command does not exist."""
    bot_state = state(context)
    message = update.effective_message
    if message is not None and message.text and is_admin(update, bot_state):
        command = message.text.split(maxsplit=1)[0].lstrip("/").partition("@")[0].lower()
        try:
            await _COMMANDS[command](update, context, bot_state)
        except Exception as error:  # reported as any handler's failure, but the update goes no further
            await context.application.process_error(update, error)
    raise ApplicationHandlerStop  # nothing else answers it: not "unknown command", not a question


# --- /stats and /unanswered -----------------------------------------------------------------------------------


async def _period_and_log(update: Update, context: ContextTypes.DEFAULT_TYPE, bot_state: BotState,
                          command: str) -> tuple[Period, Path] | None:
    """The period the command asks about and the log's path, once what is queued has been written (so the figures
    include the last few questions); or None after telling the admin why there is nothing to read."""
    try:
        period = parse_since(context.args[0] if context.args else DEFAULT_SINCE)
    except ValueError as error:
        await reply(update, context, html.escape(str(error).replace("--since", command)))
        return None
    log = bot_state.recorder.log
    if log is None:
        await reply(update, context, "The question log is off in this bot, so there is nothing to report.")
        return None
    await asyncio.to_thread(log.flush, _FLUSH_SECONDS)
    return period, log.path


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE, bot_state: BotState) -> None:
    """/stats [period]: the report's headline figures, and how the log itself is doing."""
    asked = await _period_and_log(update, context, bot_state, "/stats")
    if asked is None:
        return
    period, path = asked
    try:
        figures = await asyncio.to_thread(headline, path, period)
    except QuestionLogError as error:
        await reply(update, context, f"{html.escape(str(error))}\n\n{_status_html(bot_state.recorder.status())}")
        return
    await reply(update, context, stats_html(figures, bot_state.recorder.status()))


async def on_unanswered(update: Update, context: ContextTypes.DEFAULT_TYPE, bot_state: BotState) -> None:
    """/unanswered [period]: the ten most frequent unanswered question groups, with their closest facts."""
    asked = await _period_and_log(update, context, bot_state, "/unanswered")
    if asked is None:
        return
    period, path = asked
    try:
        groups = await asyncio.to_thread(top_unanswered, path, period, limit=UNANSWERED_LIMIT,
                                         matcher=bot_state.matcher)
    except QuestionLogError as error:
        await reply(update, context, html.escape(str(error)))
        return
    await reply(update, context, unanswered_html(groups, period))


def _percent(rate: float) -> str:
    return f"{100 * rate:.1f}%"


def _period_html(period: Period) -> str:
    if period.since is None:
        return "all time"
    return f"last {html.escape(period.label)} (since {period.since:%Y-%m-%d %H:%M} UTC)"


def _status_html(status: LogStatus | None) -> str:
    if status is None:
        return "Log: off."
    state_text = "writing" if status.available else "<b>not writing</b> (see the bot's log for why)"
    lines = [f"Log: {state_text} to <code>{html.escape(str(status.path))}</code>; since start-up "
             f"{status.written} rows written, {status.dropped} dropped."]
    if status.dropped_by:
        lines.append("Dropped: " + "; ".join(f"{count} ({html.escape(why)})" for why, count in status.dropped_by)
                     + ".")
    if status.lost_with_file:
        lines.append(f"Lost with the file: {status.lost_with_file} rows.")
    lines += [f"⚠️ {html.escape(incident)}" for incident in status.incidents]
    return "\n".join(lines)


def stats_html(figures: Headline, status: LogStatus | None) -> str:
    """The /stats reply."""
    lines = [
        f"📊 <b>Questions, {_period_html(figures.period)}</b>",
        f"questions: {figures.total}",
        f"answered: {figures.answered} ({_percent(figures.answer_rate)})",
        f"clarified: {figures.clarified}",
        f"not matched: {figures.no_match}",
        f"small talk: {figures.small_talk}",
        f"coverage: {_percent(figures.coverage)} (answered, small talk left out)",
        f"votes: 👍 {figures.votes_up}  👎 {figures.votes_down}",
        "",
        _status_html(status),
    ]
    return "\n".join(lines)


def unanswered_html(groups: list[UnansweredGroup], period: Period) -> str:
    """The /unanswered reply: the curator's to-do list, shortest form."""
    if not groups:
        return f"No unanswered questions, {_period_html(period)}. 🎉"
    lines = [f"❓ <b>Top unanswered, {_period_html(period)}</b>"]
    for rank, group in enumerate(groups, 1):
        lines.append(f"{rank}. {group.count}× “{html.escape(group.question)}”")
        if group.answered_now and group.closest is not None:
            lines.append(f"    answered now: <code>{html.escape(group.closest.fact_id)}</code>")
        elif group.closest is not None:
            lines.append(f"    closest: <code>{html.escape(group.closest.fact_id)}</code> "
                         f"({group.closest.confidence})")
        elif group.reason:
            lines.append(f"    why: {html.escape(group.reason)}")
    lines += ["", "Full report: <code>ftz-bot report</code>"]
    return truncate_html("\n".join(lines))


# --- /reload --------------------------------------------------------------------------------------------------


def load_matcher(directory: Path, thresholds: Thresholds) -> Matcher:
    """Read and validate a knowledge folder and index it, semantic layer included (blocking: a fraction of a
    second; run in a thread)."""
    matcher = Matcher(load_fact_base(directory), thresholds)
    matcher.warm_up()
    return matcher


def _changes(old: FactBase, new: FactBase) -> str:
    old_facts, new_facts = {f.id: f for f in old.facts}, {f.id: f for f in new.facts}
    added = sorted(new_facts.keys() - old_facts.keys())
    removed = sorted(old_facts.keys() - new_facts.keys())
    changed = sorted(i for i in new_facts.keys() & old_facts.keys() if new_facts[i] != old_facts[i])
    parts = [f"{label}: {', '.join(f'<code>{html.escape(i)}</code>' for i in ids)}"
             for label, ids in (("changed", changed), ("added", added), ("removed", removed)) if ids]
    if old.article != new.article:
        parts.append("the article or its metadata changed")
    return "\n".join(parts) if parts else "no fact changed"


async def on_reload(update: Update, context: ContextTypes.DEFAULT_TYPE, bot_state: BotState) -> None:
    """/reload: validate the knowledge folder and swap the new fact base in, or keep the old one and say why."""
    async with bot_state.reload_lock:  # two reloads at once would race to swap
        old = bot_state.matcher
        directory = old.fact_base.directory
        started = time.perf_counter()
        try:
            matcher = await asyncio.to_thread(load_matcher, directory, old.thresholds)
        except (KnowledgeError, OSError, ValueError) as error:
            _LOGGER.warning("reload refused, still serving the previous facts: %s", error)
            await reply(update, context, f"⚠️ <b>Reload failed</b>: still serving the previous "
                                         f"{len(old.fact_base.facts)} facts.\n\n{html.escape(str(error))}")
            return
        bot_state.use_matcher(matcher)
        elapsed = 1000 * (time.perf_counter() - started)
    new = matcher.fact_base
    _LOGGER.info("knowledge reloaded from %s: %d facts in %d topics", directory, len(new.facts), len(new.topics))
    await reply(update, context, f"✅ <b>Reloaded</b> <code>{html.escape(str(directory))}</code> in {elapsed:.0f} ms: "
                                 f"{len(new.facts)} facts in {len(new.topics)} topics.\n"
                                 f"{_changes(old.fact_base, new)}")


_COMMANDS = {"stats": on_stats, "unanswered": on_unanswered, "reload": on_reload}


# --- registration ---------------------------------------------------------------------------------------------


def register_admin_handlers(application: Application) -> None:
    """Register /stats, /unanswered and /reload ahead of every other handler (see `ADMIN_GROUP`)."""
    application.add_handler(CommandHandler(list(_COMMANDS), on_admin_command, filters=filters.UpdateType.MESSAGE),
                            group=ADMIN_GROUP)


async def register_admin_menus(application: Application, admin_ids: frozenset[int]) -> None:
    """Give each admin a command menu with the admin commands, in their private chat only. An admin who has never
    opened a chat with the bot cannot get one yet (Telegram: chat not found); that is logged, not fatal."""
    failed = 0
    for admin_id in sorted(admin_ids):
        try:
            for code, menu in menus(bot_state(application).fact_base):
                await application.bot.set_my_commands(
                    [BotCommand(name, text) for name, text in (*menu, *ADMIN_COMMANDS)],
                    scope=BotCommandScopeChat(admin_id), language_code=code)
        except TelegramError as error:
            failed += 1
            _LOGGER.debug("admin menu not set: %s: %s", type(error).__name__, error)
    if failed:
        _LOGGER.warning("could not set the admin command menu for %d of %d admins (they may not have started a chat "
                        "with the bot yet); their admin commands work all the same", failed, len(admin_ids))
