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
the item's annotations that gave it (majority vote). ``confidence_low`` / ``confidence_high``
are the 95 % Wilson score interval of that share — the votes for the consensus label over the
item's votes (:func:`share_interval`): for a majority vote the confidence's own interval; for
Dawid–Skene, whose posterior is a model estimate with no sampling interval, the interval of
the votes the label rests on (one vote of one: 0.21–1).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import sqlalchemy as sa

from annotate.database import Session
from annotate.metrics import dawid_skene
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
from annotate.services.data.votes import (
    NO_CONSENSUS,
    FormConsensus,
    consensus_key,
    consensus_value,
    majority,
    rounded,
    share_interval,
)
from annotate.services.projects.questions import is_form
from annotate.services.projects.values import label_keys

#: Items per page (one query for the items, one for their annotations).
PAGE = 1000
#: Task types whose consensus may use Dawid–Skene (one categorical label per annotation).
DS_TASKS = (TaskType.single_label, TaskType.pairwise)


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
    #: Provenance of an imported annotation (tool and file; time), else None.
    imported_from: str | None = None
    imported_at: str | None = None


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
    confidence: float | dict[str, float] | None
    ties: list[Any] | dict[str, list[Any]] | None
    confidence_low: float | None = None
    confidence_high: float | None = None

    def consensus_dict(self) -> dict[str, Any]:
        """The consensus as the JSON formats give it."""
        return {
            "value": self.consensus,
            "method": self.consensus_method,
            "confidence": self.confidence,
            "confidence_low": self.confidence_low,
            "confidence_high": self.confidence_high,
            "ties": self.ties,
        }

    @property
    def rulebook_versions(self) -> list[str]:
        """The distinct rulebook versions the item's annotations were made under."""
        return sorted({a.rulebook_version for a in self.annotations if a.rulebook_version})


#: What replaces each field of an item flagged for personal information in an export
#: (unless the project's manager opted in with ``Project.export_personal_info``).
PERSONAL_INFO_MASK = "[personal information masked]"


