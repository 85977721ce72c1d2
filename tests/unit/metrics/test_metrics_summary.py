"""agreement_summary, bootstrap intervals, spans and per-label agreement."""

import numpy as np
import pytest

from annotate.metrics import (
    agreement_summary,
    bootstrap_ci,
    fleiss_kappa,
    format_table,
    krippendorff_alpha,
    per_label_agreement,
    span_agreement,
)

NAN = np.nan
RAW4 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)
KEYS = {
    "n_items",
    "n_annotators",
    "n_annotations",
    "percent_agreement",
    "cohen_kappa",
    "fleiss_kappa",
    "scott_pi",
    "gwet_ac1",
    "krippendorff_alpha",
    "undefined",
}


def test_summary_keys_and_values():
    s = agreement_summary(RAW4, level="interval")
    assert set(s) == KEYS
    assert s["krippendorff_alpha"] == pytest.approx(0.849, abs=5e-4)
    assert s["fleiss_kappa"] == pytest.approx(0.7612, abs=1e-4)
    assert s["gwet_ac1"] == pytest.approx(0.7754, abs=1e-4)
    assert (s["n_items"], s["n_annotators"], s["n_annotations"]) == (12, 4, 41)
    assert s["undefined"] == {}


def test_summary_bootstrap_is_seeded():
    a = agreement_summary(RAW4, bootstrap=200, seed=5)
    b = agreement_summary(RAW4, bootstrap=200, seed=5)
    c = agreement_summary(RAW4, bootstrap=200, seed=6)
    assert a["ci"] == b["ci"] and a["ci"] != c["ci"]
    for name, (lo, hi) in a["ci"].items():
        assert lo <= hi, name
    table = format_table(a)
    assert "krippendorff_alpha" in table and "95% CI" in table


def test_summary_undefined_reasons():
    s = agreement_summary(["i1", "i2"], ["a", "a"], ["x", "y"])
    assert s["krippendorff_alpha"] is None and s["cohen_kappa"] is None
    assert set(s["undefined"]) == {
        "percent_agreement",
        "cohen_kappa",
        "fleiss_kappa",
        "scott_pi",
        "gwet_ac1",
        "krippendorff_alpha",
    }
    assert "undefined" in format_table(s)


def test_bootstrap_ci_contains_estimate():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, 300)
    m = np.array(
        [np.where(rng.random(300) < 0.8, truth, rng.integers(0, 3, 300)) for _ in range(3)],
        dtype=float,
    )
    ci = bootstrap_ci(fleiss_kappa, m, n_resamples=300, seed=1)
    est = fleiss_kappa(m).value
    assert ci.low < est < ci.high and ci.n_defined == 300
    ci2 = bootstrap_ci(
        lambda r: krippendorff_alpha(r, level="interval"), m, n_resamples=50, seed=1, numeric=True
    )
    assert ci2.low < ci2.high
    undefined = bootstrap_ci(fleiss_kappa, [[1, 1], [1, 1]], n_resamples=20)
    assert undefined.low is None and undefined.reason


def test_span_agreement_exact_and_overlap():
    items = ["d1", "d1", "d2", "d2"]
    anns = ["a", "b", "a", "b"]
    spans = [[(0, 5, "PER"), (10, 15, "ORG")], [(0, 5, "PER"), (10, 14, "ORG")], [], []]
    exact = span_agreement(items, anns, spans)
    assert exact.mean == pytest.approx(2 * 1 / 4)
    chars = span_agreement(items, anns, spans, mode="overlap")
    assert chars.mean == pytest.approx(2 * 9 / (10 + 9))
    text = {"d1": "Alice met ACME Inc today", "d2": "nothing"}
    tokens = span_agreement(items, anns, spans, mode="overlap", texts=text)
    assert tokens.mean == pytest.approx(1.0)
    assert exact.n_common[0][1] == 2
    none = span_agreement(["d"], ["a"], [[]])
    assert none.mean is None and none.reason


def test_per_label_one_vs_rest():
    items = [1, 1, 2, 2, 3, 3]
    anns = ["a", "b"] * 3
    vals = [["x"], ["x", "y"], ["y"], ["y"], [], ["x"]]
    res = per_label_agreement(items, anns, vals)
    assert set(res) == {"x", "y"}
    x = krippendorff_alpha(items, anns, [1, 1, 0, 0, 0, 1])
    assert res["x"].value == pytest.approx(x.value)
    single = per_label_agreement(items, anns, ["p", "p", "q", "q", "p", "q"], metric=fleiss_kappa)
    assert single["p"].metric == "fleiss_kappa"


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_summary_figures_are_each_functions_own(seed, level):
    # the summary builds one count matrix for five figures (metrics/headline.py)
    from annotate.metrics import as_ratings, gwet_ac1, percent_agreement, scott_pi

    rng = np.random.default_rng(seed)
    n_items, n_ann = int(rng.integers(1, 40)), int(rng.integers(1, 6))
    rows = [(i, a) for i in range(n_items) for a in range(n_ann) if rng.random() < 0.6]
    values = [int(rng.integers(1, 2 + seed % 4)) for _ in rows]
    if not rows:
        return
    r = as_ratings([i for i, _ in rows], [a for _, a in rows], values, numeric=True)
    s = agreement_summary(r, level=level)
    for name, fn in (
        ("percent_agreement", percent_agreement),
        ("fleiss_kappa", fleiss_kappa),
        ("scott_pi", scott_pi),
        ("gwet_ac1", gwet_ac1),
    ):
        want = fn(r)
        assert s[name] == want.value and s["undefined"].get(name) == want.reason, name
    alpha = krippendorff_alpha(r, level=level)
    assert s["krippendorff_alpha"] == alpha.value
    assert s["undefined"].get("krippendorff_alpha") == alpha.reason
