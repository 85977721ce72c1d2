"""Every POST route of the app, submitted as a role its gate admits with a valid CSRF token,
with empty and with malformed fields: never a 5xx (issue 14: a rulebook draft's version
``1.0`` gave HTTP 500 where form errors were flashed as LazyStrings)."""

from __future__ import annotations

import importlib
import io
import pkgutil
import re
from pathlib import Path

import pytest
from wtforms.fields.core import UnboundField

import annotate.forms
from annotate.models import ProjectRole
from annotate.services.labeling.assignment import claim_next
from annotate.services.rulebooks.versions import new_draft_from
from annotate.services.training.modules import module_for_version
from tests.factories import make_ready

ROOT = Path(__file__).resolve().parents[2] / "annotate"

#: Who submits each blueprint's forms (a role its gate admits, in the probed project).
SUBMITTER = {
    "annotator": "ann",
    "training": "ann",
    "feedback": "ann",
    "quality_self": "ann",
    "account": "ann",
    "reviewer": "rev",
    "users": "admin",
    "main": "ann",
    "auth": None,
}
#: Endpoints submitted by someone else than their blueprint's submitter.
ENDPOINT_SUBMITTER = {"project_new.new": "admin"}
#: Endpoints that work on a draft (the others get the published version).
ON_THE_DRAFT = {
    "rulebooks.edit_draft",
    "rulebooks.publish",
    "rulebooks.add_quiz_question",
    "rulebooks.edit_quiz_question",
    "rulebooks.move_quiz_question",
    "rulebooks.delete_quiz_question",
    "rulebooks.quiz_length",
}
#: Not forms: the JSON API takes bearer tokens and JSON (tests/views/test_api_fuzz.py).
SKIPPED_BLUEPRINTS = {"api"}
#: Values that have broken forms: a version like the one of issue 14, signs, sizes, NUL …
#: (Long values are cut to fit LONG_BUDGET: Werkzeug spools bigger bodies to files.)
MALFORMED = ("1.0", "-1", "abc", "x" * 1200, "\x00bad", " ", "1e309", "０")


