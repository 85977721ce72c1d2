"""Pages for QA reviewers: batches to verify, drawing sample plans, the blind review screen
(keyboard verdicts, static/review.js) and the batch decision with its live tally."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from annotate.access import visible_projects
from annotate.auth import require_role
from annotate.database import db
from annotate.forms.common import SelectChoice, required_text
from annotate.forms.review import DecisionForm, DrawPlanForm, ReviewForm
from annotate.messages import error_type_name, label_name
from annotate.models import (
    Batch,
    Item,
    Project,
    ProjectRole,
    Review,
    RulebookKind,
    RulebookVersion,
    SampledAnnotation,
    SamplePlan,
    TaskType,
)
from annotate.services.errors import DomainError, InvalidInput, PermissionDenied
from annotate.services.labeling.clauses import ClauseText, published_clauses
from annotate.services.projects.schema import active_error_type_keys
from annotate.services.projects.values import PAIRWISE_CHOICES
from annotate.services.review.decisions import batch_history, tally_plan
from annotate.services.review.flags import flag_rows
from annotate.services.review.prefill import review_defaults
from annotate.services.review.reviews import (
    check_reviewer,
    get_sampled,
    next_for,
    own_unreviewed,
    pending_for,
    record_review,
)
from annotate.services.review.sampling import (
    current_plan,
    draw_plan,
    lot_annotations,
    outstanding_reannotations,
)
from annotate.views.reading import reader_language
from annotate.views.review_form import answers_of, form_rows, posted_answers

bp = Blueprint("reviewer", __name__, url_prefix="/review")
bp.before_request(require_role(ProjectRole.reviewer, "admin"))


def _refuse(error: DomainError):
    """Render a domain refusal as a clear 4xx page; nothing was written."""
    db.session.rollback()
    titles = {
        400: _("Bad request"),
        403: _("Forbidden"),
        404: _("Page not found"),
        409: _("Conflict"),
    }
    code = error.status_code
    return render_template(
        "errors/error.html", code=code, title=titles.get(code, str(code)), message=str(error)
    ), code


def _batch(batch_id: int) -> Batch:
    batch = db.get_or_404(Batch, batch_id)
    check_reviewer(db.session, current_user, batch.project)
    return batch


def _plan(plan_id: int) -> SamplePlan:
    plan = db.get_or_404(SamplePlan, plan_id)
    check_reviewer(db.session, current_user, plan.batch.project)
    return plan


@bp.errorhandler(DomainError)
def domain_error(error: DomainError):
    """Turn refusals raised while loading objects into clear 4xx pages."""
    return _refuse(error)


@bp.route("/")
def index():
    """Batches of the reviewer's projects, with the state of their sample plan."""
    rows = []
    for project in visible_projects(ProjectRole.reviewer):
        counts = dict(
            db.session.execute(
                sa.select(Batch.id, sa.func.count(Item.id))
                .outerjoin(Item, Item.batch_id == Batch.id)
                .where(Batch.project_id == project.id)
                .group_by(Batch.id)
            ).all()
        )
        for batch in db.session.scalars(
            sa.select(Batch)
            .where(Batch.project_id == project.id)
            .order_by(Batch.imported_at, Batch.id)
        ):
            plan = current_plan(db.session, batch)
            rows.append(
                {
                    "project": project,
                    "batch": batch,
                    "items": counts.get(batch.id, 0),
                    "plan": plan,
                    "tally": tally_plan(db.session, plan) if plan else None,
                }
            )
    projects = [p.id for p in visible_projects(ProjectRole.reviewer)]
    flags = flag_rows(db.session, projects, open_only=True)
    return render_template("reviewer/index.html", rows=rows, open_flags=flags)


def _draw_form(project: Project) -> DrawPlanForm:
    form = DrawPlanForm()
    if request.method == "GET" or not form.is_submitted():
        form.method.data = (
            RulebookKind.security == project.rulebook_kind
            and "all"
            or project.default_sample_method.value
        )
        form.aql.data = f"{project.aql:g}"
        form.inspection_level.data = project.inspection_level
        form.rate.data = project.sample_rate
    return form


@bp.route("/batches/<int:batch_id>")
def batch(batch_id: int):
    """A batch: its current plan with the live tally, the queue, drawing and deciding."""
    return _batch_page(_batch(batch_id))


