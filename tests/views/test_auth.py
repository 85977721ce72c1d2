"""Logging in and out, landing pages, CSRF, throttling and cookie hardening."""

from __future__ import annotations

import pytest

LANDING = {
    "admin": "/admin/",
    "manager": "/reports/",
    "reviewer": "/review/",
    "annotator": "/annotate/",
    "nobody": "/account/",
}


@pytest.mark.parametrize("role", list(LANDING))
def test_each_role_lands_on_its_home(role, role_users, client, login):
    response = login(role_users[role].username)
    assert response.status_code == 302
    assert response.headers["Location"] == LANDING[role]
    assert client.get("/").headers["Location"] == LANDING[role]
    assert client.get(LANDING[role]).status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_message(role_users, login):
    wrong = login("ann", "not-the-password")
    unknown = login("ghost", "whatever")
    assert wrong.status_code == unknown.status_code == 200
    assert b"Unknown username or wrong password." in wrong.data
    assert b"Unknown username or wrong password." in unknown.data


def test_inactive_user_cannot_log_in(role_users, login, db):
    role_users["annotator"].active = False
    db.session.commit()
    assert login("ann").status_code == 200


def test_logout_requires_post_and_ends_the_session(role_users, client, login):
    login("ann")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/annotate/").status_code == 302


def test_next_parameter_cannot_redirect_off_site(role_users, client):
    response = client.post(
        "/login?next=https://evil.example/x", data={"username": "ann", "password": "secret-pw"}
    )
    assert response.headers["Location"] == "/annotate/"
    response = client.post("/logout")
    response = client.post(
        "/login?next=/annotate/", data={"username": "ann", "password": "secret-pw"}
    )
    assert response.headers["Location"] == "/annotate/"


def test_anonymous_user_is_sent_to_login_with_next(client):
    response = client.get("/review/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_post_without_csrf_token_gets_a_readable_400(csrf_app, role_users):
    client = csrf_app.test_client()
    response = client.post("/login", data={"username": "ann", "password": "secret-pw"})
    assert response.status_code == 400
    assert b"security token" in response.data


def test_login_with_csrf_token_works(csrf_app, role_users):
    import re

    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    response = client.post(
        "/login", data={"username": "ann", "password": "secret-pw", "csrf_token": token}
    )
    assert response.status_code == 302


def test_session_cookie_is_hardened(role_users, client, login):
    response = login("ann")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_passwords_are_hashed_with_argon2(role_users):
    assert role_users["annotator"].password_hash.startswith("$argon2id$")
