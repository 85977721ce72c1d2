"""``annotate user export|erase USERNAME``: a ZIP; erasure confirmed by typing the name."""

from __future__ import annotations

import json
import zipfile

import sqlalchemy as sa

from annotate.models import AuditEvent, User


def _names(db):
    db.session.expire_all()
    return set(db.session.scalars(sa.select(User.username)))


def test_export_writes_a_zip(app, db, role_users, tmp_path):
    runner = app.test_cli_runner(env={"ANNOTATE_ACTOR": "admin"})
    out = tmp_path / "ann.zip"
    result = runner.invoke(args=["user", "export", "ann", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(zipfile.ZipFile(out).read("data.json"))
    assert data["account"][0]["username"] == "ann"
    assert runner.invoke(args=["user", "export", "nosuch", "-o", str(out)]).exit_code == 1


def test_erase_asks_for_the_name(app, db, role_users):
    runner = app.test_cli_runner(env={"ANNOTATE_ACTOR": "admin"})
    wrong = runner.invoke(args=["user", "erase", "ann"], input="annn\n")
    assert wrong.exit_code == 1 and "Type the username" in wrong.output
    assert "ann" in _names(db)
    result = runner.invoke(args=["user", "erase", "ann"], input="ann\n")
    assert result.exit_code == 0, result.output
    pseudonym = f"erased-{role_users['annotator'].id}"
    assert pseudonym in result.output and "ann" not in _names(db) and pseudonym in _names(db)
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert "user.erase" in actions


def test_erase_with_confirm_and_the_last_admin(app, db, role_users):
    runner = app.test_cli_runner(env={"ANNOTATE_ACTOR": "mgr"})
    assert runner.invoke(args=["user", "erase", "rev", "--confirm", "rev"]).exit_code == 0
    last = runner.invoke(args=["user", "erase", "admin", "--confirm", "admin"])
    assert last.exit_code == 1 and "last active administrator" in last.output
    assert "admin" in _names(db)
