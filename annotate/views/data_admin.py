"""Data administration for managers: upload items into batches, see batches, handle flagged
(quarantined) items. Each page also checks that the user manages *this* project."""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePath

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
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from annotate.access import project_for, visible_projects
from annotate.auth import require_role
from annotate.database import db
from annotate.forms.common import EmptyForm
from annotate.forms.data import ImportForm, PredictionImportForm
from annotate.models import Batch, Item, ItemFlag, Project, ProjectRole
from annotate.services.data.browse import (
    STATUSES,
    ItemFilter,
    ItemPage,
    browse_items,
    item_story,
)
from annotate.services.data.export import (
    EXTENSIONS,
    FORMATS,
    MIMETYPES,
    ExportStats,
    iter_dataset,
    record_dataset_export,
)
from annotate.services.data.formats import guess_format, read_records
from annotate.services.data.imports import list_batches
from annotate.services.data.long_rows import ANNOTATOR_NAMING
from annotate.services.data.options import check_import_options
from annotate.services.data.prediction_import import PredictionImportResult, import_predictions
from annotate.services.data.predictions import item_predictions, list_model_versions
from annotate.services.errors import DomainError, InvalidInput
from annotate.services.jobs.base import files_dir, store_upload
from annotate.services.jobs.queue import submit
from annotate.services.labeling.flags import release_item
from annotate.services.projects.values import label_keys
from annotate.views.jobs import start as start_job

bp = Blueprint("data_admin", __name__, url_prefix="/admin/data")
bp.before_request(require_role(ProjectRole.manager, "admin"))


@bp.route("/")
def index():
    """The projects this user manages, each with a link to its data page."""
    return render_template("data_admin/index.html", projects=visible_projects())


def _page(
    project: Project,
    form: ImportForm,
    status: int = 200,
    *,
    problems: list[str] | None = None,
    message: str | None = None,
    counts: dict[str, int] | None = None,
    predictions: PredictionImportForm | None = None,
    predicted: PredictionImportResult | None = None,
):
    quarantined = db.session.scalars(
        sa.select(Item)
        .where(Item.project_id == project.id, Item.quarantined.is_(True))
        .order_by(Item.id)
        .limit(200)
    ).all()
    flags: dict[int, list[ItemFlag]] = {}
    if quarantined:
        for flag in db.session.scalars(
            sa.select(ItemFlag)
            .where(ItemFlag.item_id.in_([i.id for i in quarantined]))
            .order_by(ItemFlag.id)
        ):
            flags.setdefault(flag.item_id, []).append(flag)
    return render_template(
        "data_admin/project.html",
        project=project,
        form=form,
        batches=list_batches(db.session, project),
        quarantined=quarantined,
        flags=flags,
        release_form=EmptyForm(),
        problems=problems or [],
        message=message,
        refused=counts,
        predictions_form=predictions or PredictionImportForm(prefix="predictions"),
        predicted=predicted,
        model_versions=list_model_versions(db.session, project),
    ), status


@bp.route("/<slug>", methods=["GET", "POST"])
def project(slug: str):
    """Batches, the upload form and quarantined items of one project."""
    project = project_for(slug)
    form = ImportForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _page(project, form, status=200 if request.method == "GET" else 400)
    upload = form.file.data
    filename = PurePath(upload.filename or "upload.jsonl").name
    fmt = guess_format(filename) if form.fmt.data == "auto" else form.fmt.data
    try:  # the options first: a wrong one is refused before the upload is stored
        check_import_options(
            db.session,
            project,
            form.batch.data or PurePath(filename).stem,
            form.source.data or "",
            form.licence.data or "",
            form.dedupe.data or "id",
            form.rulebook_version.data or None,
        )
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return _page(project, form, status=error.status_code)
    # The upload is stored (Flask refused it before reading if over MAX_CONTENT_LENGTH) and a
    # job imports it, streamed and all or nothing; the page of the job shows its progress.
    stored = store_upload(upload, filename)
    with (files_dir() / stored).open("rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    source = form.source.data or _(
        "upload %(name)s (sha256 %(digest)s)", name=filename, digest=digest
    )
    job = submit(
        db.session,
        "import",
        actor=current_user,
        project=project,
        params={
            "upload": stored,
            "filename": filename,
            "format": fmt,
            "batch": form.batch.data or PurePath(filename).stem,
            "source": source,
            "licence": form.licence.data or "",
            "dedupe": form.dedupe.data or "id",
            "rulebook_version": form.rulebook_version.data or None,
        },
    )
    return start_job(job)


