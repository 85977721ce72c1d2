"""Annotator competence in the report: MACE and Dawid–Skene, fitted on the whole project.

For single-label and pairwise projects with at least two annotators and two answers, every
annotator gets (scope ``annotator``):

* ``mace_competence`` — MACE's θ (Hovy et al. 2013): the probability that the annotator
  labels from knowledge rather than spamming;
* ``ds_accuracy`` — Dawid–Skene's estimate of the annotator's accuracy, Σₖ πₖ · P(says k | k);
* ``ds_confusion:<true>:<given>`` — one row per cell of the annotator's DS confusion matrix,
  P(the annotator answers ``given`` | the true answer is ``true``).

Both models are fitted on the report's rating patterns (units with their number of items: the
same estimates as on the items, :mod:`annotate.metrics.mace`). They are latent-class
estimates, not proportions of observed events: no interval is given, and ``method`` says so.
With value-multiset cells (sparse overlap) :mod:`.sparse_mace` gives the MACE figures.
:data:`COMPETENCE_METRICS` names the ones the annotator page shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from annotate.metrics import Ratings, dawid_skene, mace
from annotate.metrics.patterns import Patterns
from annotate.models import TaskType
from annotate.services.quality.figures import Figure, ProjectReport

COMPETENCE_TASKS = {TaskType.single_label, TaskType.pairwise}
MACE = "mace_competence"
DS_ACCURACY = "ds_accuracy"
CONFUSION = "ds_confusion"
COMPETENCE_METRICS = (MACE, DS_ACCURACY)
MACE_RESTARTS = 10
#: Restarts × rating rows MACE may run in a report: fewer restarts on very large projects
#: (the report's time budget; 1,000,000 annotations in vectors cost ~0.05 s with 10).
MACE_WORK = 1_000_000
NO_CI = "no interval: a latent-class estimate (the bootstrap is not run for it)"


def confusion_metric(true: Any, given: Any) -> str:
    """The metric name of one DS confusion cell."""
    return f"{CONFUSION}:{true}:{given}"


def mace_restarts(ratings: Ratings | Patterns) -> int:
    """:data:`MACE_RESTARTS`, fewer when the rows × restarts would exceed :data:`MACE_WORK`."""
    return max(1, min(MACE_RESTARTS, MACE_WORK // max(int(ratings.item_idx.size), 1)))


def is_competence(metric: str) -> bool:
    """Whether ``metric`` is one of this module's figures."""
    return metric in COMPETENCE_METRICS or metric.startswith(f"{CONFUSION}:")


def applies(report: ProjectReport[Any], ratings: Ratings | Patterns) -> bool:
    """Whether the project gets competence figures."""
    return (
        report.project.task_type in COMPETENCE_TASKS
        and not report.not_applicable
        and ratings.n_annotators >= 2
        and ratings.n_categories >= 2
        and ratings.n_annotations > 0
    )


def add_competence(report: ProjectReport[Any], ratings: Ratings | Patterns, version: str) -> None:
    """Append every annotator's MACE and DS figures for the whole project's ``ratings``."""
    if not applies(report, ratings):
        return
    seed = report.options.seed
    restarts = mace_restarts(ratings)
    m = mace(ratings, restarts=restarts, seed=seed)
    ds = dawid_skene(ratings)
    cats = [str(c) for c in ratings.categories]
    mace_how = (
        f"MACE (Hovy et al. 2013), EM, best of {restarts} restarts seeded {seed}: "
        f"P(labels from knowledge, not spamming); {NO_CI}"
    )
    ds_how = (
        "Dawid-Skene EM from the majority vote: sum over true answers of prevalence x "
        f"P(answers it correctly); {NO_CI}"
    )
    cell_how = f"Dawid-Skene EM: P(answers <given> | true answer <true>); {NO_CI}"
    for j, name in enumerate(m.annotators):
        n = int(m.n_annotations[j])
        figs = [
            (MACE, float(m.competence[j]), mace_how),
            (DS_ACCURACY, float(ds.priors @ np.diag(ds.confusion[j])), ds_how),
        ]
        figs += [
            (confusion_metric(t, g), float(ds.confusion[j, a, b]), cell_how)
            for a, t in enumerate(cats)
            for b, g in enumerate(cats)
        ]
        for metric, value, how in figs:
            report.figures.append(
                Figure(
                    "annotator",
                    str(name),
                    metric,
                    value,
                    None,
                    None,
                    n,
                    n,
                    1,
                    version,
                    "nominal",
                    how,
                )
            )


def confusion_table(
    report: ProjectReport[Any], username: str
) -> tuple[list[str], list[list[float | None]]] | None:
    """The annotator's DS confusion matrix from the report: ``(answers, rows)`` with
    ``rows[true][given]``; ``None`` when the report has none."""
    prefix = f"{CONFUSION}:"
    cells: dict[tuple[str, str], float | None] = {}
    for f in report.figures:
        if f.scope == "annotator" and f.scope_id == username and f.metric.startswith(prefix):
            true, given = f.metric[len(prefix) :].split(":", 1)
            cells[(true, given)] = f.value
    if not cells:
        return None
    answers: Sequence[str] = list(dict.fromkeys(t for t, _ in cells))
    return list(answers), [[cells.get((t, g)) for g in answers] for t in answers]
