"""One annotator's quality in one project: figures, weekly trend, training, feedback.

Shown to managers (``/reports/<project>/annotators/<id>``) and to the annotator themself
(``/annotate/quality``); both pages render the same :class:`AnnotatorQuality`.

The annotator's own page must not tell them which items are gold while they are still
labelling: :func:`own_view` keeps gold figures only for closed weeks (Monday to Sunday, UTC,
ended before the current one) holding at least :data:`MIN_GOLD_SHOWN` gold answers. Live gold
breaches and this week's gold alerts are left out too; nothing else on the page depends on
whether an item is gold.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from annotate.database import Session
from annotate.metrics import proportion
from annotate.models import Feedback, Membership, ProjectRole, SupervisionEvent, User
from annotate.services.quality.competence import COMPETENCE_METRICS, confusion_table
from annotate.services.quality.figure_builder import week_label
from annotate.services.quality.figures import Figure, ProjectReport
from annotate.services.quality.supervision import find_breaches, history
from annotate.services.quality.weeks import annotator_weeks
from annotate.services.training.gate import GateStatus, gate_status

#: the task-type figures an annotator's page shows (:mod:`.task_figures`, :mod:`.span_detail`)
TASK_METRICS = (
    "span_f1_exact",
    "span_f1_overlap",
    "gold_set_overlap",
    "gold_mean_abs_deviation",
    "gold_span_f1_exact",
    "gold_span_f1_overlap",
    "position_bias_a",
)
METRICS = ("gold_accuracy", "review_accuracy", "cohen_kappa", "percent_agreement", "items_per_hour")
#: The fewest gold answers a closed week (or the closed weeks together) needs before the
#: annotator's own page shows their gold accuracy.
MIN_GOLD_SHOWN = 20
GOLD = "gold_accuracy"


@dataclass(frozen=True)
class WeekRow:
    """The annotator's week: annotations, gold accuracy and agreement with peers."""

    week: str
    n_annotations: int
    gold_accuracy: float | None
    n_gold: int
    peer_agreement: float | None
    n_peer: int
    n_gold_hits: int = 0
    #: False on the annotator's own page while the week is open or holds too few gold answers
    gold_shown: bool = True


@dataclass
class AnnotatorQuality:
    """Everything the annotator page shows."""

    user: User
    figures: dict[str, Figure | None]
    weeks: list[WeekRow]
    gate: GateStatus
    feedback: list[Feedback]
    events: list[SupervisionEvent]
    breaches: list[Any]
    suspended: bool
    suspended_reason: str | None
    n_annotations: int
    #: Set on the annotator's own page: the gold rule applies (see :func:`own_view`).
    min_gold_shown: int | None = None
    #: MACE competence and DS accuracy (managers only; empty on the annotator's own page)
    competence: dict[str, Figure | None] | None = None
    #: The annotator's Dawid–Skene confusion matrix: (answers, rows[true][given])
    confusion: tuple[list[str], list[list[float | None]]] | None = None
    #: Task-type figures (span F1, closeness to gold, position bias), the defined ones
    task: dict[str, Figure] | None = None


def annotator_quality(session: Session, report: ProjectReport[Any], user: User) -> AnnotatorQuality:
    """Assemble ``user``'s page from an already computed project report, or a stored one
    (:class:`~.snapshots.StoredData`: its users and categories are all this reads)."""
    figures = {m: report.get("annotator", user.username, m) for m in METRICS}
    weeks = [
        WeekRow(
            week_label(week),
            n,
            proportion(hits, gold_n).value,
            gold_n,
            agree / total if total else None,
            total,
            hits,
        )
        for week, n, gold_n, hits, total, agree in annotator_weeks(session, report.data, user.id)
    ]
    n_annotations = sum(w.n_annotations for w in weeks)
    membership = session.scalar(
        sa.select(Membership).where(
            Membership.project_id == report.project.id,
            Membership.user_id == user.id,
            Membership.role == ProjectRole.annotator,
        )
    )
    feedback = list(
        session.scalars(
            sa.select(Feedback)
            .where(Feedback.annotator_id == user.id, Feedback.project_id == report.project.id)
            .order_by(Feedback.id.desc())
            .limit(100)
        )
    )
    return AnnotatorQuality(
        user=user,
        figures=figures,
        weeks=weeks,
        gate=gate_status(session, user, report.project),
        feedback=feedback,
        events=history(session, report.project, user),
        breaches=[b for b in find_breaches(report) if b.user_id == user.id],
        suspended=bool(membership and membership.suspended_at),
        suspended_reason=membership.suspended_reason if membership else None,
        n_annotations=n_annotations,
        competence={m: report.get("annotator", user.username, m) for m in COMPETENCE_METRICS},
        confusion=confusion_table(report, user.username),
        task={
            m: f
            for m in TASK_METRICS
            if (f := report.get("annotator", user.username, m)) is not None
        },
    )


def own_view(quality: AnnotatorQuality, now: datetime) -> AnnotatorQuality:
    """``quality`` as the annotator may see it at ``now`` (aware): gold accuracy only over
    closed weeks with at least :data:`MIN_GOLD_SHOWN` gold answers each, the headline over
    those weeks together; no live gold breach, no gold alert raised this week."""
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    current = day - timedelta(days=day.weekday())  # this week's Monday, 00:00 UTC
    label = current.strftime("%G-W%V")
    weeks = [
        w
        if w.week < label and w.n_gold >= MIN_GOLD_SHOWN
        else replace(w, gold_accuracy=None, n_gold=0, n_gold_hits=0, gold_shown=False)
        for w in quality.weeks
    ]
    hits = sum(w.n_gold_hits for w in weeks if w.gold_shown)
    n = sum(w.n_gold for w in weeks if w.gold_shown)
    figures = dict(quality.figures)
    figures[GOLD] = _closed_gold(quality.figures.get(GOLD), quality.user, hits, n)
    # A prohibited-content flag's alert is for the managers (its page is theirs).
    events = [
        e
        for e in quality.events
        if (e.metric != GOLD or e.created_at < current) and e.metric != "prohibited_flag"
    ]
    return replace(
        quality,
        weeks=weeks,
        figures=figures,
        events=events,
        breaches=[b for b in quality.breaches if b.metric != GOLD],
        min_gold_shown=MIN_GOLD_SHOWN,
        competence=None,
        confusion=None,
        # gold-based figures would show live which items are gold (see the gold rule above)
        task={m: f for m, f in (quality.task or {}).items() if not m.startswith("gold")},
    )


def _closed_gold(live: Figure | None, user: User, hits: int, n: int) -> Figure | None:
    if n < MIN_GOLD_SHOWN:
        return None
    p = proportion(hits, n)
    return Figure(
        "annotator",
        user.username,
        GOLD,
        p.value,
        p.ci_low,
        p.ci_high,
        n,
        n,
        1,
        live.rulebook_version if live else "",
        live.level if live else "",
        "closed weeks",
    )