@bp.post("/<slug>/predictions")
def predictions(slug: str):
    """Import a file of model predictions for the project's items (all or nothing)."""
    project = project_for(slug)
    form = PredictionImportForm(prefix="predictions")
    if not form.validate_on_submit():
        return _page(project, ImportForm(formdata=None), status=400, predictions=form)
    upload = form.file.data
    filename = PurePath(upload.filename or "predictions.jsonl").name
    data = upload.read()
    fmt = guess_format(filename) if form.fmt.data == "auto" else form.fmt.data
    records, parse_problems = read_records(data, fmt)
    try:
        result = import_predictions(
            db.session,
            project,
            records,
            source=_(
                "upload %(name)s (sha256 %(digest)s)",
                name=filename,
                digest=hashlib.sha256(data).hexdigest(),
            ),
            actor=current_user,
            parse_problems=parse_problems,
            model=form.model.data or None,
            version=form.version.data or None,
        )
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        counts = getattr(error, "counts", None)
        form = PredictionImportForm(formdata=None, prefix="predictions")
        return _page(
            project,
            ImportForm(formdata=None),
            400,
            problems=error.problems,
            message=error.args[0],
            counts=counts,
            predictions=form,
        )
    fresh = PredictionImportForm(formdata=None, prefix="predictions")
    return _page(project, ImportForm(formdata=None), predictions=fresh, predicted=result)


@bp.post("/<slug>/items/<int:item_id>/release")
def release(slug: str, item_id: int):
    """Lift an item's quarantine (the flag was wrong); the decision is audited."""
    project = project_for(slug)
    item = db.first_or_404(sa.select(Item).where(Item.id == item_id, Item.project_id == project.id))
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        release_item(db.session, item, current_user, request.form.get("note", ""))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        abort(error.status_code, str(error))
    flash(_("Item %(id)s is back in the queue.", id=item.external_id), "success")
    return redirect(url_for("data_admin.project", slug=project.slug))


@bp.get("/<slug>/export/<fmt>")
def export(slug: str, fmt: str):
    """Download the dataset (jsonl, csv, labelstudio, parquet, long-csv or long-parquet;
    ``?annotators=name`` names the annotators of the long formats), streamed; audited once
    written."""
    project = project_for(slug)
    naming = request.args.get("annotators", "pseudonym")
    if fmt not in FORMATS or naming not in ANNOTATOR_NAMING:
        abort(404)
    stats = ExportStats(fmt)
    chunks = iter_dataset(
        db.session, project, fmt, stats, annotators=naming, secret=current_app.secret_key
    )
    actor = current_user._get_current_object()

    def generate():
        yield from chunks
        record_dataset_export(db.session, project, stats, actor=actor, via="web")
        db.session.commit()

    filename = f"{project.slug}-dataset.{EXTENSIONS[fmt]}"
    return Response(
        stream_with_context(generate()),
        mimetype=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.post("/<slug>/export")
def export_job(slug: str):
    """Start a dataset export as a job (``format``, ``annotators`` from the form)."""
    project = project_for(slug)
    fmt = request.form.get("format", "jsonl")
    naming = request.form.get("annotators", "pseudonym")
    if not EmptyForm().validate_on_submit():
        abort(400)
    if fmt not in FORMATS or naming not in ANNOTATOR_NAMING:
        abort(400, description=_("Unknown export format or annotator naming."))
    params = {"format": fmt, "annotators": naming}
    return start_job(
        submit(db.session, "dataset", actor=current_user, project=project, params=params)
    )


@bp.get("/<slug>/export")
def export_choice(slug: str):
    """The export form's target (a GET form: format and annotator naming as parameters)."""
    project = project_for(slug)
    fmt = request.args.get("format", "jsonl")
    naming = request.args.get("annotators", "pseudonym")
    if fmt not in FORMATS or naming not in ANNOTATOR_NAMING:
        abort(404)
    return redirect(url_for("data_admin.export", slug=project.slug, fmt=fmt, annotators=naming))


@bp.get("/<slug>/items")
def items(slug: str):
    """The item browser: search by text or id, filter, keyset pages of 50."""
    project = project_for(slug)
    args = request.args
    filters = ItemFilter(
        q=args.get("q", ""),
        batch=args.get("batch", ""),
        status=args.get("status", ""),
        label=args.get("label", ""),
        gold=args.get("gold", ""),
        flag=args.get("flag", ""),
        disagree=args.get("disagree", ""),
        after=args.get("after", 0, type=int) or 0,
    )
    try:
        page, problems, status = browse_items(db.session, project, filters), [], 200
    except InvalidInput as error:
        page, problems, status = ItemPage([], None, filters), error.problems, 400
    batches = db.session.scalars(
        sa.select(Batch.name).where(Batch.project_id == project.id).order_by(Batch.id)
    ).all()
    query = {k: v for k, v in args.items() if k != "after" and v}
    return render_template(
        "data_admin/items.html",
        project=project,
        page=page,
        problems=problems,
        batches=batches,
        labels=label_keys(project),
        statuses=STATUSES,
        query=query,
        as_json=_readable_json,
    ), status


@bp.get("/<slug>/items/<int:item_id>")
def item(slug: str, item_id: int):
    """One item: payload, every annotation with its history, reviews, flags, audit events."""
    project = project_for(slug)
    try:
        story = item_story(db.session, project, item_id)
    except DomainError as error:
        abort(error.status_code, str(error))
    return render_template(
        "data_admin/item.html",
        project=project,
        story=story,
        as_json=_readable_json,
        predictions=item_predictions(db.session, item_id),
    )


def _readable_json(value: object, indent: int | None = None) -> str:
    """JSON as people read it: non-ASCII text as itself (``tojson`` escapes it as \\uXXXX);
    the template escapes the result like any text."""
    return json.dumps(value, ensure_ascii=False, indent=indent)
