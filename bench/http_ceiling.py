"""The ceiling of ``bench/http_loop.py``: the same loop against a Flask app that does nothing.

``python bench/http_loop.py --ceiling`` serves :func:`create_app` with the same gunicorn
options and drives it with the same client: ``POST …/next`` answers a fixed lease and
``POST …/assignments/<id>/submit`` parses the JSON body and answers 201, with no database, no
authentication and no template. What that reaches on this machine is the most any version of
the real loop could reach here: the rest is the cost of the application itself.
"""

from __future__ import annotations

from flask import Flask, jsonify, request


def create_app() -> Flask:
    """A Flask app with the two endpoints of the API loop, doing nothing."""
    app = Flask(__name__)

    @app.post("/api/v1/projects/<slug>/next")
    def next_item(slug: str):
        return jsonify(
            {
                "assignment": {
                    "id": 1,
                    "resumed": False,
                    "lease_expires_at": "2026-01-01T00:00:00+00:00",
                    "item": {"id": "item-0000001", "data": {"text": "x"}},
                    "rulebook_version": {"version": "1.0.0", "sha256": "0" * 64},
                }
            }
        )

    @app.post("/api/v1/projects/<slug>/assignments/<int:assignment_id>/submit")
    def submit(slug: str, assignment_id: int):
        body = request.get_json(silent=True) or {}
        return jsonify({"annotation_id": assignment_id, "value": body.get("value")}), 201

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app
