"""Quality per question of a ``form`` project: the one-question report run on each answer.

An annotation of a form project holds one answer per question (``value = {key: answer}``).
Each question is measured as if it were a one-question project: its aggregates are loaded
over ``value -> key`` and the gold answers over ``gold_answer -> key``
(:class:`~annotate.services.quality.queries.Answer`: an annotation without that answer, or a
gold item that does not fix that question, counts as none), and
:func:`~annotate.services.quality.aggregate.add_figures` runs on the project seen through the
question (:func:`~annotate.services.projects.questions.question_view`) — so every question
gets the agreement figures right for its type (weighted κ and AC2 for a rating, MASI α for a
label set, span F1 for spans, position bias for a preference, text similarity for free text),
gold accuracy, per-label, per-annotator and clause figures, exactly as a one-question project
of its type would. Added here: the question's consensus (majority vote, as the dataset export
takes it): ``consensus_rate``, the share of items with two or more answers whose most
frequent answer is unique (Wilson interval), and ``consensus_support``, the mean share of an
item's answers that equal its consensus (bootstrap over items).

The rows join the form project's report (the metrics-CSV contract, README):

* scope ``question``, ``scope_id`` the question's key — the question's figures for the whole
  project (what a one-question project has at scope ``project``);
* scope ``question_<scope>``, ``scope_id`` ``<key>/<id>`` — the question's figures per batch,
  rulebook version, label, annotator, annotator pair or clause (``<id>`` as the one-question
  report writes it; a key never holds ``/``, so the first ``/`` splits).

What does not depend on the answers — items per hour, review accuracy, attention checks,
gold provenance — stays form-wide in the ordinary scopes; the form-wide agreement figures are
undefined, with the reason (:data:`PER_QUESTION`).
"""

from __future__ import annotations

import numpy as np

from annotate.database import Session
from annotate.metrics import WeightBank, proportion
from annotate.metrics.consensus import unit_majorities
from annotate.models import Project, TaskType
from annotate.services.data.dataset_rows import NO_CONSENSUS
from annotate.services.projects.questions import Question, is_form, question_view, questions_of
from annotate.services.quality.aggregate import add_figures
from annotate.services.quality.figures import (
    AGREEMENT_METRICS,
    Figure,
    ProjectReport,
    agreement_applies,
    effective_level,
)
from annotate.services.quality.queries import FORM_WIDE, Answer, Window
from annotate.services.quality.question_cells import Raw, read_cells
from annotate.services.quality.sql import AggregateData, load_aggregates

QUESTION = "question"
#: Figures that do not depend on the answers: form-wide only, never per question.
ANSWER_FREE = ("items_per_hour", "review_accuracy")
#: What a question's data takes from the form-wide data: durations, reviews, citations.
SHARED = (
    *(f"timed_{c}" for c in ("ann", "n", "ms", "s2")),
    *(f"review_{c}" for c in ("annotator", "ok", "batch", "version", "count", "clause")),
    "cited",
)
CONSENSUS_RATE, CONSENSUS_SUPPORT = "consensus_rate", "consensus_support"
RATE_WHAT = (
    "share of items with two or more answers whose most frequent answer is unique "
    "(the majority vote gives a consensus)"
)
SUPPORT_WHAT = "mean share of an item's answers that equal its consensus (majority vote)"


def answer_for(project: Project) -> Answer:
    """What the report of ``project`` counts of each value: the whole value, or for a form
    project only that there is one (its answers are measured per question)."""
    return FORM_WIDE if is_form(project) else Answer()


def question_scope(scope: str) -> str:
    """The scope of a question's figure that a one-question report puts at ``scope``."""
    return QUESTION if scope == "project" else f"{QUESTION}_{scope}"


def read_form_cells(session: Session, project: Project, window: Window | None) -> dict[Answer, Raw]:
    """A form project's vector cells, form-wide and per question, read in one pass
    (:mod:`.question_cells`); nothing for a one-question project."""
    if not is_form(project):
        return {}
    return read_cells(session, project, [q.key for q in questions_of(project)], window)


def add_question_figures(
    session: Session,
    report: ProjectReport[AggregateData],
    vectors: dict[Answer, Raw] | None = None,
) -> None:
    """Keep the form-wide figures of a form project's ``report`` that do not compare answers
    and add every question's figures (see the module), from the cells in ``vectors`` where
    read already. One-question projects: unchanged."""
    project = report.project
    if not is_form(project):
        return
    report.figures[:] = [f for f in report.figures if _form_wide(f)]
    report.extras["clauses"] = []  # clause analytics compare answers: per question
    for question in questions_of(project):
        cells = (vectors or {}).get(Answer(question.key))
        for figure in question_report(session, report, question, cells).figures:
            if figure.metric in ANSWER_FREE:
                continue
            scope_id = question.key if figure.scope == "project" else f"{question.key}/"
            if figure.scope != "project":
                scope_id += figure.scope_id
            report.figures.append(_moved(figure, question_scope(figure.scope), scope_id))


