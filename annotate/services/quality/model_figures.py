"""Figures fitted on the whole project's per-annotator ratings, after the scope figures:
span F1 (:mod:`.span_figures`), weighted κ and AC2 (:mod:`.rating_figures`), MASI α
(:mod:`.set_figures`) and annotator competence (:mod:`.competence`).

Both need to know which annotator gave which value on each item: the report computes them
when its cells are per-annotator vectors, not value multisets (sparse overlap; there MACE
alone comes from :mod:`.sparse_mace`)."""

from __future__ import annotations

from typing import Any

from annotate.metrics import Ratings
from annotate.metrics.patterns import Patterns
from annotate.services.quality.competence import add_competence, is_competence
from annotate.services.quality.figures import ProjectReport
from annotate.services.quality.rating_figures import add_rating_figures
from annotate.services.quality.set_figures import METRIC as MASI
from annotate.services.quality.set_figures import add_set_figures
from annotate.services.quality.span_figures import add_span_figures


def add_model_figures(
    report: ProjectReport[Any], ratings: Ratings | Patterns, version: str
) -> None:
    """Append span F1 (span projects), weighted κ / AC2 (rating projects) and MACE /
    Dawid–Skene figures (single-label and pairwise projects)."""
    add_span_figures(report, ratings, version)
    add_rating_figures(report, ratings, version)
    add_set_figures(report, ratings, version)
    add_competence(report, ratings, version)


def is_model_figure(metric: str) -> bool:
    """Whether ``metric`` comes from :func:`add_model_figures` (absent with multiset cells)."""
    return (
        is_competence(metric)
        or metric.startswith("span_f1_")
        or metric in ("cohen_kappa_linear", "cohen_kappa_quadratic", "gwet_ac2", MASI)
    )
