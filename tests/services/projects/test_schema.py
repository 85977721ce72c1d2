"""Label schemas from the form, templates, and creating a project with its manager."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.models import (
    MeasurementLevel,
    Membership,
    Project,
    ProjectRole,
    RulebookKind,
    TaskType,
)
from annotate.services.errors import Conflict, InvalidInput, PermissionDenied
from annotate.services.projects.projects import create_project
from annotate.services.projects.questions import check_form_schema
from annotate.services.projects.schema import SchemaError, check_schema, display_name
from annotate.services.projects.templates import TEMPLATES


def _row(key, hotkey="", name="", name_zh="", color=""):
    return {"key": key, "hotkey": hotkey, "name": name, "name_zh": name_zh, "color": color}


def test_labels_are_checked_field_by_field():
    rows = [
        _row("pos", "1", "Positive", "正面", "1"),
        _row("pos", "1"),
        _row("bad key!", "s"),
        _row("x", "11"),
        _row(""),  # blank: skipped
        _row("y", color="9"),
    ]
    with pytest.raises(SchemaError) as caught:
        check_schema(TaskType.single_label, rows)
    fields = caught.value.fields
    assert "used twice" in str(fields["labels-1-key"])
    assert "already used by label 1" in str(fields["labels-1-hotkey"])
    assert "labels-2-key" in fields and "kept by the labeling screen" in str(
        fields["labels-2-hotkey"]
    )
    assert "one digit or one letter" in str(fields["labels-3-hotkey"])
    assert "labels-5-color" in fields
    assert "labels-4-key" not in fields


def test_a_good_schema_fills_names_and_colours():
    schema, level = check_schema(
        TaskType.single_label, [_row("pos", "1", "Positive", "正面"), _row("neg", "N")]
    )
    assert level == MeasurementLevel.nominal
    assert schema["labels"][1] == {
        "key": "neg",
        "name": "neg",
        "name_zh": "neg",
        "hotkey": "n",
        "color": 1,
    }
    assert display_name(schema["labels"][0], "zh") == "正面"
    assert display_name(schema["labels"][0], "en") == "Positive"


def test_empty_labels_scale_and_level():
    with pytest.raises(SchemaError) as caught:
        check_schema(TaskType.span, [_row("")])
    assert "at least one label" in str(caught.value.fields["labels"])
    with pytest.raises(SchemaError) as caught:
        check_schema(TaskType.rating, scale={"min": "5", "max": "1"}, level="interval")
    assert "above the lowest" in str(caught.value.fields["scale_max"])
    with pytest.raises(SchemaError) as caught:
        check_schema(TaskType.rating, scale={"min": "0", "max": "1", "step": "0.3"})
    assert "divide" in str(caught.value.fields["scale_step"])
    schema, level = check_schema(
        TaskType.rating, scale={"min": "1", "max": "7", "step": ""}, level="interval"
    )
    assert schema == {"scale": {"min": 1, "max": 7, "step": 1}}
    assert level == MeasurementLevel.interval
    with pytest.raises(SchemaError) as caught:
        check_schema(TaskType.multi_label, [_row("a")], level="ordinal")
    assert "measurement_level" in caught.value.fields


def test_pairwise_keeps_its_four_choices():
    schema, _ = check_schema(TaskType.pairwise, [_row("")])  # a blank form: the four choices
    assert [(label["key"], label["hotkey"]) for label in schema["labels"]] == [
        ("A", "1"),
        ("B", "2"),
        ("tie", "3"),
        ("both_bad", "4"),
    ]
    rows = [dict(label) for label in TEMPLATES["rlhf_pairwise"].labels]
    check_schema(TaskType.pairwise, rows)
    rows[3]["key"] = "neither"
    with pytest.raises(SchemaError) as caught:
        check_schema(TaskType.pairwise, rows)
    assert "exactly the choices" in str(caught.value.fields["labels"])


@pytest.mark.parametrize("key", [k for k in TEMPLATES if k != "blank"])
def test_every_template_schema_is_valid(key):
    template = TEMPLATES[key]
    assert template.task_type is not None
    if template.task_type == TaskType.form:  # several questions: the form is the schema
        assert template.form_schema is not None
        assert check_form_schema(template.form_schema)["questions"]
        return
    schema, _ = check_schema(
        template.task_type,
        [dict(label) for label in template.labels],
        template.scale,
        template.measurement_level,
    )
    assert schema or template.task_type == TaskType.text


def test_the_creator_becomes_manager(db, make_user):
    creator = make_user("creator")
    creator.can_create_projects = True
    template = TEMPLATES["content_safety"]
    schema, level = check_schema(template.task_type, list(template.labels))
    project = create_project(
        db.session,
        "safety",
        "Safety",
        template.task_type,
        label_schema=schema,
        measurement_level=level,
        rulebook_kind=template.rulebook_kind,
        actor=creator,
        manager=creator,
        **template.settings,
    )
    db.session.commit()
    assert project.rulebook_kind == RulebookKind.security
    assert project.labels[1]["name_zh"].startswith("A.1")
    roles = db.session.scalars(
        sa.select(Membership.role).where(Membership.project_id == project.id)
    ).all()
    assert roles == [ProjectRole.manager]


def test_creating_needs_the_permission_and_a_free_slug(db, make_user, make_project):
    plain = make_user("plain")
    with pytest.raises(PermissionDenied):
        create_project(db.session, "x1", "X", "text", actor=plain, manager=plain)
    make_project("taken")
    admin = make_user("root", admin=True)
    with pytest.raises(Conflict, match="already exists"):
        create_project(db.session, "taken", "X", "text", actor=admin, manager=admin)
    with pytest.raises(InvalidInput, match="Invalid slug"):
        create_project(db.session, "Bad Slug", "X", "text", actor=admin, manager=admin)


def test_a_slug_taken_between_check_and_insert_is_a_conflict(db, make_user, monkeypatch):
    """Two creators racing for one slug: the unique constraint refuses the second, as a
    Conflict (a message), not an IntegrityError (a 500), and the first is kept."""
    from annotate.services.projects import projects

    admin = make_user("root", admin=True)
    create_project(db.session, "race", "First", "text", actor=admin, manager=admin)
    monkeypatch.setattr(projects, "check_slug", lambda session, slug: None)
    with pytest.raises(Conflict, match="already exists"):
        create_project(db.session, "race", "Second", "text", actor=admin, manager=admin)
    db.session.commit()
    names = db.session.scalars(sa.select(Project.name).where(Project.slug == "race")).all()
    assert names == ["First"]


def test_content_safety_labels_are_those_of_its_shipped_rulebook():
    """A project made from the template and given the shipped content-safety rulebook must not
    be told at publication that the two label sets disagree (found by the issue-14 flow)."""
    from pathlib import Path

    from annotate.services.rulebooks.parsing import parse_rulebook_file

    shipped = Path(__file__).resolve().parents[3] / "guidelines" / "content-safety"
    primary = [p for p in shipped.glob("v*.md") if p.stem.count(".") == 2]  # not v1.0.0.en.md
    newest = max(primary, key=lambda p: tuple(map(int, p.stem[1:].split("."))))
    rulebook = parse_rulebook_file(newest).front_matter["labels"]
    template = TEMPLATES["content_safety"].labels
    assert [(label["key"], label["hotkey"]) for label in template] == [
        (label["key"], label["hotkey"]) for label in rulebook
    ]
