from pathlib import Path

import pytest

import bot.prebuilt
from bot.knowledge import KnowledgeError
from bot.matcher import Matcher
from bot.prebuilt import default_cache_dir, prebuilt_matcher

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
QUESTIONS = ["how big is the horgos area", "когда создали зону?", "喀什片区多大", "what is the population of kashgar"]


def _answers(matcher: Matcher) -> list[tuple[str | None, str]]:
    return [(m.fact.id if m.fact else None, m.outcome.value) for m in map(matcher.match, QUESTIONS)]


def _kept(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("matcher-*.pickle"))


def _no_building(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the knowledge was read and the matcher built, not loaded")

    monkeypatch.setattr(bot.prebuilt, "load_fact_base", refuse)


def test_the_second_run_loads_the_matcher_the_first_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           matcher: Matcher) -> None:
    built = prebuilt_matcher(KNOWLEDGE, cache_dir=tmp_path)
    assert len(_kept(tmp_path)) == 1
    _no_building(monkeypatch)
    loaded = prebuilt_matcher(KNOWLEDGE, cache_dir=tmp_path)
    assert loaded is not built
    assert _answers(loaded) == _answers(built) == _answers(matcher)


def test_the_cache_lives_in_the_users_cache_directory(cache_home: Path) -> None:
    prebuilt_matcher(KNOWLEDGE)
    assert default_cache_dir() == cache_home / "ftz-facts"
    assert len(_kept(default_cache_dir())) == 1


def test_a_changed_knowledge_file_is_built_anew_and_the_old_build_removed(tmp_path: Path,
                                                                          knowledge_copy: Path) -> None:
    cache = tmp_path / "cache"
    before = prebuilt_matcher(knowledge_copy, cache_dir=cache)
    old = _kept(cache)
    facts = knowledge_copy / "facts.toml"
    facts.write_text(facts.read_text(encoding="utf-8").replace("16.58 square kilometres", "16.58 km²", 1),
                     encoding="utf-8")
    after = prebuilt_matcher(knowledge_copy, cache_dir=cache)
    horgos = after.match("how big is the horgos area").fact
    assert horgos is not None and "16.58 km²" in horgos.answer("en")
    assert before.match("how big is the horgos area").fact != horgos
    assert len(_kept(cache)) == 1 and _kept(cache) != old


def test_two_knowledge_folders_keep_a_build_each(tmp_path: Path, knowledge_copy: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    prebuilt_matcher(KNOWLEDGE, cache_dir=tmp_path)
    prebuilt_matcher(knowledge_copy, cache_dir=tmp_path)
    assert len(_kept(tmp_path)) == 2
    _no_building(monkeypatch)
    prebuilt_matcher(KNOWLEDGE, cache_dir=tmp_path)


def test_a_damaged_cache_file_is_rebuilt(tmp_path: Path, matcher: Matcher) -> None:
    prebuilt_matcher(KNOWLEDGE, cache_dir=tmp_path)
    [kept] = _kept(tmp_path)
    kept.write_bytes(kept.read_bytes()[:1000])
    assert _answers(prebuilt_matcher(KNOWLEDGE, cache_dir=tmp_path)) == _answers(matcher)
    assert kept.stat().st_size > 1000


def test_an_unwritable_cache_still_answers(tmp_path: Path, matcher: Matcher) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    assert _answers(prebuilt_matcher(KNOWLEDGE, cache_dir=blocked / "cache")) == _answers(matcher)
    assert list(tmp_path.iterdir()) == [blocked]


def test_a_broken_knowledge_file_fails_at_load_and_is_not_kept(tmp_path: Path, knowledge_copy: Path) -> None:
    (knowledge_copy / "facts.toml").write_text("[[fact]]\nid = 3\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"facts\.toml"):
        prebuilt_matcher(knowledge_copy, cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()
