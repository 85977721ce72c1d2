"""Clauses that name the questions they govern (``form`` projects).

A clause of a form project's rulebook may say which questions it governs with a line of its
text, in English or Chinese::

    **Questions:** harmless_a, harmless_b
    **问题：** harmless_a、harmless_b

The labeling screen then shows the clause beside those questions; a clause naming none
governs the whole item. Publishing refuses a clause that names a question the project does
not have. Nothing here touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l

from annotate.models import Project
from annotate.services.projects.questions import is_form, questions_of

QUESTIONS_RE = re.compile(
    r"^\s*\*\*(?:Questions?|问题)(?::\*\*|\*\*[:：]|[：]\*\*)\s*(.+?)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_SPLIT = re.compile(r"[\s,，、;；`]+")


class _Clause(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def text(self) -> str: ...


def clause_questions(text: str) -> tuple[str, ...]:
    """The question keys a clause's ``text`` names (in order, once each; empty: none)."""
    keys: list[str] = []
    for match in QUESTIONS_RE.finditer(text or ""):
        keys += [k for k in _SPLIT.split(match[1]) if k and k not in keys]
    return tuple(keys)


def clauses_by_question(clauses: Iterable[_Clause], keys: Sequence[str]) -> dict[str, list[Any]]:
    """Clauses grouped by the question they govern (``keys`` in order; a clause naming
    several questions is under each); a question no clause names has an empty list."""
    grouped: dict[str, list[Any]] = {key: [] for key in keys}
    for clause in clauses:
        for key in clause_questions(clause.text):
            if key in grouped:
                grouped[key].append(clause)
    return grouped


def unknown_question_problem(clauses: Iterable[_Clause], project: Project) -> str | None:
    """Why a clause of a form project's rulebook names a question it does not have, or None."""
    if not is_form(project):
        return None
    known = {q.key for q in questions_of(project)}
    wrong = [
        f"{clause.key} ({', '.join(k for k in clause_questions(clause.text) if k not in known)})"
        for clause in clauses
        if any(k not in known for k in clause_questions(clause.text))
    ]
    if not wrong:
        return None
    return str(
        _l(
            "Clauses name questions the project does not have: %(clauses)s. The questions "
            "are: %(known)s.",
            clauses="; ".join(wrong),
            known=", ".join(q.key for q in questions_of(project)),
        )
    )
