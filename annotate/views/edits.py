"""Undo and history for annotators: reopen the last submission (the labeling screen's U key),
edit an annotation from the history page under the same rule, take a skipped item back.

The rule itself (edit window, not drawn for review, batch still open) and the supersession
are in :mod:`annotate.services.labeling.edits`; the pages reuse the labeling screen.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from annotate.auth import require_role
from annotate.database import db, utcnow
from annotate.localtime import user_zone
from annotate.models import Annotation, FlagKind, Project, ProjectRole, TaskType
from annotate.services.errors import DomainError
from annotate.services.labeling.clauses import published_clauses
from annotate.services.labeling.edits import (
    edit_annotation,
    edit_deadline,
    edit_refusal,
    last_submission,
    own_annotation,
    reopen_refusal,
    reopen_skipped,
)
from annotate.services.labeling.history import own_history
from annotate.services.labeling.order import shown_payload, swap_choice
from annotate.services.labeling.progress import annotator_progress
from annotate.services.labeling.tokens import span_settings, tokenize
from annotate.services.projects.questions import is_form
from annotate.services.training.gate import NotQualified, working_version
from annotate.views.annotator import (
    _clause_html,
    _label_choices,
    _project,
    _refused,
    _training_url,
    _value_from_form,
)
from annotate.views.form_screen import form_view
from annotate.views.reading import reader_language

bp = Blueprint("edits", __name__)
bp.before_request(require_role(ProjectRole.annotator, "admin"))


@bp.route("/annotate/<slug>/undo")
def undo(slug: str):
    """Reopen the annotator's last submission in the project for editing, if still allowed."""
    project = _project(slug)
    last = last_submission(db.session, current_user, project)
    refusal = (
        _("You have no annotation here to change.")
        if last is None
        else edit_refusal(db.session, last, project)
    )
    if refusal is not None:
        flash(_("Undo: %(reason)s", reason=refusal), "secondary")
        return redirect(url_for("annotator.label", slug=slug))
    assert last is not None
    return redirect(url_for(".edit", slug=slug, annotation_id=last.id))


def _back(project: Project) -> str:
    """Where an edit returns: the history page when it came from there, else labeling."""
    if (request.values.get("back") or "") == "history":
        return url_for(".history")
    return url_for("annotator.label", slug=project.slug)


@bp.route("/annotate/<slug>/annotations/<int:annotation_id>/edit", methods=["GET", "POST"])
def edit(slug: str, annotation_id: int):
    """The labeling screen on one's own submitted annotation, filled in; saving supersedes it."""
    project = _project(slug)
    try:
        annotation = own_annotation(db.session, annotation_id, current_user, project)
        if request.method == "POST":
            edit_annotation(
                db.session,
                annotation.id,
                current_user,
                project,
                _value_from_form(project),
                clause_keys=request.form.getlist("clause_keys"),
                duration_ms=request.form.get("duration_ms", type=int),
            )
            db.session.commit()
            flash(_("Your annotation was changed."), "success")
            return redirect(_back(project), 303)
        refusal = edit_refusal(db.session, annotation, project)
        if refusal is not None:
            return _refused_edit(project, refusal)
        version = working_version(db.session, current_user, project)
    except NotQualified as refusal:
        db.session.rollback()
        return render_template(
            "annotator/gate.html", project=project, refusal=refusal, training_url=_training_url()
        ), 403
    except DomainError as error:
        return _refused(project, error)
    return _edit_page(project, annotation, version)


def _refused_edit(project: Project, reason: Any, status: int = 409):
    return render_template(
        "annotator/refused.html", project=project, message=reason, problems=[]
    ), status


def _edit_page(project: Project, annotation: Annotation, version: Any):
    payload = shown_payload(annotation.item.payload, annotation.swapped)
    spans = span_settings(project.label_schema) if project.task_type == TaskType.span else None
    return render_template(
        "annotator/label.html",
        project=project,
        assignment=None,
        editing=annotation,
        deadline=edit_deadline(project, annotation),
        form_action=url_for(
            ".edit",
            slug=project.slug,
            annotation_id=annotation.id,
            back=request.args.get("back") or None,
        ),
        back_url=_back(project),
        prefill={
            "value": swap_choice(annotation.value, annotation.swapped),
            "clause_keys": list(annotation.clause_keys or []),
        },
        item=annotation.item,
        payload=payload,
        version=version,
        clauses=published_clauses(db.session, version),
        progress=annotator_progress(db.session, current_user, project),
        labels=_label_choices(project),
        flag_kinds=list(FlagKind),
        TaskType=TaskType,
        clause_html=_clause_html,
        spans=spans,
        tokens=tokenize(str(payload.get("text") or ""), spans.tokens) if spans else None,
        form_view=form_view(
            project,
            payload,
            published_clauses(db.session, version),
            _label_choices,
            reader_language(),
        )
        if is_form(project)
        else None,
    )


@bp.post("/annotate/<slug>/skipped/<int:assignment_id>/reopen")
def reopen(slug: str, assignment_id: int):
    """Take a skipped item back: it becomes the annotator's lease again."""
    project = _project(slug)
    try:
        reopen_skipped(db.session, assignment_id, current_user, project)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _refused_edit(project, str(error), error.status_code)
    return redirect(url_for("annotator.label", slug=slug), 303)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@bp.route("/history/")
def history():
    """The annotator's own recent annotations (or skipped items), by project and by day."""
    projects = sorted(
        (m.project for m in current_user.memberships if m.role == ProjectRole.annotator),
        key=lambda p: p.name,
    )
    by_slug = {p.slug: p for p in projects}
    chosen = by_slug.get(request.args.get("project", ""))
    kind = "skipped" if request.args.get("kind") == "skipped" else "annotations"
    day = _day(request.args.get("day", ""))
    since = until = None
    if day is not None:
        zone = user_zone()
        since = datetime.combine(day, time(), zone).astimezone(UTC)
        until = datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
    page = own_history(
        db.session,
        current_user,
        kind=kind,
        project_ids=[chosen.id] if chosen else [p.id for p in projects],
        since=since,
        until=until,
        page=request.args.get("page", 1, type=int) or 1,
    )
    by_id = {p.id: p for p in projects}
    now = utcnow()
    rows = []
    for row in page.rows:
        project = by_id[row.item.project_id]
        if kind == "skipped":
            reason = reopen_refusal(row)
        else:
            reason = edit_refusal(db.session, row, project, now)
        rows.append({"row": row, "project": project, "refusal": reason})
    if kind == "annotations":
        for entry in rows:
            if entry["refusal"] is None:
                entry["deadline"] = edit_deadline(entry["project"], entry["row"])
    args = {
        k: v
        for k, v in {
            "project": chosen.slug if chosen else None,
            "day": day.isoformat() if day else None,
            "kind": kind if kind == "skipped" else None,
        }.items()
        if v
    }
    return render_template(
        "annotator/history.html",
        projects=projects,
        chosen=chosen,
        kind=kind,
        day=day,
        rows=rows,
        page=page,
        args=args,
    )
