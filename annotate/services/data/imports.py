"""Importing items: JSONL, CSV and Label Studio task JSON into a batch, all or nothing.

:mod:`~annotate.services.data.formats` turns a file into :class:`Record` objects (malformed
lines become problems, not exceptions); :func:`import_records` validates every record against
the project's task type and label schema, reports *every* problem at once and writes nothing
when there is one; otherwise it inserts the new items in bulk chunks. Re-importing is
idempotent: a record whose external id is already in the project with the same content is
skipped as a duplicate. Records with the content of another item but an id of their own are
imported and listed (``dedupe="content"`` skips them instead, still listed): nothing is dropped
without a word. Every result counts read, imported, skipped (duplicate id, duplicate content)
and refused records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa

from annotate.database import Session
from annotate.models import (
    Annotation,
    AnnotationSource,
    Batch,
    Item,
    Project,
    TaskType,
    User,
)
from annotate.services.audit import record_event
from annotate.services.data import form_io, labelstudio
from annotate.services.data.bulk import bulk_mode, canonical_encoder, ids_in_chunks, new_filters
from annotate.services.data.formats import Record, csv_gold, flag_value
from annotate.services.data.inserts import (
    CHUNK,
    Checked,
    ImportRun,
    import_chunk,
)
from annotate.services.data.options import check_import_options
from annotate.services.data.predictions import (
    PredictionIn,
    check_prediction,
    record_predictions,
    store_predictions,
)
from annotate.services.data.results import ImportRefused, ImportResult
from annotate.services.problems import problem
from annotate.services.projects.values import (
    canonical_json,
    content_hash,
    normalise_value,
    payload_problems,
    required_fields,
)

RESERVED = ("id", "external_id", "gold", "attention", "personal_info")


def _line_number(problem: str) -> int:
    head = problem.split(":", 1)[0].split()
    return int(head[1]) if len(head) == 2 and head[1].isdigit() else 0


_encode = canonical_encoder()
_sha256 = hashlib.sha256


def _check(
    project: Project, record: Record, required: tuple[str, ...] = ()
) -> tuple[Checked | None, list[str]]:
    """Validate one record. The common case (a JSON object with the required text fields, no
    gold, no annotations) takes a fast path of precompiled checks; anything else the full one."""
    payload = dict(record.fields)
    if record.from_csv:
        payload = {k: v for k, v in payload.items() if not (k in RESERVED and v == "")}
    ext = payload.pop("external_id", None)
    ext = payload.pop("id", ext)
    gold = payload.pop("gold", None)
    attention = payload.pop("attention", None)
    columns: list[str] = []  # problems of a form project's per-question CSV columns
    if record.from_csv and project.task_type == TaskType.form:
        gold, attention, columns = _question_columns(project, record, payload, gold, attention)
    pii = payload.pop("personal_info", False)
    if pii is not False:
        pii = flag_value(pii)
    predicted = record_predictions(project, payload, record.predictions, record.from_csv)
    fast = (
        required
        and not columns
        and gold is None
        and attention is None
        and not record.annotations
        and not predicted
        and pii is not None
        and (ext is None or (type(ext) is str and 0 < len(ext) <= 255 and ext.strip()))
    )
    if fast:
        for name in required:
            value = payload.get(name)
            if type(value) is not str or not value:
                fast = False
                break
    if fast:
        canonical = _encode(payload)
        digest = _sha256(canonical.encode()).hexdigest()
        return Checked(
            record.line,
            ext.strip() if ext is not None else f"sha256:{digest[:40]}",
            canonical,
            digest,
            None,
            bool(pii),
            [],
            payload=payload,
        ), []
    return _check_slow(project, record, payload, ext, gold, pii, attention, predicted, columns)


def _question_columns(
    project: Project, record: Record, payload: dict[str, Any], gold: Any, attention: Any
) -> tuple[Any, Any, list[str]]:
    """A form project's ``gold.<question>``/``attention.<question>`` CSV cells as answers
    objects (a whole-value ``gold``/``attention`` cell is still read when those are empty)."""
    problems: list[str] = []
    found = []
    for prefix, whole in (("gold", gold), ("attention", attention)):
        answers, wrong = form_io.take_csv_answers(project, payload, prefix)
        problems += [f"{record.line}: {p}" for p in wrong]
        if answers is not None and whole is not None:
            problems.append(f"{record.line}: {prefix}: {problem('both_cells', prefix=prefix)}")
        found.append(answers if answers is not None else whole)
    return found[0], found[1], problems


def _predictions(
    project: Project,
    record: Record,
    payload: dict[str, Any],
    predicted: list[Any],
    problems: list[str],
) -> list[PredictionIn]:
    """The record's checked model predictions (one per model version); problems appended."""
    predictions: list[PredictionIn] = []
    for raw in predicted:
        prediction, found = check_prediction(
            project, raw, payload, record.line, from_csv=record.from_csv
        )
        problems += found
        if prediction is not None and any(
            (p.model, p.version) == (prediction.model, prediction.version) for p in predictions
        ):
            twice = problem("two_predictions", model=prediction.model, version=prediction.version)
            problems.append(f"{record.line}: prediction: {twice}")
        elif prediction is not None:
            predictions.append(prediction)
    return predictions


