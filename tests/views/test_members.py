"""The members page (a project's managers), the admin's account actions (deactivate, reset
a password, import a CSV) and the forced password change that follows a reset."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from annotate.models import ProjectRole, User


@pytest.fixture
def app(app):
    """Forget the user between requests, as a server's fresh context per request would."""
    from flask import g

    app.before_request_funcs.setdefault(None, []).insert(
        0, lambda: g.pop("_login_user", None) and None
    )
    return app


def _log_in(app, username, password="secret-pw"):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, username
    return client


def _roles(db, username, project):
    user = db.session.scalar(sa.select(User).where(User.username == username))
    db.session.refresh(user)
    return user.roles_in(project)


def test_a_manager_adds_a_member_and_a_duplicate_says_so(app, db, role_users):
    project = role_users["manager"].memberships[0].project
    client = _log_in(app, "mgr")
    page = client.get("/projects/roles/members/")
    assert page.status_code == 200 and b"member-ann" in page.data
    response = client.post(
        "/projects/roles/members/",
        data={"username": "nobody", "role": "annotator"},
        follow_redirects=True,
    )
    assert response.status_code == 200 and b"nobody is now annotator" in response.data
    assert _roles(db, "nobody", project) == {ProjectRole.annotator}
    again = client.post(
        "/projects/roles/members/",
        data={"username": "nobody", "role": "annotator"},
        follow_redirects=True,
    )
    assert b"already had the role annotator" in again.data


@pytest.mark.parametrize(
    "data, status, words",
    [
        ({"username": "ghost", "role": "annotator"}, 404, b"No user ghost"),
        ({"username": "ann", "role": "reviewer"}, 409, b"TC260-003"),
        ({"username": "b@d", "role": "annotator"}, 400, b"letters, digits"),
        ({"username": "ann", "role": "king"}, 400, b"invalid-feedback"),
        ({}, 400, b"invalid-feedback"),
    ],
)
def test_bad_additions_are_refused_beside_the_field(app, role_users, data, status, words):
    client = _log_in(app, "mgr")
    response = client.post("/projects/roles/members/", data=data)
    assert response.status_code == status
    assert words in response.data and b"invalid-feedback" in response.data


def test_remove_a_role_then_the_member_and_never_the_last_manager(app, db, role_users):
    project = role_users["manager"].memberships[0].project
    client = _log_in(app, "mgr")
    ann, mgr = role_users["annotator"], role_users["manager"]
    response = client.post(f"/projects/roles/members/{ann.id}/roles/annotator/remove")
    assert response.status_code == 302
    assert _roles(db, "ann", project) == set()
    assert client.post(f"/projects/roles/members/{ann.id}/remove").status_code == 404
    last = client.post(f"/projects/roles/members/{mgr.id}/roles/manager/remove")
    assert last.status_code == 409 and b"last manager" in last.data
    assert client.post(f"/projects/roles/members/{mgr.id}/remove").status_code == 409
    assert _roles(db, "mgr", project) == {ProjectRole.manager}
    assert client.post(f"/projects/roles/members/{mgr.id}/roles/king/remove").status_code == 404


def test_only_this_projects_managers_and_admins_see_its_members(
    app, role_users, make_user, make_project
):
    other = make_project("other")
    make_user("boss2", project=other, roles=[ProjectRole.manager])
    for who, code in (("ann", 403), ("rev", 403), ("boss2", 403), ("admin", 200), ("mgr", 200)):
        assert _log_in(app, who).get("/projects/roles/members/").status_code == code, who
    assert _log_in(app, "mgr").get("/projects/nope/members/").status_code == 404
    response = _log_in(app, "boss2").post(
        "/projects/roles/members/", data={"username": "nobody", "role": "manager"}
    )
    assert response.status_code == 403


