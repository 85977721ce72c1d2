"""The report's figures equal the metrics on the rows of each scope; streamed loading."""

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
)
from annotate.models import Annotation, Batch, BatchStatus, Item
from annotate.services.projects.projects import get_project
from annotate.services.quality.queries import _ahead, stream_rows
from annotate.services.quality.report import ReportOptions, compute_report
from tests.factories import labelled_project
from tests.services.quality.oracle_builder import ratings_for
from tests.services.quality.oracle_data import load_project_data


@pytest.fixture
def demo(db):
    labelled_project(db.session, n_items=150)
    return get_project(db.session, "demo")


def _rows(db, project, batch_id=None):
    stmt = (
        sa.select(Annotation.item_id, Annotation.annotator_id, Annotation.value)
        .join(Item, Item.id == Annotation.item_id)
        .join(Batch, Batch.id == Item.batch_id)
        .where(
            Item.project_id == project.id,
            Annotation.is_current.is_(True),
            Item.quarantined.is_(False),
            Batch.status != BatchStatus.void,
        )
    )
    if batch_id is not None:
        stmt = stmt.where(Item.batch_id == batch_id)
    return list(zip(*db.session.execute(stmt).all(), strict=True))


def test_every_scope_equals_the_metrics_on_its_rows(db, demo):
    report = compute_report(db.session, demo, ReportOptions(bootstrap=30))
    batches = dict(db.session.execute(sa.select(Batch.name, Batch.id)).all())
    for scope, scope_id, batch_id in [("project", "demo", None)] + [
        ("batch", name, batches[name]) for name in report.scope_ids("batch")
    ]:
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
            krippendorff_alpha(list(items), list(anns), binary).value, abs=1e-10
        )


def test_counts_match_the_rows_and_the_report_aggregates(db, demo):
    data = load_project_data(db.session, demo)
    whole = ratings_for(data, None)
    reference = np.bincount(
        whole.item_idx * whole.n_categories + whole.value_idx,
        minlength=whole.n_items * whole.n_categories,
    ).reshape(whole.n_items, whole.n_categories)
    assert np.array_equal(whole.counts(), reference)
    report = compute_report(db.session, demo, ReportOptions(bootstrap=0))
    assert report.data.n == data.n and report.data.n_cells < data.n  # aggregated


def test_stream_rows_chunks_and_restores_the_collector(db, demo):
    stmt = sa.select(Annotation.id, Annotation.item_id).order_by(Annotation.id)
    chunks = list(stream_rows(db.session, stmt, chunk=100))
    total = db.session.scalar(sa.select(sa.func.count(Annotation.id)))
    assert sum(len(c) for c in chunks) == total and max(len(c) for c in chunks) <= 100
    assert [row[0] for c in chunks for row in c] == sorted(row[0] for c in chunks for row in c)
    assert gc.isenabled()
    db.session.execute(sa.update(Batch).values(source="after streaming"))  # plain cursor again
    db.session.commit()


def test_prefetched_stream_yields_the_same_chunks_and_closes_early(db, demo):
    """``prefetch`` (PostgreSQL: the next chunk on a thread) changes nothing the caller sees;
    left early, the stream closes and the session serves the next query."""
    stmt = sa.select(Annotation.id, Annotation.item_id).order_by(Annotation.id)
    plain = [tuple(map(tuple, c)) for c in stream_rows(db.session, stmt, chunk=40)]
    ahead = [tuple(map(tuple, c)) for c in stream_rows(db.session, stmt, 40, prefetch=True)]
    assert ahead == plain and len(plain) > 2
    stream = stream_rows(db.session, stmt, 40, prefetch=True)
    assert [tuple(r) for r in next(stream)] == list(plain[0])
    stream.close()
    assert gc.isenabled()
    assert db.session.scalar(sa.select(sa.func.count(Annotation.id))) == sum(map(len, plain))


def test_ahead_fetches_one_chunk_ahead_and_passes_errors_on():
    fetched = []

    def chunks():
        for n in range(4):
            fetched.append(n)
            yield [n]
        raise ValueError("the server went away")

    stream = _ahead(chunks())
    assert next(stream) == [0]
    assert next(stream) == [1]
    stream.close()  # waits for the fetch under way: nothing is fetched after it returns
    assert fetched == [0, 1, 2]
    with pytest.raises(ValueError, match="went away"):
        list(_ahead(chunks()))
