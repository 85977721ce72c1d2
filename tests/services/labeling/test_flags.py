"""Flags that match the rulebooks: flag, then finish the item; prohibited content quarantines
it at once, alerts the managers and (security) puts the batch under 100 % review."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from annotate.models import (
    AssignmentStatus,
    AuditEvent,
    Item,
    ItemFlag,
    ProjectRole,
    SupervisionEvent,
)
from annotate.services.data.export import iter_dataset
from annotate.services.errors import Conflict, InvalidInput
from annotate.services.labeling.annotations import submit_annotation
from annotate.services.labeling.assignment import claim_next
from annotate.services.labeling.flags import PROHIBITED_ALERT, flag_leased_item
from annotate.services.labeling.leases import LeaseError
from annotate.services.labeling.recording import skip_item
from tests.factories import free_slots_out_of_step, make_ready


@pytest.fixture
def pair(db, make_project, make_user):
    project = make_project("flags", redundancy_k=2, overlap_share=1.0, gold_rate=0.0)
    people = [make_user(n, project=project, roles=[ProjectRole.annotator]) for n in ("al", "bo")]
    make_user("boss", project=project, roles=[ProjectRole.manager])
    _, batch = make_ready(db, project, people, n_items=3)
    return project, people, batch


def _events(db, action):
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_personal_information_marks_the_item_and_the_annotator_labels_it(db, pair):
    project, (al, bo), _ = pair
    claim = claim_next(db.session, al, project)
    lease = claim.assignment
    flag_leased_item(db.session, lease.id, al, project, "personal_info", "a phone number")
    db.session.commit()
    item = db.session.get(Item, lease.item_id)
    assert item.has_personal_info and not item.quarantined
    # Same screen: the same lease comes back, and the label is taken.
    again = claim_next(db.session, al, project)
    assert again.assignment.id == lease.id
    annotation = submit_annotation(db.session, lease.id, al, project, "no")
    db.session.commit()
    assert annotation.item_id == item.id and annotation.is_current
    # The item stays in the queue for the others.
    assert claim_next(db.session, bo, project).assignment.item_id == item.id
    (event,) = _events(db, "item.flag")
    assert event.details["kind"] == "personal_info" and event.actor_id == al.id
    assert db.session.scalar(sa.select(sa.func.count(SupervisionEvent.id))) == 0
    assert free_slots_out_of_step(db.session) == []


def test_a_repeated_flag_and_an_unknown_kind_are_refused(db, pair):
    project, (al, _), _ = pair
    lease = claim_next(db.session, al, project).assignment
    flag_leased_item(db.session, lease.id, al, project, "personal_info")
    db.session.commit()
    with pytest.raises(Conflict):
        flag_leased_item(db.session, lease.id, al, project, "personal_info")
    db.session.rollback()
    with pytest.raises(InvalidInput):
        flag_leased_item(db.session, lease.id, al, project, "rude")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(ItemFlag.id))) == 1


def test_prohibited_content_quarantines_at_once_and_alerts_the_managers(db, pair):
    project, (al, bo), batch = pair
    lease = claim_next(db.session, al, project).assignment
    other = claim_next(db.session, bo, project).assignment
    assert other.item_id == lease.item_id
    flag = flag_leased_item(db.session, lease.id, al, project, "prohibited", "R3.3")
    db.session.commit()
    item = db.session.get(Item, lease.item_id)
    assert item.quarantined and not batch.review_all  # a functional project
    with pytest.raises(LeaseError, match="quarantined"):
        submit_annotation(db.session, other.id, bo, project, "yes")
    db.session.rollback()
    (alert,) = db.session.scalars(sa.select(SupervisionEvent))
    assert alert.snapshot == {
        "code": PROHIBITED_ALERT,
        "params": {"item": item.external_id, "batch": batch.name, "flag_id": flag.id},
    }
    assert alert.annotator_id == al.id and alert.resolved_at is None
    (event,) = _events(db, "item.flag")
    assert event.details["quarantined"] is True and event.details["flag_id"] == flag.id
    # The flagger finishes the item as the rulebook says (here: skip, "flag and stop").
    assert claim_next(db.session, al, project).assignment.id == lease.id
    skip_item(db.session, lease.id, al, project, "R3.3")
    db.session.commit()
    assert db.session.get(type(lease), lease.id).status == AssignmentStatus.skipped
    seen = set()
    while (claim := claim_next(db.session, bo, project)) is not None:
        seen.add(claim.assignment.item_id)
        submit_annotation(db.session, claim.assignment.id, bo, project, "yes")
        db.session.commit()
    assert item.id not in seen and len(seen) == 2
    assert free_slots_out_of_step(db.session) == []


def test_the_flagger_may_label_a_prohibited_item(db, pair):
    project, (al, _), _ = pair
    lease = claim_next(db.session, al, project).assignment
    flag_leased_item(db.session, lease.id, al, project, "prohibited")
    db.session.commit()
    annotation = submit_annotation(db.session, lease.id, al, project, "no")
    db.session.commit()
    assert annotation.item_id == lease.item_id


def test_security_projects_put_the_batch_under_full_review(db, make_project, make_user):
    project = make_project("sec", rulebook_kind="security", redundancy_k=1, gold_rate=0.0)
    al = make_user("al", project=project, roles=[ProjectRole.annotator])
    _, batch = make_ready(db, project, [al], n_items=2)
    lease = claim_next(db.session, al, project).assignment
    flag_leased_item(db.session, lease.id, al, project, "prohibited")
    db.session.commit()
    db.session.refresh(batch)
    assert batch.review_all
    (event,) = _events(db, "batch.review_all")
    assert event.subject_id == str(batch.id)


def test_exports_mask_personal_information_unless_the_manager_opts_in(db, pair):
    project, (al, _), _ = pair
    lease = claim_next(db.session, al, project).assignment
    flag_leased_item(db.session, lease.id, al, project, "personal_info")
    submit_annotation(db.session, lease.id, al, project, "no")
    db.session.commit()

    def rows():
        text = "".join(iter_dataset(db.session, project, "jsonl"))
        return {r["item_id"]: r for r in map(json.loads, text.splitlines())}

    masked = rows()
    assert masked[lease.item_id]["personal_info"] is True
    assert set(masked[lease.item_id]["data"].values()) == {"[personal information masked]"}
    assert all("masked" not in str(r["data"]) for k, r in masked.items() if k != lease.item_id)
    project.export_personal_info = True
    db.session.commit()
    assert rows()[lease.item_id]["data"] == db.session.get(Item, lease.item_id).payload


def test_free_text_answers_about_personal_information_are_masked_too(db, make_project, make_user):
    project = make_project("rewrite", "text", labels=None, redundancy_k=1, gold_rate=0.0)
    al = make_user("al", project=project, roles=[ProjectRole.annotator])
    make_ready(db, project, [al], n_items=2, payload=lambda n: {"text": f"call 139{n}"})
    lease = claim_next(db.session, al, project).assignment
    flag_leased_item(db.session, lease.id, al, project, "personal_info")
    submit_annotation(db.session, lease.id, al, project, "Call Zhang on 1390")
    other = claim_next(db.session, al, project).assignment
    submit_annotation(db.session, other.id, al, project, "nothing personal")
    db.session.commit()
    jsonl = "".join(iter_dataset(db.session, project, "jsonl"))
    long_csv = "".join(iter_dataset(db.session, project, "long-csv"))
    for text in (jsonl, long_csv):
        assert "Zhang" not in text and "1390" not in text
        assert "[personal information masked]" in text and "nothing personal" in text
    project.export_personal_info = True
    db.session.commit()
    assert "Zhang" in "".join(iter_dataset(db.session, project, "long-csv"))
