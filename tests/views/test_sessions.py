"""Server-side session revocation: logout, a password change, deactivation and "log out
everywhere" end every session and remember-me cookie of the user; login rotates the session
and the CSRF token; the remember cookie is short, off by default and Secure when configured."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
import sqlalchemy as sa

from annotate import create_app
from annotate.config import TestConfig
from annotate.models import AuditEvent


@pytest.fixture
def app(app):
    """The suite's app, made to forget the user between requests (see below)."""
    _forget_user_between_requests(app)
    return app


def _forget_user_between_requests(app):
    """The fixture's app context outlives requests, and Flask-Login caches the user in ``g``:
    forget it before each request, as a server's fresh context per request would."""
    from flask import g

    app.before_request_funcs.setdefault(None, []).insert(
        0, lambda: g.pop("_login_user", None) and None
    )


def _log_in(app, username: str, password: str = "secret-pw", remember: bool = False):
    client = app.test_client()
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "y"
    assert client.post("/login", data=data).status_code == 302
    return client


def _copy(app, client, *names: str):
    """A second browser holding copies of ``client``'s cookies (a stolen or second device)."""
    other = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        other.set_cookie(name, cookie.value)
    return other


def _logged_in(client) -> bool:
    return client.get("/account/").status_code == 200


def test_a_copied_session_cookie_dies_at_logout(app, role_users):
    client = _log_in(app, "ann")
    copy = _copy(app, client, "session")
    assert _logged_in(copy)
    assert client.post("/logout").status_code == 302
    assert not _logged_in(copy)


def test_a_remember_cookie_dies_at_logout(app, role_users):
    client = _log_in(app, "ann", remember=True)
    only_remember = _copy(app, client, "remember_token")
    assert _logged_in(only_remember)
    client.post("/logout")
    assert not _logged_in(
        _copy(app, client, "session") if client.get_cookie("session") else app.test_client()
    )
    stolen = app.test_client()
    stolen.set_cookie("remember_token", only_remember.get_cookie("remember_token").value)
    assert not _logged_in(stolen)


def test_a_password_change_ends_the_other_sessions_but_not_this_one(app, role_users):
    here = _log_in(app, "ann")
    elsewhere = _log_in(app, "ann", remember=True)
    remembered = _copy(app, elsewhere, "remember_token")
    response = here.post(
        "/account/",
        data={
            "pw-current": "secret-pw",
            "pw-new": "new-secret-pw",
            "pw-confirm": "new-secret-pw",
            "pw-submit": "y",
        },
    )
    assert response.status_code == 302
    assert _logged_in(here)
    assert not _logged_in(elsewhere)
    assert not _logged_in(remembered)


def test_deactivation_ends_sessions_for_good(app, db, role_users):
    client = _log_in(app, "ann", remember=True)
    remembered = _copy(app, client, "remember_token")
    user = role_users["annotator"]
    user.active = False
    db.session.commit()
    assert not _logged_in(client)
    user.active = True  # reactivated: the old cookies stay dead
    db.session.commit()
    assert not _logged_in(client)
    assert not _logged_in(remembered)


def test_log_out_everywhere_from_the_account_page(app, db, role_users):
    here = _log_in(app, "ann")
    elsewhere = _log_in(app, "ann", remember=True)
    page = here.get("/account/").get_data(as_text=True)
    assert 'action="/account/sessions/end"' in page
    assert here.get("/account/sessions/end").status_code == 405
    response = here.post("/account/sessions/end")
    assert response.headers["Location"] == "/login"
    assert not _logged_in(here)
    assert not _logged_in(elsewhere)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.sessions_end"))
    assert event.actor_id == role_users["annotator"].id


def test_an_admin_logs_a_user_out_everywhere(app, db, role_users):
    ann = _log_in(app, "ann", remember=True)
    remembered = _copy(app, ann, "remember_token")
    admin = _log_in(app, "admin")
    target = role_users["annotator"].id
    assert f'action="/admin/users/{target}/sessions/end"' in admin.get("/admin/users/").get_data(
        as_text=True
    )
    assert admin.post(f"/admin/users/{target}/sessions/end").status_code == 302
    assert not _logged_in(ann)
    assert not _logged_in(remembered)
    assert _logged_in(admin)
    assert admin.post("/admin/users/999999/sessions/end").status_code == 404
    assert _log_in(app, "mgr").post(f"/admin/users/{target}/sessions/end").status_code == 403
    events = list(
        db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user.sessions_end"))
    )
    assert [e.actor_id for e in events] == [role_users["admin"].id]


def test_login_rotates_the_session_and_the_csrf_token(app, role_users):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    with client.session_transaction() as session:
        before = session["csrf_token"]
        session["planted"] = "by an attacker"
        session["lang"] = "zh"
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    response = client.post(
        "/login", data={"username": "ann", "password": "secret-pw", "csrf_token": token}
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != before
        assert session["lang"] == "zh"  # the language chosen before logging in stays


def test_remember_me_is_off_by_default_and_short(app, role_users):
    page = app.test_client().get("/login").get_data(as_text=True)
    checkbox = re.search(r'<input[^>]*name="remember"[^>]*>', page)[0]
    assert "checked" not in checkbox
    client = app.test_client()
    response = client.post("/login", data={"username": "ann", "password": "secret-pw"})
    assert "remember_token" not in " ".join(response.headers.getlist("Set-Cookie"))
    response = app.test_client().post(
        "/login", data={"username": "ann", "password": "secret-pw", "remember": "y"}
    )
    remember = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")
    )
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", remember)[1])
    assert expires - datetime.now(UTC) <= timedelta(days=30)
    assert "HttpOnly" in remember


@pytest.mark.parametrize("secure", [True, False])
def test_cookies_are_secure_whenever_configured(secure):
    from annotate.database import db
    from annotate.services.accounts.users import create_user

    app = create_app(
        {
            "CONFIG_CLASS": TestConfig,
            "SESSION_COOKIE_SECURE": secure,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "REMEMBER_COOKIE_DURATION": timedelta(days=365),
        }
    )
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)
    with app.app_context():
        db.create_all()
        create_user(db.session, "carol", "secret-pw")
        db.session.commit()
        response = app.test_client().post(
            "/login",
            data={"username": "carol", "password": "secret-pw", "remember": "y"},
            base_url="https://localhost",
        )
        cookies = response.headers.getlist("Set-Cookie")
        assert {c.split("=")[0] for c in cookies} >= {"session", "remember_token"}
        assert all(("; Secure" in c) == secure for c in cookies)
        db.session.remove()
        db.drop_all()
