"""The settings page and the task type: a form project offers no type that cannot work, and a
posted change that would orphan annotations is refused beside the field, nothing written."""

from __future__ import annotations

import sqlalchemy as sa

from annotate.models import AuditEvent, ProjectRole, TaskType
from annotate.services.projects.projects import create_project
from annotate.services.projects.rlhf_form import rlhf_full_schema
from annotate.services.projects.settings import current_settings
from tests.form_factories import form_project


def _options(page: str) -> list[str]:
    select = page.split('name="task_type"')[1].split("</select>")[0]
    return [part.split('"')[0] for part in select.split('value="')[1:]]


def _post(client, project, headers=None, **changes):
    data = {}
    for key, value in current_settings(project).items():
        if value is True:
            data[key] = "y"
        elif value is not False:
            data[key] = value if isinstance(value, str) else f"{value:g}"
    data.update(changes)
    url = f"/admin/projects/{project.slug}/settings"
    return client.post(url, data=data, headers=headers or {"Accept-Language": "en"})


def test_an_annotated_form_offers_and_takes_only_its_type(db, client, login, make_user):
    project, _, _ = form_project(db.session, n_items=2)
    db.session.commit()
    make_user("boss", project=project, roles=[ProjectRole.manager])
    login("boss")
    page = client.get(f"/admin/projects/{project.slug}/settings").get_data(as_text=True)
    assert _options(page) == ["form"]
    response = _post(client, project, task_type="single_label", redundancy_k="2")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "orphaned" in html and "is-invalid" in html
    db.session.expire_all()
    assert project.task_type == TaskType.form and project.redundancy_k != 2
    audit = sa.select(AuditEvent).where(AuditEvent.action == "project.settings")
    assert db.session.scalar(audit) is None


def test_an_empty_form_may_become_a_text_task_and_back(db, client, login, make_user):
    schema = rlhf_full_schema()
    project = create_project(db.session, "blank", "Blank", TaskType.form, label_schema=schema)
    db.session.commit()
    make_user("boss", project=project, roles=[ProjectRole.manager])
    login("boss")
    page = client.get("/admin/projects/blank/settings").get_data(as_text=True)
    assert _options(page) == ["text", "form"]
    assert _post(client, project, task_type="rating").status_code == 409
    assert _post(client, project, task_type="text").status_code == 302
    db.session.expire_all()
    assert project.task_type == TaskType.text
    assert _post(client, project, task_type="form").status_code == 302


def test_the_refusal_reads_in_chinese(db, client, login, make_user):
    project, _, _ = form_project(db.session, n_items=2)
    db.session.commit()
    make_user("boss", project=project, roles=[ProjectRole.manager])
    login("boss")
    zh = {"Accept-Language": "zh-CN"}
    html = _post(client, project, zh, task_type="text").get_data(as_text=True)
    assert "孤立" in html
