"""Editing a ``form`` project's questions: the YAML (or JSON) text of its schema, checked.

The settings page and the new-project page show the schema as YAML text (JSON is YAML too);
:func:`parse_form_text` reads it back and :func:`check_form_schema` checks every question.
Once a project has annotations, a change may not alter what those annotations mean: the
fields, and each existing question's key, type and answers (label keys or scale), stay; names,
conditions, ``required`` and new questions may change. Refusals name the question.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import sqlalchemy as sa
import yaml
from flask_babel import lazy_gettext as _l

from annotate.database import Session
from annotate.models import Annotation, Item, Project, User
from annotate.services.audit import record_event
from annotate.services.projects.questions import (
    Question,
    check_form_schema,
    is_form,
    questions_of,
)
from annotate.services.projects.schema import SchemaError

#: Longest schema text accepted (a 30-question form is about 10 kB).
MAX_TEXT = 100_000


def form_text(schema: dict[str, Any]) -> str:
    """A form schema as the YAML the editor shows (keys in their stored order)."""
    return yaml.safe_dump(schema, allow_unicode=True, sort_keys=False, width=100)


def parse_form_text(text: str) -> dict[str, Any]:
    """The checked form schema in ``text`` (YAML or JSON).

    :raises SchemaError: the text is not YAML, or the schema has problems (keyed as
        :func:`check_form_schema` keys them).
    """
    if len(text) > MAX_TEXT:
        raise SchemaError({"questions": _l("At most %(n)d characters.", n=MAX_TEXT)})
    try:
        raw = yaml.safe_load(text or "")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        message = (
            _l("Not valid YAML or JSON (line %(line)d).", line=mark.line + 1)
            if mark is not None
            else _l("Not valid YAML or JSON.")
        )
        raise SchemaError({"questions": message}) from None
    return check_form_schema(raw)


def _answers(question: Question) -> Any:
    """What an answer to ``question`` may be: its label keys, or its scale."""
    if question.schema.get("scale"):
        return dict(question.schema["scale"])
    return sorted(str(label.get("key")) for label in question.labels)


def change_problems(project: Project, new: dict[str, Any]) -> dict[str, Any]:
    """Why ``new`` may not replace the schema of ``project``, which has annotations."""
    problems: dict[str, Any] = {}
    if list(new["fields"]) != list((project.label_schema or {}).get("fields", [])):
        problems["fields"] = _l("The items' fields cannot change once items are annotated.")
    after = {q["key"]: n for n, q in enumerate(new["questions"])}
    shape = cast(Project, SimpleNamespace(task_type=project.task_type, label_schema=new))
    fresh = {q.key: q for q in questions_of(shape)}
    for old in questions_of(project):
        if old.key not in after:
            problems[f"questions-{len(after)}-key"] = _l(
                "Question %(q)s has answers: it cannot be removed.", q=old.key
            )
            continue
        now = fresh[old.key]
        where = f"questions-{after[old.key]}"
        if now.type != old.type:
            problems[f"{where}-type"] = _l(
                "Question %(q)s has answers: its type cannot change.", q=old.key
            )
        elif _answers(now) != _answers(old):
            problems[f"{where}-labels"] = _l(
                "Question %(q)s has answers: its labels or scale cannot change.", q=old.key
            )
    return problems


def has_annotations(session: Session, project: Project) -> bool:
    """Whether any item of ``project`` has an annotation."""
    return (
        session.scalar(
            sa.select(Annotation.id).join(Item).where(Item.project_id == project.id).limit(1)
        )
        is not None
    )


def update_questions(session: Session, project: Project, text: str, *, actor: User) -> bool:
    """Replace the questions of form project ``project`` by those in ``text``; audited.
    Returns whether anything changed. Flushes; the caller commits.

    :raises SchemaError: the schema has problems, or changes what existing answers mean.
    """
    if not is_form(project):
        raise SchemaError({"questions": _l("Only a form project has questions.")})
    new = parse_form_text(text)
    if new == project.label_schema:
        return False
    if has_annotations(session, project):
        problems = change_problems(project, new)
        if problems:
            raise SchemaError(problems)
    old_keys = [q.key for q in questions_of(project)]
    project.label_schema = new
    record_event(
        session,
        "project.questions",
        "project",
        project.id,
        actor=actor,
        project_id=project.id,
        details={"before": old_keys, "after": [q["key"] for q in new["questions"]]},
    )
    return True
