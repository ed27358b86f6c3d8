"""The Telegram bot: a thin adapter from Telegram updates to `Matcher.match` and back, via `bot.formatting`.

`app` builds and runs the python-telegram-bot `Application`, `handlers` holds one small async function per kind of
update, `state` what the handlers share (`BotState`), `keyboards` the inline buttons and their callback data,
`delivery` the rules that get every reply to Telegram exactly once, `recorder` what goes into the question log and
when, and `admin` the curators' /stats, /unanswered and /reload. (Inside this package, `import telegram` is still
python-telegram-bot: imports are absolute.)
"""

from bot.telegram.app import StartupError, build_application, run_polling, serve

__all__ = ["StartupError", "build_application", "run_polling", "serve"]
