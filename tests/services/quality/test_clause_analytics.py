"""Issue 17 item 6: per clause, its share of the project's disagreement (the ranking), the
disagreement rate where cited and the error rate where a reviewer cited it — each a Wilson
interval over its own denominator — computed independently here from the loaded rows."""

from __future__ import annotations

import pytest

from annotate.metrics import wilson_interval
from annotate.services.quality.report import ReportOptions, compute_report
from tests.services.quality.oracle_data import load_project_data
from tests.services.quality.report_paths import LABELS, build


def test_clause_shares_of_disagreement_and_errors(db, make_project, make_user):
    project, users = build(db, make_project, make_user, "cl", "single_label", LABELS[:3])
    report = compute_report(db.session, project, ReportOptions(0))
    data = load_project_data(db.session, project)
    values: dict[int, set[int]] = {}
    for item, value in zip(data.item.tolist(), data.value.tolist(), strict=True):
        values.setdefault(item, set()).add(value)
    disagreed = [len(values[i]) > 1 for i in data.item.tolist()]
    n_disagreement = sum(disagreed)
    n_reviews = int(data.review_ok.size)
    assert n_disagreement and n_reviews
    clauses = report.extras["clauses"]
    assert clauses and [c.disagreement_citations for c in clauses] == sorted(
        (c.disagreement_citations for c in clauses), reverse=True
    )
    for c in clauses:
        cited = {row for row, key in data.citations if key == c.key}
        in_disagreement = sum(1 for row in cited if disagreed[row])
        share = report.get("clause", c.key, "disagreement_share")
        assert share.value == pytest.approx(in_disagreement / n_disagreement)
        assert (share.ci_low, share.ci_high) == pytest.approx(
            wilson_interval(in_disagreement, n_disagreement)
        )
        wrong = sum(
            1
            for ok, key in zip(data.review_ok.tolist(), data.review_clause, strict=True)
            if key == c.key and not ok
        )
        err = report.get("clause", c.key, "cited_error_rate")
        assert err.value == pytest.approx(wrong / n_reviews) and err.n_annotations == n_reviews
        assert (err.ci_low, err.ci_high) == pytest.approx(wilson_interval(wrong, n_reviews))
        count = report.get("clause", c.key, "correction_citations")
        assert count.value == wrong and "no interval: a count" in count.method
    assert any(report.get("clause", c.key, "cited_error_rate").value for c in clauses)