def _batch_page(batch: Batch, draw_form: DrawPlanForm | None = None):
    """The batch page; a refused draw form shows its errors beside its fields (400)."""
    project = batch.project
    plan = current_plan(db.session, batch)
    tally = tally_plan(db.session, plan) if plan else None
    decision_form = DecisionForm()
    if tally is not None and tally.plan_decision is not None:
        decision_form.decision.data = tally.plan_decision.value
    return render_template(
        "reviewer/batch.html",
        batch=batch,
        project=project,
        plan=plan,
        tally=tally,
        history=batch_history(db.session, batch)[1:] if plan else [],
        lot_size=len(lot_annotations(db.session, batch)),
        waiting=outstanding_reannotations(db.session, batch),
        pending=len(pending_for(db.session, plan, current_user)) if plan else 0,
        own=own_unreviewed(db.session, plan, current_user) if plan else 0,
        draw_form=draw_form or _draw_form(project),
        decision_form=decision_form,
    ), (400 if draw_form is not None else 200)


@bp.route("/batches/<int:batch_id>/plans", methods=["POST"])
def draw(batch_id: int):
    """Draw a seeded sample plan for the batch."""
    batch = _batch(batch_id)
    form = _draw_form(batch.project)
    if not form.validate_on_submit():  # the errors show beside the fields (never flashed)
        return _batch_page(batch, form)
    method = form.method.data
    try:
        plan = draw_plan(
            db.session,
            batch,
            method=method,
            aql=float(form.aql.data),
            inspection_level=form.inspection_level.data,
            rate=form.rate.data
            if method in ("random_rate", "stratified")
            and not (method == "stratified" and form.n.data)
            else None,
            n=form.n.data if method in ("fixed_n", "stratified") else None,
            strata=form.strata.data.split(","),
            min_per_stratum=form.min_per_stratum.data or 0,
            seed=form.seed.data,
            actor=current_user,
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for(".batch", batch_id=batch.id))
    flash(
        _(
            "Drew plan %(id)s: %(n)s of %(lot)s annotations, seed %(seed)s.",
            id=plan.id,
            n=plan.sample_size,
            lot=plan.lot_size,
            seed=plan.seed,
        ),
        "success",
    )
    return redirect(url_for(".batch", batch_id=batch.id))


@bp.route("/plans/<int:plan_id>/next")
def next_item(plan_id: int):
    """Open the next annotation waiting for this reviewer, or go back to the batch."""
    plan = _plan(plan_id)
    sampled = next_for(db.session, plan, current_user)
    if sampled is None:
        flash(_("Nothing more is waiting for you in this plan."), "info")
        return redirect(url_for(".batch", batch_id=plan.batch_id))
    return redirect(url_for(".review", plan_id=plan.id, sampled_id=sampled.id))


def _corrected_value(project: Project) -> Any:
    if project.task_type == TaskType.multi_label:
        return request.form.getlist("corrected") or None
    value = request.form.get("corrected", "").strip()
    return value or None


def correction_choices(project: Project) -> list[dict[str, str]]:
    """``{"value", "name", "hotkey"}`` for the correction widgets of label-like tasks."""
    if project.task_type == TaskType.pairwise:
        names = {
            "A": _("A is better"),
            "B": _("B is better"),
            "tie": _("Tie"),
            "both_bad": _("Both bad"),
        }
        return [
            {"value": k, "name": names[k], "hotkey": str(i + 1)}
            for i, k in enumerate(PAIRWISE_CHOICES)
        ]
    if project.task_type == TaskType.rating:
        scale = project.label_schema.get("scale", {})
        low, high, step = scale.get("min", 1), scale.get("max", 5), scale.get("step", 1) or 1
        values = [low + i * step for i in range(int((high - low) / step) + 1)]
        if len(values) > 10:
            return []
        return [
            {"value": f"{v:g}", "name": f"{v:g}", "hotkey": str(i + 1)[-1]}
            for i, v in enumerate(values)
        ]
    return [
        {
            "value": str(label["key"]),
            "name": label_name(project, label["key"]),
            "hotkey": str(label.get("hotkey") or ""),
        }
        for label in project.labels
    ]


def _clauses(version: RulebookVersion | None) -> tuple[ClauseText, ...]:
    """The clauses of ``version`` in the reader's language when it has a translation in it."""
    return published_clauses(db.session, version, reader_language()) if version else ()


