"""Changing a span project's tokenising, snapping and overlap settings (``label_schema.spans``).

Audited as ``project.settings`` with the same ``changes`` shape as the other settings, so the
settings page's history lists them too.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from annotate.database import Session
from annotate.models import Project, TaskType, User
from annotate.services.audit import record_event
from annotate.services.errors import InvalidInput
from annotate.services.labeling.tokens import SNAP_MODES, TOKEN_MODES, SpanSettings, span_settings


def set_span_settings(
    session: Session,
    project: Project,
    *,
    tokens: str | None = None,
    snap: str | None = None,
    overlap: bool | None = None,
    actor: User | None = None,
) -> SpanSettings:
    """Change the given span settings of ``project`` (None keeps a setting). Flushes.

    :raises InvalidInput: not a span project, or an unknown mode.
    """
    if project.task_type != TaskType.span:
        raise InvalidInput(_l("Only span projects have span settings."))
    problems = []
    if tokens is not None and tokens not in TOKEN_MODES:
        problems.append(f"tokens: one of {', '.join(TOKEN_MODES)}")
    if snap is not None and snap not in SNAP_MODES:
        problems.append(f"snap: one of {', '.join(SNAP_MODES)}")
    if problems:
        raise InvalidInput(_l("The span settings were not changed."), problems)
    old = span_settings(project.label_schema)
    new = SpanSettings(
        tokens or old.tokens, snap or old.snap, old.overlap if overlap is None else overlap
    )
    if new == old:
        return new
    project.label_schema = {
        **project.label_schema,
        "spans": {"tokens": new.tokens, "snap": new.snap, "overlap": new.overlap},
    }
    session.flush()
    changes = {
        f"spans.{key}": {"old": getattr(old, key), "new": getattr(new, key)}
        for key in ("tokens", "snap", "overlap")
        if getattr(old, key) != getattr(new, key)
    }
    record_event(
        session,
        "project.settings",
        "project",
        project.id,
        actor=actor,
        project_id=project.id,
        details={"slug": project.slug, "changes": changes},
    )
    return new
