"""Problems (``line 3: text: required for single_label items``) in the reader's language: the
``problem`` filter.

Services build a problem's reason from a msgid of :data:`annotate.services.problems.PROBLEMS`
and keep it in English (the API's stable form; a job stores it). A page passes it through
:func:`problem_text`: the reason is matched against the catalogue's msgids, its parameters
are taken back and the translation is rendered with them; the locations before it (``line
3``, ``task 2``, ``file``) are translated too, and field names (``text``, ``gold``) and a
source's ``file:line`` (``v1.0.0.md:2``, a rulebook's or quiz's) stay as they appear. Text
that no msgid matches is shown as it came.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from flask import Flask
from flask_babel import gettext

from annotate.services.problems import LOCATIONS, PROBLEMS

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_LINE = re.compile(r"^(line|task) (\d+)$")
#: Parameters that are text of their own (a nested problem, a parser's message) may hold
#: ``": "``; any other stops at one, which separates a location from what follows.
_TEXTS = frozenset({"problem", "detail", "reason"})
_FREE = r".+?"
_ONE = r"(?:(?!: ).)+?"


@functools.cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """(regex, msgid) per catalogue message, the longest fixed text first (most specific)."""
    found = []
    for msgid in set(PROBLEMS.values()):
        parts = _PLACEHOLDER.split(msgid)
        regex = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>{_FREE if part in _TEXTS else _ONE})"
            for i, part in enumerate(parts)
        )
        fixed = sum(len(p) for p in parts[::2])
        found.append((fixed, re.compile(regex, re.DOTALL), msgid))
    found.sort(key=lambda f: -f[0])
    return tuple((regex, msgid) for _, regex, msgid in found)


def _reason(text: str) -> str | None:
    """``text`` translated when a catalogue msgid matches all of it, else None."""
    for regex, msgid in _patterns():
        match = regex.fullmatch(text)
        if match is None:
            continue
        params: dict[str, Any] = {
            name: (problem_text(value) if name == "problem" else _where(value))
            for name, value in match.groupdict().items()
        }
        return gettext(msgid, **params) if params else gettext(msgid)
    return None


def _where(segment: str) -> str:
    """A location (``line 3``, ``task 2``, ``file``) translated; a field name as it is."""
    match = _LINE.match(segment)
    if match:
        return gettext(LOCATIONS[match[1]], n=match[2])
    if segment == "file":
        return gettext(LOCATIONS["file"])
    return segment


def problem_text(text: object) -> str:
    """The ``problem`` filter: ``text`` in the reader's language (see the module docstring).

    The longest tail of ``text`` that a msgid matches is its reason; what precedes it,
    split at ``": "``, are locations.
    """
    text = str(text or "")
    start = 0
    while True:
        reason = _reason(text[start:])
        if reason is not None:
            head = [_where(s) for s in text[: max(start - 2, 0)].split(": ")] if start else []
            return ": ".join([*head, reason])
        found = text.find(": ", start)
        if found < 0:
            where, sep, rest = text.partition(": ")
            return f"{_where(where)}{sep}{rest}" if sep else text
        start = found + 2


def init_app(app: Flask) -> None:
    """Register the ``problem`` filter."""
    app.add_template_filter(problem_text, "problem")
