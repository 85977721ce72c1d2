"""Projects and their label schemas."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from annotate.database import Session
from annotate.models import MeasurementLevel, Project, ProjectRole, RulebookKind, TaskType, User
from annotate.services.accounts.users import add_membership
from annotate.services.audit import record_event
from annotate.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from annotate.services.projects.questions import check_form_schema

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
LABEL_TASKS = {TaskType.single_label, TaskType.multi_label, TaskType.span, TaskType.pairwise}
PAIRWISE_LABELS = ["A", "B", "tie", "both_bad"]


def get_project(session: Session, slug: str) -> Project:
    """Return the project with ``slug``.

    :raises NotFound: there is none.
    """
    project = session.scalar(sa.select(Project).where(Project.slug == slug))
    if project is None:
        raise NotFound(_l("No project %(slug)s.", slug=repr(slug)))
    return project


def build_label_schema(
    task_type: TaskType, labels: list[str] | None = None, scale: str | None = None
) -> dict[str, Any]:
    """Build a label schema from ``a,b,c``-style labels or a ``1-5`` scale.

    Labels get hotkeys 1-9 then 0 in order.

    :raises InvalidInput: when the task type needs labels or a scale that was not given.
    """
    if task_type == TaskType.pairwise and not labels:
        labels = PAIRWISE_LABELS
    if task_type in LABEL_TASKS:
        if scale:
            raise InvalidInput(f"--scale does not apply to {task_type.value} projects.")
        keys = [label.strip() for label in labels or [] if label.strip()]
        if not keys:
            raise InvalidInput(f"A {task_type.value} project needs --labels, e.g. a,b,c.")
        if len(set(keys)) != len(keys):
            raise InvalidInput("Labels must be unique.")
        hotkeys = "1234567890"
        return {
            "labels": [
                {"key": k, "name": k, "hotkey": hotkeys[i] if i < 10 else ""}
                for i, k in enumerate(keys)
            ]
        }
    if task_type == TaskType.rating:
        match = re.fullmatch(r"\s*(-?\d+)\s*-\s*(-?\d+)\s*", scale or "")
        if not match or int(match[1]) >= int(match[2]):
            raise InvalidInput("A rating project needs --scale MIN-MAX, e.g. 1-5.")
        return {"scale": {"min": int(match[1]), "max": int(match[2]), "step": 1}}
    if labels or scale:
        raise InvalidInput("Free-text projects take neither --labels nor --scale.")
    return {}


def may_create_projects(user: User) -> bool:
    """True if ``user`` may create projects: an admin or a holder of the project-creator
    permission."""
    return bool(user.is_admin or user.can_create_projects)


def check_slug(session: Session, slug: str) -> None:
    """Refuse a malformed or taken slug.

    :raises InvalidInput: the slug is malformed.
    :raises Conflict: a project has it already.
    """
    if not SLUG_RE.match(slug):
        raise InvalidInput(
            _l(
                "Invalid slug %(slug)s: 1-63 lower-case letters, digits and -, starting with "
                "a letter or digit.",
                slug=repr(slug),
            )
        )
    if session.scalar(sa.select(Project.id).where(Project.slug == slug)) is not None:
        raise Conflict(_l("Project %(slug)s already exists.", slug=repr(slug)))


def create_project(
    session: Session,
    slug: str,
    name: str,
    task_type: TaskType | str,
    *,
    labels: list[str] | None = None,
    scale: str | None = None,
    label_schema: dict[str, Any] | None = None,
    rulebook_kind: RulebookKind = RulebookKind.functional,
    actor: User | None = None,
    manager: User | None = None,
    **settings: Any,
) -> Project:
    """Create a project with its label schema and quality settings.

    ``label_schema`` (checked by :func:`annotate.services.projects.schema.check_schema`)
    replaces ``labels``/``scale``. ``manager`` becomes the project's manager; when it is also
    the ``actor`` it must be allowed to create projects (:func:`may_create_projects`).

    :raises InvalidInput: bad slug, task type, labels or scale.
    :raises Conflict: the slug is taken.
    :raises PermissionDenied: the acting manager may not create projects.
    """
    if manager is not None and manager is actor and not may_create_projects(manager):
        raise PermissionDenied(_l("You may not create projects."))
    check_slug(session, slug)
    try:
        task_type = TaskType(task_type)
    except ValueError:
        raise InvalidInput(
            f"Unknown task type {task_type!r}; choose one of "
            + ", ".join(t.value for t in TaskType)
        ) from None
    level = MeasurementLevel.ordinal if task_type == TaskType.rating else MeasurementLevel.nominal
    if task_type == TaskType.form:  # several questions: the schema is the form itself
        label_schema = check_form_schema(label_schema or {})
    project = Project(
        slug=slug,
        name=name,
        task_type=task_type,
        label_schema=(
            label_schema
            if label_schema is not None
            else build_label_schema(task_type, labels, scale)
        ),
        measurement_level=settings.pop("measurement_level", level),
        rulebook_kind=rulebook_kind,
        **settings,
    )
    if rulebook_kind == RulebookKind.security:
        from annotate.models import SampleMethod

        project.default_sample_method = SampleMethod.all
    try:
        with session.begin_nested():  # a concurrent create of the same slug: a refusal
            session.add(project)
            session.flush()
    except IntegrityError:
        raise Conflict(_l("Project %(slug)s already exists.", slug=repr(slug))) from None
    record_event(
        session,
        "project.create",
        "project",
        project.id,
        actor=actor,
        project_id=project.id,
        details={
            "slug": slug,
            "task_type": task_type.value,
            "schema": project.label_schema,
            "manager": manager.username if manager is not None else None,
        },
    )
    if manager is not None:
        add_membership(session, manager, project, ProjectRole.manager, actor=actor)
    return project


def set_project_creator(
    session: Session, user: User, allowed: bool, *, actor: User | None = None
) -> None:
    """Give ``user`` the global project-creator permission, or take it away (audited)."""
    if user.can_create_projects == allowed:
        return
    user.can_create_projects = allowed
    session.flush()
    record_event(
        session,
        "user.project_creator",
        "user",
        user.id,
        actor=actor,
        details={"username": user.username, "old": not allowed, "new": allowed},
    )
