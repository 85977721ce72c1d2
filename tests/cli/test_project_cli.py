"""``annotate project create --template``, ``project show`` and ``project set``."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from annotate.models import AuditEvent, Item, Membership, Project, ProjectRole, SampleMethod
from tests.factories import import_batch


@pytest.fixture(autouse=True)
def actor(runner, make_user):
    """Commands that change data name who runs them (``ANNOTATE_ACTOR``): an admin here."""
    make_user("root", admin=True)
    runner.env = {"ANNOTATE_ACTOR": "root"}


def _project(db, slug):
    return db.session.scalar(sa.select(Project).where(Project.slug == slug))


def test_create_from_template_makes_the_manager(runner, db, make_user):
    boss = make_user("boss")
    result = runner.invoke(
        args=[
            "project",
            "create",
            "safety",
            "--name",
            "Safety",
            "--template",
            "content_safety",
            "--manager",
            "boss",
        ]
    )
    assert result.exit_code == 0, result.output
    project = _project(db, "safety")
    assert project.rulebook_kind.value == "security"
    assert project.default_sample_method == SampleMethod.all
    assert project.labels[0] == {
        "key": "safe",
        "name": "Safe",
        "name_zh": "安全",
        "hotkey": "1",
        "color": 1,
    }
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == boss.id))
    assert membership.role == ProjectRole.manager and membership.project_id == project.id


def test_create_needs_a_known_manager_and_a_task(runner, db, make_user):
    unknown = runner.invoke(
        args=["project", "create", "x", "--name", "X", "--task-type", "text", "--manager", "ghost"]
    )
    assert unknown.exit_code == 1 and "No user 'ghost'" in unknown.output
    make_user("boss")
    no_task = runner.invoke(args=["project", "create", "x", "--name", "X", "--manager", "boss"])
    assert no_task.exit_code == 1 and "--task-type or --template" in no_task.output
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0
    # Without --manager the account running the command (--as / ANNOTATE_ACTOR) manages it.
    mine = runner.invoke(args=["project", "create", "x", "--name", "X", "--task-type", "text"])
    assert mine.exit_code == 0, mine.output
    assert "manager root" in mine.output


def test_show_lists_every_setting_with_help(runner, make_project):
    make_project("p1")
    text = runner.invoke(args=["project", "show", "p1"])
    assert text.exit_code == 0, text.output
    assert "redundancy_k = 3" in text.output and "ISO 2859-1" in text.output
    data = json.loads(runner.invoke(args=["project", "show", "p1", "--format", "json"]).output)
    assert data["settings"]["aql"] == "1" and data["settings"]["redundancy_k"] == 3
    assert [label["key"] for label in data["label_schema"]["labels"]] == ["yes", "no"]
    assert runner.invoke(args=["project", "show", "nope"]).exit_code == 1


def test_set_changes_settings_and_audits(runner, db, make_project, make_user):
    make_project("p1")
    make_user("boss")
    result = runner.invoke(
        args=[
            "project",
            "set",
            "p1",
            "redundancy_k=2",
            "gold_rate=0.1",
            "min_alpha=0.7",
            "aql=1.0",
            "--by",
            "boss",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "redundancy_k: 3 -> 2" in result.output
    project = _project(db, "p1")
    assert (project.redundancy_k, project.gold_rate, project.min_alpha) == (2, 0.1, 0.7)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "project.settings"))
    assert event.actor_name == "boss"
    assert event.details["changes"]["gold_rate"] == {"old": 0.05, "new": 0.1}


def test_set_and_show_the_dossier_frame(runner, db, make_project):
    make_project("p1")
    shown = runner.invoke(args=["project", "show", "p1"]).output
    assert "[dossier]" in shown and "time_zone = Asia/Shanghai" in shown and "Art. 8" in shown
    bad = runner.invoke(args=["project", "set", "p1", "time_zone=Moon/Base"])
    assert bad.exit_code == 1 and "IANA" in bad.output
    result = runner.invoke(
        args=["project", "set", "p1", "time_zone=Asia/Tokyo", "responsible_person=Zhang Wei"]
    )
    assert result.exit_code == 0, result.output
    assert "time_zone: Asia/Shanghai -> Asia/Tokyo" in result.output
    data = json.loads(runner.invoke(args=["project", "show", "p1", "--format", "json"]).output)
    assert data["settings"]["responsible_person"] == "Zhang Wei"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "project.settings"))
    assert event.actor_name == "root" and "responsible_person" in event.details["changes"]


def test_set_refuses_bad_values_and_contradictions(runner, db, make_project):
    project = make_project("p1")
    bad = runner.invoke(args=["project", "set", "p1", "redundancy_k=0", "aql=2", "gold_rate=x"])
    assert bad.exit_code == 1
    assert "redundancy_k" in bad.output and "preferred values" in bad.output
    assert "Traceback" not in bad.output
    assert runner.invoke(args=["project", "set", "p1", "nonsense"]).exit_code == 1
    import_batch(db.session, project, "b1", n_items=2, gold=[0])
    db.session.execute(sa.update(Item).values(annotation_count=3))
    db.session.commit()
    lowered = runner.invoke(args=["project", "set", "p1", "redundancy_k=2", "gold_rate=0.2"])
    assert lowered.exit_code == 1 and "already hold" in lowered.output
    db.session.expire_all()
    assert (_project(db, "p1").redundancy_k, _project(db, "p1").gold_rate) == (3, 0.05)


def test_creator_permission(runner, db, make_user):
    user = make_user("carol")
    assert runner.invoke(args=["project", "creator", "carol"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(type(user), user.id).can_create_projects is True
    out = runner.invoke(args=["project", "creator", "carol", "--revoke"])
    assert "may no longer" in out.output
