"""datateam1 backfills the provenance of annotations imported before it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from annotate.database import db
from tests.test_migrations import _insert, migration_app  # noqa: F401  (the fixture)


def test_imported_annotations_get_their_batch_provenance(migration_app):  # noqa: F811
    script = ScriptDirectory.from_config(migration_app.extensions["migrate"].migrate.get_config())
    before = script.get_revision("datateam1").down_revision
    upgrade(revision=before)
    meta = sa.MetaData()
    meta.reflect(bind=db.engine)
    imported_at = datetime(2026, 11, 5, 12, 0)
    with db.engine.begin() as connection:
        _insert(connection, meta.tables["projects"], id=1, slug="p")
        _insert(connection, meta.tables["users"], id=1, username="u")
        _insert(
            connection,
            meta.tables["batches"],
            id=1,
            project_id=1,
            name="b",
            source="ls.json (sha256 abc)",
            imported_at=imported_at,
        )
        _insert(
            connection,
            meta.tables["items"],
            id=1,
            project_id=1,
            batch_id=1,
            external_id="i1",
            content_hash="0" * 64,
        )
        for n, source in ((1, "imported"), (2, "web")):
            _insert(
                connection,
                meta.tables["annotations"],
                id=n,
                item_id=1,
                annotator_id=1,
                source=source,
                value="yes",
            )
    upgrade(revision="datateam1")
    with db.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, imported_from, imported_at FROM annotations ORDER BY id")
        ).all()
    assert rows[0][1] == "Label Studio: ls.json (sha256 abc)" and rows[0][2] is not None
    assert str(rows[0][2]).startswith("2026-11-05 12:00")
    assert rows[1][1:] == (None, None)
    downgrade(revision=before)
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("annotations")}
    assert "imported_from" not in columns and "imported_at" not in columns
