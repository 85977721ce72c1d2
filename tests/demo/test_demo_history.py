"""The demo tells a possible story: the rulebook is published before the work done under it,
a later batch is sampled and decided after its annotations, an alert is acted on (another
stays open), a flag is handled — and its dossier shows every duty with data."""

from __future__ import annotations

import re

import sqlalchemy as sa

from annotate.demo.seed import seed_demo
from annotate.models import (
    Annotation,
    Batch,
    BatchDecision,
    Item,
    ItemFlag,
    Project,
    Qualification,
    Review,
    Rulebook,
    RulebookVersion,
    SampledAnnotation,
    SamplePlan,
    SupervisionAction,
    SupervisionEvent,
    TrainingAttempt,
)
from annotate.services.audit_checks import verify_chain


def test_the_demo_history_is_in_order_and_its_dossier_has_data(app, db, runner, tmp_path):
    seed_demo(n_items=300)
    db.session.commit()
    session = db.session
    project = session.scalar(sa.select(Project).where(Project.slug == "demo"))
    items = sa.select(Item.id).where(Item.project_id == project.id)
    first = session.scalar(
        sa.select(sa.func.min(Annotation.submitted_at)).where(Annotation.item_id.in_(items))
    )
    version = session.scalar(
        sa.select(RulebookVersion)
        .join(Rulebook, Rulebook.id == RulebookVersion.rulebook_id)
        .where(Rulebook.project_id == project.id, RulebookVersion.published_at.is_not(None))
    )
    assert project.created_at < version.published_at < first
    first_attempt = session.scalar(
        sa.select(sa.func.min(TrainingAttempt.submitted_at)).where(
            TrainingAttempt.project_id.is_(None) | (TrainingAttempt.project_id == project.id)
        )
    )
    assert version.published_at < first_attempt
    assert all(
        q.granted_at < first
        for q in session.scalars(
            sa.select(Qualification).where(
                Qualification.project_id == project.id, Qualification.revoked_at.is_(None)
            )
        )
    )
    assert all(
        b.imported_at < first
        for b in session.scalars(sa.select(Batch).where(Batch.project_id == project.id))
    )
    # A later batch sampled, reviewed and decided after its own annotations.
    plan = session.scalar(sa.select(SamplePlan).join(Batch).where(Batch.project_id == project.id))
    last_work = session.scalar(
        sa.select(sa.func.max(Annotation.submitted_at))
        .join(Item, Item.id == Annotation.item_id)
        .where(Item.batch_id == plan.batch_id)
    )
    decision = session.scalar(sa.select(BatchDecision).where(BatchDecision.plan_id == plan.id))
    reviews = session.scalars(
        sa.select(Review)
        .join(Review.sampled_annotation)
        .where(SampledAnnotation.plan_id == plan.id)
    ).all()
    assert plan.batch.name == "reviews-2026-11" and len(reviews) == plan.sample_size
    assert last_work < plan.created_at < min(r.created_at for r in reviews)
    assert max(r.created_at for r in reviews) < decision.decided_at
    assert decision.decided_by_id is not None
    # Supervision: alerts after the decision, one acted on, one still open.
    events = session.scalars(
        sa.select(SupervisionEvent).where(SupervisionEvent.project_id == project.id)
    ).all()
    # (threshold alerts: a prohibited-content flag alerts when it is flagged)
    alerts = [
        e
        for e in events
        if e.action == SupervisionAction.alert
        and (e.snapshot or {}).get("code") != "flag.prohibited"
    ]
    actions = [e for e in events if e.action == SupervisionAction.retrain]
    assert actions and any(a.resolved_at is None for a in alerts)
    assert all(decision.decided_at < a.created_at < actions[0].created_at for a in alerts)
    revoked = session.scalars(
        sa.select(Qualification.revoked_at).where(
            Qualification.project_id == project.id, Qualification.revoked_at.is_not(None)
        )
    ).all()
    assert revoked and all(at == actions[0].created_at for at in revoked)
    # A flag, handled.
    flag = session.scalar(sa.select(ItemFlag).join(Item).where(Item.project_id == project.id))
    assert flag.resolved_at is not None and flag.resolved_at > flag.created_at
    assert verify_chain(session).broken_at is None

    result = runner.invoke(args=["dossier", "demo", "-o", str(tmp_path / "d"), "--lang", "en"])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "d" / "index.html").read_text(encoding="utf-8")
    status = dict(re.findall(r'<tr id="duty-(\d)" data-status="([a-z_]+)"', html))
    assert status["1"] == "met" and status["4"] == "met"
    assert "no_evidence" not in status.values() and "not_met" in status.values()
    assert 'id="table-sample_plans"' in html and 'id="alerts"' in html
    assert "open: no action yet" in html and 'id="table-item_flags"' in html
