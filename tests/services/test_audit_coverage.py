"""The audit chain covers the work: submissions, skips, flags, re-annotations, reviews,
decisions are events; the rows they vouch for are checked by ``verify --deep``; a dossier
builds over a broken chain and names the event."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from annotate.models import (
    Annotation,
    AuditEvent,
    Batch,
    BatchDecision,
    Feedback,
    Project,
    ProjectRole,
    Review,
    User,
)
from annotate.services.audit import CONTENT_FIELDS, content_hash
from annotate.services.audit_checks import verify_chain, verify_content
from annotate.services.labeling.annotations import submit_annotation
from annotate.services.labeling.assignment import claim_next
from annotate.services.labeling.flags import flag_leased_item
from annotate.services.labeling.recording import skip_item
from annotate.services.review.decisions import decide_batch
from annotate.services.review.reviews import next_for, record_review
from annotate.services.review.sampling import draw_plan
from tests.factories import labelled_project, make_ready


def _events(session, action):
    return session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def test_submit_skip_and_flag_are_events_with_ids_not_names(db, make_project, make_user):
    project = make_project("cov", redundancy_k=1)
    alice = make_user("alice", project=project, roles=[ProjectRole.annotator])
    make_ready(db, project, [alice], n_items=5)
    claim = claim_next(db.session, alice, project)
    annotation = submit_annotation(db.session, claim.assignment.id, alice, project, "yes")
    skipped = claim_next(db.session, alice, project).assignment
    skip_item(db.session, skipped.id, alice, project, "cannot tell")
    flagged = claim_next(db.session, alice, project).assignment
    flag_leased_item(db.session, flagged.id, alice, project, "personal_info", "a phone number")
    db.session.commit()

    (submit,) = _events(db.session, "annotation.submit")
    assert submit.actor_id == alice.id and submit.subject_id == str(annotation.item_id)
    content = submit.details["content"]
    assert content["table"] == "annotations" and content["key"] == claim.assignment.id
    fields = {f: getattr(annotation, f) for f in CONTENT_FIELDS["annotations"]}
    assert content["sha256"] == content_hash(fields)
    (skip,) = _events(db.session, "assignment.skip")
    assert skip.subject_id == str(skipped.id) and skip.actor_id == alice.id
    assert len(_events(db.session, "item.flag")) == 1
    for event in db.session.scalars(sa.select(AuditEvent)):
        assert "alice" not in str(event.details)
    assert verify_chain(db.session).broken_at is None
    assert verify_content(db.session) == (1, [])


@pytest.fixture
def reviewed(db):
    """The sentiment project with one batch sampled, reviewed (two defects), rejected and
    re-annotated: every kind of row the chain vouches for."""
    labelled_project(db.session, n_items=120)
    project = db.session.scalar(sa.select(Project).where(Project.slug == "demo"))
    batch = db.session.scalar(sa.select(Batch).where(Batch.name == "reviews-2026-10"))
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    plan = draw_plan(db.session, batch, method="fixed_n", n=8, seed=2, calibration=0)
    plan.accept_number, plan.reject_number = 0, 1
    wrong = 0
    while (sampled := next_for(db.session, plan, users["reviewer"])) is not None:
        if wrong < 2:
            wrong += 1
            other = "negative" if sampled.annotation.value != "negative" else "positive"
            record_review(
                db.session,
                sampled,
                users["reviewer"],
                "incorrect",
                corrected_value=other,
                error_type="wrong_label",
                clause_key="R1.2",
            )
        else:
            record_review(db.session, sampled, users["reviewer"], "correct")
    decide_batch(db.session, plan, users["manager"])
    for name in ("ann1", "ann2", "ann3"):
        while (claim := claim_next(db.session, users[name], project)) is not None:
            if claim.assignment.round == 1:
                break
            submit_annotation(db.session, claim.assignment.id, users[name], project, "mixed")
    db.session.commit()
    return project, batch, users


def test_reviews_decisions_and_reannotations_are_vouched_for(db, reviewed, runner):
    assert len(_events(db.session, "annotation.reannotate")) == 2
    assert all("content" in e.details for e in _events(db.session, "review.record"))
    (decide,) = _events(db.session, "batch.decide")
    assert decide.details["content"]["table"] == "batch_decisions"
    checked, problems = verify_content(db.session)
    assert checked == 2 + 8 + 1 and problems == []
    assert runner.invoke(args=["audit", "verify", "--deep"]).exit_code == 0


@pytest.mark.parametrize(
    ("model", "change", "table"),
    [
        (Annotation, {"value": "positive"}, "annotations"),
        (Review, {"comment": "edited later"}, "reviews"),
        (BatchDecision, {"decided_by_id": None}, "batch_decisions"),
    ],
)
def test_a_direct_edit_of_a_vouched_row_fails_verify_deep(
    db, reviewed, runner, model, change, table
):
    if model is Annotation:
        (event,) = _events(db.session, "annotation.reannotate")[:1]
        where = Annotation.assignment_id == event.details["content"]["key"]
    else:
        where = model.id == db.session.scalar(sa.select(sa.func.max(model.id)))
    db.session.execute(sa.update(model).where(where).values(**change))
    db.session.commit()
    shallow = runner.invoke(args=["audit", "verify"])
    assert shallow.exit_code == 0, shallow.output  # the events themselves are intact
    deep = runner.invoke(args=["audit", "verify", "--deep"])
    assert deep.exit_code == 1
    assert f"CONTENT CHANGED: {table}" in deep.output


def test_deleting_a_vouched_row_is_reported_missing(db, reviewed):
    review = db.session.scalar(sa.select(Review).order_by(Review.id.desc()).limit(1))
    db.session.execute(sa.delete(Feedback).where(Feedback.review_id == review.id))
    db.session.execute(sa.delete(Review).where(Review.id == review.id))
    db.session.commit()
    _, problems = verify_content(db.session)
    assert [(p.table, p.key, p.problem) for p in problems] == [("reviews", review.id, "missing")]


def test_a_dossier_over_a_broken_chain_builds_and_names_the_event(db, reviewed, tmp_path):
    from annotate.services.quality.dossier import DossierRequest, build_dossier

    project, _, _ = reviewed
    broken = _events(db.session, "review.record")[0].id
    if db.engine.dialect.name == "sqlite":  # the inspector's case: details no longer JSON
        edit = sa.text("UPDATE audit_events SET details = '{\"verdict\": ' WHERE id = :id")
    else:  # PostgreSQL's json type refuses that: a valid but different value
        edit = sa.text("UPDATE audit_events SET details = '{\"verdict\": 1}' WHERE id = :id")
    db.session.execute(edit, {"id": broken})
    db.session.commit()
    db.session.expire_all()
    files = build_dossier(db.session, project, tmp_path / "dossier", DossierRequest(lang="en"))
    html = (tmp_path / "dossier" / "index.html").read_text(encoding="utf-8")
    assert files and f"broken at event {broken}" in html
