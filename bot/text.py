"""Text normalisation shared by the loader and the matcher: quotes, Unicode forms, accents, script detection."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import TypeAlias

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"', "\u2033": '"',
    "\u300c": '"', "\u300d": '"', "\u300e": '"', "\u300f": '"',
})
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Control characters separate words; format characters (Unicode category Cf: soft hyphen, zero-width joiner, bidi
# marks, ...) are invisible inside a word, so they are removed without a trace: "Hor\u00adgos" is "Horgos".
_CONTROL = re.compile(r"[\u0000-\u001f\u007f-\u009f]")
# Every Cf character of Python 3.11's Unicode database (a test checks the list against unicodedata).
_FORMAT = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")


def fold_quotes(text: str) -> str:
    """Replace curly, angle and CJK quotes with their plain ASCII forms."""
    return text.translate(_QUOTES)


def fold(text: str) -> str:
    """NFKC, plain quotes, no accents on Latin letters, casefolded, format characters removed, spaces squeezed."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFKC", _FORMAT.sub("", text)))
    text = fold_quotes(text).casefold()
    if not text.isascii():
        # Strip accents from Latin letters (ü → u) and fold ё to е, as Russian is typed (and "йо", which sounds
        # the same: "район" and "раён", "raionov" and "rayonov"); Cyrillic й and CJK stay.
        decomposed = unicodedata.normalize("NFD", text.replace("ё", "е").replace("йо", "е"))
        kept = [c for i, c in enumerate(decomposed)
                if not (unicodedata.combining(c) and i and decomposed[i - 1] < "\u0250")]
        text = unicodedata.normalize("NFC", "".join(kept))
    return " ".join(text.split())


def has_cjk(text: str) -> bool:
    """True when the text contains at least one Chinese character."""
    return _CJK.search(text) is not None


_Trie: TypeAlias = "dict[str, _Trie]"  # a character → the trie after it; the key "" marks a phrase's end


def alternation(phrases: Iterable[str]) -> str:
    """A regular expression matching any of `phrases`, the longest first where several start alike.

    Built as a trie ("free trade (?:zone|area)"): Python compiles and runs it several times faster than the same
    phrases joined by "|", which matters for lexicons of thousands of phrases.
    """
    trie: _Trie = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}
    return _alternation(trie) or "(?!)"


def _alternation(node: _Trie) -> str:
    # Longer continuations come first: at a given place the text follows one path through the trie, so the first
    # continuation that matches (with the pattern's surroundings) is the longest phrase there.
    branches = [re.escape(char) + _alternation(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:
        return f"(?:{body})?"
    return body


@functools.lru_cache(maxsize=4096)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """`phrase` as whole words, or anywhere if it is Chinese (Chinese has no spaces between words)."""
    if has_cjk(phrase):
        return re.compile(re.escape(phrase))
    return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)")


def says(text: str, phrase: str) -> bool:
    """True when folded `text` holds `phrase` as whole words (a Chinese phrase anywhere: it has no spaces)."""
    return phrase_pattern(phrase).search(text) is not None


def cjk_share(text: str) -> float:
    """The share of non-space characters that are Chinese."""
    letters = [c for c in text if not c.isspace()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if _CJK.match(c)) / len(letters)


def strip_cjk(text: str) -> str:
    """Replace every Chinese character with a space."""
    return _CJK.sub(" ", text)


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def detect_language(text: str) -> str:
    """zh for any Chinese, ru for Cyrillic, else en."""
    if has_cjk(text):
        return "zh"
    return "ru" if _CYRILLIC.search(text) else "en"
