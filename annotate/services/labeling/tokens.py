"""Tokens of a span item's text, so the labeling screen moves and snaps by words in any script.

Chinese (Han) runs are segmented with jieba; other scripts split into words (letters, digits
and joining marks) and single punctuation marks; whitespace is never part of a token. A
project may ask for character tokens instead (``label_schema["spans"]["tokens"] = "chars"``),
e.g. for text jieba segments badly. Offsets are Python string indices (Unicode code points),
the same as the stored span offsets and the browser's ``Array.from(text)``.

Span settings live in the label schema under ``spans`` (all optional):

- ``tokens``: ``"words"`` (default) or ``"chars"``;
- ``snap``: ``"token"`` (default: mouse selections grow to whole tokens) or ``"char"``;
- ``overlap``: ``false`` (default: overlapping entities are refused) or ``true``.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

TOKEN_MODES = ("words", "chars")
SNAP_MODES = ("token", "char")

#: Han ideographs (CJK unified, extensions A-F, compatibility), and the ideographic zero.
_HAN = re.compile("[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]+")
#: A word of another script: letters, digits and marks, joined by hyphens; any other visible
#: character is a token of its own (so "Tencent's" is Tencent + ' + s: a possessive ending can
#: stay outside an entity).
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*|\S")

_lock = threading.Lock()
_jieba: Any = None


@dataclass(frozen=True)
class SpanSettings:
    """How a span project's screen tokenises, snaps and treats overlaps."""

    tokens: str = "words"
    snap: str = "token"
    overlap: bool = False


def span_settings(schema: dict[str, Any] | None) -> SpanSettings:
    """The span settings of a label schema (defaults for missing or unknown values)."""
    raw = (schema or {}).get("spans") or {}
    if not isinstance(raw, dict):
        raw = {}
    tokens = raw.get("tokens") if raw.get("tokens") in TOKEN_MODES else "words"
    snap = raw.get("snap") if raw.get("snap") in SNAP_MODES else "token"
    return SpanSettings(str(tokens), str(snap), raw.get("overlap") is True)


def _segmenter() -> Any:
    """jieba's tokenizer, loaded once (its dictionary takes about a second to build)."""
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _jieba = tokenizer
    return _jieba


def _words(text: str, offset: int) -> list[tuple[int, int]]:
    return [(offset + m.start(), offset + m.end()) for m in _WORD.finditer(text)]


@lru_cache(maxsize=4096)
def _tokenize(text: str, mode: str) -> tuple[tuple[int, int], ...]:
    if mode == "chars":
        return tuple((i, i + 1) for i, ch in enumerate(text) if not ch.isspace())
    tokens: list[tuple[int, int]] = []
    position = 0
    for run in _HAN.finditer(text):
        tokens += _words(text[position : run.start()], position)
        tokens += [
            (run.start() + start, run.start() + end)
            for _, start, end in _segmenter().tokenize(run.group(), HMM=True)
        ]
        position = run.end()
    tokens += _words(text[position:], position)
    return tuple(tokens)


def tokenize(text: str, mode: str = "words") -> list[list[int]]:
    """``[start, end]`` of each token of ``text`` in order (``mode``: words or chars)."""
    if mode not in TOKEN_MODES:
        raise ValueError(f"unknown token mode {mode!r}")
    return [list(token) for token in _tokenize(text, mode)]
