"""Gold that grows: candidates for promotion to gold, and their promotion by a manager.

A candidate is an item that is not gold, not an attention check, not quarantined, in a live
batch, whose current annotations either

* all give the same answer, with at least ``Project.gold_candidate_min_k`` (≥ 3) of them
  (``unanimous``), or
* (single-label and pairwise projects) make the likeliest answer more probable than
  ``Project.gold_candidate_min_posterior`` under the Dawid–Skene model fitted on the whole
  project's counted annotations, with at least two annotations (``posterior``).

Nothing is promoted by itself: a manager promotes candidates one by one or in bulk. The answer
is worked out again at promotion, from the annotations of that moment; the item is marked
``gold_source = promoted`` with who and when, and an audit event per item records it. The
promotion is a conditional ``UPDATE … WHERE gold_answer IS NULL``, after the audit chain's
head is locked: two managers promoting the same item at once give one promotion.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa

from annotate.database import Session, utcnow
from annotate.metrics import dawid_skene
from annotate.models import (
    Annotation,
    Batch,
    BatchStatus,
    GoldSource,
    Item,
    Project,
    TaskType,
    User,
)
from annotate.services.audit import lock_head, record_event
from annotate.services.projects.values import canonical_json

DS_TASKS = {TaskType.single_label, TaskType.pairwise}
UNANIMOUS, POSTERIOR = "unanimous", "posterior"


@dataclass(frozen=True)
class Candidate:
    """An item that may be promoted to gold, with the answer it would get and why."""

    item_id: int
    external_id: str
    answer: Any
    n_annotations: int
    reason: str
    #: Dawid–Skene posterior of ``answer`` (None when not fitted).
    posterior: float | None


def answer_key(task: TaskType, value: Any) -> str:
    """The answer an annotation gives, as comparable text (a pairwise reason is not part of
    the answer)."""
    if task == TaskType.pairwise and isinstance(value, dict):
        value = {"choice": value.get("choice")}
    return canonical_json(value)


def _annotations(
    session: Session, project: Project, only: Iterable[int] | None
) -> dict[int, tuple[str, list[tuple[int, str]]]]:
    """``{item id: (external id, [(annotator, answer key)])}`` of the counted annotations of
    the project's items that are not attention checks (gold included, for the model)."""
    stmt = (
        sa.select(Item.id, Item.external_id, Annotation.annotator_id, Annotation.value)
        .join(Annotation, Annotation.item_id == Item.id)
        .join(Batch, Batch.id == Item.batch_id)
        .where(
            Item.project_id == project.id,
            Item.quarantined.is_(False),
            Item.attention_answer.is_(None),
            Batch.status != BatchStatus.void,
            Annotation.is_current.is_(True),
            Item.annotation_count >= 2,
        )
        .order_by(Item.id)
    )
    if only is not None:
        stmt = stmt.where(Item.id.in_(list(only)))
    out: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    for item_id, external_id, annotator_id, value in session.execute(stmt):
        if value is None:
            continue
        out.setdefault(item_id, (external_id, []))[1].append(
            (annotator_id, answer_key(project.task_type, value))
        )
    return out


def _posteriors(
    project: Project, rows: dict[int, tuple[str, list[tuple[int, str]]]]
) -> dict[int, tuple[str, float]]:
    """Each item's likeliest answer and its Dawid–Skene posterior (empty when not fitted)."""
    if project.task_type not in DS_TASKS:
        return {}
    items, annotators, values = [], [], []
    for item_id, (_, answers) in rows.items():
        for annotator_id, key in answers:
            items.append(item_id)
            annotators.append(annotator_id)
            values.append(key)
    if len(set(values)) < 2 or len(set(annotators)) < 2:
        return {}
    ds = dawid_skene(items, annotators, values)
    best = ds.posteriors.argmax(axis=1)
    return {
        int(item): (str(ds.categories[int(k)]), float(ds.posteriors[i, int(k)]))
        for i, (item, k) in enumerate(zip(ds.items, best, strict=True))
    }


def candidates(
    session: Session, project: Project, only: Iterable[int] | None = None
) -> list[Candidate]:
    """The project's gold candidates now, in item order (``only``: among these item ids;
    the model is then fitted on the whole project all the same)."""
    rows = _annotations(session, project, None)
    gold = set(
        session.scalars(
            sa.select(Item.id).where(Item.project_id == project.id, Item.gold_answer.is_not(None))
        )
    )
    posts = _posteriors(project, rows)
    wanted = set(only) if only is not None else None
    out = []
    for item_id, (external_id, answers) in rows.items():
        if item_id in gold or (wanted is not None and item_id not in wanted):
            continue
        keys = {key for _, key in answers}
        post = posts.get(item_id)
        if len(keys) == 1 and len(answers) >= max(3, project.gold_candidate_min_k):
            key, reason = next(iter(keys)), UNANIMOUS
        elif post is not None and post[1] > project.gold_candidate_min_posterior:
            key, reason = post[0], POSTERIOR
        else:
            continue
        out.append(
            Candidate(
                item_id,
                external_id,
                json.loads(key),
                len(answers),
                reason,
                post[1] if post is not None and post[0] == key else None,
            )
        )
    return out


def promote(
    session: Session, project: Project, item_ids: Iterable[int], *, actor: User
) -> list[Candidate]:
    """Promote those of ``item_ids`` that are candidates now to gold, each once; returns the
    items promoted by this call (an item someone else promoted meanwhile, or no longer a
    candidate, is left out). Audited per item. Flushes.
    """
    ids = sorted({int(i) for i in item_ids})
    if not ids:
        return []
    lock_head(session)  # the head before the items, as every writer takes them
    now = utcnow()
    done = []
    for candidate in candidates(session, project, ids):
        changed = cast(
            sa.CursorResult[Any],
            session.execute(
                sa.update(Item)
                .where(
                    Item.id == candidate.item_id,
                    Item.project_id == project.id,
                    Item.gold_answer.is_(None),
                    Item.attention_answer.is_(None),
                )
                .values(
                    gold_answer=candidate.answer,
                    gold_source=GoldSource.promoted,
                    gold_promoted_by_id=actor.id,
                    gold_promoted_at=now,
                    # a gold item's target is k (the SET sees the row before it)
                    has_free_slot=Item.annotation_count < project.redundancy_k,
                )
                .execution_options(synchronize_session=False)
            ),
        ).rowcount
        if changed != 1:
            continue
        record_event(
            session,
            "item.gold_promote",
            "item",
            candidate.item_id,
            actor=actor,
            project_id=project.id,
            details={
                "external_id": candidate.external_id,
                "answer": candidate.answer,
                "reason": candidate.reason,
                "n_annotations": candidate.n_annotations,
                "posterior": candidate.posterior,
            },
        )
        done.append(candidate)
    session.expire_all()
    return done


def gold_counts(session: Session, project: Project) -> dict[str, int]:
    """Gold items of the project by provenance: ``{"imported": n, "promoted": m}``."""
    rows = session.execute(
        sa.select(Item.gold_source, sa.func.count(Item.id))
        .where(Item.project_id == project.id, Item.gold_answer.is_not(None))
        .group_by(Item.gold_source)
    )
    counts = {"imported": 0, "promoted": 0}
    for source, n in rows:
        counts["promoted" if source == GoldSource.promoted else "imported"] += n
    return counts