def _check_slow(
    project: Project,
    record: Record,
    payload: dict[str, Any],
    ext: Any,
    gold: Any,
    pii: bool | None,
    attention: Any,
    predicted: list[Any],
    columns: list[str],
) -> tuple[Checked | None, list[str]]:
    problems = columns + [
        f"{record.line}: {p}"
        for p in payload_problems(project.task_type, payload, required_fields(project))
    ]
    predictions = _predictions(project, record, payload, predicted, problems)
    if pii is None:
        problems.append(f"{record.line}: personal_info: {problem('true_false')}")
    if ext is not None and (
        isinstance(ext, dict | list | bool) or not str(ext).strip() or len(str(ext)) > 255
    ):
        problems.append(f"{record.line}: id: {problem('id_text')}")
    canonical = canonical_json(payload)
    digest = content_hash(payload, canonical)
    if record.from_csv and isinstance(gold, str):
        gold = csv_gold(project.task_type, gold)
    for ann in record.annotations:
        if ann.get("ground_truth") and gold is None:
            gold, bad = form_io.value_from_results(project, ann.get("result"))
            if bad:
                problems.append(f"{record.line}: gold: {bad}")
    if gold is not None and not problems:
        gold, found = normalise_value(project, gold, payload, field="gold", partial=True)
        problems += [f"{record.line}: {p}" for p in found]
    if isinstance(attention, str) and record.from_csv:
        attention = csv_gold(project.task_type, attention)
    if attention is not None and gold is not None:
        problems.append(f"{record.line}: attention: {problem('gold_or_attention')}")
    elif attention is not None and not problems:
        attention, found = normalise_value(
            project, attention, payload, field="attention", partial=True
        )
        problems += [f"{record.line}: {p}" for p in found]
    annotations: list[tuple[str, str, Any, dict[str, Any]]] = []
    for n, ann in enumerate(record.annotations, start=1):
        raw, bad = form_io.value_from_results(project, ann.get("result"))
        if bad:
            problems.append(f"{record.line}: annotations[{n}]: {bad}")
            continue
        value, found = normalise_value(project, raw, payload, field=f"annotations[{n}].value")
        problems += [f"{record.line}: {p}" for p in found]
        username, display = labelstudio.annotator_key(ann.get("completed_by"))
        if any(username == earlier[0] for earlier in annotations):
            problems.append(f"{record.line}: annotations[{n}]: {problem('same_annotator')}")
            continue
        annotations.append((username, display, value, ann))
    if problems:
        return None, problems
    return Checked(
        record.line,
        str(ext).strip() if ext is not None else f"sha256:{digest[:40]}",
        canonical,
        digest,
        gold,
        bool(pii),
        annotations,
        attention,
        predictions,
    ), []


