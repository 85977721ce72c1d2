"""Feedback for annotators: every reviewer verdict on their own work, with the clause and
comment, and guidance from supervisors (Art. 8 (4): supervise and guide annotators)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from annotate.auth import require_role
from annotate.database import db, utcnow
from annotate.forms.common import EmptyForm
from annotate.models import Feedback, Project, ProjectRole, Review, SampledAnnotation
from annotate.services.review.reviews import clause_titles

bp = Blueprint("feedback", __name__, url_prefix="/annotate/feedback")
bp.before_request(require_role(ProjectRole.annotator, "admin"))


@bp.route("/")
def index():
    """The current user's feedback, newest first; unread entries are highlighted."""
    page = db.paginate(
        sa.select(Feedback)
        .where(Feedback.annotator_id == current_user.id)
        .order_by(Feedback.created_at.desc(), Feedback.id.desc()),
        per_page=50,
        error_out=False,
    )
    review_ids = [f.review_id for f in page.items if f.review_id is not None]
    reviews = {
        r.id: r
        for r in db.session.scalars(
            sa.select(Review)
            .where(Review.id.in_(review_ids))
            .options(
                selectinload(Review.sampled_annotation).selectinload(SampledAnnotation.annotation)
            )
        )
    }
    projects = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Project).where(Project.id.in_({f.project_id for f in page.items}))
        )
    }
    titles: dict[int | None, dict[str, str]] = {}
    entries = []
    for feedback in page.items:
        review = reviews.get(feedback.review_id)
        annotation = review.sampled_annotation.annotation if review else None
        clause = None
        if review and review.clause_key:
            version_id = review.sampled_annotation.annotation.rulebook_version_id
            if version_id not in titles:
                titles[version_id] = clause_titles(db.session, version_id)
            clause = (review.clause_key, titles[version_id].get(review.clause_key, ""))
        entries.append(
            {
                "feedback": feedback,
                "review": review,
                "annotation": annotation,
                "project": projects[feedback.project_id],
                "clause": clause,
            }
        )
    unread = (
        db.session.scalar(
            sa.select(sa.func.count(Feedback.id)).where(
                Feedback.annotator_id == current_user.id, Feedback.read_at.is_(None)
            )
        )
        or 0
    )
    return render_template(
        "feedback/index.html", entries=entries, page=page, unread=unread, form=EmptyForm()
    )


@bp.route("/read", methods=["POST"])
def mark_read():
    """Mark all of the current user's feedback as read."""
    if EmptyForm().validate_on_submit():
        db.session.execute(
            sa.update(Feedback)
            .where(Feedback.annotator_id == current_user.id, Feedback.read_at.is_(None))
            .values(read_at=utcnow())
        )
        db.session.commit()
        flash(_("All feedback marked as read."), "success")
    return redirect(url_for(".index"))
