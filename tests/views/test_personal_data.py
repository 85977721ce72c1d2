"""The users page's personal-data rights: export ZIP, erasure confirmed by the username."""

from __future__ import annotations

import io
import zipfile

import sqlalchemy as sa

from annotate.models import User


def test_page_export_and_erase(client, db, role_users, login):
    login("admin")
    ann = role_users["annotator"]
    page = client.get(f"/admin/users/{ann.id}/personal-data")
    assert page.status_code == 200 and b"erase-form" in page.data
    zipped = client.post(f"/admin/users/{ann.id}/personal-data/export")
    assert zipped.status_code == 200 and zipped.mimetype == "application/zip"
    assert "data.json" in zipfile.ZipFile(io.BytesIO(zipped.data)).namelist()
    wrong = client.post(f"/admin/users/{ann.id}/erase", data={"confirm": "someone"})
    assert wrong.status_code == 400 and b"Type the username" in wrong.data
    empty = client.post(f"/admin/users/{ann.id}/erase", data={"confirm": ""})
    assert empty.status_code == 400
    done = client.post(f"/admin/users/{ann.id}/erase", data={"confirm": "ann"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, ann.id).username == f"erased-{ann.id}"
    users = client.get("/admin/users/").get_data(as_text=True)
    assert f"erased-{ann.id}" in users and "<code>ann</code>" not in users
    again = client.post(f"/admin/users/{ann.id}/erase", data={"confirm": f"erased-{ann.id}"})
    assert again.status_code == 409


def test_the_last_admin_is_not_erased(client, db, role_users, login, make_user):
    make_user("admin2", admin=True)
    login("admin2")
    admin = role_users["admin"]
    admin.active = False  # admin2 is then the only active administrator
    db.session.commit()
    response = client.post(f"/admin/users/{admin.id}/erase", data={"confirm": "admin"})
    assert response.status_code == 302  # an inactive admin can be erased
    me = db.session.scalar(sa.select(User).where(User.username == "admin2"))
    mine = client.post(f"/admin/users/{me.id}/erase", data={"confirm": "admin2"})
    assert mine.status_code == 403


def test_export_of_an_unknown_user_is_404(client, role_users, login):
    login("admin")
    assert client.post("/admin/users/999/personal-data/export").status_code == 404
    assert client.get("/admin/users/999/personal-data").status_code == 404
