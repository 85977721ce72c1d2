"""Benchmark annotate.metrics.mace against crowd-kit's MACE on simulated annotators.

    python bench/mace.py [--items 2000] [--annotators 8] [--per-item 4] [--restarts 10]

Annotators follow MACE's own generative story with known competences (evenly spaced from
0.95 down to 0.2; a spammer answers uniformly at random). Both implementations run the same
work: ``--restarts`` restarts × 50 EM iterations (ours with ``tol=0``, so no early stop).
Prints wall time (best of ``--repeat``), the speed-up (target ≥ 3×), whether the two rank the
annotators the same way and how both rankings compare with the true competences.

crowd-kit is *not* a dependency of annotate: it is imported only if installed (use a
bench-only virtualenv: ``pip install crowd-kit``). Its MACE 1.4 keys the strategy counts by
sorted names but its parameters by first appearance; the simulated ids are renamed so both
orders agree (otherwise its estimates are off, see tests/unit/metrics/test_metrics_mace.py).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from annotate.metrics import mace  # noqa: E402


def simulate(
    n_items: int, n_ann: int, per_item: int, k: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    competence = np.linspace(0.95, 0.2, n_ann)
    truth = rng.integers(0, k, n_items)
    ann = np.argsort(rng.random((n_items, n_ann)), axis=1)[:, :per_item].reshape(-1)
    item = np.repeat(np.arange(n_items), per_item)
    knows = rng.random(ann.size) < competence[ann]
    vals = np.where(knows, truth[item], rng.integers(0, k, ann.size))
    # rename annotators and labels in order of first appearance (see the module docstring)
    _, first = np.unique(ann, return_index=True)
    ann_rank = np.argsort(np.argsort(first))
    _, first_v = np.unique(vals, return_index=True)
    val_rank = np.argsort(np.argsort(first_v))
    true_comp = np.empty(n_ann)
    true_comp[ann_rank] = competence
    return item, ann_rank[ann], val_rank[vals], true_comp


def _time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--annotators", type=int, default=8)
    ap.add_argument("--per-item", type=int, default=4)
    ap.add_argument("--labels", type=int, default=4)
    ap.add_argument("--restarts", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    item, ann, val, true_comp = simulate(
        args.items, args.annotators, args.per_item, args.labels, args.seed
    )
    print(
        f"MACE: {args.items} items × {args.per_item} of {args.annotators} annotators, "
        f"{args.labels} labels ({item.size} annotations), {args.restarts} restarts × 50 iter"
    )
    print(f"true competences: {np.round(true_comp, 3).tolist()}")
    for method in ("em", "vb"):
        t_ours, ours = _time(
            lambda m=method: mace(
                item, ann, val, method=m, restarts=args.restarts, max_iter=50, tol=0
            ),
            args.repeat,
        )
        print(f"\n[{method}] annotate.metrics.mace  {t_ours * 1000:9.1f} ms")
        print(f"  competence       {np.round(ours.competence, 3).tolist()}")
        print(f"  ranking vs truth Spearman {_spearman(ours.competence, true_comp):.3f}")
        try:
            import pandas as pd
            from crowdkit.aggregation import MACE
        except ImportError:
            print("  crowd-kit not installed: skipped (pip install crowd-kit in a bench venv)")
            continue
        df = pd.DataFrame({"task": item, "worker": ann, "label": val})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_ck, ck = _time(
                lambda m=method, d=df: MACE(method=m, n_restarts=args.restarts, n_iter=50).fit(d),
                args.repeat,
            )
        ck_comp = ck.spamming_[:, 1] / ck.spamming_.sum(axis=1)
        same = list(np.argsort(-ck_comp)) == list(np.argsort(-ours.competence))
        labels = ck.labels_.to_dict()
        agree = np.mean([labels[i] == lab for i, lab in ours.labels().items()])
        print(f"  crowd-kit MACE   {t_ck * 1000:9.1f} ms   speed-up {t_ck / t_ours:6.1f}× (≥ 3×)")
        print(f"  crowd-kit comp.  {np.round(ck_comp, 3).tolist()}")
        print(
            f"  same ranking: {same}; Spearman ours vs crowd-kit "
            f"{_spearman(ours.competence, ck_comp):.3f}; max |Δ competence| "
            f"{np.abs(ours.competence - ck_comp).max():.4f}; MAP labels agree {agree:.1%}"
        )


if __name__ == "__main__":
    main()
