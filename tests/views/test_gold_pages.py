"""The pages of issue 17 item 4: the manager's gold candidates (promote one or several), the
gate page of an annotator blocked by attention checks, and the manager's unblock."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.database import utcnow
from annotate.models import AuditEvent, GoldSource, Item, Membership, ProjectRole
from annotate.services.labeling.annotations import submit_annotation
from annotate.services.labeling.assignment import claim_next
from tests.factories import make_ready

pytestmark = pytest.mark.truncate


@pytest.fixture
def grown(db, make_project, make_user):
    """Four items, all annotated "yes" by three annotators; manager ``boss``."""
    project = make_project("gp", redundancy_k=3, overlap_share=1.0, gold_rate=0.0)
    make_user("boss", project=project, roles=[ProjectRole.manager])
    users = [make_user(f"a{n}", project=project, roles=[ProjectRole.annotator]) for n in range(3)]
    make_ready(db, project, users, n_items=4)
    for user in users:
        while (claim := claim_next(db.session, user, project)) is not None:
            submit_annotation(db.session, claim.assignment.id, user, project, "yes")
            db.session.commit()
    return project, users


def _ids(db):
    return dict(db.session.execute(sa.select(Item.external_id, Item.id)).all())


def test_manager_promotes_one_then_the_chosen_ones(db, grown, client, login):
    login("boss")
    page = client.get("/reports/gp/gold-candidates").get_data(as_text=True)
    ids = _ids(db)
    assert all(f'id="candidate-{ids[f"b1-{n}"]}"' in page for n in range(4))
    one = client.post("/reports/gp/gold-candidates/promote", data={"one": ids["b1-0"]})
    assert one.status_code == 302
    db.session.expire_all()
    first = db.session.get(Item, ids["b1-0"])
    assert first.gold_source == GoldSource.promoted and first.gold_answer == "yes"
    assert db.session.get(Item, ids["b1-1"]).gold_answer is None
    client.post(
        "/reports/gp/gold-candidates/promote",
        data={"item": [ids["b1-0"], ids["b1-1"], ids["b1-2"]]},
    )
    page = client.get("/reports/gp/gold-candidates").get_data(as_text=True)
    assert "Gold now: 0 imported, 3 promoted." in page
    assert "already gold or no longer a candidate" in page  # b1-0 was gold already
    promoted = db.session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.action == "item.gold_promote")
    )
    assert promoted == 3
    assert client.post("/reports/gp/gold-candidates/promote", data={"item": "x"}).status_code == 302
    client.post("/reports/gp/gold-candidates/promote", data={"all": "1"})
    assert db.session.scalar(sa.select(sa.func.count()).where(Item.gold_answer.is_not(None))) == 4


def test_annotators_cannot_see_or_promote_candidates(db, grown, client, login):
    login("a0", "secret-pw")
    assert client.get("/reports/gp/gold-candidates").status_code == 403
    assert client.post("/reports/gp/gold-candidates/promote", data={"one": 1}).status_code == 403


def test_a_blocked_annotator_sees_why_and_the_manager_unblocks(db, grown, client, login):
    project, (alice, *_) = grown
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == alice.id))
    membership.attention_blocked_at, membership.attention_blocked_reason = utcnow(), "1/5"
    db.session.commit()
    login("a0")
    home = client.get("/annotate/").get_data(as_text=True)
    assert "blocked" in home
    gate = client.get("/annotate/gp").get_data(as_text=True)
    assert 'data-step="attention_blocked"' in gate and "boss" in gate and "1 of your last 5" in gate
    client.post("/logout")
    login("boss")
    page = client.get(f"/reports/gp/annotators/{alice.id}").get_data(as_text=True)
    assert 'id="unblock-form"' in page
    response = client.post(f"/reports/gp/annotators/{alice.id}/unblock", data={"note": "ok"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).attention_blocked_at is None
    again = client.post(f"/reports/gp/annotators/{alice.id}/unblock", data={})
    assert again.status_code == 302  # refused with a message, nothing changed
    unblocks = db.session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.action == "attention.unblock")
    )
    assert unblocks == 1


def test_a_manager_marks_and_unmarks_an_attention_check_in_the_item_browser(
    db, grown, client, login
):
    project, _ = grown
    login("boss")
    ids = _ids(db)
    page = client.get(f"/admin/data/gp/items/{ids['b1-1']}").get_data(as_text=True)
    assert 'id="attention-form"' in page
    url = f"/reports/gp/items/{ids['b1-1']}/attention"
    assert client.post(url, data={"answer": "maybe"}).status_code == 302  # refused, flashed
    db.session.expire_all()
    assert db.session.get(Item, ids["b1-1"]).attention_answer is None
    client.post(url, data={"answer": "yes"})
    db.session.expire_all()
    item = db.session.get(Item, ids["b1-1"])
    assert item.attention_answer == "yes" and item.has_free_slot  # every annotator gets it
    page = client.get(f"/admin/data/gp/items/{ids['b1-1']}").get_data(as_text=True)
    assert "attention check" in page
    client.post(url, data={"answer": ""})
    db.session.expire_all()
    assert db.session.get(Item, ids["b1-1"]).attention_answer is None
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("item.attention_%"))
    ).all()
    assert sorted(actions) == ["item.attention_mark", "item.attention_unmark"]
    assert (
        client.post("/reports/gp/items/999999/attention", data={"answer": "yes"}).status_code == 404
    )
