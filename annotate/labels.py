"""Translated display names for enum values, available in templates as ``|label``."""

from __future__ import annotations

import enum

from flask import Flask
from flask_babel import lazy_gettext as _l

_LABELS = {
    # task types
    "single_label": _l("single label"),
    "multi_label": _l("multiple labels"),
    "rating": _l("rating"),
    "span": _l("spans"),
    "pairwise": _l("pairwise preference"),
    "text": _l("free text"),
    "form": _l("several questions"),
    # measurement levels
    "nominal": _l("nominal"),
    "ordinal": _l("ordinal"),
    "interval": _l("interval"),
    "ratio": _l("ratio"),
    # rulebook kinds and version states
    "functional": _l("functional"),
    "security": _l("security"),
    "legal": _l("legal"),
    "draft": _l("draft"),
    "published": _l("published"),
    "retired": _l("retired"),
    # roles
    "annotator": _l("annotator"),
    "reviewer": _l("reviewer"),
    "manager": _l("manager"),
    # batch states
    "open": _l("open"),
    "in_review": _l("in review"),
    "accepted": _l("accepted"),
    "rejected": _l("rejected"),
    "reannotating": _l("re-annotating"),
    "void": _l("void"),
    # verdicts and decisions
    "correct": _l("correct"),
    "incorrect": _l("incorrect"),
    "prohibited": _l("prohibited content"),
    "accept": _l("accept"),
    "reject": _l("reject"),
    # sampling methods
    "random_rate": _l("random rate"),
    "fixed_n": _l("fixed size"),
    "stratified": _l("stratified"),
    "iso2859": _l("ISO 2859-1"),
    "all": _l("all (100 %)"),
    # supervision
    "alert": _l("alert"),
    "retrain": _l("retrain"),
    "suspend": _l("suspend"),
    "reinstate": _l("reinstate"),
    # flags
    "personal_info": _l("personal information"),
    # steps of the annotation gate (services/training/gate.py)
    "membership": _l("membership"),
    "suspended": _l("suspended"),
    "no_rulebook": _l("no rulebook"),
    "legal_training": _l("legal training"),
    "training": _l("training"),
    "acknowledge": _l("acknowledgement"),
}


def label(value: object) -> str:
    """The translated display name of an enum member or its value (unknown values as-is)."""
    key = value.value if isinstance(value, enum.Enum) else value
    found = _LABELS.get(str(key))
    return str(found) if found is not None else str(key)


def init_app(app: Flask) -> None:
    """Register the ``label`` template filter."""
    app.add_template_filter(label, "label")
