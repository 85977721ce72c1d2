"""Stored messages (code + params) rendered in the reader's language: the ``message`` filter.

``{{ feedback|message }}`` renders any row with ``code`` and ``params`` (an alert, a feedback
row) through the catalogue of ``annotate.services.messages``; parameters that are keys (a
metric, a verdict) are translated too, numbers are formatted for the reader's locale. Rows
without a code (older rows nobody could recognise, reasons typed by a person) show their
stored text.
"""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from annotate.charts.dashboard import METRIC_NAMES
from annotate.labels import label
from annotate.services.messages import MESSAGES, PARAM_KINDS
from annotate.services.projects import schema

#: Why a figure is undefined (the English of the metrics CSV) → its translation.
REASONS = {
    "no reviews yet": _l("no reviews yet"),
    "no gold items were annotated": _l("no gold items were annotated"),
    "no item has two or more annotations": _l("no item has two or more annotations"),
    "fewer than two annotators": _l("fewer than two annotators"),
    "no annotations": _l("no annotations"),
    "no observations": _l("no observations"),
    "no shared items": _l("no shared items"),
    "no annotator pair has a defined value": _l("no annotator pair has a defined value"),
    "only one category was used": _l("only one category was used"),
    "only one category was used by both annotators": _l(
        "only one category was used by both annotators"
    ),
    "no annotator pair marked any span on a shared item": _l(
        "no annotator pair marked any span on a shared item"
    ),
    "span tasks are compared by span F1, not by exact-match agreement": _l(
        "span tasks are compared by span F1, not by exact-match agreement"
    ),
    "agreement is not computed for free-text tasks": _l(
        "agreement is not computed for free-text tasks"
    ),
    "a form project's agreement is computed per question (scope question)": _l(
        "a form project's agreement is computed per question (scope question)"
    ),
    "no majority vote over free text": _l("no majority vote over free text"),
    "a model is compared with people on label and rating tasks only": _l(
        "a model is compared with people on label and rating tasks only"
    ),
    "annotators disagree on no item": _l("annotators disagree on no item"),
    "never cited on an item annotated twice": _l("never cited on an item annotated twice"),
    "no annotation has a recorded duration": _l("no annotation has a recorded duration"),
    (
        "no annotation on promoted gold made after the promotion by an annotator outside the "
        "promoting set"
    ): _l(
        "no annotation on promoted gold made after the promotion by an annotator outside the "
        "promoting set"
    ),
    "no annotator pair with a defined kappa": _l("no annotator pair with a defined kappa"),
    "no answer preferred one response with its order recorded": _l(
        "no answer preferred one response with its order recorded"
    ),
    "no item has two annotations, or only one value was used": _l(
        "no item has two annotations, or only one value was used"
    ),
    "no item shared with another annotator": _l("no item shared with another annotator"),
    "no predicted item has a human majority label": _l(
        "no predicted item has a human majority label"
    ),
    "no span to compare": _l("no span to compare"),
    "the model predicted no gold item": _l("the model predicted no gold item"),
    "fewer than two resamples were defined": _l("fewer than two resamples were defined"),
    "only one value occurs among pairable annotations": _l(
        "only one value occurs among pairable annotations"
    ),
    "no majority vote over span sets": _l("no majority vote over span sets"),
    "no item has two answers": _l("no item has two answers"),
    "no item has a consensus": _l("no item has a consensus"),
}


def reason_text(text: str | None) -> str:
    """A figure's reason (``undefined: no reviews yet``) in the reader's language; reasons
    not in :data:`REASONS` stay as they are."""
    head, sep, rest = (text or "").partition("undefined: ")
    if sep and not head:
        found = REASONS.get(rest)
        return f"{_l('undefined')}: {found}" if found is not None else text or ""
    found = REASONS.get(text or "")
    return str(found) if found is not None else text or ""


def metric_name(key: object) -> str:
    """The translated name of a metric key (unknown keys as-is)."""
    found = METRIC_NAMES.get(str(key))
    return str(found) if found is not None else str(key)


def _value(name: str, value: Any, locale: str) -> Any:
    kind = PARAM_KINDS.get(name)
    if kind == "metric":
        return metric_name(value)
    if kind == "label":
        return label(value)
    if isinstance(value, float):
        return format_decimal(value, "0.000", locale=locale)
    return value


def render(code: str | None, params: dict[str, Any] | None, fallback: str = "") -> str:
    """The message ``code`` with ``params`` in the current language (``fallback`` when the
    code is unknown or its parameters do not fit)."""
    text = MESSAGES.get(code or "")
    if text is None:
        return fallback
    locale = _locale()
    values = {k: _value(k, v, locale) for k, v in (params or {}).items()}
    comment = values.pop("comment", "")
    try:
        out = str(text) % values
    except (KeyError, TypeError, ValueError):
        return fallback
    return f"{out} {comment}" if comment else out


def _locale() -> str:
    return str(get_locale() or "en")


def error_type_name(project: Any, key: object) -> str:
    """The name of error type ``key`` of ``project`` in the reader's language."""
    return schema.error_type_name(project.error_types or [], str(key), _locale())


def label_name(project: Any, key: object) -> str:
    """The display name of label ``key`` of ``project`` in the reader's language."""
    for entry in project.labels or []:
        if str(entry.get("key")) == str(key):
            return schema.display_name(entry, _locale())
    return str(key)


def message(row: Any) -> str:
    """The ``message`` filter: a row's ``code``/``params`` rendered, else its stored text."""
    fallback = getattr(row, "message", None)
    if fallback is None:
        fallback = getattr(row, "reason", "") or ""
    return render(getattr(row, "code", None), getattr(row, "params", None), fallback)


def init_app(app: Flask) -> None:
    """Register the ``message`` and ``problem`` filters and ``render_message`` /
    ``metric_name`` globals."""
    from annotate import problem_text

    problem_text.init_app(app)
    app.add_template_filter(message, "message")
    app.add_template_global(render, "render_message")
    app.add_template_global(metric_name, "metric_name")
    app.add_template_global(error_type_name, "error_type_name")
    app.add_template_global(reason_text, "reason_text")
    app.add_template_global(label_name, "label_display_name")