def _review_form(sampled: SampledAnnotation) -> ReviewForm:
    form = ReviewForm()
    project = sampled.plan.batch.project
    form.error_type.choices = [SelectChoice("", _("— choose —"))] + [
        SelectChoice(key, error_type_name(project, key))
        for key in active_error_type_keys(project.error_types or [])
    ]
    version = sampled.annotation.rulebook_version
    form.clause_key.choices = [SelectChoice("", _("— choose —"))] + [
        SelectChoice(c.key, f"{c.key} {c.title}") for c in _clauses(version)
    ]
    if not form.is_submitted():  # the most likely choice, changeable with E and K
        defaults = review_defaults(db.session, sampled)
        form.error_type.data = defaults.error_type or ""
        form.clause_key.data = defaults.clause_key or ""
    return form


@bp.route("/plans/<int:plan_id>/items/<int:sampled_id>", methods=["GET", "POST"])
def review(plan_id: int, sampled_id: int):
    """The blind review screen for one sampled annotation, and its verdict."""
    plan = _plan(plan_id)
    try:
        sampled = get_sampled(db.session, plan, sampled_id)
    except DomainError as error:
        return _refuse(error)
    annotation = sampled.annotation
    project = plan.batch.project
    if annotation.annotator_id == current_user.id:
        return _refuse(PermissionDenied(_("You may not review your own annotation.")))
    form = _review_form(sampled)
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            created = record_review(
                db.session,
                sampled,
                current_user,
                required_text(form.verdict),
                corrected_value=_corrected_value(project),
                error_type=form.error_type.data,
                clause_key=form.clause_key.data,
                comment=form.comment.data or "",
                answers=posted_answers(project, sampled),
            )[1]
            db.session.commit()
        except InvalidInput as error:
            db.session.rollback()
            problems = error.problems or [str(error)]
        except DomainError as error:
            return _refuse(error)
        else:
            if not created:
                flash(_("You had already judged this annotation; nothing was changed."), "info")
            return redirect(url_for(".next_item", plan_id=plan.id))
    elif form.is_submitted():
        problems = [
            f"{form[name].label.text if name in form else name}: {', '.join(map(str, errs))}"
            for name, errs in form.errors.items()
        ]
    mine = db.session.scalar(
        sa.select(Review).where(
            Review.sampled_annotation_id == sampled.id, Review.reviewer_id == current_user.id
        )
    )
    version = annotation.rulebook_version
    cited = [c for c in _clauses(version) if c.key in annotation.clause_keys]
    return render_template(
        "reviewer/review.html",
        plan=plan,
        batch=plan.batch,
        project=project,
        sampled=sampled,
        annotation=annotation,
        item=annotation.item,
        version=version,
        cited=cited,
        form=form,
        mine=mine,
        problems=problems,
        choices=correction_choices(project),
        form_rows=form_rows(
            project, sampled, correction_choices, request.form if problems else None
        ),
        mine_rows=answers_of(project, mine.corrected_value) if mine else [],
        tally=tally_plan(db.session, plan),
        left=len(pending_for(db.session, plan, current_user)),
        posted=request.form if problems else {},
    ), (400 if problems else 200)


@bp.route("/plans/<int:plan_id>/decision", methods=["POST"])
def decide(plan_id: int):
    """Decide the batch on this plan (an override of the plan's decision needs a reason)."""
    from annotate.services.jobs.runners import dispatch
    from annotate.services.jobs.snapshots import after_change
    from annotate.services.review.decisions import decide_batch

    plan = _plan(plan_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("The decision was not recorded."), "danger")
        return redirect(url_for(".batch", batch_id=plan.batch_id))
    try:
        row = decide_batch(
            db.session, plan, current_user, form.decision.data, form.reason.data or ""
        )
        snapshot = after_change(db.session, plan.batch.project, current_user)
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for(".batch", batch_id=plan.batch_id))
    except DomainError as error:
        return _refuse(error)
    messages = {
        "accept": _("Batch accepted."),
        "reject": _(
            "Batch rejected: the work was sent back to its annotators for "
            "re-annotation. Sample the batch again when they are done."
        ),
        "void": _("Batch void: it is excluded from every export for good."),
    }
    if snapshot is not None:  # the figures after the decision: a report snapshot job
        dispatch(snapshot)
    flash(messages[row.decision.value], "success" if row.decision.value == "accept" else "warning")
    return redirect(url_for(".batch", batch_id=plan.batch_id))
