"""Benchmark the claim with the queue ordered by model uncertainty against id order.

    python bench/claim_order.py [--db-url postgresql+psycopg://postgres@127.0.0.1:5432/b]
                                [--items 100000] [--claims 300] [--done 0.5]

Builds the database of ``bench/http_loop.py`` (``--items`` items, one annotator; the first
``--done`` share of items already full), gives 90 % of the items a random model score
(``items.prediction_score``, as a predictions import writes it), then times ``--claims``
claims (``claim_next`` + commit, in process) with the project's ``order_by_uncertainty`` off
(the **baseline**: id order) and on, in the same run, on SQLite (a temporary file) and, with
``--db-url``, on PostgreSQL. Prints the mean and p95 per claim and the ratio on/off. Each
claimed lease is closed outside the timing, so every claim takes a new item.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._http_data import SECRET, SLUG, build  # noqa: E402


def _scores(session, project_id: int) -> None:
    import sqlalchemy as sa

    from annotate.models import Item

    rng = random.Random(0)
    ids = session.scalars(sa.select(Item.id).where(Item.project_id == project_id)).all()
    rows = [{"i": i, "s": rng.random()} for i in ids if rng.random() < 0.9]
    table = Item.__table__
    session.execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("i"))
        .values(prediction_score=sa.bindparam("s")),
        rows,
    )


def _time(url: str, claims: int, ordered: bool) -> list[float]:
    import sqlalchemy as sa

    from annotate import create_app
    from annotate.config import Config
    from annotate.database import db
    from annotate.models import Assignment, AssignmentStatus, Project, User
    from annotate.services.labeling.assignment import claim_next

    app = create_app({"CONFIG_CLASS": Config, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    out = []
    with app.app_context():
        project = db.session.scalar(sa.select(Project).where(Project.slug == SLUG))
        project.order_by_uncertainty = ordered
        db.session.commit()
        user = db.session.scalar(sa.select(User).where(User.username == "ann0"))
        for _ in range(claims):
            t0 = time.perf_counter()
            claim = claim_next(db.session, user, project)
            db.session.commit()
            out.append(time.perf_counter() - t0)
            assert claim is not None
            db.session.execute(
                sa.update(Assignment)
                .where(Assignment.id == claim.assignment.id)
                .values(status=AssignmentStatus.submitted)
            )
            db.session.commit()
        db.engine.dispose()
    return out


def run(url: str, items: int, claims: int, done: float) -> None:
    import sqlalchemy as sa

    from annotate import create_app
    from annotate.config import Config
    from annotate.database import db
    from annotate.models import Project

    build(url, items, 1, done)
    app = create_app({"CONFIG_CLASS": Config, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        project = db.session.scalar(sa.select(Project).where(Project.slug == SLUG))
        _scores(db.session, project.id)
        db.session.commit()
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        db.engine.dispose()
    base = _time(url, claims, False)
    ordered = _time(url, claims, True)
    name = sa.engine.make_url(url).get_backend_name()
    for label, times in (("id order (baseline)", base), ("by uncertainty", ordered)):
        p95 = statistics.quantiles(times, n=20)[-1]
        mean = 1000 * statistics.mean(times)
        print(f"{name:10} {label:20} mean {mean:7.2f} ms  p95 {1000 * p95:7.2f} ms")
    ratio = statistics.mean(ordered) / statistics.mean(base)
    print(f"{name:10} ratio by uncertainty / id order: {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db-url", help="also on this PostgreSQL database (rebuilt!)")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--claims", type=int, default=300)
    parser.add_argument("--done", type=float, default=0.5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/claims.sqlite", args.items, args.claims, args.done)
    if args.db_url:
        run(args.db_url, args.items, args.claims, args.done)


if __name__ == "__main__":
    main()
