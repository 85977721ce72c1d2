"""The JSON API under ``/api/v1`` for scripts: import (items; predictions in api_predictions),
next item, submit, export. Authentication is a personal token only (``Authorization: Bearer
ann_…``, from the account settings); session cookies are never looked at, so the blueprint
is exempt from CSRF without opening writes to a browser session. Every endpoint checks the
caller's project role (annotator for next/submit, manager — or a system admin — for
import/export) and uses the services the pages use. Errors are JSON: ``{"error": …}`` with a
4xx code, plus ``problems`` (every problem of an import or a submit), ``step`` (why the
qualification gate refuses) or ``reason: "role"`` (the caller lacks the project role)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    request,
    stream_with_context,
    url_for,
)
from werkzeug.exceptions import HTTPException

from annotate.database import db
from annotate.extensions import csrf
from annotate.models import AnnotationSource, Job, Project, ProjectRole
from annotate.services.accounts.tokens import token_context
from annotate.services.data.export import (
    MIMETYPES,
    ExportStats,
    iter_dataset,
    record_dataset_export,
)
from annotate.services.data.formats import FORMATS, MAX_DEPTH, value_problem
from annotate.services.data.options import check_import_options
from annotate.services.errors import DomainError, InvalidInput, NotFound
from annotate.services.jobs.base import job_json, store_stream
from annotate.services.jobs.queue import submit as submit_job
from annotate.services.jobs.runners import dispatch
from annotate.services.labeling.annotations import submit_annotation
from annotate.services.labeling.assignment import claim_next
from annotate.services.labeling.fastpath import commit_keeping_loaded
from annotate.services.projects.projects import get_project

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
PUBLIC_ENDPOINTS = {"api.openapi"}


def _error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify({"error": message, **extra}), status


@bp.before_request
def authenticate() -> Any:
    """Resolve the bearer token to ``g.api_user``; anything else is 401."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    slug = (request.view_args or {}).get("slug")
    context = (
        token_context(db.session, secret.strip(), slug) if scheme.lower() == "bearer" else None
    )
    if context is None:
        response, status = _error(
            401, "A valid API token is required (Authorization: Bearer <token>)."
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="annotate"'
        return response, status
    g.api_user = context.user
    g.api_context = (slug, context)  # the project of the URL, read with the token
    return None


@bp.errorhandler(DomainError)
def domain_error(error: DomainError):
    """Domain refusals as JSON with their status code."""
    db.session.rollback()
    extra: dict[str, Any] = {}
    if isinstance(error, InvalidInput):  # str(): messages may be translated lazily
        extra["problems"] = [str(problem) for problem in error.problems]
        message = str(error.args[0])
    else:
        message = str(error)
    if counts := getattr(error, "counts", None):
        extra["counts"] = counts
    if step := getattr(error, "step", None):
        extra["step"] = step
    return _error(error.status_code, message, **extra)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """HTTP errors (404, 405, 413 …) as JSON."""
    return _error(error.code or 500, error.description or error.name)


def _project(slug: str, role: ProjectRole) -> Project:
    """The project ``slug`` if the token's user holds ``role`` there (admins may manage)."""
    user = g.api_user
    read_slug, context = g.get("api_context", (None, None))
    if read_slug == slug:  # read with the token (every endpoint here names its project)
        if context.project is None:
            raise NotFound(f"No project {slug!r}.")
        project, has_role = context.project, role in context.roles
    else:
        project = get_project(db.session, slug)
        has_role = role in user.roles_in(project)
    if has_role or (role == ProjectRole.manager and user.is_admin):
        return project
    raise _RoleError(f"You need the {role.value} role in {project.slug}.")


class _RoleError(DomainError):
    status_code = 403


@bp.errorhandler(_RoleError)
def role_error(error: _RoleError):
    """The caller lacks the project role."""
    return _error(403, str(error), reason="role")


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API (public)."""
    from annotate.views.api_openapi import openapi_document

    return jsonify(openapi_document(url_for("api.openapi", _external=False).rsplit("/", 1)[0]))


@bp.get("/me")
def me():
    """The token's user and their project roles."""
    user = g.api_user
    roles: dict[str, list[str]] = {}
    for membership in user.memberships:
        roles.setdefault(membership.project.slug, []).append(membership.role.value)
    db.session.commit()
    return jsonify({"username": user.username, "is_admin": user.is_admin, "projects": roles})


@bp.post("/projects/<slug>/items")
def import_items(slug: str):
    """Import the request body (JSONL, CSV or Label Studio JSON) into a batch, as a job: the
    body is stored, the options checked (400 naming the option) and the answer is 202 with
    the job (``Location``: its status URL); the job imports all the records or none."""
    project = _project(slug, ProjectRole.manager)
    fmt = request.args.get("format") or {"text/csv": "csv", "application/json": "labelstudio"}.get(
        request.mimetype, "jsonl"
    )
    if fmt not in FORMATS:
        raise InvalidInput(f"Unknown format {fmt!r}: use {', '.join(FORMATS)}.")
    params = {
        "format": fmt,
        "batch": request.args.get("batch", ""),
        "source": request.args.get("source", "") or "api upload",
        "licence": request.args.get("licence", ""),
        "dedupe": request.args.get("dedupe", "id"),
        "rulebook_version": request.args.get("rulebook_version") or None,
    }
    check_import_options(
        db.session,
        project,
        str(params["batch"]),
        str(params["source"]),
        str(params["licence"]),
        str(params["dedupe"]),
        request.args.get("rulebook_version") or None,
    )
    params["upload"] = store_stream(request.stream, "." + fmt)
    job = submit_job(db.session, "import", actor=g.api_user, project=project, params=params)
    db.session.commit()
    dispatch(job)
    db.session.refresh(job)
    url = url_for("api.job_status", job_id=job.id)
    return jsonify(job_json(job) | {"status_url": url}), 202, {"Location": url}


@bp.get("/jobs/<int:job_id>")
def job_status(job_id: int):
    """A job the token's user started (an import): its state, progress, result or error."""
    job = db.session.get(Job, job_id)
    if job is None or (job.created_by_id != g.api_user.id and not g.api_user.is_admin):
        raise NotFound(f"No job {job_id}.")
    answer = job_json(job)
    db.session.commit()
    return jsonify(answer)


@bp.post("/projects/<slug>/next")
def next_item(slug: str):
    """Lease the caller's next item (or return their current lease); null when none is left."""
    project = _project(slug, ProjectRole.annotator)
    claim = claim_next(db.session, g.api_user, project)
    commit_keeping_loaded(db.session)  # the answer is built from the lease just written
    if claim is None:
        return jsonify({"assignment": None})
    assignment, item = claim.assignment, claim.assignment.item
    return jsonify(
        {
            "assignment": {
                "id": assignment.id,
                "resumed": claim.resumed,
                "lease_expires_at": assignment.lease_expires_at.isoformat(timespec="seconds"),
                "item": {"id": item.external_id, "data": item.payload},
                "rulebook_version": {
                    "version": claim.version.version,
                    "sha256": claim.version.sha256,
                },
            }
        }
    )


def _json_body() -> Any:
    """The request's JSON (None if it is not JSON), refused with a 400 when no database could
    store it: the import's limits (nesting, NUL, lone surrogates, NaN, 64-bit integers)."""
    problem: str | None
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        body, problem = None, f"nested deeper than {MAX_DEPTH} levels (the limit)"
    else:
        problem = value_problem(body)
    if problem is not None:
        raise InvalidInput("The annotation was not saved.", [f"body: {problem}"])
    return body


@bp.post("/projects/<slug>/assignments/<int:assignment_id>/submit")
def submit(slug: str, assignment_id: int):
    """Submit a value for the caller's leased item."""
    project = _project(slug, ProjectRole.annotator)
    body = _json_body()
    if not isinstance(body, dict) or "value" not in body:
        raise InvalidInput("The body must be a JSON object with a value.", ["value: required"])
    keys = body.get("clause_keys") or []
    duration = body.get("duration_ms")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise InvalidInput(
            "The annotation was not saved.", ["clause_keys: must be a list of strings"]
        )
    annotation = submit_annotation(
        db.session,
        assignment_id,
        g.api_user,
        project,
        body["value"],
        clause_keys=keys,
        duration_ms=duration
        if isinstance(duration, int) and not isinstance(duration, bool)
        else None,
        source=AnnotationSource.api,
    )
    commit_keeping_loaded(db.session)
    return jsonify({"annotation_id": annotation.id, "value": annotation.value}), 201


@bp.get("/projects/<slug>/export")
def export(slug: str):
    """Stream the dataset export (``?format=``, ``?annotators=pseudonym|name`` for the long
    formats); audited when done."""
    project = _project(slug, ProjectRole.manager)
    fmt = request.args.get("format", "jsonl")
    stats = ExportStats(fmt)  # an unknown format or naming: InvalidInput from iter_dataset
    naming, secret = request.args.get("annotators", "pseudonym"), current_app.secret_key
    chunks = iter_dataset(db.session, project, fmt, stats, annotators=naming, secret=secret)
    actor = g.api_user

    def generate():
        yield from chunks
        record_dataset_export(db.session, project, stats, actor=actor, via="api")
        db.session.commit()

    return Response(stream_with_context(generate()), mimetype=MIMETYPES[fmt])


#: Responses beyond 400/401/403/404 that some operations give, and why.
