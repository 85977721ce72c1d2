"""The rows of a dataset export: each exportable item with its current annotations, a consensus
label and its confidence, the rulebook versions used and the batch's provenance.

Exportable items are those not quarantined whose batch is not void. Items are read in id-ordered
pages (``PAGE`` at a time) and each page's annotations by id range, so memory stays flat
however many items a project holds.

Consensus:

* ``dawid_skene`` for ``single_label`` and ``pairwise`` projects whose exported annotations come
  from at least two annotators. Dawid–Skene is a whole-project EM, so it runs once, before the
  first row, on three compact integer arrays (item id, annotator id, label code; about 24 bytes
  per annotation — 72 MB for 3 million annotations) plus its posterior matrix (8 bytes per item
  and label). This is the one part of an export whose memory grows with the project.
* ``majority_vote`` otherwise (``multi_label`` compares whole label sets, ``rating`` exact
  values), computed per page; a tie gives no label and lists the tied values.
* ``none`` for ``text`` and ``span`` projects (no vote over free text or span sets).

The confidence is the posterior probability of the chosen label (Dawid–Skene) or the share of
the item's annotations that gave it (majority vote).
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa

from annotate.database import Session
from annotate.metrics import dawid_skene, majority_vote
from annotate.models import (
    Annotation,
    Batch,
    BatchStatus,
    Item,
    Project,
    Rulebook,
    RulebookVersion,
    TaskType,
    User,
)
from annotate.services.projects.values import label_keys

#: Items per page (one query for the items, one for their annotations).
PAGE = 1000
#: Task types whose consensus may use Dawid–Skene (one categorical label per annotation).
DS_TASKS = (TaskType.single_label, TaskType.pairwise)
#: Task types with no consensus.
NO_CONSENSUS = (TaskType.text, TaskType.span)


@dataclass(frozen=True)
class ExportAnnotation:
    """One current annotation as exported."""

    id: int
    annotator: str
    value: Any
    rulebook_version: str | None
    rulebook_sha256: str | None
    clause_keys: list[Any]
    source: str
    submitted_at: str
    duration_ms: int | None


@dataclass(frozen=True)
class ExportRow:
    """One exported item."""

    item_id: int
    external_id: str
    payload: dict[str, Any]
    gold: Any
    personal_info: bool
    batch: str
    batch_status: str
    source: str
    licence: str
    annotations: list[ExportAnnotation]
    consensus: Any
    consensus_method: str
    confidence: float | None
    ties: list[Any] | None

    @property
    def rulebook_versions(self) -> list[str]:
        """The distinct rulebook versions the item's annotations were made under."""
        return sorted({a.rulebook_version for a in self.annotations if a.rulebook_version})


def consensus_key(task_type: TaskType, value: Any) -> Any:
    """The hashable form a value is voted on (None: this value takes no part in a vote)."""
    if task_type == TaskType.pairwise:
        return value.get("choice") if isinstance(value, dict) else None
    if task_type == TaskType.multi_label:
        return json.dumps(value) if isinstance(value, list) else None
    if task_type in NO_CONSENSUS:
        return None
    return value


def consensus_value(task_type: TaskType, key: Any) -> Any:
    """Turn a voted key back into a value of the task type."""
    if key is None:
        return None
    if task_type == TaskType.pairwise:
        return {"choice": key}
    if task_type == TaskType.multi_label:
        return json.loads(key)
    return key


def exportable(project: Project) -> list[Any]:
    """The WHERE clauses selecting a project's exportable items (joined to their batch)."""
    return [Item.project_id == project.id, Item.quarantined.is_(False),
            Batch.status != BatchStatus.void]


def count_exportable(session: Session, project: Project) -> int:
    """How many items an export of ``project`` would write."""
    return session.scalar(sa.select(sa.func.count(Item.id)).join(
        Batch, Batch.id == Item.batch_id).where(*exportable(project))) or 0


class _DawidSkene:
    """Project-wide Dawid–Skene posteriors, looked up per item id."""

    def __init__(self, session: Session, project: Project) -> None:
        keys = label_keys(project)
        codes = {k: n for n, k in enumerate(keys)}
        items, annotators, values = array("q"), array("q"), array("q")
        stmt = (sa.select(Annotation.item_id, Annotation.annotator_id, Annotation.value)
                .join(Item, Item.id == Annotation.item_id).join(Batch, Batch.id == Item.batch_id)
                .where(*exportable(project), Annotation.is_current.is_(True))
                .execution_options(yield_per=10_000))
        for item_id, annotator_id, value in session.execute(stmt):
            code = codes.get(consensus_key(project.task_type, value))
            if code is not None:
                items.append(item_id)
                annotators.append(annotator_id)
                values.append(code)
        self.keys = keys
        self.usable = len(set(annotators)) >= 2
        if not self.usable:
            return
        result = dawid_skene(np.frombuffer(items, dtype=np.int64),
                             np.frombuffer(annotators, dtype=np.int64),
                             np.frombuffer(values, dtype=np.int64))
        self.item_ids = np.asarray(result.items, dtype=np.int64)
        self.best = result.posteriors.argmax(axis=1)
        self.confidence = result.posteriors.max(axis=1)
        self.categories = [keys[int(c)] for c in result.categories]

    def lookup(self, item_id: int) -> tuple[Any, float] | None:
        """``(label key, posterior)`` for an item, or None if it has no annotation."""
        pos = int(np.searchsorted(self.item_ids, item_id))
        if pos >= self.item_ids.size or self.item_ids[pos] != item_id:
            return None
        return self.categories[int(self.best[pos])], float(self.confidence[pos])


