"""A matcher built once and kept on disk, so that a command run once (`ftz-bot ask`) starts in a fraction of a second.

Building the matcher (reading the lexicon, indexing every alternate question) takes most of a second; loading the
built one takes a tenth. Its file is named by a hash of everything the build reads: the knowledge folder's files,
the package's code and lexicons, the Python version and today's date (answers say how long ago the zone opened), so
a stale matcher is never used. The cache is only a shortcut: a file that cannot be read or written is rebuilt or
skipped, never an error. Loading a pickle runs code, so the directory is the user's own (created mode 0700), never
one shared with other users.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from pathlib import Path

import platformdirs

from bot import APP_NAME
from bot.knowledge import default_knowledge_dir, fact_base_key, load_fact_base
from bot.matcher import Matcher

_CODE = Path(__file__).resolve().parent
_KNOWLEDGE_SUFFIXES = (".toml", ".txt")
_LOGGER = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    """The user's cache directory for the bot (e.g. ~/.cache/ftz-facts on Linux; XDG_CACHE_HOME moves it)."""
    return platformdirs.user_cache_path(APP_NAME, appauthor=False)


def prebuilt_matcher(knowledge_dir: Path | str | None = None, *, cache_dir: Path | None = None) -> Matcher:
    """The matcher over a knowledge folder: loaded when one was built from the same files and code, otherwise built
    (the folder validated as `load_fact_base` does) and kept for next time."""
    folder = Path(knowledge_dir).expanduser() if knowledge_dir is not None else default_knowledge_dir()
    prefix = f"matcher-{fact_base_key(folder)}-"
    path = (cache_dir if cache_dir is not None else default_cache_dir()) / f"{prefix}{build_key(folder)}.pickle"
    matcher = _read(path)
    if matcher is None:
        matcher = Matcher(load_fact_base(folder))
        _write(path, matcher, replaces=f"{prefix}*.pickle")
    return matcher


def build_key(knowledge_dir: Path) -> str:
    """A hash of the knowledge folder's files (names and bytes), the package's code and lexicons, Python and the
    date."""
    knowledge = sorted(p for p in knowledge_dir.iterdir() if p.suffix in _KNOWLEDGE_SUFFIXES and p.is_file()) \
        if knowledge_dir.is_dir() else []
    code = sorted(p for p in _CODE.rglob("*") if p.suffix in (".py", ".toml") and "__pycache__" not in p.parts)
    digest = hashlib.sha256(f"{sys.version}\0{datetime.date.today().isoformat()}\0".encode())
    for file in (*knowledge, *code):
        digest.update(f"{file.relative_to(file.parents[1])}\0{file.stat().st_size}\0".encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:32]


def _read(path: Path) -> Matcher | None:
    try:
        with path.open("rb") as file:
            matcher = pickle.load(file)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a truncated or foreign file: built afresh and overwritten
        _LOGGER.debug("ignoring the prebuilt matcher %s: %s", path, exc)
        return None
    return matcher if isinstance(matcher, Matcher) else None


def _write(path: Path, matcher: Matcher, *, replaces: str) -> None:
    """Write atomically (a reader never sees half a file), then remove the older builds matching `replaces`."""
    temporary: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as file:
            temporary = Path(file.name)
            pickle.dump(matcher, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
        for old in path.parent.glob(replaces):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only home: every run builds its own, as before
        _LOGGER.debug("cannot keep the prebuilt matcher in %s: %s", path.parent, exc)
        if temporary is not None:
            temporary.unlink(missing_ok=True)
