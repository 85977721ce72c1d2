"""Attention checks: items with an obvious answer, mixed into every annotator's queue.

An attention check (``Item.attention_answer`` set, imported with the item or marked in the
item browser) goes to every annotator at the project's ``attention_rate`` (the assignment
engine mixes it in). Its answers are scored here, apart from gold accuracy and out of every
agreement figure: the share an annotator got right, over the checks answered since their last
unblock (``Membership.attention_since``). Below ``attention_warn_below`` the annotator and
the manager see a warning; below ``attention_block_below`` the submit that crossed it blocks
the annotator (``Membership.attention_blocked_at``), the gate refuses their next claim and
names the managers who can unblock them. Both thresholds judge only after
``attention_min_checks`` checks. Block and unblock are audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.database import Session, utcnow
from annotate.models import (
    Annotation,
    Feedback,
    Item,
    Membership,
    Project,
    ProjectRole,
    User,
)
from annotate.services.audit import lock_head, record_event
from annotate.services.errors import Conflict, InvalidInput, NotFound
from annotate.services.labeling.assignment import refresh_free_slots
from annotate.services.projects.values import canonical_json, normalise_value

OK, WARN, BLOCK, TOO_FEW = "ok", "warn", "block", "too_few"


@dataclass(frozen=True)
class AttentionScore:
    """An annotator's attention checks: how many answered, how many right."""

    checks: int
    passed: int

    @property
    def rate(self) -> float | None:
        """The share answered right (None: no check answered)."""
        return self.passed / self.checks if self.checks else None

    @property
    def failed(self) -> int:
        return self.checks - self.passed


def answers_match(expected: Any, given: Any) -> bool:
    """Whether an answer is the expected one (both are stored normalised)."""
    return canonical_json(expected) == canonical_json(given)


def scores(
    session: Session, project_id: int, user_id: int | None = None, since: datetime | None = None
) -> dict[int, AttentionScore]:
    """Attention scores by annotator id (one annotator's with ``user_id``), over their
    current answers to the project's attention checks (those submitted from ``since``)."""
    stmt = (
        sa.select(Annotation.annotator_id, Annotation.value, Item.attention_answer)
        .join(Item, Item.id == Annotation.item_id)
        .where(
            Item.project_id == project_id,
            Item.attention_answer.is_not(None),
            Annotation.is_current.is_(True),
        )
    )
    if user_id is not None:
        stmt = stmt.where(Annotation.annotator_id == user_id)
    if since is not None:
        stmt = stmt.where(Annotation.submitted_at >= since)
    tally: dict[int, list[int]] = {}
    for annotator_id, value, expected in session.execute(stmt):
        counts = tally.setdefault(annotator_id, [0, 0])
        counts[0] += 1
        counts[1] += answers_match(expected, value)
    return {uid: AttentionScore(n, ok) for uid, (n, ok) in tally.items()}


def judge(project: Project, score: AttentionScore) -> str:
    """``ok``, ``warn``, ``block`` or ``too_few`` (fewer checks than the project judges on)."""
    if score.rate is None or score.checks < project.attention_min_checks:
        return TOO_FEW
    if score.rate < project.attention_block_below:
        return BLOCK
    if score.rate < project.attention_warn_below:
        return WARN
    return OK


def _membership(session: Session, project_id: int, user_id: int) -> Membership | None:
    return session.scalar(
        sa.select(Membership).where(
            Membership.project_id == project_id,
            Membership.user_id == user_id,
            Membership.role == ProjectRole.annotator,
        )
    )


def annotator_status(
    session: Session, project: Project, user: User
) -> tuple[str, AttentionScore, Membership | None]:
    """The annotator's attention standing now: ``(judgement, score, membership)``; a blocked
    annotator is ``block`` whatever the score since."""
    membership = _membership(session, project.id, user.id)
    since = membership.attention_since if membership else None
    score = scores(session, project.id, user.id, since).get(user.id, AttentionScore(0, 0))
    if membership is not None and membership.attention_blocked_at is not None:
        return BLOCK, score, membership
    return judge(project, score), score, membership


def block_reason(score: AttentionScore) -> str:
    """What the block is stored with: ``passed/checks`` (the gate words it in the reader's
    language)."""
    return f"{score.passed}/{score.checks}"


