"""Inputs of the pairwise position-bias rate: the counted answers by annotator, choice and the
order the labeling screen showed (``annotations.swapped``, :mod:`annotate.services.labeling.order`).

One GROUP BY bounded by annotators × 4 choices × 3 orders; :func:`position_counts` of
:mod:`annotate.metrics.taskwise` turns each group into answers for the first shown response,
the second, or an unknown order (the API and imports record none).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from annotate.database import Session
from annotate.metrics.taskwise import position_counts
from annotate.models import Annotation, Project
from annotate.services.quality.queries import Window, counted_values, joined


@dataclass
class PositionCounts:
    """``(first, second, unknown)`` answers per annotator id (see the module)."""

    by_annotator: dict[int, tuple[int, int, int]] = field(default_factory=dict)

    def total(self) -> tuple[int, int, int]:
        """The project's counts."""
        rows = list(self.by_annotator.values())
        return (sum(r[0] for r in rows), sum(r[1] for r in rows), sum(r[2] for r in rows))


def load_positions(session: Session, project: Project, window: Window | None) -> PositionCounts:
    """The counted answers of ``project`` (within ``window``) by the position they preferred."""
    choice = Annotation.value["choice"].as_string()
    cols = (Annotation.annotator_id, choice.label("choice"), Annotation.swapped)
    out: dict[int, list[int]] = {}
    for ann, picked, swapped, n in session.execute(
        joined(*cols, sa.func.count()).where(*counted_values(project.id, window)).group_by(*cols)
    ):
        got = position_counts([picked], [None if swapped is None else bool(swapped)])
        acc = out.setdefault(int(ann), [0, 0, 0])
        for i in range(3):
            acc[i] += got[i] * int(n)
    return PositionCounts({a: (c[0], c[1], c[2]) for a, c in sorted(out.items())})
