"""The demo's history, told in a possible order: the project is set up and its rulebook
published a week before the first annotation; batch ``reviews-2026-11`` is sampled, reviewed
and decided after its annotations; the thresholds raise alerts and a manager acts on one (the
other stays open); a flagged item is quarantined and later released.

Records are written through the services and then dated where the story puts them (the audit
chain's own times stay the seeding's: its hashes cover them). The compliance dossier of the
demo then shows every section with data — and the honest "not met" rows.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from annotate.database import Session
from annotate.models import (
    Annotation,
    Batch,
    BatchDecision,
    Item,
    ItemFlag,
    Membership,
    Project,
    Qualification,
    Rulebook,
    RulebookVersion,
    SupervisionAction,
    TrainingModule,
    User,
)
from annotate.services.labeling.flags import flag_item
from annotate.services.quality.report import ReportOptions, compute_report
from annotate.services.quality.supervision import raise_alerts, take_action
from annotate.services.review.decisions import decide_batch
from annotate.services.review.flags import release_flag
from annotate.services.review.reviews import next_for, record_review
from annotate.services.review.sampling import draw_plan, lot_annotations


def _first_annotation(session: Session, project: Project) -> datetime | None:
    return session.scalar(
        sa.select(sa.func.min(Annotation.submitted_at))
        .join(Item, Item.id == Annotation.item_id)
        .where(Item.project_id == project.id)
    )


def _date_the_setup(session: Session, project: Project, setup: datetime) -> None:
    """Project, memberships, rulebook and batches before the first annotation."""
    project.created_at = setup - timedelta(days=1)
    for membership in session.scalars(
        sa.select(Membership).where(Membership.project_id == project.id)
    ):
        membership.created_at = setup - timedelta(hours=20)
    versions = session.scalars(
        sa.select(RulebookVersion)
        .join(Rulebook, Rulebook.id == RulebookVersion.rulebook_id)
        .where(Rulebook.project_id == project.id, RulebookVersion.published_at.is_not(None))
    ).all()
    for module in session.scalars(
        sa.select(TrainingModule).where(TrainingModule.rulebook_version_id.is_(None))
    ):
        module.created_at = setup - timedelta(days=1)  # the standing legal module
    for version in versions:  # published at ``setup`` by the seed (published versions are frozen)
        version.rulebook.created_at = setup - timedelta(days=1)
        for module in session.scalars(
            sa.select(TrainingModule).where(TrainingModule.rulebook_version_id == version.id)
        ):
            module.created_at = version.published_at or setup
    for n, batch in enumerate(
        session.scalars(sa.select(Batch).where(Batch.project_id == project.id).order_by(Batch.id))
    ):
        batch.imported_at = setup + timedelta(days=2, hours=n)


def _verdict(session: Session, annotation: Annotation, rng: random.Random) -> str:
    """A reviewer who knows the gold answer, else sides with the item's majority."""
    item = annotation.item
    if item.gold_answer is not None:
        return "correct" if annotation.value == item.gold_answer else "incorrect"
    values = session.scalars(
        sa.select(Annotation.value).where(
            Annotation.item_id == item.id, Annotation.is_current.is_(True)
        )
    ).all()
    top, count = Counter(str(v) for v in values).most_common(1)[0]
    if count > 1 and str(annotation.value) != top:
        return "incorrect"
    return "correct" if count > 1 or rng.random() < 0.9 else "incorrect"


