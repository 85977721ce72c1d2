"""Several questions per item: a ``form`` project's schema is a list of questions.

A project of task type ``form`` keeps ``label_schema = {"fields": [...], "questions": [...]}``:
``fields`` are the payload fields every item holds (shown in that order), and each question is

    {"key": "harmless_a", "type": "rating", "name": "…", "name_zh": "…",
     "labels": [...] | "scale": {"min", "max", "step"} | "spans": {...},
     "level": "ordinal", "required": true, "applies_to": "response_a" | null,
     "show_if": {"question": "preference", "op": "in", "value": ["A", "B"]} | null}

with the ``labels``/``scale``/``spans`` of a one-question project of that type. An annotation's
value is then an object of answers keyed by question (a hidden or unanswered optional question
has no key); a gold value may hold only some questions.

Every other project has one implicit question, :data:`ONLY`, whose answer is the whole value,
so code written for questions serves both (:func:`questions_of`, :func:`answer_of`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from annotate.models import MeasurementLevel, Project, TaskType
from annotate.services.projects.schema import (
    KEY_RE,
    SchemaError,
    check_schema,
    levels_for,
)

#: The key of a one-question project's implicit question.
ONLY = "answer"
#: Types a question may have (every task type but ``form`` itself).
QUESTION_TYPES = tuple(t for t in TaskType if t != TaskType.form)
MAX_QUESTIONS = 30
FIELD_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
#: Condition operators; ``in`` takes a list, ``contains`` tests a multi-label answer.
OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "in", "contains")


@dataclass(frozen=True)
class Condition:
    """Show a question only when an earlier question's answer passes ``op value``."""

    question: str
    op: str
    value: Any

    def holds(self, answer: Any) -> bool:
        """Whether ``answer`` (the earlier question's, None when absent) passes."""
        if answer is None:
            return False
        if isinstance(answer, Mapping):  # a pairwise answer compares by its choice
            answer = answer.get("choice")
        if self.op == "contains":
            return isinstance(answer, list) and self.value in answer
        if self.op == "in":
            return answer in self.value
        if self.op == "==":
            return bool(answer == self.value)
        if self.op == "!=":
            return bool(answer != self.value)
        try:
            return bool(
                {
                    "<": answer < self.value,
                    "<=": answer <= self.value,
                    ">": answer > self.value,
                    ">=": answer >= self.value,
                }[self.op]
            )
        except TypeError:
            return False

    def as_dict(self) -> dict[str, Any]:
        return {"question": self.question, "op": self.op, "value": self.value}


@dataclass(frozen=True)
class Question:
    """One question of a project (see the module's docstring)."""

    key: str
    type: TaskType
    name: str = ""
    name_zh: str = ""
    #: The one-question label schema of this question (``labels``, ``scale`` or ``spans``).
    schema: dict[str, Any] = field(default_factory=dict)
    level: MeasurementLevel = MeasurementLevel.nominal
    required: bool = True
    applies_to: str | None = None
    show_if: Condition | None = None

    @property
    def labels(self) -> list[dict[str, Any]]:
        return list(self.schema.get("labels", []))

    def title(self, locale: str) -> str:
        """The question's name in ``locale`` (Chinese falls back to English, then the key)."""
        if locale.startswith("zh") and self.name_zh:
            return self.name_zh
        return self.name or self.key

    def visible(self, answers: Mapping[str, Any]) -> bool:
        """Whether the question is asked, given the answers so far."""
        return self.show_if is None or self.show_if.holds(answers.get(self.show_if.question))

    def as_dict(self) -> dict[str, Any]:
        """The stored form (``label_schema["questions"]`` entries)."""
        out: dict[str, Any] = {
            "key": self.key,
            "type": self.type.value,
            "name": self.name,
            "name_zh": self.name_zh,
            **self.schema,
            "level": self.level.value,
            "required": self.required,
            "applies_to": self.applies_to,
            "show_if": self.show_if.as_dict() if self.show_if else None,
        }
        return out


