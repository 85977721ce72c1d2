"""The quality-metrics CSV: a public contract (DESIGN.md), one figure per row.

Columns, in this order: ``project, scope, scope_id, metric, value, ci_low, ci_high, n_items,
n_annotations, n_annotators, rulebook_version, level, method, computed_at``. Undefined figures
have empty ``value``/``ci_*`` cells and a ``method`` starting ``undefined:`` with the reason.
Text cells that begin with ``= + - @`` (or a tab/carriage return) get a leading ``'`` so a
spreadsheet never runs them as formulas; numbers are written as numbers.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator

from annotate.database import Session
from annotate.models import User
from annotate.services.audit import record_event
from annotate.services.data.spreadsheet import safe_text
from annotate.services.quality.report import Figure, ProjectReport

HEADER = (
    "project",
    "scope",
    "scope_id",
    "metric",
    "value",
    "ci_low",
    "ci_high",
    "n_items",
    "n_annotations",
    "n_annotators",
    "rulebook_version",
    "level",
    "method",
    "computed_at",
)


def _number(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def figure_row(slug: str, figure: Figure, computed_at: str) -> list[str]:
    """One CSV row for ``figure``."""
    return [
        safe_text(slug),
        figure.scope,
        safe_text(figure.scope_id),
        figure.metric,
        _number(figure.value),
        _number(figure.ci_low),
        _number(figure.ci_high),
        str(figure.n_items),
        str(figure.n_annotations),
        str(figure.n_annotators),
        safe_text(figure.rulebook_version),
        figure.level,
        safe_text(figure.method),
        computed_at,
    ]


def iter_metrics_csv(report: ProjectReport) -> Iterator[str]:
    """Yield the CSV text line by line (header first), for streaming."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    stamp = report.computed_at.strftime("%Y-%m-%dT%H:%M:%SZ")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(HEADER)
    yield flush()
    for figure in report.figures:
        writer.writerow(figure_row(report.project.slug, figure, stamp))
        yield flush()


def metrics_csv(report: ProjectReport) -> str:
    """The whole CSV as one string."""
    return "".join(iter_metrics_csv(report))


def record_metrics_export(
    session: Session, report: ProjectReport, text: str, *, actor: User | None, via: str
) -> None:
    """Append the ``export.metrics_csv`` audit event (rows, sha256, options). Flushes."""
    record_event(
        session,
        "export.metrics_csv",
        "project",
        report.project.id,
        actor=actor,
        project_id=report.project.id,
        details={
            "rows": len(report.figures),
            "via": via,
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "bootstrap": report.options.bootstrap,
            "seed": report.options.seed,
        },
    )
