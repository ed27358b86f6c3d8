import re
import sys
import unicodedata

import pytest

from bot.text import alternation, fold

WHOLE_WORDS = r"(?<!\w)({})(?!\w)"


def test_alternation_matches_every_phrase_and_nothing_longer() -> None:
    phrases = ["free", "free trade", "free trade zone", "trade", "zone"]
    pattern = re.compile(alternation(phrases))
    for phrase in phrases:
        assert pattern.fullmatch(phrase)
    assert not pattern.fullmatch("free trade zones")
    assert not pattern.fullmatch("fre")


def test_alternation_prefers_the_longest_phrase_at_a_place() -> None:
    pattern = re.compile(WHOLE_WORDS.format(alternation(["free", "free trade zone", "free trade"])))
    assert [m.group(1) for m in pattern.finditer("is the free trade zone free")] == ["free trade zone", "free"]


def test_alternation_falls_back_to_a_shorter_phrase_when_the_longer_ends_inside_a_word() -> None:
    pattern = re.compile(WHOLE_WORDS.format(alternation(["free", "free trade"])))
    assert pattern.search("free traders").group(1) == "free"  # type: ignore[union-attr]


def test_alternation_takes_special_characters_literally() -> None:
    pattern = re.compile(alternation(["r&d", "sq.km", "a+b", "自贸区", "зона"]))
    assert pattern.fullmatch("sq.km") and pattern.fullmatch("a+b") and pattern.fullmatch("自贸区")
    assert not pattern.fullmatch("sqxkm") and not pattern.fullmatch("aab")


def test_alternation_of_no_phrases_matches_nothing() -> None:
    assert re.search(alternation([]), "anything") is None
    assert re.search(alternation([]), "") is None


@pytest.mark.parametrize("char", [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"])
def test_every_format_character_inside_a_word_is_removed(char: str) -> None:
    assert fold(f"Hor{char}gos") == "horgos"