def question_report(
    session: Session,
    report: ProjectReport[AggregateData],
    question: Question,
    vectors: Raw | None = None,
) -> ProjectReport[AggregateData]:
    """The one-question report of ``question`` (its figures at the one-question scopes;
    the per-annotator durations and reviews are the form-wide data's; ``vectors``: its cells
    when read already)."""
    view = question_view(report.project, question)
    data = load_aggregates(
        session,
        view,  # type: ignore[arg-type]
        report.options.window,
        Answer(question.key),
        shared={name: getattr(report.data, name) for name in SHARED},
        vectors=vectors,
    )
    sub = ProjectReport(
        view,  # type: ignore[arg-type]
        report.computed_at,
        report.options,
        data,
        effective_level(view, data.categories),  # type: ignore[arg-type]
    )
    sub.not_applicable = agreement_applies(view)  # type: ignore[arg-type]
    if data.n:
        add_figures(sub)
        _consensus(sub, question)
    return sub


def _form_wide(figure: Figure) -> bool:
    if figure.metric in ANSWER_FREE:
        return True
    return figure.metric in AGREEMENT_METRICS and figure.scope in (
        "project",
        "batch",
        "rulebook_version",
    )


def _moved(figure: Figure, scope: str, scope_id: str) -> Figure:
    return Figure(
        scope,
        scope_id,
        figure.metric,
        figure.value,
        figure.ci_low,
        figure.ci_high,
        figure.n_items,
        figure.n_annotations,
        figure.n_annotators,
        figure.rulebook_version,
        figure.level,
        figure.method,
    )


def _consensus(report: ProjectReport[AggregateData], question: Question) -> None:
    """Add the question's consensus figures (scope ``project`` of its own report)."""
    d = report.data
    slug = report.project.slug
    version = ";".join(
        sorted(d.versions[v] for v in np.unique(d.e_ver).tolist() if v in d.versions)
    )
    if question.type in NO_CONSENSUS:
        reason = (
            "undefined: no majority vote over free text"
            if question.type == TaskType.text
            else "undefined: no majority vote over span sets"
        )
        for metric in (CONSENSUS_RATE, CONSENSUS_SUPPORT):
            report.figures.append(
                Figure("project", slug, metric, None, None, None, 0, d.n, 0, version, "", reason)
            )
        return
    m, top, unique = unit_majorities(d.e_cell, d.e_val, d.n_cells)
    shared = m >= 2
    agreed = shared & unique
    w = d.cell_weight
    n_items = int(w[shared].sum())
    counts = (n_items, int((w * m)[shared].sum()), d.n_annotators)
    p = proportion(int(w[agreed].sum()), n_items, confidence=report.options.confidence)
    pct = round(report.options.confidence * 100)
    report.figures.append(
        Figure(
            "project",
            slug,
            CONSENSUS_RATE,
            p.value,
            p.ci_low if p.value is not None else None,
            p.ci_high if p.value is not None else None,
            *counts,
            version,
            "nominal",
            f"{RATE_WHAT}; {pct}% Wilson score interval"
            if p.value is not None
            else "undefined: no item has two answers",
        )
    )
    share = np.where(agreed, top / np.maximum(m, 1), 0.0)
    n_agreed = int(w[agreed].sum())
    value = float((w * share).sum() / n_agreed) if n_agreed else None
    low = high = None
    opts = report.options
    if value is not None and opts.bootstrap >= 2:
        bank = WeightBank(w, opts.bootstrap, opts.seed)
        drawn = bank.weights * agreed  # resamples × cells: items drawn with a consensus
        totals = drawn.sum(axis=1)
        ok = totals > 0
        means = (drawn * share).sum(axis=1)[ok] / totals[ok]
        if means.size:
            q = [(1 - opts.confidence) / 2, (1 + opts.confidence) / 2]
            low, high = (float(x) for x in np.quantile(means, q))
    interval = (
        f"{pct}% percentile bootstrap over items ({opts.bootstrap} resamples, seed {opts.seed})"
        if low is not None
        else "no interval (bootstrap off or too few items)"
    )
    report.figures.append(
        Figure(
            "project",
            slug,
            CONSENSUS_SUPPORT,
            value,
            low,
            high,
            n_agreed,
            int((w * m)[agreed].sum()),
            d.n_annotators,
            version,
            "nominal",
            f"{SUPPORT_WHAT}; {interval}"
            if value is not None
            else "undefined: no item has a consensus",
        )
    )
