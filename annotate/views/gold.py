"""Managers: gold candidates and their promotion; unblocking an annotator blocked by
attention checks (issue 17 item 4)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from annotate.access import project_for
from annotate.auth import require_role
from annotate.database import db
from annotate.forms.common import EmptyForm
from annotate.models import ProjectRole, User
from annotate.services.errors import DomainError
from annotate.services.labeling.attention import mark_attention, unblock
from annotate.services.quality.gold import candidates, gold_counts, promote

bp = Blueprint("gold", __name__, url_prefix="/reports")
bp.before_request(require_role(ProjectRole.manager, "admin"))

#: Candidates shown on one page (a bulk promotion takes the ones shown).
PAGE = 200


@bp.route("/<slug>/gold-candidates")
def candidates_page(slug: str):
    """Items that may become gold: unanimous with at least k, or a high DS posterior."""
    project = project_for(slug)
    found = candidates(db.session, project)
    return render_template(
        "quality/gold_candidates.html",
        project=project,
        candidates=found[:PAGE],
        total=len(found),
        counts=gold_counts(db.session, project),
        form=EmptyForm(),
    )


@bp.route("/<slug>/gold-candidates/promote", methods=["POST"])
def promote_candidates(slug: str):
    """Promote the chosen candidates (``item`` values, a row's ``one``, or ``all`` shown) to
    gold; audited per item."""
    project = project_for(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    one = request.form.get("one")  # a row's own button: that item only
    raw = [one] if one else request.form.getlist("item")
    if request.form.get("all"):  # every candidate the page shows
        raw = [str(c.item_id) for c in candidates(db.session, project)[:PAGE]]
    if not raw or not all(v.isdigit() and len(v) < 19 for v in raw):
        flash(_("Choose at least one candidate to promote."), "warning")
        return redirect(url_for("gold.candidates_page", slug=slug))
    done = promote(db.session, project, [int(v) for v in raw], actor=current_user)
    db.session.commit()
    skipped = len(set(raw)) - len(done)
    flash(_("%(n)d item(s) promoted to gold.", n=len(done)), "success" if done else "info")
    if skipped:
        flash(
            _(
                "%(n)d item(s) were not promoted: already gold or no longer a candidate.",
                n=skipped,
            ),
            "warning",
        )
    return redirect(url_for("gold.candidates_page", slug=slug))


@bp.route("/<slug>/annotators/<int:user_id>/unblock", methods=["POST"])
def unblock_annotator(slug: str, user_id: int):
    """Lift an attention-check block (audited; the annotator's checks count afresh)."""
    project = project_for(slug)
    annotator = db.get_or_404(User, user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        unblock(
            db.session,
            project,
            annotator,
            actor=current_user,
            note=request.form.get("note", "")[:2000],
        )
        db.session.commit()
        flash(_("%(user)s is unblocked.", user=annotator.username), "success")
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "warning")
    return redirect(url_for("reports.annotator", slug=slug, user_id=user_id))


@bp.route("/<slug>/items/<int:item_id>/attention", methods=["POST"])
def mark_attention_check(slug: str, item_id: int):
    """Mark an item as an attention check with its expected ``answer`` (empty: unmark)."""
    project = project_for(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    answer = request.form.get("answer", "")[:20_000]
    try:
        mark_attention(db.session, project, item_id, answer, actor=current_user)
        db.session.commit()
        flash(
            _("The item is an attention check.")
            if answer.strip()
            else _("The item is no longer an attention check."),
            "success",
        )
    except DomainError as error:
        db.session.rollback()
        if error.status_code == 404:
            abort(404)
        flash(str(error), "danger")
    return redirect(url_for("data_admin.item", slug=slug, item_id=item_id))
