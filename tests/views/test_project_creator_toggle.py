"""The admin's users page gives and takes away the global "project creator" permission:
POST only, CSRF-checked, admins only, audited with the old and new values."""

from __future__ import annotations

import sqlalchemy as sa

from annotate.models import AuditEvent, User


def _creator(db, username: str) -> bool:
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.username == username))
    return user.can_create_projects


def test_admin_toggles_project_creator_and_it_is_audited(app, client, login, db, role_users):
    nobody = role_users["nobody"]
    login("admin")
    page = client.get("/admin/users/").get_data(as_text=True)
    assert f"/admin/users/{nobody.id}/project-creator/grant" in page
    response = client.post(f"/admin/users/{nobody.id}/project-creator/grant", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "nobody may now create projects." in html
    assert f"/admin/users/{nobody.id}/project-creator/revoke" in html
    assert _creator(db, "nobody")
    client.post("/logout")

    login("nobody")
    assert client.get("/admin/new-project/").status_code == 200
    client.post("/logout")

    login("admin")
    client.post(f"/admin/users/{nobody.id}/project-creator/revoke")
    assert not _creator(db, "nobody")
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "user.project_creator")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.details["old"], e.details["new"]) for e in events] == [(False, True), (True, False)]
    assert all(e.details["username"] == "nobody" for e in events)


def test_only_admins_may_toggle_and_only_with_a_csrf_token(app, client, login, db, role_users):
    nobody = role_users["nobody"]
    login("mgr")
    assert client.post(f"/admin/users/{nobody.id}/project-creator/grant").status_code == 403
    client.post("/logout")
    login("admin")
    assert client.get(f"/admin/users/{nobody.id}/project-creator/grant").status_code == 405
    assert client.post(f"/admin/users/{nobody.id}/project-creator/maybe").status_code == 404
    assert client.post("/admin/users/99999/project-creator/grant").status_code == 404
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/admin/users/{nobody.id}/project-creator/grant").status_code == 400
    assert not _creator(db, "nobody")
