"""Undo, edit and history pages through the test client: every task type reopens filled in and
saves as a superseding annotation; refusals are 4xx pages; the history filters and pages."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from annotate.models import Annotation, Assignment, AssignmentStatus, ProjectRole
from tests.factories import make_ready
from tests.views.test_labeling import TASKS, _payload

EDITS = {
    "single_label": {"label": "no"},
    "multi_label": {"labels": ["yes"]},
    "rating": {"rating": "2"},
    "pairwise": {"choice": "A", "reason": "A is shorter"},
    "text": {"text": "Another summary."},
    "span": {"spans": json.dumps([{"start": 0, "end": 3, "label": "ORG"}])},
}


@pytest.fixture
def setup(db, make_project, make_user):
    def _setup(task):
        kwargs, _ = TASKS[task]
        project = make_project(
            task.replace("_", "-"), task, redundancy_k=1, overlap_share=0.0, gold_rate=0.0, **kwargs
        )
        user = make_user("labeler", project=project, roles=[ProjectRole.annotator])
        make_user("second", project=project, roles=[ProjectRole.annotator])
        make_ready(db, project, [user], n_items=3, payload=_payload(task))
        return project, user

    return _setup


def _submit(client, db, project, task):
    client.get(f"/annotate/{project.slug}")
    assignment = db.session.scalars(
        sa.select(Assignment).where(Assignment.status == AssignmentStatus.leased)
    ).first()
    data = dict(TASKS[task][1], clause_keys="R1.1")
    assert client.post(f"/annotate/{project.slug}/{assignment.id}/submit", data=data).status_code
    db.session.expire_all()
    return db.session.scalar(sa.select(Annotation).where(Annotation.assignment_id == assignment.id))


@pytest.mark.parametrize("task", list(TASKS))
def test_undo_reopens_the_last_submission_filled_in_and_saves_an_edit(
    task, setup, client, login, db
):
    project, _ = setup(task)
    login("labeler")
    annotation = _submit(client, db, project, task)
    response = client.get(f"/annotate/{project.slug}/undo")
    edit_url = f"/annotate/{project.slug}/annotations/{annotation.id}/edit"
    assert response.status_code == 302 and response.headers["Location"].endswith(edit_url)
    html = client.get(edit_url).get_data(as_text=True)
    assert 'id="editing"' in html and "data-prefill=" in html and "skip-modal" not in html
    assert "&lt;script&gt;alert" in html and "<script>alert" not in html
    response = client.post(edit_url, data=dict(EDITS[task], duration_ms="1200"))
    assert response.status_code == 303
    db.session.expire_all()
    [current] = db.session.scalars(
        sa.select(Annotation).where(
            Annotation.item_id == annotation.item_id, Annotation.is_current.is_(True)
        )
    ).all()
    assert current.id != annotation.id and current.value != annotation.value
    assert current.clause_keys == []
    assert current.duration_ms == 1200 + (annotation.duration_ms or 0)
    # The old row can no longer be edited: 409 with the reason, nothing written.
    again = client.post(edit_url, data=EDITS[task])
    assert again.status_code == 409 and "replaced" in again.get_data(as_text=True)


def test_edit_refusals_are_4xx_pages(setup, client, login, db, make_user):
    project, _ = setup("single_label")
    login("labeler")
    annotation = _submit(client, db, project, "single_label")
    edit_url = f"/annotate/{project.slug}/annotations/{annotation.id}/edit"
    bad = client.post(edit_url, data={"label": "maybe"})
    assert bad.status_code == 400
    assert client.get(f"/annotate/{project.slug}/annotations/2147483647/edit").status_code == 404
    annotation.submitted_at -= timedelta(hours=2)
    db.session.commit()
    assert client.get(edit_url).status_code == 409
    undo = client.get(f"/annotate/{project.slug}/undo", follow_redirects=True)
    assert "Undo:" in undo.get_data(as_text=True)
    client.post("/logout")
    login("second")
    assert client.get(edit_url).status_code == 403
    assert client.post(edit_url, data={"label": "no"}).status_code == 403


def test_history_filters_pages_and_takes_skipped_items_back(setup, client, login, db):
    project, _ = setup("single_label")
    login("labeler")
    _submit(client, db, project, "single_label")
    page = client.get("/history/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count('class="list-group-item history-row"') == 1
    assert "history-edit" in html
    other_day = client.get("/history/?day=2020-01-01&project=single-label").get_data(as_text=True)
    assert 'id="history-empty"' in other_day
    assert client.get("/history/?day=not-a-day&page=-4&project=nope").status_code == 200
    # Skip the next item, then take it back from the history page.
    client.get(f"/annotate/{project.slug}")
    leased = db.session.scalars(
        sa.select(Assignment).where(Assignment.status == AssignmentStatus.leased)
    ).first()
    client.post(f"/annotate/{project.slug}/{leased.id}/skip", data={"reason": "unsure"})
    skipped = client.get("/history/?kind=skipped").get_data(as_text=True)
    assert "history-reopen" in skipped and "unsure" in skipped
    response = client.post(f"/annotate/{project.slug}/skipped/{leased.id}/reopen")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Assignment, leased.id).status == AssignmentStatus.leased
    assert client.post(f"/annotate/{project.slug}/skipped/{leased.id}/reopen").status_code == 409
    assert client.post(f"/annotate/{project.slug}/skipped/2147483647/reopen").status_code == 404
    client.post("/logout")
    login("second")
    assert client.post(f"/annotate/{project.slug}/skipped/{leased.id}/reopen").status_code == 403
