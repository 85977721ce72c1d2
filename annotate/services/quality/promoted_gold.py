"""Gold accuracy on promoted gold, free of the annotations that made it gold.

A promoted gold item's answer is its annotators' own agreement (:mod:`.gold`), so their
annotations are right on it by construction. ``gold_accuracy_promoted`` counts only the
*independent* annotations: the counted annotations on promoted gold items by annotators who
had made no annotation on the item (current or superseded) at or before its promotion — those
made after it by someone outside the promoting set. Answers compare as the promotion compares
them (:func:`annotate.services.quality.gold.answer_key`: a pairwise reason is no part of it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from annotate.database import Session
from annotate.models import Annotation, GoldSource, Item, Project
from annotate.services.quality.gold import answer_key
from annotate.services.quality.queries import counted_values, joined

METRIC = "gold_accuracy_promoted"
WHAT = (
    "promoted gold only, over the annotations made after the promotion by annotators who had "
    "not annotated the item before it (the annotations that made it gold are left out)"
)


@dataclass
class PromotedGold:
    """Independent annotations on promoted gold: ``(right, total)`` per annotator id, and the
    items they fall on."""

    by_annotator: dict[int, tuple[int, int]] = field(default_factory=dict)
    items: set[int] = field(default_factory=set)

    def total(self) -> tuple[int, int]:
        """The project's ``(right, total)``."""
        rows = self.by_annotator.values()
        return sum(r for r, _ in rows), sum(n for _, n in rows)


def independent_counts(session: Session, project: Project) -> PromotedGold:
    """Count the independent annotations on ``project``'s promoted gold (see the module)."""
    earlier = aliased(Annotation)
    took_part = (
        sa.select(earlier.id)
        .where(
            earlier.item_id == Annotation.item_id,
            earlier.annotator_id == Annotation.annotator_id,
            earlier.submitted_at <= Item.gold_promoted_at,
        )
        .exists()
    )
    stmt = joined(Annotation.item_id, Annotation.annotator_id, Annotation.value, Item.gold_answer)
    out = PromotedGold()
    acc: dict[int, list[int]] = {}
    for item_id, annotator_id, value, gold in session.execute(
        stmt.where(
            *counted_values(project.id),
            Item.gold_source == GoldSource.promoted,
            Item.gold_answer.is_not(None),
            Item.gold_promoted_at.is_not(None),
            ~took_part,
        )
    ):
        mine = acc.setdefault(int(annotator_id), [0, 0])
        mine[0] += answer_key(project.task_type, value) == answer_key(project.task_type, gold)
        mine[1] += 1
        out.items.add(int(item_id))
    out.by_annotator = {a: (r, n) for a, (r, n) in sorted(acc.items())}
    return out
