"""Pages for annotators: the home listing their projects, and the keyboard labeling screen.

The screen shows one leased item at a time (blind: never anyone else's labels, never the gold
answer), the current rulebook version with linkable clauses, and the annotator's progress.
Submit, skip and flag are CSRF-protected POSTs; a refused action answers 4xx with the reason.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import orjson
import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.routing import BuildError

from annotate.auth import require_role
from annotate.database import db
from annotate.markdown import render_markdown
from annotate.models import (
    Annotation,
    FlagKind,
    Item,
    ItemFlag,
    Project,
    ProjectRole,
    TaskType,
)
from annotate.services.errors import Conflict, DomainError, InvalidInput
from annotate.services.labeling.annotations import submit_annotation
from annotate.services.labeling.assignment import claim_next
from annotate.services.labeling.attention import annotator_status
from annotate.services.labeling.clauses import published_clauses, published_title
from annotate.services.labeling.fastpath import commit_keeping_loaded
from annotate.services.labeling.flags import flag_leased_item
from annotate.services.labeling.leases import LeaseError
from annotate.services.labeling.order import shown_payload, shown_swapped, swap_choice
from annotate.services.labeling.progress import annotator_progress, remaining_items
from annotate.services.labeling.recording import skip_item
from annotate.services.labeling.suggestions import suggestion_for
from annotate.services.labeling.tokens import span_settings, tokenize
from annotate.services.projects.questions import is_form
from annotate.services.rulebooks.versions import current_version
from annotate.services.training.gate import NotQualified, gate_status
from annotate.views.form_screen import form_value, form_view
from annotate.views.reading import reader_language

bp = Blueprint("annotator", __name__, url_prefix="/annotate")
bp.before_request(require_role(ProjectRole.annotator, "admin"))


@bp.route("/")
def index():
    """The annotator's projects with their rulebook version and progress."""
    memberships = [m for m in current_user.memberships if m.role == ProjectRole.annotator]
    rows = []
    for membership in sorted(memberships, key=lambda m: m.project.name):
        project: Project = membership.project
        mine = db.session.scalar(
            sa.select(sa.func.count(Annotation.id))
            .join(Item)
            .where(
                Item.project_id == project.id,
                Annotation.annotator_id == current_user.id,
                Annotation.is_current.is_(True),
            )
        )
        rows.append(
            {
                "project": project,
                "mine": mine,
                # The labeling screen's "remaining", from the same function.
                "remaining": remaining_items(db.session, current_user, project),
                "version": current_version(db.session, project),
                "suspended": membership.suspended_at is not None,
                "gate": gate_status(db.session, current_user, project),
                "attention": annotator_status(db.session, project, current_user)[:2],
            }
        )
    return render_template("annotator/index.html", rows=rows)


_PROJECT = sa.select(Project).where(
    Project.slug == sa.bindparam("slug"), Project.archived.is_(False)
)


def _project(slug: str) -> Project:
    """The project ``slug`` if the user annotates in it (or is an admin); 404 otherwise, so a
    non-member learns neither the project's name nor whether it exists."""
    project = db.session.scalar(_PROJECT, {"slug": slug})
    if project is None or not (
        current_user.is_admin or ProjectRole.annotator in current_user.roles_in(project)
    ):
        abort(404)
    return project


def _training_url() -> str:
    try:
        return url_for("training.index")
    except BuildError:
        return "/annotate/training"


@bp.route("/<slug>")
def label(slug: str):
    """The labeling screen: the annotator's current lease, or the next item."""
    project = _project(slug)
    try:
        claim = claim_next(db.session, current_user, project)
    except NotQualified as refusal:
        db.session.rollback()
        return render_template(
            "annotator/gate.html", project=project, refusal=refusal, training_url=_training_url()
        )
    clauses = (
        published_clauses(db.session, claim.version, reader_language()) if claim is not None else ()
    )
    commit_keeping_loaded(db.session)  # the page shows the lease just written
    progress = annotator_progress(db.session, current_user, project, cached=claim is not None)
    if claim is None:
        return render_template("annotator/done.html", project=project, progress=progress)
    assignment = claim.assignment
    swapped = shown_swapped(project, assignment.id)  # pairwise: the responses' shown order
    payload = shown_payload(assignment.item.payload, swapped)
    spans = span_settings(project.label_schema) if project.task_type == TaskType.span else None
    suggestion = suggestion_for(project, assignment.item)
    return render_template(
        "annotator/label.html",
        project=project,
        assignment=assignment,
        item=assignment.item,
        payload=payload,
        version=claim.version,
        version_title=published_title(db.session, claim.version, reader_language()),
        clauses=clauses,
        progress=progress,
        labels=_label_choices(project),
        flag_kinds=list(FlagKind),
        # Only a resumed lease can carry its own flags (a fresh one costs no statement).
        my_flags=set(
            db.session.scalars(
                sa.select(ItemFlag.kind).where(ItemFlag.assignment_id == assignment.id)
            )
        )
        if claim.resumed
        else set(),
        TaskType=TaskType,
        clause_html=_clause_html,
        spans=spans,
        tokens=tokenize(str(payload.get("text") or ""), spans.tokens) if spans else None,
        suggestion=suggestion,
        suggested=[swap_choice(k, swapped) for k in suggestion.keys(project.task_type)]
        if suggestion
        else [],
        form_view=form_view(project, payload, clauses, _label_choices, reader_language())
        if is_form(project)
        else None,
    )


@lru_cache(maxsize=4096)
def _clause_html(text: str) -> Markup:
    """A clause or example as the full rulebook page renders it (sanitised Markdown); cached,
    since published clauses never change and the screen shows them on every item."""
    return render_markdown(text or "", strip_front_matter=False)


