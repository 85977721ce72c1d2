"""Weighted κ and AC2 in the report of a rating project: equal to the pure functions run on
every counted annotation, weights matching the measurement level, with intervals."""

from __future__ import annotations

import pytest

from annotate.metrics import cohen_matrix, gwet_ac
from annotate.services.quality.report import ReportOptions, compute_report
from tests.services.quality.oracle_data import load_project_data
from tests.services.quality.report_paths import build, compare


@pytest.mark.parametrize(("level", "weights"), [("ordinal", "linear"), ("interval", "quadratic")])
def test_rating_project_has_weighted_kappa_and_ac2(db, make_project, make_user, level, weights):
    slug = f"wk-{level}"
    project, users = build(
        db,
        make_project,
        make_user,
        slug,
        "rating",
        [1, 2, 3, 4, 5],
        labels=None,
        scale="1-5",
        measurement_level=level,
    )
    compare(db, project, users)  # aggregate == in-memory, intervals included
    report = compute_report(db.session, project, ReportOptions(100, 4))
    data = load_project_data(db.session, project)
    names = [data.users.get(a, str(a)) for a in data.annotator.tolist()]
    values = [data.categories[v] for v in data.value.tolist()]
    scale = list(data.categories)
    items = data.item_code.tolist()
    kappa = report.get("project", slug, f"cohen_kappa_{weights}")
    pure = cohen_matrix(items, names, values, weights=weights, categories=scale).mean
    assert kappa.value == pytest.approx(pure, abs=1e-12) and kappa.level == level
    ac2 = report.get("project", slug, "gwet_ac2")
    pure_ac2 = gwet_ac(items, names, values, weights=weights, categories=scale).value
    assert ac2.value == pytest.approx(pure_ac2, abs=1e-12)
    for fig in (kappa, ac2):
        assert fig.ci_low <= fig.value <= fig.ci_high and "bootstrap" in fig.method
    assert report.get("project", slug, "gwet_ac2").n_items == kappa.n_items


def test_single_label_projects_get_no_weighted_figures(db, make_project, make_user):
    project, _ = build(db, make_project, make_user, "nom", "single_label", ["a", "b", "c"])
    report = compute_report(db.session, project, ReportOptions(0))
    assert report.get("project", "nom", "gwet_ac2") is None
    assert not any(f.metric.startswith("cohen_kappa_") for f in report.figures)


def test_multi_label_project_has_masi_alpha(db, make_project, make_user):
    from annotate.metrics import set_alpha

    project, users = build(
        db,
        make_project,
        make_user,
        "ml",
        "multi_label",
        [["a"], ["a", "b"], ["b"], ["a", "b", "c"], []],
        labels=["a", "b", "c"],
    )
    compare(db, project, users)
    report = compute_report(db.session, project, ReportOptions(60, 2))
    data = load_project_data(db.session, project)
    names = [data.users.get(a, str(a)) for a in data.annotator.tolist()]
    values = [list(data.categories[v]) for v in data.value.tolist()]
    pure = set_alpha(data.item_code.tolist(), names, values, distance="masi")
    fig = report.get("project", "ml", "krippendorff_alpha_masi")
    assert pure.value is not None and fig.value == pytest.approx(pure.value, abs=1e-12)
    assert fig.ci_low <= fig.value <= fig.ci_high and "MASI" in fig.method
    exact = report.get("project", "ml", "krippendorff_alpha").value
    assert fig.value > exact  # partial matches of label sets count