class QuestionProject:
    """A project seen through one of its questions: ``task_type``, ``label_schema``,
    ``labels`` and ``measurement_level`` are the question's, everything else the project's,
    so code written for one-question projects (value checks, figures) serves each question."""

    def __init__(self, project: Project, question: Question) -> None:
        self.project = project
        self.question = question
        self.task_type = question.type
        self.label_schema = question.schema
        self.measurement_level = question.level

    @property
    def labels(self) -> list[dict[str, Any]]:
        return self.question.labels

    def __getattr__(self, name: str) -> Any:
        return getattr(self.project, name)


def is_form(project: Project | QuestionProject) -> bool:
    """Whether ``project`` asks several questions per item."""
    return project.task_type == TaskType.form


def questions_of(project: Project) -> list[Question]:
    """The questions of ``project``: its stored list, or the one implicit question."""
    if not is_form(project):
        return [
            Question(
                ONLY,
                project.task_type,
                schema=dict(project.label_schema or {}),
                level=project.measurement_level,
            )
        ]
    return [_question(raw) for raw in (project.label_schema or {}).get("questions", [])]


def form_fields(project: Project) -> list[str]:
    """The payload fields every item of a ``form`` project holds."""
    return [str(f) for f in (project.label_schema or {}).get("fields", [])]


def question_view(project: Project, question: Question) -> QuestionProject:
    """``project`` seen through ``question`` (see :class:`QuestionProject`)."""
    return QuestionProject(project, question)


def answer_of(project: Project, value: Any, key: str) -> Any:
    """The answer to question ``key`` in an annotation or gold ``value`` (None: unanswered)."""
    if not is_form(project):
        return value if key == ONLY else None
    return value.get(key) if isinstance(value, Mapping) else None


def _question(raw: Mapping[str, Any]) -> Question:
    schema = {k: raw[k] for k in ("labels", "scale", "spans") if raw.get(k) is not None}
    cond = raw.get("show_if")
    return Question(
        key=str(raw["key"]),
        type=TaskType(raw["type"]),
        name=str(raw.get("name") or ""),
        name_zh=str(raw.get("name_zh") or ""),
        schema=schema,
        level=MeasurementLevel(raw.get("level") or levels_for(TaskType(raw["type"]))[0]),
        required=bool(raw.get("required", True)),
        applies_to=raw.get("applies_to") or None,
        show_if=Condition(str(cond["question"]), str(cond["op"]), cond.get("value"))
        if cond
        else None,
    )


def check_form_schema(raw: Any) -> dict[str, Any]:
    """A ``form`` project's label schema (``fields`` and ``questions``), checked.

    :raises SchemaError: every problem at once, keyed ``questions-<n>-<part>`` (or ``fields``,
        ``questions``), each message naming the question.
    """
    if not isinstance(raw, Mapping):
        raise SchemaError({"questions": _l("The schema must be an object with questions.")})
    errors: dict[str, Any] = {}
    fields = raw.get("fields") or []
    if not isinstance(fields, list) or not all(
        isinstance(f, str) and FIELD_RE.match(f) for f in fields
    ):
        errors["fields"] = _l("Fields are a list of names (letters, digits and _).")
        fields = []
    elif len(set(fields)) != len(fields):
        errors["fields"] = _l("A field is named twice.")
    entries = raw.get("questions")
    if not isinstance(entries, list) or not entries:
        errors["questions"] = _l("Add at least one question.")
        raise SchemaError(errors)
    if len(entries) > MAX_QUESTIONS:
        errors["questions"] = _l("At most %(n)d questions.", n=MAX_QUESTIONS)
    seen: dict[str, Question] = {}
    keys: set[str] = set()
    out: list[dict[str, Any]] = []
    for n, entry in enumerate(entries):
        question = _check_question(n, entry, fields, seen, keys, errors)
        if question is not None:
            seen[question.key] = question
            out.append(question.as_dict())
    if errors:
        raise SchemaError(errors)
    return {"fields": list(fields), "questions": out}


