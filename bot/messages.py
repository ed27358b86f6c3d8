"""The bot's wording as data: every sentence people see, per language, from the knowledge folder's messages.toml.

Loaded and validated with the fact base (`bot.knowledge`): every key in every declared language, the same
{placeholders} in each, a small-talk reply for every kind the lexicon knows.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MESSAGES_FILE = "messages.toml"
_SHARED = ("bot_name", "subject")  # placeholders any message may use, filled from the language's own table


@dataclass(frozen=True)
class Messages:
    """Wording by language; `languages` in the folder's order, the first being the fallback."""

    languages: tuple[str, ...]
    _texts: Mapping[str, Mapping[str, Any]]
    telegram_languages: Mapping[str, str]  # a Telegram user's language code → one of `languages`

    def resolve(self, language: str | None) -> str:
        """`language` when the folder has it, else the folder's first language."""
        return language if language is not None and language in self._texts else self.languages[0]

    def text(self, language: str, key: str, **values: object) -> str:
        """The message `key` in `language` (or the fallback), its placeholders filled."""
        table = self._texts[self.resolve(language)]
        return _fill(str(table[key]), table, values)

    def small_talk(self, language: str, kind: str) -> str:
        table = self._texts[self.resolve(language)]
        replies = table["small_talk"]
        return _fill(str(replies.get(kind, replies["greeting"])), table, {})

    def notice(self, language: str, kind: str, **values: object) -> str:
        table = self._texts[self.resolve(language)]
        return _fill(str(table["notices"][kind]), table, values)

    def commands(self, language: str) -> tuple[tuple[str, str], ...]:
        """The command menu: (command, description) pairs."""
        table = self._texts[self.resolve(language)]
        return tuple((name, _fill(str(text), table, {})) for name, text in table["commands"].items())

    def months(self, language: str) -> tuple[str, ...]:
        return tuple(self._texts[self.resolve(language)]["months"])

    def flag(self, language: str, key: str) -> bool:
        return bool(self._texts[self.resolve(language)].get(key, False))

    def for_telegram_user(self, language_code: str | None) -> str:
        """The language for a Telegram user from their app's language ("ru", "kk", "zh-hans", "en-GB")."""
        code = (language_code or "").lower().split("-")[0]
        if code in self._texts:
            return code
        return self.resolve(self.telegram_languages.get(code))


def _fill(template: str, table: Mapping[str, Any], values: Mapping[str, object]) -> str:
    shared = {key: table.get(key, "") for key in _SHARED}
    return template.format_map({**shared, **values})


def placeholders(template: str) -> frozenset[str]:
    """The {names} a message uses."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def validate(data: Mapping[str, Any], languages: tuple[str, ...], small_talk_kinds: frozenset[str]) -> list[str]:
    """Every problem with a messages table, as "field: problem" lines (empty when it is sound)."""
    problems: list[str] = []
    first = languages[0]
    if not isinstance(data.get(first), dict):
        return [f"[{first}]: missing; add a table of messages for each language article.toml declares"]
    reference = data[first]
    for language in languages:
        table = data.get(language)
        if not isinstance(table, dict):
            problems.append(f"[{language}]: missing; article.toml declares this language")
            continue
        for key, value in reference.items():
            if key not in table:
                problems.append(f"[{language}] {key}: missing (the [{first}] table has it)")
            elif isinstance(value, dict):
                for inner, text in value.items():
                    other = table[key].get(inner) if isinstance(table[key], dict) else None
                    if other is None:
                        problems.append(f"[{language}.{key}] {inner}: missing")
                    elif isinstance(text, str) and placeholders(str(other)) != placeholders(text):
                        problems.append(f"[{language}.{key}] {inner}: placeholders {sorted(placeholders(str(other)))}"
                                        f" differ from [{first}.{key}]'s {sorted(placeholders(text))}")
            elif isinstance(value, str) and placeholders(str(table[key])) != placeholders(value):
                problems.append(f"[{language}] {key}: placeholders {sorted(placeholders(str(table[key])))} differ "
                                f"from [{first}]'s {sorted(placeholders(value))}")
        replies = table.get("small_talk", {})
        for kind in sorted(small_talk_kinds - set(replies if isinstance(replies, dict) else ())):
            problems.append(f"[{language}.small_talk] {kind}: missing; the lexicon has small talk of this kind")
    return problems
