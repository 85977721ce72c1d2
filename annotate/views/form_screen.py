"""The labeling screen of a ``form`` project: its questions beside the fields they apply to,
and the answers read back from the posted form (one input ``q-<key>`` per question).

Used by the annotator and edits views; one-question projects never come here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from annotate.models import Project, TaskType
from annotate.services.errors import InvalidInput
from annotate.services.labeling.tokens import span_settings
from annotate.services.projects.questions import (
    QuestionProject,
    form_fields,
    question_view,
    questions_of,
)
from annotate.services.rulebooks.clause_questions import clauses_by_question

#: The labels of one question as the screen shows them (``annotator._label_choices``).
Choices = Callable[[Any], list[dict[str, Any]]]


def form_view(
    project: Project,
    payload: Mapping[str, Any],
    clauses: Sequence[Any],
    choices: Choices,
    locale: str,
) -> dict[str, Any]:
    """What the template needs: ``fields`` (each with its text and the questions applying to
    it, in order) and ``whole`` (the questions about the whole item)."""
    questions = questions_of(project)
    governing = clauses_by_question(clauses, [q.key for q in questions])
    fields: dict[str, dict[str, Any]] = {
        name: {"name": name, "text": str(payload.get(name) or ""), "questions": []}
        for name in form_fields(project)
    }
    whole: list[dict[str, Any]] = []
    for question in questions:
        view: QuestionProject = question_view(project, question)
        shown = {
            "key": question.key,
            "type": question.type.value,
            "title": question.title(locale),
            "required": question.required,
            "applies_to": question.applies_to,
            "show_if": question.show_if.as_dict() if question.show_if else None,
            "choices": [] if question.type == TaskType.text else choices(view),
            "clauses": governing[question.key],
        }
        if question.type == TaskType.span:
            shown["overlap"] = span_settings(question.schema).overlap
        if question.applies_to in fields:
            fields[question.applies_to]["questions"].append(shown)
        else:
            whole.append(shown)
    return {"fields": list(fields.values()), "whole": whole}


def form_value(project: Project, posted: MultiDict[str, str]) -> dict[str, Any]:
    """The answers in a posted labeling form (an empty input is no answer); the service
    checks them."""
    answers: dict[str, Any] = {}
    for question in questions_of(project):
        name = f"q-{question.key}"
        if question.type == TaskType.multi_label:
            value: Any = posted.getlist(name)
        elif question.type == TaskType.span:
            try:  # orjson: a depth limit, so deep nesting is a refusal
                value = orjson.loads(posted.get(name) or "[]")
            except orjson.JSONDecodeError:
                raise InvalidInput(
                    _("The annotation was not saved."), [f"value.{question.key}: not valid JSON"]
                ) from None
        else:
            value = posted.get(name, "")
            if question.type == TaskType.pairwise and value:
                value = {"choice": value}
        if value not in ("", [], None):
            answers[question.key] = value
    return answers
