"""``annotate agreement``, ``annotate sample-plan`` and ``annotate sample-size``.

Plain click commands (no Flask app context needed): thin wrappers over ``annotate.metrics``.
Register them on the ``annotate`` group with ``add_command``.
"""

from __future__ import annotations

import json
import math

import click

# Only the sampling-plan table at import time: numpy and scipy load in the commands that
# need them, so ``annotate --help`` and ``annotate sample-plan`` start fast.
from annotate.metrics.iso2859 import AQLS, INSPECTION_LEVELS, single_sampling_plan


def _json(obj: object) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False)


@click.command("agreement")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--level",
    type=click.Choice(["nominal", "ordinal", "interval", "ratio"]),
    default="nominal",
    show_default=True,
    help="Level of measurement for Krippendorff's alpha; ordinal, interval and ratio "
    "need numeric labels (ordinal order = numeric order).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "table"]),
    default="json",
    show_default=True,
    help="Print one JSON object or a readable table.",
)
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Number of bootstrap resamples (items resampled) for 95% intervals; 0 = no intervals.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed for the bootstrap resampling."
)
def agreement_command(file: str, level: str, fmt: str, bootstrap: int, seed: int) -> None:
    """Inter-annotator agreement for FILE.

    FILE is a CSV with header item,annotator,label or a JSONL file with those keys (chosen
    by the .csv/.jsonl extension). An empty label (or JSON null/"") is a missing value.
    Prints percent agreement, Cohen's kappa (mean over annotator pairs), Fleiss' kappa,
    Scott's pi, Gwet's AC1 and Krippendorff's alpha; undefined figures are null with a reason.
    """
    from annotate.metrics import LongFormatError, agreement_summary, format_table
    from annotate.metrics.columnar import read_long_ratings

    try:
        ratings = read_long_ratings(file, numeric=level != "nominal")
    except LongFormatError as exc:
        raise click.UsageError(f"{file}: {exc}") from None
    except OSError as exc:
        raise click.UsageError(f"cannot read {file}: {exc.strerror or exc}") from None
    try:
        summary = agreement_summary(ratings, level=level, bootstrap=bootstrap, seed=seed)
    except ValueError as exc:
        raise click.UsageError(f"{file}: {exc}") from None
    click.echo(_json(summary) if fmt == "json" else format_table(summary))


def _aql(value: str) -> float:
    try:
        aql = float(value)
    except ValueError:
        aql = math.nan
    for a in AQLS:
        if abs(a - aql) <= 1e-9 * max(1.0, a):
            return a
    raise click.BadParameter(
        f"{value!r} is not a standard AQL; use one of {', '.join(f'{a:g}' for a in AQLS)}",
        param_hint="'--aql'",
    )


@click.command("sample-plan")
@click.option(
    "--lot-size",
    type=click.IntRange(min=2),
    required=True,
    help="Number of items in the lot (batch) to be verified.",
)
@click.option(
    "--aql",
    required=True,
    help="Acceptable quality limit in percent nonconforming, a standard value "
    "(0.010 … 1000), e.g. 1.0.",
)
@click.option(
    "--inspection-level",
    type=click.Choice(list(INSPECTION_LEVELS)),
    default="II",
    show_default=True,
    help="ISO 2859-1 inspection level.",
)
def sample_plan_command(lot_size: int, aql: str, inspection_level: str) -> None:
    """ISO 2859-1 / ANSI Z1.4 single sampling plan, normal inspection.

    Prints JSON with the code letter (Table I), the sample size and the acceptance and
    rejection numbers (Table II-A, arrows followed; a sample that reaches the lot size
    means inspecting the whole lot).
    """
    plan = single_sampling_plan(lot_size, _aql(aql), inspection_level)
    click.echo(
        _json(
            {
                "code_letter": plan.code_letter,
                "sample_size": plan.sample_size,
                "accept": plan.accept,
                "reject": plan.reject,
            }
        )
    )


@click.command("sample-size")
@click.option(
    "--margin",
    type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
    required=True,
    help="Margin of error as a proportion, e.g. 0.05 for ±5 points.",
)
@click.option(
    "--confidence",
    type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
    default=0.95,
    show_default=True,
    help="Confidence level.",
)
@click.option(
    "--population",
    type=click.IntRange(min=1),
    default=None,
    help="Population size for the finite-population correction (omit for infinite).",
)
def sample_size_command(margin: float, confidence: float, population: int | None) -> None:
    """Sample size to estimate a proportion (e.g. an error rate) within ± MARGIN.

    Uses the conservative p = 0.5 and, with --population, the finite-population correction.
    """
    from annotate.metrics import sample_size

    try:
        n = sample_size(margin, confidence, population)
    except ValueError as exc:  # NaN passes click's FloatRange; the function refuses it
        raise click.UsageError(str(exc)) from None
    click.echo(_json({"sample_size": n}))
