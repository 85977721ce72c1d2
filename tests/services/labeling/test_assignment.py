"""The assignment engine: overlap share, gold rate, leases, the gate, never more than k."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from annotate.database import utcnow
from annotate.models import (
    Annotation,
    Assignment,
    AssignmentStatus,
    BatchStatus,
    Item,
    ProjectRole,
)
from annotate.services.errors import InvalidInput
from annotate.services.labeling.annotations import submit_annotation
from annotate.services.labeling.assignment import (
    claim_next,
    item_target,
    overlap_bucket,
)
from annotate.services.labeling.flags import flag_item
from annotate.services.labeling.leases import LeaseError
from annotate.services.labeling.recording import skip_item
from annotate.services.training.gate import NotQualified
from tests.factories import free_slots_out_of_step, make_ready


@pytest.fixture
def crew(db, make_project, make_user):
    """A project (k=3) with three qualified annotators and ten items."""
    project = make_project("work", redundancy_k=3, overlap_share=1.0, gold_rate=0.0)
    users = [make_user(f"a{n}", project=project, roles=[ProjectRole.annotator]) for n in range(3)]
    make_ready(db, project, users)
    return project, users


def _drain(db, project, users, value="yes"):
    """Every user claims and submits until nothing is left; returns claims per user."""
    done = Counter()
    active = list(users)
    while active:
        for user in list(active):
            claim = claim_next(db.session, user, project)
            if claim is None:
                active.remove(user)
                continue
            submit_annotation(db.session, claim.assignment.id, user, project, value)
            db.session.commit()
            done[user.username] += 1
    return done


def test_claim_resume_submit(db, crew):
    project, (alice, bob, _) = crew
    first = claim_next(db.session, alice, project)
    db.session.commit()
    assert first is not None and not first.resumed
    again = claim_next(db.session, alice, project)
    assert again.resumed and again.assignment.id == first.assignment.id
    submit_annotation(db.session, first.assignment.id, alice, project, "yes")
    db.session.commit()
    second = claim_next(db.session, alice, project)
    assert second.assignment.item_id != first.assignment.item_id
    assert first.assignment.status == AssignmentStatus.submitted


def test_full_overlap_gives_every_item_k_annotators_and_never_more(db, crew):
    project, users = crew
    done = _drain(db, project, users)
    assert done == {"a0": 10, "a1": 10, "a2": 10}
    per_item = Counter(db.session.scalars(sa.select(Annotation.item_id)))
    assert set(per_item.values()) == {3}
    assert {i.annotation_count for i in db.session.scalars(sa.select(Item))} == {3}
    assert free_slots_out_of_step(db.session) == []


def test_overlap_share_is_deterministic_per_item(db, make_project, make_user):
    project = make_project("share", redundancy_k=2, overlap_share=0.3, gold_rate=0.0)
    users = [make_user(f"u{n}", project=project, roles=[ProjectRole.annotator]) for n in range(3)]
    make_ready(db, project, users, n_items=40)
    _drain(db, project, users)
    items = db.session.scalars(sa.select(Item)).all()
    per_item = Counter(db.session.scalars(sa.select(Annotation.item_id)))
    for item in items:
        assert per_item[item.id] == item_target(project, item)
        assert item_target(project, item) == (2 if overlap_bucket(item.id) < 300 else 1)
    assert 6 <= sum(per_item[i.id] == 2 for i in items) <= 18
    assert free_slots_out_of_step(db.session) == []


def test_gold_items_are_mixed_in_at_the_gold_rate(db, make_project, make_user):
    project = make_project("gold", redundancy_k=1, overlap_share=0.0, gold_rate=0.25)
    user = make_user("solo", project=project, roles=[ProjectRole.annotator])
    make_ready(db, project, [user], n_items=80, gold=range(0, 80, 4))
    served = []
    for _ in range(40):
        claim = claim_next(db.session, user, project)
        served.append(claim.assignment.item.is_gold)
        submit_annotation(db.session, claim.assignment.id, user, project, "yes")
        db.session.commit()
    assert 8 <= sum(served) <= 12, served
    assert not all(served[:10]) and any(served[:10])


def test_expired_lease_returns_the_item_and_its_submit_is_refused(db, make_project, make_user):
    project = make_project("lease", redundancy_k=1, overlap_share=0.0, gold_rate=0.0)
    slow, fast = (
        make_user(n, project=project, roles=[ProjectRole.annotator]) for n in ("slow", "fast")
    )
    make_ready(db, project, [slow, fast], n_items=1)
    claim = claim_next(db.session, slow, project)
    db.session.commit()
    assert claim_next(db.session, fast, project) is None
    assert not db.session.get(Item, claim.assignment.item_id).has_free_slot
    claim.assignment.lease_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(LeaseError, match="expired"):
        submit_annotation(db.session, claim.assignment.id, slow, project, "yes")
    db.session.rollback()
    other = claim_next(db.session, fast, project)
    db.session.commit()
    assert other.assignment.item_id == claim.assignment.item_id
    db.session.refresh(claim.assignment)
    assert claim.assignment.status == AssignmentStatus.expired
    assert other.assignment.item.annotation_count == 1
    assert db.session.scalar(sa.select(sa.func.count(Annotation.id))) == 0
    assert free_slots_out_of_step(db.session) == []


def test_skip_needs_a_reason_and_the_item_never_comes_back(db, crew):
    project, (alice, bob, _) = crew
    claim = claim_next(db.session, alice, project)
    with pytest.raises(InvalidInput):
        skip_item(db.session, claim.assignment.id, alice, project, "  ")
    skip_item(db.session, claim.assignment.id, alice, project, "not in English")
    db.session.commit()
    skipped = claim.assignment.item_id
    assert db.session.get(Item, skipped).annotation_count == 0
    assert free_slots_out_of_step(db.session) == []
    with pytest.raises(LeaseError):
        skip_item(db.session, claim.assignment.id, alice, project, "again")
    seen = set()
    while (next_claim := claim_next(db.session, alice, project)) is not None:
        seen.add(next_claim.assignment.item_id)
        submit_annotation(db.session, next_claim.assignment.id, alice, project, "no")
        db.session.commit()
    assert skipped not in seen and len(seen) == 9


def test_void_batches_and_quarantined_items_are_never_handed_out(db, make_project, make_user):
    project = make_project("void", redundancy_k=1, overlap_share=0.0, gold_rate=0.0)
    user = make_user("worker", project=project, roles=[ProjectRole.annotator])
    _, dead = make_ready(db, project, [user], n_items=3, batch_name="dead")
    make_ready(db, project, [], n_items=3, batch_name="live")
    dead.status = BatchStatus.void
    live_items = db.session.scalars(sa.select(Item).where(Item.batch_id != dead.id)).all()
    flag_item(db.session, live_items[0], user, "prohibited", "[harmful]")
    db.session.commit()
    got = []
    while (claim := claim_next(db.session, user, project)) is not None:
        got.append(claim.assignment.item_id)
        submit_annotation(db.session, claim.assignment.id, user, project, "yes")
        db.session.commit()
    assert sorted(got) == sorted(i.id for i in live_items[1:])
    assert free_slots_out_of_step(db.session) == []


def test_the_gate_refuses_unqualified_annotators(db, make_project, make_user):
    project = make_project("gate", redundancy_k=1)
    user = make_user("new", project=project, roles=[ProjectRole.annotator])
    make_ready(db, project, [], n_items=2)
    with pytest.raises(NotQualified) as refusal:
        claim_next(db.session, user, project)
    assert refusal.value.step == "training"
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 0
