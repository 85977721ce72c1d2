"""The dashboard's charts for a computed report (used by the web page and the dossier)."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from annotate.charts import svg
from annotate.services.projects.schema import display_name
from annotate.services.quality.report import AGREEMENT_METRICS, ProjectReport

METRIC_NAMES = {
    "krippendorff_alpha": _l("Krippendorff's α"),
    "fleiss_kappa": _l("Fleiss' κ"),
    "cohen_kappa": _l("Cohen's κ (mean pair)"),
    "gwet_ac1": _l("Gwet's AC1"),
    "percent_agreement": _l("Percent agreement"),
    "gold_accuracy": _l("Gold accuracy"),
    "review_accuracy": _l("Review accuracy"),
    "items_per_hour": _l("Items per hour"),
}


def _rows(report: ProjectReport, scope: str, metric: str) -> list[tuple]:
    names: dict[str, str] = {}
    if scope == "label":  # labels by their names in the reader's language
        locale = str(get_locale() or "en")
        names = {str(lab["key"]): display_name(lab, locale) for lab in report.project.labels}
    rows = []
    for sid in report.scope_ids(scope):
        f = report.get(scope, sid, metric)
        if f is not None:
            rows.append((names.get(sid, sid), f.value, f.ci_low, f.ci_high))
    return rows


def dashboard_charts(report: ProjectReport) -> dict[str, Markup | None]:
    """Every chart of the dashboard, ``None`` where there is nothing to draw."""
    slug = report.project.slug
    project = report.project
    charts: dict[str, Markup | None] = {}
    head = [
        (str(METRIC_NAMES[m]), f.value, f.ci_low, f.ci_high)
        for m in AGREEMENT_METRICS
        if (f := report.get("project", slug, m)) is not None
    ]
    charts["agreement"] = (
        svg.interval_chart(
            head,
            undefined_label=_("undefined"),
            title=_("Agreement, whole project, with 95 percent intervals"),
            axis_label=_("Coefficient (1 = perfect agreement, 0 = chance)"),
            threshold=project.min_alpha,
            threshold_label=_("min α"),
        )
        if head
        else None
    )
    for scope, title in (
        ("batch", _("Krippendorff's α per batch")),
        ("rulebook_version", _("Krippendorff's α per rulebook version")),
        ("label", _("Krippendorff's α per label (present vs absent)")),
    ):
        rows = _rows(report, scope, "krippendorff_alpha")
        charts[scope] = (
            svg.interval_chart(
                rows,
                undefined_label=_("undefined"),
                title=title,
                axis_label=_("Krippendorff's α"),
                threshold=project.min_alpha,
                threshold_label=_("min α"),
            )
            if rows
            else None
        )
    gold = _rows(report, "annotator", "gold_accuracy")
    charts["gold"] = (
        svg.interval_chart(
            gold,
            undefined_label=_("undefined"),
            title=_("Gold accuracy per annotator, 95% Wilson intervals"),
            axis_label=_("Share of gold items answered correctly"),
            threshold=project.min_gold_accuracy,
            threshold_label=_("threshold"),
        )
        if any(r[1] is not None for r in gold)
        else None
    )
    review = _rows(report, "annotator", "review_accuracy")
    charts["review"] = (
        svg.interval_chart(
            review,
            undefined_label=_("undefined"),
            title=_("Review accuracy per annotator, 95% Wilson intervals"),
            axis_label=_("Share of reviewed annotations judged correct"),
            threshold=project.min_review_accuracy,
            threshold_label=_("threshold"),
        )
        if any(r[1] is not None for r in review)
        else None
    )
    trends = report.extras.get("trends") or []
    charts["trends"] = (
        svg.line_chart(
            [t.week for t in trends],
            [
                (_("Krippendorff's α"), [t.alpha for t in trends]),
                (_("Gold accuracy"), [t.gold_accuracy for t in trends]),
            ],
            title=_("Quality per week"),
            x_label=_("ISO week of first annotation"),
            y_label=_("Value"),
        )
        if trends
        else None
    )
    pw = report.pairwise
    charts["heatmap"] = (
        svg.matrix_chart(
            list(pw.annotators),
            list(pw.annotators),
            pw.values,
            title=_("Cohen's κ for each annotator pair"),
            row_title=_("Annotator"),
            col_title=_("Cohen's κ with annotator"),
            mark_diagonal=False,
        )
        if pw is not None and pw.n_annotators >= 2
        else None
    )
    conf = report.extras.get("confusion")
    charts["confusion"] = (
        svg.matrix_chart(
            conf[0],
            conf[0],
            [[int(v) for v in row] for row in conf[1]],
            title=_("Confusion matrix against gold"),
            row_title=_("Gold answer ↓"),
            col_title=_("Annotators' answer →"),
            shade_by_row=True,
            mark_diagonal=True,
        )
        if conf is not None
        else None
    )
    return charts