def test_admin_deactivates_and_the_users_session_dies(app, db, role_users):
    victim = _log_in(app, "ann")
    admin = _log_in(app, "admin")
    ann = role_users["annotator"]
    response = admin.post(f"/admin/users/{ann.id}/deactivate", follow_redirects=True)
    assert b"deactivated" in response.data
    assert victim.get("/annotate/").status_code == 302  # back to the login page
    refused = app.test_client().post("/login", data={"username": "ann", "password": "secret-pw"})
    assert refused.status_code == 200 and b"wrong password" in refused.data
    from annotate.services.accounts.tokens import create_token

    token = create_token(db.session, role_users["reviewer"], "script")[1]
    db.session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    with app.test_client().get("/api/v1/me", headers=bearer) as before:
        assert before.status_code == 200
    admin.post(f"/admin/users/{role_users['reviewer'].id}/deactivate")
    with app.test_client().get("/api/v1/me", headers=bearer) as after:
        assert after.status_code == 401  # API tokens stop too
    mgr = _log_in(app, "mgr")
    refused = mgr.post("/projects/roles/members/", data={"username": "rev", "role": "manager"})
    assert refused.status_code == 409 and b"deactivated" in refused.data
    me = role_users["admin"]
    own = admin.post(f"/admin/users/{me.id}/deactivate", follow_redirects=True)
    assert b"your own account" in own.data
    admin.post(f"/admin/users/{ann.id}/reactivate")
    _log_in(app, "ann")


def test_reset_forces_a_new_password_before_anything_else(app, db, role_users):
    ann = role_users["annotator"]
    victim = _log_in(app, "ann")
    page = _log_in(app, "admin").post(f"/admin/users/{ann.id}/reset-password")
    assert page.status_code == 200
    temporary = page.get_data(as_text=True).split('class="temp-password">')[1].split("<")[0]
    assert victim.get("/annotate/").status_code == 302  # the old session ended
    client = _log_in(app, "ann", temporary)
    for style in ("/static/annotate.css", "/bootstrap/static/css/bootstrap.min.css"):
        with client.get(style) as response:  # the change page keeps its style
            assert response.status_code == 200, style
    for path in ("/annotate/", "/account/", "/"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == (
            "/account/password/new"
        ), path
    bad = client.post("/account/password/new", data={"new": "abcdefgh", "confirm": "other"})
    assert bad.status_code == 400 and b"Passwords differ" in bad.data
    short = client.post("/account/password/new", data={"new": "abc", "confirm": "abc"})
    assert short.status_code == 400
    done = client.post(
        "/account/password/new", data={"new": "my-own-pass", "confirm": "my-own-pass"}
    )
    assert done.status_code == 302 and done.headers["Location"] == "/annotate/"
    assert client.get("/annotate/").status_code == 200
    assert client.get("/account/password/new").status_code == 302
    _log_in(app, "ann", "my-own-pass")


def test_import_all_or_nothing_from_the_page(app, db, role_users):
    admin = _log_in(app, "admin")
    bad = b"username,display_name,roles\nnew1,N1,roles:annotator\nnew2,N2,nope:annotator\n"
    response = admin.post(
        "/admin/users/import",
        data={"csv-file": (io.BytesIO(bad), "users.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert b"line 3: no project" in response.data and b"invalid-feedback" in response.data
    assert db.session.scalar(sa.select(User).where(User.username == "new1")) is None
    good = bad.replace(b"nope:", b"roles:").replace(b"new2,N2,roles:annotator", b"new2,N2,")
    response = admin.post(
        "/admin/users/import",
        data={"csv-file": (io.BytesIO(good), "users.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert response.data.count(b'class="temp-password"') == 2
    empty = admin.post("/admin/users/import", data={}, content_type="multipart/form-data")
    assert empty.status_code == 400 and b"Choose a CSV file" in empty.data


def test_a_duplicate_grant_on_the_users_page_says_it_already_had_the_role(app, role_users):
    admin = _log_in(app, "admin")
    response = admin.post(
        "/admin/users/",
        data={
            "grant-username": "ann",
            "grant-project": "roles",
            "grant-role": "annotator",
            "grant-submit": "y",
        },
        follow_redirects=True,
    )
    assert b"already had the role annotator" in response.data
    assert b"Role granted." not in response.data
    clash = admin.post(
        "/admin/users/",
        data={
            "grant-username": "ann",
            "grant-project": "roles",
            "grant-role": "reviewer",
            "grant-submit": "y",
        },
    )
    assert clash.status_code == 400 and b"TC260-003" in clash.data