def _check_question(
    n: int,
    entry: Any,
    fields: Sequence[str],
    seen: Mapping[str, Question],
    keys: set[str],
    errors: dict[str, Any],
) -> Question | None:
    where = f"questions-{n}"
    if not isinstance(entry, Mapping):
        errors[where] = _l("Question %(n)d must be an object.", n=n + 1)
        return None
    key = str(entry.get("key") or "").strip()
    name = key or str(n + 1)
    if not KEY_RE.match(key):
        errors[f"{where}-key"] = _l(
            "Question %(q)s: a key is 1-64 letters, digits, _ . - and starts with a letter "
            "or digit.",
            q=name,
        )
        return None
    if key in keys:
        errors[f"{where}-key"] = _l("Question %(q)s: the key is used twice.", q=key)
        return None
    keys.add(key)
    try:
        task = TaskType(str(entry.get("type")))
    except ValueError:
        task = TaskType.form
    if task not in QUESTION_TYPES:
        errors[f"{where}-type"] = _l(
            "Question %(q)s: the type is one of %(types)s.",
            q=key,
            types=", ".join(t.value for t in QUESTION_TYPES),
        )
        return None
    labels = entry.get("labels") or ()
    if not isinstance(labels, list | tuple) or not all(
        isinstance(row, Mapping | str) for row in labels
    ):
        errors[f"{where}-labels"] = _l(
            "Question %(q)s: labels are a list of keys or of {key, name, name_zh, hotkey}.",
            q=key,
        )
        return None
    labels = [{"key": row} if isinstance(row, str) else row for row in labels]
    try:
        schema, level = check_schema(task, labels, entry.get("scale"), entry.get("level"))
    except SchemaError as error:
        for part, message in error.fields.items():
            errors[f"{where}-{part}"] = _l("Question %(q)s: %(problem)s", q=key, problem=message)
        return None
    if task == TaskType.span and isinstance(entry.get("spans"), Mapping):
        schema["spans"] = dict(entry["spans"])
    applies_to = entry.get("applies_to") or None
    if applies_to is not None and applies_to not in fields:
        errors[f"{where}-applies_to"] = _l(
            "Question %(q)s applies to %(field)s, which is not one of the item's fields.",
            q=key,
            field=str(applies_to),
        )
    if task == TaskType.span and applies_to is None and "text" not in fields:
        errors[f"{where}-applies_to"] = _l(
            "Question %(q)s marks spans: say which text field it applies to.", q=key
        )
    condition = _check_condition(key, entry.get("show_if"), seen, where, errors)
    return Question(
        key,
        task,
        str(entry.get("name") or "")[:200],
        str(entry.get("name_zh") or "")[:200],
        schema,
        level,
        bool(entry.get("required", True)),
        applies_to,
        condition,
    )


def _check_condition(
    key: str, raw: Any, seen: Mapping[str, Question], where: str, errors: dict[str, Any]
) -> Condition | None:
    if not raw:
        return None
    if not isinstance(raw, Mapping):
        errors[f"{where}-show_if"] = _l("Question %(q)s: the condition must be an object.", q=key)
        return None
    target, op = str(raw.get("question") or ""), str(raw.get("op") or "==")
    if target not in seen:
        errors[f"{where}-show_if"] = _l(
            "Question %(q)s depends on %(other)s, which is not an earlier question.",
            q=key,
            other=target,
        )
        return None
    if op not in OPERATORS:
        errors[f"{where}-show_if"] = _l(
            "Question %(q)s: the condition's operator is one of %(ops)s.",
            q=key,
            ops=" ".join(OPERATORS),
        )
        return None
    if op == "in" and not isinstance(raw.get("value"), list):
        errors[f"{where}-show_if"] = _l(
            "Question %(q)s: the condition's value must be a list for “in”.", q=key
        )
        return None
    return Condition(target, op, raw.get("value"))
