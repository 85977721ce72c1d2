"""Items and values: what a payload must hold and what an annotation value may be, per task type.

Shared by the importer (payloads, gold answers, imported annotations) and the annotation
service (submitted values). Checks return a list of problems (``field: reason``) so callers can
report every problem at once; :func:`normalise_value` returns the canonical stored form.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from annotate.models import Project, TaskType
from annotate.services.data.formats import text_problem
from annotate.services.labeling.tokens import span_settings
from annotate.services.problems import problem
from annotate.services.projects.questions import (
    QuestionProject,
    form_fields,
    is_form,
    question_view,
    questions_of,
)

#: A project, or a project seen through one of its questions.
Schemed = Project | QuestionProject

#: Payload fields each task type requires (all must be non-empty strings).
REQUIRED_FIELDS: dict[TaskType, tuple[str, ...]] = {
    TaskType.single_label: ("text",),
    TaskType.multi_label: ("text",),
    TaskType.rating: ("text",),
    TaskType.text: ("text",),
    TaskType.span: ("text",),
    TaskType.pairwise: ("prompt", "response_a", "response_b"),
    TaskType.form: (),  # the project's own ``fields`` (questions.form_fields)
}
PAIRWISE_CHOICES = ("A", "B", "tie", "both_bad")
#: Longest free-text answer or pairwise reason accepted.
MAX_TEXT = 20_000


def canonical_json(payload: Any) -> str:
    """The canonical JSON text of a payload (sorted keys, no spaces, UTF-8 kept)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(payload: dict[str, Any], canonical: str | None = None) -> str:
    """sha256 of the canonical JSON of an item payload (the import's duplicate key)."""
    canonical = canonical if canonical is not None else canonical_json(payload)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def required_fields(project: Project) -> tuple[str, ...]:
    """The payload fields every item of ``project`` must hold."""
    if is_form(project):
        return tuple(form_fields(project))
    return REQUIRED_FIELDS[project.task_type]


def payload_problems(
    task_type: TaskType, payload: Any, fields: tuple[str, ...] | None = None
) -> list[str]:
    """Return what is wrong with ``payload`` for ``task_type`` (empty when it is fine);
    ``fields`` overrides the task type's required fields (a ``form`` project's own)."""
    if not isinstance(payload, dict):
        return [f"payload: {problem('object')}"]
    problems = []
    for name in REQUIRED_FIELDS[task_type] if fields is None else fields:
        value = payload.get(name)
        if value is None or value == "":
            problems.append(f"{name}: {problem('required_for', task=task_type.value)}")
        elif not isinstance(value, str):
            problems.append(f"{name}: {problem('string')}")
    return problems


def label_keys(project: Schemed) -> list[str]:
    """The label keys a value may use (pairwise projects always have the four choices)."""
    if project.task_type == TaskType.pairwise:
        return list(PAIRWISE_CHOICES)
    return [str(label["key"]) for label in project.labels]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def normalise_value(
    project: Schemed,
    value: Any,
    payload: dict[str, Any] | None = None,
    *,
    field: str = "value",
    partial: bool = False,
) -> tuple[Any, list[str]]:
    """Check ``value`` against the project's task type and label schema.

    Returns ``(canonical value, problems)``; the value is only meaningful when ``problems`` is
    empty. ``payload`` is needed for span values (offsets are checked against its text).
    ``partial``: a gold answer of a project with several questions may fix only some of them.
    """
    task = project.task_type
    if task == TaskType.form and isinstance(project, Project):
        return normalise_answers(project, value, payload, field=field, partial=partial)
    keys = label_keys(project)
    if task == TaskType.single_label:
        if not isinstance(value, str) or value not in keys:
            found = problem("not_a_label", value=repr(value), choices=", ".join(keys))
            return None, [f"{field}: {found}"]
        return value, []
    if task == TaskType.multi_label:
        if not isinstance(value, list) or not value:
            return None, [f"{field}: {problem('label_list')}"]
        unknown = [v for v in value if not isinstance(v, str) or v not in keys]
        if unknown:
            values = ", ".join(map(repr, unknown))
            return None, [
                f"{field}: {problem('not_in_schema', values=values, choices=', '.join(keys))}"
            ]
        return [k for k in keys if k in value], []
    if task == TaskType.rating:
        return _normalise_rating(project, value, field)
    if task == TaskType.text:
        if not isinstance(value, str) or not value.strip():
            return None, [f"{field}: {problem('nonempty_text')}"]
        if len(value) > MAX_TEXT:
            return None, [f"{field}: {problem('too_long', n=MAX_TEXT)}"]
        if odd := text_problem(value):
            return None, [f"{field}: {odd}"]
        return value.strip(), []
    if task == TaskType.pairwise:
        return _normalise_pairwise(value, field)
    return _normalise_spans(project, value, (payload or {}).get("text"), field)


