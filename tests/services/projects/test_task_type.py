"""Changing a project's task type: refused once annotations exist (form and one-question
projects alike, nothing written), allowed before when the items and schema fit; the
settings page offers only the types that can work."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.models import AuditEvent, TaskType
from annotate.services.projects.projects import create_project
from annotate.services.projects.rlhf_form import rlhf_full_schema
from annotate.services.projects.settings import SettingsError, update_settings
from annotate.services.projects.task_type import workable_task_types
from tests.factories import import_batch, labelled_project
from tests.form_factories import form_project


def _empty_form(session, slug="emptyform"):
    return create_project(session, slug, "Form", TaskType.form, label_schema=rlhf_full_schema())


@pytest.mark.parametrize("target", [t.value for t in TaskType if t != TaskType.form])
def test_an_annotated_form_keeps_its_type(db, target):
    project, _, _ = form_project(db.session, n_items=3)
    db.session.commit()
    schema = dict(project.label_schema)
    with pytest.raises(SettingsError) as caught:
        update_settings(db.session, project, {"task_type": target})
    message = str(caught.value.fields["task_type"])
    assert caught.value.status_code == 409
    assert "answers to this form's questions" in message and "orphaned" in message
    db.session.rollback()
    assert project.task_type == TaskType.form and project.label_schema == schema
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "project.settings")
        )
        == 0
    )


def test_an_annotated_one_question_project_cannot_become_a_form(db):
    project = labelled_project(db.session, n_items=6, n_unlabelled=2)
    with pytest.raises(SettingsError) as caught:
        update_settings(db.session, project, {"task_type": "form"})
    assert "annotations exist" in str(caught.value.fields["task_type"])
    assert workable_task_types(db.session, project) == [project.task_type.value]


def test_a_form_without_annotations_changes_where_the_schema_fits(db):
    project = _empty_form(db.session)
    db.session.commit()
    assert workable_task_types(db.session, project) == ["text", "form"]
    with pytest.raises(SettingsError) as caught:
        update_settings(db.session, project, {"task_type": "single_label"})
    assert "does not fit" in str(caught.value.fields["task_type"])
    assert update_settings(db.session, project, {"task_type": "text"}) == {
        "task_type": ("form", "text")
    }
    # The questions stay in the schema, so the project can become a form again.
    assert "form" in workable_task_types(db.session, project)
    update_settings(db.session, project, {"task_type": "form"})
    assert project.task_type == TaskType.form


def test_a_form_with_items_offers_only_its_own_type(db):
    project, _, _ = form_project(db.session, n_items=2)
    assert workable_task_types(db.session, project) == ["form"]


def test_a_fresh_one_question_project_cannot_become_a_form(db, make_project):
    project = make_project("fresh")
    assert "form" not in workable_task_types(db.session, project)
    offered = set(workable_task_types(db.session, project))
    assert offered == {"single_label", "multi_label", "span", "text"}
    with pytest.raises(SettingsError) as caught:
        update_settings(db.session, project, {"task_type": "form"})
    assert "does not fit" in str(caught.value.fields["task_type"])
    import_batch(db.session, project, "b1", n_items=2)
    assert "multi_label" in workable_task_types(db.session, project)
