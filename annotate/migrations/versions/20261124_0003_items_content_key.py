"""items.content_key: a 64-bit key of the content hash, indexed instead of the hash

The duplicate-content lookup of the import used an index on (project_id, content_hash), 64
characters per entry: past a few hundred thousand items it no longer fits in the page cache
and every insert of a bulk import pays random reads. The key is the first 16 hex digits of the
sha256 as a signed 64-bit integer; lookups confirm a match on the full hash.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 23:20:00

"""
import hashlib

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

CHUNK = 10_000


def content_key(digest):
    """annotate.models.items.content_key as of this revision (kept here so the migration
    does not change when the application code does)."""
    try:
        value = int(digest[:16], 16)
    except ValueError:
        value = int(hashlib.sha256(digest.encode()).hexdigest()[:16], 16)
    return value - (1 << 64) if value >= 1 << 63 else value


def upgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_key', sa.BigInteger(), nullable=True))
    bind = op.get_bind()
    items = sa.table('items', sa.column('id', sa.Integer), sa.column('content_hash', sa.String),
                     sa.column('content_key', sa.BigInteger))
    last = 0
    while True:  # backfill in chunks of ids, so memory stays flat on a large table
        rows = bind.execute(sa.select(items.c.id, items.c.content_hash)
                            .where(items.c.id > last).order_by(items.c.id).limit(CHUNK)).all()
        if not rows:
            break
        bind.execute(items.update().where(items.c.id == sa.bindparam('item_id'))
                     .values(content_key=sa.bindparam('key')),
                     [{'item_id': i, 'key': content_key(h)} for i, h in rows])
        last = rows[-1][0]
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.alter_column('content_key', existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_index('ix_items_project_id_content_hash')
        batch_op.create_index('ix_items_project_id_content_key', ['project_id', 'content_key'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_project_id_content_key')
        batch_op.create_index('ix_items_project_id_content_hash', ['project_id', 'content_hash'],
                              unique=False)
        batch_op.drop_column('content_key')
