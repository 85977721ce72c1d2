"""msgs1 turns the demo's English alerts and feedback into codes with parameters."""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from annotate.database import db
from tests.test_migrations import migration_app  # noqa: F401  (the fixture)

OLD_ALERT = (
    "agreement with peers (mean Cohen's kappa) {value:.3f} is below the threshold {t:.3f} (n = {n})"
)


def _rows(table: str) -> dict[int, tuple]:
    with db.engine.connect() as connection:
        return {
            row.id: (
                row.code,
                json.loads(row.params) if isinstance(row.params, str) else row.params,
            )
            for row in connection.execute(sa.text(f"SELECT id, code, params FROM {table}"))
        }


def test_english_rows_of_the_demo_get_their_codes(migration_app):  # noqa: F811
    from annotate.demo.seed import seed_demo

    script = ScriptDirectory.from_config(migration_app.extensions["migrate"].migrate.get_config())
    before = script.get_revision("msgs1").down_revision
    upgrade()  # the demo is seeded by today's models, so at the head
    seed_demo()  # alerts, a retraining, reviews: as the services write them
    db.session.commit()
    events, feedback = _rows("supervision_events"), _rows("feedback")
    assert {code for code, _ in events.values()} >= {"supervision.alert"}
    assert {code for code, _ in feedback.values()} >= {
        "supervision.retrain",
        "review.verdict",
    }
    # The demo as it was before: only English text, as the code of the day wrote it.
    db.session.remove()
    downgrade(revision=before)
    with db.engine.begin() as connection:
        alert = connection.execute(
            sa.text(
                "SELECT id, value, threshold, n FROM supervision_events "
                "WHERE action = 'alert' AND metric = 'cohen_kappa' ORDER BY id"
            )
        ).first()
        connection.execute(
            sa.text("UPDATE supervision_events SET reason = :r WHERE id = :id"),
            {
                "r": OLD_ALERT.format(value=alert.value, t=alert.threshold, n=alert.n),
                "id": alert.id,
            },
        )
        odd = connection.execute(sa.text("SELECT max(id) FROM feedback")).scalar()
        connection.execute(
            sa.text("UPDATE feedback SET message = 'Well done!' WHERE id = :id"), {"id": odd}
        )
    upgrade(revision="msgs1")
    again_events, again_feedback = _rows("supervision_events"), _rows("feedback")
    assert again_events[alert.id] == events[alert.id]  # the old wording is recognised too
    assert again_feedback.pop(odd) == (None, None)  # not recognised: shown as it was
    assert again_feedback == {k: v for k, v in feedback.items() if k != odd}
    assert again_events == events
    downgrade(revision=before)
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("feedback")}
    assert "code" not in columns and "params" not in columns
