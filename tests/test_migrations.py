"""Migrations: one head, upgrade of an empty database gives exactly the models, downgrade works."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from annotate import create_app
from annotate.config import TestConfig
from annotate.database import db
from annotate.models.items import content_key
from annotate.models.search import FTS_TABLE, PG_INDEX


@pytest.fixture
def migration_app(tmp_path):
    """An app on an empty database: a SQLite file, or the configured server database."""
    url = TestConfig.SQLALCHEMY_DATABASE_URI
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'migrations.sqlite'}"
    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        meta = sa.MetaData()
        meta.reflect(bind=db.engine)
        meta.drop_all(bind=db.engine)
        yield app
        db.session.remove()
        meta = sa.MetaData()
        meta.reflect(bind=db.engine)
        meta.drop_all(bind=db.engine)
        db.engine.dispose()


def test_single_head(migration_app):
    script = ScriptDirectory.from_config(migration_app.extensions["migrate"].migrate.get_config())
    assert len(script.get_heads()) == 1


def _in_models(name, type_, _parents) -> bool:
    """The full-text search objects are made by DDL, not from the models' metadata
    (annotate.models.search): compared by :func:`_search_objects` instead."""
    if type_ == "table" and name is not None and name.startswith(FTS_TABLE):
        return False
    return not (type_ == "index" and name == PG_INDEX)


def _search_objects() -> set[str]:
    """The search index objects present: FTS5 table and triggers, or the GIN index."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            query = "SELECT type || ':' || name FROM sqlite_master WHERE name LIKE 'items_fts%'"
        else:
            query = f"SELECT 'index:' || indexname FROM pg_indexes WHERE indexname = '{PG_INDEX}'"
        return set(connection.scalars(sa.text(query)))


def test_upgrade_gives_exactly_the_models_and_downgrade_empties(migration_app):
    db.create_all()  # what the models' DDL makes, search objects included
    made_by_models = _search_objects()
    assert made_by_models
    db.drop_all()
    assert _search_objects() == set()
    upgrade()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": _in_models}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []
    assert _search_objects() == made_by_models
    tables = set(sa.inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
    downgrade(revision="base")
    assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}


def _filler(column: sa.Column, n: int):
    if isinstance(column.type, sa.JSON):
        return {}
    if isinstance(column.type, sa.Boolean):
        return False
    if isinstance(column.type, sa.DateTime):
        return datetime(2026, 1, 1)
    if isinstance(column.type, sa.Integer | sa.Float | sa.Numeric):
        return 1
    return f"v{n}"


def _insert(connection, table: sa.Table, **values):
    row = {
        c.name: _filler(c, n)
        for n, c in enumerate(table.columns)
        if not c.nullable and not c.primary_key and c.name not in values
    }
    connection.execute(table.insert().values(**row, **values))


def test_content_key_migration_backfills_existing_items(migration_app):
    """0003 adds items.content_key to a database that already holds items, from their hash."""
    script = ScriptDirectory.from_config(migration_app.extensions["migrate"].migrate.get_config())
    before = script.get_revision("0003").down_revision
    upgrade(revision=before)
    meta = sa.MetaData()
    meta.reflect(bind=db.engine)
    digests = ["f" * 64, "0" * 64, "7fffffffffffffff" + "a" * 48, "not-a-hex-digest"]
    with db.engine.begin() as connection:
        _insert(connection, meta.tables["projects"], id=1, slug="p")
        _insert(connection, meta.tables["batches"], id=1, project_id=1, name="b")
        for n, digest in enumerate(digests, start=1):
            _insert(
                connection,
                meta.tables["items"],
                id=n,
                project_id=1,
                batch_id=1,
                external_id=f"i{n}",
                content_hash=digest,
            )
    upgrade()
    with db.engine.connect() as connection:
        keys = connection.execute(
            sa.text("SELECT content_hash, content_key FROM items ORDER BY id")
        ).all()
    assert keys == [(d, content_key(d)) for d in digests]
    assert [k for _, k in keys[:3]] == [-1, 0, 2**63 - 1]
    downgrade(revision=before)
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM items")).scalar() == 4


def test_free_slot_migration_marks_the_items_still_open(migration_app):
    """0004 adds items.has_free_slot to a database that already holds items: true exactly
    where the count of taken slots is below the item's target (k for overlap and gold items,
    else 1), and the partial index of those items."""
    from annotate.services.labeling.assignment import overlap_bucket

    script = ScriptDirectory.from_config(migration_app.extensions["migrate"].migrate.get_config())
    before = script.get_revision("0004").down_revision
    upgrade(revision=before)
    meta = sa.MetaData()
    meta.reflect(bind=db.engine)
    overlap = next(i for i in range(1, 100) if overlap_bucket(i) < 500)
    single = next(i for i in range(1, 100) if overlap_bucket(i) >= 500 and i != overlap)
    gold = next(i for i in range(1, 100) if overlap_bucket(i) >= 500 and i not in (single,))
    counts = {overlap: 2, single: 1, gold: 2}  # k = 3: open, full, open (gold)
    with db.engine.begin() as connection:
        _insert(
            connection, meta.tables["projects"], id=1, slug="p", redundancy_k=3, overlap_share=0.5
        )
        _insert(connection, meta.tables["batches"], id=1, project_id=1, name="b")
        for n, count in counts.items():
            _insert(
                connection,
                meta.tables["items"],
                id=n,
                project_id=1,
                batch_id=1,
                external_id=f"i{n}",
                content_hash=f"{n:064x}",
                annotation_count=count,
                gold_answer="yes" if n == gold else sa.null(),
            )
    upgrade()
    with db.engine.connect() as connection:
        free = dict(connection.execute(sa.text("SELECT id, has_free_slot FROM items")).all())
    assert {n: bool(v) for n, v in free.items()} == {overlap: True, single: False, gold: True}
    assert "ix_items_free_slot" in {i["name"] for i in sa.inspect(db.engine).get_indexes("items")}
    downgrade(revision=before)
    assert "has_free_slot" not in {c["name"] for c in sa.inspect(db.engine).get_columns("items")}


def test_search_migration_indexes_the_items_already_there(migration_app):
    """privacy2 fills items.search_text of existing items and indexes them: the browser finds
    them by a Chinese and an English word."""
    from types import SimpleNamespace

    from annotate.services.data.browse import ItemFilter, browse_items

    upgrade(revision="privacy1")
    meta = sa.MetaData()
    meta.reflect(bind=db.engine)
    payloads = [{"text": "学中文很开心"}, {"prompt": "Battery life", "x": ["good"]}]
    with db.engine.begin() as connection:
        _insert(connection, meta.tables["projects"], id=1, slug="p", task_type="single_label")
        _insert(connection, meta.tables["batches"], id=1, project_id=1, name="b")
        for n, payload in enumerate(payloads, start=1):
            _insert(
                connection,
                meta.tables["items"],
                id=n,
                project_id=1,
                batch_id=1,
                external_id=f"i{n}",
                payload=payload,
                content_hash=f"{n:064x}",
                content_key=n,
            )
    upgrade()
    project = SimpleNamespace(id=1, slug="p")  # the row's other columns are filler
    for q, found in (("中文", ["i1"]), ("batt", ["i2"]), ("good", ["i2"]), ("文学", [])):
        page = browse_items(db.session, project, ItemFilter(q=q))
        assert [item.external_id for item, _ in page.items] == found, q
    db.session.rollback()
