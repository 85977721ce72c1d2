"""The flag pages over HTTP: who may answer, bad input answered with a clear 4xx and nothing
written, each answer once; the managers' alert on their home page and supervision log."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.models import (
    AuditEvent,
    Batch,
    BatchStatus,
    Item,
    ItemFlag,
    ProjectRole,
    User,
)
from annotate.services.labeling.assignment import claim_next
from annotate.services.labeling.flags import flag_leased_item
from tests.factories import make_ready


@pytest.fixture
def flagged(db, make_project, make_user):
    project = make_project("fv", redundancy_k=1, overlap_share=0.0, gold_rate=0.0)
    al = make_user("al", project=project, roles=[ProjectRole.annotator])
    make_user("rev", project=project, roles=[ProjectRole.reviewer])
    make_user("boss", project=project, roles=[ProjectRole.manager])
    make_user("outsider", project=make_project("other"), roles=[ProjectRole.reviewer])
    _, batch = make_ready(db, project, [al], n_items=2)
    lease = claim_next(db.session, al, project).assignment
    flag = flag_leased_item(db.session, lease.id, al, project, "prohibited", "R3.3")
    db.session.commit()
    return project, batch, flag


def _as(client, login, name):
    client.post("/logout")
    assert login(name).status_code == 302


def _events(db, action):
    return db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == action)
    )


def test_the_manager_sees_the_alert_on_home_and_in_the_supervision_log(client, login, flagged, db):
    project, _, flag = flagged
    item = db.session.get(Item, flag.item_id)
    _as(client, login, "boss")
    home = client.get("/reports/").get_data(as_text=True)
    assert 'id="flag-alerts"' in home and item.external_id in home
    assert f"/flags/{flag.id}" in home
    log = client.get(f"/reports/{project.slug}/annotators/{flag.user_id}")
    assert log.status_code == 200  # the annotator page's supervision history
    assert f"/flags/{flag.id}" in log.get_data(as_text=True)
    assert client.get(f"/flags/{flag.id}").status_code == 200
    # A manager voids but does not answer the flag itself.
    assert client.post(f"/flags/{flag.id}/confirm").status_code == 403
    assert not db.session.get(ItemFlag, flag.id).resolution


def test_answers_are_gated_refused_clearly_and_happen_once(client, login, flagged, db):
    _, batch, flag = flagged
    for name in ("al", "outsider"):
        _as(client, login, name)
        assert client.get(f"/flags/{flag.id}").status_code == 403
        assert client.post(f"/flags/{flag.id}/confirm").status_code == 403
    _as(client, login, "rev")
    assert client.get("/flags/999").status_code == 404
    refused = client.post(f"/flags/{flag.id}/void", data={"reason": "x"})
    assert refused.status_code == 400  # not confirmed yet
    assert client.post(f"/flags/{flag.id}/confirm").status_code == 303
    assert client.post(f"/flags/{flag.id}/confirm").status_code == 409
    assert client.post(f"/flags/{flag.id}/release").status_code == 409
    assert client.post(f"/flags/{flag.id}/void", data={"reason": " "}).status_code == 400
    assert db.session.get(Batch, batch.id).status != BatchStatus.void
    assert client.post(f"/flags/{flag.id}/void", data={"reason": "Art. 14"}).status_code == 303
    assert client.post(f"/flags/{flag.id}/void", data={"reason": "again"}).status_code == 409
    db.session.expire_all()
    assert db.session.get(Batch, batch.id).status == BatchStatus.void
    assert _events(db, "flag.confirm") == 1 and _events(db, "batch.void") == 1
    assert _events(db, "item.release") == 0


def test_the_flag_list_and_the_reviewer_banner(client, login, flagged, db):
    _, _, flag = flagged
    _as(client, login, "rev")
    assert 'id="open-flags"' in client.get("/review/").get_data(as_text=True)
    listing = client.get("/flags/").get_data(as_text=True)
    assert f'data-flag="{flag.id}"' in listing
    _as(client, login, "outsider")
    assert f'data-flag="{flag.id}"' not in client.get("/flags/").get_data(as_text=True)


def test_the_dossier_and_the_annotators_own_page(client, login, flagged, db, app):
    from annotate.services.quality.dossier.period import make_period
    from annotate.services.quality.dossier.supervision import explain_automatic_alerts
    from annotate.services.quality.dossier.tables import evidence_tables
    from annotate.services.review.flags import confirm_flag

    project, _, flag = flagged
    rev = db.session.scalar(sa.select(User).where(User.username == "rev"))
    confirm_flag(db.session, flag, rev)
    db.session.commit()
    with app.test_request_context():
        from annotate.database import utcnow

        tables = evidence_tables(db.session, project, make_period(project, utcnow()))
        explain_automatic_alerts(tables["supervision_events"])
    flags_csv = tables["item_flags"].csv()
    assert "resolution" in flags_csv.splitlines()[0] and ",confirmed," in flags_csv
    assert "quarantined until a reviewer" in tables["supervision_events"].csv()
    # The annotator's own quality page keeps the managers' alert to the managers.
    _as(client, login, "al")
    own = client.get(f"/annotate/quality/{project.slug}")
    assert own.status_code == 200 and "/flags/" not in own.get_data(as_text=True)
