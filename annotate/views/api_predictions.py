"""``POST /api/v1/projects/<slug>/predictions``: a file of model predictions for existing
items (JSONL, CSV or Label Studio JSON in the body), all or nothing, like the data page's
form and ``annotate import-predictions``. Added to the API blueprint of
:mod:`annotate.views.api` (its token check, role check and JSON errors)."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request

from annotate.database import db
from annotate.models import ProjectRole
from annotate.services.data.formats import read_records
from annotate.services.data.prediction_import import import_predictions
from annotate.views.api import _project, bp
from annotate.views.api_openapi import MORE_PATHS


@bp.post("/projects/<slug>/predictions")
def import_prediction_file(slug: str):
    """Import the predictions in the body (``?format=``, ``?model=``, ``?version=``)."""
    project = _project(slug, ProjectRole.manager)
    fmt = request.args.get("format") or {"text/csv": "csv", "application/json": "labelstudio"}.get(
        request.mimetype, "jsonl"
    )
    records, problems = read_records(request.get_data(), fmt)
    result = import_predictions(
        db.session,
        project,
        records,
        source=request.args.get("source", "") or "api upload",
        actor=g.api_user,
        parse_problems=problems,
        model=request.args.get("model") or None,
        version=request.args.get("version") or None,
    )
    db.session.commit()
    return jsonify(result.as_json()), 201


def _document(op: Any) -> dict[str, Any]:
    params = [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}]
    params += [
        {"name": n, "in": "query", "schema": {"type": "string"}}
        for n in ("format", "model", "version", "source")
    ]
    body = {
        "required": True,
        "content": {
            t: {"schema": {"type": "string"}}
            for t in ("application/x-ndjson", "text/csv", "application/json")
        },
    }
    summary = "Import model predictions for existing items (all or nothing)"
    return {"post": op(summary, "manager", params, body, ok="201", more=("413",))}


MORE_PATHS["/projects/{slug}/predictions"] = _document
