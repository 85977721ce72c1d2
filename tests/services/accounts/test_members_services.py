"""Account services: roles granted and revoked (role separation, the last manager),
deactivation, password reset, and the all-or-nothing CSV import."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.auth import check_password
from annotate.models import AuditEvent, Membership, ProjectRole, User
from annotate.services.accounts.bulk import import_users_csv
from annotate.services.accounts.memberships import grant_role, list_members, revoke_role
from annotate.services.accounts.users import (
    deactivate_user,
    reactivate_user,
    reset_password,
    set_new_password,
)
from annotate.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied


def _actions(db) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_duplicate_grant_says_so_and_is_not_audited_twice(db, make_user, make_project):
    project = make_project("p")
    ann = make_user("ann")
    assert grant_role(db.session, ann, project, ProjectRole.annotator)[1] is True
    before = len(_actions(db))
    membership, created = grant_role(db.session, ann, project, ProjectRole.annotator)
    assert created is False and membership.role == ProjectRole.annotator
    assert len(_actions(db)) == before


def test_role_separation_refuses_annotator_and_reviewer(db, make_user, make_project):
    project = make_project("p")
    ann = make_user("ann", project=project, roles=[ProjectRole.annotator])
    with pytest.raises(Conflict, match="TC260-003"):
        grant_role(db.session, ann, project, ProjectRole.reviewer)
    open_project = make_project("q", separate_roles=False)
    grant_role(db.session, ann, open_project, ProjectRole.annotator)
    assert grant_role(db.session, ann, open_project, ProjectRole.reviewer)[1]


def test_revoke_one_role_or_all_and_audit_each(db, make_user, make_project):
    project = make_project("p")
    make_user("boss", project=project, roles=[ProjectRole.manager])
    ann = make_user("ann", project=project, roles=[ProjectRole.annotator, ProjectRole.manager])
    assert revoke_role(db.session, ann, project, ProjectRole.manager) == [ProjectRole.manager]
    assert ann.roles_in(project) == {ProjectRole.annotator}
    assert revoke_role(db.session, ann, project) == [ProjectRole.annotator]
    db.session.commit()
    assert [m.user.username for m in list_members(db.session, project)] == ["boss"]
    assert _actions(db).count("membership.revoke") == 2
    with pytest.raises(NotFound):
        revoke_role(db.session, ann, project, ProjectRole.reviewer)
    with pytest.raises(NotFound):
        revoke_role(db.session, ann, project)


def test_the_last_manager_cannot_be_removed(db, make_user, make_project):
    project = make_project("p")
    boss = make_user("boss", project=project, roles=[ProjectRole.manager])
    with pytest.raises(Conflict, match="last manager"):
        revoke_role(db.session, boss, project, ProjectRole.manager)
    with pytest.raises(Conflict, match="last manager"):
        revoke_role(db.session, boss, project)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Membership.id))) == 1
    second = make_user("second", project=project, roles=[ProjectRole.manager])
    revoke_role(db.session, boss, project)
    with pytest.raises(Conflict):
        revoke_role(db.session, second, project, ProjectRole.manager)


def test_deactivation_ends_sessions_and_is_refused_for_oneself(db, make_user):
    admin = make_user("root", admin=True)
    ann = make_user("ann")
    epoch = ann.session_epoch
    assert deactivate_user(db.session, ann, actor=admin) is True
    assert ann.active is False and ann.session_epoch == epoch + 1
    assert deactivate_user(db.session, ann, actor=admin) is False
    with pytest.raises(PermissionDenied):
        deactivate_user(db.session, admin, actor=admin)
    assert reactivate_user(db.session, ann, actor=admin) is True
    assert reactivate_user(db.session, ann, actor=admin) is False
    assert ann.active
    assert _actions(db)[-2:] == ["user.deactivate", "user.reactivate"]


def test_reset_gives_a_temporary_password_to_change(db, make_user):
    ann = make_user("ann")
    epoch = ann.session_epoch
    temporary = reset_password(db.session, ann)
    assert check_password(ann, temporary) and not check_password(ann, "secret-pw")
    assert ann.must_change_password and ann.session_epoch == epoch + 1
    with pytest.raises(InvalidInput):
        set_new_password(db.session, ann, "short")
    set_new_password(db.session, ann, "a-new-password")
    assert check_password(ann, "a-new-password") and not ann.must_change_password
    assert "user.password_reset" in _actions(db) and _actions(db)[-1] == "user.password_change"


GOOD = (
    "username,display_name,roles\n"
    "li.wei,李伟,p:annotator\n"
    "\n"
    "zhang,张三,p:reviewer; q:manager\n"
    "plain,,\n"
)


def test_import_creates_everyone_with_roles_and_temporary_passwords(db, make_user, make_project):
    p, q = make_project("p"), make_project("q")
    created = import_users_csv(db.session, GOOD.encode("utf-8-sig"))
    db.session.commit()
    assert [c.user.username for c in created] == ["li.wei", "zhang", "plain"]
    zhang = created[1].user
    assert zhang.display_name == "张三" and zhang.must_change_password
    assert zhang.roles_in(p) == {ProjectRole.reviewer}
    assert zhang.roles_in(q) == {ProjectRole.manager}
    assert check_password(zhang, created[1].password)
    assert created[2].user.memberships == []
    actions = _actions(db)
    assert actions.count("user.create") == 3 and actions.count("membership.grant") == 3
    assert actions[-1] == "user.import"


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("username,display_name,roles\nok,OK,p:annotator\nb@d,X,\n", 3, "invalid username"),
        ("username,display_name,roles\nok,OK,\nok,Again,\n", 3, "already on line 2"),
        ("username,display_name,roles\nok,OK,nope:annotator\n", 2, "no project"),
        ("username,display_name,roles\nok,OK,p:boss\n", 2, "project:role"),
        ("username,display_name,roles\nok,OK\n", 2, "2 fields"),
        ("username,display_name,roles\nok,OK,p:annotator;p:reviewer\n", 2, "TC260-003"),
        ("username,display_name,roles\nok,OK,\ntaken,T,\n", 3, "already exists"),
    ],
)
def test_one_bad_line_imports_nothing_and_names_the_line(
    db, make_user, make_project, text, line, words
):
    make_project("p")
    make_user("taken")
    users = db.session.scalar(sa.select(sa.func.count(User.id)))
    with pytest.raises(InvalidInput) as raised:
        import_users_csv(db.session, text)
    db.session.rollback()
    assert any(p.startswith(f"line {line}:") and words in p for p in raised.value.problems), (
        raised.value.problems
    )
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == users


@pytest.mark.parametrize(
    "data, words",
    [
        (b"name,roles\nx,y\n", "header"),
        (b"username,display_name,roles\n", "no users"),
        (b"\xff\xfe\x00\x01", "UTF-8"),
        (b"", "header"),
    ],
)
def test_a_file_that_is_not_a_user_list_is_refused(db, data, words):
    with pytest.raises(InvalidInput, match=words):
        import_users_csv(db.session, data)
