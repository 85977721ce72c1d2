"""MACE competence on the sparse-overlap path (many annotators, value-multiset cells).

The multiset cells keep no annotator per value, so :mod:`.competence` cannot fit MACE on
them. The item-ordered scan of :mod:`.sparse_scan` keeps the counted annotations as three
``int32`` columns (item, annotator and value codes: 12 bytes per annotation, no Python object
per row kept); tables built otherwise (:func:`.sparse.load_sparse`, the oracle) have none, and
:func:`load_codes` reads them once more, ordered by item. Then
:func:`annotate.metrics.mace_chunked.mace_chunked` runs the same EM as the dense path over
chunks of them, so the rest of its memory is bounded by the chunk. Figures as
:func:`.competence.add_competence` gives them (``mace_competence`` per annotator, the same
``method``), appended after the report's figures; restarts as
:func:`.competence.mace_restarts` counts them on the annotations. Dawid–Skene's figures
stay dense-only.
"""

from __future__ import annotations

from array import array
from typing import Any

import numpy as np

from annotate.database import Session
from annotate.metrics.mace_chunked import mace_chunked
from annotate.models import Annotation
from annotate.services.quality.competence import (
    COMPETENCE_TASKS,
    MACE,
    MACE_RESTARTS,
    MACE_WORK,
    NO_CI,
)
from annotate.services.quality.figures import Figure, ProjectReport
from annotate.services.quality.queries import (
    Decoder,
    Window,
    counted_values,
    joined,
    stream_rows,
    value_text,
)


def load_codes(
    session: Session, report: ProjectReport[Any], window: Window | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """The counted annotations as item, annotator and value codes (sorted by item), and the
    annotator ids in code order."""
    dec = Decoder([], list(report.data.categories))
    stmt = (
        joined(Annotation.item_id, Annotation.annotator_id, value_text())
        .where(*counted_values(report.project.id, window))
        .order_by(Annotation.item_id)
    )
    item, ann, val = array("i"), array("i"), array("i")
    for rows in stream_rows(session, stmt):
        for item_id, annotator_id, text in rows:
            code = dec.code(text)
            if code >= 0:
                item.append(item_id)
                ann.append(annotator_id)
                val.append(code)
    return scanned_codes(
        (np.frombuffer(item, np.int32), np.frombuffer(ann, np.int32), np.frombuffer(val, np.int32))
    )


def scanned_codes(
    kept: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """:func:`load_codes`'s columns from (item ids, annotator ids, value codes) ordered by
    item, as the scan keeps them: items numbered in order, annotators coded by their sorted
    ids."""
    item_ids, ann_ids, val = kept
    item = np.cumsum(np.r_[bool(item_ids.size), item_ids[1:] != item_ids[:-1]]) - 1
    known = np.unique(ann_ids)
    codes = np.searchsorted(known, ann_ids).astype(np.int32)
    return item.astype(np.int32), codes, val, known.tolist()


def add_sparse_competence(
    session: Session, report: ProjectReport[Any], window: Window | None
) -> None:
    """Append every annotator's MACE competence when the report's cells are multisets."""
    d = report.data
    if not (
        getattr(d, "anonymous", False)
        and report.project.task_type in COMPETENCE_TASKS
        and not report.not_applicable
        and len(d.categories) >= 2
    ):
        return
    kept = d.sparse.codes if d.sparse is not None else None
    item, ann, val, ids = (
        scanned_codes(kept) if kept is not None else load_codes(session, report, window)
    )
    if len(ids) < 2:
        return
    seed = report.options.seed
    restarts = max(1, min(MACE_RESTARTS, MACE_WORK // max(item.size, 1)))
    m = mace_chunked(item, ann, val, len(ids), len(d.categories), restarts=restarts, seed=seed)
    how = (
        f"MACE (Hovy et al. 2013), EM, best of {restarts} restarts seeded {seed}: "
        f"P(labels from knowledge, not spamming); {NO_CI}"
    )
    version = ";".join(
        sorted(d.versions[i] for i in np.unique(d.e_ver).tolist() if i in d.versions)
    )
    for j, user_id in enumerate(ids):
        n = int(m.n_annotations[j])
        report.figures.append(
            Figure(
                "annotator",
                str(d.users.get(user_id, user_id)),
                MACE,
                float(m.competence[j]),
                None,
                None,
                n,
                n,
                1,
                version,
                "nominal",
                how,
            )  # fmt: skip
        )
