"""Inserting checked import records: sorting each chunk into duplicates, problems and new
items, and writing the new items (and their imported annotations) in bulk.

Owns the records :mod:`~annotate.services.data.imports` has validated (:class:`Checked`),
the state of one import as its chunks go by (:class:`ImportRun`), its outcome
(:class:`ImportResult`) and the bulk INSERTs. Validation and orchestration stay in
:mod:`~annotate.services.data.imports`, which imports this module (never the reverse).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.database import Session, UTCDateTime, utcnow
from annotate.labels import label
from annotate.models import (
    Annotation,
    AnnotationSource,
    Batch,
    BatchStatus,
    Item,
    Project,
    RulebookVersion,
    User,
)
from annotate.models.items import content_key
from annotate.models.search import indexing_new_items, search_text, spaced
from annotate.services.accounts.users import create_user
from annotate.services.data import labelstudio
from annotate.services.data.bulk import (
    existing,
    existing_content,
    ids_in_chunks,
    insert_rows,
    maybe_seen,
    remember,
)
from annotate.services.data.results import ImportResult
from annotate.services.errors import InvalidInput
from annotate.services.labeling.assignment import refresh_free_slots
from annotate.services.problems import problem
from annotate.services.projects.values import canonical_json

CHUNK = 5000
#: Duplicate rules: ``id`` skips a record whose external id is already in the project (or
#: earlier in the file) with the same content, and imports — and lists — records whose content
#: another item already has; ``content`` also skips those (still listed).
DEDUPE_MODES = ("id", "content")


@dataclass(slots=True)
class Checked:
    """One record that passed validation, ready to insert."""

    line: str
    external_id: str
    canonical: str
    digest: str
    gold: Any
    personal_info: bool
    annotations: list[tuple[str, str, Any, dict[str, Any]]]
    attention: Any = None  # the expected answer of an attention check
    predictions: list[Any] = field(default_factory=list)
    #: The parsed payload ``canonical`` encodes, when the check kept it (else re-parsed).
    payload: Any = None


@dataclass
class ImportRun:
    """The state of one import while its chunks go by."""

    project: Project
    batch_name: str
    source: str
    licence: str
    actor: User | None
    progress: Callable[[int], None] | None
    #: Items with an id above this were inserted by this import ("earlier in this file").
    watermark: int
    result: ImportResult
    problems: list[str] = field(default_factory=list)
    any_items: bool = False
    #: Set when the project had no items before: Bloom filters of the external ids and
    #: content hashes inserted so far, so only possible repeats are looked up.
    seen: tuple[bytearray, bytearray] | None = None
    #: One of :data:`DEDUPE_MODES`.
    dedupe: str = "id"
    #: Lines of the records refused (a record may have several problems).
    refused_lines: set[str] = field(default_factory=set)
    #: The rulebook version the importer named for the imported annotations.
    version: RulebookVersion | None = None


def _get_batch(
    session: Session, project: Project, name: str, source: str, licence: str, actor: User | None
) -> Batch:
    batch = session.scalar(
        sa.select(Batch).where(Batch.project_id == project.id, Batch.name == name)
    )
    if batch is None:
        batch = Batch(
            project_id=project.id,
            name=name,
            source=source,
            licence=licence,
            imported_by_id=actor.id if actor else None,
        )
        session.add(batch)
        session.flush()
    elif batch.status != BatchStatus.open:
        raise InvalidInput(
            _l(
                "Batch %(batch)s is %(status)s: import into a new batch.",
                batch=repr(name),
                status=label(batch.status.value),
            )
        )
    else:
        batch.source = batch.source or source
        batch.licence = batch.licence or licence
    return batch


def import_chunk(session: Session, run: ImportRun, chunk: list[Checked]) -> list[Checked]:
    """Sort one chunk into problems, duplicates and new items; insert and return the new."""
    project = run.project
    if run.seen is not None:
        exts, digests = maybe_seen(run.seen, chunk)
    else:
        exts, digests = [c.external_id for c in chunk], [c.digest for c in chunk]
    by_ext = existing(session, project, Item.external_id, exts) if run.any_items else {}
    by_hash = existing_content(session, project, digests) if run.any_items else {}
    new = _sort(run, chunk, by_ext, by_hash)
    if run.progress:
        run.progress(len(chunk))
    if new:
        _insert(session, run, new)
    return new


def _sort(
    run: ImportRun,
    chunk: list[Checked],
    by_ext: dict[Any, tuple[int, str, str]],
    by_hash: dict[str, tuple[int, str, str]],
) -> list[Checked]:
    """The chunk's records to insert; duplicates and problems go to the run's result."""
    result = run.result
    seen_ext: dict[str, tuple[str, str]] = {}  # external id -> (line, content hash)
    seen_hash: dict[str, str] = {}  # content hash -> external id
    new: list[Checked] = []
    for item in chunk:
        line, ext, digest = item.line, item.external_id, item.digest
        prior = by_ext.get(ext)
        earlier = seen_ext.get(ext)
        if prior is not None and prior[2] != digest:
            run.refused_lines.add(line)
            if prior[0] > run.watermark:
                run.problems.append(f"{line}: id: {problem('id_twice', id=repr(ext))}")
            else:
                run.problems.append(f"{line}: id: {problem('id_other_content', id=repr(ext))}")
        elif earlier is not None and earlier[1] != digest:
            run.refused_lines.add(line)
            twice = problem("id_twice_at", id=repr(ext), first=earlier[0])
            run.problems.append(f"{line}: id: {twice}")
        elif prior is not None:
            result.note("id", line, ext, None, prior[0] <= run.watermark)
            result.duplicates.append(
                f"{line}: same id and content as {ext!r} earlier in this file"
                if prior[0] > run.watermark
                else f"{line}: duplicate of item {ext!r}"
            )
        elif earlier is not None:
            result.note("id", line, ext, None, False)
            result.duplicates.append(f"{line}: same id and content as {ext!r} at {earlier[0]}")
        elif (found := by_hash.get(digest)) is not None or digest in seen_hash:
            other = found[1] if found is not None else seen_hash[digest]
            where = (
                " earlier in this file"
                if found is None or found[0] > run.watermark
                else " (already in the project)"
            )
            before = found is not None and found[0] <= run.watermark
            result.note(
                "content" if run.dedupe == "content" else "shared", line, ext, other, before
            )
            if run.dedupe == "content":
                result.duplicate_content.append(
                    f"{line}: {ext!r} skipped: same content as {other!r}{where}"
                )
            else:
                result.shared_content.append(
                    f"{line}: {ext!r} imported; same content as {other!r}{where}"
                )
                new.append(item)
        else:
            new.append(item)
        seen_ext.setdefault(ext, (line, digest))
        seen_hash.setdefault(digest, ext)
    return new


def _insert(session: Session, run: ImportRun, new: list[Checked]) -> None:
    project, result = run.project, run.result
    if result.batch is None:
        result.batch = _get_batch(
            session, project, run.batch_name, run.source, run.licence, run.actor
        )
    insert_items(session, project, result.batch, new)
    run.any_items = True
    if run.seen is not None:
        remember(run.seen, new)
    result.inserted += len(new)
    if any(item.annotations for item in new):
        count, created = insert_annotations(session, run, new)
        result.annotations += count
        if run.version is None:
            result.annotations_without_version += count
        result.users_created += created


_ITEM_COLUMNS = (
    "project_id",
    "batch_id",
    "external_id",
    "payload",
    "search_text",
    "content_hash",
    "content_key",
    "gold_answer",
    "gold_source",
    "attention_answer",
    "has_personal_info",
    "quarantined",
    "annotation_count",
    "created_at",
)


def _search_text(record: Checked) -> str:
    """:func:`search_text` of the record's canonical payload; a flat object of strings kept
    by the check is read as it is (its keys sorted, as the canonical JSON has them), not
    parsed again."""
    payload = record.payload
    if type(payload) is dict:
        keys = sorted(payload)
        values = [payload[key] for key in keys]
        if all(type(value) is str for value in values):
            return spaced("\n".join(values))
    return search_text(json.loads(record.canonical))


def insert_items(session: Session, project: Project, batch: Batch, new: list[Checked]) -> None:
    """Bulk-insert in chunks: pre-serialised JSON through the driver (the hot path of a
    million-line import; the ORM's per-row type processing would triple its cost) — COPY on
    PostgreSQL, executemany elsewhere (:func:`~.bulk.insert_rows`)."""
    connection = session.connection()
    dialect = connection.dialect
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO items ({', '.join(_ITEM_COLUMNS)}) "
        f"VALUES ({', '.join([marker] * len(_ITEM_COLUMNS))})"
    )
    # Formatted once here (on SQLite a string), not adapted by the driver for every row.
    to_db = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    now = to_db(utcnow()) if to_db else utcnow()
    project_id, batch_id = project.id, batch.id  # not an ORM attribute read per row
    with indexing_new_items(connection):  # one INSERT … SELECT into SQLite's FTS5
        for start in range(0, len(new), CHUNK):
            chunk = new[start : start + CHUNK]
            insert_rows(
                connection,
                "items",
                _ITEM_COLUMNS,
                sql,
                [
                    (
                        project_id,
                        batch_id,
                        c.external_id,
                        c.canonical,
                        _search_text(c),
                        c.digest,
                        content_key(c.digest),
                        None if c.gold is None else canonical_json(c.gold),
                        None if c.gold is None else "imported",
                        None if c.attention is None else canonical_json(c.attention),
                        c.personal_info,
                        False,
                        len(c.annotations),
                        now,
                    )
                    for c in chunk
                ],
            )


def insert_annotations(
    session: Session, run: ImportRun, new: list[Checked]
) -> tuple[int, list[str]]:
    """Insert the annotations of ``new`` (Label Studio ``annotations``), marked imported with
    their provenance and the rulebook version the importer named; returns (count, usernames
    of the accounts created for their annotators)."""
    project, actor = run.project, run.actor
    origin = f"Label Studio: {run.result.batch.source if run.result.batch else ''}"[:500]
    version_id = run.version.id if run.version else None
    with_annotations = [c for c in new if c.annotations]
    item_ids = ids_in_chunks(session, project, [c.external_id for c in with_annotations])
    users: dict[str, User] = {}
    created: list[str] = []
    rows = []
    now = utcnow()
    for item in with_annotations:
        for username, display, value, raw in item.annotations:
            if username not in users:
                user = session.scalar(sa.select(User).where(User.username == username))
                if user is None:
                    user = create_user(
                        session, username, None, display_name=display, imported=True, actor=actor
                    )
                    created.append(username)
                users[username] = user
            submitted = labelstudio.parse_time(raw.get("created_at")) or now
            lead = raw.get("lead_time")
            rows.append(
                {
                    "item_id": item_ids[item.external_id],
                    "annotator_id": users[username].id,
                    "value": value,
                    "clause_keys": [],
                    "source": AnnotationSource.imported,
                    "imported_from": origin,
                    "imported_at": now,
                    "rulebook_version_id": version_id,
                    "submitted_at": submitted,
                    "is_current": True,
                    "duration_ms": int(lead * 1000)
                    if isinstance(lead, int | float) and not isinstance(lead, bool)
                    else None,
                }
            )
    for start in range(0, len(rows), CHUNK):
        session.execute(sa.insert(Annotation), rows[start : start + CHUNK])
    # Items imported with annotations may have no free slot left.
    annotated = [item_ids[item.external_id] for item in with_annotations]
    for start in range(0, len(annotated), CHUNK):
        refresh_free_slots(session, project, Item.id.in_(annotated[start : start + CHUNK]))
    return len(rows), created
