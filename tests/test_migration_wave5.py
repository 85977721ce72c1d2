"""This wave's migrations (after ``privacy2``: several questions per item, report snapshots,
pairwise order…) keep a one-question project as it was: the demo, seeded at the head, taken
down to ``privacy2`` and up again, gives the same metrics CSV and the same annotations."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from annotate.database import db
from annotate.models import Annotation, Project
from annotate.services.quality.metrics_csv import metrics_csv
from annotate.services.quality.report import ReportOptions, compute_report
from tests.test_migrations import migration_app  # noqa: F401  (the fixture)

BEFORE_THE_WAVE = "privacy2"


def _state() -> tuple[list[str], list[tuple]]:
    project = db.session.scalar(sa.select(Project).where(Project.slug == "demo"))
    report = compute_report(db.session, project, ReportOptions())
    rows = metrics_csv(report).splitlines()
    # The computed time is the one column that must differ.
    figures = sorted(",".join(row.split(",")[:-1]) for row in rows[1:])
    annotations = db.session.execute(
        sa.select(Annotation.id, Annotation.value, Annotation.is_current).order_by(Annotation.id)
    ).all()
    return figures, [tuple(a) for a in annotations]


def test_the_demo_survives_this_waves_migrations_unchanged(migration_app):  # noqa: F811
    from annotate.demo.seed import seed_demo

    upgrade()
    seed_demo(n_items=60)
    db.session.commit()
    before = _state()
    db.session.remove()
    downgrade(revision=BEFORE_THE_WAVE)
    upgrade()
    assert _state() == before
