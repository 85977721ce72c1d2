"""The fast report path: streamed loading, SQL counts, pattern bootstrap — same figures."""

from __future__ import annotations

import gc

import numpy as np
import pytest
import sqlalchemy as sa

from annotate.metrics import (
    cohen_matrix,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    ratings_from_long,
)
from annotate.models import Annotation, Batch, BatchStatus, Item
from annotate.services.projects.projects import get_project
from annotate.services.quality.intervals import WeightBank, bootstrap_agreement
from annotate.services.quality.loading import load_project_data, stream_rows
from annotate.services.quality.memory import ratings_for
from annotate.services.quality.report import ReportOptions, compute_report
from tests.factories import labelled_project


@pytest.fixture
def demo(db):
    labelled_project(db.session, n_items=150)
    return get_project(db.session, "demo")


def _rows(db, project, batch_id=None):
    stmt = (sa.select(Annotation.item_id, Annotation.annotator_id, Annotation.value)
            .join(Item, Item.id == Annotation.item_id).join(Batch, Batch.id == Item.batch_id)
            .where(Item.project_id == project.id, Annotation.is_current.is_(True),
                   Item.quarantined.is_(False), Batch.status != BatchStatus.void))
    if batch_id is not None:
        stmt = stmt.where(Item.batch_id == batch_id)
    return list(zip(*db.session.execute(stmt).all(), strict=True))


def test_every_scope_equals_the_metrics_on_its_rows(db, demo):
    report = compute_report(db.session, demo, ReportOptions(bootstrap=30))
    batches = dict(db.session.execute(sa.select(Batch.name, Batch.id)).all())
    for scope, scope_id, batch_id in [("project", "demo", None)] + [
            ("batch", name, batches[name]) for name in report.scope_ids("batch")]:
        items, anns, values = (list(c) for c in _rows(db, demo, batch_id))
        expected = {
            "krippendorff_alpha": krippendorff_alpha(items, anns, values).value,
            "fleiss_kappa": fleiss_kappa(items, anns, values).value,
            "gwet_ac1": gwet_ac1(items, anns, values).value,
            "percent_agreement": percent_agreement(items, anns, values).value,
            "cohen_kappa": cohen_matrix(items, anns, values).mean,
        }
        for metric, value in expected.items():
            figure = report.get(scope, scope_id, metric)
            assert figure.value == pytest.approx(value, abs=1e-10), (scope, scope_id, metric)
            assert figure.n_annotations == len(items)
    items, anns, values = _rows(db, demo)
    for label in report.scope_ids("label"):
        binary = [int(v == label) for v in values]
        assert report.get("label", label, "krippendorff_alpha").value == pytest.approx(
            krippendorff_alpha(list(items), list(anns), binary).value, abs=1e-10)


def test_counts_match_the_rows_and_the_default_path_aggregates(db, demo):
    data = load_project_data(db.session, demo)
    whole = ratings_for(data, None)
    reference = np.bincount(whole.item_idx * whole.n_categories + whole.value_idx,
                            minlength=whole.n_items * whole.n_categories
                            ).reshape(whole.n_items, whole.n_categories)
    assert np.array_equal(whole.counts(), reference)
    report = compute_report(db.session, demo, ReportOptions(bootstrap=0))
    assert hasattr(report.data, "cell_weight")  # the aggregate path is the default
    assert report.data.n == data.n


def _expanded(r, weights):
    """The resample as explicit ratings: item ``i`` repeated ``weights[i]`` times."""
    items, anns, vals = [], [], []
    unit = 0
    rows = [np.flatnonzero(r.item_idx == i) for i in range(r.n_items)]
    for i, w in enumerate(weights.tolist()):
        for _ in range(int(w)):
            items += [unit] * rows[i].size
            anns += r.annot_idx[rows[i]].tolist()
            vals += r.value_idx[rows[i]].tolist()
            unit += 1
    return ratings_from_long(np.array(items), np.array(anns), np.array(vals),
                             categories=range(r.n_categories))


def test_pattern_bootstrap_equals_resampling_items_explicitly():
    rng = np.random.default_rng(7)
    items, anns, vals = [], [], []
    for i in range(60):
        truth = int(rng.integers(0, 3))
        for a in rng.choice(4, size=int(rng.integers(1, 5)), replace=False):
            items.append(i)
            anns.append(int(a))
            vals.append(truth if rng.random() < 0.7 else int(rng.integers(0, 3)))
    r = ratings_from_long(np.array(items), np.array(anns), np.array(vals))
    bank = WeightBank(np.arange(r.n_items), 40, seed=3)
    got = bootstrap_agreement(r, "nominal", n_resamples=40, bank=bank)
    samples = {"krippendorff_alpha": [], "fleiss_kappa": [], "percent_agreement": [],
               "gwet_ac1": [], "cohen_kappa": []}
    for w in bank.weights:
        e = _expanded(r, w)
        for name, fn in (("krippendorff_alpha", krippendorff_alpha),
                         ("fleiss_kappa", fleiss_kappa), ("gwet_ac1", gwet_ac1),
                         ("percent_agreement", percent_agreement)):
            value = fn(e).value
            if value is not None:
                samples[name].append(value)
        mean = cohen_matrix(e).mean
        if mean is not None:
            samples["cohen_kappa"].append(mean)
    for name, vals_ in samples.items():
        low, high = np.quantile(np.asarray(vals_), [0.025, 0.975])
        assert got.intervals[name] == pytest.approx((low, high), abs=1e-10), name
    # a one-vs-rest scope over the same items reuses the summed weights: same answer
    binary = ratings_from_long(r.item_idx, r.annot_idx, (r.value_idx == 1).astype(int))
    again = bootstrap_agreement(binary, "nominal", n_resamples=40, bank=bank, pairs=False)
    fresh = bootstrap_agreement(binary, "nominal", n_resamples=40, pairs=False,
                                bank=WeightBank(np.arange(r.n_items), 40, seed=3))
    assert again.intervals.keys() == fresh.intervals.keys()
    for name, interval in fresh.intervals.items():
        assert again.intervals[name] == (None if interval is None
                                         else pytest.approx(interval, abs=1e-12))


def test_stream_rows_chunks_and_restores_the_collector(db, demo):
    stmt = sa.select(Annotation.id, Annotation.item_id).order_by(Annotation.id)
    chunks = list(stream_rows(db.session, stmt, chunk=100))
    total = db.session.scalar(sa.select(sa.func.count(Annotation.id)))
    assert sum(len(c) for c in chunks) == total and max(len(c) for c in chunks) <= 100
    assert [row[0] for c in chunks for row in c] == sorted(row[0] for c in chunks for row in c)
    assert gc.isenabled()
    db.session.execute(sa.update(Batch).values(source="after streaming"))  # plain cursor again
    db.session.commit()
