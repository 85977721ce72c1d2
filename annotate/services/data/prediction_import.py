"""Importing a file of model predictions for items already in a project, all or nothing.

Each record names an item by its id and carries one prediction — a ``prediction`` object
(JSONL, or a JSON cell in CSV), ``model``/``version``/``value``/``score`` fields or columns,
or Label Studio ``predictions`` (see :mod:`~annotate.services.data.predictions`). A file that
names an item the project does not have, a value outside the label schema, a model version
the item already has a prediction of, or the same item and model version twice, is refused
whole: every problem is reported with its line and nothing is written (the caller rolls back
the chunks already flushed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from annotate.database import Session
from annotate.models import Item, ModelVersion, Prediction, Project, User
from annotate.services.audit import record_event
from annotate.services.data.formats import Record
from annotate.services.data.predictions import (
    PredictionIn,
    check_prediction,
    record_predictions,
    store_predictions,
)
from annotate.services.errors import InvalidInput
from annotate.services.locks import lock_row

#: Records looked up and stored at a time.
CHUNK = 2000
_FLAT = ("model", "version", "value", "score")


@dataclass
class PredictionImportResult:
    """What a predictions import did: records read, predictions stored, per model version."""

    read: int = 0
    imported: int = 0
    by_model: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Read and imported (and refused: always 0 once the import went through)."""
        return {"read": self.read, "imported": self.imported, "refused": 0}

    def as_json(self) -> dict[str, Any]:
        """The result as the API returns it."""
        return {"counts": self.counts(), "models": self.by_model}

    def summary(self) -> str:
        """A one-line summary for the CLI."""
        models = ", ".join(f"{name} ({n})" for name, n in sorted(self.by_model.items()))
        return f"Read {self.read} records; imported {self.imported} predictions: {models}."


class PredictionsRefused(InvalidInput):
    """A predictions file refused whole; ``counts`` says how many records were read."""

    def __init__(self, message: str, problems: list[str], counts: dict[str, int]) -> None:
        super().__init__(message, problems)
        self.counts = counts


def _external_id(record: Record) -> str | None:
    ext = record.fields.get("id", record.fields.get("external_id"))
    if ext is None or isinstance(ext, dict | list | bool):
        return None
    text = str(ext).strip()
    return text or None


def _raw_predictions(project: Project, record: Record) -> list[Any]:
    fields = dict(record.fields)
    found = record_predictions(project, fields, record.predictions, record.from_csv)
    if not found and any(fields.get(k) not in (None, "") for k in ("value", "model")):
        found = [{k: fields[k] for k in _FLAT if k in fields}]
    return found


@dataclass
class _Run:
    project: Project
    defaults: tuple[str | None, str | None]
    problems: list[str] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    seen: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def refuse(self, line: str, problems: list[str]) -> None:
        self.problems += problems
        self.refused.add(line)


def _check_chunk(
    session: Session, run: _Run, chunk: list[Record]
) -> list[tuple[int, PredictionIn]]:
    project = run.project
    exts = {e for r in chunk if (e := _external_id(r)) is not None}
    items = {
        ext: (item_id, payload)
        for item_id, ext, payload in session.execute(
            sa.select(Item.id, Item.external_id, Item.payload).where(
                Item.project_id == project.id, Item.external_id.in_(exts)
            )
        )
    }
    held = {
        (item_id, name, version)
        for item_id, name, version in session.execute(
            sa.select(Prediction.item_id, ModelVersion.name, ModelVersion.version)
            .join(ModelVersion, ModelVersion.id == Prediction.model_version_id)
            .where(Prediction.item_id.in_([i for i, _ in items.values()]))
        )
    }
    rows: list[tuple[int, PredictionIn]] = []
    for record in chunk:
        line, ext = record.line, _external_id(record)
        if ext is None:
            run.refuse(line, [f"{line}: id: the item's id is required"])
            continue
        if ext not in items:
            run.refuse(line, [f"{line}: id: no item {ext!r} in this project"])
            continue
        item_id, payload = items[ext]
        raws = _raw_predictions(project, record)
        if not raws:
            run.refuse(
                line,
                [
                    f"{line}: prediction: none given (a prediction object, or model, "
                    "version, value and score)"
                ],
            )
        for raw in raws:
            prediction, problems = check_prediction(
                project, raw, payload, line, from_csv=record.from_csv, defaults=run.defaults
            )
            if prediction is None:
                run.refuse(line, problems)
                continue
            key = (ext, prediction.model, prediction.version)
            if (item_id, prediction.model, prediction.version) in held:
                run.refuse(
                    line,
                    [
                        f"{line}: prediction: item {ext!r} already has a prediction "
                        f"of {prediction.model} {prediction.version} (import a new "
                        "version)"
                    ],
                )
            elif key in run.seen:
                run.refuse(
                    line,
                    [
                        f"{line}: prediction: item {ext!r} and {prediction.model} "
                        f"{prediction.version} twice in this file (first at "
                        f"{run.seen[key]})"
                    ],
                )
            else:
                run.seen[key] = line
                rows.append((item_id, prediction))
    return rows


def import_predictions(
    session: Session,
    project: Project,
    records: Iterable[Record],
    *,
    source: str,
    actor: User | None = None,
    parse_problems: list[str] | None = None,
    model: str | None = None,
    version: str | None = None,
) -> PredictionImportResult:
    """Store the predictions of ``records`` for the project's existing items, all or nothing.

    ``model`` and ``version`` name the model of predictions that name none. The project row
    is locked, so two imports of the same model version do not both pass the check. Flushes;
    the caller commits (or rolls back on :class:`PredictionsRefused`).

    :raises PredictionsRefused: every problem, each naming its line; nothing is kept.
    """
    project = lock_row(session, project)
    run = _Run(project, (model, version))
    result = PredictionImportResult()
    chunk: list[Record] = []
    for record in records:
        result.read += 1
        chunk.append(record)
        if len(chunk) >= CHUNK:
            _store(session, run, result, chunk, source, actor)
            chunk = []
    _store(session, run, result, chunk, source, actor)
    problems = list(parse_problems or []) + run.problems
    if problems:
        unreadable = {p.split(":", 1)[0] for p in parse_problems or [] if p.startswith("line ")}
        result.read += len(unreadable)
        refused = max(len(run.refused) + len(unreadable), 1)
        raise PredictionsRefused(
            f"{len(problems)} problem(s) in {refused} of {result.read} record(s); "
            "no prediction was imported.",
            problems,
            {"read": result.read, "imported": 0, "refused": refused},
        )
    record_event(
        session,
        "predictions.import",
        "project",
        project.id,
        actor=actor,
        project_id=project.id,
        details={"source": source, "models": result.by_model, **result.counts()},
    )
    return result


def _store(
    session: Session,
    run: _Run,
    result: PredictionImportResult,
    chunk: list[Record],
    source: str,
    actor: User | None,
) -> None:
    if not chunk:
        return
    rows = _check_chunk(session, run, chunk)
    if run.problems or not rows:
        return
    result.imported += store_predictions(session, run.project, rows, source=source, actor=actor)
    for _, prediction in rows:
        name = f"{prediction.model}@{prediction.version}"
        result.by_model[name] = result.by_model.get(name, 0) + 1
