"""Annotations: typed values per task, refused submits write nothing, supersede, flags."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from annotate.database import utcnow
from annotate.models import (
    Annotation,
    Item,
    ProjectRole,
)
from annotate.services.errors import InvalidInput, PermissionDenied
from annotate.services.labeling.annotations import submit_annotation
from annotate.services.labeling.assignment import claim_next
from annotate.services.labeling.leases import LeaseError
from annotate.services.labeling.progress import annotator_progress
from annotate.services.projects.projects import create_project
from annotate.services.projects.values import normalise_value
from tests.factories import free_slots_out_of_step, make_ready


@pytest.mark.parametrize(
    "task, kwargs, value, expected",
    [
        ("single_label", {"labels": ["a", "b"]}, "a", "a"),
        ("multi_label", {"labels": ["a", "b", "c"]}, ["c", "a"], ["a", "c"]),
        ("rating", {"scale": "1-5", "labels": None}, "4", 4),
        (
            "pairwise",
            {},
            {"choice": "tie", "reason": " same "},
            {"choice": "tie", "reason": "same"},
        ),
        ("text", {"labels": None}, " a summary ", "a summary"),
        (
            "span",
            {"labels": ["PER"]},
            [{"start": 4, "end": 7, "label": "PER"}],
            [{"start": 4, "end": 7, "label": "PER"}],
        ),
        ("span", {"labels": ["PER"]}, [], []),
    ],
)
def test_valid_values_are_normalised(db, task, kwargs, value, expected):
    project = create_project(db.session, "v", "V", task, **kwargs)
    normalised, problems = normalise_value(project, value, {"text": "Hi, Ada!"})
    assert problems == [] and normalised == expected


@pytest.mark.parametrize(
    "task, kwargs, value, fragment",
    [
        ("single_label", {"labels": ["a", "b"]}, "z", "not a label"),
        ("multi_label", {"labels": ["a", "b"]}, [], "non-empty list"),
        ("multi_label", {"labels": ["a", "b"]}, ["a", "q"], "not in the label schema"),
        ("rating", {"scale": "1-5", "labels": None}, 9, "outside the scale"),
        ("rating", {"scale": "1-5", "labels": None}, True, "must be a number"),
        ("pairwise", {}, {"choice": "C"}, "is not one of"),
        ("text", {"labels": None}, "   ", "non-empty"),
        ("span", {"labels": ["PER"]}, [{"start": 5, "end": 50, "label": "PER"}], "outside"),
        (
            "span",
            {"labels": ["PER"]},
            [{"start": 0, "end": 3, "label": "PER"}, {"start": 2, "end": 4, "label": "PER"}],
            "overlap",
        ),
        ("span", {"labels": ["PER"]}, [{"start": 0, "end": 3, "label": "ORG"}], "not in the"),
    ],
)
def test_invalid_values_are_refused_with_a_reason(db, task, kwargs, value, fragment):
    project = create_project(db.session, "v", "V", task, **kwargs)
    normalised, problems = normalise_value(project, value, {"text": "Hi, Ada!"})
    assert normalised is None and fragment in problems[0]


@pytest.fixture
def pair(db, make_project, make_user):
    project = make_project("ann", redundancy_k=2, overlap_share=1.0, gold_rate=0.0)
    users = [make_user(n, project=project, roles=[ProjectRole.annotator]) for n in ("alice", "bob")]
    version, _ = make_ready(db, project, users, n_items=4)
    return project, users, version


def _annotations(db):
    return db.session.scalar(sa.select(sa.func.count(Annotation.id)))


def test_submit_stamps_version_clauses_and_duration(db, pair):
    project, (alice, _), version = pair
    claim = claim_next(db.session, alice, project)
    annotation = submit_annotation(
        db.session,
        claim.assignment.id,
        alice,
        project,
        "yes",
        clause_keys=["R1.1", "R1.1"],
        duration_ms=1,
    )
    db.session.commit()
    assert annotation.rulebook_version_id == version.id
    assert annotation.clause_keys == ["R1.1"] and annotation.duration_ms == 1
    with pytest.raises(InvalidInput) as refused:
        claim = claim_next(db.session, alice, project)
        submit_annotation(
            db.session, claim.assignment.id, alice, project, "yes", clause_keys=["R9.9"]
        )
    assert "'R9.9' is not a clause" in refused.value.problems[0]


def test_refused_submits_write_nothing(db, pair):
    project, (alice, bob), _ = pair
    claim = claim_next(db.session, alice, project)
    db.session.commit()
    with pytest.raises(PermissionDenied, match="not leased to you"):
        submit_annotation(db.session, claim.assignment.id, bob, project, "yes")
    with pytest.raises(InvalidInput):
        submit_annotation(db.session, claim.assignment.id, alice, project, "maybe")
    db.session.rollback()
    assert _annotations(db) == 0
    submit_annotation(db.session, claim.assignment.id, alice, project, "yes")
    db.session.commit()
    with pytest.raises(LeaseError, match="already submitted"):
        submit_annotation(db.session, claim.assignment.id, alice, project, "no")
    db.session.rollback()
    late = claim_next(db.session, alice, project)
    late.assignment.lease_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(LeaseError, match="expired"):
        submit_annotation(db.session, late.assignment.id, alice, project, "no")
    db.session.rollback()
    assert _annotations(db) == 1


def test_reannotation_supersedes_and_keeps_history(db, pair):
    from annotate.models import Assignment

    project, (alice, _), _ = pair
    claim = claim_next(db.session, alice, project)
    first = submit_annotation(db.session, claim.assignment.id, alice, project, "yes")
    db.session.commit()
    item = db.session.get(Item, claim.assignment.item_id)
    item.annotation_count += 1  # the re-annotation round takes a new slot
    again = Assignment(
        item_id=item.id,
        annotator_id=alice.id,
        round=2,
        lease_expires_at=utcnow() + timedelta(minutes=5),
    )
    db.session.add(again)
    db.session.commit()
    second = submit_annotation(db.session, again.id, alice, project, "no")
    db.session.commit()
    db.session.refresh(first)
    assert not first.is_current and first.superseded_by_id == second.id and second.is_current
    assert db.session.get(Item, item.id).annotation_count == 1
    assert _annotations(db) == 2
    assert free_slots_out_of_step(db.session) == []


def test_progress_counts_today_and_pace(db, pair):
    project, (alice, _), _ = pair
    for _ in range(2):
        claim = claim_next(db.session, alice, project)
        submit_annotation(db.session, claim.assignment.id, alice, project, "yes", duration_ms=None)
        db.session.commit()
    progress = annotator_progress(db.session, alice, project)
    assert (progress.done_today, progress.done_total, progress.remaining) == (2, 2, 2)
    yesterday = db.session.scalars(sa.select(Annotation).order_by(Annotation.id)).first()
    yesterday.submitted_at -= timedelta(days=1)
    yesterday.duration_ms = 90_000
    db.session.commit()
    progress = annotator_progress(db.session, alice, project)
    assert (progress.done_today, progress.done_total) == (1, 2)
    assert progress.seconds_per_item < 90
    screen = annotator_progress(db.session, alice, project, cached=True)  # today's work only
    assert (screen.done_today, screen.done_total, screen.remaining) == (1, None, 2)
