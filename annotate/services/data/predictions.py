"""Model predictions: reading them from import records, storing them per model version, and
writing them back into Label Studio tasks.

A prediction names its model (name and version), a value of the project's task type (checked
against the label schema like an annotation) and an optional score (0-1, the model's
confidence). It arrives as

* a ``prediction`` object on a JSONL line or in a CSV cell (JSON):
  ``{"model": "bert", "version": "3", "value": "toxic", "score": 0.71}``;
* a Label Studio ``predictions`` list: ``{"model_version": "bert@3", "score": 0.71, "result":
  [...]}`` (``name@version``; a bare version is model ``label-studio``). Our own export's
  consensus prediction (``model_version`` ``consensus-…``) is not a model and is left out.

Predictions come with new items (:mod:`~annotate.services.data.imports`) or as a file for
existing items (:mod:`~annotate.services.data.prediction_import`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from annotate.database import Session, utcnow
from annotate.models import Item, ModelVersion, Prediction, Project, TaskType, User
from annotate.services.data import labelstudio
from annotate.services.data.formats import csv_gold
from annotate.services.projects.values import normalise_value

#: The model name given to Label Studio predictions whose ``model_version`` names no model.
LABEL_STUDIO_MODEL = "label-studio"
#: Our Label Studio export writes the item's consensus as a prediction with this prefix.
CONSENSUS_PREFIX = "consensus-"


@dataclass(frozen=True, slots=True)
class PredictionIn:
    """One checked prediction, ready to store."""

    model: str
    version: str
    value: Any
    score: float | None


def _text(value: Any, limit: int) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    return text if 0 < len(text) <= limit and "\x00" not in text else None


def _score(raw: Any) -> tuple[float | None, str | None]:
    if raw is None or raw == "":
        return None, None
    if isinstance(raw, bool):
        return None, "must be a number from 0 to 1"
    try:
        score = float(raw)
    except (TypeError, ValueError):
        return None, "must be a number from 0 to 1"
    if not math.isfinite(score) or not 0 <= score <= 1:
        return None, "must be a number from 0 to 1"
    return score, None


def _from_label_studio(task_type: TaskType, raw: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A Label Studio prediction as our object, or the problem with it."""
    value, problem = labelstudio.value_from_results(task_type, raw.get("result"))
    named = str(raw.get("model_version") or "")
    model = raw.get("model")
    name, _, version = named.rpartition("@")
    if model is None:
        model = name or LABEL_STUDIO_MODEL
    elif name != str(model):
        version = named
    return {"model": model, "version": version, "value": value, "score": raw.get("score")}, (
        problem or ""
    )


def is_consensus(raw: Any) -> bool:
    """Whether a Label Studio prediction is our export's consensus (not a model's)."""
    return isinstance(raw, dict) and str(raw.get("model_version") or "").startswith(
        CONSENSUS_PREFIX
    )


def check_prediction(
    project: Project,
    raw: Any,
    payload: dict[str, Any],
    where: str,
    *,
    from_csv: bool = False,
    defaults: tuple[str | None, str | None] = (None, None),
) -> tuple[PredictionIn | None, list[str]]:
    """Check one prediction (our object or a Label Studio one) of an item with ``payload``.

    ``defaults`` are the model name and version for predictions that name none (the
    importer's ``--model``/``--version``). Problems read ``where: prediction.field: reason``.
    """
    if from_csv and isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (json.JSONDecodeError, RecursionError, ValueError):
            return None, [f"{where}: prediction: not a JSON object"]
    if not isinstance(raw, dict):
        return None, [f"{where}: prediction: must be an object"]
    problems: list[str] = []
    if "result" in raw and "value" not in raw:
        raw, problem = _from_label_studio(project.task_type, raw)
        if problem:
            return None, [f"{where}: prediction: {problem}"]
    model = _text(raw.get("model") or defaults[0], 200)
    version = _text(raw.get("version") or defaults[1], 100)
    if model is None:
        problems.append(f"{where}: prediction.model: a model name of 1-200 characters is required")
    if version is None:
        problems.append(f"{where}: prediction.version: a version of 1-100 characters is required")
    score, bad_score = _score(raw.get("score"))
    if bad_score:
        problems.append(f"{where}: prediction.score: {bad_score}")
    value = raw.get("value")
    if from_csv and isinstance(value, str):
        value = csv_gold(project.task_type, value)
    value, found = normalise_value(project, value, payload, field="prediction.value")
    problems += [f"{where}: {p}" for p in found]
    if problems or model is None or version is None:
        return None, problems
    return PredictionIn(model, version, value, score), []


def record_predictions(
    project: Project, fields: dict[str, Any], listed: Iterable[Any], from_csv: bool
) -> list[Any]:
    """The raw predictions of a record: its ``prediction`` field (popped from ``fields``)
    and its Label Studio ``predictions`` (our consensus left out)."""
    raw = fields.pop("prediction", None)
    if from_csv and raw == "":
        raw = None
    found = [] if raw is None else [raw]
    return found + [p for p in listed if not is_consensus(p)]


