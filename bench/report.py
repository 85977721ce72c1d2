"""Benchmark the full project report and the quality-metrics CSV (SQLite or PostgreSQL).

    python bench/report.py [--items 200000] [--sizes 40000,200000] [--annotators 5]
                           [--per-item K] [--questions Q]
                           [--bootstrap 200] [--db FILE | --db-url URL] [--repeat 3]
                           [--baseline-bootstrap N]

Builds (bulk inserts, once per database and size) a project of ``--items`` items each annotated
by all ``--annotators`` (1,000,000 annotations by default; 10 % gold items, four labels, two
batches, durations) — or, with ``--per-item K``, each by a random subset of K of the
``--annotators`` (sparse overlap: e.g. ``--annotators 100 --per-item 3``, where nearly every
item has its own rating vector) — then:

* times ``compute_report`` + ``metrics_csv`` (best of ``--repeat``, wall and CPU) and, in the
  same run, the naive way: every annotation as an ORM object →
  :func:`annotate.metrics.agreement_summary` (``--baseline-bootstrap`` resamples; -1 skips it),
  and prints the project figures of both and their largest difference;
* for every item count in ``--sizes`` (default 40,000 and 200,000 items: 200,000 and 1,000,000
  annotations), in a fresh process, the peak resident memory of the report computation: the
  kernel's high-water mark (``VmHWM``) is reset (``/proc/self/clear_refs``) after the imports
  and read after ``--repeat`` reports + CSVs; printed as the peak and its growth over the RSS
  just before. Flat memory = the same growth at both sizes.

With ``--questions Q`` (issue 15) a second project of the same items and annotations is built
as a form project of ``Q`` single-label questions (each annotation an object of ``Q`` answers,
each drawn like the one-question project's; gold items fix every other question only from the
second on), and both reports are timed in the same run: the ratio form / one question is
printed (target ≤ 2×), and the memory children measure both projects.

Target: under 5 s for 1,000,000 annotations. PostgreSQL: ``--db-url
postgresql+psycopg://postgres@127.0.0.1:5432/NAME`` (the database should hold nothing else).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from annotate import create_app  # noqa: E402
from annotate.config import Config  # noqa: E402
from annotate.database import db  # noqa: E402
from bench._report_data import DEFAULT_ITEMS, build, slug_for  # noqa: E402

AGREEMENT = ("krippendorff_alpha", "fleiss_kappa", "cohen_kappa", "gwet_ac1", "percent_agreement")


def naive(project: object, bootstrap: int) -> dict:
    """The baseline: every counted annotation as an ORM object → ``agreement_summary``."""
    import sqlalchemy as sa

    from annotate.metrics import agreement_summary
    from annotate.models import Annotation, Batch, BatchStatus, Item

    anns = db.session.scalars(
        sa.select(Annotation)
        .join(Item, Item.id == Annotation.item_id)
        .join(Batch, Batch.id == Item.batch_id)
        .where(
            Item.project_id == project.id,
            Item.quarantined.is_(False),
            Batch.status != BatchStatus.void,
            Annotation.is_current.is_(True),
        )
    ).all()
    summary = agreement_summary(
        [a.item_id for a in anns],
        [a.annotator_id for a in anns],
        [a.value for a in anns],
        bootstrap=bootstrap,
        seed=0,
    )
    db.session.expunge_all()
    return summary


def _status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(args: argparse.Namespace, url: str) -> None:
    """In a fresh process: time the report of one size and measure its peak RSS (JSON out)."""
    app = create_app(
        {
            "CONFIG_CLASS": Config,
            "SECRET_KEY": "bench-only-secret-key-0123456789abcdef",
            "SQLALCHEMY_DATABASE_URI": url,
        }
    )
    with app.app_context(), app.test_request_context():
        import annotate.services.quality.aggregate  # noqa: F401  (imports outside the measurement)
        from annotate.services.projects.projects import get_project
        from annotate.services.quality.metrics_csv import metrics_csv
        from annotate.services.quality.report import ReportOptions, compute_report

        project = get_project(
            db.session, slug_for(args.items, args.per_item, args.annotators, args.questions)
        )
        opts = ReportOptions(bootstrap=args.bootstrap)
        before = _status_mib("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # reset the high-water mark
        walls = []
        for _ in range(max(args.repeat, 1)):
            db.session.expire_all()
            t0 = time.perf_counter()
            report = compute_report(db.session, project, opts)
            metrics_csv(report)
            walls.append(time.perf_counter() - t0)
            n = report.data.n
            cells = report.data.n_cells
            del report
        print(
            json.dumps(
                {
                    "walls": walls,
                    "before": before,
                    "peak": _status_mib("VmHWM"),
                    "n": n,
                    "cells": cells,
                }
            )
        )


def compare_questions(form: object, one: object, opts: object, repeat: int, questions: int) -> None:
    """Time the form project's report and the one-question project's, interleaved (best of
    ``repeat`` each, so both see the same machine load), and print the ratio."""
    from annotate.services.quality.metrics_csv import metrics_csv
    from annotate.services.quality.report import compute_report

    best: dict[str, float] = {}
    cpu: dict[str, float] = {}
    rows: dict[str, int] = {}
    for _ in range(max(repeat, 1)):
        for name, project in (("one", one), ("form", form)):
            db.session.expire_all()
            t0, c0 = time.perf_counter(), time.process_time()
            report = compute_report(db.session, project, opts)
            rows[name] = len(metrics_csv(report).splitlines()) - 1
            wall, used = time.perf_counter() - t0, time.process_time() - c0
            best[name] = min(best.get(name, wall), wall)
            cpu[name] = min(cpu.get(name, used), used)
            n = report.data.n
    ratio = best["form"] / best["one"]
    print(
        f"{questions} questions vs one: {n:,} annotations each; report + CSV best "
        f"{best['form']:.2f} s ({rows['form']} rows) vs {best['one']:.2f} s ({rows['one']} rows): "
        f"ratio {ratio:.2f}x (CPU {cpu['form']:.2f} s vs {cpu['one']:.2f} s: "
        f"{cpu['form'] / cpu['one']:.2f}x)  target <= 2x: {'PASS' if ratio <= 2 else 'FAIL'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=DEFAULT_ITEMS)
    parser.add_argument(
        "--sizes",
        default="40000,200000",
        help="item counts whose peak RSS is measured, each in a fresh process ('' skips)",
    )
    parser.add_argument("--annotators", type=int, default=5)
    parser.add_argument(
        "--per-item",
        type=int,
        default=0,
        help="annotators per item, each item a random subset of --annotators "
        "(sparse overlap; 0: every annotator rates every item)",
    )
    parser.add_argument(
        "--questions",
        type=int,
        default=0,
        help="also build a form project of this many questions (same items and annotations) "
        "and print the ratio of its report time to the one-question project's",
    )
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument(
        "--baseline-bootstrap",
        type=int,
        default=20,
        help="resamples for the naive baseline's intervals (-1: no baseline)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", help="SQLite file to (re)use; default a temporary file")
    parser.add_argument("--db-url", help="SQLAlchemy URL (e.g. PostgreSQL); overrides --db")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = args.db or str(Path(tempfile.mkdtemp()) / "bench.sqlite")
    url = args.db_url or f"sqlite:///{path}"
    if args.child:
        child(args, url)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    app = create_app(
        {
            "CONFIG_CLASS": Config,
            "SECRET_KEY": "bench-only-secret-key-0123456789abcdef",
            "SQLALCHEMY_DATABASE_URI": url,
        }
    )
    with app.app_context(), app.test_request_context():
        import sqlalchemy as sa

        from annotate.models import Project
        from annotate.services.projects.projects import get_project
        from annotate.services.quality.metrics_csv import metrics_csv
        from annotate.services.quality.report import ReportOptions, compute_report

        kinds = [0, args.questions] if args.questions else [0]
        for n_items in sorted({args.items, *sizes}):
            for questions in kinds:
                slug = slug_for(n_items, args.per_item, args.annotators, questions)
                exists = (
                    sa.inspect(db.engine).has_table("projects")
                    and db.session.scalar(sa.select(Project.id).where(Project.slug == slug))
                    is not None
                )
                if not exists:
                    t0 = time.perf_counter()
                    build(n_items, args.annotators, args.per_item, questions)
                    print(
                        f"built {slug}: {n_items * (args.per_item or args.annotators):,} "
                        f"annotations in {time.perf_counter() - t0:.1f} s "
                        f"({db.engine.url.render_as_string()})"
                    )
        dialect = db.engine.dialect.name
        for n_items, questions in ((n, q) for n in sorted(sizes) for q in kinds):
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    "--db-url",
                    url,
                    "--items",
                    str(n_items),
                    "--bootstrap",
                    str(args.bootstrap),
                    "--repeat",
                    str(args.repeat),
                    "--annotators",
                    str(args.annotators),
                    "--per-item",
                    str(args.per_item),
                    "--questions",
                    str(questions),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            m = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{dialect}, fresh process, {questions or 1} question(s): "
                f"{m['n']:>9,} annotations, {m['cells']:,} cells: "
                f"report + CSV best {min(m['walls']):.2f} s of "
                f"{', '.join(f'{w:.2f}' for w in m['walls'])} s; peak RSS {m['peak']:.0f} "
                f"MiB = +{m['peak'] - m['before']:.0f} MiB over {m['before']:.0f} MiB before"
            )
        project = get_project(db.session, slug_for(args.items, args.per_item, args.annotators))
        opts = ReportOptions(bootstrap=args.bootstrap)
        if args.questions:
            form = get_project(
                db.session, slug_for(args.items, args.per_item, args.annotators, args.questions)
            )
            compare_questions(form, project, opts, args.repeat, args.questions)
        walls, cpus = [], []
        for _ in range(max(args.repeat, 1)):
            db.session.expire_all()
            t0, c0 = time.perf_counter(), time.process_time()
            report = compute_report(db.session, project, opts)
            text = metrics_csv(report)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        best = min(walls)
        print(
            f"{dialect}: annotations {report.data.n:,}  figures {len(report.figures)}  "
            f"CSV {len(text):,} bytes  ({report.data.n_cells:,} cells)"
        )
        print(
            f"report + CSV (bootstrap {args.bootstrap}): best {best:.2f} s of "
            f"{', '.join(f'{w:.2f}' for w in walls)} s wall; CPU "
            f"{', '.join(f'{c:.2f}' for c in cpus)} s; process peak RSS so far {rss:.0f} MiB  "
            f"target < 5 s: {'PASS' if best < 5 else 'FAIL'}"
        )
        summary = None
        if args.baseline_bootstrap >= 0:
            t0 = time.perf_counter()
            summary = naive(project, args.baseline_bootstrap)
            base = time.perf_counter() - t0
            rss2 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"naive (ORM objects → agreement_summary, bootstrap "
                f"{args.baseline_bootstrap}): {base:.2f} s; process peak RSS {rss2:.0f} MiB  "
                f"ratio naive / report: {base / best:.1f}×"
            )
        worst = 0.0
        for metric in (*AGREEMENT, "gold_accuracy", "items_per_hour"):
            f = report.get("project", project.slug, metric)
            ci = "" if f.ci_low is None else f"  [{f.ci_low:.4f}, {f.ci_high:.4f}]"
            line = f"  {metric:20s} {f.value:.6f}{ci}"
            if summary is not None and metric in AGREEMENT:
                worst = max(worst, abs(summary[metric] - f.value))
                c = (summary.get("ci") or {}).get(metric)
                line += f"   naive {summary[metric]:.6f}" + (
                    f"  [{c[0]:.4f}, {c[1]:.4f}]" if c else ""
                )
            print(line)
        if summary is not None:
            print(f"largest difference report vs naive point estimates: {worst:.1e}")


if __name__ == "__main__":
    main()
