"""The rows of the long dataset export: one row per annotation, for analysts.

Every annotation of every exportable item (not quarantined, batch not void) — superseded ones
too, with ``is_current`` false — with its item, its annotator (a stable pseudonym by default,
or the username), its value, the rulebook version and sha256 it was made under, the time it
took, its round, its provenance and the latest review verdict on it. Items are read in
id-ordered pages and each page's annotations and reviews by item id range, so memory stays
flat whatever the project's size (see ``bench/export.py``).

The columns and their types are declared once, in :data:`LONG_COLUMNS`; the CSV and the
Parquet writers (:mod:`~annotate.services.data.tabular`) both follow them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from annotate.database import Session
from annotate.models import (
    Annotation,
    Assignment,
    Batch,
    Item,
    Project,
    Review,
    Rulebook,
    RulebookVersion,
    SampledAnnotation,
    User,
)
from annotate.services.data.dataset_rows import (
    PAGE,
    PERSONAL_INFO_MASK,
    exportable,
    masks_values,
)
from annotate.services.projects.questions import is_form, questions_of

#: The long format's columns and their declared types (Arrow type names; in CSV, timestamps
#: are ISO 8601 in UTC, booleans ``true``/``false``, nulls empty cells).
LONG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("item_id", "int64"),
    ("external_id", "string"),
    ("batch", "string"),
    ("annotation_id", "int64"),
    ("annotator", "string"),
    ("value", "string"),  # JSON text of the value (a label key is a JSON string)
    ("rulebook_version", "string"),  # null: no rulebook version (e.g. imported without one)
    ("rulebook_sha256", "string"),
    ("source", "string"),  # web, api or imported
    ("imported_from", "string"),
    ("imported_at", "timestamp[us, UTC]"),
    ("submitted_at", "timestamp[us, UTC]"),
    ("duration_ms", "int64"),
    ("round", "int32"),
    ("is_current", "bool"),
    ("with_suggestions", "bool"),  # made while the project showed model suggestions
    ("review_verdict", "string"),  # the latest review's verdict, null if never reviewed
    # A project with several questions has one row per answered question (``value`` is that
    # answer); null for a one-question project (``value`` is the whole annotation).
    ("question", "string"),
)
#: The ways annotators are named: a per-project pseudonym (the default) or the username.
ANNOTATOR_NAMING = ("pseudonym", "name")


def secret_bytes(secret: str | bytes | None) -> bytes:
    """The application's key (Flask's ``secret_key``, text or bytes) as bytes."""
    return secret.encode() if isinstance(secret, str) else secret or b""


def pseudonym(secret: bytes, project_id: int, user_id: int) -> str:
    """A stable pseudonym of an annotator in one project: the same in every export of the
    project, different across projects, not reversible without the application's key."""
    digest = hmac.new(secret, f"{project_id}:{user_id}".encode(), hashlib.sha256).hexdigest()
    return f"ann-{digest[:12]}"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _Names:
    """Annotator names or pseudonyms, looked up as they appear."""

    def __init__(self, session: Session, project: Project, naming: str, secret: bytes) -> None:
        self.session, self.project_id = session, project.id
        self.naming, self.secret = naming, secret
        self.known: dict[int, str] = {}

    def resolve(self, user_ids: set[int]) -> dict[int, str]:
        missing = user_ids - set(self.known)
        if missing and self.naming == "name":
            self.known.update(
                self.session.execute(
                    sa.select(User.id, User.username).where(User.id.in_(missing))
                ).all()
            )
        else:
            self.known.update({u: pseudonym(self.secret, self.project_id, u) for u in missing})
        return self.known


