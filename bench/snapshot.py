"""What a quality page costs now that it reads a stored report snapshot, against the whole
report it computed per request before (SQLite or PostgreSQL, same run, same project).

    python bench/snapshot.py [--items 20000] [--annotators 5] [--bootstrap 200]
                             [--db FILE | --db-url URL] [--repeat 3]

Builds the project of ``bench/report.py`` (``--items`` × ``--annotators`` annotations), then
times, best of ``--repeat``: ``compute_report`` (the old per-request work of the dashboard,
the annotator pages and each annotator's own page), storing it as a snapshot (the job's
extra work), reading the latest snapshot back (:func:`~annotate.services.quality.snapshots.
page_report`: one row, JSON decoding) and the data version the job and the schedule compare.
Prints each with its ratio to ``compute_report`` and the stored snapshot's size.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from annotate import create_app  # noqa: E402
from annotate.config import Config  # noqa: E402
from annotate.database import db  # noqa: E402


def best(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--annotators", type=int, default=5)
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", help="SQLite file to (re)use; default a temporary file")
    parser.add_argument("--db-url", help="SQLAlchemy URL (e.g. PostgreSQL); overrides --db")
    args = parser.parse_args()
    url = args.db_url or f"sqlite:///{args.db or Path(tempfile.mkdtemp()) / 'bench.sqlite'}"
    app = create_app(
        {
            "CONFIG_CLASS": Config,
            "SECRET_KEY": "bench-only-secret-key-0123456789abcdef",
            "SQLALCHEMY_DATABASE_URI": url,
        }
    )
    with app.app_context(), app.test_request_context():
        import sqlalchemy as sa
        from report import build, slug_for  # bench/report.py

        from annotate.models import Project
        from annotate.services.quality.report import ReportOptions, compute_report
        from annotate.services.quality.snapshots import data_version, page_report, store

        slug = slug_for(args.items, 0, args.annotators)
        if not sa.inspect(db.engine).has_table("projects"):
            db.create_all()
        project = db.session.scalar(sa.select(Project).where(Project.slug == slug))
        if project is None:
            build(args.items, args.annotators)
            project = db.session.scalar(sa.select(Project).where(Project.slug == slug))
        options = ReportOptions(bootstrap=args.bootstrap)
        report = compute_report(db.session, project, options)
        version = data_version(db.session, project)
        store(db.session, report, version, 0)
        db.session.commit()

        def read() -> None:
            db.session.expire_all()
            page_report(db.session, project, options)

        timings = {
            "compute_report (before: every page view)": best(
                args.repeat, lambda: compute_report(db.session, project, options)
            ),
            "store a snapshot (the job, besides computing)": best(
                args.repeat, lambda: (store(db.session, report, version, 0), db.session.flush())
            ),
            "read the latest snapshot (now: every page view)": best(args.repeat, read),
            "data version (job and schedule)": best(
                args.repeat, lambda: data_version(db.session, project)
            ),
        }
        db.session.rollback()
        row = page_report(db.session, project, options)[0]
        size = len(json.dumps(row.figures)) + len(json.dumps(row.payload))
        n = args.items * args.annotators
        print(
            f"{db.engine.dialect.name}, {n:,} annotations, {len(report.figures):,} figures, "
            f"snapshot {size / 1024:.0f} KiB of JSON"
        )
        base = timings["compute_report (before: every page view)"]
        for name, seconds in timings.items():
            print(f"  {name:<50} {seconds * 1000:9.1f} ms   {seconds / base:8.4f}× compute")


if __name__ == "__main__":
    main()
