"""Memory and time of MACE on the report's sparse-overlap path (issue 17).

    python bench/sparse_mace.py [--sizes 200000,1000000] [--annotators 100] [--per-item 3]
                                [--restarts 1] [--report-items N]

For each annotation count in ``--sizes`` (items = size / per-item, each rated by a random
``--per-item`` of ``--annotators``; MACE's generative story, four categories), from the same
three ``int32`` code columns the report holds (12 bytes per annotation):

* baseline: :func:`annotate.metrics.mace` on them (what the dense path would run), and
* :func:`annotate.metrics.mace_chunked.mace_chunked` (what the sparse path runs),

both ``--restarts`` restarts × 50 iterations; prints the peak of memory allocated during each
call (``tracemalloc``, numpy's buffers included, the input columns excluded), wall time, the
largest competence difference, and the ratios chunked / baseline. Flat memory: the chunked
peak is the same at every size.

``--report-items N``: also builds (``bench/report.py``'s bulk inserts, a temporary SQLite file)
a sparse project of N items and times the whole report (``compute_report``, best of 3, CPU)
with and without the sparse-path MACE, printing the ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from annotate.metrics import mace  # noqa: E402
from annotate.metrics.mace_chunked import mace_chunked  # noqa: E402


def simulate(n: int, n_ann: int, per_item: int, k: int = 4, seed: int = 1):
    rng = np.random.default_rng(seed)
    n_items = n // per_item
    competence = np.linspace(0.95, 0.2, n_ann)
    ann = np.argsort(rng.random((n_items, n_ann)), axis=1)[:, :per_item].reshape(-1)
    item = np.repeat(np.arange(n_items), per_item)
    truth = rng.integers(0, k, n_items)[item]
    knows = rng.random(item.size) < competence[ann]
    val = np.where(knows, truth, rng.integers(0, k, item.size))
    return item.astype(np.int32), ann.astype(np.int32), val.astype(np.int32)


def measure(fn):
    tracemalloc.start()
    start = time.perf_counter()
    result = fn()
    wall = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, wall, peak


def report_cost(n_items: int, n_ann: int, per_item: int) -> None:
    import tempfile

    import report as bench_report  # bench/report.py

    from annotate import create_app
    from annotate.config import Config
    from annotate.services.projects.projects import get_project
    from annotate.services.quality import report as quality_report

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        app = create_app(
            {"CONFIG_CLASS": Config, "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": url}
        )
        with app.app_context(), app.test_request_context():
            bench_report.build(n_items, n_ann, per_item)
            db = bench_report.db
            project = get_project(db.session, bench_report.slug_for(n_items, per_item, n_ann))
            on = quality_report.add_sparse_competence
            times = {}
            for name, fn in (("without", lambda *a: None), ("with", on)):
                quality_report.add_sparse_competence = fn
                best = float("inf")
                for _ in range(3):
                    t = time.process_time()
                    rep = quality_report.compute_report(
                        db.session, project, quality_report.ReportOptions(200)
                    )
                    best = min(best, time.process_time() - t)
                assert rep.data.anonymous
                times[name] = best
            quality_report.add_sparse_competence = on
    print(
        f"report of {n_items * per_item:,} annotations (sparse cells), CPU best of 3: "
        f"without MACE {times['without']:.2f} s, with {times['with']:.2f} s, "
        f"ratio {times['with'] / times['without']:.2f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="200000,1000000")
    ap.add_argument("--annotators", type=int, default=100)
    ap.add_argument("--per-item", type=int, default=3)
    ap.add_argument("--restarts", type=int, default=1)
    ap.add_argument("--report-items", type=int, default=0)
    args = ap.parse_args()
    if args.report_items:
        report_cost(args.report_items, args.annotators, args.per_item)
    print("annotations  baseline MB  chunked MB  ratio   baseline s  chunked s  ratio  max |Δθ|")
    for n in (int(s) for s in args.sizes.split(",")):
        item, ann, val = simulate(n, args.annotators, args.per_item)
        opts = {"restarts": args.restarts, "tol": 0.0, "seed": 0}
        whole, t0, m0 = measure(lambda: mace(item, ann, val, **opts))  # noqa: B023
        part, t1, m1 = measure(
            lambda: mace_chunked(item, ann, val, args.annotators, 4, **opts)  # noqa: B023
        )
        diff = float(np.abs(part.competence - whole.competence).max())
        print(
            f"{item.size:>11,}  {m0 / 2**20:>11.1f}  {m1 / 2**20:>10.1f}  {m1 / m0:>5.3f}"
            f"   {t0:>10.2f}  {t1:>9.2f}  {t1 / t0:>5.2f}  {diff:.1e}"
        )


if __name__ == "__main__":
    main()
