"""The data pages (upload, import errors, quarantine), through the test client."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from annotate.models import Item, ProjectRole
from tests.factories import make_ready


@pytest.fixture
def managed(db, make_project, make_user):
    project = make_project("data", labels=["pos", "neg"])
    make_user("boss", project=project, roles=[ProjectRole.manager])
    elsewhere = make_project("other", labels=["a"])
    make_user("stranger", project=elsewhere, roles=[ProjectRole.manager])
    return project


def _upload(client, content: str, name: str, **fields):
    data = {"file": (io.BytesIO(content.encode()), name), "fmt": "auto", **fields}
    return client.post("/admin/data/data", data=data, content_type="multipart/form-data")


def test_upload_page_lists_every_error_then_imports(managed, client, login, db):
    login("boss")
    assert client.get("/admin/data/data").status_code == 200
    bad = _upload(client, '{"id": "1"}\n{"id": "2", "text": "x", "gold": "meh"}\n', "a.jsonl")
    assert bad.status_code == 303  # to the import job's page, which says why it failed
    html = client.get(bad.location).get_data(as_text=True)
    assert 'id="job-error"' in html
    assert "line 1: text: required for single_label items" in html
    assert "line 2: gold: &#39;meh&#39; is not a label" in html
    assert db.session.scalar(sa.select(sa.func.count(Item.id))) == 0
    good = _upload(client, "id,text\nc1,hello\nc2,world\n", "oct.csv", licence="CC0-1.0")
    assert good.status_code == 303
    assert 'id="import-report"' in client.get(good.location).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Item.id))) == 2
    page = client.get("/admin/data/data").get_data(as_text=True)
    assert "oct" in page and "CC0-1.0" in page


def test_managers_of_other_projects_are_refused(managed, client, login):
    login("stranger")
    assert client.get("/admin/data/data").status_code == 403
    assert _upload(client, '{"text": "x"}', "a.jsonl").status_code == 403


def test_quarantined_items_are_listed_and_can_be_released(managed, client, login, db):
    from annotate.services.labeling.flags import flag_item

    make_ready(db, managed, [], n_items=2)
    item = db.session.scalars(sa.select(Item)).first()
    flag_item(db.session, item, None, "prohibited", "[threat]")
    db.session.commit()
    login("boss")
    html = client.get("/admin/data/data").get_data(as_text=True)
    assert "[threat]" in html and "prohibited" in html.lower()  # the kind, named
    assert client.post(f"/admin/data/data/items/{item.id}/release").status_code == 302
    db.session.refresh(item)
    assert not item.quarantined
