"""Reviews and decisions: verdicts, own work, separate roles, idempotency, tally, accept,
reject → re-annotation (superseding), void, override, feedback and calibration."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.models import (
    Annotation,
    Assignment,
    AssignmentStatus,
    AuditEvent,
    Batch,
    BatchDecision,
    BatchStatus,
    Feedback,
    Item,
    Project,
    ProjectRole,
    RejectScope,
    Review,
    User,
    Verdict,
)
from annotate.services.accounts.users import add_membership
from annotate.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from annotate.services.review.calibration import calibration_report
from annotate.services.review.decisions import decide_batch, tally_plan
from annotate.services.review.reviews import (
    get_sampled,
    next_for,
    pending_for,
    record_review,
)
from annotate.services.review.sampling import draw_plan
from tests.factories import free_slots_out_of_step, labelled_project


@pytest.fixture
def demo(db):
    labelled_project(db.session, n_items=120)
    project = db.session.scalar(sa.select(Project).where(Project.slug == "demo"))
    project.error_types = ["wrong_label", "missed_clause"]
    batch = db.session.scalar(sa.select(Batch).where(Batch.name == "reviews-2026-10"))
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    return project, batch, users


def _wrong_label(sampled) -> str:
    return next(
        k for k in ("positive", "negative", "neutral", "mixed") if k != sampled.annotation.value
    )


def _judge(session, plan, reviewer, verdict_for):
    """Review the whole queue; ``verdict_for(sampled)`` says correct/incorrect/prohibited."""
    while (sampled := next_for(session, plan, reviewer)) is not None:
        verdict = verdict_for(sampled)
        kwargs = {}
        if verdict == "incorrect":
            kwargs = {
                "corrected_value": _wrong_label(sampled),
                "error_type": "wrong_label",
                "clause_key": "R1.2",
                "comment": "The last sentence decides.",
            }
        record_review(session, sampled, reviewer, verdict, **kwargs)


def test_review_writes_review_feedback_and_audit_and_is_idempotent(db, demo):
    project, batch, users = demo
    plan = draw_plan(db.session, batch, method="fixed_n", n=5, seed=1, calibration=0)
    sampled = next_for(db.session, plan, users["reviewer"])
    review, created = record_review(
        db.session,
        sampled,
        users["reviewer"],
        "incorrect",
        corrected_value=_wrong_label(sampled),
        error_type="wrong_label",
        clause_key="R1.2",
        comment="See R1.2.",
    )
    assert created and review.verdict == Verdict.incorrect
    again, created = record_review(db.session, sampled, users["reviewer"], "correct")
    assert not created and again.id == review.id and again.verdict == Verdict.incorrect
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 1
    feedback = db.session.scalar(sa.select(Feedback))
    assert feedback.annotator_id == sampled.annotation.annotator_id
    assert feedback.review_id == review.id
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "review.record")
        )
        == 1
    )
    assert next_for(db.session, plan, users["reviewer"]).id != sampled.id


@pytest.mark.parametrize(
    "kwargs, problem",
    [
        ({"verdict": "maybe"}, "verdict"),
        (
            {"verdict": "incorrect", "error_type": "wrong_label", "clause_key": "R1.2"},
            "Give the correct value",
        ),
        (
            {
                "verdict": "incorrect",
                "corrected_value": "nonsense",
                "error_type": "wrong_label",
                "clause_key": "R1.2",
            },
            "not a label",
        ),
        (
            {
                "verdict": "incorrect",
                "corrected_value": "SAME",
                "error_type": "wrong_label",
                "clause_key": "R1.2",
            },
            "the same as the annotation",
        ),
        (
            {"verdict": "incorrect", "corrected_value": "WRONG", "clause_key": "R1.2"},
            "kind of error",
        ),
        (
            {
                "verdict": "incorrect",
                "corrected_value": "WRONG",
                "error_type": "typo",
                "clause_key": "R1.2",
            },
            "error type of this project",
        ),
        (
            {"verdict": "incorrect", "corrected_value": "WRONG", "error_type": "wrong_label"},
            "clause that was broken",
        ),
        (
            {
                "verdict": "incorrect",
                "corrected_value": "WRONG",
                "error_type": "wrong_label",
                "clause_key": "R99",
            },
            "not in the rulebook version",
        ),
    ],
)
def test_bad_verdicts_write_nothing(db, demo, kwargs, problem):
    _, batch, users = demo
    plan = draw_plan(db.session, batch, method="fixed_n", n=5, seed=1, calibration=0)
    sampled = next_for(db.session, plan, users["reviewer"])
    value = kwargs.get("corrected_value")
    if value == "SAME":
        kwargs["corrected_value"] = sampled.annotation.value
    elif value == "WRONG":
        kwargs["corrected_value"] = _wrong_label(sampled)
    with pytest.raises(InvalidInput, match=problem) as refused:
        record_review(db.session, sampled, users["reviewer"], **kwargs)
    # Messages a reviewer reads: no field names (``corrected_value:``, ``clause_key:``).
    assert not any(
        field in str(refused.value) for field in ("corrected_value", "clause_key", "error_type:")
    )
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0


def test_own_work_outside_sample_separate_roles_and_decided_batch(db, demo):
    project, batch, users = demo
    other = draw_plan(db.session, batch, method="fixed_n", n=2, seed=1, calibration=0)
    plan = draw_plan(db.session, batch, method="all", seed=1, calibration=0)
    # ann1 became a reviewer before the project separated the roles: they may not review…
    project.separate_roles = False
    add_membership(db.session, users["ann1"], project, ProjectRole.reviewer)
    project.separate_roles = True
    own = next(s for s in plan.sampled if s.annotation.annotator_id == users["ann1"].id)
    with pytest.raises(PermissionDenied, match="TC260-003"):
        record_review(db.session, own, users["ann1"], "correct")
    # … and without separate roles they still never get (or judge) their own work.
    project.separate_roles = False
    with pytest.raises(PermissionDenied, match="own annotation"):
        record_review(db.session, own, users["ann1"], "correct")
    assert all(
        s.annotation.annotator_id != users["ann1"].id
        for s in pending_for(db.session, plan, users["ann1"])
    )
    # A manager who is no reviewer may not review.
    with pytest.raises(PermissionDenied):
        record_review(db.session, plan.sampled[0], users["manager"], "correct")
    with pytest.raises(NotFound):
        get_sampled(db.session, plan, other.sampled[0].id)
    decide_batch(db.session, plan, users["reviewer"], "accept", "Spot-checked elsewhere.")
    with pytest.raises(Conflict, match="already decided"):
        record_review(db.session, plan.sampled[1], users["reviewer"], "correct")
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0


def test_accept_follows_the_plan(db, demo):
    _, batch, users = demo
    plan = draw_plan(db.session, batch, method="iso2859", aql=1.0, seed=11)
    tally = tally_plan(db.session, plan)
    assert tally.plan_decision is None and tally.remaining == plan.sample_size
    with pytest.raises(InvalidInput, match="not complete"):
        decide_batch(db.session, plan, users["reviewer"])
    _judge(db.session, plan, users["reviewer"], lambda s: "correct")
    tally = tally_plan(db.session, plan)
    assert tally.complete and tally.defects == 0
    assert tally.plan_decision.value == "accept"
    assert tally.accuracy.value == 1.0 and tally.accuracy.ci_low < 1.0
    row = decide_batch(db.session, plan, users["reviewer"])
    assert row.decision.value == "accept" and row.override_reason is None
    assert batch.status == BatchStatus.accepted
    with pytest.raises(Conflict):
        draw_plan(db.session, batch, method="all")


def test_override_needs_a_reason_and_is_audited(db, demo):
    _, batch, users = demo
    plan = draw_plan(db.session, batch, method="fixed_n", n=3, seed=2, calibration=0)
    _judge(db.session, plan, users["reviewer"], lambda s: "correct")
    with pytest.raises(InvalidInput, match="reason"):
        decide_batch(db.session, plan, users["reviewer"], "reject", "   ")
    assert db.session.scalar(sa.select(sa.func.count(BatchDecision.id))) == 0
    row = decide_batch(
        db.session, plan, users["reviewer"], "reject", "Customer reported mislabels in this batch."
    )
    assert row.plan_decision.value == "accept" and row.decision.value == "reject"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "batch.override"))
    assert event.details["reason"] == "Customer reported mislabels in this batch."


def _claim_and_redo(session, project, annotator, value_for):
    """The annotator takes each re-annotation lease through the assignment engine."""
    from annotate.services.labeling.annotations import submit_annotation
    from annotate.services.labeling.assignment import claim_next

    done = 0
    while True:
        claim = claim_next(session, annotator, project)
        if claim is None or claim.assignment.round == 1:
            break
        submit_annotation(
            session, claim.assignment.id, annotator, project, value_for(claim.assignment.item)
        )
        done += 1
    return done


def _current_counts_match(session, batch):
    for item in session.scalars(sa.select(Item).where(Item.batch_id == batch.id)):
        session.refresh(item)
        current = session.scalar(
            sa.select(sa.func.count(Annotation.id)).where(
                Annotation.item_id == item.id, Annotation.is_current.is_(True)
            )
        )
        leased = session.scalar(
            sa.select(sa.func.count(Assignment.id)).where(
                Assignment.item_id == item.id, Assignment.status == AssignmentStatus.leased
            )
        )
        assert item.annotation_count == current + leased, item
    assert free_slots_out_of_step(session) == []


def test_reject_sends_failed_work_back_and_reannotation_supersedes(db, demo):
    project, batch, users = demo
    plan = draw_plan(db.session, batch, method="iso2859", aql=1.0, seed=3, calibration=0)
    failed: list[int] = []

    def verdict(sampled):
        if len(failed) < plan.reject_number:
            failed.append(sampled.annotation_id)
            return "incorrect"
        return "correct"

    _judge(db.session, plan, users["reviewer"], verdict)
    tally = tally_plan(db.session, plan)
    assert tally.defects == plan.reject_number and tally.plan_decision.value == "reject"
    decide_batch(db.session, plan, users["reviewer"])
    assert batch.status == BatchStatus.reannotating
    leases = db.session.scalars(sa.select(Assignment).where(Assignment.round == 2)).all()
    old = {
        a.id: a for a in db.session.scalars(sa.select(Annotation).where(Annotation.id.in_(failed)))
    }
    assert sorted((a.item_id, a.annotator_id) for a in leases) == sorted(
        (a.item_id, a.annotator_id) for a in old.values()
    )
    _current_counts_match(db.session, batch)
    with pytest.raises(Conflict, match="re-annotation"):
        draw_plan(db.session, batch, method="all")
    for name in ("ann1", "ann2", "ann3"):
        _claim_and_redo(db.session, project, users[name], lambda item: "mixed")
    for annotation in old.values():
        db.session.refresh(annotation)
        assert annotation.is_current is False and annotation.superseded_by_id is not None
    _current_counts_match(db.session, batch)
    second = draw_plan(db.session, batch, method="iso2859", aql=1.0, seed=3)
    assert second.round == 2 and batch.status == BatchStatus.in_review
    assert not set(failed) & {s.annotation_id for s in second.sampled}


def test_reject_scope_batch_sends_everything_back(db, demo):
    project, batch, users = demo
    project.reject_scope = RejectScope.batch
    plan = draw_plan(db.session, batch, method="fixed_n", n=4, seed=3, calibration=0)
    decide_batch(db.session, plan, users["reviewer"], "reject", "Rulebook misunderstood.")
    assert (
        db.session.scalar(sa.select(sa.func.count(Assignment.id)).where(Assignment.round == 2))
        == plan.lot_size
    )


def test_prohibited_content_voids_the_batch_for_good(db, demo):
    _, batch, users = demo
    plan = draw_plan(db.session, batch, method="fixed_n", n=6, seed=4, calibration=0)
    sampled = next_for(db.session, plan, users["reviewer"])
    record_review(db.session, sampled, users["reviewer"], "prohibited", comment="Incites violence.")
    tally = tally_plan(db.session, plan)
    assert tally.plan_decision.value == "void" and tally.prohibited == 1
    decide_batch(db.session, plan, users["reviewer"])
    assert batch.status == BatchStatus.void
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"sample.draw", "review.record", "batch.decide", "batch.void"} <= actions
    with pytest.raises(Conflict, match="void"):
        draw_plan(db.session, batch, method="all")
    with pytest.raises(Conflict):
        decide_batch(db.session, plan, users["reviewer"], "accept", "Changed my mind.")


def test_calibration_report_scores_reviewers_on_known_verdicts(db, demo):
    project, batch, users = demo
    plan = draw_plan(db.session, batch, method="fixed_n", n=4, seed=8, calibration=5)
    gold = [s for s in plan.sampled if s.expected_verdict is not None]
    assert gold
    # The reviewer judges every annotation as correct: right on the known-correct ones.
    _judge(db.session, plan, users["reviewer"], lambda s: "correct")
    [row] = calibration_report(db.session, project)
    known_correct = sum(s.expected_verdict == Verdict.correct for s in gold)
    assert row.reviewer.username == "reviewer"
    assert (row.agreement.successes, row.agreement.n) == (known_correct, len(gold))
    assert row.missed_defects == len(gold) - known_correct and row.false_alarms == 0
    # Calibration reviews give the annotator no feedback and do not count in the tally.
    calibration_reviews = sum(s.is_calibration for s in plan.sampled)
    assert db.session.scalar(sa.select(sa.func.count(Feedback.id))) == (
        db.session.scalar(sa.select(sa.func.count(Review.id))) - calibration_reviews
    )
    assert tally_plan(db.session, plan).reviewed == 4
