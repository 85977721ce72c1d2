"""Rulebook and training administration of one project (its managers and admins):
version history, reading, editing drafts, publishing, clause-aware diffs, the training
transcript with revocations and retry allowances, and its CSV export."""

from __future__ import annotations

import io
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from annotate.access import project_for
from annotate.auth import require_role
from annotate.database import db, utcnow
from annotate.forms.common import EmptyForm, SelectChoice, required_text
from annotate.forms.rulebooks import DiffForm, NewDraftForm, RetryForm, RevokeForm
from annotate.models import (
    Membership,
    ProjectRole,
    Qualification,
    RulebookVersion,
    TrainingModule,
    User,
)
from annotate.problem_text import problem_text
from annotate.services.errors import DomainError, NotFound
from annotate.services.rulebooks.diff import diff_versions
from annotate.services.rulebooks.languages import languages_of, reading_for
from annotate.services.rulebooks.versions import (
    current_version,
    find_version,
    list_versions,
)
from annotate.services.training.attempts import attempt_status
from annotate.services.training.modules import legal_modules, module_for_version
from annotate.services.training.qualification import allow_retry, revoke_qualification
from annotate.services.training.transcript import transcript_rows, write_csv
from annotate.views.reading import reader_language

bp = Blueprint("rulebooks", __name__, url_prefix="/admin/projects/<slug>")
bp.before_request(require_role(ProjectRole.manager, "admin"))


@bp.url_value_preprocessor
def _pull_slug(endpoint: str | None, values: dict | None) -> None:
    g.project_slug = (values or {}).pop("slug", None)


@bp.url_defaults
def _add_slug(endpoint: str, values: dict) -> None:
    if "slug" not in values and getattr(g, "project_slug", None):
        values["slug"] = g.project_slug


@bp.before_request
def _load_project() -> None:
    """404 for an unknown project; 403 unless an admin or a manager of this project."""
    g.project = project_for(g.project_slug)


def _version(version: str):
    try:
        return find_version(db.session, g.project, version)
    except NotFound:
        abort(404)


def _error(error: DomainError, template: str, **context):
    db.session.rollback()
    problems = getattr(error, "problems", [])
    flash(problem_text(str(error).split("\n")[0] if problems else str(error)), "danger")
    return render_template(
        template, project=g.project, problems=problems, **context
    ), error.status_code


@bp.route("/rulebooks/")
def history():
    """Every version, newest first, with status, sha256 and who published it."""
    versions = list_versions(db.session, g.project)
    users = {
        u.id: u
        for u in db.session.scalars(
            sa.select(User).where(
                User.id.in_(
                    [v.published_by_id for v in versions if v.published_by_id]
                    + [v.created_by_id for v in versions if v.created_by_id]
                )
            )
        )
    }
    form = DiffForm(request.args)
    status = {"draft": _("draft"), "published": _("published"), "retired": _("retired")}
    choices = [
        SelectChoice(v.version, f"{v.version} ({status.get(v.status.value, v.status.value)})")
        for v in versions
    ]
    form.a.choices, form.b.choices = choices, list(choices)
    if versions and not request.args:
        form.b.data = versions[0].version
        form.a.data = versions[1].version if len(versions) > 1 else versions[0].version
    return render_template(
        "rulebooks/history.html",
        project=g.project,
        versions=versions,
        users=users,
        diff_form=form,
        publish_form=EmptyForm(),
    )


@bp.route("/rulebooks/<version>")
def show_version(version: str):
    """The version rendered (sanitised Markdown) in the reader's language or ``?lang=``, its
    sha256 and training module."""
    found = _version(version)
    return render_template(
        "rulebooks/version.html",
        project=g.project,
        version=found,
        **version_languages(found, request.args.get("lang", "")),
        module=module_for_version(db.session, found),
        publish_form=EmptyForm(),
        draft_form=NewDraftForm(),
    )


def version_languages(found: RulebookVersion, wanted: str = "") -> dict[str, Any]:
    """The languages of ``found`` and the text shown: ``wanted`` if it has it, else the
    reader's language if it has it, else its primary text."""
    languages = languages_of(found.language, found.translations)
    return {
        "version_langs": languages,
        "reading": reading_for(
            found.language,
            found.title,
            found.body,
            found.change_note,
            found.translations,
            wanted if wanted in languages else reader_language(),
        ),
    }


