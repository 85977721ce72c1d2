"""Issue 17 item 2: every estimate in the metrics CSV has an interval, or a ``method`` that
says why it has none — walked over a project of each task type."""

from __future__ import annotations

import csv
import io

import pytest

from annotate.services.quality.metrics_csv import metrics_csv
from annotate.services.quality.report import ReportOptions, compute_report
from tests.services.quality.report_paths import LABELS, build

SPEC = {
    "single_label": (LABELS, {"labels": LABELS}),
    "multi_label": ([["a"], ["a", "b"], ["b"], []], {"labels": ["a", "b"]}),
    "rating": (
        [1, 2, 3, 4, 5],
        {"labels": None, "scale": "1-5", "measurement_level": "ordinal"},
    ),
    "pairwise": ([{"choice": "A"}, {"choice": "B"}, {"choice": "tie"}], {"labels": None}),
    "span": (
        [[{"start": 0, "end": 4, "label": "PER"}], [{"start": 0, "end": 3, "label": "PER"}], []],
        {"labels": ["PER"]},
    ),
    "text": (["yes", "Yes ", "no"], {"labels": None}),
}


def unexplained(text: str) -> list[tuple[str, str, str, str]]:
    """Rows with a value, no interval and no ``no interval`` reason in ``method``."""
    return [
        (row["scope"], row["scope_id"], row["metric"], row["method"])
        for row in csv.DictReader(io.StringIO(text))
        if row["value"] and not row["ci_low"] and "no interval" not in row["method"]
    ]


@pytest.mark.parametrize("task", sorted(SPEC))
@pytest.mark.parametrize("bootstrap", [40, 0])
def test_every_estimate_has_an_interval_or_a_reason(db, make_project, make_user, task, bootstrap):
    values, kw = SPEC[task]
    project, _ = build(db, make_project, make_user, f"iv-{task[:4]}", task, values, **kw)
    report = compute_report(db.session, project, ReportOptions(bootstrap, 5))
    text = metrics_csv(report)
    assert unexplained(text) == []
    rows = list(csv.DictReader(io.StringIO(text)))
    if bootstrap:  # the per-annotator mean kappa gets the bootstrap interval
        kappas = [r for r in rows if r["scope"] == "annotator" and r["metric"] == "cohen_kappa"]
        if task != "text" and task != "span":
            assert kappas and all(r["ci_low"] for r in kappas if r["value"])


def test_items_per_hour_interval_inverts_the_mean_durations_interval():
    import statistics

    from scipy import stats

    from annotate.services.quality.figure_builder import rate_interval

    durations = [12.0, 30.5, 8.25, 41.0, 19.0, 22.5]
    mean = statistics.fmean(durations)
    half = stats.norm.ppf(0.975) * statistics.stdev(durations) / len(durations) ** 0.5
    low, high = rate_interval(len(durations), sum(durations), sum(d * d for d in durations), 0.95)
    assert (low, high) == pytest.approx((3600 / (mean + half), 3600 / (mean - half)))
    assert low < 3600 / mean < high
    assert rate_interval(1, 5.0, 25.0, 0.95) is None  # one duration: no spread to measure
    assert rate_interval(3, 3.0, 1e6, 0.95) is None  # the mean's interval reaches 0
