"""Benchmark annotate.metrics against its baselines, side by side in one run.

    python bench/metrics.py [--items 1000000] [--ds-items 100000] [--repeat 3]

1. Nominal Krippendorff's α, 5 annotators × N items, 10 labels, 20 % missing, against
   ``krippendorff.alpha``: wall time (best of ``--repeat``) and peak memory (tracemalloc
   around each call, measured in separate runs from the timing), values equal to 1e-9.
   Targets: ≥ 3× faster, ≤ ¼ of the peak memory.
2. Interval α on 2 × 400 continuous ratings: median time, target < 10 ms.
3. Dawid–Skene on M items × 5 annotators against crowd-kit's ``DawidSkene`` (same tol and
   iteration cap), target ≥ 3× faster. crowd-kit is *not* a dependency: it is imported only if
   installed (use a bench-only virtualenv).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import krippendorff  # noqa: E402

from annotate.metrics import dawid_skene, krippendorff_alpha  # noqa: E402


def _time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _peak(fn: Callable[[], Any]) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _mb(n: float) -> str:
    return f"{n / 2**20:,.1f} MiB"


def bench_nominal(n_items: int, repeat: int) -> bool:
    rng = np.random.default_rng(0)
    data = rng.integers(0, 10, size=(5, n_items)).astype(float)
    data[rng.random(data.shape) < 0.2] = np.nan
    print(f"[1] nominal alpha, 5 annotators x {n_items:,} items, 10 labels, 20% missing")
    ours_t, ours = _time(lambda: krippendorff_alpha(data).value, repeat)
    base_t, base = _time(lambda: krippendorff.alpha(data, level_of_measurement="nominal"), repeat)
    ours_m = _peak(lambda: krippendorff_alpha(data))
    base_m = _peak(lambda: krippendorff.alpha(data, level_of_measurement="nominal"))
    diff = abs(ours - base)
    speed, mem = base_t / ours_t, ours_m / base_m
    print(f"    annotate.metrics   {ours_t:8.3f} s   peak {_mb(ours_m):>12}   alpha={ours:.12f}")
    print(f"    krippendorff.alpha {base_t:8.3f} s   peak {_mb(base_m):>12}   alpha={base:.12f}")
    print(
        f"    speed-up {speed:.1f}x (target >= 3x)   memory ratio {mem:.3f} (target <= 0.25)"
        f"   |diff| {diff:.1e} (target <= 1e-9)"
    )
    return speed >= 3 and mem <= 0.25 and diff <= 1e-9


def bench_interval(repeat: int) -> bool:
    rng = np.random.default_rng(1)
    truth = rng.normal(50, 10, 400)
    data = np.vstack([truth + rng.normal(0, 3, 400), truth + rng.normal(0, 3, 400)])
    krippendorff_alpha(data, level="interval")  # warm-up
    times = []
    for _ in range(max(repeat, 20)):
        t0 = time.perf_counter()
        ours = krippendorff_alpha(data, level="interval").value
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    # the package builds V × V matrices over the 800 distinct values: one run is enough
    base_t, base = _time(lambda: krippendorff.alpha(data, level_of_measurement="interval"), 1)
    print("[2] interval alpha, 2 annotators x 400 continuous ratings")
    print(f"    annotate.metrics   {med * 1e3:8.3f} ms (median)  alpha={ours:.12f}")
    print(f"    krippendorff.alpha {base_t * 1e3:8.1f} ms (1 run)   alpha={base:.12f}")
    verdict = "ok" if med < 0.010 else "MISSED"
    print(f"    target < 10 ms: {verdict}   |diff| {abs(ours - base):.1e}")
    return med < 0.010 and abs(ours - base) <= 1e-9


def _ds_data(n_items: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2)
    k = 5
    truth = rng.integers(0, k, n_items)
    acc = np.array([0.9, 0.8, 0.75, 0.65, 0.5])
    items, anns, vals = [], [], []
    for j, a in enumerate(acc):
        lab = np.where(rng.random(n_items) < a, truth, rng.integers(0, k, n_items))
        items.append(np.arange(n_items))
        anns.append(np.full(n_items, j))
        vals.append(lab)
    return np.concatenate(items), np.concatenate(anns), np.concatenate(vals)


def bench_dawid_skene(n_items: int, repeat: int, tol: float = 1e-5) -> bool | None:
    items, anns, vals = _ds_data(n_items)
    print(f"[3] Dawid-Skene, {n_items:,} items x 5 annotators, 5 classes, tol={tol}")
    ours_t, ours = _time(lambda: dawid_skene(items, anns, vals, tol=tol, max_iter=100), repeat)
    print(f"    annotate.metrics   {ours_t:8.3f} s   iterations={ours.n_iter}")
    try:
        import pandas as pd
        from crowdkit.aggregation import DawidSkene
    except ImportError:
        print("    skipped: crowd-kit not installed (pip install crowd-kit in a bench-only venv)")
        return None
    df = pd.DataFrame({"task": items, "worker": anns, "label": vals})
    model: Any = None

    def run() -> Any:
        nonlocal model
        model = DawidSkene(n_iter=100, tol=tol).fit(df)
        return model

    base_t, _ = _time(run, 1)
    probas = model.probas_.sort_index()[list(range(5))].to_numpy()
    same = float((probas.argmax(axis=1) == ours.posteriors.argmax(axis=1)).mean())
    diff = float(np.abs(probas - ours.posteriors).max())
    speed = base_t / ours_t
    print(f"    crowd-kit          {base_t:8.3f} s   iterations={len(model.loss_history_)}")
    print(
        f"    speed-up {speed:.1f}x (target >= 3x)   same MAP label {same:.4%}   "
        f"max |posterior diff| {diff:.1e}"
    )
    return speed >= 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--items",
        type=int,
        default=1_000_000,
        help="items for the nominal alpha benchmark (default 1,000,000)",
    )
    parser.add_argument(
        "--ds-items",
        type=int,
        default=100_000,
        help="items for the Dawid-Skene benchmark (default 100,000)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timing repeats (best of)")
    args = parser.parse_args()
    from importlib.metadata import version

    print(
        f"numpy {np.__version__}, krippendorff {version('krippendorff')}, "
        f"python {sys.version.split()[0]}"
    )
    results = [
        bench_nominal(args.items, args.repeat),
        bench_interval(args.repeat),
        bench_dawid_skene(args.ds_items, args.repeat),
    ]
    verdict = ["ok" if r else ("skipped" if r is None else "MISSED") for r in results]
    print(
        "summary: nominal "
        + verdict[0]
        + ", interval "
        + verdict[1]
        + ", dawid-skene "
        + verdict[2]
    )
    return 0 if all(r is not False for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
