"""No NaN, no silent wrong answer: every public function of ``annotate.metrics`` refuses NaN,
±inf, fractional counts and NaN ids with a ``ValueError`` naming the argument.

``CASES`` (in :mod:`tests.unit.metrics.validation_cases`) lists, per public function, one
call per argument with the bad value in it; the coverage test fails when
``annotate.metrics.__all__`` gains a function (or a class that takes arguments) that has no
entry there, so a new function can't skip its validation.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import annotate.metrics as m
from tests.unit.metrics.validation_cases import ANNS, CASES, INF, ITEMS, NAN, VALS

#: Public names that are results or exceptions: built by the package, not fed user input.
RESULT_TYPES = {
    "AccuracyReport",
    "AgreementResult",
    "BootResult",
    "DawidSkeneResult",
    "Interval",
    "LongFormatError",
    "MaceResult",
    "MajorityVote",
    "PairwiseResult",
    "Proportion",
    "Ratings",  # integer codes made by ratings_from_long / as_ratings (validated there)
    "SamplingPlan",
}


def _file(tmp: Path, label: str) -> str:
    path = tmp / "labels.jsonl"
    path.write_text(
        f'{{"item": "1", "annotator": "a", "label": {label}}}\n'
        '{"item": "1", "annotator": "b", "label": 1}\n',
        encoding="utf-8",
    )
    return str(path)


def _public_callables() -> set[str]:
    out = set()
    for name in m.__all__:
        obj = getattr(m, name)
        if name in RESULT_TYPES:
            continue
        if inspect.isfunction(obj) or inspect.isclass(obj):
            out.add(name)
    return out


def test_every_public_function_has_validation_cases() -> None:
    covered = {case[0] for case in CASES}
    missing = _public_callables() - covered
    assert not missing, f"public functions without a bad-input case in CASES: {sorted(missing)}"
    assert covered <= set(m.__all__)


@pytest.mark.parametrize(
    ("fn_name", "arg", "strategy", "call"),
    [case for case in CASES if case[3] is not None],
    ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES) if c[3] is not None],
)
def test_bad_input_raises_value_error_naming_the_argument(
    fn_name: str, arg: str, strategy: Any, call: Callable[[Any], Any]
) -> None:
    @settings(max_examples=15, deadline=None, database=None)
    @given(bad=strategy)
    def check(bad: Any) -> None:
        with pytest.raises(ValueError, match=arg):
            call(bad)

    check()


@settings(
    max_examples=10,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(label=st.sampled_from(["NaN", "Infinity", "-Infinity"]), numeric=st.booleans())
def test_read_long_file_refuses_non_finite_json_labels(
    tmp_path: Path, label: str, numeric: bool
) -> None:
    with pytest.raises(m.LongFormatError, match="label"):
        m.read_long_file(_file(tmp_path, label), numeric=numeric)


# ------------------------------------------------------------------ the issue's examples


def test_issue_examples() -> None:
    with pytest.raises(ValueError, match="successes"):
        m.clopper_pearson_interval(NAN, 10)
    with pytest.raises(ValueError, match="successes"):
        m.wilson_interval(NAN, 10)
    with pytest.raises(ValueError, match="successes"):
        m.wilson_interval(2.5, 10)
    with pytest.raises(ValueError, match="lot_size"):
        m.single_sampling_plan(NAN, 1.0)
    with pytest.raises(ValueError, match="values"):
        m.krippendorff_alpha(["i1", "i1"], ["a", "b"], [INF, 1.0])
    with pytest.raises(ValueError, match="values"):
        m.fleiss_kappa(["i1", "i1"], ["a", "b"], [-INF, -INF])
    with pytest.raises(ValueError, match="max_iter"):
        m.dawid_skene(ITEMS, ANNS, VALS, max_iter=0)
    with pytest.raises(ValueError, match="metric"):
        m.bootstrap_ci(lambda r: NAN, ITEMS, ANNS, VALS, n_resamples=20)


def test_valid_edge_values_still_work() -> None:
    """Integral floats are counts; NaN is still a missing value, not an error."""
    assert m.wilson_interval(3.0, 10.0) == m.wilson_interval(3, 10)
    assert m.single_sampling_plan(np.int64(100), 1.0) == m.single_sampling_plan(100, 1.0)
    r = m.percent_agreement([1, 1, 2, 2], ["a", "b", "a", "b"], [1.0, NAN, 2.0, 2.0])
    assert r.value == 1.0 and r.n_annotations == 3
    assert m.dawid_skene(ITEMS, ANNS, VALS, max_iter=1).n_iter == 1
    interval = m.bootstrap_ci(lambda r: None, ITEMS, ANNS, VALS, n_resamples=5)
    assert interval.low is None and interval.n_defined == 0


# --------------------------------------------- no NaN out, whatever valid input is drawn

label_values = st.one_of(
    st.none(), st.just(NAN), st.integers(min_value=0, max_value=3), st.sampled_from(["x", "y"])
)


@settings(max_examples=60, deadline=None, database=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 3), label_values), min_size=0, max_size=25
    )
)
def test_no_metric_returns_nan(rows: list[tuple[int, int, Any]]) -> None:
    seen: set[tuple[int, int]] = set()
    items, anns, vals = [], [], []
    for item, ann, val in rows:
        if (item, ann) in seen:
            continue
        seen.add((item, ann))
        items.append(item)
        anns.append(ann)
        vals.append(val)
    results: list[Any] = [
        fn(items, anns, vals)
        for fn in (
            m.percent_agreement,
            m.fleiss_kappa,
            m.scott_pi,
            m.gwet_ac1,
            m.krippendorff_alpha,
        )
    ]
    results += [m.cohen_matrix(items, anns, vals), m.pairwise_percent_agreement(items, anns, vals)]
    for res in results:
        for value in (res.value if hasattr(res, "value") else res.mean,):
            assert value is None or math.isfinite(value), res
    summary = m.agreement_summary(items, anns, vals, bootstrap=20, seed=1)
    for name, value in summary.items():
        if isinstance(value, float):
            assert math.isfinite(value), name
    for ci in summary["ci"].values():
        assert ci is None or all(math.isfinite(b) for b in ci)
    if any(v is not None and v == v for v in vals):
        ds = m.dawid_skene(items, anns, vals, max_iter=5)
        assert math.isfinite(ds.log_likelihood)
        assert np.isfinite(ds.posteriors).all() and np.isfinite(ds.confusion).all()
