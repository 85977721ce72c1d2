"""The pure choice of a sample: which annotations of a lot a plan reviews, and its Ac/Re.

Owns the method resolution (a project's default, ``all`` for security projects), the strata
keys of a stratified draw, the acceptance numbers of the min-review-accuracy rule and the
seeded draw itself (:func:`choose_sample`). No database access: :mod:`.sampling` loads the
lot, stores the plan and mixes in the review-gold annotations. The same seed on the same lot
chooses the same sample.
"""

from __future__ import annotations

import math
from typing import Any

from flask_babel import lazy_gettext as _l

from annotate.metrics import draw_sample, single_sampling_plan
from annotate.metrics.iso2859 import AQLS, INSPECTION_LEVELS
from annotate.models import Annotation, Project, RulebookKind, SampleMethod
from annotate.services.errors import InvalidInput

STRATA = ("annotator", "label")


def canonical(value: Any) -> Any:
    """``value`` in a comparable form (a list of labels sorted as strings)."""
    return sorted(map(str, value)) if isinstance(value, list) else value


def _strata(annotations: list[Annotation], keys: list[str]) -> list[str]:
    out = []
    for ann in annotations:
        parts = []
        if "annotator" in keys:
            parts.append(f"a{ann.annotator_id}")
        if "label" in keys:
            parts.append(f"l={canonical(ann.value)}")
        out.append("|".join(parts))
    return out


def resolve_method(project: Project, method: SampleMethod | str | None) -> SampleMethod:
    """The method a draw uses: ``method``, or the project's default (``all`` for security).

    :raises InvalidInput: an unknown method, or not ``all`` on a security project.
    """
    if method is None:
        return (
            SampleMethod.all
            if project.rulebook_kind == RulebookKind.security
            else project.default_sample_method
        )
    try:
        method = SampleMethod(method)
    except ValueError:
        raise InvalidInput(
            _l(
                "Unknown sampling method %(method)s; choose one of %(choices)s",
                method=method,
                choices=", ".join(m.value for m in SampleMethod),
            )
        ) from None
    if project.rulebook_kind == RulebookKind.security and method != SampleMethod.all:
        raise InvalidInput(
            _l(
                "%(project)s has security rules: TC260-003 requires every annotation to be "
                "reviewed, so the method must be 'all'.",
                project=project.name,
            )
        )
    return method


def rule_numbers(n: int, min_accuracy: float) -> tuple[int, int]:
    """Ac/Re of ``n`` reviews: accept at most ``⌊n × (1 − min_accuracy)⌋`` defects."""
    accept = max(0, math.floor(n * (1 - min_accuracy) + 1e-9))
    return accept, accept + 1


def choose_sample(
    project: Project,
    method: SampleMethod,
    lot: list[Annotation],
    seed: int,
    *,
    rate: float | None,
    n: int | None,
    aql: float | None,
    inspection_level: str | None,
    strata: list[str],
    min_per_stratum: int,
) -> tuple[list[int], dict[str, Any], int, int, str | None]:
    """Return ``(annotation ids, parameters, Ac, Re, code letter)`` of a seeded draw.

    :raises InvalidInput: bad parameters for ``method``.
    """
    ids = [a.id for a in lot]
    size = len(ids)
    params: dict[str, Any] = {}
    letter = None
    try:
        if method == SampleMethod.all:
            chosen, (ac, re) = list(ids), (0, 1)
            params["rule"] = "zero_defects"
        elif method == SampleMethod.iso2859:
            aql = project.aql if aql is None else aql
            level = inspection_level or project.inspection_level
            if level not in INSPECTION_LEVELS:
                raise ValueError(f"inspection level must be one of {', '.join(INSPECTION_LEVELS)}")
            if not any(abs(a - aql) <= 1e-9 * max(1.0, a) for a in AQLS):
                raise ValueError(
                    f"AQL {aql:g} is not a standard value; use one of "
                    + ", ".join(f"{a:g}" for a in AQLS)
                )
            params.update(aql=aql, inspection_level=level, rule="iso2859")
            if size < 2:
                chosen, (ac, re) = list(ids), (0, 1)
            else:
                plan = single_sampling_plan(size, aql, level)
                chosen = draw_sample(ids, size=plan.sample_size, seed=seed)
                ac, re, letter = plan.accept, plan.reject, plan.code_letter
                params.update(
                    plan_code_letter=plan.plan_code_letter, full_inspection=plan.full_inspection
                )
        else:
            if method == SampleMethod.fixed_n:
                if n is None:
                    raise ValueError("a fixed-n plan needs n (--n)")
                chosen = draw_sample(ids, size=n, seed=seed)
                params["n"] = n
            else:
                if n is None and rate is None:
                    rate = project.sample_rate
                if method == SampleMethod.stratified:
                    keys = strata or ["annotator"]
                    unknown = [k for k in keys if k not in STRATA]
                    if unknown:
                        raise ValueError(f"strata must be among {', '.join(STRATA)}")
                    chosen = draw_sample(
                        ids,
                        rate=rate,
                        size=n,
                        seed=seed,
                        strata=_strata(lot, keys),
                        min_per_stratum=min_per_stratum,
                    )
                    params.update(strata=keys, min_per_stratum=min_per_stratum)
                    if n is not None:
                        params["n"] = n
                else:
                    if rate is None:
                        raise ValueError("a random-rate plan needs a rate (--rate)")
                    chosen = draw_sample(ids, rate=rate, seed=seed)
                if rate is not None:
                    params["rate"] = rate
            ac, re = rule_numbers(len(chosen), project.min_review_accuracy)
            params.update(
                rule="min_review_accuracy", min_review_accuracy=project.min_review_accuracy
            )
    except ValueError as exc:
        raise InvalidInput("The sample plan was not drawn.", [str(exc)]) from None
    return chosen, params, ac, re, letter
