"""The JSON API: tokens (shown once, sha256 stored, revocable), roles, the OpenAPI document,
and import → next → submit → export through the same services as the pages."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
import sqlalchemy as sa

from annotate.models import Annotation, AnnotationSource, ApiToken, AuditEvent, ProjectRole
from annotate.services.accounts.tokens import create_token
from tests.factories import make_ready


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def team(db, make_project, make_user):
    """A ready project with a manager and a qualified annotator, each with a token."""
    project = make_project("api", redundancy_k=1, overlap_share=0.0, gold_rate=0.0)
    manager = make_user("boss", project=project, roles=[ProjectRole.manager])
    annotator = make_user("ann", project=project, roles=[ProjectRole.annotator])
    make_ready(db, project, [annotator], n_items=0)
    tokens = {
        "manager": create_token(db.session, manager, "ci")[1],
        "annotator": create_token(db.session, annotator, "labeller")[1],
    }
    db.session.commit()
    return project, tokens


def test_token_is_shown_once_and_only_its_hash_is_stored(db, make_user, client, login):
    make_user("alice")
    login("alice")
    page = client.post("/account/", data={"tok-name": "laptop", "tok-submit": "1"})
    secret = re.search(r"<code>(ann_[A-Za-z0-9_-]+)</code>", page.get_data(as_text=True))[1]
    token = db.session.scalar(sa.select(ApiToken))
    assert (
        token.name == "laptop" and token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    )
    assert secret not in client.get("/account/").get_data(as_text=True)
    assert client.get("/api/v1/me", headers=_bearer(secret)).get_json()["username"] == "alice"
    client.post(f"/account/tokens/{token.id}/revoke")
    response = client.get("/api/v1/me", headers=_bearer(secret))
    assert response.status_code == 401 and "token" in response.get_json()["error"]
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action.like("api_token.%"))
        )
        == 2
    )


def test_session_cookies_never_authenticate(team, client, login):
    login("boss")
    response = client.post("/api/v1/projects/api/items?batch=b", data=b'{"text": "x"}')
    assert response.status_code == 401 and response.is_json
    assert client.get("/api/v1/me", headers=_bearer("ann_wrong")).status_code == 401


def test_openapi_lists_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            methods = {m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}}
            assert path in doc["paths"], path
            assert methods <= set(doc["paths"][path]), path


def test_import_next_submit_export(db, team, client):
    project, tokens = team
    manager, annotator = _bearer(tokens["manager"]), _bearer(tokens["annotator"])
    body = "\n".join(json.dumps({"id": f"i{n}", "text": f"t{n}"}) for n in range(2))
    response = client.post(
        "/api/v1/projects/api/items?batch=api1&licence=CC0", data=body.encode(), headers=manager
    )
    # A job imports the body (inline in the tests): 202 with the job and its status URL.
    assert response.status_code == 202 and response.headers["Location"].startswith("/api/v1/jobs/")
    job = client.get(response.headers["Location"], headers=manager).get_json()
    assert job["state"] == "done" and job["result"]["counts"]["imported"] == 2
    assert client.get(response.headers["Location"], headers=annotator).status_code == 404
    bad = client.post("/api/v1/projects/api/items?batch=api2", data=b'{"id": "z"}', headers=manager)
    assert bad.status_code == 202 and bad.get_json()["state"] == "failed"
    assert bad.get_json()["problems"] == ["line 1: text: required for single_label items"]
    assert client.post("/api/v1/projects/api/next", headers=manager).status_code == 403

    claim = client.post("/api/v1/projects/api/next", headers=annotator).get_json()["assignment"]
    assert claim["item"]["id"] == "i0" and claim["rulebook_version"]["version"]
    url = f"/api/v1/projects/api/assignments/{claim['id']}/submit"
    wrong = client.post(url, json={"value": "maybe"}, headers=annotator)
    assert wrong.status_code == 400 and "not a label" in wrong.get_json()["problems"][0]
    done = client.post(url, json={"value": "yes"}, headers=annotator)
    assert done.status_code == 201
    assert client.post(url, json={"value": "yes"}, headers=annotator).status_code == 409
    annotation = db.session.scalar(sa.select(Annotation))
    assert annotation.source == AnnotationSource.api and annotation.value == "yes"

    assert client.get("/api/v1/projects/api/export", headers=annotator).status_code == 403
    assert client.get("/api/v1/projects/api/export?format=xml", headers=manager).status_code == 400
    export = client.get("/api/v1/projects/api/export?format=jsonl", headers=manager)
    rows = [json.loads(line) for line in export.get_data(as_text=True).splitlines()]
    assert [r["id"] for r in rows] == ["i0", "i1"]
    assert (
        rows[0]["annotations"][0]["value"] == "yes" and rows[0]["annotations"][0]["source"] == "api"
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export.dataset"))
    assert event.details["via"] == "api" and event.actor_name == "boss"
    assert client.get("/api/v1/projects/nope/export", headers=manager).status_code == 404