def _normalise_rating(project: Schemed, value: Any, field: str) -> tuple[Any, list[str]]:
    scale = project.label_schema.get("scale", {})
    low, high = scale.get("min"), scale.get("max")
    if isinstance(value, str):
        try:
            value = float(value) if "." in value else int(value)
        except ValueError:
            return None, [f"{field}: {problem('not_a_number', value=repr(value))}"]
    if not _is_number(value):
        return None, [f"{field}: {problem('number')}"]
    if low is not None and high is not None and not low <= value <= high:
        return None, [f"{field}: {problem('off_scale', value=value, low=low, high=high)}"]
    step = scale.get("step")
    if step and low is not None and abs((value - low) / step - round((value - low) / step)) > 1e-9:
        return None, [f"{field}: {problem('off_step', value=value, step=step)}"]
    return (int(value) if float(value).is_integer() else value), []


def _normalise_pairwise(value: Any, field: str) -> tuple[Any, list[str]]:
    if isinstance(value, str):
        value = {"choice": value}
    if not isinstance(value, dict):
        return None, [f"{field}: {problem('choice_object')}"]
    choice = value.get("choice")
    if choice not in PAIRWISE_CHOICES:
        found = problem("not_one_of", value=repr(choice), choices=", ".join(PAIRWISE_CHOICES))
        return None, [f"{field}.choice: {found}"]
    reason = value.get("reason") or ""
    if not isinstance(reason, str):
        return None, [f"{field}.reason: {problem('text')}"]
    if len(reason) > MAX_TEXT:
        return None, [f"{field}.reason: {problem('too_long', n=MAX_TEXT)}"]
    if odd := text_problem(reason):
        return None, [f"{field}.reason: {odd}"]
    result = {"choice": choice}
    if reason.strip():
        result["reason"] = reason.strip()
    return result, []


def _normalise_spans(project: Schemed, value: Any, text: Any, field: str) -> tuple[Any, list[str]]:
    if not isinstance(value, list):
        return None, [f"{field}: {problem('span_list')}"]
    keys = label_keys(project)
    length = len(text) if isinstance(text, str) else 0
    problems: list[str] = []
    spans = []
    for n, span in enumerate(value):
        where = f"{field}[{n}]"
        if not isinstance(span, dict):
            problems.append(f"{where}: {problem('span_object')}")
            continue
        start, end, label = span.get("start"), span.get("end"), span.get("label")
        if (
            not (isinstance(start, int) and isinstance(end, int))
            or isinstance(start, bool)
            or isinstance(end, bool)
        ):
            problems.append(f"{where}: {problem('span_integers')}")
            continue
        if not 0 <= start < end <= length:
            found = problem("span_outside", start=start, end=end, length=length)
            problems.append(f"{where}: {found}")
            continue
        if label not in keys:
            found = problem("span_label", label=repr(label), choices=", ".join(keys))
            problems.append(f"{where}: {found}")
            continue
        spans.append({"start": start, "end": end, "label": label})
    spans.sort(key=lambda s: (s["start"], s["end"], s["label"]))
    overlap = span_settings(project.label_schema).overlap
    for before, after in zip(spans, spans[1:], strict=False):
        if before == after:
            span = f"{before['start']}-{before['end']} {before['label']}"
            problems.append(f"{field}: {problem('span_twice', span=span)}")
        elif not overlap and after["start"] < before["end"]:
            first = f"{before['start']}-{before['end']}"
            second = f"{after['start']}-{after['end']}"
            problems.append(f"{field}: {problem('span_overlap', first=first, second=second)}")
    return (spans if not problems else None), problems


def normalise_answers(
    project: Project,
    value: Any,
    payload: dict[str, Any] | None = None,
    *,
    field: str = "value",
    partial: bool = False,
) -> tuple[Any, list[str]]:
    """Check a ``form`` project's answers: an object keyed by question.

    Each asked question's answer is checked as a one-question project of its type would check
    it; a required question that is asked must be answered (a span question's answer may be
    no spans: absent is stored as ``[]``), a question that is not asked (its condition fails)
    or unknown must not be. Every problem names its question. ``partial`` (gold answers):
    only the given answers are checked, a condition only when its question is answered.
    """
    if not isinstance(value, dict):
        return None, [f"{field}: {problem('answers_object')}"]
    questions = questions_of(project)
    known = {q.key for q in questions}
    problems = [f"{field}.{key}: {problem('no_question')}" for key in value if key not in known]
    answers: dict[str, Any] = {}
    for question in questions:
        raw = value.get(question.key)
        given = raw is not None and raw != "" and raw != []
        if partial:  # only what is given, conditions only on given answers
            if not given:
                continue
            condition = question.show_if
            if condition is not None and condition.question in answers:
                if not question.visible(answers):
                    problems.append(f"{field}.{question.key}: {problem('not_asked')}")
                    continue
        elif not question.visible(answers):
            if given:
                problems.append(f"{field}.{question.key}: {problem('not_asked')}")
            continue
        if not given:
            if question.type == TaskType.span:  # no spans marked is an answer: none found
                answers[question.key] = []
            elif question.required:
                problems.append(f"{field}.{question.key}: {problem('required')}")
            continue
        text = (payload or {}).get(question.applies_to or "text")
        normal, wrong = normalise_value(
            question_view(project, question),
            raw,
            {"text": text},
            field=f"{field}.{question.key}",
        )
        problems.extend(wrong)
        if not wrong:
            answers[question.key] = normal
    return (answers if not problems else None), problems
