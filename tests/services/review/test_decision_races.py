"""One decision per plan: twelve reviewers posting the decision at once record exactly one.

The threaded tests need PostgreSQL (``ANNOTATE_TEST_DATABASE_URL=postgresql://…``): the
in-memory SQLite test database is one connection, so there is no race to test; they are
skipped there. The sequential refusals run on both databases.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from annotate import create_app
from annotate.config import TestConfig
from annotate.models import (
    Assignment,
    AuditEvent,
    Batch,
    BatchDecision,
    BatchStatus,
    ProjectRole,
    SamplePlan,
    User,
)
from annotate.services.errors import Conflict
from annotate.services.labeling.annotations import submit_annotation
from annotate.services.labeling.assignment import claim_next
from annotate.services.review.decisions import decide_batch
from annotate.services.review.sampling import draw_plan
from tests.services.labeling.test_assignment import make_ready

#: Real threads on their own connections: commit for real, not in a rolled-back SAVEPOINT.
pytestmark = pytest.mark.truncate

THREADS = 12


@pytest.fixture
def postgres(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip(
            "concurrency test needs PostgreSQL: set ANNOTATE_TEST_DATABASE_URL="
            "postgresql://… (the in-memory SQLite test database is one connection, "
            "so there is no race to test)"
        )
    return db


def at_once(n: int, work: Callable[[Any, int, Callable[[], None]], Any]) -> list[Any]:
    """Run ``work(app, index, go)`` in ``n`` threads, each with its own connection.

    ``work`` prepares (logs in, loads rows), calls ``go()`` — a barrier, so every thread
    starts its request together — then acts. Returns each thread's result or exception.
    """
    from annotate.database import db

    race_app = create_app(
        {
            "CONFIG_CLASS": TestConfig,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "pool_size": n + 2,
                "max_overflow": 0,
                "pool_timeout": 60,
            },
        }
    )
    barrier = threading.Barrier(n, timeout=60)
    results: list[Any] = [None] * n

    def run(index: int) -> None:
        try:
            with race_app.app_context():
                try:
                    results[index] = work(race_app, index, barrier.wait)
                finally:
                    db.session.remove()
        except BaseException as error:  # noqa: BLE001 — returned to the test
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with race_app.app_context():
        db.engine.dispose()
    return results


@pytest.fixture
def plan(db, make_project, make_user):
    """A batch of six annotated items, a plan reviewing all of them, three reviewers."""
    project = make_project("race", redundancy_k=1, overlap_share=0.0, gold_rate=0.0)
    annotators = [
        make_user(f"ann{n}", project=project, roles=[ProjectRole.annotator]) for n in range(2)
    ]
    for n in range(3):
        make_user(f"rev{n}", project=project, roles=[ProjectRole.reviewer])
    _, batch = make_ready(db, project, annotators, n_items=6)
    for annotator in annotators:
        while (claim := claim_next(db.session, annotator, project)) is not None:
            submit_annotation(db.session, claim.assignment.id, annotator, project, "yes")
            db.session.commit()
    plan = draw_plan(db.session, batch, method="all", seed=1, calibration=0)
    db.session.commit()
    return plan


def _decisions(db, plan_id: int) -> list[BatchDecision]:
    db.session.expire_all()
    return list(
        db.session.scalars(sa.select(BatchDecision).where(BatchDecision.plan_id == plan_id))
    )


def test_concurrent_decision_posts_record_one_decision(postgres, plan):
    db = postgres
    plan_id, batch_id = plan.id, plan.batch_id
    choices = ("accept", "reject", "void")

    def post(app, index: int, go):
        client = app.test_client()
        login = client.post("/login", data={"username": f"rev{index % 3}", "password": "secret-pw"})
        assert login.status_code == 302
        go()
        response = client.post(
            f"/review/plans/{plan_id}/decision",
            data={"decision": choices[index % 3], "reason": f"Racer {index} decides."},
        )
        return response.status_code, response.get_data(as_text=True)

    results = at_once(THREADS, post)
    assert not [r for r in results if isinstance(r, BaseException)], results
    codes = Counter(code for code, _ in results)
    assert codes == {302: 1, 409: THREADS - 1}, codes
    assert all("already decided" in body for code, body in results if code == 409)
    [decision] = _decisions(db, plan_id)
    batch = db.session.get(Batch, batch_id)
    expected = {
        "accept": BatchStatus.accepted,
        "reject": BatchStatus.reannotating,
        "void": BatchStatus.void,
    }[decision.decision.value]
    assert batch.status == expected
    decided = db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "batch.decide")
    )
    assert decided == 1
    sent_back = db.session.scalar(
        sa.select(sa.func.count(Assignment.id)).where(Assignment.round > 1)
    )
    assert sent_back == 0  # a reject sends back the failed annotations: none was reviewed


def test_concurrent_draws_and_decision_keep_one_current_plan(postgres, plan):
    """Draws racing a decision: either the decision wins (draws refused: batch accepted) or
    draws replace the unreviewed plan first (the decision on the old plan is refused)."""
    db = postgres
    plan_id, batch_id = plan.id, plan.batch_id

    def act(app, index: int, go):
        from annotate.database import db as race_db

        session = race_db.session
        batch = session.get(Batch, batch_id)
        reviewer = session.scalar(sa.select(User).where(User.username == "rev0"))
        old = session.get(SamplePlan, plan_id)
        go()
        try:
            if index == 0:
                decide_batch(session, old, reviewer, "accept", "Vendor certified.")
            else:
                draw_plan(session, batch, method="all", seed=index, calibration=0)
            session.commit()
        except Conflict:
            session.rollback()
            return "refused"
        return "ok"

    results = at_once(6, act)
    assert not [r for r in results if isinstance(r, BaseException)], results
    db.session.expire_all()
    decisions = list(db.session.scalars(sa.select(BatchDecision)))
    plans = list(db.session.scalars(sa.select(SamplePlan).order_by(SamplePlan.id)))
    batch = db.session.get(Batch, batch_id)
    if results[0] == "ok":
        # Draws after the acceptance are refused; draws before it were replaced by nothing
        # newer, so the decided plan is the newest.
        assert len(decisions) == 1 and decisions[0].plan_id == plans[-1].id
        assert batch.status == BatchStatus.accepted
    else:
        assert decisions == [] and batch.status == BatchStatus.in_review
    assert all(p.round == 1 for p in plans)


def test_a_second_decision_is_refused_with_409(db, plan, client, login):
    login("rev0")
    first = client.post(
        f"/review/plans/{plan.id}/decision",
        data={"decision": "accept", "reason": "Vendor certified."},
    )
    assert first.status_code == 302
    second = client.post(
        f"/review/plans/{plan.id}/decision", data={"decision": "void", "reason": "Changed my mind."}
    )
    assert second.status_code == 409
    assert "already decided" in second.get_data(as_text=True)
    [decision] = _decisions(db, plan.id)
    assert decision.decision.value == "accept"
    assert db.session.get(Batch, plan.batch_id).status == BatchStatus.accepted


def test_the_constraint_refuses_a_second_row_even_past_the_checks(db, plan, monkeypatch):
    """If the checks were bypassed, uq_batch_decisions_plan_id still refuses: a Conflict,
    nothing written."""
    reviewer = db.session.scalar(sa.select(User).where(User.username == "rev0"))
    decide_batch(db.session, plan, reviewer, "accept", "Vendor certified.")
    db.session.commit()
    from annotate.services.review import reviews

    monkeypatch.setattr(reviews, "check_open_plan", lambda session, plan: None)
    with pytest.raises(Conflict, match="already decided"):
        decide_batch(db.session, plan, reviewer, "void", "Bypassed checks.")
    db.session.rollback()
    assert [d.decision.value for d in _decisions(db, plan.id)] == ["accept"]
