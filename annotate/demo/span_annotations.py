"""Demo annotations for the span (NER) project: two annotators have marked the first items,
so its dashboard shows span F1 (exact and overlap) from the start, while most items — and all
of ann1's work — are still waiting.

ann2 marks the true spans, now and then missing one; ann3 also sometimes stops a span one
character short (an overlap, not an exact match) or picks the wrong type.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from annotate.database import Session, utcnow
from annotate.demo.work import add_submitted
from annotate.models import (
    Item,
    Project,
    User,
)
from annotate.services.labeling.assignment import refresh_free_slots
from annotate.services.rulebooks.versions import current_version

#: Items (non-gold, from the first) that ann2 and ann3 have both annotated.
ANNOTATED = 12
LABELS = ("PER", "ORG", "LOC")


def _noisy(truth: Sequence[Mapping[str, Any]], rng: random.Random, careful: bool) -> list[Any]:
    out = []
    for span in truth:
        if rng.random() < (0.05 if careful else 0.1):
            continue  # missed
        start, end, label = span["start"], span["end"], span["label"]
        if not careful and rng.random() < 0.3 and end - start > 2:
            end -= 1  # one character short
        if not careful and rng.random() < 0.1:
            label = rng.choice([lab for lab in LABELS if lab != label])
        out.append({"start": start, "end": end, "label": label})
    return out


def annotate_spans(
    session: Session,
    project: Project,
    users: Mapping[str, User],
    truth: Sequence[Sequence[Mapping[str, Any]]],
    rng: random.Random,
) -> None:
    """Add ann2's and ann3's annotations on the first :data:`ANNOTATED` non-gold items."""
    version = current_version(session, project)
    items = session.scalars(
        sa.select(Item)
        .where(Item.project_id == project.id, Item.gold_answer.is_(None))
        .order_by(Item.external_id)
        .limit(ANNOTATED)
    ).all()
    start = utcnow() - timedelta(days=3)
    for n, item in enumerate(items):
        index = int(item.external_id.rsplit("-", 1)[1]) - 1
        for name, careful in (("ann2", True), ("ann3", False)):
            duration = rng.randint(8000, 60000)
            submitted = start + timedelta(minutes=11 * n + rng.randint(0, 60))
            add_submitted(
                session,
                item.id,
                users[name].id,
                version.id if version else None,
                _noisy(truth[index], rng, careful),
                submitted,
                duration,
            )
        item.annotation_count = 2
    session.flush()
    refresh_free_slots(session, project)
