"""The sparse report's one-pass scan gives exactly the tables of the three GROUP BYs it
replaced (:func:`annotate.services.quality.sparse.load_sparse`, kept as the oracle)."""

from datetime import timedelta
from types import SimpleNamespace

import numpy as np
import pytest
import sqlalchemy as sa

from annotate.models import Annotation
from annotate.services.quality import sparse_scan
from annotate.services.quality.queries import Decoder
from annotate.services.quality.sparse import load_sparse
from annotate.services.quality.sparse_mace import load_codes, scanned_codes
from annotate.services.quality.sparse_scan import scan_sparse
from tests.services.quality.report_paths import START, build, build_sparse


def _same_tables(db, project, window=None):
    texts = db.session.scalars(sa.select(sa.cast(Annotation.value, sa.Text)).distinct()).all()
    dec = Decoder([t for t in texts if t != "null"])
    dialect = db.session.get_bind().dialect.name
    old = load_sparse(db.session, project, dec, dialect, window)
    new = scan_sparse(db.session, project, dec, window)
    assert old.codes is None and new.codes is not None
    _same_codes(db, project, dec, window, new.codes)
    for name in old.__dataclass_fields__:
        if name == "codes":
            continue
        a, b = getattr(old, name), getattr(new, name)
        if isinstance(a, dict):
            assert a == b, name
        else:
            assert np.array_equal(a, b), name
    return new


def _same_codes(db, project, dec, window, kept):
    """The scan keeps MACE's input: the (item, annotator, value) codes that
    :func:`load_codes` reads with a query of its own (the oracle), the same rows in the same
    item order (within an item the scan orders by annotator, the query not at all)."""
    report = SimpleNamespace(project=project, data=SimpleNamespace(categories=dec.categories))
    want = load_codes(db.session, report, window)
    got = scanned_codes(kept)
    assert got[3] == want[3]  # annotator ids, in code order
    assert np.array_equal(got[0], want[0])  # item numbers, annotation by annotation
    assert sorted(zip(*(c.tolist() for c in got[:3]), strict=True)) == sorted(
        zip(*(c.tolist() for c in want[:3]), strict=True)
    )


def test_scan_equals_the_group_bys_on_a_sparse_project(db, make_project, make_user, monkeypatch):
    project, _ = build_sparse(db, make_project, make_user, "scan", n_ann=12, n_items=120)
    monkeypatch.setattr(sparse_scan, "SCAN_CHUNK", 7)  # items straddle many chunks
    tables = _same_tables(db, project)
    assert tables.p_n.sum() == 120 * 3 and len(tables.peer) == 12
    window = (START + timedelta(days=5), START + timedelta(days=20))
    assert 0 < _same_tables(db, project, window).p_n.sum() < 120 * 3


@pytest.mark.parametrize("case", ["multi", "interval"])
def test_scan_equals_the_group_bys_on_values_that_merge(db, make_project, make_user, case):
    # [a, b] and [b, a], 3 and 3.0: different texts, one category
    task, values, kw = {
        "multi": (
            "multi_label",
            [["a", "b"], ["b", "a"], ["a"], [], ["c"]],
            {"labels": list("abc")},
        ),
        "interval": (
            "rating",
            [1, 2, 3, 3.0, 4, 5, 2.5],
            {"labels": None, "scale": "1-5", "measurement_level": "interval"},
        ),
    }[case]
    project, _ = build(db, make_project, make_user, f"scan-{case}", task, values, seed=3, **kw)
    _same_tables(db, project)


def test_a_prefix_over_the_budget_skips_the_vector_cells(db, make_project, make_user, monkeypatch):
    from annotate.services.quality import sql as report_sql
    from annotate.services.quality.report import ReportOptions, compute_report

    project, _ = build_sparse(db, make_project, make_user, "probe", n_ann=30, n_items=160)
    monkeypatch.setattr(report_sql, "VECTOR_BUDGET", 30 * 60)  # 160 items' cells pass it
    opts = ReportOptions(bootstrap=20)
    full = compute_report(db.session, project, opts)  # 160 items: no probe
    calls = []
    real = report_sql._raw_cells
    monkeypatch.setattr(
        report_sql, "_raw_cells", lambda *a: calls.append((a[3], a[6:] != ())) or real(*a)
    )
    monkeypatch.setattr(report_sql, "PROBE_ITEMS", 100)  # 100 items' cells pass it too
    probed = compute_report(db.session, project, opts)
    assert full.data.anonymous and probed.data.anonymous
    assert calls == [(False, True), (True, False)]  # the probe, then the multisets
    assert [(f.scope, f.scope_id, f.metric, f.value, f.ci_low) for f in full.figures] == [
        (f.scope, f.scope_id, f.metric, f.value, f.ci_low) for f in probed.figures
    ]
