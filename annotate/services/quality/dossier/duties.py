"""The per-duty status table: each Art. 8 duty met, not met or without evidence in the period,
judged against the project's own settings (thresholds, qualification, legal module).

Every row carries the figure, its interval, n and the threshold it was held to, so the status
can be checked by hand. Call inside the dossier's locale: the strings are translated here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from annotate.database import Session
from annotate.models import (
    Annotation,
    Clause,
    Item,
    ModuleKind,
    Project,
    Qualification,
    RulebookVersion,
    TrainingAttempt,
    TrainingModule,
)
from annotate.services.quality.dossier.period import Period, number, percent, with_interval
from annotate.services.quality.dossier.supervision import AlertRow
from annotate.services.quality.dossier.tables import Table
from annotate.services.quality.figures import Figure, ProjectReport
from annotate.services.quality.supervision import find_breaches

MET, NOT_MET, NO_EVIDENCE = "met", "not_met", "no_evidence"


@dataclass(frozen=True)
class Duty:
    """One row of the status table; ``anchor`` is the id of its section."""

    number: int
    anchor: str
    title: str
    status: str
    figure: str
    interval: str
    n: str
    threshold: str
    note: str = ""


def _annotations_in(project: Project, period: Period) -> Any:
    stmt = (
        sa.select(Annotation)
        .join(Item, Item.id == Annotation.item_id)
        .where(Item.project_id == project.id, Annotation.submitted_at < period.end)
    )
    if period.start is not None:
        stmt = stmt.where(Annotation.submitted_at >= period.start)
    return stmt.subquery()


def _rules(session: Session, project: Project, period: Period, used: list[RulebookVersion]):
    done = _annotations_in(project, period)
    n = session.scalar(sa.select(sa.func.count()).select_from(done)) or 0
    outside = (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(done)
            .outerjoin(RulebookVersion, RulebookVersion.id == done.c.rulebook_version_id)
            .where(
                sa.or_(
                    RulebookVersion.id.is_(None),
                    RulebookVersion.published_at.is_(None),
                    RulebookVersion.published_at > done.c.submitted_at,
                )
            )
        )
        or 0
    )
    clauses = session.scalar(
        sa.select(sa.func.count(Clause.id)).where(Clause.version_id.in_([v.id for v in used]))
    )
    if not used:
        status = NO_EVIDENCE
    elif outside or not clauses:
        status = NOT_MET
    else:
        status = MET
    figure = _(
        "%(v)d version(s) in use, %(c)d clauses; %(bad)d annotation(s) made outside a "
        "published version",
        v=len(used),
        c=clauses or 0,
        bad=outside,
    )
    return Duty(
        1,
        "rules",
        _("Clear, specific and operable annotation rules"),
        status,
        figure,
        "—",
        _("%(n)d annotations", n=n),
        _("every annotation made under a version published before it"),
    )


def _checked(figures: list[tuple[Figure | None, float, str]]) -> tuple[str, list[str]]:
    parts, statuses = [], []
    for figure, threshold, label in figures:
        if figure is None or figure.value is None:
            continue
        statuses.append(MET if figure.value >= threshold else NOT_MET)
        parts.append(label)
    if not statuses:
        return NO_EVIDENCE, parts
    return (NOT_MET if NOT_MET in statuses else MET), parts


def _figure_cells(rows: list[tuple[Figure | None, float, str, bool]]) -> tuple[str, str, str, str]:
    figs, intervals, ns, thresholds = [], [], [], []
    for figure, threshold, label, as_pct in rows:
        if figure is None or figure.value is None:
            figs.append(f"{label}: —")
            intervals.append("—")
            ns.append("—")
        else:
            fmt = percent if as_pct else number
            figs.append(f"{label}: {fmt(figure.value)}")
            intervals.append(
                with_interval(figure.value, figure.ci_low, figure.ci_high, as_percent=as_pct)
            )
            ns.append(str(figure.n_annotations if as_pct else figure.n_items))
        thresholds.append(f"{label} ≥ {(percent if as_pct else number)(threshold)}")
    return "; ".join(figs), "; ".join(intervals), "; ".join(ns), "; ".join(thresholds)


def _quality(report: ProjectReport, project: Project) -> Duty:
    alpha = report.get("project", project.slug, "krippendorff_alpha")
    gold = report.get("project", project.slug, "gold_accuracy")
    rows = [
        (alpha, project.min_alpha, "α", False),
        (gold, project.min_gold_accuracy, _("gold accuracy"), True),
    ]
    status, _parts = _checked([(f, t, label) for f, t, label, _p in rows])
    figure, interval, n, threshold = _figure_cells(rows)
    return Duty(
        2,
        "quality",
        _("Quality assessment"),
        status,
        figure,
        interval,
        n,
        threshold,
        _("Figures over the counted annotations submitted in the period."),
    )


def _sampling(report: ProjectReport, project: Project, tables: dict[str, Table]) -> Duty:
    plans = len(tables["sample_plans"].rows)
    reviews = len(tables["reviews"].rows)
    decided = len(tables["batch_decisions"].rows)
    accuracy = report.get("project", project.slug, "review_accuracy")
    rows = [(accuracy, project.min_review_accuracy, _("review accuracy"), True)]
    figure, interval, n, threshold = _figure_cells(rows)
    if not plans or not reviews:
        status = NO_EVIDENCE
    else:
        status, _parts = _checked([(accuracy, project.min_review_accuracy, "")])
    note = _(
        "%(p)d sample plan(s), %(r)d verdict(s), %(d)d batch decision(s) in the period.",
        p=plans,
        r=reviews,
        d=decided,
    )
    return Duty(
        3, "sampling", _("Sampling verification"), status, figure, interval, n, threshold, note
    )


def _training(session: Session, project: Project, period: Period) -> Duty:
    done = _annotations_in(project, period)
    active = [row[0] for row in session.execute(sa.select(done.c.annotator_id).distinct()).all()]
    n = session.scalar(sa.select(sa.func.count()).select_from(done)) or 0
    qualified = sa.exists().where(
        Qualification.user_id == done.c.annotator_id,
        Qualification.project_id == project.id,
        Qualification.rulebook_version_id == done.c.rulebook_version_id,
        Qualification.granted_at <= done.c.submitted_at,
        Qualification.expires_at > done.c.submitted_at,
        sa.or_(Qualification.revoked_at.is_(None), Qualification.revoked_at > done.c.submitted_at),
    )
    unqualified = (
        session.scalar(sa.select(sa.func.count()).select_from(done).where(~qualified)) or 0
    )
    legal_modules = session.scalars(
        sa.select(TrainingModule.id).where(TrainingModule.kind == ModuleKind.legal)
    ).all()
    legal_done = 0
    if legal_modules and active:
        legal_done = (
            session.scalar(
                sa.select(sa.func.count(sa.distinct(TrainingAttempt.user_id))).where(
                    TrainingAttempt.module_id.in_(legal_modules),
                    TrainingAttempt.passed.is_(True),
                    TrainingAttempt.user_id.in_(active),
                    TrainingAttempt.submitted_at < period.end,
                )
            )
            or 0
        )
    if not active:
        status = NO_EVIDENCE
    elif unqualified or (legal_modules and legal_done < len(active)):
        status = NOT_MET
    else:
        status = MET
    legal = (
        _("legal module passed by %(k)d of %(n)d", k=legal_done, n=len(active))
        if legal_modules
        else _("no legal-awareness module installed")
    )
    figure = _(
        "%(bad)d of %(n)d annotation(s) by an annotator not qualified at the time; %(legal)s",
        bad=unqualified,
        n=n,
        legal=legal,
    )
    return Duty(
        4,
        "training",
        _("Training, including legal awareness"),
        status,
        figure,
        "—",
        _("%(a)d annotators, %(n)d annotations", a=len(active), n=n),
        _("every annotation by a qualified annotator; every annotator passed the legal module"),
    )


def _supervision(report: ProjectReport, project: Project, alerts: list[AlertRow]) -> Duty:
    breaches = find_breaches(report)
    judged = 0
    for name in report.scope_ids("annotator"):
        for metric in ("gold_accuracy", "review_accuracy", "cohen_kappa"):
            f = report.get("annotator", name, metric)
            if f is None or f.value is None:
                continue
            n = f.n_items if metric == "cohen_kappa" else f.n_annotations
            if n >= project.min_n_before_judging:
                judged += 1
                break
    actioned = {(a.annotator, a.metric) for a in alerts if a.action_taken}
    unhandled = [b for b in breaches if (b.username, b.metric) not in actioned]
    still_open = [a for a in alerts if not a.action_taken]
    if not judged and not alerts:
        status = NO_EVIDENCE
    elif unhandled or still_open:
        status = NOT_MET
    else:
        status = MET
    figure = _(
        "%(b)d breach(es) in the period's figures, %(u)d without action; "
        "%(a)d alert(s) in the period, %(o)d open",
        b=len(breaches),
        u=len(unhandled),
        a=len(alerts),
        o=len(still_open),
    )
    threshold = _(
        "gold ≥ %(g)s, review ≥ %(r)s, κ ≥ %(k)s after %(n)d observations; every breach acted on",
        g=percent(project.min_gold_accuracy),
        r=percent(project.min_review_accuracy),
        k=number(project.min_peer_agreement, 2),
        n=project.min_n_before_judging,
    )
    return Duty(
        5,
        "supervision",
        _("Supervision and guidance"),
        status,
        figure,
        "—",
        _("%(n)d annotator(s) judged", n=judged),
        threshold,
    )


def duty_table(
    session: Session,
    project: Project,
    period: Period,
    report: ProjectReport,
    tables: dict[str, Table],
    used: list[RulebookVersion],
    alerts: list[AlertRow],
) -> list[Duty]:
    """The five rows, in the order of Art. 8."""
    return [
        _rules(session, project, period, used),
        _quality(report, project),
        _sampling(report, project, tables),
        _training(session, project, period),
        _supervision(report, project, alerts),
    ]
