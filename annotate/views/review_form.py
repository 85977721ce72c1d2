"""The review screen of a form project (issue 15): one row per answer of the annotation, a
"wrong" toggle (digit key) on each answer under review and the widgets of its correction
(templates/reviewer/_form_review.html). Helpers of the reviewer blueprint, not a blueprint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request
from flask_babel import get_locale

from annotate.models import Project, SampledAnnotation, TaskType
from annotate.services.projects.questions import is_form, question_view, questions_of
from annotate.services.review.questions import judged_questions


def posted_answers(project: Project, sampled: SampledAnnotation) -> dict[str, Any] | None:
    """The answers marked wrong in the posted form, each with its posted correction."""
    if not is_form(project):
        return None
    judged = {q.key: q for q in judged_questions(project, sampled)}
    out: dict[str, Any] = {}
    for key in request.form.getlist("wrong"):
        question = judged.get(key)
        if question is not None and question.type == TaskType.multi_label:
            out[key] = request.form.getlist(f"fix-{key}") or None
        else:
            out[key] = request.form.get(f"fix-{key}", "").strip() or None
    return out


def form_rows(
    project: Project,
    sampled: SampledAnnotation,
    choices_of: Any,
    posted: Any,
) -> list[dict[str, Any]]:
    """One row per question the annotation answered: its title, the answer, whether it is
    under review here (with its digit key and correction choices) and what was ``posted``
    (the refused form's MultiDict, or nothing)."""
    if not is_form(project):
        return []
    locale = str(get_locale() or "zh")
    value = sampled.annotation.value if isinstance(sampled.annotation.value, Mapping) else {}
    judged = {q.key for q in judged_questions(project, sampled)}
    wrong = set(posted.getlist("wrong")) if posted else set()
    rows, digit = [], 0
    for question in questions_of(project):
        if question.key not in value:
            continue
        view = question_view(project, question)
        row: dict[str, Any] = {
            "key": question.key,
            "title": question.title(locale),
            "type": question.type.value,
            "view": view,
            "value": value[question.key],
            "judged": question.key in judged,
            "wrong": question.key in wrong,
            "posted": posted.getlist(f"fix-{question.key}") if posted else [],
        }
        if row["judged"]:
            digit += 1
            row["hotkey"] = str(digit) if digit < 10 else ""
            row["choices"] = choices_of(view)
            row["scale"] = question.schema.get("scale") or {}
        rows.append(row)
    return rows


def answers_of(project: Project, value: Any) -> list[dict[str, Any]]:
    """A form value (e.g. a correction) as rows of title, view and answer."""
    if not is_form(project) or not isinstance(value, Mapping):
        return []
    locale = str(get_locale() or "zh")
    return [
        {"title": q.title(locale), "view": question_view(project, q), "value": value[q.key]}
        for q in questions_of(project)
        if q.key in value
    ]