def import_records(
    session: Session,
    project: Project,
    records: Iterable[Record],
    *,
    batch_name: str,
    source: str = "",
    licence: str = "",
    actor: User | None = None,
    parse_problems: list[str] | None = None,
    progress: Callable[[int], None] | None = None,
    dedupe: str = "id",
    rulebook_version: str | None = None,
) -> ImportResult:
    """Validate every record and insert the new ones into batch ``batch_name``, in chunks.

    ``records`` may be a stream (:func:`~annotate.services.data.formats.iter_records`); it is
    consumed once, ``CHUNK`` records at a time, so memory stays flat. ``parse_problems`` may
    still grow while the stream is read. Duplicates (same external id and content) are skipped
    and reported, whether they are already in the project or earlier in the file (found through
    the rows this import already flushed). Records sharing their content with another item are
    imported and listed in ``shared_content`` — or, with ``dedupe="content"``, skipped and
    listed in ``duplicate_content``.

    Annotations in the records (Label Studio) are marked imported, with the tool, the batch's
    source and the time, and stamped with ``rulebook_version`` (a published or retired version
    of the project's rulebook) — without one they count as "no rulebook version".

    All or nothing: when any record has a problem, every problem is reported in
    :class:`InvalidInput` and the caller rolls the transaction back, which removes the chunks
    already flushed. Flushes; the caller commits once (one transaction per file).

    :raises ImportRefused: listing every problem (``line N: field: reason``) and the counts.
    """
    version = check_import_options(
        session, project, batch_name, source, licence, dedupe, rulebook_version
    )
    watermark = session.scalar(sa.select(sa.func.max(Item.id))) or 0
    run = ImportRun(
        project,
        batch_name.strip(),
        source,
        licence,
        actor,
        progress,
        watermark,
        ImportResult(batch=None, dedupe=dedupe),
        dedupe=dedupe,
        version=version,
    )
    run.any_items = (
        session.scalar(sa.select(Item.id).where(Item.project_id == project.id).limit(1)) is not None
    )
    if not run.any_items:
        run.seen = new_filters()
    required = required_fields(project)
    chunk: list[Checked] = []
    result = run.result
    refused = 0
    with bulk_mode(session):
        for record in records:
            result.read += 1
            item, found = _check(project, record, required)
            if item is None:
                refused += 1
                run.problems += found
            else:
                chunk.append(item)
            if len(chunk) >= CHUNK:
                _chunk(session, run, chunk)
                chunk = []
        if chunk:
            _chunk(session, run, chunk)
    problems = list(parse_problems or []) + run.problems
    # Lines the parser could not read are records too (each is refused).
    unreadable = {p.split(":", 1)[0] for p in parse_problems or [] if _line_number(p)}
    result.read += len(unreadable)
    result.refused = refused + len(run.refused_lines) + len(unreadable)
    if problems:
        problems.sort(key=_line_number)
        result.refused = max(result.refused, 1)
        counts = result.counts() | {"imported": 0}
        raise ImportRefused(
            problem("refused", n=len(problems), refused=result.refused, read=result.read),
            problems,
            counts,
        )
    if result.batch is not None:
        batch = result.batch
        record_event(
            session,
            "batch.import",
            "batch",
            batch.id,
            actor=actor,
            project_id=project.id,
            details={
                "batch": batch.name,
                "source": batch.source,
                "licence": batch.licence,
                "inserted": result.inserted,
                "duplicates": len(result.duplicates),
                "annotations": result.annotations,
                "dedupe": dedupe,
                "rulebook_version": version.version if version else None,
                **result.counts(),
            },
        )
    return result


def _chunk(session: Session, run: ImportRun, chunk: list[Checked]) -> None:
    """Import one chunk, then store the predictions of its new items."""
    new = [c for c in import_chunk(session, run, chunk) if c.predictions]
    if new and not run.problems:
        ids = ids_in_chunks(session, run.project, [c.external_id for c in new])
        run.result.predictions += store_predictions(
            session,
            run.project,
            [(ids[c.external_id], p) for c in new for p in c.predictions],
            source=run.source,
            actor=run.actor,
        )


def list_batches(session: Session, project: Project) -> list[dict[str, Any]]:
    """The project's batches with provenance, status, item counts and their imported
    annotations (with the number stamped with no rulebook version, counted apart)."""
    rows = session.execute(
        sa.select(
            Batch, sa.func.count(Item.id), sa.func.count(Item.id).filter(Item.quarantined.is_(True))
        )
        .outerjoin(Item, Item.batch_id == Batch.id)
        .where(Batch.project_id == project.id)
        .group_by(Batch.id)
        .order_by(Batch.id)
    ).all()
    imported = {
        batch_id: (n, unversioned)
        for batch_id, n, unversioned in session.execute(
            sa.select(
                Item.batch_id,
                sa.func.count(Annotation.id),
                sa.func.count(Annotation.id).filter(Annotation.rulebook_version_id.is_(None)),
            )
            .join(Annotation, Annotation.item_id == Item.id)
            .where(Item.project_id == project.id, Annotation.source == AnnotationSource.imported)
            .group_by(Item.batch_id)
        )
    }
    return [
        {
            "name": b.name,
            "status": b.status.value,
            "items": n,
            "quarantined": q,
            "source": b.source,
            "licence": b.licence,
            "imported_at": b.imported_at.isoformat(timespec="seconds"),
            "imported_annotations": imported.get(b.id, (0, 0))[0],
            "imported_without_rulebook_version": imported.get(b.id, (0, 0))[1],
        }
        for b, n, q in rows
    ]