def _sample_and_decide(
    session: Session, project: Project, users: dict[str, User], when: datetime, rng: random.Random
) -> None:
    # A later batch with work in it: the first is left unsampled for the reviewer's walk
    # through the demo (a small demo has work in its first batch only, and skips this part).
    later = session.scalars(
        sa.select(Batch).where(Batch.project_id == project.id).order_by(Batch.id).offset(1)
    ).all()
    batch = next((b for b in later if lot_annotations(session, b)), None)
    if batch is None:
        return
    reviewer, manager = users["reviewer"], users["manager"]
    plan = draw_plan(
        session, batch, method="fixed_n", n=20, seed=20261020, calibration=0, actor=manager
    )
    plan.created_at = when
    minute = 0
    while (sampled := next_for(session, plan, reviewer)) is not None:
        verdict = _verdict(session, sampled.annotation, rng)
        extra: dict[str, Any] = {}
        if verdict == "incorrect":
            extra = {"error_type": "wrong_label", "clause_key": "R1.2", "comment": "见 R1.2"}
            majority = [
                v
                for v in ("positive", "negative", "neutral", "mixed")
                if v != sampled.annotation.value
            ]
            extra["corrected_value"] = sampled.annotation.item.gold_answer or majority[0]
        review, _created = record_review(session, sampled, reviewer, verdict, **extra)
        minute += 3
        review.created_at = when + timedelta(hours=2, minutes=minute)
    decide_batch(session, plan, manager)
    decision = session.scalar(sa.select(BatchDecision).where(BatchDecision.plan_id == plan.id))
    if decision is not None:
        decision.decided_at = when + timedelta(days=1)


def _supervise(session: Session, project: Project, users: dict[str, User], when: datetime) -> None:
    """Alerts for every breach; the manager retrains the weakest annotator, the rest stay open."""
    alerts = raise_alerts(session, compute_report(session, project, ReportOptions(bootstrap=0)))
    for n, alert in enumerate(alerts):
        alert.created_at = when + timedelta(minutes=n)
    weakest = users.get("ann3")
    if weakest is None or not any(a.annotator_id == weakest.id for a in alerts):
        return
    event = take_action(
        session,
        project,
        weakest,
        SupervisionAction.retrain,
        "同伴一致性低于阈值：请重读 R1.1–R1.5 并重新参加测验。",
        actor=users["manager"],
    )
    moment = when + timedelta(hours=3)
    event.created_at = moment
    # What the action did happened at its time too: the revoked qualifications, the alerts.
    for qualification in session.scalars(
        sa.select(Qualification).where(
            Qualification.user_id == weakest.id,
            Qualification.project_id == project.id,
            Qualification.revoked_at.is_not(None),
        )
    ):
        qualification.revoked_at = moment
    for alert in alerts:
        if alert.annotator_id == weakest.id and alert.resolved_at is not None:
            alert.resolved_at = moment


def _flag_and_release(
    session: Session, project: Project, users: dict[str, User], when: datetime
) -> None:
    """ann2 flags prohibited content; the manager checks it and releases the item."""
    item = session.scalar(
        sa.select(Item)
        .where(Item.project_id == project.id, Item.annotation_count == 0)
        .order_by(Item.id)
        .limit(1)
    )
    if item is None:
        return
    flag = flag_item(session, item, users["ann2"], "prohibited", "疑似违规广告")
    flag.created_at = when
    release_flag(session, flag, users["manager"], "普通商品广告，不属于违法内容；解除隔离。")
    for done in session.scalars(sa.select(ItemFlag).where(ItemFlag.item_id == item.id)):
        done.resolved_at = when + timedelta(hours=5)


def seed_history(session: Session, project: Project, users: dict[str, User], seed: int) -> None:
    """Date the demo project's setup before its work and add the quality story. Flushes."""
    rng = random.Random(seed)
    first = _first_annotation(session, project)
    published = session.scalar(
        sa.select(sa.func.min(RulebookVersion.published_at))
        .join(Rulebook, Rulebook.id == RulebookVersion.rulebook_id)
        .where(Rulebook.project_id == project.id)
    )
    if first is None:  # a demo too small to have seeded work: only the setup is dated
        if published is not None:
            _date_the_setup(session, project, published)
        return
    _date_the_setup(session, project, published or first - timedelta(days=7))
    _sample_and_decide(session, project, users, first + timedelta(days=3), rng)
    _supervise(session, project, users, first + timedelta(days=5))
    _flag_and_release(session, project, users, first + timedelta(days=6))
    session.flush()
