"""A project's quality report: agreement and accuracy per scope, with intervals.

The database groups the counted items by their rating vector (:mod:`~.sql`, with
:mod:`~.sparse` for many annotators with sparse overlap), so Python sees distinct patterns with
their multiplicities and small GROUP BY counts, never a row per annotation or per item;
:mod:`~.aggregate` turns them into figures with the formulas of :mod:`annotate.metrics` and the
seeded bootstrap of :mod:`annotate.metrics.bootstrap`. The result
(:class:`~.figures.ProjectReport`) is a list of :class:`~.figures.Figure` rows — the rows of the
quality-metrics CSV — plus the pieces the dashboard draws.
"""

from __future__ import annotations

from collections.abc import Callable

from annotate.database import Session, utcnow
from annotate.models import Project, TaskType
from annotate.services.quality.aggregate import add_figures
from annotate.services.quality.check_figures import add_check_figures
from annotate.services.quality.figures import (
    AGREEMENT_METRICS,
    Figure,
    ProjectReport,
    ReportOptions,
    agreement_applies,
    effective_level,
)
from annotate.services.quality.position import load_positions
from annotate.services.quality.prediction_figures import add_prediction_figures
from annotate.services.quality.question_figures import (
    add_question_figures,
    answer_for,
    read_form_cells,
)
from annotate.services.quality.sparse_mace import add_sparse_competence
from annotate.services.quality.sql import AggregateData, load_aggregates

__all__ = ["AGREEMENT_METRICS", "Figure", "ProjectReport", "ReportOptions", "compute_report"]

#: Steps :func:`compute_report` reports: reading, figures, checks, predictions.
REPORT_STEPS = 4


def compute_report(
    session: Session,
    project: Project,
    options: ReportOptions | None = None,
    progress: Callable[..., None] | None = None,
) -> ProjectReport[AggregateData]:
    """Compute every figure of ``project``'s quality report (read-only); with
    ``options.window``, over the annotations submitted within it only. ``progress(step,
    REPORT_STEPS)`` follows its steps (reading, figures, checks, predictions)."""
    report_step = progress or (lambda done, total=None: None)
    report_step(0, REPORT_STEPS)
    options = options or ReportOptions()
    answer = answer_for(project)
    vectors = read_form_cells(session, project, options.window)  # one-question: none
    data = load_aggregates(session, project, options.window, answer, vectors=vectors.get(answer))
    report_step(1, REPORT_STEPS)
    report = ProjectReport(
        project,
        utcnow(),
        options,
        data,
        effective_level(project, data.categories),
    )
    report.not_applicable = agreement_applies(project)
    if project.task_type == TaskType.pairwise:
        report.extras["position"] = load_positions(session, project, options.window)
    add_figures(report)
    add_sparse_competence(session, report, options.window)  # multiset cells only
    add_question_figures(session, report, vectors)  # a form project: every question's
    report_step(2, REPORT_STEPS)
    if options.window is None:  # gold provenance and attention: the whole project
        add_check_figures(session, report)
    report_step(3, REPORT_STEPS)
    add_prediction_figures(session, report)
    report_step(REPORT_STEPS, REPORT_STEPS)
    return report
