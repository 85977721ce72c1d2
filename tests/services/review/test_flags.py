"""A reviewer confirms or releases a prohibited-content flag, once; a confirmed item can void
its batch, once. The threaded race needs PostgreSQL (skipped on SQLite)."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from annotate.models import (
    AuditEvent,
    Batch,
    BatchStatus,
    Item,
    ItemFlag,
    ProjectRole,
    SupervisionEvent,
)
from annotate.services.errors import Conflict, InvalidInput, PermissionDenied
from annotate.services.labeling.annotations import submit_annotation
from annotate.services.labeling.assignment import claim_next
from annotate.services.labeling.flags import flag_leased_item
from annotate.services.labeling.recording import skip_item
from annotate.services.review.decisions import decide_batch
from annotate.services.review.flags import (
    check_flag_reviewer,
    confirm_flag,
    release_flag,
    void_batch,
)
from annotate.services.review.sampling import draw_plan
from annotate.services.rulebooks.versions import current_version
from tests.factories import make_ready, qualify
from tests.services.review.test_decision_races import at_once, postgres  # noqa: F401


def _flagged(db, make_project, make_user, **kwargs):
    project = make_project("fl", redundancy_k=1, overlap_share=0.0, gold_rate=0.0, **kwargs)
    al = make_user("al", project=project, roles=[ProjectRole.annotator])
    for n in range(2):
        make_user(f"rev{n}", project=project, roles=[ProjectRole.reviewer])
    make_user("boss", project=project, roles=[ProjectRole.manager])
    _, batch = make_ready(db, project, [al], n_items=3)
    lease = claim_next(db.session, al, project).assignment
    flag = flag_leased_item(db.session, lease.id, al, project, "prohibited", "R3.3")
    db.session.commit()
    return project, al, batch, flag


def _user(db, name):
    from annotate.models import User

    return db.session.scalar(sa.select(User).where(User.username == name))


def _actions(db):
    return [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]


def test_confirm_keeps_the_quarantine_and_voids_the_batch_once(db, make_project, make_user):
    project, al, batch, flag = _flagged(db, make_project, make_user)
    rev = _user(db, "rev0")
    with pytest.raises(PermissionDenied):
        check_flag_reviewer(db.session, al, flag, (ProjectRole.reviewer,))
    with pytest.raises(InvalidInput):
        void_batch(db.session, flag, rev, "illegal drugs advert")  # not confirmed yet
    db.session.rollback()
    confirm_flag(db.session, flag, rev, "R3.3 applies")
    db.session.commit()
    assert flag.resolution == "confirmed" and flag.resolved_by_id == rev.id
    assert db.session.get(Item, flag.item_id).quarantined
    assert db.session.scalar(sa.select(SupervisionEvent.resolved_at)) is not None
    with pytest.raises(Conflict):
        release_flag(db.session, flag, _user(db, "rev1"))
    db.session.rollback()
    with pytest.raises(InvalidInput):
        void_batch(db.session, flag, rev, "  ")
    db.session.rollback()
    void_batch(db.session, flag, rev, "TC260-003: illegal content in the batch")
    db.session.commit()
    assert db.session.get(Batch, batch.id).status == BatchStatus.void
    with pytest.raises(Conflict):
        void_batch(db.session, flag, rev, "again")
    db.session.rollback()
    actions = _actions(db)
    assert actions.count("flag.confirm") == 1 and actions.count("batch.void") == 1
    void = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "batch.void"))
    assert void.details["flag_id"] == flag.id and void.actor_id == rev.id
    skip_item(db.session, flag.assignment_id, al, project, "R3.3")  # the flagger stops
    db.session.commit()
    assert claim_next(db.session, al, project) is None  # a void batch serves nothing


def test_release_returns_the_item_to_labelling(db, make_project, make_user):
    project, al, _, flag = _flagged(db, make_project, make_user)
    item_id = flag.item_id
    skip_item(db.session, flag.assignment_id, al, project, "R3.3")
    db.session.commit()
    release_flag(db.session, flag, _user(db, "rev0"), "an ordinary advert")
    db.session.commit()
    assert not db.session.get(Item, item_id).quarantined
    with pytest.raises(Conflict):
        confirm_flag(db.session, flag, _user(db, "rev1"))
    db.session.rollback()
    release = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "item.release"))
    assert release.details["flag_id"] == flag.id and release.details["quarantined"] is False
    # Back in the queue: a new annotator is served it.
    cy = make_user("cy", project=project, roles=[ProjectRole.annotator])
    qualify(db.session, project, [cy], current_version(db.session, project))
    db.session.commit()
    served = []
    while (claim := claim_next(db.session, cy, project)) is not None:
        served.append(claim.assignment.item_id)
        submit_annotation(db.session, claim.assignment.id, cy, project, "yes")
        db.session.commit()
    assert item_id in served


def test_security_batch_is_not_accepted_while_a_flag_waits(db, make_project, make_user):
    project, al, batch, flag = _flagged(db, make_project, make_user, rulebook_kind="security")
    db.session.refresh(batch)
    assert batch.review_all
    while (claim := claim_next(db.session, al, project)) is not None:
        submit_annotation(db.session, claim.assignment.id, al, project, "yes")
        db.session.commit()
    plan = draw_plan(db.session, batch, seed=1, calibration=0)
    db.session.commit()
    assert plan.method.value == "all"
    rev = _user(db, "rev0")
    with pytest.raises(Conflict, match="100"):
        decide_batch(db.session, plan, rev, "accept", "looks fine")
    db.session.rollback()


@pytest.mark.truncate
def test_two_reviewers_answering_at_once_answer_once(postgres, make_project, make_user):  # noqa: F811
    db = postgres
    _, _, _, flag = _flagged(db, make_project, make_user)
    flag_id = flag.id

    def answer(app, index, go):
        client = app.test_client()
        client.post("/login", data={"username": f"rev{index % 2}", "password": "secret-pw"})
        go()
        verb = "confirm" if index % 2 == 0 else "release"
        return client.post(f"/flags/{flag_id}/{verb}").status_code

    results = at_once(6, answer)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert Counter(results) == {303: 1, 409: 5}, results
    db.session.expire_all()
    answered = db.session.get(ItemFlag, flag_id)
    actions = _actions(db)
    assert actions.count("flag.confirm") + actions.count("item.release") == 1
    assert db.session.get(Item, answered.item_id).quarantined == (
        answered.resolution == "confirmed"
    )


@pytest.mark.truncate
def test_reviewers_and_a_manager_voiding_at_once_void_once(postgres, make_project, make_user):  # noqa: F811
    db = postgres
    _, _, batch, flag = _flagged(db, make_project, make_user)
    confirm_flag(db.session, flag, _user(db, "rev0"))
    db.session.commit()
    flag_id, batch_id = flag.id, batch.id
    names = ("rev0", "rev1", "boss")

    def void(app, index, go):
        client = app.test_client()
        client.post("/login", data={"username": names[index % 3], "password": "secret-pw"})
        go()
        return client.post(f"/flags/{flag_id}/void", data={"reason": f"racer {index}"}).status_code

    results = at_once(6, void)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert Counter(results) == {303: 1, 409: 5}, results
    db.session.expire_all()
    assert db.session.get(Batch, batch_id).status == BatchStatus.void
    assert _actions(db).count("batch.void") == 1


@pytest.mark.truncate
def test_annotators_flagging_one_item_at_once_quarantine_it_once(
    postgres,  # noqa: F811
    make_project,
    make_user,
):
    db = postgres
    project = make_project("many", redundancy_k=4, overlap_share=1.0, gold_rate=0.0)
    people = [make_user(f"a{n}", project=project, roles=[ProjectRole.annotator]) for n in range(4)]
    make_ready(db, project, people, n_items=1)
    leases = [claim_next(db.session, person, project).assignment.id for person in people]
    db.session.commit()
    slug = project.slug  # read here: the threads must not touch this session

    def flag(app, index, go):
        client = app.test_client()
        client.post("/login", data={"username": f"a{index}", "password": "secret-pw"})
        go()
        url = f"/annotate/{slug}/{leases[index]}/flag"
        return client.post(url, data={"kind": "prohibited", "note": "R3.3"}).status_code

    results = at_once(4, flag)
    assert not [r for r in results if isinstance(r, BaseException)], results
    db.session.expire_all()
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "item.flag"))
    quarantining = [e for e in events if e.details["quarantined"]]
    # The first flag quarantines the item; the others find it quarantined and are sent on
    # to their next item (a LeaseError's quiet redirect), with nothing written.
    assert Counter(results) == {302: 1, 303: 3}, results
    assert len(quarantining) == 1
    assert db.session.scalar(sa.select(sa.func.count(ItemFlag.id))) == 1
    assert db.session.scalar(sa.select(Item.quarantined))
