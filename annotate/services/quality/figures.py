"""What a project's quality report is: options, figures and the pieces the dashboard draws.

A report is a frozen list of :class:`Figure` rows — the rows of the quality-metrics CSV — per
scope (the project, a batch, a rulebook version, a label, an annotator, an annotator pair, a
clause), plus the weekly trend, the gold confusion matrix and the clause ranking. How they are
computed: :mod:`annotate.services.quality.report`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from annotate.metrics import PairwiseResult
from annotate.models import Project, TaskType

AGREEMENT_METRICS = (
    "krippendorff_alpha",
    "fleiss_kappa",
    "cohen_kappa",
    "gwet_ac1",
    "percent_agreement",
)
LABEL_TASKS = {TaskType.single_label, TaskType.multi_label, TaskType.pairwise}


@dataclass(frozen=True)
class ReportOptions:
    """How intervals are computed: bootstrap resamples (0 = none), seed and confidence; and
    ``window``, ``(since, until)`` in UTC: only annotations submitted in ``[since, until)``
    count (None: every annotation)."""

    bootstrap: int = 200
    seed: int = 0
    confidence: float = 0.95
    window: tuple[datetime | None, datetime | None] | None = None


@dataclass(frozen=True)
class Figure:
    """One figure: a row of the quality-metrics CSV. ``value`` ``None`` means undefined."""

    scope: str
    scope_id: str
    metric: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n_items: int
    n_annotations: int
    n_annotators: int
    rulebook_version: str
    level: str
    method: str


@dataclass(frozen=True)
class TrendPoint:
    """One week: agreement of the items first annotated that week, and gold accuracy."""

    week: str
    alpha: float | None
    n_items: int
    gold_accuracy: float | None
    gold_low: float | None
    gold_high: float | None
    n_gold: int
    n_annotations: int


@dataclass(frozen=True)
class ClauseRow:
    """How often one clause is cited in disagreements and in reviewer corrections, out of
    the project's annotations on disagreed items (``n_disagreement``) and its reviews
    (``n_reviews``)."""

    key: str
    citations: int
    disagreement_citations: int
    disagreement_rate: float | None
    correction_citations: int
    on_overlap: int = 0  # citations on items annotated at least twice
    n_disagreement: int = 0
    n_reviews: int = 0

    @property
    def disagreement_share(self) -> float | None:
        """Share of the project's annotations on disagreed items that cite the clause."""
        return self.disagreement_citations / self.n_disagreement if self.n_disagreement else None

    @property
    def error_rate(self) -> float | None:
        """Share of the project's reviewed annotations judged wrong citing the clause."""
        return self.correction_citations / self.n_reviews if self.n_reviews else None


class ReportData(Protocol):
    """What the pages read of the data a report was computed from."""

    users: dict[int, str]

    @property
    def n(self) -> int:
        """Counted annotations."""

    @property
    def n_annotators(self) -> int:
        """Annotators with a counted annotation."""


DataT = TypeVar("DataT", bound=ReportData)


@dataclass
class ProjectReport(Generic[DataT]):
    """Everything the dashboard and the exports show for one project."""

    project: Project
    computed_at: datetime
    options: ReportOptions
    data: DataT
    level: str
    figures: list[Figure] = field(default_factory=list)
    pairwise: PairwiseResult | None = None
    not_applicable: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def get(self, scope: str, scope_id: str, metric: str) -> Figure | None:
        """The figure for ``(scope, scope_id, metric)``, if computed."""
        for f in self.figures:
            if f.scope == scope and f.scope_id == scope_id and f.metric == metric:
                return f
        return None

    def scope_ids(self, scope: str) -> list[str]:
        """The ids of ``scope`` in the order they were computed."""
        seen: dict[str, None] = {}
        for f in self.figures:
            if f.scope == scope:
                seen.setdefault(f.scope_id)
        return list(seen)


def effective_level(project: Project, categories: list[Any]) -> str:
    """The project's measurement level, or nominal when its values are not numbers."""
    level = project.measurement_level.value
    if level != "nominal" and not all(
        isinstance(c, int | float) and not isinstance(c, bool) for c in categories
    ):
        return "nominal"
    return level


def agreement_applies(project: Project) -> str | None:
    """``None`` if exact-match agreement makes sense for the task type, else the reason."""
    if project.task_type == TaskType.text:
        return "agreement is not computed for free-text tasks"
    if project.task_type == TaskType.form:
        return "a form project's agreement is computed per question (scope question)"
    if project.task_type == TaskType.span:
        return "span tasks are compared by span F1, not by exact-match agreement"
    return None
