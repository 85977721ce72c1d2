"""Whether a project's task type may change, and to which types (the settings page offers
only those).

Stored annotation values have the shape of the task type they were made under: a ``form``
project's are answers keyed by question, a one-question project's a label, labels, a number,
a text or spans. Changing the type once annotations exist would leave those values orphaned,
so it is refused, for form projects and one-question projects alike. Before any annotation
the change is allowed when the imported items and the label schema fit the new type.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.database import Session
from annotate.models import Annotation, Item, Project, TaskType
from annotate.services.projects.questions import check_form_schema, is_form
from annotate.services.projects.schema import LABEL_TASKS, PAIRWISE_KEYS, SchemaError
from annotate.services.projects.values import REQUIRED_FIELDS


def _counts(session: Session, project: Project) -> tuple[int, int]:
    """The project's annotations and items."""
    annotated = session.scalar(
        sa.select(sa.func.count(Annotation.id))
        .join(Item, Item.id == Annotation.item_id)
        .where(Item.project_id == project.id)
    )
    items = session.scalar(sa.select(sa.func.count(Item.id)).where(Item.project_id == project.id))
    return annotated or 0, items or 0


def _schema_fits(project: Project, task: TaskType) -> bool:
    if task == TaskType.form:
        try:
            check_form_schema(project.label_schema)
        except SchemaError:
            return False
        return True
    keys = sorted(str(label["key"]) for label in project.labels)
    return (
        (task == TaskType.pairwise and keys == sorted(PAIRWISE_KEYS))
        or (task in LABEL_TASKS - {TaskType.pairwise} and bool(keys))
        or (task == TaskType.rating and "scale" in project.label_schema)
        or task == TaskType.text
    )


def _problem(project: Project, task: TaskType, annotated: int, items: int) -> Any:
    """Why ``project`` cannot become a ``task`` project (None: it can)."""
    if annotated and is_form(project):
        return _l(
            "%(n)d annotations hold answers to this form's questions; under a %(new)s task "
            "they would be orphaned, so the task type cannot change once annotations exist.",
            n=annotated,
            new=task.value,
        )
    if annotated:
        return _l(
            "%(n)d annotations were made as %(old)s; the task type cannot change once "
            "annotations exist.",
            n=annotated,
            old=project.task_type.value,
        )
    if items and REQUIRED_FIELDS[task] != REQUIRED_FIELDS[project.task_type]:
        return _l(
            "The %(n)d imported items have the fields of a %(old)s task, not %(new)s.",
            n=items,
            old=project.task_type.value,
            new=task.value,
        )
    if not _schema_fits(project, task):
        return _l(
            "The label schema does not fit a %(new)s task; create a new project from a "
            "template instead.",
            new=task.value,
        )
    return None


def task_type_problems(session: Session, project: Project, task: TaskType) -> dict[str, Any]:
    """``{"task_type": reason}`` when ``project`` cannot become a ``task`` project, else {}."""
    if task == project.task_type:
        return {}
    problem = _problem(project, task, *_counts(session, project))
    return {"task_type": problem} if problem is not None else {}


def workable_task_types(session: Session, project: Project) -> list[str]:
    """The task types ``project`` may take now, its own included, in
    :class:`TaskType` order."""
    annotated, items = _counts(session, project)
    return [
        task.value
        for task in TaskType
        if task == project.task_type or _problem(project, task, annotated, items) is None
    ]
