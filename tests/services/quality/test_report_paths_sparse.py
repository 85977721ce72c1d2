"""The report's multiset cells and sparse overlap give the in-memory oracle's figures (as
``test_report_paths.py``, on SQLite and on PostgreSQL)."""

from __future__ import annotations

import pytest

from annotate.services.quality import sql as report_sql
from annotate.services.quality.model_figures import is_model_figure
from tests.services.quality.report_paths import LABELS, build, build_sparse, compare


@pytest.fixture
def multisets(monkeypatch):
    """Cells keyed on value multisets whatever their number (as with many sparse annotators)."""
    monkeypatch.setattr(report_sql, "VECTOR_BUDGET", 0)


@pytest.mark.parametrize("case", ["single", "interval", "ordinal", "multi", "plain", "text"])
def test_multiset_cells_match_in_memory(db, make_project, make_user, multisets, case):
    spec = {
        "single": ("single_label", LABELS[:3], {"labels": LABELS}),
        "interval": (
            "rating",
            [1, 2, 3, 3.0, 4, 5, 2.5],
            {"labels": None, "scale": "1-5", "measurement_level": "interval"},
        ),
        "ordinal": (
            "rating",
            [1, 2, 3, 4, 5],
            {"labels": None, "scale": "1-5", "measurement_level": "ordinal"},
        ),
        "multi": (
            "multi_label",
            [["a", "b"], ["b", "a"], ["a"], [], ["c"]],
            {"labels": ["a", "b", "c"]},
        ),
        "plain": ("single_label", LABELS, {"labels": LABELS, "gold": False, "reviews": False}),
        "text": ("text", ["x", "y", "z"], {"labels": None}),
    }[case]
    project, users = build(
        db, make_project, make_user, f"ms-{case}", spec[0], spec[1], seed=6, **spec[2]
    )
    _, agg = compare(db, project, users, anonymous=True)
    assert agg.data.n_cells < agg.data.n


def test_sparse_many_annotators_match_in_memory(db, make_project, make_user, monkeypatch):
    project, users = build_sparse(db, make_project, make_user, "sparse")
    _, vectors = compare(db, project, users[:3])  # few items: per-annotator vectors
    assert vectors.data.n_cells > 0.9 * 240  # nearly one cell per item
    monkeypatch.setattr(report_sql, "VECTOR_BUDGET", 100 * 30)  # as with many more items
    _, sets = compare(db, project, users[:3], anonymous=True)
    assert sets.data.n_cells < 0.75 * vectors.data.n_cells  # bounded by multisets, not items
    assert sets.pairwise.annotators == vectors.pairwise.annotators
    per_vector = [f for f in vectors.figures if not is_model_figure(f.metric)]
    assert len(per_vector) < len(vectors.figures)  # DS needs per-annotator vectors
    # MACE runs on the multiset path too (over item chunks), with the dense path's figures
    dense = {f.scope_id: f for f in vectors.figures if f.metric == "mace_competence"}
    assert len(dense) == 30 and sets.extras["mace"].keys() == dense.keys()
    for name, f in dense.items():
        g = sets.extras["mace"][name]
        assert g.value == pytest.approx(f.value, abs=1e-9) and g.method == f.method
        assert (g.n_annotations, g.rulebook_version) == (f.n_annotations, f.rulebook_version)
    for f, g in zip(per_vector, sets.figures, strict=True):
        assert (f.metric, f.value) == (g.metric, g.value) or f.value == pytest.approx(g.value)
        if f.metric != "cohen_kappa" and f.scope not in ("annotator_pair",):
            assert (f.ci_low is None) == (g.ci_low is None), (f.scope, f.scope_id, f.metric)
    project_ci = sets.get("project", "sparse", "fleiss_kappa")
    assert project_ci.ci_low <= project_ci.value <= project_ci.ci_high
    assert sets.get("project", "sparse", "cohen_kappa").ci_low is None
