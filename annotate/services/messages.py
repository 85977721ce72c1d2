"""Messages stored as codes with parameters, rendered in the reader's language.

A service that writes a message someone reads later (an alert, a feedback row) stores a
``code`` from :data:`MESSAGES` and its ``params`` (plain JSON: numbers, keys, a person's own
words), never a sentence: the page renders it per request (``annotate.messages``). Other
domains add their codes with :func:`register` (e.g. a flag alert).

Parameters named in :data:`PARAM_KINDS` hold keys that are translated too when shown: a
metric key, a verdict or an action name. A ``comment`` parameter (a person's own words)
follows the sentence.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

#: code → message text (a msgid with ``%(name)s`` placeholders).
MESSAGES: dict[str, Any] = {
    "supervision.alert": _l(
        "%(metric)s %(value)s is below the threshold %(threshold)s (n = %(n)s)"
    ),
    "supervision.retrain": _l(
        "Please retake the training for %(project)s before annotating again. Reason: %(reason)s"
    ),
    "supervision.suspend": _l(
        "Your annotation work in %(project)s is suspended. Reason: %(reason)s"
    ),
    "supervision.reinstate": _l("You may annotate in %(project)s again. Note: %(reason)s"),
    "review.verdict": _l("Verdict: %(verdict)s."),
    "review.verdict_clause": _l("Verdict: %(verdict)s. Clause %(clause)s."),
}

#: parameter name → what its value is a key of (``metric``, ``label``): shown translated.
PARAM_KINDS: dict[str, str] = {"metric": "metric", "verdict": "label", "action": "label"}


def register(code: str, text: Any, **kinds: str) -> None:
    """Add ``code`` (a lazy msgid) to the catalogue; ``kinds`` as in :data:`PARAM_KINDS`."""
    MESSAGES[code] = text
    PARAM_KINDS.update(kinds)


def message(code: str, **params: Any) -> tuple[str, dict[str, Any]]:
    """``(code, params)`` checked against the catalogue, ready to store.

    :raises KeyError: an unknown code (a programming error, not bad input).
    """
    if code not in MESSAGES:
        raise KeyError(code)
    return code, params


def english(code: str, params: dict[str, Any], **shown: Any) -> str:
    """The message in English: the stored fallback text. ``shown`` replaces parameters
    by their English wording (a metric's description instead of its key)."""
    with force_locale("en"):
        text = str(MESSAGES[code])
    values = {k: (f"{v:.3f}" if isinstance(v, float) else v) for k, v in params.items()}
    values.update(shown)
    comment = values.pop("comment", "")
    text = text % values
    return f"{text} {comment}" if comment else text