@bp.route("/rulebooks/diff")
def diff():
    """Clause-aware comparison of any two versions (?a=OLD&b=NEW)."""
    a, b = request.args.get("a", ""), request.args.get("b", "")
    if not a or not b:
        flash(_("Choose two versions to compare."), "warning")
        return redirect(url_for("rulebooks.history"))
    old, new = _version(a), _version(b)
    return render_template(
        "rulebooks/diff.html", project=g.project, diff=diff_versions(old, new, reader_language())
    )


@bp.route("/training/")
def transcript():
    """Every attempt, grant, acknowledgement, revocation and expiry per annotator."""
    return _transcript_page(RevokeForm())


def _transcript_page(revoke_form: RevokeForm, status: int = 200):
    rows = transcript_rows(db.session, g.project)
    by_user: dict[str, list] = {}
    for row in rows:
        by_user.setdefault(row.user.username, []).append(row)
    version = current_version(db.session, g.project)
    modules = [
        m
        for m in (
            module_for_version(db.session, version) if version else None,
            *legal_modules(db.session)[:1],
        )
        if m is not None
    ]
    blocked = []
    annotators = db.session.scalars(
        sa.select(User)
        .join(Membership)
        .where(Membership.project_id == g.project.id, Membership.role == ProjectRole.annotator)
        .order_by(User.username)
    )
    active = {
        q.id
        for q in db.session.scalars(
            sa.select(Qualification).where(
                Qualification.project_id == g.project.id,
                Qualification.revoked_at.is_(None),
                Qualification.expires_at > utcnow(),
            )
        )
    }
    for user in annotators:
        by_user.setdefault(user.username, [])
        for module in modules:
            if attempt_status(db.session, user, module, g.project).reason == "limit":
                blocked.append((user, module))
    return render_template(
        "rulebooks/transcript.html",
        project=g.project,
        by_user=dict(sorted(by_user.items())),
        revoke_form=revoke_form,
        retry_form=RetryForm(),
        blocked=blocked,
        active=active,
    ), status


@bp.route("/training.csv")
def transcript_csv():
    """The transcript as CSV (the same columns as ``annotate export training``)."""
    out = io.StringIO()
    write_csv(g.project, transcript_rows(db.session, g.project), out)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=training-{g.project.slug}.csv"},
    )


@bp.route("/training/qualifications/<int:qualification_id>/revoke", methods=["POST"])
def revoke(qualification_id: int):
    """Revoke a qualification with a reason."""
    qualification = db.get_or_404(Qualification, qualification_id)
    if qualification.project_id != g.project.id:
        abort(404)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for the revocation; it is kept in the transcript."), "danger")
        return _transcript_page(form, 400)
    try:
        revoke_qualification(
            db.session, qualification, required_text(form.reason), actor=current_user
        )
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return _transcript_page(form, error.status_code)
    db.session.commit()
    flash(
        _(
            "Qualification revoked; %(user)s must pass the quiz again.",
            user=qualification.user.username,
        ),
        "success",
    )
    return redirect(url_for("rulebooks.transcript"))


@bp.route("/training/users/<int:user_id>/retry", methods=["POST"])
def retry(user_id: int):
    """Allow an annotator of this project another round of attempts at a module."""
    user = db.get_or_404(User, user_id)
    form = RetryForm()
    if not form.validate_on_submit() or not required_text(form.module_id).isdigit():
        abort(400)
    module = db.get_or_404(TrainingModule, int(required_text(form.module_id)))
    member = db.session.scalar(
        sa.select(Membership.id).where(
            Membership.user_id == user.id,
            Membership.project_id == g.project.id,
            Membership.role == ProjectRole.annotator,
        )
    )
    owner = module.rulebook_version.rulebook.project_id if module.rulebook_version else None
    if member is None or owner not in (None, g.project.id):
        abort(404)
    allow_retry(
        db.session,
        user,
        module,
        project=g.project,
        actor=current_user,
        reason=form.reason.data or "",
    )
    db.session.commit()
    flash(
        _("%(user)s may try %(module)s again.", user=user.username, module=module.title), "success"
    )
    return redirect(url_for("rulebooks.transcript"))