def check_attention(
    session: Session, project: Project, user: User, now: datetime | None = None
) -> bool:
    """After ``user`` answered an attention check: block them if their score fell below the
    block threshold (once: the update applies only to an unblocked membership). Returns True
    if this call blocked them. Flushes."""
    membership = _membership(session, project.id, user.id)
    if membership is None or membership.attention_blocked_at is not None:
        return False
    score = scores(session, project.id, user.id, membership.attention_since).get(user.id)
    if score is None or judge(project, score) != BLOCK:
        return False
    reason = block_reason(score)
    blocked = cast(
        sa.CursorResult[Any],
        session.execute(
            sa.update(Membership)
            .where(Membership.id == membership.id, Membership.attention_blocked_at.is_(None))
            .values(attention_blocked_at=now or utcnow(), attention_blocked_reason=reason)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    session.expire(membership)
    if blocked != 1:
        return False
    record_event(
        session,
        "attention.block",
        "user",
        user.id,
        actor=None,
        project_id=project.id,
        details={"checks": score.checks, "passed": score.passed, "reason": reason},
    )
    return True


def unblock(
    session: Session, project: Project, annotator: User, *, actor: User, note: str = ""
) -> Membership:
    """A manager unblocks ``annotator``: their attention checks count afresh from now.
    Audited; the annotator gets a feedback message. Flushes.

    :raises NotFound: not an annotator of the project.
    :raises Conflict: not blocked (e.g. another manager unblocked them first).
    """
    lock_head(session)  # the head before the membership, as a submit takes them
    membership = _membership(session, project.id, annotator.id)
    if membership is None:
        raise NotFound(_l("%(user)s is not an annotator here.", user=annotator.username))
    now = utcnow()
    changed = cast(
        sa.CursorResult[Any],
        session.execute(
            sa.update(Membership)
            .where(Membership.id == membership.id, Membership.attention_blocked_at.is_not(None))
            .values(attention_blocked_at=None, attention_blocked_reason=None, attention_since=now)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    session.expire(membership)
    if changed != 1:
        raise Conflict(_l("%(user)s is not blocked.", user=annotator.username))
    note = (note or "").strip()[:2000]
    session.add(
        Feedback(
            annotator_id=annotator.id,
            project_id=project.id,
            created_by_id=actor.id,
            message=str(
                _l(
                    "%(manager)s unblocked you in %(project)s; your attention checks count "
                    "afresh. %(note)s",
                    manager=actor.display_name or actor.username,
                    project=project.name,
                    note=note,
                )
            ).strip(),
        )
    )
    record_event(
        session,
        "attention.unblock",
        "user",
        annotator.id,
        actor=actor,
        project_id=project.id,
        details={"note": note},
    )
    return membership


def mark_attention(
    session: Session, project: Project, item_id: int, raw: Any, *, actor: User
) -> Item:
    """Make item ``item_id`` an attention check expecting ``raw`` (a value, or its JSON text;
    None or "" makes it an ordinary item again). Answers already given to it are scored from
    now on and leave the agreement figures. Audited. Flushes.

    :raises NotFound: no such item in the project.
    :raises InvalidInput: the answer is not a valid value of the project.
    :raises Conflict: the item is gold (an item is one or the other).
    """
    lock_head(session)  # the head before the item
    item = session.scalar(sa.select(Item).where(Item.id == item_id, Item.project_id == project.id))
    if item is None:
        raise NotFound(_l("No item %(id)s in %(project)s.", id=item_id, project=project.slug))
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        answer = None
    else:
        answer, problems = normalise_value(project, raw, item.payload, field="attention")
        if problems and isinstance(raw, str):  # a form's text: the value its JSON names
            answer, problems = normalise_value(
                project, _decoded(raw), item.payload, field="attention"
            )
        if problems:
            raise InvalidInput(_l("The attention check was not saved."), problems)
    if answer is not None and item.gold_answer is not None:
        raise Conflict(_l("A gold item cannot also be an attention check."))
    item.attention_answer = answer
    session.flush()
    refresh_free_slots(session, project, Item.id == item.id)
    record_event(
        session,
        "item.attention_mark" if answer is not None else "item.attention_unmark",
        "item",
        item.id,
        actor=actor,
        project_id=project.id,
        details={"external_id": item.external_id, "answer": answer},
    )
    session.expire(item)
    return item


def _decoded(raw: Any) -> Any:
    """A form's text as the value it names: JSON when it parses, else the text itself."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw.strip()
