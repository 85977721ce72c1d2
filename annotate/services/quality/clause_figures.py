"""Clause analytics: what a rulebook author reads before writing the next version.

Per clause (scope ``clause``), from the citations annotators tick and the clause a reviewer
names when judging an annotation wrong:

* ``disagreement_share`` — of the project's annotations on items where annotators disagree,
  the share citing the clause: how much of the disagreement it is involved in (the ranking);
* ``disagreement_rate`` — of its citations on items annotated at least twice, the share on
  items where annotators disagree;
* ``cited_error_rate`` — of the project's reviewed annotations, the share judged wrong with
  this clause named by the reviewer (every clause applies to every item: the rulebook does not
  scope clauses to labels, so the denominator is every review);
* ``disagreement_citations`` / ``correction_citations`` — the counts behind them.

Proportions get the Wilson score interval; counts say in ``method`` why they have none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from annotate.metrics import proportion
from annotate.services.quality.figures import ClauseRow

if TYPE_CHECKING:
    from annotate.services.quality.figure_builder import FigureBuilder

COUNT = "no interval: a count of observed events, not an estimate"


def rank_clauses(
    stats: dict[str, list[int]], n_disagreement: int = 0, n_reviews: int = 0
) -> list[ClauseRow]:
    """Rows from ``key → [citations, on shared items, in disagreements, in corrections]``,
    ranked by their share of the project's disagreement, then by reviewer corrections."""
    rows = [
        ClauseRow(
            key, s[0], s[2], s[2] / s[1] if s[1] else None, s[3], s[1], n_disagreement, n_reviews
        )
        for key, s in stats.items()
    ]
    rows.sort(key=lambda r: (-r.disagreement_citations, -r.correction_citations, r.key))
    return rows


def add_clause_figures(builder: FigureBuilder[Any], rows: list[ClauseRow], version: str) -> None:
    """Append the clause figures of the module docstring."""
    pct = round(builder.options.confidence * 100)

    def share(key: str, metric: str, hits: int, n: int, what: str, missing: str) -> None:
        p = proportion(hits, n, confidence=builder.options.confidence)
        builder.add(
            "clause",
            key,
            metric,
            p.value,
            (p.ci_low, p.ci_high) if p.value is not None else None,
            (0, n, 0),
            version,
            "",
            f"{what}; {pct}% Wilson score interval" if p.value is not None else missing,
        )

    for row in rows:
        share(
            row.key,
            "disagreement_share",
            row.disagreement_citations,
            row.n_disagreement,
            "share of the project's annotations on items where annotators disagree that cite "
            "the clause",
            "undefined: annotators disagree on no item",
        )
        builder.add(
            "clause",
            row.key,
            "disagreement_citations",
            float(row.disagreement_citations),
            None,
            (0, row.citations, 0),
            version,
            "",
            f"annotations citing the clause on items where annotators disagree; {COUNT}",
        )
        share(
            row.key,
            "disagreement_rate",
            row.disagreement_citations,
            row.on_overlap,
            "share of citations on shared items where annotators disagree",
            "undefined: never cited on an item annotated twice",
        )
        share(
            row.key,
            "cited_error_rate",
            row.correction_citations,
            row.n_reviews,
            "share of the project's reviewed annotations judged wrong with the reviewer citing "
            "the clause (clauses are not scoped: every review counts)",
            "undefined: no reviews yet",
        )
        builder.add(
            "clause",
            row.key,
            "correction_citations",
            float(row.correction_citations),
            None,
            (0, row.correction_citations, 0),
            version,
            "",
            f"reviews judging an annotation wrong that cite the clause; {COUNT}",
        )
