"""Setting up a form project: the "RLHF preference (full)" template on the new-project page,
the questions editor on the settings page (limited once items are annotated), item fields
checked at import, clauses that name questions checked at publication."""

from __future__ import annotations

import html

import pytest
import sqlalchemy as sa
import yaml

from annotate.models import AuditEvent, Project, ProjectRole, TaskType
from annotate.services.data.imports import import_records
from annotate.services.data.results import ImportRefused
from annotate.services.errors import InvalidInput
from annotate.services.projects.form_edit import form_text
from annotate.services.projects.rlhf_form import rlhf_full_schema
from annotate.services.rulebooks.clause_questions import clause_questions
from tests.factories import MINIMAL, publish_rulebook
from tests.form_factories import form_project


def _new(client, text, slug="rlhf"):
    return client.post(
        "/admin/new-project/rlhf_full",
        data={
            "slug": slug,
            "name": "RLHF",
            "task_type": "form",
            "rulebook_kind": "security",
            "measurement_level": "nominal",
            "questions": text,
            "submit": "1",
        },
    )


def test_the_template_creates_a_form_project_from_its_yaml(client, login, make_user, db):
    make_user("root", admin=True)
    login("root")
    page = client.get("/admin/new-project/rlhf_full").get_data(as_text=True)
    assert "harmless_a" in page and 'id="question-fields"' in page
    text = html.unescape(page.split('name="questions"')[1].split(">", 1)[1].split("</textarea")[0])
    assert yaml.safe_load(text) == rlhf_full_schema()  # the page holds the template's YAML
    assert _new(client, text).status_code == 302
    project = db.session.scalar(sa.select(Project).where(Project.slug == "rlhf"))
    assert project.task_type == TaskType.form
    assert len(project.label_schema["questions"]) == 13


def test_a_bad_form_is_refused_with_every_question_named(client, login, make_user, db):
    make_user("root", admin=True)
    login("root")
    bad = {
        "fields": ["prompt", "response_a"],
        "questions": [
            {"key": "pref", "type": "single_label", "labels": ["a", "b"]},
            {"key": "pref", "type": "rating", "scale": {"min": 1, "max": 5, "step": 1}},
            {"key": "why", "type": "text", "show_if": {"question": "nope", "op": "=="}},
            {"key": "who", "type": "rating", "applies_to": "response_z"},
        ],
    }
    response = _new(client, yaml.safe_dump(bad))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "pref" in html and "nope" in html and "response_z" in html
    assert _new(client, "fields: [unclosed").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0


@pytest.fixture
def rlhf(db, make_user):
    project, items, _ = form_project(db.session, n_items=2)
    db.session.commit()
    manager = make_user("boss", project=project, roles=[ProjectRole.manager])
    return project, manager


def test_the_questions_editor_limits_changes_once_answered(rlhf, client, login, db):
    project, _ = rlhf
    login("boss")
    page = client.get(f"/admin/projects/{project.slug}/settings").get_data(as_text=True)
    assert 'id="questions-table"' in page and "harmless_a" in page
    schema = yaml.safe_load(form_text(project.label_schema))
    url = f"/admin/projects/{project.slug}/questions"
    # a name and a new optional question may change; nothing else of an answered question
    schema["questions"][0]["name"] = "Which one is better?"
    schema["questions"].append({"key": "notes", "type": "text", "required": False})
    assert client.post(url, data={"questions": yaml.safe_dump(schema)}).status_code == 302
    db.session.expire_all()
    assert project.label_schema["questions"][-1]["key"] == "notes"
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "project.questions"))
    removed = dict(schema, questions=schema["questions"][1:])
    retyped = yaml.safe_load(yaml.safe_dump(schema))
    retyped["questions"][2]["scale"] = {"min": 1, "max": 10, "step": 1}
    for bad, named in ((removed, "preference"), (retyped, "helpful_a")):
        response = client.post(url, data={"questions": yaml.safe_dump(bad)})
        assert response.status_code == 400 and named in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(project.label_schema["questions"]) == 14


def test_items_of_a_form_project_need_its_fields(rlhf, db):
    project, _ = rlhf
    from annotate.services.data.formats import Record

    good = {"prompt": "p", "response_a": "a", "response_b": "b"}
    bad = {"prompt": "p", "response_a": "a", "text": "no response b"}
    with pytest.raises(ImportRefused) as refused:
        import_records(
            db.session, project, [Record("line 1", good), Record("line 2", bad)], batch_name="b2"
        )
    assert any("line 2: response_b" in p for p in refused.value.problems)


def test_clauses_name_the_questions_they_govern(rlhf, db):
    project, _ = rlhf
    assert clause_questions("x\n**Questions:** harmless_a, harmless_b\n") == (
        "harmless_a",
        "harmless_b",
    )
    assert clause_questions("**问题：** risk_a、risk_b") == ("risk_a", "risk_b")
    assert clause_questions("no questions here") == ()
    wrong = MINIMAL.replace("Text of the rule.", "Text.\n\n**Questions:** harmless_c")
    with pytest.raises(InvalidInput, match="harmless_c"):
        publish_rulebook(db.session, project, wrong)
