"""``annotate user deactivate|reactivate|reset-password|import`` and
``annotate member add|remove|list``: the services of the web pages, clean errors, audited."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from annotate.auth import check_password
from annotate.models import AuditEvent, ProjectRole, User


def _user(db, name):
    user = db.session.scalar(sa.select(User).where(User.username == name))
    db.session.refresh(user)
    return user


@pytest.fixture
def runner(runner):
    """Commands that change data name who runs them (``--as`` / ``$ANNOTATE_ACTOR``)."""
    runner.env = {"ANNOTATE_ACTOR": "admin"}
    return runner


def test_a_change_without_an_actor_is_refused(app, db, role_users):
    bare = app.test_cli_runner()
    result = bare.invoke(args=["user", "deactivate", "ann"])
    assert result.exit_code == 1 and "--as USERNAME" in result.output
    assert _user(db, "ann").active


def test_deactivate_reactivate_and_reset(runner, db, role_users):
    result = runner.invoke(args=["user", "deactivate", "ann"])
    assert result.exit_code == 0 and "deactivated" in result.output
    assert not _user(db, "ann").active
    assert "already inactive" in runner.invoke(args=["user", "deactivate", "ann"]).output
    assert runner.invoke(args=["user", "reactivate", "ann"]).exit_code == 0
    assert _user(db, "ann").active
    result = runner.invoke(args=["user", "reset-password", "ann"])
    assert result.exit_code == 0, result.output
    temporary = result.output.strip().rsplit(" ", 1)[1]
    ann = _user(db, "ann")
    assert ann.must_change_password and check_password(ann, temporary)
    events = {e.action: e.actor_name for e in db.session.scalars(sa.select(AuditEvent))}
    for action in ("user.deactivate", "user.reactivate", "user.password_reset"):
        assert events[action] == "admin", action
    myself = runner.invoke(args=["user", "deactivate", "admin"])
    assert myself.exit_code == 1 and "your own account" in myself.output
    missing = runner.invoke(args=["user", "deactivate", "ghost"])
    assert missing.exit_code == 1 and "No user ghost" in missing.output
    assert "Traceback" not in missing.output


def test_import_prints_temporary_passwords_or_names_the_bad_line(runner, db, role_users, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("username,display_name,roles\nnew1,N,roles:annotator\nann,Dup,\n")
    result = runner.invoke(args=["user", "import", str(bad)])
    assert result.exit_code == 1 and "line 3: user ann already exists" in result.output
    assert db.session.scalar(sa.select(User).where(User.username == "new1")) is None
    good = tmp_path / "good.csv"
    good.write_text("username,display_name,roles\nnew1,N,roles:annotator\n", encoding="utf-8")
    result = runner.invoke(args=["user", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "username,temporary_password\nnew1," in result.output
    assert _user(db, "new1").must_change_password


def test_member_add_list_remove(runner, db, role_users):
    result = runner.invoke(args=["member", "add", "roles", "nobody", "reviewer"])
    assert result.exit_code == 0 and "is now reviewer" in result.output
    again = runner.invoke(args=["member", "add", "roles", "nobody", "reviewer"])
    assert again.exit_code == 0 and "already had the role reviewer" in again.output
    clash = runner.invoke(args=["member", "add", "roles", "ann", "reviewer"])
    assert clash.exit_code == 1 and "TC260-003" in clash.output
    listed = json.loads(runner.invoke(args=["member", "list", "roles", "--format", "json"]).output)
    assert {row["username"]: row["roles"] for row in listed}["nobody"] == ["reviewer"]
    assert "nobody\treviewer" in runner.invoke(args=["member", "list", "roles"]).output
    removed = runner.invoke(args=["member", "remove", "roles", "nobody", "--role", "reviewer"])
    assert removed.exit_code == 0
    project = role_users["manager"].memberships[0].project
    assert _user(db, "nobody").roles_in(project) == set()
    last = runner.invoke(args=["member", "remove", "roles", "mgr"])
    assert last.exit_code == 1 and "last manager" in last.output
    assert _user(db, "mgr").roles_in(project) == {ProjectRole.manager}
    unknown = runner.invoke(args=["member", "list", "nope"])
    assert unknown.exit_code == 1 and "No project" in unknown.output
