"""One dict with every headline agreement figure — what ``annotate agreement`` prints and what
the web reports show."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from . import checks
from .agreement import cohen_matrix, fleiss_kappa, gwet_ac1, percent_agreement, scott_pi
from .data import Ratings, as_ratings
from .headline import nominal_figures
from .krippendorff_alpha import LEVELS, krippendorff_alpha

METRICS = (
    "percent_agreement",
    "cohen_kappa",
    "fleiss_kappa",
    "scott_pi",
    "gwet_ac1",
    "krippendorff_alpha",
)


def _metric_fns(level: str) -> dict[str, Callable[[Ratings], Any]]:
    return {
        "percent_agreement": percent_agreement,
        "cohen_kappa": cohen_matrix,
        "fleiss_kappa": fleiss_kappa,
        "scott_pi": scott_pi,
        "gwet_ac1": gwet_ac1,
        "krippendorff_alpha": lambda r: krippendorff_alpha(r, level=level),
    }


def agreement_summary(
    items: Sequence[Any] | Ratings,
    annotators: Sequence[Any] | None = None,
    values: Sequence[Any] | None = None,
    *,
    level: str = "nominal",
    bootstrap: int = 0,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Headline agreement figures as a JSON-ready dict.

    Keys: ``n_items``, ``n_annotators``, ``n_annotations``, ``percent_agreement``,
    ``cohen_kappa`` (mean over annotator pairs), ``fleiss_kappa``, ``scott_pi``, ``gwet_ac1``,
    ``krippendorff_alpha`` — each a float or ``None`` — and ``undefined`` (metric → reason).
    With ``bootstrap`` > 0 also ``ci`` (metric → ``[low, high]`` or ``None``), the seeded
    percentile bootstrap over items of :func:`~.bootstrap.bootstrap_agreement` — the project
    report's, so the same ratings and seed give the dashboard's intervals. ``level`` applies
    to Krippendorff's α (ordinal, interval and ratio need numeric values, ordered
    numerically); the other coefficients are nominal.

    :raises ValueError: for an unknown level, non-numeric values at a numeric level,
        mismatched lengths or duplicate (item, annotator) pairs.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    bootstrap = checks.count("bootstrap", bootstrap)
    seed = checks.seed(seed)
    confidence = checks.confidence(confidence)
    r = as_ratings(items, annotators, values, numeric=level != "nominal")
    fns = _metric_fns(level)
    out: dict[str, Any] = {
        "n_items": r.n_items,
        "n_annotators": r.n_annotators,
        "n_annotations": r.n_annotations,
    }
    undefined: dict[str, str] = {}
    shared = nominal_figures(r, level)  # five figures from one count matrix
    for name, fn in fns.items():
        res: Any = shared[name] if name in shared else fn(r)
        value = res.mean if name == "cohen_kappa" else res.value
        out[name] = value
        if value is None:
            undefined[name] = res.reason or "undefined"
    out["undefined"] = undefined
    if bootstrap:
        from .bootstrap import bootstrap_agreement  # scipy: loaded only when resampling

        boot = bootstrap_agreement(
            r, level, n_resamples=bootstrap, seed=seed, confidence=confidence
        )
        out["ci"] = {name: (list(ci) if (ci := boot.intervals.get(name)) else None) for name in fns}
    return out


def format_table(summary: dict[str, Any]) -> str:
    """A readable, aligned plain-text table of :func:`agreement_summary` output.

    :raises ValueError: if ``summary`` lacks a figure or holds a NaN or infinite one.
    """
    for name in METRICS:
        if name not in summary:
            raise ValueError(f"summary has no {name!r}")
        v = summary[name]
        if v is not None and not isinstance(v, int | float):
            raise ValueError(f"summary[{name!r}] must be a number or None, got {v!r}")
        checks.finite_result(f"summary[{name!r}]", v)
    ci = summary.get("ci")
    for name, c in (ci or {}).items():
        for bound in c or ():
            checks.finite_result(f"summary['ci'][{name!r}]", bound)
    rows = [("metric", "value") + (("95% CI",) if ci is not None else ())]
    for name in METRICS:
        v = summary[name]
        cell = "undefined" if v is None else f"{v:.4f}"
        row: tuple[str, ...] = (name, cell)
        if ci is not None:
            c = ci.get(name)
            row += ("—" if c is None else f"[{c[0]:.4f}, {c[1]:.4f}]",)
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        f"items: {summary['n_items']}   annotators: {summary['n_annotators']}   "
        f"annotations: {summary['n_annotations']}",
        "",
    ]
    for i, row in enumerate(rows):
        lines.append(
            "  ".join(
                c.ljust(w) if j == 0 else c.rjust(w)
                for j, (c, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    if summary["undefined"]:
        lines.append("")
        for name, reason in summary["undefined"].items():
            lines.append(f"{name}: undefined — {reason}")
    return "\n".join(lines)
