"""Undo and history: an annotator changes their own submission under the edit rule, takes a
skipped item back; two concurrent edits of one annotation never leave two current ones."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from annotate import create_app
from annotate.config import TestConfig
from annotate.database import utcnow
from annotate.models import (
    Annotation,
    Assignment,
    AssignmentStatus,
    AuditEvent,
    Batch,
    BatchStatus,
    Item,
    Project,
    ProjectRole,
    User,
)
from annotate.services.audit_checks import verify_chain, verify_content
from annotate.services.errors import Conflict, InvalidInput, PermissionDenied
from annotate.services.labeling.annotations import submit_annotation
from annotate.services.labeling.assignment import claim_next
from annotate.services.labeling.edits import (
    edit_annotation,
    edit_refusal,
    last_submission,
    reopen_skipped,
)
from annotate.services.labeling.history import own_history
from annotate.services.labeling.recording import skip_item
from annotate.services.review.sampling import draw_plan
from tests.factories import free_slots_out_of_step, make_ready


@pytest.fixture
def ready(db, make_project, make_user):
    project = make_project("undo", redundancy_k=1, overlap_share=0.0, gold_rate=0.0)
    ann = make_user("ann", project=project, roles=[ProjectRole.annotator])
    other = make_user("other", project=project, roles=[ProjectRole.annotator])
    make_ready(db, project, [ann, other], n_items=4)
    return project, ann, other


def _submit(db, project, user, value="yes", **kwargs):
    claim = claim_next(db.session, user, project)
    annotation = submit_annotation(db.session, claim.assignment.id, user, project, value, **kwargs)
    db.session.commit()
    return annotation


def _current(db, item_id):
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Annotation).where(Annotation.item_id == item_id, Annotation.is_current)
    ).all()


def test_an_edit_supersedes_the_old_annotation_and_is_audited(db, ready):
    project, ann, _ = ready
    old = _submit(db, project, ann, "yes")
    assert last_submission(db.session, ann, project).id == old.id
    new = edit_annotation(db.session, old.id, ann, project, "no", clause_keys=["R1.1"])
    db.session.commit()
    [current] = _current(db, old.item_id)
    assert current.id == new.id and current.value == "no" and current.clause_keys == ["R1.1"]
    db.session.refresh(old)
    assert not old.is_current and old.superseded_by_id == new.id
    assert new.assignment_id == old.assignment_id
    item = db.session.get(Item, old.item_id)
    assert item.annotation_count == 1, "an edit replaces, it takes no second place"
    assert free_slots_out_of_step(db.session) == []
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "annotation.edit"))
    assert event.details["supersedes"] == old.id and event.actor_id == ann.id
    assert verify_chain(db.session).broken_at is None
    assert verify_content(db.session)[1] == []
    # The edit is now the last submission; editing the replaced row again is refused.
    assert last_submission(db.session, ann, project).id == new.id
    with pytest.raises(Conflict):
        edit_annotation(db.session, old.id, ann, project, "yes")


def test_edits_are_refused_outside_the_rule(db, ready):
    project, ann, other = ready
    annotation = _submit(db, project, ann)
    with pytest.raises(PermissionDenied):
        edit_annotation(db.session, annotation.id, other, project, "no")
    db.session.rollback()
    with pytest.raises(InvalidInput):
        edit_annotation(db.session, annotation.id, ann, project, "maybe")
    db.session.rollback()
    assert len(_current(db, annotation.item_id)) == 1
    later = utcnow() + timedelta(minutes=project.edit_window_minutes + 1)
    assert "over" in str(edit_refusal(db.session, annotation, project, later))
    with pytest.raises(Conflict):
        edit_annotation(db.session, annotation.id, ann, project, "no", now=later)
    db.session.rollback()
    project.edit_window_minutes = 0
    db.session.commit()
    assert edit_refusal(db.session, annotation, project) is not None
    project.edit_window_minutes = 30
    db.session.commit()
    assert edit_refusal(db.session, annotation, project) is None


def test_an_annotation_drawn_for_review_or_in_a_closed_batch_stays(db, ready, make_user):
    project, ann, _ = ready
    annotation = _submit(db, project, ann)
    reviewer = make_user("rev", project=project, roles=[ProjectRole.reviewer])
    batch = db.session.scalar(sa.select(Batch))
    draw_plan(db.session, batch, method="all", actor=reviewer)
    db.session.commit()
    assert "review" in str(edit_refusal(db.session, annotation, project))
    with pytest.raises(Conflict):
        edit_annotation(db.session, annotation.id, ann, project, "no")
    db.session.rollback()
    assert len(_current(db, annotation.item_id)) == 1


def test_a_skipped_item_is_taken_back_until_the_batch_closes(db, ready):
    project, ann, other = ready
    claim = claim_next(db.session, ann, project)
    db.session.commit()
    skip_item(db.session, claim.assignment.id, ann, project, "unsure")
    db.session.commit()
    skipped = own_history(db.session, ann, kind="skipped", project_ids=[project.id])
    assert [a.id for a in skipped.rows] == [claim.assignment.id]
    with pytest.raises(PermissionDenied):
        reopen_skipped(db.session, claim.assignment.id, other, project)
    db.session.rollback()
    reopen_skipped(db.session, claim.assignment.id, ann, project)
    db.session.commit()
    db.session.expire_all()
    assignment = db.session.get(Assignment, claim.assignment.id)
    assert assignment.status == AssignmentStatus.leased
    assert claim_next(db.session, ann, project).assignment.id == assignment.id
    assert free_slots_out_of_step(db.session) == []
    with pytest.raises(Conflict):  # it is leased now, not skipped
        reopen_skipped(db.session, assignment.id, ann, project)
    db.session.rollback()
    submit_annotation(db.session, assignment.id, ann, project, "no")
    db.session.commit()
    # Skipped again later, but the batch has closed: no taking back.
    claim = claim_next(db.session, ann, project)
    skip_item(db.session, claim.assignment.id, ann, project, "unsure")
    db.session.scalar(sa.select(Batch)).status = BatchStatus.accepted
    db.session.commit()
    with pytest.raises(Conflict):
        reopen_skipped(db.session, claim.assignment.id, ann, project)


def test_a_skipped_item_whose_places_were_taken_cannot_come_back(db, ready):
    project, ann, other = ready
    claim = claim_next(db.session, ann, project)
    db.session.commit()
    skip_item(db.session, claim.assignment.id, ann, project, "unsure")
    db.session.commit()
    taken = claim_next(db.session, other, project)  # k = 1: the other takes the only place
    db.session.commit()
    assert taken.assignment.item_id == claim.assignment.item_id
    with pytest.raises(Conflict):
        reopen_skipped(db.session, claim.assignment.id, ann, project)
    db.session.rollback()
    assert free_slots_out_of_step(db.session) == []


def test_history_filters_by_project_and_day_and_pages(db, ready):
    project, ann, _ = ready
    for value in ("yes", "no", "yes"):
        _submit(db, project, ann, value)
    mine = own_history(db.session, ann, project_ids=[project.id], per_page=2)
    assert len(mine.rows) == 2 and mine.has_next
    rest = own_history(db.session, ann, project_ids=[project.id], per_page=2, page=2)
    assert len(rest.rows) == 1 and not rest.has_next
    assert own_history(db.session, ann, project_ids=[]).rows == []
    now = utcnow()
    today = own_history(
        db.session, ann, project_ids=[project.id], since=now - timedelta(hours=1), until=now
    )
    assert len(today.rows) == 3
    yesterday = own_history(
        db.session, ann, project_ids=[project.id], until=now - timedelta(hours=1)
    )
    assert yesterday.rows == []


# --- PostgreSQL: two edits of one annotation at once --------------------------------------


@pytest.mark.truncate
def test_two_concurrent_edits_leave_one_current_annotation(db, make_project, make_user):
    if db.engine.dialect.name != "postgresql":
        pytest.skip(
            "race test needs PostgreSQL: set ANNOTATE_TEST_DATABASE_URL=postgresql://… "
            "(SQLite serialises writers, so there is no race to test)"
        )
    project = make_project("edit-race", redundancy_k=1, overlap_share=0.0, gold_rate=0.0)
    ann = make_user("ann", project=project, roles=[ProjectRole.annotator])
    make_ready(db, project, [ann], n_items=2)
    rounds, threads_per_round = 5, 4
    originals = [_submit(db, project, ann).id for _ in range(2)]
    project_id, user_id = project.id, ann.id
    race_app = create_app(
        {
            "CONFIG_CLASS": TestConfig,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": threads_per_round + 2, "max_overflow": 0},
        }
    )
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def edit(annotation_id: int, value: str, start: threading.Barrier) -> None:
        try:
            with race_app.app_context():
                session = db.session
                user = session.get(User, user_id)
                target = session.get(Project, project_id)
                start.wait()
                try:
                    edit_annotation(session, annotation_id, user, target, value)
                    session.commit()
                    outcomes.append("edited")
                except Conflict:
                    session.rollback()
                    outcomes.append("refused")
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 — reported by the main thread
            errors.append(error)

    for _round in range(rounds):
        for annotation_id in originals:
            with race_app.app_context():
                current = db.session.scalar(
                    sa.select(Annotation.id).where(
                        Annotation.item_id
                        == sa.select(Annotation.item_id)
                        .where(Annotation.id == annotation_id)
                        .scalar_subquery(),
                        Annotation.is_current,
                    )
                )
                db.session.remove()
            before = outcomes.count("edited")
            start = threading.Barrier(threads_per_round, timeout=30)
            threads = [
                threading.Thread(target=edit, args=(current, ("yes", "no")[n % 2], start))
                for n in range(threads_per_round)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert not errors, errors
            assert outcomes.count("edited") == before + 1, "not exactly one edit went through"
    with race_app.app_context():
        db.engine.dispose()
    db.session.expire_all()
    per_item = db.session.execute(
        sa.select(Annotation.item_id, sa.func.count())
        .where(Annotation.is_current)
        .group_by(Annotation.item_id)
    ).all()
    assert sorted(n for _, n in per_item) == [1, 1], "two current annotations of one item"
    assert outcomes.count("edited") == rounds * 2
    assert outcomes.count("refused") == rounds * 2 * (threads_per_round - 1)
    edits = sa.select(sa.func.count()).where(AuditEvent.action == "annotation.edit")
    assert db.session.scalar(edits) == rounds * 2
    assert verify_chain(db.session).broken_at is None
    assert verify_content(db.session)[1] == []


@pytest.mark.truncate
def test_concurrent_take_backs_of_one_skip_give_one_lease(db, make_project, make_user):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("race test needs PostgreSQL: set ANNOTATE_TEST_DATABASE_URL=postgresql://…")
    project = make_project("reopen-race", redundancy_k=2, overlap_share=1.0, gold_rate=0.0)
    ann = make_user("ann", project=project, roles=[ProjectRole.annotator])
    make_ready(db, project, [ann], n_items=3)
    skipped = []
    for _ in range(3):
        claim = claim_next(db.session, ann, project)
        db.session.commit()
        skip_item(db.session, claim.assignment.id, ann, project, "unsure")
        db.session.commit()
        skipped.append(claim.assignment.id)
    project_id, user_id, threads_n = project.id, ann.id, 4
    race_app = create_app(
        {
            "CONFIG_CLASS": TestConfig,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": threads_n + 2, "max_overflow": 0},
        }
    )
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def reopen(assignment_id: int, start: threading.Barrier) -> None:
        try:
            with race_app.app_context():
                session = db.session
                user, target = session.get(User, user_id), session.get(Project, project_id)
                start.wait()
                try:
                    reopen_skipped(session, assignment_id, user, target)
                    session.commit()
                    outcomes.append("reopened")
                except Conflict:
                    session.rollback()
                    outcomes.append("refused")
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 — reported by the main thread
            errors.append(error)

    for assignment_id in skipped:
        start = threading.Barrier(threads_n, timeout=30)
        threads = [
            threading.Thread(target=reopen, args=(assignment_id, start)) for _ in range(threads_n)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    with race_app.app_context():
        db.engine.dispose()
    assert not errors, errors
    assert outcomes.count("reopened") == len(skipped)
    assert outcomes.count("refused") == len(skipped) * (threads_n - 1)
    db.session.expire_all()
    for item in db.session.scalars(sa.select(Item)):
        assert item.annotation_count == 1, "a slot was taken twice"
    assert free_slots_out_of_step(db.session) == []
    reopens = sa.select(sa.func.count()).where(AuditEvent.action == "assignment.reopen")
    assert db.session.scalar(reopens) == len(skipped)
    assert verify_chain(db.session).broken_at is None