def _field_names() -> set[str]:
    """Every field of every form class, bare and with each prefix the views use, and every
    ``name=`` written in a template."""
    names: set[str] = set()
    for info in pkgutil.iter_modules(annotate.forms.__path__):
        module = importlib.import_module(f"annotate.forms.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type):
                names.update(
                    key for key, field in vars(value).items() if isinstance(field, UnboundField)
                )
    prefixes = set()
    for path in (ROOT / "views").glob("*.py"):
        prefixes.update(re.findall(r'prefix="(\w+)"', path.read_text()))
    names |= {f"{prefix}-{name}" for prefix in prefixes for name in list(names)}
    for path in (ROOT / "templates").rglob("*.html"):
        names.update(re.findall(r'name="([\w-]+)"', path.read_text()))
    names.discard("csrf_token")
    return names


FILE_FIELDS = {"file", "csv-file"}


@pytest.fixture
def app(app):
    """The suite's app, made to forget between requests what a server's fresh context per
    request would: the fixture's app context outlives requests, and ``g`` caches the user
    (Flask-Login) and the CSRF token of another client's session (Flask-WTF)."""
    from flask import g

    def forget() -> None:
        g.pop("_login_user", None)
        g.pop("csrf_token", None)

    app.before_request_funcs.setdefault(None, []).insert(0, forget)
    return app


@pytest.fixture
def world(app, db, make_user, make_project):
    """A project with a published rulebook, a batch, a leased item and one member of each
    role, plus a spare member for the removal routes."""
    project = make_project("roles")
    users = {
        "admin": make_user("admin", admin=True),
        "mgr": make_user("mgr", project=project, roles=[ProjectRole.manager]),
        "rev": make_user("rev", project=project, roles=[ProjectRole.reviewer]),
        "ann": make_user("ann", project=project, roles=[ProjectRole.annotator]),
        "spare": make_user("spare", project=project, roles=[ProjectRole.annotator]),
    }
    version, batch = make_ready(db, project, [users["ann"]])
    claim = claim_next(db.session, users["ann"], project)
    assert claim is not None
    draft = new_draft_from(db.session, version, "1.1.0", actor=users["mgr"])
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    item = batch.items[0]
    module = module_for_version(db.session, version)
    draft_module = module_for_version(db.session, draft)
    questions = draft_module.questions if draft_module else []
    return {
        "draft": draft.version,
        "question_id": questions[0].id if questions else 1,
        "template_key": "content_safety",
        "slug": project.slug,
        "version": version.version,
        "assignment_id": claim.assignment.id,
        "batch_id": batch.id,
        "item_id": item.id,
        "module_id": module.id if module else 1,
        "user_id": users["spare"].id,
        "role": "annotator",
    }


def _client(app, who: str | None):
    client = app.test_client()
    if who is not None:
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
        assert token
        response = client.post(
            "/login",
            data={"username": who, "password": "secret-pw", "csrf_token": token.group(1)},
        )
        assert response.status_code == 302, who
    return client


def _csrf(client) -> str:
    page = client.get("/account/").get_data(as_text=True)
    if "csrf_token" not in page:
        page = client.get("/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _post_routes(app, values):
    from flask import url_for

    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if "POST" not in (rule.methods or ()):
            continue
        blueprint = rule.endpoint.split(".")[0]
        if blueprint in SKIPPED_BLUEPRINTS:
            continue
        args = {arg: values.get(arg, 1) for arg in rule.arguments}
        if "version" in args and rule.endpoint in ON_THE_DRAFT:
            args["version"] = values["draft"]
        with app.test_request_context():
            url = url_for(rule.endpoint, **args)
        yield rule.endpoint, blueprint, url


#: Bytes of long values in one request: the whole body stays under Werkzeug's 500 KB, above
#: which it spools uploads to temporary files (and the walk then meets ResourceWarnings).
LONG_BUDGET = 390_000


def _payloads(names: set[str]):
    yield "empty", {}
    longest = max(200, LONG_BUDGET // max(1, len(names)))
    for value in MALFORMED:
        value = value[:longest]
        data: dict = {name: value for name in names if name not in FILE_FIELDS}
        for name in FILE_FIELDS:
            data[name] = (io.BytesIO(value.encode("utf-8", "replace") + b"\xff\xfe"), "x.csv")
        yield repr(value[:10]), data


def test_every_form_survives_empty_and_malformed_input(app, world):
    names = _field_names()
    seen = set()
    # Routes that end the session go last, so the others run logged in.
    routes = sorted(
        _post_routes(app, world),
        key=lambda r: r[0] in ("auth.logout", "account.end_sessions", "users.reset"),
    )
    for endpoint, blueprint, url in routes:
        seen.add(endpoint)
        who = ENDPOINT_SUBMITTER.get(endpoint, SUBMITTER.get(blueprint, "mgr"))
        for label, data in _payloads(names):
            client = _client(app, who)
            payload = dict(data)
            payload["csrf_token"] = _csrf(client)
            response = client.post(url, data=payload, content_type="multipart/form-data")
            response.close()
            assert response.status_code < 500, f"{endpoint} {url} as {who}, {label} fields"
    assert {"rulebooks.new_draft", "users.import_csv", "members.index"} <= seen
    assert ENDPOINT_SUBMITTER.keys() <= seen and ON_THE_DRAFT <= seen


def test_a_new_drafts_malformed_version_shows_beside_the_field(app, world):
    client = _client(app, "mgr")
    url = f"/admin/projects/roles/rulebooks/{world['version']}/new-draft"
    response = client.post(url, data={"version": "1.0", "csrf_token": _csrf(client)})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    feedback = re.search(r'class="invalid-feedback[^"]*"[^>]*>([^<]*)<', page)
    assert feedback and "Use MAJOR.MINOR.PATCH." in feedback.group(1)
    assert "alert-danger" not in page.split("<main", 1)[-1].split("invalid-feedback", 1)[0]


def test_a_refused_sample_draw_shows_its_errors_beside_the_fields(app, world):
    client = _client(app, "rev")
    response = client.post(
        f"/review/batches/{world['batch_id']}/plans",
        data={"method": "random_rate", "rate": "1.0.0", "csrf_token": _csrf(client)},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="rate"' in page and "is-invalid" in page and "invalid-feedback" in page


def test_a_nul_character_is_refused_before_any_view(app, world):
    client = _client(app, "ann")
    token = _csrf(client)
    response = client.post(
        "/account/", data={"tok-name": "a\x00b", "tok-submit": "y", "csrf_token": token}
    )
    assert response.status_code == 400 and b"NUL character" in response.data
    assert client.get("/annotate/?q=%00").status_code == 400


def test_a_supervision_action_without_a_reason_says_so_beside_the_field(app, world):
    client = _client(app, "mgr")
    ann = world["user_id"]
    response = client.post(
        f"/reports/roles/annotators/{ann}",
        data={"action": "retrain", "reason": "", "csrf_token": _csrf(client)},
    )
    assert response.status_code == 400
    assert b'id="reason"' in response.data and b"invalid-feedback" in response.data
