"""The OpenAPI 3.1 description of the JSON API (:mod:`annotate.views.api`)."""

from __future__ import annotations

from typing import Any

#: OpenAPI paths of routes other modules add to the API (path → a function of ``_op``).
MORE_PATHS: dict[str, Any] = {}

_MORE = {
    "409": "The lease is no longer the caller's: it expired, was submitted or skipped.",
    "413": "The request body is larger than the server's limit (MAX_CONTENT_LENGTH).",
}


def _op(
    summary: str,
    role: str | None,
    params: list[dict[str, Any]],
    body: Any = None,
    ok: str = "200",
    more: tuple[str, ...] = (),
) -> dict[str, Any]:
    error = {"$ref": "#/components/responses/Error"}
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": params,
        "responses": {
            ok: {"description": "Success"},
            "400": error,
            "401": error,
            "403": error,
            "404": error,
            **{
                code: {
                    "description": _MORE[code],
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
                for code in more
            },
        },
    }
    if role:
        operation["description"] = f"Requires the {role} role in the project."
    if body:
        operation["requestBody"] = body
    return operation


def openapi_document(base: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document (hand-written; a test checks it covers every route)."""
    slug = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
    query = [
        {"name": n, "in": "query", "schema": {"type": "string"}}
        for n in ("format", "batch", "source", "licence", "dedupe", "rulebook_version")
    ]
    return {
        "openapi": "3.1.0",
        "info": {"title": "annotate API", "version": "1"},
        "servers": [{"url": base}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal token from the account settings.",
                }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {"type": "string"},
                        "problems": {"type": "array", "items": {"type": "string"}},
                        "step": {"type": "string"},
                        "reason": {"type": "string"},
                    },
                }
            },
            "responses": {
                "Error": {
                    "description": "An error",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
            },
        },
        "paths": {
            "/openapi.json": {"get": {**_op("This document", None, []), "security": []}},
            "/me": {"get": _op("The token's user and project roles", None, [])},
            "/projects/{slug}/items": {
                "post": _op(
                    "Import items as a job (202 and its status URL; all or nothing)",
                    "manager",
                    [slug, *query],
                    {
                        "required": True,
                        "content": {
                            t: {"schema": {"type": "string"}}
                            for t in ("application/x-ndjson", "text/csv", "application/json")
                        },
                    },
                    ok="202",
                    more=("413",),
                )
            },
            **{path: make(_op) for path, make in MORE_PATHS.items()},
            "/jobs/{job_id}": {
                "get": _op(
                    "A job you started: state, progress, result or error and problems",
                    None,
                    [
                        {
                            "name": "job_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                )
            },
            "/projects/{slug}/next": {"post": _op("Lease the next item", "annotator", [slug])},
            "/projects/{slug}/assignments/{assignment_id}/submit": {
                "post": _op(
                    "Submit a value for a leased item",
                    "annotator",
                    [
                        slug,
                        {
                            "name": "assignment_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        },
                    ],
                    {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["value"],
                                    "properties": {
                                        "value": {
                                            "description": "Pairwise: in the item's own "
                                            'orientation ("A" is response_a); no shown order '
                                            "is recorded."
                                        },
                                        "clause_keys": {
                                            "type": "array",
                                            "items": {"type": "string"},
                                        },
                                        "duration_ms": {"type": "integer"},
                                    },
                                }
                            }
                        },
                    },
                    ok="201",
                    more=("409", "413"),
                )
            },
            "/projects/{slug}/export": {
                "get": _op("Dataset export (streamed)", "manager", [slug, query[0]])
            },
        },
    }
