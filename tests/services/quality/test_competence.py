"""MACE competence and Dawid–Skene confusion matrices in the report and the metrics CSV:
the figures equal the pure functions run on every counted annotation."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from annotate.metrics import dawid_skene, mace
from annotate.services.quality.competence import (
    DS_ACCURACY,
    MACE,
    MACE_RESTARTS,
    confusion_metric,
    confusion_table,
    is_competence,
)
from annotate.services.quality.metrics_csv import HEADER, metrics_csv
from annotate.services.quality.report import ReportOptions, compute_report
from tests.services.quality.oracle_data import load_project_data
from tests.services.quality.report_paths import LABELS, build


def _long(db, project):
    data = load_project_data(db.session, project)
    names = [data.users.get(a, str(a)) for a in data.annotator.tolist()]
    return data, data.item_code, names, [data.categories[v] for v in data.value.tolist()]


def test_single_label_report_has_mace_and_ds_per_annotator(db, make_project, make_user):
    project, users = build(db, make_project, make_user, "comp", "single_label", LABELS[:3])
    report = compute_report(db.session, project, ReportOptions(0, 5))
    data, items, names, values = _long(db, project)
    m = mace(items, names, values, restarts=MACE_RESTARTS, seed=5)
    ds = dawid_skene(items, names, values)
    assert set(m.annotators) == {u.username for u in users}
    for j, name in enumerate(m.annotators):
        fig = report.get("annotator", name, MACE)
        assert fig.value == pytest.approx(m.competence[j], abs=1e-9)
        assert fig.ci_low is None and "no interval" in fig.method
        assert fig.n_annotations == m.n_annotations[j]
        acc = report.get("annotator", name, DS_ACCURACY)
        assert acc.value == pytest.approx(ds.priors @ np.diag(ds.confusion[j]), abs=1e-9)
        answers, rows = confusion_table(report, name)
        assert answers == [str(c) for c in ds.categories]
        np.testing.assert_allclose(np.array(rows, float), ds.confusion[j], atol=1e-9)
        np.testing.assert_allclose(np.array(rows, float).sum(axis=1), 1.0)
    cell = confusion_metric(ds.categories[0], ds.categories[1])
    assert report.get("annotator", users[0].username, cell) is not None

    text = metrics_csv(report)
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == HEADER  # the columns never change
    metrics = {(r[1], r[3]) for r in rows[1:]}
    assert ("annotator", MACE) in metrics and ("annotator", DS_ACCURACY) in metrics
    assert ("annotator", cell) in metrics
    assert all(r[4] != "nan" for r in rows[1:])


def test_mace_restarts_shrink_on_very_large_projects() -> None:
    from types import SimpleNamespace

    from annotate.services.quality.competence import MACE_WORK, mace_restarts

    assert mace_restarts(SimpleNamespace(item_idx=np.zeros(5000))) == MACE_RESTARTS
    assert mace_restarts(SimpleNamespace(item_idx=np.zeros(MACE_WORK // 2))) == 2
    assert mace_restarts(SimpleNamespace(item_idx=np.zeros(3 * MACE_WORK))) == 1


def test_ratings_and_single_annotator_projects_get_none(db, make_project, make_user):
    project, _ = build(
        db, make_project, make_user, "rate", "rating", [1, 2, 3, 4, 5], labels=None, scale="1-5"
    )
    report = compute_report(db.session, project, ReportOptions(0, 0))
    assert not any(is_competence(f.metric) for f in report.figures)
    solo = make_project("solo", "single_label", labels=["yes", "no"])
    assert not any(
        is_competence(f.metric) for f in compute_report(db.session, solo, ReportOptions(0)).figures
    )