def masked(payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` with every field's content replaced by :data:`PERSONAL_INFO_MASK`."""
    return {key: PERSONAL_INFO_MASK for key in payload}


def masks_values(project: Project) -> bool:
    """Whether the annotations of personal-information items are masked too: free text an
    annotator wrote about the item may repeat what the item holds."""
    return project.task_type == TaskType.text and not project.export_personal_info


def exportable(project: Project) -> list[Any]:
    """The WHERE clauses selecting a project's exportable items (joined to their batch)."""
    return [
        Item.project_id == project.id,
        Item.quarantined.is_(False),
        Batch.status != BatchStatus.void,
    ]


class _DawidSkene:
    """Project-wide Dawid–Skene posteriors, looked up per item id."""

    def __init__(self, session: Session, project: Project) -> None:
        keys = label_keys(project)
        codes = {k: n for n, k in enumerate(keys)}
        items, annotators, values = array("q"), array("q"), array("q")
        stmt = (
            sa.select(Annotation.item_id, Annotation.annotator_id, Annotation.value)
            .join(Item, Item.id == Annotation.item_id)
            .join(Batch, Batch.id == Item.batch_id)
            .where(*exportable(project), Annotation.is_current.is_(True))
            .execution_options(yield_per=10_000)
        )
        for item_id, annotator_id, value in session.execute(stmt):
            code = codes.get(consensus_key(project.task_type, value))
            if code is not None:
                items.append(item_id)
                annotators.append(annotator_id)
                values.append(code)
        self.usable = len(set(annotators)) >= 2
        if not self.usable:
            return
        result = dawid_skene(
            np.frombuffer(items, dtype=np.int64),
            np.frombuffer(annotators, dtype=np.int64),
            np.frombuffer(values, dtype=np.int64),
        )
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


def _page_annotations(session: Session, page: Sequence[Any]) -> dict[int, list[Any]]:
    """The current annotations of a page of items (id-ordered rows), by item id."""
    first, last = page[0].id, page[-1].id
    wanted = {row.id for row in page}
    by_item: dict[int, list[Any]] = {}
    for ann in session.execute(
        sa.select(
            Annotation.id,
            Annotation.item_id,
            Annotation.annotator_id,
            Annotation.value,
            Annotation.rulebook_version_id,
            Annotation.clause_keys,
            Annotation.source,
            Annotation.submitted_at,
            Annotation.duration_ms,
            Annotation.imported_from,
            Annotation.imported_at,
        )
        .where(Annotation.item_id.between(first, last), Annotation.is_current.is_(True))
        .order_by(Annotation.item_id, Annotation.id)
    ):
        if ann.item_id in wanted:
            by_item.setdefault(ann.item_id, []).append(ann)
    return by_item


class _RowBuilder:
    """Turns a page of items and their annotations into :class:`ExportRow` objects, with the
    project's batches and rulebook versions read once and usernames as they appear."""

    def __init__(self, session: Session, project: Project) -> None:
        self.session = session
        self.task = project.task_type
        self.mask_personal_info = not project.export_personal_info
        self.mask_values = masks_values(project)
        self.batches = {
            b.id: b for b in session.scalars(sa.select(Batch).where(Batch.project_id == project.id))
        }
        self.versions = {
            v.id: (v.version, v.sha256)
            for v in session.scalars(
                sa.select(RulebookVersion)
                .join(Rulebook, Rulebook.id == RulebookVersion.rulebook_id)
                .where(Rulebook.project_id == project.id)
            )
        }
        self.usernames: dict[int, str] = {}
        ds = _DawidSkene(session, project) if self.task in DS_TASKS else None
        self.ds = ds if ds is not None and ds.usable else None
        self.method = (
            "none" if self.task in NO_CONSENSUS else "dawid_skene" if self.ds else "majority_vote"
        )
        self.form = FormConsensus(project) if is_form(project) else None
        if self.form is not None:
            self.method = "majority_vote_per_question"

    def rows(self, page: Sequence[Any], by_item: dict[int, list[Any]]) -> Iterator[ExportRow]:
        """The export rows of ``page`` in its order."""
        missing = {a.annotator_id for anns in by_item.values() for a in anns} - set(self.usernames)
        if missing:
            self.usernames.update(
                self.session.execute(
                    sa.select(User.id, User.username).where(User.id.in_(missing))
                ).all()
            )
        votes = (
            {}
            if self.ds or self.method == "none"
            else majority(
                self.task,
                {i: [(a.annotator_id, a.value) for a in anns] for i, anns in by_item.items()},
            )
        )
        for item_id, ext, payload, gold, pii, batch_id in page:
            batch = self.batches[batch_id]
            anns = [self._annotation(a) for a in by_item.get(item_id, [])]
            label, confidence, ties = (
                self._consensus(item_id, votes)
                if self.form is None
                else self.form.consensus(item_id, by_item.get(item_id, []))
            )
            low, high = (
                share_interval(self.task, label, [a.value for a in by_item.get(item_id, [])])
                if self.form is None
                else (None, None)  # several questions: one share per question, no interval
            )
            if pii and self.mask_values:
                anns = [replace(a, value=PERSONAL_INFO_MASK) for a in anns]
                label = None if label is None else PERSONAL_INFO_MASK
            yield ExportRow(
                item_id,
                ext,
                masked(payload) if pii and self.mask_personal_info else payload,
                gold,
                bool(pii),
                batch.name,
                batch.status.value,
                batch.source,
                batch.licence,
                anns,
                label,
                self.method,
                None if confidence is None else rounded(confidence),
                ties,
                None if low is None else round(low, 6),
                None if high is None else round(high, 6),
            )

    def _annotation(self, a: Any) -> ExportAnnotation:
        version, sha256 = self.versions.get(a.rulebook_version_id) or (None, None)
        return ExportAnnotation(
            a.id,
            self.usernames[a.annotator_id],
            a.value,
            version,
            sha256,
            list(a.clause_keys or []),
            a.source.value,
            a.submitted_at.isoformat(timespec="seconds"),
            a.duration_ms,
            a.imported_from,
            a.imported_at.isoformat(timespec="seconds") if a.imported_at else None,
        )

    def _consensus(
        self, item_id: int, votes: dict[int, tuple[Any, float, list[Any] | None]]
    ) -> tuple[Any, float | None, list[Any] | None]:
        """``(label, confidence, ties)`` of an item (all None without a consensus)."""
        if self.ds is not None:
            found = self.ds.lookup(item_id)
            return (
                (consensus_value(self.task, found[0]), found[1], None)
                if found
                else (None, None, None)
            )
        if item_id in votes:
            key, confidence, ties = votes[item_id]
            return consensus_value(self.task, key), confidence, ties
        return None, None, None


def iter_export_rows(
    session: Session, project: Project, page_size: int = PAGE
) -> Iterator[ExportRow]:
    """Yield every exportable item of ``project`` in id order, page by page."""
    builder = _RowBuilder(session, project)
    last = 0
    while True:
        page = session.execute(
            sa.select(
                Item.id,
                Item.external_id,
                Item.payload,
                Item.gold_answer,
                Item.has_personal_info,
                Item.batch_id,
            )
            .join(Batch, Batch.id == Item.batch_id)
            .where(*exportable(project), Item.id > last)
            .order_by(Item.id)
            .limit(page_size)
        ).all()
        if not page:
            return
        last = page[-1].id
        yield from builder.rows(page, _page_annotations(session, page))
