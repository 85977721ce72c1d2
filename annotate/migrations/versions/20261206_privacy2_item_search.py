"""items.search_text and the database's full-text index of it (the item browser's search)

The browser searched items by a LIKE over the payload's JSON text: a scan of every item of
the project, and no match at all for Chinese (the JSON text holds \\u escapes). Now
``items.search_text`` holds the payload's text with every CJK character spaced out (so the
database's tokenizer takes each as a word), indexed by PostgreSQL's built-in full-text
search (GIN on ``to_tsvector('simple', search_text)``) or SQLite's FTS5 (an external-content
table ``items_fts``; new items enter it from the import or an ORM event, triggers follow
updates and deletes). See annotate.models.search.

Revision ID: privacy2
Revises: privacy1
Create Date: 2026-12-06 23:45:00

"""
import json
import re

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'privacy2'
down_revision = 'privacy1'
branch_labels = None
depends_on = None

CHUNK = 10_000
# annotate.models.search as of this revision (kept here so the migration does not change
# when the application code does).
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK = re.compile(f"[{CJK}]")
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS items_fts USING fts5("
    "search_text, content='items', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS items_fts_delete AFTER DELETE ON items BEGIN "
    "INSERT INTO items_fts(items_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS items_fts_update AFTER UPDATE OF search_text ON items BEGIN "
    "INSERT INTO items_fts(items_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO items_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS items_fts_delete",
    "DROP TRIGGER IF EXISTS items_fts_update",
    "DROP TABLE IF EXISTS items_fts",
)
POSTGRESQL_DDL = (
    "CREATE INDEX IF NOT EXISTS ix_items_search_text ON items "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def search_text(payload):
    text = "\n".join(_strings(payload))
    return text if text.isascii() else _CJK.sub(r" \g<0> ", text)


def upgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='',
                                      nullable=False))
    bind = op.get_bind()
    items = sa.table('items', sa.column('id', sa.Integer), sa.column('payload', sa.Text),
                     sa.column('search_text', sa.Text))
    last = 0
    while True:  # backfill in chunks of ids, so memory stays flat on a large table
        rows = bind.execute(sa.select(items.c.id, sa.cast(items.c.payload, sa.Text))
                            .where(items.c.id > last).order_by(items.c.id).limit(CHUNK)).all()
        if not rows:
            break
        bind.execute(items.update().where(items.c.id == sa.bindparam('item_id'))
                     .values(search_text=sa.bindparam('text')),
                     [{'item_id': i, 'text': search_text(json.loads(p or 'null'))}
                      for i, p in rows])
        last = rows[-1][0]
    if bind.dialect.name == 'sqlite':
        for statement in SQLITE_DDL:
            op.execute(statement)
        op.execute("INSERT INTO items_fts(items_fts) VALUES ('rebuild')")
    elif bind.dialect.name == 'postgresql':
        for statement in POSTGRESQL_DDL:
            op.execute(statement)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for statement in SQLITE_DROP:
            op.execute(statement)
    elif bind.dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_items_search_text")
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('search_text')
