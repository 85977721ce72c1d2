"""Project creation and settings pages: permissions, inline errors, 4xx on bad input."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.models import AuditEvent, Item, Membership, Project, ProjectRole
from tests.factories import import_batch


def _labels(rows):
    data = {}
    for n, (key, name, name_zh, hotkey, colour) in enumerate(rows):
        data.update(
            {
                f"labels-{n}-key": key,
                f"labels-{n}-name": name,
                f"labels-{n}-name_zh": name_zh,
                f"labels-{n}-hotkey": hotkey,
                f"labels-{n}-color": colour,
            }
        )
    return data


def _create(client, template="sentiment", **fields):
    data = {
        "slug": "senti",
        "name": "Sentiment",
        "task_type": "single_label",
        "rulebook_kind": "functional",
        "measurement_level": "nominal",
        "submit": "1",
        **_labels([("pos", "Positive", "正面", "1", "1"), ("neg", "Negative", "负面", "2", "2")]),
    }
    data.update(fields)
    return client.post(f"/admin/new-project/{template}", data=data)


def test_only_admins_and_creators_may_create(client, login, make_user, db):
    make_user("plain")
    login("plain")
    assert client.get("/admin/new-project/").status_code == 403
    assert _create(client).status_code == 403
    creator = make_user("maker")
    creator.can_create_projects = True
    db.session.commit()
    client.post("/logout")
    login("maker")
    page = client.get("/admin/new-project/")
    assert page.status_code == 200 and b"template-content_safety" in page.data
    form = client.get("/admin/new-project/content_safety")
    assert "A.1 违背社会主义核心价值观".encode() in form.data
    assert client.get("/admin/new-project/nonsense").status_code == 404


def test_the_creator_becomes_manager(client, login, make_user, db):
    creator = make_user("maker")
    creator.can_create_projects = True
    db.session.commit()
    login("maker")
    response = _create(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/projects/senti/settings")
    project = db.session.scalar(sa.select(Project).where(Project.slug == "senti"))
    assert project.labels[0]["name_zh"] == "正面" and project.labels[1]["color"] == 2
    role = db.session.scalar(sa.select(Membership.role).where(Membership.user_id == creator.id))
    assert role == ProjectRole.manager
    assert client.get("/admin/projects/senti/settings").status_code == 200


def test_bad_schema_is_refused_beside_the_fields(client, login, make_user, db):
    make_user("root", admin=True)
    login("root")
    response = _create(
        client,
        slug="Bad Slug",
        name="",
        **_labels([("pos", "", "", "1", "0"), ("pos", "", "", "1", "0"), ("x", "", "", "s", "")]),
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Invalid slug" in html and "Key pos is used twice" in html
    assert "Hotkey 1 is already used by label 1" in html and "kept by the labeling screen" in html
    assert html.count("invalid-feedback") >= 5
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0
    rating = _create(
        client, "rating", task_type="rating", scale_min="5", scale_max="1", scale_step="1"
    )
    assert rating.status_code == 400 and "above the lowest" in rating.get_data(as_text=True)


def test_duplicate_slug_message_beside_the_field(client, login, make_user, make_project):
    make_project("senti")
    make_user("root", admin=True)
    login("root")
    response = _create(client)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "already exists" in html and 'id="slug"' in html and "is-invalid" in html


def test_more_rows_keeps_what_was_typed(client, login, make_user):
    make_user("root", admin=True)
    login("root")
    response = _create(client, submit="", more_rows="1")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'value="Positive"' in html
    assert 'name="labels-4-key"' in html


def test_settings_need_a_manager_of_this_project(client, login, role_users, make_project):
    make_project("other")
    login("mgr")
    assert client.get("/admin/projects/roles/settings").status_code == 200
    assert client.get("/admin/projects/other/settings").status_code == 403
    assert client.get("/admin/projects/none/settings").status_code == 404
    client.post("/logout")
    login("ann")
    assert client.get("/admin/projects/roles/settings").status_code == 403
    assert (
        client.post("/admin/projects/roles/settings", data={"redundancy_k": "1"}).status_code == 403
    )


def _settings(client, slug="roles", **changes):
    """Post the settings form as a browser would: every current value, then ``changes``."""
    from annotate.database import db
    from annotate.services.projects.settings import current_settings

    project = db.session.scalar(sa.select(Project).where(Project.slug == slug))
    data = {}
    for key, value in current_settings(project).items():
        if value is True:
            data[key] = "y"
        elif value is not False:
            data[key] = value if isinstance(value, str) else f"{value:g}"
    data.update(changes)
    return client.post(f"/admin/projects/{slug}/settings", data=data)


def test_settings_saved_and_audited(client, login, role_users, db):
    login("mgr")
    response = _settings(client, redundancy_k="2", gold_rate="0.1", min_alpha="0.7", aql="1")
    assert response.status_code == 302, response.get_data(as_text=True)
    project = db.session.scalar(sa.select(Project).where(Project.slug == "roles"))
    assert (project.redundancy_k, project.gold_rate, project.min_alpha) == (2, 0.1, 0.7)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "project.settings"))
    assert event.actor_name == "mgr"
    assert set(event.details["changes"]) == {"redundancy_k", "gold_rate", "min_alpha"}
    page = client.get("/admin/projects/roles/settings").get_data(as_text=True)
    assert "ISO 2859-1" in page and "TC260-003" in page and "Recent changes" in page


def test_dossier_settings_on_the_page_and_checked(client, login, role_users, db):
    login("mgr")
    page = client.get("/admin/projects/roles/settings").get_data(as_text=True)
    assert 'id="settings-dossier"' in page and "Art. 8" in page and "Asia/Shanghai" in page
    bad = _settings(client, time_zone="Beijing", responsible_person="Li Lei")
    assert bad.status_code == 400 and "IANA" in bad.get_data(as_text=True)
    project = db.session.scalar(sa.select(Project).where(Project.slug == "roles"))
    assert project.responsible_person is None
    good = _settings(client, time_zone="America/New_York", responsible_person="Li Lei")
    assert good.status_code == 302
    db.session.refresh(project)
    assert (project.time_zone, project.responsible_person) == ("America/New_York", "Li Lei")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "project.settings"))
    assert set(event.details["changes"]) == {"time_zone", "responsible_person"}
    assert event.actor_name == "mgr"


def test_bad_settings_give_400_with_messages(client, login, role_users, db):
    login("mgr")
    response = _settings(client, redundancy_k="0", gold_rate="1.5", aql="1.2")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "preferred values" in html and "between 0 and 1" in html
    project = db.session.scalar(sa.select(Project).where(Project.slug == "roles"))
    assert project.redundancy_k == 3


def test_contradicting_work_done_gives_409(client, login, role_users, db):
    project = db.session.scalar(sa.select(Project).where(Project.slug == "roles"))
    import_batch(db.session, project, "b1", n_items=2, gold=[0])
    db.session.execute(sa.update(Item).values(annotation_count=3))
    db.session.commit()
    login("mgr")
    response = _settings(client, redundancy_k="2")
    assert response.status_code == 409
    assert "already hold" in response.get_data(as_text=True)


def test_settings_post_without_csrf_is_refused(app, client, login, role_users, db):
    login("mgr")
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/admin/projects/roles/settings", data={"redundancy_k": "2"})
    assert response.status_code == 400
    project = db.session.scalar(sa.select(Project).where(Project.slug == "roles"))
    assert project.redundancy_k == 3


def test_labeling_screen_shows_the_schema_names_and_colours(client, login, db, make_user):
    from annotate.services.projects.projects import create_project
    from annotate.services.projects.schema import check_schema
    from annotate.services.projects.templates import TEMPLATES
    from tests.factories import make_ready

    template = TEMPLATES["ner"]
    schema, level = check_schema(template.task_type, list(template.labels))
    project = create_project(
        db.session,
        "ner",
        "NER",
        template.task_type,
        label_schema=schema,
        measurement_level=level,
        redundancy_k=1,
        overlap_share=0.0,
        gold_rate=0.0,
    )
    db.session.commit()
    user = make_user("labeler", project=project, roles=[ProjectRole.annotator])
    make_ready(db, project, [user], n_items=1)
    login("labeler")
    english = client.get("/annotate/ner").get_data(as_text=True)
    assert "Organisation" in english
    assert 'data-label="ORG" data-hotkey="3" data-color="3"' in english  # ORG is purple
    client.post("/language", data={"lang": "zh"})
    chinese = client.get("/annotate/ner").get_data(as_text=True)
    assert "机构名" in chinese and "Organisation" not in chinese


def test_the_new_project_form_speaks_chinese(client, login, make_user):
    make_user("root", admin=True)
    login("root")
    client.post("/language", data={"lang": "zh"})
    html = client.get("/admin/new-project/content_safety").get_data(as_text=True)
    assert "单标签" in html and "安全性" in html and "定类（类别）" in html
    assert "single label" not in html and "functional" not in html.replace('value="functional"', "")


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"submit": "1"},
        {"submit": "1", "task_type": "essay", "rulebook_kind": "x", "measurement_level": "y"},
        {"submit": "1", "slug": "ok", "name": "n", "labels-0-key": "a", "labels-0-color": "99"},
        {"submit": "1", "labels-999-key": "a", "scale_min": "nan", "scale_step": "-1"},
    ],
)
def test_malformed_create_posts_are_4xx(client, login, make_user, db, data):
    make_user("root", admin=True)
    login("root")
    response = client.post("/admin/new-project/blank", data=data)
    assert 400 <= response.status_code < 500 or (response.status_code == 200 and not data)
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0


@pytest.mark.parametrize(
    "data",
    [
        {"name": "  "},
        {"name": "", "redundancy_k": "", "aql": "", "task_type": "essay"},
        {"redundancy_k": "1e400", "lease_minutes": "-5", "inspection_level": "<b>"},
    ],
)
def test_malformed_settings_posts_are_4xx(client, login, role_users, db, data):
    login("mgr")
    response = client.post("/admin/projects/roles/settings", data=data)
    assert 400 <= response.status_code < 500
    assert "<b>" not in response.get_data(as_text=True)
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "project.settings")
        )
        == 0
    )
