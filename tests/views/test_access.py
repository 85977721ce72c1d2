"""Every route, probed with every role and anonymously: the blueprint gates hold."""

from __future__ import annotations

import pytest

from tests.conftest import ROLE_USERS

ANON = "anonymous"
# Which roles each blueprint admits; anonymous visitors are redirected to the login page.
ALLOWED = {
    "annotator": {"admin", "annotator"},
    "reviewer": {"admin", "reviewer"},
    "reports": {"admin", "manager"},
    "admin": {"admin", "manager"},
    "users": {"admin"},
    "account": set(ROLE_USERS),
    "feedback": {"admin", "annotator"},
    "calibration": {"admin", "manager"},
    "training": {"admin", "annotator"},
    "rulebooks": {"admin", "manager"},
    "quality_self": {"admin", "annotator"},
    "edits": {"admin", "annotator"},
    # every logged-in user; a job's own page answers 404 to all but its starter and admins
    "jobs": set(ROLE_USERS),
    "audit_admin": {"admin", "manager"},
    "data_admin": {"admin", "manager"},
    "project_settings": {"admin", "manager"},
    # admins, and users with the project-creator permission (none among role_users)
    "project_new": {"admin"},
    "members": {"admin", "manager"},
    "gold": {"admin", "manager"},
    "flags": {"admin", "reviewer", "manager"},
    # The JSON API ignores session cookies: without a token everyone gets 401 (the walk
    # checks that); with each role's token see test_api_routes_with_each_roles_token.
    "api": set(),
}
# Routes open to everyone, and what an anonymous GET returns.
PUBLIC = {"main.index", "main.healthz", "auth.login", "static", "bootstrap.static", "api.openapi"}
# Sample values for URL parameters, per endpoint then per argument.
SAMPLE_VALUES = {
    "static": {"filename": "annotate.css"},
    "bootstrap.static": {"filename": "css/bootstrap.min.css"},
    # role_users: admin 1, mgr 2, rev 3, ann 4 — probe the real annotator
    "reports.annotator": {"user_id": 4},
    # no such account: the walk must not reset or deactivate the users it logs in as
    "users.reset": {"user_id": 999},
    "users.deactivate": {"user_id": 999},
    "users.reactivate": {"user_id": 999},
    "users.erase": {"user_id": 999},
}
# Sample values for URL parameters of any endpoint: <slug> names the role_users project, so
# per-project gates (a manager must manage that project) are really exercised.
SAMPLE_ARGS = {"slug": "roles", "version": "1.0.0"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        values = {
            arg: SAMPLE_VALUES.get(rule.endpoint, {}).get(arg, SAMPLE_ARGS.get(arg, 1))
            for arg in rule.arguments
        }
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def test_every_route_is_gated(app, role_users, client):
    seen_blueprints = set()
    for endpoint, method, url in _routes(app):
        blueprint = endpoint.split(".")[0] if "." in endpoint else endpoint
        seen_blueprints.add(blueprint)
        for who in (ANON, *ROLE_USERS):
            client.post("/logout")
            if who != ANON:
                assert (
                    client.post(
                        "/login",
                        data={"username": role_users[who].username, "password": "secret-pw"},
                    ).status_code
                    == 302
                )
            response = client.open(url, method=method)
            response.close()
            code = response.status_code
            where = f"{method} {url} as {who}"
            if endpoint in PUBLIC or blueprint in ("main", "auth"):
                assert code < 500, where
                if endpoint in ("static", "bootstrap.static"):
                    assert code == 200, where
                continue
            if blueprint == "api":
                assert code == 401 and response.is_json, where
            elif who == ANON:
                assert code == 302 and "/login" in response.headers["Location"], where
            elif who in ALLOWED[blueprint]:
                assert code in (200, 302, 303, 400, 404, 405), where
            else:
                assert code == 403, where
    assert set(ALLOWED) <= seen_blueprints, "a gated blueprint has no routes?"
    unknown = seen_blueprints - set(ALLOWED) - {"main", "auth", "static", "bootstrap"}
    assert not unknown, f"blueprints missing from the access table: {unknown}"


@pytest.mark.parametrize("who, expected", [("annotator", 403), ("admin", 200)])
def test_users_page_is_admin_only(who, expected, role_users, client, login):
    login(role_users[who].username)
    assert client.get("/admin/users/").status_code == expected


# Which roles each API endpoint admits (admins manage every project).
API_ROLES = {
    "api.import_items": {"admin", "manager"},
    "api.import_prediction_file": {"admin", "manager"},
    "api.export": {"admin", "manager"},
    "api.next_item": {"annotator"},
    "api.submit": {"annotator"},
    "api.me": set(ROLE_USERS),
    # any token: a job's status answers 404 to all but its starter and admins
    "api.job_status": set(ROLE_USERS),
}


def test_api_routes_with_each_roles_token(app, role_users, client, db):
    from annotate.services.accounts.tokens import create_token

    tokens = {who: create_token(db.session, user, "probe")[1] for who, user in role_users.items()}
    db.session.commit()
    api_routes = [r for r in _routes(app) if r[0].startswith("api.") and r[0] not in PUBLIC]
    assert {r[0] for r in api_routes} == set(API_ROLES)
    for endpoint, method, url in api_routes:
        for who in ROLE_USERS:
            response = client.open(
                url, method=method, headers={"Authorization": f"Bearer {tokens[who]}"}
            )
            response.close()
            where = f"{method} {url} as {who}"
            assert response.is_json or response.status_code == 200, where
            body = response.get_json(silent=True) or {}
            if who in API_ROLES[endpoint]:
                assert response.status_code in (200, 201, 202, 400, 403, 404, 409), where
                assert body.get("reason") != "role", where
            else:
                assert response.status_code == 403 and body["reason"] == "role", where