def _majority(task_type: TaskType,
              annotations: dict[int, list[tuple[int, Any]]]) -> dict[int, tuple[Any, float,
                                                                              list[Any] | None]]:
    items, raters, keys = [], [], []
    for item_id, rows in annotations.items():
        for annotator_id, value in rows:
            key = consensus_key(task_type, value)
            if key is not None:
                items.append(item_id)
                raters.append(annotator_id)
                keys.append(key)
    if not items:
        return {}
    vote = majority_vote(items, raters, keys)
    out = {}
    for item_id, support in vote.support.items():
        tied = vote.ties.get(item_id)
        out[item_id] = (vote.labels[item_id], support,
                        [consensus_value(task_type, t) for t in tied] if tied else None)
    return out


def iter_export_rows(session: Session, project: Project,
                     page_size: int = PAGE) -> Iterator[ExportRow]:
    """Yield every exportable item of ``project`` in id order, page by page."""
    task = project.task_type
    batches = {b.id: b for b in session.scalars(
        sa.select(Batch).where(Batch.project_id == project.id))}
    versions = {v.id: (v.version, v.sha256) for v in session.scalars(
        sa.select(RulebookVersion).join(Rulebook, Rulebook.id == RulebookVersion.rulebook_id)
        .where(Rulebook.project_id == project.id))}
    usernames: dict[int, str] = {}
    ds = _DawidSkene(session, project) if task in DS_TASKS else None
    if ds is not None and not ds.usable:
        ds = None
    method = "none" if task in NO_CONSENSUS else "dawid_skene" if ds else "majority_vote"
    last = 0
    while True:
        page = session.execute(
            sa.select(Item.id, Item.external_id, Item.payload, Item.gold_answer,
                      Item.has_personal_info, Item.batch_id)
            .join(Batch, Batch.id == Item.batch_id)
            .where(*exportable(project), Item.id > last)
            .order_by(Item.id).limit(page_size)).all()
        if not page:
            return
        first, last = page[0][0], page[-1][0]
        wanted = {row[0] for row in page}
        by_item: dict[int, list[Annotation]] = {}
        for ann in session.execute(
                sa.select(Annotation.id, Annotation.item_id, Annotation.annotator_id,
                          Annotation.value, Annotation.rulebook_version_id,
                          Annotation.clause_keys, Annotation.source, Annotation.submitted_at,
                          Annotation.duration_ms)
                .where(Annotation.item_id.between(first, last),
                       Annotation.is_current.is_(True))
                .order_by(Annotation.item_id, Annotation.id)):
            if ann.item_id in wanted:
                by_item.setdefault(ann.item_id, []).append(ann)
        missing = {a.annotator_id for rows in by_item.values() for a in rows} - set(usernames)
        if missing:
            usernames.update(session.execute(sa.select(User.id, User.username).where(
                User.id.in_(missing))).all())
        votes = {} if ds or method == "none" else _majority(
            task, {i: [(a.annotator_id, a.value) for a in rows] for i, rows in by_item.items()})
        for item_id, ext, payload, gold, pii, batch_id in page:
            batch = batches[batch_id]
            anns = [ExportAnnotation(
                a.id, usernames[a.annotator_id], a.value,
                *(versions.get(a.rulebook_version_id) or (None, None)), list(a.clause_keys or []),
                a.source.value, a.submitted_at.isoformat(timespec="seconds"), a.duration_ms)
                for a in by_item.get(item_id, [])]
            label, confidence, ties = None, None, None
            if ds is not None:
                found = ds.lookup(item_id)
                if found:
                    label, confidence = consensus_value(task, found[0]), found[1]
            elif item_id in votes:
                key, confidence, ties = votes[item_id]
                label = consensus_value(task, key)
            yield ExportRow(item_id, ext, payload, gold, bool(pii), batch.name,
                            batch.status.value, batch.source, batch.licence, anns, label,
                            method, None if confidence is None else round(confidence, 6), ties)
