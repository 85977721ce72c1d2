"""Pages for managers and compliance officers: dashboards, annotator pages, supervision
actions, the quality-metrics CSV and the compliance dossier of the projects they oversee."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from annotate.access import project_for, visible_projects
from annotate.auth import require_role
from annotate.database import db, utcnow
from annotate.forms.common import EmptyForm, required_text
from annotate.forms.supervision import SupervisionForm
from annotate.models import (
    Annotation,
    Item,
    Project,
    ProjectRole,
    ReportSnapshot,
    SupervisionAction,
    User,
)
from annotate.services.errors import DomainError
from annotate.services.jobs.kinds import configured_report_options
from annotate.services.jobs.queue import submit
from annotate.services.jobs.runners import dispatch
from annotate.services.jobs.snapshots import request_snapshot, snapshot_pending
from annotate.services.labeling.attention import annotator_status
from annotate.services.projects.readiness import project_readiness
from annotate.services.quality.annotator import annotator_quality
from annotate.services.quality.dossier.period import make_period
from annotate.services.quality.report import ProjectReport, compute_report
from annotate.services.quality.snapshots import SYNC_MAX, StoredData, page_report
from annotate.services.review.flags import flag_rows
from annotate.views.jobs import start as start_job

bp = Blueprint("reports", __name__, url_prefix="/reports")
bp.before_request(require_role(ProjectRole.manager, "admin"))


@bp.route("/")
def index():
    """Overview of each managed project: volumes and annotators."""
    rows = []
    for project in visible_projects():
        counts = db.session.execute(
            sa.select(
                sa.func.count(sa.distinct(Item.id)),
                sa.func.count(Annotation.id),
                sa.func.count(sa.distinct(Annotation.annotator_id)),
            )
            .select_from(Item)
            .outerjoin(
                Annotation, sa.and_(Annotation.item_id == Item.id, Annotation.is_current.is_(True))
            )
            .where(Item.project_id == project.id)
        ).one()
        rows.append(
            {
                "project": project,
                "items": counts[0],
                "annotations": counts[1],
                "annotators": counts[2],
            }
        )
    flag_alerts = flag_rows(db.session, [p.id for p in visible_projects()], open_only=True)
    return render_template("reports/index.html", rows=rows, flag_alerts=flag_alerts)


@bp.route("/<slug>")
def dashboard(slug: str):
    """Agreement and accuracy with intervals per scope, trends, heatmap, confusion, alerts."""
    from annotate.charts.dashboard import METRIC_NAMES, dashboard_charts
    from annotate.services.quality.supervision import find_breaches, open_alerts

    project = project_for(slug)
    found = _stored(project)
    pending = snapshot_pending(db.session, project)
    if found is None:
        return _not_computed(project, pending)
    snapshot, report = found
    if report.data.n == 0:  # nothing to measure yet: say what to do next instead
        return render_template(
            "reports/empty.html",
            project=project,
            readiness=project_readiness(db.session, project),
            rulebook_url=_rulebook_url(project),
            snapshot=snapshot,
            pending=pending,
        )
    return render_template(
        "reports/dashboard.html",
        project=project,
        report=report,
        snapshot=snapshot,
        pending=pending,
        charts=dashboard_charts(report),
        breaches=find_breaches(report),
        alerts=open_alerts(db.session, project),
        users=_users(report),
        rulebook_url=_rulebook_url(project),
        form=EmptyForm(),
        metric_names=METRIC_NAMES,
    )


def _stored(project: Project) -> tuple[ReportSnapshot, ProjectReport[StoredData]] | None:
    """The latest report snapshot (a tiny project's first one computed now, committed)."""
    sync_max = int(current_app.config.get("SNAPSHOT_SYNC_MAX", SYNC_MAX))
    found = page_report(db.session, project, configured_report_options(), sync_max=sync_max)
    db.session.commit()
    return found


def _not_computed(project: Project, pending: bool, *, can_recompute: bool = True):
    """The page of a project whose figures were never computed (and are too many to compute
    while the page waits)."""
    return render_template(
        "reports/no_snapshot.html", project=project, pending=pending, can_recompute=can_recompute
    )


@bp.post("/<slug>/recompute")
def recompute(slug: str):
    """Queue a new report snapshot of the project (one queued per project at most)."""
    project = project_for(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    job, must_dispatch = request_snapshot(db.session, project, current_user, manual=True)
    db.session.commit()
    if must_dispatch:
        dispatch(job)
    flash(_("The figures are being recomputed; the pages show them once it is done."), "info")
    return redirect(request.referrer or url_for("reports.dashboard", slug=slug), 303)


def _users(report: ProjectReport) -> dict[str, int]:
    return {name: uid for uid, name in report.data.users.items()}


def _rulebook_url(project: Project) -> str:
    if "rulebooks.history" in current_app.view_functions:
        return url_for("rulebooks.history", slug=project.slug)
    return url_for("admin.index")


@bp.route("/<slug>/metrics.csv")
def metrics_csv(slug: str):
    """Download the quality-metrics CSV (audited)."""
    from annotate.services.quality.metrics_csv import metrics_csv as build
    from annotate.services.quality.metrics_csv import record_metrics_export

    project = project_for(slug)
    report = compute_report(db.session, project, configured_report_options())
    text = build(report)
    record_metrics_export(db.session, report, text, actor=current_user, via="web")
    db.session.commit()
    stamp = report.computed_at.strftime("%Y%m%dT%H%M%SZ")
    return Response(
        stream_with_context(iter([text])),
        mimetype="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{project.slug}-metrics-{stamp}.csv"'
        },
    )


@bp.route("/<slug>/dossier.zip")
def dossier_zip(slug: str):
    """Download the compliance dossier as a zip (built in a temporary file; audited).

    Query: ``from``/``to`` (dates in the project's time zone), ``lang`` (zh or en; default the
    page's language)."""
    from annotate.services.quality.dossier import DossierRequest, build_dossier_zip

    project = project_for(slug)
    lang = request.args.get("lang") or ("zh" if str(get_locale()).startswith("zh") else "en")
    wanted = DossierRequest(
        request.args.get("from") or None,
        request.args.get("to") or None,
        lang,
        configured_report_options(),
    )
    try:
        buffer, name = build_dossier_zip(db.session, project, wanted, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        abort(400, description=str(error))
    db.session.commit()
    return send_file(buffer, mimetype="application/zip", as_attachment=True, download_name=name)


@bp.post("/<slug>/metrics")
def metrics_job(slug: str):
    """Start the quality-metrics CSV as a job (its page offers the file when it is done)."""
    project = project_for(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return start_job(submit(db.session, "metrics", actor=current_user, project=project))


@bp.post("/<slug>/dossier")
def dossier_job(slug: str):
    """Start the compliance dossier as a job: ``from``/``to`` (dates in the project's time
    zone) and ``lang`` (zh or en) from the dashboard's form."""
    project = project_for(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    lang = request.form.get("lang") or ("zh" if str(get_locale()).startswith("zh") else "en")
    if lang not in ("zh", "en"):
        abort(400, description=_("The dossier is in zh or en."))
    params = {"from": request.form.get("from") or None, "to": request.form.get("to") or None}
    try:
        make_period(project, utcnow(), params["from"], params["to"])  # refused now, not later
    except DomainError as error:
        abort(400, description=str(error))
    job = submit(
        db.session, "dossier", actor=current_user, project=project, params=params | {"lang": lang}
    )
    return start_job(job)


@bp.route("/<slug>/supervise", methods=["POST"])
def supervise(slug: str):
    """Record alerts for every annotator below a threshold."""
    from annotate.services.quality.supervision import raise_alerts

    project = project_for(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    found = _stored(project)  # the figures the manager saw: the latest snapshot's
    if found is None:
        abort(409, description=_("The figures of this project have not been computed yet."))
    created = raise_alerts(db.session, found[1])
    db.session.commit()
    flash(_("%(n)d new alert(s) recorded.", n=len(created)), "info")
    return redirect(url_for("reports.dashboard", slug=slug))


@bp.route("/<slug>/annotators/<int:user_id>", methods=["GET", "POST"])
def annotator(slug: str, user_id: int):
    """One annotator's quality; POST records a supervision action (retrain/suspend/...)."""
    from annotate.services.quality.supervision import annotator_membership, take_action

    project = project_for(slug)
    user = db.get_or_404(User, user_id)
    try:
        annotator_membership(db.session, project, user)
    except DomainError:
        abort(404)
    form = SupervisionForm()
    if form.validate_on_submit():
        try:
            take_action(
                db.session,
                project,
                user,
                SupervisionAction(form.action.data),
                required_text(form.reason),
                actor=current_user,
            )
            db.session.commit()
            flash(
                _(
                    "Recorded: %(action)s for %(user)s.",
                    action=form.action.data,
                    user=user.username,
                ),
                "success",
            )
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "danger")
        return redirect(url_for("reports.annotator", slug=slug, user_id=user_id))
    found = _stored(project)
    pending = snapshot_pending(db.session, project)
    if found is None:
        return _not_computed(project, pending)
    snapshot, report = found
    quality = annotator_quality(db.session, report, user)
    return render_template(
        "quality/annotator.html",
        project=project,
        quality=quality,
        snapshot=snapshot,
        pending=pending,
        form=form,
        manager_view=True,
        attention=annotator_status(db.session, project, user),
        unblock_form=EmptyForm(),
    ), (400 if form.errors else 200)  # a refused form shows its errors beside its fields