def model_versions(
    session: Session,
    project: Project,
    names: Iterable[tuple[str, str]],
    *,
    source: str,
    actor: User | None,
) -> dict[tuple[str, str], ModelVersion]:
    """The project's model versions by (name, version), created when new."""
    wanted = set(names)
    found = {
        (m.name, m.version): m
        for m in session.scalars(
            sa.select(ModelVersion).where(ModelVersion.project_id == project.id)
        )
        if (m.name, m.version) in wanted
    }
    for name, version in sorted(wanted - found.keys()):
        model = ModelVersion(
            project_id=project.id,
            name=name,
            version=version,
            source=source[:500],
            imported_by_id=actor.id if actor else None,
        )
        session.add(model)
        found[(name, version)] = model
    session.flush()
    return found


def store_predictions(
    session: Session,
    project: Project,
    rows: list[tuple[int, PredictionIn]],
    *,
    source: str,
    actor: User | None,
) -> int:
    """Insert ``(item id, prediction)`` rows and set each item's ``prediction_score`` to its
    newest scored prediction's. Flushes; returns the number stored."""
    if not rows:
        return 0
    models = model_versions(
        session, project, {(p.model, p.version) for _, p in rows}, source=source, actor=actor
    )
    now = utcnow()
    session.execute(
        sa.insert(Prediction),
        [
            {
                "item_id": item_id,
                "model_version_id": models[(p.model, p.version)].id,
                "value": p.value,
                "score": p.score,
                "created_at": now,
            }
            for item_id, p in rows
        ],
    )
    items = Item.__table__
    latest = {item_id: p for item_id, p in rows}
    session.connection().execute(
        sa.update(items)
        .where(items.c.id == sa.bindparam("item"))
        .values(suggestion=sa.bindparam("suggestion", type_=items.c.suggestion.type)),
        [
            {
                "item": k,
                "suggestion": {
                    "model": p.model,
                    "version": p.version,
                    "value": p.value,
                    "score": p.score,
                },
            }
            for k, p in latest.items()
        ],
    )
    scored = {item_id: p.score for item_id, p in rows if p.score is not None}
    if scored:
        session.connection().execute(
            sa.update(items)
            .where(items.c.id == sa.bindparam("item"))
            .values(prediction_score=sa.bindparam("score")),
            [{"item": k, "score": v} for k, v in scored.items()],
        )
    return len(rows)


def label_studio_predictions(
    session: Session, task_type: TaskType, item_ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    """The stored predictions of ``item_ids`` as Label Studio prediction objects."""
    out: dict[int, list[dict[str, Any]]] = {}
    if not item_ids:
        return out
    rows = session.execute(
        sa.select(Prediction.item_id, ModelVersion.name, ModelVersion.version)
        .add_columns(Prediction.value, Prediction.score)
        .join(ModelVersion, ModelVersion.id == Prediction.model_version_id)
        .where(Prediction.item_id.in_(item_ids))
        .order_by(Prediction.item_id, Prediction.model_version_id)
    )
    for item_id, name, version, value, score in rows:
        out.setdefault(item_id, []).append(
            {
                "model": name,
                "model_version": f"{name}@{version}",
                "score": score,
                "result": labelstudio.results_from_value(task_type, value),
            }
        )
    return out


def with_predictions(
    session: Session, project: Project, rows: Iterable[Any], page_size: int, wanted: bool
) -> Iterator[tuple[Any, list[dict[str, Any]]]]:
    """Export rows each with their Label Studio predictions, read a page at a time (only when
    ``wanted``; otherwise each with none)."""
    if not wanted:
        yield from ((row, []) for row in rows)
        return
    page: list[Any] = []
    for row in rows:
        page.append(row)
        if len(page) >= page_size:
            yield from _paged(session, project, page)
            page = []
    yield from _paged(session, project, page)


def _paged(
    session: Session, project: Project, page: list[Any]
) -> Iterator[tuple[Any, list[dict[str, Any]]]]:
    found = label_studio_predictions(session, project.task_type, [r.item_id for r in page])
    for row in page:
        yield row, found.get(row.item_id, [])


def list_model_versions(session: Session, project: Project) -> list[dict[str, Any]]:
    """The project's model versions with their number of predictions, oldest first."""
    rows = session.execute(
        sa.select(ModelVersion, sa.func.count(Prediction.id))
        .outerjoin(Prediction, Prediction.model_version_id == ModelVersion.id)
        .where(ModelVersion.project_id == project.id)
        .group_by(ModelVersion.id)
        .order_by(ModelVersion.id)
    ).all()
    return [
        {
            "model": m.name,
            "version": m.version,
            "predictions": n,
            "source": m.source,
            "imported_at": m.imported_at.isoformat(timespec="seconds"),
        }
        for m, n in rows
    ]


def item_predictions(session: Session, item_id: int) -> list[dict[str, Any]]:
    """An item's predictions, newest model version first (the item page)."""
    rows = session.execute(
        sa.select(ModelVersion, Prediction.value, Prediction.score)
        .join(Prediction, Prediction.model_version_id == ModelVersion.id)
        .where(Prediction.item_id == item_id)
        .order_by(ModelVersion.id.desc())
    ).all()
    return [{"model": m.label, "value": v, "score": s, "at": m.imported_at} for m, v, s in rows]