def _label_choices(project: Project) -> list[dict[str, Any]]:
    """Labels with names and hotkeys (pairwise always offers A, B, tie, both bad)."""
    if project.task_type == TaskType.rating:
        scale = project.label_schema.get("scale", {})
        low, high = scale.get("min", 1), scale.get("max", 5)
        step = scale.get("step") or 1
        values = [low + n * step for n in range(round((high - low) / step) + 1)]
        texts = [f"{v:g}" for v in values]
        return [
            {"key": v, "name": v, "hotkey": v if len(v) == 1 and v.isdigit() else ""} for v in texts
        ]
    if project.task_type == TaskType.pairwise:
        names = {label["key"]: label for label in project.labels}
        defaults = {
            "A": _("Response A is better"),
            "B": _("Response B is better"),
            "tie": _("Tie"),
            "both_bad": _("Both bad"),
        }
        choices: list[dict[str, Any]] = []
        for n, key in enumerate(defaults, start=1):
            label = names.get(key, {"key": key})
            choice = {**_shown(label), "hotkey": str(label.get("hotkey") or n)}
            if label.get("name") in (None, "", key):  # a schema without display names
                choice["name"] = defaults[key]
            choices.append(choice)
        return choices
    return [_shown(label) for label in project.labels]


def _shown(label: dict[str, Any]) -> dict[str, Any]:
    """What the screen needs of a schema label: key, names (English, Chinese), hotkey, colour."""
    shown = {
        "key": label["key"],
        "name": label.get("name") or label["key"],
        "hotkey": str(label.get("hotkey") or ""),
    }
    if label.get("name_zh"):
        shown["name_zh"] = label["name_zh"]
    if isinstance(label.get("color"), int):
        shown["color"] = label["color"]
    return shown


def _value_from_form(project: Project) -> Any:
    """Build the raw value from the posted form; the service validates it."""
    form = request.form
    task = project.task_type
    if is_form(project):  # several questions: one input per question
        return form_value(project, form)
    if task == TaskType.single_label:
        return form.get("label")
    if task == TaskType.multi_label:
        return form.getlist("labels")
    if task == TaskType.rating:
        return form.get("rating")
    if task == TaskType.text:
        return form.get("text", "")
    if task == TaskType.pairwise:
        return {"choice": form.get("choice"), "reason": form.get("reason", "")}
    try:  # orjson: a depth limit, so deep nesting is a refusal, not a RecursionError
        return orjson.loads(form.get("spans") or "[]")
    except orjson.JSONDecodeError:
        raise InvalidInput(
            _("The annotation was not saved."), [_("spans: not valid JSON")]
        ) from None


def _refused(project: Project, error: DomainError):
    db.session.rollback()
    if isinstance(error, LeaseError):
        # The item is no longer this lease's (submitted in another tab or by a repeated
        # Enter, skipped, expired, quarantined): nothing to fix here, so go on to the next
        # item and say quietly what happened.
        flash(str(error.args[0]) if error.args else str(error), "secondary")
        return redirect(url_for("annotator.label", slug=project.slug), 303)
    problems = getattr(error, "problems", [])
    return render_template(
        "annotator/refused.html",
        project=project,
        error=error,
        message=str(error.args[0]) if error.args else str(error),
        problems=problems,
    ), error.status_code


@bp.post("/<slug>/<int:assignment_id>/submit")
def submit(slug: str, assignment_id: int):
    """Save the annotation for the caller's lease, then show the next item."""
    project = _project(slug)
    try:
        duration = request.form.get("duration_ms", type=int)
        submit_annotation(
            db.session,
            assignment_id,
            current_user,
            project,
            _value_from_form(project),
            clause_keys=request.form.getlist("clause_keys"),
            duration_ms=duration,
            shown=True,
        )
        db.session.commit()
    except DomainError as error:
        return _refused(project, error)
    return redirect(url_for("annotator.label", slug=slug))


@bp.post("/<slug>/<int:assignment_id>/skip")
def skip(slug: str, assignment_id: int):
    """Give the item back with a reason."""
    project = _project(slug)
    try:
        skip_item(db.session, assignment_id, current_user, project, request.form.get("reason", ""))
        db.session.commit()
    except DomainError as error:
        return _refused(project, error)
    return redirect(url_for("annotator.label", slug=slug))


@bp.post("/<slug>/<int:assignment_id>/flag")
def flag(slug: str, assignment_id: int):
    """Flag prohibited content (the item is quarantined at once and the managers alerted) or
    personal information (the item is marked); either way the same item comes back for the
    annotator to label, or skip, as the rulebook says."""
    project = _project(slug)
    kind = request.form.get("kind", "")
    if kind not in {k.value for k in FlagKind}:
        abort(400, _("Choose what to flag: prohibited content or personal information."))
    try:
        flag_leased_item(
            db.session, assignment_id, current_user, project, kind, request.form.get("note", "")
        )
        db.session.commit()
    except Conflict as error:
        if isinstance(error, LeaseError):
            return _refused(project, error)
        db.session.rollback()
        flash(str(error.args[0]) if error.args else str(error), "secondary")
        return redirect(url_for("annotator.label", slug=slug))
    except DomainError as error:
        return _refused(project, error)
    if kind == FlagKind.prohibited:
        flash(
            _(
                "Prohibited-content flag recorded: the item is quarantined, nobody else gets "
                "it and your managers are alerted. Finish it as your rulebook says: label it, "
                "or skip it."
            ),
            "warning",
        )
    else:
        flash(_("Personal-information flag recorded. Now label the item as usual."), "info")
    return redirect(url_for("annotator.label", slug=slug))