def _verdicts(session: Session, first: int, last: int) -> dict[int, str]:
    """The latest review verdict of each annotation of the items ``first``..``last``."""
    found: dict[int, str] = {}
    for annotation_id, verdict in session.execute(
        sa.select(SampledAnnotation.annotation_id, Review.verdict)
        .join(Review, Review.sampled_annotation_id == SampledAnnotation.id)
        .join(Annotation, Annotation.id == SampledAnnotation.annotation_id)
        .where(Annotation.item_id.between(first, last))
        .order_by(Review.id)
    ):
        found[annotation_id] = verdict.value
    return found


def _page_rows(
    session: Session,
    page: Sequence[Any],
    batches: dict[int, str],
    versions: dict[int, tuple[str, str]],
    names: _Names,
    mask: bool = False,
    questions: Sequence[str] = (),
) -> Iterator[tuple[Any, ...]]:
    first, last = page[0].id, page[-1].id
    items = {row.id: row for row in page}
    annotations = [
        a
        for a in session.execute(
            sa.select(
                Annotation.id,
                Annotation.item_id,
                Annotation.annotator_id,
                Annotation.value,
                Annotation.rulebook_version_id,
                Annotation.source,
                Annotation.imported_from,
                Annotation.imported_at,
                Annotation.submitted_at,
                Annotation.duration_ms,
                Assignment.round,
                Annotation.is_current,
                Annotation.with_suggestions,
            )
            .outerjoin(Assignment, Assignment.id == Annotation.assignment_id)
            .where(Annotation.item_id.between(first, last))
            .order_by(Annotation.item_id, Annotation.id)
        )
        if a.item_id in items
    ]
    if not annotations:
        return
    known = names.resolve({a.annotator_id for a in annotations})
    verdicts = _verdicts(session, first, last)
    for a in annotations:
        item = items[a.item_id]
        version, sha256 = versions.get(a.rulebook_version_id) or (None, None)
        masked = mask and item.has_personal_info
        row = (
            a.item_id,
            item.external_id,
            batches[item.batch_id],
            a.id,
            known[a.annotator_id],
            _dumps(PERSONAL_INFO_MASK if masked else a.value),
            version,
            sha256,
            a.source.value,
            a.imported_from,
            a.imported_at,
            a.submitted_at,
            a.duration_ms,
            a.round,
            bool(a.is_current),
            bool(a.with_suggestions),
            verdicts.get(a.id),
            None,
        )
        if not questions:
            yield row
            continue
        answers = a.value if isinstance(a.value, dict) else {}
        for key in questions:
            if key in answers:
                answer = PERSONAL_INFO_MASK if masked else answers[key]
                yield (*row[:5], _dumps(answer), *row[6:-1], key)


def iter_long_rows(
    session: Session,
    project: Project,
    *,
    annotators: str = "pseudonym",
    secret: str | bytes | None = b"",
    page_size: int = PAGE,
) -> Iterator[tuple[Any, ...]]:
    """Yield one tuple per annotation of ``project``'s exportable items, in
    :data:`LONG_COLUMNS` order (timestamps as aware datetimes), item by item in id order; a
    project with several questions has a row per answered question."""
    batches = {
        b.id: b.name
        for b in session.scalars(sa.select(Batch).where(Batch.project_id == project.id))
    }
    versions = {
        v.id: (v.version, v.sha256)
        for v in session.scalars(
            sa.select(RulebookVersion)
            .join(Rulebook, Rulebook.id == RulebookVersion.rulebook_id)
            .where(Rulebook.project_id == project.id)
        )
    }
    names = _Names(session, project, annotators, secret_bytes(secret))
    questions = [q.key for q in questions_of(project)] if is_form(project) else []
    last = 0
    while True:
        page = session.execute(
            sa.select(Item.id, Item.external_id, Item.batch_id, Item.has_personal_info)
            .join(Batch, Batch.id == Item.batch_id)
            .where(*exportable(project), Item.id > last)
            .order_by(Item.id)
            .limit(page_size)
        ).all()
        if not page:
            return
        last = page[-1].id
        yield from _page_rows(
            session, page, batches, versions, names, masks_values(project), questions
        )
