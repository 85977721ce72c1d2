"""Scope ``model``: how each imported model version does against the people.

For every model version of the project (``scope_id`` ``name@version``), over the counted
items (not quarantined, not in a void batch) it has a prediction for:

* ``consensus_agreement`` — the share of items with a human consensus (the majority of their
  counted current annotations; ties and items without annotations left out) where the
  prediction equals it, with a Wilson interval; ``consensus_kappa`` — Cohen's κ between the
  model and that consensus (no interval);
* ``gold_accuracy`` — the share of gold items where the prediction equals the gold answer,
  with a Wilson interval, and ``gold_accuracy_clopper_pearson`` — the same share with the
  exact Clopper–Pearson interval;
* ``confusion:<consensus>:<predicted>`` — the number of items with that human consensus and
  that prediction (label and rating tasks; a count, no interval).

Predictions are compared as values are voted on (a pairwise choice, a multi-label set). Free
text and span projects get the figures as undefined, with the reason. The rows are ordinary
metrics-CSV rows (``n_items`` items compared, ``n_annotations`` predictions compared,
``n_annotators`` the annotators behind the human labels).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from annotate.database import Session
from annotate.metrics import cohen_kappa_labels, proportion
from annotate.models import Annotation, Batch, BatchStatus, Item, ModelVersion, Prediction
from annotate.services.data.votes import NO_CONSENSUS, consensus_key
from annotate.services.quality.figures import Figure, ProjectReport
from annotate.services.quality.queries import counted_values, joined

SCOPE = "model"
METRICS = (
    "consensus_agreement",
    "consensus_kappa",
    "gold_accuracy",
    "gold_accuracy_clopper_pearson",
)
CONFUSION = "confusion:"


@dataclass
class ModelSummary:
    """What the dashboard and the dossier show of one model version."""

    label: str
    predictions: int
    #: the figures of this model version by metric (those of :data:`METRICS`)
    figures: dict[str, Figure] = field(default_factory=dict)
    #: (the labels in order, counts by (consensus, predicted)) for label and rating tasks
    confusion: tuple[list[str], dict[tuple[str, str], int]] | None = None


def _consensus(
    session: Session, report: ProjectReport[Any]
) -> tuple[dict[int, Any], dict[int, int], dict[int, set[int]]]:
    """Per item with a prediction: the majority key of its counted annotations (ties left
    out), how many annotations it has and who made them."""
    project = report.project
    predicted = (
        sa.select(Prediction.item_id)
        .join(ModelVersion, ModelVersion.id == Prediction.model_version_id)
        .where(ModelVersion.project_id == project.id)
    )
    votes: dict[int, Counter[Any]] = defaultdict(Counter)
    who: dict[int, set[int]] = defaultdict(set)
    rows = session.execute(
        joined(Annotation.item_id, Annotation.annotator_id, Annotation.value).where(
            *counted_values(project.id, report.options.window),
            Annotation.item_id.in_(predicted),
        )
    )
    for item_id, annotator_id, value in rows:
        key = consensus_key(project.task_type, value)
        if key is not None:
            votes[item_id][key] += 1
            who[item_id].add(annotator_id)
    majority: dict[int, Any] = {}
    for item_id, counter in votes.items():
        top = counter.most_common(2)
        if len(top) == 1 or top[0][1] > top[1][1]:
            majority[item_id] = top[0][0]
    return majority, {i: sum(c.values()) for i, c in votes.items()}, who


def _text(key: Any) -> str:
    """A voted key as a label (a multi-label set as ``a+b``)."""
    if isinstance(key, str) and key.startswith("["):
        return "+".join(str(v) for v in json.loads(key)) or "∅"
    return str(key)


def add_prediction_figures(session: Session, report: ProjectReport[Any]) -> None:
    """Append the ``model`` scope's figures of every model version of the project and put
    their summaries in ``report.extras["models"]`` (nothing when there is no model)."""
    project = report.project
    models = session.scalars(
        sa.select(ModelVersion)
        .where(ModelVersion.project_id == project.id)
        .order_by(ModelVersion.id)
    ).all()
    if not models:
        return
    task = project.task_type
    majority, n_votes, who = (
        _consensus(session, report) if task not in NO_CONSENSUS else ({}, {}, {})
    )
    summaries = []
    for model in models:
        rows = list(
            session.execute(
                sa.select(Prediction.item_id, Prediction.value, Item.gold_answer)
                .join(Item, Item.id == Prediction.item_id)
                .join(Batch, Batch.id == Item.batch_id)
                .where(
                    Prediction.model_version_id == model.id,
                    Item.quarantined.is_(False),
                    Batch.status != BatchStatus.void,
                )
            )
        )
        summary = ModelSummary(model.label, len(rows))
        _model_figures(report, summary, task, rows, majority, n_votes, who)
        summaries.append(summary)
    report.extras["models"] = summaries
    report.extras["with_suggestions"] = session.scalar(
        joined(sa.func.count(Annotation.id)).where(
            *counted_values(project.id, report.options.window),
            Annotation.with_suggestions.is_(True),
        )
    )


def _model_figures(
    report: ProjectReport[Any],
    summary: ModelSummary,
    task: Any,
    rows: list[Any],
    majority: dict[int, Any],
    n_votes: dict[int, int],
    who: dict[int, set[int]],
) -> None:
    conf = report.options.confidence
    pct = round(conf * 100)
    sid = summary.label

    def add(metric: str, value: Any, ci: Any, n: tuple[int, int, int], method: str) -> None:
        low, high = ci if ci and value is not None else (None, None)
        figure = Figure(SCOPE, sid, metric, value, low, high, *n, "", "", method)
        report.figures.append(figure)
        summary.figures[metric] = figure

    if task in NO_CONSENSUS:
        reason = "undefined: a model is compared with people on label and rating tasks only"
        for metric in METRICS:
            add(metric, None, None, (0, len(rows), 0), reason)
        return
    pairs = [
        (majority[item_id], consensus_key(task, value), item_id)
        for item_id, value, _ in rows
        if item_id in majority
    ]
    hits = sum(a == b for a, b, _ in pairs)
    annotators = len(set().union(*(who[i] for _, _, i in pairs))) if pairs else 0
    n = (len(pairs), len(pairs), annotators)
    p = proportion(hits, len(pairs), confidence=conf)
    what = "share of items whose prediction equals the majority of their human annotations"
    add(
        "consensus_agreement",
        p.value,
        (p.ci_low, p.ci_high),
        n,
        f"{what}; {pct}% Wilson score interval"
        if p.value is not None
        else "undefined: no predicted item has a human majority label",
    )
    kappa = cohen_kappa_labels([a for a, _, _ in pairs], [b for _, b, _ in pairs])
    add(
        "consensus_kappa",
        kappa.value,
        None,
        n,
        "Cohen's kappa between the model and the human majority label; no interval"
        if kappa.value is not None
        else f"undefined: {kappa.reason or 'no predicted item has a human majority label'}",
    )
    gold = [(consensus_key(task, g) == consensus_key(task, v)) for _, v, g in rows if g is not None]
    what = "share of predictions on gold items that equal the gold answer"
    for metric, method in (
        ("gold_accuracy", "wilson"),
        ("gold_accuracy_clopper_pearson", "clopper-pearson"),
    ):
        g = proportion(sum(gold), len(gold), confidence=conf, method=method)
        name = "Wilson score" if method == "wilson" else "exact Clopper–Pearson"
        add(
            metric,
            g.value,
            (g.ci_low, g.ci_high),
            (len(gold), len(gold), 0),
            f"{what}; {pct}% {name} interval"
            if g.value is not None
            else "undefined: the model predicted no gold item",
        )
    counts = Counter((_text(a), _text(b)) for a, b, _ in pairs)
    labels = sorted({x for pair in counts for x in pair})
    for (human, model), count in sorted(counts.items()):
        add(
            f"{CONFUSION}{human}:{model}",
            float(count),
            None,
            (count, count, annotators),
            "items with this human majority label (first) and this prediction (second); "
            "a count, no interval",
        )
    summary.confusion = (labels, dict(counts))
