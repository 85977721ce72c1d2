"""Span F1 in the report of a span (NER) project: the figures equal
:func:`annotate.metrics.span_agreement` run on every counted annotation, with intervals."""

from __future__ import annotations

import csv
import io

import pytest

from annotate.metrics import span_agreement
from annotate.services.quality.metrics_csv import HEADER, metrics_csv
from annotate.services.quality.report import ReportOptions, compute_report
from annotate.services.quality.span_figures import _spans
from tests.services.quality.oracle_data import load_project_data
from tests.services.quality.report_paths import build, compare

PER = {"start": 0, "end": 4, "label": "PER"}
SPANS = [
    [PER],
    [{"start": 0, "end": 4, "label": "ORG"}],
    [{"start": 0, "end": 3, "label": "PER"}, {"start": 5, "end": 9, "label": "LOC"}],
    [PER, {"start": 5, "end": 9, "label": "LOC"}],
    [],
]


def test_span_project_reports_exact_and_overlap_f1(db, make_project, make_user):
    project, users = build(
        db, make_project, make_user, "ner", "span", SPANS, labels=["PER", "ORG", "LOC"]
    )
    compare(db, project, users)  # the aggregate report equals the in-memory one, intervals too
    report = compute_report(db.session, project, ReportOptions(50, 2))
    data = load_project_data(db.session, project)
    names = [data.users.get(a, str(a)) for a in data.annotator.tolist()]
    spans = [_spans(data.categories[v]) for v in data.value.tolist()]
    for mode in ("exact", "overlap"):
        pure = span_agreement(data.item_code.tolist(), names, spans, mode=mode)
        fig = report.get("project", "ner", f"span_f1_{mode}")
        assert pure.mean is not None and fig.value == pytest.approx(pure.mean, abs=1e-12)
        assert fig.ci_low <= fig.value <= fig.ci_high and "bootstrap" in fig.method
        assert (fig.n_items, fig.n_annotations) == (pure.n_items, pure.n_annotations)
        for a, b, value, common in pure.pairs():
            pair = report.get("annotator_pair", f"{a}|{b}", f"span_f1_{mode}")
            assert pair.n_items == common
            if value is None:
                assert pair.value is None and pair.method.startswith("undefined: ")
            else:
                assert pair.value == pytest.approx(value, abs=1e-12)
    exact = report.get("project", "ner", "span_f1_exact").value
    assert exact < report.get("project", "ner", "span_f1_overlap").value  # partial credit
    rows = list(csv.reader(io.StringIO(metrics_csv(report))))
    assert tuple(rows[0]) == HEADER
    assert {("project", "span_f1_exact"), ("annotator_pair", "span_f1_overlap")} <= {
        (r[1], r[3]) for r in rows[1:]
    }
