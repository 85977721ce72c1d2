"""The nominal headline figures of :func:`~.summary.agreement_summary` from one count matrix.

Percent agreement, Fleiss' κ, Scott's π, Gwet's AC1 and nominal α all start from the same
item × category counts, the same observed agreement and (Fleiss, AC1) the same prevalence;
computed one by one, each figure builds them again — most of the time of ``annotate
agreement`` on a large file. Here they are built once and handed to the same formulas, so
every figure is the one its own function gives, to the last bit
(``tests/unit/metrics/test_metrics_summary.py``).
"""

from __future__ import annotations

from .agreement import (
    _chance_corrected,
    _n,
    _observed,
    _prevalence,
    agreement_weights,
    fleiss_kappa,
    gwet_ac1,
    percent_agreement,
    scott_pi,
)
from .data import Ratings
from .krippendorff_alpha import _nominal, _result, krippendorff_alpha
from .results import AgreementResult


def nominal_figures(r: Ratings, level: str = "nominal") -> dict[str, AgreementResult]:
    """``percent_agreement``, ``fleiss_kappa``, ``scott_pi``, ``gwet_ac1`` and
    ``krippendorff_alpha`` (at ``level``) of ``r``, as their functions compute them."""
    counts = r.counts()
    p_o, pairable = _observed(counts)
    alpha = (
        _result(_n(r), level, *_nominal(counts), "krippendorff_alpha")
        if level == "nominal"
        else krippendorff_alpha(r, level=level)
    )
    if p_o is None:  # no item has two ratings: every function says so in its own words
        return {
            "percent_agreement": percent_agreement(r),
            "fleiss_kappa": fleiss_kappa(r),
            "scott_pi": scott_pi(r),
            "gwet_ac1": gwet_ac1(r),
            "krippendorff_alpha": alpha,
        }
    ns = _n(r)
    pi = _prevalence(counts)
    pooled_n = pairable.astype(counts.dtype) @ counts  # Scott's π: pairable items' ratings
    pooled = pooled_n / pooled_n.sum()
    q = r.n_categories
    if q < 2:
        ac1 = AgreementResult(
            "gwet_ac1", None, *ns, reason="only one category was used", observed=p_o
        )
    else:
        # AC1's weights are the identity: its observed agreement is percent agreement's
        w = agreement_weights(q, None)
        p_e = float(w.sum() / (q * (q - 1)) * (pi * (1 - pi)).sum())
        ac1 = _chance_corrected("gwet_ac1", r, p_o, p_e)
    return {
        "percent_agreement": AgreementResult("percent_agreement", p_o, *ns, observed=p_o),
        "fleiss_kappa": _chance_corrected("fleiss_kappa", r, p_o, float((pi**2).sum())),
        "scott_pi": _chance_corrected("scott_pi", r, p_o, float((pooled**2).sum())),
        "gwet_ac1": ac1,
        "krippendorff_alpha": alpha,
    }


__all__ = ["nominal_figures"]
